"""Discovery: which resources the server offers, resolved from kind or resource names.

Asks for aggregated discovery v2 (two requests for the whole server) with the Accept list of
client-go ≥ 0.30 and picks the parser by the response Content-Type, as client-go does; a server
that answers plain JSON gets the legacy walk (/api, /apis, then every preferred group-version
in parallel). The result is cached until `refresh()`. Aggregated documents are revalidated with
their ETags, so the cluster session refreshes on every permission pass (a CRD added or removed
shows up within one pass) for two 304s; an unknown name refreshes at most once per
`MISS_REFRESH_INTERVAL`, so a mistyped view cannot turn into a discovery storm.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from masthead.kube.errors import ApiError, KubeError
from masthead.kube.transport import Transport

ACCEPT_AGGREGATED = (
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,"
    "application/json"
)
_AGGREGATED_MARK = "g=apidiscovery.k8s.io"
MISS_REFRESH_INTERVAL = 5.0  # seconds between refreshes caused by unknown names


@dataclass(frozen=True, slots=True)
class ResourceType:
    group: str
    version: str
    resource: str  # plural, as in URLs
    kind: str
    namespaced: bool
    verbs: frozenset[str]
    singular: str = ""
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    preferred: bool = True  # this version is the group's preferred one

    @property
    def group_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def qualified(self) -> str:
        """`deployments.apps`, or `pods` for the core group."""
        return f"{self.resource}.{self.group}" if self.group else self.resource

    def collection_path(self, namespace: str | None = None) -> str:
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if namespace is not None and self.namespaced:
            return f"{base}/namespaces/{namespace}/{self.resource}"
        return f"{base}/{self.resource}"


class UnknownResource(KubeError):
    pass


class _Unanswered(Exception):
    """A legacy group-version document the server did not answer."""


class Discovery:
    def __init__(
        self,
        transport: Transport,
        aggregated: bool = True,
        miss_refresh_interval: float = MISS_REFRESH_INTERVAL,
    ) -> None:
        self.transport = transport
        self.miss_refresh_interval = miss_refresh_interval
        self.aggregated = aggregated  # False forces the legacy walk (older servers, tests)
        self._types: list[ResourceType] | None = None
        self._lock = asyncio.Lock()
        self.used_aggregated: bool | None = None  # what the last refresh actually got
        self.generation = 0  # grows when the set of types changes
        self.not_modified = 0  # refreshes answered 304 for both documents
        # Groups whose legacy group-version fetch failed at the last refresh: their resources
        # are unknown, not gone (a snapshot of one must not be dropped for it).
        self.unanswered_groups: frozenset[str] = frozenset()
        # path → (ETag, content type, document) of the last aggregated answer
        self._cached: dict[str, tuple[str, str, Any]] = {}
        self._refreshed_at = -miss_refresh_interval

    async def types(self) -> list[ResourceType]:
        if self._types is None:
            await self.refresh()
        assert self._types is not None
        return self._types

    async def refresh(self) -> None:
        async with self._lock:
            accept = ACCEPT_AGGREGATED if self.aggregated else "application/json"
            self._refreshed_at = time.monotonic()
            core, groups = await asyncio.gather(
                self._fetch("/api", accept), self._fetch("/apis", accept)
            )
            if core is None and groups is None and self._types is not None:
                self.not_modified += 1
                return
            core = core or self._cached["/api"][1:]
            groups = groups or self._cached["/apis"][1:]
            if _AGGREGATED_MARK in core[0] and _AGGREGATED_MARK in groups[0]:
                types = [*_from_aggregated(core[1]), *_from_aggregated(groups[1])]
                self.used_aggregated = True
                self.unanswered_groups = frozenset()
            else:
                types = await self._legacy(core[1], groups[1])
                self.used_aggregated = False
            if types != self._types:
                self.generation += 1
            self._types = types

    async def _fetch(self, path: str, accept: str) -> tuple[str, Any] | None:
        """(content type, document), or None when the cached aggregated one is still current."""
        headers = {"Accept": accept}
        cached = self._cached.get(path)
        if cached is not None:
            headers["If-None-Match"] = cached[0]
        resp = await self.transport.request("discovery", path, headers=headers)
        if resp.status == 304 and cached is not None:
            return None
        doc = resp.json()
        etag = resp.headers.get("ETag")
        if etag and _AGGREGATED_MARK in resp.content_type:
            self._cached[path] = (etag, resp.content_type, doc)
        else:
            self._cached.pop(path, None)
        return resp.content_type, doc

    async def _legacy(self, api: Mapping[str, Any], apis: Mapping[str, Any]) -> list[ResourceType]:
        gvs: list[tuple[str, str, bool]] = [("", v, i == 0) for i, v in enumerate(api["versions"])]
        for g in apis.get("groups") or ():
            preferred = (g.get("preferredVersion") or {}).get("version")
            for v in g.get("versions") or ():
                gvs.append((g["name"], v["version"], v["version"] == preferred))

        async def fetch(group: str, version: str, preferred: bool) -> list[ResourceType]:
            path = f"/apis/{group}/{version}" if group else f"/api/{version}"
            try:
                doc = await self.transport.get_json("discovery", path)
            except ApiError as e:
                # An unavailable aggregated API (503) must not hide every other group;
                # kubectl logs "couldn't get resource list" and carries on the same way.
                raise _Unanswered from e
            return list(_from_resource_list(group, version, preferred, doc))

        unanswered: set[str] = set()

        async def fetch_noting_failures(
            group: str, version: str, preferred: bool
        ) -> list[ResourceType]:
            try:
                return await fetch(group, version, preferred)
            except _Unanswered:
                unanswered.add(group)
                return []

        parts = await asyncio.gather(*(fetch_noting_failures(*gv) for gv in gvs))
        self.unanswered_groups = frozenset(unanswered)
        return [t for part in parts for t in part]

    async def resolve(self, name: str) -> ResourceType:
        """A resource from a kind (`Pod`), plural (`pods`), singular, short name (`po`),
        or group-qualified plural (`deployments.apps`); the preferred version wins."""
        types = await self.types()
        found = resolve_in(types, name)
        if found is None and time.monotonic() - self._refreshed_at >= self.miss_refresh_interval:
            await self.refresh()  # a CRD may have appeared since the cache was filled
            found = resolve_in(await self.types(), name)
        if found is None:
            raise UnknownResource(f"the server doesn't have a resource type {name!r}")
        return found


def resolve_in(types: Iterable[ResourceType], name: str) -> ResourceType | None:
    low = name.lower()
    best: tuple[int, ResourceType] | None = None
    for t in types:
        names = {t.resource, t.singular, t.kind.lower(), *t.short_names}
        if low in names or low == t.qualified or low == f"{t.kind.lower()}.{t.group}":
            # Core group first, then preferred versions: `pods` is never events.k8s.io's.
            rank = (0 if t.group == "" else 2) + (0 if t.preferred else 1)
            if best is None or rank < best[0]:
                best = (rank, t)
    return None if best is None else best[1]


def _from_aggregated(doc: Mapping[str, Any]) -> Iterable[ResourceType]:
    for item in doc.get("items") or ():
        group = (item.get("metadata") or {}).get("name", "")
        for i, ver in enumerate(item.get("versions") or ()):  # most preferred first
            for r in ver.get("resources") or ():
                yield ResourceType(
                    group=group,
                    version=ver["version"],
                    resource=r["resource"],
                    kind=(r.get("responseKind") or {}).get("kind", ""),
                    namespaced=r.get("scope") == "Namespaced",
                    verbs=frozenset(r.get("verbs") or ()),
                    singular=r.get("singularResource", ""),
                    short_names=tuple(r.get("shortNames") or ()),
                    categories=tuple(r.get("categories") or ()),
                    preferred=i == 0,
                )


def _from_resource_list(
    group: str, version: str, preferred: bool, doc: Mapping[str, Any]
) -> Iterable[ResourceType]:
    for r in doc.get("resources") or ():
        if "/" in r["name"]:
            continue  # subresources
        yield ResourceType(
            group=group,
            version=version,
            resource=r["name"],
            kind=r.get("kind", ""),
            namespaced=bool(r.get("namespaced")),
            verbs=frozenset(r.get("verbs") or ()),
            singular=r.get("singularName", ""),
            short_names=tuple(r.get("shortNames") or ()),
            categories=tuple(r.get("categories") or ()),
            preferred=preferred,
        )
