"""masthead's API: revalidation (304) latency over HTTP and the latency from a simulator write to
the WebSocket page frame that shows it.

    python -m bench.api_pages [--mode smoke|quick|full]

quick: a still 20k-pod world, masthead and the simulator in this process (below). full (and its
miniature, smoke): the `large` serving figures of issue 5 — see `api_pages_large.py`.

The simulator runs on its own thread and event loop (as `masthead --demo` runs it), so its
work is not timed as masthead's; masthead, the HTTP client and the WebSocket clients share the
main loop. Each change bumps one pod's restart count to a new maximum, so it lands at the top of
a `sort=restarts&desc=1` window; the frame latency includes the watch hop, decoding, the table
update, the coalescing interval (≤ 100 ms) and the frame's encoding and transfer. 19 more
subscriptions (other sorts and windows) stay open meanwhile, as in a busy browser.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import threading
import time
from typing import Any

import aiohttp
import orjson

from bench.api_pages_large import LARGE_MODES, run_large
from bench.results_format import Figure
from masthead.server import Server, ServerConfig

PODS = 20_000
SCENARIO = "20k-pods"
EXTRA_SUBSCRIPTIONS = 19
# Changes are spaced wider than the 100 ms coalescing interval, so each gets its own frame.
CHANGE_GAP = 0.25


class SimThread:
    def __init__(self, pods: int) -> None:
        self.pods = pods
        self.ready = threading.Event()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.sim: Any = None
        self._stop: asyncio.Event | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import uvloop

        uvloop.run(self._main())

    async def _main(self) -> None:
        from masthead.sim.app import SimConfig, Simulator
        from masthead.sim.podgen import load_pods

        self.loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with Simulator(SimConfig(controllers=frozenset())) as sim:
            load_pods(sim.store, self.pods, namespaces=100, nodes=200)
            self.sim = sim
            self.ready.set()
            await self._stop.wait()

    def bump(self, index: int, restarts: int, written: list[float]) -> None:
        """Set pod `index`'s restart count (on the simulator's loop); record when."""

        def write() -> None:
            sim = self.sim
            key = ("", "pods")
            stored = next(o for i, o in enumerate(sim.store.iter_objects(key)) if i == index)
            pod = stored.decode()
            for cs in pod["status"].get("containerStatuses") or []:
                cs["restartCount"] = restarts
            written.append(time.perf_counter())
            sim.registry.put_prepared(sim.info("", "v1", "pods"), pod)

        assert self.loop is not None
        self.loop.call_soon_threadsafe(write)

    def stop(self) -> None:
        if self.loop is not None and self._stop is not None:
            self.loop.call_soon_threadsafe(self._stop.set)
        self.thread.join(10)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _drain(ws: aiohttp.ClientWebSocketResponse) -> None:
    async for _ in ws:
        pass


async def measure(pods: int, revalidations: int, changes: int) -> dict[str, list[float]]:
    sim = SimThread(pods)
    sim.thread.start()
    sim.ready.wait(120)
    assert sim.sim is not None and sim.sim.kubeconfig_path is not None
    server = Server(
        ServerConfig(kubeconfigs=[sim.sim.kubeconfig_path], token="bench", connect=["admin"])
    )
    await server.start()
    headers = {"Authorization": "Bearer bench"}
    out: dict[str, list[float]] = {"304": [], "frame": []}
    try:
        async with aiohttp.ClientSession(headers=headers) as http:
            url = server.base + "/api/v1/clusters/admin/views/pods?sort=restarts&desc=1&limit=100"
            async with asyncio.timeout(120):
                while True:
                    async with http.get(url) as r:
                        body = await r.json() if r.status == 200 else {}
                    if body.get("total") == pods and body["sources"][0]["state"] == "live":
                        etag = r.headers["ETag"]
                        break
                    await asyncio.sleep(0.2)
            for _ in range(revalidations):
                t0 = time.perf_counter()
                async with http.get(url, headers={"If-None-Match": etag}) as r:
                    await r.read()
                    assert r.status == 304
                out["304"].append((time.perf_counter() - t0) * 1000)

            async with (
                http.ws_connect(server.base + "/api/v1/live") as ws,
                http.ws_connect(server.base + "/api/v1/live") as others,
            ):
                drain = asyncio.create_task(_drain(others))
                for i in range(EXTRA_SUBSCRIPTIONS):
                    await others.send_json(
                        {
                            "op": "subscribe",
                            "sub": f"x{i}",
                            "cluster": "admin",
                            "view": "pods",
                            "query": {"sort": ("name", "age", "node", "status")[i % 4]},
                            "window": {"offset": i * 500, "limit": 100},
                        }
                    )
                await ws.send_json(
                    {
                        "op": "subscribe",
                        "sub": "m",
                        "cluster": "admin",
                        "view": "pods",
                        "query": {"sort": "restarts", "desc": 1},
                        "window": {"offset": 0, "limit": 100},
                    }
                )
                await ws.receive()
                written: list[float] = []
                for n in range(changes):
                    marker = 1_000_000 + n
                    sim.bump((n * 7919) % pods, marker, written)
                    async with asyncio.timeout(10):
                        while True:
                            msg = await ws.receive()
                            frame = orjson.loads(msg.data)
                            rows = frame.get("rows") or []
                            if (
                                frame.get("type") == "page"
                                and rows
                                and rows[0]["restarts"] == marker
                            ):
                                break
                    out["frame"].append((time.perf_counter() - written[-1]) * 1000)
                    await asyncio.sleep(CHANGE_GAP)
                drain.cancel()
    finally:
        await server.stop()
        sim.stop()
    return out


def run(mode: str) -> list[Figure]:
    if mode in LARGE_MODES:
        return run_large(mode)
    revalidations, changes = 300, 40
    import uvloop

    figures = {
        "http.304.p95": Figure("http.304.p95", SCENARIO, "ms"),
        "live.frame.p50": Figure("live.frame.p50", SCENARIO, "ms"),
        "live.frame.p95": Figure("live.frame.p95", SCENARIO, "ms"),
        "live.frame.p99": Figure("live.frame.p99", SCENARIO, "ms"),
    }
    try:
        got = uvloop.run(measure(PODS, revalidations, changes))
    except Exception as e:  # report, do not abort the whole bench
        for f in figures.values():
            f.failed = f"{type(e).__name__}: {e}"
        return list(figures.values())
    figures["http.304.p95"].masthead.append(round(pct(got["304"], 0.95), 3))
    frames = got["frame"]
    figures["live.frame.p50"].masthead.append(round(statistics.median(frames), 2))
    figures["live.frame.p95"].masthead.append(round(pct(frames, 0.95), 2))
    figures["live.frame.p99"].masthead.append(round(pct(frames, 0.99), 2))
    return list(figures.values())


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--mode", default="quick", choices=("smoke", "quick", "full"))
    args = p.parse_args()
    for f in run(args.mode):
        print(orjson.dumps(f.to_json()).decode())


if __name__ == "__main__":
    main()
