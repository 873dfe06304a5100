"""The kubeconfig the simulator writes: an `admin` and a `restricted` context."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import yaml


def build_kubeconfig(
    server: str,
    users: dict[str, str],
    ca_pem: bytes | None,
    current: str = "admin",
    cluster_name: str = "masthead-sim",
) -> dict[str, Any]:
    """`users` maps context name -> bearer token; each context gets its own user entry."""
    cluster: dict[str, Any] = {"server": server}
    if ca_pem is not None:
        cluster["certificate-authority-data"] = base64.b64encode(ca_pem).decode()
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": cluster_name, "cluster": cluster}],
        "users": [{"name": ctx, "user": {"token": token}} for ctx, token in users.items()],
        "contexts": [
            {
                "name": ctx,
                "context": {
                    "cluster": cluster_name,
                    "user": ctx,
                    **({"namespace": "team-a"} if ctx == "restricted" else {}),
                },
            }
            for ctx in users
        ],
        "current-context": current,
        "preferences": {},
    }


def write_kubeconfig(path: Path, config: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    path.chmod(0o600)
