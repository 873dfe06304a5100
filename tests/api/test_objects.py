"""Object reads over HTTP against the simulator: the watch-invalidated cache, Secret reveal and
Helm releases."""

from __future__ import annotations

import base64
from typing import Any

from masthead.sim.registry import DeleteOptions, WriteContext
from masthead.sim.world.helm import decode_release
from tests.api.harness import Served, eventually_async, served
from tests.kube.kubesim import delete_cm, make_cm

C = "/api/v1/clusters/admin"
CM = C + "/objects/core/v1/configmaps/default/cached"


async def cache_stats(s: Served, cluster: str = "admin") -> dict[str, int]:
    d = await s.diagnostics()
    stats: dict[str, int] = d["tables"][cluster]["object_cache"]
    return stats


async def fetched(s: Served) -> int:
    n: int = (await s.diagnostics())["api"]["objects_fetched"]
    return n


def patch_cm(s: Served, ns: str, name: str, data: dict[str, str]) -> None:
    s.sim.registry.patch(
        s.sim.info("", "v1", "configmaps"),
        ns,
        name,
        "application/merge-patch+json",
        {"data": data},
        WriteContext("test"),
    )


async def test_cache_serves_until_the_watch_sees_a_change_or_a_delete() -> None:
    async with served(connect=("admin",)) as s:
        make_cm(s.sim, "default", "cached", v="1")
        await s.page("admin", "configmaps")  # the configmaps source runs: the watch vouches
        status, first, _ = await s.get(CM)
        assert status == 200 and first["data"] == {"v": "1"}
        before = await fetched(s)
        status, again, _ = await s.get(CM + "?format=yaml")
        assert status == 200 and b"v: '1'" in again
        stats = await cache_stats(s)
        assert stats["hits"] == 1 and stats["entries"] == 1 and stats["bytes"] > 0
        assert await fetched(s) == before  # the API server was not asked again

        patch_cm(s, "default", "cached", {"v": "2"})

        async def invalidated() -> bool:
            return (await cache_stats(s))["invalidations"] >= 1

        await eventually_async(invalidated, 10)
        _, changed, _ = await s.get(CM)
        assert changed["data"] == {"v": "2"}
        assert changed["metadata"]["resourceVersion"] != first["metadata"]["resourceVersion"]

        delete_cm(s.sim, "default", "cached")

        async def dropped() -> bool:
            return (await cache_stats(s))["invalidations"] >= 2

        await eventually_async(dropped, 10)
        status, gone, _ = await s.get(CM)
        assert status == 404 and gone["error"]["reason"] == "NotFound"


async def test_unwatched_kinds_and_secrets_are_never_cached() -> None:
    async with served(connect=("admin",)) as s:
        await s.page("admin", "secrets")  # a live secrets source still caches nothing
        secret = next(iter(s.sim.store.iter_objects(("", "secrets"))))
        path = f"{C}/objects/core/v1/secrets/{secret.namespace}/{secret.name}"
        make_cm(s.sim, "default", "cached", v="1")  # no configmaps source runs: no watch
        before = await fetched(s)
        for p in (path, path, CM, CM):
            status, _, _ = await s.get(p)
            assert status == 200
        stats = await cache_stats(s)
        assert stats["hits"] == 0 and stats["entries"] == 0
        assert await fetched(s) == before + 4


async def test_reveal_decodes_values_and_leaves_no_trace() -> None:
    async with served(connect=("admin", "restricted")) as s:
        value = "s3cr3t-value-for-reveal"
        s.sim.registry.create(
            s.sim.info("", "v1", "secrets"),
            "team-a",
            {
                "metadata": {"name": "creds"},
                "data": {
                    "password": base64.b64encode(value.encode()).decode(),
                    "blob": base64.b64encode(b"\x00\xff\x10").decode(),
                },
            },
            WriteContext("test"),
        )
        path = C + "/objects/core/v1/secrets/team-a/creds"
        status, body, r = await s.post(path + "/reveal")
        assert status == 200 and r.headers["Cache-Control"] == "no-store"
        assert body["data"]["password"] == {"value": value, "encoding": "text"}
        assert body["data"]["blob"] == {
            "value": base64.b64encode(b"\x00\xff\x10").decode(),
            "encoding": "base64",
        }
        status, body, _ = await s.post(path + "/reveal", {"keys": ["password"]})
        assert status == 200 and set(body["data"]) == {"password"}

        status, body, _ = await s.post(path + "/reveal", {"keys": ["nope"]})
        assert status == 404 and body["error"]["details"]["parameter"] == "keys"
        status, body, _ = await s.post(path + "/reveal", {"keys": "password"})
        assert status == 400 and body["error"]["details"]["parameter"] == "keys"
        status, body, _ = await s.post(path + "/reveal", {"key": ["password"]})
        assert status == 400 and body["error"]["details"]["parameter"] == "key"
        status, body, _ = await s.post(C + "/objects/core/v1/configmaps/team-a/x/reveal")
        assert status == 404 and body["error"]["details"]["parameter"] == "resource"
        # A foreign Origin is refused as for any mutation; a GET is no reveal.
        status, _, _ = await s.post(path + "/reveal", headers={"Origin": "http://evil.example"})
        assert status == 403
        status, _, _ = await s.get(path + "/reveal")
        assert status in (404, 405)
        # The restricted user may not read Secrets in team-c (view role): RBAC answers.
        status, body, _ = await s.post(
            "/api/v1/clusters/restricted/objects/core/v1/secrets/team-c/any/reveal"
        )
        assert status == 403 and body["error"]["details"]["status"]["reason"] == "Forbidden"

        # The value is nowhere else: object read, the secrets page, diagnostics.
        _, obj, _ = await s.get(path)
        page = await s.page("admin", "secrets", namespace="team-a", limit=1000)
        diag = await s.diagnostics()
        for text in (obj, page, diag):
            assert value not in str(text)
        assert obj["data"] == {"password": len(value), "blob": 3}
        assert diag["tables"]["admin"]["object_cache"]["entries"] == 0
        assert s.server.ctx is not None
        cache = s.server.ctx.object_cache
        assert all(value.encode() not in e.body for e in cache._entries.values())


def helm_secrets(s: Served, release: str) -> list[Any]:
    return sorted(
        (
            o
            for o in s.sim.store.iter_objects(("", "secrets"))
            if (o.decode()["metadata"].get("labels") or {}).get("name") == release
            and o.decode().get("type") == "helm.sh/release.v1"
        ),
        key=lambda o: int(o.decode()["metadata"]["labels"]["version"]),
    )


async def test_helm_release_with_its_history() -> None:
    async with served(connect=("admin",)) as s:
        secrets = helm_secrets(s, "redis")
        assert len(secrets) == 3
        latest = secrets[-1].decode()
        expected = decode_release(latest["data"]["release"])
        path = f"{C}/objects/core/v1/secrets/{secrets[-1].namespace}/{secrets[-1].name}/helm"
        status, body, r = await s.get(path)
        assert status == 200, body
        assert r.headers["Cache-Control"] == "no-store"
        assert body["name"] == "redis" and body["namespace"] == "catalog"
        assert body["chart"] == {
            "name": "redis",
            "version": "20.3.0",
            "appVersion": "7.4.1",
            "description": expected["chart"]["metadata"]["description"],
        }
        assert (body["status"], body["revision"]) == ("deployed", 3)
        assert body["manifest"] == expected["manifest"] and "7.4.1" in body["manifest"]
        assert body["values"] == {
            "architecture": "standalone",
            "master": {"persistence": {"size": "8Gi"}},
        }
        assert body["defaultValues"] == expected["chart"]["values"]
        assert body["notes"] == expected["info"]["notes"]
        assert [(r["revision"], r["status"]) for r in body["revisions"]] == [
            (3, "deployed"),
            (2, "failed"),
            (1, "superseded"),
        ]
        assert body["revisions"][2]["chart"] == "redis-19.6.4"
        assert body["revisions"][1]["description"].startswith('Upgrade "redis" failed')
        assert body["warnings"] == []

        # An older revision's Secret shows that revision, with the same history.
        first = secrets[0]
        _, old, _ = await s.get(f"{C}/objects/core/v1/secrets/{first.namespace}/{first.name}/helm")
        assert (old["revision"], old["status"], old["chart"]["version"]) == (
            1,
            "superseded",
            "19.6.4",
        )
        assert len(old["revisions"]) == 3

        plain = next(
            o
            for o in s.sim.store.iter_objects(("", "secrets"))
            if o.decode().get("type") != "helm.sh/release.v1"
        )
        status, body, _ = await s.get(
            f"{C}/objects/core/v1/secrets/{plain.namespace}/{plain.name}/helm"
        )
        assert status == 422 and body["error"]["reason"] == "NotAHelmRelease"
        status, body, _ = await s.get(f"{C}/objects/core/v1/secrets/catalog/missing/helm")
        assert status == 404


async def test_object_events_live_and_from_history() -> None:
    async with served(connect=("admin",)) as s:
        by_uid: dict[str, list[dict[str, Any]]] = {}
        for o in s.sim.store.iter_objects(("", "events")):
            ev = o.decode()
            by_uid.setdefault(ev["involvedObject"].get("uid", ""), []).append(ev)
        pod = next(
            o.decode()
            for o in s.sim.store.iter_objects(("", "pods"))
            if len(by_uid.get(o.uid, ())) >= 2
        )
        meta = pod["metadata"]
        path = f"{C}/objects/core/v1/pods/{meta['namespace']}/{meta['name']}/events"
        expected = {e["metadata"]["uid"] for e in by_uid[meta["uid"]]}

        async def all_recorded() -> bool:
            _, body, _ = await s.get(path)
            return {e["uid"] for e in body["items"]} == expected and all(
                e["id"] is not None for e in body["items"]
            )

        await eventually_async(all_recorded, 10)
        status, body, _ = await s.get(path)
        assert status == 200 and body["history"] is True
        items = body["items"]
        assert all(e["object_uid"] == meta["uid"] for e in items)
        assert len({e["uid"] for e in items}) == len(items)  # one entry per event
        seen = [e["last_seen"] for e in items]
        assert seen == sorted(seen, reverse=True)

        # The API server forgets an event (its TTL): the history still shows it.
        gone = by_uid[meta["uid"]][0]
        s.sim.registry.delete(
            s.sim.info("", "v1", "events"),
            gone["metadata"]["namespace"],
            gone["metadata"]["name"],
            DeleteOptions(),
        )

        async def left_table() -> bool:
            page = await s.page("admin", "events", limit=1000, namespace=meta["namespace"])
            return gone["metadata"]["uid"] not in {r["uid"] for r in page["rows"]}

        await eventually_async(left_table, 10)
        _, body, _ = await s.get(path)
        assert gone["metadata"]["uid"] in {e["uid"] for e in body["items"]}

        _, one, _ = await s.get(path, params={"limit": "1"})
        assert [e["uid"] for e in one["items"]] == [items[0]["uid"]]
        _, none, _ = await s.get(path, params={"since": "2999-01-01T00:00:00Z"})
        assert none["items"] == []
        status, bad, _ = await s.get(path, params={"limit": "0"})
        assert status == 400 and bad["error"]["details"]["parameter"] == "limit"
        status, bad, _ = await s.get(path, params={"since": "yesterday"})
        assert status == 400 and bad["error"]["details"]["parameter"] == "since"
        status, _, _ = await s.get(f"{C}/objects/core/v1/pods/{meta['namespace']}/nope/events")
        assert status == 404


def kind(body: dict[str, Any], group: str, resource: str) -> dict[str, Any]:
    found: dict[str, Any] = next(
        i for i in body["items"] if (i["group"], i["resource"]) == (group, resource)
    )
    return found


async def test_kinds_with_access_and_counts() -> None:
    async with served(connect=("admin", "restricted")) as s:
        await s.page("admin", "pods")  # a pods table exists now: its count is known
        status, body, _ = await s.get(C + "/kinds")
        assert status == 200 and body["namespace"] == "default"
        pods = kind(body, "", "pods")
        assert pods["kind"] == "Pod" and pods["namespaced"] and pods["version"] == "v1"
        assert {"list", "watch", "get", "create", "delete"} <= set(pods["verbs"])
        assert pods["allowed"] == {"list": True, "watch": True, "get": True}
        assert pods["count"] == sum(1 for _ in s.sim.store.iter_objects(("", "pods")))
        nodes = kind(body, "", "nodes")
        assert not nodes["namespaced"] and nodes["allowed"]["list"] is True
        none = {"list": False, "watch": False, "get": False}
        assert kind(body, "", "bindings")["allowed"] == none  # create-only
        assert kind(body, "storage.k8s.io", "storageclasses")["count"] is None  # no table
        deploy = kind(body, "apps", "deployments")
        assert deploy["kind"] == "Deployment" and deploy["group"] == "apps"

        # jane: `edit` in her context's namespace team-a, nothing cluster-wide.
        status, body, _ = await s.get("/api/v1/clusters/restricted/kinds")
        assert status == 200 and body["namespace"] == "team-a"
        assert kind(body, "", "pods")["allowed"] == {"list": True, "watch": True, "get": True}
        assert kind(body, "", "nodes")["allowed"]["list"] is False
        assert kind(body, "rbac.authorization.k8s.io", "clusterroles")["allowed"]["get"] is False
        status, body, _ = await s.get(C + "/kinds?x=1")
        assert status == 400 and body["error"]["details"]["parameter"] == "x"


async def test_helm_release_listing_and_lookup_by_name() -> None:
    async with served(connect=("admin",)) as s:
        status, body, _ = await s.get(C + "/helm")
        assert status == 200
        assert [(i["namespace"], i["name"], i["revision"], i["status"]) for i in body["items"]] == [
            ("catalog", "redis", 3, "deployed"),
            ("ingress-nginx", "ingress-nginx", 2, "deployed"),
        ]
        assert body["items"][0]["secret"] == "sh.helm.release.v1.redis.v3"
        _, only, _ = await s.get(C + "/helm", params={"namespace": "catalog"})
        assert [i["name"] for i in only["items"]] == ["redis"]
        status, rel, _ = await s.get(C + "/helm/ingress-nginx/ingress-nginx")
        assert status == 200 and rel["revision"] == 2 and rel["chart"]["version"] == "4.11.3"
        assert [r["revision"] for r in rel["revisions"]] == [2, 1]
        status, missing, _ = await s.get(C + "/helm/catalog/nope")
        assert status == 404 and missing["error"]["reason"] == "NotFound"
        status, bad, _ = await s.get(C + "/helm", params={"ns": "x"})
        assert status == 400 and bad["error"]["details"]["parameter"] == "ns"
