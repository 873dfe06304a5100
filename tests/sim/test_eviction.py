"""The simulator's Eviction API over real HTTP: PodDisruptionBudgets computed live, upstream's
429 / 500 answers, deleteOptions and dry runs, RBAC, and real `kubectl drain` as the gold test."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from masthead.sim.app import SimConfig
from masthead.sim.controllers import ALL_CONTROLLERS, ControllerSettings
from masthead.sim.eviction import MORE_THAN_ONE, TOO_MANY
from tests.sim.controllers.helpers import (
    DEPLOY,
    NS,
    PODS,
    add_nodes,
    cluster,
    deployment,
    eventually,
    items,
    living_kubectl,
    node,
    ready,
)
from tests.sim.kubectl_env import KUBECTLS, SimThread
from tests.sim.simclient import SimClient

PDBS = f"/apis/policy/v1/namespaces/{NS}/poddisruptionbudgets"


def pdb(name: str, app: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": name},
        "spec": {"selector": {"matchLabels": {"app": app}}, **spec},
    }


def eviction(name: str, **delete_options: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "apiVersion": "policy/v1",
        "kind": "Eviction",
        "metadata": {"name": name, "namespace": NS},
    }
    if delete_options:
        body["deleteOptions"] = delete_options
    return body


async def ready_pods(c: SimClient, app: str, n: int) -> list[dict[str, Any]]:
    async def check() -> list[dict[str, Any]] | None:
        pods = await items(c, PODS, labelSelector=f"app={app}")
        live = [p for p in pods if ready(p) and not p["metadata"].get("deletionTimestamp")]
        return live if len(live) == n else None

    return await eventually(check, 15, f"{n} ready {app} pods")


async def evict(c: SimClient, pod: str, **kw: Any) -> Any:
    return await c.post(f"{PODS}/{pod}/eviction", eviction(pod, **kw.pop("opts", {})), **kw)


async def test_pdb_blocks_then_allows_one_disruption() -> None:
    async with cluster() as c:
        await add_nodes(c, "node-a")
        assert (await c.post(DEPLOY, deployment("web", 3))).status == 201
        pods = await ready_pods(c, "web", 3)
        assert (await c.post(PDBS, pdb("web", "web", minAvailable=3))).status == 201

        r = await evict(c, pods[0]["metadata"]["name"])
        assert r.status == 429, r.text
        assert r.body["reason"] == "TooManyRequests" and r.body["message"] == TOO_MANY
        assert r.body["details"]["causes"] == [
            {
                "reason": "DisruptionBudget",
                "message": "The disruption budget web needs 3 healthy pods and has 3 currently",
            }
        ]
        assert (await c.get(f"{PODS}/{pods[0]['metadata']['name']}")).status == 200

        # Relaxed to maxUnavailable 1: one eviction passes, the next one is refused while the
        # first pod is still going (it no longer counts as healthy).
        r = await c.patch(
            f"{PDBS}/web",
            {"spec": {"minAvailable": None, "maxUnavailable": 1}},
            "application/merge-patch+json",
        )
        assert r.status == 200, r.text
        first, second = pods[0]["metadata"]["name"], pods[1]["metadata"]["name"]
        dry = await evict(c, first, params={"dryRun": "All"})
        assert dry.status == 201, dry.text
        gone = await c.get(f"{PODS}/{first}")
        assert not gone.body["metadata"].get("deletionTimestamp")
        r = await evict(c, first, opts={"gracePeriodSeconds": 5})
        assert r.status == 201, r.text
        assert r.body == {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Success",
            "code": 201,
        }
        r = await evict(c, second)
        assert r.status == 429, r.text
        stored = (await c.get(f"{PDBS}/web")).body["status"]
        assert stored["expectedPods"] == 3 and stored["desiredHealthy"] == 2
        assert stored["disruptionsAllowed"] == 0 and first in stored["disruptedPods"]
        # The ReplicaSet replaces the evicted pod; once it is ready the budget allows one more.
        await ready_pods(c, "web", 3)
        r = await eventually(
            lambda: _evicted(c, second), 15, "second eviction allowed once healthy again"
        )
        assert r.status == 201


async def _evicted(c: SimClient, pod: str) -> Any:
    r = await evict(c, pod)
    return r if r.status == 201 else None


async def test_two_budgets_bad_names_rbac_and_unbudgeted_pods() -> None:
    async with cluster() as c:
        await add_nodes(c, "node-a")
        assert (await c.post(DEPLOY, deployment("api", 2))).status == 201
        pods = await ready_pods(c, "api", 2)
        name = pods[0]["metadata"]["name"]
        for n in ("one", "two"):
            assert (await c.post(PDBS, pdb(n, "api", maxUnavailable=1))).status == 201
        r = await evict(c, name)
        assert r.status == 500 and r.body["reason"] == "InternalError", r.text
        assert MORE_THAN_ONE in r.body["message"]

        r = await c.post(f"{PODS}/{name}/eviction", eviction("other-name"))
        assert r.status == 400 and "does not match" in r.body["message"], r.text
        r = await c.post(f"{PODS}/{name}/eviction", eviction(name, gracePeriodSeconds="soon"))
        assert r.status == 400 and "gracePeriodSeconds" in r.body["message"], r.text
        r = await c.post(f"{PODS}/no-such-pod/eviction", eviction("no-such-pod"))
        assert r.status == 404, r.text

        # jane may not evict in team-c (no grant) but may in team-a (edit).
        jane = c.as_token(c.sim.restricted_token)
        r = await jane.post(
            "/api/v1/namespaces/team-c/pods/x/eviction",
            {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "x"}},
        )
        assert r.status == 403 and "pods/eviction" in r.body["message"], r.text

        assert (await c.delete(f"{PDBS}/two")).status == 200
        r = await jane.post(f"{PODS}/{name}/eviction", eviction(name, gracePeriodSeconds=0))
        assert r.status == 201, r.text
        assert (await c.get(f"{PODS}/{name}")).status == 404  # grace 0: gone at once


@pytest.mark.kubectl
@pytest.mark.parametrize("binary", KUBECTLS)
def test_kubectl_drain_waits_for_the_budget(binary: str | None) -> None:
    with living_kubectl(binary) as k:
        k.ok("apply", "-n", NS, "-f", "-", stdin=json.dumps(deployment("web", 2)))
        k.ok("rollout", "status", "-n", NS, "deploy/web", "--timeout=20s")
        k.ok("apply", "-n", NS, "-f", "-", stdin=json.dumps(pdb("web", "web", minAvailable=2)))
        blocked = k("drain", "node-a", "--ignore-daemonsets", "--timeout=3s")
        assert blocked.code != 0
        assert "Cannot evict pod as it would violate the pod's disruption budget" in blocked.err
        assert "node/node-a cordoned" in blocked.out
        k.ok("apply", "-f", "-", stdin=json.dumps(node("node-b")))
        k.ok("patch", "pdb", "-n", NS, "web", "--type=merge", "-p", '{"spec":{"minAvailable":1}}')
        r = k("drain", "node-a", "--ignore-daemonsets", "--timeout=60s")
        assert r.code == 0, r
        assert "node/node-a drained" in r.out and "evicted" in r.out
        pods = json.loads(k.ok("get", "pods", "-n", NS, "-o", "json"))["items"]
        live = [p for p in pods if not p["metadata"].get("deletionTimestamp")]
        assert live and {p["spec"]["nodeName"] for p in live} == {"node-b"}


def test_official_python_client_evicts_and_sees_the_budget() -> None:
    from kubernetes import client, config
    from kubernetes.client.exceptions import ApiException

    cfg = SimConfig(
        https=True, controllers=ALL_CONTROLLERS, controller_settings=ControllerSettings.fast()
    )
    with SimThread(cfg) as sim:
        assert sim.kubeconfig_path is not None
        api = config.new_client_from_config(  # type: ignore[no-untyped-call]
            config_file=str(sim.kubeconfig_path), context="admin"
        )
        with api:
            core, apps, policy = (
                client.CoreV1Api(api),
                client.AppsV1Api(api),
                client.PolicyV1Api(api),
            )
            core.create_node(body=node("node-a"))
            apps.create_namespaced_deployment(NS, body=deployment("web", 2))
            policy.create_namespaced_pod_disruption_budget(
                NS, body=pdb("web", "web", minAvailable=2)
            )
            deadline = time.monotonic() + 20
            while True:
                pods = core.list_namespaced_pod(NS, label_selector="app=web").items
                live = [
                    p
                    for p in pods
                    if p.metadata.deletion_timestamp is None
                    and any(
                        c.type == "Ready" and c.status == "True" for c in p.status.conditions or []
                    )
                ]
                if len(live) == 2:
                    break
                assert time.monotonic() < deadline, "pods never became ready"
                time.sleep(0.05)
            name = live[0].metadata.name
            body = client.V1Eviction(metadata=client.V1ObjectMeta(name=name, namespace=NS))
            with pytest.raises(ApiException) as refused:
                core.create_namespaced_pod_eviction(name, NS, body)
            assert refused.value.status == 429
            status = json.loads(refused.value.body)
            assert status["message"] == TOO_MANY
            assert status["details"]["causes"][0]["reason"] == "DisruptionBudget"

            policy.patch_namespaced_pod_disruption_budget("web", NS, {"spec": {"minAvailable": 1}})
            core.create_namespaced_pod_eviction(
                name,
                NS,
                client.V1Eviction(
                    metadata=client.V1ObjectMeta(name=name, namespace=NS),
                    delete_options=client.V1DeleteOptions(grace_period_seconds=0),
                ),
            )
            with pytest.raises(ApiException) as gone:
                core.read_namespaced_pod(name, NS)
            assert gone.value.status == 404
