"""`create_app`: the aiohttp application — routes, middlewares, shared context."""

from __future__ import annotations

from aiohttp import web

from masthead.api import (
    actions,
    audit,
    clusters,
    diagnostics,
    drains,
    events,
    helm,
    history,
    kinds,
    live,
    login,
    logs,
    memory_trace,
    metrics,
    namespaces,
    object_events,
    objects,
    openapi,
    pages,
    relations,
    secrets,
    stalls,
    static,
)
from masthead.api.context import CONTEXT, ApiContext
from masthead.api.errors import ApiProblem, error_middleware
from masthead.api.live import LIVE_HUB, LiveHub
from masthead.api.loop_lag import LOOP_LAG, LoopLag
from masthead.api.memory_trace import MEMORY_TRACE, MemoryTrace, frames_from_env
from masthead.api.security import security_headers, security_middleware
from masthead.api.stalls import STALL_TRACE
from masthead.loop_stalls import StallTrace, threshold_from_env

V1 = "/api/v1"
C = V1 + "/clusters/{cluster}"
OBJ = C + "/objects/{group}/{version}/{resource}/{namespace}/{name}"


async def _api_not_found(request: web.Request) -> web.Response:
    raise ApiProblem(404, f"no endpoint {request.method} {request.path}")


def create_app(ctx: ApiContext) -> web.Application:
    app = web.Application(middlewares=[error_middleware, security_middleware(ctx.security)])
    app[CONTEXT] = ctx
    hub = LiveHub(ctx)
    app[LIVE_HUB] = hub
    app.on_response_prepare.append(security_headers)
    if ctx.security.users is not None:
        app[login.USER_AUTH] = ctx.security.users

    async def close_sockets(app: web.Application) -> None:
        if ctx.feeds is not None:  # SSE handlers and log followers end now, not at a timeout
            await ctx.feeds.close_followers()
        await hub.close()
        await ctx.drains.close()

    app.on_shutdown.append(close_sockets)
    lag = app[LOOP_LAG] = LoopLag()

    async def start_lag(app: web.Application) -> None:
        lag.start()
        ctx.malloc_trimmer.start()

    async def stop_lag(app: web.Application) -> None:
        await lag.stop()
        await ctx.malloc_trimmer.stop()

    app.on_startup.append(start_lag)
    trace = app[MEMORY_TRACE] = MemoryTrace(frames_from_env())
    trace.start()

    async def stop_trace(app: web.Application) -> None:
        trace.stop()

    app.on_cleanup.append(stop_trace)
    stall_trace = app[STALL_TRACE] = StallTrace(threshold_from_env())

    async def start_stall_trace(app: web.Application) -> None:
        stall_trace.start()

    async def stop_stall_trace(app: web.Application) -> None:
        stall_trace.stop()

    app.on_startup.append(start_stall_trace)
    app.on_cleanup.append(stop_stall_trace)
    app.on_cleanup.append(stop_lag)
    r = app.router
    r.add_get("/healthz", diagnostics.healthz)
    r.add_get("/readyz", diagnostics.readyz)
    r.add_post(login.LOGIN_PATH, login.login)
    r.add_post(login.LOGOUT_PATH, login.logout)
    r.add_get(V1 + "/whoami", login.whoami)
    r.add_get(V1 + "/clusters", clusters.list_clusters)
    r.add_get(C, clusters.get_cluster)
    r.add_post(C + "/connect", clusters.connect)
    r.add_post(C + "/disconnect", clusters.disconnect)
    r.add_get(C + "/namespaces", namespaces.get_namespaces)
    r.add_put(C + "/namespaces", namespaces.put_namespaces)
    r.add_get(V1 + "/views", pages.view_catalogue)
    r.add_get(C + "/views/browse/{group}/{version}/{resource}", pages.get_view)
    r.add_get(C + "/views/{view}", pages.get_view)
    r.add_get(C + "/kinds", kinds.list_kinds)
    r.add_get(C + "/helm", helm.list_releases)
    r.add_get(C + "/helm/{namespace}/{release}", helm.get_release)
    r.add_get(OBJ, objects.get_object)
    r.add_get(OBJ + "/events", object_events.object_events)
    r.add_get(OBJ + "/helm", helm.helm_release)
    r.add_get(OBJ + "/relations", relations.object_relations)
    r.add_post(OBJ + "/reveal", secrets.reveal_secret)
    r.add_get(C + "/events", events.events_history)
    r.add_get(C + "/events/stream", events.events_stream)
    r.add_get(C + "/logs/stream", logs.logs_stream)
    r.add_post(C + "/actions/{action}", actions.run_action)
    r.add_get(C + "/drains/{drain}", drains.get_drain)
    r.add_delete(C + "/drains/{drain}", drains.cancel_drain)
    r.add_get(C + "/drains/{drain}/stream", drains.drain_stream)
    r.add_get(C + "/objects/apps/v1/{resource}/{namespace}/{name}/history", history.get_history)
    r.add_get(V1 + "/audit", audit.audit_log)
    r.add_get(V1 + "/audit/export", audit.audit_export)
    r.add_get(V1 + "/live", live.live)
    r.add_get(V1 + "/diagnostics", diagnostics.diagnostics)
    r.add_get(V1 + "/diagnostics/memory", memory_trace.memory)
    r.add_get(V1 + "/diagnostics/stalls", stalls.stalls)
    r.add_get(V1 + "/openapi.json", openapi.serve)
    r.add_get("/metrics", metrics.metrics)
    r.add_route("*", "/api/{tail:.*}", _api_not_found)
    r.add_get("/assets/{path:.+}", static.asset)
    r.add_get("/{tail:.*}", static.index)
    return app
