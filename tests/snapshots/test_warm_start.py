"""Warm start against the simulator: masthead syncs, shuts down cleanly (snapshots written),
the world changes while it is down, and a relaunch shows the last-known rows at once, marked
stale with the snapshot's time, then converges to the simulator's truth with no ghost — by
resuming the watch from the snapshot's resourceVersion (no LIST) when the API server still has
it, by listing when it does not. A corrupt database or snapshot is a clean cold start, and a
context whose user changed never gets the previous user's rows."""

from __future__ import annotations

import calendar
import sqlite3
import time
from pathlib import Path
from typing import Any

import yaml

from masthead.cluster import ClusterState
from masthead.persist.db import DEFAULT_FILE
from masthead.sim.app import SimConfig, Simulator
from masthead.sim.registry import DeleteOptions, WriteContext
from masthead.snapshots.codec import decode_rows
from masthead.store.projection import PROJECTIONS
from tests.api.harness import Served, eventually_async, served
from tests.api.test_metrics_endpoint import scrape, value
from tests.api.test_pages import bump_restarts, objects

PODS = ("", "pods")


def world() -> Simulator:
    return Simulator(SimConfig(scenario="demo", controllers=frozenset()))


def pod_syncs(s: Served) -> int:
    """Complete LISTs (or WatchList initial syncs) of pods this masthead's session has done."""
    session = s.server.registry.get("admin") if s.server.registry else None
    assert session is not None
    return sum(src.syncs for src in session.sources() if src.resource.resource == "pods")


async def synced_pods(s: Served) -> dict[str, dict[str, Any]]:
    """The pods page once its source is live, by uid."""

    async def live() -> bool:
        page = await s.page("admin", "pods", limit=1000)
        return bool(page["sources"][0]["state"] == "live")

    await eventually_async(live, 20)
    page = await s.page("admin", "pods", limit=1000)
    return {r["uid"]: r for r in page["rows"]}


def truth(sim: Simulator) -> set[str]:
    return {o.decode()["metadata"]["uid"] for o in objects(sim, PODS)}


def change_world(sim: Simulator, rows: dict[str, dict[str, Any]]) -> tuple[str, str]:
    """Delete one pod, bump another's restarts to 42, add a new one; (deleted, bumped) uids."""
    ordered = sorted(rows.values(), key=lambda r: (r["namespace"], r["name"]))
    gone, bumped = ordered[0], ordered[1]
    info = sim.info("", "v1", "pods")
    sim.registry.delete(info, gone["namespace"], gone["name"], DeleteOptions(grace_period=0))
    bump_restarts(sim, bumped["namespace"], bumped["name"], 42)
    sim.registry.create(
        info,
        bumped["namespace"],
        {
            "metadata": {"name": "born-while-masthead-was-down"},
            "spec": {"containers": [{"name": "c", "image": "busybox"}]},
        },
        WriteContext("test"),
    )
    return gone["uid"], bumped["uid"]


async def converged(s: Served, gone: str, bumped: str) -> None:
    async def check() -> bool:
        page = await s.page("admin", "pods", limit=1000)
        rows = {r["uid"]: r for r in page["rows"]}
        return (
            page["sources"][0]["state"] == "live"
            and set(rows) == truth(s.sim)
            and gone not in rows
            and rows[bumped]["restarts"] == 42
        )

    await eventually_async(check, 20, "converged to the simulator")


async def test_relaunch_shows_the_snapshot_stale_then_resumes_the_watch(tmp_path: Path) -> None:
    async with world() as sim:
        started = time.time()
        async with served(sim=sim, data_dir=tmp_path, connect=("admin",)) as s:
            before = await synced_pods(s)
        stopped = time.time()
        gone, bumped = change_world(sim, before)
        # Pod requests answer late: the first page can only come from the snapshot.
        await sim.faults.set("latency", {"ms": 1500, "path": "/api/v1/pods"})
        async with served(sim=sim, data_dir=tmp_path, connect=("admin",)) as s:
            page = await s.page("admin", "pods", limit=1000)
            rows = {r["uid"]: r for r in page["rows"]}
            assert rows == before  # the last-known rows, the deleted pod among them
            source = page["sources"][0]
            assert source["state"] == "stale", source
            assert source["message"].startswith(f"snapshot of {len(before)} rows from ")
            since = calendar.timegm(time.strptime(source["since"], "%Y-%m-%dT%H:%M:%SZ"))
            assert started - 1 <= since <= stopped + 1
            await sim.faults.clear("latency")
            await converged(s, gone, bumped)
            # The snapshot's resourceVersion was still in the server's window: no LIST.
            assert pod_syncs(s) == 0
            diagnostics = await s.diagnostics()
            assert diagnostics["snapshots"]["restored"] >= 1
            assert diagnostics["snapshots"]["restored_rows"] >= len(before)
            # The same counters in Prometheus /metrics.
            samples, _ = await scrape(s)
            for name in ("restored", "restored_rows", "written", "expired", "failed"):
                got = value(samples, f"masthead_snapshots_{name}_total")
                assert got == diagnostics["snapshots"][name], name


async def test_an_expired_snapshot_version_relists_without_ghosts(tmp_path: Path) -> None:
    async with world() as sim:
        async with served(sim=sim, data_dir=tmp_path, connect=("admin",)) as s:
            before = await synced_pods(s)
        gone, bumped = change_world(sim, before)
        await sim.faults.set("shrink-history", {"size": 1})
        async with served(sim=sim, data_dir=tmp_path, connect=("admin",)) as s:
            await converged(s, gone, bumped)
            assert pod_syncs(s) == 1  # 410 from the snapshot's version, then a LIST
            assert (await s.diagnostics())["snapshots"]["restored"] >= 1


async def test_a_corrupt_database_or_snapshot_is_a_cold_start(tmp_path: Path) -> None:
    async with world() as sim:
        db = tmp_path / DEFAULT_FILE
        db.write_bytes(b"this is not a database" * 100)
        async with served(sim=sim, data_dir=tmp_path, connect=("admin",)) as s:
            rows = await synced_pods(s)
            assert set(rows) == truth(sim)
        with sqlite3.connect(db) as conn:
            found = conn.execute("SELECT resource, row_count FROM snapshots").fetchall()
            assert ("pods", len(rows)) in found
            conn.execute("UPDATE snapshots SET data = x'c4020000'")  # bin8 of 2 zero bytes
        async with served(sim=sim, data_dir=tmp_path, connect=("admin",)) as s:
            assert await synced_pods(s) == rows
            stats = (await s.diagnostics())["snapshots"]
            assert stats["restored"] == 0 and stats["ignored_corrupt"] == len(found)
            samples, _ = await scrape(s)
            assert value(samples, "masthead_snapshots_ignored_total", reason="corrupt") == len(
                found
            )
            assert value(samples, "masthead_snapshots_restored_total") == 0
            page = await s.page("admin", "pods", limit=1)
            assert "snapshot" not in page["sources"][0].get("message", "")


async def test_another_user_on_the_same_context_never_gets_the_snapshot(tmp_path: Path) -> None:
    async with world() as sim:
        assert sim.kubeconfig_path is not None
        async with served(sim=sim, data_dir=tmp_path, connect=("admin",)) as s:
            admin_rows = await synced_pods(s)
        # The same context name, now with the restricted user's credentials.
        config = yaml.safe_load(sim.kubeconfig_path.read_text())
        for ctx in config["contexts"]:
            if ctx["name"] == "admin":
                ctx["context"]["user"] = "restricted"
                ctx["context"]["namespace"] = "team-a"
        swapped = tmp_path / "swapped.yaml"
        swapped.write_text(yaml.safe_dump(config))
        async with served(
            sim=sim, data_dir=tmp_path, connect=("admin",), kubeconfigs=[swapped]
        ) as s:
            status, page, _ = await s.get(
                "/api/v1/clusters/admin/views/pods", params={"limit": "1000"}
            )
            assert status == 200, page
            assert {r["namespace"] for r in page["rows"]} <= {"team-a"}
            assert len(page["rows"]) < len(admin_rows)
            assert all("snapshot" not in src.get("message", "") for src in page["sources"])
            assert (await s.diagnostics())["snapshots"]["restored"] == 0


async def test_snapshots_hold_rows_only_and_no_secret_values(tmp_path: Path) -> None:
    marker = "warm-start-marker-6f1d"
    async with world() as sim, served(sim=sim, data_dir=tmp_path, connect=("admin",)) as s:
        sim.registry.create(
            sim.info("", "v1", "secrets"),
            "team-a",
            {"metadata": {"name": "leaky"}, "stringData": {"password": marker}},
            WriteContext("test"),
        )

        async def listed() -> bool:
            page = await s.page("admin", "secrets", q="leaky")
            return bool(page["total"] == 1 and page["sources"][0]["state"] == "live")

        await eventually_async(listed, 20)
    with sqlite3.connect(tmp_path / DEFAULT_FILE) as conn:
        (data,) = conn.execute("SELECT data FROM snapshots WHERE resource='secrets'").fetchone()
    rows = [r for chunk in decode_rows(data, PROJECTIONS[("", "secrets")].row_type) for r in chunk]
    leaky = next(r for r in rows if r.name == "leaky")
    assert leaky.keys == 1
    assert not any(marker in repr(r) for r in rows)


async def test_a_save_writes_only_the_live_tables_that_changed(tmp_path: Path) -> None:
    async with world() as sim, served(sim=sim, data_dir=tmp_path, connect=("admin",)) as s:
        rows = await synced_pods(s)
        warm, registry = s.server.warm, s.server.registry
        assert warm is not None and registry is not None
        session = registry.get("admin")
        # Pods, the ReplicaSets and Deployments the pods view joins, and events: the events
        # source lists after the pods view's sources (kube/first_syncs.py), so wait for all.
        await session.wait_for(lambda st: st.state is ClusterState.READY, 20)
        assert await warm.save([session]) == len(session.sources()) == 4
        assert await warm.save([session]) == 0  # nothing changed
        pod = min(rows.values(), key=lambda r: (r["namespace"], r["name"]))
        bump_restarts(sim, pod["namespace"], pod["name"], 7)

        async def seen() -> bool:
            page = await s.page("admin", "pods", limit=1000)
            return any(r["uid"] == pod["uid"] and r["restarts"] == 7 for r in page["rows"])

        await eventually_async(seen, 10)
        assert await warm.save([session]) == 1
        assert s.server.feeds is not None
        await s.server.feeds.db.flush()
        with sqlite3.connect(tmp_path / DEFAULT_FILE) as conn:
            (data,) = conn.execute("SELECT data FROM snapshots WHERE resource='pods'").fetchone()
        saved = [r for c in decode_rows(data, PROJECTIONS[PODS].row_type) for r in c]
        assert {r.uid: r.restarts for r in saved}[pod["uid"]] == 7
