"""Recovery: from a fault to masthead being live again, on a churning simulator world.

    python -m bench.recovery [--mode smoke|quick|full]

masthead runs as its own process (`masthead --kubeconfig … --port 0`) with a pods-view
subscription open; the simulator (its own process) churns throughout. Each fault comes from the
simulator's fault API, except the sleep, which freezes masthead's process:

- `recovery.watch_drop_s`: every open watch is reset (`drop-watches`);
- `recovery.410_storm_s`: `force-410` in force, then every watch reset, so each re-watch is
  answered 410 Expired and must re-list;
- `recovery.server_down_s`: the API server refuses connections (`down`) for a while; timed from
  the moment it answers again (the outage itself is not masthead's time);
- `recovery.sleep_s`: masthead is stopped (SIGSTOP) while the world churns, as a laptop
  sleeps, then continued (SIGCONT); timed from SIGCONT.

Faults come `spacing_s` apart (from one's recovery to the next), so masthead's escalating
backoff for faults in quick succession is not what is measured; `--back-to-back` runs them
with no gap (the scenario says which).

"Live again" is: every source of the cluster `live` and a marker pod, created right after the
fault (during the freeze for the sleep), in the pods view — so a reconnected but not yet caught
up watch does not count. After each fault the churn pauses and masthead's pods source must hold as
many rows as the simulator held at the source's resourceVersion (the pages converge), else the
figure fails with the counts and the pods that differ (bench/pod_diff.py). Peer: the Python
client's watch (re-opened from its last resourceVersion, re-listed on 410) seeing the same
marker, in the same runs; kubectl does not re-establish a `get -w` at all, so it is not a peer.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson

from bench.peers.py_watch import MARK_PREFIX
from bench.pod_diff import PodEventLog, explain, masthead_pods_at
from bench.results_format import Figure
from bench.stack import (
    REPO,
    Masthead,
    PodsSubscription,
    SimWorld,
    World,
    all_live,
    cluster_detail,
    pods_page,
    sim_call,
    wait_synced,
)

POLL_S = 0.05
RECOVERY_TIMEOUT_S = 120.0
CONVERGE_TIMEOUT_S = 60.0
PEER_TIMEOUT_S = 30.0
MARK_NAMESPACE = "default"
PARTIAL_METADATA = "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io"


@dataclass(frozen=True)
class Params:
    world: World
    churn_per_s: float
    down_s: float
    sleep_s: float
    runs: int
    # Quiet time from one recovery to the next fault. masthead escalates its backoff for
    # faults in quick succession (an incident, ADR 001 §9); spaced faults time recovery, not
    # the escalation. 0: back to back.
    spacing_s: float


MODES = {
    "smoke": Params(World(20, 5, 5, 5), 5, down_s=2, sleep_s=2, runs=1, spacing_s=0),
    # One round: `make bench-quick` has 6 minutes; 12 s between faults are most of a round.
    "quick": Params(World(115, 8, 20, 20), 20, down_s=5, sleep_s=5, runs=1, spacing_s=12),
    # Two rounds of the four faults, 12 s apart, with the server down 30 s: ~4 min (three
    # took 703 s of the first 55-minute full run; `make bench` has 30).
    "full": Params(World(1000, 10, 200, 100), 100, down_s=30, sleep_s=10, runs=2, spacing_s=12),
}
FAULTS = ("watch_drop", "410_storm", "server_down", "sleep")


def _log(msg: str) -> None:
    print(f"[recovery] {msg}", file=sys.stderr, flush=True)


class PeerWatch:
    """The Python client's pod watch in a child process; when it saw each marker (wall clock)."""

    def __init__(self, kubeconfig: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.peers.py_watch", kubeconfig],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.added: dict[str, float] = {}
        self.ready = threading.Event()
        self.reconnects = 0
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            doc = orjson.loads(line)
            if "ready" in doc:
                self.ready.set()
            elif "added" in doc:
                self.added.setdefault(doc["added"], doc["t"])
            elif "reconnect" in doc:
                self.reconnects += 1

    async def seen(self, name: str, since: float) -> float | None:
        """Seconds from `since` (wall clock) until the peer saw `name`; None past the budget."""
        deadline = time.monotonic() + PEER_TIMEOUT_S
        while time.monotonic() < deadline:
            t = self.added.get(name)
            if t is not None:
                return max(0.0, t - since)
            await asyncio.sleep(POLL_S)
        return None

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


async def create_marker(s: aiohttp.ClientSession, name: str) -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {"containers": [{"name": "c", "image": "registry.k8s.io/pause:3.10"}]},
    }
    await sim_call(s, "POST", f"/api/v1/namespaces/{MARK_NAMESPACE}/pods", pod)


async def wait_live_with(http: aiohttp.ClientSession, marker: str) -> None:
    """Until every source is live and the marker pod is in the pods view."""
    async with asyncio.timeout(RECOVERY_TIMEOUT_S):
        while True:
            with contextlib.suppress(aiohttp.ClientError):
                page = await pods_page(http, q=marker, limit="1")
                if page.get("total", 0) >= 1 and all_live(await cluster_detail(http)):
                    return
            await asyncio.sleep(POLL_S)


async def sim_pods_listed(s: aiohttp.ClientSession, resource_version: str = "") -> tuple[int, int]:
    """(pods, the newest resourceVersion among them) the simulator holds now, or held exactly
    at `resource_version` (a consistent snapshot of the past, served from its watch
    history)."""
    n, newest, cont = 0, 0, ""
    exact = {"resourceVersion": resource_version, "resourceVersionMatch": "Exact"}
    while True:
        first = exact if resource_version else {}
        params = {"limit": "500", **({"continue": cont} if cont else first)}
        async with s.get("/api/v1/pods", params=params, headers={"Accept": PARTIAL_METADATA}) as r:
            doc = await r.json()
            if r.status != 200:
                raise RuntimeError(f"LIST pods at {resource_version!r}: {r.status} {doc}")
        n += len(doc["items"])
        newest = max([newest, *(int(i["metadata"]["resourceVersion"]) for i in doc["items"])])
        cont = doc["metadata"].get("continue") or ""
        if not cont:
            return n, newest


async def converged(
    s: aiohttp.ClientSession, http: aiohttp.ClientSession, bound_s: float = CONVERGE_TIMEOUT_S
) -> str | None:
    """With the churn paused: None once masthead's pods source is caught up (it has seen
    every pod the simulator held when the check began) and holds as many rows as the
    simulator held at the source's own resourceVersion; else why not after `bound_s`.
    Compared at one version, not "now" on both sides: the simulator's controllers go on
    creating and deleting pods for minutes after the churn stops at 10k pods, and two counts
    taken a moment apart differ by the writes in between (a paged count of 12k pods takes
    seconds) — what the first full runs reported as lost rows."""
    deadline = time.monotonic() + bound_s
    _, floor = await sim_pods_listed(s)
    why = "masthead's pods source has no resourceVersion"
    while True:  # at least one comparison, however long the first list took
        at = await masthead_pods_at(http)
        if at is not None:
            rv, got = at
            if int(rv) < floor:
                why = f"masthead's pods source is at resourceVersion {rv}, behind {floor}"
            else:
                want, _ = await sim_pods_listed(s, rv)
                if want == got:
                    return None
                why = f"masthead holds {got} pods at resourceVersion {rv}, the simulator {want}"
        if time.monotonic() >= deadline:
            return f"pages did not converge: {why}"
        await asyncio.sleep(0.2)


async def wait_listening(s: aiohttp.ClientSession) -> None:
    """Until the simulator answers again after `down` (polled every 20 ms)."""
    async with asyncio.timeout(RECOVERY_TIMEOUT_S):
        while True:
            with contextlib.suppress(aiohttp.ClientError, OSError):
                async with s.get("/livez") as r:
                    if r.status == 200:
                        return
            await asyncio.sleep(0.02)


class Bench:
    def __init__(
        self, p: Params, sim: SimWorld, mh: Masthead, s: aiohttp.ClientSession, peer: PeerWatch
    ) -> None:
        self.p, self.sim, self.mh, self.s, self.peer = p, sim, mh, s, peer
        self.seq = 0
        self.marks: dict[str, float] = {}  # fault name -> when it was last inflicted

    def marker(self, fault: str) -> str:
        self.seq += 1
        return f"{MARK_PREFIX}{fault.replace('_', '-')}-{self.seq}"

    async def fault(self, name: str, marker: str) -> float:
        """Inflict fault `name`; returns the wall-clock moment recovery is timed from."""
        s = self.s
        if name == "watch_drop":
            t0 = time.time()
            await sim_call(s, "POST", "/_sim/faults/drop-watches", {})
        elif name == "410_storm":
            await sim_call(s, "POST", "/_sim/faults/force-410", {"duration": 60})
            t0 = time.time()
            await sim_call(s, "POST", "/_sim/faults/drop-watches", {})
        elif name == "server_down":
            await sim_call(s, "POST", "/_sim/faults/down", {"seconds": self.p.down_s})
            await asyncio.sleep(self.p.down_s * 0.8)
            await wait_listening(s)
            t0 = time.time()
        else:
            os.kill(self.mh.proc.pid, signal.SIGSTOP)
            try:
                await asyncio.sleep(self.p.sleep_s)
                await create_marker(s, marker)
            finally:
                t0 = time.time()
                os.kill(self.mh.proc.pid, signal.SIGCONT)
            return t0
        await create_marker(s, marker)
        return t0

    async def one(self, name: str, http: aiohttp.ClientSession) -> tuple[float, float | None]:
        marker = self.marker(name)
        self.marks[name] = time.time()
        t0 = await self.fault(name, marker)
        await wait_live_with(http, marker)
        seconds = time.time() - t0
        peer = None if name == "sleep" else await self.peer.seen(marker, t0)
        if name == "410_storm":
            await sim_call(self.s, "DELETE", "/_sim/faults/force-410")
        return seconds, peer


async def _churn(s: aiohttp.ClientSession, rate: float) -> None:
    await sim_call(s, "POST", "/_sim/churn", {"rate": rate, "duration": 3600})


async def measure(
    p: Params, faults: tuple[str, ...] = FAULTS, compare_uids: bool = False
) -> dict[str, Any]:
    """`compare_uids`: after each converged fault also compare the pods uid by uid (the
    first line of `explain`), which the count alone cannot (a ghost and a missing pod)."""
    times: dict[str, list[float]] = {f: [] for f in faults}
    peer_times: dict[str, list[float | None]] = {f: [] for f in faults}
    failures: dict[str, str] = {}
    with SimWorld(p.world) as sim, Masthead(sim.kubeconfig) as mh:
        peer = PeerWatch(sim.kubeconfig)
        async with sim.session() as s, mh.session() as http:
            sub = PodsSubscription(http)
            holder = asyncio.create_task(sub.run())
            events = PodEventLog(s)
            recorder = asyncio.create_task(events.run())
            try:
                await wait_synced(http, p.world.pods, timeout=600)
                _log("masthead synced")
                if not await asyncio.to_thread(peer.ready.wait, 60):
                    _log("the Python watch peer is not ready after 60 s")
                bench = Bench(p, sim, mh, s, peer)
                quiet_since = time.monotonic()
                for _ in range(p.runs):  # interleaved: machine drift hits every fault alike
                    for name in faults:
                        if name in failures:
                            continue
                        await asyncio.sleep(max(0.0, quiet_since + p.spacing_s - time.monotonic()))
                        await _churn(s, p.churn_per_s)
                        await asyncio.sleep(1)  # the fault lands on a churning world
                        try:
                            seconds, peer_s = await bench.one(name, http)
                        except TimeoutError:
                            failures[name] = f"not live within {RECOVERY_TIMEOUT_S:.0f} s"
                            await wait_listening(s)
                            await sim_call(s, "DELETE", "/_sim/faults")  # the next starts clean
                            continue
                        finally:
                            await sim_call(s, "DELETE", "/_sim/churn")
                        _log(f"{name}: live; checking the pages converge")
                        why = await converged(s, http)
                        quiet_since = time.monotonic()
                        if why:
                            failures[name] = why
                            _log(f"{name}: {why}\n{await explain(s, http, events, bench.marks)}")
                            continue
                        times[name].append(seconds)
                        if compare_uids:
                            summary = await explain(s, http, events, bench.marks)
                            _log(f"{name}: {summary.splitlines()[0]}")
                        _log(f"{name}: {seconds:.3f} s (peer {peer_s})")
                        peer_times[name].append(peer_s)
            finally:
                for task in (holder, recorder):
                    task.cancel()
                # aiohttp may turn the cancellation of a read into a TimeoutError
                await asyncio.gather(holder, recorder, return_exceptions=True)
                peer.close()
    return {"times": times, "peer": peer_times, "failures": failures}


def figures(p: Params, r: dict[str, Any]) -> list[Figure]:
    spaced = f"faults {p.spacing_s:g} s apart" if p.spacing_s else "faults back to back"
    base = f"{p.world.label}, churn {p.churn_per_s:g}/s, {spaced}"
    scenario = {
        "watch_drop": base,
        "410_storm": f"{base}, every re-watch 410",
        "server_down": f"{base}, down {p.down_s:g} s, from its return",
        "sleep": f"{base}, SIGSTOP {p.sleep_s:g} s, from SIGCONT",
    }
    out = []
    for name, values in r["times"].items():
        fig = Figure(f"recovery.{name}_s", scenario[name], "s", [round(v, 3) for v in values])
        fig.failed = r["failures"].get(name)
        if name != "sleep":
            seen = [v for v in r["peer"][name] if v is not None]
            if seen and len(seen) == len(r["peer"][name]):
                fig.peers["python-kubernetes"] = [round(v, 3) for v in seen]
            elif r["peer"][name]:
                fig.peers["python-kubernetes"] = (
                    f"saw the marker in {len(seen)} of {len(r['peer'][name])} runs "
                    f"within {PEER_TIMEOUT_S:.0f} s"
                )
        out.append(fig)
    return out


def run(mode: str) -> list[Figure]:
    p = MODES[mode]
    return figures(p, asyncio.run(measure(p)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", default="quick", choices=tuple(MODES))
    ap.add_argument("--fault", action="append", choices=FAULTS, help="only these faults")
    ap.add_argument("--back-to-back", action="store_true", help="no quiet time between faults")
    ap.add_argument(
        "--compare-uids", action="store_true", help="after each fault, the pods uid by uid"
    )
    args = ap.parse_args()
    p = MODES[args.mode]
    if args.back_to_back:
        p = dataclasses.replace(p, spacing_s=0)
    result = asyncio.run(measure(p, tuple(args.fault or FAULTS), args.compare_uids))
    for f in figures(p, result):
        print(orjson.dumps(f.to_json()).decode())


if __name__ == "__main__":
    main()
