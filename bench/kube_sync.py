"""Reflector sync benchmark: time from start to "pod source live" for N pods served by a
simulator in its own process, against the transfer floor (fetch every page, keep nothing),
interleaved, plus the RSS of the reflector process with the pods held and how long the event
loop was ever blocked, during the sync and under churn afterwards.

    python -m bench.kube_sync [--pods 100000] [--runs 3] [--sink table|dict] [--no-kubectl]

`--sink table` (the default) is what a masthead server runs for a pod source: the pods
projection's `ProjectionCodec` decoding straight into rows of an observed `Table`
(`views.sources.ClusterTables`, as a `ClusterSession` gets them). `--sink dict` is the bare
reflector: every pod decoded into dicts (`DictCodec`) and kept whole in a `MemorySink`.

Each masthead run is a fresh child process (`--child`), so RSS and GC state are clean; the
floor runs in this process between them. Both run on uvloop, the event loop a masthead server
runs on (cli.py), so the two transfers go through the same loop. After the sync the child
keeps watching while the simulator changes `--churn-rate` pods per second for
`--churn-seconds`, and reports the longest event-loop block it saw (a 10 ms ticker's
lateness): `loop.max_block_ms`.
Prints JSON (the `Figure` format of bench/run.py).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import importlib
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson
import uvloop

from bench.results_format import Figure
from bench.sim_bench import REPO, SimProcess, floor_list, kubectl_list, start_sim

SINKS = ("table", "dict")
TICK_S = 0.01


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() / 1e6


class LoopLateness:
    """The longest a 10 ms sleep overran: how long the event loop was blocked at most."""

    def __init__(self) -> None:
        self.worst_s = 0.0
        self._task = asyncio.create_task(self._tick())

    async def _tick(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(TICK_S)
            now = time.perf_counter()
            self.worst_s = max(self.worst_s, now - last - TICK_S)
            last = now

    async def stop(self) -> float:
        """The worst lateness in milliseconds."""
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        return self.worst_s * 1000


async def reflect_once(
    kubeconfig: str, watch_list: bool, sink_kind: str, churn_seconds: float
) -> dict[str, Any]:
    """Start a pod reflector from the kubeconfig; time until live; RSS with the pods held.
    With `churn_seconds`, then print `live` and keep watching that long (the parent starts
    the simulator's churn on that line) to measure the loop under churn."""
    from masthead.kube.codec import ObjectCodec
    from masthead.kube.discovery import Discovery
    from masthead.kube.freshness import SourceState
    from masthead.kube.kubeconfig import ClusterCredentials, load_kubeconfig
    from masthead.kube.reflector import ClusterCapabilities, Reflector
    from masthead.kube.sink import MemorySink, Sink
    from masthead.kube.transport import Transport
    from masthead.kube.tuning import Tuning
    from masthead.views.sources import ClusterTables, ObservedTableSink

    # masthead imports the official credential loader (0.5 s of imports) lazily, on the first
    # connect of the process; like the peers' imports, that stays outside the timer.
    importlib.import_module("kubernetes.config.kube_config")
    importlib.import_module("kubernetes.client")
    gc.collect()
    rss_before = rss_mb()
    start = time.perf_counter()
    cpu_start = time.process_time()
    tuning = Tuning()
    entry = load_kubeconfig([Path(kubeconfig)]).entry("admin")
    transport = Transport(ClusterCredentials(entry, tuning), tuning)
    pods = await Discovery(transport).resolve("pods")
    sink: Sink[Any]
    codec: ObjectCodec[Any] | None = None
    if sink_kind == "table":
        tables = ClusterTables("bench")
        sink, codec = tables.sink(pods, None), tables.codec(pods)
    else:
        sink = MemorySink()
    caps = ClusterCapabilities(watch_list=None if watch_list else False)
    reflector = Reflector(transport, pods, sink, tuning, codec=codec, capabilities=caps)
    during_sync = LoopLateness()
    reflector.start()
    await reflector.freshness.wait_for(lambda f: f.state is SourceState.LIVE)
    seconds = time.perf_counter() - start
    cpu_s = time.process_time() - cpu_start
    sync_block_ms = await during_sync.stop()
    objects = len(sink.table) if isinstance(sink, ObservedTableSink) else len(sink.objects)  # type: ignore[attr-defined]
    gc.collect()
    rss_after = rss_mb()
    churn_block_ms = None
    if churn_seconds:
        under_churn = LoopLateness()
        print("live", flush=True)
        await asyncio.sleep(churn_seconds)
        churn_block_ms = await under_churn.stop()
    stats = transport.stats.as_dict()
    await reflector.stop()
    await transport.close()
    return {
        "seconds": seconds,
        "cpu_s": cpu_s,
        "objects": objects,
        "rss_mb": rss_after,
        "rss_delta_mb": rss_after - rss_before,
        "max_loop_stall_ms": sync_block_ms,
        "churn_max_block_ms": churn_block_ms,
        "watch_list_used": caps.watch_list,
        "requests": stats["requests"],
        "bytes_received": stats["bytes_received"],
    }


def child_run(
    kubeconfig: str,
    watch_list: bool,
    sink: str = "table",
    churn: tuple[SimProcess, float, float] | None = None,
) -> dict[str, Any]:
    """One reflector sync in a fresh child process. `churn` = (simulator, changes per second,
    seconds): once the child is live, the simulator churns that long while it watches."""
    argv = [sys.executable, "-m", "bench.kube_sync", "--child", kubeconfig, "--sink", sink]
    if not watch_list:
        argv.append("--no-watch-list")
    argv += ["--churn-seconds", str(churn[2] if churn is not None else 0)]
    proc = subprocess.Popen(
        argv, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    written = None
    line = proc.stdout.readline()
    if churn is not None and line.strip() == "live":
        sim, rate, seconds = churn
        written = sim.command(f"churn {rate:g} {seconds:g}")["written"]
        line = proc.stdout.readline()
    rest, err = proc.communicate()
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, argv, line + rest, err)
    result: dict[str, Any] = orjson.loads((line + rest).strip().splitlines()[-1])
    result["churn_written"] = written
    return result


def run(
    pods: int = 100_000,
    runs: int = 3,
    sink: str = "table",
    kubectl: bool = True,
    churn_rate: float = 1000.0,
    churn_seconds: float = 5.0,
    kubectl_runs: int | None = None,  # kubectl in the first N runs only; None: every run
) -> tuple[list[Figure], dict[str, Any]]:
    scenario = f"{pods // 1000}k-pods"
    live_wl = Figure("sync.pods", f"{scenario}-watchlist", "s")
    live_list = Figure("sync.pods", f"{scenario}-list", "s")
    rss = Figure("kube.sync.rss_per_10k_pods", scenario, "MB")
    block = Figure("loop.max_block_ms", f"{scenario}-churn-{churn_rate:g}-per-s", "ms")
    floor: list[float] = []
    kubectl_times: list[float] = []
    details: dict[str, Any] = {"watchlist": [], "list": []}
    sim = start_sim(pods)
    try:
        for _ in range(runs):  # interleaved so machine drift hits every variant alike
            t, n = uvloop.run(floor_list(sim.url, sim.token))
            assert n == pods, f"floor saw {n} pods"
            floor.append(t)
            more_kubectl = kubectl_runs is None or len(kubectl_times) < kubectl_runs
            if kubectl and more_kubectl:  # client-go's paged list (decode + print to /dev/null)
                kubectl_times.append(kubectl_list(sim.kubeconfig))
            for mode, fig in (("watchlist", live_wl), ("list", live_list)):
                churn = (sim, churn_rate, churn_seconds) if mode == "watchlist" else None
                r = child_run(
                    sim.kubeconfig, mode == "watchlist", sink, churn if churn_seconds else None
                )
                if r["objects"] != pods:
                    fig.failed = f"synced {r['objects']} of {pods}"
                fig.masthead.append(r["seconds"])
                details[mode].append(r)
                if r["churn_max_block_ms"] is not None:
                    block.masthead.append(r["churn_max_block_ms"])
            rss.masthead.append(details["watchlist"][-1]["rss_delta_mb"] / (pods / 10_000))
    finally:
        sim.close()
    for fig in (live_wl, live_list):
        fig.peers["floor"] = floor
        if kubectl_times:
            fig.peers["kubectl"] = kubectl_times
    runs_all = [r for rs in details.values() for r in rs]
    summary = {
        "pods": pods,
        "sink": sink,
        "floor_median_s": statistics.median(floor),
        "watchlist_median_s": statistics.median(live_wl.masthead),
        "list_median_s": statistics.median(live_list.masthead),
        "watchlist_vs_floor": statistics.median(live_wl.masthead) / statistics.median(floor),
        "list_vs_floor": statistics.median(live_list.masthead) / statistics.median(floor),
        "rss_mb_median": statistics.median(r["rss_mb"] for r in details["watchlist"]),
        "rss_delta_mb_median": statistics.median(r["rss_delta_mb"] for r in details["watchlist"]),
        "max_loop_stall_ms": max(r["max_loop_stall_ms"] for r in runs_all),
        "churn_max_block_ms": max(block.masthead) if block.masthead else None,
    }
    figures = [live_wl, live_list, rss] + ([block] if block.masthead else [])
    return figures, {"summary": summary, "runs": details}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--pods", type=int, default=100_000)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--sink", choices=SINKS, default="table")
    p.add_argument("--no-kubectl", action="store_true", help="skip the kubectl peer")
    p.add_argument("--churn-rate", type=float, default=1000.0, help="pod changes per second")
    p.add_argument("--churn-seconds", type=float, default=5.0, help="0: no churn phase")
    p.add_argument("--child", metavar="KUBECONFIG")
    p.add_argument("--no-watch-list", action="store_true")
    args = p.parse_args()
    if args.child:
        result = uvloop.run(
            reflect_once(args.child, not args.no_watch_list, args.sink, args.churn_seconds)
        )
        print(orjson.dumps(result).decode(), flush=True)
        return
    figures, extra = run(
        args.pods, args.runs, args.sink, not args.no_kubectl, args.churn_rate, args.churn_seconds
    )
    out = {"figures": [f.to_json() for f in figures], **extra}
    print(orjson.dumps(out, option=orjson.OPT_INDENT_2).decode())


if __name__ == "__main__":
    main()
