"""The OpenAPI document and the aiohttp routes cannot drift: every route (but the catch-alls
and static files) has its path and method in the document, every documented operation is a
route. The document is served behind the token and is valid OpenAPI 3.1."""

from __future__ import annotations

import re
from typing import Any

import aiohttp
import schemathesis

from masthead.actions import ACTIONS
from masthead.api import openapi
from masthead.api.app import create_app
from masthead.api.context import ApiContext
from masthead.api.security import Security
from masthead.views.sources import ViewRegistry
from tests.api.harness import served

# Catch-alls answer what no route takes (404 envelope, the web UI); they are not operations.
UNDOCUMENTED = {"/api/{tail}", "/assets/{path}", "/{tail}"}
METHODS = {"get", "post", "put", "patch", "delete"}


def routes() -> set[tuple[str, str]]:
    """(METHOD, path template) of every route, `{name:regex}` written as `{name}`."""
    app = create_app(ApiContext(registry=ViewRegistry(paths=[]), security=Security("t")))
    out = set()
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource is not None else {}
        path = info.get("path") or info.get("formatter")
        assert isinstance(path, str)
        path = re.sub(r"\{(\w+):[^}]*\}", r"{\1}", path)
        if route.method == "HEAD" or path in UNDOCUMENTED:
            continue
        out.add((route.method, path))
    return out


def documented(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, item in doc["paths"].items()
        for method in item
        if method in METHODS
    }


def template_regex(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(path)) + "$")


def test_every_route_is_documented_and_every_operation_is_a_route() -> None:
    doc = openapi.document()
    assert doc["openapi"] == "3.1.0"
    have, ops = routes(), documented(doc)
    assert ("GET", "/metrics") in have and ("GET", "/api/v1/openapi.json") in have
    # Routes → document: a template in the document, or (actions) one path per action.
    for method, path in have:
        if path.endswith("/actions/{action}"):
            want = {(method, path.replace("{action}", a)) for a in ACTIONS}
            assert want <= ops, sorted(want - ops)
        else:
            assert (method, path) in ops, f"{method} {path} is not in the OpenAPI document"
    # Document → routes: each documented operation is matched by a route of that method.
    for method, path in ops:
        matched = [p for m, p in have if m == method and template_regex(p).match(path)]
        assert matched, f"documented {method} {path} has no route"


def test_parameters_carry_the_limits_the_server_enforces() -> None:
    doc = openapi.document()
    page = doc["paths"]["/api/v1/clusters/{cluster}/views/{view}"]
    limit = next(p for p in page["get"]["parameters"] if p["name"] == "limit")
    assert limit["schema"]["maximum"] == 1000
    view = next(p for p in page["parameters"] if p["name"] == "view")
    assert "pods" in view["schema"]["enum"] and "browse" not in view["schema"]["enum"]
    scale = doc["paths"]["/api/v1/clusters/{cluster}/actions/scale"]["post"]
    body = scale["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"]["replicas"]["minimum"] == 0
    assert set(body["required"]) == {"namespace", "name", "replicas"}
    assert scale["responses"]["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    # Every $ref points at a schema that exists.
    refs = re.findall(r'"\$ref": "#/components/schemas/(\w+)"', str(doc).replace("'", '"'))
    assert refs and set(refs) <= set(doc["components"]["schemas"])


async def test_the_document_is_served_behind_the_token_and_loads() -> None:
    async with served(connect=()) as s, aiohttp.ClientSession() as anon:
        async with anon.get(s.base + "/api/v1/openapi.json") as r:
            assert r.status == 401
        status, doc, _ = await s.get("/api/v1/openapi.json")
        assert status == 200 and doc == openapi.document()
    schema = schemathesis.openapi.from_dict(doc)
    schema.validate()  # against the OpenAPI 3.1 meta-schema
    operations = [op.ok() for op in schema.get_all_operations()]
    assert len(operations) == len(documented(doc))
