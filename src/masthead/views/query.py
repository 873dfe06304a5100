"""Request parameters → a normalised `ViewQuery` (and the store's `Query`).

The same parameters arrive as a URL query string (pages) and as a JSON object (the live
socket's `query`); both go through `parse_query`, so a bad parameter gets the same precise
message, naming it, either way. The normalised form (`ViewQuery.key`) is what ETags and shared
computations are keyed by: `namespace=b,a` and `namespace=a,b` are one query.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from masthead.selectors import LabelSelector, SelectorError, parse_label_selector
from masthead.store.columns import FacetValue
from masthead.store.query import Query
from masthead.views.catalogue import ViewSpec

# Rows per page: the browser holds a window, never a whole list (architecture §1.3).
MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
# Parameters that are not filters (accepted by pages, ignored by the query).
PAGE_ONLY = frozenset({"format"})
_FACET = "facet."
_TRUE = frozenset({"1", "true", "yes"})
_FALSE = frozenset({"0", "false", "no", ""})


class BadParameter(ValueError):
    """A request parameter the view cannot accept; `param` names it."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(message)
        self.param = param


@dataclass(frozen=True, slots=True)
class ViewQuery:
    namespaces: tuple[str, ...] | None  # sorted; None = every accessible namespace
    selector: LabelSelector | None
    text: str | None
    facets: tuple[tuple[str, tuple[FacetValue, ...]], ...]  # sorted by column, values sorted
    sort: str
    desc: bool
    offset: int = 0
    limit: int = DEFAULT_LIMIT

    @property
    def filter_key(self) -> str:
        """Everything but the window: queries with equal filter keys match the same rows in
        the same order."""
        facets = ";".join(f"{c}={','.join(map(str, vs))}" for c, vs in self.facets)
        ns = ",".join(self.namespaces) if self.namespaces is not None else "*"
        sel = str(self.selector) if self.selector is not None else ""
        return f"ns={ns}&sel={sel}&q={self.text or ''}&f={facets}&s={self.sort}&d={int(self.desc)}"

    @property
    def key(self) -> str:
        return f"{self.filter_key}&o={self.offset}&l={self.limit}"

    def with_window(self, offset: int, limit: int) -> ViewQuery:
        return ViewQuery(
            self.namespaces,
            self.selector,
            self.text,
            self.facets,
            self.sort,
            self.desc,
            offset,
            limit,
        )

    def store_query(self, namespaces: frozenset[str] | None = None) -> Query:
        """The store's query; `namespaces` overrides the namespace filter (the caller has
        already narrowed it to the tables it reads)."""
        ns = namespaces
        if ns is None and self.namespaces is not None:
            ns = frozenset(self.namespaces)
        return Query(
            namespaces=ns,
            label_selector=self.selector,
            text=self.text,
            facets={c: frozenset(vs) for c, vs in self.facets},
            sort=self.sort,
            desc=self.desc,
            offset=self.offset,
            limit=self.limit,
            count_facets=False,  # pages do not show them (the UI counts with `limit=0`)
        )


def parse_query(view: ViewSpec, params: Iterable[tuple[str, str]]) -> ViewQuery:
    """Parameters (repeated names allowed: facets and namespaces accumulate) → `ViewQuery`."""
    namespaces: set[str] | None = None
    selector: LabelSelector | None = None
    text: str | None = None
    facets: dict[str, set[FacetValue]] = {}
    sort, desc = view.sort, view.desc
    sort_given = False
    offset, limit = 0, DEFAULT_LIMIT
    for name, value in params:
        if name == "namespace":
            if not view.namespaced:
                raise BadParameter(name, f"view {view.name} is cluster-scoped: no namespaces")
            parts = {p.strip() for p in value.split(",") if p.strip()}
            namespaces = parts if namespaces is None else namespaces | parts
        elif name == "selector":
            try:
                parsed = parse_label_selector(value)
            except SelectorError as e:
                raise BadParameter(name, f"selector: {e}") from None
            selector = None if parsed.empty else parsed
        elif name == "q":
            text = value.strip() or None
        elif name.startswith(_FACET):
            column_id = name[len(_FACET) :]
            column = view.column(column_id)
            if column is None or not column.facet:
                facetable = ", ".join(c.id for c in view.projection.columns if c.facet)
                raise BadParameter(
                    name, f"view {view.name} has no facet {column_id!r} (facets: {facetable})"
                )
            values = facets.setdefault(column_id, set())
            for part in value.split(","):
                if part == "":
                    continue
                if column.type == "int":
                    try:
                        values.add(int(part))
                    except ValueError:
                        raise BadParameter(name, f"{name}: {part!r} is not an integer") from None
                else:
                    values.add(part)
        elif name == "sort":
            column = view.column(value)
            if column is None or not column.sortable:
                sortable = ", ".join(c.id for c in view.shown_all() if c.sortable)
                raise BadParameter(
                    name, f"view {view.name} cannot sort by {value!r} (sortable: {sortable})"
                )
            sort, sort_given = value, True
        elif name == "desc":
            low = value.strip().lower()
            if low not in _TRUE and low not in _FALSE:
                raise BadParameter(name, f"desc must be 0 or 1, got {value!r}")
            desc = low in _TRUE
        elif name == "offset":
            offset = _int(name, value)
            if offset < 0:
                raise BadParameter(name, f"offset must be >= 0, got {offset}")
        elif name == "limit":
            limit = _int(name, value)
            if not 0 <= limit <= MAX_LIMIT:
                raise BadParameter(name, f"limit must be between 0 and {MAX_LIMIT}, got {limit}")
        elif name not in PAGE_ONLY:
            raise BadParameter(name, f"unknown parameter {name!r}")
    if not sort_given and view.column(sort) is None:
        sort = "name"
    return ViewQuery(
        namespaces=tuple(sorted(namespaces)) if namespaces is not None else None,
        selector=selector,
        text=text,
        facets=tuple(
            (c, tuple(sorted(vs, key=lambda v: (type(v).__name__, v))))
            for c, vs in sorted(facets.items())
            if vs
        ),
        sort=sort,
        desc=desc,
        offset=offset,
        limit=limit,
    )


def query_params(query: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The live socket's JSON `query` object as parameter pairs (values as the page's text)."""
    pairs: list[tuple[str, str]] = []
    for name, value in query.items():
        if value is None:
            continue
        if isinstance(value, bool):
            pairs.append((name, "1" if value else "0"))
        elif isinstance(value, list):
            pairs.append((name, ",".join(str(v) for v in value)))
        elif isinstance(value, str | int | float):
            pairs.append((name, str(value)))
        else:
            raise BadParameter(name, f"{name}: expected a string, number or list")
    return pairs


def _int(name: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise BadParameter(name, f"{name} must be an integer, got {value!r}") from None
