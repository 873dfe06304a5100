"""Actions on cluster objects (issue 9): what each one asks of the API server.

`plan(action, body)` validates a request body and returns a `Plan`: the target object, the
parameters worth recording, the permission checks (SSAR attributes) to pass first, and `run`,
which sends the request(s) with the cluster's own credentials and returns the API server's
answer unchanged. Guard rails (read-only contexts, permission pre-check, audit) live in
`masthead.api.actions`; this module only knows Kubernetes.

- `scale`: merge patch of the `/scale` subresource (deployments, statefulsets, replicasets).
- `restart`: strategic merge patch of `spec.template.metadata.annotations
  ["kubectl.kubernetes.io/restartedAt"]` (deployments, statefulsets, daemonsets), as
  `kubectl rollout restart` does.
- `delete`: any object, with `propagationPolicy` and `gracePeriodSeconds`.
- `cordon` / `uncordon`: merge patch of a node's `spec.unschedulable`.
- `suspend` / `resume`: merge patch of a CronJob's `spec.suspend`.
- `trigger`: a Job created from a CronJob's `jobTemplate`, annotated
  `cronjob.kubernetes.io/instantiate: manual` and owned by the CronJob (`kubectl create job
  --from=cronjob/…`).

`dry_run` sends `dryRun=All`: the API server validates and answers as if it had written.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from masthead.kube.transport import Transport

RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
INSTANTIATE = "cronjob.kubernetes.io/instantiate"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"
PROPAGATION = ("Background", "Foreground", "Orphan")
SCALABLE = ("deployments", "statefulsets", "replicasets")
RESTARTABLE = ("deployments", "statefulsets", "daemonsets")
# DNS-1123 subdomain (object names) and label (namespaces).
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
_NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_SEGMENT = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
_JOB_NAME_MAX = 52  # a Job's name must leave room for its pods' suffixes (kubectl's limit)


class ActionInvalid(Exception):
    """A bad request body: `parameter` names the field."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.message = message


@dataclass(frozen=True, slots=True)
class Target:
    group: str  # "" for the core group
    version: str
    resource: str
    namespace: str  # "" for cluster-scoped objects
    name: str

    @property
    def path(self) -> str:
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if self.namespace:
            return f"{base}/namespaces/{self.namespace}/{self.resource}/{self.name}"
        return f"{base}/{self.resource}/{self.name}"

    def as_dict(self) -> dict[str, str]:
        return {
            "group": self.group,
            "version": self.version,
            "resource": self.resource,
            "namespace": self.namespace,
            "name": self.name,
        }


@dataclass(frozen=True, slots=True)
class Check:
    """One SSAR question that must be answered `allowed` before the action runs."""

    verb: str
    group: str
    resource: str
    namespace: str = ""
    subresource: str = ""

    def describe(self) -> str:
        what = f"{self.resource}/{self.subresource}" if self.subresource else self.resource
        if self.group:
            what = f"{what}.{self.group}"
        where = f' in namespace "{self.namespace}"' if self.namespace else ""
        return f"{self.verb} {what}{where}"


@dataclass(frozen=True, slots=True)
class Answer:
    """The API server's answer: HTTP status and the body it sent (decoded JSON)."""

    status: int
    body: Any


Runner = Callable[[Transport, bool], Awaitable[Answer]]


@dataclass(frozen=True)
class Plan:
    action: str
    target: Target
    params: Mapping[str, Any]  # the validated parameters (recorded in the audit log)
    checks: tuple[Check, ...]
    run: Runner = field(repr=False)


ACTIONS = ("scale", "restart", "delete", "cordon", "uncordon", "suspend", "resume", "trigger")


def plan(action: str, body: Mapping[str, Any], now: Callable[[], float] = time.time) -> Plan:
    """The plan for `action` with request `body`; `ActionInvalid` when the body is wrong."""
    build = _BUILDERS.get(action)
    if build is None:
        raise ActionInvalid("action", f"unknown action {action!r} (one of {', '.join(ACTIONS)})")
    return build(body, now)


# ---------------------------------------------------------------------------- requests


def _dry(dry_run: bool) -> dict[str, str]:
    return {"dryRun": "All"} if dry_run else {}


async def _send(
    transport: Transport,
    verb: str,
    method: str,
    path: str,
    body: Any,
    dry_run: bool,
    content_type: str = "application/json",
) -> Answer:
    r = await transport.request(
        verb,
        path,
        _dry(dry_run),
        method=method,
        body=orjson.dumps(body) if body is not None else None,
        headers={"Content-Type": content_type} if body is not None else None,
    )
    return Answer(r.status, r.json() if r.body else None)


def _patcher(
    target: Target, patch: Mapping[str, Any], content_type: str, subresource: str = ""
) -> Runner:
    path = target.path + (f"/{subresource}" if subresource else "")

    async def run(transport: Transport, dry_run: bool) -> Answer:
        return await _send(transport, "patch", "PATCH", path, patch, dry_run, content_type)

    return run


# ---------------------------------------------------------------------------- parsing


def _str(body: Mapping[str, Any], key: str, default: str | None = None) -> str:
    value = body.get(key, default)
    if value is None:
        raise ActionInvalid(key, f"{key} is required")
    if not isinstance(value, str):
        raise ActionInvalid(key, f"{key} must be a string")
    return value


def _name(body: Mapping[str, Any]) -> str:
    name = _str(body, "name")
    if not _NAME.match(name) or len(name) > 253:
        raise ActionInvalid("name", f"name {name!r} is not a valid object name")
    return name


def _namespace(body: Mapping[str, Any], required: bool = True) -> str:
    ns = body.get("namespace")
    if ns in (None, "") and not required:
        return ""
    ns = _str(body, "namespace")
    if not _NAMESPACE.match(ns) or len(ns) > 63:
        raise ActionInvalid("namespace", f"namespace {ns!r} is not a valid namespace name")
    return ns


def _one_of(body: Mapping[str, Any], key: str, choices: tuple[str, ...], default: str) -> str:
    value = _str(body, key, default)
    if value not in choices:
        raise ActionInvalid(key, f"{key} must be one of {', '.join(choices)}, got {value!r}")
    return value


def _int(body: Mapping[str, Any], key: str, *, required: bool) -> int | None:
    value = body.get(key)
    if value is None:
        if required:
            raise ActionInvalid(key, f"{key} is required")
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ActionInvalid(key, f"{key} must be an integer ≥ 0")
    return value


def _rfc3339(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def _scale(body: Mapping[str, Any], now: Callable[[], float]) -> Plan:
    resource = _one_of(body, "resource", SCALABLE, "deployments")
    replicas = _int(body, "replicas", required=True)
    target = Target("apps", "v1", resource, _namespace(body), _name(body))
    patch = {"spec": {"replicas": replicas}}
    return Plan(
        "scale",
        target,
        {"replicas": replicas},
        (Check("patch", "apps", resource, target.namespace, "scale"),),
        _patcher(target, patch, MERGE_PATCH, "scale"),
    )


def _restart(body: Mapping[str, Any], now: Callable[[], float]) -> Plan:
    resource = _one_of(body, "resource", RESTARTABLE, "deployments")
    target = Target("apps", "v1", resource, _namespace(body), _name(body))
    at = _rfc3339(now())
    patch = {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: at}}}}}
    return Plan(
        "restart",
        target,
        {"restartedAt": at},
        (Check("patch", "apps", resource, target.namespace),),
        _patcher(target, patch, STRATEGIC_PATCH),
    )


def _delete(body: Mapping[str, Any], now: Callable[[], float]) -> Plan:
    group = _str(body, "group", "")
    if group in ("core", "_"):
        group = ""
    version = _str(body, "version", "v1")
    resource = _str(body, "resource")
    for key, value in (("group", group), ("version", version), ("resource", resource)):
        if value and not _SEGMENT.match(value):
            raise ActionInvalid(key, f"{key} {value!r} is not valid")
    if not resource or not version:
        raise ActionInvalid("resource" if not resource else "version", "required")
    namespace = _namespace(body, required=False)
    target = Target(group, version, resource, namespace, _name(body))
    propagation = _one_of(body, "propagationPolicy", PROPAGATION, "Background")
    grace = _int(body, "gracePeriodSeconds", required=False)
    options: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "DeleteOptions",
        "propagationPolicy": propagation,
    }
    params: dict[str, Any] = {"propagationPolicy": propagation}
    if grace is not None:
        options["gracePeriodSeconds"] = grace
        params["gracePeriodSeconds"] = grace

    async def run(transport: Transport, dry_run: bool) -> Answer:
        if dry_run:
            options["dryRun"] = ["All"]
        return await _send(transport, "delete", "DELETE", target.path, options, dry_run)

    return Plan("delete", target, params, (Check("delete", group, resource, namespace),), run)


def _node(action: str, unschedulable: bool) -> Callable[[Mapping[str, Any], Any], Plan]:
    def build(body: Mapping[str, Any], now: Callable[[], float]) -> Plan:
        target = Target("", "v1", "nodes", "", _name(body))
        # uncordon removes the field (kubectl's patch sends null: false is its default)
        patch = {"spec": {"unschedulable": True if unschedulable else None}}
        return Plan(
            action,
            target,
            {"unschedulable": unschedulable},
            (Check("patch", "", "nodes"),),
            _patcher(target, patch, MERGE_PATCH),
        )

    return build


def _suspension(action: str, suspend: bool) -> Callable[[Mapping[str, Any], Any], Plan]:
    def build(body: Mapping[str, Any], now: Callable[[], float]) -> Plan:
        target = Target("batch", "v1", "cronjobs", _namespace(body), _name(body))
        return Plan(
            action,
            target,
            {"suspend": suspend},
            (Check("patch", "batch", "cronjobs", target.namespace),),
            _patcher(target, {"spec": {"suspend": suspend}}, MERGE_PATCH),
        )

    return build


def _trigger(body: Mapping[str, Any], now: Callable[[], float]) -> Plan:
    target = Target("batch", "v1", "cronjobs", _namespace(body), _name(body))
    job_name = body.get("jobName")
    if job_name is None:
        stem = target.name[: _JOB_NAME_MAX - len("-manual-xxxxxx")]
        job_name = f"{stem}-manual-{secrets.token_hex(3)}"
    elif not isinstance(job_name, str) or not _NAME.match(job_name):
        raise ActionInvalid("jobName", f"jobName {job_name!r} is not a valid object name")
    if len(job_name) > _JOB_NAME_MAX:
        raise ActionInvalid("jobName", f"jobName must be at most {_JOB_NAME_MAX} characters")
    jobs = f"/apis/batch/v1/namespaces/{target.namespace}/jobs"

    async def run(transport: Transport, dry_run: bool) -> Answer:
        cj = (await transport.request("get", target.path)).json()
        template = (cj.get("spec") or {}).get("jobTemplate") or {}
        meta = template.get("metadata") or {}
        annotations = {**(meta.get("annotations") or {}), INSTANTIATE: "manual"}
        job: dict[str, Any] = {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {
                "name": job_name,
                "namespace": target.namespace,
                "annotations": annotations,
                "ownerReferences": [
                    {
                        "apiVersion": "batch/v1",
                        "kind": "CronJob",
                        "name": cj["metadata"]["name"],
                        "uid": cj["metadata"]["uid"],
                        "controller": True,
                        "blockOwnerDeletion": True,
                    }
                ],
            },
            "spec": template.get("spec") or {},
        }
        if meta.get("labels"):
            job["metadata"]["labels"] = dict(meta["labels"])
        return await _send(transport, "create", "POST", jobs, job, dry_run)

    return Plan(
        "trigger",
        target,
        {"jobName": job_name},
        (
            Check("get", "batch", "cronjobs", target.namespace),
            Check("create", "batch", "jobs", target.namespace),
        ),
        run,
    )


_BUILDERS: dict[str, Callable[[Mapping[str, Any], Callable[[], float]], Plan]] = {
    "scale": _scale,
    "restart": _restart,
    "delete": _delete,
    "cordon": _node("cordon", True),
    "uncordon": _node("uncordon", False),
    "suspend": _suspension("suspend", True),
    "resume": _suspension("resume", False),
    "trigger": _trigger,
}
