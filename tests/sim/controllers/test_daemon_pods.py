"""DaemonPods: after any sequence of pod writes (creates, binding, readiness, phase, deletion
marks, revision labels, owner changes, deletes), loaded before or after some of them, each
DaemonSet's aggregate equals a full scan of the stored pods, and what a DaemonSet sync reads of
it (the pods to delete, the rolling update's candidates and unavailable count, the status
counts) equals the full walk over every pod that the aggregate replaced, for any set of
eligible nodes, superset of nodes that may keep their pod, and current revision."""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from masthead.sim.controllers.daemonpods import REVISION, DaemonPods, DaemonPodsOf, pinned_node
from masthead.sim.controllers.daemonset import _outdated, _surplus_and_live
from masthead.sim.controllers.objects import PODS
from masthead.sim.controllers.runtime import PodIndex, PodView
from masthead.sim.fieldsets import field_values
from masthead.sim.store import ObjectStore, WatchEvent

NAMES = ("a", "b", "c", "d", "e")
NODES = ("n1", "n2", "n3")
# Weighted towards active pods of one DaemonSet, so that nodes with two of its pods (which the
# sync walks in full) come up often.
OWNERS = (
    None,
    ("DaemonSet", "ds-1"),
    ("DaemonSet", "ds-1"),
    ("DaemonSet", "ds-1"),
    ("DaemonSet", "ds-2"),
    ("ReplicaSet", "ds-1"),
)

# Each example's store starts past the last one's revisions: the controller reference is
# cached per (resourceVersion, uid) process-wide, as revisions never repeat in one simulator.
_STARTS = itertools.count(2 * 10**12, 1_000)

pod_st = st.fixed_dictionaries(
    {
        "name": st.sampled_from(NAMES),
        "owner": st.sampled_from(OWNERS),
        "node": st.sampled_from(("", *NODES)),
        "pinned": st.sampled_from(NODES),
        "ready": st.booleans(),
        "phase": st.sampled_from(
            ("Pending", "Running", "Running", "Running", "Succeeded", "Failed")
        ),
        "deleting": st.sampled_from((False, False, False, True)),
        "rev": st.sampled_from(("r1", "r2")),
        "created": st.sampled_from(("2026-01-01T00:00:01Z", "2026-01-01T00:00:02Z")),
    }
)


def _fields(obj: Any) -> dict[str, str]:
    return field_values(*PODS.storage_key, obj)


def _pod(p: dict[str, Any], i: int) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "name": p["name"],
        "namespace": "ns",
        "uid": f"pod-{p['name']}",
        "labels": {REVISION: p["rev"]},
        "annotations": {"i": str(i)},
        "creationTimestamp": p["created"],
    }
    if p["deleting"]:
        meta["deletionTimestamp"] = "2026-01-01T00:00:03Z"
    if p["owner"] is not None:
        kind, owner = p["owner"]
        meta["ownerReferences"] = [
            {"apiVersion": "apps/v1", "kind": kind, "name": owner, "uid": f"uid-{owner}"}
            | {"controller": True}
        ]
    affinity = {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {"matchFields": [{"key": "metadata.name", "values": [p["pinned"]]}]}
                ]
            }
        }
    }
    spec: dict[str, Any] = {"containers": [], "affinity": affinity}
    if p["node"]:
        spec["nodeName"] = p["node"]
    conditions = [{"type": "Ready", "status": "True" if p["ready"] else "False"}]
    return {
        "metadata": meta,
        "spec": spec,
        "status": {"phase": p["phase"], "conditions": conditions},
    }


def _walked(store: ObjectStore, views: PodIndex, uid: str) -> list[tuple[PodView, str]]:
    """The DaemonSet's active pods in key order with their target node, from every pod."""
    out = []
    for s in sorted(store.iter_objects(PODS.storage_key), key=lambda s: (s.namespace, s.name)):
        v = views.view(s)
        if v.owner_kind == "DaemonSet" and v.owner_uid == uid and v.active:
            out.append((v, v.node or pinned_node(s.decode())))
    return out


def _walk_sync(
    pods: list[tuple[PodView, str]], eligible: set[str], keep: set[str], rev: str
) -> tuple[list[str], list[str], int, dict[str, int]]:
    """The sync's decisions and status counts as the full walk made them (the code the
    aggregate replaced)."""
    by_node: dict[str, list[PodView]] = {}
    for v, target in pods:
        by_node.setdefault(target, []).append(v)
    surplus = []
    for node, ps in by_node.items():
        surplus += ps if node not in keep else sorted(ps, key=lambda p: p.created)[1:]
    live = [ps[0] for n, ps in by_node.items() if n in eligible]
    outdated = [p for p in live if p.labels.get(REVISION) != rev and p.ready]
    scheduled = {v.node for v, _ in pods if v.node}
    counts = {
        "current": len(scheduled & eligible),
        "misscheduled": len(scheduled - eligible),
        "ready": sum(1 for v, _ in pods if v.ready and v.node in eligible),
        "updated": sum(1 for v, _ in pods if v.labels.get(REVISION) == rev and v.node in eligible),
    }
    return (
        [p.name for p in surplus],
        [p.name for p in outdated],
        sum(1 for p in live if not p.ready),
        counts,
    )


def _agg_sync(
    agg: DaemonPodsOf, eligible: set[str], keep: set[str], rev: str
) -> tuple[list[str], list[str], int, dict[str, int]]:
    surplus, live = _surplus_and_live(agg, eligible, keep)
    outdated = _outdated(agg, eligible, rev, live)
    revision = agg.revisions.get(rev, Counter[str]())
    current = len(agg.bound.keys() & eligible)
    counts = {
        "current": current,
        "misscheduled": len(agg.bound) - current,
        "ready": agg.ready.total() - agg.outside(agg.ready, eligible),
        "updated": revision.total() - agg.outside(revision, eligible),
    }
    return [p.name for p in surplus], [p.name for p in outdated], live.not_ready, counts


op_st = st.one_of(
    st.tuples(st.just("put"), pod_st),
    st.tuples(st.just("delete"), st.sampled_from(NAMES)),
    st.tuples(st.just("load")),
)


@settings(max_examples=500, deadline=None)
@given(
    st.lists(op_st, max_size=40),
    st.sets(st.sampled_from(NODES)),
    st.sets(st.sampled_from(NODES)),
    st.sampled_from(("r1", "r2")),
)
def test_the_aggregate_reads_as_the_full_walk_after_any_writes(
    ops: list[tuple[Any, ...]], eligible: set[str], tainted: set[str], rev: str
) -> None:
    keep = eligible | tainted  # nodes with only an untolerated NoSchedule taint keep their pod
    store = ObjectStore(start_rv=next(_STARTS))
    views = PodIndex(store)
    pods = DaemonPods(store, views)
    loaded = False

    def observe(key: tuple[str, str], ev: WatchEvent) -> None:
        if loaded:
            pods.observe(ev)

    store.observers.append(observe)
    for i, op in enumerate(ops):
        if op[0] == "put":
            store.put(PODS.storage_key, _pod(op[1], i), _fields)
        elif op[0] == "delete":
            store.remove(PODS.storage_key, "ns", op[1])
        elif not loaded:
            pods.load()
            loaded = True
    if not loaded:
        pods.load()
    for uid in ("uid-ds-1", "uid-ds-2"):
        walked = _walked(store, views, uid)
        agg = pods.of(uid)
        held = [(m.view.name, m.target) for m in agg.members()]
        assert held == [(v.name, t) for v, t in walked]
        assert [m.view.rv for m in agg.members()] == [v.rv for v, _ in walked]
        assert _agg_sync(agg, eligible, keep, rev) == _walk_sync(walked, eligible, keep, rev)
    assert pods.of("uid-nobody").members() == []
