"""Substring search: over one precomputed lowercase string per row (the row's own fields: name,
unfaceted text columns), and over the distinct values of an index (namespaces, labels, faceted
text columns). Table.search_text combines the two."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Set
from itertools import compress, repeat
from operator import contains
from typing import Generic, Protocol, TypeVar

# Joins the searchable fields so that no search term can match across two of them.
FIELD_SEPARATOR = "\x1f"

V = TypeVar("V", bound=Hashable)
V_co = TypeVar("V_co", bound=Hashable, covariant=True)


def search_terms(text: str) -> list[str]:
    """A query's terms: whitespace-separated, case-insensitive, all required."""
    return text.lower().split()


def _holding(keys: Iterable[V], texts: Iterable[str], term: str) -> Iterator[V]:
    """The keys whose text contains `term`, in order. map/compress keep the per-key loop in C:
    ~30 % less than a comprehension over 100k rows."""
    return compress(keys, map(contains, texts, repeat(term)))


class TextIndex:
    """uid → the row's searchable text. A linear scan: 100k `in` tests on short ASCII strings
    take a few milliseconds, less than maintaining an n-gram index on every change would. One
    joined haystack searched with str.find was measured too: ~30 % faster for a term no row
    holds, but 5x slower for one most rows hold (a Python step per hit).

    The text stays a str: as UTF-8 bytes it is 16 bytes smaller per row, but `in` on bytes
    goes through the buffer protocol and a 100k-row scan took 4x as long (9 → 35 ms)."""

    __slots__ = ("_text",)

    def __init__(self) -> None:
        self._text: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self._text)

    def put(self, uid: str, fields: list[str]) -> None:
        self._text[uid] = FIELD_SEPARATOR.join(fields).lower()

    def discard(self, uid: str) -> None:
        self._text.pop(uid, None)

    def search(self, terms: list[str], within: Set[str] | None = None) -> set[str]:
        """Uids whose text contains every term, among `within` (all rows when None).

        One term at a time, longest (likely rarest) first, each over the rows the previous
        ones left: "team-01 crash" scans 100k rows for "team-01" and its 2k matches for
        "crash", instead of testing both terms on every row (45 ms → 10 ms at 100k rows).
        """
        text = self._text
        found: Set[str] | None = within
        for term in sorted(set(terms), key=len, reverse=True):
            if found is None:
                # A dict's keys and values iterate in the same order.
                found = set(_holding(text.keys(), text.values(), term))
            else:
                found = set(_holding(found, map(text.__getitem__, found), term))
            if not found:
                break
        if found is None:  # no terms, every row
            return set(text)
        return found if isinstance(found, set) and found is not within else set(found)


class Index(Protocol[V_co]):
    """What ValueTexts reads of a value index (masthead.store.value_index.ValueIndex)."""

    @property
    def generation(self) -> int:
        """Changes whenever the set of values does; never equal between two indexes."""
        ...

    def values(self) -> Iterable[V_co]: ...


class ValueTexts(Generic[V]):
    """The lowercase text of each distinct value of one index, kept between searches: a label
    index holds thousands of pairs, and rendering "key=value" and lowering each on every search
    cost more than scanning them. Re-read when the index gains or loses a value (a new
    ReplicaSet's pod-template-hash), rendering only the values it has not seen."""

    __slots__ = ("_by_value", "_generation", "_render")

    def __init__(self, render: Callable[[V], str | None]) -> None:
        self._render = render
        # Of the index the texts were read from; an index is not kept alive for it.
        self._generation = -1
        self._by_value: dict[V, str] = {}

    def holding(self, index: Index[V], term: str) -> list[V]:
        """The values of `index` whose text contains `term` (lowercase)."""
        if index.generation != self._generation:
            self._generation = index.generation
            known, render = self._by_value, self._render
            self._by_value = {
                v: known[v] if v in known else (render(v) or "").lower() for v in index.values()
            }
        by_value = self._by_value
        return list(_holding(by_value.keys(), by_value.values(), term))
