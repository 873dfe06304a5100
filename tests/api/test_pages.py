"""Pages against the demo world's objects: totals, order, filters, ETags, errors, access."""

from __future__ import annotations

from typing import Any

from masthead.selectors import parse_label_selector
from masthead.sim.app import Simulator
from tests.api.harness import served

VIEW_KEYS = {
    "pods": ("", "pods"),
    "nodes": ("", "nodes"),
    "namespaces": ("", "namespaces"),
    "deployments": ("apps", "deployments"),
    "statefulsets": ("apps", "statefulsets"),
    "daemonsets": ("apps", "daemonsets"),
    "replicasets": ("apps", "replicasets"),
    "jobs": ("batch", "jobs"),
    "cronjobs": ("batch", "cronjobs"),
    "services": ("", "services"),
    "configmaps": ("", "configmaps"),
    "secrets": ("", "secrets"),
    "events": ("", "events"),
}


def objects(sim: Simulator, key: tuple[str, str]) -> list[Any]:
    return list(sim.store.iter_objects(key))


def bump_restarts(sim: Simulator, namespace: str, name: str, restarts: int) -> None:
    stored = sim.store.get(("", "pods"), namespace, name)
    assert stored is not None
    pod = stored.decode()
    for cs in pod["status"].get("containerStatuses") or []:
        cs["restartCount"] = restarts
    sim.registry.put_prepared(sim.info("", "v1", "pods"), pod)


async def test_every_view_totals_match_the_simulator() -> None:
    async with served() as s:
        for view, key in VIEW_KEYS.items():
            page = await s.page("admin", view, limit=5)
            assert page["total"] == s.sim.store.count(key), view
            assert page["view"] == view and page["cluster"] == "admin"
            assert len(page["rows"]) == min(5, page["total"])
            assert page["sources"][0]["state"] == "live", page["sources"]
            assert page["truncated"] is False and page["warnings"] == []
            assert set(page) == {
                "view",
                "cluster",
                "version",
                "total",
                "offset",
                "rows",
                "columns",
                "sources",
                "warnings",
                "truncated",
            }
        browse = await s.page("admin", "browse/core/v1/pods", limit=1)
        assert browse["total"] == s.sim.store.count(("", "pods"))


async def test_sorting_paging_and_filters_match_an_oracle() -> None:
    async with served() as s:
        pods = objects(s.sim, ("", "pods"))
        by_name = sorted(pods, key=lambda p: (p.name, p.namespace, p.name, p.uid))
        page = await s.page("admin", "pods", sort="name", limit=50)
        assert [r["uid"] for r in page["rows"]] == [p.uid for p in by_name[:50]]
        page = await s.page("admin", "pods", sort="name", desc=1, offset=100, limit=30)
        desc = sorted(pods, key=lambda p: (p.namespace, p.name, p.uid))
        desc.sort(key=lambda p: p.name, reverse=True)
        assert [r["uid"] for r in page["rows"]] == [p.uid for p in desc[100:130]]
        assert page["offset"] == 100

        wanted = {"checkout", "payments"}
        page = await s.page("admin", "pods", namespace="payments,checkout", limit=1000)
        assert page["total"] == sum(1 for p in pods if p.namespace in wanted)
        assert {r["namespace"] for r in page["rows"]} == wanted

        selector = "app.kubernetes.io/part-of=catalog,team"
        sel = parse_label_selector(selector)
        page = await s.page("admin", "pods", selector=selector, limit=1000)
        expected = {p.uid for p in pods if sel.matches(p.labels)}
        assert expected and {r["uid"] for r in page["rows"]} == expected
        assert page["total"] == len(expected)

        one = pods[17]
        page = await s.page("admin", "pods", q=one.name)
        assert [r["uid"] for r in page["rows"]] == [one.uid]

        page = await s.page("admin", "pods", **{"facet.status": "Running"}, limit=1000)
        assert page["total"] > 0 and all(r["status"] == "Running" for r in page["rows"])
        everything = await s.page("admin", "pods", limit=1000)
        running = sum(1 for r in everything["rows"] if r["status"] == "Running")
        assert page["total"] == running

        page = await s.page("admin", "pods", sort="restarts", desc=1, limit=10)
        restarts = [r["restarts"] for r in page["rows"]]
        assert restarts == sorted(restarts, reverse=True)


async def test_etag_304_is_answered_without_building_the_page() -> None:
    async with served() as s:
        path = "/api/v1/clusters/admin/views/pods?sort=restarts&desc=1&limit=20"
        status, body, r = await s.get(path)
        etag = r.headers["ETag"]
        assert status == 200 and etag == f'"{body["version"]}"'
        assert r.headers["Cache-Control"] == "no-cache"
        built = (await s.diagnostics())["api"]["pages_built"]
        for _ in range(5):
            status, _, r = await s.get(path, headers={"If-None-Match": etag})
            assert status == 304 and r.headers["ETag"] == etag
        diag = (await s.diagnostics())["api"]
        assert diag["pages_built"] == built and diag["pages_not_modified"] == 5
        # Another normalised query has another version; the same one spelled differently not.
        _, _, r2 = await s.get(path + "&namespace=checkout")
        assert r2.headers["ETag"] != etag
        _, _, r3 = await s.get("/api/v1/clusters/admin/views/pods?limit=20&desc=1&sort=restarts")
        assert r3.headers["ETag"] == etag
        # A change in the cluster changes the version: the next revalidation gets a page.
        pod = objects(s.sim, ("", "pods"))[0]
        bump_restarts(s.sim, pod.namespace, pod.name, 4242)

        async def changed() -> bool:
            status, _, _ = await s.get(path, headers={"If-None-Match": etag})
            return status == 200

        from tests.api.harness import eventually_async

        await eventually_async(changed, 5)
        page = await s.page("admin", "pods", sort="restarts", desc=1, limit=1)
        assert page["rows"][0]["uid"] == pod.uid and page["rows"][0]["restarts"] == 4242


async def test_bad_parameters_are_named() -> None:
    async with served(connect=("admin",)) as s:
        cases = {
            "sort=nope": "sort",
            "limit=1001": "limit",
            "limit=x": "limit",
            "offset=-1": "offset",
            "desc=maybe": "desc",
            "selector=a%20in%20(": "selector",
            "facet.nope=x": "facet.nope",
            "facet.restarts=1": "facet.restarts",
            "colour=red": "colour",
        }
        for query, param in cases.items():
            status, body, _ = await s.get(f"/api/v1/clusters/admin/views/pods?{query}")
            assert status == 400, query
            assert body["error"]["reason"] == "BadRequest"
            assert body["error"]["details"]["parameter"] == param, (query, body)
            assert param.split(".")[0] in body["error"]["message"]
        status, body, _ = await s.get("/api/v1/clusters/admin/views/nodes?namespace=a")
        assert status == 400 and body["error"]["details"]["parameter"] == "namespace"
        status, body, _ = await s.get("/api/v1/clusters/admin/views/podz")
        assert status == 404 and body["error"]["details"]["parameter"] == "view"
        status, body, _ = await s.get("/api/v1/clusters/nope/views/pods")
        assert status == 404 and body["error"]["cluster"] == "nope"
        status, body, _ = await s.get("/api/v1/clusters/admin/views/browse/core/v1/nothings")
        assert status == 404 and body["error"]["details"]["parameter"] == "resource"
        status, body, _ = await s.get("/api/v1/nothing")
        assert status == 404 and body["error"]["reason"] == "NotFound"


async def test_not_connected_is_503_until_connect() -> None:
    async with served(connect=("admin",)) as s:
        status, body, _ = await s.get("/api/v1/clusters/restricted/views/pods")
        assert status == 503 and body["error"]["details"]["state"] == "idle"
        async with s.http.post(s.base + "/api/v1/clusters/restricted/connect") as r:
            assert r.status == 200 and (await r.json())["state"] in ("ready", "degraded")
        page = await s.page("restricted", "pods")
        assert page["sources"][0]["id"] == "pods@team-a"
        async with s.http.post(s.base + "/api/v1/clusters/restricted/disconnect") as r:
            assert (await r.json())["state"] == "idle"
        status, body, _ = await s.get("/api/v1/clusters/restricted/views/pods")
        assert status == 503


async def test_restricted_user_gets_partial_pages_and_403_only_when_all_is_forbidden() -> None:
    async with served() as s:
        page = await s.page("restricted", "pods", namespace="team-a,kube-system")
        team_a = [p for p in objects(s.sim, ("", "pods")) if p.namespace == "team-a"]
        assert page["total"] == len(team_a) > 0
        assert [src["id"] for src in page["sources"]] == ["pods@team-a", "metrics"]
        assert any(
            w["code"] == "PartialAccess" and "kube-system" in w["message"] for w in page["warnings"]
        )
        status, body, _ = await s.get("/api/v1/clusters/restricted/views/nodes")
        assert status == 403 and body["error"]["reason"] == "Forbidden"
        assert 'cannot list resource "nodes"' in body["error"]["message"]
        detail = await s.get("/api/v1/clusters/restricted")
        assert detail[1]["namespaces"] == ["team-a"]
        assert detail[1]["load"]["requests_by_verb"]


async def test_secrets_never_carry_values() -> None:
    async with served(connect=("admin",)) as s:
        page = await s.page("admin", "secrets", limit=1000)
        assert page["rows"] and all(
            set(r) <= {"uid", "name", "namespace", *page["columns"]} for r in page["rows"]
        )
        secret = next(o for o in objects(s.sim, ("", "secrets")) if o.decode().get("data"))
        raw = secret.decode()
        path = f"/api/v1/clusters/admin/objects/core/v1/secrets/{secret.namespace}/{secret.name}"
        status, obj, _ = await s.get(path)
        assert status == 200
        assert set(obj["data"]) == set(raw["data"])
        assert all(isinstance(v, int) for v in obj["data"].values())
        assert "managedFields" not in obj["metadata"]
        status, text, r = await s.get(path + "?format=yaml")
        assert status == 200 and r.content_type == "application/yaml"
        for value in raw["data"].values():
            assert value not in text.decode()


async def test_object_endpoint_managed_fields_and_errors() -> None:
    async with served(connect=("admin",)) as s:
        pod = objects(s.sim, ("", "pods"))[0]
        base = f"/api/v1/clusters/admin/objects/core/v1/pods/{pod.namespace}/{pod.name}"
        status, obj, _ = await s.get(base)
        assert status == 200 and obj["metadata"]["uid"] == pod.uid
        assert "managedFields" not in obj["metadata"]
        if pod.decode()["metadata"].get("managedFields"):
            _, obj, _ = await s.get(base + "?managedFields=1")
            assert obj["metadata"]["managedFields"]
        status, body, _ = await s.get(
            f"/api/v1/clusters/admin/objects/core/v1/pods/{pod.namespace}/nope"
        )
        assert status == 404 and body["error"]["details"]["status"]["reason"] == "NotFound"
        status, node, _ = await s.get(
            "/api/v1/clusters/admin/objects/core/v1/nodes/_/"
            + objects(s.sim, ("", "nodes"))[0].name
        )
        assert status == 200 and node["kind"] == "Node"


async def test_catalogue_and_clusters() -> None:
    async with served(connect=("admin",)) as s:
        _, views, _ = await s.get("/api/v1/views")
        names = {v["name"] for v in views}
        assert set(VIEW_KEYS) <= names and "browse" in names
        pods = next(v for v in views if v["name"] == "pods")
        assert pods["sort"] == {"column": "name", "desc": False}
        assert {"id", "title", "type", "sortable"} <= set(pods["columns"][0])
        _, clusters, _ = await s.get("/api/v1/clusters")
        assert [c["id"] for c in clusters] == ["admin", "restricted"]
        assert {
            "id",
            "name",
            "context",
            "server",
            "namespace",
            "state",
            "stateSince",
            "message",
            "readOnly",
            "version",
        } <= set(clusters[0])
