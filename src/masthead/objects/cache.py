"""`ObjectCache`: full objects fetched on demand, kept while the watch says they are current.

An entry is the API server's answer (bytes, as received) with its resourceVersion, keyed by
(cluster, group, resource, namespace, name). The cache never decides freshness by time: the
cluster's reflector for that kind reports every object it sees change (`invalidate`) and every
relist (`invalidate_resource`), and the caller serves an entry only while that reflector is
live. A fetch that raced a change is not stored: `ticket()` is taken before the request and
`put` refuses the answer when the key (or its resource) was invalidated after the ticket — or
when the record of recent invalidations no longer reaches back that far, since then nobody
can tell.

Bounded: at most `max_entries` entries and `max_bytes` bytes (least recently used go first,
counted in `evictions`); one object larger than `max_entry_bytes` is not kept (`too_large`);
the record of recent invalidations keeps `max_recent` keys (oldest forgotten first).

Secrets are never offered to the cache (the caller's rule, checked here as well: `put` of a
core `secrets` key raises).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import asdict, dataclass

CacheKey = tuple[str, str, str, str, str]  # cluster, group, resource, namespace, name
ResourceRef = tuple[str, str, str]  # cluster, group, resource

SECRETS: tuple[str, str] = ("", "secrets")


def is_secret(group: str, resource: str) -> bool:
    return (group, resource) == SECRETS


@dataclass(frozen=True, slots=True)
class CachedObject:
    version: str  # the API version it was read as ("v1", "apps/v1"): another version misses
    resource_version: str
    body: bytes  # the API server's JSON answer, untouched


@dataclass(slots=True)
class CacheStats:
    hits: int = 0
    misses: int = 0
    stores: int = 0
    evictions: int = 0  # pushed out by the entry or byte cap
    invalidations: int = 0  # entries dropped because the watch saw a change or a relist
    raced: int = 0  # answers not stored: invalidated while the request was in flight
    too_large: int = 0  # answers not stored: larger than max_entry_bytes


class ObjectCache:
    def __init__(
        self,
        max_entries: int = 2000,
        max_bytes: int = 64 * 1024 * 1024,
        max_entry_bytes: int = 4 * 1024 * 1024,
        max_recent: int = 8192,
    ) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_entry_bytes = min(max_entry_bytes, max_bytes)
        self.max_recent = max_recent
        self.stats: dict[str, CacheStats] = {}  # per cluster (one per kubeconfig context)
        self._entries: OrderedDict[CacheKey, CachedObject] = OrderedDict()
        self._bytes = 0
        self._seq = 0  # bumped by every invalidation
        self._recent: OrderedDict[CacheKey, int] = OrderedDict()  # key -> seq of its last change
        self._forgotten_upto = 0  # invalidations at or below this seq are no longer recorded
        self._relisted: dict[ResourceRef, int] = {}  # resource -> seq of its last relist
        self.recent_forgotten = 0  # invalidation records dropped at max_recent

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def bytes(self) -> int:
        return self._bytes

    def get(self, key: CacheKey, version: str) -> CachedObject | None:
        entry = self._entries.get(key)
        if entry is None or entry.version != version:
            self._stats(key[0]).misses += 1
            return None
        self._entries.move_to_end(key)
        self._stats(key[0]).hits += 1
        return entry

    def ticket(self) -> int:
        """Take before fetching; hand to `put` with the answer."""
        return self._seq

    def put(self, key: CacheKey, entry: CachedObject, ticket: int) -> bool:
        """Keep `entry` unless something changed since `ticket`; True when stored."""
        if is_secret(key[1], key[2]):
            raise ValueError("Secrets are never cached")
        if self._changed_since(key, ticket):
            self._stats(key[0]).raced += 1
            return False
        size = len(entry.body)
        if size > self.max_entry_bytes:
            self._stats(key[0]).too_large += 1
            self._drop(key)  # whatever it held is older than this answer
            return False
        self._drop(key)
        self._entries[key] = entry
        self._bytes += size
        self._stats(key[0]).stores += 1
        while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
            oldest = next(iter(self._entries))
            self._drop(oldest)
            self._stats(oldest[0]).evictions += 1
        return True

    def invalidate(self, key: CacheKey) -> None:
        """The watch saw this object change (or go)."""
        self._seq += 1
        self._recent[key] = self._seq
        self._recent.move_to_end(key)
        while len(self._recent) > self.max_recent:
            _, seq = self._recent.popitem(last=False)
            self._forgotten_upto = max(self._forgotten_upto, seq)
            self.recent_forgotten += 1
        if self._drop(key):
            self._stats(key[0]).invalidations += 1

    def invalidate_resource(self, cluster: str, group: str, resource: str) -> None:
        """A relist (or a source stopped): any object of the resource may have changed."""
        self._seq += 1
        self._relisted[(cluster, group, resource)] = self._seq
        for key in [k for k in self._entries if k[:3] == (cluster, group, resource)]:
            self._drop(key)
            self._stats(cluster).invalidations += 1

    def invalidate_cluster(self, cluster: str) -> None:
        for key in {k[:3] for k in self._entries if k[0] == cluster}:
            self.invalidate_resource(*key)

    def _changed_since(self, key: CacheKey, ticket: int) -> bool:
        if self._relisted.get(key[:3], 0) > ticket:
            return True
        seq = self._recent.get(key)
        if seq is not None:
            return seq > ticket
        return self._forgotten_upto > ticket

    def _drop(self, key: CacheKey) -> bool:
        old = self._entries.pop(key, None)
        if old is None:
            return False
        self._bytes -= len(old.body)
        return True

    def _stats(self, cluster: str) -> CacheStats:
        found = self.stats.get(cluster)
        if found is None:
            found = self.stats[cluster] = CacheStats()
        return found

    def cluster_dict(self, cluster: str) -> dict[str, int]:
        """One cluster's counters and what it holds (diagnostics)."""
        held = [e for k, e in self._entries.items() if k[0] == cluster]
        return {
            **asdict(self._stats(cluster)),
            "entries": len(held),
            "bytes": sum(len(e.body) for e in held),
        }

    def as_dict(self) -> dict[str, int]:
        return {
            "entries": len(self._entries),
            "bytes": self._bytes,
            "max_entries": self.max_entries,
            "max_bytes": self.max_bytes,
            "max_entry_bytes": self.max_entry_bytes,
            "recent_forgotten": self.recent_forgotten,
        }
