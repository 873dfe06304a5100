"""bench/ws_load.py end to end on a tiny world (full runs: `make load`, `make soak`)."""

from __future__ import annotations

import pytest

from bench import ws_load

pytestmark = pytest.mark.slow


def test_ws_load_smoke() -> None:
    summary = ws_load.main(
        [
            "--scenario",
            "demo",
            "--clients",
            "4",
            "--duration",
            "4",
            "--rate",
            "50",
            "--sample-every",
            "1",
            "--no-results",
        ]
    )
    assert summary["subscriptions"] == 4 * len(ws_load.SUBSCRIPTIONS)
    assert (
        summary["frames_answered"] >= 1 and summary["changes_probed"] >= summary["frames_answered"]
    )
    assert summary["frames_per_client"]["min"] > 0  # every client got frames
    assert summary["latency_ms"]["p50"] > 0
    # Each process's own memory: masthead's and the simulator's, sampled apart.
    assert len(summary["masthead_rss_mb"]["samples"]) >= 3
    assert summary["masthead_rss_mb"]["start"] > 0 and summary["sim_rss_mb"]["start"] > 0
    # Growth from sync (all subscribed) and from warm (every window's first frame): the warm
    # sample is taken once every client had a frame per window, within the run.
    rss = summary["masthead_rss_mb"]
    t_warm, mb_warm = rss["warm"]
    assert t_warm >= 0 and mb_warm > 0
    end = rss["end"]
    growth = rss["growth_pct"]
    assert growth["from_warm"] == pytest.approx(100 * (end - mb_warm) / mb_warm, abs=0.2)
    assert growth["from_sync"] == pytest.approx(100 * (end - rss["start"]) / rss["start"], abs=0.2)
    assert growth["steady"] is None  # a smoke run ends before the steady part begins
    assert summary["masthead_sync_s"] > 0 and summary["churn_achieved_per_s"] > 0
    assert summary["max_queue_depth"] >= 0 and summary["frames_dropped"] >= 0
    # masthead's memory diagnostics at warm and at the end (untraced: no allocation diff),
    # with the periodic trim's counters, and its loop lag.
    memory = summary["memory"]
    for at in (memory["warm"], memory["end"]):
        assert at["rss_mb"] > 0 and at["python_blocks"] > 0 and at["traced"] is None
    assert memory["end"]["group"] == "lineno"  # the grouping is a field, not the key
    assert memory["end"]["periodic_trims"]["interval_s"] == 60.0
    # the churn's rates: the driver's own and every write the simulator applied
    assert summary["basis"] == "stored" and summary["churn_stored_per_s"] > 0
    assert summary["loop"]["samples"] > 0
    # masthead's rows per resource at warm and at the end (the cluster's own state).
    assert summary["items"]["end"]["pods"] > 0 and summary["items"]["warm"]["pods"] > 0


def test_duration_is_bounded() -> None:
    with pytest.raises(SystemExit):
        ws_load.parse(["--duration", "100000"])


def test_trace_frames_are_bounded() -> None:
    assert ws_load.parse(["--trace-memory", "8"]).trace_memory == 8
    with pytest.raises(SystemExit):
        ws_load.parse(["--trace-memory", "65"])


def test_steady_growth_is_the_trend_after_the_warm_up() -> None:
    """The working set built in the first minutes is not growth; a sawtooth between trims
    around a flat level is none; a steady rise is read whole."""
    warm_up = [(0.0, 250.0), (30.0, 560.0), (60.0, 640.0), (90.0, 650.0)]
    sawtooth = [(120.0 + 30 * i, 700.0 + (40.0 if i % 2 else 0.0)) for i in range(17)]
    assert ws_load.steady_growth(warm_up + sawtooth) == pytest.approx(0.0, abs=1.0)
    rising = [(120.0 + 30 * i, 700.0 + 5.0 * i) for i in range(17)]  # +80 MB over 8 minutes
    mean = 700.0 + 5.0 * 8
    assert ws_load.steady_growth(warm_up + rising) == pytest.approx(100 * 80 / mean, rel=1e-6)
    assert ws_load.steady_growth(warm_up + rising[:2]) is None  # too few samples after the warm-up
