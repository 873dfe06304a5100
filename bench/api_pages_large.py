"""The serving figures of issue 5 at `large`: 100k pods, 1,000 changes/s of churn, 20 live
subscriptions. `masthead sim` and masthead are child processes (bench/stack.py), so the
simulator's work is neither timed nor billed as masthead's; the clients run here.

Measured, in this order:
1. at rest (all sources live, no churn): page builds — `GET .../views/pods` without
   `If-None-Match`, cycling deep `sort=name` offsets, `sort=restarts&desc=1`, `sort=age`, one
   namespace and a text term (`http.page.p95`); revalidations of a pods page (`http.304.p95`);
2. under churn (the simulator's default mix at `churn_per_s`, after a warm-up): 19
   subscriptions on one socket (sorts by name, age, node and status at spread-out windows) and a
   measured one (`sort=restarts&desc=1`, top 100); each marker change sets one pod's restart
   count to a new maximum with a status PATCH to the simulator and the time to the frame whose
   first row shows it is `live.frame.*` (watch hop, decode, table update, coalescing ≤ 100 ms,
   frame encode and transfer, under the churn's load), split by a reference client watching
   the marker namespace into the API server's share (`live.frame.api_hop.*`: write → event at
   a trivial client) and masthead's (`live.frame.masthead.*`: that event → the frame). The
   reference runs in a process of its own (bench/api_pages_reference.py: in this one, busy
   with 20 subscriptions, it noted events late and the share went negative), its arrival
   times on the machine's monotonic clock; `live.frame.masthead.negative` counts the pairs
   still below 0 and `live.frame.masthead.min` is the lowest;
   `live.frame.masthead_internal.*` is masthead's share as masthead measures it (diagnostics
   `live.frame_latency`, reset as the markers start and read as they end: from the watch read
   that brought a change to the write of the first frame carrying it, for every change frame
   of all 20 subscriptions, not only the markers'), with no second watcher to skew;
   `live.cpu_per_frame` is masthead's process CPU time (utime + stime from /proc) over the
   marker window divided by the frames it sent meanwhile (every subscription's; diagnostics
   `live.frames_sent`); masthead's event-loop lag over the last minute of markers
   (`loop.lag.p99.churn`, `loop.lag.max.churn`: diagnostics `loop`); revalidations of the
   namespaces view, which the churn leaves alone (`http.304.p95.churn`); the simulator's own
   event-loop lag over the markers (`sim.loop.lag.p99.churn`, `sim.loop.lag.max.churn`: its
   `/_sim/diagnostics`, reset as the markers start; absent from simulators without it) and its
   process's CPU share over them (`sim.cpu_share.churn`: utime + stime from /proc over wall
   time; near 1.0 its loop is saturated and every hop queues behind the rest).
The load average at start and end is printed (the machine is shared).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
import traceback
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson

from bench.api_pages_reference import Marker, ReferenceProcess, pair, restarts_of
from bench.results_format import Figure
from bench.stack import (
    CLUSTER,
    SCENARIO_WORLDS,
    Masthead,
    SimWorld,
    World,
    sim_call,
    subscribe_pods,
    wait_synced,
)

SUBSCRIPTIONS = 20  # the measured one and 19 others
# churn_per_s counts every write the simulator applies (the driver's and its controllers'
# reactions, lease renewals included: the changes masthead's watches see), not the driver's own.
CHURN_BASIS = "stored"


@dataclass(frozen=True)
class Large:
    world: World
    churn_per_s: float
    warmup_s: float
    page_builds: int
    revalidations: int
    changes: int
    change_gap: float  # wider than the 100 ms coalescing: each marker gets its own frame
    # Markers stop at `changes` or after this long, whichever is first: under churn one
    # marker can take seconds to reach its frame, and 200 of them outran the module's budget.
    changes_within_s: float


LARGE_MODES = {
    "smoke": Large(World(20, 5, 5, 5), 50, 2, 20, 50, 10, 0.25, 60),
    # The simulator's own `large` scenario (100k pods on 2,000 nodes, 500 namespaces). The
    # 500-node world used before packed 200 pods a node: its controllers alone wrote ~1,200/s,
    # so under the stored basis the churn driver nearly stopped (4 writes/s).
    "full": Large(SCENARIO_WORLDS["large"], 1000, 15, 300, 2000, 200, 0.25, 100),
}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, all threads."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def frames_sent(http: aiohttp.ClientSession) -> int:
    async with http.get("/api/v1/diagnostics") as r:
        return int((await r.json())["live"]["frames_sent"])


async def frame_latency(
    http: aiohttp.ClientSession, *, reset: bool = False
) -> dict[str, list[float]]:
    """masthead's own change → frame percentiles (diagnostics `live.frame_latency`; absent in
    builds before it was measured); `reset` starts them over after answering."""
    params = {"reset": "1"} if reset else {}
    async with http.get("/api/v1/diagnostics", params=params) as r:
        latency = (await r.json())["live"].get("frame_latency") or {}
    if reset or not latency or not latency["count"]:
        return {}
    print(f"api_pages: masthead's own frame latency {latency}", file=sys.stderr)
    return {
        "internal_p50": [float(latency["p50_ms"])],
        "internal_p99": [float(latency["p99_ms"])],
    }


async def timed_get(
    http: aiohttp.ClientSession, path: str, params: dict[str, str], etag: str | None = None
) -> tuple[float, int, str]:
    headers = {"If-None-Match": etag} if etag else {}
    t0 = time.perf_counter()
    async with http.get(path, params=params, headers=headers) as r:
        await r.read()
        return (time.perf_counter() - t0) * 1000, r.status, r.headers.get("ETag", "")


async def page_builds(http: aiohttp.ClientSession, pods: int, n: int) -> list[float]:
    first = await (await http.get(f"/api/v1/clusters/{CLUSTER}/views/pods?limit=1")).json()
    namespace = first["rows"][0]["namespace"]
    queries: list[dict[str, str]] = [
        {"sort": "name", "offset": str((pods // 2) - 50)},
        {"sort": "restarts", "desc": "1"},
        {"sort": "age"},
        {"namespace": namespace},
        {"q": "svc-1"},
    ]
    out: list[float] = []
    for i in range(n):
        q = dict(queries[i % len(queries)], limit="100")
        if q.get("sort") == "name":
            q["offset"] = str((i * 7919) % max(1, pods - 100))
        ms, status, _ = await timed_get(http, f"/api/v1/clusters/{CLUSTER}/views/pods", q)
        assert status == 200, status
        out.append(ms)
    return out


async def revalidations(http: aiohttp.ClientSession, view: str, n: int) -> list[float]:
    """304 latencies; a changed page (200) re-arms the ETag and is not counted."""
    path = f"/api/v1/clusters/{CLUSTER}/views/{view}"
    params = {"limit": "100"}
    _, _, etag = await timed_get(http, path, params)
    out: list[float] = []
    while len(out) < n:
        ms, status, new = await timed_get(http, path, params, etag)
        if status == 304:
            out.append(ms)
        else:
            etag = new
    return out


async def drain(ws: aiohttp.ClientWebSocketResponse) -> None:
    async for _ in ws:
        pass


async def sim_loop(sim: aiohttp.ClientSession, *, reset: bool = False) -> dict[str, list[float]]:
    """The simulator's loop lag since the last reset (`/_sim/diagnostics`; {} from a simulator
    without it); `reset` starts a new window after answering."""
    async with sim.get("/_sim/diagnostics", params={"reset": "1"} if reset else {}) as r:
        if r.status != 200:
            return {}
        doc = await r.json()
    if reset:
        return {}
    loop = doc["loop"]
    print(f"api_pages: simulator loop {loop}, watchers {doc['watchers']}", file=sys.stderr)
    # What held the loop (only with MASTHEAD_STALL_TRACE in the simulator's environment).
    print(f"api_pages: simulator cpu {doc.get('cpu')}, stalls {doc.get('stalls')}", file=sys.stderr)
    return {"sim_loop_p99": [float(loop["p99_ms"])], "sim_loop_max": [float(loop["max_recent_ms"])]}


async def loop_lag(http: aiohttp.ClientSession) -> dict[str, list[float]]:
    """masthead's event-loop lag over its last minute (diagnostics `loop`; absent in builds
    before it was measured): what every 304 and frame waited behind, whoever held the loop."""
    async with http.get("/api/v1/diagnostics") as r:
        loop = (await r.json()).get("loop") or {}
    if not loop:
        return {}
    return {"loop_p99": [float(loop["p99_ms"])], "loop_max": [float(loop["max_recent_ms"])]}


MARKER_NAMESPACE = "kube-system"


async def marker_pods(sim: aiohttp.ClientSession) -> tuple[list[dict[str, Any]], str]:
    """kube-system's pods (the churn leaves that namespace alone, so a marker pod is never
    deleted and its frame never lost; markers cycle through them) and the list's version."""
    doc = await sim_call(sim, "GET", f"/api/v1/namespaces/{MARKER_NAMESPACE}/pods")
    pods = [p for p in doc["items"] if (p.get("status") or {}).get("containerStatuses")]
    return pods, str(doc["metadata"]["resourceVersion"])


async def set_restarts(
    sim: aiohttp.ClientSession, pod: dict[str, Any], restarts: int
) -> str | None:
    """The uid of the pod now carrying the marker (a StatefulSet's pod may have been recreated
    under its name meanwhile); None when the churn deleted it."""
    meta = pod["metadata"]
    # The row's restarts sum every container's: the first one carries the marker.
    statuses = [
        {**cs, "restartCount": restarts if i == 0 else 0}
        for i, cs in enumerate(pod["status"]["containerStatuses"])
    ]
    path = f"/api/v1/namespaces/{meta['namespace']}/pods/{meta['name']}/status"
    async with sim.patch(
        path,
        data=orjson.dumps({"status": {"containerStatuses": statuses}}),
        headers={"Content-Type": "application/merge-patch+json"},
    ) as r:
        body = await r.json(content_type=None)
        return str(body["metadata"]["uid"]) if r.status == 200 else None


async def under_churn(
    p: Large, mh: Masthead, http: aiohttp.ClientSession, simw: SimWorld, sim: aiohttp.ClientSession
) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {
        "frame": [],
        "hop": [],
        "own": [],
        "cpu_per_frame": [],
        "304_churn": [],
    }
    candidates, version = await marker_pods(sim)
    reference = ReferenceProcess()
    await reference.start(simw.url, simw.token, MARKER_NAMESPACE, version)
    markers: list[Marker] = []
    async with http.ws_connect("/api/v1/live") as ws, http.ws_connect("/api/v1/live") as others:
        background = asyncio.create_task(drain(others))
        for i in range(SUBSCRIPTIONS - 1):
            await subscribe_pods(
                others,
                f"x{i}",
                {"sort": ("name", "age", "node", "status")[i % 4]},
                offset=(i * 4999) % max(1, p.world.pods - 100),
            )
        await subscribe_pods(ws, "m", {"sort": "restarts", "desc": 1})
        await ws.receive()
        await sim_call(
            sim, "POST", "/_sim/churn", {"rate": p.churn_per_s, "basis": CHURN_BASIS, "seed": 7}
        )
        await asyncio.sleep(p.warmup_s)
        cpu0, frames0 = cpu_seconds(mh.proc.pid), await frames_sent(http)
        await frame_latency(http, reset=True)  # the warm-up's frames are not the markers'
        await sim_loop(sim, reset=True)
        sim_cpu0, sim_wall0 = cpu_seconds(simw.proc.pid), time.monotonic()
        # Above every restart count already set: on a world an earlier run marked, a marker
        # below those would never reach the first row (bench/loop_stalls_ab.py reuses one).
        marker = max(1_000_000, 1 + max(restarts_of(pod) for pod in candidates))
        stop_at = time.monotonic() + p.changes_within_s
        while len(out["frame"]) < p.changes and time.monotonic() < stop_at:
            pod = candidates[marker % len(candidates)]
            marker += 1
            t0 = time.monotonic()  # the reference process's clock (CLOCK_MONOTONIC)
            uid = await set_restarts(sim, pod, marker)
            if uid is None:
                continue
            async with asyncio.timeout(30):
                while True:
                    frame = (await ws.receive()).json()
                    rows = frame.get("rows") or []
                    if (
                        frame.get("type") == "page"
                        and rows
                        and rows[0]["uid"] == uid
                        and rows[0]["restarts"] >= marker
                    ):
                        break
            shown = time.monotonic()
            markers.append(Marker(uid, marker, t0, shown))
            out["frame"].append((shown - t0) * 1000)
            await asyncio.sleep(p.change_gap)
        cpu1, frames1 = cpu_seconds(mh.proc.pid), await frames_sent(http)
        sim_share = (cpu_seconds(simw.proc.pid) - sim_cpu0) / (time.monotonic() - sim_wall0)
        out["sim_cpu_share"] = [sim_share]
        out |= await sim_loop(sim)
        out |= await frame_latency(http)
        out["cpu_per_frame"].append((cpu1 - cpu0) * 1000 / max(1, frames1 - frames0))
        print(
            f"api_pages: {len(out['frame'])} markers, {frames1 - frames0} frames, "
            f"{cpu1 - cpu0:.1f} s masthead CPU",
            file=sys.stderr,
        )
        out["304_churn"] = await revalidations(http, "namespaces", p.revalidations)
        out |= await loop_lag(http)  # the last minute: the markers' end and these 304s
        report = await sim_call(sim, "DELETE", "/_sim/churn")
        print(
            f"api_pages: churn asked {p.churn_per_s:g}/s {CHURN_BASIS}: applied "
            f"{report.get('storedRate')}/s, the driver's own {report.get('achievedRate')}/s",
            file=sys.stderr,
        )
        background.cancel()
    await reference.settle(markers)
    await reference.stop()
    paired = pair(markers, reference.arrivals)
    print(f"api_pages: reference watch: {paired.summary()}", file=sys.stderr)
    out["hop"], out["own"] = paired.hop_ms, paired.own_ms
    out["own_negative"] = [float(paired.negative)]
    out["own_min"] = [min(paired.own_ms, default=float("nan"))]
    return out


async def measure_large(p: Large) -> dict[str, list[float]]:
    print(f"api_pages: load average at start {os.getloadavg()}", file=sys.stderr)
    with SimWorld(p.world) as simw, Masthead(simw.kubeconfig) as mh:
        async with mh.session() as http, simw.session() as sim:
            await wait_synced(http, p.world.pods, 900)
            out = {
                "page": await page_builds(http, p.world.pods, p.page_builds),
                "304": await revalidations(http, "pods", p.revalidations),
            }
            out |= await under_churn(p, mh, http, simw, sim)
    print(f"api_pages: load average at end {os.getloadavg()}", file=sys.stderr)
    return out


def run_large(mode: str) -> list[Figure]:
    import uvloop

    p = LARGE_MODES[mode]
    label = f"{p.world.label}+churn{p.churn_per_s:g}/s-{CHURN_BASIS}"
    ids = {
        "http.page.p95": "ms",
        "http.304.p95": "ms",
        "http.304.p95.churn": "ms",
        "live.frame.p50": "ms",
        "live.frame.p95": "ms",
        "live.frame.p99": "ms",
        "live.frame.api_hop.p50": "ms",
        "live.frame.api_hop.p99": "ms",
        "live.frame.masthead.p50": "ms",
        "live.frame.masthead.p99": "ms",
        "live.frame.masthead.min": "ms",
        "live.frame.masthead.negative": "pairs",
        "live.frame.masthead_internal.p50": "ms",
        "live.frame.masthead_internal.p99": "ms",
        "live.cpu_per_frame": "ms",
        "loop.lag.p99.churn": "ms",
        "loop.lag.max.churn": "ms",
        "sim.loop.lag.p99.churn": "ms",
        "sim.loop.lag.max.churn": "ms",
        "sim.cpu_share.churn": "cores",
    }
    figures = {i: Figure(i, label, unit) for i, unit in ids.items()}
    try:
        got = uvloop.run(measure_large(p))
    except Exception as e:  # report, do not abort the whole bench
        traceback.print_exc()
        for f in figures.values():
            f.failed = f"{type(e).__name__}: {e}"
        return list(figures.values())
    frames = got["frame"]
    values = {
        "http.page.p95": pct(got["page"], 0.95),
        "http.304.p95": pct(got["304"], 0.95),
        "http.304.p95.churn": pct(got["304_churn"], 0.95),
        "live.frame.p50": statistics.median(frames),
        "live.frame.p95": pct(frames, 0.95),
        "live.frame.p99": pct(frames, 0.99),
        "live.frame.api_hop.p50": statistics.median(got["hop"]),
        "live.frame.api_hop.p99": pct(got["hop"], 0.99),
        "live.frame.masthead.p50": statistics.median(got["own"]),
        "live.frame.masthead.p99": pct(got["own"], 0.99),
        "live.frame.masthead.min": got["own_min"][0],
        "live.frame.masthead.negative": got["own_negative"][0],
        "live.cpu_per_frame": got["cpu_per_frame"][0],
        "sim.cpu_share.churn": got["sim_cpu_share"][0],
    }
    if got.get("internal_p50"):
        values["live.frame.masthead_internal.p50"] = got["internal_p50"][0]
        values["live.frame.masthead_internal.p99"] = got["internal_p99"][0]
    if got.get("loop_p99"):
        values["loop.lag.p99.churn"] = got["loop_p99"][0]
        values["loop.lag.max.churn"] = got["loop_max"][0]
    if got.get("sim_loop_p99"):
        values["sim.loop.lag.p99.churn"] = got["sim_loop_p99"][0]
        values["sim.loop.lag.max.churn"] = got["sim_loop_max"][0]
    for i, v in values.items():
        figures[i].masthead.append(round(v, 3))
    return list(figures.values())
