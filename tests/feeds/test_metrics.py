"""MetricsPoller against the simulator's metrics.k8s.io over real HTTP: the four states
switched at run time, demand-driven start and stop (counted in the transport's stats), the
restricted user's per-namespace fan-out through the token bucket, values, history and
rollups in SQLite; every quantity form parsed."""

from __future__ import annotations

import asyncio
import gc
import math
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

import orjson
import pytest

from masthead.feeds.metrics import (
    MetricsPoller,
    MetricsState,
    MetricsTuning,
    cpu_millicores,
    go_duration,
    json_item,
    list_items,
    memory_bytes,
    metrics_transport,
    pod_usages,
)
from masthead.persist.db import Database
from masthead.sim.app import SimConfig, Simulator
from masthead.sim.metrics import MetricsConfig
from masthead.store.projection.quantity import parse_quantity
from tests.feeds.helpers import eventually, session

FAST = MetricsTuning(interval=0.05, backoff_max=0.2, rollup_interval=0.2)


@pytest.mark.parametrize(
    ("text", "millicores"),
    [
        ("137803227n", 137.803227),
        ("2145312n", 2.145312),
        ("250m", 250.0),
        ("1500u", 1.5),
        ("1", 1000.0),
        ("1.5", 1500.0),
        ("0", 0.0),
        ("2k", 2_000_000.0),
        ("1e3", 1_000_000.0),
        ("2E-3", 2.0),
        ("1Ki", 1_024_000.0),
        (".5", 500.0),
    ],
)
def test_cpu_quantities(text: str, millicores: float) -> None:
    assert cpu_millicores(text) == pytest.approx(millicores)


@pytest.mark.parametrize(
    ("text", "nbytes"),
    [
        ("1592576Ki", 1592576 * 1024),
        ("128Mi", 128 * 2**20),
        ("1Gi", 2**30),
        ("2Ti", 2 * 2**40),
        ("1Pi", 2**50),
        ("1Ei", 2**60),
        ("12345", 12345),
        ("1k", 1000),
        ("1M", 10**6),
        ("1G", 10**9),
        ("1T", 10**12),
        ("1P", 10**15),
        ("1E", 10**18),
        ("1e9", 10**9),
        ("1.5Gi", 3 * 2**29),
        ("100m", 1),  # Value() rounds up
        ("500n", 1),
        ("3u", 1),
    ],
)
def test_memory_quantities(text: str, nbytes: int) -> None:
    assert memory_bytes(text) == nbytes


def test_integer_forms_equal_the_exact_parse() -> None:
    # metrics-server's integer forms take a fast path: the same numbers as the exact one.
    rng = random.Random(5)
    for _ in range(2000):
        n = rng.randrange(0, 10**13)
        for suffix in ("n", "u", "m", "", "k", "M", "G"):
            exact = parse_quantity(f"{n}{suffix}")
            assert exact is not None
            assert cpu_millicores(f"{n}{suffix}") == float(exact * 1000), (n, suffix)
        for suffix in ("n", "u", "m", "", "k", "M", "G", "Ki", "Mi", "Gi"):
            exact = parse_quantity(f"{n}{suffix}")
            assert exact is not None
            assert memory_bytes(f"{n}{suffix}") == math.ceil(exact), (n, suffix)


async def test_a_large_poll_is_parsed_in_slices() -> None:
    items = [
        {
            "metadata": {"namespace": "ns", "name": f"p{i}"},
            "timestamp": "2026-01-01T00:00:00Z",
            "window": "10.5s",
            "containers": [{"name": "c", "usage": {"cpu": f"{i}n", "memory": f"{i}Ki"}}],
        }
        for i in range(5000)
    ]
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    ticker = asyncio.create_task(tick())
    await asyncio.sleep(0)
    before = ticks
    fresh = await pod_usages(items, lambda n: n < 4000, 0)
    ticker.cancel()
    assert ticks - before >= 2  # the loop ran between the slices
    assert len(fresh) == 4000  # the cap: past it objects are not tracked
    usage = fresh[("ns", "p1234")]
    assert (usage.cpu_m, usage.memory, usage.window) == (1234 / 10**6, 1234 * 1024, 10.5)


async def test_a_poll_body_is_split_into_items_read_as_the_dicts_were() -> None:
    items = [
        {
            "metadata": {"namespace": "ns", "name": f"p{i}"},
            "timestamp": "2026-01-01T00:00:00Z",
            "window": "15s",
            "containers": [
                {"name": "a", "usage": {"cpu": f"{i}m", "memory": "1Mi"}},
                {"name": "b", "usage": {"cpu": 0.5, "memory": 1024}},
            ],
        }
        for i in range(500)
    ]
    body = orjson.dumps({"kind": "PodMetricsList", "metadata": {}, "items": items})
    split = list_items(body)
    assert len(split) == 500 and json_item(split[7]) == items[7]
    from_split = await pod_usages(split, lambda n: True, 0)
    assert from_split == await pod_usages(items, lambda n: True, 0)
    usage = from_split[("ns", "p7")]
    assert (usage.cpu_m, usage.memory) == (7.0 + 500.0, 1024 * 1024 + 1024)
    assert [name for name, _ in usage.containers] == ["a", "b"]
    # Replaced by every poll and holding no references the collector could follow: untracked,
    # so a poll's 100k survivors do not set off full collections.
    assert not gc.is_tracked(usage) and not gc.is_tracked(usage.containers[0][1])
    # What is not an object with an items list reads as the whole-body decode read it.
    assert list_items(b'{"items": null}') == [] and list_items(b"[1, 2]") == []
    assert list_items(b'{"items": {"a": 1}}') == ["a"]
    with pytest.raises(ValueError):
        list_items(b'{"items": [')


def test_bad_quantities_and_durations() -> None:
    assert cpu_millicores("lots") is None and memory_bytes("1Qi") is None
    assert memory_bytes(None) is None
    assert go_duration("10.066s") == pytest.approx(10.066)
    assert go_duration("1m30s") == 90.0 and go_duration("250ms") == 0.25
    assert go_duration("soon") is None


def sim_config(state: str = "ok") -> SimConfig:
    # The demo world without controllers: running pods that stay put; metrics at once.
    return SimConfig(
        scenario="demo",
        metrics=state,
        controllers=frozenset(),
        metrics_config=MetricsConfig(first_scrape_delay=0.0, resolution=0.1),
    )


@asynccontextmanager
async def poller(
    sim: Simulator,
    tuning: MetricsTuning = FAST,
    db: Database | None = None,
    context: str = "admin",
    namespaces: list[str] | None = None,
) -> AsyncIterator[MetricsPoller]:
    s = session(sim, context=context)
    p = MetricsPoller(
        metrics_transport(s),
        "c1",
        tuning,
        db,
        namespaces=lambda: namespaces,
        workload_of=lambda ns, pod: f"{ns}/{pod.rsplit('-', 2)[0]}",
    )
    try:
        yield p
    finally:
        await p.close()
        await p.transport.close()
        await s.close()


async def keep_demanding(p: MetricsPoller) -> None:
    while True:
        p.demand("pods view")
        await asyncio.sleep(0.02)


async def test_four_states_switched_at_run_time() -> None:
    async with Simulator(sim_config("absent")) as sim, poller(sim) as p:
        demanding = asyncio.create_task(keep_demanding(p))
        try:

            async def reaches(state: MetricsState) -> None:
                await eventually(lambda: p.state is state, 10, f"metrics {state}")

            await reaches(MetricsState.ABSENT)
            assert "404 page not found" in p.status().message
            assert not p.pods and p.pod("catalog", "x") is None
            sim.set_metrics_state("ok")
            await reaches(MetricsState.OK)
            assert len(p.pods) > 100 and len(p.nodes) > 3
            assert p.status("nodes").state is MetricsState.OK
            sim.set_metrics_state("forbidden")
            await reaches(MetricsState.FORBIDDEN)
            assert "forbidden" in p.status().message
            assert p.pods  # the last known values stay (with the state saying why they age)
            sim.set_metrics_state("unavailable")
            await reaches(MetricsState.UNAVAILABLE)
            assert "service unavailable" in p.status().message
            sim.set_metrics_state("ok")
            await reaches(MetricsState.OK)
            assert p.status().last_ok is not None and p.status().message == ""
        finally:
            demanding.cancel()


async def test_no_requests_without_demand_and_stop_after_idle_intervals() -> None:
    tuning = replace(FAST, interval=0.05, idle_intervals=3)
    async with Simulator(sim_config()) as sim, poller(sim, tuning) as p:
        stats = p.transport.stats
        await asyncio.sleep(0.3)
        assert stats.count("metrics") == 0 and not p.running
        p.demand("nodes view")
        await eventually(lambda: p.state is MetricsState.OK, 10, "a first poll")
        assert p.running
        await eventually(lambda: not p.running, 5, "the poller to stop without demand")
        stopped_at = stats.count("metrics")
        # Roughly 3 intervals of polls (2 requests each) after the single demand.
        assert 2 <= stopped_at <= 2 * 8
        await asyncio.sleep(0.4)
        assert stats.count("metrics") == stopped_at  # nothing while nobody looks
        p.demand("nodes view")
        await eventually(lambda: stats.count("metrics") > stopped_at, 5, "a restart")
        assert p.as_dict()["demand"] == ["nodes view"]


async def test_values_history_and_rollups(tmp_path: Path) -> None:
    db = await Database.open(tmp_path)
    try:
        async with Simulator(sim_config()) as sim, poller(sim, db=db) as p:
            demanding = asyncio.create_task(keep_demanding(p))
            try:
                await eventually(lambda: p.state is MetricsState.OK, 10, "ok")
                pod = next(iter(p.pods.values()))
                assert pod.cpu_m > 0 and pod.memory > 0 and pod.containers
                assert pod.cpu_m == pytest.approx(sum(u.cpu_m for _, u in pod.containers))
                assert pod.window is not None and pod.timestamp is not None
                key = f"{pod.namespace}/{pod.name}"
                await eventually(lambda: len(p.history("pod", key)) >= 3, 10, "a history")
                samples = p.history("pod", key)
                assert [s.t for s in samples] == sorted({s.t for s in samples})
                node = next(iter(p.nodes))
                assert p.history("node", node)
                await eventually(lambda: p.polls >= 8, 10, "polls")
            finally:
                demanding.cancel()
            await p.close()  # writes the rollups still pending
            cluster = await p.rollups("cluster")
            assert cluster and all(r.cpu_m > 0 and r.memory > 0 for r in cluster)
            ns = await p.rollups("namespace", pod.namespace)
            assert ns and ns[-1].samples >= 1
            assert await p.rollups("node", node)
            workload = pod.name.rsplit("-", 2)[0]
            assert await p.rollups("workload", f"{pod.namespace}/{workload}")
            assert await p.rollups("namespace", "no-such-namespace") == []
    finally:
        await db.close()


async def test_history_ring_and_object_cap_are_bounded() -> None:
    tuning = replace(FAST, history_points=3, max_objects=50)
    async with Simulator(sim_config()) as sim, poller(sim, tuning) as p:
        for _ in range(8):
            await p.poll_once()
            await asyncio.sleep(0.12)  # a new scrape window each time
        assert len(p.pods) + len(p.nodes) <= 50
        assert p.dropped_objects > 0
        for key in [f"{ns}/{n}" for ns, n in p.pods][:5]:
            assert len(p.history("pod", key)) == 3


async def test_restricted_user_fans_out_per_namespace_through_the_bucket() -> None:
    namespaces = ["team-a", "team-b", "team-c", "team-a", "team-b", "team-c"]
    tuning = replace(FAST, bucket_burst=2, bucket_rate=40)
    async with (
        Simulator(sim_config()) as sim,
        poller(sim, tuning, context="restricted", namespaces=namespaces) as p,
    ):
        await p.poll_once()
        assert p.status("pods").state is MetricsState.OK  # per namespace: allowed
        assert p.status("nodes").state is MetricsState.FORBIDDEN  # nodes: cluster-scoped
        assert 'cannot list resource "nodes"' in p.status("nodes").message
        assert p.state is MetricsState.OK
        assert p.requests == 7 and p.bucket.waited > 0
