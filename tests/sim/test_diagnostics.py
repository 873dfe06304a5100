"""`GET /_sim/diagnostics`: the simulator's loop lag, CPU window, watch fan-out and (with
MASTHEAD_STALL_TRACE) what held its loop, over real HTTP."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from tests.sim.simclient import SimClient, running_sim

CM = "/api/v1/namespaces/team-a/configmaps"


async def diagnostics(c: SimClient, query: str = "") -> dict[str, Any]:
    r = await c.get("/_sim/diagnostics" + query)
    assert r.status == 200, r.text
    body: dict[str, Any] = r.body
    return body


def hold_the_loop_for(seconds: float) -> None:
    """Synchronous work on the simulator's loop: every timer waits behind it."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


async def test_a_held_loop_shows_as_lag_and_a_reset_starts_a_new_window() -> None:
    async with running_sim() as c:
        await asyncio.sleep(0.2)  # a few 50 ms samples of an idle loop
        await diagnostics(c, "?reset=1")
        asyncio.get_running_loop().call_soon(hold_the_loop_for, 0.3)
        await asyncio.sleep(0.2)  # the lag task's next sample comes after the hold
        held = await diagnostics(c, "?reset=1")
        assert held["reset"] is True
        loop = held["loop"]
        assert loop["max_recent_ms"] >= 250, loop
        assert loop["blocks"] >= 1
        assert loop["interval_ms"] == 50
        await asyncio.sleep(0.2)
        after = (await diagnostics(c))["loop"]
        assert after["samples"] >= 1
        assert after["max_recent_ms"] < 250, after  # the hold is in the previous window
        assert "reset" not in await diagnostics(c)


async def test_cpu_window_counts_the_process_time_burnt_since_the_reset() -> None:
    async with running_sim() as c:
        await diagnostics(c, "?reset=1")
        start = time.process_time()
        while time.process_time() - start < 0.3:
            pass
        cpu = (await diagnostics(c))["cpu"]
        assert cpu["cpu_s"] >= 0.3, cpu
        assert cpu["wall_s"] >= cpu["cpu_s"] * 0.5
        assert cpu["share"] == pytest.approx(cpu["cpu_s"] / cpu["wall_s"], rel=0.01)


async def test_watchers_report_open_streams_and_the_deepest_queue() -> None:
    async with running_sim() as c:
        rv = (await c.get(CM)).body["metadata"]["resourceVersion"]
        before = (await diagnostics(c))["watchers"]
        w = await c.watch(CM, {"resourceVersion": rv, "timeoutSeconds": "60"})
        assert (await c.post("/_sim/faults/stall-watches", {"duration": 60})).status == 201
        stalled = await c.watch(CM, {"resourceVersion": rv, "timeoutSeconds": "60"})
        for i in range(5):
            assert (await c.post(CM, {"metadata": {"name": f"cm-{i}"}})).status == 201
        watchers = (await diagnostics(c))["watchers"]
        assert watchers["open"] == before["open"] + 2
        assert watchers["deepest_events"] == 5  # the stalled stream holds all five
        assert watchers["deepest_bytes"] > 0
        assert watchers["closed_behind"] == 0
        w.close()
        stalled.close()


async def test_the_stall_locator_names_what_held_the_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MASTHEAD_STALL_TRACE", "50")
    async with running_sim() as c:
        asyncio.get_running_loop().call_soon(hold_the_loop_for, 0.3)
        await asyncio.sleep(0)  # the hold runs
        await asyncio.sleep(0.1)  # the watchdog sees the heartbeat move: the stall ended
        stalls = (await diagnostics(c, "?top=5"))["stalls"]
        assert stalls["enabled"] is True
        assert stalls["stalls"] >= 1
        assert any("hold_the_loop_for" in t["where"][0] for t in stalls["top"]), stalls["top"]


async def test_the_stall_locator_is_off_without_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MASTHEAD_STALL_TRACE", raising=False)
    async with running_sim() as c:
        stalls = (await diagnostics(c))["stalls"]
        assert stalls["enabled"] is False
        assert stalls["samples"] == 0


@pytest.mark.parametrize(
    ("query", "named"),
    [("?top=0", "top"), ("?top=x", "top"), ("?top=101", "top"), ("?reset=yes", "reset")],
)
async def test_bad_parameters_are_refused_naming_them(query: str, named: str) -> None:
    async with running_sim() as c:
        r = await c.get("/_sim/diagnostics" + query)
        assert r.status == 400, r.text
        assert r.body["message"].startswith(named + ":")
        assert (await c.get("/_sim/diagnostics")).status == 200  # still serving


async def test_diagnostics_need_the_admin_token() -> None:
    async with running_sim() as c:
        r = await c.as_token("").get("/_sim/diagnostics")
        assert r.status == 401
