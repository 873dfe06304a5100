"""Drains in the background: started by `POST …/actions/drain` (202 with the drain), read with
`GET …/drains/{id}`, followed with `GET …/drains/{id}/stream` (SSE, event `drain` on each change,
ending when the drain does) and cancelled with `DELETE …/drains/{id}`."""

from __future__ import annotations

import contextlib

from aiohttp import web

from masthead.actions import Plan
from masthead.actions.drain import Drain, DrainOptions
from masthead.actions.drain_runs import DrainRefused
from masthead.api.audit import Audit
from masthead.api.context import context_of
from masthead.api.errors import ApiProblem, json_response
from masthead.api.logs import open_sse, sse_event
from masthead.cluster import ClusterSession
from masthead.kube.transport import Transport

KEEPALIVE = 15.0


async def start_drain(
    request: web.Request, session: ClusterSession, p: Plan, transport: Transport, audit: Audit
) -> web.Response:
    ctx = context_of(request)
    options = p.background
    assert isinstance(options, DrainOptions)

    async def finished(drain: Drain) -> None:
        end = Audit(audit.db, audit.who, session, "drain", {}, False)
        end.planned(p)
        end.params = {**end.params, "drain": drain.id, "state": drain.state}
        counts: dict[str, int] = {}
        for pod in drain.pods:
            counts[pod.state] = counts.get(pod.state, 0) + 1
        summary = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
        code = 200 if drain.state == "done" else 500 if drain.state == "failed" else 409
        await end.record(code, drain.state, "; ".join(x for x in (drain.message, summary) if x))

    try:
        drain = ctx.drains.start(session.id, options, transport, finished)
    except DrainRefused as e:
        raise await audit.refuse(
            ApiProblem(e.code, e.message, reason=e.reason, cluster=session.id)
        ) from None
    audit.params = {**audit.params, "drain": drain.id}
    audit_id = await audit.record(202, "", "started")
    headers = {"X-Masthead-Audit-Id": str(audit_id)} if audit_id is not None else None
    return json_response(drain.snapshot(), 202, headers)


def _drain(request: web.Request) -> Drain:
    ctx = context_of(request)
    session = ctx.session(request.match_info["cluster"])
    drain_id = request.match_info["drain"]
    drain = ctx.drains.get(session.id, drain_id)
    if drain is None:
        raise ApiProblem(
            404, f"no drain {drain_id!r} (finished drains are kept for a while only)",
            reason="NotFound", cluster=session.id,
        )  # fmt: skip
    return drain


async def get_drain(request: web.Request) -> web.Response:
    return json_response(_drain(request).snapshot())


async def cancel_drain(request: web.Request) -> web.Response:
    ctx = context_of(request)
    drain = _drain(request)
    ctx.drains.cancel(drain.cluster, drain.id)
    return json_response(drain.snapshot())


async def drain_stream(request: web.Request) -> web.StreamResponse:
    """Latest-wins: each change sends the whole drain (no queue to overflow)."""
    drain = _drain(request)
    resp = await open_sse(request)
    with contextlib.suppress(ConnectionError):
        seen = drain.version
        await resp.write(sse_event("drain", drain.snapshot(), seen))
        while not drain.finished:
            if not await drain.changed(seen, KEEPALIVE):
                await resp.write(b": keepalive\n\n")
                continue
            seen = drain.version
            await resp.write(sse_event("drain", drain.snapshot(), seen))
        if drain.version != seen:  # it finished while the last frame was being sent
            await resp.write(sse_event("drain", drain.snapshot(), drain.version))
        await resp.write_eof()
    return resp
