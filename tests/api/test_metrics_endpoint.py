"""`GET /metrics` against a connected simulator cluster: the Prometheus text parses, and its
values are the ones `/api/v1/diagnostics` and `/api/v1/clusters/{id}` report."""

from __future__ import annotations

from typing import Any

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from tests.api.harness import Served, eventually_async, live_socket, served

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(s: Served) -> tuple[Samples, dict[str, str]]:
    status, body, r = await s.get("/metrics")
    assert status == 200, body
    assert r.content_type == "text/plain"
    families = list(text_string_to_metric_families(body.decode()))
    # One family per name (a counter's `_total` stripped): no gauge shadows a counter.
    names = [f.name for f in families]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    samples: Samples = {}
    helps: dict[str, str] = {}
    for family in families:
        helps[family.name] = family.documentation
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples, helps


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, frozenset(labels.items()))]


def between(low: float, got: float, high: float) -> bool:
    return low <= got <= high


async def cluster(s: Served, cid: str) -> dict[str, Any]:
    status, data, _ = await s.get(f"/api/v1/clusters/{cid}")
    assert status == 200
    assert isinstance(data, dict)
    return data


async def test_metrics_match_diagnostics_for_a_connected_cluster() -> None:
    async with served(connect=("admin",)) as s, live_socket(s) as live:
        # Some traffic on every counter family: a page, an object, an action, a socket.
        await s.page("admin", "pods")
        status, _, _ = await s.get("/api/v1/clusters/admin/objects/core/v1/namespaces/_/team-a")
        assert status == 200
        status, _, _ = await s.post(
            "/api/v1/clusters/admin/actions/cordon", {"name": "missing-node", "dryRun": True}
        )
        assert status == 404
        await live.subscribe("s1")
        await live.page()

        before = await s.diagnostics()
        samples, helps = await scrape(s)
        after = await s.diagnostics()
        details = await cluster(s, "admin")

        # Every family has HELP text and the masthead_ prefix.
        assert helps and all(n.startswith("masthead_") and h for n, h in helps.items())

        # Cluster state: exactly the current state is 1.
        state = details["state"]
        assert (
            value(samples, "masthead_cluster_state", cluster="admin", context="admin", state=state)
            == 1
        )
        states = [
            v
            for (n, lbl), v in samples.items()
            if n == "masthead_cluster_state" and ("cluster", "admin") in lbl
        ]
        assert sum(states) == 1 and len(states) == 7

        # Sources: one state gauge per freshness state, items equal the table's rows.
        assert details["sources"]
        for src in details["sources"]:
            sid = src["id"]
            assert (
                value(
                    samples,
                    "masthead_source_state",
                    cluster="admin",
                    source=sid,
                    state=src["state"],
                )
                == 1
            )
            assert (
                value(samples, "masthead_source_items", cluster="admin", source=sid) == src["items"]
            )
            assert (
                value(samples, "masthead_source_syncs_total", cluster="admin", source=sid)
                == src["syncs"]
            )
        pods = next(x for x in details["sources"] if x["id"] == "pods@*")
        assert pods["items"] == s.sim.store.count(("", "pods")) > 0

        # Request accounting: counters between the two diagnostics snapshots.
        b = next(c for c in before["registry"]["clusters"] if c["id"] == "admin")["load"]
        a = next(c for c in after["registry"]["clusters"] if c["id"] == "admin")["load"]
        for key, n in a["requests"].items():
            verb, code = key.split(" ")
            got = value(
                samples, "masthead_cluster_requests_total", cluster="admin", verb=verb, code=code
            )
            assert between(b["requests"].get(key, 0), got, n), key
        assert (
            value(samples, "masthead_cluster_watches_open", cluster="admin")
            == a["watches_open"]
            > 0
        )
        for metric, key in (
            ("masthead_cluster_received_bytes_total", "bytes_received"),
            ("masthead_cluster_throttled_total", "throttled"),
            ("masthead_cluster_relists_total", "relists"),
            ("masthead_cluster_retries_total", "retries"),
        ):
            assert between(b[key], value(samples, metric, cluster="admin"), a[key]), metric
        assert value(samples, "masthead_cluster_received_bytes_total", cluster="admin") > 0
        restarts = value(samples, "masthead_cluster_watch_restarts_total", cluster="admin")
        assert 0 <= restarts <= sum(n for k, n in a["requests"].items() if k.startswith("watch "))

        # This server: live sockets, frames, pages, objects, audit rows, followers.
        lb, la = before["live"], after["live"]
        assert value(samples, "masthead_live_connections") == la["connections"] == 1
        assert value(samples, "masthead_live_subscriptions") == la["subscriptions"] == 1
        assert between(
            lb["frames_sent"], value(samples, "masthead_live_frames_sent_total"), la["frames_sent"]
        )
        assert between(
            lb["frames_dropped"],
            value(samples, "masthead_live_frames_dropped_total"),
            la["frames_dropped"],
        )
        assert (
            value(samples, "masthead_api_objects_fetched_total")
            == a_api(after)["objects_fetched"]
            == 1
        )
        assert value(samples, "masthead_api_pages_built_total") == a_api(after)["pages_built"] >= 1
        assert value(samples, "masthead_audit_rows", cluster="admin") == 1
        feeds = after["feeds"]
        assert value(samples, "masthead_sse_event_followers") == feeds["event_streams"] == 0
        assert value(samples, "masthead_db_queue_depth") >= 0
        assert value(samples, "masthead_db_jobs_dropped_total") == feeds["database"]["dropped"]


def a_api(diag: dict[str, Any]) -> dict[str, Any]:
    api: dict[str, Any] = diag["api"]
    return api


async def test_metrics_need_the_token() -> None:
    async with served(connect=()) as s, aiohttp.ClientSession() as anon:
        async with anon.get(s.base + "/metrics") as r:
            assert r.status == 401
        # Every context is listed with its state, connected or not. The default context
        # connects in the background, so compare a scrape with a listing taken at a quiet point.
        seen: dict[str, Any] = {}

        async def states_agree() -> bool:
            samples, _ = await scrape(s)
            status, listed, _ = await s.get("/api/v1/clusters")
            assert status == 200 and {c["id"] for c in listed} == {"admin", "restricted"}
            seen["samples"] = samples
            return all(
                value(
                    samples,
                    "masthead_cluster_state",
                    cluster=c["id"],
                    context=c["context"],
                    state=c["state"],
                )
                == 1
                for c in listed
            )

        await eventually_async(states_agree, 15)
        samples = seen["samples"]
        assert value(samples, "masthead_api_refused_total", check="auth") == 1


async def test_loop_lag_is_sampled_and_exported() -> None:
    async with served(connect=("admin",)) as s:

        async def sampled() -> bool:
            return int((await s.diagnostics())["loop"]["samples"]) >= 3

        await eventually_async(sampled, 5, "loop lag sampled")
        loop = (await s.diagnostics())["loop"]
        assert loop["interval_ms"] == 50 and loop["recent"] <= 1200
        assert 0 <= loop["p50_ms"] <= loop["p99_ms"] <= loop["max_ms"]
        samples, helps = await scrape(s)
        assert "event loop" in helps["masthead_loop_lag_seconds"]
        quantiles = [
            value(samples, "masthead_loop_lag_seconds", quantile=q) for q in ("0.5", "1.0")
        ]
        assert 0 <= quantiles[0] <= quantiles[1] <= value(samples, "masthead_loop_lag_max_seconds")
        assert value(samples, "masthead_loop_blocks_total") >= loop["blocks"]
