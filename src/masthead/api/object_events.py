"""`GET .../objects/{group}/{version}/{resource}/{namespace|_}/{name}/events?since=&limit=` —
the object's events, live (the cluster's events table) and recorded (the SQLite history,
which keeps them for days after the API server's one-hour TTL), one entry per event in its
latest state, newest first: `{items, history}` (`history`: false when the history is not
running and only live events are shown).

The object is read (through the object cache) for its uid, so a deleted object answers 404.
"""

from __future__ import annotations

from aiohttp import web

from masthead.api.context import context_of
from masthead.api.errors import bad_parameter, json_response
from masthead.api.events import entry_json
from masthead.api.logs import parse_time
from masthead.api.objects import address_of, fetch, only_params
from masthead.feeds.events_history import EventFilter
from masthead.objects.events import live_entry, merge_events
from masthead.objects.tables import resource_tables
from masthead.store.projection.events import EventRow
from masthead.views.query import MAX_LIMIT

_PARAMS = frozenset({"since", "limit"})
# History rows read per request, per wanted item: an event seen N times has up to N rows.
_ROWS_PER_ITEM = 5


def _limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return 100
    try:
        limit = int(raw)
    except ValueError:
        raise bad_parameter("limit", f"limit must be an integer, got {raw!r}") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise bad_parameter("limit", f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
    return limit


async def object_events(request: web.Request) -> web.Response:
    ctx = context_of(request)
    session = ctx.session(request.match_info["cluster"])
    only_params(request, _PARAMS)
    limit = _limit(request.query.get("limit"))
    since = parse_time(request.query.get("since"), "since")
    addr = address_of(request)
    obj = (await fetch(request, session, addr)).obj
    uid = str((obj.get("metadata") or {}).get("uid") or "")
    live = [
        live_entry(session.id, row)
        for table in (resource_tables(session, "", "events") if uid else [])
        for row in (table.get(u) for u in table.by_owner.uids(uid))
        if isinstance(row, EventRow)
    ]
    recorded = []
    if ctx.feeds is not None and uid:
        history = ctx.feeds.history
        await history.flush()
        rows = await history.query(
            EventFilter(session.id, involved_uid=uid),
            since_time=since,
            limit=min(limit * _ROWS_PER_ITEM, MAX_LIMIT * _ROWS_PER_ITEM),
        )
        recorded = [e.as_dict() for e in rows]
    items = merge_events(recorded, live, since=since, limit=limit)
    return json_response(
        {"items": [entry_json(e) for e in items], "history": ctx.feeds is not None}
    )
