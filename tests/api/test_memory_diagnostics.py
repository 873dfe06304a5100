"""`GET /api/v1/diagnostics/memory`: the cheap figures always (RSS, malloc's in-use and free,
CPython's blocks), tracemalloc's growth by line only behind MASTHEAD_TRACEMALLOC, and bad
parameters refused by name. The server runs in this process, so an allocation made here is
one the endpoint must find."""

from __future__ import annotations

import sys
import tracemalloc

import pytest

from masthead.api.memory_trace import ENV, frames_from_env
from tests.api.harness import served

PATH = "/api/v1/diagnostics/memory"


async def test_untraced_answers_the_cheap_figures_and_refuses_a_mark() -> None:
    assert not tracemalloc.is_tracing()
    async with served("demo", connect=()) as s:
        status, body, _ = await s.get(PATH)
        assert status == 200, body
        assert body["rss_mb"] > 10 and body["python_blocks"] > 10_000
        malloc = body["malloc_mb"]
        if malloc is not None:  # glibc
            assert malloc["in_use"] > 0 and malloc["free"] >= 0 and malloc["heap"] > 0
        assert body["traced"] is None
        assert "trims" in body["memory_releases"]
        assert body["periodic_trims"]["interval_s"] == 60.0  # the default, on
        for query, parameter in (
            ({"mark": "1"}, "mark"),
            ({"mark": "yes"}, "mark"),
            ({"top": "0"}, "top"),
            ({"top": "x"}, "top"),
            ({"group": "module"}, "group"),
        ):
            status, body, _ = await s.get(PATH, params=query)
            assert status == 400, (query, body)
            assert body["error"]["details"]["parameter"] == parameter
    assert not tracemalloc.is_tracing()


async def test_traced_growth_since_the_mark_names_the_allocating_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(ENV, "4")
    async with served("demo", connect=()) as s:
        assert tracemalloc.is_tracing()
        status, body, _ = await s.get(PATH, params={"mark": "1", "top": "1"})
        assert status == 200 and body["marked"] is True
        line = sys._getframe().f_lineno + 1
        held = [bytearray(1000) for _ in range(4000)]  # ~4 MB on this line, held
        status, body, _ = await s.get(PATH, params={"top": "5"})
        assert status == 200, body
        traced = body["traced"]
        assert traced["frames"] == 4 and traced["since_mark"]["seconds"] >= 0
        top = traced["top"][0]
        assert top["where"][0].endswith(f"test_memory_diagnostics.py:{line}"), top
        assert top["size_kb_diff"] >= 4000 and top["count_diff"] >= 4000
        assert len(traced["top"]) <= 5
        status, body, _ = await s.get(PATH, params={"group": "traceback", "top": "1"})
        assert status == 200 and len(body["traced"]["top"][0]["where"]) >= 1
        del held
    assert not tracemalloc.is_tracing()  # the app stopped what it started


def test_a_bad_frame_count_is_refused_naming_the_variable() -> None:
    assert frames_from_env({}) == 0
    assert frames_from_env({ENV: " 12 "}) == 12
    for bad in ("yes", "-1", "65"):
        with pytest.raises(ValueError, match=ENV):
            frames_from_env({ENV: bad})
