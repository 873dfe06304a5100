"""The action audit log: one row per action asked of masthead (allowed or refused), read back
newest first (`GET /api/v1/audit`) or downloaded whole (`GET /api/v1/audit/export`)."""

from __future__ import annotations

import csv
import getpass
import io
import logging
import sqlite3
import time
from typing import Any

import orjson
from aiohttp import web

from masthead.actions import Plan
from masthead.api.context import ApiContext, context_of
from masthead.api.errors import ApiProblem, bad_parameter, json_response
from masthead.api.params import int_param
from masthead.cluster import ClusterSession
from masthead.identity import current_user
from masthead.kube.kubeconfig import IN_CLUSTER
from masthead.persist.db import Database, DatabaseError
from masthead.views.page import rfc3339

log = logging.getLogger(__name__)

MAX_AUDIT_LIMIT = 1000
DEFAULT_AUDIT_LIMIT = 100
EXPORT_BATCH = 1000  # rows per read while exporting: memory stays flat for any log size
EXPORT_FORMATS = ("jsonl", "csv")
CSV_COLUMNS = (
    "id", "at", "who", "cluster", "context", "action", "group", "resource", "namespace", "name",
    "parameters", "dryRun", "code", "reason", "message",
)  # fmt: skip


def _local_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (containers without a passwd entry)
        return "unknown"


LOCAL_USER = _local_user()


def who(ctx: ApiContext, request: web.Request) -> str:
    """The local user (in-cluster: the Kubernetes user) and how this request was
    authenticated."""
    user = current_user()
    if user is not None:
        return f"{user.identity.username} ({'token' if user.via == 'token' else 'login'})"
    via = "token" if ctx.security.bearer(request) else "browser session"
    return f"{LOCAL_USER} ({via})"


class Audit:
    """One action's audit row, written once its outcome is known."""

    def __init__(
        self,
        db: Database,
        who: str,
        session: ClusterSession,
        action: str,
        body: dict[str, Any],
        dry_run: bool,
    ) -> None:
        self.db = db
        self.who = who
        self.session = session
        self.action = action
        self.dry_run = dry_run
        self.target = {
            k: str(body.get(k) or "") for k in ("group", "resource", "namespace", "name")
        }
        self.params: dict[str, Any] = {}
        self.at = time.time()

    def planned(self, p: Plan) -> None:
        t = p.target
        self.target = {
            "group": t.group,
            "resource": t.resource,
            "namespace": t.namespace,
            "name": t.name,
        }
        self.params = dict(p.params)

    async def record(self, code: int, reason: str, message: str) -> int | None:
        row = (
            self.at,
            self.who,
            self.session.id,
            self.session.entry.context,
            self.action,
            self.target["group"],
            self.target["resource"],
            self.target["namespace"],
            self.target["name"],
            orjson.dumps(self.params).decode(),
            int(self.dry_run),
            code,
            reason,
            message,
        )

        def insert(c: sqlite3.Connection) -> int:
            cur = c.execute(
                "INSERT INTO audit (at, who, cluster, context, action, api_group, resource,"
                " namespace, name, parameters, dry_run, code, reason, message)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            return int(cur.lastrowid or 0)

        try:
            return await self.db.call(insert)
        except (DatabaseError, sqlite3.Error):
            log.exception("audit record of %s on %s failed", self.action, self.session.id)
            return None

    async def refuse(self, problem: ApiProblem) -> ApiProblem:
        audit_id = await self.record(problem.code, problem.reason, problem.message)
        if audit_id is not None:
            problem.details = {**(problem.details or {}), "auditId": audit_id}
        return problem


_AUDIT_COLUMNS = (
    "id, at, who, cluster, context, action, api_group, resource, namespace, name,"
    " parameters, dry_run, code, reason, message"
)


def _audit_item(row: tuple[Any, ...]) -> dict[str, Any]:
    (id_, at, who_, cluster, context, action, group, resource, ns, name, params, dry, code,
     reason, message) = row  # fmt: skip
    return {
        "id": id_,
        "at": rfc3339(at),
        "who": who_,
        "cluster": cluster,
        "context": context,
        "action": action,
        "object": {"group": group, "resource": resource, "namespace": ns, "name": name},
        "parameters": orjson.loads(params),
        "dryRun": bool(dry),
        "result": {"code": code, "reason": reason, "message": message},
    }


def _only(request: web.Request, allowed: tuple[str, ...]) -> None:
    for name in request.query:
        if name not in allowed:
            raise bad_parameter(name, f"unknown parameter {name!r}")


async def _rows(
    ctx: ApiContext, past: int | None, cluster: str | None, limit: int, newest_first: bool
) -> list[tuple[Any, ...]]:
    """Up to `limit` rows past the id `past` (below it newest first, above it oldest first)."""
    where: list[str] = []
    args: list[int | str] = []
    if past is not None:
        where.append("id < ?" if newest_first else "id > ?")
        args.append(past)
    if ctx.security.users is not None:  # in-cluster: a user sees their own rows only
        cluster = cluster or IN_CLUSTER
    if cluster:
        where.append("cluster = ?")
        args.append(ctx.session(cluster).id)
    sql = f"SELECT {_AUDIT_COLUMNS} FROM audit"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += f" ORDER BY id {'DESC' if newest_first else 'ASC'} LIMIT ?"
    args.append(limit)

    def read(c: sqlite3.Connection) -> list[tuple[Any, ...]]:
        return list(c.execute(sql, args).fetchall())

    return await ctx.need_feeds().db.read(read)


async def audit_log(request: web.Request) -> web.Response:
    """Newest first: `limit` (≤ 1000, default 100), `before=<id>`, `cluster=<id>`."""
    ctx = context_of(request)
    _only(request, ("limit", "before", "cluster"))
    limit = int_param(request, "limit", DEFAULT_AUDIT_LIMIT, 1, MAX_AUDIT_LIMIT)
    before = int_param(request, "before", None, 1)
    rows = await _rows(ctx, before, request.query.get("cluster"), limit + 1, True)
    items = [_audit_item(r) for r in rows[:limit]]
    more = len(rows) > limit
    return json_response({"items": items, "next": items[-1]["id"] if more else None})


def _csv_row(item: dict[str, Any]) -> list[Any]:
    o, r = item["object"], item["result"]
    return [
        item["id"], item["at"], item["who"], item["cluster"], item["context"], item["action"],
        o["group"], o["resource"], o["namespace"], o["name"],
        orjson.dumps(item["parameters"]).decode(), str(item["dryRun"]).lower(),
        r["code"], r["reason"], r["message"],
    ]  # fmt: skip


async def audit_export(request: web.Request) -> web.StreamResponse:
    """The whole log, oldest first, as a download: `format=jsonl` (default) or `csv`,
    `cluster=<id>`. Streamed in batches so the log's size does not matter."""
    ctx = context_of(request)
    _only(request, ("format", "cluster"))
    # An empty `format=` is not the default: the document's enum refuses it (schemathesis).
    fmt = request.query.get("format", "jsonl")
    if fmt not in EXPORT_FORMATS:
        raise bad_parameter("format", f"format must be one of {', '.join(EXPORT_FORMATS)}")
    cluster = request.query.get("cluster")
    if cluster:
        ctx.session(cluster)  # 404 before the download starts
    ctx.need_feeds()
    resp = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8" if fmt == "csv" else "application/x-ndjson",
            "Content-Disposition": f'attachment; filename="masthead-audit.{fmt}"',
        }
    )
    await resp.prepare(request)
    if fmt == "csv":
        await resp.write(_csv_line(list(CSV_COLUMNS)))
    after: int | None = None
    while True:
        rows = await _rows(ctx, after, cluster, EXPORT_BATCH, False)
        for row in rows:
            item = _audit_item(row)
            if fmt == "csv":
                await resp.write(_csv_line(_csv_row(item)))
            else:
                await resp.write(orjson.dumps(item) + b"\n")
        if len(rows) < EXPORT_BATCH:
            break
        after = int(rows[-1][0])
    await resp.write_eof()
    return resp


def _csv_line(values: list[Any]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerow(values)
    return buf.getvalue().encode()
