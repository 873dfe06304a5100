"""A view's page read from warm-start snapshots while its cluster cannot be reached, or while
it connects.

A relaunch restores a cluster's snapshots concurrently with its first connection attempt
(snapshots/warm.py) and hands each table to its source when the source starts; a page request
on an `idle` cluster with a snapshot of the view opens it (api/pages.py). Until the sources
start — the API server does not answer, or has not yet — the restored tables wait in
`ClusterTables.restorable` and would be invisible. `SnapshotSources` serves them instead of a
503 — every source `stale` since its snapshot, the cluster's state named in the message and a
warning (`ClusterConnecting` or `ClusterUnreachable`) — until the cluster connects, its sources
take the tables and pages are live again.
"""

from __future__ import annotations

import hashlib
from typing import Any

from masthead.cluster import ClusterState, ClusterStatus, ResourceSources
from masthead.store.table import Table
from masthead.views.catalogue import ViewSpec
from masthead.views.joins import JoinTables, ResourceKey, needs_of, source_name
from masthead.views.page import PageSources, Warning, rfc3339
from masthead.views.query import ViewQuery
from masthead.views.sources import ClusterTables, RestoredTable


class SnapshotSources(PageSources):
    """The restored tables of one view's resource, by scope (None: all namespaces)."""

    def __init__(
        self,
        cluster: str,
        view: ViewSpec,
        restored: dict[str | None, RestoredTable],
        status: ClusterStatus,
        joined: dict[ResourceKey, list[Table[Any]]],
    ) -> None:
        super().__init__(cluster, view, ResourceSources(view.source))
        self.restored = dict(sorted(restored.items(), key=lambda kv: kv[0] or ""))
        self.status = status
        # Joined columns read the joined resources' snapshots; one without a snapshot is
        # named in a warning and its columns stay empty.
        if view.joins:
            self.joined = JoinTables(joined)
            self.join_warnings = [
                f"{source_name(key)}: no snapshot, its join columns left empty"
                for key in needs_of(view.joins)
                if not joined.get(key)
            ]

    def tables(self, query: ViewQuery) -> list[Table[Any]]:
        wanted = set(query.namespaces) if query.namespaces is not None else None
        return [
            r.table
            for scope, r in self.restored.items()
            if scope is None or wanted is None or scope in wanted
        ]

    def version(self, query: ViewQuery, *, window: bool = True) -> str:
        parts = [
            f"{scope}:{r.note.resource_version}:{r.table.version}"
            for scope, r in self.restored.items()
        ]
        if self.joined is not None:
            parts.extend(self.joined.versions())
        parts.append(f"{self.status.state.value}:{self.status.message}")
        parts.append(query.key if window else query.filter_key)
        digest = hashlib.blake2b("|".join(parts).encode(), digest_size=6).hexdigest()
        return f"{self.cluster}:{self.view.name}:snapshot:{digest}"

    def source_states(self) -> list[dict[str, object]]:
        state = self.status.state.value
        out: list[dict[str, object]] = []
        for scope, r in self.restored.items():
            out.append(
                {
                    "id": f"{self.view.source}@{scope or '*'}",
                    "state": "stale",
                    "since": rfc3339(r.note.taken),
                    "items": len(r.table),
                    "message": f"cluster {state}: {r.note.message.split(';')[0]}",
                }
            )
        if self.view.metrics is not None:
            out.append({"id": "metrics", "state": "unavailable", "message": f"cluster {state}"})
        return out

    def warnings(self, query: ViewQuery) -> list[Warning]:
        state = self.status.state
        if state in (ClusterState.IDLE, ClusterState.CONNECTING):
            first = Warning(
                "ClusterConnecting",
                f"cluster {self.cluster} is connecting: showing the last snapshot",
            )
        else:
            message = self.status.message or "no answer"
            first = Warning(
                "ClusterUnreachable",
                f"cluster {self.cluster} is {state.value} ({message}): showing the last snapshot",
            )
        out = [first]
        out.extend(Warning("PartialJoin", w) for w in self.join_warnings)
        return out


def snapshot_sources(
    tables: ClusterTables, cluster: str, view: ViewSpec, status: ClusterStatus
) -> SnapshotSources | None:
    """The view's page from snapshots, when some were restored for its resource."""
    restored = {
        scope: r
        for (group, resource, scope), r in tables.restorable.items()
        if (group, resource) == (view.group, view.resource)
    }
    if not restored:
        return None
    joined: dict[ResourceKey, list[Table[Any]]] = {}
    for (group, resource, _), r in tables.restorable.items():
        joined.setdefault((group, resource), []).append(r.table)
    return SnapshotSources(cluster, view, restored, status, joined)
