"""The churn's stored-write figures and its "stored" pacing basis (a rate counted in all the
writes the API server applies, the controllers' cascade included)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from masthead.sim.app import SimConfig
from masthead.sim.churn_pacing import MAX_SAMPLES, MIN_DRIVER_WRITES, CascadeMeter, StoredPacer
from tests.sim.simclient import SimClient, running_sim

# Pod deletions the ReplicaSet controller replaces and scale changes: each driver write
# cascades into several stored writes (re-create, bind, status, events, EndpointSlices).
CASCADING_MIX = {"pod-delete": 1, "scale": 1}
# Low enough for a shared two-core machine to keep up with the cascade.
RATE = 60


async def wait_done(c: SimClient, timeout: float = 20.0) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            body: dict[str, Any] = (await c.get("/_sim/churn")).body
            if not body["running"]:
                return body
            await asyncio.sleep(0.05)


def test_meter_measures_stored_writes_per_driver_write_over_its_window() -> None:
    m = CascadeMeter(window=2.0)
    assert m.sample(0.0, 0, 0) == 1.0  # nothing measured yet: one stored write per write
    assert m.sample(0.5, 30, 10) == 3.0
    # Fewer than MIN_DRIVER_WRITES driver writes in the window keep the last ratio.
    m2 = CascadeMeter(window=2.0)
    m2.sample(0.0, 0, 0)
    assert m2.sample(0.1, 40, MIN_DRIVER_WRITES - 1) == 1.0
    # The window slides: it is measured from the newest sample at least 2 s old.
    m.sample(1.0, 60, 20)
    assert m.sample(2.5, 80, 40) == pytest.approx((80 - 30) / (40 - 10))  # from 0.5
    assert m.sample(3.0, 140, 50) == pytest.approx((140 - 60) / (50 - 20))  # from 1.0
    assert len(m.samples) == 3
    assert m.dropped == 0


def test_meter_is_bounded_and_counts_what_it_let_go() -> None:
    m = CascadeMeter(window=1e9)  # nothing ages out: only the cap bounds it
    for i in range(MAX_SAMPLES + 10):
        m.sample(float(i), 2 * i, i)
    assert len(m.samples) == MAX_SAMPLES
    assert m.dropped == 10
    assert m.ratio == 2.0
    # Ratios are clamped: never below one stored write per driver write.
    low = CascadeMeter()
    low.sample(0.0, 0, 0)
    assert low.sample(0.1, 0, 50) == 1.0


def test_stored_pacer_writes_the_stored_shortfall_divided_by_the_ratio() -> None:
    p = StoredPacer(1000, "steady", 1.0)
    assert p.due(0.0, 0, 0, 1.0) == 0
    assert p.due(0.5, 0, 0, 1.0) == 500  # nothing stored yet, ratio 1: 500 driver writes
    # 500 stored writes of the 1,000 due by 1 s; at 4 stored per driver write, 125 more.
    assert p.due(1.0, 500, 200, 4.0) == 200 + 125
    assert p.driver_rate == 250.0
    # Ahead of the asked total (late cascades landed): the driver waits.
    assert p.due(1.5, 1700, 325, 4.0) == 325
    bursty = StoredPacer(100, "bursty", 1.0)
    assert bursty.expected(0.0) == bursty.expected(0.9) == 100  # a period's writes at its start
    assert bursty.due(0.0, 0, 0, 2.0) == 50
    assert bursty.due(1.0, 100, 50, 5.0) == 50 + 20


async def test_driver_basis_reports_stored_writes_beside_its_own() -> None:
    # The default world has no controllers that react: every stored write is the driver's.
    async with running_sim() as c:
        started = await c.post("/_sim/churn", {"rate": 2000, "count": 300, "seed": 5})
        assert started.status == 201 and started.body["basis"] == "driver"
        report = await wait_done(c)
        assert report["writes"] >= 300
        assert report["storedWrites"] == report["writes"]
        assert report["storedRate"] == pytest.approx(report["achievedRate"], rel=0.01)
        assert report["cascadeRatio"] == 1.0
        assert report["driverTargetRate"] == 2000
        assert report["ratioSamplesDropped"] == 0


async def test_bad_basis_is_refused_naming_the_parameter() -> None:
    async with running_sim() as c:
        bad = await c.post("/_sim/churn", {"rate": 10, "basis": "watchers"})
        assert bad.status == 400
        assert bad.body["message"] == "basis must be one of: driver, stored"
        assert (await c.get("/_sim/churn")).status == 404


async def settle(c: SimClient, quiet: int = 10, timeout: float = 30.0) -> None:
    """Until a second passes with at most `quiet` stored writes (a fresh world's controllers
    write its statuses for a few seconds: background beyond the rates asked here)."""
    async with asyncio.timeout(timeout):
        while True:
            before = c.sim.store.writes
            await asyncio.sleep(1.0)
            if c.sim.store.writes - before <= quiet:
                return


async def test_stored_basis_paces_the_driver_by_the_controllers_cascade() -> None:
    reports = {}
    async with running_sim(SimConfig(scenario="small")) as c:
        for basis in ("driver", "stored"):
            await settle(c)
            body = {"rate": RATE, "duration": 3, "seed": 2, "mix": CASCADING_MIX, "basis": basis}
            assert (await c.post("/_sim/churn", body)).status == 201
            reports[basis] = await wait_done(c)
    driver, stored = reports["driver"], reports["stored"]
    for r in (driver, stored):
        assert r["failure"] is None
        # The controllers' writes are counted: several stored writes per driver write.
        assert r["storedWrites"] >= 1.5 * r["writes"]
        assert r["cascadeRatio"] >= 1.5
    assert stored["basis"] == "stored"
    # Driver basis: the driver writes the asked rate; the API server applies a multiple.
    assert 0.9 * RATE <= driver["achievedRate"] <= 1.05 * RATE
    assert driver["storedRate"] >= 1.5 * RATE
    # Stored basis: the API server applies about the asked rate; the driver writes less.
    assert 0.7 * RATE <= stored["storedRate"] <= 1.3 * RATE
    assert stored["achievedRate"] <= RATE / 1.3
    assert stored["driverTargetRate"] == pytest.approx(RATE / stored["cascadeRatio"], rel=0.01)
