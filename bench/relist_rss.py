"""RSS before and after forced relists of a pods source (issue 8: a relist of a 100k-pod source
holds old and new rows at once and the process kept the high-water).

    python -m bench.relist_rss [--pods 20000] [--relists 3] [--rounds 2]

The simulator serves `--pods` pods in its own process (bench/sim_server.py). Each run is a fresh
child process holding what a masthead server holds for a pods source (the pods projection's
`ProjectionCodec` into an observed `Table`, `views.sources.ClusterTables`): it syncs, then is
made to relist `--relists` times (stopped and started with no resourceVersion: the path a 410
takes), sampling its RSS after the sync and after each relist. Two variants, interleaved per
round: `trim` (the default tuning: `release_memory_after_relist`, kube/memtrim.py) and
`keep` (the tuning set to 0: no collection, no malloc_trim). Prints one JSON document.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import importlib
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson

from bench.kube_sync import rss_mb
from bench.sim_bench import REPO, start_sim

VARIANTS = ("keep", "trim")


async def child(kubeconfig: str, relists: int, trim: bool) -> dict[str, Any]:
    from masthead.kube.discovery import Discovery
    from masthead.kube.freshness import SourceState
    from masthead.kube.kubeconfig import ClusterCredentials, load_kubeconfig
    from masthead.kube.memtrim import STATS
    from masthead.kube.reflector import Reflector
    from masthead.kube.transport import Transport
    from masthead.kube.tuning import Tuning
    from masthead.views.sources import ClusterTables

    importlib.import_module("kubernetes.config.kube_config")
    tuning = Tuning()
    if not trim:
        tuning = dataclasses.replace(tuning, release_memory_after_relist=0)
    entry = load_kubeconfig([Path(kubeconfig)]).entry("admin")
    transport = Transport(ClusterCredentials(entry, tuning), tuning)
    pods = await Discovery(transport).resolve("pods")
    tables = ClusterTables("bench")
    sink = tables.sink(pods, None)
    reflector = Reflector(transport, pods, sink, tuning, codec=tables.codec(pods))
    samples: list[float] = []
    relist_s: list[float] = []
    for n in range(relists + 1):
        start = time.perf_counter()
        reflector.resource_version = ""  # what a 410 does: the next step is a (re)list
        reflector.start()
        await reflector.freshness.wait_for(lambda f: f.state is SourceState.LIVE)
        assert reflector.syncs == n + 1
        if n:
            relist_s.append(time.perf_counter() - start)
        await reflector.stop()
        samples.append(rss_mb())
    await transport.close()
    return {
        "rows": len(sink.table),
        "rss_mb": [round(v, 1) for v in samples],
        "relist_s": [round(v, 2) for v in relist_s],
        "trim_s": round(STATS.seconds, 3),
        "trims": STATS.trims,
    }


def run_child(kubeconfig: str, relists: int, variant: str) -> dict[str, Any]:
    argv = [sys.executable, "-m", "bench.relist_rss", "--child", kubeconfig]
    argv += ["--relists", str(relists), "--variant", variant]
    out = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, check=True)
    doc: dict[str, Any] = orjson.loads(out.stdout.strip().splitlines()[-1])
    return doc


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pods", type=int, default=20_000)
    ap.add_argument("--relists", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--child", metavar="KUBECONFIG")
    ap.add_argument("--variant", choices=VARIANTS, default="trim")
    args = ap.parse_args()
    if not 1 <= args.relists <= 20 or not 1 <= args.rounds <= 10:
        ap.error("--relists must be in [1, 20] and --rounds in [1, 10]")
    if args.child:
        doc = asyncio.run(child(args.child, args.relists, args.variant == "trim"))
        print(orjson.dumps(doc).decode())
        return
    sim = start_sim(args.pods)
    runs: dict[str, list[dict[str, Any]]] = {v: [] for v in VARIANTS}
    try:
        for _ in range(args.rounds):
            for v in VARIANTS:
                runs[v].append(run_child(sim.kubeconfig, args.relists, v))
                print(v, orjson.dumps(runs[v][-1]).decode(), file=sys.stderr, flush=True)
    finally:
        sim.close()
    summary = {
        v: {
            "after_sync_mb": statistics.median(r["rss_mb"][0] for r in rs),
            "after_last_relist_mb": statistics.median(r["rss_mb"][-1] for r in rs),
            "growth_pct": statistics.median(
                100 * (r["rss_mb"][-1] - r["rss_mb"][0]) / r["rss_mb"][0] for r in rs
            ),
            "runs": rs,
        }
        for v, rs in runs.items()
    }
    print(orjson.dumps({"pods": args.pods, "relists": args.relists, **summary}).decode())


if __name__ == "__main__":
    main()
