"""StatefulSet ordinals (ordered create, scale down from the top, claims) and DaemonSet pods
per matching node."""

from __future__ import annotations

from typing import Any

from tests.sim.controllers.helpers import (
    NS,
    PODS,
    add_nodes,
    cluster,
    container,
    eventually,
    items,
    ready,
)
from tests.sim.simclient import SimClient

STS = f"/apis/apps/v1/namespaces/{NS}/statefulsets"
DS = f"/apis/apps/v1/namespaces/{NS}/daemonsets"
MERGE = "application/merge-patch+json"


def workload(kind: str, name: str, replicas: int | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "selector": {"matchLabels": {"app": name}},
        "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [container()]}},
    }
    if replicas is not None:
        spec["replicas"] = replicas
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": name}, "spec": spec}


async def _names(c: SimClient, app: str) -> list[str]:
    pods = await items(c, PODS, labelSelector=f"app={app}")
    return sorted(p["metadata"]["name"] for p in pods if not p["metadata"].get("deletionTimestamp"))


async def test_statefulset_ordinals_in_order_and_scale_down() -> None:
    async with cluster() as c:
        await add_nodes(c, "node-a")
        body = workload("StatefulSet", "db", 3)
        body["spec"]["serviceName"] = "db"
        body["spec"]["volumeClaimTemplates"] = [
            {
                "metadata": {"name": "data"},
                "spec": {
                    "accessModes": ["ReadWriteOnce"],
                    "resources": {"requests": {"storage": "1Gi"}},
                },
            }
        ]
        assert (await c.post(STS, body)).status == 201
        # Watch creations: OrderedReady creates db-1 only after db-0 is ready, and so on.
        w = await c.watch(PODS, {"labelSelector": "app=db", "resourceVersion": "0"})
        added: list[str] = []
        await w.until(
            lambda ev: (
                ev["type"] == "ADDED"
                and added.append(ev["object"]["metadata"]["name"]) is None
                and len(added) == 3
            ),
            timeout=8,
        )
        w.close()
        assert added == ["db-0", "db-1", "db-2"]

        async def all_ready() -> dict[str, Any] | None:
            s = (await c.get(f"{STS}/db")).body
            return s if (s.get("status") or {}).get("readyReplicas") == 3 else None

        s = await eventually(all_ready)
        assert s["status"]["currentRevision"] == s["status"]["updateRevision"]
        pod = (await c.get(f"{PODS}/db-1")).body
        assert pod["spec"]["hostname"] == "db-1" and pod["spec"]["subdomain"] == "db"
        assert pod["metadata"]["labels"]["apps.kubernetes.io/pod-index"] == "1"
        claims = await items(c, f"/api/v1/namespaces/{NS}/persistentvolumeclaims")
        assert sorted(x["metadata"]["name"] for x in claims) == [
            "data-db-0",
            "data-db-1",
            "data-db-2",
        ]
        vols = {v["name"]: v for v in pod["spec"]["volumes"]}
        assert vols["data"]["persistentVolumeClaim"]["claimName"] == "data-db-1"
        await c.patch(f"{STS}/db", {"spec": {"replicas": 1}}, MERGE)

        async def one_left() -> list[str] | None:
            got = await items(c, PODS, labelSelector="app=db")
            names = sorted(p["metadata"]["name"] for p in got)
            return names if names == ["db-0"] else None

        await eventually(one_left, what="scaled to db-0")


async def test_daemonset_one_pod_per_matching_node() -> None:
    async with cluster() as c:
        await add_nodes(c, "w-1", "w-2", "w-3", pool="web")
        await add_nodes(c, "gpu-1", pool="gpu")
        tainted = {
            "spec": {"taints": [{"key": "dedicated", "value": "db", "effect": "NoSchedule"}]}
        }
        await c.patch("/api/v1/nodes/w-3", tainted, MERGE)
        body = workload("DaemonSet", "agent")
        body["spec"]["template"]["spec"]["nodeSelector"] = {"pool": "web"}
        assert (await c.post(DS, body)).status == 201

        async def placed() -> dict[str, Any] | None:
            pods = await items(c, PODS, labelSelector="app=agent")
            nodes = sorted(p["spec"].get("nodeName", "") for p in pods)
            return (
                {"nodes": nodes, "pods": pods}
                if nodes == ["w-1", "w-2"] and all(ready(p) for p in pods)
                else None
            )

        got = await eventually(placed, what="agent on w-1 and w-2")
        for p in got["pods"]:
            terms = p["spec"]["affinity"]["nodeAffinity"][
                "requiredDuringSchedulingIgnoredDuringExecution"
            ]
            assert terms["nodeSelectorTerms"][0]["matchFields"][0]["values"] == [
                p["spec"]["nodeName"]
            ]

        async def status() -> dict[str, Any] | None:
            st = (await c.get(f"{DS}/agent")).body.get("status") or {}
            return st if st.get("numberReady") == 2 else None

        st = await eventually(status)
        assert st["desiredNumberScheduled"] == 2 and st["currentNumberScheduled"] == 2
        # A new matching node gets a pod; a relabelled one loses it.
        await add_nodes(c, "w-4", pool="web")
        await c.patch("/api/v1/nodes/w-1", {"metadata": {"labels": {"pool": "batch"}}}, MERGE)

        async def moved() -> list[str] | None:
            pods = await items(c, PODS, labelSelector="app=agent")
            live = sorted(
                p["spec"].get("nodeName", "")
                for p in pods
                if not p["metadata"].get("deletionTimestamp")
            )
            return live if live == ["w-2", "w-4"] else None

        await eventually(moved, what="agent follows node labels")


async def test_daemonset_keeps_its_pod_on_a_noschedule_taint_and_drops_it_on_noexecute() -> None:
    """Upstream's NodeShouldRunDaemonPod: an untolerated NoSchedule taint stops new pods only
    (a NotReady node's `not-ready:NoSchedule` must not delete every daemon pod on it)."""
    async with cluster() as c:
        await add_nodes(c, "w-1", "w-2", pool="web")
        assert (await c.post(DS, workload("DaemonSet", "agent"))).status == 201

        async def on_both() -> list[str] | None:
            names = await _names(c, "agent")
            return names if len(names) == 2 else None

        before = await eventually(on_both, what="agent on w-1 and w-2")

        async def status_where(desired: int) -> dict[str, Any] | None:
            st = (await c.get(f"{DS}/agent")).body.get("status") or {}
            return st if st.get("desiredNumberScheduled") == desired else None

        async def taint(effect: str) -> None:
            body = {"spec": {"taints": [{"key": "dedicated", "value": "x", "effect": effect}]}}
            assert (await c.patch("/api/v1/nodes/w-2", body, MERGE)).status == 200

        await taint("NoSchedule")
        st = await eventually(lambda: status_where(1), what="w-2 leaves the desired count")
        assert st["numberMisscheduled"] == 1 and st["currentNumberScheduled"] == 1
        assert await _names(c, "agent") == before  # the pod on w-2 was kept

        await taint("NoExecute")

        async def dropped() -> list[str] | None:
            pods = await items(c, PODS, labelSelector="app=agent")
            live = [p for p in pods if not p["metadata"].get("deletionTimestamp")]
            nodes = sorted(p["spec"].get("nodeName", "") for p in live)
            return nodes if nodes == ["w-1"] else None

        await eventually(dropped, what="the NoExecute taint removes the pod on w-2")
