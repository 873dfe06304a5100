"""Values derived from a raw JSON sub-document, cached by its bytes.

The pods of one ReplicaSet (Job, DaemonSet...) carry byte-identical label sets, owner
references and container specs: the API server encodes the same template the same way. A
projection that declares such a field as `msgspec.Raw` skips it while decoding (no dicts,
strings or structs built) and asks this cache for what it derives from it; the first pod of a
template pays the decode, its siblings a bytes copy and a dict lookup. Equal bytes decode to
equal values, so a hit is exactly what decoding again would give.

Bounded: at `max_entries` the cache is emptied (`resets` counts it, `dropped` the entries
lost); objects are listed in key order, so a template's pods arrive together and a small
cache keeps nearly every hit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

import msgspec

V = TypeVar("V")

# What a `msgspec.Raw` field holds when the key is absent from the object.
ABSENT = msgspec.Raw()


class RawCache(Generic[V]):
    """`get(raw)`: `make(bytes)` of the raw document, computed once per distinct bytes."""

    def __init__(self, make: Callable[[bytes], V], max_entries: int = 4096) -> None:
        self.make = make
        self.max_entries = max_entries
        self.resets = 0
        self.dropped = 0
        self._values: dict[bytes, V] = {}

    def __len__(self) -> int:
        return len(self._values)

    def get(self, raw: msgspec.Raw) -> V:
        key = bytes(raw)
        values = self._values
        try:
            return values[key]
        except KeyError:
            pass
        value = self.make(key)
        if len(values) >= self.max_entries:
            self.clear()
        values[key] = value
        return value

    def clear(self) -> None:
        if self._values:
            self.dropped += len(self._values)
            self.resets += 1
            self._values.clear()
