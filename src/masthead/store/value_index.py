"""value → uids of the rows holding it: namespaces, nodes, owners, labels and facets."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Set
from typing import Generic, TypeVar

V = TypeVar("V", bound=Hashable)


class ValueIndex(Generic[V]):
    """Which rows hold each value. A row may hold several values (labels, owners).

    A value held by a single row stores the bare uid instead of a set: most label values
    (pod-template-hash, statefulset pod names) belong to one or a few rows, and an empty set
    costs 216 bytes where a reference costs 8. Uids are strings, which is how the two are told
    apart.
    """

    __slots__ = ("_uids",)

    def __init__(self) -> None:
        self._uids: dict[V, str | set[str]] = {}

    def __len__(self) -> int:
        """Number of distinct values held by at least one row."""
        return len(self._uids)

    def add(self, value: V, uid: str) -> None:
        held = self._uids.get(value)
        if held is None:
            self._uids[value] = uid
        elif isinstance(held, str):
            self._uids[value] = {held, uid}
        else:
            held.add(uid)

    def remove(self, value: V, uid: str) -> None:
        held = self._uids[value]
        if isinstance(held, str):
            if held != uid:
                raise KeyError(uid)
            del self._uids[value]
            return
        held.remove(uid)
        if len(held) == 1:
            self._uids[value] = next(iter(held))

    def uids(self, value: V) -> Set[str]:
        """The rows holding `value`; read-only (the set is the index's own)."""
        held = self._uids.get(value)
        if held is None:
            return frozenset()
        if isinstance(held, str):
            return frozenset((held,))
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
                out |= held
        return out

    def count(self, value: V) -> int:
        held = self._uids.get(value)
        if held is None:
            return 0
        return 1 if isinstance(held, str) else len(held)

    def counts(self) -> dict[V, int]:
        return {v: 1 if isinstance(h, str) else len(h) for v, h in self._uids.items()}

    def values(self) -> Iterator[V]:
        return iter(self._uids)
