"""Deployment → ReplicaSet → Pods over real HTTP: creation, scaling, rolling updates, GC."""

from __future__ import annotations

from typing import Any

from tests.sim.controllers.helpers import (
    DEPLOY,
    EVENTS,
    PODS,
    RS,
    add_nodes,
    cluster,
    deployment,
    eventually,
    items,
    ready,
)
from tests.sim.simclient import SimClient


async def _running_pods(c: SimClient, app: str) -> list[dict[str, Any]]:
    pods = await items(c, PODS, labelSelector=f"app={app}")
    return [p for p in pods if not p["metadata"].get("deletionTimestamp")]


async def _settled(c: SimClient, name: str, want: int) -> dict[str, Any] | None:
    d = (await c.get(f"{DEPLOY}/{name}")).body
    st = d.get("status") or {}
    pods = await _running_pods(c, name)
    ok = (
        st.get("observedGeneration") == d["metadata"]["generation"]
        and st.get("replicas", 0) == want
        and st.get("updatedReplicas", 0) == want
        and st.get("availableReplicas", 0) == want
        and len(pods) == want
        and all(ready(p) and p["status"]["phase"] == "Running" for p in pods)
    )
    return d if ok else None


async def test_deployment_creates_replicaset_and_running_pods_with_events() -> None:
    async with cluster() as c:
        await add_nodes(c, "node-a", "node-b")
        r = await c.post(DEPLOY, deployment("web", 3))
        assert r.status == 201
        d = await eventually(lambda: _settled(c, "web", 3), what="web ready")
        rss = await items(c, RS)
        assert len(rss) == 1
        rs = rss[0]
        h = rs["metadata"]["labels"]["pod-template-hash"]
        assert rs["metadata"]["name"] == f"web-{h}"
        assert rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
        assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
        assert rs["metadata"]["ownerReferences"][0] | {"uid": ""} == {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": "web",
            "uid": "",
            "controller": True,
            "blockOwnerDeletion": True,
        }
        assert rs["spec"]["selector"]["matchLabels"] == {"app": "web", "pod-template-hash": h}
        pods = await _running_pods(c, "web")
        for p in pods:
            assert p["metadata"]["name"].startswith(f"web-{h}-")
            assert p["metadata"]["ownerReferences"][0]["uid"] == rs["metadata"]["uid"]
            assert p["spec"]["nodeName"] in ("node-a", "node-b")
            assert p["status"]["podIP"] and p["status"]["hostIP"]
            cs = p["status"]["containerStatuses"][0]
            assert cs["ready"] is True and "running" in cs["state"]
            managers = {m["manager"] for m in p["metadata"]["managedFields"]}
            assert managers == {"kube-controller-manager", "kubelet"}
        conds = {x["type"]: x for x in d["status"]["conditions"]}
        assert conds["Available"]["status"] == "True"
        assert conds["Progressing"]["reason"] == "NewReplicaSetAvailable"
        evs = await items(c, EVENTS)
        reasons = {(e["involvedObject"]["kind"], e["reason"]) for e in evs}
        assert {
            ("Deployment", "ScalingReplicaSet"),
            ("ReplicaSet", "SuccessfulCreate"),
            ("Pod", "Scheduled"),
            ("Pod", "Pulling"),
            ("Pod", "Pulled"),
            ("Pod", "Created"),
            ("Pod", "Started"),
        } <= reasons
        scaling = next(e for e in evs if e["reason"] == "ScalingReplicaSet")
        assert scaling["message"] == f"Scaled up replica set web-{h} from 0 to 3"
        assert scaling["source"] == {"component": "deployment-controller"}
        sched = next(e for e in evs if e["reason"] == "Scheduled")
        assert sched["reportingComponent"] == "default-scheduler" and sched["eventTime"]
        assert sched["metadata"]["name"].startswith(sched["involvedObject"]["name"] + ".")


async def test_scale_up_and_down() -> None:
    async with cluster() as c:
        await add_nodes(c, "node-a")
        await c.post(DEPLOY, deployment("api", 3))
        await eventually(lambda: _settled(c, "api", 3))
        ctype = "application/merge-patch+json"
        r = await c.patch(f"{DEPLOY}/api", {"spec": {"replicas": 5}}, ctype)
        assert r.status == 200
        await eventually(lambda: _settled(c, "api", 5), what="5 replicas")
        await c.patch(f"{DEPLOY}/api", {"spec": {"replicas": 1}}, ctype)
        await eventually(lambda: _settled(c, "api", 1), what="1 replica")
        rss = await items(c, RS)
        assert [x["spec"]["replicas"] for x in rss] == [1]
        msgs = [e["message"] for e in await items(c, EVENTS) if e["reason"] == "ScalingReplicaSet"]
        rs_name = rss[0]["metadata"]["name"]
        assert f"Scaled up replica set {rs_name} from 3 to 5" in msgs
        assert f"Scaled down replica set {rs_name} from 5 to 1" in msgs


async def test_rolling_update_moves_all_pods_to_new_replicaset() -> None:
    async with cluster() as c:
        await add_nodes(c, "node-a", "node-b")
        await c.post(DEPLOY, deployment("shop", 4))
        await eventually(lambda: _settled(c, "shop", 4))
        first = (await items(c, RS))[0]["metadata"]["name"]
        patch = {
            "spec": {"template": {"spec": {"containers": [{"name": "app", "image": "nginx:1.28"}]}}}
        }
        r = await c.patch(f"{DEPLOY}/shop", patch, "application/strategic-merge-patch+json")
        assert r.status == 200 and r.body["metadata"]["generation"] == 2
        await eventually(lambda: _settled(c, "shop", 4), what="rollout done", timeout=12)
        rss = {x["metadata"]["name"]: x for x in await items(c, RS)}
        assert len(rss) == 2
        new = next(n for n in rss if n != first)
        assert rss[first]["spec"]["replicas"] == 0
        assert rss[new]["spec"]["replicas"] == 4
        assert rss[new]["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
        pods = await _running_pods(c, "shop")
        assert {p["spec"]["containers"][0]["image"] for p in pods} == {"nginx:1.28"}
        assert {p["metadata"]["ownerReferences"][0]["name"] for p in pods} == {new}


async def test_deleting_deployment_garbage_collects_replicasets_and_pods() -> None:
    async with cluster() as c:
        await add_nodes(c, "node-a")
        await c.post(DEPLOY, deployment("gone", 2))
        await eventually(lambda: _settled(c, "gone", 2))
        r = await c.delete(f"{DEPLOY}/gone")
        assert r.status == 200

        async def empty() -> bool:
            return not await items(c, RS) and not await items(c, PODS)

        await eventually(empty, what="RS and pods collected")
