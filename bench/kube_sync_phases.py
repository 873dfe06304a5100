"""CPU per pod of each phase of the reflector's WatchList sync, measured apart: the bytes of one
WatchList of N pods are read once from a simulator (the read's CPU is the transport's share),
then split, decoded, projected and replaced into a table offline, each phase timed alone.

    python -m bench.kube_sync_phases [--pods 20000] [--rounds 5]

The figures are CPU seconds (`time.process_time`, medians over the rounds), so other jobs on
the machine inflate them less than wall times; the collector is paused as in the reflector.
Prints one line per phase: milliseconds for the whole list and microseconds per pod; `decode`
and `project` apart show the split of `event loop (fused)`, which the total counts.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import uvloop

from bench.sim_bench import start_sim
from masthead.kube.discovery import ResourceType
from masthead.kube.gcpause import gc_paused
from masthead.kube.watch_stream import LineSplitter

PODS = ResourceType("", "v1", "pods", "Pod", True, frozenset({"list", "watch"}))
READ = 256 * 1024  # what one read of the stream delivers on uvloop's TLS transport
WATCH_LIST = {
    "watch": "1",
    "allowWatchBookmarks": "true",
    "sendInitialEvents": "true",
    "resourceVersionMatch": "NotOlderThan",
    "resourceVersion": "",
    "timeoutSeconds": "120",
}


async def read_watch_list(kubeconfig: str) -> tuple[bytes, float]:
    """The initial events of a pods WatchList as one byte string, and the CPU seconds the
    read took (TLS, HTTP chunked decoding, aiohttp's stream: what the floor pays too)."""
    from masthead.kube.kubeconfig import ClusterCredentials, load_kubeconfig
    from masthead.kube.transport import Transport
    from masthead.kube.tuning import Tuning

    tuning = Tuning()
    entry = load_kubeconfig([Path(kubeconfig)]).entry("admin")
    transport = Transport(ClusterCredentials(entry, tuning), tuning)
    await transport.request("get", "/version")  # connect and handshake outside the timer
    chunks: list[bytes] = []
    cpu = time.process_time()
    async with transport.stream("watch", PODS.collection_path(), WATCH_LIST) as resp:
        while chunk := await resp.content.readany():
            chunks.append(chunk)
            if b"initial-events-end" in chunk[-512:]:
                break
    cpu = time.process_time() - cpu
    await transport.close()
    return b"".join(chunks), cpu


def cpu_of(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.process_time()
    result = fn()
    return time.process_time() - start, result


async def phases(data: bytes) -> dict[str, float]:
    """CPU seconds of each phase over `data` (runs in a loop: the table's change hub needs
    one)."""
    from masthead.views.sources import ClusterTables

    tables = ClusterTables("bench")
    codec, sink = tables.codec(PODS), tables.sink(PODS, None)
    chunks = [data[i : i + READ] for i in range(0, len(data), READ)]
    out: dict[str, float] = {}
    splitter = LineSplitter(1 << 24)
    out["split"], batches = cpu_of(lambda: [splitter.feed(c) for c in chunks])
    lines = [line for batch in batches for line in batch][:-1]  # the closing bookmark
    typed = codec._typed_event  # the one-pass decode of an object event
    out["decode"], events = cpu_of(lambda: [typed.decode(line) for line in lines])
    build, interner = codec.projection.build, codec.interner
    out["project"], _ = cpu_of(lambda: [build(ev.object, interner) for ev in events])
    fresh = ClusterTables("bench").codec(PODS)  # a cold interner, as at a first sync

    def reflector_loop() -> dict[str, Any]:
        collected: dict[str, Any] = {}
        for line in lines:
            row = fresh.decode_event(line).obj
            collected[fresh.key(row)] = row
        return collected

    # Decode and projection fused as the reflector runs them (each event built while its
    # decoded input is still in cache), plus the event path (WatchEvent, key, dict): less
    # than the two phases measured apart, which hold every decoded input at once.
    out["event loop (fused)"], collected = cpu_of(reflector_loop)

    def replace() -> None:
        for _ in sink.replace_steps(collected.values(), "1"):
            pass

    out["table replace + indexes"], _ = cpu_of(replace)
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--pods", type=int, default=20_000)
    p.add_argument("--rounds", type=int, default=5)
    args = p.parse_args()
    sim = start_sim(args.pods)
    try:
        reads = [uvloop.run(read_watch_list(sim.kubeconfig)) for _ in range(args.rounds)]
    finally:
        sim.close()
    data = reads[0][0]
    rounds: list[dict[str, float]] = []
    with gc_paused():
        for _ in range(args.rounds):
            rounds.append(asyncio.run(phases(data)))
            gc.collect()
    figures = {"TLS + HTTP read": statistics.median(cpu for _, cpu in reads)}
    figures |= {k: statistics.median(r[k] for r in rounds) for k in rounds[0]}
    print(f"{args.pods} pods, {len(data) / args.pods:.0f} bytes each; CPU, median of {args.rounds}")
    for name, seconds in figures.items():
        print(f"{name:24s} {seconds * 1e3:8.1f} ms {seconds / args.pods * 1e6:7.2f} us/pod")
    total = sum(v for k, v in figures.items() if k not in ("decode", "project"))
    print(f"{'total':24s} {total * 1e3:8.1f} ms {total / args.pods * 1e6:7.2f} us/pod")


if __name__ == "__main__":
    main()
