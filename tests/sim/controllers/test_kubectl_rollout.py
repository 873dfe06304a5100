"""Real kubectl against the living simulator: `rollout status` follows a rollout to the end."""

from __future__ import annotations

import json
import tempfile

import pytest

from masthead.sim.app import SimConfig
from masthead.sim.controllers import ALL_CONTROLLERS, ControllerSettings
from tests.sim.controllers.helpers import deployment, node
from tests.sim.kubectl_env import KUBECTLS, Kubectl, SimThread

pytestmark = pytest.mark.kubectl


@pytest.mark.parametrize("binary", KUBECTLS)
def test_kubectl_rollout_status_and_update(binary: str | None) -> None:
    if binary is None:
        pytest.skip("kubectl binary not installed")
    cfg = SimConfig(
        https=True, controllers=ALL_CONTROLLERS, controller_settings=ControllerSettings.fast()
    )
    with SimThread(cfg) as sim, tempfile.TemporaryDirectory(prefix="kubectl-cache-") as cache:
        assert sim.kubeconfig_path is not None
        k = Kubectl(binary, sim.kubeconfig_path, cache)
        k.ok("apply", "-f", "-", stdin=json.dumps(node("node-a")))
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
