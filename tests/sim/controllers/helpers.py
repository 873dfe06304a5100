"""Helpers for controller tests: a simulator with controllers on and tiny intervals, object
builders, and polling over real HTTP until the cluster converges."""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any, TypeVar

import pytest

from masthead.sim.app import SimConfig
from masthead.sim.controllers import ALL_CONTROLLERS, ControllerSettings
from tests.sim.kubectl_env import Kubectl, SimThread
from tests.sim.simclient import SimClient, running_sim

T = TypeVar("T")
NS = "team-a"
DEPLOY = f"/apis/apps/v1/namespaces/{NS}/deployments"
RS = f"/apis/apps/v1/namespaces/{NS}/replicasets"
PODS = f"/api/v1/namespaces/{NS}/pods"
EVENTS = f"/api/v1/namespaces/{NS}/events"
NODES = "/api/v1/nodes"


@asynccontextmanager
async def cluster(
    controllers: frozenset[str] = ALL_CONTROLLERS,
    settings: ControllerSettings | None = None,
    **config: Any,
) -> AsyncIterator[SimClient]:
    cfg = SimConfig(
        controllers=controllers,
        controller_settings=settings or ControllerSettings.fast(),
        **config,
    )
    async with running_sim(cfg) as c:
        yield c


async def eventually(
    fn: Callable[[], Awaitable[T | None]], timeout: float = 8.0, what: str = ""
) -> T:
    """Poll `fn` until it returns something truthy; fail with the last value on timeout."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await fn()
        if last:
            return last
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what or fn}: last={last!r}")


def node(name: str, cpu: str = "4", memory: str = "8Gi", **labels: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, **labels}},
        "status": {
            "capacity": {"cpu": cpu, "memory": memory, "pods": "110"},
            "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
            "addresses": [{"type": "InternalIP", "address": f"192.168.0.{len(name)}"}],
        },
    }


def container(image: str = "nginx:1.27", cpu: str = "100m", memory: str = "64Mi") -> dict[str, Any]:
    return {
        "name": "app",
        "image": image,
        "ports": [{"name": "http", "containerPort": 8080}],
        "resources": {"requests": {"cpu": cpu, "memory": memory}},
    }


def deployment(
    name: str, replicas: int, image: str = "nginx:1.27", annotations: dict[str, str] | None = None
) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}, "annotations": annotations or {}},
                "spec": {"containers": [container(image)]},
            },
        },
    }


async def items(c: SimClient, path: str, **params: str) -> list[dict[str, Any]]:
    r = await c.get(path, params=params or None)
    assert r.status == 200, r.text
    out: list[dict[str, Any]] = r.body["items"]
    return out


def ready(pod: dict[str, Any]) -> bool:
    return any(
        c["type"] == "Ready" and c["status"] == "True"
        for c in (pod.get("status") or {}).get("conditions") or []
    )


async def add_nodes(c: SimClient, *names: str, **kw: Any) -> None:
    for n in names:
        r = await c.post(NODES, node(n, **kw))
        assert r.status == 201, r.text


@contextmanager
def living_kubectl(binary: str | None) -> Iterator[Kubectl]:
    """A real kubectl against a simulator (HTTPS, every controller, fast settings) with one
    node `node-a` applied; skips when the binary is not installed."""
    if binary is None:
        pytest.skip("kubectl binary not installed")
    cfg = SimConfig(
        https=True, controllers=ALL_CONTROLLERS, controller_settings=ControllerSettings.fast()
    )
    with SimThread(cfg) as sim, tempfile.TemporaryDirectory(prefix="kubectl-cache-") as cache:
        assert sim.kubeconfig_path is not None
        k = Kubectl(binary, sim.kubeconfig_path, cache)
        k.ok("apply", "-f", "-", stdin=json.dumps(node("node-a")))
        yield k
