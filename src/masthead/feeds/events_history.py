"""`EventsHistory`: every Event a cluster's event source sees, kept in SQLite past the API
server's 1 h TTL (architecture §2.4 events, protocol §4 events stream).

Intake. `HistorySink(history, cluster, inner)` is a `kube.sink.Sink` to put in front of (or
instead of) a cluster's event sink: `replace` and `upsert` record every object, `delete` records
nothing (an expired event stays in the history) and everything is forwarded to `inner`. It
accepts the objects either form of event source delivers:
- dicts from `kube.codec.DictCodec` — core/v1 `Event`, or events.k8s.io/v1 `Event` (recognised
  by its `apiVersion`), converted through the events projection so "last seen" and "count"
  follow kubernetes-api.md §7 exactly as the events view computes them;
- `EventRow`s from `store.projection` (a `ProjectionCodec` event source).
`EventsHistory.record(cluster, obj)` is the same without a sink.

Dedup. One row per (cluster, uid, count): count is `series.count`, then `count`, then 1. A
relist re-delivering every event, or an update that did not bump the count, adds nothing. A
bounded in-memory map (uid → last count recorded) skips those before they reach the writer;
the unique index catches the rest (after a restart the map is empty).

Ids. SQLite AUTOINCREMENT: monotonic, never reused, surviving restarts — the SSE `id`. An
entry is published to live subscribers only after its transaction committed, so a follower
that resumes from the database after `Last-Event-ID` can never miss what it was shown.

Bounds. Retention (default 7 days, on the time masthead recorded the row) and a row cap per
cluster (oldest-first deletion), applied by a periodic prune and as soon as a cluster passes
its cap by `prune_slack`. Subscribers have bounded queues: at the cap new entries are dropped
and counted, and the subscriber re-reads them from the database once it drained its queue, so
a slow SSE client loses nothing that retention still holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

import msgspec

from masthead.kube.sink import Sink
from masthead.persist.db import Database
from masthead.store.projection.base import Interner
from masthead.store.projection.events import (
    EventIn,
    EventRow,
    EventV1In,
    build_event,
    build_event_v1,
)
from masthead.tasks import cancel_and_wait

log = logging.getLogger(__name__)

_COLUMNS = (
    "id",
    "cluster",
    "uid",
    "count",
    "namespace",
    "name",
    "type",
    "reason",
    "message",
    "object_kind",
    "object_name",
    "object_uid",
    "object_field",
    "source",
    "first_seen",
    "last_seen",
    "recorded",
)
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM events"
_INSERT = (
    f"INSERT OR IGNORE INTO events ({', '.join(_COLUMNS[1:])}) "
    f"VALUES ({', '.join('?' * (len(_COLUMNS) - 1))}) RETURNING id"
)
DAY = 86400.0
# Events per writer job: the unit the database queue drops at its cap (oldest first).
_JOB_ROWS = 500


@dataclass(frozen=True, slots=True)
class HistoryTuning:
    # Architecture §2.4: default 7 days of history.
    retention: float = 7 * DAY
    # Rows per cluster. Upstream's scalability threshold is 1M live events per cluster; a
    # history of that many rows is ~300 MB of SQLite and still answers in milliseconds.
    max_rows: int = 1_000_000
    # A cluster may exceed its cap by this fraction before an early prune (no per-insert delete).
    prune_slack: float = 0.01
    prune_interval: float = 60.0
    # (cluster, uid) -> last count recorded, to skip unchanged re-deliveries without a write.
    dedup_cache: int = 200_000
    # Entries a live subscriber may have pending; past it they are re-read from the database.
    subscriber_queue: int = 1_000
    # Rows per database read while a subscriber catches up.
    replay_page: int = 500


@dataclass(frozen=True, slots=True)
class EventEntry:
    id: int
    cluster: str
    uid: str
    count: int
    namespace: str
    name: str
    type: str
    reason: str
    message: str
    object_kind: str
    object_name: str
    object_uid: str
    object_field: str
    source: str
    first_seen: float | None
    last_seen: float | None
    recorded: float

    def as_dict(self) -> dict[str, Any]:
        """The SSE `data` of an `event` (field names as in the events view)."""
        return {name: getattr(self, name) for name in _COLUMNS}


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Which entries a query or subscription wants: one cluster, optionally narrowed."""

    cluster: str
    namespace: str | None = None
    involved_uid: str | None = None
    type: str | None = None  # "Warning" for warnings only
    # Only these namespaces (in-cluster mode: where the user may read events now); None: all.
    readable: frozenset[str] | None = None

    def matches(self, e: EventEntry) -> bool:
        return (
            e.cluster == self.cluster
            and (self.namespace is None or e.namespace == self.namespace)
            and (self.readable is None or e.namespace in self.readable)
            and (self.involved_uid is None or e.object_uid == self.involved_uid)
            and (self.type is None or e.type == self.type)
        )


@dataclass(slots=True)
class HistoryStats:
    seen: int = 0  # objects offered
    unchanged: int = 0  # skipped by the in-memory dedup (same uid and count)
    duplicates: int = 0  # ignored by the database's unique index
    recorded: int = 0  # rows inserted
    pruned_retention: int = 0
    pruned_cap: int = 0
    undecodable: int = 0
    subscriber_drops: int = 0  # live entries dropped at subscriber caps (re-read from the db)
    forgotten: int = 0  # dedup entries dropped when the API server deleted their event
    dedup_evicted: int = 0  # dedup entries dropped at the cache's cap (oldest first)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


_Row = tuple[str, str, int, str, str, str, str, str, str, str, str, str, str, Any, Any, float]


class EventsHistory:
    def __init__(
        self,
        db: Database,
        tuning: HistoryTuning | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.tuning = tuning or HistoryTuning()
        self.stats = HistoryStats()
        self._wall = wall
        self._last_count: OrderedDict[tuple[str, str], int] = OrderedDict()
        self._rows: dict[str, int] = {}  # rows per cluster (approximate between prunes)
        self.last_id = 0  # the newest id published to subscribers (where live ones start)
        self._subscribers: set[EventSubscription] = set()
        self._interner = Interner(max_entries=20_000)
        self._pending: list[_Row] = []  # recorded this loop turn, not yet handed to the writer
        self._task: asyncio.Task[None] | None = None
        self._prune_soon = asyncio.Event()

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        self._rows = dict(
            await self.db.read(
                lambda c: c.execute(
                    "SELECT cluster, COUNT(*) FROM events GROUP BY cluster"
                ).fetchall()
            )
        )
        newest = await self.db.read(lambda c: c.execute("SELECT MAX(id) FROM events").fetchone())
        self.last_id = int(newest[0] or 0)
        self._task = asyncio.create_task(self._prune_loop(), name="events history prune")

    async def close(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None
        for sub in list(self._subscribers):
            sub.close()
        await self.flush()

    # ------------------------------------------------------------------ intake
    def sink(self, cluster: str, inner: Sink[Any] | None = None) -> HistorySink:
        return HistorySink(self, cluster, inner)

    def record(self, cluster: str, obj: dict[str, Any] | EventRow) -> bool:
        """Persist one event (dict or EventRow); False when it was skipped as unchanged."""
        self.stats.seen += 1
        row = self._row(obj)
        if row is None:
            self.stats.undecodable += 1
            return False
        key = (cluster, row.uid)
        count = row.count
        if self._last_count.get(key) == count:
            self.stats.unchanged += 1
            self._last_count.move_to_end(key)
            return False
        self._last_count[key] = count
        self._last_count.move_to_end(key)
        if len(self._last_count) > self.tuning.dedup_cache:
            self._last_count.popitem(last=False)
            self.stats.dedup_evicted += 1
        values: _Row = (
            cluster,
            row.uid,
            count,
            row.namespace,
            row.name,
            row.type,
            row.reason,
            row.message,
            row.object_kind,
            row.object_name,
            row.object_uid,
            row.object_field,
            row.source,
            row.first_seen,
            row.last_seen,
            self._wall(),
        )
        self._pending.append(values)
        if len(self._pending) >= _JOB_ROWS:
            self._submit_pending()
        elif len(self._pending) == 1:
            asyncio.get_running_loop().call_soon(self._submit_pending)
        return True

    def forget(self, cluster: str, obj: dict[str, Any] | EventRow) -> None:
        """An event the API server deleted (its TTL) is never delivered again: its dedup
        entry would only wait for the LRU, and under churn that is every event ever seen
        (~250 bytes each, 50 MB at the cap). The row stays in the history."""
        uid = obj.uid if isinstance(obj, EventRow) else _uid_of(obj)
        if uid is not None and self._last_count.pop((cluster, uid), None) is not None:
            self.stats.forgotten += 1

    def _submit_pending(self) -> None:
        """One writer job per loop turn (or per `_JOB_ROWS` events): a relist of 10k events
        costs 20 jobs, not 10k lock round trips with the writer thread."""
        if not self._pending:
            return
        rows, self._pending = self._pending, []
        self.db.submit(lambda c: [_insert(c, v) for v in rows], self._published_all)

    async def flush(self) -> None:
        """Wait until everything recorded so far is committed (and published)."""
        self._submit_pending()
        await self.db.flush()

    def _published_all(self, entries: list[EventEntry | None]) -> None:
        for entry in entries:
            self._published(entry)

    def _row(self, obj: dict[str, Any] | EventRow) -> EventRow | None:
        if isinstance(obj, EventRow):
            return obj
        try:
            if str(obj.get("apiVersion", "")).startswith("events.k8s.io/"):
                return build_event_v1(msgspec.convert(obj, EventV1In), self._interner)
            return build_event(msgspec.convert(obj, EventIn), self._interner)
        except (msgspec.ValidationError, TypeError, AttributeError) as e:
            log.debug("undecodable event: %s", e)
            return None

    def _published(self, entry: EventEntry | None) -> None:
        if entry is None:
            self.stats.duplicates += 1
            return
        self.stats.recorded += 1
        self.last_id = max(self.last_id, entry.id)
        rows = self._rows.get(entry.cluster, 0) + 1
        self._rows[entry.cluster] = rows
        if rows > self.tuning.max_rows * (1 + self.tuning.prune_slack):
            self._prune_soon.set()
        for sub in list(self._subscribers):
            sub._offer(entry)

    # ------------------------------------------------------------------ queries
    async def query(
        self,
        flt: EventFilter,
        *,
        after_id: int | None = None,
        before_id: int | None = None,
        since_time: float | None = None,
        until_time: float | None = None,
        limit: int = 100,
        newest_first: bool = True,
    ) -> list[EventEntry]:
        """Entries matching `flt`, by id (newest first by default). `after_id` / `before_id`
        are exclusive id bounds (paging, SSE resume); `since_time` / `until_time` bound the
        event's last-seen time."""
        where = ["cluster = ?"]
        args: list[Any] = [flt.cluster]
        for column, value in (
            ("namespace", flt.namespace),
            ("object_uid", flt.involved_uid),
            ("type", flt.type),
        ):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        if flt.readable is not None:
            where.append(f"namespace IN ({', '.join('?' * len(flt.readable)) or 'NULL'})")
            args.extend(sorted(flt.readable))
        if after_id is not None:
            where.append("id > ?")
            args.append(after_id)
        if before_id is not None:
            where.append("id < ?")
            args.append(before_id)
        if since_time is not None:
            where.append("last_seen >= ?")
            args.append(since_time)
        if until_time is not None:
            where.append("last_seen <= ?")
            args.append(until_time)
        order = "DESC" if newest_first else "ASC"
        sql = f"{_SELECT} WHERE {' AND '.join(where)} ORDER BY id {order} LIMIT ?"
        args.append(max(0, limit))
        rows = await self.db.read(lambda c: c.execute(sql, args).fetchall())
        return [EventEntry(*r) for r in rows]

    async def latest_id(self, cluster: str) -> int:
        """The newest id recorded for `cluster` (0 when none): where a live follower starts."""
        await self.flush()
        found = await self.db.read(
            lambda c: c.execute(
                "SELECT MAX(id) FROM events WHERE cluster = ?", (cluster,)
            ).fetchone()
        )
        return int(found[0] or 0)

    def rows(self, cluster: str) -> int:
        return self._rows.get(cluster, 0)

    # ------------------------------------------------------------------ followers
    def subscribe(
        self,
        flt: EventFilter,
        last_id: int | None = None,
        since_time: float | None = None,
    ) -> EventSubscription:
        """New entries matching `flt` as they are recorded. With `last_id` (the SSE
        `Last-Event-ID`) the follower first replays every entry after it from the database;
        with `since_time` it replays entries last seen at or after that time; with neither it
        starts live. Registered at once: nothing recorded after this call is missed."""
        sub = EventSubscription(self, flt, last_id, since_time)
        self._subscribers.add(sub)
        return sub

    # ------------------------------------------------------------------ bounds
    async def prune(self) -> tuple[int, int]:
        """Apply retention and the row caps now; returns (deleted by retention, by cap)."""
        self._submit_pending()  # what was recorded before this call is subject to it
        cutoff = self._wall() - self.tuning.retention
        cap = self.tuning.max_rows
        result = await self.db.call(lambda c: _prune(c, cutoff, cap))
        by_age, by_cap, counts = result
        self._rows = counts
        self.stats.pruned_retention += by_age
        self.stats.pruned_cap += by_cap
        return by_age, by_cap

    async def _prune_loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.tuning.prune_interval):
                    await self._prune_soon.wait()
            self._prune_soon.clear()
            try:
                await self.prune()
            except Exception:
                log.exception("events history prune failed")

    def as_dict(self) -> dict[str, object]:
        return {
            **self.stats.as_dict(),
            "rows": dict(self._rows),
            "subscribers": len(self._subscribers),
            "dedup_cache": len(self._last_count),
        }


def _uid_of(obj: dict[str, Any]) -> str | None:
    meta = obj.get("metadata")
    uid = meta.get("uid") if isinstance(meta, dict) else None
    return uid if isinstance(uid, str) else None


def _insert(conn: sqlite3.Connection, values: _Row) -> EventEntry | None:
    found = conn.execute(_INSERT, values).fetchone()
    return None if found is None else EventEntry(found[0], *values)


def _prune(conn: sqlite3.Connection, cutoff: float, cap: int) -> tuple[int, int, dict[str, int]]:
    by_age = conn.execute("DELETE FROM events WHERE recorded < ?", (cutoff,)).rowcount
    by_cap = 0
    counts = dict(conn.execute("SELECT cluster, COUNT(*) FROM events GROUP BY cluster"))
    for cluster, n in counts.items():
        if n <= cap:
            continue
        edge = conn.execute(
            "SELECT id FROM events WHERE cluster = ? ORDER BY id DESC LIMIT 1 OFFSET ?",
            (cluster, cap),
        ).fetchone()
        if edge is not None:
            by_cap += conn.execute(
                "DELETE FROM events WHERE cluster = ? AND id <= ?", (cluster, edge[0])
            ).rowcount
            counts[cluster] = cap
    return by_age, by_cap, counts


class EventSubscription:
    """An async iterator of `EventEntry` for one follower (one SSE connection)."""

    def __init__(
        self,
        history: EventsHistory,
        flt: EventFilter,
        last_id: int | None,
        since_time: float | None,
    ) -> None:
        self.history = history
        self.filter = flt
        # The id of the last entry delivered (or resumed from); a live follower starts after
        # the newest published entry, so a later catch-up never replays older history.
        self.cursor = last_id
        if last_id is None and since_time is None:
            self.cursor = history.last_id
        self._since = since_time
        self._queue: deque[EventEntry] = deque()
        self._replay: deque[EventEntry] = deque()
        self._catching_up = last_id is not None or since_time is not None
        self._gap = False
        self._wake = asyncio.Event()
        self._closed = False
        self.dropped = 0  # live entries dropped at the cap (then re-read from the database)
        self.delivered = 0

    def _offer(self, entry: EventEntry) -> None:
        if not self.filter.matches(entry):
            return
        if len(self._queue) >= self.history.tuning.subscriber_queue:
            self.dropped += 1
            self.history.stats.subscriber_drops += 1
            self._gap = True
        else:
            self._queue.append(entry)
        self._wake.set()

    def __aiter__(self) -> EventSubscription:
        return self

    async def __anext__(self) -> EventEntry:
        while not self._closed:
            if self._replay:
                return self._deliver(self._replay.popleft())
            if self._gap:
                self._gap = False
                self._queue.clear()  # all of it is in the database: re-read from the cursor
                self._catching_up = True
            if self._catching_up:
                await self._read_page()
                continue
            while self._queue:
                entry = self._queue.popleft()
                if self.cursor is None or entry.id > self.cursor:
                    return self._deliver(entry)
            self._wake.clear()
            await self._wake.wait()
        raise StopAsyncIteration

    async def _read_page(self) -> None:
        page = self.history.tuning.replay_page
        await self.history.flush()
        rows = await self.history.query(
            self.filter,
            after_id=self.cursor,
            since_time=self._since if self.cursor is None else None,
            limit=page,
            newest_first=False,
        )
        self._replay.extend(rows)
        if len(rows) < page:
            self._catching_up = False

    def _deliver(self, entry: EventEntry) -> EventEntry:
        self.cursor = entry.id
        self.delivered += 1
        return entry

    async def next(self, timeout: float | None = None) -> EventEntry | None:
        """The next entry, or None after `timeout` seconds without one (SSE keepalives)."""
        try:
            async with asyncio.timeout(timeout):
                return await self.__anext__()
        except (TimeoutError, StopAsyncIteration):
            return None

    def close(self) -> None:
        self._closed = True
        self.history._subscribers.discard(self)
        self._wake.set()

    async def __aenter__(self) -> EventSubscription:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()


class HistorySink:
    """A `Sink` that records every event it is given, then forwards to `inner` (if any)."""

    def __init__(self, history: EventsHistory, cluster: str, inner: Sink[Any] | None) -> None:
        self.history = history
        self.cluster = cluster
        self.inner = inner

    def replace(self, objects: Iterable[Any], resource_version: str) -> None:
        items = list(objects)
        for obj in items:
            self.history.record(self.cluster, obj)
        if self.inner is not None:
            self.inner.replace(items, resource_version)

    def upsert(self, obj: Any) -> None:
        self.history.record(self.cluster, obj)
        if self.inner is not None:
            self.inner.upsert(obj)

    def delete(self, obj: Any) -> None:
        self.history.forget(self.cluster, obj)
        if self.inner is not None:
            self.inner.delete(obj)
