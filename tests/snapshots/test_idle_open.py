"""A relaunch where a context is not connected at start (`idle`): its first page request opens
it and, while it connects, answers from yesterday's snapshot — stale since the snapshot's time,
the state named — then goes live. A context without a snapshot still answers 503 and stays
closed until it is opened."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from masthead.persist.db import DEFAULT_FILE
from masthead.sim.app import Simulator
from masthead.views.page import rfc3339
from tests.api.harness import Served, eventually_async, live_socket, served
from tests.api.test_pages import objects
from tests.snapshots.test_unreachable import without_metrics
from tests.snapshots.test_warm_start import world

PAGE = "/api/v1/clusters/restricted/views/pods"


def snapshot_taken(data_dir: Path, resource: str, scope: str) -> float:
    with sqlite3.connect(data_dir / DEFAULT_FILE) as conn:
        row = conn.execute(
            "SELECT taken FROM snapshots WHERE resource = ? AND scope = ?", (resource, scope)
        ).fetchone()
    assert row is not None, f"no snapshot of {resource}@{scope}"
    return float(row[0])


async def cluster_state(s: Served, cluster: str) -> str:
    status, body, _ = await s.get(f"/api/v1/clusters/{cluster}")
    assert status == 200, body
    return str(body["state"])


async def pods_page(s: Served) -> tuple[int, Any, Any]:
    return await s.get(PAGE, params={"limit": "1000"})


def team_a(sim: Simulator) -> set[str]:
    return {
        o.decode()["metadata"]["uid"] for o in objects(sim, ("", "pods")) if o.namespace == "team-a"
    }


async def yesterday(sim: Simulator, data_dir: Path) -> dict[str, dict[str, Any]]:
    """The restricted context open (the default one, admin, not) until a clean shutdown: its
    pods snapshot written; its rows by uid."""
    async with served(sim=sim, data_dir=data_dir, connect=("restricted",)) as s:

        async def synced() -> bool:
            status, page, _ = await pods_page(s)
            return status == 200 and page["sources"][0]["state"] == "live"

        await eventually_async(synced, 20, "restricted pods live")
        before = {r["uid"]: r for r in (await pods_page(s))[1]["rows"]}
    assert set(before) == team_a(sim) and before
    return before


async def test_an_idle_cluster_serves_its_snapshot_while_the_page_opens_it(
    tmp_path: Path,
) -> None:
    async with world() as sim:
        before = await yesterday(sim, tmp_path)
        taken = snapshot_taken(tmp_path, "pods", "team-a")

        # Today the API server answers 2 s late: connecting takes a while. Only the default
        # context (admin) is opened at start.
        await sim.faults.set("latency", {"ms": 2000, "path": "/api"})
        async with served(sim=sim, data_dir=tmp_path, connect=()) as s:
            assert await cluster_state(s, "restricted") == "idle"
            # A view with no snapshot: the page says how to open the cluster, and opens nothing.
            status, body, _ = await s.get("/api/v1/clusters/restricted/views/cronjobs")
            assert status == 503 and body["error"]["details"]["state"] == "idle", body
            assert await cluster_state(s, "restricted") == "idle"

            status, page, r = await pods_page(s)
            assert status == 200, page
            # The page opened the cluster, which is still connecting.
            assert await cluster_state(s, "restricted") == "connecting"
            assert {row["uid"]: without_metrics(row) for row in page["rows"]} == {
                uid: without_metrics(row) for uid, row in before.items()
            }
            (source,) = [x for x in page["sources"] if x["id"] != "metrics"]
            assert source["id"] == "pods@team-a" and source["state"] == "stale", source
            assert source["since"] == rfc3339(taken)
            assert source["message"].startswith(f"cluster connecting: snapshot of {len(before)}")
            codes = [w["code"] for w in page["warnings"]]
            assert "ClusterConnecting" in codes and "ClusterUnreachable" not in codes, codes
            status, _, _ = await s.get(
                PAGE, params={"limit": "1000"}, headers={"If-None-Match": r.headers["ETag"]}
            )
            assert status == 304

            await sim.faults.clear("latency")

            async def live() -> bool:
                status, page, _ = await pods_page(s)
                return (
                    status == 200
                    and page["sources"][0]["state"] == "live"
                    and {row["uid"] for row in page["rows"]} == team_a(sim)
                    and not any(w["code"] == "ClusterConnecting" for w in page["warnings"])
                )

            await eventually_async(live, 30, "live after connecting")


async def test_a_live_window_on_an_idle_cluster_opens_it_and_shows_the_snapshot(
    tmp_path: Path,
) -> None:
    async with world() as sim:
        before = await yesterday(sim, tmp_path)
        await sim.faults.set("latency", {"ms": 2000, "path": "/api"})
        async with served(sim=sim, data_dir=tmp_path, connect=()) as s, live_socket(s) as live:
            assert await cluster_state(s, "restricted") == "idle"
            await live.send(
                op="subscribe",
                sub="w",
                cluster="restricted",
                view="pods",
                seq=1,
                window={"offset": 0, "limit": 1000},
            )
            frame = await live.page("w", seq=1)
            assert {row["uid"] for row in frame["rows"]} == set(before)
            assert frame["sources"][0]["state"] == "stale"
            assert any(w["code"] == "ClusterConnecting" for w in frame["warnings"])
            assert await cluster_state(s, "restricted") == "connecting"
            await sim.faults.clear("latency")
            # The window opens when the cluster connects, and goes live.
            await live.next(
                lambda f: (
                    f.get("sub") == "w"
                    and f.get("type") == "page"
                    and f["sources"][0]["state"] == "live"
                ),
                timeout=30,
            )
