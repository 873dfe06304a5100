"""The simulator's OpenAPI: the `/openapi/v3` index, one v3 document per group-version, and v2.

kubectl needs these for `apply --validate=strict` (a PATCH operation carrying the kind's
`x-kubernetes-group-version-kind` and a `fieldValidation` query parameter) and for `explain`
(`components.schemas` with upstream definition names). Documents are serialised once per
content and kept in a small module-wide cache, so a catalogue change only rebuilds the
group-versions it touched.
"""

from __future__ import annotations

import copy
import hashlib
import importlib.metadata
from collections import OrderedDict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import orjson

from masthead.sim import openapi_schemas as schemas
from masthead.sim.resources import ResourceInfo, Subresource

Schema = dict[str, Any]

INFO = {"title": "Kubernetes", "version": "1.36"}
_SECURITY_SCHEMES = {
    "BearerToken": {
        "type": "apiKey",
        "description": "Bearer Token authentication",
        "name": "authorization",
        "in": "header",
    }
}
_OBJECT_TYPES = ("application/json", "application/vnd.kubernetes.protobuf", "application/yaml")
_LIST_TYPES = (
    "application/json",
    "application/json;stream=watch",
    "application/vnd.kubernetes.protobuf",
    "application/vnd.kubernetes.protobuf;stream=watch",
    "application/yaml",
)
_PATCH_TYPES = (
    "application/apply-patch+yaml",
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
)
_STATUS = f"{schemas.META}.v1.Status"
_DELETE_OPTIONS = f"{schemas.META}.v1.DeleteOptions"
_META_ROOTS = ("V1Status", "V1DeleteOptions", "V1APIResourceList")
_UNAUTHORIZED = {"401": {"description": "Unauthorized"}}

# Index hashes are computed from the inputs of a document rather than its bytes, so serving
# the index never forces building every document. The generator's own source and the model
# package version are inputs too: a changed generator must not reuse a client's cached copy.
_GENERATOR = hashlib.sha512(
    importlib.metadata.version("kubernetes").encode()
    + Path(schemas.__file__ or "").read_bytes()
    + Path(__file__).read_bytes()
).digest()

_CACHE_SIZE = 64
_cache: OrderedDict[str, bytes] = OrderedDict()


def _friendly(group: str) -> str:
    """`rbac.authorization.k8s.io` → `rbacAuthorization`, as in upstream tags and operation ids."""
    parts = (group.removesuffix(".k8s.io") or "core").replace("-", ".").split(".")
    return parts[0] + "".join(p.capitalize() for p in parts[1:])


def _content(schema: Schema, types: Iterable[str]) -> Schema:
    return {t: {"schema": schema} for t in types}


def _responses(schema: Schema, codes: Iterable[str], types: Iterable[str]) -> Schema:
    out: Schema = {
        c: {"description": _CODE_TEXT[c], "content": _content(schema, types)} for c in codes
    }
    return out | _UNAUTHORIZED


_CODE_TEXT = {"200": "OK", "201": "Created", "202": "Accepted"}


def _param(name: str, where: str, description: str, kind: str = "string") -> Schema:
    param: Schema = {"name": name, "in": where, "description": description}
    if where == "path":
        param["required"] = True
    param["schema"] = {"type": kind, "uniqueItems": True}
    return param


def _name_param(kind: str) -> Schema:
    return _param("name", "path", f"name of the {kind}")


_NAMESPACE_PARAM = _param(
    "namespace", "path", "object name and auth scope, such as for teams and projects"
)
_PRETTY_PARAM = _param(
    "pretty",
    "query",
    "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent "
    "indicates a browser or command-line HTTP tool (curl and wget).",
)
_LIST_PARAMS = [
    _param(
        "allowWatchBookmarks",
        "query",
        'allowWatchBookmarks requests watch events with type "BOOKMARK".',
        "boolean",
    ),
    _param(
        "continue",
        "query",
        "The continue option should be set when retrieving more results from the server.",
    ),
    _param(
        "fieldSelector",
        "query",
        "A selector to restrict the list of returned objects by their fields. "
        "Defaults to everything.",
    ),
    _param(
        "labelSelector",
        "query",
        "A selector to restrict the list of returned objects by their labels. "
        "Defaults to everything.",
    ),
    _param(
        "limit",
        "query",
        "limit is a maximum number of responses to return for a list call.",
        "integer",
    ),
    _param(
        "resourceVersion",
        "query",
        "resourceVersion sets a constraint on what resource versions a request may be served from.",
    ),
    _param(
        "resourceVersionMatch",
        "query",
        "resourceVersionMatch determines how resourceVersion is applied to list calls.",
    ),
    _param(
        "sendInitialEvents",
        "query",
        "`sendInitialEvents=true` may be set together with `watch=true`.",
        "boolean",
    ),
    _param(
        "timeoutSeconds",
        "query",
        "Timeout for the list/watch call. This limits the duration of the call, regardless of "
        "any activity or inactivity.",
        "integer",
    ),
    _param(
        "watch",
        "query",
        "Watch for changes to the described resources and return them as a stream of add, "
        "update, and remove notifications. Specify resourceVersion.",
        "boolean",
    ),
]
_DRY_RUN_PARAM = _param(
    "dryRun",
    "query",
    "When present, indicates that modifications should not be persisted. An invalid or "
    "unrecognized dryRun directive will result in an error response and no further processing "
    "of the request. Valid values are: - All: all dry run stages will be processed",
)
_WRITE_PARAMS = [
    _DRY_RUN_PARAM,
    _param(
        "fieldManager",
        "query",
        "fieldManager is a name associated with the actor or entity that is making these "
        "changes. The value must be less than or 128 characters long, and only contain "
        "printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint.",
    ),
    _param(
        "fieldValidation",
        "query",
        "fieldValidation instructs the server on how to handle objects in the request "
        "(POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: "
        "This will ignore any unknown fields that are silently dropped from the object, and "
        "will ignore all but the last duplicate field that the decoder encounters. - Warn: This "
        "will send a warning via the standard warning response header for each unknown field "
        "that is dropped from the object, and for each duplicate field that is encountered. - "
        "Strict: This will fail the request with a BadRequest error if any unknown fields would "
        "be dropped from the object, or if any duplicate fields are present.",
    ),
]
_FORCE_PARAM = _param(
    "force",
    "query",
    'Force is going to "force" Apply requests. It means user will re-acquire conflicting '
    "fields owned by other people. Force flag must be unset for non-apply patch requests.",
    "boolean",
)
_DELETE_PARAMS = [
    _DRY_RUN_PARAM,
    _param(
        "gracePeriodSeconds",
        "query",
        "The duration in seconds before the object should be deleted. Value must be "
        "non-negative integer. The value zero indicates delete immediately.",
        "integer",
    ),
    _param(
        "orphanDependents",
        "query",
        "Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7.",
        "boolean",
    ),
    _param(
        "propagationPolicy",
        "query",
        "Whether and how garbage collection will be performed. Acceptable values are: "
        "'Orphan', 'Background' and 'Foreground'.",
    ),
]


def _body(schema: Schema, types: Iterable[str]) -> Schema:
    return {"content": _content(schema, types), "required": True}


def _article(kind: str) -> str:
    return f"an {kind}" if kind[:1] in "AEIOU" else f"a {kind}"


class _GroupVersion:
    """Paths and schemas of one group-version's resources."""

    def __init__(self, group: str, version: str, resources: list[ResourceInfo]) -> None:
        self.group = group
        self.version = version
        self.resources = resources
        self.prefix = f"/apis/{group}/{version}" if group else f"/api/{version}"
        friendly = _friendly(group)
        self.tag = f"{friendly}_{version}"
        self.op_prefix = friendly[0].upper() + friendly[1:] + version.capitalize()
        self.paths: dict[str, Schema] = {}
        self.roots: list[tuple[str, str]] = [(c, schemas.META) for c in _META_ROOTS]
        self.custom: dict[str, Schema] = {}

    def document(self) -> Schema:
        self.paths[self.prefix + "/"] = {
            "get": {
                "tags": [self.tag],
                "description": "get available resources",
                "operationId": f"get{self.op_prefix}APIResources",
                "responses": _responses(
                    schemas.ref(f"{schemas.META}.v1.APIResourceList"), ["200"], _OBJECT_TYPES
                ),
            }
        }
        for r in self.resources:
            self._resource(r)
        components = schemas.component_schemas(self.roots) | self.custom
        components[schemas.PATCH] = schemas.special_schema(schemas.PATCH)
        return {
            "openapi": "3.0.0",
            "info": INFO,
            "paths": dict(sorted(self.paths.items())),
            "components": {
                "schemas": dict(sorted(components.items())),
                "securitySchemes": _SECURITY_SCHEMES,
            },
        }

    def _kind_schema(self, r: ResourceInfo) -> tuple[str, str]:
        """Definition names of the resource's kind and list kind."""
        if r.crd is not None:
            (kind_def, kind_schema), (list_def, list_schema) = _custom_schemas(r)
            self.custom |= {kind_def: kind_schema, list_def: list_schema}
            self.roots.append(("V1ListMeta", schemas.META))
            return kind_def, list_def
        package = schemas.group_package(r.group)
        # Create-only kinds (Binding, the reviews) have no list type.
        kinds = (r.kind, r.list_kind) if "list" in r.verbs else (r.kind,)
        names = []
        for kind in kinds:
            cls = schemas.kind_class(r.group, r.version, kind)
            if cls is None:
                raise LookupError(f"no model for {r.api_version} {kind}")
            self.roots.append((cls, package))
            names.append(schemas.definition_name(cls, package))
        return names[0], names[-1]

    def _gvk(self, kind: str, group: str | None = None, version: str | None = None) -> Schema:
        return {
            "group": self.group if group is None else group,
            "version": version or self.version,
            "kind": kind,
        }

    def _op(
        self,
        action: str,
        verb_text: str,
        op_id: str,
        gvk: Schema,
        responses: Schema,
        params: list[Schema] | None = None,
        body: Schema | None = None,
    ) -> Schema:
        op: Schema = {"tags": [self.tag], "description": verb_text, "operationId": op_id}
        if params:
            op["parameters"] = params
        if body is not None:
            op["requestBody"] = body
        op["responses"] = responses
        op["x-kubernetes-action"] = action
        op["x-kubernetes-group-version-kind"] = gvk
        return op

    def _resource(self, r: ResourceInfo) -> None:
        kind_def, list_def = self._kind_schema(r)
        kind_ref, gvk = schemas.ref(kind_def), self._gvk(r.kind)
        scope = "Namespaced" if r.namespaced else ""
        collection = (
            f"{self.prefix}/namespaces/{{namespace}}/{r.resource}"
            if r.namespaced
            else f"{self.prefix}/{r.resource}"
        )
        scoped = [_NAMESPACE_PARAM] if r.namespaced else []
        ops: Schema = {}
        if "list" in r.verbs:
            ops["get"] = self._op(
                "list",
                f"list or watch objects of kind {r.kind}",
                f"list{self.op_prefix}{scope}{r.kind}",
                gvk,
                _responses(schemas.ref(list_def), ["200"], _LIST_TYPES),
                _LIST_PARAMS,
            )
        if "create" in r.verbs:
            ops["post"] = self._op(
                "post",
                f"create {_article(r.kind)}",
                f"create{self.op_prefix}{scope}{r.kind}",
                gvk,
                _responses(kind_ref, ["200", "201", "202"], _OBJECT_TYPES),
                _WRITE_PARAMS,
                _body(kind_ref, _OBJECT_TYPES),
            )
        if "deletecollection" in r.verbs:
            ops["delete"] = self._op(
                "deletecollection",
                f"delete collection of {r.kind}",
                f"delete{self.op_prefix}Collection{scope}{r.kind}",
                gvk,
                _responses(schemas.ref(_STATUS), ["200"], _OBJECT_TYPES),
                _DELETE_PARAMS + _LIST_PARAMS,
                _body(schemas.ref(_DELETE_OPTIONS), _OBJECT_TYPES),
            )
        if ops:
            self.paths[collection] = ops | {"parameters": [*scoped, _PRETTY_PARAM]}
        if r.namespaced and "list" in r.verbs:
            self.paths[f"{self.prefix}/{r.resource}"] = {
                "get": self._op(
                    "list",
                    f"list or watch objects of kind {r.kind}",
                    f"list{self.op_prefix}{r.kind}ForAllNamespaces",
                    gvk,
                    _responses(schemas.ref(list_def), ["200"], _LIST_TYPES),
                ),
                "parameters": sorted([*_LIST_PARAMS, _PRETTY_PARAM], key=lambda p: str(p["name"])),
            }
        item = f"{collection}/{{name}}"
        item_ops = self._object_ops(r.kind, "", kind_ref, gvk, r.verbs, scope, crd=r.is_custom)
        if item_ops:
            item_params = [_name_param(r.kind), *scoped, _PRETTY_PARAM]
            self.paths[item] = item_ops | {"parameters": item_params}
        for sub in r.subresources:
            self._subresource(r, sub, item, scope, [_name_param(r.kind), *scoped, _PRETTY_PARAM])

    def _object_ops(
        self,
        kind: str,
        suffix: str,
        schema: Schema,
        gvk: Schema,
        verbs: Iterable[str],
        scope: str,
        *,
        crd: bool,
    ) -> Schema:
        """get/put/patch/delete on one object (or on one of its subresources, named by suffix)."""
        what = f"{suffix.lower()} of the specified {kind}" if suffix else f"the specified {kind}"
        op_name = f"{self.op_prefix}{scope}{kind}{suffix}"
        ops: Schema = {}
        if "get" in verbs:
            ops["get"] = self._op(
                "get",
                f"read {what}",
                f"read{op_name}",
                gvk,
                _responses(schema, ["200"], _OBJECT_TYPES),
            )
        if "update" in verbs:
            ops["put"] = self._op(
                "put",
                f"replace {what}",
                f"replace{op_name}",
                gvk,
                _responses(schema, ["200", "201"], _OBJECT_TYPES),
                _WRITE_PARAMS,
                _body(schema, _OBJECT_TYPES),
            )
        if "delete" in verbs:
            ops["delete"] = self._op(
                "delete",
                f"delete {_article(kind)}",
                f"delete{op_name}",
                gvk,
                _responses(schemas.ref(_STATUS), ["200", "202"], _OBJECT_TYPES),
                _DELETE_PARAMS,
                _body(schemas.ref(_DELETE_OPTIONS), _OBJECT_TYPES),
            )
        if "patch" in verbs:
            # Custom resources have no Go struct to read patch strategies from, so upstream
            # does not accept strategic merge patches for them.
            patch_types = _PATCH_TYPES[:3] if crd else _PATCH_TYPES
            ops["patch"] = self._op(
                "patch",
                f"partially update {what}",
                f"patch{op_name}",
                gvk,
                _responses(schema, ["200", "201"], _OBJECT_TYPES),
                [*_WRITE_PARAMS, _FORCE_PARAM],
                _body(schemas.ref(schemas.PATCH), patch_types),
            )
        return ops

    def _subresource(
        self, r: ResourceInfo, sub: Subresource, item: str, scope: str, params: list[Schema]
    ) -> None:
        suffix = sub.name.capitalize()
        group = r.group if sub.group is None else sub.group
        version = sub.version or r.version
        gvk = self._gvk(sub.kind, group, version)
        cls = schemas.kind_class(group, version, sub.kind)
        if r.is_custom and sub.kind == r.kind:
            cls = None
            schema = schemas.ref(_custom_definition(r.group, r.version, r.kind))
        elif cls is not None:
            package = schemas.group_package(group)
            self.roots.append((cls, package))
            schema = schemas.ref(schemas.definition_name(cls, package))
        ops: Schema
        if (cls is None and not r.is_custom) or sub.name == "log":
            ops = self._connect_ops(r.kind, sub, scope, gvk)
        elif sub.verbs == ("create",):
            ops = {
                "post": self._op(
                    "post",
                    f"create {sub.name} of {_article(r.kind)}",
                    f"create{self.op_prefix}{scope}{r.kind}{suffix}",
                    gvk,
                    _responses(schema, ["200", "201", "202"], _OBJECT_TYPES),
                    _WRITE_PARAMS,
                    _body(schema, _OBJECT_TYPES),
                )
            }
        else:
            ops = self._object_ops(r.kind, suffix, schema, gvk, sub.verbs, scope, crd=r.is_custom)
        if ops:
            self.paths[f"{item}/{sub.name}"] = ops | {"parameters": params}

    def _connect_ops(self, kind: str, sub: Subresource, scope: str, gvk: Schema) -> Schema:
        """Streaming subresources answer with text, not with an object."""
        text = _responses({"type": "string"}, ["200"], ["*/*"])
        if sub.name == "log":
            return {
                "get": self._op(
                    "get",
                    f"read log of the specified {kind}",
                    f"read{self.op_prefix}{scope}{kind}Log",
                    gvk,
                    text,
                )
            }
        methods = {
            "get": "get",
            "create": "post",
            "update": "put",
            "delete": "delete",
            "patch": "patch",
        }
        ops: Schema = {}
        for verb in sub.verbs:
            method = methods[verb]
            ops[method] = self._op(
                "connect",
                f"connect {method.upper()} requests to {sub.name} of {kind}",
                f"connect{self.op_prefix}{method.capitalize()}{scope}{kind}{sub.name.capitalize()}",
                gvk,
                text,
            )
        return ops


def _custom_definition(group: str, version: str, kind: str) -> str:
    """`stable.example.com/v1 CronTab` → `com.example.stable.v1.CronTab`, as upstream names it."""
    return ".".join([*reversed(group.split(".")), version, kind])


def _custom_schemas(r: ResourceInfo) -> tuple[tuple[str, Schema], tuple[str, Schema]]:
    """The kind and list schemas of a custom resource, from its CRD's structural schema."""
    assert r.crd is not None
    versions = (r.crd.get("spec") or {}).get("versions") or []
    entry: Schema = next((v for v in versions if v.get("name") == r.version), {})
    declared = (entry.get("schema") or {}).get("openAPIV3Schema")
    kind_schema: Schema = copy.deepcopy(declared) if declared else {"type": "object"}
    if not declared:
        kind_schema["x-kubernetes-preserve-unknown-fields"] = True
    type_meta = schemas.type_meta_properties()
    kind_schema["properties"] = (kind_schema.get("properties") or {}) | {
        **type_meta,
        "metadata": {
            "description": schemas.METADATA_DESCRIPTION,
            "allOf": [schemas.ref(f"{schemas.META}.v1.ObjectMeta")],
        },
    }
    kind_schema["x-kubernetes-group-version-kind"] = [
        {"group": r.group, "version": r.version, "kind": r.kind}
    ]
    kind_def = _custom_definition(r.group, r.version, r.kind)
    list_schema: Schema = {
        "description": f"{r.list_kind} is a list of {r.kind}",
        "type": "object",
        "required": ["items"],
        "properties": {
            "apiVersion": type_meta["apiVersion"],
            "items": {
                "description": f"List of {r.resource}. More info: https://kubernetes.io/docs/reference/"
                "using-api/api-concepts/#collections",
                "type": "array",
                "items": schemas.ref(kind_def),
            },
            "kind": type_meta["kind"],
            "metadata": {
                "description": schemas.LIST_METADATA_DESCRIPTION,
                "allOf": [schemas.ref(f"{schemas.META}.v1.ListMeta")],
            },
        },
        "x-kubernetes-group-version-kind": [
            {"group": r.group, "version": r.version, "kind": r.list_kind}
        ],
    }
    return (kind_def, kind_schema), (
        _custom_definition(r.group, r.version, r.list_kind),
        list_schema,
    )


def _discovery_document(path: str, op_id: str, tag: str, definition: str) -> Schema:
    """`/api/`, `/apis/` and `/apis/<group>/`: one discovery GET each."""
    return {
        "openapi": "3.0.0",
        "info": INFO,
        "paths": {
            path: {
                "get": {
                    "tags": [tag],
                    "description": "get available API versions"
                    if "Versions" in op_id
                    else "get information of a group",
                    "operationId": op_id,
                    "responses": _responses(
                        schemas.ref(f"{schemas.META}.v1.{definition}"), ["200"], _OBJECT_TYPES
                    ),
                }
            }
        },
        "components": {
            "schemas": schemas.component_schemas([("V1" + definition, schemas.META)]),
            "securitySchemes": _SECURITY_SCHEMES,
        },
    }


class OpenApiBuilder:
    """OpenAPI documents for one state of the resource catalogue.

    Build a new one whenever the catalogue changes; documents whose inputs did not change are
    served from the module-wide cache without being rebuilt.
    """

    def __init__(self, resources: Iterable[ResourceInfo]) -> None:
        by_gv: dict[str, list[ResourceInfo]] = {}
        for r in resources:
            key = f"apis/{r.group}/{r.version}" if r.group else f"api/{r.version}"
            by_gv.setdefault(key, []).append(r)
        self._resources = by_gv
        self._hashes: dict[str, str] = {}
        for key, rs in by_gv.items():
            self._hashes[key] = _input_hash(key, rs)
        for key in [
            "api",
            "apis",
            *{f"apis/{rs[0].group}" for rs in by_gv.values() if rs[0].group},
        ]:
            self._hashes[key] = _input_hash(key, [])
        self._v2_hash = _input_hash("v2", [r for rs in by_gv.values() for r in rs])

    def v3_index(self) -> dict[str, Any]:
        """The `/openapi/v3` body: every document path with its hash-pinned URL."""
        return {
            "paths": {
                key: {"serverRelativeURL": f"/openapi/v3/{key}?hash={digest}"}
                for key, digest in sorted(self._hashes.items())
            }
        }

    def v3_document(self, path: str) -> bytes | None:
        """The document for an index path (`api/v1`, `apis/apps/v1`, …), or None if unknown."""
        digest = self._hashes.get(path)
        if digest is None:
            return None
        return _cached(digest, lambda: self._build_v3(path))

    def v3_etag(self, path: str) -> str | None:
        digest = self._hashes.get(path)
        return None if digest is None else f'"{digest}"'

    def v2_document(self) -> bytes:
        return _cached(self._v2_hash, self._build_v2)

    def v2_etag(self) -> str:
        return f'"{self._v2_hash}"'

    def _build_v3(self, path: str) -> Schema:
        if path == "api":
            return _discovery_document("/api/", "getCoreAPIVersions", "core", "APIVersions")
        if path == "apis":
            return _discovery_document("/apis/", "getAPIVersions", "apis", "APIGroupList")
        resources = self._resources.get(path)
        if resources is None:
            group = path.removeprefix("apis/")
            friendly = _friendly(group)
            op_id = f"get{friendly[0].upper()}{friendly[1:]}APIGroup"
            return _discovery_document(f"/{path}/", op_id, friendly, "APIGroup")
        return _GroupVersion(resources[0].group, resources[0].version, resources).document()

    def _build_v2(self) -> Schema:
        paths: Schema = {}
        definitions: Schema = {}
        for key in sorted(self._resources):
            doc = self._build_v3(key)
            paths |= doc["paths"]
            definitions |= doc["components"]["schemas"]
        return _to_v2(dict(sorted(paths.items())), dict(sorted(definitions.items())))


def _input_hash(key: str, resources: list[ResourceInfo]) -> str:
    digest = hashlib.sha512(_GENERATOR)
    digest.update(orjson.dumps([key, resources], option=orjson.OPT_SORT_KEYS))
    return digest.hexdigest().upper()


def _cached(digest: str, build: Callable[[], Schema]) -> bytes:
    body = _cache.get(digest)
    if body is None:
        body = orjson.dumps(build())
        _cache[digest] = body
        if len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    else:
        _cache.move_to_end(digest)
    return body


# --- OpenAPI v2 (Swagger 2.0), derived from the v3 documents ---

_V2_REF = "#/definitions/"
_METHODS = ("get", "put", "post", "delete", "patch")


def _to_v2(paths: Schema, definitions: Schema) -> Schema:
    return {
        "swagger": "2.0",
        "info": INFO,
        "paths": {p: _v2_path(item) for p, item in paths.items()},
        "definitions": {name: _v2_schema(s) for name, s in definitions.items()},
        "securityDefinitions": _SECURITY_SCHEMES,
        "security": [{"BearerToken": []}],
    }


def _v2_path(item: Schema) -> Schema:
    out: Schema = {m: _v2_operation(item[m]) for m in _METHODS if m in item}
    if "parameters" in item:
        out["parameters"] = [_v2_param(p) for p in item["parameters"]]
    return out


def _v2_operation(op: Schema) -> Schema:
    body = op.get("requestBody")
    produces: dict[str, None] = {}
    responses: Schema = {}
    for code, response in op["responses"].items():
        converted: Schema = {"description": response["description"]}
        content = response.get("content") or {}
        produces |= dict.fromkeys(content)
        if content:
            converted["schema"] = _v2_schema(next(iter(content.values()))["schema"])
        responses[code] = converted
    out: Schema = {"description": op["description"]}
    out["consumes"] = list(body["content"]) if body else ["*/*"]
    out["produces"] = list(produces)
    out["schemes"] = ["https"]
    out["tags"] = op["tags"]
    out["operationId"] = op["operationId"]
    params = [_v2_param(p) for p in op.get("parameters", [])]
    if body:
        schema = _v2_schema(next(iter(body["content"].values()))["schema"])
        params.insert(0, {"name": "body", "in": "body", "required": True, "schema": schema})
    if params:
        out["parameters"] = params
    out["responses"] = responses
    return out | {k: v for k, v in op.items() if k.startswith("x-kubernetes-")}


def _v2_param(param: Schema) -> Schema:
    schema: Schema = param["schema"]
    return {k: v for k, v in param.items() if k != "schema"} | schema


def _v2_schema(node: Any) -> Any:
    """Swagger 2.0 allows siblings of `$ref` but has no `oneOf`."""
    if isinstance(node, list):
        return [_v2_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    if isinstance(node.get("$ref"), str):
        return {"$ref": node["$ref"].replace(schemas.REF_PREFIX, _V2_REF)}
    out = {k: _v2_schema(v) for k, v in node.items()}
    # Only the wrappers and type unions generated here are rewritten; allOf/oneOf written in a
    # CRD schema are validation rules and stay as they are.
    all_of, one_of = node.get("allOf"), node.get("oneOf")
    if isinstance(all_of, list) and len(all_of) == 1 and "$ref" in all_of[0]:
        del out["allOf"]
        out |= _v2_schema(all_of[0])
    if isinstance(one_of, list) and all(isinstance(o, dict) and set(o) == {"type"} for o in one_of):
        del out["oneOf"]
        out["type"] = "string"
        if {"type": "integer"} in one_of:
            out["format"] = "int-or-string"
    return out
