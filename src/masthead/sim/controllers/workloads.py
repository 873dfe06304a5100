"""Shared pieces of the workload controllers: pod creation from a template, deletion ranking,
status writes that skip no-ops."""

from __future__ import annotations

from typing import Any

from masthead.sim.clone import clone
from masthead.sim.controllers.events import NORMAL, WARNING
from masthead.sim.controllers.objects import PODS, Obj, controller_ref
from masthead.sim.controllers.runtime import Controller, PodView
from masthead.sim.errors import ApiError
from masthead.sim.registry import DeleteOptions, WriteContext
from masthead.sim.resources import ResourceInfo

KCM = "kube-controller-manager"


def pod_from_template(
    owner: Obj,
    info: ResourceInfo,
    template: Obj,
    *,
    name: str | None = None,
    extra_labels: dict[str, str] | None = None,
    spec_overrides: Obj | None = None,
) -> Obj:
    tmeta = template.get("metadata") or {}
    meta: Obj = {}
    if name:
        meta["name"] = name
    else:
        meta["generateName"] = owner["metadata"]["name"] + "-"
    labels = dict(tmeta.get("labels") or {})
    labels.update(extra_labels or {})
    if labels:
        meta["labels"] = labels
    if tmeta.get("annotations"):
        meta["annotations"] = dict(tmeta["annotations"])
    meta["ownerReferences"] = [controller_ref(owner, info)]
    spec = clone(template.get("spec") or {})
    spec.update(spec_overrides or {})
    return {"metadata": meta, "spec": spec}


class WorkloadController(Controller):
    component = ""
    info: ResourceInfo

    def create_pod(self, owner: Obj, pod: Obj, message: str | None = None) -> Obj | None:
        ns = owner["metadata"]["namespace"]
        try:
            created = self.registry.create(PODS, ns, pod, WriteContext(KCM))
        except ApiError as e:
            self.recorder.record(
                owner, WARNING, "FailedCreate", f"Error creating: {e.message}",
                component=self.component,
            )  # fmt: skip
            self.queue.add_after((ns, owner["metadata"]["name"]), self.settings.retry_delay * 4)
            return None
        name = created["metadata"]["name"]
        self.recorder.record(
            owner, NORMAL, "SuccessfulCreate", message or f"Created pod: {name}",
            component=self.component,
        )  # fmt: skip
        return created

    def delete_pod(self, owner: Obj, pod: PodView, message: str | None = None) -> None:
        try:
            self.registry.delete(PODS, pod.namespace, pod.name, DeleteOptions())
        except ApiError:
            return
        self.recorder.record(
            owner, NORMAL, "SuccessfulDelete", message or f"Deleted pod: {pod.name}",
            component=self.component,
        )  # fmt: skip

    def write_status(self, obj: Obj, status: Obj) -> Obj:
        if obj.get("status") == status:
            return obj
        new = dict(obj)
        new["status"] = status
        meta = obj["metadata"]
        out, _ = self.registry.update(
            self.info, meta["namespace"], meta["name"], new, WriteContext(KCM),
            subresource="status",
        )  # fmt: skip
        return out

    def get(self, ns: str, name: str) -> Obj | None:
        s = self.store.get(self.info.storage_key, ns, name)
        return None if s is None else s.decode()


def deletion_rank(p: PodView) -> tuple[Any, ...]:
    """Which pods a scale-down removes first (upstream ActivePodsWithRanks, simplified):
    unscheduled, then pending, then not ready, then the most recently created."""
    phase_rank = {"Pending": 0, "Unknown": 1, "Running": 2}.get(p.phase, 0)
    return (bool(p.node), phase_rank, p.ready, _neg(p.created), p.name)


def _neg(ts: str) -> tuple[int, ...]:
    return tuple(-ord(ch) for ch in ts)


def pod_counts(pods: list[PodView]) -> tuple[int, int]:
    """(ready, available) among active pods (minReadySeconds is treated as 0)."""
    ready = sum(1 for p in pods if p.ready)
    return ready, ready
