"""The stall locator (masthead/loop_stalls.py, `GET /api/v1/diagnostics/stalls`): a loop held
by synchronous work is seen as a stall whose sampled stacks name the holding function,
garbage collections are timed by generation, the stacks held are capped with a count of the
dropped samples, and bad settings or parameters are refused by name. The server runs in this
process, so the loop this test blocks is the one the locator watches."""

from __future__ import annotations

import asyncio
import gc
import sys
import time

import pytest

from masthead.loop_stalls import (
    ENV,
    StallTrace,
    gc_callback_codes,
    stack_key,
    threshold_from_env,
)
from tests.api.harness import served

PATH = "/api/v1/diagnostics/stalls"


def hold_the_loop(seconds: float) -> int:
    """Busy Python work holding the GIL, as a long synchronous section on the loop does."""
    spins = 0
    until = time.perf_counter() + seconds
    while time.perf_counter() < until:
        spins += 1
    return spins


def test_a_bad_threshold_is_refused_naming_the_variable() -> None:
    assert threshold_from_env({}) == 0.0
    assert threshold_from_env({ENV: " 25 "}) == 0.025
    for bad in ("yes", "-1", "10001", "2.5"):
        with pytest.raises(ValueError, match=ENV):
            threshold_from_env({ENV: bad})


def test_a_stack_key_is_the_innermost_frame_then_masthead_frames() -> None:
    frame = sys._getframe()
    key = stack_key(frame)
    assert key[0] == f"test_loop_stalls.py:{frame.f_lineno - 1} {frame.f_code.co_name}"
    assert all(k.startswith("masthead/") for k in key[1:])  # pytest's frames are not kept
    assert stack_key(None) == ("<no frame>",)


async def test_off_by_default_answers_zeros_and_refuses_bad_parameters() -> None:
    async with served("demo", connect=()) as s:
        status, body, _ = await s.get(PATH)
        assert status == 200, body
        assert body["enabled"] is False and body["stalls"] == 0 and body["top"] == []
        assert [g["collections"] for g in body["gc"]] == [0, 0, 0]
        for query, parameter in (
            ({"top": "0"}, "top"),
            ({"top": "101"}, "top"),
            ({"reset": "yes"}, "reset"),
        ):
            status, body, _ = await s.get(PATH, params=query)
            assert status == 400, (query, body)
            assert body["error"]["details"]["parameter"] == parameter


async def test_a_held_loop_is_located_and_collections_timed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(ENV, "20")
    async with served("demo", connect=()) as s:
        status, body, _ = await s.get(PATH, params={"reset": "1"})
        assert status == 200 and body["enabled"] is True and body["threshold_ms"] == 20
        await asyncio.sleep(0.05)
        hold_the_loop(0.3)
        await asyncio.sleep(0.05)
        # Allocating these sets off full collections that walk them (~0.1 s at the end), and
        # gc.collect() is one more: on the loop's thread, timed and sampled.
        held = [[i] for i in range(1_500_000)]
        gc.collect()
        del held
        await asyncio.sleep(0.05)
        status, body, _ = await s.get(PATH, params={"top": "10"})
        assert status == 200, body
        assert body["stalls"] >= 1 and body["longest_ms"] >= 250, body
        assert body["samples"] >= 10 and body["dropped_samples"] == 0
        assert len(body["top"]) <= 10
        # The holder's stack: its innermost frame, sampled during the hold, not once at its
        # end. Not a count per period: a sampler thread starved of CPU on a busy machine took 9
        # samples of a 0.3 s hold where an idle one takes ~30 (issue 8).
        held_at = next(t for t in body["top"] if "hold_the_loop" in t["where"][0])
        assert held_at["where"][0].startswith("test_loop_stalls.py:")
        assert held_at["samples"] >= 3, body["top"]
        stall = next(r for r in body["recent"] if "hold_the_loop" in r["top"][0])
        assert stall["ms"] >= 250 and stall["samples"] >= 3
        assert body["gc"][2]["collections"] >= 1 and body["gc"][2]["max_ms"] > 0
        in_gc = [t["where"] for t in body["top"] if t["where"][0] == "<gc generation 2>"]
        assert in_gc and in_gc[0][1].startswith("test_loop_stalls.py:"), body["top"]
        assert any(
            c["generation"] == 2 and c["ms"] >= 20 and c["thread"] == "MainThread"
            for c in body["slow_collections"]
        ), body["slow_collections"]
        stalls_before = body["stalls"]
        status, body, _ = await s.get(PATH, params={"reset": "1"})
        assert body["reset"] is True
        status, body, _ = await s.get(PATH)
        # Zeroed: only what happened since (a busy machine may stall this very request).
        assert body["stalls"] < stalls_before and body["samples"] < 10
        assert not any("hold_the_loop" in t["where"][0] for t in body["top"])


def test_a_foreign_gc_callback_is_not_taken_for_the_holder() -> None:
    """During a collection the loop's thread can be inside another library's gc callback
    (hypothesis registers one): the key names the code under it, not the callback."""
    captured: list[tuple[str, ...]] = []

    def foreign_callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and not captured:
            captured.append(stack_key(sys._getframe(), gc_callback_codes()))

    gc.callbacks.append(foreign_callback)
    try:
        gc.collect()
    finally:
        gc.callbacks.remove(foreign_callback)
    assert captured and captured[0][0].startswith("test_loop_stalls.py:"), captured
    assert "foreign_callback" not in captured[0][0]


async def test_stacks_are_capped_and_new_ones_counted_as_dropped() -> None:
    trace = StallTrace(threshold=0.01, max_stacks=1)
    trace.start()
    try:
        await asyncio.sleep(0.03)
        hold_the_loop(0.1)
        await asyncio.sleep(0.03)
        time.sleep(0.1)  # noqa: ASYNC251 - a second holder, in another stack
        await asyncio.sleep(0.03)
    finally:
        trace.stop()
    d = trace.as_dict(10)
    assert d["stacks_held"] == 1 and d["dropped_samples"] >= 5, d
    assert d["samples"] == d["top"][0]["samples"] + d["dropped_samples"]
    # The two holders at least: on a busy machine the loop's thread can also be descheduled
    # for longer than 10 ms between them, which is a stall too (seen under load, issue 8).
    assert d["stalls"] >= 2
    assert trace._on_gc not in gc.callbacks  # stop removed what start added


async def test_a_collection_while_the_counts_are_read_does_not_deadlock() -> None:
    """A collection can start inside any allocation, also one `as_dict` makes under the lock
    (the first large-world run hung there): reading with collections forced on every
    allocation must answer."""
    trace = StallTrace(threshold=0.001)
    trace.start()
    threshold = gc.get_threshold()
    try:
        await asyncio.sleep(0.01)
        hold_the_loop(0.02)
        await asyncio.sleep(0.01)
        gc.set_threshold(1)  # a generation-0 collection at every container allocated
        for _ in range(20):
            d = trace.as_dict(10)
        trace.reset()
    finally:
        gc.set_threshold(*threshold)
        trace.stop()
    assert d["gc"][0]["collections"] > 0
