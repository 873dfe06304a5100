"""Real kubectl against the living simulator: `rollout status` follows a rollout to the end."""

from __future__ import annotations

import json

import pytest

from tests.sim.controllers.helpers import deployment, living_kubectl
from tests.sim.kubectl_env import KUBECTLS

pytestmark = pytest.mark.kubectl


@pytest.mark.parametrize("binary", KUBECTLS)
def test_kubectl_rollout_status_and_update(binary: str | None) -> None:
    with living_kubectl(binary) as k:
        k.ok("apply", "-n", "team-a", "-f", "-", stdin=json.dumps(deployment("web", 3)))
        out = k.ok("rollout", "status", "-n", "team-a", "deploy/web", "--timeout=20s")
        assert 'deployment "web" successfully rolled out' in out
        k.ok("set", "image", "-n", "team-a", "deploy/web", "app=nginx:1.28")
        out = k.ok("rollout", "status", "-n", "team-a", "deploy/web", "--timeout=20s")
        assert 'deployment "web" successfully rolled out' in out
        history = k.ok("rollout", "history", "-n", "team-a", "deploy/web")
        assert "1 " in history and "2 " in history
        pods = json.loads(k.ok("get", "pods", "-n", "team-a", "-o", "json"))["items"]
        live = [p for p in pods if not p["metadata"].get("deletionTimestamp")]
        assert {p["spec"]["containers"][0]["image"] for p in live} == {"nginx:1.28"}
        table = k.ok("get", "pods", "-n", "team-a")
        assert "Running" in table and "1/1" in table
