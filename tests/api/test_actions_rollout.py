"""`rollback` and the revision history against a living simulator: kubectl's `rollout undo`
semantics (template from the ReplicaSet, the old revision becomes the newest), dry runs,
revision errors naming the parameter, permissions and the audit log."""

from __future__ import annotations

from typing import Any

from tests.actions.living import living
from tests.api.harness import Served, served
from tests.api.test_actions import act, audit
from tests.sim.controllers.helpers import DEPLOY, NS, container, deployment, eventually
from tests.sim.simclient import SimClient

HISTORY = "/api/v1/clusters/{c}/objects/apps/v1/{r}/{ns}/{n}/history"


async def history(s: Served, name: str, r: str = "deployments", c: str = "admin") -> Any:
    status, data, _ = await s.get(HISTORY.format(c=c, r=r, ns=NS, n=name))
    return status, data


async def image(kube: SimClient, name: str) -> str:
    d = (await kube.get(f"{DEPLOY}/{name}")).body
    return str(d["spec"]["template"]["spec"]["containers"][0]["image"])


async def test_history_and_rollback_of_a_deployment() -> None:
    async with living("node-a") as (s, kube):
        r = await kube.post(DEPLOY, deployment("web", 2, image="nginx:1.27"))
        assert r.status == 201, r.text
        await revisions_of(s, "deployments", "web", [1])
        r = await kube.patch(
            f"{DEPLOY}/web",
            {
                "spec": {
                    "template": {"spec": {"containers": [{"name": "app", "image": "nginx:1.28"}]}}
                }
            },
            "application/strategic-merge-patch+json",
        )
        assert r.status == 200, r.text
        data = await revisions_of(s, "deployments", "web", [2, 1])
        assert data["items"][0]["images"] == ["nginx:1.28"] and data["items"][0]["current"]
        assert data["items"][1]["images"] == ["nginx:1.27"] and not data["items"][1]["current"]

        body = {"resource": "deployments", "namespace": NS, "name": "web", "revision": 1}
        status, out, _ = await s.post(act("admin", "rollback"), {**body, "dryRun": True})
        assert status == 200, out
        assert out["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
        assert await image(kube, "web") == "nginx:1.28"  # dry run: nothing written

        status, out, _ = await s.post(act("admin", "rollback"), body)
        assert status == 200, out
        assert await image(kube, "web") == "nginx:1.27"
        template = (await kube.get(f"{DEPLOY}/web")).body["spec"]["template"]
        assert "pod-template-hash" not in template["metadata"]["labels"]
        # The controller makes the old revision the newest, as upstream.
        data = await revisions_of(s, "deployments", "web", [3, 2])
        assert data["items"][0]["images"] == ["nginx:1.27"] and data["items"][0]["current"]

        # Back to where we are: skipped, as kubectl says; unknown revision: named.
        status, err, _ = await s.post(act("admin", "rollback"), {**body, "revision": 3})
        assert status == 400 and err["error"]["details"]["parameter"] == "revision", err
        assert "already matches revision 3" in err["error"]["message"]
        status, err, _ = await s.post(act("admin", "rollback"), {**body, "revision": 9})
        assert status == 400 and "unable to find revision 9" in err["error"]["message"], err
        # revision 0 (the default): the previous one.
        status, out, _ = await s.post(act("admin", "rollback"), {**body, "revision": 0})
        assert status == 200, out
        assert await image(kube, "web") == "nginx:1.28"

        rows = await audit(s)
        assert [(r["action"], r["result"]["code"]) for r in rows[:5]] == [
            ("rollback", 200),
            ("rollback", 400),
            ("rollback", 400),
            ("rollback", 200),
            ("rollback", 200),
        ]
        assert rows[3]["parameters"] == {"revision": 1} and rows[4]["dryRun"] is True


async def test_history_errors_and_permissions() -> None:
    async with served() as s:
        status, err = await history(s, "todo-api", r="pods")
        assert status == 400 and err["error"]["details"]["parameter"] == "resource"
        status, err = await history(s, "no-such")
        assert status == 404, err
        # jane reads team-a's history but may not roll back in team-c.
        status, data, _ = await s.get(
            HISTORY.format(c="restricted", r="deployments", ns="team-a", n="todo-api")
        )
        assert status == 200 and data["items"][0]["current"], data
        status, err, _ = await s.post(
            act("restricted", "rollback"),
            {"resource": "deployments", "namespace": "team-c", "name": "sandbox"},
        )
        assert status == 403 and err["error"]["reason"] == "Forbidden", err
        status, err, _ = await s.post(
            act("admin", "rollback"), {"resource": "replicasets", "namespace": NS, "name": "x"}
        )
        assert status == 400 and err["error"]["details"]["parameter"] == "resource"


async def test_rollback_of_statefulsets_and_daemonsets_via_controller_revisions() -> None:
    async with living("node-a") as (s, kube):
        for resource, body in (
            ("statefulsets", workload("StatefulSet", "db", 1)),
            ("daemonsets", workload("DaemonSet", "agent")),
        ):
            path = f"/apis/apps/v1/namespaces/{NS}/{resource}"
            name = body["metadata"]["name"]
            assert (await kube.post(path, body)).status == 201
            await revisions_of(s, resource, name, [1])
            r = await kube.patch(
                f"{path}/{name}",
                {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "v2"}]}}}},
                "application/strategic-merge-patch+json",
            )
            assert r.status == 200, r.text
            data = await revisions_of(s, resource, name, [2, 1])
            assert data["items"][0]["images"] == ["v2"] and data["items"][0]["current"]
            assert data["items"][1]["images"] == ["nginx:1.27"]

            target = {"resource": resource, "namespace": NS, "name": name, "revision": 1}
            status, out, _ = await s.post(act("admin", "rollback"), target)
            assert status == 200, out
            live = (await kube.get(f"{path}/{name}")).body
            assert live["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
            data = await revisions_of(s, resource, name, [3, 2])  # revision 1 renumbered
            assert data["items"][0]["images"] == ["nginx:1.27"]
            status, err, _ = await s.post(act("admin", "rollback"), {**target, "revision": 3})
            assert status == 400 and "skipped rollback" in err["error"]["message"], err


def workload(kind: str, name: str, replicas: int | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "selector": {"matchLabels": {"app": name}},
        "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [container()]}},
    }
    if replicas is not None:
        spec["replicas"] = replicas
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": name}, "spec": spec}


async def revisions_of(s: Served, resource: str, name: str, want: list[int]) -> Any:
    async def check() -> Any:
        status, data, _ = await s.get(HISTORY.format(c="admin", r=resource, ns=NS, n=name))
        return data if status == 200 and [i["revision"] for i in data["items"]] == want else None

    return await eventually(check, 15, f"{resource}/{name} revisions {want}")
