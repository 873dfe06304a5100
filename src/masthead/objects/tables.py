"""What a cluster's running sources hold, read by object reads: which tables a resource has,
whether its watch is live, and where a uid lives."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from masthead.cluster import ClusterSession
from masthead.kube.discovery import ResourceType
from masthead.kube.freshness import SourceState
from masthead.store.rows import TableRow
from masthead.store.table import Table
from masthead.views.sources import ObservedTableSink


def resource_tables(
    session: ClusterSession, group: str, resource: str, namespace: str | None = None
) -> list[Table[Any]]:
    """The tables of (group, resource) — those whose scope covers `namespace`, or all."""
    out: list[Table[Any]] = []
    for rt, scope, table, _ in _sources(session):
        if (rt.group, rt.resource) != (group, resource):
            continue
        if namespace is None or scope is None or scope == namespace:
            out.append(table)
    return out


def watched(session: ClusterSession, group: str, resource: str, namespace: str) -> bool:
    """A running, live source of (group, resource) covers `namespace`."""
    return any(
        (rt.group, rt.resource) == (group, resource)
        and (scope is None or scope == namespace)
        and live
        for rt, scope, _, live in _sources(session)
    )


def locate(session: ClusterSession, uid: str) -> tuple[ResourceType, TableRow] | None:
    """The row with `uid` in any table of the cluster, with its resource."""
    for rt, _, table, _ in _sources(session):
        row = table.get(uid)
        if row is not None:
            return rt, row
    return None


_Source = tuple[ResourceType, str | None, Table[Any], bool]  # resource, scope, table, live


def _sources(session: ClusterSession) -> Iterator[_Source]:
    for g in session.resources:
        rt = g.resource
        if rt is None:
            continue
        for scope, src in g.sources.items():
            if isinstance(src.sink, ObservedTableSink):
                live = src.running and src.freshness.current.state is SourceState.LIVE
                yield rt, scope, src.sink.table, live


def all_tables(session: ClusterSession) -> list[tuple[ResourceType, Table[Any]]]:
    """Every running or stopped source's table with its resource."""
    return [(rt, table) for rt, _, table, _ in _sources(session)]
