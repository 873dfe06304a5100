"""Scroll frames of web UI bundles (or style changes) against each other, interleaved.

    python -m bench.ui_scroll_ab --bundle new=web/dist --bundle base=/tmp/base-dist \
        [--css nocellclip='.vt-body .vt-cell{overflow:visible}'] [--rounds 4] [--seconds 20] \
        [--churn 1000] [--trace DIR]

One simulator world (`--world`, default `large`: 100k pods) and one masthead stay up for the
whole comparison, with the churn running at `--churn` applied writes/s throughout; each run is a
fresh headless Chromium on the pods view scrolling 40 px a frame (`bench/ui/scroll_ab.mjs`,
ui_bench's probe: `ui.frame.work` is each frame's main-thread work). Bundles are served through
masthead's `--web-dist`, a symlink switched between runs; a `--css` variant is the first bundle
with that style sheet added after load. Runs go round-robin (A B C A B C ...) so a busy spell of
this shared machine falls on every variant alike; the first variant is the candidate, the others
its peers (ratios in the table). Results as `make bench` writes them, plus each run's line on
stderr. Outside `make bench` (a `large` world takes ~2 minutes to build and sync, then ~30 s a
run).

Why this exists: scroll work p95 moves ±4 ms between runs of the same bundle on this machine, so
one ui_bench run per variant cannot tell a 1–2 ms change; interleaved rounds can.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.results_format import Figure, markdown_table, write_results
from bench.stack import REPO, SCENARIO_WORLDS, Masthead, SimWorld, sim_call, wait_synced
from bench.ui_bench import CHROMIUM, ensure_web_dist, run_script

SCRIPT = REPO / "bench" / "ui" / "scroll_ab.mjs"
STATS = ("p50", "p95", "max")


@dataclass(frozen=True)
class Variant:
    label: str
    dist: Path
    css: str = ""


def parse_pair(text: str, option: str) -> tuple[str, str]:
    label, sep, value = text.partition("=")
    if not sep or not label or not value:
        raise argparse.ArgumentTypeError(f"{option} wants LABEL=VALUE, got {text!r}")
    return label, value


def variants_of(bundles: list[str], styles: list[str]) -> list[Variant]:
    """`--bundle LABEL=DIR` and `--css LABEL=CSS` → variants, bundles first (a style variant
    uses the first bundle); labels must be unique and every bundle built."""
    out: list[Variant] = []
    for text in bundles:
        label, value = parse_pair(text, "--bundle")
        dist = Path(value).resolve()
        if not (dist / "index.html").is_file():
            raise SystemExit(f"--bundle {label}: no index.html in {dist} (npm run build there?)")
        out.append(Variant(label, dist))
    if not out:
        ensure_web_dist()
        out.append(Variant("current", REPO / "web" / "dist"))
    for text in styles:
        label, css = parse_pair(text, "--css")
        out.append(Variant(label, out[0].dist, css))
    labels = [v.label for v in out]
    if len(set(labels)) != len(labels):
        raise SystemExit(f"variant labels must differ: {labels}")
    return out


def trace_file(trace_dir: str, label: str, round_no: int) -> str:
    """Where a run's trace goes ("" when not tracing)."""
    if not trace_dir:
        return ""
    Path(trace_dir).mkdir(parents=True, exist_ok=True)
    return str(Path(trace_dir).resolve() / f"{label}-{round_no}.json")


async def one_run(cfg: dict[str, object]) -> dict[str, Any]:
    """One scroll_ab.mjs run through ui_bench's runner (its phase line kept, a failure named)."""
    report = await run_script(cfg, SCRIPT)
    if report.failure or "scroll" not in report.phases:
        raise RuntimeError(report.failure or "scroll_ab.mjs reported no scroll phase")
    frames: dict[str, Any] = report.phases["scroll"]["frames"]
    return frames


async def compare(
    args: argparse.Namespace, variants: list[Variant]
) -> dict[str, list[dict[str, Any]]]:
    world = SCENARIO_WORLDS[args.world]
    runs: dict[str, list[dict[str, Any]]] = {v.label: [] for v in variants}
    with tempfile.TemporaryDirectory(prefix="masthead-scroll-ab-") as tmp:
        current = Path(tmp) / "dist"
        current.symlink_to(variants[0].dist)
        with (
            SimWorld(world, ["--http"]) as sim,
            Masthead(sim.kubeconfig, extra_args=["--web-dist", str(current)]) as mh,
        ):
            async with mh.session() as http:
                await wait_synced(http, world.pods, timeout=900)
            churn_s = args.rounds * len(variants) * (args.seconds + 30) + 120
            async with sim.session() as s:
                if args.churn > 0:
                    body = {"rate": args.churn, "basis": "stored", "duration": churn_s}
                    await sim_call(s, "POST", "/_sim/churn", body)
                    await asyncio.sleep(5)  # the churn up to its rate before the first run
                try:
                    for round_no in range(1, args.rounds + 1):
                        for v in variants:
                            swap = Path(tmp) / "next"
                            swap.symlink_to(v.dist)
                            swap.replace(current)  # atomic: a request sees one bundle
                            cfg = {
                                "launchUrl": f"{mh.base}/?token={mh.token}",
                                "base": mh.base,
                                "seconds": args.seconds,
                                "css": v.css,
                                "trace": trace_file(args.trace, v.label, round_no),
                            }
                            frames = await one_run(cfg)
                            runs[v.label].append(frames)
                            work = frames["work"]
                            print(
                                f"[ui_scroll_ab] round {round_no} {v.label}: work p50/p95/max "
                                f"{work['p50']:.1f}/{work['p95']:.1f}/{work['max']:.1f} ms, "
                                f"dropped {100 * frames['dropped']['share']:.2f} %",
                                file=sys.stderr,
                                flush=True,
                            )
                finally:
                    if args.churn > 0:
                        await sim_call(s, "DELETE", "/_sim/churn")
    return runs


def figures(args: argparse.Namespace, runs: dict[str, list[dict[str, Any]]]) -> list[Figure]:
    """Per statistic, the candidate's runs against each peer's (ratio: candidate / peer, so
    below 1 the candidate is faster)."""
    labels = list(runs)
    first, peers = labels[0], labels[1:]
    world = SCENARIO_WORLDS[args.world].label
    scenario = (
        f"{world}, churn {args.churn:g} applied writes/s, scroll 40 px/frame {args.seconds:g} s; "
        f"{args.rounds} interleaved rounds; candidate {first}"
    )

    def values(label: str, pick: Callable[[dict[str, Any]], float]) -> list[float]:
        return [round(float(pick(r)), 2) for r in runs[label]]

    def work(stat: str) -> Callable[[dict[str, Any]], float]:
        return lambda r: float(r["work"][stat])

    out: list[Figure] = []
    picks = [(f"ui.ab.frame.work.{s}", "ms", work(s)) for s in STATS]
    picks.append(("ui.ab.frame.dropped_pct", "%", lambda r: 100 * float(r["dropped"]["share"])))
    for fid, unit, pick in picks:
        peer_values: dict[str, list[float] | str] = {p: values(p, pick) for p in peers}
        out.append(Figure(fid, scenario, unit, values(first, pick), peer_values))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bundle", action="append", default=[], metavar="LABEL=DIR")
    ap.add_argument("--css", action="append", default=[], metavar="LABEL=CSS")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--world", default="large", choices=tuple(SCENARIO_WORLDS))
    ap.add_argument("--churn", type=float, default=1000, help="applied writes/s (0: none)")
    ap.add_argument(
        "--trace",
        default="",
        metavar="DIR",
        help="trace every run's scroll into DIR/<label>-<round>.json (bench/ui/trace_frames.py)",
    )
    args = ap.parse_args()
    if not 1 <= args.rounds <= 50 or not 1 <= args.seconds <= 600 or args.churn < 0:
        raise SystemExit("--rounds in 1..50, --seconds in 1..600, --churn ≥ 0")
    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} missing: apt-get install -y chromium")
    variants = variants_of(args.bundle, args.css)
    if len(variants) < 2:
        raise SystemExit("nothing to compare: give a second --bundle or a --css")
    runs = asyncio.run(compare(args, variants))
    figs = figures(args, runs)
    for label, rs in runs.items():
        p95 = [r["work"]["p95"] for r in rs]
        print(
            f"{label}: work p95 median {statistics.median(p95):.1f} ms over {p95}", file=sys.stderr
        )
    path = write_results(figs, run={"module": "ui_scroll_ab", "variants": list(runs)})
    print(f"results: {path}\n{markdown_table(figs)}")


if __name__ == "__main__":
    main()
