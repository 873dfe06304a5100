"""Helpers shared by the peer children: own RSS, the admin credentials of a kubeconfig."""

from __future__ import annotations

import base64
import gc
import resource
from pathlib import Path

import yaml

PAGE = 500
CONTEXT = "admin"


def rss_mb() -> float:
    """This process's resident set from /proc/self/statm, in MB (10^6 bytes)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() / 1e6


def rss_after_gc_mb() -> float:
    gc.collect()
    return rss_mb()


def admin_endpoint(kubeconfig: str) -> tuple[str, str, bytes]:
    """(server URL, bearer token, CA PEM; empty for a plain-HTTP server) of the `admin`
    context."""
    doc = yaml.safe_load(Path(kubeconfig).read_text())
    ctx = next(c["context"] for c in doc["contexts"] if c["name"] == CONTEXT)
    cluster = next(c["cluster"] for c in doc["clusters"] if c["name"] == ctx["cluster"])
    user = next(u["user"] for u in doc["users"] if u["name"] == ctx["user"])
    ca = base64.b64decode(cluster.get("certificate-authority-data", ""))
    return cluster["server"], user["token"], ca
