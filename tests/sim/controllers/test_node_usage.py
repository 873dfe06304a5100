"""NodeUsage: per-node requested sums kept from pod events equal a full scan of the stored
pods after any sequence of writes (creates, binds, moves, phase changes, status-only writes,
resizes, deletes, recreates under a new uid), with the nodes loaded at arbitrary points."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from masthead.sim.controllers.nodeusage import NodeUsage, Usage
from masthead.sim.controllers.objects import PODS, pod_requests
from masthead.sim.controllers.runtime import PodIndex
from masthead.sim.fieldsets import field_values
from masthead.sim.store import ObjectStore, Stored, WatchEvent

NODES = ("n1", "n2", "n3")
NAMES = ("a", "b", "c", "d")
PHASES = ("Pending", "Running", "Succeeded", "Failed")


def _fields(obj: Any) -> dict[str, str]:
    return field_values(*PODS.storage_key, obj)


class World:
    """A real store with the controllers' pod index, and the usage under test fed by the
    store's observers, as the scheduler is."""

    def __init__(self) -> None:
        self.store = ObjectStore(start_rv=1)
        self.index = PodIndex(self.store)
        self.usage = NodeUsage(self._stored_on, self._requests)
        self.store.observers.append(self._observe)
        self.uids = itertools.count()
        self.reads = 0

    def _observe(self, key: tuple[str, str], ev: WatchEvent) -> None:
        self.index.observe(ev)
        self.usage.observe(ev)

    def _stored_on(self, node: str) -> list[Stored]:
        keys = self.index.by_node.get(node, set())
        found = (self.store.get(PODS.storage_key, ns, n) for ns, n in keys)
        return [s for s in found if s is not None]

    def _requests(self, s: Stored) -> tuple[int, int]:
        self.reads += 1
        return pod_requests(s.decode())

    def put(self, obj: dict[str, Any]) -> None:
        self.store.put(PODS.storage_key, obj, _fields)

    def current(self, name: str) -> dict[str, Any] | None:
        s = self.store.get(PODS.storage_key, "ns", name)
        return None if s is None else s.decode()

    def scan(self, node: str) -> Usage:
        """The brute-force answer: every stored pod decoded."""
        u = Usage()
        for s in self.store.iter_objects(PODS.storage_key):
            pod = s.decode()
            if (pod.get("spec") or {}).get("nodeName") != node:
                continue
            if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                continue
            cpu, mem = pod_requests(pod)
            u.cpu_m += cpu
            u.mem += mem
            u.pods += 1
        return u


def _pod(uid: str, name: str, node: str, phase: str, cpu: int) -> dict[str, Any]:
    requests = {"cpu": f"{cpu}m", "memory": "1Mi"}
    spec: dict[str, Any] = {"containers": [{"name": "c", "resources": {"requests": requests}}]}
    if node:
        spec["nodeName"] = node
    return {
        "metadata": {"name": name, "namespace": "ns", "uid": uid},
        "spec": spec,
        "status": {"phase": phase},
    }


name_st = st.sampled_from(NAMES)
node_st = st.sampled_from(NODES)
op_st = st.one_of(
    st.tuples(
        st.just("create"),
        name_st,
        st.sampled_from(("", *NODES)),
        st.sampled_from(PHASES),
        st.integers(0, 900),
    ),
    st.tuples(st.just("bind"), name_st, node_st),
    st.tuples(st.just("phase"), name_st, st.sampled_from(PHASES)),
    st.tuples(st.just("status"), name_st, st.integers(0, 9)),
    st.tuples(st.just("resize"), name_st, st.integers(0, 900)),
    st.tuples(st.just("delete"), name_st),
    st.tuples(st.just("ask"), node_st),
)


def _apply(w: World, op: tuple[Any, ...]) -> None:
    kind, *args = op
    if kind == "ask":
        assert w.usage.get(args[0]) == w.scan(args[0])
        return
    name = args[0]
    if kind == "create":
        w.store.remove(PODS.storage_key, "ns", name)
        w.put(_pod(f"uid-{next(w.uids)}", name, args[1], args[2], args[3]))
        return
    pod = w.current(name)
    if pod is None:
        return
    if kind == "delete":
        w.store.remove(PODS.storage_key, "ns", name)
    elif kind == "bind":
        pod["spec"]["nodeName"] = args[1]  # also moves a bound pod: not allowed upstream
    elif kind == "phase":
        pod["status"]["phase"] = args[1]
    elif kind == "status":
        pod["status"]["podIP"] = f"10.0.0.{args[1]}"
    elif kind == "resize":
        pod["spec"]["containers"][0]["resources"]["requests"]["cpu"] = f"{args[1]}m"
    if kind != "delete":
        w.put(pod)


@settings(max_examples=300, deadline=None)
@given(st.lists(op_st, max_size=40))
def test_usage_equals_a_full_scan_after_any_writes(ops: list[tuple[Any, ...]]) -> None:
    w = World()
    for op in ops:
        _apply(w, op)
    for node in NODES:
        assert w.usage.get(node) == w.scan(node), node


def test_status_writes_do_not_read_requests_again() -> None:
    w = World()
    w.put(_pod("u1", "a", "n1", "Running", 250))
    w.put(_pod("u2", "b", "n1", "Running", 100))
    assert w.usage.get("n1") == Usage(350, 2 * 2**20, 2)
    reads = w.reads
    for i in range(5):
        pod = w.current("a")
        assert pod is not None
        pod["status"]["podIP"] = f"10.0.0.{i}"
        w.put(pod)
    assert w.usage.get("n1") == Usage(350, 2 * 2**20, 2)
    assert w.reads == reads
    pod = w.current("a")
    assert pod is not None
    pod["status"]["phase"] = "Succeeded"
    w.put(pod)
    assert w.usage.get("n1") == Usage(100, 2**20, 1)
    assert w.reads == reads


def test_a_node_whose_last_pod_left_is_forgotten() -> None:
    w = World()
    w.put(_pod("u1", "a", "n1", "Running", 250))
    assert w.usage.get("n1").pods == 1
    assert len(w.usage) == 1
    w.store.remove(PODS.storage_key, "ns", "a")
    assert len(w.usage) == 0
    assert w.usage.get("n1") == Usage()
