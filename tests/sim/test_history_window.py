"""The watch history's time window: every event younger than `history_seconds` is kept past the
per-resource floor of 100, older ones go; the hard caps (events per resource, bytes) win over
it; the write-order index stays bounded; writes made before the simulator serves (bootstrap,
world) are not history, and /_sim/state reports each resource's span."""

from __future__ import annotations

from typing import Any

from masthead.sim.app import SimConfig
from masthead.sim.store import HISTORY_FLOOR_EVENTS, ObjectStore
from tests.sim.simclient import running_sim

PODS = ("", "pods")
CM = "/api/v1/namespaces/team-a/configmaps"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def _pod(name: str, pad: int = 100) -> dict[str, Any]:
    return {"kind": "Pod", "metadata": {"name": name, "namespace": "ns"}, "spec": {"x": "y" * pad}}


def _write(store: ObjectStore, clock: FakeClock, at: float, name: str) -> None:
    clock.now = at
    store.put(PODS, _pod(name), lambda o: {})


def test_events_younger_than_the_window_stay_older_ones_go_down_to_the_floor() -> None:
    clock = FakeClock()
    store = ObjectStore(start_rv=1, history_seconds=75, clock=clock)
    for i in range(1, 151):  # one write every 0.5 s: 74.5 s of history, all of it kept
        _write(store, clock, 1_000 + i * 0.5, f"p{i}")
    rs = store.resources[PODS]
    assert len(rs.history) == 150 and store.history_budget.evicted_for_age == 0
    _write(store, clock, 1_100, "late")  # writes older than 1,025 (p1..p49) left the window
    assert len(rs.history) == 102 and store.history_budget.evicted_for_age == 49
    assert rs.history[0].obj.name == "p50" and rs.span_seconds(clock.now) == 75
    assert rs.oldest_rv == rs.history[0].rv - 1  # a watch from p49's RV is now 410
    _write(store, clock, 5_000, "much-later")  # all aged: the newest 100 stay anyway
    assert len(rs.history) == HISTORY_FLOOR_EVENTS
    assert [ev.obj.name for ev in rs.history][-2:] == ["late", "much-later"]
    assert store.history_budget.events == HISTORY_FLOOR_EVENTS


def test_hard_caps_win_over_the_window() -> None:
    clock = FakeClock()
    by_count = ObjectStore(start_rv=1, history_size=50, history_seconds=3_600, clock=clock)
    for i in range(80):
        _write(by_count, clock, 1_000 + i, f"p{i}")
    assert len(by_count.resources[PODS].history) == 50
    assert by_count.history_budget.evicted_for_count == 30
    by_bytes = ObjectStore(start_rv=1, history_bytes=60_000, history_seconds=3_600, clock=clock)
    for i in range(80):
        _write(by_bytes, clock, 1_000 + i, f"p{i}")
        assert by_bytes.history_budget.bytes <= 60_000
    kept = len(by_bytes.resources[PODS].history)
    assert 0 < kept < 80 and by_bytes.history_budget.evicted == 80 - kept


def test_the_write_order_index_stays_bounded_and_byte_eviction_takes_the_oldest() -> None:
    clock = FakeClock()
    store = ObjectStore(start_rv=1, history_size=10, history_bytes=150_000, clock=clock)
    keys = [("", f"res{i}") for i in range(6)]
    for n in range(6_000):
        # res0 writes 5x as often, so its count cap leaves stale entries in the index.
        key = keys[0] if n % 2 else keys[1 + n % 5]
        clock.now += 0.001
        store.put(key, _pod(f"o{n % 40}", 2_000), lambda o: {})
        budget = store.history_budget
        assert len(budget.order) <= 2 * budget.events + 1_024
        assert budget.events == sum(len(rs.history) for rs in store.resources.values())
    assert budget.evicted_for_count > 0 and budget.evicted > 0
    kept = sorted(ev.rv for rs in store.resources.values() for ev in rs.history)
    # The byte cap took the globally oldest first: every resource keeps a suffix of the
    # newest writes, and nothing older than the oldest kept event survives elsewhere.
    for rs in store.resources.values():
        assert all(ev.rv >= kept[0] for ev in rs.history)
        assert rs.oldest_rv < rs.history[0].rv


async def test_world_writes_are_not_history_a_watch_from_before_start_is_410() -> None:
    config = SimConfig(scenario="small", controllers=frozenset())
    async with running_sim(config) as c:
        store = c.sim.store
        assert store.count(PODS) > 100
        ready = store.rv
        assert store.history_budget.events == 0
        assert all(not rs.history for rs in store.resources.values())
        old = await c.watch("/api/v1/pods", {"resourceVersion": str(ready - 1)})
        lines = await old.collect()
        assert [(e["type"], e["object"]["code"]) for e in lines] == [("ERROR", 410)]
        exact = await c.get(
            "/api/v1/pods",
            params={"resourceVersion": str(ready - 1), "resourceVersionMatch": "Exact"},
        )
        assert exact.status == 410
        w = await c.watch(CM, {"resourceVersion": str(ready), "timeoutSeconds": "2"})
        assert (await c.post(CM, {"metadata": {"name": "after-start"}})).status == 201
        names = [e["object"]["metadata"]["name"] for e in await w.collect()]
        assert names == ["after-start"]
        assert store.history_budget.events == 1


async def test_state_reports_each_resources_history_span_and_events() -> None:
    async with running_sim(SimConfig(history_seconds=30)) as c:
        for i in range(3):
            assert (await c.post(CM, {"metadata": {"name": f"s{i}"}})).status == 201
        state = (await c.get("/_sim/state")).body
        assert state["historySeconds"] == 30 and state["historySize"] == 102_400
        assert state["historyEvents"] == 3
        cms = state["histories"]["configmaps"]
        assert cms["events"] == 3 and 0 <= cms["spanSeconds"] < 30
        assert list(state["histories"]) == ["configmaps"]
