"""Projections: each object reduced at intake to the typed, compact row its views need.

A `Projection` per kind declares the partial input struct msgspec decodes (everything else,
managedFields included, is skipped in C), the row type, the table columns and `build`.
`ProjectionCodec` plugs a projection into a `kube.reflector.Reflector`, `TableSink` plugs a
`store.table.Table` in as its sink; `PROJECTIONS` / `projection_for` pick the projection of a
resource, falling back to the generic one (with CRD printer columns).
"""

from masthead.store.projection.base import Interner, Projection, ResourceKey, Row
from masthead.store.projection.codec import ProjectionCodec, TableSink
from masthead.store.projection.generic import CRDRow, GenericRow, PrinterColumn
from masthead.store.projection.pods import PodRow, restarts_text
from masthead.store.projection.registry import PROJECTIONS, projection_for

__all__ = [
    "PROJECTIONS",
    "CRDRow",
    "GenericRow",
    "Interner",
    "PodRow",
    "PrinterColumn",
    "Projection",
    "ProjectionCodec",
    "ResourceKey",
    "Row",
    "TableSink",
    "projection_for",
    "restarts_text",
]
