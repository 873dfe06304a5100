"""The process stack the end-to-end benchmarks measure: a simulator world (`masthead sim`, its
own process, HTTPS) and masthead itself (`masthead --kubeconfig … --port 0`, its own process, so
its RSS can be sampled and it can be frozen with SIGSTOP), plus the HTTP helpers they share.

Both processes are children of the benchmark and are stopped by `close()` (SIGTERM, then
SIGKILL after a grace period); a benchmark uses them as context managers.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import aiohttp

from bench.peers.common import admin_endpoint

REPO = Path(__file__).resolve().parent.parent
MASTHEAD_BIN = Path(sys.executable).parent / "masthead"
CLUSTER = "admin"  # the simulator kubeconfig's admin context: masthead's cluster id too
START_TIMEOUT_S = 300.0
STOP_GRACE_S = 10.0
URL_RE = re.compile(r"^(http://127\.0\.0\.1:\d+)/\?token=\S+$")


@dataclass(frozen=True)
class World:
    """How big a simulator world to build (`masthead sim --scenario <scenario>` with these
    knobs; the scenario supplies the rest, e.g. `restricted`'s 50 namespaces granted to its
    user)."""

    deployments: int
    pods_per_deployment: int
    nodes: int
    namespaces: int
    scenario: str = "small"

    @property
    def pods(self) -> int:
        return self.deployments * self.pods_per_deployment

    @property
    def label(self) -> str:
        p = self.pods
        size = f"{p // 1000}k-pods" if p >= 1000 else f"{p}-pods"
        return size if self.scenario == "small" else f"{self.scenario} ({size})"


# The simulator's named scenarios (masthead.sim.world.scenario) at their own sizes.
SCENARIO_WORLDS = {
    "demo": World(45, 5, 10, 0, "demo"),
    "small": World(115, 8, 20, 20),
    "large": World(10_000, 10, 2_000, 500, "large"),
    "huge": World(30_000, 10, 5_000, 1_000, "huge"),
    "restricted": World(115, 8, 20, 60, "restricted"),
}


def statm_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def _read_line(proc: subprocess.Popen[str], pattern: re.Pattern[str], what: str) -> re.Match[str]:
    """Read the child's stdout until a line matches (the child must print it before
    START_TIMEOUT_S; a child that exits first fails the benchmark with its output)."""
    assert proc.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"{what} exited before it was ready: {' | '.join(seen[-5:])}")
        seen.append(line.strip())
        m = pattern.search(line.strip())
        if m:
            return m
    raise RuntimeError(f"{what} not ready within {START_TIMEOUT_S:.0f} s")


def _drain(proc: subprocess.Popen[str]) -> None:
    """Read (and drop) the child's output from now on: a full pipe would block the child."""
    out = proc.stdout
    assert out is not None

    def discard() -> None:
        for _ in out:
            pass

    threading.Thread(target=discard, daemon=True).start()


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is not None:
        return
    os.kill(proc.pid, signal.SIGCONT)  # a frozen child cannot handle SIGTERM
    proc.terminate()
    try:
        proc.wait(STOP_GRACE_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class _Child:
    proc: subprocess.Popen[str]

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        t: type[BaseException] | None,
        e: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        _stop(self.proc)


@dataclass
class SimWorld(_Child):
    """`masthead sim` serving a generated world; `url`/`token` are its admin context's."""

    world: World
    extra_args: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.tmp = tempfile.TemporaryDirectory(prefix="masthead-bench-sim-")
        self.kubeconfig = str(Path(self.tmp.name) / "kubeconfig")
        w = self.world
        argv = [str(MASTHEAD_BIN), "sim", "--scenario", w.scenario, "--kubeconfig-out"]
        argv += [self.kubeconfig, "--deployments", str(w.deployments)]
        argv += ["--pods-per-deployment", str(w.pods_per_deployment), "--nodes", str(w.nodes)]
        argv += ["--namespaces", str(w.namespaces), *self.extra_args]
        self.proc = subprocess.Popen(
            argv, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        try:
            _read_line(self.proc, re.compile(r"^masthead sim: kubeconfig "), "masthead sim")
            self.url, self.token, _ = admin_endpoint(self.kubeconfig)
            _drain(self.proc)
        except BaseException:
            _stop(self.proc)
            self.tmp.cleanup()
            raise

    def close(self) -> None:
        super().close()
        self.tmp.cleanup()

    def rss_mb(self) -> float:
        return statm_rss_mb(self.proc.pid)

    def session(self) -> aiohttp.ClientSession:
        """A session for the simulator's API and `/_sim/` (self-signed certificate)."""
        return aiohttp.ClientSession(
            base_url=self.url,
            headers={"Authorization": f"Bearer {self.token}", "Accept": "application/json"},
            connector=aiohttp.TCPConnector(ssl=False),
        )


async def sim_call(s: aiohttp.ClientSession, method: str, path: str, body: Any = None) -> Any:
    """One request to the simulator; raises with its Status message unless it is a 2xx."""
    async with s.request(method, path, json=body) as r:
        doc = await r.json(content_type=None)
        if r.status >= 300:
            raise RuntimeError(f"{method} {path}: {r.status} {doc}")
        return doc


@dataclass
class Masthead(_Child):
    """masthead on a free port, connected to `kubeconfig`'s current context (or `context`,
    with `extra_args` such as `--namespaces`)."""

    kubeconfig: str
    token: str = "bench"
    data_dir: str | None = None  # None: a fresh temporary one (no warm-start snapshots)
    context: str | None = None
    extra_args: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.tmp = tempfile.TemporaryDirectory(prefix="masthead-bench-")
        argv = [str(MASTHEAD_BIN), "--kubeconfig", self.kubeconfig, "--no-browser"]
        argv += ["--port", "0", "--token", self.token]
        argv += ["--data-dir", self.data_dir or self.tmp.name]
        argv += ["--context", self.context] if self.context else []
        argv += self.extra_args
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            argv,
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        try:
            self.base = _read_line(self.proc, URL_RE, "masthead").group(1)
            _drain(self.proc)
        except BaseException:
            _stop(self.proc)
            self.tmp.cleanup()
            raise

    def close(self) -> None:
        super().close()
        self.tmp.cleanup()

    def rss_mb(self) -> float:
        return statm_rss_mb(self.proc.pid)

    def session(self, connections: int = 100) -> aiohttp.ClientSession:
        """A session to masthead; `connections` caps its open sockets (0: no cap — one per
        client socket a load test holds)."""
        return aiohttp.ClientSession(
            base_url=self.base,
            headers={"Authorization": f"Bearer {self.token}"},
            connector=aiohttp.TCPConnector(limit=connections),
        )


async def cluster_detail(http: aiohttp.ClientSession, cluster: str = CLUSTER) -> dict[str, Any]:
    async with http.get(f"/api/v1/clusters/{cluster}") as r:
        r.raise_for_status()
        doc: dict[str, Any] = await r.json()
        return doc


def all_live(detail: dict[str, Any]) -> bool:
    sources = detail.get("sources") or []
    return bool(sources) and all(s["state"] == "live" for s in sources)


async def view_page(
    http: aiohttp.ClientSession, view: str, cluster: str = CLUSTER, **query: str
) -> dict[str, Any]:
    async with http.get(f"/api/v1/clusters/{cluster}/views/{view}", params=query) as r:
        doc: dict[str, Any] = await r.json() if r.status == 200 else {}
        return doc


async def pods_page(http: aiohttp.ClientSession, **query: str) -> dict[str, Any]:
    return await view_page(http, "pods", **query)


async def wait_synced(
    http: aiohttp.ClientSession,
    pods: int,
    timeout: float,
    cluster: str = CLUSTER,
    poll_s: float = 0.2,
) -> None:
    """Until the pods view holds at least `pods` rows and every source is live."""
    async with asyncio.timeout(timeout):
        while True:
            page = await view_page(http, "pods", cluster, limit="1")
            if page.get("total", 0) >= pods and all_live(await cluster_detail(http, cluster)):
                return
            await asyncio.sleep(poll_s)


async def subscribe_pods(
    ws: aiohttp.ClientWebSocketResponse,
    sub: str,
    query: dict[str, Any],
    offset: int = 0,
    limit: int = 100,
) -> None:
    """Subscribe `ws` to a window of the pods view of the benchmark's cluster."""
    await ws.send_json(
        {
            "op": "subscribe",
            "sub": sub,
            "cluster": CLUSTER,
            "view": "pods",
            "query": query,
            "window": {"offset": offset, "limit": limit},
        }
    )


class PodsSubscription:
    """A live pods-view subscription held open as an open browser tab holds it: it demands
    metrics, so masthead's metrics poller runs while it is open. `run()` until cancelled."""

    def __init__(self, http: aiohttp.ClientSession) -> None:
        self.http = http
        self.frames = 0
        self.first_frame = asyncio.Event()

    async def run(self) -> None:
        async with self.http.ws_connect("/api/v1/live") as ws:
            await subscribe_pods(ws, "bench", {"sort": "name"})
            async for msg in ws:
                if msg.type == aiohttp.WSMsgType.TEXT:
                    self.frames += 1
                    self.first_frame.set()
