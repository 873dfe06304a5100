"""Columns computed at serve time from another resource's tables (architecture §2.5 joins).

A join column reads, for each row of the page window only, the tables of the resources it
`needs`: a node's pods and the CPU and memory they request (through the pods tables' node
index), a pod's workload (its ReplicaSet's Deployment, through uid lookups), a service's ready
and total endpoints (its EndpointSlices, through the slices' label index). Nothing is stored
in the view's table, so a change of a joined resource costs nothing until a page shows it; the
page version includes the joined tables' versions, so ETags and live frames follow those
changes too. Join columns are not sortable or filterable: the order would need every row's
join value. A joined resource the user cannot list leaves the value null and says so in the
page's warnings (never a silent 0).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from masthead.store.columns import Column, ColumnType, SortValue
from masthead.store.table import Table

ResourceKey = tuple[str, str]  # (group, plural)

PODS: ResourceKey = ("", "pods")
REPLICASETS: ResourceKey = ("apps", "replicasets")
DEPLOYMENTS: ResourceKey = ("apps", "deployments")
ENDPOINTSLICES: ResourceKey = ("discovery.k8s.io", "endpointslices")
# The label the EndpointSlice controller puts on a service's slices (discovery/v1).
SERVICE_NAME_LABEL = "kubernetes.io/service-name"

# Pods that hold no resources on their node any more (the scheduler's accounting).
_FINISHED = frozenset({"Succeeded", "Failed"})


class JoinTables:
    """The tables of each joined resource (one per source: cluster-wide or per namespace)."""

    def __init__(self, tables: Mapping[ResourceKey, Sequence[Table[Any]]]) -> None:
        self._tables = tables

    def of(self, key: ResourceKey) -> Sequence[Table[Any]]:
        return self._tables.get(key, ())

    def row(self, key: ResourceKey, uid: str) -> Any:
        for table in self.of(key):
            found = table.get(uid)
            if found is not None:
                return found
        return None

    def versions(self) -> list[str]:
        """One part per joined table for the page version."""
        return [
            f"{key[0]}/{key[1]}:{id(t)}:{t.version}"
            for key, tables in sorted(self._tables.items())
            for t in tables
        ]


@dataclass(frozen=True, slots=True)
class JoinColumn:
    column: Column[Any]
    needs: tuple[ResourceKey, ...]
    value: Callable[[Any, JoinTables], SortValue | None]


def _column(id: str, title: str, type: ColumnType) -> Column[Any]:
    return Column(id=id, title=title, type=type, key=_none, sortable=False)


def _none(row: Any) -> None:
    return None


def _pods_on(row: Any, t: JoinTables) -> list[Any]:
    pods: list[Any] = []
    for table in t.of(PODS):
        pods.extend(table[uid] for uid in table.by_node.uids(row.name))
    return pods


def node_pods(row: Any, t: JoinTables) -> int | None:
    """Pods bound to the node that still hold resources there (not Succeeded/Failed)."""
    if not t.of(PODS):
        return None
    return sum(1 for p in _pods_on(row, t) if p.phase not in _FINISHED)


def _node_requests(field: str) -> Callable[[Any, JoinTables], int | None]:
    def requested(row: Any, t: JoinTables) -> int | None:
        if not t.of(PODS):
            return None
        total = 0
        for pod in _pods_on(row, t):
            value = getattr(pod, field)
            if value is not None and pod.phase not in _FINISHED:
                total += value
        return total

    return requested


def pod_workload(row: Any, t: JoinTables) -> str | None:
    """`Kind/name` of what runs the pod: a ReplicaSet's Deployment when it has one, else the
    pod's own controller (StatefulSet, DaemonSet, Job, a bare ReplicaSet...)."""
    kind, name = row.owner_kind, row.owner_name
    if kind is None or name is None:
        return None
    if kind == "ReplicaSet" and row.owner_uid:
        rs = t.row(REPLICASETS, row.owner_uid)
        if rs is not None:
            for owner in rs.owner_uids:
                deployment = t.row(DEPLOYMENTS, owner)
                if deployment is not None:
                    return f"Deployment/{deployment.name}"
    return f"{kind}/{name}"


def service_slices(row: Any, t: JoinTables) -> list[Any]:
    """The EndpointSlices of a service: its namespace's slices labelled with its name."""
    label = (SERVICE_NAME_LABEL, row.name)
    slices: list[Any] = []
    for table in t.of(ENDPOINTSLICES):
        for uid in table.by_label.uids(label):
            es = table[uid]
            if es.namespace == row.namespace:
                slices.append(es)
    return slices


def _service_endpoints(field: str) -> Callable[[Any, JoinTables], int | None]:
    """Endpoints of the service's slices (`endpoints_ready` or `endpoints_total`, summed); 0
    for a service without slices, None when no endpointslices can be read."""

    def endpoints(row: Any, t: JoinTables) -> int | None:
        if not t.of(ENDPOINTSLICES):
            return None
        return sum(int(getattr(es, field)) for es in service_slices(row, t))

    return endpoints


JOINS: dict[str, tuple[JoinColumn, ...]] = {
    "nodes": (
        JoinColumn(_column("pods", "Pods", "int"), (PODS,), node_pods),
        JoinColumn(
            _column("cpu_requested", "CPU requested", "quantity"),
            (PODS,),
            _node_requests("cpu_request"),
        ),
        JoinColumn(
            _column("memory_requested", "Memory requested", "quantity"),
            (PODS,),
            _node_requests("memory_request"),
        ),
    ),
    "pods": (
        JoinColumn(
            _column("workload", "Workload", "string"), (REPLICASETS, DEPLOYMENTS), pod_workload
        ),
    ),
    "services": (
        JoinColumn(
            _column("endpoints_ready", "Ready endpoints", "int"),
            (ENDPOINTSLICES,),
            _service_endpoints("endpoints_ready"),
        ),
        JoinColumn(
            _column("endpoints", "Endpoints", "int"),
            (ENDPOINTSLICES,),
            _service_endpoints("endpoints_total"),
        ),
    ),
}


def needs_of(joins: Sequence[JoinColumn]) -> tuple[ResourceKey, ...]:
    return tuple(dict.fromkeys(key for j in joins for key in j.needs))


def source_name(key: ResourceKey) -> str:
    """The name `ClusterSession.ensure_source` resolves for a resource key."""
    group, resource = key
    return f"{resource}.{group}" if group else resource
