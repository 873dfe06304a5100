"""`meta.k8s.io/v1` Table and PartialObjectMetadata output, as kube-apiserver builds them.

Three convertors, as upstream: the built-in printers (`printers.py`), custom resources'
`additionalPrinterColumns` (apiextensions' tableconvertor) and, for kinds with neither, the
default `Name` + `Created At` table (`k8s.io/apiserver/pkg/registry/rest/table.go`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC
from typing import Any

from masthead.sim import jsonpath, printers
from masthead.sim.resources import OBJECT_META_ORDER, ResourceInfo

__all__ = [
    "INCLUDE_OBJECT_POLICIES",
    "column_definitions",
    "partial_object_metadata",
    "row_cells",
    "to_partial_object_metadata_list",
    "to_table",
    "watch_table_bookmark",
    "watch_table_event_object",
]

META_API_VERSION = "meta.k8s.io/v1"
INCLUDE_OBJECT_POLICIES = ("None", "Metadata", "Object")

INITIAL_EVENTS_END = "k8s.io/initial-events-end"

Obj = Mapping[str, Any]

# Go struct order, so metadata of custom resources (stored with sorted keys) reads like upstream.
_META_ORDER = OBJECT_META_ORDER
_MANAGED_FIELDS_ORDER = (
    "manager",
    "operation",
    "apiVersion",
    "time",
    "fieldsType",
    "fieldsV1",
    "subresource",
)
_OWNER_REFERENCE_ORDER = ("apiVersion", "kind", "name", "uid", "controller", "blockOwnerDeletion")


def column_definitions(info: ResourceInfo) -> list[dict[str, Any]]:
    """The Table's columnDefinitions for a resource (wide columns included, priority 1)."""
    if info.is_custom:
        return [dict(col) for col, _ in _crd_columns(info)]
    printer = printers.printer_for(info)
    if printer is None:
        return [
            _name_column(),
            _column("Created At", "date", printers.metadata_doc("creationTimestamp")),
        ]
    return [dict(col) for col in printer.columns]


def row_cells(info: ResourceInfo, obj: Obj, now: float) -> list[Any]:
    """One row's cells; `now` is the server clock (Unix seconds) that ages are measured from."""
    if info.is_custom:
        return _crd_cells(info, obj, now)
    printer = printers.printer_for(info)
    if printer is None:
        created = printers.parse_time(_meta(obj).get("creationTimestamp"))
        # Go formats the zero time when creationTimestamp is unset.
        stamp = "0001-01-01T00:00:00Z"
        if created is not None:
            stamp = created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return [_meta(obj).get("name", ""), stamp]
    return printer.cells(obj, now)


def to_table(
    info: ResourceInfo,
    objs: Sequence[Obj],
    *,
    include_object: str,
    list_metadata: Mapping[str, Any],
    now: float,
    with_columns: bool = True,
) -> dict[str, Any]:
    """A full `meta.k8s.io/v1` Table of objects in their served form.

    `list_metadata` becomes the Table's metadata as given (a list's `resourceVersion`,
    `continue`, `remainingItemCount`; for a single GET the object's own resourceVersion).
    Without columns (later watch events) `columnDefinitions` is null, as upstream sends it.
    """
    if include_object not in INCLUDE_OBJECT_POLICIES:
        raise ValueError(f"unknown includeObject policy {include_object!r}")
    rows: list[dict[str, Any]] | None = [_row(info, obj, now, include_object) for obj in objs]
    if not rows and not info.is_custom and printers.printer_for(info) is None:
        rows = None  # the default convertor appends to a nil slice, which encodes as null
    return {
        "kind": "Table",
        "apiVersion": META_API_VERSION,
        "metadata": dict(list_metadata),
        "columnDefinitions": column_definitions(info) if with_columns else None,
        "rows": rows,
    }


def watch_table_event_object(
    info: ResourceInfo,
    obj: Obj,
    now: float,
    include_object: str,
    first: bool,
) -> dict[str, Any]:
    """The `object` of one Table watch event: a one-row Table at the object's resourceVersion.

    Only the first event of a watch (whatever its type) carries columnDefinitions.
    """
    rv = _meta(obj).get("resourceVersion")
    return to_table(
        info,
        [obj],
        include_object=include_object,
        list_metadata={"resourceVersion": rv} if rv else {},
        now=now,
        with_columns=first,
    )


def watch_table_bookmark(
    info: ResourceInfo,
    rv: int,
    initial_end: bool,
    *,
    include_object: str = "Metadata",
    first: bool = False,
) -> dict[str, Any]:
    """A BOOKMARK in a Table watch: the empty object the watch cache sends, printed as one row.

    Its cells are the printer's zero values (`""`, `0`, `<unknown>`). `first` must be set when
    the bookmark is the watch's first event (an initial-events-end bookmark on an empty
    collection): like any first event it then carries the columnDefinitions.
    """
    meta: dict[str, Any] = {"resourceVersion": str(rv)}
    if initial_end:
        meta["annotations"] = {INITIAL_EVENTS_END: "true"}
    # The bookmark has no timestamps, so the clock never shows in its cells.
    return watch_table_event_object(info, {"metadata": meta}, 0.0, include_object, first)


def partial_object_metadata(obj: Obj) -> dict[str, Any]:
    """`as=PartialObjectMetadata`: kind, apiVersion and the full metadata (managedFields too)."""
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": META_API_VERSION,
        "metadata": _ordered_metadata(_meta(obj)),
    }


def to_partial_object_metadata_list(
    objs: Sequence[Obj], list_metadata: Mapping[str, Any]
) -> dict[str, Any]:
    """`as=PartialObjectMetadataList`: unlike typed lists, every item has kind and apiVersion."""
    return {
        "kind": "PartialObjectMetadataList",
        "apiVersion": META_API_VERSION,
        "metadata": dict(list_metadata),
        "items": [partial_object_metadata(obj) for obj in objs],
    }


# --- rows -------------------------------------------------------------------------------------


def _row(info: ResourceInfo, obj: Obj, now: float, include_object: str) -> dict[str, Any]:
    row: dict[str, Any] = {"cells": row_cells(info, obj, now)}
    conditions = printers.row_conditions(info, obj)
    if conditions:
        row["conditions"] = conditions
    if include_object == "None":
        row["object"] = None
    elif include_object == "Metadata":
        row["object"] = partial_object_metadata(obj)
    else:
        row["object"] = _full_object(info, obj)
    return row


def _full_object(info: ResourceInfo, obj: Obj) -> dict[str, Any]:
    body = {k: v for k, v in obj.items() if k not in ("kind", "apiVersion")}
    return {"kind": info.kind, "apiVersion": info.api_version, **body}


def _meta(obj: Obj) -> Mapping[str, Any]:
    meta = obj.get("metadata")
    return meta if isinstance(meta, Mapping) else {}


def _ordered(d: Mapping[str, Any], order: Sequence[str]) -> dict[str, Any]:
    out = {k: d[k] for k in order if k in d}
    out.update((k, v) for k, v in d.items() if k not in out)
    return out


def _ordered_metadata(meta: Mapping[str, Any]) -> dict[str, Any]:
    out = _ordered(meta, _META_ORDER)
    if isinstance(out.get("managedFields"), list):
        out["managedFields"] = [
            _ordered(e, _MANAGED_FIELDS_ORDER) if isinstance(e, Mapping) else e
            for e in out["managedFields"]
        ]
    if isinstance(out.get("ownerReferences"), list):
        out["ownerReferences"] = [
            _ordered(r, _OWNER_REFERENCE_ORDER) if isinstance(r, Mapping) else r
            for r in out["ownerReferences"]
        ]
    return out


def _column(
    name: str, type_: str, description: str, fmt: str = "", priority: int = 0
) -> dict[str, Any]:
    return {
        "name": name,
        "type": type_,
        "format": fmt,
        "description": description,
        "priority": priority,
    }


def _name_column() -> dict[str, Any]:
    return _column("Name", "string", printers.metadata_doc("name"), fmt="name")


# --- custom resources -------------------------------------------------------------------------


def _crd_columns(info: ResourceInfo) -> list[tuple[dict[str, Any], jsonpath.JSONPath | None]]:
    """(column definition, parsed path) pairs: Name, then the version's printer columns."""
    specs: list[Any] = []
    crd = info.crd or {}
    for version in crd.get("spec", {}).get("versions", []):
        if version.get("name") == info.version:
            specs = list(version.get("additionalPrinterColumns") or [])
    if not specs:
        # A version without printer columns gets a logically defaulted Age column.
        specs = [
            {
                "name": "Age",
                "type": "date",
                "description": printers.metadata_doc("creationTimestamp"),
                "jsonPath": ".metadata.creationTimestamp",
            }
        ]
    columns: list[tuple[dict[str, Any], jsonpath.JSONPath | None]] = [(_name_column(), None)]
    for spec in specs:
        path_text = str(spec.get("jsonPath", ""))
        try:
            path: jsonpath.JSONPath | None = jsonpath.parse(path_text)
        except jsonpath.JSONPathError:
            path = None
        description = spec.get("description") or (
            f"Custom resource definition column (in JSONPath format): {path_text}"
        )
        col = _column(
            str(spec.get("name", "")),
            str(spec.get("type", "")),
            description,
            fmt=str(spec.get("format", "")),
            priority=int(spec.get("priority", 0)),
        )
        columns.append((col, path))
    return columns


def _crd_cells(info: ResourceInfo, obj: Obj, now: float) -> list[Any]:
    cells: list[Any] = [_meta(obj).get("name", "")]
    for col, path in _crd_columns(info)[1:]:
        results = path.find(obj) if path is not None else []
        if not results:
            cells.append(None)
        elif col["type"] == "string":
            cells.append(jsonpath.format_value(results[0]))
        else:
            cells.append(_typed_cell(col["type"], results[0], now))
    return cells


def _typed_cell(column_type: str, value: Any, now: float) -> Any:
    """apiextensions' `cellForJSONValue`: a value of the wrong JSON type becomes null."""
    if value is None or isinstance(value, bool) != (column_type == "boolean"):
        return None
    if column_type == "integer" and isinstance(value, int | float):
        return int(value)
    if column_type == "number" and isinstance(value, int | float):
        return float(value)
    if column_type == "boolean":
        return value
    if column_type == "date" and isinstance(value, str):
        if value == "":
            return "<unknown>"
        if printers.parse_time(value) is None:
            return "<invalid>"
        return printers.translate_timestamp(value, now)
    return None
