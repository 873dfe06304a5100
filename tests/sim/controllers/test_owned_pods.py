"""OwnedPods: the pods held under each DaemonSet equal a full scan of the stored pods'
controlling ownerReferences after any sequence of writes (creates, owner changes, orphaning,
a non-controller reference, deletes), loaded before or after some of them."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from masthead.sim.controllers.objects import PODS, controller_of
from masthead.sim.controllers.ownedpods import OwnedPods
from masthead.sim.fieldsets import field_values
from masthead.sim.store import ObjectStore, WatchEvent

NAMES = ("a", "b", "c", "d")
NAMESPACES = ("ns1", "ns2")
# (kind, name, controller): who a pod may point at.
OWNERS = (
    None,
    ("DaemonSet", "ds-1", True),
    ("DaemonSet", "ds-2", True),
    ("ReplicaSet", "ds-1", True),
    ("DaemonSet", "ds-1", False),
)


# Each example's store starts past the last one's revisions: the controller reference is
# cached per (resourceVersion, uid) process-wide, as revisions never repeat in one simulator.
_STARTS = itertools.count(10**12, 1_000)


def _fields(obj: Any) -> dict[str, str]:
    return field_values(*PODS.storage_key, obj)


def _pod(ns: str, name: str, owner: tuple[str, str, bool] | None, rev: int) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": ns, "uid": f"{ns}-{name}"}
    if owner is not None:
        kind, owner_name, controller = owner
        meta["ownerReferences"] = [
            {
                "apiVersion": "apps/v1",
                "kind": kind,
                "name": owner_name,
                "uid": f"uid-{owner_name}",
                "controller": controller,
            }
        ]
    meta["annotations"] = {"rev": str(rev)}
    return {"metadata": meta, "spec": {"containers": []}}


def _scan(store: ObjectStore) -> dict[tuple[str, str], list[tuple[str, str]]]:
    out: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for s in store.iter_objects(PODS.storage_key):
        ref = controller_of(s.decode())
        if ref is not None and ref.get("kind") == "DaemonSet":
            out.setdefault((s.namespace, ref["name"]), []).append((s.namespace, s.name))
    return {k: sorted(v) for k, v in out.items()}


op_st = st.one_of(
    st.tuples(
        st.just("put"),
        st.sampled_from(NAMESPACES),
        st.sampled_from(NAMES),
        st.sampled_from(OWNERS),
    ),
    st.tuples(st.just("delete"), st.sampled_from(NAMESPACES), st.sampled_from(NAMES)),
    st.tuples(st.just("load")),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(op_st, max_size=40))
def test_buckets_equal_a_full_scan_after_any_writes(ops: list[tuple[Any, ...]]) -> None:
    store = ObjectStore(start_rv=next(_STARTS))
    owned = OwnedPods(store, "DaemonSet")
    loaded = False

    def observe(key: tuple[str, str], ev: WatchEvent) -> None:
        if loaded:
            owned.observe(ev)

    store.observers.append(observe)
    for i, op in enumerate(ops):
        if op[0] == "put":
            store.put(PODS.storage_key, _pod(op[1], op[2], op[3], i), _fields)
        elif op[0] == "delete":
            store.remove(PODS.storage_key, op[1], op[2])
        elif not loaded:
            owned.load()
            loaded = True
    if not loaded:
        owned.load()
    assert owned.owners() == _scan(store)
    for ns, name in _scan(store):
        held = list(owned.pods(ns, name))
        current = [store.get(PODS.storage_key, s.namespace, s.name) for s in held]
        assert held == current  # the current stored versions, not older ones
    assert list(owned.pods("ns1", "nobody")) == []
