"""A relaunch while the API server is down: the views answer from the warm-start snapshot
(every source `stale`, the cluster's state named) instead of 503, with filters and ETags, and
go live on their own when the server is back."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from tests.api.harness import Served, eventually_async, live_socket, served
from tests.snapshots.test_warm_start import synced_pods, truth, world

PAGE = "/api/v1/clusters/admin/views/pods"


async def snapshot_page(s: Served, **params: str) -> tuple[int, Any, Any]:
    status, data, r = await s.get(PAGE, params={"limit": "1000", **params})
    return status, data, r


def without_metrics(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in ("cpu", "memory")}


async def test_an_unreachable_cluster_serves_its_snapshot_stale(tmp_path: Path) -> None:
    async with world() as sim:
        async with served(sim=sim, data_dir=tmp_path, connect=("admin",)) as s:
            before = await synced_pods(s)
        await sim.faults.set("down", {"seconds": 600, "afterSeconds": 0})
        await asyncio.sleep(0.1)
        async with served(sim=sim, data_dir=tmp_path, connect=()) as s:
            status, body, _ = await s.post("/api/v1/clusters/admin/connect")
            assert status == 200 and body["state"] == "unreachable", body
            # A view of a resource with no snapshot still says why there is nothing.
            status, body, _ = await s.get("/api/v1/clusters/admin/views/cronjobs")
            assert status == 503, body

            async def restored() -> bool:
                return (await snapshot_page(s))[0] == 200

            await eventually_async(restored, 10, "the snapshot is served")
            status, page, r = await snapshot_page(s)
            assert status == 200
            # The rows as before, joined columns included; metrics are not in a snapshot.
            assert {row["uid"]: without_metrics(row) for row in page["rows"]} == {
                uid: without_metrics(row) for uid, row in before.items()
            }
            assert all(row["cpu"] is None for row in page["rows"])
            assert any(row["workload"] for row in page["rows"])
            assert page["total"] == len(before)
            (source,) = [x for x in page["sources"] if x["id"] != "metrics"]
            assert source["state"] == "stale", source
            assert source["message"].startswith(f"cluster unreachable: snapshot of {len(before)}")
            assert source["items"] == len(before)
            codes = [w["code"] for w in page["warnings"]]
            assert "ClusterUnreachable" in codes
            metrics = next(x for x in page["sources"] if x["id"] == "metrics")
            assert metrics["state"] == "unavailable"

            # Queries read the snapshot's table: a namespace filter and a sort.
            namespace = sorted({row["namespace"] for row in before.values()})[0]
            status, only, _ = await snapshot_page(s, namespace=namespace, sort="name")
            want = sorted(row["name"] for row in before.values() if row["namespace"] == namespace)
            assert status == 200 and [row["name"] for row in only["rows"]] == want
            # Revalidation: the same snapshot page is a 304.
            status, _, _ = await s.get(
                PAGE, params={"limit": "1000"}, headers={"If-None-Match": r.headers["ETag"]}
            )
            assert status == 304

            # A live window shows the snapshot too, and moves over it.
            async with live_socket(s) as live:
                await live.send(
                    op="subscribe",
                    sub="w",
                    cluster="admin",
                    view="pods",
                    seq=1,
                    window={"offset": 0, "limit": 5},
                )
                frame = await live.page("w", seq=1)
                assert frame["total"] == len(before) and len(frame["rows"]) == 5
                assert frame["sources"][0]["state"] == "stale"
                await live.send(op="window", sub="w", window={"offset": 5, "limit": 5}, seq=2)
                moved = await live.page("w", seq=2)
                assert moved["offset"] == 5 and moved["rows"] != frame["rows"]

                # The server is back: the restored table goes to its source, pages and the
                # window go live.
                await sim.faults.clear("down")
                await live.next(
                    lambda f: f.get("sub") == "w" and f["sources"][0]["state"] == "live",
                    timeout=30,
                )

            async def live() -> bool:
                status, page, _ = await snapshot_page(s)
                return (
                    status == 200
                    and page["sources"][0]["state"] == "live"
                    and {row["uid"] for row in page["rows"]} == truth(sim)
                    and not any(w["code"] == "ClusterUnreachable" for w in page["warnings"])
                )

            await eventually_async(live, 30, "live again")
