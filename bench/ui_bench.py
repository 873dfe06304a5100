"""Browser figures: masthead's built web UI in headless Chromium on a synced simulator world.

    python -m bench.ui_bench [--mode smoke|quick|full|large]

`large` (outside `make bench`, ~12 min) is issue 6's figure: the `large` world (100k pods) under
1,000 changes/s asked, and the heap after the pods view stayed open 5 minutes
(`ui.heap_mb.open_5min`, `ui.heap_growth_5min_pct`).

The simulator (plain HTTP, so the browser driver can write to it without a CA) and masthead run
as their own processes; `bench/ui/ui_bench.mjs` drives Debian's Chromium through web/'s
playwright-core and measures:

- `ui.first_rows_ms`: navigation → the first real rows of the pods view painted (the frame
  after they enter the DOM); one per page load, the first with a cold cache;
- `ui.frame.p50` / `.p95` / `.max`: requestAnimationFrame intervals while the virtual table
  scrolls 40 px a frame and the simulator churns (`ui.frame.p95` as before: vsync-bound, so
  never below 16.7 ms at 60 Hz even when no frame is dropped); `ui.frame.work.p50` / `.p95` /
  `.max`: each frame's main-thread work — from its start (the rAF timestamp) to a task posted
  from its rAF callback, which runs after the frame's style, layout and paint: the figure a
  16 ms budget is about; `ui.frame.dropped_pct`: intervals over 1.5x the median. Each with
  `.churn`: the same with the table still, sorted by restarts, while the churn's pod restarts
  re-sort the visible rows;
- `ui.heap_mb`: JS heap in use after a forced GC, after the loads, scrolling and churn
  (`ui.heap_mb.after_load`: the same right after the loads);
- `live.paint.p50` / `live.paint.p99`: a pod create sent to the simulator → its row painted
  (after the frame's rendering) in a view filtered to such pods (probe and page timed on the
  same machine's wall clock); `live.paint.{write,toFrame,frameToDom,domToPaint}.p50`: where
  that time went — the simulator's answer, the frame's arrival at the page, the client's
  commit, the paint.

ui_bench.mjs prints each phase's figures as a JSON line as soon as the phase ends (echoed to
stderr here): a phase that fails keeps the earlier phases' figures, and its own and the later
ones are `failed` figures naming the phase and the error (exit status 1; the results file is
written either way, as `make bench` writes one).

Needs web/dist: built here (`npm ci`, `npm run build` in web/) when missing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from bench.results_format import Figure, markdown_table, write_results
from bench.stack import REPO, SCENARIO_WORLDS, Masthead, SimWorld, World, wait_synced

SCRIPT = REPO / "bench" / "ui" / "ui_bench.mjs"
WEB = REPO / "web"
CHROMIUM = Path(os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium"))
NODE_TIMEOUT_S = 900
STDERR_LINES = 200  # the script's last stderr lines kept for a failure's reason
LINE_LIMIT = 1 << 20  # one phase's JSON line, at most (the paint phase's: ~20 bytes a change)
# ui_bench.mjs's phases, in order (heapTrend only when measured).
PHASES = ("firstRows", "scroll", "churn", "heapTrend", "paint")
FRAME_STATS = ("p50", "p95", "max")


@dataclass(frozen=True)
class Params:
    world: World
    loads: int
    frame_s: float
    churn_per_s: float
    paint_changes: int
    # The pods view left open under churn this long, its heap sampled every heap_sample_s
    # (issue 6: JS heap after 5 minutes, no growth trend); 0: not measured.
    heap_trend_s: float = 0
    heap_sample_s: float = 30
    # What churn_per_s counts (the simulator's churn `basis`): the driver's own writes, or
    # every write the simulator applies (the controllers' reactions and the idle cluster's
    # lease renewals included: the changes a watcher sees).
    churn_basis: str = "driver"


MODES = {
    "smoke": Params(
        World(20, 5, 5, 5),
        loads=2,
        frame_s=2,
        churn_per_s=5,
        paint_changes=5,
        heap_trend_s=2,
        heap_sample_s=1,
    ),
    "quick": Params(World(115, 8, 20, 20), loads=3, frame_s=8, churn_per_s=20, paint_changes=20),
    "full": Params(
        World(1000, 10, 200, 100), loads=5, frame_s=30, churn_per_s=100, paint_changes=100
    ),
    # Issue 6's figure: `large` (100k pods) under 1,000 changes/s, the heap after 5 minutes
    # open. Outside `make bench` (~12 min: the world, the sync, the 5 minutes).
    "large": Params(
        SCENARIO_WORLDS["large"],
        loads=3,
        frame_s=30,
        churn_per_s=1000,
        paint_changes=50,
        heap_trend_s=300,
        heap_sample_s=30,
        churn_basis="stored",
    ),
}


# Where a paint's time goes (ui_bench.mjs `paintParts`), in order.
PAINT_PARTS = (
    ("write", "the simulator's answer to the create (its queueing + write path)"),
    ("toFrame", "create sent → the frame carrying the row at the page"),
    ("frameToDom", "frame received → row in the DOM (the client)"),
    ("domToPaint", "row in the DOM → frame painted"),
)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def ensure_web_dist() -> None:
    if (WEB / "dist" / "index.html").is_file():
        return
    if not (WEB / "node_modules" / "playwright-core").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=WEB, check=True)
    subprocess.run(["npm", "run", "build"], cwd=WEB, check=True)


@dataclass
class Report:
    """What ui_bench.mjs reported: each finished phase's figures by phase name, and the
    failure that ended it early (None: every phase finished)."""

    phases: dict[str, dict[str, Any]] = field(default_factory=dict)
    failure: str | None = None


async def measure(p: Params) -> Report:
    with SimWorld(p.world, ["--http"]) as sim, Masthead(sim.kubeconfig) as mh:
        async with mh.session() as http:
            await wait_synced(http, p.world.pods, timeout=600)
        cfg = {
            "launchUrl": f"{mh.base}/?token={mh.token}",
            "base": mh.base,
            "simUrl": sim.url,
            "simToken": sim.token,
            "loads": p.loads,
            "frameSeconds": p.frame_s,
            "churnPerS": p.churn_per_s,
            "churnBasis": p.churn_basis,
            "paintChanges": p.paint_changes,
            "heapTrendSeconds": p.heap_trend_s,
            "heapSampleSeconds": p.heap_sample_s,
        }
        return await run_script(cfg)


async def run_script(cfg: dict[str, Any], script: Path = SCRIPT) -> Report:
    """ui_bench.mjs with `cfg`: each phase's line echoed to stderr as it arrives (a `large`
    run is ~13 minutes) and kept, so a late failure loses only the phases after it."""
    proc = await asyncio.create_subprocess_exec(
        "node",
        str(script),
        orjson.dumps(cfg).decode(),
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        limit=LINE_LIMIT,
    )
    assert proc.stdout is not None and proc.stderr is not None
    report = Report()
    failed_in = "launch"
    errors: deque[str] = deque(maxlen=STDERR_LINES)  # its last lines: the failure's reason

    async def read_phases(stream: asyncio.StreamReader) -> None:
        nonlocal failed_in
        async for raw in stream:
            line = raw.decode(errors="replace").strip()
            if not line:
                continue
            print(f"[ui_bench] {line}", file=sys.stderr, flush=True)
            try:
                msg = orjson.loads(line)
            except orjson.JSONDecodeError:
                errors.append(line)
                continue
            if "phase" in msg:
                report.phases[str(msg.pop("phase"))] = msg
            elif "failed" in msg:
                failed_in = str(msg["failed"])

    async def read_errors(stream: asyncio.StreamReader) -> None:
        async for raw in stream:
            errors.append(raw.decode(errors="replace").strip())

    try:
        async with asyncio.timeout(NODE_TIMEOUT_S):
            await asyncio.gather(read_phases(proc.stdout), read_errors(proc.stderr))
            code = await proc.wait()
    except TimeoutError:
        code = None
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    if code is None:
        report.failure = f"{script.name} stopped after {NODE_TIMEOUT_S} s (phases done: "
        report.failure += f"{', '.join(report.phases) or 'none'})"
    elif code != 0:
        # The error's own lines, not the stack under them.
        why = " | ".join(ln for ln in errors if ln and not ln.startswith("at "))[-800:]
        report.failure = f"{script.name} failed in phase {failed_in} (exit {code}): {why}"
    return report


def heap_trend_figures(pods: str, churn: str, trend: list[dict[str, float]]) -> list[Figure]:
    """The heap after the view stayed open under churn, and its growth over that time (from
    the first sample; the samples themselves are in the scenario text)."""
    if len(trend) < 2:
        return []
    first, last = trend[0], trend[-1]
    minutes = round(last["s"] / 60, 1)
    samples = ", ".join(f"{t['mb']:.1f}" for t in trend)
    scenario = f"{pods}, pods view open {minutes} min under {churn}; MB every sample: {samples}"
    growth = (last["mb"] - first["mb"]) / first["mb"] * 100 if first["mb"] else 0.0
    return [
        Figure("ui.heap_mb.open_5min", scenario, "MB", [round(last["mb"], 2)]),
        Figure("ui.heap_growth_5min_pct", scenario, "%", [round(growth, 1)]),
    ]


def frame_figures(suffix: str, scenario: str, frames: dict[str, Any]) -> list[Figure]:
    """A frames phase: rAF intervals (`ui.frame.p95` kept as it was: vsync-bound, so never
    below 16.7 ms at 60 Hz even with no frame dropped), each frame's main-thread work (the
    figure a 16 ms budget is about) and the share of frames dropped."""
    interval, work, dropped = frames["interval"], frames["work"], frames["dropped"]
    n = f"{interval['count']} frames"
    every = f"{scenario}, requestAnimationFrame interval, {n}"
    busy = f"{scenario}, frame start → task after its rendering (main-thread work), {n}"
    return [
        *(
            Figure(f"ui.frame.{stat}{suffix}", every, "ms", [round(interval[stat], 2)])
            for stat in FRAME_STATS
        ),
        *(
            Figure(f"ui.frame.work.{stat}{suffix}", busy, "ms", [round(work[stat], 2)])
            for stat in FRAME_STATS
        ),
        Figure(
            f"ui.frame.dropped_pct{suffix}",
            f"{scenario}, intervals over 1.5x the median, {dropped['count']} of {n}",
            "%",
            [round(dropped["share"] * 100, 2)],
        ),
    ]


def paint_figures(pods: str, r: dict[str, Any]) -> list[Figure]:
    paint: list[float] = r["paintMs"]
    changes = f"{pods}, pod create sent → row painted, {len(paint)} changes"
    return [
        Figure("live.paint.p50", changes, "ms", [round(pct(paint, 0.5), 1)]),
        Figure("live.paint.p99", changes, "ms", [round(pct(paint, 0.99), 1)]),
        *(
            Figure(
                f"live.paint.{part}.p50",
                f"{pods}, {what}, {r['paintParts'][part]['count']} changes",
                "ms",
                [round(r["paintParts"][part]["p50"], 1)],
            )
            for part, what in PAINT_PARTS
            if r["paintParts"][part]["p50"] is not None
        ),
    ]


def phase_figures(p: Params, phase: str, r: dict[str, Any]) -> list[Figure]:
    """The figures of one finished phase's line."""
    pods = p.world.label
    churn = f"churn {p.churn_per_s:g}/s ({p.churn_basis} writes)"
    if phase == "firstRows":
        return [
            Figure(
                "ui.first_rows_ms",
                f"{pods}, pods view, first load cold",
                "ms",
                [round(v, 1) for v in r["firstRowsMs"]],
            ),
            Figure("ui.heap_mb.after_load", pods, "MB", [round(r["heapAfterLoadMb"], 2)]),
        ]
    if phase == "scroll":
        return frame_figures("", f"{pods}, scrolling 40 px/frame, {churn}", r["frames"])
    if phase == "churn":
        still = f"{pods}, still, sorted by restarts, {churn}"
        return [
            *frame_figures(".churn", still, r["frames"]),
            Figure(
                "ui.heap_mb",
                f"{pods}, after loads, scrolling and {churn}",
                "MB",
                [round(r["heapAfterWorkMb"], 2)],
            ),
        ]
    if phase == "heapTrend":
        return heap_trend_figures(pods, churn, r["heapTrend"])
    return paint_figures(pods, r)


def phase_ids(phase: str) -> list[tuple[str, str]]:
    """(id, unit) of the figures `phase` gives: named as failed when it did not finish."""
    if phase == "firstRows":
        return [("ui.first_rows_ms", "ms"), ("ui.heap_mb.after_load", "MB")]
    if phase in ("scroll", "churn"):
        suffix = ".churn" if phase == "churn" else ""
        frames = [
            (f"ui.frame.{kind}{stat}{suffix}", "ms")
            for kind in ("", "work.")
            for stat in FRAME_STATS
        ]
        heap = [("ui.heap_mb", "MB")] if phase == "churn" else []
        return [*frames, (f"ui.frame.dropped_pct{suffix}", "%"), *heap]
    if phase == "heapTrend":
        return [("ui.heap_mb.open_5min", "MB"), ("ui.heap_growth_5min_pct", "%")]
    parts = [(f"live.paint.{part}.p50", "ms") for part, _ in PAINT_PARTS]
    return [("live.paint.p50", "ms"), ("live.paint.p99", "ms"), *parts]


def figures(p: Params, report: Report) -> list[Figure]:
    """Every finished phase's figures; each phase that did not finish, its figures failed
    with the reason."""
    phases = [*PHASES[:3], *(["heapTrend"] if p.heap_trend_s > 0 else []), PHASES[-1]]
    out: list[Figure] = []
    for phase in phases:
        r = report.phases.get(phase)
        if r is not None:
            out.extend(phase_figures(p, phase, r))
            continue
        why = report.failure or f"ui_bench.mjs reported no {phase} phase"
        out.extend(
            Figure(fid, f"{p.world.label}, not measured", unit, failed=why)
            for fid, unit in phase_ids(phase)
        )
    return out


def run(mode: str) -> list[Figure]:
    p = MODES[mode]
    ensure_web_dist()
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} missing: apt-get install -y chromium")
    return figures(p, asyncio.run(measure(p)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mode", default="quick", choices=tuple(MODES))
    args = ap.parse_args()
    figs = run(args.mode)
    for f in figs:
        print(orjson.dumps(f.to_json()).decode())
    # A results file as `make bench` writes, with the phases measured before any failure.
    path = write_results(figs, run={"module": "ui_bench", "mode": args.mode})
    print(f"results: {path}\n{markdown_table(figs)}", file=sys.stderr)
    failed = sorted({f.failed for f in figs if f.failed})
    if failed:
        sys.exit(f"ui_bench: {'; '.join(failed)}")


if __name__ == "__main__":
    main()
