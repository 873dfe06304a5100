"""One window of a view: which tables it reads, its version, its rows, its sources' freshness.

`PageSources` is what a view reads right now (resolved from the resource's sources): it is cheap
to build, and its `version(query)` is the page's version — derived from the sinks' identities,
their tables' versions, the sources' freshness versions, the access warnings and the normalised
query. So a caller can answer `If-None-Match` (or skip an unchanged live frame) before
`build()` touches a single row.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from masthead.cluster import ResourceSources, Source
from masthead.kube.access import AccessMode
from masthead.kube.freshness import SourceState
from masthead.store.query import query_tables
from masthead.store.table import Table
from masthead.views.catalogue import ViewSpec
from masthead.views.query import ViewQuery
from masthead.views.sources import ObservedTableSink


def rfc3339(t: float | None) -> str | None:
    if t is None:
        return None
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class Warning:
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


class PageSources:
    """The sources of one view in one cluster, and the tables a query reads among them."""

    def __init__(self, cluster: str, view: ViewSpec, group: ResourceSources) -> None:
        self.cluster = cluster
        self.view = view
        self.group = group
        self.sources: list[Source] = sorted(group.sources.values(), key=lambda s: s.namespace or "")

    @property
    def forbidden(self) -> bool:
        """Nothing of this resource may be listed: the only case a page is refused (403)."""
        plan = self.group.plan
        return plan is not None and plan.mode is AccessMode.FORBIDDEN

    def tables(self, query: ViewQuery) -> list[Table[Any]]:
        """Tables that can hold matches: every cluster-wide source, and the per-namespace
        sources of the namespaces asked for."""
        wanted = set(query.namespaces) if query.namespaces is not None else None
        out: list[Table[Any]] = []
        for src in self.sources:
            sink = src.sink
            if not isinstance(sink, ObservedTableSink):
                continue
            if src.namespace is not None and wanted is not None and src.namespace not in wanted:
                continue
            out.append(sink.table)
        return out

    def version(self, query: ViewQuery) -> str:
        parts: list[str] = []
        total = 0
        for src in self.sources:
            sink = src.sink
            serial, tv = (
                (sink.serial, sink.table.version) if isinstance(sink, ObservedTableSink) else (0, 0)
            )
            total += tv
            parts.append(f"{src.namespace}:{serial}:{tv}:{src.freshness.version}")
        parts.extend(self.group.warnings)
        parts.append(query.key)
        digest = hashlib.blake2b("|".join(parts).encode(), digest_size=6).hexdigest()
        return f"{self.cluster}:{self.view.name}:{total}:{digest}"

    def source_states(self) -> list[dict[str, object]]:
        name = self.group.resource.qualified if self.group.resource else self.view.source
        out: list[dict[str, object]] = []
        for src in self.sources:
            f = src.freshness.current
            d: dict[str, object] = {
                "id": f"{name}@{src.namespace or '*'}",
                "state": f.state.value,
                "since": rfc3339(f.since),
            }
            if isinstance(src.sink, ObservedTableSink):
                d["items"] = len(src.sink.table)
            if f.message:
                d["message"] = f.message
            if f.state is SourceState.SYNCING:
                d["synced"] = f.synced
                d["total"] = f.total
            if f.attempt:
                d["attempt"] = f.attempt
            if f.next_retry is not None:
                d["nextRetry"] = rfc3339(f.next_retry)
            out.append(d)
        return out

    def warnings(self, query: ViewQuery) -> list[Warning]:
        out = [Warning("PartialAccess", w) for w in self.group.warnings]
        plan = self.group.plan
        if query.namespaces is not None and plan is not None and plan.mode is AccessMode.NAMESPACES:
            name = self.group.resource.qualified if self.group.resource else self.view.source
            for ns in query.namespaces:
                if ns not in plan.namespaces and not any(ns in w.message for w in out):
                    out.append(Warning("PartialAccess", f'{name}: no access in namespace "{ns}"'))
        return out


def row_renderer(view: ViewSpec) -> Callable[[Any], dict[str, object]]:
    """Row → the JSON object the page carries: uid, namespace, name and the view's columns."""
    getters = [(c.id, c.key) for c in view.shown if c.id not in ("name", "namespace")]
    namespaced = view.namespaced

    def render(row: Any) -> dict[str, object]:
        d: dict[str, object] = {"uid": row.uid, "name": row.name}
        if namespaced:
            d["namespace"] = row.namespace
        for column_id, key in getters:
            d[column_id] = key(row)
        return d

    return render


@dataclass(frozen=True, slots=True)
class BuiltPage:
    version: str
    total: int
    offset: int
    rows: tuple[Any, ...]  # the store's rows (compared to tell an unchanged window)
    body: dict[str, object]


def build_page(sources: PageSources, query: ViewQuery, version: str | None = None) -> BuiltPage:
    """Query the view's tables and assemble the protocol.md §2 body."""
    version = version or sources.version(query)
    tables = sources.tables(query)
    if tables:
        page = query_tables(tables, query.store_query())
        rows, total = page.rows, page.total
    else:
        rows, total = (), 0
    render = row_renderer(sources.view)
    body: dict[str, object] = {
        "view": sources.view.name,
        "cluster": sources.cluster,
        "version": version,
        "total": total,
        "offset": query.offset,
        "rows": [render(r) for r in rows],
        "columns": [c.id for c in sources.view.shown],
        "sources": sources.source_states(),
        "warnings": [w.as_dict() for w in sources.warnings(query)],
        "truncated": False,
    }
    return BuiltPage(version, total, query.offset, rows, body)
