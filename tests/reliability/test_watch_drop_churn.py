"""Rows lost after watch drops under pod churn (the recovery benchmark's defect).

A `small` world with its controllers, pods churned at ~200 writes/s (restarts, deletions the
ReplicaSets replace, node flaps), every open watch reset several times while the churn runs.
Once the churn stops, two watchers must equal the simulator's store — uid and
resourceVersion of every pod — within a bound:
- masthead's Reflector feeding a projected Table (what the pods view shows);
- a plain aiohttp watcher that LISTs once and then only re-watches from the last
  resourceVersion it read (no relist), so a miss there is the simulator's, not masthead's.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field

import aiohttp
import orjson
import pytest

from masthead.kube.discovery import Discovery
from masthead.kube.freshness import SourceState
from masthead.kube.reflector import Reflector
from masthead.sim.app import SimConfig, Simulator
from masthead.sim.churn import Churn
from masthead.store.projection import Interner
from tests.kube.kubesim import transport_for
from tests.kube.test_convergence import TUNING, RvCodec, RvTableSink

pytestmark = pytest.mark.faults

PODS = ("", "pods")
CHURN_RATE = 200.0  # writes/s
# Pod-heavy: the benchmark's loss was in the pods view.
MIX = {"pod-restart": 3.0, "pod-delete": 3.0, "node-flap": 1.0, "scale": 1.0}
DROPS = 6
DROP_EVERY = 0.4  # seconds of churn between two drops
CONVERGE_WITHIN = 5.0  # seconds after the churn stopped (and the controllers settled)


def store_rvs(sim: Simulator) -> dict[str, str]:
    """uid -> resourceVersion of every pod the simulator holds."""
    return {s.uid: str(s.rv) for s in sim.store.iter_objects(PODS)}


def difference(name: str, got: dict[str, str], want: dict[str, str]) -> str:
    missing = set(want) - set(got)
    ghosts = set(got) - set(want)
    stale = {u for u in set(want) & set(got) if want[u] != got[u]}
    if not (missing or ghosts or stale):
        return ""
    return f"{name}: {len(missing)} missing, {len(ghosts)} ghosts, {len(stale)} stale"


@dataclass
class PlainWatcher:
    """LIST once, then watch from the last resourceVersion read, forever (no relist)."""

    base: str
    token: str
    rvs: dict[str, str] = field(default_factory=dict)
    rv: str = ""
    errors: list[str] = field(default_factory=list)  # ERROR events: none expected
    watches: int = 0
    timeout: str = "3"  # seconds a watch lasts

    async def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        async with aiohttp.ClientSession(self.base, headers=headers) as s:
            async with s.get("/api/v1/pods") as r:
                body = await r.json()
            self.rvs = {
                o["metadata"]["uid"]: o["metadata"]["resourceVersion"] for o in body["items"]
            }
            self.rv = body["metadata"]["resourceVersion"]
            while True:
                params = {"watch": "1", "resourceVersion": self.rv, "allowWatchBookmarks": "1"}
                params["timeoutSeconds"] = self.timeout
                self.watches += 1
                with contextlib.suppress(aiohttp.ClientError, ConnectionError):
                    async with s.get("/api/v1/pods", params=params) as r:
                        async for line in r.content:  # complete lines only
                            self._apply(orjson.loads(line))
                await asyncio.sleep(0.01)

    def _apply(self, ev: dict[str, object]) -> None:
        obj = ev["object"]
        assert isinstance(obj, dict)
        if ev["type"] == "ERROR":
            self.errors.append(str(obj.get("message")))
            return
        meta = obj["metadata"]
        if ev["type"] == "DELETED":
            self.rvs.pop(meta["uid"], None)
        elif ev["type"] in ("ADDED", "MODIFIED"):
            self.rvs[meta["uid"]] = meta["resourceVersion"]
        self.rv = meta["resourceVersion"]


@asynccontextmanager
async def running(coro_task: asyncio.Task[None]) -> AsyncIterator[None]:
    try:
        yield
    finally:
        coro_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await coro_task


async def settled(sim: Simulator) -> dict[str, str]:
    """The store's pods once the controllers stopped writing them for a moment."""
    last, quiet_since = sim.store.last_write_rv(PODS), time.monotonic()
    while time.monotonic() - quiet_since < 0.5:
        await asyncio.sleep(0.05)
        now = sim.store.last_write_rv(PODS)
        if now != last:
            last, quiet_since = now, time.monotonic()
    return store_rvs(sim)


async def test_pods_converge_after_watch_drops_under_churn() -> None:
    sim = Simulator(SimConfig(scenario="small", bookmark_period=0.1))
    async with sim, AsyncExitStack() as stack:
        transport = transport_for(sim, tuning=TUNING)
        stack.push_async_callback(transport.close)
        rtype = await Discovery(transport).resolve("pods")
        rv_of: dict[str, str] = {}
        sink = RvTableSink(rtype, rv_of)
        reflector = Reflector(
            transport, rtype, sink, TUNING, codec=RvCodec(rtype, Interner(), rv_of)
        )
        reflector.start()
        stack.push_async_callback(reflector.stop)
        plain = PlainWatcher(sim.url, sim.admin_token)
        await stack.enter_async_context(running(asyncio.create_task(plain.run())))
        await reflector.freshness.wait_for(lambda f: f.state is SourceState.LIVE, 10)

        churn = Churn(sim, CHURN_RATE, duration=30.0, seed=11, mix=MIX)
        churn.start()
        stack.push_async_callback(churn.stop)
        await asyncio.sleep(0.3)
        dropped = 0
        for _ in range(DROPS):
            dropped += (await sim.faults.set("drop-watches", {}))["dropped"]
            await asyncio.sleep(DROP_EVERY)
        report = await churn.stop()
        assert report.failure is None and report.writes > 200, report
        assert dropped >= DROPS // 2  # most drops found open watches (not all: reconnecting)

        want = await settled(sim)
        deadline = time.monotonic() + CONVERGE_WITHIN
        why = "never compared"
        while time.monotonic() < deadline:
            why = "; ".join(
                d
                for d in (
                    difference("reflector", sink.rvs, want),
                    difference("plain watcher", plain.rvs, want),
                )
                if d
            )
            if not why and reflector.freshness.current.state is SourceState.LIVE:
                break
            await asyncio.sleep(0.05)
            want = store_rvs(sim)
        assert not why, f"not converged {CONVERGE_WITHIN}s after the churn stopped: {why}"
        assert not plain.errors, plain.errors
        assert set(sink.table.by_uid) == set(want)
        assert plain.watches > DROPS // 2  # it resumed after the drops that found it
