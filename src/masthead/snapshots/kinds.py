"""What a snapshot's `row_schema` says of its resource: the row layout its bytes decode with,
and the part of discovery (kind, scope, version) that rebuilds its projection and — while the
cluster is not connected, so there is no live discovery yet — its browse view.

`layout|origin|Kind|namespaced|version`: `origin` is `declared` (a built-in kind's own
projection) or `generic` (a custom resource: the generic projection, rebuilt from the kind and
scope). Older snapshots carry less — `layout` alone (declared) or `layout|generic|Kind|0|1`
(without the version): they still restore, but cannot name a browse view.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from masthead.kube.discovery import ResourceType
from masthead.snapshots.codec import row_schema
from masthead.store.projection import PROJECTIONS, Projection
from masthead.store.projection.generic import generic_projection
from masthead.store.projection.registry import projection_for

DECLARED = "declared"
GENERIC = "generic"


@dataclass(frozen=True, slots=True)
class SnapshotKind:
    layout: str  # codec.row_schema of the rows
    generic: bool
    kind: str  # "" when not recorded (an older declared snapshot)
    namespaced: bool
    version: str  # "" when not recorded (an older snapshot)


def schema_of(rt: ResourceType) -> str:
    """The `row_schema` to store with a snapshot of `rt`'s rows."""
    origin = DECLARED if (rt.group, rt.resource) in PROJECTIONS else GENERIC
    layout = row_schema(projection_for(rt).row_type)
    return "|".join((layout, origin, rt.kind, str(int(rt.namespaced)), rt.version))


def parse_schema(text: str, group: str, resource: str) -> SnapshotKind | None:
    """What `text` records of (group, resource); None when it cannot be read (another
    masthead's format: the snapshot is ignored)."""
    parts = text.split("|")
    declared = (group, resource) in PROJECTIONS
    if len(parts) == 1 and declared:
        return SnapshotKind(parts[0], False, "", False, "")
    if len(parts) not in (4, 5) or parts[3] not in ("0", "1"):
        return None
    layout, origin, kind, namespaced = parts[:4]
    if origin != (DECLARED if declared else GENERIC):
        return None
    version = parts[4] if len(parts) == 5 else ""
    return SnapshotKind(layout, origin == GENERIC, kind, namespaced == "1", version)


def projection_of(group: str, resource: str, kind: SnapshotKind) -> Projection[Any, Any] | None:
    """The projection the rows were made with, if this masthead's rows have their layout."""
    projection = (
        generic_projection(group, resource, kind.kind, kind.namespaced)
        if kind.generic
        else PROJECTIONS[(group, resource)]
    )
    return projection if row_schema(projection.row_type) == kind.layout else None


def resource_type_of(group: str, resource: str, kind: SnapshotKind) -> ResourceType | None:
    """The resource as discovery described it when the snapshot was taken (verbs not kept:
    a view does not read them); None when the snapshot did not record its version."""
    if not kind.version or not kind.kind:
        return None
    return ResourceType(group, kind.version, resource, kind.kind, kind.namespaced, frozenset())
