"""Reflector sync benchmark: time from start to "pod source live" for N pods served by a
simulator in its own process, against the transfer floor (fetch every page, keep nothing),
interleaved, plus the RSS of a reflector process holding the pods in a MemorySink.

    python -m bench.kube_sync [--pods 100000] [--runs 3]

Each masthead run is a fresh child process (`--child`), so RSS and GC state are clean; the
floor runs in this process between them. Prints JSON (the `Figure` format of bench/run.py).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson

from bench.results_format import Figure
from bench.sim_bench import REPO, floor_list, kubectl_list, start_sim


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() / 1e6


async def reflect_once(kubeconfig: str, watch_list: bool) -> dict[str, Any]:
    """Start a pod reflector from the kubeconfig; time until live; RSS with the pods held."""
    from masthead.kube.discovery import Discovery
    from masthead.kube.freshness import SourceState
    from masthead.kube.kubeconfig import ClusterCredentials, load_kubeconfig
    from masthead.kube.reflector import ClusterCapabilities, Reflector
    from masthead.kube.sink import MemorySink
    from masthead.kube.transport import Transport
    from masthead.kube.tuning import Tuning

    gc.collect()
    rss_before = rss_mb()
    start = time.perf_counter()
    tuning = Tuning()
    entry = load_kubeconfig([Path(kubeconfig)]).entry("admin")
    transport = Transport(ClusterCredentials(entry, tuning), tuning)
    pods = await Discovery(transport).resolve("pods")
    sink: MemorySink[dict[str, Any]] = MemorySink()
    caps = ClusterCapabilities(watch_list=None if watch_list else False)
    reflector = Reflector(transport, pods, sink, tuning, capabilities=caps)
    # Loop responsiveness while syncing: the longest gap between 10 ms ticks.
    worst_gap = 0.0
    ticking = True

    async def ticker() -> None:
        nonlocal worst_gap
        last = time.perf_counter()
        while ticking:
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            worst_gap = max(worst_gap, now - last - 0.01)
            last = now

    tick_task = asyncio.create_task(ticker())
    reflector.start()
    await reflector.freshness.wait_for(lambda f: f.state is SourceState.LIVE)
    seconds = time.perf_counter() - start
    ticking = False
    await tick_task
    objects = len(sink.objects)
    gc.collect()
    rss_after = rss_mb()
    stats = transport.stats.as_dict()
    await reflector.stop()
    await transport.close()
    return {
        "seconds": seconds,
        "objects": objects,
        "rss_mb": rss_after,
        "rss_delta_mb": rss_after - rss_before,
        "max_loop_stall_ms": worst_gap * 1000,
        "watch_list_used": caps.watch_list,
        "requests": stats["requests"],
        "bytes_received": stats["bytes_received"],
    }


def child_run(kubeconfig: str, watch_list: bool) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.kube_sync", "--child", kubeconfig]
        + ([] if watch_list else ["--no-watch-list"]),
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = orjson.loads(out.stdout.strip().splitlines()[-1])
    return result


def run(pods: int = 100_000, runs: int = 3) -> tuple[list[Figure], dict[str, Any]]:
    scenario = f"{pods // 1000}k-pods"
    live_wl = Figure("sync.pods", f"{scenario}-watchlist", "s")
    live_list = Figure("sync.pods", f"{scenario}-list", "s")
    rss = Figure("kube.sync.rss_per_10k_pods", scenario, "MB")
    floor: list[float] = []
    kubectl: list[float] = []
    details: dict[str, Any] = {"watchlist": [], "list": []}
    sim = start_sim(pods)
    try:
        for _ in range(runs):  # interleaved so machine drift hits every variant alike
            t, n = asyncio.run(floor_list(sim.url, sim.token))
            assert n == pods, f"floor saw {n} pods"
            floor.append(t)
            # client-go's paged list as kubectl does it (decode + print to /dev/null).
            kubectl.append(kubectl_list(sim.kubeconfig))
            for mode, fig in (("watchlist", live_wl), ("list", live_list)):
                r = child_run(sim.kubeconfig, watch_list=mode == "watchlist")
                if r["objects"] != pods:
                    fig.failed = f"synced {r['objects']} of {pods}"
                fig.masthead.append(r["seconds"])
                details[mode].append(r)
            rss.masthead.append(details["watchlist"][-1]["rss_delta_mb"] / (pods / 10_000))
    finally:
        sim.close()
    for fig in (live_wl, live_list):
        fig.peers["floor"] = floor
        fig.peers["kubectl"] = kubectl
    summary = {
        "pods": pods,
        "floor_median_s": statistics.median(floor),
        "watchlist_median_s": statistics.median(live_wl.masthead),
        "list_median_s": statistics.median(live_list.masthead),
        "rss_mb_median": statistics.median(r["rss_mb"] for r in details["watchlist"]),
        "rss_delta_mb_median": statistics.median(r["rss_delta_mb"] for r in details["watchlist"]),
        "max_loop_stall_ms": max(r["max_loop_stall_ms"] for rs in details.values() for r in rs),
    }
    return [live_wl, live_list, rss], {"summary": summary, "runs": details}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--pods", type=int, default=100_000)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--child", metavar="KUBECONFIG")
    p.add_argument("--no-watch-list", action="store_true")
    args = p.parse_args()
    if args.child:
        result = asyncio.run(reflect_once(args.child, watch_list=not args.no_watch_list))
        print(orjson.dumps(result).decode(), flush=True)
        return
    figures, extra = run(args.pods, args.runs)
    out = {"figures": [f.to_json() for f in figures], **extra}
    print(orjson.dumps(out, option=orjson.OPT_INDENT_2).decode())


if __name__ == "__main__":
    main()
