"""A simulator in its own process for benchmarks: loads N realistic pods, reports RSS, and
runs churn on command (stdin lines: `churn RATE SECONDS`, `rss`, `quit`).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import resource
import sys
import time

import orjson

from masthead.sim.app import SimConfig, Simulator
from masthead.sim.fieldsets import field_values
from masthead.sim.podgen import POD_KEY, load_pods


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() / 1e6


async def churn(sim: Simulator, rate: float, seconds: float) -> int:
    """Modify pods at `rate` per second for `seconds`; returns how many writes were made."""
    keys = list(sim.store.resource(POD_KEY).objects.keys())[:5000]
    written = 0
    start = time.monotonic()
    tick = 0.01
    while (elapsed := time.monotonic() - start) < seconds:
        due = int(elapsed * rate) - written
        for _ in range(max(0, due)):
            ns, name = keys[written % len(keys)].split("/", 1)
            cur = sim.store.get(POD_KEY, ns, name)
            if cur is None:
                continue
            obj = cur.decode()
            obj["metadata"].setdefault("annotations", {})["bench/seq"] = str(written)
            sim.store.put(POD_KEY, obj, lambda o: field_values("", "pods", o))
            written += 1
        await asyncio.sleep(tick)
    return written


async def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--pods", type=int, default=10_000)
    args = p.parse_args()
    gc.collect()
    before = rss_mb()
    # HTTPS: kubectl (the peer) does not send bearer tokens over plain HTTP.
    sim = Simulator(SimConfig(port=0, https=True))
    gc.freeze()
    load_pods(sim.store, args.pods)
    gc.collect()
    after = rss_mb()
    await sim.start()
    print(
        orjson.dumps(
            {
                "url": sim.url,
                "token": sim.admin_token,
                "kubeconfig": str(sim.kubeconfig_path),
                "rss_before_mb": before,
                "rss_after_mb": after,
                "pods": args.pods,
            }
        ).decode(),
        flush=True,
    )
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := (await reader.readline()).decode().strip():
        cmd, *rest = line.split()
        if cmd == "churn":
            n = await churn(sim, float(rest[0]), float(rest[1]))
            print(orjson.dumps({"written": n, "rv": sim.store.rv}).decode(), flush=True)
        elif cmd == "rss":
            print(orjson.dumps({"rss_mb": rss_mb()}).decode(), flush=True)
        elif cmd == "quit":
            break
    await sim.stop()


if __name__ == "__main__":
    import uvloop

    uvloop.run(main())
