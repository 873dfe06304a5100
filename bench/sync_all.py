"""Initial sync of the whole dashboard: masthead started on a simulator scenario → every source
live (`sync.all`), idle and under churn, and for the simulator's restricted user.

    python -m bench.sync_all [--mode smoke|quick|full|huge]

Each run starts a fresh masthead process (bench/stack.py) against one simulator world (its own
process, built once per mode), asks for every view's first row at once (as the UI's overview
opens its windows together; a view's sources start on its first request) and polls
`GET /api/v1/clusters/<id>` every POLL_S until every source is settled: `live`, or `forbidden`
for the restricted user (a source it may not read is final, not pending). Times are from the
process start (Python start-up included, ~1 s) because masthead connects as it starts. Rounds
interleave the variants (idle, churn 100/s, churn 1,000/s; the churn runs inside the simulator,
`/_sim/churn`) so machine drift hits each alike. The log names the sources that went live last,
and the simulator's and masthead's CPU seconds during the run (which of the two was busy).

Figures: `sync.all`, `sync.pods` (the pods sources live, from the same runs: the server's own
path, beside bench/peer_sync.py's reflector-only child), `rss.after_sync_all_mb` (masthead's
whole process once synced) and `http.page.p95` (a 50-row pods page by name, over HTTP, once
synced). The peer of `sync.all` and its RSS, in the idle variant, each round beside
masthead's run (order alternating): `kubectl get <every listable kind> -A -o json
--chunk-size=500 > /dev/null` (client-go; its peak RSS), within a 60 s budget over its runs
(bench/peers/budget.py) and a 6 GB cap.

The restricted variant (`restricted` scenario: 50 namespaces granted to the user,
cluster-scoped kinds forbidden) starts masthead with `--context restricted --namespaces` the
namespaces the simulator's RBAC grants, as its user would configure them; it has no peer
(kubectl as that user fails on every cluster-scoped kind).

`huge` (300k pods) is its own mode, not in `make bench`: building the world alone takes
minutes and ~6 GB, beyond the full run's 30-minute budget on 2 cores. `mid` is `large`'s shape at
a fifth of its pods (20k), for profiling and A/B runs in minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson

from bench.api_pages import pct
from bench.api_pages_large import cpu_seconds
from bench.peers.budget import ContenderBudget
from bench.peers.runner import PeerFailed, kubectl_get_all, listable_kinds
from bench.results_format import Figure
from bench.stack import (
    CLUSTER,
    SCENARIO_WORLDS,
    Masthead,
    SimWorld,
    World,
    cluster_detail,
    sim_call,
    view_page,
)

POLL_S = 0.1
SYNC_TIMEOUT_S = 600.0
PAGE_REQUESTS = 40
SETTLED = frozenset({"live", "forbidden"})
RESTRICTED_CONTEXT = "restricted"
RESTRICTED_USER = "jane"  # masthead.sim.app.RESTRICTED_USER
RBAC = "/apis/rbac.authorization.k8s.io/v1"
BROWSE = "browse"  # the generic view of one resource, not a kind of its own
PEER = "kubectl"
PEER_BUDGET_S = 60.0  # all of the peer's runs (bench/peer_sync.py's per-contender budget)
PEER_RSS_CAP_MB = 6_000.0  # the machine is shared


@dataclass(frozen=True)
class Params:
    world: World
    rounds: int
    churn: tuple[float, ...]  # 0: idle
    restricted: World | None
    restricted_rounds: int


MODES = {
    "smoke": Params(World(20, 5, 5, 5), 1, (0, 20), World(20, 5, 5, 10, "restricted"), 1),
    "quick": Params(SCENARIO_WORLDS["small"], 2, (0, 100), SCENARIO_WORLDS["restricted"], 2),
    # One round, idle and the top churn: a sync of `large` takes ~1-1.5 min on 2 cores (the
    # first full run's three variants, 100/s included, took 7 of its 30 minutes).
    "full": Params(SCENARIO_WORLDS["large"], 1, (0, 1000), SCENARIO_WORLDS["restricted"], 3),
    "mid": Params(World(2_000, 10, 400, 100, "large"), 3, (0,), None, 0),
    "huge": Params(SCENARIO_WORLDS["huge"], 1, (0,), None, 0),
}


def _log(msg: str) -> None:
    print(f"[sync_all] {msg}", file=sys.stderr, flush=True)


def _settled(detail: dict[str, Any]) -> bool:
    sources = detail.get("sources") or []
    return any(s["state"] == "live" for s in sources) and all(
        s["state"] in SETTLED for s in sources
    )


def _pods_live(detail: dict[str, Any]) -> bool:
    pods = [s for s in detail.get("sources") or [] if s["resource"] == "pods"]
    return bool(pods) and all(s["state"] == "live" for s in pods)


@dataclass
class Run:
    seconds: float
    pods_s: float
    rss_mb: float
    pods: int
    sources: dict[str, int]  # by state
    views: int
    page_ms: list[float]
    last_live: list[tuple[str, float]]  # the sources that went live last, seconds from start
    cpu_s: tuple[float, float]  # masthead's and the simulator's CPU seconds during the run


@dataclass
class Progress:
    """What polling the cluster saw, independently of the view requests (a first page may
    wait for its sources a while): when the pods sources were all live, when each source
    first was."""

    t0: float
    pods_s: float | None = None
    live_s: dict[str, float] = field(default_factory=dict)  # source id -> seconds

    async def follow(self, http: aiohttp.ClientSession, cluster: str) -> None:
        while True:
            with contextlib.suppress(aiohttp.ClientError):
                detail = await cluster_detail(http, cluster)
                now = time.monotonic() - self.t0
                if self.pods_s is None and _pods_live(detail):
                    self.pods_s = now
                for s in detail.get("sources") or []:
                    if s["state"] == "live":
                        self.live_s.setdefault(s["id"], now)
            await asyncio.sleep(POLL_S)

    def last(self, n: int = 3) -> list[tuple[str, float]]:
        return sorted(self.live_s.items(), key=lambda kv: kv[1])[-n:]


async def _page_latencies(http: aiohttp.ClientSession, cluster: str) -> list[float]:
    out = []
    for i in range(PAGE_REQUESTS):
        started = time.perf_counter()
        page = await view_page(
            http, "pods", cluster, sort="name", limit="50", offset=str((i * 997) % 500)
        )
        out.append((time.perf_counter() - started) * 1000)
        if "rows" not in page:
            raise RuntimeError(f"pods page failed: {page}")
    return out


async def view_names(http: aiohttp.ClientSession) -> list[str]:
    async with http.get("/api/v1/views") as r:
        r.raise_for_status()
        return [v["name"] for v in await r.json() if v["name"] != BROWSE]


async def open_views(http: aiohttp.ClientSession, cluster: str, pending: set[str]) -> None:
    """Ask for the first row of each view not yet answered, all at once as the UI's overview
    does: masthead opens a resource's sources when a view is asked for once the cluster is
    connected (503 before)."""

    async def first_row(name: str) -> None:
        async with http.get(f"/api/v1/clusters/{cluster}/views/{name}?limit=1") as r:
            if r.status in (200, 403):  # 403: every scope forbidden — settled, too
                pending.discard(name)

    await asyncio.gather(*(first_row(name) for name in sorted(pending)))


async def sync_once(
    sim: SimWorld, min_pods: int, context: str | None = None, extra: list[str] | None = None
) -> Run:
    cluster = context or CLUSTER
    t0 = time.monotonic()
    sim_cpu = cpu_seconds(sim.proc.pid)
    progress = Progress(t0)
    with Masthead(sim.kubeconfig, context=context, extra_args=extra or []) as mh:
        async with mh.session() as http:
            views = await view_names(http)
            pending = set(views)
            follower = asyncio.create_task(progress.follow(http, cluster))
            try:
                async with asyncio.timeout(SYNC_TIMEOUT_S):
                    while True:
                        with contextlib.suppress(aiohttp.ClientError):
                            await open_views(http, cluster, pending)
                            detail = await cluster_detail(http, cluster)
                            if progress.pods_s is not None and not pending and _settled(detail):
                                seconds = time.monotonic() - t0
                                page = await view_page(http, "pods", cluster, limit="1")
                                if page["total"] >= min_pods:
                                    break
                        await asyncio.sleep(POLL_S)
            finally:
                follower.cancel()
            pods_s, total = progress.pods_s, page["total"]
            cpu = (cpu_seconds(mh.proc.pid), cpu_seconds(sim.proc.pid) - sim_cpu)
            assert pods_s is not None
            rss = mh.rss_mb()
            states: dict[str, int] = {}
            for s in detail["sources"]:
                states[s["state"]] = states.get(s["state"], 0) + 1
            page_ms = await _page_latencies(http, cluster)
            return Run(
                seconds, pods_s, rss, total, states, len(views), page_ms, progress.last(), cpu
            )


def _last(run: Run) -> str:
    return ", ".join(f"{source} {t:.1f} s" for source, t in run.last_live)


async def restricted_namespaces(sim: SimWorld) -> list[str]:
    """The namespaces the simulator's RBAC grants the restricted user (its role bindings)."""
    async with sim.session() as s:
        doc = await sim_call(s, "GET", f"{RBAC}/rolebindings")
    return sorted(
        {
            b["metadata"]["namespace"]
            for b in doc["items"]
            if any(x.get("name") == RESTRICTED_USER for x in b.get("subjects") or [])
        }
    )


async def _with_churn(sim: SimWorld, rate: float, run: Any) -> Run:
    if not rate:
        result: Run = await run
        return result
    async with sim.session() as s:
        await sim_call(s, "POST", "/_sim/churn", {"rate": rate, "duration": SYNC_TIMEOUT_S})
        try:
            result = await run
        finally:
            await sim_call(s, "DELETE", "/_sim/churn")
    return result


def _figures(scenario: str, runs: list[Run], failed: str | None) -> list[Figure]:
    def fig(fid: str, unit: str, values: list[float]) -> Figure:
        return Figure(fid, scenario, unit, [round(v, 3) for v in values], failed=failed)

    return [
        fig("sync.all", "s", [r.seconds for r in runs]),
        fig("sync.pods", "s", [r.pods_s for r in runs]),
        fig("rss.after_sync_all_mb", "MB", [r.rss_mb for r in runs]),
        fig("http.page.p95", "ms", [pct(r.page_ms, 0.95) for r in runs]),
    ]


@dataclass
class PeerRuns:
    """The `sync.all` peer's runs: seconds and peak RSS each, or why it failed."""

    kinds: list[str]
    budget: ContenderBudget
    seconds: list[float]
    rss_mb: list[float]
    failed: str | None = None

    def run(self, sim: SimWorld, round_no: int) -> None:
        timeout = self.budget.next_run_s(PEER)
        if self.failed or timeout is None:
            return
        try:
            got = kubectl_get_all(sim.kubeconfig, self.kinds, timeout, PEER_RSS_CAP_MB)
        except PeerFailed as e:
            self.failed = f"round {round_no}: {e}"
            _log(f"round {round_no} {PEER}: FAILED {e}")
            return
        self.budget.ran(PEER, got["wall_s"])
        self.seconds.append(round(got["seconds"], 3))
        self.rss_mb.append(round(got["rss_mb"], 1))
        _log(f"round {round_no} {PEER}: {got['seconds']:.1f} s, {got['rss_mb']:.0f} MB")

    def add_to(self, figures: list[Figure]) -> None:
        by_id = {f.id: f for f in figures}
        if self.failed or not self.seconds:
            why = self.failed or f"no run within its {PEER_BUDGET_S:.0f} s budget"
            by_id["sync.all"].peers[PEER] = by_id["rss.after_sync_all_mb"].peers[PEER] = why
            return
        by_id["sync.all"].peers[PEER] = self.seconds
        by_id["rss.after_sync_all_mb"].peers[PEER] = self.rss_mb


async def measure(p: Params) -> list[Figure]:
    results: dict[float, list[Run]] = {rate: [] for rate in p.churn}
    failed: dict[float, str] = {}
    t = time.monotonic()
    with SimWorld(p.world) as sim:
        _log(f"{p.world.label}: simulator up in {time.monotonic() - t:.0f} s")
        budget = ContenderBudget(PEER_BUDGET_S, PEER_BUDGET_S)
        peer = PeerRuns(await asyncio.to_thread(listable_kinds, sim.kubeconfig), budget, [], [])
        for r in range(p.rounds):
            for rate in p.churn:
                if rate in failed:
                    continue
                # The peer beside masthead's idle run, first every other round (A/B, B/A).
                peer_first = not rate and r % 2 == 1
                peer_after = not rate and r % 2 == 0
                if peer_first:
                    await asyncio.to_thread(peer.run, sim, r + 1)
                try:
                    run = await _with_churn(sim, rate, sync_once(sim, p.world.pods))
                except (TimeoutError, RuntimeError) as e:
                    failed[rate] = f"round {r + 1}: {type(e).__name__}: {e}"
                    _log(f"churn {rate:g}/s: FAILED {failed[rate]}")
                    continue
                results[rate].append(run)
                _log(
                    f"round {r + 1} churn {rate:g}/s: all {run.seconds:.1f} s, pods "
                    f"{run.pods_s:.1f} s, {run.rss_mb:.0f} MB, sources {run.sources}, "
                    f"last live {_last(run)}, CPU masthead {run.cpu_s[0]:.1f} s, "
                    f"simulator {run.cpu_s[1]:.1f} s"
                )
                if peer_after:
                    await asyncio.to_thread(peer.run, sim, r + 1)
    figures = []
    for rate, runs in results.items():
        where = f"{p.world.label}, " + (f"churn {rate:g}/s" if rate else "idle")
        got = _figures(f"{where}, from process start", runs, failed.get(rate))
        if not rate:
            peer.add_to(got)
        figures += got
    if p.restricted is not None:
        figures += await measure_restricted(p.restricted, p.restricted_rounds)
    return figures


async def measure_restricted(world: World, rounds: int) -> list[Figure]:
    runs: list[Run] = []
    failed = None
    with SimWorld(world) as sim:
        namespaces = await restricted_namespaces(sim)
        extra = ["--namespaces", f"{RESTRICTED_CONTEXT}={','.join(namespaces)}"]
        for r in range(rounds):
            try:
                run = await sync_once(sim, 1, RESTRICTED_CONTEXT, extra)
            except (TimeoutError, RuntimeError) as e:
                failed = f"round {r + 1}: {type(e).__name__}: {e}"
                break
            runs.append(run)
            _log(
                f"restricted round {r + 1}: all {run.seconds:.1f} s, {run.pods} pods in "
                f"{len(namespaces)} namespaces, sources {run.sources}"
            )
    scenario = f"{world.label}, user jane: {len(namespaces)} namespaces, idle"
    return _figures(scenario, runs, failed)


def run(mode: str) -> list[Figure]:
    return asyncio.run(measure(MODES[mode]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", default="quick", choices=tuple(MODES))
    args = ap.parse_args()
    figures = run(args.mode)
    for f in figures:
        print(orjson.dumps(f.to_json()).decode())
    medians = {f"{f.id} {f.scenario}": statistics.median(f.masthead) for f in figures if f.masthead}
    _log(f"medians: {medians}")


if __name__ == "__main__":
    main()
