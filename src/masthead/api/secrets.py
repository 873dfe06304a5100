"""`POST /api/v1/clusters/{id}/objects/core/v1/secrets/{namespace}/{name}/reveal` — a Secret's
values, decoded, on explicit request.

A POST so the mutation checks apply (a foreign Origin is refused; a request without Origin
needs the bearer token), the Secret is read fresh with the cluster's credentials (so RBAC
`get secrets` answers) and never through the object cache, values are never logged, and the
answer says `Cache-Control: no-store`.
"""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from masthead.api.context import context_of
from masthead.api.errors import ApiProblem, bad_parameter, json_response
from masthead.api.objects import address_of, fetch, only_params
from masthead.cluster import ClusterSession
from masthead.objects.reader import ObjectAddress
from masthead.objects.secrets import UnknownKeys, reveal

NO_STORE = {"Cache-Control": "no-store"}
_MAX_BODY = 64 * 1024


async def _keys(request: web.Request) -> list[str] | None:
    raw = await request.content.read(_MAX_BODY + 1)
    if len(raw) > _MAX_BODY:
        raise ApiProblem(413, f"body larger than {_MAX_BODY} bytes", reason="RequestTooLarge")
    if not raw.strip():
        return None
    try:
        body: Any = orjson.loads(raw)
    except orjson.JSONDecodeError as e:
        raise bad_parameter("body", f"body is not JSON: {e}") from None
    if not isinstance(body, dict):
        raise bad_parameter("body", "body must be a JSON object")
    unknown = [k for k in body if k != "keys"]
    if unknown:
        raise bad_parameter(unknown[0], f"unknown field {unknown[0]!r} (only 'keys')")
    keys = body.get("keys")
    if keys is None:
        return None
    if not isinstance(keys, list) or not all(isinstance(k, str) and k for k in keys):
        raise bad_parameter("keys", "keys must be a list of non-empty strings")
    return keys


def secret_address(request: web.Request, session: ClusterSession, what: str) -> ObjectAddress:
    """The request's object address when it names a namespaced core/v1 Secret (no query
    parameters); else 404 saying `what` exists only for Secrets."""
    only_params(request, frozenset())
    addr = address_of(request)
    if (addr.group, addr.resource) != ("", "secrets") or not addr.namespace:
        raise ApiProblem(
            404,
            f"{what} exists only for core/v1 secrets in a namespace",
            reason="NotFound",
            cluster=session.id,
            details={"parameter": "resource"},
        )
    return addr


async def reveal_secret(request: web.Request) -> web.Response:
    ctx = context_of(request)
    session = ctx.session(request.match_info["cluster"])
    addr = secret_address(request, session, "reveal")
    keys = await _keys(request)
    secret = (await fetch(request, session, addr)).obj
    try:
        data = reveal(secret, keys)
    except UnknownKeys as e:
        raise ApiProblem(
            404,
            f"secret {addr.namespace}/{addr.name} has no key {', '.join(map(repr, e.keys))}",
            reason="NotFound",
            cluster=session.id,
            details={"parameter": "keys", "missing": e.keys},
        ) from None
    return json_response({"data": data}, headers=NO_STORE)
