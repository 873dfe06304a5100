"""CustomResourceDefinitions, and the generic projection for every other kind: name,
namespace, age, labels, plus a custom resource's `additionalPrinterColumns`.

Printer columns are evaluated with `masthead.sim.jsonpath`, the JSONPath subset of client-go
that kube-apiserver applies to printer columns. It is imported rather than copied: it is a
self-contained module (standard library only) whose semantics (missing keys yield nothing,
only the first result counts, Go's value formatting) are exactly what a dashboard must show;
if the simulator ever leaves this package, it moves next to `masthead.selectors`.

Only the top-level fields a printer column reads (`spec`, `status`, ...) are decoded, by an
input struct generated per resource; everything else is skipped like in typed projections.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec

from masthead.sim import jsonpath
from masthead.store.columns import Column, ColumnType, SortValue
from masthead.store.projection.base import (
    Interner,
    MetaIn,
    ObjectIn,
    Projection,
    Row,
    base_columns,
    column,
    row_base,
)

# ------------------------------------------------------------------------------------- CRDs


class PrinterColumn(msgspec.Struct, frozen=True, gc=False):
    """One `additionalPrinterColumns` entry of a CRD version."""

    name: str
    type: str  # integer, number, string, boolean, date
    jsonPath: str
    format: str = ""
    description: str = ""
    priority: int = 0


class _CRDNames(msgspec.Struct, gc=False):
    kind: str = ""
    plural: str = ""
    singular: str = ""
    shortNames: list[str] | None = None


class _CRDVersion(msgspec.Struct, gc=False):
    name: str = ""
    served: bool = False
    storage: bool = False
    additionalPrinterColumns: list[PrinterColumn] | None = None


class _CRDSpec(msgspec.Struct, gc=False):
    group: str = ""
    scope: str = ""
    names: _CRDNames = msgspec.field(default_factory=_CRDNames)
    versions: list[_CRDVersion] | None = None


class _Condition(msgspec.Struct, gc=False):
    type: str = ""
    status: str = ""


class _CRDStatus(msgspec.Struct, gc=False):
    conditions: list[_Condition] | None = None


class CRDIn(msgspec.Struct, gc=False):
    metadata: MetaIn = msgspec.field(default_factory=MetaIn)
    spec: _CRDSpec = msgspec.field(default_factory=_CRDSpec)
    status: _CRDStatus = msgspec.field(default_factory=_CRDStatus)


class CRDRow(Row, frozen=True, kw_only=True, gc=False):
    group: str
    kind: str
    plural: str
    scope: str  # Namespaced or Cluster
    versions: str  # served versions, comma-joined in spec order
    storage_version: str
    established: bool
    # (version, its printer columns) for every served version: what the generic projection
    # of this CRD's resources needs.
    printer_columns: tuple[tuple[str, tuple[PrinterColumn, ...]], ...]

    def columns_of(self, version: str) -> tuple[PrinterColumn, ...]:
        for name, columns in self.printer_columns:
            if name == version:
                return columns
        return ()


def build_crd(obj: CRDIn, interner: Interner) -> CRDRow:
    spec = obj.spec
    versions = spec.versions or []
    established = any(
        c.type == "Established" and c.status == "True" for c in obj.status.conditions or ()
    )
    return CRDRow(
        **row_base(obj.metadata, interner),
        group=interner.string(spec.group),
        kind=spec.names.kind,
        plural=spec.names.plural,
        scope=interner.string(spec.scope),
        versions=",".join(v.name for v in versions if v.served),
        storage_version=next((v.name for v in versions if v.storage), ""),
        established=established,
        printer_columns=tuple(
            (v.name, tuple(v.additionalPrinterColumns or ())) for v in versions if v.served
        ),
    )


CRDS: Projection[CRDIn, CRDRow] = Projection(
    group="apiextensions.k8s.io",
    resource="customresourcedefinitions",
    kind="CustomResourceDefinition",
    row_type=CRDRow,
    input_type=CRDIn,
    columns=(
        *base_columns(namespaced=False),
        column("group", "Group", "string", lambda r: r.group, facet=True, text=True),
        column("kind", "Kind", "string", lambda r: r.kind, text=True),
        column("scope", "Scope", "string", lambda r: r.scope, facet=True),
        column("versions", "Versions", "string", lambda r: r.versions),
        column("established", "Established", "bool", lambda r: str(r.established).lower()),
    ),
    build=build_crd,
)


# ---------------------------------------------------------------------------------- generic


class GenericRow(Row, frozen=True, kw_only=True, gc=False):
    """Any kind: metadata, plus one value per printer column of the projection (None when the
    path finds nothing). Values are typed for sorting: integer → int, number → float, date →
    epoch seconds, string and boolean → the text kubectl shows."""

    printer: tuple[SortValue | None, ...] = ()


_ROOT = re.compile(r"""\{?\s*\$?(?:\.([A-Za-z0-9_\-/$]+)|\[\s*['"]([^'"]+)['"]\s*\])""")
_TYPES: dict[str, ColumnType] = {
    "integer": "int",
    "number": "float",
    "date": "time",
    "boolean": "bool",
    "string": "string",
}


def _root_field(path: str) -> str | None:
    m = _ROOT.match(path.strip())
    if m is None:
        return None
    return m.group(1) or m.group(2)


def _typed(value: Any, type_: str) -> SortValue | None:
    if type_ == "integer":
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    if type_ == "number":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        return None
    if type_ == "date":
        if not isinstance(value, str):
            return None
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None
    return jsonpath.format_value(value)


class _Compiled:
    __slots__ = ("path", "type")

    def __init__(self, path: jsonpath.JSONPath | None, type_: str) -> None:
        self.path = path
        self.type = type_

    def value(self, obj: dict[str, Any]) -> SortValue | None:
        if self.path is None:
            return None
        found = self.path.find(obj)
        return _typed(found[0], self.type) if found else None


def _compile(columns: Sequence[PrinterColumn]) -> list[_Compiled]:
    compiled = []
    for c in columns:
        try:
            path: jsonpath.JSONPath | None = jsonpath.parse(c.jsonPath)
        except jsonpath.JSONPathError:
            path = None  # CRD validation refuses these; a broken one yields empty cells
        compiled.append(_Compiled(path, c.type))
    return compiled


def _printer_column(index: int, pc: PrinterColumn) -> Column[GenericRow]:
    def key(row: GenericRow) -> SortValue | None:
        return row.printer[index] if index < len(row.printer) else None

    type_ = _TYPES.get(pc.type, "string")
    return Column(
        id=f"printer.{pc.name}",
        title=pc.name,
        type=type_,
        key=key,
        facet=pc.type == "boolean",
        text=type_ == "string",
    )


def generic_projection(
    group: str,
    resource: str,
    kind: str,
    namespaced: bool,
    printer_columns: Sequence[PrinterColumn] = (),
) -> Projection[Any, GenericRow]:
    """The projection of a kind without its own: metadata, plus `printer_columns` (a CRD
    version's additionalPrinterColumns) evaluated on each object."""
    # kube-apiserver drops the creationTimestamp column: masthead's Age column is the same.
    columns = [pc for pc in printer_columns if pc.jsonPath.strip() != ".metadata.creationTimestamp"]
    compiled = _compile(columns)
    roots = [_root_field(pc.jsonPath) for pc in columns]
    table_columns = (
        *base_columns(namespaced=namespaced),
        *(_printer_column(i, pc) for i, pc in enumerate(columns)),
    )
    if not columns:

        def build_plain(obj: ObjectIn, interner: Interner) -> GenericRow:
            return GenericRow(**row_base(obj.metadata, interner))

        return Projection(
            group=group,
            resource=resource,
            kind=kind,
            row_type=GenericRow,
            input_type=ObjectIn,
            columns=table_columns,
            build=build_plain,
        )

    if all(roots) and "metadata" not in roots:
        # Decode only the top-level fields the columns read; metadata stays typed.
        fields = sorted({r for r in roots if r})
        input_type: Any = msgspec.defstruct(
            f"{kind}PrinterIn",
            [
                ("metadata", MetaIn, msgspec.field(default_factory=MetaIn)),
                *((name, Any, None) for name in fields),
            ],
            gc=False,
        )

        def build_printed(obj: Any, interner: Interner) -> GenericRow:
            doc = {name: getattr(obj, name) for name in fields}
            return GenericRow(
                **row_base(obj.metadata, interner),
                printer=tuple(c.value(doc) for c in compiled),
            )

        return Projection(
            group=group,
            resource=resource,
            kind=kind,
            row_type=GenericRow,
            input_type=input_type,
            columns=table_columns,
            build=build_printed,
        )

    # A path into metadata or starting with a wildcard: decode the whole object.
    def build_whole(obj: dict[str, Any], interner: Interner) -> GenericRow:
        meta = msgspec.convert(obj.get("metadata") or {}, MetaIn)
        return GenericRow(**row_base(meta, interner), printer=tuple(c.value(obj) for c in compiled))

    return Projection(
        group=group,
        resource=resource,
        kind=kind,
        row_type=GenericRow,
        input_type=dict[str, Any],
        columns=table_columns,
        build=build_whole,
        resource_version=_dict_resource_version,
    )


def _dict_resource_version(obj: dict[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("resourceVersion", ""))
