"""Object reads (protocol.md §2): `GET /api/v1/clusters/{id}/objects/{group}/{version}/
{resource}/{namespace|_}/{name}` — the full object, read with the cluster's own credentials (so
the API server's RBAC answers, passed through in the error envelope), through the object cache
when the cluster's watch of that kind is live (`masthead.objects.reader`).

`managedFields` are removed unless `?managedFields=1`; `?format=yaml` answers YAML. A Secret's
`data` values are replaced by their decoded byte length (and `stringData` likewise), and the
last-applied annotation, which would repeat them, is dropped: values never leave the server
through this endpoint (only through `POST .../reveal`, `api/secrets.py`).

The per-object sub-resources live beside it: `relations` (api/relations.py), `events`
(api/object_events.py), `helm` (api/helm.py), `reveal` (api/secrets.py).
"""

from __future__ import annotations

from typing import Any

import yaml
from aiohttp import web

from masthead.api.context import context_of
from masthead.api.errors import ApiProblem, bad_parameter, from_kube, json_response
from masthead.api.pages import not_connected
from masthead.cluster import ClusterSession, ClusterState
from masthead.kube.errors import ApiError, TransportError
from masthead.objects.reader import Fetched, NotAnObject, ObjectAddress
from masthead.objects.secrets import redact_secret
from masthead.views.catalogue import CORE_GROUP

_PARAMS = frozenset({"format", "managedFields"})
_FLAG = {"1": True, "true": True, "0": False, "false": False, "": False}


def address_of(request: web.Request) -> ObjectAddress:
    """The object a `.../objects/{group}/{version}/{resource}/{namespace}/{name}` path names."""
    m = request.match_info
    group = "" if m["group"] in (CORE_GROUP, "_") else m["group"]
    namespace = "" if m["namespace"] == "_" else m["namespace"]
    return ObjectAddress(group, m["version"], m["resource"], namespace, m["name"])


def connected(session: ClusterSession) -> None:
    """Raise the 503 of a cluster not (yet) connected."""
    if session.transport is None or session.state in (ClusterState.IDLE, ClusterState.CONNECTING):
        raise not_connected(session)


def kube_errors(session: ClusterSession, source: str, e: Exception) -> ApiProblem:
    """The envelope of a failed request to the API server."""
    if isinstance(e, ApiError):
        return from_kube(e, session.id, source)
    if isinstance(e, NotAnObject):
        return ApiProblem(502, str(e), reason="BadGateway", cluster=session.id, source=source)
    return ApiProblem(502, str(e), reason="Unreachable", cluster=session.id, source=source)


async def fetch(request: web.Request, session: ClusterSession, addr: ObjectAddress) -> Fetched:
    """The object, through the cache where allowed; API errors in the envelope."""
    ctx = context_of(request)
    connected(session)
    try:
        fetched = await ctx.objects.get(session, addr)
    except (ApiError, TransportError, NotAnObject) as e:
        raise kube_errors(session, addr.source, e) from None
    if not fetched.cached:
        ctx.counters.objects_fetched += 1
    return fetched


def only_params(request: web.Request, allowed: frozenset[str]) -> None:
    for name in request.query:
        if name not in allowed:
            raise bad_parameter(name, f"unknown parameter {name!r}")


async def get_object(request: web.Request) -> web.Response:
    ctx = context_of(request)
    session = ctx.session(request.match_info["cluster"])
    only_params(request, _PARAMS)
    fmt = request.query.get("format", "json")
    if fmt not in ("json", "yaml"):
        raise bad_parameter("format", f"format must be json or yaml, got {fmt!r}")
    managed = _FLAG.get(request.query.get("managedFields", "0").lower())
    if managed is None:
        raise bad_parameter("managedFields", "managedFields must be 0 or 1")
    addr = address_of(request)
    obj: dict[str, Any] = (await fetch(request, session, addr)).obj
    if not managed:
        (obj.get("metadata") or {}).pop("managedFields", None)
    if obj.get("kind") == "Secret" and addr.group == "" and addr.resource == "secrets":
        redact_secret(obj)
    if fmt == "yaml":
        text = yaml.safe_dump(obj, sort_keys=False, allow_unicode=True)
        return web.Response(text=text, content_type="application/yaml")
    return json_response(obj)
