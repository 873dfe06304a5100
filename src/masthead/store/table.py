"""The rows of one (cluster, kind), by uid, with every index the query engine reads.

Indexes are maintained on each change, so a query never rebuilds anything, with one
exception: a column's sorted index (~80 bytes per row, 8 MB per 100k rows, a dozen sortable
columns per kind) is built the first time a page is sorted by that column (one sort, ~0.1 s at
100k rows) and maintained from then on; one nobody sorted by for `SORTED_IDLE_S` is dropped.
The per-row text that `search_text` scans is kept the same way: built by the first search,
dropped after `SORTED_IDLE_S` without one.
`replace` is the relist operation: it computes adds, updates and deletes against the new list,
so no row of an object that vanished while the watch was down can survive it.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence, Set, ValuesView
from dataclasses import dataclass
from typing import Any, Generic

from masthead.arrival import WATCH_ARRIVAL
from masthead.store.columns import (
    Column,
    FacetValue,
    row_namespace,
    row_node,
    tiebreak,
)
from masthead.store.rows import RowT
from masthead.store.sorted_index import SortedIndex, SortedIndexBuild
from masthead.store.text_index import FIELD_SEPARATOR, TextIndex, ValueTexts
from masthead.store.value_index import ValueIndex

# A relist that changes more than this share of the rows rebuilds the indexes in bulk: one sort
# per column beats that many O(log N) inserts and removes.
_REBUILD_SHARE = 0.25

# Rows per slice of a stepped replace: ~20 ms of indexing at 10 µs a row.
REPLACE_STEP = 2000
# Spans of versions kept with the watch arrival of their changes (arrival_after): a live window
# asks about the change after its last frame, a few spans back; older spans are dropped.
ARRIVAL_SPANS = 128

# Once earlier terms left this many rows, the next term is checked on those rows directly
# (a join and a lower() each, ~2 µs) instead of scanning every row's text and distinct value.
_ROWWISE_SEARCH_MAX = 1000

# A sorted index not read for this long is dropped (and rebuilt if a page asks for it again).
SORTED_IDLE_S = 30 * 60.0


@dataclass(frozen=True, slots=True)
class ReplaceCounts:
    added: int
    updated: int
    deleted: int

    @property
    def changed(self) -> int:
        return self.added + self.updated + self.deleted


class Table(Generic[RowT]):
    """Rows of one kind with namespace, node, owner, label, facet, sort and text indexes.

    `version` counts effective changes: it grows by one for every row added, changed or
    deleted, and not at all for an upsert of an equal row or a delete of an absent uid.
    """

    def __init__(self, columns: Sequence[Column[RowT]], *, eager_sorts: Iterable[str] = ()) -> None:
        """`eager_sorts`: columns whose sorted index is kept from the start (and never dropped
        for disuse), e.g. a view's default sort; the others are built on first use."""
        self._columns: dict[str, Column[RowT]] = {}
        for column in columns:
            if column.id in self._columns:
                raise ValueError(f"duplicate column id {column.id!r}")
            self._columns[column.id] = column
        self._faceted = tuple(c for c in columns if c.facet)
        self._searchable = tuple(c for c in columns if c.text)
        # Text columns with a facet index are searched through their distinct values (like
        # namespaces and labels); only the others are kept as per-row text (see search_text).
        self._own_text = tuple(c for c in self._searchable if not c.facet)
        self._valued_text = tuple(c for c in self._searchable if c.facet)
        self._rows: dict[str, RowT] = {}
        self._version = 0
        # (first version of a span, the watch arrival of its changes or None: unknown), one
        # span per socket read that changed this table (masthead/arrival.py).
        self._arrivals: deque[tuple[int, float | None]] = deque(maxlen=ARRIVAL_SPANS)
        self._span_at: float | None = None
        self._eager = frozenset(eager_sorts)
        for column_id in self._eager:
            eager = self._columns.get(column_id)
            if eager is None or not eager.sortable:
                raise ValueError(f"cannot keep a sorted index of {column_id!r}")
        # Sorted indexes (or builds under way, which log the changes made meanwhile) and when
        # each was last read (time.monotonic()).
        self._sorted: dict[str, SortedIndex | SortedIndexBuild] = {}
        self._sorted_used: dict[str, float] = {}
        # The per-row text of search_text, built by the first search like a sorted index by
        # the first sort (13 MB per 100k pods that most tables never need), dropped with them.
        self._text: TextIndex | None = None
        self._text_used = 0.0
        # The distinct values' texts that search_text scans, by index ("namespace", "label",
        # the faceted text columns' ids): a few thousand strings, kept between searches.
        self._value_texts: dict[str, ValueTexts[Any]] = {}
        self._reset_value_texts()
        # A facet keyed by the row's namespace (or node) is the same index as by_namespace
        # (by_node): one index maintained, not two.
        self._namespace_facet = _facet_keyed_by(self._faceted, row_namespace)
        self._node_facet = _facet_keyed_by(self._faceted, row_node)
        for _ in self._build_indexes():
            pass
        for column_id in self._eager:
            self._sorted[column_id] = self._build_sorted(self._columns[column_id])

    def _build_indexes(self, step: int = REPLACE_STEP) -> Generator[None, None, None]:
        """Every index but the sorted ones, from the rows, yielding every `step` rows: the
        values are grouped first and each index is built once (no insort per row)."""
        facets: dict[str, defaultdict[FacetValue, list[str]]] = {
            c.id: defaultdict(list) for c in self._faceted
        }  # value → uids, per column
        namespaces: defaultdict[str, list[str]] = defaultdict(list)
        nodes: defaultdict[str, list[str]] = defaultdict(list)
        owners: defaultdict[str, list[str]] = defaultdict(list)
        labels: defaultdict[tuple[str, str], list[str]] = defaultdict(list)
        text = self._text = TextIndex() if self._text is not None else None
        own_fields = self._own_fields
        faceted = [(c.key, facets[c.id]) for c in self._faceted]
        own_namespace, own_node = self._namespace_facet is None, self._node_facet is None
        for i, row in enumerate(self._rows.values(), 1):
            uid = row.uid
            for key, groups in faceted:
                groups[key(row)].append(uid)
            if own_namespace:
                namespaces[row.namespace].append(uid)
            if own_node and row.node is not None:
                nodes[row.node].append(uid)
            for owner in set(row.owner_uids):
                owners[owner].append(uid)
            for pair in row.labels.items():
                labels[pair].append(uid)
            if text is not None:
                text.put(uid, own_fields(row))
            if i % step == 0:
                yield
        # Each index in one go (a sort of up to every uid), with the loop given back between.
        self._facets: dict[str, ValueIndex[FacetValue]] = {}
        for column_id, groups in facets.items():
            self._facets[column_id] = ValueIndex.from_groups(groups)
            yield
        self._by_namespace: ValueIndex[str] = (
            ValueIndex.from_groups(namespaces)
            if self._namespace_facet is None
            else self._facets[self._namespace_facet]  # type: ignore[assignment]
        )
        self._by_node: ValueIndex[str] = (
            ValueIndex.from_groups(nodes)
            if self._node_facet is None
            else self._facets[self._node_facet]  # type: ignore[assignment]
        )
        yield
        self._by_owner: ValueIndex[str] = ValueIndex.from_groups(owners)
        yield
        self._by_label: ValueIndex[tuple[str, str]] = ValueIndex.from_groups(labels)

    @property
    def columns(self) -> Mapping[str, Column[RowT]]:
        return self._columns

    @property
    def version(self) -> int:
        return self._version

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, uid: object) -> bool:
        return uid in self._rows

    def __getitem__(self, uid: str) -> RowT:
        return self._rows[uid]

    def get(self, uid: str) -> RowT | None:
        return self._rows.get(uid)

    def rows(self) -> ValuesView[RowT]:
        return self._rows.values()

    @property
    def by_uid(self) -> Mapping[str, RowT]:
        return self._rows

    # Indexes, read by the query engine and by views (joins by node and owner).

    @property
    def by_namespace(self) -> ValueIndex[str]:
        return self._by_namespace

    @property
    def by_node(self) -> ValueIndex[str]:
        """node name → uids. When it is also the node column's facet (columns.row_node), rows
        without a node are under None as well: ask it for node names only."""
        return self._by_node

    @property
    def by_owner(self) -> ValueIndex[str]:
        return self._by_owner

    @property
    def by_label(self) -> ValueIndex[tuple[str, str]]:
        """(label key, label value) → uids: the candidates of equality selectors."""
        return self._by_label

    def search_text(self, terms: Sequence[str], within: Set[str] | None = None) -> set[str]:
        """Uids (among `within`, all rows when None) whose name, namespace, labels ("k=v") or
        text columns contain every term, case-insensitively, each term inside one field.

        Fields held by many rows (namespace, labels, faceted columns such as status and node)
        are matched once per distinct value and expanded through their value index; only
        names and the other text columns are kept as per-row text. That halves the index's
        memory and keeps a term's cost at one short scan plus a few thousand distinct values.
        Terms run longest first over what the previous ones left; once that is a few thousand
        rows, the rest are checked row by row.
        """
        found: Set[str] | None = within
        for term in sorted(set(terms), key=len, reverse=True):
            if found is not None and len(found) <= _ROWWISE_SEARCH_MAX:
                rows = self._rows
                found = {uid for uid in found if term in self._full_text(rows[uid])}
            else:
                found = self._rows_with(term, found)
            if not found:
                break
        if found is None:
            return set(self._rows)
        return found if isinstance(found, set) and found is not within else set(found)

    def _rows_with(self, term: str, within: Set[str] | None) -> set[str]:
        found = self._text_index().search([term], within)  # a fresh set: updated below
        texts = self._value_texts
        sources: list[tuple[ValueIndex[Any], ValueTexts[Any]]] = [
            (self._by_namespace, texts["namespace"]),
            (self._by_label, texts["label"]),
        ]
        sources.extend((self._facets[c.id], texts[f"column:{c.id}"]) for c in self._valued_text)
        everything = len(self._rows) if within is None else len(within)
        for index, value_texts in sources:
            if len(found) == everything:
                break  # "svc" in every name: no value can add a row
            values = value_texts.holding(index, term)
            if values:
                index.add_rows_to(found, values, within)
        return found

    def _text_index(self) -> TextIndex:
        self._text_used = time.monotonic()
        text = self._text
        if text is None:
            text = self._text = TextIndex()
            for uid, row in self._rows.items():
                text.put(uid, self._own_fields(row))
        return text

    def _reset_value_texts(self) -> None:
        texts: dict[str, ValueTexts[Any]] = {
            "namespace": ValueTexts(_as_text),
            "label": ValueTexts(_label_text),
        }
        texts.update((f"column:{c.id}", ValueTexts(_as_text)) for c in self._valued_text)
        self._value_texts = texts

    @property
    def text_built(self) -> bool:
        """Whether the per-row text index exists (a search asked for it lately)."""
        return self._text is not None

    def _full_text(self, row: RowT) -> str:
        return FIELD_SEPARATOR.join(self._search_fields(row)).lower()

    def sorted_index(self, column_id: str) -> SortedIndex:
        """The column's order, built now (or a build under way finished now) if no page was
        sorted by it lately. A caller on an event loop steps `step_sorted_build` first."""
        now = time.monotonic()
        index = self._sorted.get(column_id)
        if isinstance(index, SortedIndexBuild):
            index = self._sorted[column_id] = index.finish()
        elif index is None:
            index = self._sorted[column_id] = self._build_sorted(self._sortable(column_id))
        self._sorted_used[column_id] = now
        for other, used in list(self._sorted_used.items()):
            if now - used > SORTED_IDLE_S and other not in self._eager:
                del self._sorted_used[other]
                self._sorted.pop(other, None)
        if self._text is not None and now - self._text_used > SORTED_IDLE_S:
            self._text = None
            self._reset_value_texts()
        return index

    def step_sorted_build(self, column_id: str, step: int | None = None) -> bool:
        """One slice of the column's sorted index build, started if none is under way; True
        once the index is built. A build reads a snapshot of the rows and replays the changes
        made meanwhile, so queries and changes may run between its steps; several callers
        may step one build. `step`: rows per slice of a build this call starts (BUILD_STEP)."""
        index = self._sorted.get(column_id)
        if index is None:
            column = self._sortable(column_id)
            index = self._sorted[column_id] = SortedIndexBuild(
                list(self._rows.values()), column.key, step
            )
            self._sorted_used[column_id] = time.monotonic()
        if isinstance(index, SortedIndex):
            return True
        built = index.step()
        if built is None:
            return False
        if self._sorted.get(column_id) is index:
            self._sorted[column_id] = built
        return True

    def _sortable(self, column_id: str) -> Column[RowT]:
        column = self._columns.get(column_id)
        if column is None or not column.sortable:
            raise KeyError(column_id)
        return column

    @property
    def sorted_built(self) -> frozenset[str]:
        """Columns whose sorted index currently exists (not counting builds under way)."""
        return frozenset(c for c, index in self._sorted.items() if isinstance(index, SortedIndex))

    def _build_sorted(self, column: Column[RowT]) -> SortedIndex:
        rows = self._rows.values()
        return SortedIndex(zip(map(column.key, rows), map(tiebreak, rows), strict=True))

    def facet_index(self, column_id: str) -> ValueIndex[FacetValue]:
        return self._facets[column_id]

    # Changes.

    def upsert(self, row: RowT) -> bool:
        """Add or replace the row with this uid; False (and no version bump) if equal."""
        old = self._rows.get(row.uid)
        if old is None:
            self._add(row)
        elif old == row:
            return False
        else:
            self._update(old, row)
        self._version += 1
        self._note_arrival(self._version)
        return True

    def delete(self, uid: str) -> bool:
        """Remove the row with this uid; False if there was none."""
        old = self._rows.pop(uid, None)
        if old is None:
            return False
        tb = tiebreak(old)
        for column_id, index in self._sorted.items():
            index.remove(self._columns[column_id].key(old), tb)
        self._unindex_unsorted(old)
        self._version += 1
        self._note_arrival(self._version)
        return True

    def _note_arrival(self, first: int) -> None:
        """The changes from version `first` on arrived with the watch read being applied: a new
        span when that read is not the last span's (one float compare per change)."""
        at = WATCH_ARRIVAL.at
        if at != self._span_at:
            self._span_at = at
            self._arrivals.append((first, at))

    def arrival_after(self, version: int) -> float | None:
        """When the change after `version` (the one that made version + 1) arrived on its
        watch (time.monotonic()); None when there was none, its arrival is unknown (a relist,
        a poll) or its span was dropped."""
        first = version + 1
        if first > self._version:
            return None
        for start, at in reversed(self._arrivals):
            if start <= first:
                return at
        return None

    def replace(self, rows: Iterable[RowT]) -> ReplaceCounts:
        """Make the table hold exactly `rows` (a relist). A uid listed twice keeps its last row."""
        steps = self.replace_steps(rows)
        while True:
            try:
                next(steps)
            except StopIteration as done:
                counts: ReplaceCounts = done.value
                return counts

    def replace_steps(
        self, rows: Iterable[RowT], step: int = REPLACE_STEP
    ) -> Generator[None, None, ReplaceCounts]:
        """`replace` in slices of about `step` rows, yielding between them so a caller on an
        event loop can let other work run (a 100k-row rebuild is seconds of CPU). A rebuild is
        assembled on the side and swapped in at the end, so readers meanwhile see the old rows,
        whole; a small difference is applied row by row, each change visible as it lands."""
        incoming = {row.uid: row for row in rows}
        added = updated = 0
        current = self._rows
        if not current:  # a first sync: every row is new, nothing to compare
            added = len(incoming)
        for i, (uid, row) in enumerate(incoming.items() if current else (), 1):
            old = current.get(uid)
            if old is None:
                added += 1
            elif old != row:
                updated += 1
            if i % (step * 4) == 0:
                yield
        gone = [uid for uid in current if uid not in incoming]
        counts = ReplaceCounts(added, updated, len(gone))
        if counts.changed > _REBUILD_SHARE * max(len(current), len(incoming)):
            side: Table[RowT] = Table(tuple(self._columns.values()))
            side._rows = incoming
            side._text = self._text  # only tells it whether to build one
            yield from side._build_indexes(step)
            for column_id in dict.fromkeys([*self._sorted, *self._eager]):
                yield
                side._sorted[column_id] = side._build_sorted(self._columns[column_id])
            self._adopt(side)
            self._note_arrival(self._version + 1)
            self._version += counts.changed
        else:
            # Each delete and upsert bumps the version once per effective change, as above.
            for i, uid in enumerate(gone, 1):
                self.delete(uid)
                if i % step == 0:
                    yield
            for i, row in enumerate(incoming.values(), 1):
                self.upsert(row)
                if i % step == 0:
                    yield
        return counts

    def _adopt(self, side: Table[RowT]) -> None:
        """Take the rows and every index of `side`, built from scratch for the same columns."""
        self._rows = side._rows
        self._sorted = side._sorted
        self._facets = side._facets
        self._by_namespace = side._by_namespace
        self._by_node = side._by_node
        self._by_owner = side._by_owner
        self._by_label = side._by_label
        self._text = side._text

    def _add(self, row: RowT) -> None:
        self._rows[row.uid] = row
        tb = tiebreak(row)
        for column_id, index in self._sorted.items():
            index.add(self._columns[column_id].key(row), tb)
        self._index_unsorted(row)

    def _update(self, old: RowT, new: RowT) -> None:
        self._rows[new.uid] = new
        tb_old, tb_new = tiebreak(old), tiebreak(new)
        for column_id, index in self._sorted.items():
            # Watch churn mostly touches status fields: leave the other orders alone.
            key = self._columns[column_id].key
            key_old, key_new = key(old), key(new)
            if key_old != key_new or tb_old != tb_new:
                index.remove(key_old, tb_old)
                index.add(key_new, tb_new)
        uid = new.uid
        for c in self._faceted:
            value_old, value_new = c.key(old), c.key(new)
            if value_old != value_new:
                facet = self._facets[c.id]
                facet.remove(value_old, uid)
                facet.add(value_new, uid)
        if old.namespace != new.namespace and self._namespace_facet is None:
            self._by_namespace.remove(old.namespace, uid)
            self._by_namespace.add(new.namespace, uid)
        if old.node != new.node and self._node_facet is None:
            if old.node is not None:
                self._by_node.remove(old.node, uid)
            if new.node is not None:
                self._by_node.add(new.node, uid)
        owners_old, owners_new = set(old.owner_uids), set(new.owner_uids)
        for owner in owners_old - owners_new:
            self._by_owner.remove(owner, uid)
        for owner in owners_new - owners_old:
            self._by_owner.add(owner, uid)
        if old.labels != new.labels:
            labels_old, labels_new = old.labels.items(), new.labels.items()
            for pair in labels_old - labels_new:
                self._by_label.remove(pair, uid)
            for pair in labels_new - labels_old:
                self._by_label.add(pair, uid)
        if self._text is not None:
            self._text.put(uid, self._own_fields(new))

    def _index_unsorted(self, row: RowT) -> None:
        uid = row.uid
        for c in self._faceted:
            self._facets[c.id].add(c.key(row), uid)
        if self._namespace_facet is None:
            self._by_namespace.add(row.namespace, uid)
        if row.node is not None and self._node_facet is None:
            self._by_node.add(row.node, uid)
        for owner in set(row.owner_uids):
            self._by_owner.add(owner, uid)
        for pair in row.labels.items():
            self._by_label.add(pair, uid)
        if self._text is not None:
            self._text.put(uid, self._own_fields(row))

    def _unindex_unsorted(self, row: RowT) -> None:
        uid = row.uid
        for c in self._faceted:
            self._facets[c.id].remove(c.key(row), uid)
        if self._namespace_facet is None:
            self._by_namespace.remove(row.namespace, uid)
        if row.node is not None and self._node_facet is None:
            self._by_node.remove(row.node, uid)
        for owner in set(row.owner_uids):
            self._by_owner.remove(owner, uid)
        for pair in row.labels.items():
            self._by_label.remove(pair, uid)
        if self._text is not None:
            self._text.discard(uid)

    def _own_fields(self, row: RowT) -> list[str]:
        fields = [row.name]
        for c in self._own_text:
            value = c.key(row)
            if value is not None:
                fields.append(str(value))
        return fields

    def _search_fields(self, row: RowT) -> list[str]:
        fields = [row.name, row.namespace]
        fields.extend(f"{k}={v}" for k, v in row.labels.items())
        for c in self._searchable:
            value = c.key(row)
            if value is not None:
                fields.append(str(value))
        return fields


def _facet_keyed_by(faceted: Sequence[Column[Any]], key: Callable[[Any], object]) -> str | None:
    """The id of the first faceted column whose key is `key`, if any."""
    return next((c.id for c in faceted if c.key is key), None)


def _as_text(value: object) -> str | None:
    return None if value is None else str(value)


def _label_text(pair: tuple[str, str]) -> str:
    return f"{pair[0]}={pair[1]}"
