"""Cluster discovery and lifecycle (protocol.md §1): list, details, connect, disconnect."""

from __future__ import annotations

import asyncio

from aiohttp import web

from masthead.api.context import ApiContext, context_of
from masthead.api.errors import json_response
from masthead.cluster import ClusterSession, ClusterStatus, Source
from masthead.kube.access import AccessMode
from masthead.views.page import rfc3339


def source_id(src: Source) -> str:
    """`<resource>@<namespace>` (`*`: all namespaces), as pages name their sources."""
    return f"{src.resource.qualified}@{src.namespace or '*'}"


def source_items(src: Source) -> int:
    """Rows in the source's table (0 before it first started)."""
    return src.items


def summary(ctx: ApiContext, session: ClusterSession) -> dict[str, object]:
    e, status = session.entry, session.status
    return {
        "id": e.id,
        "name": e.name,
        "context": e.context,
        "server": e.server,
        "namespace": e.namespace,
        "state": status.state.value,
        "stateSince": rfc3339(status.since),
        "message": status.message,
        "readOnly": ctx.is_read_only(session),
        "confirm": ctx.needs_confirm(session),
        "version": session.version,
    }


def details(ctx: ApiContext, session: ClusterSession) -> dict[str, object]:
    snap = session.snapshot()
    sources = []
    for group in session.resources:
        for src in group.sources.values():
            f = src.freshness.current
            sources.append(
                {
                    "id": source_id(src),
                    "resource": src.resource.qualified,
                    "namespace": src.namespace,
                    "running": src.running,
                    "state": f.state.value,
                    "since": rfc3339(f.since),
                    "message": f.message or None,
                    "syncs": src.syncs,
                    "items": source_items(src),
                }
            )
    accessible: set[str] = set()
    everywhere = False
    access = []
    for group in session.resources:
        plan = group.plan
        if plan is None:
            continue
        if plan.mode is AccessMode.CLUSTER and plan.resource.namespaced:
            everywhere = True
        accessible.update(plan.namespaces)
        access.append(plan.as_dict())
    status = session.status.as_dict()
    status["since"] = rfc3339(session.status.since)
    if session.status.next_retry is not None:
        status["next_retry"] = rfc3339(session.status.next_retry)
    return {
        **summary(ctx, session),
        "user": session.entry.user,
        "status": status,
        "sources": sources,
        # None: every namespace (some resource is mirrored cluster-wide); else the namespaces
        # where at least one resource could be listed.
        "namespaces": None if everywhere else sorted(accessible),
        "access": access,
        "metrics": {"state": "absent", "message": "metrics are not collected yet"},
        "load": snap["load"],
        "accessChecks": snap["access"],
        "warnings": snap["warnings"],
    }


async def list_clusters(request: web.Request) -> web.Response:
    ctx = context_of(request)
    return json_response([summary(ctx, s) for s in ctx.visible_sessions()])


async def get_cluster(request: web.Request) -> web.Response:
    ctx = context_of(request)
    return json_response(details(ctx, ctx.session(request.match_info["cluster"])))


# Connections a request started without waiting for them: referenced until they finish.
_opening: set[asyncio.Task[ClusterStatus]] = set()


def open_in_background(session: ClusterSession) -> None:
    """Start connecting `session`, as `POST .../connect` does, without waiting for the first
    attempt (the session's state says how it goes; a close ends the wait)."""
    task = asyncio.create_task(session.connect(), name=f"open {session.id}")
    _opening.add(task)
    task.add_done_callback(_opening.discard)


async def connect(request: web.Request) -> web.Response:
    """Open the cluster; answers after the first connection attempt, whatever its outcome
    (the state says which)."""
    ctx = context_of(request)
    session = ctx.session(request.match_info["cluster"])
    await session.connect()
    return json_response(summary(ctx, session))


async def disconnect(request: web.Request) -> web.Response:
    ctx = context_of(request)
    session = ctx.session(request.match_info["cluster"])
    await session.close()
    return json_response(summary(ctx, session))
