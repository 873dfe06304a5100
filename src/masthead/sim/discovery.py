"""Discovery documents (legacy and aggregated v2) derived from the live catalogue.

Documents are rebuilt only when the catalogue version changes and are cached as bytes with
their ETag, because kubectl and informers fetch them often.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import orjson

from masthead.sim.catalog import Catalog
from masthead.sim.resources import ResourceInfo

AGGREGATED_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"

# Resources whose storage upstream does not version (reviews, bindings, read-only status).
_NO_STORAGE_HASH = {
    ("", "bindings"),
    ("", "componentstatuses"),
    ("authentication.k8s.io", "selfsubjectreviews"),
    ("authentication.k8s.io", "tokenreviews"),
    ("authorization.k8s.io", "localsubjectaccessreviews"),
    ("authorization.k8s.io", "selfsubjectaccessreviews"),
    ("authorization.k8s.io", "selfsubjectrulesreviews"),
    ("authorization.k8s.io", "subjectaccessreviews"),
    # Aggregated servers (metrics-server) publish no storage hash.
    ("metrics.k8s.io", "nodes"),
    ("metrics.k8s.io", "pods"),
}


def storage_version_hash(group: str, version: str, kind: str) -> str:
    """Upstream `StorageVersionHash`: base64 of the first 8 bytes of sha256("g/v/Kind")."""
    digest = hashlib.sha256(f"{group}/{version}/{kind}".encode()).digest()
    return base64.b64encode(digest[:8]).decode()


def _legacy_resource(r: ResourceInfo) -> list[dict[str, Any]]:
    main: dict[str, Any] = {
        "name": r.resource,
        "singularName": r.singular_name,
        "namespaced": r.namespaced,
        "kind": r.kind,
        "verbs": list(r.verbs),
    }
    if r.short_names:
        main["shortNames"] = list(r.short_names)
    if r.categories:
        main["categories"] = list(r.categories)
    if (r.group, r.resource) not in _NO_STORAGE_HASH:
        main["storageVersionHash"] = storage_version_hash(r.group, r.version, r.kind)
    out = [main]
    for s in r.subresources:
        sub: dict[str, Any] = {
            "name": f"{r.resource}/{s.name}",
            "singularName": "",
            "namespaced": r.namespaced,
        }
        if s.group is not None:
            sub["group"] = s.group
            sub["version"] = s.version
        sub["kind"] = s.kind
        sub["verbs"] = list(s.verbs)
        out.append(sub)
    return out


def _aggregated_resource(r: ResourceInfo) -> dict[str, Any]:
    d: dict[str, Any] = {
        "resource": r.resource,
        "responseKind": {"group": "", "version": "", "kind": r.kind},
        "scope": "Namespaced" if r.namespaced else "Cluster",
        "singularResource": r.singular_name,
        "verbs": list(r.verbs),
    }
    if r.short_names:
        d["shortNames"] = list(r.short_names)
    if r.categories:
        d["categories"] = list(r.categories)
    if r.subresources:
        d["subresources"] = [
            {
                "subresource": s.name,
                "responseKind": {
                    "group": s.group or "",
                    "version": s.version or "",
                    "kind": s.kind,
                },
                "verbs": list(s.verbs),
            }
            for s in r.subresources
        ]
    return d


def _gv(group: str, version: str) -> dict[str, str]:
    return {"groupVersion": f"{group}/{version}", "version": version}


class Discovery:
    def __init__(self, catalog: Catalog, server_address: str) -> None:
        self.catalog = catalog
        self.server_address = server_address
        self._cache: dict[str, tuple[bytes, str]] = {}
        self._cache_version = -1

    def _cached(self, key: str, build: Any) -> tuple[bytes, str]:
        if self._cache_version != self.catalog.version:
            self._cache.clear()
            self._cache_version = self.catalog.version
        hit = self._cache.get(key)
        if hit is None:
            body = orjson.dumps(build())
            etag = '"' + hashlib.sha512(body).hexdigest().upper() + '"'
            hit = (body, etag)
            self._cache[key] = hit
        return hit

    def api_versions(self) -> tuple[bytes, str]:
        return self._cached(
            "api",
            lambda: {
                "kind": "APIVersions",
                "versions": ["v1"],
                "serverAddressByClientCIDRs": [
                    {"clientCIDR": "0.0.0.0/0", "serverAddress": self.server_address}
                ],
            },
        )

    def group_list(self) -> tuple[bytes, str]:
        def build() -> dict[str, Any]:
            groups = []
            for g, versions in self.catalog.group_versions():
                groups.append(self._group(g, versions))
            return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}

        return self._cached("apis", build)

    @staticmethod
    def _group(g: str, versions: list[str]) -> dict[str, Any]:
        return {
            "name": g,
            "versions": [_gv(g, v) for v in versions],
            "preferredVersion": _gv(g, versions[0]),
        }

    def group(self, group: str) -> tuple[bytes, str] | None:
        found = dict(self.catalog.group_versions()).get(group)
        if found is None:
            return None
        versions = found
        return self._cached(
            f"g:{group}",
            lambda: {"kind": "APIGroup", "apiVersion": "v1", **self._group(group, versions)},
        )

    def resource_list(self, group: str, version: str) -> tuple[bytes, str] | None:
        infos = self.catalog.resources_in(group, version)
        if not infos:
            return None

        def build() -> dict[str, Any]:
            resources: list[dict[str, Any]] = []
            for r in infos:
                resources.extend(_legacy_resource(r))
            doc: dict[str, Any] = {"kind": "APIResourceList"}
            if group:
                doc["apiVersion"] = "v1"
                doc["groupVersion"] = f"{group}/{version}"
            else:
                doc["groupVersion"] = version
            doc["resources"] = resources
            return doc

        return self._cached(f"rl:{group}/{version}", build)

    def aggregated(self, core: bool) -> tuple[bytes, str]:
        def build() -> dict[str, Any]:
            items: list[dict[str, Any]]
            if core:
                items = [
                    {
                        "metadata": {},
                        "versions": [self._agg_version("", "v1")],
                    }
                ]
            else:
                items = [
                    {
                        "metadata": {"name": g},
                        "versions": [self._agg_version(g, v) for v in versions],
                    }
                    for g, versions in self.catalog.group_versions()
                ]
            return {
                "kind": "APIGroupDiscoveryList",
                "apiVersion": "apidiscovery.k8s.io/v2",
                "metadata": {},
                "items": items,
            }

        return self._cached("agg:api" if core else "agg:apis", build)

    def _agg_version(self, group: str, version: str) -> dict[str, Any]:
        if not self.catalog.api_service_available(group):
            # An APIService whose backend is down: listed, Stale, no resources (omitempty).
            return {"version": version, "freshness": "Stale"}
        return {
            "version": version,
            "resources": [
                _aggregated_resource(r) for r in self.catalog.resources_in(group, version)
            ],
            "freshness": "Current",
        }
