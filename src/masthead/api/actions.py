"""Actions with guard rails (issue 9): `POST /api/v1/clusters/{id}/actions/{action}` with a
JSON body.

Every action passes, in order:
1. the security middleware (token or session cookie, and an Origin check: this is a POST);
2. the protected-context check: a read-only context (`--read-only CONTEXT`, or a context name
   matching `--read-only-pattern GLOB`) refuses every action with 403 `ReadOnly`;
3. body validation (400 naming the parameter);
4. on a "confirm" context (`--confirm`, `--confirm-pattern`), a destructive action that is not
   a dry run needs `confirm` = the object's name, else 428 `ConfirmationRequired`;
5. a permission pre-check: SelfSubjectAccessReview of each verb the action needs, through the
   cluster's `AccessChecker`; a denial is 403 `Forbidden` with the reviewer's reason;
6. the request itself, with the cluster's credentials: its answer is returned verbatim (the
   object or Scale the API server sent, with its status code); an error comes back in the error
   envelope with the API server's Status in `details.status` (and, for server-side apply
   conflicts, `details.conflicts`). A drain starts in the background instead (202).

`"dryRun": true` in the body sends `dryRun=All`: the API server's answer shows what would
happen, nothing is written. Every request that names a known action is recorded in the audit
log (refusals and dry runs included); the answer carries its row id in `X-Masthead-Audit-Id`.
"""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from masthead.actions import ACTIONS, ActionInvalid, Answer, Plan, plan
from masthead.actions.apply import conflicts_of
from masthead.api.audit import Audit, who
from masthead.api.context import ApiContext, context_of
from masthead.api.drains import start_drain
from masthead.api.errors import ApiProblem, bad_parameter, json_response
from masthead.api.pages import not_connected
from masthead.cluster import ClusterSession, ClusterState
from masthead.kube.errors import ApiError, ApiStatus, TransportError

AUDIT_HEADER = "X-Masthead-Audit-Id"
_FLAG_STR = {"1": True, "true": True, "0": False, "false": False, "": False}


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


def _confirm(body: dict[str, Any]) -> str | None:
    value = body.pop("confirm", None)
    if value is not None and not isinstance(value, str):
        raise bad_parameter("confirm", "confirm must be a string (the object's name)")
    return value


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
    if s.cause_details:
        status["details"] = {
            "causes": [
                {"reason": c.reason, "message": c.message, "field": c.field}
                for c in s.cause_details
            ]
        }
    elif s.causes:
        status["details"] = {"causes": [{"reason": c} for c in s.causes]}
    return status


async def _read_only_refusal(
    ctx: ApiContext, request: web.Request, session: ClusterSession, action: str
) -> ApiProblem:
    try:
        body = await _body(request)
    except ApiProblem:
        body = {}
    audit = Audit(ctx.need_feeds().db, who(ctx, request), session, action, body, False)
    return await audit.refuse(
        ApiProblem(
            403,
            f"context {session.entry.context!r} is read-only: masthead refuses every action on it",
            reason="ReadOnly",
            cluster=session.id,
        )
    )


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
        raise await _read_only_refusal(ctx, request, session, action)
    body = await _body(request)
    audit = Audit(ctx.feeds.db, who(ctx, request), session, action, body, False)
    audit.dry_run = _dry_run(body)
    confirm = _confirm(body)
    try:
        p = plan(action, body)
    except ActionInvalid as e:
        raise bad_parameter(e.parameter, e.message) from None
    if p.background is not None and audit.dry_run:  # else a "dry" drain would skip confirm
        raise bad_parameter("dryRun", f"{action} has no dry run")
    audit.planned(p)
    transport, access, discovery = session.transport, session.access, session.discovery
    if (
        transport is None
        or access is None
        or discovery is None
        or session.state in (ClusterState.IDLE, ClusterState.CONNECTING)
    ):
        raise await audit.refuse(not_connected(session))
    source = ""
    try:
        if p.resolve is not None:
            try:
                p = p.resolve(await discovery.types())
            except ActionInvalid as e:
                raise bad_parameter(e.parameter, e.message) from None
            audit.planned(p)
        source = f"{p.target.resource}.{p.target.group}" if p.target.group else p.target.resource
        confirmable = p.destructive and not audit.dry_run and ctx.needs_confirm(session)
        if confirmable and confirm != p.target.name:
            raise await audit.refuse(_confirmation_required(session, p, confirm))
        await _check_permissions(session, p, audit, source)
        if p.background is not None:
            return await start_drain(request, session, p, transport, audit)
        answer: Answer = await p.run(transport, audit.dry_run)
    except ActionInvalid as e:  # found wrong against the live object (rollback revision…)
        raise await audit.refuse(bad_parameter(e.parameter, e.message)) from None
    except ApiError as e:
        raise await audit.refuse(_api_problem(e.status, session, source)) from None
    except TransportError as e:
        raise await audit.refuse(
            ApiProblem(502, str(e), reason="Unreachable", cluster=session.id)
        ) from None
    audit_id = await audit.record(answer.status, "", "dry run" if audit.dry_run else "")
    headers = {AUDIT_HEADER: str(audit_id)} if audit_id is not None else {}
    resp = json_response(answer.body, answer.status, headers)
    for warning in answer.warnings:  # as the API server sends them (RFC 7234 warn-code 299)
        resp.headers.add("Warning", f'299 masthead "{warning}"')
    return resp


def _confirmation_required(session: ClusterSession, p: Plan, given: str | None) -> ApiProblem:
    what = f"{p.action} of {p.target.resource} {p.target.name!r}"
    why = "" if given is None else f" (got {given!r})"
    return ApiProblem(
        428,
        f'context {session.entry.context!r} asks for confirmation: send "confirm": '
        f"{p.target.name!r} to confirm the {what}{why}",
        reason="ConfirmationRequired",
        cluster=session.id,
        details={"parameter": "confirm", "expected": p.target.name},
    )


async def _check_permissions(session: ClusterSession, p: Plan, audit: Audit, source: str) -> None:
    access = session.access
    assert access is not None
    for check in p.checks:
        decision = await access.can(
            check.verb,
            check.group,
            check.resource,
            check.namespace,
            subresource=check.subresource,
            refresh=True,  # a mutation asks now: a grant or revocation counts at once
        )
        if decision.allowed:
            continue
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


def _api_problem(s: ApiStatus, session: ClusterSession, source: str) -> ApiProblem:
    details: dict[str, Any] = {"status": _status_object(s)}
    conflicts = conflicts_of(s)
    if conflicts:
        details["conflicts"] = conflicts
    return ApiProblem(
        s.code if 400 <= s.code < 600 else 502,
        s.message,
        reason=s.reason or None,
        cluster=session.id,
        source=source or None,
        details=details,
    )
