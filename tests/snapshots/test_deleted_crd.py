"""A custom resource's snapshot goes with its CRD: deleted while masthead watches it (the watch
answers 404), or found gone by the discovery of a relaunch (deleted while masthead was down) —
so a relaunch while the API server is down does not serve a kind that no longer exists."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from masthead.persist.db import DEFAULT_FILE
from tests.api.harness import Served, eventually_async, served
from tests.snapshots.test_custom_resources import certificates
from tests.snapshots.test_unreachable import snapshot_page
from tests.snapshots.test_warm_start import world

CRD = "certificates.cert-manager.io"
CERTIFICATES = ("cert-manager.io", "certificates")


def snapshots_of(data_dir: Path, resource: str) -> int:
    with sqlite3.connect(data_dir / DEFAULT_FILE) as conn:
        (n,) = conn.execute(
            "SELECT COUNT(*) FROM snapshots WHERE resource = ?", (resource,)
        ).fetchone()
    return int(n)


async def certificates_live(s: Served) -> None:
    async def live() -> bool:
        page = await certificates(s)
        return bool(page["sources"][0]["state"] == "live" and page["rows"])

    await eventually_async(live, 20, "certificates synced")


async def gone_count(s: Served) -> int:
    status, body, _ = await s.get("/api/v1/diagnostics")
    assert status == 200
    return int(body["snapshots"]["gone"])


async def snapshotted(s: Served, data_dir: Path) -> None:
    """Snapshot every live source now and wait for the writer."""
    assert s.server.warm is not None and s.server.registry is not None
    await s.server.warm.save(list(s.server.registry.sessions.values()))
    await eventually_async(lambda: snapshots_of(data_dir, "certificates") == 1, 10)


async def test_a_crd_deleted_while_watched_drops_its_snapshot(tmp_path: Path) -> None:
    async with world() as sim:
        async with served(sim=sim, data_dir=tmp_path, connect=("admin",)) as s:
            await certificates_live(s)
            await synced_pods_page(s)
            await snapshotted(s, tmp_path)
            assert await gone_count(s) == 0

            await sim.faults.set("delete-crd", {"name": CRD})

            async def unavailable() -> bool:
                page = await certificates(s)
                return bool(page["sources"][0]["state"] == "unavailable")

            await eventually_async(unavailable, 20, "the watch sees the CRD gone")
            await eventually_async(lambda: snapshots_of(tmp_path, "certificates") == 0, 10)
            assert await gone_count(s) == 1
        # The shutdown's save wrote no new one; the other resources' snapshots stay.
        assert snapshots_of(tmp_path, "certificates") == 0
        assert snapshots_of(tmp_path, "pods") == 1


async def synced_pods_page(s: Served) -> None:
    async def live() -> bool:
        page = await s.page("admin", "pods", limit=1)
        return bool(page["sources"][0]["state"] == "live")

    await eventually_async(live, 20, "pods synced")


async def test_a_crd_deleted_while_masthead_was_down_drops_its_snapshot(tmp_path: Path) -> None:
    async with world() as sim:
        async with served(sim=sim, data_dir=tmp_path, connect=("admin",)) as s:
            await certificates_live(s)
            await synced_pods_page(s)
        assert snapshots_of(tmp_path, "certificates") == 1

        await sim.faults.set("delete-crd", {"name": CRD})
        async with served(sim=sim, data_dir=tmp_path, connect=("admin",)) as s:
            # Restored at connect, then not in discovery: dropped, table and stored snapshot.
            await eventually_async(lambda: snapshots_of(tmp_path, "certificates") == 0, 10)
            assert s.server.registry is not None
            restorable = s.server.registry.tables_of("admin").restorable
            assert not [k for k in restorable if k[:2] == CERTIFICATES]
            assert await gone_count(s) == 1
            status, body, _ = await s.get(
                "/api/v1/clusters/admin/views/browse/cert-manager.io/v1/certificates"
            )
            assert status == 404 and body["error"]["details"]["parameter"] == "resource"

        # A relaunch while the API server is down serves the pods it knew, and no certificates.
        await sim.faults.set("down", {"seconds": 600, "afterSeconds": 0})
        await asyncio.sleep(0.1)
        async with served(sim=sim, data_dir=tmp_path, connect=()) as s:
            status, body, _ = await s.post("/api/v1/clusters/admin/connect")
            assert status == 200 and body["state"] == "unreachable", body

            async def restored() -> bool:
                return (await snapshot_page(s))[0] == 200

            await eventually_async(restored, 10, "the pods snapshot is served")
            assert s.server.registry is not None
            restorable = s.server.registry.tables_of("admin").restorable
            assert [k for k in restorable if k[:2] == ("", "pods")]
            assert not [k for k in restorable if k[:2] == CERTIFICATES]
