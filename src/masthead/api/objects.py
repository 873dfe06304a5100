"""Object reads (protocol.md §2): `GET /api/v1/clusters/{id}/objects/{group}/{version}/
{resource}/{namespace|_}/{name}` — the full object, fetched on demand with the cluster's own
credentials (so the API server's RBAC answers, passed through in the error envelope).

`managedFields` are removed unless `?managedFields=1`; `?format=yaml` answers YAML. A Secret's
`data` values are replaced by their decoded byte length (and `stringData` likewise), and the
last-applied annotation, which would repeat them, is dropped: values never leave the server
through this endpoint.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import yaml
from aiohttp import web

from masthead.api.context import context_of
from masthead.api.errors import ApiProblem, bad_parameter, from_kube, json_response
from masthead.api.pages import not_connected
from masthead.cluster import ClusterState
from masthead.kube.errors import ApiError, TransportError
from masthead.views.catalogue import CORE_GROUP

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_PARAMS = frozenset({"format", "managedFields"})
_FLAG = {"1": True, "true": True, "0": False, "false": False, "": False}


def object_path(group: str, version: str, resource: str, namespace: str | None, name: str) -> str:
    base = f"/apis/{group}/{version}" if group else f"/api/{version}"
    if namespace:
        return f"{base}/namespaces/{namespace}/{resource}/{name}"
    return f"{base}/{resource}/{name}"


def redact_secret(obj: dict[str, Any]) -> None:
    """Values → their byte length; the annotation that repeats them goes."""
    for field in ("data", "stringData"):
        values = obj.get(field)
        if isinstance(values, dict):
            obj[field] = {k: _length(v, field == "data") for k, v in values.items()}
    annotations = (obj.get("metadata") or {}).get("annotations")
    if isinstance(annotations, dict):
        annotations.pop(LAST_APPLIED, None)


def _length(value: Any, b64: bool) -> int:
    if not isinstance(value, str):
        return 0
    if b64:
        try:
            return len(base64.b64decode(value, validate=True))
        except (binascii.Error, ValueError):
            return len(value)
    return len(value.encode())


async def get_object(request: web.Request) -> web.Response:
    ctx = context_of(request)
    m = request.match_info
    session = ctx.session(m["cluster"])
    for name in request.query:
        if name not in _PARAMS:
            raise bad_parameter(name, f"unknown parameter {name!r}")
    fmt = request.query.get("format", "json")
    if fmt not in ("json", "yaml"):
        raise bad_parameter("format", f"format must be json or yaml, got {fmt!r}")
    managed = _FLAG.get(request.query.get("managedFields", "0").lower())
    if managed is None:
        raise bad_parameter("managedFields", "managedFields must be 0 or 1")
    group = "" if m["group"] in (CORE_GROUP, "_") else m["group"]
    namespace = None if m["namespace"] == "_" else m["namespace"]
    if session.transport is None or session.state in (ClusterState.IDLE, ClusterState.CONNECTING):
        raise not_connected(session)
    path = object_path(group, m["version"], m["resource"], namespace, m["name"])
    source = f"{m['resource']}.{group}" if group else m["resource"]
    try:
        obj = await session.transport.get_json("get", path)
    except ApiError as e:
        raise from_kube(e, session.id, source) from None
    except TransportError as e:
        raise ApiProblem(502, str(e), reason="Unreachable", cluster=session.id) from None
    ctx.counters.objects_fetched += 1
    if not isinstance(obj, dict):
        raise ApiProblem(502, "the API server answered something other than an object")
    if not managed:
        (obj.get("metadata") or {}).pop("managedFields", None)
    if obj.get("kind") == "Secret" and group == "" and m["resource"] == "secrets":
        redact_secret(obj)
    if fmt == "yaml":
        text = yaml.safe_dump(obj, sort_keys=False, allow_unicode=True)
        return web.Response(text=text, content_type="application/yaml")
    return json_response(obj)
