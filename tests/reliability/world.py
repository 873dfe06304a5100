"""Shared pieces of the reliability suite: masthead serving two simulators (two clusters in
one kubeconfig), a recorder of what the served views said over time, and the brute-force
answer a view must converge to, computed from a simulator's own store."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from masthead.sim.app import Simulator
from masthead.sim.store import Stored
from tests.api.harness import Served, live_socket

# The second simulator's admin appears in masthead as this context.
OTHER = "other"


def two_cluster_kubeconfig(a: Simulator, b: Simulator, path: Path) -> Path:
    """A kubeconfig with `a`'s contexts (admin, restricted) and `b`'s admin as `other`."""
    assert a.kubeconfig_path is not None and b.kubeconfig_path is not None
    config = yaml.safe_load(a.kubeconfig_path.read_text())
    other = yaml.safe_load(b.kubeconfig_path.read_text())
    cluster = dict(other["clusters"][0], name="sim-b")
    user = next(u for u in other["users"] if u["name"] == "admin")
    config["clusters"].append(cluster)
    config["users"].append({"name": OTHER, "user": user["user"]})
    config["contexts"].append({"name": OTHER, "context": {"cluster": "sim-b", "user": OTHER}})
    path.write_text(yaml.safe_dump(config))
    return path


# ------------------------------------------------------------------ what the store holds


# What a row is compared on: identity, and for configmaps the `keys` column too (churn adds
# keys), so a row left at an old state shows as well as a ghost or a missing one.
RowKey = tuple[str, str, object]
CONFIGMAPS = ("", "configmaps")


def _keys(s: Stored) -> int:
    obj = s.decode()
    return len(obj.get("data") or {}) + len(obj.get("binaryData") or {})


def store_rows(
    sim: Simulator, key: tuple[str, str], namespaces: tuple[str, ...] | None = None
) -> dict[str, RowKey]:
    """uid -> (namespace, name, keys) of every object of `key` (in `namespaces`) the simulator
    holds (keys: None but for configmaps)."""
    scopes: tuple[str | None, ...] = namespaces if namespaces is not None else (None,)
    return {
        s.uid: (s.namespace, s.name, _keys(s) if key == CONFIGMAPS else None)
        for ns in scopes
        for s in sim.store.iter_objects(key, ns)
    }


async def page_rows(
    s: Served, cluster: str, view: str, **query: Any
) -> tuple[list[Any], dict[str, Any]]:
    """Every row of a view (paged by 1000), and the last page (sources, total); a refusal is
    returned as no rows and the error body."""
    rows: list[Any] = []
    offset = 0
    path = f"/api/v1/clusters/{cluster}/views/{view}"
    while True:
        params = {k: str(v) for k, v in (query | {"offset": offset, "limit": 1000}).items()}
        status, page, _ = await s.get(path, params=params)
        if status != 200:
            return [], {"status": status, **page, "total": -1, "sources": []}
        rows += page["rows"]
        offset += len(page["rows"])
        if offset >= page["total"] or not page["rows"]:
            return rows, page


def page_mismatch(rows: list[Any], page: dict[str, Any], want: dict[str, RowKey]) -> str:
    """Why a served view differs from the store's answer ("" when it does not)."""
    if "status" in page:
        return f"HTTP {page['status']}: {page.get('error')}"
    problems: list[str] = []
    uids = [r["uid"] for r in rows]
    if len(set(uids)) != len(uids):
        problems.append(f"{len(uids) - len(set(uids))} duplicates")
    got = {r["uid"]: (r.get("namespace", ""), r["name"], r.get("keys")) for r in rows}
    ghosts, missing = set(got) - set(want), set(want) - set(got)
    if ghosts:
        problems.append(f"{len(ghosts)} ghosts e.g. {got[next(iter(ghosts))]}")
    if missing:
        problems.append(f"{len(missing)} missing e.g. {want[next(iter(missing))]}")
    stale = [u for u in set(got) & set(want) if got[u] != want[u]]
    if stale:
        u = stale[0]
        problems.append(f"{len(stale)} rows differ e.g. {got[u]} served, {want[u]} stored")
    if page["total"] != len(want):
        problems.append(f"total {page['total']} vs {len(want)} in the store")
    not_live = [(x["id"], x["state"]) for x in page["sources"] if x["state"] != "live"]
    if not_live:
        problems.append(f"sources not live: {not_live}")
    return ", ".join(problems)


async def converge(
    s: Served,
    cluster: str,
    view: str,
    want: Any,
    within: float,
    **query: Any,
) -> float:
    """Seconds until the served view equals `want()` (uid -> (namespace, name)); fails with
    the last difference after `within` seconds."""
    start = time.monotonic()
    why = "never compared"
    while time.monotonic() - start < within:
        rows, page = await page_rows(s, cluster, view, **query)
        why = page_mismatch(rows, page, want())
        if not why:
            return time.monotonic() - start
        await asyncio.sleep(0.1)
    raise AssertionError(f"{cluster}/{view} not converged in {within}s: {why}")


# ------------------------------------------------------------------ what views said over time


@dataclass
class Observed:
    """One observation of a view: when, HTTP status, and its sources (id, state, message)."""

    at: float
    status: int
    sources: list[tuple[str, str, str]]
    via: str  # "page" or "live"


@dataclass
class Recorder:
    """Polls a view's page and holds a live subscription to it, recording its sources."""

    s: Served
    cluster: str
    view: str
    query: dict[str, Any] = field(default_factory=dict)
    seen: list[Observed] = field(default_factory=list)
    period: float = 0.1

    def since(self, t: float) -> list[Observed]:
        return [o for o in self.seen if o.at >= t]

    def states_since(self, t: float) -> list[tuple[str, str, str]]:
        return [src for o in self.since(t) for src in o.sources]

    async def wait_state(self, t: float, states: set[str], message: str, within: float) -> str:
        """The first source state in `states` (message containing `message`) seen after `t`."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            for _, state, msg in self.states_since(t):
                if state in states and message in msg:
                    return state
            await asyncio.sleep(0.02)
        got = sorted({(st, msg[:80]) for _, st, msg in self.states_since(t)})
        want = f"{sorted(states)} saying {message!r}"
        raise AssertionError(f"{self.cluster}/{self.view}: no {want} in {within}s: {got}")

    def _record(self, status: int, body: Any, via: str) -> None:
        sources = []
        if isinstance(body, dict):
            sources = [
                (x["id"], x["state"], x.get("message", ""))
                for x in body.get("sources", [])
                if x["id"] != "metrics"
            ]
        self.seen.append(Observed(time.monotonic(), status, sources, via))

    async def _poll(self) -> None:
        path = f"/api/v1/clusters/{self.cluster}/views/{self.view}"
        params = {k: str(v) for k, v in (self.query | {"limit": 1}).items()}
        while True:
            status, body, _ = await self.s.get(path, params=params)
            self._record(status, body, "page")
            await asyncio.sleep(self.period)

    async def _listen(self) -> None:
        async with live_socket(self.s) as live:
            await live.send(
                op="subscribe",
                sub="r",
                cluster=self.cluster,
                view=self.view,
                query=self.query,
                window={"offset": 0, "limit": 20},
            )
            while True:
                try:  # a quiet view (a cluster down) sends nothing for a while
                    frame = await live.next(lambda f: f.get("type") in ("page", "error"))
                except TimeoutError:
                    continue
                live.frames.clear()  # bounded: only the recorder's own list grows
                self._record(200 if frame["type"] == "page" else 0, frame, "live")

    @asynccontextmanager
    async def running(self, live: bool = True) -> AsyncIterator[Recorder]:
        tasks = [asyncio.create_task(self._poll())]
        if live:
            tasks.append(asyncio.create_task(self._listen()))
        try:
            yield self
        finally:
            died = [t.exception() for t in tasks if t.done() and not t.cancelled()]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if any(died):  # a recorder that died early hid observations: say so
                raise AssertionError(f"recorder failed: {died!r}")
