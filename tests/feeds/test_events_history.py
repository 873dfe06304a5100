"""EventsHistory: events from the simulator's demo world (real HTTP, ClusterSession, real
SQLite files) land in the history, deduplicated by (uid, count), outlive the simulator's event
TTL and a process restart (ids continue); retention and the row cap delete oldest first;
followers resume after Last-Event-ID with nothing lost or duplicated, even past their cap."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from masthead.feeds.events_history import (
    EventEntry,
    EventFilter,
    EventsHistory,
    HistoryTuning,
)
from masthead.kube.discovery import ResourceType
from masthead.kube.sink import MemorySink, Sink
from masthead.persist.db import Database
from masthead.sim.app import SimConfig, Simulator
from masthead.sim.churn import Churn, ChurnReport
from masthead.sim.controllers import ControllerSettings
from tests.feeds.helpers import eventually, session

C = "c1"


class Clock:
    def __init__(self, t: float = 1_800_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def event(
    uid: str,
    count: int = 1,
    *,
    ns: str = "default",
    type_: str = "Normal",
    involved: str = "pod-uid-1",
    message: str = "hello",
) -> dict[str, Any]:
    return {
        "kind": "Event",
        "apiVersion": "v1",
        "metadata": {
            "name": f"web-1.{uid}",
            "namespace": ns,
            "uid": uid,
            "creationTimestamp": "2026-05-01T09:55:00Z",
        },
        "involvedObject": {"kind": "Pod", "namespace": ns, "name": "web-1", "uid": involved},
        "reason": "BackOff",
        "message": message,
        "type": type_,
        "count": count,
        "firstTimestamp": "2026-05-01T09:55:00Z",
        "lastTimestamp": f"2026-05-01T10:{count % 60:02d}:00Z",
        "source": {"component": "kubelet", "host": "node-1"},
    }


async def open_history(
    path: Path, tuning: HistoryTuning | None = None, clock: Clock | None = None
) -> EventsHistory:
    db = await Database.open(path)
    h = EventsHistory(db, tuning, **({"wall": clock} if clock else {}))
    await h.start()
    return h


async def close_history(h: EventsHistory) -> None:
    await h.close()
    await h.db.close()


@pytest.fixture
async def history(tmp_path: Path) -> AsyncIterator[EventsHistory]:
    h = await open_history(tmp_path)
    yield h
    await close_history(h)


async def all_rows(h: EventsHistory, cluster: str = C) -> list[EventEntry]:
    await h.flush()
    return await h.query(EventFilter(cluster), limit=10**7, newest_first=False)


# Events expired by the simulator's TTL the test waits for. The demo world's controllers alone
# write few new events once it has settled (13 distinct in a minute: crash loops bump the counts
# of the same events), so a churn of events runs as `masthead --demo`'s does; its ~240 new
# events expire within seconds. (Before the world's daemon pods carried their controller's
# revision hash, the DaemonSet controller rolled all of them at start, and that rollout's events
# were most of what this test saw, 45–50 a minute.)
EXPIRED = 20


async def test_demo_world_events_land_deduplicated_and_outlive_ttl_and_restart(
    tmp_path: Path,
) -> None:
    # Crash loops restart every second or so (count bumps); events expire after 1.5 s. Small
    # controller batches keep the in-process simulator from stalling the shared event loop.
    settings = ControllerSettings(
        event_ttl=1.5,
        event_ttl_tick=0.05,
        batch=2,
        crash_after=0.3,
        backoff_base=0.3,
        backoff_max=0.6,
    )
    h = await open_history(tmp_path)
    seen_counts: dict[str, set[int]] = {}

    class Spy(MemorySink[dict[str, Any]]):
        def upsert(self, obj: dict[str, Any]) -> None:
            seen_counts.setdefault(obj["metadata"]["uid"], set()).add(obj.get("count") or 1)
            super().upsert(obj)

    def sinks(r: ResourceType, ns: str | None) -> Sink[Any]:
        return h.sink(C, Spy()) if r.resource == "events" else MemorySink()

    churning: asyncio.Task[ChurnReport] | None = None
    async with Simulator(SimConfig(scenario="demo", controller_settings=settings)) as sim:
        s = session(sim, sinks)
        try:
            await s.ensure_source("events")
            # 400 event writes in 10 s, 40 % of them repeats (count bumps).
            churning = asyncio.create_task(
                Churn(sim, rate=40, count=400, mix={"event": 1}, seed=1).run()
            )

            def live() -> set[str]:
                events = sim.store.iter_objects(("", "events"))
                return {o.decode()["metadata"]["uid"] for o in events}

            def settled() -> bool:
                repeats = sum(1 for c in seen_counts.values() if len(c) > 1)
                return repeats >= 3 and len(set(seen_counts) - live()) > EXPIRED

            await eventually(settled, 60, "repeated and expired events")
            alive = live()
            assert (await churning).failure is None
        finally:
            if churning is not None:
                churning.cancel()
            await s.close()
    rows = await all_rows(h)
    assert len(rows) > EXPIRED
    pairs = [(r.uid, r.count) for r in rows]
    assert len(pairs) == len(set(pairs))  # one row per (uid, count)
    repeated = [u for u, counts in seen_counts.items() if len(counts) > 1]
    assert repeated, "the demo world should repeat some events"
    for uid in repeated[:20]:  # every count the watch delivered is a row
        assert {r.count for r in rows if r.uid == uid} >= seen_counts[uid]
    gone = {r.uid for r in rows} - alive
    assert len(gone) > EXPIRED  # expired by the simulator's TTL, still in the history
    ids = [r.id for r in rows]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    last = ids[-1]
    await close_history(h)

    # A new process: same file, new handles. History is there, ids continue.
    h2 = await open_history(tmp_path)
    try:
        assert [r.id for r in await all_rows(h2)] == ids
        assert h2.rows(C) == len(ids)
        assert await h2.latest_id(C) == last
        h2.record(C, event("after-restart"))
        newest = (await all_rows(h2))[-1]
        assert newest.uid == "after-restart" and newest.id > last
        # The relist a restarted reflector does re-delivers known events: nothing new.
        sample = rows[0]
        h2.record(C, event(sample.uid, sample.count))
        await h2.flush()
        assert h2.stats.duplicates == 1 and len(await all_rows(h2)) == len(ids) + 1
    finally:
        await close_history(h2)


async def test_dedup_by_uid_and_count_for_both_api_shapes(history: EventsHistory) -> None:
    h = history
    e = event("u1", 1)
    assert h.record(C, e)
    assert not h.record(C, copy.deepcopy(e))  # the same count again: skipped in memory
    changed = event("u1", 1, message="other text")
    assert not h.record(C, changed)  # an update without a count bump is not a new row
    assert h.record(C, event("u1", 2))
    assert h.record(C, event("u1", 3))
    # events.k8s.io/v1 shape: series.count wins, regarding is the involved object.
    v1 = {
        "kind": "Event",
        "apiVersion": "events.k8s.io/v1",
        "metadata": {"name": "sched.1", "namespace": "default", "uid": "u2"},
        "eventTime": "2026-05-01T10:00:00.123456Z",
        "series": {"count": 5, "lastObservedTime": "2026-05-01T10:04:00.000001Z"},
        "reportingController": "default-scheduler",
        "reportingInstance": "sched-1",
        "action": "Scheduling",
        "reason": "FailedScheduling",
        "type": "Warning",
        "regarding": {"kind": "Pod", "namespace": "default", "name": "web-2", "uid": "p2"},
        "note": "0/3 nodes are available",
    }
    assert h.record(C, v1)
    assert not h.record(C, {"metadata": "not an event"})
    rows = await all_rows(h)
    assert [(r.uid, r.count) for r in rows] == [("u1", 1), ("u1", 2), ("u1", 3), ("u2", 5)]
    v1row = rows[-1]
    assert v1row.object_uid == "p2" and v1row.type == "Warning"
    assert v1row.message == "0/3 nodes are available"
    assert v1row.last_seen == pytest.approx(1777629840.000001)
    assert h.stats.undecodable == 1 and h.stats.unchanged == 2


async def test_a_deleted_event_leaves_the_dedup_cache_which_keeps_its_cap(
    tmp_path: Path,
) -> None:
    # Under churn every event the API server ever held would stay in the dedup cache until
    # its cap; a deleted one is never re-delivered, so the sink's delete drops its entry.
    h = await open_history(tmp_path, HistoryTuning(dedup_cache=10))
    try:
        inner: MemorySink[dict[str, Any]] = MemorySink()
        sink = h.sink(C, inner)
        for i in range(25):
            sink.upsert(event(f"e{i}"))
        assert h.as_dict()["dedup_cache"] == 10  # at its cap: the 15 oldest evicted, counted
        assert h.stats.dedup_evicted == 15
        sink.delete(event("e24"))
        sink.delete(event("e0"))  # evicted already: nothing to forget
        h.forget(C, {"metadata": "not an event"})  # forgets nothing, no error
        assert h.stats.forgotten == 1 and h.as_dict()["dedup_cache"] == 9
        assert "e24" not in {o["metadata"]["uid"] for o in inner.objects.values()}
        # Forgotten, not skipped in memory: a (never expected) re-delivery reaches the
        # database, whose unique index still keeps one row per (uid, count).
        assert h.record(C, event("e24"))
        rows = await all_rows(h)
        assert len(rows) == 25  # a deleted event stays in the history
        assert h.stats.duplicates == 1
    finally:
        await close_history(h)


async def test_queries_by_namespace_object_type_ids_and_time(history: EventsHistory) -> None:
    h = history
    for i in range(30):
        h.record(
            C,
            event(
                f"e{i}",
                i % 5 + 1,
                ns="a" if i % 2 else "b",
                type_="Warning" if i % 3 == 0 else "Normal",
                involved=f"obj{i % 4}",
            ),
        )
    h.record("other", event("x1"))
    rows = await all_rows(h)
    assert len(rows) == 30
    newest = await h.query(EventFilter(C), limit=5)
    assert [r.id for r in newest] == [r.id for r in rows[::-1][:5]]
    warn_a = await h.query(EventFilter(C, namespace="a", type="Warning"), limit=100)
    assert {r.uid for r in warn_a} == {f"e{i}" for i in range(30) if i % 2 and i % 3 == 0}
    obj = await h.query(EventFilter(C, involved_uid="obj1"), limit=100, newest_first=False)
    assert [r.uid for r in obj] == [f"e{i}" for i in range(30) if i % 4 == 1]
    after = await h.query(EventFilter(C), after_id=rows[9].id, limit=3, newest_first=False)
    assert [r.id for r in after] == [r.id for r in rows[10:13]]
    before = await h.query(EventFilter(C), before_id=rows[9].id, limit=2)
    assert [r.id for r in before] == [rows[8].id, rows[7].id]
    # lastTimestamp minute = count: counts 4 and 5 are last seen at 10:04 and 10:05.
    recent = await h.query(EventFilter(C), since_time=1777629840.0, limit=100)
    assert {r.count for r in recent} == {4, 5}
    assert (await h.query(EventFilter("other"), limit=10))[0].uid == "x1"
    d = rows[0].as_dict()
    assert d["id"] == rows[0].id and d["object_uid"] == "obj0" and d["cluster"] == C


async def test_retention_and_row_cap_delete_oldest_first(tmp_path: Path) -> None:
    clock = Clock()
    tuning = HistoryTuning(retention=3600, max_rows=100, prune_interval=3600)
    h = await open_history(tmp_path, tuning, clock)
    try:
        for i in range(50):
            h.record(C, event(f"old{i}"))
        clock.t += 1800
        for i in range(50):
            h.record(C, event(f"mid{i}"))
        clock.t += 1801  # the first 50 are now past the 1 h retention
        assert await h.prune() == (50, 0)
        rows = await all_rows(h)
        assert [r.uid for r in rows] == [f"mid{i}" for i in range(50)]
        for i in range(80):
            h.record(C, event(f"new{i}"))
        h.record("other", event("o1"))
        assert await h.prune() == (0, 30)  # 130 rows, cap 100: the 30 oldest go
        rows = await all_rows(h)
        assert len(rows) == 100 and rows[0].uid == "mid30" and rows[-1].uid == "new79"
        assert h.rows(C) == 100 and h.rows("other") == 1
        assert h.stats.pruned_retention == 50 and h.stats.pruned_cap == 30
    finally:
        await close_history(h)


async def test_passing_the_cap_prunes_early(tmp_path: Path) -> None:
    tuning = HistoryTuning(max_rows=20, prune_slack=0.5, prune_interval=3600)
    h = await open_history(tmp_path, tuning)
    try:
        for i in range(31):
            h.record(C, event(f"e{i}"))
        await h.flush()
        await eventually(lambda: h.stats.pruned_cap > 0, 5, "an early prune")
        assert len(await all_rows(h)) == 20
    finally:
        await close_history(h)


async def test_subscribe_resumes_after_last_event_id_without_loss_or_duplicates(
    history: EventsHistory,
) -> None:
    h = history
    for i in range(10):
        h.record(C, event(f"a{i}"))
    await h.flush()
    first = h.subscribe(EventFilter(C), last_id=0)  # replay everything, then live
    got: list[EventEntry] = []
    async for e in first:
        got.append(e)
        if len(got) == 4:
            break
    first.close()
    last_id = got[-1].id
    for i in range(10):  # recorded while nobody follows
        h.record(C, event(f"b{i}"))
    await h.flush()
    second = h.subscribe(EventFilter(C), last_id=last_id)
    for i in range(5):  # recorded while it replays from the database
        h.record(C, event(f"c{i}"))
    rest: list[EventEntry] = []
    while len(rest) < 21:
        e = await second.next(timeout=5)
        assert e is not None, f"stalled after {len(rest)}"
        rest.append(e)
    assert await second.next(timeout=0.2) is None
    second.close()
    uids = [e.uid for e in got + rest]
    assert uids == [f"a{i}" for i in range(10)] + [f"b{i}" for i in range(10)] + [
        f"c{i}" for i in range(5)
    ]
    ids = [e.id for e in got + rest]
    assert ids == sorted(set(ids))


async def test_live_subscription_filters_and_recovers_from_its_cap(tmp_path: Path) -> None:
    h = await open_history(tmp_path, HistoryTuning(subscriber_queue=5, replay_page=7))
    try:
        h.record(C, event("before"))
        await h.flush()
        warnings = h.subscribe(EventFilter(C, type="Warning"))  # live only: no replay
        everything = h.subscribe(EventFilter(C))
        for i in range(40):
            h.record(C, event(f"e{i}", type_="Warning" if i % 2 else "Normal"))
        await h.flush()
        await asyncio.sleep(0)  # on_done callbacks ran: both queues overflowed
        assert everything.dropped > 0 and warnings.dropped > 0
        seen = [(await everything.next(timeout=5)) for _ in range(40)]
        assert [e.uid for e in seen if e] == [f"e{i}" for i in range(40)]
        warn = [(await warnings.next(timeout=5)) for _ in range(20)]
        assert [e.uid for e in warn if e] == [f"e{i}" for i in range(40) if i % 2]
        assert await everything.next(timeout=0.1) is None
        assert h.stats.subscriber_drops == everything.dropped + warnings.dropped
        h.record(C, event("late"))
        late = await everything.next(timeout=5)
        assert late is not None and late.uid == "late"
    finally:
        await close_history(h)


async def test_since_time_replays_by_last_seen(history: EventsHistory) -> None:
    h = history
    for i in range(1, 7):
        h.record(C, event(f"t{i}", i))
    sub = h.subscribe(EventFilter(C), since_time=1777629840.0)  # 10:04 and later
    got = [await sub.next(timeout=5) for _ in range(3)]
    assert [e.count for e in got if e] == [4, 5, 6]
    sub.close()
