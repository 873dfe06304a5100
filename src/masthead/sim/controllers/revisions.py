"""ControllerRevisions of StatefulSets and DaemonSets, as upstream's controller history
(pkg/controller/history): one revision per distinct pod template, named `<owner>-<hash>`,
labelled with the template's labels and `controller.kubernetes.io/hash`, owned by the workload,
its `data` the strategic merge patch that restores the template (what `kubectl rollout undo`
applies). A template that returns to an older revision's (a rollback) renumbers that revision
as the newest; beyond `revisionHistoryLimit` (default 10) the oldest others are deleted."""

from __future__ import annotations

from masthead.sim.clone import clone
from masthead.sim.controllers.objects import CONTROLLER_REVISIONS, Obj, controller_ref
from masthead.sim.errors import ApiError
from masthead.sim.registry import DeleteOptions, Registry, WriteContext
from masthead.sim.resources import ResourceInfo
from masthead.sim.store import ObjectStore

HASH_LABEL = "controller.kubernetes.io/hash"
KCM = "kube-controller-manager"


def owned_revisions(store: ObjectStore, owner: Obj) -> list[Obj]:
    meta = owner["metadata"]
    out = []
    for s in store.iter_objects(CONTROLLER_REVISIONS.storage_key, meta["namespace"]):
        cr = s.decode()
        refs = cr["metadata"].get("ownerReferences") or []
        if any(r.get("uid") == meta["uid"] and r.get("controller") for r in refs):
            out.append(cr)
    return sorted(out, key=lambda cr: int(cr.get("revision") or 0))


def sync_revisions(
    store: ObjectStore, registry: Registry, owner: Obj, info: ResourceInfo, hash_: str
) -> Obj | None:
    """The revision of `owner`'s current template (hash `hash_`), made the newest; None when
    it could not be written (the next sync tries again)."""
    meta = owner["metadata"]
    ns, name = meta["namespace"], f"{meta['name']}-{hash_}"
    have = owned_revisions(store, owner)
    newest = max((int(cr.get("revision") or 0) for cr in have), default=0)
    mine = next((cr for cr in have if cr["metadata"]["name"] == name), None)
    ctx = WriteContext(KCM)
    try:
        if mine is None:
            template = clone((owner.get("spec") or {}).get("template") or {})
            labels = dict((template.get("metadata") or {}).get("labels") or {})
            body: Obj = {
                "apiVersion": "apps/v1",
                "kind": "ControllerRevision",
                "metadata": {
                    "name": name,
                    "labels": {**labels, HASH_LABEL: hash_},
                    "ownerReferences": [controller_ref(owner, info)],
                },
                "data": {"spec": {"template": {**template, "$patch": "replace"}}},
                "revision": newest + 1,
            }
            mine = registry.create(CONTROLLER_REVISIONS, ns, body, ctx)
            have.append(mine)
        elif int(mine.get("revision") or 0) < newest:
            mine = dict(mine, revision=newest + 1)
            mine, _ = registry.update(CONTROLLER_REVISIONS, ns, name, mine, ctx)
    except ApiError:
        return None
    _truncate(registry, owner, [cr for cr in have if cr["metadata"]["name"] != name])
    return mine


def _truncate(registry: Registry, owner: Obj, others: list[Obj]) -> None:
    limit = int((owner.get("spec") or {}).get("revisionHistoryLimit", 10))
    others.sort(key=lambda cr: int(cr.get("revision") or 0))
    for cr in others[: max(0, len(others) - limit)]:
        try:
            registry.delete(
                CONTROLLER_REVISIONS, cr["metadata"]["namespace"], cr["metadata"]["name"],
                DeleteOptions(),
            )  # fmt: skip
        except ApiError:
            continue
