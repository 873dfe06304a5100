"""Turn a request path into what it addresses: a discovery document or a resource request."""

from __future__ import annotations

from dataclasses import dataclass

from masthead.sim.catalog import Catalog
from masthead.sim.resources import ResourceInfo


@dataclass(frozen=True)
class ResourceRoute:
    info: ResourceInfo
    namespace: str | None  # None: all namespaces (or cluster-scoped)
    name: str | None
    subresource: str | None


@dataclass(frozen=True)
class DiscoveryRoute:
    group: str | None  # None: /apis list; "" core
    version: str | None


@dataclass(frozen=True)
class UnknownResource:
    """A known group/version with an unknown resource: JSON 404 with empty details."""


Route = ResourceRoute | DiscoveryRoute | UnknownResource | None


def route(catalog: Catalog, path: str) -> Route:
    parts = [p for p in path.split("/") if p]
    if not parts:
        return None
    if parts[0] == "api":
        if len(parts) == 1:
            return DiscoveryRoute("", None)
        if parts[1] != "v1":
            return None
        if len(parts) == 2:
            return DiscoveryRoute("", "v1")
        return _resource(catalog, "", "v1", parts[2:])
    if parts[0] == "apis":
        if len(parts) == 1:
            return DiscoveryRoute(None, None)
        group = parts[1]
        if not catalog.has_group(group):
            return None
        if len(parts) == 2:
            return DiscoveryRoute(group, None)
        version = parts[2]
        if not catalog.resources_in(group, version):
            return None
        if len(parts) == 3:
            return DiscoveryRoute(group, version)
        return _resource(catalog, group, version, parts[3:])
    return None


def _resource(catalog: Catalog, group: str, version: str, rest: list[str]) -> Route:
    ns: str | None = None
    if rest[0] == "namespaces" and len(rest) >= 3:
        candidate = catalog.lookup(group, version, rest[2])
        ns_info = catalog.lookup(group, version, "namespaces")
        if candidate is not None and candidate.namespaced:
            ns = rest[1]
            rest = rest[2:]
        elif ns_info is not None and len(rest) == 3 and ns_info.subresource(rest[2]):
            return ResourceRoute(ns_info, None, rest[1], rest[2])
        elif group == "" or candidate is None:
            return UnknownResource()
    info = catalog.lookup(group, version, rest[0])
    if info is None:
        return UnknownResource()
    if len(rest) > 3:
        return UnknownResource()
    name = rest[1] if len(rest) >= 2 else None
    sub = rest[2] if len(rest) == 3 else None
    if sub is not None and info.subresource(sub) is None:
        return UnknownResource()
    if ns is not None and not info.namespaced:
        return UnknownResource()
    return ResourceRoute(info, ns, name, sub)
