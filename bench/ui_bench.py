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
- `ui.frame.p95`: requestAnimationFrame deltas while the virtual table scrolls 40 px a frame
  and the simulator churns; `ui.frame.p95.churn`: the same with the table still, sorted by
  restarts, while the churn's pod restarts re-sort the visible rows;
- `ui.heap_mb`: JS heap in use after a forced GC, after the loads, scrolling and churn
  (`ui.heap_mb.after_load`: the same right after the loads);
- `live.paint.p50` / `live.paint.p99`: a pod create sent to the simulator → its row painted
  (after the frame's rendering) in a view filtered to such pods (probe and page timed on the
  same machine's wall clock); `live.paint.{write,toFrame,frameToDom,domToPaint}.p50`: where
  that time went — the simulator's answer, the frame's arrival at the page, the client's
  commit, the paint.

Needs web/dist: built here (`npm ci`, `npm run build` in web/) when missing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from bench.results_format import Figure
from bench.stack import REPO, SCENARIO_WORLDS, Masthead, SimWorld, World, wait_synced

SCRIPT = REPO / "bench" / "ui" / "ui_bench.mjs"
WEB = REPO / "web"
CHROMIUM = Path(os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium"))
NODE_TIMEOUT_S = 900


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


async def measure(p: Params) -> dict[str, Any]:
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
            "paintChanges": p.paint_changes,
            "heapTrendSeconds": p.heap_trend_s,
            "heapSampleSeconds": p.heap_sample_s,
        }
        out = await asyncio.to_thread(
            subprocess.run,
            ["node", str(SCRIPT), orjson.dumps(cfg).decode()],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=NODE_TIMEOUT_S,
        )
    if out.returncode != 0:
        # The error's own lines, not the stack under them.
        lines = [ln.strip() for ln in out.stderr.splitlines() if ln.strip()]
        why = " | ".join(ln for ln in lines if not ln.startswith("at "))[-800:]
        raise RuntimeError(f"ui_bench.mjs exited {out.returncode}: {why}")
    result: dict[str, Any] = orjson.loads(out.stdout.strip().splitlines()[-1])
    return result


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


def figures(p: Params, r: dict[str, Any]) -> list[Figure]:
    pods = p.world.label
    churn = f"churn {p.churn_per_s:g}/s"
    paint: list[float] = r["paintMs"]
    return [
        Figure(
            "ui.first_rows_ms",
            f"{pods}, pods view, first load cold",
            "ms",
            [round(v, 1) for v in r["firstRowsMs"]],
        ),
        Figure(
            "ui.frame.p95",
            f"{pods}, scrolling 40 px/frame, {churn}, {r['frame']['scroll']['count']} frames",
            "ms",
            [round(r["frame"]["scroll"]["p95"], 2)],
        ),
        Figure(
            "ui.frame.p95.churn",
            f"{pods}, still, sorted by restarts, {churn}, {r['frame']['churn']['count']} frames",
            "ms",
            [round(r["frame"]["churn"]["p95"], 2)],
        ),
        Figure(
            "ui.heap_mb",
            f"{pods}, after loads, scrolling and {churn}",
            "MB",
            [round(r["heapMb"]["afterWork"], 2)],
        ),
        Figure("ui.heap_mb.after_load", pods, "MB", [round(r["heapMb"]["afterLoad"], 2)]),
        *heap_trend_figures(pods, churn, r.get("heapTrend") or []),
        Figure(
            "live.paint.p50",
            f"{pods}, pod create sent → row painted, {len(paint)} changes",
            "ms",
            [round(pct(paint, 0.5), 1)],
        ),
        Figure(
            "live.paint.p99",
            f"{pods}, pod create sent → row painted, {len(paint)} changes",
            "ms",
            [round(pct(paint, 0.99), 1)],
        ),
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


def run(mode: str) -> list[Figure]:
    p = MODES[mode]
    ensure_web_dist()
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} missing: apt-get install -y chromium")
    return figures(p, asyncio.run(measure(p)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", default="quick", choices=tuple(MODES))
    args = ap.parse_args()
    for f in run(args.mode):
        print(orjson.dumps(f.to_json()).decode())


if __name__ == "__main__":
    main()
