"""The live resource catalogue: built-in resources plus one entry per served CRD version.

Discovery, routing and OpenAPI read the catalogue; `version` changes whenever a CRD is
established or removed so caches of derived documents know to rebuild.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from masthead.sim.resources import (
    ALL_VERBS,
    BUILTIN_RESOURCES,
    GROUP_ORDER,
    ResourceInfo,
    Subresource,
)

# Custom resources list their verbs in this order in legacy discovery (fixture 07).
CR_VERBS = ("delete", "deletecollection", "get", "list", "patch", "create", "update", "watch")


def crd_resources(crd: dict[str, Any]) -> list[ResourceInfo]:
    """One ResourceInfo per served version of an established CRD."""
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    out: list[ResourceInfo] = []
    for v in spec.get("versions") or []:
        if not v.get("served", False):
            continue
        subs: list[Subresource] = []
        sub_spec = v.get("subresources") or spec.get("subresources") or {}
        if "status" in sub_spec:
            subs.append(Subresource("status", names.get("kind", "")))
        if "scale" in sub_spec:
            subs.append(Subresource("scale", "Scale", group="autoscaling", version="v1"))
        out.append(
            ResourceInfo(
                group=spec.get("group", ""),
                version=v["name"],
                resource=names.get("plural", ""),
                kind=names.get("kind", ""),
                namespaced=spec.get("scope") == "Namespaced",
                verbs=CR_VERBS,
                short_names=tuple(names.get("shortNames") or ()),
                categories=tuple(names.get("categories") or ()),
                subresources=tuple(subs),
                singular=names.get("singular", ""),
                crd=crd,
            )
        )
    return out


def crd_version(crd: dict[str, Any], version: str) -> dict[str, Any]:
    for v in (crd.get("spec") or {}).get("versions") or []:
        if v.get("name") == version:
            return v  # type: ignore[no-any-return]
    return {}


class Catalog:
    def __init__(self) -> None:
        self.version = 0
        self._custom: dict[str, list[ResourceInfo]] = {}  # CRD name -> served versions
        self._index: dict[tuple[str, str, str], ResourceInfo] = {}
        # Aggregated API groups (APIServices, e.g. metrics.k8s.io): group -> (resources,
        # available). Routed and discovered like the rest but never stored, so they stay out
        # of `all()` (storage, OpenAPI, namespace cleanup walk `all()`).
        self._api_services: dict[str, tuple[tuple[ResourceInfo, ...], bool]] = {}
        self._rebuild()

    def _rebuild(self) -> None:
        self._index = {(r.group, r.version, r.resource): r for r in self.served()}
        self.version += 1

    def served(self) -> Iterator[ResourceInfo]:
        """Everything routable: `all()` plus the resources of registered API services."""
        yield from self.all()
        for infos, _ in self._api_services.values():
            yield from infos

    def set_api_service(self, group: str, infos: Iterable[ResourceInfo], available: bool) -> None:
        """Register (or update) an aggregated API group; unavailable groups are Stale."""
        entry = (tuple(infos), available)
        if self._api_services.get(group) != entry:
            self._api_services[group] = entry
            self._rebuild()

    def remove_api_service(self, group: str) -> None:
        if self._api_services.pop(group, None) is not None:
            self._rebuild()

    def api_service_available(self, group: str) -> bool:
        """False only for a registered API service whose backend is down."""
        entry = self._api_services.get(group)
        return entry is None or entry[1]

    def all(self) -> Iterator[ResourceInfo]:
        yield from BUILTIN_RESOURCES
        for infos in self._custom.values():
            yield from infos

    def lookup(self, group: str, version: str, resource: str) -> ResourceInfo | None:
        return self._index.get((group, version, resource))

    def group_versions(self) -> list[tuple[str, list[str]]]:
        """Groups (core excluded) in discovery order with versions most preferred first."""
        seen: dict[str, list[str]] = {}
        for r in self.served():
            if r.group == "":
                continue
            vs = seen.setdefault(r.group, [])
            if r.version not in vs:
                vs.append(r.version)
        ordered = [g for g in GROUP_ORDER if g in seen]
        # Aggregated groups come last: metrics-server's APIService has groupPriorityMinimum
        # 100, below the 1000 of CRD groups.
        ordered += sorted(g for g in seen if g not in GROUP_ORDER and g not in self._api_services)
        ordered += sorted(g for g in seen if g in self._api_services)
        return [(g, _sort_versions(seen[g])) for g in ordered]

    def resources_in(self, group: str, version: str) -> list[ResourceInfo]:
        return sorted(
            (r for r in self.served() if r.group == group and r.version == version),
            key=lambda r: r.resource,
        )

    def has_group(self, group: str) -> bool:
        return any(r.group == group for r in self.served())

    def set_crd(self, crd: dict[str, Any]) -> None:
        self._custom[crd["metadata"]["name"]] = crd_resources(crd)
        self._rebuild()

    def remove_crd(self, name: str) -> list[ResourceInfo]:
        removed = self._custom.pop(name, [])
        if removed:
            self._rebuild()
        return removed

    def custom(self) -> Iterator[ResourceInfo]:
        for infos in self._custom.values():
            yield from infos


def _version_priority(v: str) -> tuple[int, int, int, str]:
    """Kubernetes version priority: GA > beta > alpha, then higher numbers first."""

    m = re.fullmatch(r"v(\d+)(?:(alpha|beta)(\d+))?", v)
    if not m:
        return (3, 0, 0, v)  # non-kube-like versions sort last, alphabetically
    major = int(m.group(1))
    stage = {"": 0, "beta": 1, "alpha": 2}[m.group(2) or ""]
    minor = int(m.group(3) or 0)
    return (stage, -major, -minor, v)


def _sort_versions(vs: list[str]) -> list[str]:
    return sorted(vs, key=_version_priority)


__all__ = ["ALL_VERBS", "CR_VERBS", "Catalog", "crd_resources", "crd_version"]
