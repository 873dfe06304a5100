"""The simulator's HTTP face: one aiohttp handler that authenticates, authorizes, routes and
renders exactly like kube-apiserver (status codes, Status bodies, content types, streams).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
import yaml
from aiohttp import web

from masthead.selectors import (
    FieldSelector,
    LabelSelector,
    SelectorError,
    parse_field_selector,
    parse_label_selector,
)
from masthead.sim import errors, reviews, tables
from masthead.sim.auth import TokenAuthenticator, impersonation
from masthead.sim.catalog import Catalog
from masthead.sim.discovery import AGGREGATED_V2, Discovery
from masthead.sim.errors import ApiError
from masthead.sim.eventconv import core_to_events_v1, events_v1_to_core
from masthead.sim.eviction import evict
from masthead.sim.fieldsets import check_field_selector
from masthead.sim.listing import list_body, parse_list_request, run_list
from masthead.sim.managedfields import manager_from_user_agent
from masthead.sim.openapi import OpenApiBuilder
from masthead.sim.patch import parse_patch_body
from masthead.sim.protobuf import decode_protobuf
from masthead.sim.rbac import Attributes, RbacAuthorizer, UserInfo, forbidden_error
from masthead.sim.registry import DeleteOptions, Registry, WriteContext, now_rfc3339
from masthead.sim.request_counts import RequestCounts
from masthead.sim.resources import REVIEW_RESOURCES, ResourceInfo
from masthead.sim.routing import DiscoveryRoute, ResourceRoute, UnknownResource, route
from masthead.sim.store import ObjectStore, Stored
from masthead.sim.validation import check_namespace, decode_body
from masthead.sim.watching import (
    WatchSession,
    parse_bool,
    parse_watch_options,
    plain_bookmark_line,
    plain_event_line,
)
from masthead.sim.watchlines import ConvertedLines

VERSION_INFO = {
    "major": "1",
    "minor": "36",
    "emulationMajor": "1",
    "emulationMinor": "36",
    "minCompatibilityMajor": "1",
    "minCompatibilityMinor": "35",
    "gitVersion": "v1.36.2",
    "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean",
    "buildDate": "2026-11-01T00:00:00Z",
    "goVersion": "go1.26.4",
    "compiler": "gc",
    "platform": "linux/amd64",
}
JSON = "application/json"
NO_CACHE = {"Cache-Control": "no-cache, private"}
OPEN_PATHS = ("/version", "/version/", "/healthz", "/livez", "/readyz")
READYZ_CHECKS = (  # kube-apiserver 1.36 (no etcd check in /readyz)
    "ping",
    "log",
    "informer-sync",
    "poststarthook/start-apiserver-admission-initializer",
    "poststarthook/generic-apiserver-start-informers",
    "poststarthook/max-in-flight-filter",
    "poststarthook/storage-object-count-tracker-hook",
    "poststarthook/start-apiextensions-informers",
    "poststarthook/start-apiextensions-controllers",
    "poststarthook/crd-informer-synced",
    "poststarthook/start-system-namespaces-controller",
    "poststarthook/peer-endpoint-reconciler-controller",
    "poststarthook/start-cluster-authentication-info-controller",
    "poststarthook/start-kube-apiserver-identity-lease-controller",
    "poststarthook/start-kube-apiserver-identity-lease-garbage-collector",
    "poststarthook/storage-readiness",
    "poststarthook/start-legacy-token-tracking-controller",
    "poststarthook/start-service-ip-repair-controllers",
    "poststarthook/rbac/bootstrap-roles",
    "poststarthook/scheduling/bootstrap-system-priority-classes",
    "poststarthook/priority-and-fairness-config-producer",
    "poststarthook/bootstrap-controller",
    "poststarthook/start-kubernetes-service-cidr-controller",
    "poststarthook/start-kube-aggregator-informers",
    "poststarthook/apiservice-status-local-available-controller",
    "poststarthook/apiservice-status-remote-available-controller",
    "poststarthook/apiservice-registration-controller",
    "poststarthook/apiservice-wait-for-first-sync",
    "poststarthook/apiservice-discovery-controller",
    "poststarthook/kube-apiserver-autoregistration",
    "autoregister-completion",
    "poststarthook/apiservice-openapi-controller",
    "poststarthook/apiservice-openapiv3-controller",
    "shutdown",
)
LIVEZ_CHECKS = ("ping", "log", "etcd", "poststarthook/start-apiserver-admission-initializer")


def _quote_warning(text: str) -> str:
    """The warn-text of a Warning header is a quoted-string: escape backslashes and quotes."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


RawHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]
RequestHook = Callable[[web.Request], Awaitable[web.StreamResponse | None]]
GroupHandler = Callable[[web.Request, ResourceRoute, UserInfo], Awaitable[web.StreamResponse]]
LogHandler = Callable[[web.Request, dict[str, Any]], Awaitable[web.StreamResponse]]


@dataclass(eq=False)
class ActiveWatch:
    """An open watch stream: its session (to stall or end it) and request (to reset it)."""

    session: WatchSession
    request: web.Request


@dataclass
class ServerSettings:
    watch_list_enabled: bool = True
    bookmark_period: float = 60.0
    min_request_timeout: float = 1800.0


@dataclass
class Negotiated:
    mode: str  # json | table | meta | yaml
    include_object: str = "Metadata"


def negotiate(accept: str, q: Mapping[str, str]) -> Negotiated:
    if not accept:
        return Negotiated("json")
    ok_json = False
    for part in accept.split(","):
        media, *params = [p.strip() for p in part.split(";")]
        pm = dict(p.split("=", 1) for p in params if "=" in p)
        if pm.get("as") == "Table" and pm.get("g") == "meta.k8s.io":
            return Negotiated("table", q.get("includeObject", "") or "Metadata")
        if (
            pm.get("as") in ("PartialObjectMetadataList", "PartialObjectMetadata")
            and pm.get("g") == "meta.k8s.io"
        ):
            return Negotiated("meta")
        if pm.get("as"):
            continue
        if media in ("application/json", "*/*", "application/*", "application/json;stream=watch"):
            ok_json = True
            break
        if media == "application/yaml":
            return Negotiated("yaml")
    if ok_json:
        return Negotiated("json")
    raise errors.not_acceptable()


def json_response(
    body: bytes | dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    data = body if isinstance(body, bytes) else orjson.dumps(body)
    h = {"Content-Type": JSON, **NO_CACHE}
    if headers:
        h.update(headers)
    return web.Response(body=data, status=status, headers=h)


def error_response(e: ApiError) -> web.Response:
    headers: dict[str, str] = {}
    if e.retry_after is not None:
        headers["Retry-After"] = str(e.retry_after)
    if e.plain_text:
        return web.Response(
            text=e.message,
            status=e.code,
            headers={
                "Content-Type": "text/plain; charset=utf-8",
                **NO_CACHE,
                "X-Content-Type-Options": "nosniff",
                **headers,
            },
        )
    if e.code == 403:
        headers["X-Content-Type-Options"] = "nosniff"
    return json_response(e.status(), e.code, headers)


class SimServer:
    def __init__(
        self,
        store: ObjectStore,
        catalog: Catalog,
        registry: Registry,
        authn: TokenAuthenticator,
        authz: RbacAuthorizer,
        server_address: str,
        settings: ServerSettings,
    ) -> None:
        self.store = store
        self.catalog = catalog
        self.registry = registry
        self.authn = authn
        self.authz = authz
        self.discovery = Discovery(catalog, server_address)
        self.openapi_cache: tuple[int, OpenApiBuilder] | None = None
        self.settings = settings
        self.requests_total = 0
        # By client, verb and resource: what reached the API past the fault hooks.
        self.request_counts = RequestCounts()
        self.watches_open = 0
        # Converted (events.k8s.io) watch lines, encoded once and shared by every watcher.
        self.converted_lines = ConvertedLines()
        # Seams for the simulated world (faults, admin API, aggregated APIs, pod logs):
        # - prefix_handlers: paths served outside the Kubernetes API (e.g. "/_sim/")
        # - request_hooks: run before authentication; a response short-circuits the request
        #   (429s, 5xx bursts, latency, "server down")
        # - group_handlers: API groups served by another "server" (metrics.k8s.io), called
        #   after authorization with the resolved route
        # - log_handler: pods/log of a scheduled pod
        # - active_watches: open watch streams, so faults can drop or stall them
        self.prefix_handlers: dict[str, RawHandler] = {}
        self.request_hooks: list[RequestHook] = []
        self.group_handlers: dict[str, GroupHandler] = {}
        self.log_handler: LogHandler | None = None
        self.active_watches: set[ActiveWatch] = set()

    def openapi(self) -> OpenApiBuilder:
        if self.openapi_cache is None or self.openapi_cache[0] != self.catalog.version:
            self.openapi_cache = (self.catalog.version, OpenApiBuilder(list(self.catalog.all())))
        return self.openapi_cache[1]

    def app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        return app

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.requests_total += 1
        try:
            return await self._handle(request)
        except ApiError as e:
            return error_response(e)
        except SelectorError as e:
            return error_response(errors.bad_request(str(e)))
        except (ConnectionResetError, asyncio.CancelledError):
            raise
        except Exception as e:  # the simulator must never crash on bad input
            return error_response(
                ApiError(500, "InternalError", f"Internal error occurred: {type(e).__name__}: {e}")
            )

    # ------------------------------------------------------------------ dispatch
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        for prefix, handler in self.prefix_handlers.items():
            if path.startswith(prefix):
                return await handler(request)
        for hook in self.request_hooks:
            answer = await hook(request)
            if answer is not None:
                return answer
        user = self.authn.authenticate(request.headers)
        user = self._impersonate(user, request)
        agent = request.headers.get("User-Agent", "")
        if path in OPEN_PATHS or path.startswith(("/livez/", "/readyz/", "/healthz/")):
            self.request_counts.record(agent, "get", "health")
            return self._health_or_version(request, path)
        r = route(self.catalog, path)
        if r is None:
            if path.startswith("/openapi/"):
                self.request_counts.record(agent, "get", "openapi")
                self._authorize_path(user, path, "get")
                return await self._openapi(request, path)
            raise errors.page_not_found()
        if isinstance(r, DiscoveryRoute):
            self.request_counts.record(agent, "get", "discovery")
            self._authorize_path(user, path, "get")
            return self._discovery(request, r)
        if isinstance(r, UnknownResource):
            raise errors.unknown_resource()
        return await self._resource(request, r, user)

    def _impersonate(self, user: UserInfo, request: web.Request) -> UserInfo:
        imp = impersonation(request.headers)
        if imp is None:
            return user
        name, groups = imp
        d = self.authz.authorize(
            user,
            Attributes(
                verb="impersonate", api_group="", resource="users", name=name, resource_request=True
            ),
        )
        if not d.allowed:
            raise ApiError(
                403,
                "Forbidden",
                f'users "{name}" is forbidden: User "{user.name}" cannot impersonate resource '
                f'"users" in API group "" at the cluster scope',
                {"name": name, "kind": "users"},
            )
        all_groups = (*groups, "system:authenticated") if name != "system:anonymous" else groups
        return UserInfo(name=name, groups=tuple(dict.fromkeys(all_groups)))

    def _authorize_path(self, user: UserInfo, path: str, verb: str) -> None:
        attrs = Attributes(verb=verb, path=path, resource_request=False)
        if not self.authz.authorize(user, attrs).allowed:
            raise forbidden_error(user, attrs)

    def _health_or_version(self, request: web.Request, path: str) -> web.Response:
        if path in ("/version", "/version/"):
            return json_response(VERSION_INFO)
        base = path.strip("/").split("/")[0]
        if "verbose" in request.query:
            checks = READYZ_CHECKS if base == "readyz" else LIVEZ_CHECKS
            text = "".join(f"[+]{c} ok\n" for c in checks) + f"{base} check passed\n"
        else:
            text = "ok"
        return web.Response(
            text=text,
            headers={
                "Content-Type": "text/plain; charset=utf-8",
                **NO_CACHE,
                "X-Content-Type-Options": "nosniff",
            },
        )

    # ------------------------------------------------------------------ discovery
    def _discovery(self, request: web.Request, r: DiscoveryRoute) -> web.Response:
        accept = request.headers.get("Accept", "")
        if r.version is None and r.group in ("", None):
            want_v2 = _prefers_aggregated(accept)
            if want_v2 is True:
                body, etag = self.discovery.aggregated(core=r.group == "")
                headers = {"Cache-Control": "public", "ETag": etag, "Vary": "Accept"}
                if request.headers.get("If-None-Match") == etag:
                    return web.Response(status=304, headers=headers)
                return web.Response(body=body, headers={"Content-Type": AGGREGATED_V2, **headers})
            if want_v2 is None:
                raise ApiError(
                    406,
                    "NotAcceptable",
                    "only the following media types are accepted: application/json, "
                    "application/yaml, application/vnd.kubernetes.protobuf",
                )
            body, _ = (
                self.discovery.api_versions() if r.group == "" else self.discovery.group_list()
            )
            return json_response(body)
        if r.version is None:
            assert r.group is not None
            doc = self.discovery.group(r.group)
        else:
            doc = self.discovery.resource_list(r.group or "", r.version)
        if doc is None:
            raise errors.page_not_found()
        return json_response(doc[0])

    async def _openapi(self, request: web.Request, path: str) -> web.Response:
        b = self.openapi()
        if path in ("/openapi/v3", "/openapi/v3/"):
            return web.Response(
                body=orjson.dumps(b.v3_index()),
                headers={"Content-Type": "text/plain; charset=utf-8", **NO_CACHE},
            )
        body: bytes | None
        if path == "/openapi/v2":
            # The first build of a document takes a while: keep it off the event loop.
            body = await asyncio.to_thread(b.v2_document)
            etag = b.v2_etag()
        elif path.startswith("/openapi/v3/"):
            sub = path[len("/openapi/v3/") :]
            body = await asyncio.to_thread(b.v3_document, sub)
            etag = b.v3_etag(sub) or ""
        else:
            body = None
            etag = ""
        if body is None:
            raise errors.page_not_found()
        headers = {**NO_CACHE, "ETag": etag, "Vary": "Accept"}
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers=headers)
        return web.Response(body=body, headers={"Content-Type": JSON, **headers})

    # ------------------------------------------------------------------ resources
    async def _resource(
        self, request: web.Request, r: ResourceRoute, user: UserInfo
    ) -> web.StreamResponse:
        info = r.info
        q: Mapping[str, str] = request.query
        method = request.method
        is_watch = method == "GET" and r.name is None and parse_bool("watch", q.get("watch"))
        verb = _verb(method, r, is_watch)
        if verb is None:
            raise errors.method_not_allowed()
        self.request_counts.record(
            request.headers.get("User-Agent", ""),
            verb,
            f"{info.group}/{info.resource}" if info.group else info.resource,
        )
        if r.subresource is None and verb not in info.verbs and verb != "deletecollection":
            raise errors.method_not_allowed()
        if verb == "deletecollection" and verb not in info.verbs:
            raise errors.method_not_allowed()
        ns = r.namespace
        if not info.namespaced:
            ns = None
        name_for_authz = r.name or ""
        if verb == "watch" and not name_for_authz:
            fs = q.get("fieldSelector", "")
            if fs.startswith("metadata.name=") and "," not in fs:
                name_for_authz = fs[len("metadata.name=") :]
        attrs = Attributes(
            verb=verb,
            api_group=info.group,
            resource=info.resource,
            subresource=r.subresource or "",
            namespace=ns or "",
            name=name_for_authz,
            resource_request=True,
        )
        if not self.authz.authorize(user, attrs).allowed:
            raise forbidden_error(user, attrs)
        group_handler = self.group_handlers.get(info.group)
        if group_handler is not None:
            return await group_handler(request, r, user)
        if (info.group, info.resource) in REVIEW_RESOURCES:
            if method != "POST":
                raise errors.method_not_allowed()
            body = await request.read()
            content_type = request.headers.get("Content-Type", JSON)
            if content_type.startswith("application/vnd.kubernetes.protobuf"):
                obj = decode_protobuf(info.kind, body)
            else:
                obj, _ = decode_body(info, body, content_type, field_validation="Ignore")
            return json_response(self._review(info, obj, user, ns or ""), 201)
        if info.namespaced and ns is None and method != "GET":
            raise errors.method_not_allowed() if r.name is None else errors.unknown_resource()
        ctx = WriteContext(
            manager=q.get("fieldManager")
            or manager_from_user_agent(request.headers.get("User-Agent", "")),
            dry_run=_dry_run(q),
            field_validation=q.get("fieldValidation") or None,
        )
        if r.subresource is not None:
            return await self._subresource(request, r, ns or "", ctx)
        if method == "GET":
            neg = negotiate(request.headers.get("Accept", ""), q)
            if r.name is not None:
                return self._get(request, info, ns or "", r.name, neg)
            labels, fields = self._selectors(info, q)
            if is_watch:
                return await self._watch(request, info, ns, labels, fields, neg)
            return await self._list(info, ns, labels, fields, q, neg)
        if method == "POST":
            if r.name is not None:
                raise errors.method_not_allowed()
            obj, warnings = await self._decode(request, info)
            check_namespace(obj, ns or "")
            made = self.registry.create(info, ns or "", self._to_storage(info, obj), ctx)
            return self._object_response(info, made, 201, warnings)
        if method == "PUT":
            if r.name is None:
                raise errors.method_not_allowed()
            obj, warnings = await self._decode(request, info)
            check_namespace(obj, ns or "")
            out, created = self.registry.update(
                info, ns or "", r.name, self._to_storage(info, obj), ctx
            )
            return self._object_response(info, out, 201 if created else 200, warnings)
        if method == "PATCH":
            if r.name is None:
                raise errors.method_not_allowed()
            return await self._patch(request, info, ns or "", r.name, ctx, None)
        if method == "DELETE":
            opts = await self._delete_options(request)
            if r.name is None:
                labels, fields = self._selectors(info, q)
                return self._delete_collection(info, ns, labels, fields, opts)
            answer, _ = self.registry.delete(info, ns or "", r.name, opts)
            if answer.get("kind") != "Status":
                answer = self._from_storage(info, answer)
            return json_response(answer)
        raise errors.method_not_allowed()

    def _review(
        self, info: ResourceInfo, body: dict[str, Any], user: UserInfo, ns: str
    ) -> dict[str, Any]:
        r = info.resource
        if r == "selfsubjectaccessreviews":
            return reviews.self_subject_access_review(body, user, self.authz)
        if r == "subjectaccessreviews":
            return reviews.subject_access_review(body, self.authz)
        if r == "localsubjectaccessreviews":
            return reviews.local_subject_access_review(body, ns, self.authz)
        if r == "selfsubjectrulesreviews":
            return reviews.self_subject_rules_review(body, user, self.authz)
        if r == "selfsubjectreviews":
            return reviews.self_subject_review(user, now_rfc3339(time.time()))
        raise errors.method_not_allowed()

    def _selectors(
        self, info: ResourceInfo, q: Mapping[str, str]
    ) -> tuple[LabelSelector | None, FieldSelector | None]:
        ls = q.get("labelSelector", "")
        fs = q.get("fieldSelector", "")
        labels = parse_label_selector(ls) if ls else None
        fields = None
        if fs:
            fields = check_field_selector(info.group, info.resource, parse_field_selector(fs))
        if labels is not None and labels.empty:
            labels = None
        if fields is not None and fields.empty:
            fields = None
        return labels, fields

    async def _decode(
        self, request: web.Request, info: ResourceInfo
    ) -> tuple[dict[str, Any], list[str]]:
        raw = await request.read()
        fv = request.query.get("fieldValidation", "") or "Warn"
        return decode_body(
            info, raw, request.headers.get("Content-Type", JSON), field_validation=fv
        )

    def _to_storage(self, info: ResourceInfo, obj: dict[str, Any]) -> dict[str, Any]:
        if info.storage_group is not None and info.group == "events.k8s.io":
            return events_v1_to_core(obj)
        return obj

    def _from_storage(self, info: ResourceInfo, obj: dict[str, Any]) -> dict[str, Any]:
        if info.storage_group is not None and info.group == "events.k8s.io":
            return core_to_events_v1(obj)
        return obj

    def _stored_bytes(self, info: ResourceInfo, s: Stored) -> bytes:
        if info.storage_group is not None:
            return orjson.dumps(self._from_storage(info, s.decode()))
        return s.raw

    def _object_response(
        self,
        info: ResourceInfo,
        obj: dict[str, Any],
        status: int,
        warnings: list[str] | None = None,
    ) -> web.Response:
        headers: dict[str, str] = {}
        if warnings:
            headers["Warning"] = ", ".join(f'299 - "{_quote_warning(w)}"' for w in warnings)
        return json_response(self._from_storage(info, obj), status, headers)

    def _get(
        self, request: web.Request, info: ResourceInfo, ns: str, name: str, neg: Negotiated
    ) -> web.Response:
        fs = request.query.get("fieldSelector", "")
        if fs and fs != f"metadata.name={name}":
            raise errors.bad_request("fieldSelector metadata.name doesn't match requested name")
        s = self.store.get(info.storage_key, ns, name)
        if s is None:
            raise errors.not_found(info, name)
        if neg.mode == "table":
            obj = self._from_storage(info, s.decode())
            table = tables.to_table(
                info,
                [obj],
                include_object=neg.include_object,
                list_metadata={"resourceVersion": str(s.rv)},
                now=time.time(),
            )
            return json_response(table)
        if neg.mode == "meta":
            return json_response(
                tables.partial_object_metadata(self._from_storage(info, s.decode()))
            )
        if neg.mode == "yaml":
            return _yaml_response(self._from_storage(info, s.decode()))
        return json_response(self._stored_bytes(info, s))

    async def _list(
        self,
        info: ResourceInfo,
        ns: str | None,
        labels: LabelSelector | None,
        fields: FieldSelector | None,
        q: Mapping[str, str],
        neg: Negotiated,
    ) -> web.Response:
        req = parse_list_request(q, ns, labels, fields)
        result = await run_list(self.store, info.storage_key, req)
        if neg.mode == "json" and info.storage_group is None:
            return json_response(
                list_body(info.kind, info.api_version, result, strip_type=not info.is_custom)
            )
        meta: dict[str, Any] = {"resourceVersion": str(result.rv)}
        if result.continue_token:
            meta["continue"] = result.continue_token
        if result.remaining is not None:
            meta["remainingItemCount"] = result.remaining
        objs = [self._from_storage(info, s.decode()) for s in result.items]
        if neg.mode == "table":
            return json_response(
                tables.to_table(
                    info,
                    objs,
                    include_object=neg.include_object,
                    list_metadata=meta,
                    now=time.time(),
                )
            )
        if neg.mode == "meta":
            return json_response(tables.to_partial_object_metadata_list(objs, meta))
        items = [_without_type(o) for o in objs] if not info.is_custom else objs
        doc = {
            "kind": info.list_kind,
            "apiVersion": info.api_version,
            "metadata": meta,
            "items": items,
        }
        if neg.mode == "yaml":
            return _yaml_response(doc)
        return json_response(doc)

    async def _watch(
        self,
        request: web.Request,
        info: ResourceInfo,
        ns: str | None,
        labels: LabelSelector | None,
        fields: FieldSelector | None,
        neg: Negotiated,
    ) -> web.StreamResponse:
        opts = parse_watch_options(
            request.query,
            ns,
            labels,
            fields,
            watch_list_enabled=self.settings.watch_list_enabled,
            min_request_timeout=self.settings.min_request_timeout,
        )
        if neg.mode == "table":
            first = [True]

            def encode_event(typ: str, s: Stored, rv: int) -> bytes:
                obj = self._from_storage(info, s.decode())
                obj["metadata"]["resourceVersion"] = str(rv)
                t = tables.watch_table_event_object(
                    info, obj, time.time(), neg.include_object, first[0]
                )
                first[0] = False
                return orjson.dumps({"type": typ, "object": t}) + b"\n"

            def encode_bookmark(rv: int, initial_end: bool) -> bytes:
                t = tables.watch_table_bookmark(
                    info, rv, initial_end, include_object=neg.include_object, first=first[0]
                )
                first[0] = False
                return orjson.dumps({"type": "BOOKMARK", "object": t}) + b"\n"

        elif info.storage_group is not None:
            served = f"{info.group}/{info.version}/{info.resource}"

            def convert(obj: dict[str, Any]) -> dict[str, Any]:
                return self._from_storage(info, obj)

            def encode_event(typ: str, s: Stored, rv: int) -> bytes:
                return self.converted_lines.line(served, convert, typ, s, rv)

            encode_bookmark = plain_bookmark_line(info.kind, info.api_version)  # type: ignore[assignment]
        else:
            encode_event = plain_event_line
            encode_bookmark = plain_bookmark_line(info.kind, info.api_version)  # type: ignore[assignment]
        session = WatchSession(
            self.store,
            info.storage_key,
            opts,
            encode_event,
            encode_bookmark,
            self.settings.bookmark_period,
        )
        resp = web.StreamResponse(headers={"Content-Type": JSON, **NO_CACHE})
        resp.enable_chunked_encoding()
        self.watches_open += 1
        active = ActiveWatch(session, request)
        self.active_watches.add(active)
        try:
            await resp.prepare(request)
            async for line in session.events():
                await resp.write(line)
            await resp.write_eof()
        except (ConnectionResetError, ConnectionError):
            pass
        finally:
            self.active_watches.discard(active)
            session.close()
            self.watches_open -= 1
        return resp

    async def _patch(
        self,
        request: web.Request,
        info: ResourceInfo,
        ns: str,
        name: str,
        ctx: WriteContext,
        subresource: str | None,
    ) -> web.Response:
        raw = await request.read()
        patch_type, patch = parse_patch_body(
            request.headers.get("Content-Type", ""), raw, custom_resource=info.is_custom
        )
        q = request.query
        force = parse_bool("force", q.get("force"))
        if patch_type == "apply":
            if not q.get("fieldManager"):
                raise errors.invalid(
                    "PatchOptions",
                    "meta.k8s.io",
                    None,
                    [
                        errors.cause(
                            "FieldValueRequired",
                            "Required value: is required for apply patch",
                            "fieldManager",
                        )
                    ],
                )
        elif force:
            raise errors.invalid(
                "PatchOptions",
                "meta.k8s.io",
                None,
                [
                    errors.cause(
                        "FieldValueForbidden",
                        "Forbidden: may not be specified for non-apply patch",
                        "force",
                    )
                ],
            )
        if subresource == "scale":
            scale = self.registry.get_scale(info, ns, name)
            from masthead.sim.patch import json_patch, merge_patch

            if patch_type == "json":
                new_scale = json_patch(scale, patch)
            else:
                new_scale = merge_patch(scale, patch)
            return json_response(self.registry.update_scale(info, ns, name, new_scale, ctx))
        if info.storage_group is not None and patch_type in ("merge", "strategic", "json"):
            # Patches address the events.k8s.io shape; apply them to that view, store as core.
            cur = self.registry.get(info, ns, name)
            view = self._from_storage(info, cur)
            from masthead.sim.patch import json_patch, merge_patch, strategic_merge_patch

            if patch_type == "json":
                patched = json_patch(view, patch)
            elif patch_type == "merge":
                patched = merge_patch(view, patch)
            else:
                patched = strategic_merge_patch(view, patch, info.group, info.kind)
            out, _ = self.registry.update(info, ns, name, self._to_storage(info, patched), ctx)
            return self._object_response(info, out, 200)
        out, created = self.registry.patch(
            info, ns, name, patch_type, patch, ctx, force=force, subresource=subresource
        )
        return self._object_response(info, out, 201 if created else 200, ctx.warnings)

    async def _subresource(
        self, request: web.Request, r: ResourceRoute, ns: str, ctx: WriteContext
    ) -> web.StreamResponse:
        info, name, sub = r.info, r.name or "", r.subresource or ""
        method = request.method
        if sub == "status":
            if method == "GET":
                return json_response(self._stored_bytes(info, self._must_get(info, ns, name)))
            if method == "PUT":
                obj, _ = await self._decode(request, info)
                out, _ = self.registry.update(info, ns, name, obj, ctx, subresource="status")
                return self._object_response(info, out, 200)
            if method == "PATCH":
                return await self._patch(request, info, ns, name, ctx, "status")
        if sub == "scale":
            if method == "GET":
                return json_response(self.registry.get_scale(info, ns, name))
            if method == "PUT":
                body = orjson.loads(await request.read() or b"{}")
                return json_response(self.registry.update_scale(info, ns, name, body, ctx))
            if method == "PATCH":
                return await self._patch(request, info, ns, name, ctx, "scale")
        if sub == "finalize" and method == "PUT":
            body = orjson.loads(await request.read() or b"{}")
            return json_response(self.registry.finalize_namespace(name, body, ctx))
        if sub == "log" and method == "GET":
            return await self._log(request, info, ns, name)
        if sub == "eviction" and method == "POST":
            body = await self._json_body(request, "Eviction")
            status = evict(self.store, self.registry, ns, name, body, ctx.dry_run)
            return json_response(status, 201)
        raise errors.method_not_allowed()

    async def _json_body(self, request: web.Request, kind: str) -> dict[str, Any]:
        try:
            body = orjson.loads(await request.read() or b"{}")
        except orjson.JSONDecodeError:
            raise errors.bad_request(
                f"the body of the request could not be decoded as {kind}"
            ) from None
        if not isinstance(body, dict):
            raise errors.bad_request(f"the body of the request could not be decoded as {kind}")
        return body

    def _must_get(self, info: ResourceInfo, ns: str, name: str) -> Stored:
        s = self.store.get(info.storage_key, ns, name)
        if s is None:
            raise errors.not_found(info, name)
        return s

    async def _log(
        self, request: web.Request, info: ResourceInfo, ns: str, name: str
    ) -> web.StreamResponse:
        pod = self._must_get(info, ns, name).decode()
        if self.log_handler is not None:
            return await self.log_handler(request, pod)
        if not (pod.get("spec") or {}).get("nodeName"):
            # A pod that is not scheduled yet has no logs: upstream answers 204.
            return web.Response(status=204)
        raise ApiError(400, "BadRequest", f'container logs for pod "{name}" are not simulated')

    async def _delete_options(self, request: web.Request) -> DeleteOptions:
        q = request.query
        raw = await request.read()
        body: dict[str, Any] = {}
        if raw.strip():
            try:
                parsed = orjson.loads(raw)
            except orjson.JSONDecodeError:
                raise errors.bad_request(
                    "the body of the request could not be decoded as DeleteOptions"
                ) from None
            if isinstance(parsed, dict):
                body = parsed
        pre = body.get("preconditions") or {}
        grace = body.get("gracePeriodSeconds")
        if q.get("gracePeriodSeconds"):
            try:
                grace = int(q["gracePeriodSeconds"])
            except ValueError:
                raise errors.bad_request("gracePeriodSeconds must be an integer") from None
        body_dry = body.get("dryRun")
        dry = list(body_dry) if isinstance(body_dry, list) else request.query.getall("dryRun", [])
        return DeleteOptions(
            grace_period=grace,
            propagation=q.get("propagationPolicy") or body.get("propagationPolicy"),
            preconditions_uid=pre.get("uid"),
            preconditions_rv=pre.get("resourceVersion"),
            dry_run="All" in dry,
        )

    def _delete_collection(
        self,
        info: ResourceInfo,
        ns: str | None,
        labels: LabelSelector | None,
        fields: FieldSelector | None,
        opts: DeleteOptions,
    ) -> web.Response:
        deleted: list[dict[str, Any]] = []
        list_rv = self.store.rv  # the answer is the list read before deleting (upstream)
        for s in list(self.store.iter_objects(info.storage_key, ns)):
            if labels is not None and not labels.matches(s.labels):
                continue
            if fields is not None and not fields.matches(s.fields):
                continue
            try:
                body, _ = self.registry.delete(info, s.namespace, s.name, opts)
            except ApiError:
                continue
            if body.get("kind") != "Status":
                deleted.append(_without_type(body))
            else:
                cur = s.decode()
                deleted.append(_without_type(cur))
        return json_response(
            {
                "kind": info.list_kind,
                "apiVersion": info.api_version,
                "metadata": {"resourceVersion": str(list_rv)},
                "items": deleted,
            }
        )


def _without_type(o: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in o.items() if k not in ("kind", "apiVersion")}


def _yaml_response(obj: Any) -> web.Response:
    return web.Response(
        text=yaml.safe_dump(obj, sort_keys=False),
        headers={"Content-Type": "application/yaml", **NO_CACHE},
    )


def _dry_run(q: Mapping[str, str]) -> bool:
    vals = q.getall("dryRun", []) if hasattr(q, "getall") else [q.get("dryRun", "")]
    for v in vals:
        if v != "All":
            raise errors.invalid(
                "CreateOptions",
                "meta.k8s.io",
                None,
                [
                    errors.cause(
                        "FieldValueNotSupported",
                        f'Unsupported value: "{v}": supported values: "All"',
                        "dryRun",
                    )
                ],
            )
    return bool(vals)


def _verb(method: str, r: ResourceRoute, is_watch: bool) -> str | None:
    if r.subresource is not None:
        return {
            "GET": "get",
            "PUT": "update",
            "PATCH": "patch",
            "POST": "create",
            "DELETE": "delete",
        }.get(method)
    if method == "GET":
        if r.name is not None:
            return "get"
        return "watch" if is_watch else "list"
    if method == "POST":
        return "create"
    if method == "PUT":
        return "update"
    if method == "PATCH":
        return "patch"
    if method == "DELETE":
        return "delete" if r.name is not None else "deletecollection"
    return None


def _prefers_aggregated(accept: str) -> bool | None:
    """True: serve aggregated v2; False: legacy; None: only v2beta1 asked (406 in 1.36)."""
    saw_v2beta1 = False
    for part in accept.split(","):
        p = part.replace(" ", "")
        if "g=apidiscovery.k8s.io" in p and "as=APIGroupDiscoveryList" in p:
            if "v=v2;" in p + ";" and "v=v2beta1" not in p:
                return True
            if "v=v2beta1" in p:
                saw_v2beta1 = True
                continue
        elif p.split(";")[0] in ("application/json", "*/*", "application/*", ""):
            return False
    return None if saw_v2beta1 else False
