"""In-cluster mode: every request is a Kubernetes user, every API call is made with that
user's token, and nothing built with one user's permissions is served to another (issue 8,
Security). Two users of the simulator: `admin` (system:masters) and `jane` (edit in team-a and
team-b, view in team-c, nothing else)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import orjson
from aiohttp import WSMsgType

from masthead.api.namespaces import KEY_PREFIX
from masthead.identity import IdentityTuning
from masthead.sim.app import Simulator
from masthead.sim.registry import DeleteOptions, WriteContext
from tests.api.harness import eventually_async
from tests.api.test_feeds import SseReader, add_warning
from tests.security.in_cluster import JANE_NAMESPACES, InCluster, add_user, bearer, in_cluster


def pods_in(sim: Simulator, namespaces: frozenset[str] | None = None) -> list[dict[str, Any]]:
    return [
        o.decode()
        for o in sim.store.iter_objects(("", "pods"))
        if namespaces is None or o.namespace in namespaces
    ]


def a_pod_outside_janes(sim: Simulator) -> dict[str, Any]:
    return next(p for p in pods_in(sim) if p["metadata"]["namespace"] not in JANE_NAMESPACES)


async def ready(ic: InCluster) -> None:
    await ic.connected(ic.admin)
    await ic.connected(ic.jane)


async def test_each_user_sees_only_their_own_rows_objects_and_cluster() -> None:
    async with in_cluster() as ic:
        await ready(ic)
        everything = pods_in(ic.sim)
        janes = pods_in(ic.sim, JANE_NAMESPACES)
        assert 0 < len(janes) < len(everything)

        page = await ic.page(ic.jane, "pods", limit=1000)
        assert page["total"] == len(janes)
        assert {r["namespace"] for r in page["rows"]} <= JANE_NAMESPACES
        page = await ic.page(ic.admin, "pods", limit=1000)
        assert page["total"] == len(everything)

        # One cluster each, under different ids; the other user's id does not exist here.
        _, admin_clusters, _ = await ic.get("/api/v1/clusters", ic.admin)
        _, jane_clusters, _ = await ic.get("/api/v1/clusters", ic.jane)
        assert len(admin_clusters) == len(jane_clusters) == 1
        admin_id, jane_id = admin_clusters[0]["id"], jane_clusters[0]["id"]
        assert admin_id != jane_id and jane_clusters[0]["name"] == "in-cluster"
        status, err, _ = await ic.get(f"/api/v1/clusters/{admin_id}/views/pods", ic.jane)
        assert status == 404 and err["error"]["details"]["parameter"] == "cluster"
        status, page, _ = await ic.get(f"/api/v1/clusters/{jane_id}/views/pods", ic.jane)
        assert status == 200 and page["total"] == len(janes)

        # Object details go to the API server with the requesting user's token.
        pod = a_pod_outside_janes(ic.sim)
        ns, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
        path = f"/api/v1/clusters/in-cluster/objects/core/v1/pods/{ns}/{name}"
        status, obj, _ = await ic.get(path, ic.admin)
        assert status == 200 and obj["metadata"]["uid"] == pod["metadata"]["uid"]
        status, err, _ = await ic.get(path, ic.jane)
        assert status == 403, err
        assert 'User "jane" cannot get resource "pods"' in err["error"]["message"]

        # Diagnostics show the requesting user's cluster only.
        _, diag, _ = await ic.get("/api/v1/diagnostics", ic.jane)
        assert [c["id"] for c in diag["registry"]["clusters"]] == [jane_id]
        assert set(diag["tables"]) <= {jane_id}
        assert diag["users"]["users"]["identities"] == 2


async def test_an_etag_never_answers_for_another_user() -> None:
    async with in_cluster() as ic:
        await ready(ic)
        path = "/api/v1/clusters/in-cluster/views/pods"
        status, admin_page, r = await ic.get(path, ic.admin)
        assert status == 200
        admin_etag = r.headers["ETag"]
        status, jane_page, r = await ic.get(path, ic.jane, headers={"If-None-Match": admin_etag})
        assert status == 200, "another user's ETag must not earn a 304"
        assert jane_page["total"] < admin_page["total"]
        jane_etag = r.headers["ETag"]
        assert jane_etag != admin_etag
        status, _, _ = await ic.get(path, ic.jane, headers={"If-None-Match": jane_etag})
        assert status == 304
        status, _, _ = await ic.get(path, ic.admin, headers={"If-None-Match": jane_etag})
        assert status == 200


async def test_live_frames_events_and_logs_follow_the_user() -> None:
    async with in_cluster() as ic:
        await ready(ic)
        janes = pods_in(ic.sim, JANE_NAMESPACES)

        headers = {**bearer(ic.jane), "Origin": ic.base}
        async with ic.http.ws_connect(ic.base + "/api/v1/live", headers=headers) as ws:
            sub = {"op": "subscribe", "sub": "s1", "cluster": "in-cluster", "view": "pods"}
            await ws.send_str(orjson.dumps({**sub, "window": {"limit": 1000}}).decode())
            frame = await _next_page(ws)
        assert frame["total"] == len(janes)
        assert {r["namespace"] for r in frame["rows"]} <= JANE_NAMESPACES

        # The events history is recorded per user, through each user's own events source.
        add_warning(ic.sim, "jane-sees-this", namespace="team-a")

        async def events(token: str) -> list[dict[str, Any]]:
            status, data, _ = await ic.get(
                "/api/v1/clusters/in-cluster/events", token, params={"limit": "1000"}
            )
            assert status == 200, data
            return list(data["items"])

        await eventually_async(lambda: _nonempty(events(ic.jane)), 10)
        await eventually_async(lambda: _nonempty(events(ic.admin)), 10)
        assert {e["namespace"] for e in await events(ic.jane)} <= JANE_NAMESPACES
        assert {e["namespace"] for e in await events(ic.admin)} - JANE_NAMESPACES

        stream = "/api/v1/clusters/in-cluster/events/stream"
        async with ic.http.get(ic.base + stream, headers=bearer(ic.jane)) as r:
            assert r.status == 200 and r.content_type == "text/event-stream"
            add_warning(ic.sim, "not-for-jane", namespace="checkout")
            add_warning(ic.sim, "for-jane", namespace="team-b")
            got = await SseReader(r).next(10)
        assert got["data"]["namespace"] == "team-b", got

        # Logs: each user's streams come from their own pods table and their own token. Jane
        # does not see the pod at all; a user who may list pods but not read their logs is
        # refused by the API server.
        logs = "/api/v1/clusters/in-cluster/logs/stream"
        pod = a_pod_outside_janes(ic.sim)["metadata"]
        params = {"namespace": pod["namespace"], "pod": pod["name"], "tail": "2", "follow": "0"}
        admin_events = await _sse_until_end(ic, logs, ic.admin, params)
        jane_events = await _sse_until_end(ic, logs, ic.jane, params)
        assert any(e["event"] == "line" for e in admin_events), admin_events
        assert not any(e["event"] == "line" for e in jane_events), jane_events

        pod = pods_in(ic.sim, frozenset({"team-a"}))[0]["metadata"]
        rules = [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}]
        lister = add_user(ic.sim, "lister", "team-a", rules)
        await ic.connected(lister)
        await ic.page(lister, "pods")
        params = {"namespace": "team-a", "pod": pod["name"], "tail": "2", "follow": "0"}
        lister_events = await _sse_until_end(ic, logs, lister, params)
        assert not any(e["event"] == "line" for e in lister_events), lister_events
        notices = [str(e["data"].get("message")) for e in lister_events if e["event"] == "notice"]
        refusal = 'User "lister" cannot get resource "pods/log"'
        assert any(refusal in n for n in notices), lister_events


async def _without(namespaces: Any, namespace: str) -> bool:
    return namespace not in await namespaces


async def _nonempty(items: Any) -> bool:
    return bool(await items)


async def _sse_until_end(
    ic: InCluster, path: str, token: str, params: dict[str, str]
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    async with ic.http.get(ic.base + path, headers=bearer(token), params=params) as r:
        if r.status != 200:
            return [{"event": "status", "data": {"status": r.status, "body": await r.text()}}]
        reader = SseReader(r)
        while not out or out[-1]["event"] != "end":
            out.append(await reader.next(10))
    return out


async def test_actions_run_with_the_acting_users_permissions_and_audit_names_them() -> None:
    async with in_cluster() as ic:
        await ready(ic)
        act = "/api/v1/clusters/in-cluster/actions/"
        target = {"resource": "deployments", "namespace": "team-c", "name": "sandbox"}
        headers = {"Origin": ic.base}
        status, err, _ = await ic.request(
            "POST", act + "scale", ic.jane, json={**target, "replicas": 3}, headers=headers
        )
        assert status == 403, err
        assert err["error"]["reason"] == "Forbidden" and "team-c" in err["error"]["message"]
        status, out, _ = await ic.request(
            "POST", act + "scale", ic.admin, json={**target, "replicas": 3}, headers=headers
        )
        assert status == 200, out
        deployment = ic.sim.store.get(("apps", "deployments"), "team-c", "sandbox")
        assert deployment is not None and deployment.decode()["spec"]["replicas"] == 3

        pod = pods_in(ic.sim, frozenset({"team-c"}))[0]["metadata"]["name"]
        delete = {"resource": "pods", "namespace": "team-c", "name": pod, "dryRun": True}
        status, err, _ = await ic.request(
            "POST", act + "delete", ic.jane, json=delete, headers=headers
        )
        assert status == 403 and err["error"]["details"]["check"]["verb"] == "delete", err
        status, out, _ = await ic.request(
            "POST", act + "delete", ic.admin, json=delete, headers=headers
        )
        assert status == 200, out

        # Each user reads their own audit rows, named after them.
        _, jane_rows, _ = await ic.get("/api/v1/audit", ic.jane)
        _, admin_rows, _ = await ic.get("/api/v1/audit", ic.admin)
        assert [(r["who"], r["action"], r["result"]["code"]) for r in jane_rows["items"]] == [
            ("jane (token)", "delete", 403),
            ("jane (token)", "scale", 403),
        ]
        assert [(r["who"], r["action"], r["result"]["code"]) for r in admin_rows["items"]] == [
            ("admin (token)", "delete", 200),
            ("admin (token)", "scale", 200),
        ]


async def test_without_credentials_a_built_ui_loads_its_own_sign_in_screen(
    tmp_path: Path,
) -> None:
    """The UI's index (401) and its bundle load without credentials, so its sign-in screen can
    post to the login; API paths stay 401 JSON and nothing else is served."""
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text(
        '<div id="root"></div><script src="/assets/app-1.js"></script>'
        '<noscript><form method="post" action="/api/v1/login"></form></noscript>'
    )
    (dist / "assets" / "app-1.js").write_text("console.log('masthead')")
    async with in_cluster(web_dist=dist) as ic:
        status, html, r = await ic.get("/")
        assert status == 401 and r.content_type == "text/html"
        assert b'<div id="root">' in html and b'action="/api/v1/login"' in html
        status, html, _ = await ic.get("/c/in-cluster/pods")
        assert status == 401 and b'<div id="root">' in html
        status, js, _ = await ic.get("/assets/app-1.js")
        assert status == 200 and js == b"console.log('masthead')"
        status, _, _ = await ic.get("/assets/missing.js")
        assert status == 404
        status, err, _ = await ic.get("/api/v1/clusters")
        assert status == 401 and err["error"]["reason"] == "Unauthorized"

        # Signed in, the same index is a 200.
        origin = {"Origin": ic.base}
        status, _, _ = await ic.request(
            "POST", "/api/v1/login", json={"token": ic.jane}, headers=origin
        )
        assert status == 200
        status, html, _ = await ic.get("/")
        assert status == 200 and b'<div id="root">' in html


async def test_no_token_a_bad_token_and_the_login_session() -> None:
    async with in_cluster() as ic:
        status, err, _ = await ic.get("/api/v1/clusters")
        assert status == 401 and err["error"]["reason"] == "Unauthorized"
        status, html, r = await ic.get("/")
        assert status == 401 and r.content_type == "text/html"
        assert b'action="/api/v1/login"' in html
        status, err, _ = await ic.get("/api/v1/clusters", "not-a-token")
        assert status == 401
        assert err["error"]["message"] == "the API server refused the token: Unauthorized"
        # The single-user launch token means nothing here.
        status, _, _ = await ic.get("/?token=anything")
        assert status == 401

        # An auth proxy's header is a bearer token too.
        status, data, _ = await ic.get(
            "/api/v1/whoami", headers={"X-Forwarded-Access-Token": ic.jane}
        )
        assert status == 200 and data["user"]["username"] == "jane"

        origin = {"Origin": ic.base}
        login = "/api/v1/login"
        status, err, _ = await ic.request("POST", login, json={}, headers=origin)
        assert status == 400 and err["error"]["details"]["parameter"] == "token"
        status, err, _ = await ic.request("POST", login, json={"token": "nope"}, headers=origin)
        assert status == 401 and "refused the token" in err["error"]["message"]
        status, err, _ = await ic.request("POST", login, json={"token": ic.jane})
        assert status == 403, "a login without Origin is refused (browsers always send one)"
        status, data, r = await ic.request("POST", login, json={"token": ic.jane}, headers=origin)
        assert status == 200 and data == {
            "user": {"username": "jane", "groups": data["user"]["groups"]}
        }
        cookie = r.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        assert ic.jane not in cookie and ic.jane.encode() not in orjson.dumps(data)

        # The cookie alone is jane from now on (the jar sends it back).
        status, data, _ = await ic.get("/api/v1/whoami")
        assert status == 200 and data == {"user": data["user"], "via": "login"}
        assert data["user"]["username"] == "jane"
        status, clusters, _ = await ic.get("/api/v1/clusters")
        assert status == 200 and len(clusters) == 1
        status, _, _ = await ic.request("POST", "/api/v1/clusters/in-cluster/connect")
        assert status == 403, "a cookie-authenticated POST needs its Origin"
        status, _, _ = await ic.request("POST", "/api/v1/logout", headers=origin)
        assert status == 200
        status, _, _ = await ic.get("/api/v1/whoami")
        assert status == 401


async def test_a_revoked_user_stops_seeing_data() -> None:
    tuning = IdentityTuning(validation_ttl=0.2, rejection_ttl=0.2)
    async with in_cluster(identity=tuning) as ic:
        await ic.connected(ic.jane)
        page = await ic.page(ic.jane, "pods", limit=1000)
        assert "team-a" in {r["namespace"] for r in page["rows"]}
        add_warning(ic.sim, "seen-before", namespace="team-a")

        async def history_namespaces() -> set[str]:
            status, data, _ = await ic.get("/api/v1/clusters/in-cluster/events", ic.jane)
            assert status == 200, data
            return {e["namespace"] for e in data["items"]}

        async def recorded() -> bool:
            return "team-a" in await history_namespaces()

        await eventually_async(recorded, 10)

        # RBAC: the binding goes; the permission re-check stops the source and drops its rows.
        bindings = ic.sim.info("rbac.authorization.k8s.io", "v1", "rolebindings")
        ic.sim.registry.delete(bindings, "team-a", "jane-edit", DeleteOptions())

        async def team_a_gone() -> bool:
            p = await ic.page(ic.jane, "pods", limit=1000)
            states = {s["id"]: s["state"] for s in p["sources"]}
            rows = {r["namespace"] for r in p["rows"]}
            return "team-a" not in rows and states.get("pods@team-a") in (None, "forbidden")

        await eventually_async(team_a_gone, 15)
        page = await ic.page(ic.jane, "pods", limit=1000)
        assert page["total"] == len(pods_in(ic.sim, JANE_NAMESPACES - {"team-a"}))
        # The history recorded while she could read team-a is not shown to her any more.
        await eventually_async(lambda: _without(history_namespaces(), "team-a"), 10)

        # Authentication: a revoked token is refused once its validation expires, and the
        # sweep closes the user's session: a live socket opened before sees no rows after.
        headers = {**bearer(ic.jane), "Origin": ic.base}
        async with ic.http.ws_connect(ic.base + "/api/v1/live", headers=headers) as ws:
            sub = {"op": "subscribe", "sub": "s1", "cluster": "in-cluster", "view": "pods"}
            await ws.send_str(orjson.dumps(sub).decode())
            first = await _next_page(ws)
            assert first["total"] > 0
            ic.sim.authn.revoke(ic.jane)

            async def refused() -> bool:
                status, _, _ = await ic.get("/api/v1/clusters/in-cluster/views/pods", ic.jane)
                return status == 401

            await eventually_async(refused, 5)
            users = ic.server.users
            assert users is not None
            assert await users.sweep() == 1 and users.counters.revoked == 1
            frame = first
            while frame["total"] != 0:
                frame = await _next_page(ws)
            assert frame["rows"] == []
        status, _, _ = await ic.get("/api/v1/clusters/in-cluster/views/pods", ic.admin)
        assert status == 200


async def _next_page(ws: Any) -> dict[str, Any]:
    async with asyncio.timeout(10):
        while True:
            msg = await ws.receive()
            assert msg.type is WSMsgType.TEXT, msg
            frame = orjson.loads(msg.data)
            if frame.get("type") == "page":
                return frame  # type: ignore[no-any-return]


async def test_identities_are_capped_and_idle_ones_closed() -> None:
    tuning = IdentityTuning(max_identities=1, identity_idle=3600.0)
    async with in_cluster(identity=tuning) as ic:
        users = ic.server.users
        assert users is not None
        await ic.connected(ic.admin)
        await ic.page(ic.admin, "pods")  # a view with metrics: the poller runs
        feeds = ic.server.feeds
        assert feeds is not None
        (first_poller,) = feeds.pollers()
        assert first_poller.running
        await ic.connected(ic.jane)  # the second identity evicts the first
        assert users.counters.evicted >= 1
        registry = ic.server.registry
        assert registry is not None
        await eventually_async(lambda: len(registry.sessions) == 1, 5)
        (only,) = registry.sessions.values()
        assert only.entry.user == "jane"
        await ic.connected(ic.admin)  # admin comes back: a new session
        page = await ic.page(ic.admin, "pods")
        assert page["total"] > 0
        await eventually_async(lambda: not first_poller.running, 5, "the old poller to stop")
        assert sum(p.running for p in feeds.pollers()) == 1
        assert users.counters.created >= 3

        # Users taking turns at the cap: each request evicts the other, whose session is
        # still closing when it comes back under the same id.
        for _ in range(3):
            for token in (ic.admin, ic.jane):
                status, clusters, _ = await ic.get("/api/v1/clusters", token)
                assert status == 200 and len(clusters) == 1

        users.tuning = IdentityTuning(identity_idle=0.0)
        assert await users.sweep() == 1
        assert users.counters.expired == 1
        await eventually_async(lambda: not registry.sessions, 5)


async def test_a_reopened_users_object_cache_does_not_serve_what_changed_meanwhile() -> None:
    tuning = IdentityTuning(max_identities=1)
    async with in_cluster(identity=tuning) as ic:
        info = ic.sim.info("", "v1", "configmaps")
        ic.sim.registry.create(
            info, "team-a", {"metadata": {"name": "c"}, "data": {"v": "1"}}, WriteContext("t")
        )
        path = "/api/v1/clusters/in-cluster/objects/core/v1/configmaps/team-a/c"
        await ic.connected(ic.admin)
        await ic.page(ic.admin, "configmaps")  # the watch runs: object reads are cached
        for _ in range(2):
            status, obj, _ = await ic.get(path, ic.admin)
            assert status == 200 and obj["data"] == {"v": "1"}
        await ic.connected(ic.jane)  # evicts admin's session
        patch = {"data": {"v": "2"}}
        ic.sim.registry.patch(
            info, "team-a", "c", "application/merge-patch+json", patch, WriteContext("t")
        )
        await ic.connected(ic.admin)  # a new session for admin
        await ic.page(ic.admin, "configmaps")
        status, obj, _ = await ic.get(path, ic.admin)
        assert status == 200 and obj["data"] == {"v": "2"}, "nothing stale from before"
        # The new session's watch invalidates what the new session cached.
        await ic.get(path, ic.admin)
        patch = {"data": {"v": "3"}}
        ic.sim.registry.patch(
            info, "team-a", "c", "application/merge-patch+json", patch, WriteContext("t")
        )

        async def fresh() -> bool:
            status, obj, _ = await ic.get(path, ic.admin)
            return status == 200 and obj["data"] == {"v": "3"}

        await eventually_async(fresh, 5, "the watch to invalidate the cached entry")


async def test_configured_namespaces_are_each_users_own() -> None:
    async with in_cluster() as ic:
        await ready(ic)
        path = "/api/v1/clusters/in-cluster/namespaces"
        status, out, _ = await ic.request(
            "PUT", path, ic.jane, json={"namespaces": ["kube-system"]}, headers={"Origin": ic.base}
        )
        assert status == 200, out
        assert out["saved"] == ["kube-system"]
        assert [d["namespace"] for d in out["denied"]] == ["kube-system"]
        status, mine, _ = await ic.get(path, ic.jane)
        assert status == 200 and mine["saved"] == ["kube-system"]
        status, theirs, _ = await ic.get(path, ic.admin)
        assert status == 200 and theirs["saved"] == [], "another user's saved list is not shown"
        # Nor written where the next session of any user would start from it.
        settings = ic.server.ctx.settings
        assert settings is not None
        assert await settings.with_prefix(KEY_PREFIX) == {}
