"""Issue 5's A/B driver: masthead's share of change → frame and its loop lag under churn at
`large` (api_pages_large's full world: 100k pods, churn asked 1,000/s, 20 subscriptions), for
two source trees of masthead run in alternation against ONE simulator world (building a 100k
world takes minutes, and the same world keeps the rounds comparable).

    python -m bench.loop_stalls_ab --old /tmp/masthead-old/src --rounds 3 [--trace-ms 20]

`--old` (and `--new`, default this checkout) are source trees (`git archive <commit> src |
tar -x -C DIR`), put first on masthead's PYTHONPATH, so the checkout can change meanwhile.
Each round starts masthead afresh, waits for the sync, runs api_pages_large's `under_churn`
and reads `/api/v1/diagnostics/stalls` (the stall locator, `MASTHEAD_STALL_TRACE`, on in both
variants: its counts cover the churn phase). Prints one JSON line per round and the medians
per variant.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
import traceback
from dataclasses import replace
from typing import Any

import orjson

from bench.api_pages_large import LARGE_MODES, loop_lag, pct, under_churn
from bench.stack import Masthead, SimWorld, sim_call, wait_synced

STALLS = "/api/v1/diagnostics/stalls"


async def one_round(
    variant: str, src: str | None, simw: SimWorld, trace_ms: int, changes_within_s: float
) -> dict[str, Any]:
    p = replace(LARGE_MODES["full"], changes_within_s=changes_within_s)
    os.environ.pop("PYTHONPATH", None)
    if src:
        os.environ["PYTHONPATH"] = src
    os.environ["MASTHEAD_STALL_TRACE"] = str(trace_ms)
    t0 = time.monotonic()
    with Masthead(simw.kubeconfig) as mh:
        async with mh.session() as http, simw.session() as sim:
            await wait_synced(http, p.world.pods, 900)
            synced_s = time.monotonic() - t0
            async with http.get(STALLS, params={"reset": "1"}) as r:
                r.raise_for_status()
            try:
                got = await under_churn(p, mh, http, simw, sim)
            except Exception:  # a marker past its timeout: the loop's figures still count
                traceback.print_exc()
                await sim_call(sim, "DELETE", "/_sim/churn")
                got = {"own": [], "frame": [], "cpu_per_frame": [0.0]} | await loop_lag(http)
            async with http.get(STALLS, params={"top": "8"}) as r:
                stalls = await r.json()
    own, frame = got["own"] or [math.nan], got["frame"] or [math.nan]
    return {
        "variant": variant,
        "load": os.getloadavg()[0],
        "synced_s": round(synced_s, 1),
        "markers": len(got["own"]),
        "own_p50": statistics.median(own),
        "own_p95": pct(own, 0.95),
        "own_p99": pct(own, 0.99),
        "own_negative": got.get("own_negative", [math.nan])[0],
        "own_min": got.get("own_min", [math.nan])[0],
        "frame_p50": statistics.median(frame),
        "frame_p99": pct(frame, 0.99),
        "loop_p99": got.get("loop_p99", [0.0])[0],
        "loop_max": got.get("loop_max", [0.0])[0],
        "cpu_per_frame": got["cpu_per_frame"][0],
        "stalls": {
            k: stalls[k]
            for k in ("stalls", "stalled_ms", "longest_ms", "samples", "gc", "top", "frozen")
        },
    }


async def main(args: argparse.Namespace) -> None:
    p = LARGE_MODES["full"]
    print(f"loop_stalls_ab: load average at start {os.getloadavg()}", file=sys.stderr)
    rounds: list[dict[str, Any]] = []
    variants = [("new", args.new), ("old", args.old)] if args.old else [("new", args.new)]
    with SimWorld(p.world) as simw:
        for i in range(args.rounds):
            order = variants if i % 2 == 0 else variants[::-1]
            for name, src in order:
                try:
                    r = await one_round(name, src, simw, args.trace_ms, args.within)
                except Exception as e:  # one round's failure (a marker frame past 30 s) is data
                    print(f"{name}: round failed: {type(e).__name__}: {e!r}", flush=True)
                    async with simw.session() as sim:  # the next round starts without churn
                        await sim_call(sim, "DELETE", "/_sim/churn")
                    continue
                rounds.append(r)
                print(orjson.dumps(r).decode(), flush=True)
    print(f"loop_stalls_ab: load average at end {os.getloadavg()}", file=sys.stderr)
    for name, _ in variants:
        mine = [r for r in rounds if r["variant"] == name]
        if not mine:
            continue
        keys = ("own_p50", "own_p95", "own_p99", "loop_p99", "loop_max", "cpu_per_frame")
        medians = {
            k: round(statistics.median(r[k] for r in mine if not math.isnan(r[k])), 1)
            if any(not math.isnan(r[k]) for r in mine)
            else None
            for k in keys
        }
        print(f"median {name} ({len(mine)} rounds): {medians}", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--old", help="the other variant's masthead source tree (its src/)")
    parser.add_argument("--new", help="this variant's source tree (default: this checkout)")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--trace-ms", type=int, default=20)
    parser.add_argument("--within", type=float, default=60.0, help="marker phase cap, s")
    import uvloop

    uvloop.run(main(parser.parse_args()))
