"""One window of a view: which tables it reads, its version, its rows, its sources' freshness.

`PageSources` is what a view reads right now (resolved from the resource's sources): it is cheap
to build, and its `version(query)` is the page's version — derived from the sinks' identities,
their tables' versions, the sources' freshness versions, the access warnings and the normalised
query. So a caller can answer `If-None-Match` (or skip an unchanged live frame) before
`build()` touches a single row.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from masthead.cluster import ResourceSources, Source
from masthead.kube.access import AccessMode
from masthead.kube.freshness import SourceState
from masthead.store.query import query_tables
from masthead.store.table import Table
from masthead.views.catalogue import ViewSpec
from masthead.views.joins import JoinTables
from masthead.views.query import ViewQuery
from masthead.views.rendered import RENDERED_ROWS
from masthead.views.sources import ObservedTableSink

if TYPE_CHECKING:
    from masthead.feeds.metrics import MetricsPoller

# A metric sort reads every matching row: the window is cut after the overlay.
_ALL = 1 << 62


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

    def __init__(
        self,
        cluster: str,
        view: ViewSpec,
        group: ResourceSources,
        metrics: MetricsPoller | None = None,
    ) -> None:
        self.cluster = cluster
        self.view = view
        self.group = group
        # The cluster's poller when the view overlays metrics (None: no metric columns, or no
        # poller — then the `metrics` source says "unavailable").
        self.metrics = metrics if view.metrics is not None else None
        # The joined resources' tables, when the view has join columns (views/joins.py), and
        # what the page must say about them (a joined resource read only in some namespaces).
        self.joined: JoinTables | None = None
        self.join_warnings: list[str] = []
        self.join_sources: list[Source] = []  # the joined resources' sources (first sync)
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

    def version(self, query: ViewQuery, *, window: bool = True) -> str:
        """The page's version; with `window=False` the version of the whole ordered match
        (equal for every window of one query over unchanged data)."""
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
        if self.joined is not None:
            parts.extend(self.joined.versions())
            parts.extend(self.join_warnings)
        if self.view.metrics is not None:
            m = self.metrics
            if m is None:
                parts.append("metrics:none")
            else:
                st = m.status(self.view.metrics)
                parts.append(f"metrics:{m.version}:{st.state.value}:{st.message}")
        parts.append(query.key if window else query.filter_key)
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
            if f.last_poll is not None:
                d["lastPoll"] = rfc3339(f.last_poll)
            out.append(d)
        if self.view.metrics is not None:
            out.append(self.metrics_state())
        return out

    def metrics_state(self) -> dict[str, object]:
        """The `metrics` source of the page: ok | absent | forbidden | unavailable (or
        unknown before the first answer), with the API's message."""
        if self.metrics is None:
            return {"id": "metrics", "state": "unavailable", "message": "no metrics poller"}
        st = self.metrics.status(self.view.metrics)
        d: dict[str, object] = {"id": "metrics", "state": st.state.value}
        if st.since:
            d["since"] = rfc3339(st.since)
        message = st.message or ("waiting for the first poll" if st.state == "unknown" else "")
        if message:
            d["message"] = message
        if st.last_ok is not None:
            d["lastOk"] = rfc3339(st.last_ok)
        return d

    def usage(self) -> Callable[[Any], tuple[float | None, int | None]]:
        """Row → (cpu millicores, memory bytes) from the latest poll; (None, None) without a
        sample or while metrics are not ok (never a silent 0)."""
        m = self.metrics
        if m is None or m.status(self.view.metrics).state != "ok":
            return lambda row: (None, None)
        if self.view.metrics == "nodes":
            nodes = m.nodes

            def node_usage(row: Any) -> tuple[float | None, int | None]:
                u = nodes.get(row.name)
                return (None, None) if u is None else (u.cpu_m, u.memory)

            return node_usage
        pods = m.pods

        def pod_usage(row: Any) -> tuple[float | None, int | None]:
            u = pods.get((row.namespace, row.name))
            return (None, None) if u is None else (u.cpu_m, u.memory)

        return pod_usage

    def warnings(self, query: ViewQuery) -> list[Warning]:
        out = [Warning("PartialAccess", w) for w in self.group.warnings]
        out.extend(Warning("PartialJoin", w) for w in self.join_warnings)
        plan = self.group.plan
        if query.namespaces is not None and plan is not None and plan.mode is AccessMode.NAMESPACES:
            name = self.group.resource.qualified if self.group.resource else self.view.source
            for ns in query.namespaces:
                if ns not in plan.namespaces and not any(ns in w.message for w in out):
                    out.append(Warning("PartialAccess", f'{name}: no access in namespace "{ns}"'))
        return out


def row_renderer(view: ViewSpec) -> Callable[[Any], dict[str, object]]:
    """Row → the JSON object the page carries: uid, namespace, name and the view's columns."""
    getters = [
        (c.id, c.key)
        for c in view.shown
        if c.id not in ("name", "namespace")
        and not view.is_metric(c.id)
        and not view.is_joined(c.id)
    ]
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
    view = sources.view
    metric_sort = view.is_metric(query.sort)
    usage = sources.usage() if view.metrics is not None else None
    if not tables:
        rows: tuple[Any, ...] = ()
        total = 0
    elif metric_sort and usage is not None:
        cache_key = sources.version(query, window=False)
        ordered = _metric_orders.get(cache_key)
        if ordered is None:
            everything = dataclasses.replace(
                query.store_query(), sort="name", desc=False, offset=0, limit=_ALL
            )
            ordered = _metric_order(query_tables(tables, everything).rows, usage, query)
            _metric_orders[cache_key] = ordered
            while len(_metric_orders) > _METRIC_ORDERS:
                del _metric_orders[next(iter(_metric_orders))]
        total = len(ordered)
        rows = ordered[query.offset : query.offset + query.limit]
    else:
        page = query_tables(tables, query.store_query())
        rows, total = page.rows, page.total
    render = row_renderer(view)
    rendered = [RENDERED_ROWS.render(view.name, r, render) for r in rows]
    if usage is not None:
        for d, r in zip(rendered, rows, strict=True):
            d["cpu"], d["memory"] = usage(r)
    if view.joins:
        joined = sources.joined or JoinTables({})
        for d, r in zip(rendered, rows, strict=True):
            for j in view.joins:
                d[j.column.id] = j.value(r, joined)
    body: dict[str, object] = {
        "view": sources.view.name,
        "cluster": sources.cluster,
        "version": version,
        "total": total,
        "offset": query.offset,
        "rows": rendered,
        "columns": [c.id for c in sources.view.shown],
        "sources": sources.source_states(),
        "warnings": [w.as_dict() for w in sources.warnings(query)],
        "truncated": False,
    }
    return BuiltPage(version, total, query.offset, rows, body)


# Orders of whole matches sorted by a metric, by their window-less version: scrolling through
# one query over unchanged data sorts once. Oldest dropped past the bound.
_METRIC_ORDERS = 8
_metric_orders: dict[str, tuple[Any, ...]] = {}


def _metric_order(
    rows: tuple[Any, ...],
    usage: Callable[[Any], tuple[float | None, int | None]],
    query: ViewQuery,
) -> tuple[Any, ...]:
    """`rows` (in name order) sorted by an overlaid metric: rows without a value last, ties in
    name order (Python's sort is stable, also reversed)."""
    index = 0 if query.sort == "cpu" else 1
    present: list[tuple[float, Any]] = []
    missing: list[Any] = []
    for row in rows:
        value = usage(row)[index]
        if value is None:
            missing.append(row)
        else:
            present.append((value, row))
    present.sort(key=itemgetter(0), reverse=query.desc)
    return (*(e[1] for e in present), *missing)
