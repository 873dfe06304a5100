"""`python -m bench.run --smoke`: each end-to-end benchmark runs at a tiny size against a real
simulator and masthead, and writes the figures it promises — ids, units and sane values (the
values themselves are not judged here: performance lives in bench/, not in tests)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def smoke(module: str, tmp_path: Path, timeout: float) -> dict[str, dict[str, Any]]:
    """Run one module's smoke mode through bench.run; its figures by id."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.run", "--smoke", "--only", module, "--results-dir", tmp_path],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    doc = orjson.loads((tmp_path / "latest.json").read_bytes())
    assert doc["commit"] and doc["machine"]["cpus"] >= 1
    figures = {f["id"]: f for f in doc["figures"]}
    for f in figures.values():
        assert "failed" not in f["masthead"], f
    return figures


def median(fig: dict[str, Any]) -> float:
    value: float = fig["masthead"]["median"]
    return value


def test_api_load_counts_requests_lists_bytes_and_rss(tmp_path: Path) -> None:
    figs = smoke("api_load", tmp_path, timeout=240)
    units = {
        "api.requests_per_min": "req/min",
        "api.lists_per_hour": "lists/h",
        "api.metrics_lists_per_hour": "lists/h",
        "api.bytes_received_per_min": "kB/min",
        "rss.growth_10min": "%",
    }
    for fid, unit in units.items():
        assert figs[fid]["unit"] == unit, figs.get(fid)
    # The open pods subscription keeps the metrics poller running: its lists are in the window
    # and are the requests masthead made; they are told apart from other LISTs.
    assert median(figs["api.metrics_lists_per_hour"]) > 0
    assert median(figs["api.requests_per_min"]) > 0
    assert median(figs["api.requests_per_min.list"]) > 0
    assert median(figs["api.lists_per_hour"]) >= 0
    assert median(figs["api.bytes_received_per_min"]) > 0
    assert "extrapolated" in figs["rss.growth_10min"]["scenario"]
    assert median(figs["rss.growth_10min"]) > -100
    peers = figs["api.requests_per_min"]["peers"]
    assert set(peers) == {"kubectl", "python-kubernetes"}
    for name, p in peers.items():
        assert "failed" not in p, (name, p)
        assert p["median"] >= 0


def test_recovery_times_every_fault_and_the_python_peer(tmp_path: Path) -> None:
    figs = smoke("recovery", tmp_path, timeout=300)
    for fault in ("watch_drop", "410_storm", "server_down", "sleep"):
        fig = figs[f"recovery.{fault}_s"]
        assert fig["unit"] == "s"
        assert 0 < median(fig) < 120, fig
        if fault == "sleep":
            assert "peers" not in fig  # only masthead is frozen
            continue
        peer = fig["peers"]["python-kubernetes"]
        assert "failed" not in peer, peer
        assert peer["median"] >= 0
        assert fig["ratio"]["python-kubernetes"] > 0


def test_ui_bench_measures_first_rows_frames_heap_and_paint(tmp_path: Path) -> None:
    figs = smoke("ui_bench", tmp_path, timeout=300)
    units = {
        "ui.first_rows_ms": "ms",
        "ui.frame.p95": "ms",
        "ui.frame.p95.churn": "ms",
        "ui.frame.work.p95": "ms",
        "ui.frame.work.p95.churn": "ms",
        "ui.heap_mb": "MB",
        "ui.heap_mb.after_load": "MB",
        "live.paint.p50": "ms",
        "live.paint.p99": "ms",
    }
    for fid, unit in units.items():
        assert figs[fid]["unit"] == unit, figs.get(fid)
        assert median(figs[fid]) > 0, figs[fid]
    assert figs["ui.first_rows_ms"]["masthead"]["runs"] == 2  # one per page load
    # A frame delta is at least one vsync-ish tick and a heap holds more than a few rows.
    assert median(figs["ui.frame.p95"]) >= 1
    # Every frame keeps the main thread for some time; the dropped share is a percentage.
    assert 0 < median(figs["ui.frame.work.p50"]) <= median(figs["ui.frame.work.max"])
    assert 0 <= median(figs["ui.frame.dropped_pct.churn"]) <= 100
    assert 0.5 < median(figs["ui.heap_mb"]) < 500
    assert median(figs["live.paint.p99"]) >= median(figs["live.paint.p50"])
    # The view left open under churn: a heap sampled over the trend, its growth from the first.
    assert figs["ui.heap_mb.open_5min"]["unit"] == "MB"
    assert 0.5 < median(figs["ui.heap_mb.open_5min"]) < 500
    assert figs["ui.heap_growth_5min_pct"]["unit"] == "%"
    assert "MB every sample:" in figs["ui.heap_growth_5min_pct"]["scenario"]


def test_api_pages_large_measures_pages_304s_frames_and_cpu_under_churn(tmp_path: Path) -> None:
    figs = smoke("api_pages", tmp_path, timeout=300)
    for fid in (
        "http.page.p95",
        "http.304.p95",
        "http.304.p95.churn",
        "live.frame.p50",
        "live.frame.p95",
        "live.frame.p99",
        "live.frame.api_hop.p50",
        "live.frame.api_hop.p99",
        "live.cpu_per_frame",
    ):
        assert figs[fid]["unit"] == "ms", figs.get(fid)
        assert median(figs[fid]) > 0, figs[fid]
        assert "churn" in figs[fid]["scenario"]
    assert median(figs["live.frame.p99"]) >= median(figs["live.frame.p50"])
    # The frame's latency is the API server's hop plus masthead's share (each measured).
    for q in ("p50", "p99"):
        assert figs[f"live.frame.masthead.{q}"]["unit"] == "ms"
        assert median(figs[f"live.frame.api_hop.{q}"]) < median(figs["live.frame.p99"]) + 1
    # Pairs where the frame came before the reference process saw the change, and the lowest.
    negative = figs["live.frame.masthead.negative"]
    assert negative["unit"] == "pairs" and 0 <= median(negative) <= 10  # smoke: 10 markers
    assert figs["live.frame.masthead.min"]["unit"] == "ms"
    assert median(figs["live.frame.masthead.min"]) <= median(figs["live.frame.masthead.p50"])
    # The simulator's own loop over the markers (its /_sim/diagnostics) and its CPU share.
    assert figs["sim.loop.lag.p99.churn"]["unit"] == "ms"
    assert 0 <= median(figs["sim.loop.lag.p99.churn"]) <= median(figs["sim.loop.lag.max.churn"])
    assert figs["sim.cpu_share.churn"]["unit"] == "cores"
    assert 0 < median(figs["sim.cpu_share.churn"]) < 4
    # masthead's share as masthead measures it (diagnostics live.frame_latency): no pairing.
    internal = {q: figs[f"live.frame.masthead_internal.{q}"] for q in ("p50", "p99")}
    assert all(f["unit"] == "ms" for f in internal.values())
    assert 0 < median(internal["p50"]) <= median(internal["p99"])


def test_warm_start_times_cold_and_warm_first_pages(tmp_path: Path) -> None:
    figs = smoke("warm_start", tmp_path, timeout=300)
    for fid in ("warm_start.cold_first_page", "warm_start.warm_first_page"):
        assert figs[fid]["unit"] == "s"
        assert 0 < median(figs[fid]) < 120, figs[fid]


def test_sync_all_times_every_view_idle_churning_and_restricted(tmp_path: Path) -> None:
    smoke("sync_all", tmp_path, timeout=300)
    doc = orjson.loads((tmp_path / "latest.json").read_bytes())
    by_scenario: dict[str, dict[str, dict[str, Any]]] = {}
    for f in doc["figures"]:
        by_scenario.setdefault(f["scenario"], {})[f["id"]] = f
    # Idle and churning (the smoke's 20/s) on the admin's world; the restricted user's world.
    kinds = {
        next(k for k in ("churn", "jane", "idle") if k in scenario) for scenario in by_scenario
    }
    assert kinds == {"idle", "churn", "jane"}, list(by_scenario)
    units = {
        "sync.all": "s",
        "sync.pods": "s",
        "rss.after_sync_all_mb": "MB",
        "http.page.p95": "ms",
    }
    for scenario, figs in by_scenario.items():
        assert {fid: f["unit"] for fid, f in figs.items()} == units, scenario
        # Every view's sources are live only after the pods' are.
        assert median(figs["sync.all"]) >= median(figs["sync.pods"]) > 0, scenario
        assert median(figs["rss.after_sync_all_mb"]) > 10
        assert median(figs["http.page.p95"]) > 0
    restricted = next(s for s in by_scenario if "jane" in s)
    assert "namespaces" in restricted
    # The peer: kubectl over every listable kind, beside masthead's idle run; none elsewhere.
    idle_scenario = next(s for s in by_scenario if "idle" in s and "jane" not in s)
    idle = by_scenario[idle_scenario]
    for fid in ("sync.all", "rss.after_sync_all_mb"):
        peer = idle[fid]["peers"]["kubectl"]
        assert "failed" not in peer, peer
        assert peer["median"] > 0 and peer["runs"] == 1
        assert idle[fid]["ratio"]["kubectl"] > 0
    others = [f for s, figs in by_scenario.items() if s != idle_scenario for f in figs.values()]
    assert all("peers" not in f for f in others), others


def test_peer_sync_runs_masthead_and_peers_interleaved_within_their_budget(tmp_path: Path) -> None:
    figs = smoke("peer_sync", tmp_path, timeout=300)
    for fid, unit in (("sync.pods", "s"), ("rss.after_sync_per_10k_pods", "MB")):
        fig = figs[fid]
        assert fig["unit"] == unit and fig["scenario"] == "300-pods", fig
        assert fig["masthead"]["runs"] == 2 and median(fig) > 0
        assert set(fig["peers"]) == {"floor", "kubectl", "python-kubernetes"}
        for name, peer in fig["peers"].items():
            assert "failed" not in peer, (name, peer)
            assert peer["median"] > 0 and peer["runs"] == 2, (name, peer)
            assert fig["ratio"][name] > 0
