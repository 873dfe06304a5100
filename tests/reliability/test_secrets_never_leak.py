"""Secrets never leak (issue 8): a Secret holding a unique marker (in `data`, and in the
last-applied annotation `kubectl apply` leaves) is read through every served surface — pages
of both contexts, the object (JSON, YAML, with managedFields), the live socket, events, logs,
diagnostics, an audited action — then masthead shuts down (SQLite flushed). Neither any answer,
nor any file in the data directory (database, WAL, shared memory), nor the captured logs hold
the marker, plain or base64. And the restricted context never sees the admin's rows."""

from __future__ import annotations

import base64
import json
import logging
import uuid
from pathlib import Path
from typing import Any

import pytest

from masthead.sim.registry import WriteContext
from tests.api.harness import Served, live_socket, served
from tests.api.test_feeds import FAST_FEEDS, deployment_with_pods

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
MARKER_BYTES = 53


def secret(marker: str) -> dict[str, Any]:
    data = {"password": base64.b64encode(marker.encode()).decode()}
    applied = {"apiVersion": "v1", "kind": "Secret", "stringData": {"password": marker}}
    return {
        "metadata": {"name": "leaky", "annotations": {LAST_APPLIED: json.dumps(applied)}},
        "type": "Opaque",
        "data": data,
    }


def forms(marker: str) -> list[bytes]:
    """The marker as plain text, base64 (as stored in `data`) and base64 of that."""
    plain = marker.encode()
    b64 = base64.b64encode(plain)
    return [plain, b64, base64.b64encode(b64)]


async def exercise(s: Served, answers: list[bytes]) -> None:
    """Read the secret through every surface; keep every answer's bytes."""

    async def get(path: str, **params: str) -> Any:
        async with s.http.get(s.base + path, params=params) as r:
            body = await r.read()
            answers.append(body)
            assert r.status == 200, (path, r.status, body[:300])
            return json.loads(body) if r.content_type == "application/json" else body

    page = await get("/api/v1/clusters/admin/views/secrets", q="leaky")
    assert [r["name"] for r in page["rows"]] == ["leaky"]
    page = await get("/api/v1/clusters/restricted/views/secrets", namespace="team-a")
    assert "leaky" in [r["name"] for r in page["rows"]]
    obj_path = "/api/v1/clusters/admin/objects/core/v1/secrets/team-a/leaky"
    obj = await get(obj_path)
    assert obj["data"] == {"password": MARKER_BYTES}  # values become their byte length
    assert LAST_APPLIED not in obj["metadata"].get("annotations", {})
    await get(obj_path, format="yaml")
    await get(obj_path, managedFields="1")
    await get("/api/v1/clusters/restricted/objects/core/v1/secrets/team-a/leaky")
    await get("/api/v1/clusters/admin/events", limit="1000")
    await get("/api/v1/diagnostics")
    await get("/api/v1/clusters/admin")

    async with live_socket(s) as live:
        await live.send(
            op="subscribe",
            sub="s1",
            cluster="admin",
            view="secrets",
            query={"namespace": "team-a"},
            window={"offset": 0, "limit": 100},
        )
        frame = await live.page()
        assert "leaky" in [r["name"] for r in frame["rows"]]
        ns, name, _ = deployment_with_pods(s.sim)
        target = {"namespace": ns, "workload": {"kind": "Deployment", "name": name}}
        await live.send(op="logs", sub="l1", cluster="admin", target=target, options={"tail": 5})
        await live.next(lambda f: f.get("type") == "logs" and bool(f["lines"]), timeout=10)
        answers += [json.dumps(f).encode() for f in live.frames]

    status, body, _ = await s.post(
        "/api/v1/clusters/admin/actions/delete",
        {"resource": "secrets", "namespace": "team-a", "name": "leaky", "dryRun": True},
    )
    answers.append(json.dumps(body).encode())
    assert status == 200, body
    await get("/api/v1/audit")


async def test_a_secret_value_is_never_served_stored_or_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    marker = f"masthead-leak-marker-{uuid.uuid4().hex}"
    assert len(marker) == MARKER_BYTES
    data_dir = tmp_path / "data"
    answers: list[bytes] = []
    async with served(connect=("admin", "restricted"), data_dir=data_dir, feeds=FAST_FEEDS) as s:
        info = s.sim.info("", "v1", "secrets")
        s.sim.registry.create(info, "team-a", secret(marker), WriteContext("test"))
        stored = s.sim.store.get(("", "secrets"), "team-a", "leaky")
        assert stored is not None and marker.encode() in stored.raw
        await exercise(s, answers)
    files = [p for p in data_dir.rglob("*") if p.is_file()]
    assert any(p.name.endswith(".sqlite3") for p in files), files
    for form in forms(marker):
        for body in answers:
            assert form not in body, body[:500]
        for p in files:
            assert form not in p.read_bytes(), p
        assert form.decode() not in caplog.text
    # The marker was there to find: the simulator's own store holds it (plain, in the
    # annotation, and base64 in data), so the checks above could fail.


async def test_the_restricted_context_never_sees_the_admins_rows() -> None:
    async with served(connect=("admin", "restricted")) as s:
        admin = await s.page("admin", "configmaps", limit=1000)
        assert {r["namespace"] for r in admin["rows"]} - {"team-a", "team-b", "team-c"}
        for query in ({}, {"namespace": "kube-system"}, {"namespace": "team-a,kube-system"}):
            status, page, _ = await s.get(
                "/api/v1/clusters/restricted/views/configmaps",
                params={**query, "limit": "1000"},
            )
            rows = page["rows"] if status == 200 else []
            assert {r["namespace"] for r in rows} <= {"team-a", "team-b", "team-c"}, query
        # The admin's page version is no validator for the restricted page.
        status, _, _ = await s.get(
            "/api/v1/clusters/restricted/views/configmaps",
            headers={"If-None-Match": f'"{admin["version"]}"'},
            params={"limit": "1000"},
        )
        assert status == 200
        async with live_socket(s) as live:
            await live.send(
                op="subscribe",
                sub="s1",
                cluster="restricted",
                view="configmaps",
                query={},
                window={"offset": 0, "limit": 1000},
            )
            frame = await live.page()
            assert {r["namespace"] for r in frame["rows"]} <= {"team-a", "team-b", "team-c"}
