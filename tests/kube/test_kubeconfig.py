"""Kubeconfig loading (KUBECONFIG merge, extra dirs, ids), credentials through the official
loader (token, exec plugin re-run on 401, CA from the simulator's HTTPS kubeconfig)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from masthead.kube.errors import AuthFailed, CredentialError, TransportError
from masthead.kube.kubeconfig import (
    ClusterCredentials,
    exec_search_path,
    load_credentials,
    load_kubeconfig,
)
from masthead.kube.transport import Transport
from masthead.sim.app import SimConfig, Simulator
from tests.kube.kubesim import FAST


def kubeconfig(
    contexts: dict[str, tuple[str, dict[str, Any]]], current: str | None = None
) -> dict[str, Any]:
    """contexts: name -> (server, user section)."""
    doc: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": f"c-{n}", "cluster": {"server": s}} for n, (s, _) in contexts.items()
        ],
        "users": [{"name": f"u-{n}", "user": u} for n, (_, u) in contexts.items()],
        "contexts": [
            {"name": n, "context": {"cluster": f"c-{n}", "user": f"u-{n}"}} for n in contexts
        ],
    }
    if current:
        doc["current-context"] = current
    return doc


def write(path: Path, doc: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(doc))
    return path


def test_kubeconfig_env_merges_first_definition_wins(tmp_path: Path) -> None:
    a = write(tmp_path / "a", kubeconfig({"prod": ("https://a:6443", {"token": "ta"})}, "prod"))
    b = write(
        tmp_path / "b",
        kubeconfig(
            {"prod": ("https://b:6443", {"token": "tb"}), "dev/eu 1": ("https://d", {})}, "dev/eu 1"
        ),
    )
    missing = tmp_path / "missing"
    env = {"KUBECONFIG": os.pathsep.join([str(a), "", str(missing), str(b)])}
    kc = load_kubeconfig(env=env)
    assert kc.files == (a, b)
    assert kc.current_context == "prod"  # first file that sets it
    assert [e.context for e in kc.entries] == ["prod", "dev/eu 1"]
    prod = kc.entry("prod")
    assert prod.server == "https://a:6443" and prod.source == a and prod.id == "prod"
    dev = kc.entry("dev/eu 1")
    assert dev.id.startswith("dev-eu-1-") and dev.id == load_kubeconfig(env=env).entry(dev.id).id
    assert all(c.isalnum() or c in "-._~" for c in dev.id)


def test_default_location_and_extra_dirs(tmp_path: Path) -> None:
    home_cfg = tmp_path / "home" / ".kube" / "config"
    home_cfg.parent.mkdir(parents=True)
    write(home_cfg, kubeconfig({"home": ("https://h", {})}, "home"))
    extra = tmp_path / "extra.d"
    extra.mkdir()
    write(extra / "one.yaml", kubeconfig({"one": ("https://1", {})}))
    write(extra / ".hidden", kubeconfig({"hidden": ("https://x", {})}))
    kc = load_kubeconfig(paths=[home_cfg], extra=[extra])
    assert [e.context for e in kc.entries] == ["home", "one"]


def test_relative_paths_resolve_against_the_defining_file(tmp_path: Path) -> None:
    d = tmp_path / "cfg"
    d.mkdir()
    doc = kubeconfig({"x": ("https://x", {"client-certificate": "certs/c.pem"})})
    doc["clusters"][0]["cluster"]["certificate-authority"] = "ca.pem"
    entry = load_kubeconfig(paths=[write(d / "config", doc)]).entries[0]
    assert entry.config["clusters"][0]["cluster"]["certificate-authority"] == str(d / "ca.pem")
    assert entry.config["users"][0]["user"]["client-certificate"] == str(d / "certs" / "c.pem")


def test_exec_path_includes_usual_install_dirs(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".local" / "bin").mkdir(parents=True)
    path = exec_search_path("/only/here")
    assert path.split(":")[0] == "/only/here"
    assert str(tmp_path / ".local" / "bin") in path.split(":") and "/usr/bin" in path.split(":")


def exec_plugin(tmp_path: Path, tokens: list[str]) -> tuple[Path, Path]:
    """A credential plugin printing tokens[i] on its i-th run (the last one after that)."""
    counter = tmp_path / "runs"
    counter.write_text("0")
    script = tmp_path / "cred-plugin"
    script.write_text(
        f"""#!{sys.executable}
import json, pathlib
c = pathlib.Path({str(counter)!r})
n = int(c.read_text())
c.write_text(str(n + 1))
tokens = {tokens!r}
print(json.dumps({{"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",
                  "status": {{"token": tokens[min(n, len(tokens) - 1)],
                              "expirationTimestamp": "2099-01-01T00:00:00Z"}}}}))
"""
    )
    script.chmod(0o755)
    return script, counter


async def test_exec_plugin_token_is_used_and_rerun_on_401(tmp_path: Path, monkeypatch: Any) -> None:
    async with Simulator() as sim:
        # The plugin is found by bare name in ~/.local/bin although PATH does not list it:
        # a dashboard started outside a login shell.
        monkeypatch.setenv("HOME", str(tmp_path))
        bindir = tmp_path / ".local" / "bin"
        bindir.mkdir(parents=True)
        script, counter = exec_plugin(bindir, ["expired-token", sim.admin_token])
        monkeypatch.setenv("PATH", "/usr/bin:/bin")
        user = {
            "exec": {
                "apiVersion": "client.authentication.k8s.io/v1",
                "command": script.name,
                "interactiveMode": "Never",
            }
        }
        cfg = write(tmp_path / "config", kubeconfig({"sim": (sim.url, user)}, "sim"))
        entry = load_kubeconfig(paths=[cfg]).entry("sim")
        creds = ClusterCredentials(entry, FAST)
        first = await creds.get()
        assert first.headers["Authorization"] == "Bearer expired-token"
        assert first.expiry is not None and first.expiry.year == 2099
        t = Transport(creds, FAST)
        try:
            body = await t.get_json("get", "/api/v1/namespaces/team-a")
            assert body["metadata"]["name"] == "team-a"
            assert counter.read_text() == "2"  # re-run once after the 401
            assert t.stats.count("get", 401) == 1 and t.stats.credential_refreshes == 1
        finally:
            await t.close()


async def test_failing_exec_plugin_reports_its_error(tmp_path: Path) -> None:
    script = tmp_path / "broken"
    script.write_text("#!/bin/sh\necho 'login required: run gcloud auth login' >&2\nexit 3\n")
    script.chmod(0o755)
    user = {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": str(script)}}
    cfg = write(tmp_path / "config", kubeconfig({"x": ("https://127.0.0.1:1", user)}))
    entry = load_kubeconfig(paths=[cfg]).entries[0]
    with pytest.raises(CredentialError, match="login required"):
        load_credentials(entry)


async def test_https_with_the_kubeconfig_ca() -> None:
    async with Simulator(SimConfig(https=True)) as sim:
        assert sim.kubeconfig_path is not None
        entry = load_kubeconfig([sim.kubeconfig_path]).entry("restricted")
        assert entry.namespace == "team-a" and entry.server.startswith("https://")
        t = Transport(ClusterCredentials(entry, FAST), FAST)
        try:
            lst = await t.get_json("list", "/api/v1/namespaces/team-a/configmaps")
            assert lst["kind"] == "ConfigMapList"
        finally:
            await t.close()
        # The same server without the CA: verification must fail, proving the CA was used.
        doc = yaml.safe_load(sim.kubeconfig_path.read_text())
        del doc["clusters"][0]["cluster"]["certificate-authority-data"]
        bare = load_kubeconfig([write(sim.kubeconfig_path.parent / "noca", doc)]).entry("admin")
        t2 = Transport(ClusterCredentials(bare, FAST), FAST)
        try:
            with pytest.raises(TransportError, match=r"(?i)certificate"):
                await t2.get_json("get", "/version")
        finally:
            await t2.close()


async def test_static_token_401_twice_is_auth_failed_with_server_message() -> None:
    async with Simulator() as sim:
        assert sim.kubeconfig_path is not None
        entry = load_kubeconfig([sim.kubeconfig_path]).entry("admin")
        sim.authn.revoke(sim.admin_token)
        t = Transport(ClusterCredentials(entry, FAST), FAST)
        try:
            with pytest.raises(AuthFailed) as e:
                await t.get_json("get", "/api/v1/namespaces")
            assert e.value.status.message == "Unauthorized" and e.value.code == 401
            assert t.stats.count("get", 401) == 2 and t.stats.credential_refreshes == 1
        finally:
            await t.close()
