"""Controller benchmarks (in-process, no HTTP): how fast Deployments converge to Running pods,
and what the controllers cost on a 100k-pod world (start-up sync, idle CPU, per-write cost).

    .venv/bin/python -m bench.controllers quick|full
"""

from __future__ import annotations

import asyncio
import sys
import time

from bench.results_format import Figure
from masthead.sim.app import SimConfig, Simulator
from masthead.sim.controllers import ALL_CONTROLLERS, ControllerSettings
from masthead.sim.controllers.objects import DEPLOYMENTS, NODES, PODS
from masthead.sim.podgen import realistic_pod
from masthead.sim.registry import WriteContext


def _settings() -> ControllerSettings:
    # Real pacing for nodes and events; pod start-up without artificial delays.
    return ControllerSettings(pull_delay=0.0, start_delay=0.0)


def _node(i: int) -> dict[str, object]:
    return {
        "metadata": {"name": f"node-{i:04d}", "labels": {"pool": "general"}},
        "status": {
            "capacity": {"cpu": "32", "memory": "128Gi", "pods": "110"},
            "conditions": [{"type": "Ready", "status": "True"}],
        },
    }


def _deployment(i: int, replicas: int) -> dict[str, object]:
    name = f"svc-{i:04d}"
    return {
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {
                    "containers": [
                        {
                            "name": "app",
                            "image": "registry.k8s.io/nginx-slim:0.27",
                            "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}},
                        }
                    ]
                },
            },
        },
    }


async def converge(deployments: int, replicas: int, nodes: int) -> tuple[float, int]:
    """Seconds from creating the Deployments to every pod Running and Ready."""
    cfg = SimConfig(controllers=ALL_CONTROLLERS, controller_settings=_settings())
    async with Simulator(cfg) as sim:
        ctx = WriteContext("bench")
        for i in range(nodes):
            sim.registry.create(NODES, "", _node(i), ctx)
        t0 = time.perf_counter()
        for i in range(deployments):
            sim.registry.create(DEPLOYMENTS, "team-a", _deployment(i, replicas), ctx)
        want = deployments * replicas
        while True:
            await asyncio.sleep(0.05)
            ready = sum(
                1
                for s in sim.store.iter_objects(PODS.storage_key, "team-a")
                if s.fields.get("status.phase") == "Running"
                and sim.controllers.ctx.pods.view(s).ready
            )
            if ready >= want and sim.controllers.idle():
                return time.perf_counter() - t0, sim.controllers.recorder.created
            if time.perf_counter() - t0 > 240:
                raise TimeoutError(f"{ready}/{want} pods ready")


async def _settle(sim: Simulator) -> None:
    """Until every controller queue is empty (polling: the queues expose no event)."""
    for _ in range(100_000):
        if sim.controllers.idle():
            return
        await asyncio.sleep(0.001)


async def big_world(pods: int, nodes: int, writes: int) -> dict[str, float]:
    cfg = SimConfig(controllers=ALL_CONTROLLERS, controller_settings=_settings())
    sim = Simulator(cfg)
    ctx = WriteContext("bench")
    for i in range(nodes):
        sim.registry.create(NODES, "", _node(i), ctx)
    for i in range(pods):
        pod = realistic_pod(i, "team-a", f"node-{i % nodes:04d}")
        labels = pod["metadata"]["labels"]
        labels["pod-template-hash"] = labels["pod-template-hash"].strip("-")  # podgen quirk
        pod["status"] = {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "True"}],
            "podIP": f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}",
        }
        sim.registry.put_prepared(PODS, pod)
    c0 = time.process_time()
    t0 = time.perf_counter()
    await sim.start()
    await _settle(sim)
    startup = time.perf_counter() - t0
    startup_cpu = time.process_time() - c0
    c1 = time.process_time()
    t1 = time.perf_counter()
    await asyncio.sleep(5.0)
    idle = (time.process_time() - c1) / (time.perf_counter() - t1)
    # Per-write overhead: label patches on pods, controllers on (observers + queues).
    names = [
        s.name
        for _, s in zip(range(writes), sim.store.iter_objects(PODS.storage_key), strict=False)
    ]
    c2 = time.perf_counter()
    for n in names:
        sim.registry.patch(
            PODS, "team-a", n, "merge", {"metadata": {"annotations": {"x": "1"}}}, ctx
        )
    await _settle(sim)
    per_write = (time.perf_counter() - c2) / max(len(names), 1)
    await sim.stop()
    return {"startup": startup, "startup_cpu": startup_cpu, "idle": idle, "per_write": per_write}


def run(mode: str) -> list[Figure]:
    full = mode == "full"
    deployments, replicas, nodes = (200, 10, 50) if full else (50, 10, 20)
    scenario = f"{deployments} deployments x {replicas} replicas on {nodes} nodes"
    conv = Figure("sim.controllers.pods_running_per_s", scenario, "pods/s", higher_is_better=True)
    for _ in range(2 if full else 1):
        seconds, _ = asyncio.run(converge(deployments, replicas, nodes))
        conv.masthead.append(deployments * replicas / seconds)
    pods = 100_000 if full else 30_000
    world = f"{pods} running pods, 1000 nodes, all controllers"
    start = Figure("sim.controllers.startup_sync_s", world, "s")
    idle = Figure("sim.controllers.idle_cpu", world, "CPU fraction")
    write = Figure("sim.controllers.pod_write_us", world, "µs/write")
    r = asyncio.run(big_world(pods, 1000, 2000))
    start.masthead.append(r["startup"])
    idle.masthead.append(r["idle"])
    write.masthead.append(r["per_write"] * 1e6)
    return [conv, start, idle, write]


if __name__ == "__main__":
    for f in run(sys.argv[1] if len(sys.argv) > 1 else "quick"):
        print(f.to_json())
