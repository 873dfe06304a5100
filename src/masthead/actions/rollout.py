"""Rollout history and `rollback`, as `kubectl rollout history` / `kubectl rollout undo
--to-revision` do it.

Deployments keep their revisions in ReplicaSets (annotation `deployment.kubernetes.io/revision`):
a rollback copies the ReplicaSet's pod template (without `pod-template-hash`) and annotations
into the Deployment with a JSON patch. StatefulSets and DaemonSets keep them in
ControllerRevisions whose `data` is a strategic merge patch restoring the template.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from masthead.actions.base import (
    JSON_PATCH,
    STRATEGIC_PATCH,
    ActionInvalid,
    Answer,
    Check,
    Plan,
    Target,
    integer,
    name_of,
    namespace_of,
    one_of,
    send,
)
from masthead.kube.transport import Transport

REVISION = "deployment.kubernetes.io/revision"
CHANGE_CAUSE = "kubernetes.io/change-cause"
TEMPLATE_HASH = "pod-template-hash"
ROLLABLE = ("deployments", "statefulsets", "daemonsets")
# Annotations of a ReplicaSet that are its own, not the Deployment's (kubectl's skip list).
_SKIP_ANNOTATIONS = frozenset(
    {
        "kubectl.kubernetes.io/last-applied-configuration",
        REVISION,
        "deployment.kubernetes.io/revision-history",
        "deployment.kubernetes.io/desired-replicas",
        "deployment.kubernetes.io/max-replicas",
        "deprecated.deployment.rollback.to",
    }
)

Obj = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Revision:
    number: int
    created: str
    change_cause: str
    template: Obj
    annotations: Mapping[str, str]
    source: Obj  # the ReplicaSet or ControllerRevision
    current: bool

    def as_item(self) -> dict[str, Any]:
        spec = self.template.get("spec") or {}
        return {
            "revision": self.number,
            "created": self.created,
            "changeCause": self.change_cause,
            "images": [c.get("image", "") for c in spec.get("containers") or []],
            "current": self.current,
        }


def revision_source(resource: str) -> tuple[str, str]:
    """(group, resource) holding `resource`'s revisions."""
    return ("apps", "replicasets") if resource == "deployments" else ("apps", "controllerrevisions")


def _selector(obj: Obj) -> str:
    labels = ((obj.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))


def _owned_by(item: Obj, uid: str) -> bool:
    return any(
        r.get("uid") == uid and r.get("controller")
        for r in item["metadata"].get("ownerReferences") or []
    )


async def revisions(transport: Transport, target: Target) -> tuple[Obj, list[Revision]]:
    """The workload and its revisions, oldest first."""
    obj = (await transport.request("get", target.path)).json()
    uid = obj["metadata"]["uid"]
    _, resource = revision_source(target.resource)
    path = f"/apis/apps/v1/namespaces/{target.namespace}/{resource}"
    selector = _selector(obj)
    params = {"labelSelector": selector} if selector else None
    items = [
        i
        for i in (await transport.request("list", path, params)).json().get("items") or []
        if _owned_by(i, uid)
    ]
    out = [r for i in items if (r := _revision(target.resource, obj, i)) is not None]
    out.sort(key=lambda r: r.number)
    if out and not any(r.current for r in out):
        out[-1] = _replace_current(out[-1])
    return obj, out


def _replace_current(r: Revision) -> Revision:
    return dataclasses.replace(r, current=True)


def _revision(resource: str, workload: Obj, item: Obj) -> Revision | None:
    meta = item["metadata"]
    annotations = meta.get("annotations") or {}
    if resource == "deployments":
        try:
            number = int(annotations.get(REVISION, ""))
        except ValueError:
            return None
        template = (item.get("spec") or {}).get("template") or {}
        current = (workload["metadata"].get("annotations") or {}).get(REVISION) == str(number)
    else:
        number = int(item.get("revision") or 0)
        template = ((item.get("data") or {}).get("spec") or {}).get("template") or {}
        status = workload.get("status") or {}
        current = resource == "statefulsets" and status.get("updateRevision") == meta["name"]
    return Revision(
        number,
        meta.get("creationTimestamp", ""),
        annotations.get(CHANGE_CAUSE, ""),
        template,
        annotations,
        item,
        current,
    )


def _without_hash(template: Obj) -> Obj:
    meta = dict(template.get("metadata") or {})
    labels = {k: v for k, v in (meta.get("labels") or {}).items() if k != TEMPLATE_HASH}
    if labels:
        meta["labels"] = labels
    else:
        meta.pop("labels", None)
    return {**template, "metadata": meta}


def _pick(found: list[Revision], revision: int) -> Revision:
    if not found:
        raise ActionInvalid("revision", "no rollout history found")
    if revision == 0:
        if len(found) < 2:
            raise ActionInvalid("revision", "no previous revision to roll back to")
        return found[-2]
    for r in found:
        if r.number == revision:
            return r
    have = ", ".join(str(r.number) for r in found)
    raise ActionInvalid("revision", f"unable to find revision {revision} (have {have})")


def rollback(body: Mapping[str, Any], now: Callable[[], float]) -> Plan:
    resource = one_of(body, "resource", ROLLABLE, "deployments")
    revision = integer(body, "revision", required=False) or 0
    target = Target("apps", "v1", resource, namespace_of(body), name_of(body))

    async def run(transport: Transport, dry_run: bool) -> Answer:
        obj, found = await revisions(transport, target)
        chosen = _pick(found, revision)
        if (obj.get("spec") or {}).get("paused"):
            raise ActionInvalid("name", "you cannot roll back a paused deployment; resume it first")
        template = _without_hash(chosen.template)
        template.pop("$patch", None)  # a ControllerRevision's data says "replace"
        if _without_hash((obj.get("spec") or {}).get("template") or {}) == template:
            raise ActionInvalid(
                "revision",
                f"skipped rollback (current template already matches revision {chosen.number})",
            )
        if resource != "deployments":
            data = chosen.source.get("data") or {}
            return await send(
                transport, "patch", "PATCH", target.path, data, dry_run, STRATEGIC_PATCH
            )
        annotations = dict(obj["metadata"].get("annotations") or {})
        annotations.update(
            {k: v for k, v in chosen.annotations.items() if k not in _SKIP_ANNOTATIONS}
        )
        patch = [
            {"op": "replace", "path": "/spec/template", "value": template},
            {"op": "replace", "path": "/metadata/annotations", "value": annotations},
        ]
        return await send(transport, "patch", "PATCH", target.path, patch, dry_run, JSON_PATCH)

    group, source = revision_source(resource)
    return Plan(
        "rollback",
        target,
        {"revision": revision},
        (
            Check("get", "apps", resource, target.namespace),
            Check("list", group, source, target.namespace),
            Check("patch", "apps", resource, target.namespace),
        ),
        run,
        destructive=True,
    )
