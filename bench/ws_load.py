"""Load and soak of the live WebSocket (issue 8; outside CI): N browser-like clients, each with
five subscriptions (pods/events/deployments views, different windows and sorts), against
masthead on a simulator scenario under churn, plus one slow consumer that reads nothing.

    python -m bench.ws_load [--clients 100] [--scenario small|large] [--rate 1000]
                            [--duration 60] [--sample-every 60] [--no-results]
                            [--no-slow-consumer]

Reports the deepest per-connection send queue and frames dropped (from /api/v1/diagnostics),
frame latency p50/p95/p99 measured as in bench/api_pages.py (a pod's restart count set to a new
maximum on the simulator's loop → the frame of a `sort=restarts&desc=1` window showing it) for
the first half of the run (no slow consumer yet: the baseline) and the second (with it), RSS
from when every client is subscribed to the end (growth %, sampled every --sample-every s; the
whole process: masthead, the clients and the simulator's thread), and frames each client got.
The simulator runs on its own thread and loop, so its work is not charged to masthead's
latency. Writes bench/results JSON (bench/results_format.py) unless --no-results.
"""

from __future__ import annotations

import argparse
import asyncio
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
# A probe change whose frame has not come by then is counted lost (churn may delete the pod or
# set its restart count past the marker) rather than waited for.
PROBE_TIMEOUT = 3.0


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

    async def set_restarts(self, index: int, restarts: int) -> tuple[float, str]:
        """Set the restart count of pod `index` (modulo the pods there are now: churn
        deletes pods; or the next one with container statuses) on the simulator's loop.
        Returns when (perf_counter) and the pod's uid: the probe tells its frame from one
        showing a churn restart."""

        async def write() -> tuple[float, str]:
            sim = self.sim
            key = ("", "pods")
            pods = list(sim.store.iter_objects(key))
            start = index % max(1, len(pods))
            for stored in pods[start:] + pods[:start]:  # the first with containers running
                pod = stored.decode()
                statuses = pod.get("status", {}).get("containerStatuses") or []
                if statuses:
                    break
            for n, cs in enumerate(statuses):  # the column sums containers: one holds it
                cs["restartCount"] = restarts if n == 0 else 0
            at = time.perf_counter()
            sim.registry.put_prepared(sim.info("", "v1", "pods"), pod)
            return at, stored.uid

        assert self.loop is not None
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(write(), self.loop))


class Probe:
    """Sets a pod's restart count to a new maximum every CHANGE_GAP and times the frame of a
    `sort=restarts&desc=1` window that shows it; samples RSS on the way."""

    def __init__(
        self,
        sim: ScenarioSim,
        ws: aiohttp.ClientWebSocketResponse,
        pods: int,
        sample_every: float,
        rss: list[float],
    ) -> None:
        self.sim, self.ws, self.pods = sim, ws, pods
        self.sample_every, self.rss = sample_every, rss
        self.changes = 0
        self.lost = 0  # changes whose frame never came within PROBE_TIMEOUT
        self._last_sample = time.monotonic()

    async def run(self, seconds: float, latencies: list[float]) -> None:
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            marker = 1_000_000 + self.changes
            self.changes += 1
            try:
                async with asyncio.timeout(PROBE_TIMEOUT):
                    written, uid = await self.sim.set_restarts(self.changes * 7919, marker)
                    while True:
                        frame = orjson.loads((await self.ws.receive()).data)
                        rows = frame.get("rows") or []
                        if rows and rows[0]["uid"] == uid and rows[0]["restarts"] >= marker:
                            break
                    latencies.append((time.perf_counter() - written) * 1000)
            except TimeoutError:  # churn deleted the pod or restarted it past the marker
                self.lost += 1
            if time.monotonic() - self._last_sample >= self.sample_every:
                self.rss.append(rss_mb())
                self._last_sample = time.monotonic()
            await asyncio.sleep(CHANGE_GAP)


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
    out: dict[str, Any] = {
        "latency_ms": [],
        "baseline_latency_ms": [],
        "rss_mb": [],  # from when every client is subscribed (after the first sync)
        "pods": pods,
    }
    tasks: list[asyncio.Task[None]] = []
    try:
        async with aiohttp.ClientSession(
            headers={"Authorization": f"Bearer {TOKEN}"},
            connector=aiohttp.TCPConnector(limit=0),  # the default 100 would queue client 101
        ) as http:
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
                out["rss_mb"].append(rss_mb())
                probe_run = Probe(sim, probe, pods, args.sample_every, out["rss_mb"])
                # First half without the slow consumer (the baseline), second half with it.
                await probe_run.run(args.duration / 2, out["baseline_latency_ms"])
                slow = await http.ws_connect(server.base + "/api/v1/live")  # never read
                for n, (view, query) in enumerate(SUBSCRIPTIONS if args.slow_consumer else ()):
                    sub = {"op": "subscribe", "sub": f"s{n}", "cluster": "admin", "view": view}
                    window = {"offset": 0, "limit": 500}
                    await slow.send_json(sub | {"query": query, "window": window})
                await probe_run.run(args.duration / 2, out["latency_ms"])
            async with http.get(server.base + "/api/v1/diagnostics") as r:
                diag = await r.json()
            live = diag["live"]
            load = diag["registry"]["clusters"][0]["load"]
            out["relists"] = load["relists"]
            await slow.close()
            out["rss_mb"].append(rss_mb())
            out["frames_per_client"] = sorted(got)
            out["changes"] = probe_run.changes
            out["lost"] = probe_run.lost
            out["frames_dropped"] = live["frames_dropped"]
            out["max_queue_depth"] = max((s["pending"] for s in live["sockets"]), default=0)
            out["max_queue_bytes"] = max((s["pending_bytes"] for s in live["sockets"]), default=0)
            # The socket holding the most is the one nobody reads: its queue stays bounded.
            out["slow_socket"] = max(live["sockets"], key=lambda s: s["pending_bytes"], default={})
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await server.stop()
        sim.stop()
    return out


def report(args: argparse.Namespace, out: dict[str, Any]) -> dict[str, Any]:
    lat = out["latency_ms"] or [float("nan")]
    base = out["baseline_latency_ms"] or [float("nan")]
    rss = out["rss_mb"]
    frames = out["frames_per_client"]
    return {
        "scenario": args.scenario,
        "clients": args.clients,
        "subscriptions": args.clients * len(SUBSCRIPTIONS),
        "rate": args.rate,
        "duration_s": args.duration,
        "changes_probed": out["changes"],
        "frames_answered": len(out["latency_ms"]) + len(out["baseline_latency_ms"]),
        "probes_lost": out["lost"],
        "relists": out["relists"],  # masthead's, during the run (a relist delays frames)
        "latency_ms": percentiles(lat),
        # Without the slow consumer (first half) and with it (second half): it must not matter.
        "baseline_latency_ms": percentiles(base),
        "slow_consumer_p95_ratio": round(pct(lat, 0.95) / pct(base, 0.95), 2),
        "max_queue_depth": out["max_queue_depth"],
        "max_queue_bytes": out["max_queue_bytes"],
        "frames_dropped": out["frames_dropped"],
        "slow_consumer_socket": out["slow_socket"],
        "frames_per_client": {"min": frames[0], "max": frames[-1]} if frames else {},
        "rss_mb": {
            "start": round(rss[0], 1),
            "end": round(rss[-1], 1),
            "growth_pct": round(100 * (rss[-1] - rss[0]) / rss[0], 1),
            "samples": [round(x, 1) for x in rss],
        },
    }


def percentiles(values: list[float]) -> dict[str, float]:
    return {q: round(pct(values, v), 1) for q, v in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))}


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
    p.add_argument(
        "--no-slow-consumer",
        dest="slow_consumer",
        action="store_false",
        help="the second half without the slow consumer too (an A/B check of its effect)",
    )
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
