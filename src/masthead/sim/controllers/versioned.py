"""A value derived from one stored object version, kept until the object changes.

Controllers re-read the same unchanged objects on every sync (a Deployment's ReplicaSets on
each of its pods' changes); decoding them once per resourceVersion is the saving. The values
are shared between syncs, so callers treat them as read-only and clone before a write.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from masthead.sim.store import Stored

T = TypeVar("T")

# Entries are dropped when their object is deleted, so the count follows the stored objects;
# the cap only guards against a caller that never forgets (cleared whole: rebuilt on demand).
DEFAULT_CAP = 200_000


class PerVersion(Generic[T]):
    """`derive(stored)` per (namespace, name), recomputed when the uid or RV moves."""

    def __init__(self, derive: Callable[[Stored], T], cap: int = DEFAULT_CAP) -> None:
        self._derive = derive
        self._cap = cap
        self._entries: dict[tuple[str, str], tuple[int, str, T]] = {}
        self.dropped = 0  # entries let go because the cap was reached

    def get(self, s: Stored) -> T:
        key = (s.namespace, s.name)
        hit = self._entries.get(key)
        if hit is not None and hit[0] == s.rv and hit[1] == s.uid:
            return hit[2]
        if hit is None and len(self._entries) >= self._cap:
            self.dropped += len(self._entries)
            self._entries.clear()
        value = self._derive(s)
        self._entries[key] = (s.rv, s.uid, value)
        return value

    def forget(self, namespace: str, name: str) -> None:
        self._entries.pop((namespace, name), None)

    def __len__(self) -> int:
        return len(self._entries)
