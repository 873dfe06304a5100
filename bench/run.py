"""`make bench` / `make bench-quick`: run every benchmark, write results JSON and a table.

Each benchmark module exposes `run(mode) -> list[Figure]`. One that fails is reported as a
failed figure (with the reason) instead of aborting the whole run. `--smoke` runs the modules
that have a tiny mode (`SMOKE`) at that size, to check they work — its numbers mean nothing.
"""

from __future__ import annotations

import argparse
import importlib
import time
import traceback
from pathlib import Path

from bench.results_format import RESULTS_DIR, Figure, markdown_table, write_results

# Order matters only for readability of the table; each runs its own simulator.
BENCHMARKS = (
    "sim_bench",
    "sim_world",
    "sim_churn",
    "sim_logs",
    "controllers",
    "store_figures",
    "projection_pods",
    "kube_sync_figures",
    "feeds_events",
    "peer_sync",
    "sync_all",
    "api_pages",
    "warm_start",
    "api_load",
    "recovery",
    "ui_bench",
)


# Too slow for the <= 6 min quick run (the Python peers and kubectl take ~8 min alone at 20k
# pods); `make bench` runs it.
QUICK_SKIP = frozenset({"peer_sync"})
# Modules run at their quick size in the full run, to fit its 30 minutes on 2 cores, and why.
FULL_AS_QUICK = {
    # Its 100k size lists with kubectl 3 times (~200 s and > 10 GB each); peer_sync measures
    # sync.pods at 100k against the floor and every peer, kubectl once.
    "kube_sync_figures": "20k pods: the 100k sync.pods is peer_sync's",
    "projection_pods": "3 runs instead of 5 at the same 100k pods",
}
# Modules with a `smoke` mode (seconds, a hundred pods): what `--smoke` runs.
SMOKE = ("api_load", "recovery", "ui_bench", "api_pages", "warm_start", "sync_all")


def run_one(name: str, mode: str) -> list[Figure]:
    try:
        module = importlib.import_module(f"bench.{name}")
    except ModuleNotFoundError as e:
        if e.name == f"bench.{name}":
            return []  # not written yet
        raise
    size = "quick" if mode == "full" and name in FULL_AS_QUICK else mode
    figures: list[Figure] = module.run(size)
    return figures


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--mode", choices=("quick", "full"), default="quick")
    p.add_argument(
        "--smoke", action="store_true", help=f"tiny sizes, only {', '.join(SMOKE)}: a check"
    )
    p.add_argument("--only", action="append", help="run only these benchmark modules")
    p.add_argument("--results-dir", type=Path, default=RESULTS_DIR, help="where to write")
    args = p.parse_args()
    if args.smoke:
        args.mode = "smoke"
        unknown = set(args.only or ()) - set(SMOKE)
        if unknown:
            p.error(f"--smoke: no smoke mode in {', '.join(sorted(unknown))}")
    figures: list[Figure] = []
    if args.smoke:
        chosen = args.only or list(SMOKE)
    else:
        chosen = args.only or [b for b in BENCHMARKS if args.mode == "full" or b not in QUICK_SKIP]
    run_started = time.monotonic()
    for name in chosen:
        started = time.monotonic()
        try:
            got = run_one(name, args.mode)
        except Exception as e:  # one broken benchmark must not hide the others' figures
            traceback.print_exc()
            got = [Figure(f"bench.{name}", args.mode, "-", failed=f"{type(e).__name__}: {e}")]
        figures += got
        print(
            f"[bench] {name}: {len(got)} figures in {time.monotonic() - started:.0f} s", flush=True
        )
    total = time.monotonic() - run_started
    path = write_results(figures, args.results_dir)
    print(markdown_table(figures))
    print(f"\n[bench] {len(chosen)} modules in {total / 60:.1f} min", flush=True)
    print(f"\nresults: {path}")


if __name__ == "__main__":
    main()
