"""Which projection a resource gets: its own declared one, else the generic one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from masthead.kube.discovery import ResourceType
from masthead.store.projection.base import Projection, ResourceKey
from masthead.store.projection.cluster import NAMESPACES, NODES
from masthead.store.projection.config import (
    CONFIGMAPS,
    PVCS,
    PVS,
    SECRETS,
    STORAGECLASSES,
)
from masthead.store.projection.events import EVENTS, EVENTS_V1
from masthead.store.projection.generic import CRDS, PrinterColumn, generic_projection
from masthead.store.projection.network import ENDPOINTSLICES, INGRESSES, SERVICES
from masthead.store.projection.pods import PODS
from masthead.store.projection.policy import (
    CLUSTERROLEBINDINGS,
    CLUSTERROLES,
    HPAS,
    PDBS,
    ROLEBINDINGS,
    ROLES,
)
from masthead.store.projection.workloads import (
    CRONJOBS,
    DAEMONSETS,
    DEPLOYMENTS,
    JOBS,
    REPLICASETS,
    STATEFULSETS,
)

_DECLARED: tuple[Projection[Any, Any], ...] = (
    PODS,
    NODES,
    NAMESPACES,
    DEPLOYMENTS,
    STATEFULSETS,
    DAEMONSETS,
    REPLICASETS,
    JOBS,
    CRONJOBS,
    SERVICES,
    ENDPOINTSLICES,
    INGRESSES,
    CONFIGMAPS,
    SECRETS,
    PVCS,
    PVS,
    STORAGECLASSES,
    EVENTS,
    EVENTS_V1,
    HPAS,
    PDBS,
    ROLES,
    CLUSTERROLES,
    ROLEBINDINGS,
    CLUSTERROLEBINDINGS,
    CRDS,
)

PROJECTIONS: dict[ResourceKey, Projection[Any, Any]] = {p.key: p for p in _DECLARED}


def projection_for(
    resource_type: ResourceType, printer_columns: Sequence[PrinterColumn] = ()
) -> Projection[Any, Any]:
    """The declared projection of a built-in kind; for any other kind (custom resources,
    aggregated APIs, kinds added later) the generic one, with `printer_columns` — the CRD's
    additionalPrinterColumns for `resource_type.version`, see `CRDRow.columns_of`."""
    declared = PROJECTIONS.get((resource_type.group, resource_type.resource))
    if declared is not None:
        return declared
    return generic_projection(
        resource_type.group,
        resource_type.resource,
        resource_type.kind,
        resource_type.namespaced,
        printer_columns,
    )
