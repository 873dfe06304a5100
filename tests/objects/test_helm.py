"""Helm release decoding: both base64 layers, gzip, bounded inflation, summary fields."""

from __future__ import annotations

import base64
import gzip
from typing import Any

import orjson
import pytest

from masthead.objects.helm import (
    ReleaseError,
    ReleaseTooLarge,
    decode_release,
    latest_releases,
    release_summary,
)


def secret(payload: bytes, type_: str = "helm.sh/release.v1") -> dict[str, Any]:
    helm_layer = base64.b64encode(payload)
    return {"type": type_, "data": {"release": base64.b64encode(helm_layer).decode()}}


def release(version: int, status: str, chart_version: str = "1.0.0") -> dict[str, Any]:
    return {
        "name": "web",
        "namespace": "apps",
        "version": version,
        "info": {
            "status": status,
            "description": f"rev {version}",
            "last_deployed": f"2026-01-0{version}T00:00:00Z",
            "first_deployed": "2026-01-01T00:00:00Z",
            "notes": "hello",
        },
        "chart": {
            "metadata": {
                "name": "nginx",
                "version": chart_version,
                "appVersion": "1.25",
                "description": "web server",
            },
            "values": {"replicas": 1},
        },
        "config": {"replicas": 3},
        "manifest": "---\nkind: Service\n",
    }


def test_gzipped_and_plain_payloads_decode() -> None:
    doc = release(2, "deployed")
    assert decode_release(secret(gzip.compress(orjson.dumps(doc)))) == doc
    assert decode_release(secret(orjson.dumps(doc))) == doc  # very old releases: no gzip


def test_inflation_is_capped() -> None:
    bomb = gzip.compress(b'{"a":"' + b"0" * 2_000_000 + b'"}')
    assert len(bomb) < 10_000
    with pytest.raises(ReleaseTooLarge, match="1000000 bytes"):
        decode_release(secret(bomb), max_bytes=1_000_000)


@pytest.mark.parametrize(
    ("sec", "message"),
    [
        ({"type": "Opaque", "data": {}}, "not a Helm release"),
        ({"type": "helm.sh/release.v1", "data": {}}, "no data.release"),
        ({"type": "helm.sh/release.v1", "data": {"release": "!!"}}, "not base64"),
        (secret(b"\x1f\x8b\x08garbage"), "does not gunzip"),
        (secret(b"[1, 2]"), "not a JSON object"),
    ],
)
def test_bad_secrets_are_named(sec: dict[str, Any], message: str) -> None:
    with pytest.raises(ReleaseError, match=message):
        decode_release(sec)


def test_summary_lists_revisions_newest_first() -> None:
    current = release(3, "deployed", "1.2.0")
    history = [release(1, "superseded"), release(2, "failed", "1.1.0"), release(3, "deployed")]
    s = release_summary(current, history)
    assert s["name"] == "web" and s["namespace"] == "apps"
    assert s["chart"] == {
        "name": "nginx",
        "version": "1.2.0",
        "appVersion": "1.25",
        "description": "web server",
    }
    assert (s["status"], s["revision"], s["notes"]) == ("deployed", 3, "hello")
    assert s["values"] == {"replicas": 3} and s["defaultValues"] == {"replicas": 1}
    assert [r["revision"] for r in s["revisions"]] == [3, 2, 1]
    assert s["revisions"][1] == {
        "revision": 2,
        "status": "failed",
        "updated": "2026-01-02T00:00:00Z",
        "description": "rev 2",
        "chart": "nginx-1.1.0",
        "appVersion": "1.25",
    }


class _Row:
    def __init__(self, ns: str, name: str, labels: dict[str, str], type_: str) -> None:
        self.namespace, self.name, self.labels, self.type = ns, name, labels, type_


def test_latest_releases_from_labels() -> None:
    def row(release: str, version: str, status: str, ns: str = "apps") -> _Row:
        labels = {"owner": "helm", "name": release, "version": version, "status": status}
        labels["modifiedAt"] = "1714557600"
        return _Row(ns, f"sh.helm.release.v1.{release}.v{version}", labels, "helm.sh/release.v1")

    rows = [
        row("web", "9", "superseded"),
        row("web", "10", "deployed"),  # numeric, not text, order
        row("web", "1", "deployed", ns="other"),
        row("db", "x", "deployed"),  # unreadable version: skipped
        _Row("apps", "plain", {"owner": "helm", "name": "z", "version": "1"}, "Opaque"),
    ]
    assert latest_releases(rows) == [
        {
            "name": "web",
            "namespace": "apps",
            "revision": 10,
            "status": "deployed",
            "updated": 1714557600,
            "secret": "sh.helm.release.v1.web.v10",
        },
        {
            "name": "web",
            "namespace": "other",
            "revision": 1,
            "status": "deployed",
            "updated": 1714557600,
            "secret": "sh.helm.release.v1.web.v1",
        },
    ]
