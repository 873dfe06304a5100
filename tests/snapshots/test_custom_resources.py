"""Custom resources are snapshotted too: a browse view of a CRD's objects syncs, masthead shuts
down, and the relaunch shows the same rows `stale` from the snapshot before the watch is back."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from masthead.persist.db import DEFAULT_FILE
from tests.api.harness import Served, eventually_async, served
from tests.snapshots.test_warm_start import world

BROWSE = "/api/v1/clusters/admin/views/browse/cert-manager.io/v1/certificates"


async def certificates(s: Served) -> dict[str, Any]:
    status, page, _ = await s.get(BROWSE, params={"limit": "1000"})
    assert status == 200, page
    assert isinstance(page, dict)
    return page


async def test_a_custom_resource_is_restored_from_its_snapshot(tmp_path: Path) -> None:
    async with world() as sim:
        async with served(sim=sim, data_dir=tmp_path, connect=("admin",)) as s:

            async def live() -> bool:
                page = await certificates(s)
                return bool(page["sources"][0]["state"] == "live" and page["rows"])

            await eventually_async(live, 20, "certificates synced")
            before = {r["uid"]: r for r in (await certificates(s))["rows"]}
        with sqlite3.connect(tmp_path / DEFAULT_FILE) as conn:
            schema = conn.execute(
                "SELECT row_schema FROM snapshots WHERE resource = 'certificates'"
            ).fetchone()
        assert schema is not None and "|generic|Certificate|1" in schema[0]

        # The custom resource's requests answer late: the first page comes from the snapshot.
        await sim.faults.set("latency", {"ms": 1500, "path": "/apis/cert-manager.io"})
        async with served(sim=sim, data_dir=tmp_path, connect=("admin",)) as s:
            page = await certificates(s)
            assert {r["uid"]: r for r in page["rows"]} == before
            assert page["sources"][0]["state"] == "stale", page["sources"]
            assert page["sources"][0]["message"].startswith(f"snapshot of {len(before)} rows")
            await sim.faults.clear("latency")

            async def back() -> bool:
                page = await certificates(s)
                return bool(page["sources"][0]["state"] == "live")

            await eventually_async(back, 20, "live again")
            assert {r["uid"] for r in (await certificates(s))["rows"]} == set(before)
