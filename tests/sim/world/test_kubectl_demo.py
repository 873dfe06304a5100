"""Real kubectl against the demo world: `get pods -A` shows the failures in its STATUS column,
and the other kinds a newcomer looks at print."""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Iterator

import pytest

from masthead.sim.app import SimConfig
from masthead.sim.controllers import DEFAULT_CONTROLLERS

from ..kubectl_env import KUBECTLS, Kubectl, SimThread

pytestmark = [pytest.mark.kubectl]


@pytest.fixture(scope="module", params=KUBECTLS)
def kubectl(request: pytest.FixtureRequest) -> Iterator[Kubectl]:
    binary = request.param
    if binary is None:
        pytest.skip("kubectl binary not installed")
    cfg = SimConfig(
        https=True,
        scenario="demo",
        world_knobs={"epoch": 1_767_225_600},
        controllers=DEFAULT_CONTROLLERS,  # the world as built, nothing moving it
    )
    with SimThread(cfg) as sim, tempfile.TemporaryDirectory(prefix="kubectl-cache-") as cache:
        assert sim.kubeconfig_path is not None
        yield Kubectl(binary, sim.kubeconfig_path, cache)


def test_get_pods_all_namespaces_shows_failure_statuses(kubectl: Kubectl) -> None:
    out = kubectl.ok("get", "pods", "-A")
    lines = out.splitlines()
    assert lines[0].split() == ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    rows = [line.split() for line in lines[1:]]
    status = Counter(r[3] for r in rows)
    assert 250 <= len(rows) <= 350
    for s in (
        "Running",
        "CrashLoopBackOff",
        "ImagePullBackOff",
        "Pending",
        "OOMKilled",
        "Error",
        "Completed",
    ):
        assert status[s], (s, status)
    crash = next(r for r in rows if r[3] == "CrashLoopBackOff")
    assert crash[0] == "payments" and crash[2] == "0/1" and int(crash[4]) > 5
    pending = next(r for r in rows if r[3] == "Pending")
    assert pending[:2] == ["data", pending[1]] and pending[1].startswith("ml-trainer-")


def test_get_nodes_namespaces_and_workloads(kubectl: Kubectl) -> None:
    nodes = [line.split() for line in kubectl.ok("get", "nodes").splitlines()[1:]]
    assert len(nodes) == 10
    assert Counter(n[1] for n in nodes) == {"Ready": 9, "NotReady": 1}
    ns = {line.split()[0]: line.split()[1] for line in kubectl.ok("get", "ns").splitlines()[1:]}
    assert ns["legacy-billing"] == "Terminating" and ns["payments"] == "Active"
    pvc = kubectl.ok("get", "pvc", "-n", "data")
    assert "Pending" in pvc and "Bound" in pvc
    cj = kubectl.ok("get", "cronjobs", "-A")
    assert "nightly-backup" in cj and "*/30 * * * *" in cj
    certs = kubectl.ok("get", "certificates", "-A")
    assert certs.splitlines()[0].split()[:4] == ["NAMESPACE", "NAME", "READY", "SECRET"]
