"""Join columns against the simulator: a node's pods and requests, a pod's workload; pages
and live frames follow changes of the joined resources; restricted users are warned."""

from __future__ import annotations

from typing import Any

from masthead.sim.registry import DeleteOptions
from tests.api.harness import eventually_async, live_socket, served
from tests.api.test_pages import objects


def _finished(o: Any) -> bool:
    return (o.decode().get("status") or {}).get("phase") in ("Succeeded", "Failed")


def _expected_nodes(sim: Any, pod_rows: list[dict[str, Any]]) -> dict[str, tuple[int, int, int]]:
    """Per node: pods still holding resources, and the sums of their rows' requests."""
    by_uid = {r["uid"]: r for r in pod_rows}
    out: dict[str, tuple[int, int, int]] = {}
    for o in objects(sim, ("", "pods")):
        pod = o.decode()
        node = pod["spec"].get("nodeName")
        if node is None or _finished(o):
            continue
        row = by_uid[pod["metadata"]["uid"]]
        n, cpu, memory = out.get(node, (0, 0, 0))
        out[node] = (n + 1, cpu + (row["cpu_request"] or 0), memory + (row["memory_request"] or 0))
    return out


async def test_node_pods_and_requests_and_pod_workloads_match_the_simulator() -> None:
    async with served(connect=("admin",)) as s:
        pod_rows = (await s.page("admin", "pods", limit=1000))["rows"]
        assert len(pod_rows) == s.sim.store.count(("", "pods")) < 1000
        page = await s.page("admin", "nodes", limit=1000)
        assert {"pods", "cpu_requested", "memory_requested"} <= set(page["columns"])
        expected = _expected_nodes(s.sim, pod_rows)
        assert any(r["pods"] for r in page["rows"])
        for row in page["rows"]:
            got = (row["pods"], row["cpu_requested"], row["memory_requested"])
            assert got == expected.get(row["name"], (0, 0, 0)), row["name"]

        # A Deployment's pod names its Deployment, not its ReplicaSet.
        deployments = {o.name: o for o in objects(s.sim, ("apps", "deployments"))}
        rs_owner = {
            o.decode()["metadata"]["uid"]: o.decode()["metadata"].get("ownerReferences") or []
            for o in objects(s.sim, ("apps", "replicasets"))
        }
        pods = await s.page("admin", "pods", limit=1000)
        checked = 0
        for row in pods["rows"]:
            stored = s.sim.store.get(("", "pods"), row["namespace"], row["name"])
            assert stored is not None
            refs = stored.decode()["metadata"].get("ownerReferences") or []
            if not refs:
                assert row["workload"] is None
                continue
            ref = refs[0]
            owners = rs_owner.get(ref["uid"], []) if ref["kind"] == "ReplicaSet" else []
            if owners and owners[0]["kind"] == "Deployment" and owners[0]["name"] in deployments:
                assert row["workload"] == f"Deployment/{owners[0]['name']}"
                checked += 1
            else:
                assert row["workload"] == f"{ref['kind']}/{ref['name']}"
        assert checked > 0


async def test_a_joined_change_updates_the_node_page_and_its_live_window() -> None:
    async with served(connect=("admin",)) as s, live_socket(s) as live:
        await s.page("admin", "pods", limit=1)
        first = await s.page("admin", "nodes", limit=1000)
        row = max(first["rows"], key=lambda r: r["pods"] or 0)
        await live.subscribe(
            "n", view="nodes", query={"sort": "name"}, window={"offset": 0, "limit": 1000}
        )
        await live.page("n", timeout=5)
        etag = first["version"]

        victim = next(
            o
            for o in objects(s.sim, ("", "pods"))
            if o.decode()["spec"].get("nodeName") == row["name"]
            and (o.decode().get("status") or {}).get("phase") not in ("Succeeded", "Failed")
        )
        s.sim.registry.delete(
            s.sim.info("", "v1", "pods"),
            victim.namespace,
            victim.name,
            DeleteOptions(grace_period=0),
        )

        async def updated() -> bool:
            page = await s.page("admin", "nodes", limit=1000)
            mine = next(r for r in page["rows"] if r["name"] == row["name"])
            return mine["pods"] == row["pods"] - 1 and page["version"] != etag

        await eventually_async(updated, 5)
        frame = await live.next(
            lambda f: (
                f.get("type") == "page"
                and any(
                    r["name"] == row["name"] and r["pods"] == row["pods"] - 1 for r in f["rows"]
                )
            ),
            timeout=5,
        )
        assert frame["sub"] == "n"


async def test_restricted_join_says_it_counts_only_readable_namespaces() -> None:
    async with served(connect=("restricted",)) as s:
        status, page, _ = await s.get("/api/v1/clusters/restricted/views/pods?limit=5")
        assert status == 200
        warnings = [w for w in page["warnings"] if w["code"] == "PartialJoin"]
        assert warnings and "workload" in warnings[0]["message"], page["warnings"]


SLICES = ("discovery.k8s.io", "endpointslices")
SERVICE_NAME = "kubernetes.io/service-name"


def _expected_endpoints(sim: Any) -> dict[tuple[str, str], tuple[int, int]]:
    """Per (namespace, service): ready and total endpoints over its labelled slices."""
    out: dict[tuple[str, str], tuple[int, int]] = {}
    for o in objects(sim, SLICES):
        es = o.decode()
        service = (es["metadata"].get("labels") or {}).get(SERVICE_NAME)
        if not service:
            continue
        endpoints = es.get("endpoints") or []
        ready = sum(1 for e in endpoints if (e.get("conditions") or {}).get("ready") is not False)
        key = (es["metadata"]["namespace"], service)
        r, t = out.get(key, (0, 0))
        out[key] = (r + ready, t + len(endpoints))
    return out


async def test_service_endpoints_match_the_slices_and_follow_a_slice_change() -> None:
    async with served(connect=("admin",)) as s, live_socket(s) as live:
        page = await s.page("admin", "services", limit=1000)
        assert {"endpoints_ready", "endpoints"} <= set(page["columns"])
        expected = _expected_endpoints(s.sim)
        assert any(t for _, t in expected.values())
        for row in page["rows"]:
            got = (row["endpoints_ready"], row["endpoints"])
            assert got == expected.get((row["namespace"], row["name"]), (0, 0)), row["name"]

        # A slice's endpoint turns unready: the page and a live window follow the joined table.
        row = next(r for r in page["rows"] if r["endpoints_ready"])
        await live.subscribe(
            "svc",
            view="services",
            query={"namespace": row["namespace"]},
            window={"offset": 0, "limit": 1000},
        )
        await live.page("svc", timeout=5)
        stored = next(
            o
            for o in objects(s.sim, SLICES)
            if o.namespace == row["namespace"]
            and (o.decode()["metadata"].get("labels") or {}).get(SERVICE_NAME) == row["name"]
            and any(
                (e.get("conditions") or {}).get("ready") is not False
                for e in o.decode().get("endpoints") or []
            )
        )
        es = stored.decode()
        for e in es["endpoints"]:
            if (e.get("conditions") or {}).get("ready") is not False:
                e["conditions"] = {**(e.get("conditions") or {}), "ready": False}
                break
        s.sim.registry.put_prepared(s.sim.info("discovery.k8s.io", "v1", "endpointslices"), es)
        want = (row["endpoints_ready"] - 1, row["endpoints"])

        def shows(r: dict[str, Any]) -> bool:
            return r["uid"] == row["uid"] and (r["endpoints_ready"], r["endpoints"]) == want

        frame = await live.next(
            lambda f: f.get("type") == "page" and any(shows(r) for r in f["rows"]), timeout=5
        )
        assert frame["sub"] == "svc"
        again = await s.page("admin", "services", limit=1000)
        assert any(shows(r) for r in again["rows"])
        assert again["version"] != page["version"]


async def test_restricted_services_say_endpoints_count_only_readable_namespaces() -> None:
    async with served(connect=("restricted",)) as s:
        status, page, _ = await s.get("/api/v1/clusters/restricted/views/services?limit=5")
        assert status == 200, page
        warnings = [w for w in page["warnings"] if w["code"] == "PartialJoin"]
        assert any("endpoints" in w["message"] for w in warnings), page["warnings"]
