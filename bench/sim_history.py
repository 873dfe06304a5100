"""The simulator's watch history under churn: the span it keeps and the RSS it costs.

Each run is a fresh interpreter: build a world, start the simulator (history opens at the
world-ready revision), run churn at a requested rate for a fixed time, then report the pods'
history span (seconds) and events, every resource's events held, and RSS. The cost of the
history is measured as the RSS difference between two runs that differ only in the window
(`--history-seconds` 75 vs 0; with 0 every resource keeps only its 100-event floor), divided
by the difference in events held, so the world, the churn and its garbage are the same.

    .venv/bin/python -m bench.sim_history [quick|full]
"""

from __future__ import annotations

import sys

import orjson

from bench.results_format import Figure
from bench.sim_world import run_child

# quick: a 20k-pod world (`large`'s shape at a fifth); full: `large` itself.
MID = {"nodes": 400, "namespaces": 100, "deployments": 2000, "pods_per_deployment": 10}

_CHILD = """
import asyncio, gc, json, sys, time
from masthead.sim.app import SimConfig, Simulator
from masthead.sim.churn import Churn
from masthead.sim.faults import history_state

def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return 0.0

async def main():
    scenario, knobs = sys.argv[1], json.loads(sys.argv[2])
    window, rate, seconds = map(float, sys.argv[3:6])
    sim = Simulator(SimConfig(scenario=scenario, world_knobs=knobs, history_seconds=window))
    async with sim:
        gc.collect()
        before = rss_mb()
        pods_before = sim.store.count(("", "pods"))
        report = await Churn(sim, rate=rate, duration=seconds, seed=1).run()
        gc.collect()
        state = history_state(sim.store)
        pods = state["histories"].get("pods", {"events": 0, "spanSeconds": 0.0})
        print(json.dumps({
            "achieved": report.achieved_rate, "rss_before_mb": before, "rss_mb": rss_mb(),
            "history_events": state["historyEvents"], "history_bytes": state["historyBytes"],
            "pods_events": pods["events"], "pods_span_s": pods["spanSeconds"],
            "evicted_bytes": state["historyEvictedForBytes"],
            "evicted_age": state["historyEvictedForAge"],
            "pods_before": pods_before, "pods": sim.store.count(("", "pods")),
        }))

asyncio.run(main())
"""


def run_once(
    scenario: str, knobs: dict[str, int], window: float, rate: float, seconds: float
) -> dict[str, float]:
    args = [scenario, orjson.dumps(knobs).decode(), str(window), str(rate), str(seconds)]
    return run_child(_CHILD, args, 600)


def _figures(label: str, scenario: str, knobs: dict[str, int], seconds: float) -> list[Figure]:
    rate = 1_000.0
    kept = run_once(scenario, knobs, 75.0, rate, seconds)
    floor = run_once(scenario, knobs, 0.0, rate, seconds)
    held = kept["history_events"] - floor["history_events"]
    per_event_kb = (kept["rss_mb"] - floor["rss_mb"]) * 1024 / held if held > 0 else 0.0
    where = f"{label}, churn {rate:.0f}/s asked ({kept['achieved']:.0f}/s) for {seconds:.0f} s"
    return [
        Figure(
            f"sim.history.pods_span_s.{label}",
            where,
            "s",
            [kept["pods_span_s"]],
            higher_is_better=True,
        ),
        Figure(
            f"sim.history.pods_events.{label}",
            where,
            "events",
            [kept["pods_events"]],
            higher_is_better=True,
        ),
        Figure(f"sim.history.rss_per_event_kb.{label}", where, "KB", [per_event_kb]),
        Figure(f"sim.history.rss_mb.{label}", where, "MB", [kept["rss_mb"]]),
    ]


def run(mode: str) -> list[Figure]:
    if mode == "full":
        return _figures("large", "large", {}, 100.0)
    return _figures("20k", "large", MID, 40.0)


def main(argv: list[str]) -> None:
    from bench.results_format import markdown_table

    print(markdown_table(run(argv[0] if argv else "quick")))


if __name__ == "__main__":
    main(sys.argv[1:])
