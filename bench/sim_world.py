"""Scenario world build benchmark: build time and peak RSS of `masthead sim --scenario ...`
worlds (quick: `small` and a 20k-pod custom size; full: also `large`, 100k+ pods).

Each build runs in a fresh interpreter so RSS is the build's own, not the benchmark's.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson

from bench.results_format import Figure

REPO = Path(__file__).resolve().parent.parent

# A 20k-pod custom world: `large`'s shape at a fifth of its size.
MID = {"nodes": 400, "namespaces": 100, "deployments": 2000, "pods_per_deployment": 10}

_CHILD = """
import json, resource, sys, time
from masthead.sim.app import SimConfig, Simulator
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
scenario, knobs = sys.argv[1], json.loads(sys.argv[2])
t, c = time.perf_counter(), time.process_time()
sim = Simulator(SimConfig(scenario=scenario, world_knobs=knobs))
total, cpu = time.perf_counter() - t, time.process_time() - c
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": total, "cpu": cpu, "build": sim.world.seconds, "rss_mb": peak / 1024,
                  "base_mb": base / 1024, "pods": sim.world.count("pods"),
                  "objects": sum(sim.world.counts.values())}))
"""


def run_child(code: str, args: list[str], timeout: float) -> dict[str, float]:
    """Run `code` in a fresh interpreter (its own heap: RSS and CPU are the measured work's)
    and read the JSON object it prints last."""
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=timeout,
    )
    result: dict[str, float] = orjson.loads(out.stdout.strip().splitlines()[-1])
    return result


def build_once(scenario: str, knobs: dict[str, int]) -> dict[str, float]:
    return run_child(_CHILD, [scenario, orjson.dumps(knobs).decode()], 240)


def _figures(label: str, scenario: str, knobs: dict[str, int], runs: int) -> list[Figure]:
    results = [build_once(scenario, knobs) for _ in range(runs)]
    pods = int(results[0]["pods"])
    where = f"{label} ({pods} pods, {int(results[0]['objects'])} objects)"
    return [
        Figure(f"world.build_s.{label}", where, "s", [r["build"] for r in results]),
        # CPU seconds too: on a shared machine wall time includes waiting for a core.
        Figure(f"world.build_cpu_s.{label}", where, "s", [r["cpu"] for r in results]),
        Figure(f"world.rss_mb.{label}", where, "MB", [r["rss_mb"] for r in results]),
        Figure(
            f"world.build_pods_per_s.{label}",
            where,
            "pods/s",
            [r["pods"] / r["build"] for r in results],
            higher_is_better=True,
        ),
    ]


def run(mode: str) -> list[Figure]:
    figures = _figures("small", "small", {}, 3 if mode == "full" else 2)
    figures += _figures("20k", "large", MID, 2 if mode == "full" else 1)
    if mode == "full":
        figures += _figures("large", "large", {}, 1)  # ~40 s and 2 GB each: one fits
    return figures


if __name__ == "__main__":
    from bench.results_format import markdown_table

    print(markdown_table(run(sys.argv[1] if len(sys.argv) > 1 else "quick")))
