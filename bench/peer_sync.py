"""Pod sync against every peer, side by side in one run: time to a complete in-memory copy of
all pods (`sync.pods`) and the process's RSS after the sync (`rss.after_sync_per_10k_pods`).

    python -m bench.peer_sync [--pods 20000] [--runs 3] [--budget 90] [--contender-budget 60]
                              [--peers a,b]

One simulator (its own process, HTTPS, N realistic pods) serves every contender. Each run of
each contender is a fresh child process, so its RSS is its own: masthead's reflector
(`bench.kube_sync.child_run`, its default: WatchList when offered, else paged LIST) and the
peers of `bench.peers` (floor, kubectl, python-kubernetes, kubernetes-asyncio, lightkube,
kr8s, client-node). Runs are interleaved round by round (M A B C … then rotated by one each
round) so machine drift hits every contender alike; figures are medians over the rounds. In
full mode each contender has a 60 s budget for all its rounds: a run past it is killed and
recorded `{"failed": "over 60 s budget …"}`, and a contender whose next run would take it past
the budget (its time so far plus its last run) stops with the runs it has (`budget_stopped` in
the details; `runs` in the figure says how many).

Times start after the child's imports and include reading the kubeconfig (kubectl: timed
from outside, its process start included). RSS is the whole process after a full GC with
the pods still held (kubectl: its peak, `ru_maxrss`), divided by the pod count in 10k.

A run is killed past the per-run time budget or an RSS cap (the machine is shared); a peer
killed, crashing or syncing the wrong count is recorded as `{"failed": reason}` and is not
run again. Per-run details go to `bench/results/peer_sync-<timestamp>.json`.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

import orjson

from bench import kube_sync
from bench.peers import PEERS
from bench.peers.budget import ContenderBudget
from bench.peers.runner import PeerFailed, run_peer
from bench.results_format import RESULTS_DIR, Figure
from bench.sim_bench import start_sim

MASTHEAD = "masthead"


@dataclass(frozen=True)
class Mode:
    pods: int
    rounds: int
    run_budget_s: float  # one run is killed past it
    rss_cap_mb: float  # one run is killed past it (the machine is shared)
    contender_budget_s: float | None  # all of one contender's runs; None: every round
    peers: tuple[str, ...] = PEERS


MODES = {
    # A check that the rounds, budgets and figures work (bench/run.py --smoke); client-node is
    # left out: its first use runs `npm ci`.
    "smoke": Mode(300, 2, 60.0, 2_000.0, 60.0, ("floor", "kubectl", "python-kubernetes")),
    "quick": Mode(20_000, 3, 90.0, 6_000.0, None),
    # The whole of `make bench` must fit 30 min on 2 cores: at 100k the Python clients take
    # 85-110 s a run, kubectl and kr8s pass 10 GB after 105/167 s (the first full run spent
    # 12.5 min here with 120 s per run). 60 s per contender bounds the module at ~8 min.
    "full": Mode(100_000, 3, 60.0, 6_000.0, 60.0),
}


def _log(msg: str) -> None:
    print(f"[peer_sync] {msg}", file=sys.stderr, flush=True)


def _masthead(kubeconfig: str) -> dict[str, Any]:
    try:
        return kube_sync.child_run(kubeconfig, watch_list=True)
    except subprocess.CalledProcessError as e:
        tail = " | ".join((e.stderr or "").strip().splitlines()[-3:])
        raise PeerFailed(f"masthead exited {e.returncode}: {tail}") from e


def measure(
    pods: int,
    rounds: int,
    budget_s: float,
    rss_cap_mb: float,
    peers: tuple[str, ...] = PEERS,
    contender_budget_s: float | None = None,
) -> tuple[list[Figure], dict[str, Any]]:
    scenario = f"{pods // 1000}k-pods" if pods >= 1000 else f"{pods}-pods"
    sync = Figure("sync.pods", scenario, "s")
    rss = Figure("rss.after_sync_per_10k_pods", scenario, "MB")
    per_10k = pods / 10_000
    contenders = [MASTHEAD, *peers]
    times: dict[str, list[float]] = {c: [] for c in contenders}
    rsses: dict[str, list[float]] = {c: [] for c in contenders}
    failed: dict[str, str] = {}
    budgets = ContenderBudget(contender_budget_s, budget_s)
    details: dict[str, list[dict[str, Any]]] = {c: [] for c in contenders}
    sim = start_sim(pods)
    try:
        for r in range(rounds):
            order = contenders[r % len(contenders) :] + contenders[: r % len(contenders)]
            for name in order:
                if name in failed:
                    continue
                run_s = budgets.next_run_s(name)
                if run_s is None:
                    _log(f"round {r + 1} {name}: stopped, its {contender_budget_s} s budget spent")
                    continue
                try:
                    if name == MASTHEAD:
                        got = _masthead(sim.kubeconfig)
                    else:
                        got = run_peer(name, sim.kubeconfig, run_s, rss_cap_mb)
                    objects = got.get("objects", pods)  # kubectl prints to /dev/null
                    if objects != pods:
                        raise PeerFailed(f"synced {objects} of {pods} pods")
                except PeerFailed as e:
                    done = ", ".join(
                        f"{d['seconds']:.1f} s / {d['rss_mb']:.0f} MB" for d in details[name]
                    )
                    # Earlier runs that did complete are evidence too (a peer near the cap).
                    failed[name] = f"round {r + 1}: {e}" + (
                        f" (earlier rounds synced: {done})" if done else ""
                    )
                    _log(f"round {r + 1} {name}: FAILED {e}")
                    continue
                budgets.ran(name, got.get("wall_s", got["seconds"]))
                times[name].append(got["seconds"])
                rsses[name].append(got["rss_mb"])
                details[name].append(got)
                _log(f"round {r + 1} {name}: {got['seconds']:.2f} s, {got['rss_mb']:.0f} MB")
    finally:
        sim.close()
    if MASTHEAD in failed:
        sync.failed = rss.failed = failed[MASTHEAD]
    else:
        sync.masthead = times[MASTHEAD]
        rss.masthead = [v / per_10k for v in rsses[MASTHEAD]]
    for name in peers:
        if name in failed:
            sync.peers[name] = rss.peers[name] = failed[name]
        else:
            sync.peers[name] = times[name]
            rss.peers[name] = [v / per_10k for v in rsses[name]]
    medians = {c: statistics.median(v) for c, v in times.items() if v and c not in failed}
    extra = {
        "pods": pods,
        "rounds": rounds,
        "median_s": medians,
        "failed": failed,
        "contender_budget_s": contender_budget_s,
        "budget_stopped": sorted(budgets.stopped),
    }
    return [sync, rss], {**extra, "runs": details}


def _write_details(extra: dict[str, Any]) -> None:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y-%m-%dT%H%M%SZ", time.gmtime())
    path = RESULTS_DIR / f"peer_sync-{stamp}.json"
    path.write_bytes(orjson.dumps(extra, option=orjson.OPT_INDENT_2))
    _log(f"details: {path}")


def run(mode: str) -> list[Figure]:
    m = MODES[mode]
    figures, extra = measure(
        m.pods, m.rounds, m.run_budget_s, m.rss_cap_mb, m.peers, m.contender_budget_s
    )
    _write_details(extra)
    return figures


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--pods", type=int, default=20_000)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--budget", type=float, default=90.0, help="seconds per run before a kill")
    p.add_argument("--rss-cap", type=float, default=6_000.0, help="MB per child before a kill")
    p.add_argument("--contender-budget", type=float, help="seconds for all of one contender's runs")
    p.add_argument("--peers", help="comma-separated subset of " + ",".join(PEERS))
    args = p.parse_args()
    peers = tuple(args.peers.split(",")) if args.peers else PEERS
    figures, extra = measure(
        args.pods, args.runs, args.budget, args.rss_cap, peers, args.contender_budget
    )
    _write_details(extra)
    out = {"figures": [f.to_json() for f in figures], "median_s": extra["median_s"]}
    print(orjson.dumps(out, option=orjson.OPT_INDENT_2).decode())


if __name__ == "__main__":
    main()
