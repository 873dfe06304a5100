"""The simulator over real HTTP: discovery, CRUD, lists, watches, RBAC, CRDs, deletion."""

from __future__ import annotations

import asyncio
from typing import Any

from masthead.sim.app import SimConfig
from masthead.sim.registry import RegistryConfig
from tests.sim.simclient import GADGET_CRD, running_sim

CM = "/api/v1/namespaces/team-a/configmaps"
V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
V2BETA1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"


def cm(name: str, labels: dict[str, str] | None = None, **data: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "labels": labels or {}},
        "data": data,
    }


async def test_discovery_legacy_aggregated_and_etag() -> None:
    async with running_sim() as c:
        r = await c.get("/api")
        assert r.status == 200 and r.body["versions"] == ["v1"]
        for path in ("/version", "/version/"):  # kr8s asks with the trailing slash
            v = await c.get(path)
            assert v.status == 200 and v.body["gitVersion"] == "v1.36.2"
        r = await c.get("/apis/apps/v1")
        names = {x["name"] for x in r.body["resources"]}
        assert {"deployments", "deployments/scale", "replicasets", "statefulsets"} <= names
        agg = await c.get("/apis", headers={"Accept": V2})
        assert agg.headers["Content-Type"] == V2
        etag = agg.headers["ETag"]
        again = await c.get("/apis", headers={"Accept": V2, "If-None-Match": etag})
        assert again.status == 304
        only_beta = await c.get(
            "/api",
            headers={"Accept": V2BETA1},
        )
        assert only_beta.status == 406
        unknown = await c.get("/apis/nope.example.com/v1/foos")
        assert unknown.status == 404 and unknown.text == "404 page not found\n"
        unknown_res = await c.get("/api/v1/namespaces/team-a/foos")
        assert unknown_res.status == 404 and unknown_res.body["details"] == {}


async def test_crud_conflicts_and_delete_status() -> None:
    async with running_sim() as c:
        r = await c.post(CM, cm("a", x="1"))
        assert r.status == 201
        rv1 = r.body["metadata"]["resourceVersion"]
        assert (await c.post(CM, cm("a"))).body["reason"] == "AlreadyExists"
        upd = cm("a", x="2")
        upd["metadata"]["resourceVersion"] = rv1
        r2 = await c.put(CM + "/a", upd)
        assert r2.status == 200 and int(r2.body["metadata"]["resourceVersion"]) > int(rv1)
        stale = await c.put(CM + "/a", upd)
        assert stale.status == 409 and stale.body["reason"] == "Conflict"
        d = await c.delete(CM + "/a")
        assert d.status == 200 and d.body["status"] == "Success"
        assert d.body["details"]["kind"] == "configmaps"
        assert (await c.get(CM + "/a")).status == 404


async def test_list_paging_is_one_snapshot_and_rv0_ignores_limit() -> None:
    async with running_sim() as c:
        for i in range(30):
            await c.post(CM, cm(f"lst-{i:02d}", {"tier": ["web", "db", "cache"][i % 3]}))
        p1 = (await c.get(CM, params={"limit": "10"})).body
        assert len(p1["items"]) == 10 and p1["metadata"]["remainingItemCount"] == 20
        await c.post(CM, cm("lst-99"))  # written mid-pagination: must not appear
        p2 = (await c.get(CM, params={"limit": "10", "continue": p1["metadata"]["continue"]})).body
        p3 = (await c.get(CM, params={"limit": "10", "continue": p2["metadata"]["continue"]})).body
        names = [i["metadata"]["name"] for p in (p1, p2, p3) for i in p["items"]]
        assert names == [f"lst-{i:02d}" for i in range(30)]
        assert p1["metadata"]["resourceVersion"] == p3["metadata"]["resourceVersion"]
        assert "continue" not in p3["metadata"]
        assert "kind" not in p1["items"][0]  # built-in list items carry no kind
        all_rv0 = (await c.get(CM, params={"limit": "10", "resourceVersion": "0"})).body
        assert len(all_rv0["items"]) == 31 and "continue" not in all_rv0["metadata"]
        web = (await c.get(CM, params={"labelSelector": "tier in (web,db)"})).body
        assert len(web["items"]) == 20
        bad = await c.get(CM, params={"labelSelector": "tier in (web"})
        assert bad.status == 400
        assert bad.body["message"] == "unable to parse requirement: found '', expected: ',' or ')'"


async def test_expired_continue_token_is_410_with_fresh_token() -> None:
    async with running_sim(SimConfig(history_size=5)) as c:
        for i in range(4):
            await c.post(CM, cm(f"k{i}"))
        p1 = (await c.get(CM, params={"limit": "1"})).body
        for i in range(10):  # push the page's snapshot out of the history window
            await c.post(CM, cm(f"z{i}"))
        r = await c.get(CM, params={"limit": "1", "continue": p1["metadata"]["continue"]})
        assert r.status == 410 and r.body["reason"] == "Expired"
        fresh = r.body["metadata"]["continue"]
        nxt = await c.get(CM, params={"limit": "100", "continue": fresh})
        assert nxt.status == 200
        assert [i["metadata"]["name"] for i in nxt.body["items"]][:3] == ["k1", "k2", "k3"]


async def test_watch_events_selector_leave_and_bookmarks() -> None:
    async with running_sim() as c:
        rv = (await c.get(CM)).body["metadata"]["resourceVersion"]
        w = await c.watch(
            CM,
            {
                "resourceVersion": rv,
                "labelSelector": "app=sel",
                "timeoutSeconds": "3",
                "allowWatchBookmarks": "true",
            },
        )
        await c.post(CM, cm("s", {"app": "sel"}))
        await c.patch(
            CM + "/s", {"metadata": {"labels": {"app": "other"}}}, "application/merge-patch+json"
        )
        await c.patch(CM + "/s", {"data": {"ignored": "1"}}, "application/merge-patch+json")
        await c.patch(
            CM + "/s", {"metadata": {"labels": {"app": "sel"}}}, "application/merge-patch+json"
        )
        await c.delete(CM + "/s")
        events = await w.collect()
        kinds = [e["type"] for e in events if e["type"] != "BOOKMARK"]
        assert kinds == ["ADDED", "DELETED", "ADDED", "DELETED"]
        left = events[1]["object"]
        assert left["metadata"]["labels"] == {"app": "sel"}  # previous state...
        assert int(left["metadata"]["resourceVersion"]) > int(
            events[0]["object"]["metadata"]["resourceVersion"]
        )
        assert all(e["object"]["kind"] == "ConfigMap" for e in events)
        assert any(e["type"] == "BOOKMARK" for e in events)


async def test_watch_initial_events_end_bookmark_and_too_old() -> None:
    async with running_sim() as c:
        await c.post(CM, cm("w-0"))
        w = await c.watch(CM, {"timeoutSeconds": "2", "allowWatchBookmarks": "true"})
        first = await w.until(lambda e: e["type"] == "BOOKMARK")
        assert [e["type"] for e in first] == ["ADDED", "BOOKMARK"]
        ann = first[-1]["object"]["metadata"]["annotations"]
        assert ann == {"k8s.io/initial-events-end": "true"}
        w.close()
        old = await c.watch(CM, {"resourceVersion": "1", "timeoutSeconds": "2"})
        assert old.status == 200
        events = await old.collect()
        assert len(events) == 1 and events[0]["type"] == "ERROR"
        assert events[0]["object"]["code"] == 410 and events[0]["object"]["reason"] == "Expired"
        bad = await c.get(CM, params={"watch": "true", "sendInitialEvents": "true"})
        assert bad.status == 422


async def test_watch_list_gate_off_rejects_send_initial_events() -> None:
    async with running_sim(SimConfig(watch_list_enabled=False)) as c:
        r = await c.get(
            CM,
            params={
                "watch": "1",
                "sendInitialEvents": "true",
                "resourceVersionMatch": "NotOlderThan",
            },
        )
        assert r.status == 422
        assert "WatchList feature gate" in r.body["message"]


async def test_rbac_restricted_user_grant_and_revoke() -> None:
    async with running_sim() as c:
        jane = c.as_token(c.sim.restricted_token)
        r = await jane.get("/api/v1/pods")
        assert r.status == 403
        assert r.body["message"] == (
            'pods is forbidden: User "jane" cannot list resource "pods" in API group "" '
            "at the cluster scope"
        )
        assert (await jane.get("/api/v1/namespaces/team-a/pods")).status == 200
        assert (await jane.get("/api/v1/namespaces/kube-system/pods")).status == 403
        assert (await jane.post("/api/v1/namespaces/team-c/configmaps", cm("x"))).status == 403
        # Revoke by deleting the binding: the next request is denied.
        await c.delete(
            "/apis/rbac.authorization.k8s.io/v1/namespaces/team-a/rolebindings/jane-edit"
        )
        assert (await jane.get("/api/v1/namespaces/team-a/pods")).status == 403
        ssar = await jane.post(
            "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
            {
                "apiVersion": "authorization.k8s.io/v1",
                "kind": "SelfSubjectAccessReview",
                "spec": {
                    "resourceAttributes": {
                        "verb": "list",
                        "resource": "pods",
                        "namespace": "team-b",
                    }
                },
            },
        )
        assert ssar.status == 201 and ssar.body["status"]["allowed"] is True
        assert (await c.as_token("wrong").get("/api/v1/pods")).status == 401


async def test_crd_lifecycle_serves_custom_resources() -> None:
    async with running_sim() as c:
        assert (await c.get("/apis/fix.example.com/v1")).status == 404
        assert (
            await c.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", GADGET_CRD)
        ).status == 201
        for _ in range(50):
            if (await c.get("/apis/fix.example.com/v1")).status == 200:
                break
            await asyncio.sleep(0.05)
        path = "/apis/fix.example.com/v1/namespaces/team-a/gadgets"
        g = {
            "apiVersion": "fix.example.com/v1",
            "kind": "Gadget",
            "metadata": {"name": "g1"},
            "spec": {"size": 3},
            "status": {"phase": "Ignored"},
        }
        r = await c.post(path, g)
        assert r.status == 201 and "status" not in r.body and r.body["metadata"]["generation"] == 1
        lst = (await c.get(path)).body
        assert lst["kind"] == "GadgetList" and lst["items"][0]["kind"] == "Gadget"
        await c.delete(
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.fix.example.com"
        )
        for _ in range(50):
            if (await c.get("/apis/fix.example.com/v1")).status == 404:
                break
            await asyncio.sleep(0.05)
        gone = await c.get(path + "/g1")
        assert gone.status == 404 and gone.text == "404 page not found\n"


async def test_owner_garbage_collection_and_graceful_pod_delete() -> None:
    async with running_sim() as c:
        owner = (await c.post(CM, cm("owner"))).body
        dep = cm("dependent")
        dep["metadata"]["ownerReferences"] = [
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "name": "owner",
                "uid": owner["metadata"]["uid"],
            }
        ]
        await c.post(CM, dep)
        await c.delete(CM + "/owner")
        for _ in range(50):
            if (await c.get(CM + "/dependent")).status == 404:
                break
            await asyncio.sleep(0.05)
        assert (await c.get(CM + "/dependent")).status == 404
        pod = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "p"},
            "spec": {"nodeName": "node-1", "containers": [{"name": "c", "image": "nginx:1.27"}]},
        }
        created = await c.post("/api/v1/namespaces/team-a/pods", pod)
        assert created.status == 201
        rv = created.body["metadata"]["resourceVersion"]
        w = await c.watch(
            "/api/v1/namespaces/team-a/pods", {"resourceVersion": rv, "timeoutSeconds": "5"}
        )
        d = await c.delete("/api/v1/namespaces/team-a/pods/p")
        assert d.status == 200 and d.body["metadata"]["deletionTimestamp"]
        events = await w.until(lambda e: e["type"] == "DELETED")
        assert [e["type"] for e in events] == ["MODIFIED", "DELETED"]


async def test_namespace_deletion_is_finalized_by_the_controller() -> None:
    async with running_sim() as c:
        await c.post(
            "/api/v1/namespaces",
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "gone"}},
        )
        await c.post("/api/v1/namespaces/gone/configmaps", cm("keep"))
        d = await c.delete("/api/v1/namespaces/gone")
        assert d.body["status"]["phase"] == "Terminating"
        for _ in range(60):
            if (await c.get("/api/v1/namespaces/gone")).status == 404:
                break
            await asyncio.sleep(0.05)
        assert (await c.get("/api/v1/namespaces/gone")).status == 404

    async with running_sim(SimConfig(registry=RegistryConfig(namespace_controller=False))) as c:
        await c.post(
            "/api/v1/namespaces",
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "stuck"}},
        )
        await c.delete("/api/v1/namespaces/stuck")
        r = await c.post("/api/v1/namespaces/stuck/configmaps", cm("x"))
        assert r.status == 403
