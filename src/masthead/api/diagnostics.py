"""Operations (protocol.md §6): `/api/v1/diagnostics`, `/healthz`, `/readyz`."""

from __future__ import annotations

import dataclasses

from aiohttp import web

from masthead.api.context import context_of
from masthead.api.errors import json_response
from masthead.api.live import LIVE_HUB
from masthead.api.loop_lag import LOOP_LAG
from masthead.kube.memtrim import STATS as MEMORY_RELEASES
from masthead.store.sorted_index import SORTED_BUILDS


async def diagnostics(request: web.Request) -> web.Response:
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
    return json_response(
        {
            "api": {
                "pages_built": c.pages_built,
                "pages_not_modified": c.pages_not_modified,
                "objects_fetched": c.objects_fetched,
                "refused": dict(ctx.security.refused),
            },
            "object_cache": ctx.object_cache.as_dict(),
            "live": request.app[LIVE_HUB].as_dict(),
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
    )


async def healthz(request: web.Request) -> web.Response:
    return web.Response(text="ok")


async def readyz(request: web.Request) -> web.Response:
    return web.Response(text="ok")
