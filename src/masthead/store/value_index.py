"""value → uids of the rows holding it: namespaces, nodes, owners, labels and facets."""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Hashable, Iterable, Mapping, Set
from itertools import count
from typing import Generic, TypeVar

V = TypeVar("V", bound=Hashable)

# Most values are held by few rows (a pod-template-hash by a ReplicaSet's pods, a pod name by
# one pod): those are kept as a bare uid or a tuple. Larger groups are a sorted list: 8 bytes
# per uid, where a set costs ~80 once its table is overallocated (a status held by 90k pods
# was 8 MB as a set, 0.7 MB as a list). Membership is a C bisect; add and remove are a bisect
# and a memmove, microseconds even at 100k uids.
_TUPLE_MAX = 8
# A list shrinks back to a tuple only well below the limit, so a group hovering at the limit
# does not convert on every change.
_TUPLE_AGAIN = _TUPLE_MAX // 2

# Counting a sorted group within a scope either probes the scope once per uid of the group (a
# C loop) or bisects the group once per uid of the scope (a Python loop, ~this many times
# dearer per step): whichever is cheaper.
_BISECT_COST = 16

# Generations of every index's set of values, unique across indexes (see `generation`).
_generations = count()


def _holds(group: list[str], uid: str) -> bool:
    i = bisect_left(group, uid)
    return i < len(group) and group[i] == uid


class ValueIndex(Generic[V]):
    """Which rows hold each value; a row may hold several values (labels, owners).

    The uids of one value are a str (one row), a tuple (a few) or a sorted list (many).
    """

    __slots__ = ("_generation", "_uids")

    def __init__(self) -> None:
        self._uids: dict[V, str | tuple[str, ...] | list[str]] = {}
        self._generation = next(_generations)

    @classmethod
    def from_groups(cls, groups: Mapping[V, list[str]]) -> ValueIndex[V]:
        """The index `add` would build from these uids per value, each listed once in the
        order added, in one pass (a relist of 100k rows: no insort per row)."""
        index: ValueIndex[V] = cls()
        held = index._uids
        for value, uids in groups.items():
            if len(uids) == 1:
                held[value] = uids[0]
            elif len(uids) <= _TUPLE_MAX:
                held[value] = tuple(uids)
            else:
                held[value] = sorted(uids)  # a new list, sized exactly
        return index

    def __len__(self) -> int:
        """Number of distinct values held by at least one row."""
        return len(self._uids)

    def values(self) -> Iterable[V]:
        """Every value held by at least one row."""
        return self._uids.keys()

    @property
    def generation(self) -> int:
        """Changes whenever a value is first held or no longer held (not when only the rows
        holding a value do), and is never equal between two indexes: what a cache of
        `values()` is keyed by."""
        return self._generation

    def add(self, value: V, uid: str) -> None:
        held = self._uids.get(value)
        if held is None:
            self._uids[value] = uid
            self._generation = next(_generations)
        elif isinstance(held, str):
            self._uids[value] = (held, uid)
        elif isinstance(held, tuple):
            if len(held) < _TUPLE_MAX:
                self._uids[value] = (*held, uid)
            else:
                self._uids[value] = sorted((*held, uid))
        else:
            insort(held, uid)

    def remove(self, value: V, uid: str) -> None:
        held = self._uids[value]
        if isinstance(held, str):
            if held != uid:
                raise KeyError(uid)
            del self._uids[value]
            self._generation = next(_generations)
        elif isinstance(held, tuple):
            rest = tuple(u for u in held if u != uid)
            if len(rest) == len(held):
                raise KeyError(uid)
            self._uids[value] = rest[0] if len(rest) == 1 else rest
        else:
            i = bisect_left(held, uid)
            if i == len(held) or held[i] != uid:
                raise KeyError(uid)
            del held[i]
            if len(held) <= _TUPLE_AGAIN:
                self._uids[value] = tuple(held)

    def uids(self, value: V) -> Set[str]:
        """The rows holding `value`; read-only."""
        held = self._uids.get(value)
        if held is None:
            return frozenset()
        if isinstance(held, str):
            return frozenset((held,))
        return frozenset(held)

    def count(self, value: V) -> int:
        held = self._uids.get(value)
        if held is None:
            return 0
        return 1 if isinstance(held, str) else len(held)

    def union(self, values: Iterable[V]) -> set[str]:
        out: set[str] = set()
        self.add_rows_to(out, values)
        return out

    def add_rows_to(
        self, out: set[str], values: Iterable[V], within: Set[str] | None = None
    ) -> None:
        """Add the rows holding any of `values` (only those in `within`, if given) to `out`:
        no set of a value's 90k uids built only to be merged into another."""
        for value in values:
            held = self._uids.get(value)
            if held is None:
                continue
            if isinstance(held, str):
                if within is None or held in within:
                    out.add(held)
            elif within is None:
                out.update(held)
            elif isinstance(held, list) and len(held) > len(within) * _BISECT_COST:
                out.update(uid for uid in within if _holds(held, uid))
            else:
                out.update(filter(within.__contains__, held))

    def counts(self) -> dict[V, int]:
        return {v: 1 if isinstance(h, str) else len(h) for v, h in self._uids.items()}

    def counts_within(self, scope: Set[str]) -> dict[V, int]:
        """Rows of `scope` per value; each value costs a probe per uid of the smaller side."""
        counts: dict[V, int] = {}
        contains = scope.__contains__
        for value, held in self._uids.items():
            if isinstance(held, str):
                n = 1 if held in scope else 0
            elif isinstance(held, tuple) or len(held) <= len(scope) * _BISECT_COST:
                n = sum(map(contains, held))
            else:
                n = sum(1 for uid in scope if _holds(held, uid))
            if n:
                counts[value] = n
        return counts
