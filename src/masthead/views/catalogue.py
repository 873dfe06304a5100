"""The view catalogue: which resource each view reads, which columns it shows, its default sort.

A view is a recipe over one projected resource (joins come later): the columns are ids of the
resource's projection columns, in the order the UI shows them. `browse` serves any other
resource (custom resources included) through the projection `projection_for` picks for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from masthead.kube.discovery import ResourceType
from masthead.store.columns import Column
from masthead.store.projection import PROJECTIONS, Projection, projection_for
from masthead.views.joins import JOINS, JoinColumn

# Columns whose values come from the cluster's `MetricsPoller`, overlaid at serve time (never
# stored in the table): CPU in millicores, memory in bytes. Sortable; a row without a sample
# has null (never a silent 0) and the page's `metrics` source says why.
METRIC_COLUMNS: dict[str, Column[Any]] = {
    "cpu": Column(id="cpu", title="CPU", type="quantity", key=lambda r: None),
    "memory": Column(id="memory", title="Memory", type="quantity", key=lambda r: None),
}

# The facet/text/namespace/selector filters every view accepts (protocol.md §2).
FILTERS = ("namespace", "selector", "q", "facet.<column>", "sort", "desc", "offset", "limit")


@dataclass(frozen=True, slots=True)
class ViewSpec:
    """One view over one resource. `columns` None shows every column of the projection."""

    name: str
    title: str
    group: str
    resource: str  # plural, as in URLs
    projection: Projection[Any, Any]
    namespaced: bool = True
    columns: tuple[str, ...] | None = None
    sort: str = "name"
    desc: bool = False
    # "pods" or "nodes": the view overlays `METRIC_COLUMNS` from that kind of metrics.
    metrics: str | None = None
    # Columns computed from other resources' tables for the window's rows (views/joins.py).
    joins: tuple[JoinColumn, ...] = ()

    @property
    def source(self) -> str:
        """The name `ClusterSession.ensure_source` resolves: `deployments.apps`, `pods`."""
        return f"{self.resource}.{self.group}" if self.group else self.resource

    @property
    def shown(self) -> tuple[Column[Any], ...]:
        """The columns rows carry, in order (name and namespace always among them)."""
        by_id = {c.id: c for c in self.projection.columns}
        if self.metrics is not None:
            by_id.update(METRIC_COLUMNS)
        joined = tuple(j.column for j in self.joins)
        if self.columns is None:
            return (*by_id.values(), *joined)
        return (*(by_id[c] for c in self.columns), *joined)

    def column(self, column_id: str) -> Column[Any] | None:
        for c in self.projection.columns:
            if c.id == column_id:
                return c
        if self.metrics is not None and column_id in METRIC_COLUMNS:
            return METRIC_COLUMNS[column_id]
        return next((j.column for j in self.joins if j.column.id == column_id), None)

    def shown_all(self) -> tuple[Column[Any], ...]:
        """Every column the view can sort or filter by (projection + metric overlay)."""
        extra = tuple(METRIC_COLUMNS.values()) if self.metrics is not None else ()
        return (*self.projection.columns, *extra)

    def is_joined(self, column_id: str) -> bool:
        return any(j.column.id == column_id for j in self.joins)

    def is_metric(self, column_id: str) -> bool:
        return self.metrics is not None and column_id in METRIC_COLUMNS

    def describe(self) -> dict[str, object]:
        return {
            "name": self.name,
            "title": self.title,
            "resource": {"group": self.group, "resource": self.resource},
            "namespaced": self.namespaced,
            "columns": [
                {
                    "id": c.id,
                    "title": c.title,
                    "type": c.type,
                    "sortable": c.sortable,
                    "facet": c.facet,
                }
                for c in self.shown
            ],
            "filters": list(FILTERS if self.namespaced else _CLUSTER_FILTERS),
            "sort": {"column": self.sort, "desc": self.desc},
        }


_CLUSTER_FILTERS = tuple(f for f in FILTERS if f != "namespace")


def _view(
    name: str,
    title: str,
    group: str,
    resource: str,
    columns: Sequence[str] | None = None,
    *,
    namespaced: bool = True,
    sort: str = "name",
    desc: bool = False,
    metrics: str | None = None,
) -> ViewSpec:
    projection = PROJECTIONS[(group, resource)]
    spec = ViewSpec(
        name=name,
        title=title,
        group=group,
        resource=resource,
        projection=projection,
        namespaced=namespaced,
        columns=tuple(columns) if columns is not None else None,
        sort=sort,
        desc=desc,
        metrics=metrics,
        joins=JOINS.get(name, ()),
    )
    assert all(spec.column(c) is not None for c in spec.columns or ()), name
    return spec


VIEWS: dict[str, ViewSpec] = {
    v.name: v
    for v in (
        _view(
            "pods",
            "Pods",
            "",
            "pods",
            (
                "name",
                "namespace",
                "ready",
                "status",
                "restarts",
                "node",
                "ip",
                "owner",
                "qos",
                "cpu",
                "memory",
                "cpu_request",
                "memory_request",
                "age",
            ),
            metrics="pods",
        ),
        _view("nodes", "Nodes", "", "nodes", namespaced=False, metrics="nodes"),
        _view("namespaces", "Namespaces", "", "namespaces", namespaced=False),
        _view("deployments", "Deployments", "apps", "deployments"),
        _view("statefulsets", "StatefulSets", "apps", "statefulsets"),
        _view("daemonsets", "DaemonSets", "apps", "daemonsets"),
        _view("replicasets", "ReplicaSets", "apps", "replicasets"),
        _view("jobs", "Jobs", "batch", "jobs"),
        _view("cronjobs", "CronJobs", "batch", "cronjobs"),
        _view("services", "Services", "", "services"),
        _view("configmaps", "ConfigMaps", "", "configmaps"),
        _view("secrets", "Secrets", "", "secrets"),
        _view("events", "Events", "", "events", sort="last_seen", desc=True),
        _view("ingresses", "Ingresses", "networking.k8s.io", "ingresses"),
        _view(
            "persistentvolumeclaims",
            "PersistentVolumeClaims",
            "",
            "persistentvolumeclaims",
        ),
        _view("persistentvolumes", "PersistentVolumes", "", "persistentvolumes", namespaced=False),
    )
}

# `GET .../views/browse/{group}/{version}/{resource}`: "core" names the core ("") group.
BROWSE = "browse"
CORE_GROUP = "core"


def browse_view(rtype: ResourceType) -> ViewSpec:
    """The generic view of any resource: its declared projection if it has one, else the
    generic one (name, namespace, age, labels)."""
    group = rtype.group
    return ViewSpec(
        name=f"{BROWSE}/{group or CORE_GROUP}/{rtype.version}/{rtype.resource}",
        title=rtype.kind or rtype.resource,
        group=group,
        resource=rtype.resource,
        projection=projection_for(rtype),
        namespaced=rtype.namespaced,
    )


def catalogue() -> list[dict[str, object]]:
    """`GET /api/v1/views`: every named view, then the generic browse view's shape."""
    views = [v.describe() for v in VIEWS.values()]
    views.append(
        {
            "name": BROWSE,
            "title": "Browse",
            "path": f"{BROWSE}/{{group|{CORE_GROUP}}}/{{version}}/{{resource}}",
            "columns": [
                {"id": "name", "title": "Name", "type": "string", "sortable": True},
                {"id": "namespace", "title": "Namespace", "type": "string", "sortable": True},
                {"id": "age", "title": "Age", "type": "time", "sortable": True},
            ],
            "filters": list(FILTERS),
            "sort": {"column": "name", "desc": False},
        }
    )
    return views
