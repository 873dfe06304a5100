"""Load and soak of the live WebSocket (issue 8; outside CI): N browser-like clients, each with
five subscriptions (pods/events/deployments views, different windows and sorts), against
masthead on a simulator scenario under churn, plus one slow consumer that reads nothing.

    python -m bench.ws_load [--clients 100] [--scenario small|large] [--rate 1000]
                            [--duration 60] [--sample-every 60] [--out PATH]

Reports the deepest per-connection send queue and frames dropped (from /api/v1/diagnostics),
frame latency p50/p95/p99 measured as in bench/api_pages.py (a pod's restart count set to a new
maximum on the simulator's loop → the frame of a `sort=restarts&desc=1` window showing it),
RSS at start and end (growth %, sampled every --sample-every s; the whole process: masthead,
the clients and the simulator's thread), and frames each client got. The simulator runs on its
own thread and loop, so its work is not charged to masthead's latency.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import resource
import time
from typing import Any

import aiohttp
import orjson

from bench.api_pages import CHANGE_GAP, SimThread, pct
from bench.results_format import Figure, write_results
from masthead.server import Server, ServerConfig

SUBSCRIPTIONS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("pods", {"sort": "name"}),
    ("pods", {"sort": "restarts", "desc": 1}),
    ("events", {"sort": "last_seen", "desc": 1}),
    ("deployments", {"sort": "name"}),
    ("pods", {"sort": "age", "desc": 1}),
)
TOKEN = "bench"


def rss_mb() -> float:
    """Resident set size now (Linux /proc), in MB."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() / 1e6


class ScenarioSim(SimThread):
    """The simulator thread of bench/api_pages.py on a scenario world, churning."""

    def __init__(self, scenario: str, rate: float, duration: float) -> None:
        super().__init__(0)
        self.scenario, self.rate, self.duration = scenario, rate, duration

    async def _main(self) -> None:
        from masthead.sim.app import SimConfig, Simulator
        from masthead.sim.churn import Churn

        self.loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with Simulator(SimConfig(scenario=self.scenario, controllers=frozenset())) as sim:
            self.sim = sim
            churn = Churn(sim, self.rate, duration=self.duration + 120)
            churn.start()
            self.ready.set()
            await self._stop.wait()
            await churn.stop()


async def client(http: aiohttp.ClientSession, base: str, index: int, got: list[int]) -> None:
    async with http.ws_connect(base + "/api/v1/live") as ws:
        for n, (view, query) in enumerate(SUBSCRIPTIONS):
            window = {"offset": (index * 7 + n * 13) % 50, "limit": 50}
            sub = {"op": "subscribe", "sub": f"s{n}", "cluster": "admin", "view": view}
            await ws.send_json(sub | {"query": query, "window": window})
        async for msg in ws:
            if msg.type is aiohttp.WSMsgType.TEXT:
                got[index] += 1


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    sim = ScenarioSim(args.scenario, args.rate, args.duration)
    sim.thread.start()
    sim.ready.wait(600)
    assert sim.sim is not None and sim.sim.kubeconfig_path is not None
    pods = sim.sim.store.count(("", "pods"))
    server = Server(
        ServerConfig(kubeconfigs=[sim.sim.kubeconfig_path], token=TOKEN, connect=["admin"])
    )
    await server.start()
    out: dict[str, Any] = {"latency_ms": [], "rss_mb": [rss_mb()], "pods": pods}
    tasks: list[asyncio.Task[None]] = []
    try:
        async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {TOKEN}"}) as http:
            url = f"{server.base}/api/v1/clusters/admin/views/pods?limit=1"
            async with asyncio.timeout(600):
                while True:
                    async with http.get(url) as r:
                        body = await r.json() if r.status == 200 else {}
                    if body.get("sources") and body["sources"][0]["state"] == "live":
                        break
                    await asyncio.sleep(0.2)
            got = [0] * args.clients
            tasks = [
                asyncio.create_task(client(http, server.base, i, got)) for i in range(args.clients)
            ]
            slow = await http.ws_connect(server.base + "/api/v1/live")  # never read
            for n, (view, query) in enumerate(SUBSCRIPTIONS):
                sub = {"op": "subscribe", "sub": f"s{n}", "cluster": "admin", "view": view}
                await slow.send_json(sub | {"query": query, "window": {"offset": 0, "limit": 500}})
            async with http.ws_connect(server.base + "/api/v1/live") as probe:
                await probe.send_json(
                    {
                        "op": "subscribe",
                        "sub": "m",
                        "cluster": "admin",
                        "view": "pods",
                        "query": {"sort": "restarts", "desc": 1},
                        "window": {"offset": 0, "limit": 10},
                    }
                )
                await probe.receive()
                started = last_sample = time.monotonic()
                n = 0
                while time.monotonic() - started < args.duration:
                    marker = 1_000_000 + n
                    written: list[float] = []
                    sim.bump((n * 7919) % pods, marker, written)
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(10):
                            while True:
                                frame = orjson.loads((await probe.receive()).data)
                                rows = frame.get("rows") or []
                                if rows and rows[0].get("restarts") == marker:
                                    break
                            out["latency_ms"].append((time.perf_counter() - written[-1]) * 1000)
                    n += 1
                    if time.monotonic() - last_sample >= args.sample_every:
                        out["rss_mb"].append(rss_mb())
                        last_sample = time.monotonic()
                    await asyncio.sleep(CHANGE_GAP)
            async with http.get(server.base + "/api/v1/diagnostics") as r:
                live = (await r.json())["live"]
            await slow.close()
            out["rss_mb"].append(rss_mb())
            out["frames_per_client"] = sorted(got)
            out["changes"] = n
            out["frames_dropped"] = live["frames_dropped"]
            out["max_queue_depth"] = max((s["pending"] for s in live["sockets"]), default=0)
            out["max_queue_bytes"] = max((s["pending_bytes"] for s in live["sockets"]), default=0)
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await server.stop()
        sim.stop()
    return out


def report(args: argparse.Namespace, out: dict[str, Any]) -> dict[str, Any]:
    lat = out["latency_ms"] or [float("nan")]
    rss = out["rss_mb"]
    frames = out["frames_per_client"]
    return {
        "scenario": args.scenario,
        "clients": args.clients,
        "subscriptions": args.clients * len(SUBSCRIPTIONS),
        "rate": args.rate,
        "duration_s": args.duration,
        "changes_probed": out["changes"],
        "frames_answered": len(out["latency_ms"]),
        "latency_ms": {
            q: round(pct(lat, v), 1) for q, v in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))
        },
        "max_queue_depth": out["max_queue_depth"],
        "max_queue_bytes": out["max_queue_bytes"],
        "frames_dropped": out["frames_dropped"],
        "frames_per_client": {"min": frames[0], "max": frames[-1]} if frames else {},
        "rss_mb": {
            "start": round(rss[0], 1),
            "end": round(rss[-1], 1),
            "growth_pct": round(100 * (rss[-1] - rss[0]) / rss[0], 1),
            "samples": [round(x, 1) for x in rss],
        },
    }


def figures(args: argparse.Namespace, out: dict[str, Any]) -> list[Figure]:
    scenario = f"ws-load-{args.scenario}-{args.clients}x{len(SUBSCRIPTIONS)}"
    lat = out["latency_ms"]
    rss = out["rss_mb"]
    return [
        Figure("ws_load_frame_p95_ms", scenario, "ms", [pct(lat, 0.95)] if lat else []),
        Figure("ws_load_frames_dropped", scenario, "frames", [float(out["frames_dropped"])]),
        Figure("ws_load_max_queue_depth", scenario, "frames", [float(out["max_queue_depth"])]),
        Figure("ws_load_rss_growth_pct", scenario, "%", [100 * (rss[-1] - rss[0]) / rss[0]]),
    ]


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--clients", type=int, default=100)
    p.add_argument("--scenario", default="small")
    p.add_argument("--rate", type=float, default=1000.0, help="churn writes/s")
    p.add_argument("--duration", type=float, default=60.0, help="seconds (bounded)")
    p.add_argument("--sample-every", type=float, default=60.0, help="RSS sample period, s")
    p.add_argument("--no-results", action="store_true", help="print only, write no JSON")
    args = p.parse_args(argv)
    if not 0 < args.duration <= 4 * 3600:
        p.error("--duration must be in (0, 14400] seconds")
    return args


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse(argv)
    out = asyncio.run(measure(args))
    summary = report(args, out)
    print(orjson.dumps(summary, option=orjson.OPT_INDENT_2).decode())
    if not args.no_results:
        print("results:", write_results(figures(args, out)))
    return summary


if __name__ == "__main__":
    main()
