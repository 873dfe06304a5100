"""The simulator's storage: one global resourceVersion, objects as pre-encoded bytes, a bounded
event history per resource, watch fan-out through bounded per-watcher queues, and snapshots of
any resourceVersion still inside the history window (for Exact lists and continue tokens).

Objects are kept as JSON bytes (kind and apiVersion first) plus the few decoded values the hot
paths need (labels, selectable fields), because 100k pods as Python dicts would cost ~5x the
memory of their bytes. Writers hand in complete dicts; this module stamps the resourceVersion.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from sortedcontainers import SortedDict

from masthead.selectors import FieldSelector, LabelSelector

# The watch history, sized like upstream's watch cache (its ring resizes between 100 and
# 102,400 events per resource and keeps at least 75 s): per resource every event younger than
# `DEFAULT_HISTORY_SECONDS` is kept, and an older one is evicted as soon as its resource holds
# more than `HISTORY_FLOOR_EVENTS` (upstream doubles/halves its ring, so its span lands between
# 75 s and about twice that; evicting at the window's edge keeps the same floor for less memory).
# Tests shrink the window; `--history-seconds` sets it.
DEFAULT_HISTORY_SECONDS = 75.0
HISTORY_FLOOR_EVENTS = 100
# Hard caps, which win over the time floor (bounded everything): at most this many events per
# resource (upstream's upper bound; the shrink-history fault lowers it) ...
DEFAULT_HISTORY_SIZE = 102_400
# ... and all resources' histories together hold at most this many bytes of encoded objects
# plus a fixed per-event overhead; past it the globally oldest events go first, so the budget
# buys the newest window of changes. Without a store-wide cap each of a large world's ~15
# churned resources filled its own count cap in turn (3 GB or more after an hour of churn).
# 1.5 GiB (RSS, by the overhead below): 75 s of every resource's history at `large` under
# churn asked at 1,000/s (~340/s achieved, ~1,400 writes/s with the controllers') is ~107k
# events, ~800 MB; the cap leaves room for faster churn before it shortens the window
# (bench/sim_history.py; bench/RESULTS.md, 2026-11-29).
DEFAULT_HISTORY_BYTES = 1536 * 2**20
# Stored + WatchEvent + labels/fields dicts of one history event beside its encoded bytes
# (measured at `large` under churn: 7.4 KB of RSS per history event, 3.5 KB of it encoded).
EVENT_OVERHEAD = 4_096
# A watcher that falls this far behind is closed (like the cacher's "unresponsive watcher"):
# the client resumes from its last resourceVersion instead of us buffering without bound.
DEFAULT_WATCH_QUEUE = 20_000
# ... or whose queue holds this many bytes of encoded objects. Queued objects are held by
# reference, so they stay alive after the history evicted them. 256 MiB: above what 20k pods
# take (~90 MB encoded), so for ordinary objects the event count decides, as before; the bytes
# bound watchers of large objects. 32 MiB (~7k pods, 2–3 s of a `large` world's churn) closes
# a client's pods watch whenever it lags that much, and the resume falls outside the ~10 s
# history: 410 and a 100k-pod relist (the likely cause of 11 relists in a 10-minute `make load`
# and of a pods view "reconnecting" for > 30 s in `ui_bench --mode large` with that cap).
DEFAULT_WATCH_QUEUE_BYTES = 256 * 2**20

ADDED = "ADDED"
MODIFIED = "MODIFIED"
DELETED = "DELETED"


@dataclass(slots=True)
class Stored:
    """One object as stored: encoded bytes plus what selectors and paging need."""

    raw: bytes
    rv: int
    uid: str
    namespace: str
    name: str
    labels: Mapping[str, str]
    fields: Mapping[str, str]

    def decode(self) -> dict[str, Any]:
        obj: dict[str, Any] = orjson.loads(self.raw)
        return obj


@dataclass(slots=True)
class WatchEvent:
    type: str
    rv: int
    key: str
    obj: Stored  # new state; for DELETED the last state stamped with the delete's RV
    prev: Stored | None  # state before this event (None for ADDED)
    at: float = 0.0  # HistoryBudget.clock() when the history recorded it (age decides eviction)


@dataclass(slots=True)
class WatchFilter:
    namespace: str | None
    labels: LabelSelector | None
    fields: FieldSelector | None

    def matches(self, s: Stored) -> bool:
        if self.namespace is not None and s.namespace != self.namespace:
            return False
        if self.labels is not None and not self.labels.matches(s.labels):
            return False
        return self.fields is None or self.fields.matches(s.fields)


@dataclass(slots=True)
class WatchQueueLimits:
    """The caps of every watcher's queue, and how many watchers were closed for passing one."""

    max_events: int = DEFAULT_WATCH_QUEUE
    max_bytes: int = DEFAULT_WATCH_QUEUE_BYTES
    closed_behind: int = 0


class Watcher:
    """A bounded queue of events for one watch request (`limits` caps it by count and bytes;
    past a cap the watcher is closed and its queue let go, and the client re-watches)."""

    def __init__(self, flt: WatchFilter, limits: WatchQueueLimits) -> None:
        self.filter = flt
        self.limits = limits
        self.queue: deque[tuple[str, Stored, int]] = deque()
        self.queued_bytes = 0
        self.wakeup = asyncio.Event()
        self.overflowed = False
        self.closed = False

    def offer(self, ev: WatchEvent) -> None:
        """Translate a store event for this watcher's filter and queue it."""
        if self.closed:
            return
        seen = self.translate(ev)
        if seen is not None:
            self._put(*seen)

    def translate(self, ev: WatchEvent) -> tuple[str, Stored, int] | None:
        """The event as this watcher's filter sees it (None: not for this watcher)."""
        now_match = self.filter.matches(ev.obj)
        if ev.type == DELETED:
            return (DELETED, ev.obj, ev.rv) if now_match else None
        was_match = ev.prev is not None and self.filter.matches(ev.prev)
        if now_match:
            return (MODIFIED if was_match else ADDED, ev.obj, ev.rv)
        if was_match and ev.prev is not None:
            # Leaving the selector: upstream sends the previous state with the new RV.
            return (DELETED, ev.prev, ev.rv)
        return None

    def _put(self, typ: str, s: Stored, rv: int) -> None:
        size = len(s.raw)
        limits = self.limits
        if len(self.queue) >= limits.max_events or self.queued_bytes + size > limits.max_bytes:
            self.overflowed = True
            self.closed = True
            limits.closed_behind += 1
            # The stream ends without them: the client resumes from the last event it read.
            self.queue.clear()
            self.queued_bytes = 0
        else:
            self.queue.append((typ, s, rv))
            self.queued_bytes += size
        self.wakeup.set()

    def take(self) -> tuple[str, Stored, int]:
        """The oldest queued event (the queue must not be empty)."""
        item = self.queue.popleft()
        self.queued_bytes -= len(item[1].raw)
        return item

    def close(self) -> None:
        self.closed = True
        self.wakeup.set()


def _event_bytes(ev: WatchEvent) -> int:
    return len(ev.obj.raw) + EVENT_OVERHEAD


class HistoryBudget:
    """What all resources' histories share: the byte cap, the time floor, and every recorded
    event in write order (RVs are global), so the globally oldest is found in O(1).

    `order` entries of events a resource already let go (count or age cap, forget) are skipped
    when they reach the front, and the deque is rebuilt once they outnumber the live events, so
    it stays within about twice the histories' length. `evicted` counts events evicted for
    bytes, `evicted_for_count` and `evicted_for_age` the per-resource caps' evictions."""

    def __init__(
        self,
        cap: int,
        min_seconds: float = DEFAULT_HISTORY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cap = cap
        self.min_seconds = min_seconds
        self.clock = clock  # when events were recorded: their age decides eviction
        self.bytes = 0
        self.events = 0
        self.evicted = 0
        self.evicted_for_count = 0
        self.evicted_for_age = 0
        # Off while the world is built: those writes never enter any history (Simulator.start).
        self.recording = True
        self.order: deque[tuple[int, ResourceStore]] = deque()

    def append(self, rv: int, rs: ResourceStore) -> None:
        self.order.append((rv, rs))
        if len(self.order) > 2 * self.events + 1_024:
            self.order = deque(e for e in self.order if _live(*e))

    def enforce(self) -> None:
        """Drop the globally oldest events until the histories fit the cap."""
        order = self.order
        while self.bytes > self.cap and order:
            rv, rs = order.popleft()
            if _live(rv, rs):
                rs.drop_oldest()
                self.evicted += 1


def _live(rv: int, rs: ResourceStore) -> bool:
    # Histories lose events from their front only, so an event is still held iff it is not
    # older than its resource's oldest.
    return bool(rs.history) and rv >= rs.history[0].rv


class TooOldError(Exception):
    def __init__(self, oldest: int) -> None:
        super().__init__(f"oldest servable resourceVersion is {oldest}")
        self.oldest = oldest


@dataclass
class ResourceStore:
    """Objects and history of one storage resource (e.g. ("apps", "deployments"))."""

    history_size: int
    start_rv: int
    objects: SortedDict = field(default_factory=SortedDict)  # key -> Stored
    history: deque[WatchEvent] = field(default_factory=deque)
    watchers: set[Watcher] = field(default_factory=set)
    last_write_rv: int = 0
    dropped_watchers: int = 0
    compacted_rv: int = 0
    budget: HistoryBudget | None = None  # the store-wide byte cap this history counts against
    history_bytes: int = 0

    def __post_init__(self) -> None:
        # Everything at or before start_rv is "before history": watching from earlier is 410.
        self.oldest_rv = self.start_rv

    def drop_oldest(self) -> None:
        ev = self.history.popleft()
        self.oldest_rv = ev.rv
        self._count(-_event_bytes(ev), -1)

    def _count(self, size: int, events: int) -> None:
        self.history_bytes += size
        if self.budget is not None:
            self.budget.bytes += size
            self.budget.events += events

    def span_seconds(self, now: float) -> float:
        """Age of the oldest event held (0 with no history)."""
        return now - self.history[0].at if self.history else 0.0

    def record(self, ev: WatchEvent) -> None:
        self.last_write_rv = ev.rv
        budget = self.budget
        if budget is None or budget.recording:
            self._remember(ev, budget)
        for w in list(self.watchers):
            w.offer(ev)
            if w.overflowed:
                self.dropped_watchers += 1
                self.watchers.discard(w)

    def _remember(self, ev: WatchEvent, budget: HistoryBudget | None) -> None:
        ev.at = now = budget.clock() if budget is not None else time.monotonic()
        history = self.history
        history.append(ev)
        self._count(_event_bytes(ev), 1)
        self._trim_to_size()
        if budget is None:
            return
        budget.append(ev.rv, self)
        edge = now - budget.min_seconds
        while len(history) > HISTORY_FLOOR_EVENTS and history[0].at < edge:
            self.drop_oldest()
            budget.evicted_for_age += 1
        if budget.bytes > budget.cap:
            budget.enforce()

    def _trim_to_size(self) -> None:
        while len(self.history) > self.history_size:
            self.drop_oldest()
            if self.budget is not None:
                self.budget.evicted_for_count += 1

    def shrink_history(self, size: int) -> None:
        self.history_size = max(0, size)
        self._trim_to_size()

    def forget_history(self, at_rv: int) -> None:
        """Drop all history: any watch or snapshot older than `at_rv` becomes 410."""
        self._count(-self.history_bytes, -len(self.history))
        self.history.clear()
        self.oldest_rv = at_rv

    def compact(self, at_rv: int) -> None:
        """etcd compaction as the watch cache sees it: lists at an exact revision and continue
        tokens older than `at_rv` become 410, while watches keep replaying from the cache."""
        self.compacted_rv = max(self.compacted_rv, at_rv)

    @property
    def list_floor(self) -> int:
        """Oldest revision an exact list or a continue token can still be served at."""
        return max(self.oldest_rv, self.compacted_rv)

    def events_after(self, rv: int) -> Iterator[WatchEvent]:
        if rv < self.oldest_rv:
            raise TooOldError(self.oldest_rv)
        # History is short relative to object counts; scan from the right end.
        start = len(self.history)
        while start > 0 and self.history[start - 1].rv > rv:
            start -= 1
        for i in range(start, len(self.history)):
            yield self.history[i]

    def changed_since(self, rv: int) -> dict[str, Stored | None]:
        """State at `rv` of every key written after it (None = did not exist then)."""
        past: dict[str, Stored | None] = {}
        for ev in self.events_after(rv):
            if ev.key not in past:
                past[ev.key] = ev.prev
        return past

    def snapshot_items(
        self, rv: int | None, start_key: str = "", prefix: str = ""
    ) -> Iterator[tuple[str, Stored]]:
        """Objects in key order as they were at `rv` (None: now), from `start_key` on."""
        past = {} if rv is None else self.changed_since(rv)
        lo = max(start_key, prefix)
        cur: Iterator[str] = self.objects.irange(minimum=lo) if lo else iter(self.objects)
        extra = sorted(k for k, v in past.items() if v is not None and k >= lo)
        ei = 0
        for k in cur:
            if prefix and not k.startswith(prefix):
                break
            while ei < len(extra) and extra[ei] < k:
                ek = extra[ei]
                ei += 1
                if ek not in self.objects and (not prefix or ek.startswith(prefix)):
                    yield ek, past[ek]  # type: ignore[misc]
            if k in past:
                old = past[k]
                if old is not None:
                    yield k, old
            else:
                yield k, self.objects[k]
        while ei < len(extra):
            ek = extra[ei]
            ei += 1
            if ek not in self.objects and (not prefix or ek.startswith(prefix)):
                yield ek, past[ek]  # type: ignore[misc]


def object_key(namespace: str, name: str) -> str:
    # "/" sorts before any DNS character, so a namespace's keys form one contiguous range.
    return f"{namespace}/{name}" if namespace else name


def encode_object(obj: Mapping[str, Any]) -> bytes:
    return orjson.dumps(obj)


FieldsFn = Callable[[Mapping[str, Any]], Mapping[str, str]]


class ObjectStore:
    """All resources of one simulated cluster, sharing one monotonically increasing RV."""

    def __init__(
        self,
        start_rv: int | None = None,
        history_size: int = DEFAULT_HISTORY_SIZE,
        watch_queue: int = DEFAULT_WATCH_QUEUE,
        history_bytes: int = DEFAULT_HISTORY_BYTES,
        watch_queue_bytes: int = DEFAULT_WATCH_QUEUE_BYTES,
        history_seconds: float = DEFAULT_HISTORY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # Seeded from the clock so a restarted simulator never goes "back in time" for clients.
        self.rv = start_rv if start_rv is not None else int(time.time() * 10_000)
        # Every write applied (creates, updates, deletes: what watchers see), whoever made it;
        # unlike the revision, a fault's `jump_rv` does not move it.
        self.writes = 0
        self.history_size = history_size
        self.watch_limits = WatchQueueLimits(watch_queue, watch_queue_bytes)
        self.resources: dict[tuple[str, str], ResourceStore] = {}
        self.history_budget = HistoryBudget(history_bytes, history_seconds, clock)
        self.rv_waiters: list[tuple[int, asyncio.Future[None]]] = []
        # Called synchronously after every write (simulated controllers enqueue work here;
        # they must not write from inside the callback).
        self.observers: list[Callable[[tuple[str, str], WatchEvent], None]] = []
        # Fault injection ("stall"): watch streams opened while set send nothing until resumed.
        self.stall_new_watches = False

    def resource(self, key: tuple[str, str]) -> ResourceStore:
        rs = self.resources.get(key)
        if rs is None:
            rs = ResourceStore(
                history_size=self.history_size, start_rv=self.rv, budget=self.history_budget
            )
            self.resources[key] = rs
        return rs

    def pause_history(self) -> None:
        """Stop recording history (bulk loading before serving): writes build no events
        while nothing watches or observes the store."""
        self.history_budget.recording = False

    def open_history(self) -> None:
        """Start recording at the current revision: a watch, exact list or continue token from
        an older one is 410, as after an apiserver restart (its watch cache starts empty)."""
        self.history_budget.recording = True
        for rs in self.resources.values():
            rs.forget_history(self.rv)

    def _builds_events(self, rs: ResourceStore) -> bool:
        return self.history_budget.recording or bool(rs.watchers) or bool(self.observers)

    def drop_resource(self, key: tuple[str, str]) -> None:
        rs = self.resources.pop(key, None)
        if rs is not None:
            rs.forget_history(self.rv)
            for w in rs.watchers:
                w.close()

    def _next_rv(self) -> int:
        self.writes += 1
        self.rv += 1
        return self.rv

    def _stamp(self, obj: dict[str, Any], rv: int, fields_fn: FieldsFn) -> Stored:
        meta = obj["metadata"]
        meta["resourceVersion"] = str(rv)
        return Stored(
            raw=encode_object(obj),
            rv=rv,
            uid=meta.get("uid", ""),
            namespace=meta.get("namespace", ""),
            name=meta["name"],
            labels=dict(meta.get("labels") or {}),
            fields=fields_fn(obj),
        )

    def put(
        self, key: tuple[str, str], obj: dict[str, Any], fields_fn: FieldsFn
    ) -> tuple[Stored, Stored | None]:
        """Create or replace an object (stamping a new RV); returns (new, previous)."""
        rs = self.resource(key)
        meta = obj["metadata"]
        k = object_key(meta.get("namespace", ""), meta["name"])
        prev: Stored | None = rs.objects.get(k)
        rv = self._next_rv()
        s = self._stamp(obj, rv, fields_fn)
        rs.objects[k] = s
        if not self._builds_events(rs):
            rs.last_write_rv = rv
            return s, prev
        ev = WatchEvent(MODIFIED if prev is not None else ADDED, rv, k, s, prev)
        rs.record(ev)
        self._wake_rv_waiters()
        self._notify(key, ev)
        return s, prev

    def remove(self, key: tuple[str, str], namespace: str, name: str) -> Stored | None:
        """Delete an object; its final state carries the delete's RV (as watchers see it)."""
        rs = self.resource(key)
        k = object_key(namespace, name)
        prev: Stored | None = rs.objects.pop(k, None)
        if prev is None:
            return None
        rv = self._next_rv()
        obj = prev.decode()
        obj["metadata"]["resourceVersion"] = str(rv)
        final = Stored(
            raw=encode_object(obj),
            rv=rv,
            uid=prev.uid,
            namespace=prev.namespace,
            name=prev.name,
            labels=prev.labels,
            fields=prev.fields,
        )
        if not self._builds_events(rs):
            rs.last_write_rv = rv
            return final
        ev = WatchEvent(DELETED, rv, k, final, prev)
        rs.record(ev)
        self._wake_rv_waiters()
        self._notify(key, ev)
        return final

    def get(self, key: tuple[str, str], namespace: str, name: str) -> Stored | None:
        rs = self.resources.get(key)
        if rs is None:
            return None
        s: Stored | None = rs.objects.get(object_key(namespace, name))
        return s

    def iter_objects(self, key: tuple[str, str], namespace: str | None = None) -> Iterator[Stored]:
        rs = self.resources.get(key)
        if rs is None:
            return
        if namespace is None:
            yield from rs.objects.values()
            return
        prefix = namespace + "/"
        for k in rs.objects.irange(minimum=prefix):
            if not k.startswith(prefix):
                break
            yield rs.objects[k]

    def count(self, key: tuple[str, str]) -> int:
        rs = self.resources.get(key)
        return 0 if rs is None else len(rs.objects)

    def last_write_rv(self, key: tuple[str, str]) -> int:
        rs = self.resources.get(key)
        return 0 if rs is None else rs.last_write_rv

    async def wait_for_rv(self, rv: int, timeout: float) -> bool:
        """Wait until the store has reached `rv`; False on timeout."""
        if self.rv >= rv:
            return True
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.rv_waiters.append((rv, fut))
        try:
            await asyncio.wait_for(fut, timeout)
            return True
        except TimeoutError:
            return False
        finally:
            self.rv_waiters = [(r, f) for r, f in self.rv_waiters if f is not fut]

    def _notify(self, key: tuple[str, str], ev: WatchEvent) -> None:
        for fn in self.observers:
            fn(key, ev)

    def _wake_rv_waiters(self) -> None:
        if not self.rv_waiters:
            return
        for r, f in self.rv_waiters:
            if r <= self.rv and not f.done():
                f.set_result(None)

    def jump_rv(self, delta: int) -> None:
        """Advance the RV counter (simulates a restore from backup with a higher revision)."""
        self.rv += delta

    def expire_before(self, rv: int) -> None:
        """Lose every resource's history (a restore or restart without the watch cache):
        watches, exact lists and continue tokens older than `rv` become 410."""
        for rs in self.resources.values():
            rs.forget_history(rv)
            rs.compact(rv)
