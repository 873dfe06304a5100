"""Actions with guard rails (issue 9): `POST /api/v1/clusters/{id}/actions/{action}` with a
JSON body, and the audit log `GET /api/v1/audit`.

Every action passes, in order:
1. the security middleware (token or session cookie, and an Origin check: this is a POST);
2. the protected-context check: a read-only context (`--read-only CONTEXT`, or a context name
   matching `--read-only-pattern GLOB`) refuses every action with 403 `ReadOnly`;
3. body validation (400 naming the parameter);
4. a permission pre-check: SelfSubjectAccessReview of each verb the action needs, through the
   cluster's `AccessChecker`; a denial is 403 `Forbidden` with the reviewer's reason;
5. the request itself, with the cluster's credentials: its answer is returned verbatim (the
   object or Scale the API server sent, with its status code); an error comes back in the error
   envelope with the API server's Status in `details.status`.

`"dryRun": true` in the body sends `dryRun=All`: the API server's answer shows what would
happen, nothing is written. Every request that names a known action is recorded in the audit
table (refusals and dry runs included); the answer carries its row id in `X-Masthead-Audit-Id`.
"""

from __future__ import annotations

import getpass
import logging
import sqlite3
import time
from typing import Any

import orjson
from aiohttp import web

from masthead.actions import ACTIONS, ActionInvalid, Answer, Plan, plan
from masthead.api.context import ApiContext, context_of
from masthead.api.errors import ApiProblem, bad_parameter, json_response
from masthead.api.pages import not_connected
from masthead.api.params import int_param
from masthead.cluster import ClusterSession, ClusterState
from masthead.kube.errors import ApiError, ApiStatus, TransportError
from masthead.persist.db import Database, DatabaseError
from masthead.views.page import rfc3339

log = logging.getLogger(__name__)

AUDIT_HEADER = "X-Masthead-Audit-Id"
MAX_AUDIT_LIMIT = 1000
DEFAULT_AUDIT_LIMIT = 100
_FLAG_STR = {"1": True, "true": True, "0": False, "false": False, "": False}


def _local_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (containers without a passwd entry)
        return "unknown"


LOCAL_USER = _local_user()


def who(ctx: ApiContext, request: web.Request) -> str:
    """The local user and how this request was authenticated."""
    via = "token" if ctx.security.bearer(request) else "browser session"
    return f"{LOCAL_USER} ({via})"


async def _body(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    try:
        body = orjson.loads(raw) if raw.strip() else {}
    except orjson.JSONDecodeError as e:
        raise bad_parameter("body", f"the body is not JSON: {e}") from None
    if not isinstance(body, dict):
        raise bad_parameter("body", "the body must be a JSON object")
    return body


def _dry_run(body: dict[str, Any]) -> bool:
    value = body.pop("dryRun", False)
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    flag = _FLAG_STR.get(value.lower()) if isinstance(value, str) else None
    if flag is None:
        raise bad_parameter("dryRun", "dryRun must be true/false or 1/0")
    return flag


def _status_object(s: ApiStatus) -> dict[str, Any]:
    """The API server's Status (as metav1.Status)."""
    status: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "message": s.message,
        "reason": s.reason,
        "code": s.code,
    }
    if s.causes:
        status["details"] = {"causes": [{"reason": c} for c in s.causes]}
    return status


class _Audit:
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


async def run_action(request: web.Request) -> web.Response:
    ctx = context_of(request)
    session = ctx.session(request.match_info["cluster"])
    action = request.match_info["action"]
    if action not in ACTIONS:
        raise ApiProblem(
            404,
            f"no action {action!r} (one of {', '.join(ACTIONS)})",
            reason="NotFound",
            cluster=session.id,
        )
    if ctx.feeds is None:  # no audit log, no actions
        raise ApiProblem(503, "the audit log is not available", reason="Unavailable")
    if ctx.is_read_only(session):  # before anything else: even a malformed body is refused
        try:
            body = await _body(request)
        except ApiProblem:
            body = {}
        audit = _Audit(ctx.feeds.db, who(ctx, request), session, action, body, False)
        raise await audit.refuse(
            ApiProblem(
                403,
                f"context {session.entry.context!r} is read-only: masthead refuses every action"
                " on it",
                reason="ReadOnly",
                cluster=session.id,
            )
        )
    body = await _body(request)
    audit = _Audit(ctx.feeds.db, who(ctx, request), session, action, body, False)
    audit.dry_run = _dry_run(body)
    try:
        p = plan(action, body)
    except ActionInvalid as e:
        raise bad_parameter(e.parameter, e.message) from None
    audit.planned(p)
    transport, access = session.transport, session.access
    if (
        transport is None
        or access is None
        or session.state in (ClusterState.IDLE, ClusterState.CONNECTING)
    ):
        raise await audit.refuse(not_connected(session))
    source = f"{p.target.resource}.{p.target.group}" if p.target.group else p.target.resource
    try:
        for check in p.checks:
            decision = await access.can(
                check.verb,
                check.group,
                check.resource,
                check.namespace,
                subresource=check.subresource,
                refresh=True,  # a mutation asks now: a grant or revocation counts at once
            )
            if not decision.allowed:
                why = decision.reason or decision.evaluation_error
                message = f"not allowed to {check.describe()}" + (f": {why}" if why else "")
                raise await audit.refuse(
                    ApiProblem(
                        403,
                        message,
                        reason="Forbidden",
                        cluster=session.id,
                        source=source,
                        details={
                            "check": {
                                "verb": check.verb,
                                "group": check.group,
                                "resource": check.resource,
                                "subresource": check.subresource,
                                "namespace": check.namespace,
                            },
                            "reason": why,
                        },
                    )
                )
        answer: Answer = await p.run(transport, audit.dry_run)
    except ApiError as e:
        s = e.status
        code = s.code if 400 <= s.code < 600 else 502
        raise await audit.refuse(
            ApiProblem(
                code,
                s.message,
                reason=s.reason or None,
                cluster=session.id,
                source=source,
                details={"status": _status_object(s)},
            )
        ) from None
    except TransportError as e:
        raise await audit.refuse(
            ApiProblem(502, str(e), reason="Unreachable", cluster=session.id)
        ) from None
    audit_id = await audit.record(answer.status, "", "dry run" if audit.dry_run else "")
    headers = {AUDIT_HEADER: str(audit_id)} if audit_id is not None else None
    return json_response(answer.body, answer.status, headers)


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


async def audit_log(request: web.Request) -> web.Response:
    """Newest first: `limit` (≤ 1000, default 100), `before=<id>`, `cluster=<id>`."""
    ctx = context_of(request)
    for name in request.query:
        if name not in ("limit", "before", "cluster"):
            raise bad_parameter(name, f"unknown parameter {name!r}")
    limit = int_param(request, "limit", DEFAULT_AUDIT_LIMIT, 1, MAX_AUDIT_LIMIT)
    before = int_param(request, "before", None, 1)
    cluster = request.query.get("cluster")
    feeds = ctx.need_feeds()
    where: list[str] = []
    args: list[int | str] = []
    if before is not None:
        where.append("id < ?")
        args.append(before)
    if cluster:
        where.append("cluster = ?")
        args.append(ctx.session(cluster).id)
    sql = f"SELECT {_AUDIT_COLUMNS} FROM audit"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY id DESC LIMIT ?"
    args.append(limit + 1)

    def read(c: sqlite3.Connection) -> list[tuple[Any, ...]]:
        return list(c.execute(sql, args).fetchall())

    rows = await feeds.db.read(read)
    items = [_audit_item(r) for r in rows[:limit]]
    more = len(rows) > limit
    return json_response({"items": items, "next": items[-1]["id"] if more else None})
