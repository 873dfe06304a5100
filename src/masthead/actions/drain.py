"""`drain`: cordon a node, then evict its pods through the Eviction API, as `kubectl drain`.

DaemonSet-owned pods and mirror (static) pods are skipped. A pod with emptyDir volumes needs
`deleteEmptyDirData`, a pod without a controller needs `force`; without them the drain fails
before evicting anything (the node stays cordoned), as kubectl does. Evictions run with bounded
concurrency; one refused by a disruption budget (429) is `blocked` and retried every
`retry_interval` until the drain's timeout. `Drain` holds the progress (one snapshot shape for
the answer, the GET and the SSE stream) and can be cancelled; running it in the background,
per cluster and bounded, is `masthead.api.drains`' job.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from masthead.actions.base import (
    MERGE_PATCH,
    ActionInvalid,
    Answer,
    Check,
    Plan,
    Target,
    flag,
    integer,
    name_of,
    rfc3339,
)
from masthead.actions.nodes import cordon_patch
from masthead.kube.errors import ApiError, KubeError
from masthead.kube.transport import Transport

log = logging.getLogger(__name__)

MIRROR = "kubernetes.io/config.mirror"
DEFAULT_TIMEOUT = 300
MAX_TIMEOUT = 24 * 3600
# Pod states; a drain's states are running / done / failed / cancelled / timeout.
PENDING, EVICTING, BLOCKED, EVICTED, SKIPPED, FAILED = (
    "pending",
    "evicting",
    "blocked",
    "evicted",
    "skipped",
    "failed",
)


@dataclass(frozen=True, slots=True)
class DrainOptions:
    node: str
    grace_period: int | None
    timeout: int
    delete_empty_dir_data: bool
    force: bool


@dataclass(frozen=True, slots=True)
class DrainTuning:
    concurrency: int = 5  # evictions in flight per drain
    retry_interval: float = 5.0  # seconds between attempts of a blocked eviction
    poll_interval: float = 1.0  # seconds between checks that an evicted pod is gone


@dataclass(slots=True)
class PodProgress:
    namespace: str
    name: str
    state: str = PENDING
    message: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "namespace": self.namespace,
            "name": self.name,
            "state": self.state,
            "message": self.message,
        }


def options_of(body: Mapping[str, Any]) -> DrainOptions:
    timeout = integer(body, "timeoutSeconds", required=False, minimum=1)
    if timeout is not None and timeout > MAX_TIMEOUT:
        raise ActionInvalid("timeoutSeconds", f"timeoutSeconds must be ≤ {MAX_TIMEOUT}")
    return DrainOptions(
        node=name_of(body),
        grace_period=integer(body, "gracePeriodSeconds", required=False),
        timeout=timeout or DEFAULT_TIMEOUT,
        delete_empty_dir_data=flag(body, "deleteEmptyDirData"),
        force=flag(body, "force"),
    )


def drain(body: Mapping[str, Any], now: Callable[[], float]) -> Plan:
    options = options_of(body)
    target = Target("", "v1", "nodes", "", options.node)

    async def run(transport: Transport, dry_run: bool) -> Answer:
        raise AssertionError("a drain runs in the background (masthead.api.drains)")

    params = {
        "gracePeriodSeconds": options.grace_period,
        "timeoutSeconds": options.timeout,
        "deleteEmptyDirData": options.delete_empty_dir_data,
        "force": options.force,
    }
    checks = (
        Check("patch", "", "nodes"),
        Check("list", "", "pods"),
        Check("create", "", "pods", subresource="eviction"),
    )
    return Plan("drain", target, params, checks, run, destructive=True, background=options)


def _blocker(pod: Mapping[str, Any], options: DrainOptions) -> str | None:
    """Why this pod stops the drain before it starts, or None."""
    spec = pod.get("spec") or {}
    if not options.delete_empty_dir_data and any(
        "emptyDir" in v for v in spec.get("volumes") or []
    ):
        return "has local storage (emptyDir): set deleteEmptyDirData to delete its data"
    owners = pod["metadata"].get("ownerReferences") or []
    if not options.force and not any(o.get("controller") for o in owners):
        return "not managed by a controller (a bare pod would be lost): set force to delete it"
    return None


def _skip_reason(pod: Mapping[str, Any]) -> str | None:
    meta = pod["metadata"]
    if MIRROR in (meta.get("annotations") or {}):
        return "mirror pod (static pod of the kubelet)"
    for o in meta.get("ownerReferences") or []:
        if o.get("controller") and o.get("kind") == "DaemonSet":
            return "DaemonSet-managed"
    return None


class Drain:
    """One node's drain: its progress, its run and its cancellation."""

    def __init__(
        self,
        cluster: str,
        options: DrainOptions,
        tuning: DrainTuning,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.id = secrets.token_hex(8)
        self.cluster = cluster
        self.options = options
        self.tuning = tuning
        self.clock = clock
        self.state = "running"
        self.message = ""
        self.pods: list[PodProgress] = []
        self.started_at = clock()
        self.finished_at: float | None = None
        self.version = 0
        self._changed = asyncio.Event()

    @property
    def finished(self) -> bool:
        return self.state != "running"

    def snapshot(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "node": self.options.node,
            "state": self.state,
            "message": self.message,
            "pods": [p.as_dict() for p in self.pods],
            "startedAt": rfc3339(self.started_at),
            "finishedAt": rfc3339(self.finished_at) if self.finished_at is not None else None,
        }

    def _touch(self) -> None:
        self.version += 1
        self._changed.set()
        self._changed = asyncio.Event()

    async def changed(self, since: int, timeout: float) -> bool:
        """Wait until the version moves past `since` (False on timeout)."""
        if self.version != since:
            return True
        event = self._changed
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            return False
        return True

    def _set(self, pod: PodProgress, state: str, message: str = "") -> None:
        if (pod.state, pod.message) != (state, message):
            pod.state, pod.message = state, message
            self._touch()

    def _finish(self, state: str, message: str = "") -> None:
        if self.finished:
            return
        self.state, self.message = state, message
        self.finished_at = self.clock()
        self._touch()

    def cancelled(self) -> None:
        self._finish("cancelled", "cancelled by the user")

    async def run(self, transport: Transport) -> None:
        """Run to the end; the caller wraps it in a task (cancel → state cancelled)."""
        try:
            async with asyncio.timeout(self.options.timeout):
                await self._run(transport)
        except TimeoutError:
            blocked = sum(1 for p in self.pods if p.state == BLOCKED)
            self._finish("timeout", f"timed out after {self.options.timeout}s; {blocked} blocked")
        except asyncio.CancelledError:
            self.cancelled()
            raise
        except KubeError as e:
            self._finish("failed", str(e))
        except Exception as e:  # a bug must end the drain visibly, not leave it "running"
            log.exception("drain %s of %s failed", self.id, self.options.node)
            self._finish("failed", f"internal error: {e}")

    async def _run(self, transport: Transport) -> None:
        node = Target("", "v1", "nodes", "", self.options.node)
        await transport.request(
            "patch",
            node.path,
            method="PATCH",
            body=orjson.dumps(cordon_patch(True)),
            headers={"Content-Type": MERGE_PATCH},
        )
        listing = await transport.request(
            "list", "/api/v1/pods", {"fieldSelector": f"spec.nodeName={self.options.node}"}
        )
        items = listing.json().get("items") or []
        todo: list[tuple[PodProgress, str]] = []
        blockers = 0
        for pod in sorted(items, key=lambda p: (p["metadata"]["namespace"], p["metadata"]["name"])):
            meta = pod["metadata"]
            progress = PodProgress(meta["namespace"], meta["name"])
            self.pods.append(progress)
            skip = _skip_reason(pod)
            if skip is not None:
                progress.state, progress.message = SKIPPED, skip
                continue
            blocker = _blocker(pod, self.options)
            if blocker is not None:
                progress.state, progress.message = FAILED, blocker
                blockers += 1
                continue
            todo.append((progress, meta.get("uid", "")))
        self._touch()
        if blockers:
            self._finish(
                "failed", f"{blockers} pod(s) cannot be evicted without an option; none evicted"
            )
            return
        gate = asyncio.Semaphore(self.tuning.concurrency)
        async with asyncio.TaskGroup() as group:
            for progress, uid in todo:
                group.create_task(self._evict(transport, gate, progress, uid))
        failed = sum(1 for p in self.pods if p.state == FAILED)
        if failed:
            self._finish("failed", f"{failed} eviction(s) failed")
        else:
            self._finish("done")

    async def _evict(
        self, transport: Transport, gate: asyncio.Semaphore, pod: PodProgress, uid: str
    ) -> None:
        try:
            await self._evict_and_wait(transport, gate, pod, uid)
        except KubeError as e:  # this pod failed; the others go on
            self._set(pod, FAILED, str(e))

    async def _evict_and_wait(
        self, transport: Transport, gate: asyncio.Semaphore, pod: PodProgress, uid: str
    ) -> None:
        path = f"/api/v1/namespaces/{pod.namespace}/pods/{pod.name}/eviction"
        options: dict[str, Any] = {"preconditions": {"uid": uid}} if uid else {}
        if self.options.grace_period is not None:
            options["gracePeriodSeconds"] = self.options.grace_period
        body = {
            "apiVersion": "policy/v1",
            "kind": "Eviction",
            "metadata": {"name": pod.name, "namespace": pod.namespace},
            "deleteOptions": options,
        }
        while True:
            async with gate:
                # A blocked pod stays `blocked`, with the budget's message, while it is retried:
                # flipping it to `evicting` at each retry would flash in the progress list, wake
                # every stream twice per retry, and a drain ending mid-retry would report it so.
                if pod.state != BLOCKED:
                    self._set(pod, EVICTING)
                try:
                    # A 429 here is a disruption budget's answer, not load: no transport retry.
                    await transport.request(
                        "create",
                        path,
                        method="POST",
                        body=orjson.dumps(body),
                        headers={"Content-Type": "application/json"},
                        max_retries=0,
                    )
                    break
                except ApiError as e:
                    s = e.status
                    if s.code == 404 or (s.code == 409 and "UID" in s.message):
                        self._set(pod, EVICTED, "already gone")
                        return
                    if s.code != 429:
                        self._set(pod, FAILED, s.message)
                        return
                    why = next((c.message for c in s.cause_details if c.message), s.message)
                    self._set(pod, BLOCKED, why)
            await asyncio.sleep(self.tuning.retry_interval)
        # As kubectl: evicted once the pod is gone (its grace period honoured), not when asked.
        self._set(pod, EVICTING, "terminating")
        path = f"/api/v1/namespaces/{pod.namespace}/pods/{pod.name}"
        while True:
            try:
                current = (await transport.request("get", path)).json()
            except ApiError as e:
                if e.status.code != 404:
                    raise
                break
            if uid and (current.get("metadata") or {}).get("uid") != uid:
                break  # a new pod of the same name (a StatefulSet's): ours is gone
            await asyncio.sleep(self.tuning.poll_interval)
        self._set(pod, EVICTED)
