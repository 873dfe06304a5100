"""`GET /api/v1/clusters/{id}/kinds` — every resource discovery found, with what this user may
do with it and, when a table mirrors it, how many objects it holds.

`allowed.{list,watch,get}` answers "may I, here": for namespaced kinds in the context's
namespace (`default` when the context names none), for cluster-scoped kinds cluster-wide. The
rules review of that namespace (one SelfSubjectRulesReview, cached by the access checker)
settles most answers; a rule it cannot settle (incomplete rules, or a cluster-scoped kind a
namespace rule might seem to grant) is asked with a SelfSubjectAccessReview. A verb the kind
does not serve is false.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from masthead.api.context import context_of
from masthead.api.errors import json_response
from masthead.api.objects import connected, kube_errors, only_params
from masthead.cluster import ClusterSession
from masthead.kube.access import AccessChecker, RulesReview
from masthead.kube.discovery import ResourceType
from masthead.kube.errors import ApiError, TransportError
from masthead.objects.tables import resource_tables

VERBS = ("list", "watch", "get")


async def _allowed(
    access: AccessChecker, rules: RulesReview, rt: ResourceType, namespace: str
) -> dict[str, bool]:
    out: dict[str, bool] = {}
    for verb in VERBS:
        if verb not in rt.verbs:
            out[verb] = False
            continue
        settled = rules.allows(verb, rt.group, rt.resource)
        if settled is False or (settled is True and rt.namespaced):
            out[verb] = settled
            continue
        where = namespace if rt.namespaced else ""
        out[verb] = (await access.can(verb, rt.group, rt.resource, where)).allowed
    return out


def _count(session: ClusterSession, rt: ResourceType) -> int | None:
    tables = resource_tables(session, rt.group, rt.resource)
    return sum(len(t) for t in tables) if tables else None


async def list_kinds(request: web.Request) -> web.Response:
    ctx = context_of(request)
    session = ctx.session(request.match_info["cluster"])
    only_params(request, frozenset())
    connected(session)
    assert session.discovery is not None and session.access is not None
    namespace = session.entry.namespace or "default"
    try:
        types = await session.discovery.types()
        rules = await session.access.rules(namespace)
        allowed = await asyncio.gather(
            *(_allowed(session.access, rules, rt, namespace) for rt in types)
        )
    except (ApiError, TransportError) as e:
        raise kube_errors(session, "discovery", e) from None
    items = [
        {
            "group": rt.group,
            "version": rt.version,
            "kind": rt.kind,
            "resource": rt.resource,
            "namespaced": rt.namespaced,
            "preferred": rt.preferred,
            "shortNames": list(rt.short_names),
            "verbs": sorted(rt.verbs),
            "allowed": a,
            "count": _count(session, rt),
        }
        for rt, a in zip(types, allowed, strict=True)
    ]
    items.sort(key=lambda i: (i["group"], i["resource"], i["version"]))
    return json_response({"cluster": session.id, "namespace": namespace, "items": items})
