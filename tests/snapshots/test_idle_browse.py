"""A relaunch where a context is not connected at start (`idle`): a browse view of a custom
resource — which needs the cluster's discovery to exist — answers from yesterday's snapshot while
the page opens the cluster, built from what the snapshot recorded of discovery (kind, version,
scope), stale with `ClusterConnecting`; then goes live. A version the snapshot was not taken at
still answers 503, and a CRD deleted meanwhile loses its snapshot once discovery answers."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import yaml

from masthead.sim.app import Simulator
from masthead.views.page import rfc3339
from tests.api.harness import Served, eventually_async, live_socket, served
from tests.snapshots.test_deleted_crd import CRD, snapshots_of
from tests.snapshots.test_idle_open import cluster_state, snapshot_taken
from tests.snapshots.test_warm_start import world

# Admin's browse view of certificates, and of a version never snapshotted.
BROWSE = "/api/v1/clusters/admin/views/browse/cert-manager.io/v1/certificates"
OTHER_VERSION = BROWSE.replace("cert-manager.io/v1/", "cert-manager.io/v1alpha1/")


def restricted_current(sim: Simulator, tmp_path: Path) -> Path:
    """The simulator's kubeconfig with `restricted` as its current context, so a masthead
    started with nothing to connect opens that one and leaves admin idle."""
    assert sim.kubeconfig_path is not None
    config = yaml.safe_load(sim.kubeconfig_path.read_text())
    config["current-context"] = "restricted"
    path = tmp_path / "kubeconfig-restricted-current"
    path.write_text(yaml.safe_dump(config))
    return path


async def browse(s: Served, path: str = BROWSE) -> tuple[int, Any]:
    status, body, _ = await s.get(path, params={"limit": "1000"})
    return status, body


async def yesterday(s: Served) -> dict[str, dict[str, Any]]:
    """Admin's certificates live; its rows by uid (snapshotted at the clean shutdown)."""

    async def live() -> bool:
        status, page = await browse(s)
        return (
            status == 200
            and bool(page["rows"])
            and all(x["state"] == "live" for x in page["sources"])
        )

    await eventually_async(live, 20, "certificates synced")
    status, page = await browse(s)
    assert status == 200, page
    return {r["uid"]: r for r in page["rows"]}


async def test_an_idle_clusters_browse_view_serves_its_snapshot_while_it_connects(
    tmp_path: Path,
) -> None:
    async with world() as sim:
        async with served(sim=sim, data_dir=tmp_path, connect=("admin",)) as s:
            before = await yesterday(s)
        assert before
        taken = snapshot_taken(tmp_path, "certificates", "")

        # Today the API server answers 2 s late: discovery takes a while. Nothing is opened.
        await sim.faults.set("latency", {"ms": 2000, "path": "/api"})
        async with served(
            sim=sim, data_dir=tmp_path, connect=(), kubeconfigs=[restricted_current(sim, tmp_path)]
        ) as s:
            assert await cluster_state(s, "admin") == "idle"
            # No snapshot at that version: the page says how to open the cluster, opens nothing.
            status, body = await browse(s, OTHER_VERSION)
            assert status == 503 and body["error"]["details"]["state"] == "idle", body
            assert await cluster_state(s, "admin") == "idle"

            status, page = await browse(s)
            assert status == 200, page
            assert await cluster_state(s, "admin") == "connecting"
            assert page["view"] == "browse/cert-manager.io/v1/certificates", page["view"]
            assert {r["uid"]: r for r in page["rows"]} == before
            (source,) = page["sources"]
            assert source["id"] == "certificates.cert-manager.io@*", source
            assert source["state"] == "stale" and source["since"] == rfc3339(taken), source
            assert source["message"].startswith(f"cluster connecting: snapshot of {len(before)}")
            codes = [w["code"] for w in page["warnings"]]
            assert "ClusterConnecting" in codes, codes

            await sim.faults.clear("latency")

            async def live() -> bool:
                status, page = await browse(s)
                return (
                    status == 200
                    and page["sources"][0]["state"] == "live"
                    and {r["uid"] for r in page["rows"]} == set(before)
                    and not any(w["code"] == "ClusterConnecting" for w in page["warnings"])
                )

            await eventually_async(live, 30, "live after connecting")


async def test_a_live_browse_window_on_an_idle_cluster_shows_the_snapshot(tmp_path: Path) -> None:
    async with world() as sim:
        async with served(sim=sim, data_dir=tmp_path, connect=("admin",)) as s:
            before = await yesterday(s)
        await sim.faults.set("latency", {"ms": 2000, "path": "/api"})
        kubeconfig = restricted_current(sim, tmp_path)
        async with (
            served(sim=sim, data_dir=tmp_path, connect=(), kubeconfigs=[kubeconfig]) as s,
            live_socket(s) as live,
        ):
            assert await cluster_state(s, "admin") == "idle"
            await live.send(
                op="subscribe",
                sub="w",
                cluster="admin",
                view="browse/cert-manager.io/v1/certificates",
                seq=1,
                window={"offset": 0, "limit": 1000},
            )
            frame = await live.page("w", seq=1)
            assert {row["uid"] for row in frame["rows"]} == set(before)
            assert frame["sources"][0]["state"] == "stale"
            assert any(w["code"] == "ClusterConnecting" for w in frame["warnings"])
            await sim.faults.clear("latency")
            await live.next(
                lambda f: (
                    f.get("sub") == "w"
                    and f.get("type") == "page"
                    and f["sources"][0]["state"] == "live"
                ),
                timeout=30,
            )


async def test_an_idle_browse_view_of_a_crd_deleted_meanwhile_goes_with_its_snapshot(
    tmp_path: Path,
) -> None:
    async with world() as sim:
        async with served(sim=sim, data_dir=tmp_path, connect=("admin",)) as s:
            await yesterday(s)
        assert snapshots_of(tmp_path, "certificates") == 1

        await sim.faults.set("delete-crd", {"name": CRD})
        await sim.faults.set("latency", {"ms": 2000, "path": "/api"})
        async with served(
            sim=sim, data_dir=tmp_path, connect=(), kubeconfigs=[restricted_current(sim, tmp_path)]
        ) as s:
            # The snapshot names the view until discovery answers; then it is dropped, and the
            # view is the 404 of a resource the server does not serve.
            status, page = await browse(s)
            assert status == 200 and page["sources"][0]["state"] == "stale", page
            await sim.faults.clear("latency")

            # Either 404 of a resource the server does not serve: discovery's (naming the
            # `resource` parameter) or, when the page resolved from the snapshot just before
            # discovery answered, its source's (naming the source).
            async def gone() -> bool:
                status, body = await browse(s)
                return status == 404 and body["error"]["reason"] == "NotFound"

            await eventually_async(gone, 30, "the deleted CRD's view answers 404")
            await eventually_async(lambda: snapshots_of(tmp_path, "certificates") == 0, 10)


async def test_an_unreachable_clusters_browse_view_serves_its_snapshot(tmp_path: Path) -> None:
    async with world() as sim:
        async with served(sim=sim, data_dir=tmp_path, connect=("admin",)) as s:
            before = await yesterday(s)
        await sim.faults.set("down", {"seconds": 600, "afterSeconds": 0})
        await asyncio.sleep(0.1)
        async with served(sim=sim, data_dir=tmp_path, connect=()) as s:
            status, body, _ = await s.post("/api/v1/clusters/admin/connect")
            assert status == 200 and body["state"] == "unreachable", body

            async def restored() -> bool:
                return (await browse(s))[0] == 200

            await eventually_async(restored, 10, "the certificates snapshot is served")
            status, page = await browse(s)
            assert {r["uid"]: r for r in page["rows"]} == before
            assert page["sources"][0]["state"] == "stale", page["sources"]
            codes = [w["code"] for w in page["warnings"]]
            assert "ClusterUnreachable" in codes, codes
