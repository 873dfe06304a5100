"""Deployment controller: one ReplicaSet per pod template (`<name>-<pod-template-hash>`),
rolling updates that honour maxSurge / maxUnavailable, Recreate, scaling, revision
annotations, history cleanup (revisionHistoryLimit) and status with the Available and
Progressing conditions that `kubectl rollout status` reads."""

from __future__ import annotations

from typing import Any

from masthead.sim.clone import clone
from masthead.sim.controllers.events import NORMAL
from masthead.sim.controllers.objects import (
    DEPLOYMENTS,
    REPLICASETS,
    Obj,
    controller_ref,
    int_or_percent,
    rfc3339,
    set_condition,
    template_hash,
)
from masthead.sim.controllers.settings import DEPLOYMENT
from masthead.sim.controllers.versioned import PerVersion
from masthead.sim.controllers.workloads import KCM, WorkloadController
from masthead.sim.errors import ApiError
from masthead.sim.registry import DeleteOptions, WriteContext
from masthead.sim.store import DELETED, Stored, WatchEvent

HASH = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"
DESIRED = "deployment.kubernetes.io/desired-replicas"
MAX = "deployment.kubernetes.io/max-replicas"


def _revision(rs: Obj) -> int:
    try:
        return int((rs["metadata"].get("annotations") or {}).get(REVISION, "0"))
    except ValueError:
        return 0


def _without_hash(template: Obj) -> Obj:
    t = clone(template)
    labels = (t.get("metadata") or {}).get("labels")
    if labels:
        labels.pop(HASH, None)
    return t


def _read(s: Stored) -> tuple[Obj, Obj]:
    """A ReplicaSet version and its pod template without the hash label (what a sync compares)."""
    rs = s.decode()
    return rs, _without_hash((rs.get("spec") or {}).get("template") or {})


def _spec_replicas(rs: Obj) -> int:
    return int((rs.get("spec") or {}).get("replicas", 0))


def _available(rs: Obj) -> int:
    return int((rs.get("status") or {}).get("availableReplicas", 0))


class DeploymentController(WorkloadController):
    name = DEPLOYMENT
    component = "deployment-controller"
    info = DEPLOYMENTS

    def setup(self) -> None:
        self.handlers[DEPLOYMENTS.storage_key] = self._on_deploy
        self.handlers[REPLICASETS.storage_key] = self._on_rs
        # Every sync reads all of a Deployment's ReplicaSets, which rarely changed since the
        # last one. Shared read-only: this controller clones a ReplicaSet before writing it.
        self._rs_reads: PerVersion[tuple[Obj, Obj]] = PerVersion(_read)

    def _on_deploy(self, ev: WatchEvent) -> None:
        self.queue.add((ev.obj.namespace, ev.obj.name))

    def _on_rs(self, ev: WatchEvent) -> None:
        if ev.type == DELETED:
            self._rs_reads.forget(ev.obj.namespace, ev.obj.name)
        self.enqueue_owner(ev, "Deployment")

    def initial_sync(self) -> None:
        for s in self.store.iter_objects(DEPLOYMENTS.storage_key):
            self.queue.add((s.namespace, s.name))

    # ------------------------------------------------------------------ helpers
    def _owned(self, d: Obj) -> list[tuple[Obj, Obj]]:
        """(ReplicaSet, its template without the hash) for each ReplicaSet `d` controls."""
        out = []
        uid = d["metadata"]["uid"]
        for key, ns, name in self.registry.dependents(uid):
            if key != REPLICASETS.storage_key:
                continue
            s = self.store.get(key, ns, name)
            if s is None:
                continue
            read = self._rs_reads.get(s)
            refs = read[0]["metadata"].get("ownerReferences") or []
            if any(r.get("uid") == uid and r.get("controller") for r in refs):
                out.append(read)
        return out

    def _scale(self, d: Obj, rs: Obj, replicas: int) -> Obj:
        old = _spec_replicas(rs)
        if old == replicas:
            return rs
        new = clone(rs)
        new["spec"]["replicas"] = replicas
        ann = new["metadata"].setdefault("annotations", {})
        want = int((d.get("spec") or {}).get("replicas", 1))
        ann[DESIRED] = str(want)
        ann[MAX] = str(want + self._surge(d))
        meta = rs["metadata"]
        out, _ = self.registry.update(
            REPLICASETS, meta["namespace"], meta["name"], new, WriteContext(KCM)
        )
        verb = "up" if replicas > old else "down"
        self.recorder.record(
            d, NORMAL, "ScalingReplicaSet",
            f"Scaled {verb} replica set {meta['name']} from {old} to {replicas}",
            component=self.component,
        )  # fmt: skip
        return out

    def _surge(self, d: Obj) -> int:
        spec = d.get("spec") or {}
        strategy = spec.get("strategy") or {}
        if strategy.get("type") != "RollingUpdate":
            return 0
        ru = strategy.get("rollingUpdate") or {}
        return int_or_percent(ru.get("maxSurge", "25%"), int(spec.get("replicas", 1)), True)

    def _max_unavailable(self, d: Obj) -> int:
        spec = d.get("spec") or {}
        replicas = int(spec.get("replicas", 1))
        strategy = spec.get("strategy") or {}
        if strategy.get("type") != "RollingUpdate" or replicas == 0:
            return 0
        ru = strategy.get("rollingUpdate") or {}
        unavailable = int_or_percent(ru.get("maxUnavailable", "25%"), replicas, False)
        if unavailable == 0 and self._surge(d) == 0:
            unavailable = 1
        return min(unavailable, replicas)

    def _create_rs(self, d: Obj, h: str, revision: int, replicas: int) -> Obj:
        spec = d.get("spec") or {}
        template = clone(spec.get("template") or {})
        tmeta = template.setdefault("metadata", {})
        tmeta.setdefault("labels", {})[HASH] = h
        selector = clone(spec.get("selector") or {})
        selector.setdefault("matchLabels", {})[HASH] = h
        want = int(spec.get("replicas", 1))
        annotations = {
            DESIRED: str(want),
            MAX: str(want + self._surge(d)),
            REVISION: str(revision),
        }
        for k, v in (d["metadata"].get("annotations") or {}).items():
            if not k.startswith("deployment.kubernetes.io/") and k != (
                "kubectl.kubernetes.io/last-applied-configuration"
            ):
                annotations.setdefault(k, v)
        body = {
            "metadata": {
                "name": f"{d['metadata']['name']}-{h}",
                "labels": dict(tmeta["labels"]),
                "annotations": annotations,
                "ownerReferences": [controller_ref(d, DEPLOYMENTS)],
            },
            "spec": {
                "replicas": replicas,
                "minReadySeconds": int(spec.get("minReadySeconds", 0)),
                "selector": selector,
                "template": template,
            },
        }
        rs = self.registry.create(REPLICASETS, d["metadata"]["namespace"], body, WriteContext(KCM))
        if replicas:
            self.recorder.record(
                d, NORMAL, "ScalingReplicaSet",
                f"Scaled up replica set {rs['metadata']['name']} from 0 to {replicas}",
                component=self.component,
            )  # fmt: skip
        return rs

    # ------------------------------------------------------------------ sync
    def sync(self, item: Any) -> None:
        ns, name = item
        d = self.get(ns, name)
        if d is None or d["metadata"].get("deletionTimestamp"):
            return
        spec = d.get("spec") or {}
        want = int(spec.get("replicas", 1))
        owned = self._owned(d)
        all_rs = [rs for rs, _ in owned]
        template = spec.get("template") or {}
        wanted = _without_hash(template)
        new_rs = next((rs for rs, t in owned if t == wanted), None)
        olds = sorted((r for r in all_rs if r is not new_rs), key=_revision)
        max_rev = max((_revision(r) for r in olds), default=0)
        progress_reason = ("ReplicaSetUpdated", "")
        if spec.get("paused"):
            self._status(d, new_rs, all_rs, None)
            return
        if new_rs is None:
            h = template_hash(template, int((d.get("status") or {}).get("collisionCount", 0)))
            if self.store.get(REPLICASETS.storage_key, ns, f"{name}-{h}") is not None:
                h = template_hash(template, 1 + int(d["metadata"].get("generation", 1)))
            first = 0
            active_old = any(_spec_replicas(r) for r in olds)
            if not active_old:
                first = want
            elif (spec.get("strategy") or {}).get("type") == "RollingUpdate":
                current = sum(_spec_replicas(r) for r in olds)
                first = max(0, min(want, want + self._surge(d) - current))
            new_rs = self._create_rs(d, h, max_rev + 1, first)
            all_rs = [*olds, new_rs]
            progress_reason = ("NewReplicaSetCreated", new_rs["metadata"]["name"])
        elif _revision(new_rs) <= max_rev:
            # A rollback to an older template: it becomes the newest revision.
            bumped = clone(new_rs)
            bumped["metadata"].setdefault("annotations", {})[REVISION] = str(max_rev + 1)
            new_rs, _ = self.registry.update(
                REPLICASETS, ns, new_rs["metadata"]["name"], bumped, WriteContext(KCM)
            )
            all_rs = [*olds, new_rs]
        self._set_revision(d, new_rs)
        if (spec.get("strategy") or {}).get("type") == "Recreate":
            new_rs = self._recreate(d, new_rs, olds, want)
        else:
            new_rs, olds = self._rolling(d, new_rs, olds, want)
        self._cleanup(d, olds)
        all_rs = [
            *[
                r
                for r in olds
                if self.store.get(REPLICASETS.storage_key, ns, r["metadata"]["name"])
            ],
            new_rs,
        ]
        self._status(d, new_rs, all_rs, progress_reason)

    def _set_revision(self, d: Obj, new_rs: Obj) -> None:
        rev = str(_revision(new_rs))
        if (d["metadata"].get("annotations") or {}).get(REVISION) == rev:
            return
        new = clone(d)
        new["metadata"].setdefault("annotations", {})[REVISION] = rev
        meta = d["metadata"]
        updated, _ = self.registry.update(
            DEPLOYMENTS, meta["namespace"], meta["name"], new, WriteContext(KCM)
        )
        d["metadata"] = updated["metadata"]

    def _recreate(self, d: Obj, new_rs: Obj, olds: list[Obj], want: int) -> Obj:
        busy = False
        for r in olds:
            if _spec_replicas(r):
                self._scale(d, r, 0)
                busy = True
            elif int((r.get("status") or {}).get("replicas", 0)):
                busy = True
        if busy:
            return new_rs
        return self._scale(d, new_rs, want)

    def _rolling(self, d: Obj, new_rs: Obj, olds: list[Obj], want: int) -> tuple[Obj, list[Obj]]:
        surge = self._surge(d)
        unavailable = self._max_unavailable(d)
        if not any(_spec_replicas(r) for r in olds):
            return self._scale(d, new_rs, want), olds
        total = _spec_replicas(new_rs) + sum(_spec_replicas(r) for r in olds)
        new_count = _spec_replicas(new_rs)
        if new_count < want and total < want + surge:
            target = min(want, new_count + want + surge - total)
            return self._scale(d, new_rs, target), olds
        if new_count > want:
            new_rs = self._scale(d, new_rs, want)
        # Scale old ReplicaSets down, never below minAvailable (upstream reconcileOldReplicaSets).
        all_rs = [*olds, new_rs]
        all_pods = sum(_spec_replicas(r) for r in all_rs)
        min_available = want - unavailable
        new_unavailable = _spec_replicas(new_rs) - _available(new_rs)
        max_down = all_pods - min_available - new_unavailable
        out = []
        if max_down > 0:
            # First the unhealthy replicas of old sets (they cost no availability).
            for r in olds:
                unhealthy = _spec_replicas(r) - _available(r)
                cut = min(max_down, max(unhealthy, 0))
                if cut > 0:
                    r = self._scale(d, r, _spec_replicas(r) - cut)
                    max_down -= cut
                out.append(r)
            olds = out
            out = []
            available = sum(_available(r) for r in [*olds, new_rs])
            budget = available - min_available
            for r in olds:
                cut = min(_spec_replicas(r), max(budget, 0))
                if cut > 0:
                    r = self._scale(d, r, _spec_replicas(r) - cut)
                    budget -= cut
                out.append(r)
            olds = out
        return new_rs, olds

    def _cleanup(self, d: Obj, olds: list[Obj]) -> None:
        limit = int((d.get("spec") or {}).get("revisionHistoryLimit", 10))
        idle = [
            r
            for r in olds
            if not _spec_replicas(r)
            and not int((r.get("status") or {}).get("replicas", 0))
            and not r["metadata"].get("deletionTimestamp")
        ]
        for r in idle[: max(0, len(idle) - limit)]:
            try:
                self.registry.delete(
                    REPLICASETS, r["metadata"]["namespace"], r["metadata"]["name"], DeleteOptions()
                )
            except ApiError:
                continue

    def _status(
        self, d: Obj, new_rs: Obj | None, all_rs: list[Obj], progress: tuple[str, str] | None
    ) -> None:
        spec = d.get("spec") or {}
        want = int(spec.get("replicas", 1))

        def st(r: Obj, k: str) -> int:
            return int((r.get("status") or {}).get(k, 0))

        replicas = sum(st(r, "replicas") for r in all_rs)
        updated = st(new_rs, "replicas") if new_rs is not None else 0
        ready = sum(st(r, "readyReplicas") for r in all_rs)
        available = sum(st(r, "availableReplicas") for r in all_rs)
        total_spec = sum(_spec_replicas(r) for r in all_rs)
        t = rfc3339(self.now())
        old_status = d.get("status") or {}
        conds = list(old_status.get("conditions") or [])
        if available >= want - self._max_unavailable(d):
            conds = set_condition(
                conds, "Available", "True", t, "MinimumReplicasAvailable",
                "Deployment has minimum availability.",
            )  # fmt: skip
        else:
            conds = set_condition(
                conds, "Available", "False", t, "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.",
            )  # fmt: skip
        if new_rs is not None and progress is not None:
            rs_name = new_rs["metadata"]["name"]
            complete = (
                updated == want and replicas == want and available == want
                and _spec_replicas(new_rs) == want
            )  # fmt: skip
            if complete:
                reason, msg = (
                    "NewReplicaSetAvailable",
                    f'ReplicaSet "{rs_name}" has successfully progressed.',
                )
            elif progress[0] == "NewReplicaSetCreated":
                reason, msg = progress[0], f'Created new replica set "{rs_name}"'
            else:
                reason, msg = "ReplicaSetUpdated", f'ReplicaSet "{rs_name}" is progressing.'
            conds = set_condition(conds, "Progressing", "True", t, reason, msg)
        conds = _fill_update_time(conds, t)
        status: Obj = {"observedGeneration": d["metadata"].get("generation", 1)}
        if replicas:
            status["replicas"] = replicas
        if updated:
            status["updatedReplicas"] = updated
        if ready:
            status["readyReplicas"] = ready
        if available:
            status["availableReplicas"] = available
        if total_spec - available > 0:
            status["unavailableReplicas"] = total_spec - available
        status["conditions"] = conds
        if "collisionCount" in old_status:
            status["collisionCount"] = old_status["collisionCount"]
        self.write_status(d, status)


def _fill_update_time(conds: list[Obj], t: str) -> list[Obj]:
    """Deployment conditions carry lastUpdateTime before lastTransitionTime."""
    out = []
    for c in conds:
        c = dict(c)
        ordered: Obj = {"type": c["type"], "status": c["status"]}
        ordered["lastUpdateTime"] = c.get("lastUpdateTime") or c.get("lastTransitionTime") or t
        ordered["lastTransitionTime"] = c.get("lastTransitionTime") or t
        for k in ("reason", "message"):
            if k in c:
                ordered[k] = c[k]
        out.append(ordered)
    return out
