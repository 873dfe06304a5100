"""Contexts marked "confirm" (destructive actions need the object's name typed back, 428
otherwise) and the audit export (JSON lines and CSV)."""

from __future__ import annotations

import argparse
import csv
import io

import orjson
import pytest

from masthead.api import audit as audit_api
from masthead.cli import _server_options
from tests.api.harness import served
from tests.api.test_actions import act, audit, obj


def test_confirm_options() -> None:
    p = argparse.ArgumentParser()
    _server_options(p)
    args = p.parse_args(["--confirm", "prod", "--confirm-pattern", "*-live", "--confirm", "x"])
    assert args.confirm == ["prod", "x"] and args.confirm_pattern == ["*-live"]


async def test_destructive_actions_need_the_name_on_confirm_contexts() -> None:
    async with served(confirm=("admin",)) as s:
        _, clusters, _ = await s.get("/api/v1/clusters")
        assert {c["id"]: c["confirm"] for c in clusters} == {"admin": True, "restricted": False}
        pods = await s.page("admin", "pods", namespace="team-a")
        pod = pods["rows"][0]["name"]
        body = {"resource": "pods", "namespace": "team-a", "name": pod, "gracePeriodSeconds": 0}

        status, err, _ = await s.post(act("admin", "delete"), body)
        assert status == 428, err
        e = err["error"]
        assert e["reason"] == "ConfirmationRequired" and e["details"]["parameter"] == "confirm"
        assert e["details"]["expected"] == pod and "auditId" in e["details"]
        status, err, _ = await s.post(act("admin", "delete"), {**body, "confirm": "other"})
        assert status == 428 and "'other'" in err["error"]["message"], err
        status, err, _ = await s.post(act("admin", "delete"), {**body, "confirm": 7})
        assert status == 400 and err["error"]["details"]["parameter"] == "confirm"
        assert (await obj(s, "pods", "team-a", pod, g="core"))[0] == 200
        # A dry run changes nothing: no confirmation needed; neither for a scale.
        status, out, _ = await s.post(act("admin", "delete"), {**body, "dryRun": True})
        assert status == 200, out
        scale = {"namespace": "team-a", "name": "todo-api", "replicas": 2}
        status, out, _ = await s.post(act("admin", "scale"), scale)
        assert status == 200, out
        status, out, _ = await s.post(act("admin", "delete"), {**body, "confirm": pod})
        assert status == 200, out
        assert (await obj(s, "pods", "team-a", pod, g="core"))[0] == 404

        manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c1, namespace: team-a}\n"
        status, out, _ = await s.post(act("admin", "apply"), {"manifest": manifest})
        assert status == 201, out  # apply without force is not destructive
        destructive = {
            "apply": {"manifest": manifest, "force": True},
            "rollback": {"namespace": "team-a", "name": "todo-api"},
            "remove-finalizers": {"resource": "configmaps", "namespace": "team-a", "name": "c1"},
            "drain": {"name": "node-1"},
        }
        for action, b in destructive.items():
            status, err, _ = await s.post(act("admin", action), b)
            assert status == 428, (action, err)
        # The restricted context is not marked: its own rules apply (jane may not drain).
        status, err, _ = await s.post(act("restricted", "drain"), {"name": "node-1"})
        assert status == 403 and err["error"]["details"]["check"]["resource"] == "nodes", err

        rows = await audit(s)
        codes = [r["result"]["code"] for r in rows]
        assert codes.count(428) == 6
        assert rows[0]["action"] == "drain" and rows[0]["result"]["code"] == 403


async def test_audit_export_jsonl_and_csv(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit_api, "EXPORT_BATCH", 3)  # 4 rows: the export reads twice
    async with served() as s:
        for n in (1, 2, 3):
            status, _, _ = await s.post(
                act("admin", "scale"), {"namespace": "team-a", "name": "todo-api", "replicas": n}
            )
            assert status == 200
        status, _, _ = await s.post(act("restricted", "cordon"), {"name": "node-1"})
        assert status == 403
        rows = list(reversed(await audit(s)))  # oldest first, as the export

        async with s.http.get(s.base + "/api/v1/audit/export") as r:
            assert r.status == 200 and r.content_type == "application/x-ndjson"
            assert 'filename="masthead-audit.jsonl"' in r.headers["Content-Disposition"]
            raw = await r.read()
        lines = [orjson.loads(x) for x in raw.splitlines()]
        assert lines == rows and len(lines) == 4

        status, raw, r = await s.get("/api/v1/audit/export", params={"format": "csv"})
        assert status == 200 and r.content_type == "text/csv"
        table = list(csv.DictReader(io.StringIO(raw.decode())))
        assert [int(t["id"]) for t in table] == [row["id"] for row in rows]
        assert table[0]["action"] == "scale" and orjson.loads(table[0]["parameters"]) == {
            "replicas": 1
        }
        assert table[3]["cluster"] == "restricted" and table[3]["code"] == "403"
        assert table[3]["reason"] == "Forbidden" and table[0]["dryRun"] == "false"

        async with s.http.get(
            s.base + "/api/v1/audit/export", params={"cluster": "restricted"}
        ) as r:
            assert r.status == 200 and len((await r.read()).splitlines()) == 1
        for params, name in (
            ({"format": "xml"}, "format"),
            ({"format": ""}, "format"),  # empty is not the default (found by schemathesis)
            ({"limit": "3"}, "limit"),
        ):
            status, err, _ = await s.get("/api/v1/audit/export", params=params)
            assert status == 400 and err["error"]["details"]["parameter"] == name, err
        status, err, _ = await s.get("/api/v1/audit/export", params={"cluster": "nope"})
        assert status == 404, err
