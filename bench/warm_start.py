"""Warm start vs cold start: from spawning `masthead` to its first pods page holding every row,
at a 20k-pod world (`masthead sim` in its own process).

    python -m bench.warm_start [--mode smoke|quick|full]

Cold: a fresh data directory, so the page waits for the LIST. Warm: the data directory of a run
that synced and was stopped with SIGTERM (clean shutdown: snapshots written), so the page comes
from the snapshot (its source `stale`) while the watch resumes. Cold and warm runs alternate in
one simulator session. Process start (imports, ~1 s) is in both.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from dataclasses import dataclass

import aiohttp
import orjson

from bench.results_format import Figure
from bench.stack import CLUSTER, Masthead, SimWorld, World, wait_synced

POLL_S = 0.01


@dataclass(frozen=True)
class Params:
    world: World
    runs: int


MODES = {
    "smoke": Params(World(20, 5, 5, 5), runs=1),
    "quick": Params(World(2000, 10, 200, 100), runs=1),
    # 3 cold/warm pairs: `make bench` must fit 30 min (bench/run.py BUDGET_S).
    "full": Params(World(2000, 10, 200, 100), runs=3),
}


async def first_full_page(base: str, token: str, pods: int, timeout: float = 300) -> str:
    """Poll the pods page until it holds `pods` rows; the state of its source then."""
    url = f"{base}/api/v1/clusters/{CLUSTER}/views/pods"
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(headers=headers) as http, asyncio.timeout(timeout):
        while True:
            try:
                async with http.get(url, params={"limit": "100"}) as r:
                    body = await r.json() if r.status == 200 else {}
            except aiohttp.ClientError:
                body = {}
            if body.get("total", 0) >= pods:
                return str(body["sources"][0]["state"])
            await asyncio.sleep(POLL_S)


def start_to_rows(kubeconfig: str, pods: int, data_dir: str) -> tuple[float, str]:
    """Seconds from spawn to the first full page, and its source state; then a clean stop
    once every source is live (so the next warm run has a fresh snapshot)."""
    t0 = time.perf_counter()
    with Masthead(kubeconfig, data_dir=data_dir) as mh:
        state = asyncio.run(first_full_page(mh.base, mh.token, pods))
        elapsed = time.perf_counter() - t0

        async def synced() -> None:
            async with mh.session() as http:
                await wait_synced(http, pods, 300)

        asyncio.run(synced())
    return elapsed, state


def run(mode: str) -> list[Figure]:
    p = MODES[mode]
    label = p.world.label
    cold = Figure("warm_start.cold_first_page", label, "s")
    warm = Figure("warm_start.warm_first_page", label, "s")
    with SimWorld(p.world) as sim, tempfile.TemporaryDirectory() as kept:
        start_to_rows(sim.kubeconfig, p.world.pods, kept)  # writes the first snapshots
        for _ in range(p.runs):
            with tempfile.TemporaryDirectory() as fresh:
                seconds, _ = start_to_rows(sim.kubeconfig, p.world.pods, fresh)
            cold.masthead.append(round(seconds, 3))
            # At a small world the resumed watch is live before the first page: either way
            # the rows are there; the state is printed for the record.
            seconds, state = start_to_rows(sim.kubeconfig, p.world.pods, kept)
            print(f"warm_start: warm first page {seconds:.2f} s, source {state}", file=sys.stderr)
            warm.masthead.append(round(seconds, 3))
    return [cold, warm]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", default="quick", choices=tuple(MODES))
    for f in run(ap.parse_args().mode):
        print(orjson.dumps(f.to_json()).decode())


if __name__ == "__main__":
    main()
