"""value → uids of the rows holding it: namespaces, nodes, owners, labels and facets."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Set
from typing import Generic, TypeVar

V = TypeVar("V", bound=Hashable)

# Most values are held by few rows (a pod-template-hash by a ReplicaSet's pods, a pod name by
# one pod): those are kept as a bare uid or a tuple, 8 bytes per uid, where a set costs 216
# bytes empty and ~50 per uid. Updates copy the tuple, so it stays short.
_TUPLE_MAX = 64
# A set shrinks back to a tuple only well below the limit, so a group hovering at the limit
# does not convert on every change.
_TUPLE_AGAIN = _TUPLE_MAX // 2


class ValueIndex(Generic[V]):
    """Which rows hold each value; a row may hold several values (labels, owners).

    The uids of one value are a str (one row), a tuple (a few) or a set (many).
    """

    __slots__ = ("_uids",)

    def __init__(self) -> None:
        self._uids: dict[V, str | tuple[str, ...] | set[str]] = {}

    def __len__(self) -> int:
        """Number of distinct values held by at least one row."""
        return len(self._uids)

    def add(self, value: V, uid: str) -> None:
        held = self._uids.get(value)
        if held is None:
            self._uids[value] = uid
        elif isinstance(held, str):
            self._uids[value] = (held, uid)
        elif isinstance(held, tuple):
            self._uids[value] = (*held, uid) if len(held) < _TUPLE_MAX else {*held, uid}
        else:
            held.add(uid)

    def remove(self, value: V, uid: str) -> None:
        held = self._uids[value]
        if isinstance(held, str):
            if held != uid:
                raise KeyError(uid)
            del self._uids[value]
        elif isinstance(held, tuple):
            rest = tuple(u for u in held if u != uid)
            if len(rest) == len(held):
                raise KeyError(uid)
            self._uids[value] = rest[0] if len(rest) == 1 else rest
        else:
            held.remove(uid)
            if len(held) <= _TUPLE_AGAIN:
                self._uids[value] = tuple(held)

    def uids(self, value: V) -> Set[str]:
        """The rows holding `value`; read-only."""
        held = self._uids.get(value)
        if held is None:
            return frozenset()
        if isinstance(held, str):
            return frozenset((held,))
        if isinstance(held, tuple):
            return frozenset(held)
        return held

    def union(self, values: Iterable[V]) -> set[str]:
        out: set[str] = set()
        for value in values:
            held = self._uids.get(value)
            if held is None:
                continue
            if isinstance(held, str):
                out.add(held)
            else:
                out.update(held)
        return out

    def counts(self) -> dict[V, int]:
        return {v: 1 if isinstance(h, str) else len(h) for v, h in self._uids.items()}

    def counts_within(self, scope: Set[str]) -> dict[V, int]:
        """Rows of `scope` per value; each value costs a probe per uid of the smaller side."""
        counts: dict[V, int] = {}
        for value, held in self._uids.items():
            if isinstance(held, str):
                n = 1 if held in scope else 0
            elif isinstance(held, tuple):
                n = sum(1 for uid in held if uid in scope)
            else:
                n = len(held.intersection(scope))  # iterates the smaller of two sets
            if n:
                counts[value] = n
        return counts
