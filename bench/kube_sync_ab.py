"""A/B of the reflector's pod sync: this tree against another checkout (`--old`), interleaved
against one simulator, the transfer floor measured in every round.

    git archive <commit> src bench | tar -x -C /tmp/old
    python -m bench.kube_sync_ab --old /tmp/old [--pods 20000] [--rounds 5] [--modes wl,list]

Each sync is bench/kube_sync.py's `--child` run (a fresh interpreter, the table sink, no
churn) started in the tree it measures, with that tree's `src` first on the path; the order of
old and new alternates from round to round so machine drift hits both alike. Prints one JSON
object: per variant and mode the medians of wall seconds, its ratio to the floor's median,
CPU seconds of the child and RSS after the sync, with the load average before and after, and
new/old wall time per round (`new_over_old`).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import uvloop

from bench.sim_bench import REPO, floor_list, start_sim

MODES = {"wl": True, "list": False}


def child_sync(tree: Path, kubeconfig: str, watch_list: bool) -> dict[str, Any]:
    argv = [sys.executable, "-m", "bench.kube_sync", "--child", kubeconfig, "--sink", "table"]
    argv += ["--churn-seconds", "0"] + ([] if watch_list else ["--no-watch-list"])
    env = os.environ | {"PYTHONPATH": str(tree / "src")}
    out = subprocess.run(argv, cwd=tree, env=env, capture_output=True, text=True, check=True)
    result: dict[str, Any] = orjson.loads(out.stdout.strip().splitlines()[-1])
    return result


def run(old: Path, pods: int, rounds: int, modes: list[str]) -> dict[str, Any]:
    trees = {"old": old, "new": REPO}
    runs: dict[str, list[dict[str, Any]]] = {f"{v}.{m}": [] for v in trees for m in modes}
    floor: list[float] = []
    load_before = os.getloadavg()
    sim = start_sim(pods)
    try:
        for i in range(rounds):
            t, n = uvloop.run(floor_list(sim.url, sim.token))
            assert n == pods, f"floor saw {n} pods"
            floor.append(t)
            order = ["old", "new"] if i % 2 == 0 else ["new", "old"]
            for mode in modes:
                for variant in order:
                    r = child_sync(trees[variant], sim.kubeconfig, MODES[mode])
                    assert r["objects"] == pods, f"{variant} {mode} synced {r['objects']}"
                    runs[f"{variant}.{mode}"].append(r)
    finally:
        sim.close()
    floor_median = statistics.median(floor)
    summary: dict[str, Any] = {}
    for key, rs in runs.items():
        seconds = [r["seconds"] for r in rs]
        summary[key] = {
            "seconds_median": statistics.median(seconds),
            "vs_floor_median": statistics.median(seconds) / floor_median,
            "vs_floor_rounds": [round(s / f, 3) for s, f in zip(seconds, floor, strict=True)],
            "cpu_s_median": statistics.median(r["cpu_s"] for r in rs),
            "rss_mb_median": statistics.median(r["rss_mb"] for r in rs),
            "rss_delta_mb_median": statistics.median(r["rss_delta_mb"] for r in rs),
        }
    # new/old within each round: the pair ran back to back, so drift cancels best here.
    paired = {
        mode: [
            n["seconds"] / o["seconds"]
            for n, o in zip(runs[f"new.{mode}"], runs[f"old.{mode}"], strict=True)
        ]
        for mode in modes
    }
    return {
        "pods": pods,
        "rounds": rounds,
        "floor_median_s": floor_median,
        "floor_s": floor,
        "loadavg_before": load_before,
        "loadavg_after": os.getloadavg(),
        "summary": summary,
        "new_over_old": {
            mode: {"median": statistics.median(r), "rounds": [round(x, 3) for x in r]}
            for mode, r in paired.items()
        },
    }


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--old", type=Path, required=True, help="a checkout with src/ and bench/")
    p.add_argument("--pods", type=int, default=20_000)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--modes", default="wl,list", help="comma-separated: wl, list")
    args = p.parse_args()
    modes = args.modes.split(",")
    unknown = [m for m in modes if m not in MODES]
    if unknown:
        p.error(f"--modes: unknown {unknown}; choose from {sorted(MODES)}")
    out = run(args.old, args.pods, args.rounds, modes)
    print(orjson.dumps(out, option=orjson.OPT_INDENT_2).decode())


if __name__ == "__main__":
    main()
