"""Actions with guard rails against the simulator: each action's effect on the object, the
permission pre-check (restricted user), protected contexts, dry runs and the audit log."""

from __future__ import annotations

from typing import Any

import aiohttp

from masthead.actions import INSTANTIATE, RESTARTED_AT
from tests.api.harness import TOKEN, Served, served

OBJ = "/api/v1/clusters/{c}/objects/{g}/{v}/{r}/{ns}/{n}"


def act(cluster: str, action: str) -> str:
    return f"/api/v1/clusters/{cluster}/actions/{action}"


async def obj(
    s: Served, r: str, ns: str, n: str, g: str = "apps", v: str = "v1", c: str = "admin"
) -> tuple[int, Any]:
    status, data, _ = await s.get(OBJ.format(c=c, g=g, v=v, r=r, ns=ns, n=n))
    return status, data


async def audit(s: Served, **params: Any) -> list[dict[str, Any]]:
    status, data, _ = await s.get("/api/v1/audit", params={k: str(v) for k, v in params.items()})
    assert status == 200, data
    items: list[dict[str, Any]] = data["items"]
    return items


async def a_node(s: Served) -> str:
    page = await s.page("admin", "nodes")
    return str(page["rows"][0]["name"])


async def test_scale_restart_and_dry_run() -> None:
    async with served(connect=("admin",)) as s:
        _, before = await obj(s, "deployments", "team-a", "todo-api")
        want = before["spec"]["replicas"] + 3
        body = {"resource": "deployments", "namespace": "team-a", "name": "todo-api"}

        # Dry run: the API server's answer, nothing written.
        status, scale, r = await s.post(
            act("admin", "scale"), {**body, "replicas": want, "dryRun": True}
        )
        assert status == 200, scale
        assert scale["kind"] == "Scale" and scale["spec"]["replicas"] == want
        dry_id = int(r.headers["X-Masthead-Audit-Id"])
        _, after = await obj(s, "deployments", "team-a", "todo-api")
        assert after["spec"]["replicas"] == before["spec"]["replicas"]
        assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]

        status, scale, r = await s.post(act("admin", "scale"), {**body, "replicas": want})
        assert status == 200 and scale["kind"] == "Scale", scale
        _, after = await obj(s, "deployments", "team-a", "todo-api")
        assert after["spec"]["replicas"] == want

        # statefulsets too, through /scale
        sts = await s.page("admin", "statefulsets")
        row = sts["rows"][0]
        ns, name = row["namespace"], row["name"]
        status, scale, _ = await s.post(
            act("admin", "scale"),
            {"resource": "statefulsets", "namespace": ns, "name": name, "replicas": 0},
        )
        assert status == 200, scale
        assert (await obj(s, "statefulsets", ns, name))[1]["spec"]["replicas"] == 0

        status, restarted, _ = await s.post(act("admin", "restart"), body)
        assert status == 200, restarted
        annotations = restarted["spec"]["template"]["metadata"]["annotations"]
        assert RESTARTED_AT in annotations
        _, after = await obj(s, "deployments", "team-a", "todo-api")
        assert (
            after["spec"]["template"]["metadata"]["annotations"][RESTARTED_AT]
            == (annotations[RESTARTED_AT])
        )

        # Bad parameters name themselves.
        status, err, _ = await s.post(act("admin", "scale"), {**body, "replicas": -1})
        assert status == 400 and err["error"]["details"]["parameter"] == "replicas"
        status, err, _ = await s.post(act("admin", "scale"), {**body, "resource": "pods"})
        assert status == 400 and err["error"]["details"]["parameter"] == "resource"
        status, err, _ = await s.post(act("admin", "explode"), body)
        assert status == 404

        rows = await audit(s)
        assert [r["action"] for r in rows[:4]] == ["restart", "scale", "scale", "scale"]
        dry = next(r for r in rows if r["id"] == dry_id)
        assert dry["dryRun"] is True and dry["parameters"] == {"replicas": want}
        assert dry["object"] == {
            "group": "apps",
            "resource": "deployments",
            "namespace": "team-a",
            "name": "todo-api",
        }
        assert dry["cluster"] == "admin" and dry["result"]["code"] == 200
        assert "(token)" in dry["who"]
        assert len(await audit(s, limit=2)) == 2


async def test_delete_with_options_and_the_api_status() -> None:
    async with served(connect=("admin",)) as s:
        pods = await s.page("admin", "pods", namespace="team-a")
        pod = pods["rows"][0]["name"]
        body = {"resource": "pods", "namespace": "team-a", "name": pod}
        status, err, _ = await s.post(
            act("admin", "delete"), {**body, "propagationPolicy": "Sideways"}
        )
        assert status == 400 and err["error"]["details"]["parameter"] == "propagationPolicy"
        status, out, _ = await s.post(
            act("admin", "delete"), {**body, "gracePeriodSeconds": 0, "dryRun": 1}
        )
        assert status == 200, out
        assert (await obj(s, "pods", "team-a", pod, g="core"))[0] == 200
        status, out, _ = await s.post(
            act("admin", "delete"),
            {"resource": "configmaps", "group": "core", "namespace": "team-a", "name": "gone"},
        )
        assert status == 404, out  # no such configmap: the API server says so
        status, out, _ = await s.post(
            act("admin", "delete"),
            {**body, "gracePeriodSeconds": 0, "propagationPolicy": "Foreground"},
        )
        assert status == 200, out
        # Foreground: the pod waits for its dependents, marked so.
        assert "foregroundDeletion" in out["metadata"]["finalizers"]
        _, stored = await obj(s, "pods", "team-a", pod, g="core")
        assert stored["metadata"]["deletionTimestamp"]
        # The API server's own Status comes back for its refusals.
        status, err, _ = await s.post(act("admin", "delete"), {**body, "name": "no-such-pod"})
        assert status == 404, err
        e = err["error"]
        assert e["reason"] == "NotFound" and e["details"]["status"]["kind"] == "Status"
        assert e["details"]["status"]["code"] == 404
        rows = await audit(s)
        assert rows[0]["result"]["code"] == 404 and rows[1]["result"]["code"] == 200
        assert rows[1]["parameters"] == {"propagationPolicy": "Foreground", "gracePeriodSeconds": 0}


async def test_cordon_and_cronjob_actions() -> None:
    async with served(connect=("admin",)) as s:
        node = await a_node(s)
        status, out, _ = await s.post(act("admin", "cordon"), {"name": node})
        assert status == 200, out
        _, n = await obj(s, "nodes", "_", node, g="core")
        assert n["spec"]["unschedulable"] is True
        status, out, _ = await s.post(act("admin", "uncordon"), {"name": node})
        assert status == 200, out
        _, n = await obj(s, "nodes", "_", node, g="core")
        assert not n["spec"].get("unschedulable")

        cj = {"namespace": "data", "name": "nightly-backup"}
        status, out, _ = await s.post(act("admin", "suspend"), cj)
        assert status == 200 and out["spec"]["suspend"] is True, out
        _, c = await obj(s, "cronjobs", "data", "nightly-backup", g="batch")
        assert c["spec"]["suspend"] is True
        status, out, _ = await s.post(act("admin", "resume"), cj)
        assert status == 200 and out["spec"]["suspend"] is False, out

        status, job, _ = await s.post(act("admin", "trigger"), {**cj, "dryRun": True})
        assert status == 201, job
        assert (await obj(s, "jobs", "data", job["metadata"]["name"], g="batch"))[0] == 404
        status, job, _ = await s.post(act("admin", "trigger"), {**cj, "jobName": "backup-now"})
        assert status == 201, job
        _, stored = await obj(s, "jobs", "data", "backup-now", g="batch")
        assert stored["metadata"]["annotations"][INSTANTIATE] == "manual"
        owner = stored["metadata"]["ownerReferences"][0]
        assert owner["kind"] == "CronJob" and owner["uid"] == c["metadata"]["uid"]
        assert owner["controller"] is True
        assert (
            stored["spec"]["template"]["spec"]["containers"][0]["image"]
            == (c["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["image"])
        )
        actions = [r["action"] for r in await audit(s, cluster="admin")]
        assert actions[:6] == ["trigger", "trigger", "resume", "suspend", "uncordon", "cordon"]


async def test_restricted_user_is_refused_where_rbac_denies() -> None:
    async with served() as s:
        body = {"resource": "deployments", "namespace": "team-c", "name": "sandbox", "replicas": 5}
        status, err, _ = await s.post(act("restricted", "scale"), body)
        assert status == 403, err
        e = err["error"]
        assert e["reason"] == "Forbidden" and e["details"]["check"]["subresource"] == "scale"
        assert "team-c" in e["message"]
        _, d = await obj(s, "deployments", "team-c", "sandbox")
        assert d["spec"]["replicas"] == 1
        status, err, _ = await s.post(act("restricted", "cordon"), {"name": await a_node(s)})
        assert status == 403 and err["error"]["reason"] == "Forbidden"
        # team-a is editable for the same user.
        status, out, _ = await s.post(
            act("restricted", "scale"),
            {"resource": "deployments", "namespace": "team-a", "name": "todo-api", "replicas": 4},
        )
        assert status == 200, out
        # A grant counts at once: the pre-check asks fresh, not from the views' cache.
        s.sim.grant("team-c", "edit")
        status, out, _ = await s.post(act("restricted", "scale"), body)
        assert status == 200, out
        _, d = await obj(s, "deployments", "team-c", "sandbox")
        assert d["spec"]["replicas"] == 5
        rows = await audit(s, cluster="restricted")
        assert [r["result"]["code"] for r in rows] == [200, 200, 403, 403]
        assert rows[3]["result"]["reason"] == "Forbidden"


def test_read_only_pattern_option() -> None:
    import argparse

    from masthead.cli import _server_options

    p = argparse.ArgumentParser()
    _server_options(p)
    args = p.parse_args(["--read-only", "ci", "--read-only-pattern", "*prod*"])
    assert args.read_only == ["ci"] and args.read_only_pattern == ["*prod*"]


async def test_read_only_contexts_refuse_every_action() -> None:
    async with served(read_only=("admin",), read_only_patterns=("*strict*",)) as s:
        _, clusters, _ = await s.get("/api/v1/clusters")
        assert {c["id"]: c["readOnly"] for c in clusters} == {"admin": True, "restricted": True}
        bodies = {
            "scale": {"namespace": "team-a", "name": "todo-api", "replicas": 9},
            "restart": {"namespace": "team-a", "name": "todo-api"},
            "delete": {"resource": "pods", "namespace": "team-a", "name": "x"},
            "cordon": {"name": "n"},
            "uncordon": {"name": "n"},
            "suspend": {"namespace": "data", "name": "nightly-backup"},
            "resume": {"namespace": "data", "name": "nightly-backup"},
            "trigger": {"namespace": "data", "name": "nightly-backup"},
        }
        for cluster in ("admin", "restricted"):
            for action, body in bodies.items():
                status, err, _ = await s.post(act(cluster, action), body)
                assert status == 403, (cluster, action, err)
                assert err["error"]["reason"] == "ReadOnly"
        # A malformed body too: the context is refused before the body is looked at.
        async with s.http.post(s.base + act("admin", "scale"), data=b"{not json") as r:
            assert r.status == 403 and (await r.json())["error"]["reason"] == "ReadOnly"
        _, d = await obj(s, "deployments", "team-a", "todo-api")
        assert d["spec"]["replicas"] != 9
        rows = await audit(s, limit=1000)
        assert len(rows) == 17 and {r["result"]["reason"] for r in rows} == {"ReadOnly"}


async def test_actions_need_the_token_and_a_same_origin() -> None:
    async with served(connect=("admin",)) as s:
        url = s.base + act("admin", "cordon")
        async with aiohttp.ClientSession() as anon:
            async with anon.post(url, json={"name": "n"}) as r:
                assert r.status == 401
            async with anon.post(
                url,
                json={"name": "n"},
                headers={"Authorization": f"Bearer {TOKEN}", "Origin": "http://evil.example"},
            ) as r:
                assert r.status == 403
        assert await audit(s) == []
