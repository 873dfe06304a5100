"""Events history (protocol.md §4): `GET /api/v1/clusters/{id}/events/stream` as server-sent
events and `GET /api/v1/clusters/{id}/events` as a page of the persisted history.

Every cluster's events source records into the `EventsHistory` (SQLite in the data dir), whose
row ids are the SSE ids: monotonic per cluster, never reused, surviving restarts. A stream
starts live, or — with `Last-Event-ID` (header, or `?lastEventId=`) or `?since=<time>` —
replays from the database first and then continues live without a gap or a duplicate.
"""

from __future__ import annotations

import contextlib

from aiohttp import web

from masthead.api.context import ApiContext, context_of
from masthead.api.errors import bad_parameter, json_response
from masthead.api.logs import last_event_id, open_sse, parse_time, sse_event
from masthead.api.pages import open_sources
from masthead.api.params import int_param
from masthead.cluster import ClusterSession
from masthead.feeds.events_history import EventFilter
from masthead.kube.access import AccessMode
from masthead.views.catalogue import VIEWS
from masthead.views.page import rfc3339
from masthead.views.query import MAX_LIMIT

_FILTERS = ("namespace", "type", "involved")
EVENT_TYPES = ("Normal", "Warning")  # core/v1 Event types


def _filter(
    session: ClusterSession,
    request: web.Request,
    extra: tuple[str, ...],
    readable: frozenset[str] | None = None,
) -> EventFilter:
    q = request.query
    unknown = [k for k in q if k not in (*_FILTERS, *extra)]
    if unknown:
        raise bad_parameter(unknown[0], f"unknown parameter {unknown[0]!r}")
    kind = q.get("type") or None
    if kind is not None and kind not in EVENT_TYPES:
        raise bad_parameter("type", f"type must be one of {', '.join(EVENT_TYPES)}, got {kind!r}")
    return EventFilter(
        cluster=session.id,
        namespace=q.get("namespace") or None,
        involved_uid=q.get("involved") or None,
        type=kind,
        readable=readable,
    )


async def _readable(ctx: ApiContext, session: ClusterSession) -> frozenset[str] | None:
    """In-cluster mode: the namespaces where the user may read events now (the history
    keeps what they could read before a revocation); None: no limit."""
    if ctx.security.users is None:
        return None
    await _ensure_recording(ctx, session)
    for group in session.resources:
        r, plan = group.resource, group.plan
        if r is None or plan is None or (r.group, r.resource) != ("", "events"):
            continue
        if plan.mode is AccessMode.CLUSTER:
            return None
        return frozenset(plan.namespaces)
    return frozenset()


def _since(request: web.Request) -> float | None:
    return parse_time(request.query.get("since"), "since")


async def _ensure_recording(ctx: ApiContext, session: ClusterSession) -> None:
    """The events source feeds the history: make sure it runs (the server opens it at
    connect; a cluster connected later through the API gets it here). Errors (not connected,
    forbidden) do not stop a stream: the history still has what was recorded."""
    with contextlib.suppress(Exception):
        await open_sources(session, VIEWS["events"])


async def events_stream(request: web.Request) -> web.StreamResponse:
    ctx = context_of(request)
    session = ctx.session(request.match_info["cluster"])
    flt = _filter(session, request, ("since", "lastEventId"), await _readable(ctx, session))
    last = last_event_id(request)
    since = _since(request) if last is None else None
    feeds = ctx.need_feeds()
    await _ensure_recording(ctx, session)
    sub = feeds.history.subscribe(flt, last, since)
    feeds.event_streams.add(sub)
    try:
        resp = await open_sse(request)
        while True:
            entry = await sub.next(timeout=feeds.tuning.keepalive)
            if entry is None:
                if sub not in feeds.history._subscribers:  # closed: shutdown
                    break
                await resp.write(b": keepalive\n\n")
                continue
            await resp.write(sse_event("event", entry_json(entry.as_dict()), entry.id))
        return resp
    except (ConnectionResetError, ConnectionError):
        return web.StreamResponse()
    finally:
        sub.close()
        feeds.event_streams.discard(sub)


def entry_json(d: dict[str, object]) -> dict[str, object]:
    """Times as RFC 3339 beside the epoch seconds the history stores."""
    out = dict(d)
    for k in ("first_seen", "last_seen", "recorded"):
        v = d.get(k)
        if isinstance(v, int | float):
            out[k] = rfc3339(float(v))
    return out


async def events_history(request: web.Request) -> web.Response:
    """`GET .../events?namespace=&type=&involved=&since=&before=<id>&limit=` → newest first:
    `{"cluster", "items": [...], "next": <id for ?before=> | null}`."""
    ctx = context_of(request)
    session = ctx.session(request.match_info["cluster"])
    flt = _filter(session, request, ("since", "before", "limit"), await _readable(ctx, session))
    limit = int_param(request, "limit", 100, 0, MAX_LIMIT)
    before = int_param(request, "before", None)
    feeds = ctx.need_feeds()
    await feeds.history.flush()
    rows = await feeds.history.query(
        flt, before_id=before, since_time=_since(request), limit=limit, newest_first=True
    )
    items = [entry_json(e.as_dict()) for e in rows]
    nxt = rows[-1].id if len(rows) == limit and rows else None
    return json_response({"cluster": session.id, "items": items, "next": nxt})
