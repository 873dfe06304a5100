"""What masthead asks of the API server at steady state, and whether its memory grows.

    python -m bench.api_load [--mode smoke|quick|full]

A simulator world (its own process) churns while masthead (its own process) serves one open
pods-view subscription — an open browser tab, which keeps the metrics poller running. Over the
window the simulator counts the requests it answers by client and verb (`/_sim/state`
`requests`), masthead reports the bytes it received (`GET /api/v1/clusters/admin` `load`), and
masthead's RSS is sampled. Peers watch pods on the same server in the same window, each with
one watch as masthead holds: `kubectl get pods -A -w` and the Python client's `Watch`.

Figures: `api.requests_per_min` (+ `.get`/`.list`/`.watch`… per verb), `api.lists_per_hour`
(LISTs other than metrics.k8s.io; the goal is 0) and `api.metrics_lists_per_hour`,
`api.bytes_received_per_min`, `rss.growth_10min`. One window per run (a 10-minute window is
its own median); quick extrapolates its window to an hour / 10 minutes and says so.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson

from bench.results_format import Figure
from bench.stack import (
    REPO,
    Masthead,
    PodsSubscription,
    SimWorld,
    World,
    cluster_detail,
    sim_call,
    wait_synced,
)

MASTHEAD_AGENT = "masthead"
# The simulator names a client by its User-Agent product.
PEER_AGENTS = {"kubectl": "kubectl", "python-kubernetes": "OpenAPI-Generator"}
METRICS_GROUP = "metrics.k8s.io/"
RSS_SAMPLES = 20
PEER_START_TIMEOUT_S = 60.0
KUBECTL_WATCH = ("--context", "admin", "get", "pods", "-A", "-w", "-o", "name")


@dataclass(frozen=True)
class Params:
    world: World
    window_s: float
    churn_per_s: float
    warmup_s: float


MODES = {
    # 20 s: at least one metrics poll (every 15 s, plus its own duration) lands in the window.
    "smoke": Params(World(20, 5, 5, 5), window_s=20, churn_per_s=5, warmup_s=3),
    # 30 s: two metrics polls in the window, and `make bench-quick` has 6 minutes.
    "quick": Params(World(115, 8, 20, 20), window_s=30, churn_per_s=20, warmup_s=5),
    # 1 min, not 10: `make bench` must fit 30 min (bench/run.py BUDGET_S); its figures are per
    # minute. The 10-minute growth under heavier load is `make load`'s (bench/ws_load.py,
    # `rss.growth_10min` there).
    "full": Params(World(1000, 10, 200, 100), window_s=60, churn_per_s=100, warmup_s=20),
}
TEN_MIN_S = 600


def _start_peers(kubeconfig: str) -> dict[str, subprocess.Popen[bytes]]:
    kubectl = shutil.which("kubectl") or "kubectl"
    argv = {
        "kubectl": [kubectl, "--kubeconfig", kubeconfig, *KUBECTL_WATCH],
        "python-kubernetes": [sys.executable, "-m", "bench.peers.py_watch", kubeconfig],
    }
    return {
        name: subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for name, cmd in argv.items()
    }


def _stop_peers(peers: dict[str, subprocess.Popen[bytes]]) -> dict[str, str]:
    """Stop the peers; the reason for any that died during the window."""
    died = {
        n: f"exited {p.returncode} before the window ended"
        for n, p in peers.items()
        if p.poll() is not None
    }
    for p in peers.values():
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    return died


def _by_verb(counts: dict[str, Any], agent: str) -> dict[tuple[str, str], int]:
    by = counts["byAgent"].get(agent, {})
    return {(v, r): n for v, res in by.items() for r, n in res.items()}


def _delta(
    before: dict[tuple[str, str], int], after: dict[tuple[str, str], int]
) -> dict[tuple[str, str], int]:
    return {k: n - before.get(k, 0) for k, n in after.items() if n - before.get(k, 0)}


async def _peers_watching(
    s: aiohttp.ClientSession, peers: dict[str, subprocess.Popen[bytes]]
) -> dict[str, str]:
    """Wait until every running peer has listed and opened its watch (their start is not
    steady state); one that exited is reported as failed by `_stop_peers`. A peer still not
    watching after `PEER_START_TIMEOUT_S` is stopped and left out, with the reason, so the
    others' and masthead's figures survive a slow peer."""
    waiting: list[str] = []
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(PEER_START_TIMEOUT_S):
            while True:
                by_agent = (await sim_call(s, "GET", "/_sim/state"))["requests"]["byAgent"]
                waiting = [
                    name
                    for name, proc in peers.items()
                    if "watch" not in by_agent.get(PEER_AGENTS[name], {}) and proc.poll() is None
                ]
                if not waiting:
                    return {}
                await asyncio.sleep(0.2)
    _stop_peers({name: peers.pop(name) for name in waiting})
    return {
        name: f"had not opened its watch {PEER_START_TIMEOUT_S:.0f} s after it started"
        for name in waiting
    }


async def measure(p: Params) -> dict[str, Any]:
    with SimWorld(p.world) as sim, Masthead(sim.kubeconfig) as mh:
        async with sim.session() as s, mh.session() as http:
            sub = PodsSubscription(http)
            holder = asyncio.create_task(sub.run())
            peers: dict[str, subprocess.Popen[bytes]] = {}
            slow: dict[str, str] = {}
            try:
                await wait_synced(http, p.world.pods, timeout=600)
                async with asyncio.timeout(30):
                    await sub.first_frame.wait()
                peers = _start_peers(sim.kubeconfig)
                slow = await _peers_watching(s, peers)
                duration = p.warmup_s + p.window_s + 5
                await sim_call(
                    s, "POST", "/_sim/churn", {"rate": p.churn_per_s, "duration": duration}
                )
                await asyncio.sleep(p.warmup_s)
                state0 = await sim_call(s, "GET", "/_sim/state")
                load0 = (await cluster_detail(http))["load"]
                t0 = time.monotonic()
                rss = [mh.rss_mb()]
                step = p.window_s / RSS_SAMPLES
                for i in range(1, RSS_SAMPLES + 1):
                    await asyncio.sleep(max(0.0, t0 + i * step - time.monotonic()))
                    rss.append(mh.rss_mb())
                state1 = await sim_call(s, "GET", "/_sim/state")
                load1 = (await cluster_detail(http))["load"]
                window = time.monotonic() - t0
                await sim_call(s, "DELETE", "/_sim/churn")
            finally:
                died = {**slow, **_stop_peers(peers)}
                holder.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await holder
    agents = {"masthead": MASTHEAD_AGENT, **PEER_AGENTS}
    requests = {
        name: _delta(_by_verb(state0["requests"], agent), _by_verb(state1["requests"], agent))
        for name, agent in agents.items()
    }
    return {
        "window_s": window,
        "requests": requests,
        "bytes": load1["bytes_received"] - load0["bytes_received"],
        "rss_mb": rss,
        "peers_died": died,
    }


def figures(p: Params, r: dict[str, Any], mode: str) -> list[Figure]:
    minutes = r["window_s"] / 60
    scenario = f"{p.world.label}, churn {p.churn_per_s:g}/s, {r['window_s']:.0f} s window"
    mine: dict[tuple[str, str], int] = r["requests"]["masthead"]
    per_min = Figure("api.requests_per_min", scenario, "req/min")
    per_min.masthead.append(round(sum(mine.values()) / minutes, 2))
    for name in PEER_AGENTS:
        if name in r["peers_died"]:
            per_min.peers[name] = r["peers_died"][name]
        else:
            per_min.peers[name] = [round(sum(r["requests"][name].values()) / minutes, 2)]
    out = [per_min]
    for verb in sorted({v for v, _ in mine}):
        n = sum(c for (v, _), c in mine.items() if v == verb)
        out.append(
            Figure(f"api.requests_per_min.{verb}", scenario, "req/min", [round(n / minutes, 2)])
        )
    lists = sum(n for (v, res), n in mine.items() if v == "list")
    metrics_lists = sum(
        n for (v, res), n in mine.items() if v == "list" and res.startswith(METRICS_GROUP)
    )
    hour = f"{scenario} (extrapolated to an hour)"
    out.append(
        Figure(
            "api.lists_per_hour",
            hour,
            "lists/h",
            [round((lists - metrics_lists) * 60 / minutes, 1)],
        )
    )
    out.append(
        Figure(
            "api.metrics_lists_per_hour", hour, "lists/h", [round(metrics_lists * 60 / minutes, 1)]
        )
    )
    out.append(
        Figure(
            "api.bytes_received_per_min", scenario, "kB/min", [round(r["bytes"] / 1e3 / minutes, 1)]
        )
    )
    rss: list[float] = r["rss_mb"]
    growth = (rss[-1] - rss[0]) / rss[0] * 100 * (TEN_MIN_S / r["window_s"])
    label = (
        scenario
        if r["window_s"] >= TEN_MIN_S
        else f"{scenario}, growth ×{TEN_MIN_S / r['window_s']:.1f} (extrapolated to 10 min)"
    )
    out.append(Figure("rss.growth_10min", label, "%", [round(growth, 2)]))
    return out


def run(mode: str) -> list[Figure]:
    p = MODES[mode]
    return figures(p, asyncio.run(measure(p)), mode)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", default="quick", choices=tuple(MODES))
    args = ap.parse_args()
    for f in run(args.mode):
        print(orjson.dumps(f.to_json()).decode())


if __name__ == "__main__":
    main()
