"""What every projection shares: the `Projection` declaration, the row base, the metadata
input struct, and the `Interner` that makes 100k rows share their repeated values.

A projection reads an object through a msgspec input struct that declares only the fields its
row needs; msgspec skips everything else (managedFields, the pod spec's volumes, env, probes)
in C without allocating it. `build` then turns the decoded input into an immutable row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import eq
from typing import Any, Generic, NamedTuple, TypeVar

import msgspec

from masthead.store.columns import Column, ColumnType, SortValue, row_namespace, row_node
from masthead.store.projection.raw_cache import RawCache
from masthead.store.rows import TableRow

InputT = TypeVar("InputT")
RowT = TypeVar("RowT", bound=TableRow)
AnyRowT = TypeVar("AnyRowT", bound="Row")

ResourceKey = tuple[str, str]  # (API group, plural resource), "" for the core group


# ------------------------------------------------------------------------------- input structs
# gc=False: decoded inputs are acyclic trees of structs, lists and strings, so the collector
# never needs to track them (and a 100k-object list allocates millions of them).


class OwnerRefIn(msgspec.Struct, gc=False):
    kind: str = ""
    name: str = ""
    uid: str = ""
    controller: bool = False


class _IdentityIn(msgspec.Struct, gc=False):
    """The metadata every projection reads, before labels and owner references."""

    name: str = ""
    namespace: str = ""
    uid: str = ""
    resourceVersion: str = ""
    creationTimestamp: datetime | None = None
    deletionTimestamp: datetime | None = None


class MetaIn(_IdentityIn, gc=False):
    labels: dict[str, str] | None = None
    ownerReferences: list[OwnerRefIn] | None = None


class RawMetaIn(_IdentityIn, gc=False):
    """`MetaIn` with labels and owner references left raw (`Interner.labels_json`,
    `Interner.owners_json`): for kinds with many objects per template (pods), whose siblings
    share those bytes."""

    labels: msgspec.Raw = msgspec.field(default_factory=msgspec.Raw)
    ownerReferences: msgspec.Raw = msgspec.field(default_factory=msgspec.Raw)


class AnnotatedMetaIn(MetaIn, gc=False):
    """Metadata of the few kinds whose rows read an annotation (storage classes, PVCs)."""

    annotations: dict[str, str] | None = None


class ObjectIn(msgspec.Struct, gc=False):
    """The input of kinds whose row is metadata only."""

    metadata: MetaIn = msgspec.field(default_factory=MetaIn)


# ---------------------------------------------------------------------------------------- rows


class Row(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """Fields every projected row has (store.rows.TableRow plus the creation time).

    `labels` dicts are shared between rows with identical labels (see `Interner`): rows are
    read-only, and so are their dicts. `created` is epoch seconds (None when unset).
    """

    uid: str
    namespace: str
    name: str
    labels: dict[str, str]
    created: float | None
    node: str | None = None
    owner_uids: tuple[str, ...] = ()


# ------------------------------------------------------------------------------------ interning

_EMPTY_LABELS: dict[str, str] = {}
_LABELS_JSON = msgspec.json.Decoder(dict[str, str] | None)
_OWNER_REFS_JSON = msgspec.json.Decoder(list[OwnerRefIn] | None)
# Distinct raw label sets / owner-reference lists held: a few templates' worth, since a
# template's objects are listed together (~100-300 bytes of key each).
RAW_CACHE_ENTRIES = 4096


class Owners(NamedTuple):
    """An object's owner references as rows hold them: the owners' uids, and the managing
    owner (`controller_ref`) with interned strings."""

    uids: tuple[str, ...]
    controller: OwnerRefIn | None


NO_OWNERS = Owners((), None)


class _SharedStrings(dict[str, str]):
    """Each string once: a lookup of a held string stays in C (`__getitem__`); only a new
    one runs `__missing__`, which makes room in the interner first."""

    def __init__(self, make_room: Callable[[int], None]) -> None:
        super().__init__()
        self._make_room = make_room

    def __missing__(self, value: str) -> str:
        self._make_room(1)
        self[value] = value
        return value


class Interner:
    """One shared instance of each repeated value: strings (namespaces, node names, label keys
    and values, statuses), label dicts and string tuples.

    msgspec allocates a fresh string for every occurrence in the JSON; at 100k pods the same
    namespace, node and label strings would otherwise be held tens of thousands of times
    (store/ measured 37 MB vs 85 MB per 100k rows). Bounded: when `max_entries` distinct values
    are held, the caches are dropped and start again (`resets` counts it); rows keep what they
    have, later rows simply share less until the caches warm up, so churn through unique
    values (per-pod label values) can never grow the caches without limit.
    """

    def __init__(self, max_entries: int = 250_000) -> None:
        self.max_entries = max_entries
        self.resets = 0
        self._strings = _SharedStrings(self._make_room)
        # `string(value)`: the shared instance of `value` (a bound dict lookup: ~10 calls a
        # pod, most of them hits, none through a Python frame).
        self.string: Callable[[str], str] = self._strings.__getitem__
        self._labels: dict[int, dict[str, str]] = {}
        self._tuples: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._ints: dict[int, int] = {}
        self.raw_labels = RawCache(self._labels_of, RAW_CACHE_ENTRIES)
        self.raw_owners = RawCache(self._owners_of, RAW_CACHE_ENTRIES)
        # The caches' own lookups, bound: one call per pod each, not two.
        # `labels_json(raw)`: `labels` of a raw `metadata.labels` (a `RawMetaIn`'s);
        # `owners_json(raw)`: the `Owners` of a raw `metadata.ownerReferences`. Both raise
        # msgspec.DecodeError when the JSON is not of that shape.
        self.labels_json: Callable[[msgspec.Raw], dict[str, str]] = self.raw_labels.get
        self.owners_json: Callable[[msgspec.Raw], Owners] = self.raw_owners.get

    def __len__(self) -> int:
        return len(self._strings) + len(self._labels) + len(self._tuples) + len(self._ints)

    def _make_room(self, entries: int) -> None:
        """Drop everything if `entries` more would not fit."""
        if len(self) + entries > self.max_entries:
            self._strings.clear()
            self._labels.clear()
            self._tuples.clear()
            self._ints.clear()
            self.raw_labels.clear()
            self.raw_owners.clear()
            self.resets += 1

    def number(self, value: int | None) -> int | None:
        """The shared int equal to `value`: requests and limits (134217728 bytes, 500
        millicores) repeat across a workload's pods, and each int past 256 is 28-32 bytes."""
        if value is None or -5 <= value <= 256:  # CPython keeps these ints shared already
            return value
        found = self._ints.get(value)
        if found is not None:
            return found
        self._make_room(1)
        self._ints[value] = value
        return value

    def labels(self, labels: dict[str, str] | None) -> dict[str, str]:
        """The shared dict equal to `labels` (same items in the same order)."""
        if not labels:
            return _EMPTY_LABELS
        # Keyed by the items' hash, not the items: a tuple key would cost ~230 bytes per
        # distinct label set (and pods' sets are often distinct). A hash collision only
        # replaces the cached dict, never shares a wrong one: equality is checked.
        key = hash(tuple(labels.items()))
        found = self._labels.get(key)
        # Equal items, and the keys in the same order (compared pairwise in C, no lists).
        if found is not None and found == labels and all(map(eq, found, labels)):
            return found
        self._make_room(1 + 2 * len(labels))
        intern = self.string
        shared = {intern(k): intern(v) for k, v in labels.items()}
        self._labels[key] = shared
        return shared

    def _labels_of(self, data: bytes) -> dict[str, str]:
        return self.labels(_LABELS_JSON.decode(data)) if data else _EMPTY_LABELS

    def _owners_of(self, data: bytes) -> Owners:
        refs = _OWNER_REFS_JSON.decode(data) if data else None
        if not refs:
            return NO_OWNERS
        ref = managing_ref(refs)
        s = self.string
        controller = OwnerRefIn(s(ref.kind), s(ref.name), s(ref.uid), ref.controller)
        return Owners(self.strings([r.uid for r in refs if r.uid]), controller)

    def strings(self, values: Sequence[str]) -> tuple[str, ...]:
        if not values:
            return ()
        key = tuple(values)
        found = self._tuples.get(key)
        if found is not None:
            return found
        self._make_room(1 + len(key))
        shared = tuple(map(self.string, key))
        self._tuples[shared] = shared
        return shared


# ------------------------------------------------------------------------------- declarations


@dataclass(frozen=True, slots=True, kw_only=True)
class Projection(Generic[InputT, RowT]):
    """How objects of one resource become rows.

    `input_type` is the msgspec struct an object is decoded into (its undeclared fields are
    skipped); `build(input, interner)` makes the row; `columns` are the row's table columns
    (sortable ones get sorted indexes, facets get counters, text ones are searched).
    `resource_version` and `key` read an input's identity for the reflector.
    """

    group: str
    resource: str
    kind: str
    row_type: type[RowT]
    input_type: type[InputT]
    columns: tuple[Column[RowT], ...]
    build: Callable[[InputT, Interner], RowT]
    resource_version: Callable[[InputT], str] = field(default=lambda obj: _meta_rv(obj))

    @property
    def key(self) -> ResourceKey:
        return (self.group, self.resource)


# ------------------------------------------------------------------------------------- helpers


def _meta_rv(obj: Any) -> str:
    return str(obj.metadata.resourceVersion)


def epoch(value: datetime | None) -> float | None:
    return None if value is None else value.timestamp()


def row_base(meta: MetaIn, interner: Interner) -> dict[str, Any]:
    """The `Row` fields of an object, interned; spread into the row's constructor."""
    return {
        "uid": meta.uid,
        "namespace": interner.string(meta.namespace),
        "name": meta.name,
        "labels": interner.labels(meta.labels),
        "created": epoch(meta.creationTimestamp),
        "owner_uids": owner_uids(meta, interner),
    }


def owner_uids(meta: MetaIn, interner: Interner) -> tuple[str, ...]:
    refs = meta.ownerReferences
    if not refs:
        return ()
    return interner.strings([r.uid for r in refs if r.uid])


def controller_ref(meta: MetaIn) -> OwnerRefIn | None:
    """The managing owner: the reference marked controller, else the first one."""
    refs = meta.ownerReferences
    return managing_ref(refs) if refs else None


def managing_ref(refs: Sequence[OwnerRefIn]) -> OwnerRefIn:
    """Of non-empty `refs`, the one marked controller, else the first one."""
    for ref in refs:
        if ref.controller:
            return ref
    return refs[0]


def base_columns(*, namespaced: bool = True, node: bool = False) -> tuple[Column[Any], ...]:
    """Name, namespace and age: the columns every kind's table starts with."""
    columns: list[Column[Any]] = [
        Column(id="name", title="Name", type="string", key=_name),
    ]
    if namespaced:
        columns.append(
            Column(id="namespace", title="Namespace", type="string", key=row_namespace, facet=True)
        )
    columns.append(Column(id="age", title="Age", type="time", key=_created))
    if node:
        columns.append(
            Column(id="node", title="Node", type="string", key=row_node, facet=True, text=True)
        )
    return tuple(columns)


def column(
    id: str,
    title: str,
    type: ColumnType,
    key: Callable[[AnyRowT], SortValue | None],
    *,
    sortable: bool = True,
    facet: bool = False,
    text: bool = False,
) -> Column[AnyRowT]:
    return Column(id=id, title=title, type=type, key=key, sortable=sortable, facet=facet, text=text)


def _name(row: Row) -> str:
    return row.name


def _created(row: Row) -> float | None:
    return row.created


def selector_text(match_labels: dict[str, str] | None, expressions: Sequence[Any] | None) -> str:
    """`metav1.LabelSelectorAsSelector(s).String()`: requirements sorted by key; "" selects
    everything. `expressions` are structs with `key`, `operator` and `values`."""
    reqs: list[tuple[str, str]] = [(k, f"{k}={v}") for k, v in (match_labels or {}).items()]
    for expr in expressions or ():
        key, op = expr.key, expr.operator
        values = ",".join(sorted(expr.values or ()))
        text = {
            "In": f"{key} in ({values})",
            "NotIn": f"{key} notin ({values})",
            "Exists": key,
            "DoesNotExist": f"!{key}",
        }.get(op, "")
        reqs.append((key, text))
    return ",".join(text for _, text in sorted(reqs, key=lambda r: r[0]))


class SelectorExprIn(msgspec.Struct, gc=False):
    key: str = ""
    operator: str = ""
    values: list[str] | None = None


class LabelSelectorIn(msgspec.Struct, gc=False):
    matchLabels: dict[str, str] | None = None
    matchExpressions: list[SelectorExprIn] | None = None

    def text(self) -> str:
        return selector_text(self.matchLabels, self.matchExpressions)


def format_labels(labels: dict[str, str] | None) -> str:
    """`labels.FormatLabels`: sorted `k=v` pairs; "" when empty (the UI prints its own none)."""
    if not labels:
        return ""
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels))
