"""The OpenAPI 3.1 document of masthead's own HTTP API, served at `GET /api/v1/openapi.json`.

Built by hand next to the routes in `app.py` (tests/api/test_openapi.py fails when a route and
this document disagree), with enums and limits taken from the code that enforces them, so the
fuzz test (tests/api/test_fuzz_openapi.py) generates what the server really accepts. The live
WebSocket's messages are described in docs/api.md: OpenAPI has no vocabulary for them.
"""

from __future__ import annotations

import functools
from typing import Any

from aiohttp import web

from masthead.actions import ACTIONS
from masthead.actions.base import NAME as _NAME
from masthead.actions.base import NAMESPACE as _NAMESPACE
from masthead.actions.cronjobs import _JOB_NAME_MAX
from masthead.actions.deletion import PROPAGATION
from masthead.actions.rollout import ROLLABLE
from masthead.actions.workloads import RESTARTABLE, SCALABLE
from masthead.api.audit import MAX_AUDIT_LIMIT
from masthead.api.errors import json_response
from masthead.api.events import EVENT_TYPES
from masthead.api.logs import MAX_TAIL
from masthead.api.namespaces import MAX_NAMESPACES
from masthead.api.params import INT64_MAX
from masthead.api.security import COOKIE
from masthead.views.catalogue import CORE_GROUP, VIEWS
from masthead.views.query import DEFAULT_LIMIT, MAX_LIMIT

Schema = dict[str, Any]

VERSION = "3.1.0"
V1 = "/api/v1"
C = V1 + "/clusters/{cluster}"

# Object and namespace names (RFC 1123 subdomain / label) as the actions check them.
NAME = {"type": "string", "pattern": _NAME.pattern, "maxLength": 253}
NAMESPACE = {"type": "string", "pattern": _NAMESPACE.pattern, "maxLength": 63}
FLAG = {"type": "string", "enum": ["0", "1", "true", "false"]}
ID = {"type": "integer", "minimum": 0, "maximum": INT64_MAX}  # ids are SQLite int64
TIME = {
    "type": "string",
    "description": "RFC 3339 time or epoch seconds",
    "examples": ["2026-01-01T00:00:00Z", "1767225600"],
}


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(required: tuple[str, ...] = (), **props: Schema) -> Schema:
    s: Schema = {"type": "object", "properties": props}
    if required:
        s["required"] = list(required)
    return s


def _array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def _nullable(s: Schema) -> Schema:
    return {"oneOf": [s, {"type": "null"}]}


# ---------------------------------------------------------------------------- schemas
_STR, _INT, _BOOL, _NUM = (
    {"type": "string"},
    {"type": "integer"},
    {"type": "boolean"},
    {"type": "number"},
)

SCHEMAS: dict[str, Schema] = {
    "Error": _obj(
        ("error",),
        error=_obj(
            ("code", "reason", "message"),
            code=_INT,
            reason=_STR,
            message=_STR,
            cluster=_STR,
            source=_STR,
            details={
                "type": "object",
                "description": "`parameter` names a bad parameter; `status` is the API "
                "server's Status; `auditId` the audit row of a refused action",
            },
        ),
    ),
    "ClusterSummary": _obj(
        ("id", "name", "context", "server", "state", "stateSince", "readOnly", "version"),
        id=_STR,
        name=_STR,
        context=_STR,
        server=_STR,
        namespace=_nullable(_STR),
        state={
            "type": "string",
            "enum": [
                "idle",
                "connecting",
                "syncing",
                "ready",
                "degraded",
                "unreachable",
                "auth-failed",
            ],
        },
        stateSince=_STR,
        message=_STR,
        readOnly=_BOOL,
        version=_INT,
    ),
    "NamespaceAccess": _obj(
        (
            "cluster",
            "context",
            "flag",
            "saved",
            "configured",
            "listable",
            "accessible",
            "denied",
            "deniedMore",
            "max",
        ),
        cluster=_STR,
        context=_STR,
        contextNamespace=_nullable(_STR),
        flag=_array(_STR),
        saved=_array(_STR),
        configured=_array(_STR),
        listable=_nullable(_BOOL),
        accessible=_nullable(_array(_STR)),
        denied=_array(_obj(("namespace", "reasons"), namespace=_STR, reasons=_array(_STR))),
        deniedMore=_INT,
        max=_INT,
    ),
    "ClusterDetails": {
        "allOf": [
            _ref("ClusterSummary"),
            _obj(
                ("user", "status", "sources", "namespaces", "access", "load", "warnings"),
                user=_STR,
                status={"type": "object"},
                sources=_array(
                    _obj(
                        ("id", "resource", "state", "syncs", "items"),
                        id=_STR,
                        resource=_STR,
                        namespace=_nullable(_STR),
                        running=_BOOL,
                        state=_STR,
                        since=_STR,
                        message=_nullable(_STR),
                        syncs=_INT,
                        items=_INT,
                    )
                ),
                namespaces=_nullable(_array(_STR)),
                access=_array({"type": "object"}),
                metrics={"type": "object"},
                load={"type": "object"},
                accessChecks={"type": "object"},
                warnings=_array(_STR),
            ),
        ]
    },
    "View": _obj(
        ("name", "title", "columns", "filters", "sort"),
        name=_STR,
        title=_STR,
        columns=_array(_obj(("id", "title", "type"), id=_STR, title=_STR, type=_STR)),
        filters=_array(_STR),
        sort=_obj(("column", "desc"), column=_STR, desc=_BOOL),
    ),
    "Page": _obj(
        ("view", "cluster", "version", "total", "offset", "rows", "columns", "sources"),
        view=_STR,
        cluster=_STR,
        version=_STR,
        total=_INT,
        offset=_INT,
        rows=_array(_obj(("uid",), uid=_STR)),
        columns=_array(_STR),
        sources=_array(_obj(("id", "state"), id=_STR, state=_STR)),
        warnings=_array({"type": "object"}),
        truncated=_BOOL,
    ),
    "Event": _obj(
        ("id", "cluster", "uid", "count", "namespace", "name", "type", "reason", "message"),
        id=_INT,
        cluster=_STR,
        uid=_STR,
        count=_INT,
        namespace=_STR,
        name=_STR,
        type=_STR,
        reason=_STR,
        message=_STR,
        object_kind=_STR,
        object_name=_STR,
        object_uid=_STR,
        object_field=_STR,
        source=_STR,
        first_seen=_nullable(_STR),
        last_seen=_nullable(_STR),
        recorded=_STR,
    ),
    "EventsPage": _obj(
        ("cluster", "items", "next"),
        cluster=_STR,
        items=_array(_ref("Event")),
        next=_nullable(_INT),
    ),
    "AuditItem": _obj(
        ("id", "at", "who", "cluster", "context", "action", "object", "parameters", "dryRun"),
        id=_INT,
        at=_STR,
        who=_STR,
        cluster=_STR,
        context=_STR,
        action=_STR,
        object=_obj(
            ("group", "resource", "namespace", "name"),
            group=_STR,
            resource=_STR,
            namespace=_STR,
            name=_STR,
        ),
        parameters={"type": "object"},
        dryRun=_BOOL,
        result=_obj(("code", "reason", "message"), code=_INT, reason=_STR, message=_STR),
    ),
    "AuditPage": _obj(("items", "next"), items=_array(_ref("AuditItem")), next=_nullable(_INT)),
    "KubeObject": _obj(
        ("apiVersion", "kind"),
        apiVersion=_STR,
        kind=_STR,
        metadata={"type": "object"},
    ),
    "Diagnostics": _obj(
        ("api", "live", "tables", "registry", "feeds"),
        api={"type": "object"},
        live={"type": "object"},
        tables={"type": "object"},
        registry={"type": "object"},
        feeds=_nullable({"type": "object"}),
        users=_nullable({"type": "object"}),
    ),
    "MemoryDiagnostics": _obj(
        ("rss_mb", "malloc_mb", "python_blocks", "memory_releases", "traced"),
        rss_mb=_NUM,
        malloc_mb=_nullable({"type": "object"}),
        python_blocks=_INT,
        memory_releases={"type": "object"},
        traced=_nullable({"type": "object"}),
    ),
    "User": _obj(("username", "groups"), username=_STR, groups=_array(_STR)),
}

# ---------------------------------------------------------------------------- building blocks


def _param(
    name: str,
    schema: Schema,
    description: str = "",
    *,
    where: str = "query",
    required: bool = False,
) -> Schema:
    p: Schema = {"name": name, "in": where, "schema": schema}
    if required or where == "path":
        p["required"] = True
    if description:
        p["description"] = description
    return p


def _path(name: str, description: str, schema: Schema | None = None) -> Schema:
    return _param(name, schema or {"type": "string", "minLength": 1}, description, where="path")


CLUSTER = _path("cluster", "cluster id or kubeconfig context name")


def _json(schema: Schema, description: str = "OK") -> Schema:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _text(description: str, media: str = "text/plain") -> Schema:
    return {"description": description, "content": {media: {"schema": _STR}}}


_ERRORS = {
    400: "a bad parameter or body (`details.parameter` names it)",
    401: "missing or wrong token / session cookie",
    403: "forbidden (foreign Origin, RBAC, read-only context)",
    404: "unknown cluster, view or object",
    409: "conflict (the API server's answer, or a drain of that node already running)",
    421: "Host is not 127.0.0.1/localhost/[::1] on the server's port",
    422: "invalid (the API server's answer)",
    428: "a confirm context: send the object's name as `confirm`",
    429: "too many subscriptions / streams / drains, or the API server throttled",
    502: "the API server is unreachable or answered nonsense",
    503: "the cluster is not connected, or the feeds are not running",
}
_ALWAYS = (401, 421)


def _op(
    summary: str,
    ok: dict[int | str, Schema],
    errors: tuple[int, ...] = (),
    *,
    params: tuple[Schema, ...] = (),
    body: Schema | None = None,
    passthrough: bool = False,
    tag: str = "masthead",
    public: bool = False,
) -> Schema:
    """One operation: its success answers, the error envelope for each listed code (401 and
    421 on every authenticated path), and `4XX`/`5XX` where the API server's own error is
    passed through with its code."""
    responses: dict[str, Schema] = {str(k): v for k, v in ok.items()}
    codes = sorted(set(errors) | (set() if public else set(_ALWAYS)))
    for code in codes:
        responses[str(code)] = _json(_ref("Error"), _ERRORS[code])
    if passthrough:
        responses["4XX"] = _json(_ref("Error"), "the API server's error, passed through")
    op: Schema = {"summary": summary, "tags": [tag], "responses": responses}
    if params:
        op["parameters"] = list(params)
    if body is not None:
        op["requestBody"] = {"required": False, "content": {"application/json": {"schema": body}}}
    if public:
        op["security"] = []
    return op


# ---------------------------------------------------------------------------- query parameters
_VIEW_QUERY = (
    _param("namespace", _STR, "comma-separated namespaces (repeatable)"),
    _param("selector", _STR, "label selector, upstream syntax"),
    _param("q", _STR, "text search over name and searchable columns"),
    _param("sort", _STR, "a sortable column of the view"),
    _param("desc", {"type": "string", "enum": ["0", "1", "true", "false", "yes", "no"]}),
    _param("offset", {"type": "integer", "minimum": 0}),
    _param(
        "limit", {"type": "integer", "minimum": 0, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}
    ),
)
_EVENT_FILTERS = (
    _param("namespace", _STR),
    _param("type", {"type": "string", "enum": list(EVENT_TYPES)}),
    _param("involved", _STR, "uid of the involved object"),
    _param("since", TIME),
)
_LOG_QUERY = (
    _param("namespace", NAMESPACE, required=True),
    _param("pod", NAME, "one pod (or selector, or kind + name)"),
    _param("container", _STR),
    _param("selector", _STR, "label selector picking pods"),
    _param(
        "kind",
        {"type": "string", "enum": ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"]},
    ),
    _param("name", NAME, "the workload's name (with kind)"),
    _param("tail", {"type": "integer", "minimum": 0, "maximum": MAX_TAIL, "default": 100}),
    _param("follow", FLAG),
    _param("include", _STR, "comma-separated substrings a line must contain"),
    _param("exclude", _STR, "comma-separated substrings a line must not contain"),
    _param("regex", _STR, "a regular expression lines must match"),
    _param("containers", _STR, "a regular expression container names must match"),
    _param("since", TIME),
    _param("until", TIME),
    _param("lastEventId", ID, "as the Last-Event-ID header"),
)
_SSE = "text/event-stream"

# ---------------------------------------------------------------------------- action bodies
_DRY_RUN = {"oneOf": [_BOOL, {"type": "integer", "enum": [0, 1]}]}


def _action_body(required: tuple[str, ...], **props: Schema) -> Schema:
    # An optional field sent as null counts as absent (the body readers treat None so).
    optional = {
        k: _nullable(v) for k, v in {"dryRun": _DRY_RUN, **props}.items() if k not in required
    }
    return _obj(required, **{**props, **optional})


# On contexts marked `--confirm`, destructive actions need the object's name here (else 428).
_CONFIRM = {"type": "string", "description": "the object's name, on confirm contexts"}
_ANY_OBJECT: dict[str, Schema] = {
    "group": {"type": "string", "description": '"" or "core" for the core group'},
    "version": {"type": "string", "default": "v1"},
    "resource": _STR,
    "namespace": {**NAMESPACE, "description": "omit for cluster-scoped objects"},
    "name": NAME,
}


ACTION_BODIES: dict[str, Schema] = {
    "scale": _action_body(
        ("namespace", "name", "replicas"),
        resource={"type": "string", "enum": list(SCALABLE), "default": "deployments"},
        namespace=NAMESPACE,
        name=NAME,
        replicas={"type": "integer", "minimum": 0},
    ),
    "restart": _action_body(
        ("namespace", "name"),
        resource={"type": "string", "enum": list(RESTARTABLE), "default": "deployments"},
        namespace=NAMESPACE,
        name=NAME,
    ),
    "rollback": _action_body(
        ("namespace", "name"),
        resource={"type": "string", "enum": list(ROLLABLE), "default": "deployments"},
        namespace=NAMESPACE,
        name=NAME,
        revision={"type": "integer", "minimum": 0, "description": "0: the previous one"},
        confirm=_CONFIRM,
    ),
    "delete": _action_body(
        ("resource", "name"),
        **_ANY_OBJECT,
        propagationPolicy={"type": "string", "enum": list(PROPAGATION), "default": "Background"},
        gracePeriodSeconds={"type": "integer", "minimum": 0},
        force=_BOOL,
        confirm=_CONFIRM,
    ),
    "remove-finalizers": _action_body(("resource", "name"), **_ANY_OBJECT, confirm=_CONFIRM),
    "apply": _action_body(
        ("manifest",),
        manifest={"type": "string", "description": "YAML or JSON of one object"},
        force=_BOOL,
        confirm=_CONFIRM,
    ),
    "drain": _action_body(
        ("name",),
        name=NAME,
        gracePeriodSeconds={"type": "integer", "minimum": 0},
        timeoutSeconds={"type": "integer", "minimum": 1},
        deleteEmptyDirData=_BOOL,
        force=_BOOL,
        confirm=_CONFIRM,
    ),
    "cordon": _action_body(("name",), name=NAME),
    "uncordon": _action_body(("name",), name=NAME),
    "suspend": _action_body(("namespace", "name"), namespace=NAMESPACE, name=NAME),
    "resume": _action_body(("namespace", "name"), namespace=NAMESPACE, name=NAME),
    "trigger": _action_body(
        ("namespace", "name"),
        namespace=NAMESPACE,
        name=NAME,
        jobName={**NAME, "maxLength": _JOB_NAME_MAX},
    ),
}
_ACTION_OK = _json(_ref("KubeObject"), "the API server's answer (object, Scale, Job or Status)")


def _action_paths() -> dict[str, Schema]:
    return {
        f"{C}/actions/{name}": {
            "parameters": [CLUSTER],
            "post": _op(
                f"{name} (guard rails, permission pre-check, audit: docs/api.md § Actions)",
                {200: _ACTION_OK, 201: _ACTION_OK, 202: _json({"type": "object"}, "a drain")},
                (400, 403, 404, 409, 422, 428, 429, 502, 503),
                body=ACTION_BODIES[name],
                passthrough=True,
                tag="actions",
            ),
        }
        for name in ACTIONS
    }


# ---------------------------------------------------------------------------- paths
def _paths() -> dict[str, Schema]:
    view_names = list(VIEWS)
    obj_path = (
        _path("group", f"API group, `{CORE_GROUP}` for the core group"),
        _path("version", "API version"),
        _path("resource", "plural resource name"),
    )
    page_errors = (400, 403, 404, 503)
    page_ok: dict[int | str, Schema] = {
        200: _json(_ref("Page"), "a page of rows (strong ETag)"),
        304: {"description": "If-None-Match matched the page's ETag"},
    }
    etag = _param("If-None-Match", _STR, where="header")
    paths: dict[str, Schema] = {
        "/healthz": {"get": _op("liveness", {200: _text("ok")}, public=True, tag="ops")},
        "/readyz": {"get": _op("readiness", {200: _text("ok")}, public=True, tag="ops")},
        "/metrics": {
            "get": _op(
                "Prometheus text exposition of the diagnostics counters",
                {200: _text("metrics", "text/plain")},
                tag="ops",
            )
        },
        V1 + "/openapi.json": {
            "get": _op("this document", {200: _json({"type": "object"})}, tag="ops")
        },
        V1 + "/diagnostics": {
            "get": _op(
                "per-cluster and server counters",
                {200: _json(_ref("Diagnostics"))},
                (400,),
                params=(
                    _param(
                        "reset",
                        {"type": "string", "enum": ["0", "1"]},
                        "1: start live.frame_latency over after answering",
                    ),
                ),
                tag="ops",
            )
        },
        V1 + "/diagnostics/memory": {
            "get": _op(
                "RSS, malloc and CPython allocation figures; with MASTHEAD_TRACEMALLOC, what "
                "grew since the last mark by file:line or call path",
                {200: _json(_ref("MemoryDiagnostics"))},
                (400,),
                params=(
                    _param("mark", {"type": "string", "enum": ["0", "1"]}, "1: new baseline"),
                    _param("top", {"type": "integer", "minimum": 1, "maximum": 200}),
                    _param(
                        "group",
                        {"type": "string", "enum": ["lineno", "filename", "traceback"]},
                    ),
                ),
                tag="ops",
            )
        },
        V1 + "/diagnostics/stalls": {
            "get": _op(
                "with MASTHEAD_STALL_TRACE, what held the event loop: stalls, sampled stacks "
                "by count, garbage collections by generation",
                {200: _json({"type": "object"})},
                (400,),
                params=(
                    _param("top", {"type": "integer", "minimum": 1, "maximum": 100}),
                    _param("reset", {"type": "string", "enum": ["0", "1"]}, "1: start over"),
                ),
                tag="ops",
            )
        },
        V1 + "/clusters": {
            "get": _op("every kubeconfig context", {200: _json(_array(_ref("ClusterSummary")))})
        },
        C: {
            "parameters": [CLUSTER],
            "get": _op(
                "state, sources, access, load", {200: _json(_ref("ClusterDetails"))}, (404,)
            ),
        },
        C + "/connect": {
            "parameters": [CLUSTER],
            "post": _op("open (lazy connect)", {200: _json(_ref("ClusterSummary"))}, (403, 404)),
        },
        C + "/namespaces": {
            "parameters": [CLUSTER],
            "get": _op(
                "configured namespaces (flag + saved) and what access found in them",
                {200: _json(_ref("NamespaceAccess"))},
                (404,),
            ),
            "put": _op(
                "replace the saved namespaces (kept across restarts); the cluster re-plans",
                {200: _json(_ref("NamespaceAccess"))},
                (400, 403, 404),
                body={
                    **_obj(
                        ("namespaces",),
                        namespaces={**_array(NAMESPACE), "maxItems": MAX_NAMESPACES},
                    ),
                    "additionalProperties": False,
                },
            ),
        },
        C + "/disconnect": {
            "parameters": [CLUSTER],
            "post": _op("close", {200: _json(_ref("ClusterSummary"))}, (403, 404)),
        },
        V1 + "/views": {"get": _op("the view catalogue", {200: _json(_array(_ref("View")))})},
        C + "/views/{view}": {
            "parameters": [
                CLUSTER,
                _path("view", "a named view", {"type": "string", "enum": view_names}),
            ],
            "get": _op(
                "a page of a named view",
                page_ok,
                page_errors,
                params=(*_VIEW_QUERY, etag),
            ),
        },
        C + "/views/browse/{group}/{version}/{resource}": {
            "parameters": [CLUSTER, *obj_path],
            "get": _op(
                "a page of any resource (generic columns)",
                page_ok,
                page_errors,
                params=(*_VIEW_QUERY, etag),
            ),
        },
        C + "/objects/{group}/{version}/{resource}/{namespace}/{name}": {
            "parameters": [
                CLUSTER,
                *obj_path,
                _path("namespace", "namespace, `_` for cluster-scoped objects"),
                _path("name", "object name"),
            ],
            "get": _op(
                "the full object (managedFields removed, Secret values as byte lengths)",
                {
                    200: {
                        "description": "the object",
                        "content": {
                            "application/json": {"schema": _ref("KubeObject")},
                            "application/yaml": {"schema": _STR},
                        },
                    }
                },
                (400, 403, 404, 502, 503),
                params=(
                    _param("format", {"type": "string", "enum": ["json", "yaml"]}),
                    _param("managedFields", FLAG),
                ),
                passthrough=True,
            ),
        },
        C + "/events": {
            "parameters": [CLUSTER],
            "get": _op(
                "events history, newest first",
                {200: _json(_ref("EventsPage"))},
                (400, 404, 503),
                params=(
                    *_EVENT_FILTERS,
                    _param("before", ID, "event id: entries older than it"),
                    _param(
                        "limit",
                        {"type": "integer", "minimum": 0, "maximum": MAX_LIMIT, "default": 100},
                    ),
                ),
            ),
        },
        C + "/events/stream": {
            "parameters": [CLUSTER],
            "get": _op(
                "events history as server-sent events (`event: event`, id = history id)",
                {200: _text("the stream", _SSE)},
                (400, 403, 404, 503),
                params=(
                    *_EVENT_FILTERS,
                    _param("lastEventId", ID, "as Last-Event-ID"),
                    _param("Last-Event-ID", ID, where="header"),
                ),
            ),
        },
        C + "/logs/stream": {
            "parameters": [CLUSTER],
            "get": _op(
                "log lines as server-sent events (`line`, `dropped`, `notice`, `end`)",
                {200: _text("the stream", _SSE)},
                (400, 403, 404, 429, 503),
                params=(
                    *_LOG_QUERY,
                    _param("Last-Event-ID", ID, where="header"),
                ),
            ),
        },
        **_action_paths(),
        V1 + "/audit": {
            "get": _op(
                "the action audit log, newest first",
                {200: _json(_ref("AuditPage"))},
                (400, 404, 503),
                params=(
                    _param(
                        "limit",
                        {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": MAX_AUDIT_LIMIT,
                            "default": 100,
                        },
                    ),
                    _param("before", {**ID, "minimum": 1}, "audit id"),
                    _param("cluster", _STR, "cluster id or context"),
                ),
            )
        },
        V1 + "/login": {
            "post": _op(
                "in-cluster mode: sign in with a Kubernetes bearer token (validated on the API "
                "server; sets an HttpOnly SameSite=Strict session cookie; a form post is "
                "redirected to /)",
                {200: _json(_obj(("user",), user=_ref("User"))), 303: {"description": "signed in"}},
                (400, 401, 403, 404, 421, 503),
                body=_obj(("token",), token={"type": "string", "minLength": 1}),
                tag="identity",
                public=True,
            )
        },
        V1 + "/logout": {
            "post": _op(
                "in-cluster mode: end the login session",
                {200: _json(_obj(("signedOut",), signedOut=_BOOL))},
                (403, 404),
                tag="identity",
            )
        },
        V1 + "/whoami": {
            "get": _op(
                "in-cluster mode: the requesting Kubernetes user",
                {200: _json(_obj(("user", "via"), user=_ref("User"), via=_STR))},
                (404,),
                tag="identity",
            )
        },
        V1 + "/live": {
            "get": _op(
                "the live WebSocket (messages: docs/api.md; max message size, subscription cap)",
                {101: {"description": "switching to the WebSocket protocol"}},
                (400, 403),
                tag="live",
            )
        },
    }
    # Paths of endpoints being added on other branches (objects' relations / events / helm /
    # reveal / history, /kinds, drains, audit export, the new actions): the lead adds them
    # here at merge, beside their routes in app.py.
    paths.update(_PENDING_PATHS)
    return paths


def _object_paths() -> dict[str, Schema]:
    """Reads beside an object: relations, events, Helm release, Secret reveal; the kinds and
    Helm release listings of a cluster."""
    obj = C + "/objects/{group}/{version}/{resource}/{namespace}/{name}"
    obj_params = [
        CLUSTER,
        _path("group", f"API group, `{CORE_GROUP}` for the core group"),
        _path("version", "API version"),
        _path("resource", "plural resource name"),
        _path("namespace", "namespace, `_` for cluster-scoped objects"),
        _path("name", "object name"),
    ]
    any_object = _json({"type": "object"})
    reads = (400, 403, 404, 422, 502, 503)
    drain = [CLUSTER, _path("drain", "drain id")]
    return {
        C + "/drains/{drain}": {
            "parameters": drain,
            "get": _op("a drain's progress", {200: any_object}, (404,), tag="actions"),
            "delete": _op("cancel a drain", {200: any_object}, (403, 404), tag="actions"),
        },
        C + "/drains/{drain}/stream": {
            "parameters": drain,
            "get": _op("a drain's progress as SSE", {200: _text("events", _SSE)}, (404,)),
        },
        C + "/objects/apps/v1/{resource}/{namespace}/{name}/history": {
            "parameters": [
                CLUSTER,
                _path("resource", "a workload", {"type": "string", "enum": list(ROLLABLE)}),
                _path("namespace", "namespace"),
                _path("name", "name"),
            ],
            "get": _op("rollout revisions, newest first", {200: any_object}, reads),
        },
        V1 + "/audit/export": {
            "get": _op(
                "the audit log as a download",
                {
                    200: {
                        "description": "JSON lines or CSV",
                        "content": {"application/x-ndjson": {"schema": _STR}, "text/csv": {}},
                    }
                },
                (400, 404, 503),
                params=(
                    _param("format", {"type": "string", "enum": ["jsonl", "csv"]}),
                    _param("cluster", _STR),
                ),
            )
        },
        C + "/kinds": {
            "parameters": [CLUSTER],
            "get": _op("discovered resources with access and counts", {200: any_object}, reads),
        },
        C + "/helm": {
            "parameters": [CLUSTER],
            "get": _op(
                "Helm releases (latest revision of each)",
                {200: any_object},
                reads,
                params=(_param("namespace", _STR),),
            ),
        },
        C + "/helm/{namespace}/{release}": {
            "parameters": [CLUSTER, _path("namespace", "namespace"), _path("release", "release")],
            "get": _op("a Helm release's latest revision", {200: any_object}, reads),
        },
        obj + "/relations": {
            "parameters": obj_params,
            "get": _op(
                "owners, owned, pods, node, volumes, services, endpointSlices",
                {200: any_object},
                reads,
            ),
        },
        obj + "/events": {
            "parameters": obj_params,
            "get": _op(
                "the object's events, live and from history, newest first",
                {200: any_object},
                reads,
                params=(
                    _param("since", TIME),
                    _param("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}),
                ),
            ),
        },
        obj + "/helm": {
            "parameters": obj_params,
            "get": _op("the Helm release a release Secret stores", {200: any_object}, reads),
        },
        obj + "/reveal": {
            "parameters": obj_params,
            "post": _op(
                "a Secret's decoded values (no-store)",
                {200: any_object},
                reads,
                body=_obj(keys=_array(_STR)),
            ),
        },
    }


_PENDING_PATHS: dict[str, Schema] = _object_paths()


@functools.cache
def document() -> dict[str, Any]:
    return {
        "openapi": VERSION,
        "info": {
            "title": "masthead",
            "version": "1",
            "description": "masthead's HTTP API (docs/api.md). Authenticate with "
            "`Authorization: Bearer TOKEN` or the session cookie the launch URL sets.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}, {"session": []}],
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": COOKIE},
            },
            "schemas": SCHEMAS,
        },
        "paths": _paths(),
    }


async def serve(request: web.Request) -> web.Response:
    return json_response(document())
