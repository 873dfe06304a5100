"""ControllerRevisions of StatefulSets and DaemonSets, checked with real kubectl: `rollout
history` lists them and `rollout undo --to-revision` restores a template (the restored
revision becomes the newest, as upstream's controller history does)."""

from __future__ import annotations

import json

import pytest

from masthead.sim.controllers.revisions import HASH_LABEL
from tests.sim.controllers.helpers import NS, container, living_kubectl
from tests.sim.kubectl_env import KUBECTLS, Kubectl

pytestmark = pytest.mark.kubectl


def workload(kind: str, name: str) -> dict[str, object]:
    labels = {"app": name}
    spec: dict[str, object] = {
        "selector": {"matchLabels": labels},
        "template": {"metadata": {"labels": labels}, "spec": {"containers": [container()]}},
    }
    if kind == "StatefulSet":
        spec["replicas"] = 1
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": name}, "spec": spec}


def revisions(k: Kubectl, app: str) -> list[tuple[int, str]]:
    out = json.loads(k.ok("get", "controllerrevisions", "-n", NS, "-l", f"app={app}", "-o", "json"))
    return sorted(
        (
            item["revision"],
            item["data"]["spec"]["template"]["spec"]["containers"][0]["image"],
        )
        for item in out["items"]
    )


@pytest.mark.parametrize("binary", KUBECTLS)
def test_kubectl_rollout_history_and_undo_of_sets(binary: str | None) -> None:
    with living_kubectl(binary) as k:
        for kind, name, ref in (
            ("StatefulSet", "db", "sts/db"),
            ("DaemonSet", "agent", "ds/agent"),
        ):
            k.ok("create", "-n", NS, "-f", "-", stdin=json.dumps(workload(kind, name)))
            k.ok("rollout", "status", "-n", NS, ref, "--timeout=20s")
            k.ok("set", "image", "-n", NS, ref, "app=nginx:1.28")
            k.ok("rollout", "status", "-n", NS, ref, "--timeout=20s")
            assert revisions(k, name) == [(1, "nginx:1.27"), (2, "nginx:1.28")]
            history = k.ok("rollout", "history", "-n", NS, ref)
            assert "REVISION" in history and "1 " in history and "2 " in history
            assert "rolled back" in k.ok("rollout", "undo", "-n", NS, ref, "--to-revision=1")
            k.ok("rollout", "status", "-n", NS, ref, "--timeout=20s")
            image = k.ok(
                "get", "-n", NS, ref, "-o", "jsonpath={.spec.template.spec.containers[0].image}"
            )
            assert image == "nginx:1.27"
            assert revisions(k, name) == [(2, "nginx:1.28"), (3, "nginx:1.27")]
            cr = json.loads(
                k.ok("get", "controllerrevisions", "-n", NS, "-l", f"app={name}", "-o", "json")
            )
            for item in cr["items"]:
                assert (
                    item["metadata"]["name"] == f"{name}-{item['metadata']['labels'][HASH_LABEL]}"
                )
                assert item["metadata"]["ownerReferences"][0]["kind"] == kind
