"""bench/ui/trace_frames.py charges each traced frame's work window (the ui_bench mark minus the
frame's work) to phases by the self time of the main thread's events, and reports the frames
over the budget."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

PATH = Path(__file__).resolve().parents[2] / "bench" / "ui" / "trace_frames.py"
SPEC = importlib.util.spec_from_file_location("trace_frames", PATH)
assert SPEC is not None and SPEC.loader is not None
trace_frames = importlib.util.module_from_spec(SPEC)
sys.modules["trace_frames"] = trace_frames
SPEC.loader.exec_module(trace_frames)

MAIN = {"pid": 1, "tid": 1}
OTHER = {"pid": 1, "tid": 2}


def x(name: str, ts: float, dur: float, **data: Any) -> dict[str, Any]:
    return {**MAIN, "ph": "X", "name": name, "ts": ts, "dur": dur, "args": {"data": data}}


def instant(name: str, ts: float, args: dict[str, Any]) -> dict[str, Any]:
    return {**MAIN, "ph": "I", "name": name, "ts": ts, "args": args}


def mark(ts: float, work_ms: float) -> dict[str, Any]:
    return instant("TimeStamp", ts, {"data": {"message": f"ui.frame.work {work_ms}"}})


def trace() -> list[dict[str, Any]]:
    """Two frames: [2000, 10000] µs (8 ms of work) and [18000, 20000] (2 ms)."""
    layout = x("Layout", 5000, 500)
    layout["args"] = {"beginData": {"dirtyObjects": 267}}
    return [
        {**MAIN, "ph": "M", "name": "thread_name", "args": {"name": "CrRendererMain"}},
        {**OTHER, "ph": "M", "name": "thread_name", "args": {"name": "Compositor"}},
        # A page frame, from before the frame's start: only its part inside the window counts.
        x("RunTask", 1050, 1950),
        instant("WebSocketReceive", 1060, {"data": {"dataLength": 500}}),
        x("FunctionCall", 1100, 1700, functionName="e.onmessage"),
        # The frame: scroll event (with a forced layout), rAF (with a GC), paint, layerize.
        x("RunTask", 4000, 5000),
        x("EventDispatch", 4100, 1900, type="scroll"),
        layout,
        x("FireAnimationFrame", 6000, 500),
        x("MinorGC", 6100, 200),
        x("Paint", 6600, 1000),
        x("Layerize", 7700, 800),
        # The work probe's own task, then its mark.
        x("RunTask", 9500, 400),
        x("FunctionCall", 9500, 400, functionName="channel.port1.onmessage"),
        mark(10000, 8),
        # Another thread's events never count.
        {**OTHER, "ph": "X", "name": "Paint", "ts": 5000, "dur": 3000, "args": {}},
        # The second frame: a paint, a message received inside it.
        x("RunTask", 18400, 700),
        instant("WebSocketReceive", 18450, {"data": {"dataLength": 100}}),
        x("Paint", 18500, 500),
        mark(20000, 2),
    ]


def test_phases_are_the_self_time_inside_each_window() -> None:
    events = trace()
    first, second = trace_frames.frames_of(events, trace_frames.renderer_main(events))
    assert (first.start, first.end, first.work_ms) == (2000, 10000, 8)
    got = {phase: round(ms, 3) for phase, ms in first.phases.items() if ms}
    assert got == {
        "ws frame": 1.0,  # [2000, 3000] of the message's task: the handler 0.8, its task 0.2
        "scroll handler": 1.4,
        "forced style/layout": 0.5,
        "rAF": 0.3,
        "gc": 0.2,
        "paint": 1.0,
        "layerize": 0.8,
        "task": 0.8,  # the frame task's own time between its steps
        "probe": 0.4,
        "untraced": 1.6,  # 8 ms less the 6.4 covered
    }
    assert first.dirty == 267
    assert first.ws_messages == 0  # received before the window opened
    assert {p: round(ms, 3) for p, ms in second.phases.items() if ms} == {
        "paint": 0.5,
        "ws frame": 0.2,  # the task around the paint received a message
        "untraced": 1.3,
    }
    assert second.ws_messages == 1


def test_report_lists_the_frames_over_budget(capsys: pytest.CaptureFixture[str]) -> None:
    events = trace()
    frames = trace_frames.frames_of(events, trace_frames.renderer_main(events))
    trace_frames.report(frames, budget=5.0, top=5)
    out = capsys.readouterr().out
    assert "2 frames: work p50 8.0 / p95 8.0 / max 8.0 ms; 1 over 5 ms (50.0 %)" in out
    assert "largest phase in the over-budget frames: untraced 1" in out
    worst = [line for line in out.splitlines() if line.strip().startswith("#")]
    assert worst[0].split(":")[0].split() == ["#0", "8.0"]
    assert "dirty 267, ws 0" in worst[0]


def test_a_trace_without_marks_is_refused() -> None:
    events = [e for e in trace() if e["name"] != "TimeStamp"]
    with pytest.raises(SystemExit, match=r"no ui\.frame\.work marks"):
        trace_frames.renderer_main(events)
