"""DaemonSet controller: one pod per node that matches the template's nodeSelector / node
affinity and whose NoSchedule/NoExecute taints it tolerates (with the tolerations upstream adds
to every daemon pod). As upstream's `NodeShouldRunDaemonPod`, a pod already on a node is kept
while the node only gains an untolerated NoSchedule taint (a NotReady node's
`not-ready:NoSchedule`): such a node gets no new pod and leaves desiredNumberScheduled, but only
an untolerated NoExecute taint or a selector mismatch deletes its pod. Pods are pinned with
required node affinity on `metadata.name` and bound by the scheduler, as upstream does; rolling
updates replace up to maxUnavailable at a time."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from masthead.sim.clone import clone
from masthead.sim.controllers.daemonpods import REVISION, DaemonPods, DaemonPodsOf
from masthead.sim.controllers.nodeinfo import (
    NodeInfo,
    matches_node_selection,
    untolerated_taint,
)
from masthead.sim.controllers.objects import (
    DAEMONSETS,
    NODES,
    PODS,
    Obj,
    int_or_percent,
    template_hash,
)
from masthead.sim.controllers.revisions import sync_revisions
from masthead.sim.controllers.runtime import PodView
from masthead.sim.controllers.settings import DAEMONSET
from masthead.sim.controllers.workloads import WorkloadController, pod_from_template
from masthead.sim.store import DELETED, WatchEvent

GENERATION = "pod-template-generation"
DAEMON_TOLERATIONS = (
    ("node.kubernetes.io/not-ready", "NoExecute"),
    ("node.kubernetes.io/unreachable", "NoExecute"),
    ("node.kubernetes.io/disk-pressure", "NoSchedule"),
    ("node.kubernetes.io/memory-pressure", "NoSchedule"),
    ("node.kubernetes.io/pid-pressure", "NoSchedule"),
    ("node.kubernetes.io/unschedulable", "NoSchedule"),
)


def _tolerations(spec: Obj) -> list[Obj]:
    out = list(spec.get("tolerations") or [])
    have = {(t.get("key"), t.get("effect")) for t in out}
    for key, effect in DAEMON_TOLERATIONS:
        if (key, effect) not in have:
            out.append({"key": key, "operator": "Exists", "effect": effect})
    return out


def _pinned(spec: Obj, node: str) -> Obj:
    affinity = clone(spec.get("affinity") or {})
    affinity["nodeAffinity"] = {
        "requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [
                {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}
            ]
        }
    }
    return affinity


@dataclass(slots=True)
class _Eligibility:
    """The nodes one DaemonSet generation may run on, and the nodes whose labels or spec
    changed since they were last judged: a sync re-judges only those, not all 2,000 nodes."""

    uid: str
    generation: int
    nodes: set[str] = field(default_factory=set)  # should run a pod
    keep: set[str] = field(default_factory=set)  # may keep a pod it has (a superset of nodes)
    dirty: set[str] = field(default_factory=set)

    def judge(self, pod_spec: Obj, name: str, node: NodeInfo | None) -> None:
        run, keep = _placement(pod_spec, node) if node is not None else (False, False)
        for members, member in ((self.nodes, run), (self.keep, keep)):
            if member:
                members.add(name)
            else:
                members.discard(name)


class DaemonSetController(WorkloadController):
    name = DAEMONSET
    component = "daemonset-controller"
    info = DAEMONSETS

    def setup(self) -> None:
        self.handlers[DAEMONSETS.storage_key] = self._on_daemonset
        self.handlers[PODS.storage_key] = self._on_pod
        self.handlers[NODES.storage_key] = self._on_node
        self._pods = DaemonPods(self.store, self.ctx.pods)
        # Per DaemonSet (namespace, name); an entry goes when its DaemonSet is deleted.
        self._eligibility: dict[tuple[str, str], _Eligibility] = {}

    def _on_daemonset(self, ev: WatchEvent) -> None:
        key = (ev.obj.namespace, ev.obj.name)
        if ev.type == DELETED:
            self._eligibility.pop(key, None)
        self.queue.add(key)

    def _on_pod(self, ev: WatchEvent) -> None:
        self._pods.observe(ev)
        self.enqueue_owner(ev, "DaemonSet")

    def _on_node(self, ev: WatchEvent) -> None:
        # Heartbeats only touch status; membership depends on labels and spec (taints).
        if (
            ev.type != DELETED
            and ev.prev is not None
            and ev.obj.labels == ev.prev.labels
            and _spec(ev.obj.raw) == _spec(ev.prev.raw)
        ):
            return
        for e in self._eligibility.values():
            e.dirty.add(ev.obj.name)
        for s in self.store.iter_objects(DAEMONSETS.storage_key):
            self.queue.add((s.namespace, s.name))

    def initial_sync(self) -> None:
        self._pods.load()
        for s in self.store.iter_objects(DAEMONSETS.storage_key):
            self.queue.add((s.namespace, s.name))

    def _nodes_for(self, key: tuple[str, str], ds: Obj, tspec: Obj) -> _Eligibility:
        """The nodes the DaemonSet's current template should run on and may keep its pods on
        (shared sets: callers must not change them)."""
        meta = ds["metadata"]
        uid, generation = meta["uid"], int(meta.get("generation", 1))
        e = self._eligibility.get(key)
        pod_spec = dict(tspec)
        pod_spec["tolerations"] = _tolerations(tspec)
        if e is None or e.uid != uid or e.generation != generation:
            e = _Eligibility(uid, generation)
            for n in self.ctx.nodes.all():
                e.judge(pod_spec, n.name, n)
            self._eligibility[key] = e
            return e
        for name in e.dirty:
            e.judge(pod_spec, name, self.ctx.nodes.get(name))
        e.dirty.clear()
        return e

    def sync(self, item: Any) -> None:
        ns, name = item
        ds = self.get(ns, name)
        if ds is None or ds["metadata"].get("deletionTimestamp"):
            return
        spec = ds.get("spec") or {}
        template = spec.get("template") or {}
        tspec = template.get("spec") or {}
        rev = template_hash(template)
        sync_revisions(self.store, self.registry, ds, DAEMONSETS, rev)
        gen = str(ds["metadata"].get("generation", 1))
        placement = self._nodes_for(item, ds, tspec)
        eligible = placement.nodes
        agg = self._pods.of(ds["metadata"]["uid"])
        # Decided on the pods as they were before this sync's writes, as upstream's one list.
        missing = sorted(eligible - agg.by_target.keys())
        surplus, live = _surplus_and_live(agg, eligible, placement.keep)
        outdated = _outdated(agg, eligible, rev, live)
        for node in missing:
            pod = pod_from_template(
                ds, DAEMONSETS, template,
                extra_labels={REVISION: rev, GENERATION: gen},
                spec_overrides={
                    "affinity": _pinned(tspec, node),
                    "tolerations": _tolerations(tspec),
                },
            )  # fmt: skip
            self.create_pod(ds, pod)
        for p in surplus:
            self.delete_pod(ds, p)
        # Rolling update: replace outdated pods, at most maxUnavailable at a time.
        strategy = spec.get("updateStrategy") or {}
        if strategy.get("type", "RollingUpdate") == "RollingUpdate":
            budget = (
                int_or_percent(
                    (strategy.get("rollingUpdate") or {}).get("maxUnavailable", 1),
                    len(eligible),
                    True,
                )
                or 1
            )
            budget -= live.not_ready
            for p in outdated:
                if budget <= 0:
                    break
                self.delete_pod(ds, p)
                budget -= 1
        self._status(ds, eligible, rev)

    def _status(self, ds: Obj, eligible: set[str], rev: str) -> None:
        agg = self._pods.of(ds["metadata"]["uid"])
        current = len(agg.bound.keys() & eligible)
        ready = agg.ready.total() - agg.outside(agg.ready, eligible)
        revision = agg.revisions.get(rev, Counter[str]())
        status: Obj = {
            "currentNumberScheduled": current,
            "numberMisscheduled": len(agg.bound) - current,
            "desiredNumberScheduled": len(eligible),
            "numberReady": ready,
            "observedGeneration": ds["metadata"].get("generation", 1),
            "updatedNumberScheduled": revision.total() - agg.outside(revision, eligible),
            "numberAvailable": ready,
        }
        if len(eligible) - ready > 0:
            status["numberUnavailable"] = len(eligible) - ready
        if not status["numberAvailable"]:
            del status["numberAvailable"]
        self.write_status(ds, status)


@dataclass(slots=True)
class _Live:
    """The first pod (in key order) on each eligible node: the ones a rolling update weighs."""

    keys: set[tuple[str, str]]
    not_ready: int


def _surplus_and_live(
    agg: DaemonPodsOf, eligible: set[str], keep: set[str]
) -> tuple[list[PodView], _Live]:
    """Pods to delete (on a node that may not keep one, or all but the oldest on a node), in
    the order the full walk deleted them; and the live pods (those on eligible nodes)."""
    if agg.crowded:
        return _surplus_and_live_walked(agg, eligible, keep)
    # One pod per node: the walk's node order is the pods' key order.
    gone = agg.by_target.keys() - keep
    keys = sorted(k for n in gone for k in agg.by_target[n])
    surplus = [agg.pods[k].view for k in keys]
    not_ready = agg.not_ready.total() - agg.outside(agg.not_ready, eligible)
    return surplus, _Live(set(), not_ready)


def _surplus_and_live_walked(
    agg: DaemonPodsOf, eligible: set[str], keep: set[str]
) -> tuple[list[PodView], _Live]:
    by_node: dict[str, list[PodView]] = {}
    for m in agg.members():
        by_node.setdefault(m.target, []).append(m.view)
    surplus: list[PodView] = []
    for node, pods in by_node.items():
        surplus += pods if node not in keep else sorted(pods, key=lambda p: p.created)[1:]
    live = [ps[0] for n, ps in by_node.items() if n in eligible]
    return surplus, _Live(
        {(p.namespace, p.name) for p in live}, sum(1 for p in live if not p.ready)
    )


def _outdated(agg: DaemonPodsOf, eligible: set[str], rev: str, live: _Live) -> list[PodView]:
    """Ready live pods of another revision, in key order."""
    out = []
    for label, keys in agg.by_revision.items():
        if label == rev:
            continue
        for k in keys:
            m = agg.pods[k]
            if m.view.ready and m.target in eligible and (not agg.crowded or k in live.keys):
                out.append(k)
    out.sort()
    return [agg.pods[k].view for k in out]


def _placement(pod_spec: Obj, node: NodeInfo) -> tuple[bool, bool]:
    """(should run, may keep running) on `node`; `pod_spec` carries the daemon tolerations
    (`_tolerations`) already."""
    if not matches_node_selection(pod_spec, node):
        return False, False
    if untolerated_taint(pod_spec, node, ("NoExecute",)) is not None:
        return False, False
    return untolerated_taint(pod_spec, node, ("NoSchedule",)) is None, True


def _spec(raw: bytes) -> bytes:
    i = raw.find(b'"spec":')
    j = raw.find(b'"status":')
    return raw[i:j] if i >= 0 else b""
