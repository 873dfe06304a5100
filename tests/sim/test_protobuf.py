"""Protobuf request bodies for the authorization reviews (what `kubectl auth can-i` sends)."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from masthead.sim.app import SimConfig, Simulator
from masthead.sim.errors import ApiError
from masthead.sim.protobuf import MAGIC, decode_protobuf

# --- a tiny encoder: only varints and length-delimited fields ---------------------------------


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def ld(number: int, value: bytes | str) -> bytes:
    data = value.encode() if isinstance(value, str) else value
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def vi(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value)


def envelope(api_version: str, kind: str, raw: bytes) -> bytes:
    type_meta = ld(1, api_version) + ld(2, kind)
    return MAGIC + ld(1, type_meta) + ld(2, raw) + ld(3, "") + ld(4, "")


AUTHZ = "authorization.k8s.io/v1"


def test_self_subject_access_review() -> None:
    attrs = (
        ld(1, "team-a")
        + ld(2, "list")
        + ld(3, "")
        + ld(4, "v1")
        + ld(5, "pods")
        + ld(6, "log")
        + ld(7, "web-0")
        + ld(9, ld(1, "app=web"))  # labelSelector: skipped
    )
    raw = ld(1, ld(1, "probe") + ld(3, "team-a") + ld(5, "ignored")) + ld(2, ld(1, attrs))
    raw += ld(3, vi(1, 1))  # status: skipped
    raw += vi(99, 7) + ld(98, b"\x00\x01")  # unknown fields: skipped
    got = decode_protobuf(
        "SelfSubjectAccessReview", envelope(AUTHZ, "SelfSubjectAccessReview", raw)
    )
    assert got == {
        "apiVersion": AUTHZ,
        "kind": "SelfSubjectAccessReview",
        "metadata": {"name": "probe", "namespace": "team-a"},
        "spec": {
            "resourceAttributes": {
                "namespace": "team-a",
                "verb": "list",
                "version": "v1",
                "resource": "pods",
                "subresource": "log",
                "name": "web-0",
            }
        },
    }


def test_self_subject_access_review_non_resource() -> None:
    raw = ld(1, b"") + ld(2, ld(2, ld(1, "/healthz") + ld(2, "get")))
    got = decode_protobuf(
        "SelfSubjectAccessReview", envelope(AUTHZ, "SelfSubjectAccessReview", raw)
    )
    assert got == {
        "apiVersion": AUTHZ,
        "kind": "SelfSubjectAccessReview",
        "metadata": {},
        "spec": {"nonResourceAttributes": {"path": "/healthz", "verb": "get"}},
    }


def test_self_subject_rules_review() -> None:
    raw = ld(1, b"") + ld(2, ld(1, "team-a"))
    got = decode_protobuf("SelfSubjectRulesReview", envelope(AUTHZ, "SelfSubjectRulesReview", raw))
    assert got == {
        "apiVersion": AUTHZ,
        "kind": "SelfSubjectRulesReview",
        "metadata": {},
        "spec": {"namespace": "team-a"},
    }


def test_subject_access_review() -> None:
    extra = ld(5, ld(1, "k") + ld(2, ld(1, "v")))  # map entry: skipped
    spec = (
        ld(1, ld(2, "get") + ld(5, "secrets"))
        + ld(3, "jane")
        + ld(4, "devs")
        + ld(4, "system:authenticated")
        + extra
        + ld(6, "uid-1")
    )
    got = decode_protobuf(
        "SubjectAccessReview", envelope(AUTHZ, "SubjectAccessReview", ld(1, b"") + ld(2, spec))
    )
    assert got["spec"] == {
        "resourceAttributes": {"verb": "get", "resource": "secrets"},
        "user": "jane",
        "groups": ["devs", "system:authenticated"],
        "uid": "uid-1",
    }


def test_other_kinds_are_unsupported_media_type() -> None:
    with pytest.raises(ApiError) as e:
        decode_protobuf("Pod", envelope("v1", "Pod", b""))
    assert e.value.code == 415


def test_malformed_body_is_bad_request() -> None:
    with pytest.raises(ApiError) as e:
        decode_protobuf("SelfSubjectRulesReview", b'{"kind": "SelfSubjectRulesReview"}')
    assert e.value.code == 400
    truncated = envelope(AUTHZ, "SelfSubjectRulesReview", ld(2, ld(1, "team-a")))[:-3]
    with pytest.raises(ApiError) as e:
        decode_protobuf("SelfSubjectRulesReview", truncated)
    assert e.value.code == 400


# --- real kubectl ---------------------------------------------------------------------------

VENV_KUBECTL = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "kubectl"
KUBECTLS = [
    pytest.param(shutil.which("kubectl"), id="kubectl-system"),
    pytest.param(str(VENV_KUBECTL) if VENV_KUBECTL.exists() else None, id="kubectl-venv"),
]

Kubectl = Callable[..., Awaitable[tuple[int, str, str]]]


@pytest.fixture(params=KUBECTLS)
async def kubectl(request: pytest.FixtureRequest) -> AsyncIterator[Kubectl]:
    binary = request.param
    if binary is None:
        pytest.skip("kubectl binary not installed")
    # kubectl sends bearer tokens only over TLS.
    async with Simulator(SimConfig(https=True)) as sim:
        assert sim.kubeconfig_path is not None
        kubeconfig = sim.kubeconfig_path
        with tempfile.TemporaryDirectory(prefix="kubectl-cache-") as cache:

            async def run(*args: str) -> tuple[int, str, str]:
                # The simulator runs on this event loop, so kubectl must not block it.
                proc = await asyncio.create_subprocess_exec(
                    binary,
                    f"--kubeconfig={kubeconfig}",
                    f"--cache-dir={cache}",
                    *args,
                    stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.PIPE,
                )
                out, err = await asyncio.wait_for(proc.communicate(), 60)
                assert proc.returncode is not None
                return proc.returncode, out.decode(), err.decode()

            yield run


@pytest.mark.kubectl
async def test_kubectl_auth_can_i(kubectl: Kubectl) -> None:
    code, out, err = await kubectl("auth", "can-i", "list", "pods", "-A")
    assert (code, out.strip()) == (0, "yes"), err
    code, out, err = await kubectl("--context", "restricted", "auth", "can-i", "list", "pods", "-A")
    assert (code, out.strip()) == (1, "no"), err
    code, out, err = await kubectl(
        "--context", "restricted", "auth", "can-i", "list", "pods", "-n", "team-a"
    )
    assert (code, out.strip()) == (0, "yes"), err


@pytest.mark.kubectl
async def test_kubectl_auth_can_i_list(kubectl: Kubectl) -> None:
    code, out, err = await kubectl(
        "--context", "restricted", "auth", "can-i", "--list", "-n", "team-a"
    )
    assert code == 0, err
    assert "pods" in out, out
