"""`make bench` / `make bench-quick`: run every benchmark, write results JSON and a table.

Each benchmark module exposes `run(mode) -> list[Figure]`. One that fails is reported as a
failed figure (with the reason) instead of aborting the whole run. `--smoke` runs the modules
that have a tiny mode (`SMOKE`) at that size, to check they work — its numbers mean nothing.

Every module has a time budget (`BUDGET_S`, seconds on a quiet 2-core machine; the full run's
sum fits its 30 minutes, the quick run's its 6) and runs in its own child process, in its own
process group: one past HANG_FACTOR × its budget (× the load average per core, when above
1) is stopped (SIGINT to the group, so its
simulators and mastheads are closed by its own `finally` blocks, then SIGKILL) and reported
as a failed figure; one past its budget but not stopped is flagged `over_budget`. Each
module's budget, time and outcome go into the results JSON under `run`. `--dry-plan` prints
the plan (modules, budgets, sum) without running anything; every run prints it first.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import importlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

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
# Not registered: sim_history (the simulator's watch history span and RSS per event; run it
# alone, `python -m bench.sim_history full`). It is two fresh simulators each building the
# world and churning a fixed window (full: `large`, 100 s each, ~5-6 min; quick: 20k pods,
# 40 s each, ~2 min), and the budgets below already sum to 1,785 s of the full run's 1,800
# and 353 s of the quick run's 360: either would push its run past its budget.


# Not in the <= 6 min quick run; `make bench` runs them. peer_sync: the Python peers and
# kubectl take ~8 min alone at 20k pods. sim_churn, sim_logs: the simulator's own figures,
# mostly fixed-length windows (76 s of bench-quick at load average 12).
# projection_pods: the full run measures it at the same (its quick) size.
# warm_start: its 3 relaunch pairs alone are 25 s of the quick run's 6 minutes; the full run has it.
QUICK_SKIP = frozenset({"peer_sync", "sim_churn", "sim_logs", "projection_pods", "warm_start"})
# Modules run at their quick size in the full run, to fit its 30 minutes on 2 cores, and why.
FULL_AS_QUICK = {
    "projection_pods": "3 runs instead of 5 at the same 100k pods",
    # Simulator figures, not masthead's; their full sizes are fixed-length windows.
    "sim_logs": "3 runs of 3 s instead of 5 of 10 s (100 s of fixed windows)",
    "sim_churn": "4 rates for 4 s instead of 6 for 10 s (60 s of fixed windows)",
    "feeds_events": "100k event rows instead of 1M (the 1M ingest is ~45 s of one core)",
}
# Modules with a `smoke` mode (seconds, a hundred pods): what `--smoke` runs.
SMOKE = ("api_load", "recovery", "ui_bench", "api_pages", "warm_start", "sync_all", "peer_sync")

# Seconds per module on a quiet 2-core machine. Full: the second full run's times, measured
# on a quiet machine (bench/RESULTS.md); quick: the first bench-quick's, scaled by its load
# for the CPU-bound part, fixed windows (churn, sleeps, server down) kept.
BUDGET_S: dict[str, dict[str, float]] = {
    "full": {
        # The second full run's times (2026-11-29 15:42-16:12, quiet machine, load 1.3-2.2),
        # rounded up; api_pages and api_load from their re-run after their fixes.
        "sim_bench": 50,  # 47 s
        "sim_world": 30,  # 28 s
        "sim_churn": 30,  # 28 s at its quick size
        "sim_logs": 25,  # 20 s at its quick size
        "controllers": 30,  # 26 s
        "store_figures": 20,  # 17 s
        "projection_pods": 55,  # 50 s
        "kube_sync_figures": 35,  # 30 s
        "feeds_events": 10,  # 5 s at its quick size
        "peer_sync": 365,  # 359 s: 7 contenders x <= 60 s
        "sync_all": 175,  # 167 s
        "api_pages": 185,  # 178 s with the 100 s marker cap (306 s stopped before it)
        "warm_start": 60,  # 53 s
        "api_load": 155,  # 153 s, 60 of them waiting for python-kubernetes to open its watch
        "recovery": 410,  # 437 s: 60 s waiting for the Python peer's 10k-pod list, 2 rounds
        "ui_bench": 150,  # 143 s
    },
    # bench-quick measured once at load average 10-16 (bench/RESULTS.md "Budget"), scaled the
    # same way.
    "quick": {
        # bench-quick on a quiet machine (2026-11-29 16:25-16:32: 6.4 min), after which
        # sync_all and kube_sync_figures went to 2 rounds and warm_start to the full run only.
        "sim_bench": 30,  # 28 s
        "sim_world": 10,  # 6 s
        "controllers": 12,  # 12 s
        "store_figures": 15,  # 12 s
        "kube_sync_figures": 38,  # 46 s with 3 rounds
        "feeds_events": 8,  # 5 s
        "sync_all": 42,  # 56 s with 3 rounds
        "api_pages": 15,  # 15 s
        "api_load": 45,  # 45 s: a 30 s window
        "recovery": 78,  # 77 s: one round, 4 faults 12 s apart
        "ui_bench": 60,  # 60 s
    },
    "smoke": {name: 120 for name in SMOKE},
}
TOTAL_BUDGET_S = {"full": 30 * 60.0, "quick": 6 * 60.0, "smoke": 15 * 60.0}
# A module is stopped past this many times its budget, stretched by the load average per core
# when the machine is busier than one runnable process a core (at load 12 on 2 cores,
# bench-quick's modules took 3-7x their quiet time): a hang must not take the whole run, a
# busy machine must not lose its figures.
HANG_FACTOR = 2.0
STOP_GRACE_S = 30.0  # from SIGINT to SIGKILL: closing a `large` simulator takes seconds


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


def plan(mode: str, chosen: list[str]) -> str:
    budgets = BUDGET_S[mode]
    lines = [f"[bench] plan, mode {mode}:"]
    for name in chosen:
        smaller = mode == "full" and name in FULL_AS_QUICK
        note = f" (at its quick size: {FULL_AS_QUICK[name]})" if smaller else ""
        lines.append(f"[bench]   {name:<18} {budgets[name]:>5.0f} s{note}")
    total = sum(budgets[n] for n in chosen)
    limit = TOTAL_BUDGET_S[mode]
    verdict = "fits" if total <= limit else "OVER"
    lines.append(f"[bench]   {'sum':<18} {total:>5.0f} s = {total / 60:.1f} min ({verdict} the")
    lines[-1] += f" {limit / 60:.0f} min budget)"
    lines.append(
        f"[bench]   a module is stopped past {HANG_FACTOR:g}× its budget "
        f"(× the load average per core when above 1: now {hang_limit_s(1.0) / HANG_FACTOR:.1f})"
    )
    return "\n".join(lines)


def _child(name: str, mode: str, out: Path) -> None:
    """In the module's own process: run it, write its figures as JSON to `out`."""
    # A run started in the background (`make bench &`) inherits SIGINT ignored: restore it so
    # _stop_group's SIGINT closes this module's simulators through its `finally` blocks.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        figures = run_one(name, mode)
    except Exception as e:  # one broken benchmark must not hide the others' figures
        traceback.print_exc()
        figures = [Figure(f"bench.{name}", mode, "-", failed=f"{type(e).__name__}: {e}")]
    out.write_bytes(orjson.dumps([dataclasses.asdict(f) for f in figures]))


def _stop_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGINT to the module's process group (its `finally` blocks close its simulators and
    mastheads), then SIGKILL whatever is left of the group."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGINT)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(STOP_GRACE_S)
    _kill_group(proc)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL what is left of the module's group (a child it failed to close), then reap."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def hang_limit_s(budget_s: float) -> float:
    busy = os.getloadavg()[0] / (os.cpu_count() or 1)
    return HANG_FACTOR * budget_s * max(1.0, busy)


@dataclass
class ModuleRun:
    figures: list[Figure]
    stopped: bool  # past hang_limit_s(its budget)
    pgid: int  # its process group, gone once run_isolated returns


def run_isolated(name: str, mode: str, budget_s: float) -> ModuleRun:
    """Run one module in a child process group of its own; nothing of it is left running."""
    with tempfile.TemporaryDirectory(prefix="masthead-bench-run-") as tmp:
        out = Path(tmp) / "figures.json"
        argv = [sys.executable, "-m", "bench.run", "--child", name, "--mode", mode]
        proc = subprocess.Popen([*argv, "--child-out", str(out)], start_new_session=True)
        limit = hang_limit_s(budget_s)
        try:
            proc.wait(limit)
        except subprocess.TimeoutExpired:
            _stop_group(proc)
            why = (
                f"stopped past {limit:.0f} s (its budget {budget_s:.0f} s × {limit / budget_s:.1f})"
            )
            return ModuleRun([Figure(f"bench.{name}", mode, "-", failed=why)], True, proc.pid)
        except BaseException:  # Ctrl-C of the whole run: the module's group is its own
            _stop_group(proc)
            raise
        _kill_group(proc)
        if not out.exists():
            why = f"the module's process exited {proc.returncode} without figures"
            return ModuleRun([Figure(f"bench.{name}", mode, "-", failed=why)], False, proc.pid)
        figures = [Figure(**d) for d in orjson.loads(out.read_bytes())]
        return ModuleRun(figures, False, proc.pid)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--mode", choices=("quick", "full", "smoke"), default="quick")
    p.add_argument(
        "--smoke", action="store_true", help=f"tiny sizes, only {', '.join(SMOKE)}: a check"
    )
    p.add_argument("--only", action="append", help="run only these benchmark modules")
    p.add_argument("--results-dir", type=Path, default=RESULTS_DIR, help="where to write")
    p.add_argument("--dry-plan", action="store_true", help="print modules and budgets, run none")
    p.add_argument("--child", help=argparse.SUPPRESS)  # one module, in its own process
    p.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        _child(args.child, args.mode, args.child_out)
        return
    if args.smoke:
        args.mode = "smoke"
    if args.mode == "smoke":
        unknown = set(args.only or ()) - set(SMOKE)
        if unknown:
            p.error(f"--smoke: no smoke mode in {', '.join(sorted(unknown))}")
        chosen = args.only or list(SMOKE)
    else:
        unknown = set(args.only or ()) - set(BENCHMARKS)
        if unknown:
            p.error(f"--only: no benchmark module {', '.join(sorted(unknown))}")
        chosen = args.only or [b for b in BENCHMARKS if args.mode == "full" or b not in QUICK_SKIP]
    budgets = BUDGET_S[args.mode]
    print(plan(args.mode, [n for n in chosen if n in budgets]), flush=True)
    if args.dry_plan:
        return
    figures: list[Figure] = []
    modules: list[dict[str, Any]] = []
    load_start = os.getloadavg()
    run_started = time.monotonic()
    for name in chosen:
        budget = budgets.get(name, 300.0)  # a module run with --only outside its mode's plan
        started = time.monotonic()
        done = run_isolated(name, args.mode, budget)
        seconds = time.monotonic() - started
        got = done.figures
        figures += got
        over = seconds > budget
        modules.append(
            {
                "name": name,
                "budget_s": budget,
                "seconds": round(seconds, 1),
                "figures": len(got),
                "over_budget": over,
                "stopped": done.stopped,
            }
        )
        flag = " OVER BUDGET" if over else ""
        print(
            f"[bench] {name}: {len(got)} figures in {seconds:.0f} s (budget {budget:.0f} s){flag}",
            flush=True,
        )
    total = time.monotonic() - run_started
    run_info = {
        "mode": args.mode,
        "seconds": round(total, 1),
        "budget_s": TOTAL_BUDGET_S[args.mode],
        "load_avg_start": [round(v, 2) for v in load_start],
        "load_avg_end": [round(v, 2) for v in os.getloadavg()],
        "modules": modules,
    }
    path = write_results(figures, args.results_dir, run_info)
    print(markdown_table(figures))
    print(f"\n[bench] {len(chosen)} modules in {total / 60:.1f} min", flush=True)
    print(f"\nresults: {path}")


if __name__ == "__main__":
    main()
