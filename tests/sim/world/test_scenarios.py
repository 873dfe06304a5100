"""Scenario worlds over real HTTP: counts, owner chains, selectors, DaemonSet coverage, the
demo's failure states, Helm release secrets, determinism and the restricted user."""

from __future__ import annotations

import base64
import gzip
from collections import Counter
from typing import Any

import orjson
import pytest

from masthead.sim.app import SimConfig
from masthead.sim.controllers import DEFAULT_CONTROLLERS
from masthead.sim.world.scenario import SCENARIOS, scenario_knobs

from ..simclient import SimClient, running_sim

EPOCH = 1_767_225_600  # 2026-01-01T00:00:00Z


def config(scenario: str, seed: int = 1, **knobs: Any) -> SimConfig:
    # The built world as generated: only the registry's own controllers (GC, namespace
    # finalization) run, not the ones that keep a scenario moving.
    return SimConfig(
        controllers=DEFAULT_CONTROLLERS,
        scenario=scenario,
        seed=seed,
        start_rv=1000,
        world_knobs={"epoch": EPOCH, **knobs},
    )


async def items(c: SimClient, path: str) -> list[dict[str, Any]]:
    r = await c.get(path)
    assert r.status == 200, (path, r.text[:300])
    out: list[dict[str, Any]] = r.body["items"]
    return out


def key(o: dict[str, Any]) -> tuple[str, str]:
    return o["metadata"].get("namespace", ""), o["metadata"]["name"]


def main_status(pod: dict[str, Any]) -> dict[str, Any]:
    cs: dict[str, Any] = pod["status"]["containerStatuses"][0]
    return cs


async def check_invariants(c: SimClient) -> dict[str, list[dict[str, Any]]]:
    """Owner chains resolve, selectors match, DaemonSets cover every node; returns the lists."""
    lists = {
        "pods": await items(c, "/api/v1/pods"),
        "nodes": await items(c, "/api/v1/nodes"),
        "rs": await items(c, "/apis/apps/v1/replicasets"),
        "deploy": await items(c, "/apis/apps/v1/deployments"),
        "ds": await items(c, "/apis/apps/v1/daemonsets"),
        "sts": await items(c, "/apis/apps/v1/statefulsets"),
        "jobs": await items(c, "/apis/batch/v1/jobs"),
        "cronjobs": await items(c, "/apis/batch/v1/cronjobs"),
    }
    by_uid: dict[str, tuple[str, dict[str, Any]]] = {}
    for kind, objs in (
        ("ReplicaSet", lists["rs"]),
        ("Deployment", lists["deploy"]),
        ("DaemonSet", lists["ds"]),
        ("StatefulSet", lists["sts"]),
        ("Job", lists["jobs"]),
        ("CronJob", lists["cronjobs"]),
        ("Node", lists["nodes"]),
    ):
        for o in objs:
            by_uid[o["metadata"]["uid"]] = (kind, o)
    # Every pod's owner chain resolves to a top-level owner of the right kind and name.
    for pod in lists["pods"]:
        refs = pod["metadata"]["ownerReferences"]
        assert len(refs) == 1 and refs[0]["controller"] is True, key(pod)
        kind, owner = by_uid[refs[0]["uid"]]
        assert (kind, owner["metadata"]["name"]) == (refs[0]["kind"], refs[0]["name"])
        if kind != "Node":
            assert owner["metadata"]["namespace"] == pod["metadata"]["namespace"]
            match = owner["spec"]["selector"]["matchLabels"]
            assert match.items() <= pod["metadata"]["labels"].items(), key(pod)
        if kind == "ReplicaSet":
            assert (
                pod["metadata"]["labels"]["pod-template-hash"]
                == (owner["metadata"]["labels"]["pod-template-hash"])
            )
            assert owner["metadata"]["name"].endswith(
                pod["metadata"]["labels"]["pod-template-hash"]
            )
    # Every ReplicaSet has a Deployment owner whose selector matches its template labels.
    for rs in lists["rs"]:
        (ref,) = rs["metadata"]["ownerReferences"]
        kind, dep = by_uid[ref["uid"]]
        assert kind == "Deployment" and dep["metadata"]["name"] == ref["name"]
        for owner in (dep, rs):
            labels = owner["spec"]["template"]["metadata"]["labels"]
            for k, v in owner["spec"]["selector"]["matchLabels"].items():
                assert labels[k] == v, key(owner)
        live = [
            p
            for p in lists["pods"]
            if p["metadata"]["ownerReferences"][0]["uid"] == rs["metadata"]["uid"]
        ]
        assert len(live) == rs["spec"]["replicas"] == rs["status"]["replicas"], key(rs)
    # Each DaemonSet has exactly one pod on every matching node.
    nodes = {n["metadata"]["name"] for n in lists["nodes"]}
    for ds in lists["ds"]:
        on = Counter(
            p["spec"]["nodeName"]
            for p in lists["pods"]
            if p["metadata"]["ownerReferences"][0]["uid"] == ds["metadata"]["uid"]
        )
        assert set(on) == nodes and set(on.values()) == {1}, ds["metadata"]["name"]
        assert ds["status"]["desiredNumberScheduled"] == len(nodes)
    # Scheduled pods sit on existing nodes.
    for pod in lists["pods"]:
        if pod["spec"].get("nodeName"):
            assert pod["spec"]["nodeName"] in nodes
    return lists


async def test_demo_counts_invariants_and_every_failure_state() -> None:
    async with running_sim(config("demo")) as c:
        lists = await check_invariants(c)
        pods, nodes = lists["pods"], lists["nodes"]
        assert 250 <= len(pods) <= 350
        assert len(nodes) == 10
        namespaces = await items(c, "/api/v1/namespaces")
        assert 14 <= len(namespaces) <= 20
        # kube-system runs coredns, kube-proxy and the CNI.
        ks = [p["metadata"]["name"] for p in pods if p["metadata"]["namespace"] == "kube-system"]
        for prefix, n in (("coredns-", 2), ("kube-proxy-", 10), ("calico-node-", 10)):
            assert sum(x.startswith(prefix) for x in ks) == n, prefix
        waiting = Counter(
            (main_status(p)["state"].get("waiting") or {}).get("reason")
            for p in pods
            if p["status"].get("containerStatuses")
        )
        assert waiting["CrashLoopBackOff"] == 2 and waiting["ImagePullBackOff"] == 1
        crash = next(
            p
            for p in pods
            if p["status"].get("containerStatuses")
            and (main_status(p)["state"].get("waiting") or {}).get("reason") == "CrashLoopBackOff"
        )
        assert main_status(crash)["restartCount"] > 5
        assert main_status(crash)["lastState"]["terminated"]["reason"] == "Error"
        assert crash["status"]["phase"] == "Running"
        pending = [
            p for p in pods if p["status"]["phase"] == "Pending" and "nodeName" not in p["spec"]
        ]
        assert len(pending) == 1
        (sched,) = pending[0]["status"]["conditions"]
        assert (sched["type"], sched["status"], sched["reason"]) == (
            "PodScheduled",
            "False",
            "Unschedulable",
        )
        assert "Insufficient cpu" in sched["message"]
        oom_restarted = [
            p
            for p in pods
            if p["status"].get("containerStatuses")
            and p["status"]["phase"] == "Running"
            and (main_status(p)["lastState"].get("terminated") or {}).get("reason") == "OOMKilled"
        ]
        assert oom_restarted
        oom_now = [
            p
            for p in pods
            if p["status"].get("containerStatuses")
            and (main_status(p)["state"].get("terminated") or {}).get("reason") == "OOMKilled"
        ]
        assert {p["status"]["phase"] for p in oom_now} == {"Running", "Failed"}
        failed = [p for p in pods if p["status"]["phase"] == "Failed"]
        assert {main_status(p)["state"]["terminated"]["reason"] for p in failed} == {
            "Error",
            "OOMKilled",
        }
        assert any(p["status"]["phase"] == "Succeeded" for p in pods)
        # One NotReady node, tainted, with its DaemonSet pods not ready.
        lost = [
            n
            for n in nodes
            if next(x for x in n["status"]["conditions"] if x["type"] == "Ready")["status"]
            != "True"
        ]
        assert len(lost) == 1
        assert {t["effect"] for t in lost[0]["spec"]["taints"]} == {"NoSchedule", "NoExecute"}
        on_lost = [p for p in pods if p["spec"].get("nodeName") == lost[0]["metadata"]["name"]]
        assert len(on_lost) == 3
        # A namespace stuck Terminating, held by a finalizer on a custom resource.
        ns = next(n for n in namespaces if n["metadata"]["name"] == "legacy-billing")
        assert ns["status"]["phase"] == "Terminating" and ns["metadata"]["deletionTimestamp"]
        (cert,) = await items(c, "/apis/cert-manager.io/v1/namespaces/legacy-billing/certificates")
        assert cert["metadata"]["finalizers"] and cert["metadata"]["deletionTimestamp"]
        # Storage, networking, batch, autoscaling.
        pvcs = await items(c, "/api/v1/persistentvolumeclaims")
        assert {p["status"]["phase"] for p in pvcs} == {"Bound", "Pending"}
        pvs = {p["metadata"]["name"]: p for p in await items(c, "/api/v1/persistentvolumes")}
        for pvc in pvcs:
            if pvc["status"]["phase"] == "Bound":
                assert (
                    pvs[pvc["spec"]["volumeName"]]["spec"]["claimRef"]["uid"]
                    == pvc["metadata"]["uid"]
                )
        assert len(await items(c, "/apis/storage.k8s.io/v1/storageclasses")) == 2
        assert len(await items(c, "/apis/networking.k8s.io/v1/ingressclasses")) == 1
        assert len(await items(c, "/apis/networking.k8s.io/v1/ingresses")) >= 4
        services = await items(c, "/api/v1/services")
        slices = await items(c, "/apis/discovery.k8s.io/v1/endpointslices")
        by_svc = {s["metadata"]["labels"]["kubernetes.io/service-name"]: s for s in slices}
        for svc in services:
            if svc["metadata"]["name"] == "kubernetes":
                continue
            assert svc["metadata"]["name"] in by_svc
        cronjobs = lists["cronjobs"]
        assert len(cronjobs) == 2
        assert len(lists["jobs"]) == 7
        assert len(await items(c, "/apis/autoscaling/v2/horizontalpodautoscalers")) >= 3
        assert len(await items(c, "/apis/policy/v1/poddisruptionbudgets")) >= 3
        crds = await items(c, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions")
        assert len(crds) == 2
        for crd in crds:
            est = next(x for x in crd["status"]["conditions"] if x["type"] == "Established")
            assert est["status"] == "True"
        assert await items(c, "/apis/monitoring.coreos.com/v1/servicemonitors")
        # Events for the failures, in both recorder styles.
        events = await items(c, "/api/v1/events")
        reasons = Counter(e["reason"] for e in events)
        for r in (
            "BackOff",
            "FailedScheduling",
            "Failed",
            "NodeNotReady",
            "OOMKilling",
            "ProvisioningFailed",
            "BackoffLimitExceeded",
            "SawCompletedJob",
        ):
            assert reasons[r], r
        fs = next(e for e in events if e["reason"] == "FailedScheduling")
        assert fs["series"]["count"] > 1 and fs["reportingComponent"] == "default-scheduler"
        backoff = next(e for e in events if e["reason"] == "BackOff" and e["type"] == "Warning")
        assert backoff["count"] > 1 and backoff["source"]["component"] == "kubelet"


def decode_helm(data_value: str) -> dict[str, Any]:
    raw = base64.b64decode(base64.b64decode(data_value))
    assert raw[:3] == b"\x1f\x8b\x08"
    doc: dict[str, Any] = orjson.loads(gzip.decompress(raw))
    return doc


async def test_demo_helm_releases_decode_like_helm_stores_them() -> None:
    async with running_sim(config("demo")) as c:
        r = await c.get("/api/v1/secrets", params={"labelSelector": "owner=helm"})
        secrets = r.body["items"]
        assert len(secrets) == 5
        seen = {}
        for s in secrets:
            assert s["type"] == "helm.sh/release.v1"
            labels = s["metadata"]["labels"]
            rel = decode_helm(s["data"]["release"])
            name = f"sh.helm.release.v1.{rel['name']}.v{rel['version']}"
            assert s["metadata"]["name"] == name
            assert (labels["name"], labels["version"], labels["status"]) == (
                rel["name"],
                str(rel["version"]),
                rel["info"]["status"],
            )
            assert rel["namespace"] == s["metadata"]["namespace"]
            assert rel["chart"]["metadata"]["name"] and rel["manifest"].startswith("---\n")
            assert rel["info"]["deleted"] == "0001-01-01T00:00:00Z"
            seen[(rel["name"], rel["version"])] = rel["info"]["status"]
        assert seen == {
            ("ingress-nginx", 1): "superseded",
            ("ingress-nginx", 2): "deployed",
            ("redis", 1): "superseded",
            ("redis", 2): "failed",
            ("redis", 3): "deployed",
        }
        r = await c.get(
            "/api/v1/namespaces/catalog/secrets", params={"labelSelector": "name=redis,owner=helm"}
        )
        assert sorted(s["metadata"]["labels"]["version"] for s in r.body["items"]) == [
            "1",
            "2",
            "3",
        ]


async def test_small_scenario_counts_and_invariants() -> None:
    k = SCENARIOS["small"]
    async with running_sim(config("small")) as c:
        lists = await check_invariants(c)
        assert 900 <= len(lists["pods"]) <= 1200
        assert len(lists["nodes"]) == k.nodes
        assert len(lists["deploy"]) == k.deployments + 1  # + coredns
        # Failure states are sprinkled in at the configured rate.
        reasons = {
            (main_status(p)["state"].get("waiting") or {}).get("reason")
            for p in lists["pods"]
            if p["status"].get("containerStatuses")
        }
        assert "CrashLoopBackOff" in reasons


async def test_knobs_scale_the_world() -> None:
    async with running_sim(
        config("large", nodes=30, namespaces=7, deployments=40, pods_per_deployment=3, crds=3)
    ) as c:
        lists = await check_invariants(c)
        assert len(lists["nodes"]) == 30
        assert len(lists["deploy"]) == 41
        ds_pods = 3 * 30
        static = 4 + 2  # control plane + coredns
        other = len(lists["jobs"]) + sum(s["spec"]["replicas"] for s in lists["sts"])
        expected = 40 * 3 + ds_pods + static + other
        # Unschedulable "pending" failures run a single replica instead of 3.
        assert expected - 2 * 2 <= len(lists["pods"]) <= expected
        crds = await items(c, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions")
        assert len(crds) == 3
        ns = {n["metadata"]["name"] for n in await items(c, "/api/v1/namespaces")}
        assert len(ns) == 4 + 3 + 1 + 7  # system, team-a..c, monitoring, generated


def test_named_scenarios_have_the_documented_sizes() -> None:
    large, huge = scenario_knobs("large"), scenario_knobs("huge")
    assert large is not None and huge is not None
    assert (large.nodes, large.namespaces, large.deployments) == (2000, 500, 10_000)
    assert large.expected_deployment_pods == 100_000
    assert huge.expected_deployment_pods == 300_000
    assert scenario_knobs("empty") is None
    assert scenario_knobs("small", nodes=None, seed=3).seed == 3  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="unknown scenario"):
        scenario_knobs("gigantic")


async def snapshot(c: SimClient) -> dict[str, bytes]:
    paths = [
        "/api/v1/pods",
        "/api/v1/nodes",
        "/api/v1/events",
        "/api/v1/services",
        "/api/v1/configmaps",
        "/api/v1/secrets",
        "/api/v1/persistentvolumeclaims",
        "/api/v1/persistentvolumes",
        "/apis/apps/v1/deployments",
        "/apis/apps/v1/replicasets",
        "/apis/apps/v1/daemonsets",
        "/apis/apps/v1/statefulsets",
        "/apis/batch/v1/jobs",
        "/apis/batch/v1/cronjobs",
        "/apis/discovery.k8s.io/v1/endpointslices",
        "/apis/networking.k8s.io/v1/ingresses",
        "/apis/cert-manager.io/v1/certificates",
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
    ]
    out = {}
    for p in paths:
        for o in await items(c, p):
            if key(o) == ("default", "kubernetes"):
                continue  # bootstrap object with a random uid
            out[p + "/" + "/".join(key(o))] = orjson.dumps(o)
    return out


async def test_same_seed_same_world_other_seed_other_world() -> None:
    async with running_sim(config("demo", seed=7)) as c:
        first = await snapshot(c)
    async with running_sim(config("demo", seed=7)) as c:
        second = await snapshot(c)
    async with running_sim(config("demo", seed=8)) as c:
        other = await snapshot(c)
    assert len(first) > 800
    assert first == second
    assert first.keys() != other.keys() or first != other


async def test_restricted_scenario_binds_jane_in_fifty_namespaces() -> None:
    async with running_sim(config("restricted")) as c:
        jane = c.as_token(c.sim.restricted_token)
        bindings = await items(c, "/apis/rbac.authorization.k8s.io/v1/rolebindings")
        granted = sorted(
            b["metadata"]["namespace"]
            for b in bindings
            if any(s["name"] == "jane" for s in b["subjects"])
        )
        generated = [n for n in granted if n not in ("team-a", "team-b", "team-c")]
        assert len(generated) == 50
        r = await jane.get(f"/api/v1/namespaces/{generated[0]}/pods")
        assert r.status == 200 and r.body["items"]
        ns = {n["metadata"]["name"] for n in await items(c, "/api/v1/namespaces")}
        ungranted = sorted(
            ns - set(granted) - {"default", "kube-system", "kube-public", "kube-node-lease"}
        )
        assert ungranted
        r = await jane.get(f"/api/v1/namespaces/{ungranted[0]}/pods")
        assert r.status == 403
        assert (await jane.get("/api/v1/pods")).status == 403


async def test_pods_look_real() -> None:
    async with running_sim(config("small")) as c:
        r = await c.get("/api/v1/pods")
        raws = [orjson.dumps(p) for p in r.body["items"]]
        sizes = sorted(len(x) for x in raws)
        assert 3000 <= sizes[len(sizes) // 2] <= 9000
        pod = next(p for p in r.body["items"] if "pod-template-hash" in p["metadata"]["labels"])
        managers = [m["manager"] for m in pod["metadata"]["managedFields"]]
        assert managers == ["kube-controller-manager", "kubelet"]
        assert pod["spec"]["volumes"][-1]["name"].startswith("kube-api-access-")
        mount = pod["spec"]["containers"][0]["volumeMounts"][-1]
        assert mount["name"] == pod["spec"]["volumes"][-1]["name"]
        cs = pod["status"]["containerStatuses"][0]
        assert cs["volumeMounts"][-1]["name"] == mount["name"]
        assert cs["imageID"].split("@sha256:")[0] == cs["image"].rsplit(":", 1)[0]
        assert pod["spec"]["containers"][0]["resources"]["requests"]["cpu"]
        assert b"@@" not in b"".join(raws)
