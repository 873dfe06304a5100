"""Real kubectl against the simulator: `explain` and `apply --validate=strict` read our OpenAPI."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from masthead.sim.app import SimConfig, Simulator

pytestmark = [pytest.mark.kubectl, pytest.mark.slow]

VENV_KUBECTL = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "kubectl"
KUBECTLS = [
    pytest.param(shutil.which("kubectl"), id="kubectl-system"),
    pytest.param(str(VENV_KUBECTL) if VENV_KUBECTL.exists() else None, id="kubectl-venv"),
]

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx}]
"""

CRD = """
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: crontabs.stable.example.com}
spec:
  group: stable.example.com
  scope: Namespaced
  names: {plural: crontabs, singular: crontab, kind: CronTab}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        description: CronTab runs a command on a schedule.
        type: object
        properties:
          spec:
            type: object
            properties:
              cronSpec: {type: string, description: The schedule in cron format.}
"""

CRONTAB = """
apiVersion: stable.example.com/v1
kind: CronTab
metadata: {name: nightly, namespace: default}
spec: {cronSpec: "0 3 * * *"}
"""


class Kubectl:
    def __init__(self, binary: str, kubeconfig: Path, cache_dir: str) -> None:
        self.base = [binary, f"--kubeconfig={kubeconfig}", f"--cache-dir={cache_dir}"]

    async def __call__(self, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
        # The simulator runs on this event loop, so kubectl must not block it.
        proc = await asyncio.create_subprocess_exec(
            *self.base,
            *args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(stdin.encode() if stdin else None), 60)
        assert proc.returncode is not None
        return proc.returncode, out.decode(), err.decode()


@pytest.fixture(params=KUBECTLS)
async def kubectl(request: pytest.FixtureRequest) -> AsyncIterator[Kubectl]:
    binary = request.param
    if binary is None:
        pytest.skip("kubectl binary not installed")
    # kubectl sends bearer tokens only over TLS.
    async with Simulator(SimConfig(https=True)) as sim:
        assert sim.kubeconfig_path is not None
        with tempfile.TemporaryDirectory(prefix="kubectl-cache-") as cache:
            yield Kubectl(binary, sim.kubeconfig_path, cache)


async def test_explain_pods_prints_field_descriptions(kubectl: Kubectl) -> None:
    code, out, err = await kubectl("explain", "pods")
    assert (code, err) == (0, "")
    assert "KIND:       Pod" in out
    assert "Pod is a collection of containers that can run on a host." in out
    assert "spec\t<PodSpec>" in out
    assert "metadata\t<ObjectMeta>" in out


async def test_explain_nested_deployment_field(kubectl: Kubectl) -> None:
    code, out, err = await kubectl("explain", "deployment.spec.template.spec.containers")
    assert (code, err) == (0, "")
    assert "FIELD: containers <[]Container>" in out
    assert "List of containers belonging to the pod." in out
    assert "image\t<string>\n    Container image name." in out
    assert "name\t<string> -required-" in out


async def test_apply_with_strict_validation_uses_server_side_validation(kubectl: Kubectl) -> None:
    code, out, err = await kubectl("apply", "--validate=strict", "-f", "-", stdin=DEPLOYMENT)
    assert (code, out, err) == (0, "deployment.apps/web created\n", "")

    # kubectl delegates to the server only when the OpenAPI says it understands fieldValidation;
    # the client-side fallback would word this as "error validating data".
    bogus = DEPLOYMENT.replace("name: web,", "name: web-bogus,").replace(
        "replicas: 1", "replicas: 1\n  bogus: 1"
    )
    code, out, err = await kubectl("apply", "--validate=strict", "-f", "-", stdin=bogus)
    assert code == 1
    assert 'strict decoding error: unknown field "spec.bogus"' in err
    assert "error validating data" not in err


async def test_custom_resource_explain_and_strict_apply(kubectl: Kubectl) -> None:
    code, out, err = await kubectl("apply", "--validate=strict", "-f", "-", stdin=CRD)
    assert (code, err) == (0, "")
    code, out, err = await kubectl(
        "wait", "--for=condition=Established", "crd/crontabs.stable.example.com", "--timeout=10s"
    )
    assert code == 0, err

    code, out, err = await kubectl("explain", "crontabs")
    assert (code, err) == (0, "")
    assert "CronTab runs a command on a schedule." in out
    code, out, err = await kubectl("explain", "crontabs.spec.cronSpec")
    assert (code, err) == (0, "")
    assert "The schedule in cron format." in out

    code, out, err = await kubectl("apply", "--validate=strict", "-f", "-", stdin=CRONTAB)
    assert (code, out, err) == (0, "crontab.stable.example.com/nightly created\n", "")
