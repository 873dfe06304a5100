"""Load and soak of the live WebSocket (issue 8; outside CI): N browser-like clients, each with
five subscriptions (pods/events/deployments views, different windows and sorts), against
masthead on a simulator scenario under churn, plus one slow consumer that reads nothing.

    python -m bench.ws_load [--clients 100] [--scenario demo|small|large|huge] [--rate 1000]
                            [--basis stored|driver] [--duration 60] [--sample-every 60]
                            [--no-results] [--no-slow-consumer]

Three processes, as in production: the simulator world (`masthead sim`, bench/stack.py), masthead
(`masthead --kubeconfig …`) and this one, which holds the clients. Churn runs inside the
simulator (`/_sim/churn`), so neither the simulator's work nor the clients' is charged to
masthead's RSS, and each process's RSS is its own.

Reports, from when every client is subscribed to the end: masthead's RSS and the simulator's
(sampled every --sample-every s; masthead's growth %, from sync — all subscribed —, from warm
— every window's first frame received — and steady: the trend from STEADY_S on, past the
working set's build-up and across the malloc trims' sawtooth), the deepest per-socket send queue
and the frames dropped (masthead's `/api/v1/diagnostics`, sampled every DIAG_EVERY_S), and frame
latency p50/p95/p99: a pod's restart count set to a new maximum through the simulator's API
(`PUT …/pods/<name>/status`; timed from just before the request, so the simulator's handling is
included) → the frame of a `sort=restarts&desc=1` window showing it. The first half of the run
is the baseline; the slow consumer subscribes for the second half. Writes the summary to
bench/results/ws_load-<timestamp>.json and the figures in the results format unless
--no-results.

Where the memory goes: `memory` holds masthead's `/api/v1/diagnostics/memory` at `warm` and at
the `end` (each answer names its tracemalloc grouping in `group`; traced, `end_by_traceback`
too): malloc's in-use and free space, CPython's blocks, the periodic trims; `items` its rows per
resource at both (the cluster's own state growing under churn), `loop` its loop lag.
`--trace-memory N` runs masthead under tracemalloc, marks at warm and adds what grew by line
and call path (no figures then); `--malloc-trim 0` turns masthead's periodic trim off (A/B).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson

from bench.api_pages import CHANGE_GAP, pct
from bench.results_format import RESULTS_DIR, Figure, write_results
from bench.stack import (
    CLUSTER,
    SCENARIO_WORLDS,
    Masthead,
    SimWorld,
    sim_call,
    subscribe_pods,
    wait_synced,
)

SUBSCRIPTIONS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("pods", {"sort": "name"}),
    ("pods", {"sort": "restarts", "desc": 1}),
    ("events", {"sort": "last_seen", "desc": 1}),
    ("deployments", {"sort": "name"}),
    ("pods", {"sort": "age", "desc": 1}),
)
# A probe change whose frame has not come by then is counted lost (churn may delete the pod or
# set its restart count past the marker) rather than waited for. 3 s lost 1,090 of 1,102
# probes in the first soak (masthead niced beside a full bench run): 10 s still bounds a
# probe while telling slow frames from lost ones.
PROBE_TIMEOUT = 10.0
# Probe targets: pods with running containers from the first page of the simulator's list.
PROBE_CANDIDATES = 200
DIAG_EVERY_S = 2.0
SYNC_TIMEOUT_S = 900.0
TEN_MIN_S = 600.0
# The growth target's steady part starts here: by then the metrics poller has polled several
# times (every object's fixed history array allocated), the periodic malloc trim has run, and
# the events table has taken the churn's first Events. RSS then saws between trims, so one
# sample against another says little; the trend over the samples does.
STEADY_S = 120.0


@dataclass
class Samples:
    """What the samplers saw: (seconds since all subscribed, MB) and the queue high-water."""

    masthead_rss: list[tuple[float, float]] = field(default_factory=list)
    # masthead's RSS when every client had its first frame of every window (the windows'
    # pages and sort orders built): the baseline of the growth target, see `_growth_from`.
    warm_rss: tuple[float, float] | None = None
    # masthead's /api/v1/diagnostics/memory then (malloc's in-use and free, CPython's blocks).
    warm_memory: dict[str, Any] = field(default_factory=dict)
    # Rows per resource then: how much of the growth is the cluster's own state growing.
    warm_items: dict[str, int] = field(default_factory=dict)
    sim_rss: list[tuple[float, float]] = field(default_factory=list)
    max_queue_depth: int = 0
    max_queue_bytes: int = 0
    diagnostics: int = 0
    slow_socket: dict[str, Any] = field(default_factory=dict)


class Probe:
    """Sets a pod's restart count to a new maximum every CHANGE_GAP through the simulator's API
    and times the frame of a `sort=restarts&desc=1` window showing it."""

    def __init__(
        self, sim: aiohttp.ClientSession, ws: aiohttp.ClientWebSocketResponse, pods: list[str]
    ) -> None:
        self.sim, self.ws, self.pods = sim, ws, pods
        self.changes = 0
        self.lost = 0  # changes whose frame never came within PROBE_TIMEOUT
        self.gone = 0  # candidate pods deleted by churn (dropped from the rotation)

    async def _write(self, marker: int) -> tuple[float, str] | None:
        """Set the next candidate's restart count to `marker`; (when, uid), or None if the
        candidates ran out."""
        while self.pods:
            path = self.pods[self.changes % len(self.pods)]
            async with self.sim.get(path) as r:
                if r.status == 404:
                    self.pods.remove(path)
                    self.gone += 1
                    continue
                pod = await r.json(content_type=None)
            # The column sums containers: one holds the marker.
            for n, cs in enumerate(pod["status"]["containerStatuses"]):
                cs["restartCount"] = marker if n == 0 else 0
            at = time.perf_counter()
            async with self.sim.put(path + "/status", json=pod) as r:
                if r.status == 200:
                    return at, str(pod["metadata"]["uid"])
            # 404 (deleted meanwhile) or 409 (churn wrote it): the next candidate.
            self.changes += 1
        return None

    async def run(self, seconds: float, latencies: list[float]) -> None:
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            marker = 1_000_000 + self.changes
            try:
                async with asyncio.timeout(PROBE_TIMEOUT):
                    written = await self._write(marker)
                    if written is None:
                        raise RuntimeError("every probe pod was deleted by churn")
                    at, uid = written
                    while True:
                        frame = orjson.loads((await self.ws.receive()).data)
                        rows = frame.get("rows") or []
                        if rows and rows[0]["uid"] == uid and rows[0]["restarts"] >= marker:
                            break
                    latencies.append((time.perf_counter() - at) * 1000)
            except TimeoutError:  # churn deleted the pod or restarted it past the marker
                self.lost += 1
            self.changes += 1
            await asyncio.sleep(CHANGE_GAP)


async def probe_pods(sim: aiohttp.ClientSession) -> list[str]:
    """API paths of pods with container statuses, outside the churn's own namespace."""
    doc = await sim_call(sim, "GET", f"/api/v1/pods?limit={PROBE_CANDIDATES}")
    return [
        f"/api/v1/namespaces/{p['metadata']['namespace']}/pods/{p['metadata']['name']}"
        for p in doc["items"]
        if (p.get("status") or {}).get("containerStatuses")
        and p["metadata"]["namespace"] != "masthead-churn"
    ]


async def client(http: aiohttp.ClientSession, index: int, got: list[int], warm: Warmup) -> None:
    async with http.ws_connect("/api/v1/live") as ws:
        for n, (view, query) in enumerate(SUBSCRIPTIONS):
            window = {"offset": (index * 7 + n * 13) % 50, "limit": 50}
            sub = {"op": "subscribe", "sub": f"s{n}", "cluster": CLUSTER, "view": view}
            await ws.send_json(sub | {"query": query, "window": window})
        async for msg in ws:
            if msg.type is aiohttp.WSMsgType.TEXT:
                got[index] += 1
                if got[index] == len(SUBSCRIPTIONS):
                    warm.client_warm()


async def diagnostics(http: aiohttp.ClientSession) -> dict[str, Any]:
    async with http.get("/api/v1/diagnostics") as r:
        r.raise_for_status()
        doc: dict[str, Any] = await r.json()
        return doc


async def sample_rss(sim: SimWorld, mh: Masthead, every: float, t0: float, out: Samples) -> None:
    while True:
        t = round(time.monotonic() - t0, 1)
        out.masthead_rss.append((t, mh.rss_mb()))
        out.sim_rss.append((t, sim.rss_mb()))
        await asyncio.sleep(every)


class Warmup:
    """Set once every client has had as many frames as it has windows (each window's first
    page built and sent)."""

    def __init__(self, clients: int) -> None:
        self.waiting = clients
        self.done = asyncio.Event()

    def client_warm(self) -> None:
        self.waiting -= 1
        if self.waiting <= 0:
            self.done.set()


async def sample_warm(
    mh: Masthead, http: aiohttp.ClientSession, warm: Warmup, t0: float, out: Samples, trace: bool
) -> None:
    """masthead's RSS at the moment every client has a frame for each of its windows; with
    --trace-memory, the baseline the end's allocation diff is taken against."""
    await warm.done.wait()
    out.warm_rss = (round(time.monotonic() - t0, 1), mh.rss_mb())
    out.warm_memory = await memory_trace(http, mark=trace, top=1, group="lineno")
    out.warm_items = source_items(await diagnostics(http))


def source_items(diag: dict[str, Any]) -> dict[str, int]:
    """Rows masthead holds per resource (its sources' `items`), from diagnostics."""
    items: dict[str, int] = {}
    for cluster in diag["registry"]["clusters"]:
        for group in cluster.get("resources") or ():
            name = group.get("resource") or group.get("name") or "?"
            items[name] = items.get(name, 0) + sum(s.get("items") or 0 for s in group["sources"])
    return items


def memory_block(warm: dict[str, Any], ends: list[dict[str, Any]]) -> dict[str, Any]:
    """The summary's `memory`: the answers at warm and at the `end` (the first of `ends`,
    grouped by line), then, traced, `end_by_<group>` for the others; each end answer names
    its tracemalloc grouping in `group`."""
    block: dict[str, Any] = {"warm": warm}
    for i, answer in enumerate(ends):
        block["end" if i == 0 else f"end_by_{answer['group']}"] = answer
    return block


async def memory_trace(
    http: aiohttp.ClientSession, *, mark: bool, top: int, group: str
) -> dict[str, Any]:
    """masthead's `GET /api/v1/diagnostics/memory` (`traced` only when started with
    tracemalloc; `mark` sets the baseline of the next diff), with the `group` it asked for;
    only that from a masthead without it (an older build measured for a before/after)."""
    query = {"mark": str(int(mark)), "top": str(top), "group": group}
    async with http.get("/api/v1/diagnostics/memory", params=query) as r:
        if r.status == 404:
            return {"group": group}
        r.raise_for_status()
        doc: dict[str, Any] = await r.json()
        return doc | {"group": group}


@contextlib.contextmanager
def _masthead(kubeconfig: str, trace_frames: int, extra_args: list[str]) -> Iterator[Masthead]:
    """masthead, with tracemalloc on (`trace_frames` frames) when asked: the variable is set
    only while masthead's process starts, so the simulator's is never traced."""
    if not trace_frames:
        with Masthead(kubeconfig, extra_args=extra_args) as mh:
            yield mh
        return
    from masthead.api.memory_trace import ENV

    os.environ[ENV] = str(trace_frames)
    try:
        mh = Masthead(kubeconfig, extra_args=extra_args)
    finally:
        del os.environ[ENV]
    with mh:
        yield mh


async def sample_queues(http: aiohttp.ClientSession, out: Samples) -> None:
    """The deepest send queue seen, and the socket that held it (the slow one)."""
    slow_coalesced = 0
    while True:
        sockets = (await diagnostics(http))["live"]["sockets"]
        out.diagnostics += 1
        for s in sockets:
            out.max_queue_bytes = max(out.max_queue_bytes, s["pending_bytes"])
            # Queued pages are built only when sent (bytes stay 0): the slow socket is the one
            # whose queue is deepest, then the one absorbing the most changes.
            if (s["pending"], s["coalesced"]) >= (out.max_queue_depth, slow_coalesced):
                out.slow_socket = s
                slow_coalesced = s["coalesced"]
            out.max_queue_depth = max(out.max_queue_depth, s["pending"])
        await asyncio.sleep(DIAG_EVERY_S)


async def subscribe_probe(http: aiohttp.ClientSession) -> aiohttp.ClientWebSocketResponse:
    ws = await http.ws_connect("/api/v1/live")
    await subscribe_pods(ws, "m", {"sort": "restarts", "desc": 1}, limit=10)
    await ws.receive()
    return ws


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    world = SCENARIO_WORLDS[args.scenario]
    samples = Samples()
    out: dict[str, Any] = {"latency_ms": [], "baseline_latency_ms": []}
    tasks: list[asyncio.Task[None]] = []
    trim = [] if args.malloc_trim is None else ["--malloc-trim-interval", str(args.malloc_trim)]
    with SimWorld(world) as sim, _masthead(sim.kubeconfig, args.trace_memory, trim) as mh:
        async with sim.session() as s, mh.session(connections=0) as http:
            try:
                t_sync = time.monotonic()
                await wait_synced(http, world.pods, SYNC_TIMEOUT_S)
                out["sync_s"] = round(time.monotonic() - t_sync, 1)
                candidates = await probe_pods(s)
                churn_s = args.duration + 120  # the clients' start is inside the window
                churn_body = {"rate": args.rate, "basis": args.basis, "duration": churn_s}
                await sim_call(s, "POST", "/_sim/churn", churn_body)
                got = [0] * args.clients
                warm = Warmup(args.clients)
                tasks = [
                    asyncio.create_task(client(http, i, got, warm)) for i in range(args.clients)
                ]
                probe_ws = await subscribe_probe(http)
                t0 = time.monotonic()
                tasks.append(
                    asyncio.create_task(sample_rss(sim, mh, args.sample_every, t0, samples))
                )
                tasks.append(asyncio.create_task(sample_queues(http, samples)))
                tasks.append(
                    asyncio.create_task(
                        sample_warm(mh, http, warm, t0, samples, args.trace_memory > 0)
                    )
                )
                probe = Probe(s, probe_ws, candidates)
                # First half without the slow consumer (the baseline), second half with it.
                await probe.run(args.duration / 2, out["baseline_latency_ms"])
                slow = await http.ws_connect("/api/v1/live")  # never read
                for n, (view, query) in enumerate(SUBSCRIPTIONS if args.slow_consumer else ()):
                    sub = {"op": "subscribe", "sub": f"s{n}", "cluster": CLUSTER, "view": view}
                    await slow.send_json(
                        sub | {"query": query, "window": {"offset": 0, "limit": 500}}
                    )
                await probe.run(args.duration / 2, out["latency_ms"])
                samples.masthead_rss.append((round(time.monotonic() - t0, 1), mh.rss_mb()))
                samples.sim_rss.append((round(time.monotonic() - t0, 1), sim.rss_mb()))
                diag = await diagnostics(http)
                # What grew since warm, by line and (traced) by call path.
                groups = (("lineno", 40), ("traceback", 15)) if args.trace_memory else ()
                out["memory"] = memory_block(
                    samples.warm_memory,
                    [
                        await memory_trace(http, mark=False, top=top, group=group)
                        for group, top in groups or (("lineno", 1),)
                    ],
                )
                churn = await sim_call(s, "DELETE", "/_sim/churn")
                await slow.close()
                await probe_ws.close()
            finally:
                for t in tasks:
                    t.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
    live = diag["live"]
    out.update(
        pods=world.pods,
        samples=samples,
        frames_per_client=sorted(got),
        changes=probe.changes,
        lost=probe.lost,
        probe_pods_gone=probe.gone,
        frames_dropped=live["frames_dropped"],
        frames_sent=live["frames_sent"],
        coalesced=live["coalesced"],
        relists=diag["registry"]["clusters"][0]["load"]["relists"],
        loop=diag.get("loop"),
        items={"warm": samples.warm_items, "end": source_items(diag)},
        churn_achieved_per_s=churn.get("achievedRate"),
        churn_stored_per_s=churn.get("storedRate"),
    )
    return out


def _growth(rss: list[tuple[float, float]]) -> float:
    return 100 * (rss[-1][1] - rss[0][1]) / rss[0][1]


def _growth_from(smp: Samples) -> dict[str, float | None]:
    """Growth to the last sample from sync (all subscribed: the windows not built yet) and
    from warm (every window's first frame received). The target uses warm: building 500
    windows' pages and sort orders is the working set the load asks for, paid once; growth
    after it is what a leak or an unbounded cache would show."""
    end = smp.masthead_rss[-1][1]
    warm = smp.warm_rss
    steady = steady_growth(smp.masthead_rss)
    return {
        "from_sync": round(_growth(smp.masthead_rss), 1),
        "from_warm": None if warm is None else round(100 * (end - warm[1]) / warm[1], 1),
        "steady": None if steady is None else round(steady, 1),
    }


def steady_growth(rss: list[tuple[float, float]], since: float = STEADY_S) -> float | None:
    """Growth over the samples from `since` on, read from their least-squares line (its rise
    over their span, in % of their mean): what a leak shows, without the working set built in
    the first minutes or the trims' sawtooth. None with fewer than 3 samples."""
    points = [(t, mb) for t, mb in rss if t >= since]
    if len(points) < 3:
        return None
    mean_t = statistics.fmean(t for t, _ in points)
    mean_mb = statistics.fmean(mb for _, mb in points)
    spread = sum((t - mean_t) ** 2 for t, _ in points)
    if spread == 0:
        return None
    slope = sum((t - mean_t) * (mb - mean_mb) for t, mb in points) / spread
    return 100 * slope * (points[-1][0] - points[0][0]) / mean_mb


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {q: round(pct(values, v), 1) for q, v in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))}


def report(args: argparse.Namespace, out: dict[str, Any]) -> dict[str, Any]:
    smp: Samples = out["samples"]
    lat, base = out["latency_ms"], out["baseline_latency_ms"]
    frames = out["frames_per_client"]
    return {
        "scenario": args.scenario,
        "pods": out["pods"],
        "clients": args.clients,
        "subscriptions": args.clients * len(SUBSCRIPTIONS),
        "rate": args.rate,
        "basis": args.basis,
        # the driver's own writes/s and every write the simulator applied (driver +
        # controllers, lease renewals included): what the watchers saw
        "churn_achieved_per_s": out["churn_achieved_per_s"],
        "churn_stored_per_s": out.get("churn_stored_per_s"),
        "duration_s": args.duration,
        "masthead_sync_s": out["sync_s"],
        "changes_probed": out["changes"],
        "frames_answered": len(lat) + len(base),
        "probes_lost": out["lost"],  # no frame within PROBE_TIMEOUT: not in the percentiles
        "probe_timeout_s": PROBE_TIMEOUT,
        "probe_pods_gone": out["probe_pods_gone"],
        "relists": out["relists"],  # masthead's since start (a relist delays frames)
        # masthead's event loop lag (diagnostics `loop`): a trim or a page build holding it.
        "loop": out["loop"],
        "items": out["items"],  # masthead's rows per resource at warm and at the end
        # Without the slow consumer (first half) and with it (second half): it must not matter.
        "baseline_latency_ms": percentiles(base),
        "latency_ms": percentiles(lat),
        "slow_consumer_p95_ratio": round(pct(lat, 0.95) / pct(base, 0.95), 2)
        if lat and base
        else None,
        "max_queue_depth": smp.max_queue_depth,
        "max_queue_bytes": smp.max_queue_bytes,
        "diagnostics_samples": smp.diagnostics,
        "frames_sent": out["frames_sent"],
        "frames_dropped": out["frames_dropped"],
        "frames_coalesced": out["coalesced"],
        "slow_consumer_socket": smp.slow_socket,
        "frames_per_client": {"min": frames[0], "max": frames[-1]} if frames else {},
        "masthead_rss_mb": {
            "start": round(smp.masthead_rss[0][1], 1),
            "end": round(smp.masthead_rss[-1][1], 1),
            "max": round(max(v for _, v in smp.masthead_rss), 1),
            "warm": smp.warm_rss,
            "growth_pct": _growth_from(smp),
            "samples": [(t, round(v, 1)) for t, v in smp.masthead_rss],
        },
        "sim_rss_mb": {
            "start": round(smp.sim_rss[0][1], 1),
            "end": round(smp.sim_rss[-1][1], 1),
            "samples": [(t, round(v, 1)) for t, v in smp.sim_rss],
        },
        # masthead's memory diagnostics at warm and at the end; with --trace-memory the
        # allocations grown between (not a figure: tracemalloc's own is in that run's RSS).
        "memory": out.get("memory"),
    }


def figures(args: argparse.Namespace, out: dict[str, Any]) -> list[Figure]:
    scenario = (
        f"ws-load-{args.scenario}-{args.clients}x{len(SUBSCRIPTIONS)}, "
        f"churn {args.rate:g}/s ({args.basis} writes)"
    )
    lat, base = out["latency_ms"], out["baseline_latency_ms"]
    smp: Samples = out["samples"]

    def one(fid: str, unit: str, values: list[float]) -> Figure:
        return Figure(fid, scenario, unit, [round(v, 2) for v in values])

    return [
        one("ws_load_frame_p95_ms", "ms", [pct(lat, 0.95)] if lat else []),
        one("ws_load_frame_p99_ms", "ms", [pct(lat, 0.99)] if lat else []),
        one("ws_load_frame_p99_ms.baseline", "ms", [pct(base, 0.99)] if base else []),
        one("ws_load_frames_dropped", "frames", [float(out["frames_dropped"])]),
        one("ws_load_max_queue_depth", "frames", [float(smp.max_queue_depth)]),
        one("ws_load_rss_growth_pct", "%", [_growth(smp.masthead_rss)]),
        *(
            [one("ws_load_rss_growth_pct.from_warm", "%", [warm])]
            if (warm := _growth_from(smp)["from_warm"]) is not None
            else []
        ),
        *(
            [one("ws_load_rss_growth_pct.steady", "%", [steady])]
            if (steady := _growth_from(smp)["steady"]) is not None
            else []
        ),
        one("ws_load_rss_mb", "MB", [smp.masthead_rss[-1][1]]),
        one("ws_load_sim_rss_mb", "MB", [smp.sim_rss[-1][1]]),
        *_ten_minutes(scenario, smp),
    ]


def _ten_minutes(scenario: str, smp: Samples) -> list[Figure]:
    """`rss.growth_10min` (benchmarks.md) from a run of 10 minutes or more: from warm (every
    window's first frame; see `_growth_from`) to the first sample 10 minutes after all
    subscribed; `.from_sync` from all subscribed."""
    rss = smp.masthead_rss
    later = [(t, v) for t, v in rss if t >= TEN_MIN_S]
    if not later:
        return []
    t_end, end = later[0]
    where = f"{scenario}, masthead's process, to {t_end:.0f} s from all subscribed"
    out = [
        Figure(
            "rss.growth_10min.from_sync",
            where,
            "%",
            [round(100 * (end - rss[0][1]) / rss[0][1], 2)],
        )
    ]
    if smp.warm_rss is not None:
        t_warm, warm = smp.warm_rss
        out.append(
            Figure(
                "rss.growth_10min",
                f"{where}, from warm ({t_warm:.0f} s)",
                "%",
                [round(100 * (end - warm) / warm, 2)],
            )
        )
    return out


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--clients", type=int, default=100)
    p.add_argument("--scenario", default="small", choices=("demo", "small", "large", "huge"))
    p.add_argument("--rate", type=float, default=1000.0, help="churn writes/s (see --basis)")
    p.add_argument(
        "--basis",
        default="stored",
        choices=("stored", "driver"),
        help="what --rate counts: every write the simulator applies (stored: the driver's and "
        "its controllers' reactions, what a watcher sees as changes; default) or the churn "
        "driver's own writes (driver: each cascades into 3-4 stored writes at large)",
    )
    p.add_argument("--duration", type=float, default=60.0, help="seconds (bounded)")
    p.add_argument("--sample-every", type=float, default=60.0, help="RSS sample period, s")
    p.add_argument("--no-results", action="store_true", help="print only, write no JSON")
    p.add_argument(
        "--malloc-trim",
        type=float,
        default=None,
        metavar="SECONDS",
        help="masthead's --malloc-trim-interval (0: never; default: masthead's own), for an "
        "A/B of the periodic trim",
    )
    p.add_argument(
        "--trace-memory",
        type=int,
        default=0,
        metavar="FRAMES",
        help="run masthead under tracemalloc (FRAMES per allocation, 1-64): the summary gets "
        "what grew from warm to the end by line and call path; no figures are written (the "
        "RSS includes tracemalloc's own)",
    )
    p.add_argument(
        "--no-slow-consumer",
        dest="slow_consumer",
        action="store_false",
        help="the second half without the slow consumer too (an A/B check of its effect)",
    )
    args = p.parse_args(argv)
    if not 0 < args.duration <= 4 * 3600:
        p.error("--duration must be in (0, 14400] seconds")
    if not 0 < args.sample_every <= args.duration:
        p.error("--sample-every must be in (0, --duration] seconds")
    if not 1 <= args.clients <= 1000:
        p.error("--clients must be in [1, 1000]")
    if not 0 < args.rate <= 5000:
        p.error("--rate must be in (0, 5000] writes/s")
    if not 0 <= args.trace_memory <= 64:
        p.error("--trace-memory must be in [0, 64] frames")
    return args


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse(argv)
    out = asyncio.run(measure(args))
    summary = report(args, out)
    text = orjson.dumps(summary, option=orjson.OPT_INDENT_2)
    print(text.decode())
    if not args.no_results and not args.trace_memory:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y-%m-%dT%H%M%SZ", time.gmtime())
        (RESULTS_DIR / f"ws_load-{stamp}.json").write_bytes(text)
        print("results:", write_results(figures(args, out)))
    return summary


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
