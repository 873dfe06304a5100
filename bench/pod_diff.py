"""When masthead's pods view and the simulator disagree: which pods, and what happened to them.

`PodEventLog` watches the simulator's pods from the bench's own process (LIST once, then
re-watch from the last resourceVersion, as masthead's reflector does) and keeps, per uid, every
event it saw with its resourceVersion and wall-clock time. `explain()` lists the simulator's
pods and masthead's (the pods view paged by name; rows carry uid, namespace and name) and
prints, for each missing or extra pod, its events relative to the faults' moments: whether it
was created or deleted while the watches were down. Used by bench/recovery.py on a failed
convergence; the log is bounded (`MAX_UIDS`, oldest uids dropped first, counted).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson

from bench.stack import CLUSTER, cluster_detail, view_page

PAGE = 500
MASTHEAD_PAGE = 1000  # the pods view's largest `limit`
MAX_UIDS = 200_000  # pods remembered; the oldest-touched go first
MAX_EVENTS_PER_UID = 32
MAX_SHOWN = 40  # pods printed per side


@dataclass
class PodEvent:
    type: str
    rv: int
    t: float  # wall clock
    deleting: bool  # metadata.deletionTimestamp set


@dataclass
class PodEventLog:
    """Every pod event the bench itself saw, by uid (see the module's docstring)."""

    s: aiohttp.ClientSession
    events: OrderedDict[str, list[PodEvent]] = field(default_factory=OrderedDict)
    names: dict[str, str] = field(default_factory=dict)  # uid -> namespace/name
    rv: str = ""
    watches: int = 0
    forgotten: int = 0  # uids dropped at MAX_UIDS
    errors: list[str] = field(default_factory=list)

    async def run(self) -> None:
        await self._list()
        while True:
            params = {"watch": "1", "resourceVersion": self.rv, "allowWatchBookmarks": "true"}
            params["timeoutSeconds"] = "60"  # under the client session's own 300 s
            self.watches += 1
            with contextlib.suppress(aiohttp.ClientError, ConnectionError, TimeoutError):
                async with self.s.get("/api/v1/pods", params=params) as r:
                    async for line in r.content:  # complete lines only
                        if not self._apply(orjson.loads(line)):
                            await self._list()
                            break
            await asyncio.sleep(0.05)

    async def _list(self) -> None:
        cont = ""
        while True:
            params = {"limit": str(PAGE), **({"continue": cont} if cont else {})}
            async with self.s.get("/api/v1/pods", params=params) as r:
                doc = await r.json()
            now = time.time()
            for o in doc["items"]:
                self._record(o["metadata"], "LISTED", now)
            cont = doc["metadata"].get("continue") or ""
            if not cont:
                self.rv = doc["metadata"]["resourceVersion"]
                return

    def _apply(self, ev: dict[str, Any]) -> bool:
        """False when the watch said 410 (list again)."""
        obj = ev["object"]
        if ev["type"] == "ERROR":
            self.errors.append(str(obj.get("message")))
            return False
        meta = obj["metadata"]
        if ev["type"] != "BOOKMARK":
            self._record(meta, ev["type"], time.time())
        self.rv = meta["resourceVersion"]
        return True

    def _record(self, meta: dict[str, Any], typ: str, t: float) -> None:
        uid = meta["uid"]
        self.names[uid] = f"{meta.get('namespace', '')}/{meta['name']}"
        evs = self.events.get(uid)
        if evs is None:
            evs = self.events[uid] = []
            while len(self.events) > MAX_UIDS:
                old, _ = self.events.popitem(last=False)
                self.names.pop(old, None)
                self.forgotten += 1
        else:
            self.events.move_to_end(uid)
        ev = PodEvent(typ, int(meta["resourceVersion"]), t, bool(meta.get("deletionTimestamp")))
        evs.append(ev)
        del evs[:-MAX_EVENTS_PER_UID]


async def simulator_pods(
    s: aiohttp.ClientSession, resource_version: str = ""
) -> dict[str, dict[str, Any]]:
    """uid -> metadata of every pod the simulator holds now, or held exactly at
    `resource_version` (one paged LIST)."""
    out: dict[str, dict[str, Any]] = {}
    cont = ""
    exact = {"resourceVersion": resource_version, "resourceVersionMatch": "Exact"}
    while True:
        first = exact if resource_version else {}
        params = {"limit": str(PAGE), **({"continue": cont} if cont else first)}
        async with s.get("/api/v1/pods", params=params) as r:
            doc = await r.json()
        for o in doc["items"]:
            out[o["metadata"]["uid"]] = o["metadata"]
        cont = doc["metadata"].get("continue") or ""
        if not cont:
            return out


async def masthead_pods(http: aiohttp.ClientSession) -> dict[str, str]:
    """uid -> namespace/name of every row of masthead's pods view (paged by name)."""
    out: dict[str, str] = {}
    offset = 0
    while True:
        page = await view_page(
            http, "pods", sort="name", offset=str(offset), limit=str(MASTHEAD_PAGE)
        )
        items = page.get("rows") or []
        for row in items:
            out[row["uid"]] = f"{row.get('namespace', '')}/{row['name']}"
        offset += len(items)
        if not items or offset >= page.get("total", 0):
            return out


async def masthead_pods_at(http: aiohttp.ClientSession) -> tuple[str, int] | None:
    """(resourceVersion, rows) of masthead's cluster-wide pods source, read in one answer
    (diagnostics), or None while it has none (e.g. a relist pending)."""
    async with http.get("/api/v1/diagnostics") as r:
        r.raise_for_status()
        doc = await r.json()
    for cluster in doc["registry"]["clusters"]:
        for group in cluster.get("resources") or []:
            for src in group["sources"]:
                if src["resource"] == "pods" and src["namespace"] is None:
                    rv = src.get("resource_version")
                    return (rv, src["items"]) if rv else None
    return None


def _timeline(log: PodEventLog, uid: str, marks: dict[str, float]) -> str:
    def rel(t: float) -> str:
        return " ".join(f"{t - at:+.1f}s/{name}" for name, at in marks.items())

    evs = log.events.get(uid)
    if not evs:
        return "no events seen by the bench"
    return "; ".join(
        f"{e.type}{'(terminating)' if e.deleting else ''} rv={e.rv} at {rel(e.t)}" for e in evs
    )


async def explain(
    s: aiohttp.ClientSession,
    http: aiohttp.ClientSession,
    log: PodEventLog | None,
    marks: dict[str, float],
) -> str:
    """Missing and extra pods of masthead's pods view against a LIST, each with its events
    relative to `marks` (name -> wall-clock moment, e.g. the drop); masthead's pods sources."""
    before = await masthead_pods_at(http)
    got = await masthead_pods(http)
    after = await masthead_pods_at(http)
    if before is not None and before == after:  # masthead did not move while paged: exact
        how = f"at masthead's resourceVersion {before[0]}"
        want = again = await simulator_pods(s, before[0])
    else:  # a pod written between the two lists is not evidence
        # Approximate: the view is paged by offset, and rows created or deleted meanwhile
        # shift the offsets (a row can be skipped or seen twice).
        how = (
            f"around masthead's read (approximate: its resourceVersion moved {before} -> "
            f"{after} while paged)"
        )
        want = await simulator_pods(s)
        again = await simulator_pods(s)
    missing = [u for u in want if u not in got and u in again]
    extra = [u for u in got if u not in want and u not in again]
    sources = [
        {k: src.get(k) for k in ("namespace", "state", "syncs", "items", "message")}
        for src in (await cluster_detail(http, CLUSTER)).get("sources") or []
        if src.get("resource") == "pods"
    ]
    lines = [
        f"simulator {len(want)} pods (then {len(again)}) {how}, masthead {len(got)}: "
        f"{len(missing)} missing, {len(extra)} extra; pods sources {sources}",
    ]
    if log is not None:
        lines.append(
            f"bench event log: {log.watches} watches, {len(log.events)} uids, "
            f"{log.forgotten} forgotten, errors {log.errors[-3:]}"
        )
    for label, uids, names in (("missing", missing, None), ("extra", extra, got)):
        for uid in uids[:MAX_SHOWN]:
            meta = want.get(uid)
            name = (
                f"{meta.get('namespace')}/{meta['name']} rv={meta['resourceVersion']}"
                f"{' deleting' if meta.get('deletionTimestamp') else ''}"
                if meta
                else (names or {}).get(uid, "?")
            )
            events = _timeline(log, uid, marks) if log is not None else ""
            lines.append(f"  {label} {uid} {name}: {events}")
    return "\n".join(lines)
