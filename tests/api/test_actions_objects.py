"""`delete` with `force`, `remove-finalizers` (a concurrent change is a 409) and `apply`
(server-side apply as `masthead`: dry-run diff, conflicts by field and manager, force) against
the simulator over real HTTP."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson

from masthead.actions.deletion import FORCE_WARNING
from masthead.sim.registry import RegistryConfig
from tests.actions.living import kube_client
from tests.api.harness import served
from tests.api.test_actions import act, audit, obj
from tests.sim.controllers.helpers import eventually

CM = "/api/v1/namespaces/team-a/configmaps"


def configmap(name: str, finalizers: list[str] | None = None, **data: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": "team-a"}
    if finalizers:
        meta["finalizers"] = finalizers
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data}


async def test_force_delete_of_a_pod_stuck_terminating() -> None:
    # The kubelet never confirms: a graceful delete leaves the pod terminating.
    async with served(connect=("admin",), registry=RegistryConfig(kubelet_delete_delay=3600)) as s:
        pods = await s.page("admin", "pods", namespace="team-a")
        pod = next(r["name"] for r in pods["rows"] if r["node"])
        body = {"resource": "pods", "namespace": "team-a", "name": pod}
        status, out, _ = await s.post(act("admin", "delete"), {**body, "gracePeriodSeconds": 600})
        assert status == 200, out
        _, stuck = await obj(s, "pods", "team-a", pod, g="core")
        assert stuck["metadata"]["deletionTimestamp"]
        status, err, _ = await s.post(
            act("admin", "delete"), {**body, "force": True, "gracePeriodSeconds": 5}
        )
        assert status == 400 and err["error"]["details"]["parameter"] == "gracePeriodSeconds"
        status, err, _ = await s.post(act("admin", "delete"), {**body, "force": "yes"})
        assert status == 400 and err["error"]["details"]["parameter"] == "force"
        status, out, r = await s.post(act("admin", "delete"), {**body, "force": True})
        assert status == 200, out
        assert FORCE_WARNING in r.headers["Warning"]
        assert (await obj(s, "pods", "team-a", pod, g="core"))[0] == 404
        row = (await audit(s))[0]
        assert row["parameters"] == {
            "propagationPolicy": "Background",
            "gracePeriodSeconds": 0,
            "force": True,
        }


async def test_remove_finalizers_and_a_concurrent_change() -> None:
    async with served(connect=("admin",)) as s, kube_client(s) as kube:
        r = await kube.post(CM, configmap("held", ["example.com/hold", "example.com/other"], a="1"))
        assert r.status == 201, r.text
        body = {"resource": "configmaps", "namespace": "team-a", "name": "held"}
        status, out, _ = await s.post(act("admin", "delete"), body)
        assert status == 200 and out["metadata"]["deletionTimestamp"], out

        status, out, _ = await s.post(act("admin", "remove-finalizers"), {**body, "dryRun": True})
        assert status == 200 and "finalizers" not in out["metadata"], out
        assert (await kube.get(f"{CM}/held")).status == 200

        # The finalizers change between masthead's read and its patch (another controller
        # finished its part): 409, the remaining finalizer is not removed behind its back.
        await s.sim.faults.set("latency", {"ms": 3000, "count": 1, "methods": ["PATCH"]})
        task = asyncio.create_task(s.post(act("admin", "remove-finalizers"), body))
        await eventually(lambda: _fault_used(s), 10, "masthead's patch to reach the simulator")
        current = (await kube.get(f"{CM}/held")).body
        current["metadata"]["finalizers"] = ["example.com/hold"]
        assert (await kube.put(f"{CM}/held", current)).status == 200
        status, err, _ = await task
        assert status == 409 and err["error"]["reason"] == "Conflict", err
        assert "changed since they were read" in err["error"]["message"]
        kept = (await kube.get(f"{CM}/held")).body["metadata"]["finalizers"]
        assert kept == ["example.com/hold"]

        status, out, _ = await s.post(act("admin", "remove-finalizers"), body)
        assert status == 200, out
        assert (await kube.get(f"{CM}/held")).status == 404  # deleting + no finalizers: gone
        rows = await audit(s)
        assert [(r["action"], r["result"]["code"]) for r in rows[:3]] == [
            ("remove-finalizers", 200),
            ("remove-finalizers", 409),
            ("remove-finalizers", 200),
        ]


async def _fault_used(s: Any) -> bool:
    return "latency" not in s.sim.faults.faults


async def test_apply_dry_run_diff_conflicts_and_force() -> None:
    async with served() as s, kube_client(s) as kube:
        manifest = (
            "apiVersion: v1\nkind: ConfigMap\n"
            "metadata:\n  name: settings\n  namespace: team-a\n"
            "data:\n  mode: fast\n"
        )
        status, out, _ = await s.post(act("admin", "apply"), {"manifest": manifest, "dryRun": True})
        assert status == 201, out
        assert out["result"]["data"] == {"mode": "fast"}
        assert "+  name: settings" in out["diff"] and "+  mode: fast" in out["diff"]
        assert "managedFields" not in out["diff"] and "resourceVersion" not in out["diff"]
        assert (await kube.get(f"{CM}/settings")).status == 404

        status, out, _ = await s.post(act("admin", "apply"), {"manifest": manifest})
        assert status == 201, out
        managers = {m["manager"] for m in out["metadata"]["managedFields"]}
        assert managers == {"masthead"}

        # Another manager takes .data.mode; masthead's apply of another value conflicts.
        r = await kube.patch(
            f"{CM}/settings",
            {"data": {"mode": "safe"}},
            "application/merge-patch+json",
            params={"fieldManager": "ops-tool"},
        )
        assert r.status == 200, r.text
        changed = manifest.replace("mode: fast", "mode: turbo")
        status, out, _ = await s.post(act("admin", "apply"), {"manifest": changed, "dryRun": True})
        assert status == 409, out
        status, err, _ = await s.post(act("admin", "apply"), {"manifest": changed})
        assert status == 409, err
        assert err["error"]["details"]["conflicts"] == [
            {
                "field": ".data.mode",
                "manager": "ops-tool",
                "message": 'conflict with "ops-tool" using v1',
            }
        ]
        assert (await kube.get(f"{CM}/settings")).body["data"]["mode"] == "safe"
        # A dry run with force shows the change as a diff.
        status, out, _ = await s.post(
            act("admin", "apply"), {"manifest": changed, "force": True, "dryRun": True}
        )
        assert status == 200, out
        assert "-  mode: safe" in out["diff"] and "+  mode: turbo" in out["diff"]
        status, out, _ = await s.post(act("admin", "apply"), {"manifest": changed, "force": True})
        assert status == 200 and out["data"]["mode"] == "turbo", out

        # JSON text works too; bad manifests name the parameter.
        as_json = orjson.dumps(configmap("from-json", b="2")).decode()
        status, out, _ = await s.post(act("admin", "apply"), {"manifest": as_json})
        assert status == 201 and out["data"] == {"b": "2"}, out
        bad = {
            "not yaml": "a: [1,",
            "two": f"{manifest}---\n{manifest}",
            "no kind": "apiVersion: v1\nmetadata:\n  name: x\n",
            "no name": "apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n",
            "unknown kind": "apiVersion: v1\nkind: Gizmo\nmetadata:\n  name: x\n",
            "no namespace": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
            "aliases": f"{manifest}  a: &a [1, 2]\n  b: [*a, *a]\n",
            "bad namespace": manifest.replace("team-a", "Team_A"),
        }
        for what, text in bad.items():
            status, err, _ = await s.post(act("admin", "apply"), {"manifest": text})
            assert status == 400, (what, err)
            assert err["error"]["details"]["parameter"] == "manifest", (what, err)

        # jane may not apply in team-c.
        status, err, _ = await s.post(
            act("restricted", "apply"), {"manifest": manifest.replace("team-a", "team-c")}
        )
        assert status == 403 and err["error"]["details"]["check"]["verb"] == "patch", err
        status, err, _ = await s.post(
            act("restricted", "remove-finalizers"),
            {"resource": "configmaps", "namespace": "team-c", "name": "settings"},
        )
        assert status == 403 and err["error"]["details"]["check"]["verb"] == "patch", err
        rows = await audit(s, cluster="admin")
        assert rows[0]["action"] == "apply" and rows[0]["parameters"]["kind"] == "ConfigMap"
