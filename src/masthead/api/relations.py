"""`GET .../objects/{group}/{version}/{resource}/{namespace|_}/{name}/relations` →
`{owners, owned, pods, podsTotal, node, volumes, services, endpointSlices, warnings}`
(`masthead.objects.relations`), computed from the cluster's tables.

The tables it reads are the ones the views use: the sources of pods, nodes, the workload
kinds, services (with their endpointslices, the services view's join) and PVCs are opened here
if no view opened them yet (kept running, like a page's) and waited for (bounded) on first use.
A source the user may not list is a warning, not an error: the relations it would show are
simply absent. The object itself comes through the object cache.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from masthead.api.context import ApiContext, context_of
from masthead.api.errors import ApiProblem, json_response
from masthead.api.objects import address_of, fetch, kube_errors, only_params
from masthead.api.pages import first_sync, open_sources
from masthead.cluster import ClusterSession
from masthead.kube.errors import ApiError, TransportError
from masthead.objects.relations import ClusterTables, Relations
from masthead.objects.tables import all_tables
from masthead.views.catalogue import VIEWS

RELATION_VIEWS = (
    "pods",
    "nodes",
    "deployments",
    "statefulsets",
    "daemonsets",
    "replicasets",
    "jobs",
    "cronjobs",
    "services",
    "persistentvolumeclaims",
)


async def _open(ctx: ApiContext, session: ClusterSession, view: str) -> str | None:
    """Open one view's sources; the warning when they cannot be."""
    try:
        sources = await open_sources(session, VIEWS[view])
    except ApiProblem as e:
        return f"{VIEWS[view].source}: {e}"
    await first_sync(sources, ctx.first_sync_wait)
    return None


async def object_relations(request: web.Request) -> web.Response:
    ctx = context_of(request)
    session = ctx.session(request.match_info["cluster"])
    only_params(request, frozenset())
    addr = address_of(request)
    obj = (await fetch(request, session, addr)).obj
    found = await asyncio.gather(*(_open(ctx, session, v) for v in RELATION_VIEWS))
    warnings = [w for w in found if w]
    assert session.discovery is not None
    try:
        types = await session.discovery.types()
    except (ApiError, TransportError) as e:
        raise kube_errors(session, "discovery", e) from None
    body = Relations(ClusterTables(all_tables(session), types), obj).as_dict()
    body["warnings"] = warnings
    return json_response(body)
