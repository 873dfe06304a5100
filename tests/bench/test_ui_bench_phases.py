"""bench/ui_bench.py keeps what a browser run measured before it failed: each phase's line is
read as it comes, a failure names its phase and error, and the phases that never finished
become `failed` figures — a late failure of a 13-minute `--mode large` run loses only them."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import orjson
from bench.ui_bench import MODES, PHASES, Report, figures, phase_figures, phase_ids, run_script

SMOKE = MODES["smoke"]
FRAMES = {
    "interval": {"p50": 16.7, "p95": 33.4, "max": 50.1, "count": 100},
    "work": {"p50": 4.0, "p95": 12.5, "max": 30.0, "count": 101},
    "dropped": {"count": 7, "share": 0.07},
}
FIRST_ROWS = {"firstRowsMs": [250.0, 120.0], "heapAfterLoadMb": 3.1}
DONE: dict[str, dict[str, Any]] = {
    "firstRows": FIRST_ROWS,
    "scroll": {"frames": FRAMES},
    "churn": {"frames": FRAMES, "heapAfterWorkMb": 5.5},
    "heapTrend": {"heapTrend": [{"s": 0, "mb": 4.0}, {"s": 2, "mb": 5.0}]},
    "paint": {
        "paintMs": [10.0, 20.0, 30.0],
        "paintParts": {
            part: {"p50": 1.0, "p90": 2.0, "count": 3}
            for part in ("write", "toFrame", "frameToDom", "domToPaint")
        },
    },
}


def by_id(report: Report) -> dict[str, dict[str, Any]]:
    return {f.id: f.to_json() for f in figures(SMOKE, report)}


def test_every_phase_names_the_figures_it_gives() -> None:
    for phase in PHASES:
        made = [(f.id, f.unit) for f in phase_figures(SMOKE, phase, DONE[phase])]
        assert made == phase_ids(phase), phase


def test_frame_figures_keep_the_interval_ids_and_add_work_and_drops() -> None:
    figs = by_id(Report(DONE))
    assert figs["ui.frame.p95"]["masthead"]["median"] == 33.4
    assert "requestAnimationFrame interval" in figs["ui.frame.p95"]["scenario"]
    assert figs["ui.frame.work.p95"]["masthead"]["median"] == 12.5
    assert figs["ui.frame.work.max.churn"]["masthead"]["median"] == 30.0
    assert figs["ui.frame.dropped_pct"]["unit"] == "%"
    assert figs["ui.frame.dropped_pct"]["masthead"]["median"] == 7.0
    assert "7 of 100 frames" in figs["ui.frame.dropped_pct.churn"]["scenario"]
    assert not [f for f in figs.values() if "failed" in f["masthead"]]


def test_a_late_failure_keeps_the_phases_before_it() -> None:
    why = "ui_bench.mjs failed in phase paint (exit 1): row not painted"
    done = {k: v for k, v in DONE.items() if k != "paint"}
    figs = by_id(Report(done, why))
    assert figs["ui.first_rows_ms"]["masthead"]["runs"] == 2
    assert figs["ui.frame.work.p95.churn"]["masthead"]["median"] == 12.5
    assert figs["ui.heap_mb.open_5min"]["masthead"]["median"] == 5.0
    for fid in ("live.paint.p50", "live.paint.p99", "live.paint.toFrame.p50"):
        assert figs[fid]["masthead"] == {"failed": why}, fid


async def test_the_script_s_phases_are_kept_when_it_fails(tmp_path: Path) -> None:
    """A real node process: one phase reported, then a failure in the next."""
    script = tmp_path / "fails.mjs"
    line = orjson.dumps({"phase": "firstRows", **FIRST_ROWS}).decode()
    script.write_text(
        f"process.stdout.write({line!r} + '\\n');\n"
        "process.stdout.write(JSON.stringify({failed: 'scroll', error: 'no table'}) + '\\n');\n"
        "throw new Error('no table');\n"
    )
    report = await asyncio.wait_for(run_script({}, script), 60)
    assert report.phases == {"firstRows": FIRST_ROWS}
    assert report.failure is not None
    assert report.failure.startswith("fails.mjs failed in phase scroll (exit 1): ")
    assert "no table" in report.failure
    figs = by_id(report)
    assert figs["ui.first_rows_ms"]["masthead"]["median"] == 185.0
    assert figs["ui.frame.p95"]["masthead"] == {"failed": report.failure}
    assert figs["ui.heap_mb"]["masthead"] == {"failed": report.failure}
