"""Relations over HTTP, checked against the simulator's stored objects as the oracle."""

from __future__ import annotations

from typing import Any

from tests.api.harness import Served, served

C = "/api/v1/clusters/admin"


def stored(s: Served, group: str, resource: str) -> list[dict[str, Any]]:
    return [o.decode() for o in s.sim.store.iter_objects((group, resource))]


def named(objs: list[dict[str, Any]], ns: str, name: str) -> dict[str, Any]:
    return next(
        o for o in objs if (o["metadata"].get("namespace", ""), o["metadata"]["name"]) == (ns, name)
    )


def owned_by(objs: list[dict[str, Any]], uid: str) -> set[str]:
    return {
        o["metadata"]["uid"]
        for o in objs
        if any(r["uid"] == uid for r in o["metadata"].get("ownerReferences") or [])
    }


def selecting(services: list[dict[str, Any]], ns: str, labels: dict[str, str]) -> set[str]:
    return {
        svc["metadata"]["uid"]
        for svc in services
        if svc["metadata"]["namespace"] == ns
        and (sel := svc["spec"].get("selector"))
        and all(labels.get(k) == v for k, v in sel.items())
    }


def uids(refs: list[dict[str, Any]]) -> set[str]:
    return {r["uid"] for r in refs}


async def relations(s: Served, path: str, cluster: str = "admin") -> dict[str, Any]:
    status, body, _ = await s.get(f"/api/v1/clusters/{cluster}/objects/{path}/relations")
    assert status == 200, body
    assert isinstance(body, dict)
    return body


async def test_pod_workload_service_node_and_cronjob_relations() -> None:
    async with served(connect=("admin",)) as s:
        await s.page("admin", "configmaps")  # volume refs to config maps get their uids
        pods = stored(s, "", "pods")
        rss = stored(s, "apps", "replicasets")
        services = stored(s, "", "services")
        deploy = named(stored(s, "apps", "deployments"), "catalog", "catalog-api")
        d_uid = deploy["metadata"]["uid"]
        rs_uids = owned_by(rss, d_uid)
        pod = next(p for p in pods if p["metadata"]["ownerReferences"][0]["uid"] in rs_uids)
        meta = pod["metadata"]
        rel = await relations(s, f"core/v1/pods/{meta['namespace']}/{meta['name']}")
        rs_ref = meta["ownerReferences"][0]
        assert [(r["kind"], r["name"], r["uid"]) for r in rel["owners"]] == [
            ("ReplicaSet", rs_ref["name"], rs_ref["uid"]),
            ("Deployment", "catalog-api", d_uid),
        ]
        assert rel["owners"][1] == {
            "group": "apps",
            "version": "v1",
            "resource": "deployments",
            "kind": "Deployment",
            "namespace": "catalog",
            "name": "catalog-api",
            "uid": d_uid,
        }
        node = named(stored(s, "", "nodes"), "", pod["spec"]["nodeName"])
        assert rel["node"]["name"] == node["metadata"]["name"]
        assert rel["node"]["uid"] == node["metadata"]["uid"] and rel["node"]["namespace"] == ""
        assert rel["services"] and uids(rel["services"]) == selecting(
            services, "catalog", meta["labels"]
        )
        assert [v["name"] for v in rel["volumes"]] == [v["name"] for v in pod["spec"]["volumes"]]
        cm_vol = next(v for v in rel["volumes"] if v["kind"] == "configMap")
        cm_name = next(v for v in pod["spec"]["volumes"] if "configMap" in v)["configMap"]["name"]
        cm = named(stored(s, "", "configmaps"), "catalog", cm_name)
        assert cm_vol["ref"]["name"] == cm_name and cm_vol["ref"]["uid"] == cm["metadata"]["uid"]
        assert rel["pods"] == [] and rel["warnings"] == []

        rel = await relations(s, "apps/v1/deployments/catalog/catalog-api")
        assert rel["owners"] == [] and rel["node"] is None
        assert uids(rel["owned"]) == rs_uids
        want_pods = {
            p["metadata"]["uid"]
            for p in pods
            if any(r["uid"] in rs_uids for r in p["metadata"].get("ownerReferences") or [])
        }
        assert want_pods and uids(rel["pods"]) == want_pods
        assert rel["podsTotal"] == len(want_pods)
        template_labels = deploy["spec"]["template"]["metadata"]["labels"]
        assert uids(rel["services"]) == selecting(services, "catalog", template_labels)
        assert {v["name"] for v in rel["volumes"]} == {
            v["name"] for v in deploy["spec"]["template"]["spec"].get("volumes") or []
        }

        svc = named(services, "catalog", "catalog-api")
        rel = await relations(s, "core/v1/services/catalog/catalog-api")
        sel = svc["spec"]["selector"]
        assert uids(rel["pods"]) == {
            p["metadata"]["uid"]
            for p in pods
            if p["metadata"]["namespace"] == "catalog"
            and all(p["metadata"].get("labels", {}).get(k) == v for k, v in sel.items())
        }

        rel = await relations(s, f"core/v1/nodes/_/{node['metadata']['name']}")
        assert uids(rel["pods"]) == {
            p["metadata"]["uid"]
            for p in pods
            if p["spec"].get("nodeName") == node["metadata"]["name"]
        }

        jobs = stored(s, "batch", "jobs")
        cron = named(stored(s, "batch", "cronjobs"), "data", "nightly-backup")
        job_uids = owned_by(jobs, cron["metadata"]["uid"])
        rel = await relations(s, "batch/v1/cronjobs/data/nightly-backup")
        assert job_uids and uids(rel["owned"]) == job_uids
        assert uids(rel["pods"]) == {
            p["metadata"]["uid"]
            for p in pods
            if any(r["uid"] in job_uids for r in p["metadata"].get("ownerReferences") or [])
        }

        pg = named(pods, "data", "postgres-0")
        rel = await relations(s, "core/v1/pods/data/postgres-0")
        claim = next(v for v in pg["spec"]["volumes"] if "persistentVolumeClaim" in v)
        pvc = named(
            stored(s, "", "persistentvolumeclaims"),
            "data",
            claim["persistentVolumeClaim"]["claimName"],
        )
        vol = next(v for v in rel["volumes"] if v["kind"] == "persistentVolumeClaim")
        assert vol["ref"]["resource"] == "persistentvolumeclaims"
        assert vol["ref"]["uid"] == pvc["metadata"]["uid"]
        assert rel["owners"][0]["kind"] == "StatefulSet"

        status, body, _ = await s.get(f"{C}/objects/core/v1/pods/data/nope/relations")
        assert status == 404 and body["error"]["reason"] == "NotFound"


async def test_restricted_relations_warn_about_what_cannot_be_read() -> None:
    async with served(connect=("restricted",)) as s:
        pod = next(p for p in stored(s, "", "pods") if p["metadata"]["namespace"] == "team-a")
        meta = pod["metadata"]
        rel = await relations(s, f"core/v1/pods/team-a/{meta['name']}", "restricted")
        assert any(w.startswith("nodes:") for w in rel["warnings"])
        if pod["spec"].get("nodeName"):
            assert rel["node"]["name"] == pod["spec"]["nodeName"] and rel["node"]["uid"] == ""
        status, body, _ = await s.get(
            "/api/v1/clusters/restricted/objects/core/v1/nodes/_/any/relations"
        )
        assert status == 403 and body["error"]["reason"] == "Forbidden"


async def test_service_endpoint_slices_and_a_slice_service() -> None:
    async with served(connect=("admin",)) as s:
        slices = stored(s, "discovery.k8s.io", "endpointslices")
        label = "kubernetes.io/service-name"
        es = next(e for e in slices if (e["metadata"].get("labels") or {}).get(label))
        ns, svc_name = es["metadata"]["namespace"], es["metadata"]["labels"][label]
        svc = named(stored(s, "", "services"), ns, svc_name)
        body = await relations(s, f"core/v1/services/{ns}/{svc_name}")
        assert uids(body["endpointSlices"]) == {
            e["metadata"]["uid"]
            for e in slices
            if e["metadata"]["namespace"] == ns
            and (e["metadata"].get("labels") or {}).get(label) == svc_name
        }
        assert body["endpointSlices"][0]["resource"] == "endpointslices"
        name = es["metadata"]["name"]
        back = await relations(s, f"discovery.k8s.io/v1/endpointslices/{ns}/{name}")
        assert uids(back["services"]) == {svc["metadata"]["uid"]}
        assert back["endpointSlices"] == []
