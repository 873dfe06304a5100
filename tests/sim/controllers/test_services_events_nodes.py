"""EndpointSlices following readiness, event dedup and TTL, node heartbeats and NotReady."""

from __future__ import annotations

from typing import Any

from masthead.sim.controllers import ControllerSettings
from tests.sim.controllers.helpers import (
    DEPLOY,
    EVENTS,
    NS,
    PODS,
    add_nodes,
    cluster,
    deployment,
    eventually,
    items,
    ready,
)
from tests.sim.simclient import SimClient

SLICES = f"/apis/discovery.k8s.io/v1/namespaces/{NS}/endpointslices"
MERGE = "application/merge-patch+json"


async def _slice(c: SimClient, svc: str) -> dict[str, Any] | None:
    got = await items(c, SLICES, labelSelector=f"kubernetes.io/service-name={svc}")
    return got[0] if len(got) == 1 else None


async def test_endpointslice_follows_pod_readiness() -> None:
    async with cluster() as c:
        await add_nodes(c, "node-a")
        await c.post(DEPLOY, deployment("web", 2))
        svc = {
            "metadata": {"name": "web"},
            "spec": {
                "selector": {"app": "web"},
                "ports": [{"name": "http", "port": 80, "targetPort": "http"}],
            },
        }
        assert (await c.post(f"/api/v1/namespaces/{NS}/services", svc)).status == 201

        async def two_ready() -> dict[str, Any] | None:
            s = await _slice(c, "web")
            eps = (s or {}).get("endpoints") or []
            return s if len(eps) == 2 and all(e["conditions"]["ready"] for e in eps) else None

        sl = await eventually(two_ready, what="2 ready endpoints")
        assert sl["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]
        assert sl["addressType"] == "IPv4"
        assert sl["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"] == (
            "endpointslice-controller.k8s.io"
        )
        assert sl["metadata"]["ownerReferences"][0]["kind"] == "Service"
        pods = {p["metadata"]["name"]: p for p in await items(c, PODS)}
        by_pod = {e["targetRef"]["name"]: e for e in sl["endpoints"]}
        assert set(by_pod) == set(pods)
        for name, e in by_pod.items():
            assert e["addresses"] == [pods[name]["status"]["podIP"]]
            assert e["nodeName"] == "node-a"
        # One pod fails its readiness probe: its endpoint turns not ready.
        victim = sorted(pods)[0]
        patch = {"metadata": {"annotations": {"sim.masthead.io/ready": "false"}}}
        assert (await c.patch(f"{PODS}/{victim}", patch, MERGE)).status == 200

        async def one_unready() -> dict[str, Any] | None:
            s = await _slice(c, "web")
            eps = {
                e["targetRef"]["name"]: e["conditions"] for e in (s or {}).get("endpoints") or []
            }
            return s if eps.get(victim, {}).get("ready") is False else None

        await eventually(one_unready, what="endpoint not ready")
        p = (await c.get(f"{PODS}/{victim}")).body
        assert not ready(p)
        # Scale to zero: the slice stays, empty.
        await c.patch(f"{DEPLOY}/web", {"spec": {"replicas": 0}}, MERGE)

        async def empty() -> dict[str, Any] | None:
            s = await _slice(c, "web")
            return s if s is not None and not s.get("endpoints") else None

        await eventually(empty, what="empty slice")


async def test_event_dedup_updates_count_on_one_object() -> None:
    async with cluster(controllers=frozenset()) as c:
        rec = c.sim.controllers.recorder
        pod = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "p", "namespace": NS, "uid": "u1"},
        }
        first = rec.record(
            pod, "Warning", "BackOff", "Back-off restarting", component="kubelet", host="n1"
        )
        assert first is not None and first["count"] == 1
        assert first["metadata"]["name"].startswith("p.")
        int(first["metadata"]["name"][2:], 16)  # hex nanoseconds
        for _ in range(4):
            rec.record(
                pod, "Warning", "BackOff", "Back-off restarting", component="kubelet", host="n1"
            )
        evs = await items(c, EVENTS)
        assert len(evs) == 1
        assert evs[0]["count"] == 5 and evs[0]["source"] == {"component": "kubelet", "host": "n1"}
        # The newer recorder fills eventTime once and then series.
        for _ in range(3):
            rec.record(
                pod,
                "Warning",
                "FailedScheduling",
                "0/1 nodes",
                component="default-scheduler",
                new_style=True,
            )
        ev1 = await items(
            c,
            "/apis/events.k8s.io/v1/namespaces/team-a/events",
            fieldSelector="reason=FailedScheduling",
        )
        assert len(ev1) == 1 and ev1[0]["series"]["count"] == 3
        assert ev1[0]["reportingController"] == "default-scheduler"
        # A different message is a different event.
        rec.record(pod, "Warning", "BackOff", "other message", component="kubelet", host="n1")
        assert len(await items(c, EVENTS, fieldSelector="reason=BackOff")) == 2


async def test_event_ttl_expiry_is_a_deleted_watch_event() -> None:
    settings = ControllerSettings.fast(event_ttl=0.3)
    async with cluster(controllers=frozenset({"eventttl"}), settings=settings) as c:
        body = {
            "metadata": {"name": "short-lived"},
            "involvedObject": {"kind": "Pod", "name": "p", "namespace": NS},
            "reason": "Test",
            "message": "hello",
        }
        created = await c.post(EVENTS, body)
        assert created.status == 201
        w = await c.watch(EVENTS, {"resourceVersion": created.body["metadata"]["resourceVersion"]})
        ev = await w.next(timeout=5)
        w.close()
        assert ev is not None and ev["type"] == "DELETED"
        assert ev["object"]["metadata"]["name"] == "short-lived"
        assert (await c.get(f"{EVENTS}/short-lived")).status == 404


async def test_event_count_cap_deletes_the_oldest_first_and_counts() -> None:
    # The cap comes down to 5 only once all 12 Events and the renewal are written: with it in
    # force from the start, a tick between two POSTs (every 50 ms) evicted ev-00 before its
    # renewal under load.
    settings = ControllerSettings.fast(event_ttl=3600.0, max_events=1_000)
    async with cluster(controllers=frozenset({"eventttl"}), settings=settings) as c:
        for i in range(12):
            body = {
                "metadata": {"name": f"ev-{i:02d}"},
                "involvedObject": {"kind": "Pod", "name": "p", "namespace": NS},
                "reason": "Test",
                "message": f"number {i}",
            }
            assert (await c.post(EVENTS, body)).status == 201
        # Renewing ev-00 moves its lease to the back of the line.
        renew = {"message": "renewed"}
        r = await c.patch(f"{EVENTS}/ev-00", renew, "application/merge-patch+json")
        assert r.status == 200
        settings.max_events = 5

        async def capped() -> list[str]:
            names = sorted(e["metadata"]["name"] for e in await items(c, EVENTS))
            return names if len(names) <= 5 else []

        names = await eventually(capped, what="the Event cap")
        assert names == ["ev-00", "ev-08", "ev-09", "ev-10", "ev-11"]
        ttl = c.sim.controllers.controllers["eventttl"]
        assert getattr(ttl, "evicted_at_cap", None) == 7 and getattr(ttl, "expired", None) == 0


async def test_node_heartbeats_and_not_ready_transition() -> None:
    async with cluster() as c:
        await add_nodes(c, "node-a", "node-b")
        await c.post(DEPLOY, deployment("web", 2))

        async def leases() -> list[dict[str, Any]]:
            got = await items(c, "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases")
            return got if len(got) == 2 else []

        first = {x["metadata"]["name"]: x["spec"]["renewTime"] for x in await eventually(leases)}

        async def renewed() -> bool:
            now = {x["metadata"]["name"]: x["spec"]["renewTime"] for x in await leases()}
            return all(now[n] > first[n] for n in first)

        await eventually(renewed, what="lease renewals")
        node = (await c.get("/api/v1/nodes/node-a")).body
        conds = {x["type"]: x for x in node["status"]["conditions"]}
        assert conds["Ready"]["reason"] == "KubeletReady" and conds["Ready"]["lastHeartbeatTime"]
        assert node["status"]["nodeInfo"]["kubeletVersion"].startswith("v1.")

        async def all_ready() -> bool:
            pods = await items(c, PODS)
            return len(pods) == 2 and all(ready(p) for p in pods)

        await eventually(all_ready)
        patch = {"metadata": {"annotations": {"sim.masthead.io/node-state": "Unreachable"}}}
        for n in ("node-a", "node-b"):
            await c.patch(f"/api/v1/nodes/{n}", patch, MERGE)

        async def unknown() -> dict[str, Any] | None:
            nd = (await c.get("/api/v1/nodes/node-a")).body
            cond = next(x for x in nd["status"]["conditions"] if x["type"] == "Ready")
            keys = {t["key"] for t in nd["spec"].get("taints") or []}
            ok = cond["status"] == "Unknown" and "node.kubernetes.io/unreachable" in keys
            return nd if ok else None

        nd = await eventually(unknown, what="node Unknown + tainted")
        assert {t["effect"] for t in nd["spec"]["taints"]} == {"NoSchedule", "NoExecute"}

        async def pods_unready() -> bool:
            pods = await items(c, PODS)
            return bool(pods) and not any(ready(p) for p in pods)

        await eventually(pods_unready, what="pods Ready=False")
        evs = await items(
            c, "/api/v1/namespaces/default/events", fieldSelector="reason=NodeNotReady"
        )
        assert any(e["involvedObject"]["name"] == "node-a" for e in evs)
        pod_evs = await items(c, EVENTS, fieldSelector="reason=NodeNotReady")
        assert pod_evs and pod_evs[0]["message"] == "Node is not ready"
        # The kubelet comes back: Ready again, taints gone.
        back = {"metadata": {"annotations": {"sim.masthead.io/node-state": None}}}
        await c.patch("/api/v1/nodes/node-a", back, MERGE)

        async def healed() -> bool:
            nd = (await c.get("/api/v1/nodes/node-a")).body
            cond = next(x for x in nd["status"]["conditions"] if x["type"] == "Ready")
            return cond["status"] == "True" and not nd["spec"].get("taints")

        await eventually(healed, what="node healed")


async def test_similar_events_are_combined_and_spam_is_dropped() -> None:
    """client-go's correlator: >10 similar events (same object, reason; other messages) in 10
    minutes become one combined event whose count grows; past 25 per source + object, events
    are dropped until the bucket refills (one per 5 minutes)."""
    async with cluster(controllers=frozenset()) as c:
        rec = c.sim.controllers.recorder
        ds = {
            "apiVersion": "apps/v1",
            "kind": "DaemonSet",
            "metadata": {"name": "agent", "namespace": NS, "uid": "u-ds"},
        }
        for i in range(40):
            rec.record(
                ds,
                "Warning",
                "FailedCreate",
                f'pods "agent-{i:05d}" is forbidden',
                component="daemonset-controller",
            )
        evs = await items(c, EVENTS)
        distinct = [e for e in evs if not e["message"].startswith("(combined from similar events)")]
        combined = [e for e in evs if e["message"].startswith("(combined from similar events)")]
        assert len(distinct) == 10 and len(combined) == 1
        assert combined[0]["count"] == 25 - 10  # the burst, less the first ten
        assert rec.spam_dropped == 40 - 25
        # Another object has its own bucket.
        other = {**ds, "metadata": {"name": "other", "namespace": NS, "uid": "u-2"}}
        assert rec.record(other, "Warning", "FailedCreate", "x", component="daemonset-controller")
