"""`ObjectReader`: one object from the API server, through the `ObjectCache` when the
cluster's watch of that kind can vouch for the entry.

An entry is served only while a source of the object's resource that covers its namespace is
running and `live`: then every change of the object reaches the cache (the cluster's
`ChangeHub` reports each watch event and each relist) before a newer answer could be served.
Without such a source (nobody watches that kind, the watch is reconnecting, access revoked)
every read goes to the API server and nothing is stored. Secrets are always fetched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from masthead.cluster import ClusterSession
from masthead.objects.cache import CachedObject, CacheKey, ObjectCache, is_secret
from masthead.objects.tables import watched
from masthead.views.sources import ChangeHub, ResourceKey, ViewRegistry


@dataclass(frozen=True, slots=True)
class ObjectAddress:
    group: str  # "" for the core group
    version: str
    resource: str
    namespace: str  # "" for cluster-scoped objects
    name: str

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def source(self) -> str:
        """The resource as errors name it (`deployments.apps`, `pods`)."""
        return f"{self.resource}.{self.group}" if self.group else self.resource

    def path(self, subresource: str = "") -> str:
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        where = f"/namespaces/{self.namespace}" if self.namespace else ""
        tail = f"/{subresource}" if subresource else ""
        return f"{base}{where}/{self.resource}/{self.name}{tail}"

    def key(self, cluster: str) -> CacheKey:
        return (cluster, self.group, self.resource, self.namespace, self.name)


@dataclass(frozen=True, slots=True)
class Fetched:
    obj: dict[str, Any]  # decoded for this caller alone: free to edit
    cached: bool  # served from the cache


class NotAnObject(ValueError):
    """The API server answered 2xx with something other than a JSON object."""


class ObjectReader:
    def __init__(self, registry: ViewRegistry, cache: ObjectCache) -> None:
        self.registry = registry
        self.cache = cache
        self._bound: dict[str, ChangeHub] = {}

    def bind(self, cluster: str) -> None:
        """Invalidate `cluster`'s entries from its watch events (once per cluster tables: a
        session dropped and made again under the same id — an in-cluster user's — has new
        ones, and nothing cached before may outlive the old ones)."""
        hub = self.registry.tables_of(cluster).hub
        if self._bound.get(cluster) is hub:
            return
        if cluster in self._bound:
            self.cache.invalidate_cluster(cluster)
        self._bound[cluster] = hub
        cache = self.cache

        def touched(key: ResourceKey, namespace: str | None, name: str | None) -> None:
            group, resource = key
            if name is None:
                cache.invalidate_resource(cluster, group, resource)
            else:
                cache.invalidate((cluster, group, resource, namespace or "", name))

        hub.listen_objects(touched)

    async def get(self, session: ClusterSession, addr: ObjectAddress) -> Fetched:
        """The object's JSON; raises the transport's `ApiError` / `TransportError`."""
        assert session.transport is not None
        cacheable = not is_secret(addr.group, addr.resource) and watched(
            session, addr.group, addr.resource, addr.namespace
        )
        key = addr.key(session.id)
        if cacheable:
            self.bind(session.id)
            hit = self.cache.get(key, addr.api_version)
            if hit is not None:
                return Fetched(_decode(hit.body), True)
        ticket = self.cache.ticket()
        resp = await session.transport.request("get", addr.path())
        obj = _decode(resp.body)
        if cacheable:
            meta = obj.get("metadata")
            rv = str(meta.get("resourceVersion", "")) if isinstance(meta, dict) else ""
            self.cache.put(key, CachedObject(addr.api_version, rv, resp.body), ticket)
        return Fetched(obj, False)


def _decode(body: bytes) -> dict[str, Any]:
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as e:
        raise NotAnObject(f"undecodable answer: {e}") from None
    if not isinstance(doc, dict):
        raise NotAnObject("the API server answered something other than an object")
    return doc
