"""Pages of one or more tables: filter, count facets, sort, slice.

Plan for one table:
  1. Non-facet filters (namespaces, label selector, text) narrow a candidate set. Namespaces
     and equality/`in` selector requirements come from indexes; the other selector operators
     and text are tested row by row, on the candidates only when there already are some.
  2. Each facet filter is a union from its facet index; the rows of the page are the
     candidates intersected with every facet filter. `total` is the size of that set.
  3. Facet counts follow the e-commerce convention: each facet's counts apply every filter
     except that facet's own, so choosing a value never hides its siblings.
  4. Unfiltered, the page is read by position from the sort column's index: O(log N + page)
     at any offset. Filtered, it is either a walk of that index skipping non-matches or a sort
     of the matches, whichever is expected to touch fewer rows.
Several tables (a view over several kinds) are paged as one by a k-way merge in column order.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Collection, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass, field
from itertools import filterfalse, islice
from operator import itemgetter
from typing import Generic, Protocol

from masthead.store.columns import Column, FacetValue, SortValue, Tiebreak, tiebreak
from masthead.store.rows import RowT
from masthead.store.table import Table
from masthead.store.text_index import search_terms
from masthead.store.value_index import ValueIndex

# Selector operators answered from the (key, value) label index.
_INDEXED_OPERATORS = frozenset({"=", "==", "in"})

# Sorting a matched row (row lookup, key call, tuples, comparisons) costs about as much as
# this many index-walk steps (an iterator step and a set probe, in C); measured with
# bench/store_query.py.
_SORT_COST_IN_WALK_STEPS = 4

# Counting a facet over matched rows costs about this many set probes per row (row lookup and
# key call) compared with counting by intersecting each facet value's uids with the matches.
_ROW_COUNT_COST_IN_PROBES = 4


class LabelRequirement(Protocol):
    """One requirement of a parsed label selector (masthead.selectors.Requirement)."""

    @property
    def key(self) -> str: ...

    @property
    def op(self) -> str: ...

    @property
    def values(self) -> Collection[str]: ...


class LabelSelector(Protocol):
    """What the engine reads of masthead.selectors.LabelSelector."""

    @property
    def requirements(self) -> Sequence[LabelRequirement]: ...

    def matches(self, labels: Mapping[str, str]) -> bool: ...


class QueryError(ValueError):
    """The query names a column the tables cannot sort or facet by, or a negative window."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Query:
    """What a view asks for. `namespaces` None means all; a facet mapped to an empty set is no
    filter. `text` terms (whitespace-separated) must all occur, case-insensitively, in a row's
    name, namespace, labels ("key=value") or text columns."""

    namespaces: frozenset[str] | None = None
    label_selector: LabelSelector | None = None
    text: str | None = None
    facets: Mapping[str, frozenset[FacetValue]] = field(default_factory=dict)
    sort: str
    desc: bool = False
    offset: int = 0
    limit: int = 100
    # False: `facet_counts` left empty. Counting walks every facet value (thousands of nodes
    # and namespaces at 100k pods): a third of a page build for callers that never read them.
    count_facets: bool = True


@dataclass(frozen=True, slots=True)
class Page(Generic[RowT]):
    """One window of the ordered matches. `version` changes whenever any queried table changes
    (the sum of their versions); `facet_counts` omits zero counts."""

    rows: tuple[RowT, ...]
    total: int
    version: int
    facet_counts: Mapping[str, Mapping[FacetValue, int]]


def query_table(table: Table[RowT], q: Query) -> Page[RowT]:
    return query_tables([table], q)


def query_tables(tables: Sequence[Table[RowT]], q: Query) -> Page[RowT]:
    _check(tables, q)
    matches = [_match(table, q) for table in tables]
    facet_counts: dict[str, Counter[FacetValue]] = {}
    for table, match in zip(tables, matches, strict=True) if q.count_facets else ():
        for column_id, counts in _facet_counts(table, match).items():
            facet_counts.setdefault(column_id, Counter()).update(counts)
    if len(tables) == 1:
        rows = _page_of_one(tables[0], matches[0].rows, q)
    else:
        rows = _page_of_many(tables, [m.rows for m in matches], q)
    return Page(
        rows=tuple(rows),
        total=sum(
            len(t) if m.rows is None else len(m.rows) for t, m in zip(tables, matches, strict=True)
        ),
        version=sum(t.version for t in tables),
        facet_counts={
            c: {v: n for v, n in counts.items() if n} for c, counts in facet_counts.items()
        },
    )


def _check(tables: Sequence[Table[RowT]], q: Query) -> None:
    if q.offset < 0 or q.limit < 0:
        raise QueryError(f"offset and limit must be >= 0, got {q.offset} and {q.limit}")
    for table in tables:
        sort_column = table.columns.get(q.sort)
        if sort_column is None or not sort_column.sortable:
            raise QueryError(f"cannot sort by {q.sort!r}")
        for column_id in q.facets:
            facet_column = table.columns.get(column_id)
            if facet_column is None or not facet_column.facet:
                raise QueryError(f"cannot filter by facet {column_id!r}")


@dataclass(slots=True)
class _Match:
    """A query's filters applied to one table; None stands for every row."""

    filtered: set[str] | None  # rows passing the non-facet filters
    by_facet: dict[str, set[str]]  # rows holding one of the chosen values, per facet filter
    rows: set[str] | None  # rows passing every filter


def _match(table: Table[RowT], q: Query) -> _Match:
    filtered = _filter(table, q)
    by_facet = {
        column_id: table.facet_index(column_id).union(values)
        for column_id, values in q.facets.items()
        if values
    }
    rows = _intersect(filtered, by_facet.values())
    if rows is not None and len(rows) == len(table):
        rows = None  # everything matches: page by position
    return _Match(filtered, by_facet, rows)


def _filter(table: Table[RowT], q: Query) -> set[str] | None:
    candidates: set[str] | None = None
    if q.namespaces is not None:
        candidates = table.by_namespace.union(q.namespaces)
    if q.label_selector is not None:
        candidates = _select(table, q.label_selector, candidates)
    if q.text is not None:
        terms = search_terms(q.text)
        if terms:
            candidates = table.search_text(terms, candidates)
    return candidates


def _select(
    table: Table[RowT], selector: LabelSelector, candidates: set[str] | None
) -> set[str] | None:
    if not selector.requirements:
        # Then the answer does not depend on labels: the empty selector (everything) or the
        # selector of a nil metav1.LabelSelector (nothing).
        return candidates if selector.matches({}) else set()
    unindexed = False
    for req in selector.requirements:
        if req.op in _INDEXED_OPERATORS:
            pairs = table.by_label.union((req.key, value) for value in req.values)
            candidates = pairs if candidates is None else candidates & pairs
        else:
            unindexed = True
    if unindexed:
        scope = table.rows() if candidates is None else (table[uid] for uid in candidates)
        candidates = {row.uid for row in scope if selector.matches(row.labels)}
    return candidates


def _intersect(base: set[str] | None, others: Collection[set[str]]) -> set[str] | None:
    result = base
    for other in sorted(others, key=len):
        result = other if result is None else result & other
    return result


def _facet_counts(table: Table[RowT], match: _Match) -> dict[str, dict[FacetValue, int]]:
    counts: dict[str, dict[FacetValue, int]] = {}
    # The rows a broad `match.rows` leaves out: shared by every facet without a filter of its
    # own, so computed once.
    outside_matches: set[str] | None = None
    for column_id, column in table.columns.items():
        if not column.facet:
            continue
        index = table.facet_index(column_id)
        if column_id in match.by_facet:
            others = [s for c, s in match.by_facet.items() if c != column_id]
            scope = _intersect(match.filtered, others)
        else:
            scope = match.rows
        if scope is None:
            counts[column_id] = index.counts()
        elif len(table) - len(scope) < len(scope):
            # A broad filter ("running" matches 90% of pods): count the few rows it leaves out
            # and subtract, so the cost follows min(matched, unmatched).
            if scope is match.rows:
                if outside_matches is None:
                    outside_matches = _outside(table, scope)
                rest = outside_matches
            else:
                rest = _outside(table, scope)
            totals = index.counts()
            excluded = _count_within(table, column, index, rest, totals)
            counts[column_id] = {v: n - excluded.get(v, 0) for v, n in totals.items()}
        else:
            counts[column_id] = _count_within(table, column, index, scope, index.counts())
    return counts


def _outside(table: Table[RowT], scope: Set[str]) -> set[str]:
    return set(filterfalse(scope.__contains__, table.by_uid))


def _count_within(
    table: Table[RowT],
    column: Column[RowT],
    index: ValueIndex[FacetValue],
    scope: Set[str],
    totals: Mapping[FacetValue, int],
) -> dict[FacetValue, int]:
    # Intersecting a value's uids with the scope probes the smaller of the two.
    probes = sum(min(n, len(scope)) for n in totals.values())
    if len(scope) * _ROW_COUNT_COST_IN_PROBES <= probes:
        return dict(Counter(map(column.key, map(table.by_uid.__getitem__, scope))))
    return index.counts_within(scope)


def _page_of_one(table: Table[RowT], matched: set[str] | None, q: Query) -> list[RowT]:
    index = table.sorted_index(q.sort)
    if matched is None:
        uids: Iterator[str] = islice(index.uids_from(q.offset, q.desc), q.limit)
        return [table[uid] for uid in uids]
    end = q.offset + q.limit
    # Walking costs len(table) / len(matched) steps per row if matches are spread evenly; a
    # filter correlated with the sort column (text "web" sorted by name) clusters them, so the
    # walk gets a budget and gives way to sorting when it runs out.
    budget = len(matched) * _SORT_COST_IN_WALK_STEPS
    if end * len(table) / max(len(matched), 1) < budget:
        page = _walk(index.uids_from(0, q.desc), matched, q.offset, end, budget)
        if page is not None:
            return [table[uid] for uid in page]
    ordered = _sorted_rows(table, table.columns[q.sort], matched, q.desc)
    return ordered[q.offset : end]


def _walk(
    uids: Iterator[str], matched: Set[str], start: int, end: int, budget: int
) -> list[str] | None:
    """Matched uids at match positions [start, end) of `uids`, or None if finding them would
    take more than `budget` steps."""
    steps = islice(uids, budget)
    page = list(islice(filter(matched.__contains__, steps), start, end))
    if len(page) == end - start or next(uids, None) is None:
        return page
    return None


def _sorted_rows(
    table: Table[RowT], column: Column[RowT], uids: Collection[str], desc: bool
) -> list[RowT]:
    key = column.key
    present: list[tuple[SortValue, Tiebreak, RowT]] = []
    missing: list[tuple[Tiebreak, RowT]] = []
    for uid in uids:
        row = table[uid]
        value = key(row)
        if value is None:
            missing.append((tiebreak(row), row))
        else:
            present.append((value, tiebreak(row), row))
    if desc:
        # Two stable sorts: values descending, ties still in ascending tiebreak order.
        present.sort(key=itemgetter(1))
        present.sort(key=itemgetter(0), reverse=True)
    else:
        present.sort(key=itemgetter(0, 1))
    missing.sort(key=itemgetter(0))
    return [entry[2] for entry in present] + [entry[1] for entry in missing]


class _MergeKey:
    """The columns.py order as a comparable object, for merging rows of several tables."""

    __slots__ = ("desc", "tiebreak", "value")

    def __init__(self, value: SortValue | None, tb: Tiebreak, desc: bool) -> None:
        self.value = value
        self.tiebreak = tb
        self.desc = desc

    def __lt__(self, other: _MergeKey) -> bool:
        a, b = self.value, other.value
        if a is None or b is None:
            if (a is None) != (b is None):
                return b is None
            return self.tiebreak < other.tiebreak
        if a == b:
            return self.tiebreak < other.tiebreak
        # One-element tuples: a column's values are mutually comparable, which the SortValue
        # union cannot tell the type checker.
        return (b,) < (a,) if self.desc else (a,) < (b,)


def _page_of_many(
    tables: Sequence[Table[RowT]], matched: Sequence[set[str] | None], q: Query
) -> list[RowT]:
    # Each table's matches in order from the top; the merge then skips `offset` rows, so deep
    # pages over several kinds cost O(offset) rather than O(log N).
    streams = [_keyed_rows(t, m, q) for t, m in zip(tables, matched, strict=True)]
    merged = heapq.merge(*streams, key=itemgetter(0))
    return [row for _, row in islice(merged, q.offset, q.offset + q.limit)]


def _keyed_rows(
    table: Table[RowT], matched: set[str] | None, q: Query
) -> Iterator[tuple[_MergeKey, RowT]]:
    column = table.columns[q.sort]
    if matched is None:
        rows: Iterator[RowT] = (
            table[uid] for uid in table.sorted_index(q.sort).uids_from(0, q.desc)
        )
    else:
        rows = iter(
            _page_of_one(table, matched, Query(sort=q.sort, desc=q.desc, limit=q.offset + q.limit))
        )
    key = column.key
    return ((_MergeKey(key(row), tiebreak(row), q.desc), row) for row in rows)
