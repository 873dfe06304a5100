"""The watch histories' shared byte cap: it stays bounded under writes to many resources, the
oldest events of any resource go first, and a watch from an evicted revision is 410."""

from __future__ import annotations

from typing import Any

from masthead.sim.app import SimConfig
from masthead.sim.store import EVENT_OVERHEAD, ObjectStore
from tests.sim.simclient import running_sim

CAP = 200_000


def _obj(ns: str, name: str, size: int) -> dict[str, Any]:
    return {
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": ns},
        "data": {"v": "x" * size},
    }


def test_histories_stay_within_the_byte_cap_oldest_first() -> None:
    store = ObjectStore(start_rv=1, history_bytes=CAP)
    keys = [("", f"res{i}") for i in range(6)]
    for n in range(3_000):
        store.put(keys[n % len(keys)], _obj("ns", f"o{n % 50}", 300 + n % 400), lambda o: {})
        budget = store.history_budget
        assert budget.bytes <= CAP
        assert budget.bytes == sum(rs.history_bytes for rs in store.resources.values())
    assert store.history_budget.evicted > 0
    kept = [ev for rs in store.resources.values() for ev in rs.history]
    # A window of the newest writes survives in every resource (round-robin writes): nothing
    # older than the oldest kept event is left anywhere, and nothing newer was evicted.
    oldest = min(ev.rv for ev in kept)
    assert sorted(ev.rv for ev in kept) == list(range(oldest, store.rv + 1))
    assert sum(len(ev.obj.raw) + EVENT_OVERHEAD for ev in kept) == store.history_budget.bytes
    # Per-resource count caps still apply (a small one here) and release their bytes.
    for rs in store.resources.values():
        rs.shrink_history(3)
    assert store.history_budget.bytes == sum(rs.history_bytes for rs in store.resources.values())
    assert sum(len(rs.history) for rs in store.resources.values()) == 18


async def test_watch_from_an_evicted_revision_is_410_and_recent_resumes_work() -> None:
    async with running_sim(SimConfig(history_bytes=CAP)) as c:
        path = "/api/v1/namespaces/team-a/configmaps"
        first = await c.post(path, _obj("team-a", "cm-0", 2_000))
        assert first.status == 201
        start = first.body["metadata"]["resourceVersion"]
        for i in range(1, 150):
            assert (await c.post(path, _obj("team-a", f"cm-{i}", 2_000))).status == 201
        state = (await c.get("/_sim/state")).body
        assert state["historyBytesCap"] == CAP
        assert 0 < state["historyBytes"] <= CAP and state["historyEvictedForBytes"] > 0
        old = await c.watch(path, {"resourceVersion": start, "timeoutSeconds": "2"})
        lines = await old.collect()
        assert lines[0]["type"] == "ERROR" and lines[0]["object"]["code"] == 410
        last = (await c.get(path)).body["metadata"]["resourceVersion"]
        recent = await c.watch(path, {"resourceVersion": str(int(last) - 3), "timeoutSeconds": "1"})
        names = [e["object"]["metadata"]["name"] for e in await recent.collect()]
        assert names[-1] == "cm-149" and all(e.startswith("cm-14") for e in names)
