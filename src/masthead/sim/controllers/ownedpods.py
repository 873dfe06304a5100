"""Pods by their controlling owner of one kind, kept from pod events.

A DaemonSet sync read its ~2,000 pods (at `large`) through the registry's owner index: the
dependents sorted on every call, then a store lookup per pod. This index holds each pod's
current stored version under its owner's (namespace, name), in key order (the order the
sorted dependents gave), so a sync walks one bucket.
"""

from __future__ import annotations

from collections.abc import Iterable

from sortedcontainers import SortedDict

from masthead.sim.controllers.objects import PODS
from masthead.sim.controllers.runtime import owner_of
from masthead.sim.store import DELETED, ObjectStore, Stored, WatchEvent

Key = tuple[str, str]


class OwnedPods:
    """Every stored pod whose controlling ownerReference has `kind`, by that owner's
    (namespace, name). Exact once `load` ran, as long as `observe` sees every pod event after
    it (the store's observers run inside each write); entries follow the stored pods, so
    they need no cap. The owner's uid is not checked here: callers compare it."""

    def __init__(self, store: ObjectStore, kind: str) -> None:
        self._store = store
        self._kind = kind
        self._by_owner: dict[Key, SortedDict] = {}
        self._owner: dict[Key, Key] = {}  # pod → its owner's key, for the pods held

    def load(self) -> None:
        self._by_owner.clear()
        self._owner.clear()
        for s in self._store.iter_objects(PODS.storage_key):
            owner = self._owner_key(s)
            if owner is not None:
                self._put((s.namespace, s.name), owner, s)

    def _owner_key(self, s: Stored) -> Key | None:
        ref = owner_of(s)
        return (s.namespace, ref[1]) if ref is not None and ref[0] == self._kind else None

    def _put(self, key: Key, owner: Key, s: Stored) -> None:
        bucket = self._by_owner.get(owner)
        if bucket is None:
            bucket = self._by_owner[owner] = SortedDict()
        bucket[key] = s
        self._owner[key] = owner

    def _drop(self, key: Key, owner: Key) -> None:
        del self._owner[key]
        bucket = self._by_owner[owner]
        del bucket[key]
        if not bucket:
            del self._by_owner[owner]

    def observe(self, ev: WatchEvent) -> None:
        s = ev.obj
        key = (s.namespace, s.name)
        was = self._owner.get(key)
        now = None if ev.type == DELETED else self._owner_key(s)
        if was is not None and was != now:
            self._drop(key, was)
        if now is not None:
            self._put(key, now, s)

    def pods(self, namespace: str, name: str) -> Iterable[Stored]:
        """The current versions of the pods `name` controls, by (namespace, name)."""
        bucket = self._by_owner.get((namespace, name))
        return () if bucket is None else list(bucket.values())

    def owners(self) -> dict[Key, list[Key]]:
        """Owner → its pods' keys (a copy, for checks)."""
        return {owner: list(bucket) for owner, bucket in self._by_owner.items()}
