"""Operations (protocol.md §6): `/api/v1/diagnostics[?reset=1]`, `/healthz`, `/readyz`.

`reset=1` answers, then starts `live.frame_latency` over: a caller's measuring window (a
bench's churn phase). The other figures are counters since start and are not reset.
"""

from __future__ import annotations

import dataclasses

from aiohttp import web

from masthead.api.context import context_of
from masthead.api.errors import bad_parameter, json_response
from masthead.api.live import LIVE_HUB
from masthead.api.loop_lag import LOOP_LAG
from masthead.kube.memtrim import STATS as MEMORY_RELEASES
from masthead.store.sorted_index import SORTED_BUILDS


async def diagnostics(request: web.Request) -> web.Response:
    reset = request.query.get("reset", "0")
    if reset not in ("0", "1"):
        raise bad_parameter("reset", f"reset must be 0 or 1, got {reset!r}")
    ctx = context_of(request)
    c = ctx.counters
    visible = {s.id for s in ctx.visible_sessions()}
    registry = ctx.registry.snapshot()
    registry["clusters"] = [s.snapshot() for s in ctx.visible_sessions()]
    tables = {
        cid: {
            "change_notifications": t.hub.notifications,
            "change_fanouts": t.hub.fanouts,
            "listeners": t.hub.listeners(),
            "interned": len(t.interner),
            "object_cache": ctx.object_cache.cluster_dict(cid),
        }
        for cid, t in ctx.registry.tables.items()
        if cid in visible
    }
    live = request.app[LIVE_HUB]
    body = {
        "api": {
            "pages_built": c.pages_built,
            "pages_not_modified": c.pages_not_modified,
            "objects_fetched": c.objects_fetched,
            "refused": dict(ctx.security.refused),
        },
        "object_cache": ctx.object_cache.as_dict(),
        "live": live.as_dict(),
        "loop": request.app[LOOP_LAG].as_dict(),
        "tables": tables,
        "registry": registry,
        "users": ctx.security.users.as_dict() if ctx.security.users is not None else None,
        "feeds": ctx.feeds.as_dict() if ctx.feeds is not None else None,
        "snapshots": ctx.registry.warm.as_dict() if ctx.registry.warm is not None else None,
        "drains": ctx.drains.as_dict(),
        "memory_releases": MEMORY_RELEASES.as_dict(),
        "sorted_builds": dataclasses.asdict(SORTED_BUILDS),
    }
    if reset == "1":
        live.frame_latency.reset()
        body["reset"] = True
    return json_response(body)


async def healthz(request: web.Request) -> web.Response:
    return web.Response(text="ok")


async def readyz(request: web.Request) -> web.Response:
    return web.Response(text="ok")
