"""`GET /api/v1/clusters/{id}/objects/apps/v1/{deployments|statefulsets|daemonsets}/{ns}/{name}
/history`: the workload's rollout revisions, newest first (what `rollback` can go back to)."""

from __future__ import annotations

from aiohttp import web

from masthead.actions.base import Target
from masthead.actions.rollout import ROLLABLE, revisions
from masthead.api.context import context_of
from masthead.api.errors import ApiProblem, bad_parameter, from_kube, json_response
from masthead.api.pages import not_connected
from masthead.cluster import ClusterState
from masthead.kube.errors import ApiError, TransportError


async def get_history(request: web.Request) -> web.Response:
    ctx = context_of(request)
    m = request.match_info
    session = ctx.session(m["cluster"])
    for name in request.query:
        raise bad_parameter(name, f"unknown parameter {name!r}")
    if m["resource"] not in ROLLABLE:
        raise bad_parameter(
            "resource", f"history is kept for {', '.join(ROLLABLE)}, not {m['resource']!r}"
        )
    transport = session.transport
    if transport is None or session.state in (ClusterState.IDLE, ClusterState.CONNECTING):
        raise not_connected(session)
    target = Target("apps", "v1", m["resource"], m["namespace"], m["name"])
    try:
        _, found = await revisions(transport, target)
    except ApiError as e:
        raise from_kube(e, session.id, f"{m['resource']}.apps") from None
    except TransportError as e:
        raise ApiProblem(502, str(e), reason="Unreachable", cluster=session.id) from None
    return json_response({"items": [r.as_item() for r in reversed(found)]})
