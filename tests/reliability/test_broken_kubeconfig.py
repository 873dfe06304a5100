"""Broken kubeconfigs (issue 8): an unparsable file in the list, a missing file, an exec plugin
that is not installed, one that hangs (bounded by `credential_timeout`), an expired client
certificate. Each broken context says what is wrong in `GET /api/v1/clusters` (state
`auth-failed`, a message naming the cause); the good contexts connect and serve pages."""

from __future__ import annotations

import base64
import datetime
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from masthead.sim.app import SimConfig, Simulator
from tests.api.harness import TUNING, Served, eventually_async, served

CREDENTIAL_TIMEOUT = 1.0


def expired_cert() -> tuple[bytes, bytes]:
    """A client certificate (PEM) that expired yesterday, and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "admin")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=30))
        .not_valid_after(now - datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def broken_contexts(cluster: dict[str, Any]) -> dict[str, Any]:
    """Contexts on the simulator's `cluster` (server + CA) whose credentials are broken."""
    cert, key = expired_cert()
    users = {
        "no-plugin": {
            "exec": {
                "apiVersion": "client.authentication.k8s.io/v1",
                "command": "masthead-no-such-credential-plugin",
                "interactiveMode": "Never",
            }
        },
        "hung-plugin": {
            "exec": {
                "apiVersion": "client.authentication.k8s.io/v1",
                "command": "sh",
                "args": ["-c", "sleep 4"],
                "interactiveMode": "Never",
            }
        },
        "expired-cert": {
            "client-certificate-data": base64.b64encode(cert).decode(),
            "client-key-data": base64.b64encode(key).decode(),
        },
    }
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "sim", "cluster": cluster}],
        "users": [{"name": n, "user": u} for n, u in users.items()],
        "contexts": [{"name": n, "context": {"cluster": "sim", "user": n}} for n in users],
    }


async def clusters(s: Served) -> dict[str, dict[str, Any]]:
    status, body, _ = await s.get("/api/v1/clusters")
    assert status == 200
    return {c["id"]: c for c in body}


async def test_broken_contexts_say_why_and_the_others_work(tmp_path: Path) -> None:
    # HTTPS: client certificates are only used (and checked) over TLS.
    async with Simulator(SimConfig(https=True)) as sim:
        assert sim.kubeconfig_path is not None
        cluster = yaml.safe_load(sim.kubeconfig_path.read_text())["clusters"][0]["cluster"]
        bad_yaml = tmp_path / "bad.yaml"
        bad_yaml.write_text("contexts: [unclosed\n")
        broken = tmp_path / "broken.yaml"
        broken.write_text(yaml.safe_dump(broken_contexts(cluster)))
        files = [sim.kubeconfig_path, bad_yaml, tmp_path / "missing.yaml", broken]
        tuning = replace(TUNING, credential_timeout=CREDENTIAL_TIMEOUT, auth_failed_retry=30.0)
        async with served(sim=sim, kubeconfigs=files, connect=("admin",), tuning=tuning) as s:
            listed = await clusters(s)
            assert set(listed) == {
                "admin",
                "restricted",
                "no-plugin",
                "hung-plugin",
                "expired-cert",
            }
            diag = await s.diagnostics()
            assert "bad.yaml: not valid YAML" in diag["registry"]["last_error"]

            started = time.monotonic()
            for cid in ("no-plugin", "hung-plugin", "expired-cert"):
                status, _, _ = await s.post(f"/api/v1/clusters/{cid}/connect")
                assert status == 200, cid
            # The hung plugin is given up on after the timeout, not waited for.
            assert time.monotonic() - started < CREDENTIAL_TIMEOUT + 10
            listed = await clusters(s)
            want = {
                "no-plugin": "masthead-no-such-credential-plugin",
                "hung-plugin": f"credentials not loaded within {CREDENTIAL_TIMEOUT:g} s",
                "expired-cert": "client certificate expired at",
            }
            for cid, message in want.items():
                c = listed[cid]
                assert c["state"] == "auth-failed", (c["state"], c["message"])
                assert message in c["message"], c

            # The good context is connected and serves pages throughout.
            assert listed["admin"]["state"] == "ready"
            page = await s.page("admin", "namespaces")
            assert {r["name"] for r in page["rows"]} >= {"default", "team-a"}

            # A second attempt while the plugin still hangs does not start another one.
            status, _, _ = await s.post("/api/v1/clusters/hung-plugin/disconnect")
            status, _, _ = await s.post("/api/v1/clusters/hung-plugin/connect")
            listed = await clusters(s)
            assert "still running" in listed["hung-plugin"]["message"], listed["hung-plugin"]

            # Fixing the unparsable file brings its contexts in.
            bad_yaml.write_text(
                yaml.safe_dump({**broken_contexts(cluster), "contexts": [], "users": []})
            )

            async def error_cleared() -> bool:
                return bool((await s.diagnostics())["registry"]["last_error"] == "")

            await eventually_async(error_cleared, 10)
