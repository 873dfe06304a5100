"""The churn driver through the admin API, observed by real watchers over HTTP."""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

from masthead.sim.app import Simulator
from masthead.sim.churn import STAMP, Churn
from tests.sim.simclient import SimClient, Watch, running_sim

# Where the driver's writes land on the default world: its own pool plus events about it.
WATCHED = {
    "configmaps": "/api/v1/configmaps",
    "pods": "/api/v1/pods",
    "events": "/api/v1/events",
}


async def open_watches(c: SimClient, rv: int) -> dict[str, Watch]:
    return {
        res: await c.watch(path, {"resourceVersion": str(rv), "timeoutSeconds": "30"})
        for res, path in WATCHED.items()
    }


class Recorder:
    """Reads watches in the background, recording (resource, event, arrival time), until each
    has delivered the last revision the churn report says was written to its resource."""

    def __init__(self, watches: dict[str, Watch]) -> None:
        self.events: list[tuple[str, dict[str, Any], float]] = []
        self.last: dict[str, int] = dict.fromkeys(watches, 0)
        self.targets: dict[str, int] | None = None
        self.tasks = [asyncio.ensure_future(self._read(r, w)) for r, w in watches.items()]

    def _reached(self, res: str) -> bool:
        return self.targets is not None and self.last[res] >= self.targets.get(res, 0)

    async def _read(self, res: str, w: Watch) -> None:
        while not self._reached(res):
            try:
                ev = await w.next(timeout=0.2)
            except TimeoutError:
                continue
            if ev is None:
                return
            self.last[res] = int(ev["object"]["metadata"]["resourceVersion"])
            self.events.append((res, ev, time.monotonic()))

    async def finish(
        self, report: dict[str, Any], timeout: float = 10.0
    ) -> list[tuple[str, dict[str, Any], float]]:
        targets: dict[str, int] = {}
        for key, rv in report["touched"].items():
            res = key.split("/", 1)[0]
            targets[res] = max(targets.get(res, 0), int(rv))
        self.targets = targets
        await asyncio.wait_for(asyncio.gather(*self.tasks), timeout)
        return self.events


def ref(res: str, obj: dict[str, Any]) -> str:
    m = obj["metadata"]
    return f"{res}/{m['namespace']}/{m['name']}" if m.get("namespace") else f"{res}/{m['name']}"


async def wait_done(c: SimClient, timeout: float = 10.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        r = await c.get("/_sim/churn")
        assert r.status == 200
        if not r.body["running"]:
            body: dict[str, Any] = r.body
            return body
        assert time.monotonic() < deadline, r.body
        await asyncio.sleep(0.05)


async def test_churn_at_200_per_s_for_2_s_is_seen_by_watchers_and_reported() -> None:
    async with running_sim() as c:
        rv0 = int((await c.get("/api/v1/configmaps")).body["metadata"]["resourceVersion"])
        watches = await open_watches(c, rv0)
        recorder = Recorder(watches)
        started = await c.post("/_sim/churn", {"rate": 200, "duration": 2, "seed": 3})
        assert started.status == 201 and started.body["running"] is True
        assert (await c.get("/_sim/state")).body["churn"]["running"] is True
        report = await wait_done(c)
        assert 400 <= report["writes"] <= 402 and report["failure"] is None
        assert 1.9 <= report["elapsedSeconds"] < 3.0
        assert 180 <= report["achievedRate"] <= 215
        assert sum(report["byKind"].values()) == report["writes"]
        assert sum(report["byOperation"].values()) == report["writes"]
        # The default world has no deployments, nodes or custom resources: the driver used
        # what exists (its own pool) and reported each kind of change.
        assert set(report["byKind"]) <= {"ConfigMap", "Pod", "Event"}
        assert {"configmap", "event", "annotate"} <= set(report["byOperation"])
        assert report["setup"] == {"ConfigMap": 20, "Namespace": 1, "Pod": 20, "ServiceAccount": 1}
        start_rv = int(report["startResourceVersion"])
        events = await recorder.finish(report)
        churned = [
            (res, e)
            for res, e, _ in events
            if int(e["object"]["metadata"]["resourceVersion"]) > start_rv
        ]
        log = (await c.get("/_sim/churn", params={"log": "1"})).body["log"]
        assert len(log) == report["writes"]
        assert [t for _, t in log] == sorted(t for _, t in log)
        churn_rvs = {rv for rv, _ in log}
        assert len(churn_rvs) == report["writes"]
        seen_rvs = {int(e["object"]["metadata"]["resourceVersion"]) for _, e in churned}
        assert churn_rvs <= seen_rvs
        assert len(churned) == report["writes"]
        # Convergence: each touched object's last watched revision is the one reported.
        last_seen: dict[str, str] = {}
        for res, e in churned:
            last_seen[ref(res, e["object"])] = e["object"]["metadata"]["resourceVersion"]
        assert last_seen == report["touched"]
        for _, e in churned:
            if e["type"] == "DELETED":
                assert e["object"]["metadata"]["name"].startswith("churn-pod-")
        assert set(report["deleted"]) <= set(report["touched"])
        stamped = [
            e for _, e in churned if STAMP in (e["object"]["metadata"].get("annotations") or {})
        ]
        assert len(stamped) > report["writes"] // 2
        for w in watches.values():
            w.close()


async def test_same_seed_same_changes() -> None:
    reports = []
    for _ in range(2):
        async with running_sim() as c:
            await c.post("/_sim/churn", {"rate": 2000, "count": 120, "seed": 11})
            reports.append(await wait_done(c))
    a, b = reports
    assert a["writes"] == b["writes"] >= 120
    assert a["byOperation"] == b["byOperation"]
    assert sorted(a["touched"]) == sorted(b["touched"])


async def test_churn_stops_at_any_time() -> None:
    async with running_sim() as c:
        await c.post("/_sim/churn", {"rate": 100, "duration": 60})
        conflict = await c.post("/_sim/churn", {"rate": 5})
        assert conflict.status == 409
        await asyncio.sleep(0.4)
        stopped = await c.delete("/_sim/churn")
        assert stopped.status == 200 and stopped.body["running"] is False
        assert 20 <= stopped.body["writes"] <= 60
        rv = c.sim.store.rv
        await asyncio.sleep(0.3)
        again = (await c.get("/_sim/churn")).body
        assert again["writes"] == stopped.body["writes"]
        assert c.sim.store.rv == rv  # nothing else in the default world writes


async def test_churn_count_bound_and_bad_parameters() -> None:
    async with running_sim() as c:
        assert (await c.get("/_sim/churn")).status == 404
        bad = await c.post("/_sim/churn", {"rate": -1})
        assert bad.status == 400 and bad.body["message"] == "rate must be > 0"
        bad = await c.post("/_sim/churn", {"rate": 10, "mix": {"explode": 1}})
        assert bad.status == 400 and "explode" in bad.body["message"]
        bad = await c.post("/_sim/churn", {"rate": 10, "speed": 3})
        assert bad.status == 400 and bad.body["message"] == "unknown parameters: speed"
        await c.post("/_sim/churn", {"rate": 5000, "count": 25, "mix": {"configmap": 1}})
        report = await wait_done(c, timeout=3)
        assert report["writes"] == 25 and report["byOperation"] == {"configmap": 25}
        assert len(report["touched"]) <= 20  # the pool's 20 configmaps


async def test_bursty_churn_writes_in_bursts() -> None:
    async with running_sim() as c:
        rv0 = int((await c.get("/api/v1/configmaps")).body["metadata"]["resourceVersion"])
        w = await c.watch(
            WATCHED["configmaps"], {"resourceVersion": str(rv0), "timeoutSeconds": "10"}
        )
        # Read while the driver writes, so arrival times show its pace.
        recorder = Recorder({"configmaps": w})
        body = {"rate": 100, "duration": 1.0, "pattern": "bursty", "burstPeriod": 0.5}
        await c.post("/_sim/churn", {**body, "mix": {"configmap": 1}})
        report = await wait_done(c)
        assert report["writes"] == 100
        events = await recorder.finish(report)
        start_rv = int(report["startResourceVersion"])
        times = [
            t for _, e, t in events if int(e["object"]["metadata"]["resourceVersion"]) > start_rv
        ]
        assert len(times) == 100
        gaps = sorted(b - a for a, b in itertools.pairwise(times))
        # Two bursts of 50, half a second apart; within a burst, writes are back to back.
        assert gaps[-1] >= 0.3 and gaps[-2] < 0.1
        w.close()


async def create_world_objects(c: SimClient) -> None:
    ns = "/apis/apps/v1/namespaces/team-a/deployments"
    labels = {"app": "web"}
    deployment = {
        "metadata": {"name": "web"},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
            },
        },
    }
    assert (await c.post(ns, deployment)).status == 201
    assert (await c.post("/api/v1/nodes", {"metadata": {"name": "node-1"}})).status == 201
    node = (await c.get("/api/v1/nodes/node-1")).body
    node["status"] = {
        "conditions": [
            {
                "type": "Ready",
                "status": "True",
                "reason": "KubeletReady",
                "message": "kubelet is posting ready status",
                "lastHeartbeatTime": "2026-01-01T00:00:00Z",
                "lastTransitionTime": "2026-01-01T00:00:00Z",
            }
        ]
    }
    assert (await c.put("/api/v1/nodes/node-1/status", node)).status == 200
    r = await c.post("/_sim/faults/create-crd", {"duration": 60})
    assert r.status == 201
    widgets = "/apis/faults.masthead.dev/v1/namespaces/team-a/widgets"
    for _ in range(100):
        if (await c.post(widgets, {"metadata": {"name": "w1"}, "size": 1})).status == 201:
            break
        await asyncio.sleep(0.05)


async def test_churn_changes_what_the_world_holds() -> None:
    async with running_sim() as c:
        await create_world_objects(c)
        mix = {"scale": 1, "node-flap": 1, "cr": 1, "label": 1}
        await c.post("/_sim/churn", {"rate": 2000, "count": 61, "mix": mix, "seed": 1})
        report = await wait_done(c)
        ops = report["byOperation"]
        assert {"scale", "node-flap", "cr", "label"} <= set(ops)
        assert report["byKind"]["Deployment"] >= ops["scale"]
        assert report["touched"]["deployments.apps/team-a/web"]
        assert report["touched"]["widgets.faults.masthead.dev/team-a/w1"]
        replicas = (await c.get("/apis/apps/v1/namespaces/team-a/deployments/web")).body
        assert 1 <= replicas["spec"]["replicas"] <= 5
        # A node the driver left NotReady is made Ready again when it stops.
        node = (await c.get("/api/v1/nodes/node-1")).body
        ready = [x for x in node["status"]["conditions"] if x["type"] == "Ready"]
        assert ready[0]["status"] == "True"
        cr = (await c.get("/apis/faults.masthead.dev/v1/namespaces/team-a/widgets/w1")).body
        assert STAMP in cr["metadata"]["annotations"]


async def test_churn_in_process_api() -> None:
    async with running_sim() as c:
        sim: Simulator = c.sim
        churn = Churn(sim, rate=1000, duration=None, seed=2, count=40, mix={"pod-delete": 1})
        report = await churn.run()
        assert report.writes >= 40 and not report.running
        assert report.by_op["pod-delete"] > 0 and report.by_op["pod-create"] > 0
        # Deleted pool pods were re-created: the pool is whole.
        pods = (await c.get("/api/v1/namespaces/masthead-churn/pods")).body["items"]
        assert sorted(p["metadata"]["name"] for p in pods) == sorted(
            f"churn-pod-{i}" for i in range(10)
        )
        assert report.deleted == set()
