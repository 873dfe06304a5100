"""masthead against the simulator over real HTTP / WebSocket: one `Served` per test."""

from __future__ import annotations

import asyncio
import functools
import tempfile
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import orjson

from masthead.api.context import LiveTuning
from masthead.api.feeds import FeedTuning
from masthead.kube.tuning import Tuning
from masthead.server import Server, ServerConfig
from masthead.sim.app import SimConfig, Simulator
from tests.kube.kubesim import FAST

T = TypeVar("T")
TOKEN = "test-token"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
TUNING = replace(FAST, access_recheck_interval=0.5)


@dataclass
class Served:
    sim: Simulator
    server: Server
    http: aiohttp.ClientSession

    @property
    def base(self) -> str:
        return self.server.base

    async def get(self, path: str, **kw: Any) -> tuple[int, Any, aiohttp.ClientResponse]:
        async with self.http.get(self.base + path, **kw) as r:
            body = await r.read()
            data = orjson.loads(body) if body and "json" in r.content_type else body
            return r.status, data, r

    async def post(
        self, path: str, body: Any = None, **kw: Any
    ) -> tuple[int, Any, aiohttp.ClientResponse]:
        async with self.http.post(self.base + path, json=body, **kw) as r:
            raw = await r.read()
            data = orjson.loads(raw) if raw and "json" in r.content_type else raw
            return r.status, data, r

    async def page(self, cluster: str, view: str, **params: Any) -> dict[str, Any]:
        status, data, _ = await self.get(
            f"/api/v1/clusters/{cluster}/views/{view}",
            params={k: str(v) for k, v in params.items()},
        )
        assert status == 200, data
        assert isinstance(data, dict)
        return data

    async def diagnostics(self) -> dict[str, Any]:
        status, data, _ = await self.get("/api/v1/diagnostics")
        assert status == 200
        assert isinstance(data, dict)
        return data


@asynccontextmanager
async def served(
    scenario: str = "demo",
    *,
    live: LiveTuning | None = None,
    web_dist: Path | None = None,
    connect: tuple[str, ...] = ("admin", "restricted"),
    data_dir: Path | None = None,
    feeds: FeedTuning | None = None,
    sim: Simulator | None = None,
    read_only: tuple[str, ...] = (),
    read_only_patterns: tuple[str, ...] = (),
    confirm: tuple[str, ...] = (),
    tuning: Tuning = TUNING,
    kubeconfigs: Sequence[Path] = (),
    **sim_config: Any,
) -> AsyncIterator[Served]:
    """masthead (data in `data_dir`, a fresh temporary directory by default) against `sim`,
    or a new simulator of `scenario` (no controllers: a still world the tests compare pages
    against; `sim_config` adds SimConfig fields). `kubeconfigs` replaces the simulator's
    kubeconfig (several clusters in one masthead)."""
    guard = (read_only, read_only_patterns, confirm)
    extra = (tuning, tuple(kubeconfigs))
    with tempfile.TemporaryDirectory(prefix="masthead-data-") as tmp:
        if sim is not None:
            async with _serve(
                sim, data_dir or Path(tmp), connect, web_dist, live, feeds, guard, extra
            ) as s:
                yield s
            return
        config = SimConfig(scenario=scenario, controllers=frozenset(), **sim_config)
        async with (
            Simulator(config) as new_sim,
            _serve(
                new_sim, data_dir or Path(tmp), connect, web_dist, live, feeds, guard, extra
            ) as s,
        ):
            yield s


@asynccontextmanager
async def _serve(
    sim: Simulator,
    data_dir: Path,
    connect: tuple[str, ...],
    web_dist: Path | None,
    live: LiveTuning | None,
    feeds: FeedTuning | None,
    guard: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]] = ((), (), ()),
    extra: tuple[Tuning, tuple[Path, ...]] = (TUNING, ()),
) -> AsyncIterator[Served]:
    assert sim.kubeconfig_path is not None
    tuning, kubeconfigs = extra
    server = Server(
        ServerConfig(
            kubeconfigs=list(kubeconfigs) or [sim.kubeconfig_path],
            token=TOKEN,
            connect=connect,
            web_dist=web_dist,
            tuning=tuning,
            live=live or LiveTuning(),
            data_dir=data_dir,
            feeds=feeds or FeedTuning(),
            read_only=guard[0],
            read_only_patterns=guard[1],
            confirm=guard[2],
        )
    )
    await server.start()
    try:
        async with aiohttp.ClientSession(headers=BEARER) as http:
            s = Served(sim, server, http)
            for cluster in connect:
                await eventually_async(functools.partial(_connected, s, cluster), 20)
            yield s
    finally:
        await server.stop()


async def _connected(s: Served, cluster: str) -> bool:
    status, data, _ = await s.get(f"/api/v1/clusters/{cluster}")
    return status == 200 and data["state"] in ("ready", "degraded")


async def eventually_async(
    check: Callable[[], Any], timeout: float = 10.0, what: str = "condition"
) -> None:
    async with asyncio.timeout(timeout):
        while True:
            result = check()
            if asyncio.iscoroutine(result):
                result = await result
            if result:
                return
            await asyncio.sleep(0.02)


class Live:
    """A live socket with helpers to wait for frames."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.frames: list[dict[str, Any]] = []
        self.raw: list[str] = []  # the frames' text as received

    async def send(self, **op: Any) -> None:
        await self.ws.send_str(orjson.dumps(op).decode())

    async def subscribe(self, sub: str, **fields: Any) -> None:
        """A subscribe op for `sub`: the admin cluster's pods unless `fields` say otherwise."""
        await self.send(op="subscribe", sub=sub, **{"cluster": "admin", "view": "pods", **fields})

    async def next(
        self, pred: Callable[[dict[str, Any]], bool] = lambda f: True, timeout: float = 5.0
    ) -> dict[str, Any]:
        async with asyncio.timeout(timeout):
            while True:
                msg = await self.ws.receive()
                assert msg.type is aiohttp.WSMsgType.TEXT, msg
                self.raw.append(msg.data)
                frame = orjson.loads(msg.data)
                self.frames.append(frame)
                if pred(frame):
                    return frame  # type: ignore[no-any-return]

    async def page(self, sub: str = "s1", timeout: float = 5.0, **match: Any) -> dict[str, Any]:
        def pred(f: dict[str, Any]) -> bool:
            return (
                f.get("type") == "page"
                and f.get("sub") == sub
                and all(f.get(k) == v for k, v in match.items())
            )

        return await self.next(pred, timeout)

    async def settled(self, sub: str, frame: dict[str, Any]) -> dict[str, Any]:
        """`frame`, or the next page of `sub` once the metrics poller has answered: its state
        (the last source) is part of every page, so frames before it differ from those after."""
        if frame["sources"][-1]["state"] != "unknown":
            return frame
        return await self.next(
            lambda f: f.get("sub") == sub and f["sources"][-1]["state"] != "unknown", timeout=10
        )


@asynccontextmanager
async def live_socket(s: Served, headers: dict[str, str] | None = None) -> AsyncIterator[Live]:
    async with s.http.ws_connect(s.base + "/api/v1/live", headers=headers) as ws:
        yield Live(ws)


class ThreadedServer:
    """`served(**kw)` on an event loop of its own thread, until `stop()`: for synchronous
    clients (schemathesis, hypothesis examples each running their own loop)."""

    def __init__(self, **kw: Any) -> None:
        self._kw = kw
        self.base = ""
        self.served: Served | None = None
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="fuzzed server", daemon=True)

    def start(self) -> None:
        self._thread.start()
        self._ready.wait(60)
        if self._error is not None:
            raise self._error
        assert self.base, "the server did not start"

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as e:  # reported by start()
            self._error = e
            self._ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with served(**self._kw) as s:
            self.base = s.base
            self.served = s
            self._ready.set()
            await self._stop.wait()

    def run(self, make: Callable[[], Awaitable[T]], timeout: float = 60.0) -> T:
        """Run a coroutine on the server's loop (where the simulator lives); its result."""
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(_awaited(make), self._loop).result(timeout)

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)


async def _awaited(make: Callable[[], Awaitable[T]]) -> T:
    return await make()
