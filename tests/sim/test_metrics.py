"""metrics.k8s.io over real HTTP and real `kubectl top`: data, selectors, formats, the usage
model, and the absent / ok / forbidden / unavailable states switched at run time."""

from __future__ import annotations

import asyncio
import json
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from masthead.sim.app import SimConfig, Simulator
from masthead.sim.metrics import (
    ContainerProfile,
    MetricsConfig,
    format_cpu,
    format_memory,
    go_duration,
    parse_quantity,
)
from tests.sim.kubectl_env import KUBECTLS, Kubectl, SimThread
from tests.sim.simclient import SimClient, running_sim
from tests.sim.test_logs import add_node, add_pod, running, terminated, waiting

FIXTURE = Path(__file__).resolve().parents[3] / "shared/fixtures/kube-apiserver-1.36"
V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
M = "/apis/metrics.k8s.io/v1beta1"
CPU = re.compile(r"^(0|[1-9]\d*[num]?)$")
MEM = re.compile(r"^[1-9]\d*(Ki|Mi|Gi)$")
RES = {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}}
FAST = MetricsConfig(resolution=1.0, first_scrape_delay=5.0)


def cpu_cores(q: str) -> float:
    v = parse_quantity(q)
    assert v is not None
    return v


def build_world(sim: Simulator) -> None:
    """Two Ready nodes, one NotReady; pods in several states."""
    add_node(sim, "node-1")
    add_node(sim, "node-2")
    add_node(sim, "node-3", ready=False)
    add_pod(sim, "web-1", [("web", "nginx:1.27")], [running("web", 600)], resources=RES)
    add_pod(
        sim,
        "web-2",
        [("web", "nginx:1.27"), ("sidecar", "envoy")],
        [running("web", 600), running("sidecar", 600)],
        labels={"app": "web", "tier": "edge"},
        resources=RES,
        node="node-2",
    )
    crash = terminated(started_ago=120, finished_ago=60, code=1)
    add_pod(sim, "crashy", [("app", "orders")], [running("app", 30, 5, crash)], resources=RES)
    add_pod(sim, "fresh", [("app", "orders")], [running("app", 1)], resources=RES)
    add_pod(sim, "pulling", [("app", "orders")], [waiting("app", "ImagePullBackOff")])
    add_pod(sim, "other-ns", [("app", "orders")], [running("app", 600)], ns="team-b")


# ---------------------------------------------------------------------- formats and model
def test_quantity_formats_like_metrics_server() -> None:
    assert [format_cpu(n) for n in (0, 1500, 2000, 250_000_000, 10**9, 2_500_000_000)] == [
        "0",
        "1500n",
        "2u",
        "250m",
        "1",
        "2500m",
    ]
    assert [format_memory(b) for b in (1000, 1025, 1536 * 1024, 1 << 20, 3 << 30)] == [
        "1000",
        "1025",
        "1536Ki",
        "1Mi",
        "3Gi",
    ]
    assert [go_duration(s) for s in (15.002, 10.066, 20, 0.5, 75.25)] == [
        "15.002s",
        "10.066s",
        "20s",
        "500ms",
        "1m15.25s",
    ]
    assert [parse_quantity(q) for q in ("250m", "1", "128Mi", "1e3", "2k", "x")] == [
        0.25,
        1.0,
        134217728.0,
        1000.0,
        2000.0,
        None,
    ]


def test_usage_model_ramps_new_containers_and_spikes_crash_loops() -> None:
    now = time.time_ns()

    def profile(age: float, crash: bool = False, oom: bool = False) -> ContainerProfile:
        return ContainerProfile(
            "app", 42, 0.1, 0.5, 128 * 2**20, 256 * 2**20, now - int(age * 1e9), crash, oom
        )

    young, settled = profile(5).usage(now), profile(900).usage(now)
    assert young[0] > settled[0] * 1.5  # start-up CPU burst
    assert young[1] < settled[1] * 0.7  # memory still ramping up
    spike = profile(30, crash=True).usage(now)
    assert 0.85 * 0.5e9 <= spike[0] <= 0.5e9  # pinned near its CPU limit
    oom = profile(59, crash=True, oom=True).usage(now)
    assert 0.9 * 256 * 2**20 < oom[1] < 256 * 2**20  # climbing into its memory limit
    # Drift: the same container at another time reports something else.
    assert profile(900).usage(now + 300 * 10**9) != settled


# ---------------------------------------------------------------------- ok
async def test_node_and_pod_metrics_lists_gets_and_selectors() -> None:
    async with running_sim(SimConfig(metrics="ok", metrics_config=FAST)) as c:
        build_world(c.sim)
        before = time.time()
        r = await c.get(f"{M}/nodes")
        assert r.status == 200 and r.body["kind"] == "NodeMetricsList"
        assert r.body["apiVersion"] == "metrics.k8s.io/v1beta1" and r.body["metadata"] == {}
        names = [i["metadata"]["name"] for i in r.body["items"]]
        assert names == ["node-1", "node-2"]  # the NotReady node has no metrics
        n1 = r.body["items"][0]
        assert n1["metadata"]["labels"] == {"kubernetes.io/hostname": "node-1"}
        assert CPU.match(n1["usage"]["cpu"]) and MEM.match(n1["usage"]["memory"])
        assert re.fullmatch(r"1(\.\d{1,3})?s", n1["window"])
        created = time.mktime(
            time.strptime(n1["metadata"]["creationTimestamp"], "%Y-%m-%dT%H:%M:%SZ")
        )
        assert abs(created - time.timezone - before) < 2
        got = await c.get(f"{M}/nodes/node-2")
        assert got.body["kind"] == "NodeMetrics" and got.body["metadata"]["name"] == "node-2"
        missing = await c.get(f"{M}/nodes/node-3")
        assert missing.status == 404
        assert missing.body["message"] == 'nodemetrics.metrics.k8s.io "node-3" not found'

        pods = await c.get(f"{M}/namespaces/team-a/pods")
        assert pods.body["kind"] == "PodMetricsList"
        listed = [i["metadata"]["name"] for i in pods.body["items"]]
        # fresh (started 1 s ago, not scraped twice yet) and pulling (not running) are left out.
        assert listed == ["crashy", "web-1", "web-2"]
        web2 = pods.body["items"][2]
        assert [x["name"] for x in web2["containers"]] == ["web", "sidecar"]
        assert web2["metadata"]["labels"] == {"app": "web", "tier": "edge"}
        crashy = pods.body["items"][0]["containers"][0]["usage"]
        assert cpu_cores(crashy["cpu"]) >= 0.85 * 0.5
        everywhere = await c.get(f"{M}/pods")
        assert [i["metadata"]["namespace"] for i in everywhere.body["items"]].count("team-b") == 1
        sel = await c.get(f"{M}/pods", params={"labelSelector": "tier=edge"})
        assert [i["metadata"]["name"] for i in sel.body["items"]] == ["web-2"]
        fs = await c.get(
            f"{M}/namespaces/team-a/pods", params={"fieldSelector": "metadata.name=web-1"}
        )
        assert [i["metadata"]["name"] for i in fs.body["items"]] == ["web-1"]
        for name in ("fresh", "pulling", "ghost"):
            r = await c.get(f"{M}/namespaces/team-a/pods/{name}")
            assert r.status == 404
            assert r.body["message"] == f'podmetrics.metrics.k8s.io "{name}" not found'
        # Node usage covers its pods plus system overhead.
        on_node1 = sum(
            cpu_cores(x["usage"]["cpu"])
            for i in pods.body["items"]
            if i["metadata"]["name"] in ("web-1", "crashy")
            for x in i["containers"]
        )
        assert cpu_cores(n1["usage"]["cpu"]) > on_node1
        # Watch is not served by metrics-server.
        assert (await c.get(f"{M}/pods", params={"watch": "true"})).status == 405


async def test_readings_hold_within_a_scrape_and_drift_across_scrapes() -> None:
    async with running_sim(SimConfig(metrics="ok", metrics_config=MetricsConfig(1.0, 0))) as c:
        add_node(c.sim, "node-1")
        add_pod(c.sim, "web-1", [("web", "nginx")], [running("web", 600)], resources=RES)
        seen: dict[str, str] = {}
        for _ in range(25):
            item = (await c.get(f"{M}/namespaces/team-a/pods/web-1")).body
            usage = item["containers"][0]["usage"]["cpu"]
            if item["timestamp"] in seen:
                assert seen[item["timestamp"]] == usage
            seen[item["timestamp"]] = usage
            await asyncio.sleep(0.1)
        assert len(set(seen.values())) >= 2


# ---------------------------------------------------------------------- states
async def discovered(c: SimClient) -> tuple[bool, Any]:
    legacy = await c.get("/apis")
    agg = await c.get("/apis", headers={"Accept": V2})
    groups = [g["name"] for g in legacy.body["groups"]]
    entry = [i for i in agg.body["items"] if i["metadata"]["name"] == "metrics.k8s.io"]
    return "metrics.k8s.io" in groups, entry[0] if entry else None


async def test_states_switch_at_run_time() -> None:
    async with running_sim(SimConfig(metrics_config=FAST)) as c:
        build_world(c.sim)
        jane = c.as_token(c.sim.restricted_token)
        # absent (the in-process default): exactly what fixture 10 recorded.
        fixture = json.loads((FIXTURE / "10-metrics-absent.json").read_text())
        for ex in fixture["exchanges"]:
            r = await c.get(ex["request"]["path"])
            assert (r.status, r.text) == (ex["response"]["status"], ex["response"]["body"])
            assert r.headers["Content-Type"] == "text/plain; charset=utf-8"
        assert await discovered(c) == (False, None)

        c.sim.set_metrics_state("ok")
        listed, entry = await discovered(c)
        assert listed and entry["versions"][0]["freshness"] == "Current"
        assert [r["resource"] for r in entry["versions"][0]["resources"]] == ["nodes", "pods"]
        groups = (await c.get("/apis")).body["groups"]
        assert groups[-1]["name"] == "metrics.k8s.io"  # priority 100: after every other group
        doc = (await c.get(M)).body
        assert doc["resources"][0] == {
            "name": "nodes",
            "singularName": "node",
            "namespaced": False,
            "kind": "NodeMetrics",
            "verbs": ["get", "list"],
        }
        # The restricted user reads metrics where it may view pods (aggregated reader role).
        assert (await jane.get(f"{M}/namespaces/team-a/pods")).status == 200
        denied = await jane.get(f"{M}/namespaces/kube-system/pods")
        assert denied.status == 403

        c.sim.set_metrics_state("unavailable")
        listed, entry = await discovered(c)
        assert listed and entry["versions"] == [{"version": "v1beta1", "freshness": "Stale"}]
        for path in (M, f"{M}/nodes", f"{M}/namespaces/team-a/pods/web-1"):
            r = await c.get(path)
            assert (r.status, r.text) == (503, "service unavailable\n"), path
            assert r.headers["Content-Type"] == "text/plain; charset=utf-8"

        c.sim.set_metrics_state("forbidden")
        listed, entry = await discovered(c)
        assert listed and entry["versions"][0]["freshness"] == "Current"
        for client, user in ((c, "admin"), (jane, "jane")):
            r = await client.get(f"{M}/namespaces/team-a/pods")
            assert r.status == 403 and r.body["reason"] == "Forbidden"
            assert r.body["message"] == (
                f'pods.metrics.k8s.io is forbidden: User "{user}" cannot list resource "pods" '
                'in API group "metrics.k8s.io" in the namespace "team-a"'
            )

        c.sim.set_metrics_state("absent")
        assert await discovered(c) == (False, None)
        assert (await c.get(f"{M}/nodes")).text == "404 page not found\n"
        with pytest.raises(ValueError):
            c.sim.set_metrics_state("broken")


# ---------------------------------------------------------------------- kubectl top
@pytest.fixture(scope="module")
def top_sim() -> Iterator[tuple[SimThread, Simulator]]:
    st = SimThread(SimConfig(https=True, metrics="ok", metrics_config=FAST))
    with st as sim:

        async def setup() -> None:
            build_world(sim)

        st.call(setup())
        yield st, sim


def _state(st: SimThread, sim: Simulator, state: str) -> None:
    async def switch() -> None:
        sim.set_metrics_state(state)

    st.call(switch())


@pytest.mark.parametrize("binary", KUBECTLS)
def test_kubectl_top_in_each_state(
    binary: str | None, top_sim: tuple[SimThread, Simulator]
) -> None:
    if binary is None:
        pytest.skip("kubectl binary not installed")
    st, sim = top_sim
    assert sim.kubeconfig_path is not None

    def kubectl() -> Kubectl:  # a fresh discovery cache per state
        return Kubectl(binary, sim.kubeconfig_path, tempfile.mkdtemp(prefix="kubectl-cache-"))  # type: ignore[arg-type]

    try:
        _state(st, sim, "ok")
        nodes = kubectl().ok("top", "nodes").splitlines()
        assert nodes[0].split() == ["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"]
        assert [row.split()[0] for row in nodes[1:3]] == ["node-1", "node-2"]
        assert re.fullmatch(r"\d+m", nodes[1].split()[1]) and nodes[1].split()[3].endswith("Mi")
        pods = kubectl().ok("top", "pods", "-n", "team-a").splitlines()
        assert pods[0].split() == ["NAME", "CPU(cores)", "MEMORY(bytes)"]
        assert [row.split()[0] for row in pods[1:]] == ["crashy", "web-1", "web-2"]
        by_container = kubectl().ok("top", "pods", "web-2", "-n", "team-a", "--containers")
        assert sorted(r.split()[1] for r in by_container.splitlines()[1:]) == ["sidecar", "web"]

        _state(st, sim, "absent")
        r = kubectl()("top", "nodes")
        assert (r.code, r.err.strip()) == (1, "error: Metrics API not available")

        _state(st, sim, "unavailable")
        r = kubectl()("top", "pods", "-n", "team-a")
        assert r.code == 1
        # Aggregated discovery lists the group with a Stale version, which client-go drops
        # before `kubectl top` looks for a supported version, so top reports it missing ...
        assert r.err.strip() == "error: Metrics API not available"
        # ... while a request to the API answers the aggregator's 503.
        r = kubectl()("get", "--raw", f"{M}/nodes")
        assert r.code == 1 and r.err.strip() == (
            "Error from server (ServiceUnavailable): the server is currently unable to "
            "handle the request"
        )

        _state(st, sim, "forbidden")
        r = kubectl()("top", "nodes")
        assert r.code == 1
        assert (
            'Error from server (Forbidden): nodes.metrics.k8s.io is forbidden: User "admin" '
            'cannot list resource "nodes" in API group "metrics.k8s.io" at the cluster scope'
        ) in r.err
    finally:
        _state(st, sim, "ok")
