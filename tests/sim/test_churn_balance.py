"""A long churn keeps the world near its size, as a cluster at steady state does: the driver's
deletes are replaced, scale-ups are balanced by scale-downs, and the simulated controllers do
not grow the world on their own (a generated Deployment's past ReplicaSets once carried its
current template, so the deployment controller "rolled back" to the oldest and surged pods)."""

from __future__ import annotations

import asyncio
from typing import Any

from masthead.sim.app import SimConfig, Simulator
from masthead.sim.churn import Churn
from masthead.sim.controllers.settings import ControllerSettings
from masthead.sim.store import WatchEvent
from tests.sim.simclient import running_sim

PODS = ("", "pods")
REPLICASETS = ("apps", "replicasets")


def _replicas(sim: Simulator) -> dict[str, int]:
    return {
        f"{s.namespace}/{s.name}": int((s.decode().get("spec") or {}).get("replicas", 0))
        for s in sim.store.iter_objects(REPLICASETS)
    }


async def _settled_pods(sim: Simulator, rounds: int = 100, steady: int = 5) -> int:
    """The pod count once it has not moved for `steady` samples 0.2 s apart (controllers
    catching up on the last writes; one equal pair can fall inside a rollout's wave)."""
    last, same = -1, 0
    for _ in range(rounds):
        now = sim.store.count(PODS)
        same = same + 1 if now == last else 0
        if same >= steady:
            return now
        last = now
        await asyncio.sleep(0.2)
    return last


def _set_pods(sim: Simulator) -> dict[str, set[str]]:
    """Names of the pods DaemonSets and StatefulSets own, by owner kind."""
    out: dict[str, set[str]] = {"DaemonSet": set(), "StatefulSet": set()}
    for s in sim.store.iter_objects(PODS):
        for ref in s.decode()["metadata"].get("ownerReferences") or []:
            if ref.get("controller") and ref["kind"] in out:
                out[ref["kind"]].add(f"{s.namespace}/{s.name}")
    return out


async def test_controllers_leave_a_fresh_world_as_generated() -> None:
    config = SimConfig(scenario="small", controller_settings=ControllerSettings.fast())
    async with running_sim(config) as c:
        built, pods = _replicas(c.sim), _set_pods(c.sim)
        assert len(pods["DaemonSet"]) == 60 and pods["StatefulSet"]
        await asyncio.sleep(1.0)  # fast settings: every controller has run its initial sync
        assert _replicas(c.sim) == built
        # The generated pods carry their controller's revision hash: none is rolled.
        assert _set_pods(c.sim) == pods


async def test_churn_keeps_the_pod_count_within_a_few_percent() -> None:
    config = SimConfig(scenario="small", controller_settings=ControllerSettings.fast())
    async with running_sim(config) as c:
        sim = c.sim
        start = await _settled_pods(sim)
        churn = Churn(sim, rate=2_000, count=4_000, seed=3)
        report = await churn.run()
        assert report.writes >= 4_000 and report.failure is None
        assert report.by_op["pod-delete"] > 100 and report.by_op["scale"] > 100
        # The driver's own pool of bare pods is its, not the world's growth.
        end = await _settled_pods(sim) - churn.pool_pods
        assert abs(end - start) <= 0.03 * start, (start, end)


DEPLOYMENTS = "/apis/apps/v1/namespaces/team-a/deployments"


def _deployment(name: str, replicas: int) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]},
            },
        },
    }


def _deployment_replicas(sim: Simulator) -> dict[str, int]:
    return {
        f"{s.namespace}/{s.name}": int((s.decode().get("spec") or {}).get("replicas", 1))
        for s in sim.store.iter_objects(("apps", "deployments"))
    }


async def test_scale_walks_stay_within_two_of_the_original_and_never_below_one() -> None:
    async with running_sim(SimConfig(scenario="small", controllers=frozenset())) as c:
        for replicas in (1, 2):  # the sizes where the walk must narrow
            reply = await c.post(DEPLOYMENTS, _deployment(f"tiny-{replicas}", replicas))
            assert reply.status == 201, reply.body
        before = _deployment_replicas(c.sim)
        assert {before["team-a/tiny-1"], before["team-a/tiny-2"]} == {1, 2}
        seen: dict[str, set[int]] = {}

        def observe(key: tuple[str, str], ev: WatchEvent) -> None:
            if key == ("apps", "deployments"):
                spec = ev.obj.decode().get("spec") or {}
                seen.setdefault(f"{ev.obj.namespace}/{ev.obj.name}", set()).add(spec["replicas"])

        c.sim.store.observers.append(observe)
        report = await Churn(c.sim, rate=5_000, count=3_000, mix={"scale": 1}, seed=5).run()
        assert report.by_op["scale"] == 3_000
        # Every size any Deployment passed through, not only where its walk ended.
        for key, sizes in seen.items():
            base = before[key]
            spread = max(0, min(2, base - 1))
            assert base - spread <= min(sizes) and max(sizes) <= base + spread, (key, sizes)
        assert seen["team-a/tiny-1"] == {1} and seen["team-a/tiny-2"] <= {1, 2, 3}
        assert sum(len(sizes) > 1 for sizes in seen.values()) > len(before) / 2
