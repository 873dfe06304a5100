"""`drain` against a living simulator: cordon, evictions through the Eviction API, pods a
disruption budget protects reported `blocked` until the timeout, completion once the budget
allows, kubectl's refusals (emptyDir, bare pods), cancel, the caps, SSE progress and audit."""

from __future__ import annotations

from typing import Any

import orjson

from masthead.actions.drain import DrainTuning
from masthead.actions.drain_runs import DrainLimits
from tests.actions.living import living
from tests.api.harness import Served
from tests.api.test_actions import act, audit
from tests.sim.controllers.helpers import (
    DEPLOY,
    NS,
    PODS,
    add_nodes,
    container,
    deployment,
    eventually,
    items,
    ready,
)
from tests.sim.simclient import SimClient

PDBS = f"/apis/policy/v1/namespaces/{NS}/poddisruptionbudgets"
DAEMONSETS = f"/apis/apps/v1/namespaces/{NS}/daemonsets"
FAST = DrainTuning(concurrency=2, retry_interval=0.1, poll_interval=0.05)


def drains(cluster: str, drain_id: str, tail: str = "") -> str:
    return f"/api/v1/clusters/{cluster}/drains/{drain_id}{tail}"


async def follow(s: Served, drain_id: str) -> list[dict[str, Any]]:
    """Every `drain` event of the SSE stream, until the server ends it."""
    return [frame for _, frame in await follow_versions(s, drain_id)]


async def follow_versions(s: Served, drain_id: str) -> list[tuple[int, dict[str, Any]]]:
    """Every `drain` event of the SSE stream with its id (the drain's version)."""
    frames: list[tuple[int, dict[str, Any]]] = []
    async with s.http.get(s.base + drains("admin", drain_id, "/stream")) as r:
        assert r.status == 200 and r.content_type == "text/event-stream"
        event, version = "", -1
        async for raw in r.content:
            line = raw.decode().rstrip("\n")
            if line.startswith("id: "):
                version = int(line[len("id: ") :])
            elif line.startswith("event: "):
                event = line[len("event: ") :]
            elif line.startswith("data: ") and event == "drain":
                frames.append((version, orjson.loads(line[len("data: ") :])))
    return frames


async def on_node(kube: SimClient, app: str, node: str, n: int) -> list[dict[str, Any]]:
    async def check() -> list[dict[str, Any]] | None:
        pods = [
            p
            for p in await items(kube, PODS, labelSelector=f"app={app}")
            if ready(p) and not p["metadata"].get("deletionTimestamp")
        ]
        return pods if len(pods) == n and all(p["spec"]["nodeName"] == node for p in pods) else None

    return await eventually(check, 20, f"{n} ready {app} pods on {node}")


def daemonset(name: str) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": name},
        "spec": {
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [container()]}},
        },
    }


def bare_pod(name: str, node: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {
            "nodeName": node,
            "containers": [container()],
            "volumes": [{"name": "scratch", "emptyDir": {}}],
        },
    }


async def test_drain_blocked_by_a_budget_times_out_then_completes() -> None:
    async with living("node-a") as (s, kube):
        s.server.ctx.drains.tuning = FAST
        assert (await kube.post(DEPLOY, deployment("web", 2))).status == 201
        assert (await kube.post(DAEMONSETS, daemonset("agent"))).status == 201
        await on_node(kube, "web", "node-a", 2)
        await on_node(kube, "agent", "node-a", 1)
        await add_nodes(kube, "node-b")
        budget = {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": "web"},
            "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "web"}}},
        }
        assert (await kube.post(PDBS, budget)).status == 201

        status, started, r = await s.post(
            act("admin", "drain"), {"name": "node-a", "timeoutSeconds": 2}
        )
        assert status == 202, started
        assert started["node"] == "node-a" and started["state"] == "running"
        assert started["finishedAt"] is None
        frames = await follow_versions(s, started["id"])
        last = frames[-1][1]
        assert last["state"] == "timeout" and last["finishedAt"], last
        # Retried every 0.1 s for 2 s, the blocked pods changed nothing more: the only change
        # after both were blocked is the end (no `evicting` flash at each retry).
        both_blocked = next(
            v
            for v, frame in frames
            if [p["state"] for p in frame["pods"] if p["name"].startswith("web-")]
            == ["blocked", "blocked"]
        )
        assert frames[-1][0] == both_blocked + 1, [(v, f["state"]) for v, f in frames]
        by_state = {p["name"].split("-")[0]: p["state"] for p in last["pods"]}
        assert by_state == {"agent": "skipped", "web": "blocked"}
        web = [p for p in last["pods"] if p["name"].startswith("web-")]
        assert len(web) == 2 and all(
            p["message"] == "The disruption budget web needs 2 healthy pods and has 2 currently"
            for p in web
        )
        node = (await kube.get("/api/v1/nodes/node-a")).body
        assert node["spec"]["unschedulable"] is True  # cordoned, left so
        status, got, _ = await s.get(drains("admin", started["id"]))
        assert status == 200 and got == last
        await on_node(kube, "web", "node-a", 2)  # nothing was evicted

        # Relaxed budget: the drain goes through, one pod at a time as the budget allows.
        r2 = await kube.patch(
            f"{PDBS}/web", {"spec": {"minAvailable": 1}}, "application/merge-patch+json"
        )
        assert r2.status == 200, r2.text
        status, started2, _ = await s.post(
            act("admin", "drain"), {"name": "node-a", "timeoutSeconds": 60}
        )
        assert status == 202, started2
        last = (await follow(s, started2["id"]))[-1]
        assert last["state"] == "done", last
        assert sorted(p["state"] for p in last["pods"]) == ["evicted", "evicted", "skipped"]
        await on_node(kube, "web", "node-b", 2)

        # The end of a drain is recorded just after it is announced.
        async def drain_rows() -> list[dict[str, Any]] | None:
            rows = [r for r in await audit(s) if r["action"] == "drain"]
            return rows if len(rows) == 4 else None

        rows = await eventually(drain_rows, 5, "both drains' start and end in the audit log")
        assert [(r["result"]["code"], r["result"]["reason"]) for r in rows] == [
            (200, "done"),
            (202, ""),
            (409, "timeout"),
            (202, ""),
        ]
        assert rows[3]["id"] == int(r.headers["X-Masthead-Audit-Id"])
        assert rows[0]["parameters"]["drain"] == started2["id"]
        assert rows[0]["object"]["name"] == "node-a"
        assert "2 evicted" in rows[0]["result"]["message"]


async def test_drain_refusals_options_cancel_and_caps() -> None:
    async with living("node-a") as (s, kube):
        s.server.ctx.drains.tuning = FAST
        assert (await kube.post(PODS, bare_pod("loner", "node-a"))).status == 201
        await on_node(kube, "loner", "node-a", 1)

        async def drain(**body: Any) -> dict[str, Any]:
            status, started, _ = await s.post(act("admin", "drain"), {"name": "node-a", **body})
            assert status == 202, started
            return (await follow(s, started["id"]))[-1]

        last = await drain()
        assert last["state"] == "failed", last
        assert last["pods"][0]["state"] == "failed"
        assert "deleteEmptyDirData" in last["pods"][0]["message"]
        last = await drain(deleteEmptyDirData=True)
        assert last["state"] == "failed" and "force" in last["pods"][0]["message"], last
        assert (await kube.get(f"{PODS}/loner")).status == 200  # nothing evicted
        last = await drain(deleteEmptyDirData=True, force=True, gracePeriodSeconds=0)
        assert last["state"] == "done" and last["pods"][0]["state"] == "evicted", last
        assert (await kube.get(f"{PODS}/loner")).status == 404

        # A drain waiting on a budget is cancelled; the node cannot be drained twice at once.
        await add_nodes(kube, "node-b")
        r = await kube.patch(
            "/api/v1/nodes/node-a",
            {"spec": {"unschedulable": None}},
            "application/merge-patch+json",
        )
        assert r.status == 200
        assert (await kube.post(DEPLOY, deployment("db", 1))).status == 201
        await eventually(lambda: _ready_somewhere(kube, "db"), 20, "db ready")
        budget = {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": "db"},
            "spec": {"maxUnavailable": 0, "selector": {"matchLabels": {"app": "db"}}},
        }
        assert (await kube.post(PDBS, budget)).status == 201
        node = (await _ready_somewhere(kube, "db"))["spec"]["nodeName"]
        status, started, _ = await s.post(act("admin", "drain"), {"name": node})
        assert status == 202, started
        status, err, _ = await s.post(act("admin", "drain"), {"name": node})
        assert status == 409 and err["error"]["reason"] == "AlreadyDraining", err
        s.server.ctx.drains.limits = DrainLimits(running_per_cluster=1)
        other = "node-b" if node == "node-a" else "node-a"
        status, err, _ = await s.post(act("admin", "drain"), {"name": other})
        assert status == 429 and err["error"]["reason"] == "TooManyDrains", err
        drains_now = (await s.diagnostics())["drains"]
        assert drains_now["running"] == 1 and drains_now["refused"] == 1
        assert drains_now["kept"] == 3 and drains_now["dropped"] == 0

        async def blocked() -> bool:
            _, d, _ = await s.get(drains("admin", started["id"]))
            return any(p["state"] == "blocked" for p in d["pods"])

        await eventually(blocked, 10, "the db pod blocked")
        async with s.http.delete(s.base + drains("admin", started["id"])) as resp:
            assert resp.status == 200
            assert (await resp.json())["state"] == "cancelled"
        status, got, _ = await s.get(drains("admin", started["id"]))
        assert got["state"] == "cancelled" and got["finishedAt"], got
        assert (
            await kube.get(f"{PODS}/{(await _ready_somewhere(kube, 'db'))['metadata']['name']}")
        ).status == 200

        # Retention: only the newest finished drains are kept, the others are dropped.
        first = await audit(s)
        first_drain = next(r for r in reversed(first) if r["action"] == "drain")
        s.server.ctx.drains.limits = DrainLimits(finished_per_cluster=2)
        status, started, _ = await s.post(act("admin", "drain"), {"name": other})
        assert status == 202, started
        assert (await follow(s, started["id"]))[-1]["state"] == "done"
        await eventually(lambda: _kept(s, 2), 5, "retention applied")
        assert (await s.diagnostics())["drains"]["dropped"] == 3
        gone = first_drain["parameters"]["drain"]
        status, err, _ = await s.get(drains("admin", gone))
        assert status == 404 and "kept for a while" in err["error"]["message"], err

        status, err, _ = await s.get(drains("admin", "nope"))
        assert status == 404, err
        for bad, param in (
            ({"name": "node-a", "timeoutSeconds": 0}, "timeoutSeconds"),
            ({"name": "node-a", "force": 1}, "force"),
            ({"name": "Node_A"}, "name"),
            ({"name": "node-a", "dryRun": True}, "dryRun"),
        ):
            status, err, _ = await s.post(act("admin", "drain"), bad)
            assert status == 400 and err["error"]["details"]["parameter"] == param, err


async def _kept(s: Served, n: int) -> bool:
    return bool((await s.diagnostics())["drains"]["kept"] == n)


async def _ready_somewhere(kube: SimClient, app: str) -> Any:
    pods = [
        p
        for p in await items(kube, PODS, labelSelector=f"app={app}")
        if ready(p) and not p["metadata"].get("deletionTimestamp")
    ]
    return pods[0] if pods else None
