"""Pod lifecycle: scheduling, crash loops, image pulls, unschedulable pods, termination."""

from __future__ import annotations

from typing import Any

from masthead.sim.controllers import ControllerSettings
from tests.sim.controllers.helpers import (
    EVENTS,
    NODES,
    PODS,
    add_nodes,
    cluster,
    container,
    eventually,
    items,
)
from tests.sim.simclient import SimClient


def pod(name: str, image: str = "nginx:1.27", **annotations: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "annotations": annotations},
        "spec": {"containers": [container(image)]},
    }


async def _status(c: SimClient, name: str) -> dict[str, Any]:
    r = await c.get(f"{PODS}/{name}")
    assert r.status == 200, r.text
    st: dict[str, Any] = r.body.get("status") or {}
    return st


async def _events(c: SimClient, name: str, reason: str) -> list[dict[str, Any]]:
    sel = f"involvedObject.name={name},reason={reason}"
    return await items(c, EVENTS, fieldSelector=sel)


async def test_crashloop_restarts_with_backoff_and_waiting_reason() -> None:
    settings = ControllerSettings.fast(crash_after=0.05, backoff_base=0.15, backoff_max=2.0)
    async with cluster(settings=settings) as c:
        await add_nodes(c, "node-a")
        await c.post(PODS, pod("crashy", **{"sim.masthead.io/behaviour": "crashloop"}))

        async def restarted(n: int) -> dict[str, Any] | None:
            cs = ((await _status(c, "crashy")).get("containerStatuses") or [{}])[0]
            return cs if cs.get("restartCount", 0) >= n else None

        cs = await eventually(lambda: restarted(3), what="3 restarts")
        last = cs["lastState"]["terminated"]
        assert (last["exitCode"], last["reason"]) == (1, "Error")
        waiting = await eventually(
            lambda: _waiting(c, "crashy", "CrashLoopBackOff"), what="CrashLoopBackOff"
        )
        assert waiting["message"].startswith("back-off ")
        assert "restarting failed container=app pod=crashy_team-a(" in waiting["message"]
        backoff = await _events(c, "crashy", "BackOff")
        assert len(backoff) == 1 and backoff[0]["count"] >= 3
        assert backoff[0]["type"] == "Warning"
        assert backoff[0]["involvedObject"]["fieldPath"] == "spec.containers{app}"
        assert backoff[0]["lastTimestamp"] >= backoff[0]["firstTimestamp"]
        # Back-off grows: with base 0.15 s doubling, 3 restarts take > 0.15+0.3 s in all.
        st = await _status(c, "crashy")
        assert st["phase"] == "Running"


async def _waiting(c: SimClient, name: str, reason: str) -> dict[str, Any] | None:
    for cs in (await _status(c, name)).get("containerStatuses") or []:
        w = (cs.get("state") or {}).get("waiting") or {}
        if w.get("reason") == reason:
            return dict(w)
    return None


async def test_oom_and_bad_image() -> None:
    async with cluster() as c:
        await add_nodes(c, "node-a")
        await c.post(PODS, pod("oomy", **{"sim.masthead.io/behaviour": "oom"}))
        await c.post(PODS, pod("pully", image="ghcr.io/acme/api:doesnotexist"))

        async def oom() -> dict[str, Any] | None:
            for cs in (await _status(c, "oomy")).get("containerStatuses") or []:
                t = (cs.get("lastState") or {}).get("terminated") or {}
                if t.get("reason") == "OOMKilled":
                    return dict(t)
            return None

        t = await eventually(oom, what="OOMKilled")
        assert t["exitCode"] == 137
        w = await eventually(lambda: _waiting(c, "pully", "ImagePullBackOff"))
        assert w["message"].startswith('Back-off pulling image "ghcr.io/acme/api:doesnotexist"')
        failed = {e["message"] for e in await _events(c, "pully", "Failed")}
        assert "Error: ErrImagePull" in failed and "Error: ImagePullBackOff" in failed
        assert (await _status(c, "pully"))["phase"] == "Pending"


async def test_unschedulable_pod_stays_pending_with_failed_scheduling() -> None:
    async with cluster() as c:
        await add_nodes(c, "small-1", "small-2", cpu="1")
        big = pod("big")
        big["spec"]["containers"][0]["resources"]["requests"]["cpu"] = "3"
        await c.post(PODS, big)

        async def failed() -> list[dict[str, Any]]:
            return await _events(c, "big", "FailedScheduling")

        ev = (await eventually(failed, what="FailedScheduling"))[0]
        msg = (
            "0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are "
            "available: 2 Preemption is not helpful for scheduling."
        )
        assert ev["message"] == msg and ev["type"] == "Warning"
        assert ev["reportingComponent"] == "default-scheduler" and ev["action"] == "Scheduling"
        st = await _status(c, "big")
        cond = next(x for x in st["conditions"] if x["type"] == "PodScheduled")
        assert (cond["status"], cond["reason"], cond["message"]) == ("False", "Unschedulable", msg)
        assert st["phase"] == "Pending"
        got = await c.get(f"{PODS}/big")
        assert "nodeName" not in got.body["spec"]
        # A node with room arrives: the pod is scheduled and runs.
        await add_nodes(c, "large-1", cpu="8")

        async def running() -> bool:
            return (await _status(c, "big")).get("phase") == "Running"

        await eventually(running, what="big running")
        assert (await c.get(f"{PODS}/big")).body["spec"]["nodeName"] == "large-1"


async def test_graceful_delete_kills_containers_first() -> None:
    async with cluster() as c:
        await add_nodes(c, "node-a")
        await c.post(PODS, pod("bye"))

        async def running() -> bool:
            return (await _status(c, "bye")).get("phase") == "Running"

        await eventually(running)
        w = await c.watch(PODS, {"fieldSelector": "metadata.name=bye", "resourceVersion": "0"})
        r = await c.delete(f"{PODS}/bye")
        assert r.status == 200 and r.body["metadata"]["deletionTimestamp"]
        seen = await w.until(lambda ev: ev["type"] == "DELETED", timeout=5)
        w.close()
        states = [
            ev["object"]["status"]["containerStatuses"][0]["state"]
            for ev in seen
            if ev["type"] == "MODIFIED"
        ]
        assert any("terminated" in s for s in states), states
        assert len(await _events(c, "bye", "Killing")) == 1


def _sized(name: str, cpu: str, node: str = "") -> dict[str, Any]:
    p = pod(name)
    p["spec"]["containers"][0]["resources"]["requests"]["cpu"] = cpu
    if node:
        p["spec"]["nodeName"] = node
    return p


async def test_a_node_change_or_a_pod_leaving_retries_unschedulable_pods_on_that_node_alone() -> (
    None
):
    # Periodic retries out of the way: only the pods leaving can move the unschedulable one.
    settings = ControllerSettings.fast(unschedulable_retry=3600.0)
    async with cluster(settings=settings) as c:
        await add_nodes(c, "n-1", "n-2", cpu="1")
        for p in (
            _sized("fill-1", "700m", "n-1"),
            _sized("tiny-1", "100m", "n-1"),
            _sized("fill-2", "700m", "n-2"),
        ):
            assert (await c.post(PODS, p)).status == 201
        assert (await c.post(PODS, _sized("big", "600m"))).status == 201

        async def failed() -> list[dict[str, Any]]:
            return await _events(c, "big", "FailedScheduling")

        await eventually(failed, what="FailedScheduling")

        async def gone(name: str) -> bool:
            return (await c.get(f"{PODS}/{name}")).status == 404

        # n-2 changes in what the filters read (a label): the pod is tried on n-2 alone.
        r = await c.patch(
            f"{NODES}/n-2",
            {"metadata": {"labels": {"disk": "ssd"}}},
            "application/merge-patch+json",
        )
        assert r.status == 200, r.text
        # tiny-1 leaves n-1: 300m free there is still too little, and no other node gained
        # room, so the pod is tried on n-1 alone. Neither retry records a second failure.
        assert (await c.delete(f"{PODS}/tiny-1")).status == 200
        await eventually(lambda: gone("tiny-1"), what="tiny-1 deleted")
        assert (await c.delete(f"{PODS}/fill-1")).status == 200

        async def bound() -> str:
            got = await c.get(f"{PODS}/big")
            return str(got.body["spec"].get("nodeName", ""))

        assert await eventually(bound, what="big bound after fill-1 left") == "n-1"
        assert [e.get("series") for e in await failed()] == [None]


async def test_unschedulable_pod_is_retried_on_node_changes_filters_see_not_heartbeats() -> None:
    # Periodic retries out of the way: only node events can move the pod.
    settings = ControllerSettings.fast(unschedulable_retry=3600.0, node_status_interval=0.1)
    async with cluster(settings=settings) as c:
        await add_nodes(c, "plain-1")
        picky = pod("picky")
        picky["spec"]["nodeSelector"] = {"disk": "ssd"}
        await c.post(PODS, picky)

        async def failed() -> list[dict[str, Any]]:
            return await _events(c, "picky", "FailedScheduling")

        await eventually(failed, what="FailedScheduling")
        rv0 = int((await c.get(f"{NODES}/plain-1")).body["metadata"]["resourceVersion"])

        async def heartbeats() -> bool:
            got = await c.get(f"{NODES}/plain-1")
            return int(got.body["metadata"]["resourceVersion"]) > rv0 + 3

        # Several heartbeats later (status times only), the pod was not tried again.
        await eventually(heartbeats, what="node heartbeats")
        # A retry would have counted another occurrence on the event (its series).
        assert [e.get("series") for e in await failed()] == [None]
        r = await c.patch(
            f"{NODES}/plain-1",
            {"metadata": {"labels": {"disk": "ssd"}}},
            "application/merge-patch+json",
        )
        assert r.status == 200, r.text

        async def bound() -> bool:
            got = await c.get(f"{PODS}/picky")
            return got.body["spec"].get("nodeName") == "plain-1"

        await eventually(bound, what="picky bound after the label change")
