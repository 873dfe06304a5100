"""`WarmStart`: a relaunch shows the last-known rows at once, marked stale, while the
reflectors reconcile (architecture §2.7).

Restore: when a cluster connects, its snapshots taken by the same identity (a digest of the
context's server and user credentials: another user's rows are never restored) are read, and
each is decoded and indexed into a `Table` in a worker thread, concurrently with the first
connection attempt. `ClusterTables.sink` hands such a table to the source that starts for its
(resource, scope) — only a scope the access plan allows now starts — with a `Restored` note: the
session marks the source `stale` since the snapshot time and resumes its watch from the
snapshot's resourceVersion. If the API server still has that version the watch replays what
changed since (no LIST at all); if not (410), the reflector lists and the table's replace
applies the difference, deletions included, so no restored row survives as a ghost.

Save: every `interval` (and at a clean shutdown) each live source whose table changed since its
last snapshot is captured on the loop (a list of its immutable rows and the reflector's
resourceVersion — consistent, as both move together in one synchronous step), encoded in a
worker thread and written by the database's writer thread. Only declared projections are
snapshotted (a custom resource's row layout depends on its CRD).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from masthead.cluster import ClusterSession, Restored, Source
from masthead.kube.freshness import SourceState
from masthead.kube.kubeconfig import ClusterEntry
from masthead.snapshots.codec import (
    FORMAT,
    Deduper,
    SnapshotCorrupt,
    decode_rows,
    encode_rows,
    row_schema,
)
from masthead.snapshots.store import SnapshotKey, SnapshotRecord, SnapshotStore
from masthead.store.projection import PROJECTIONS, Interner, Projection
from masthead.store.table import Table
from masthead.views.joins import source_name
from masthead.views.sources import ClusterTables, ObservedTableSink, RestoredTable

log = logging.getLogger(__name__)


def identity_of(entry: ClusterEntry) -> str:
    """Who the context's rows were visible to: its server and user credentials, digested."""
    users = entry.config.get("users") if isinstance(entry.config, dict) else None
    text = json.dumps(
        {"server": entry.server, "cluster": entry.cluster, "users": users},
        sort_keys=True,
        default=str,
    )
    return hashlib.blake2b(text.encode(), digest_size=16, person=b"masthead-ident").hexdigest()


@dataclass(frozen=True, slots=True)
class _Capture:
    key: SnapshotKey
    marker: tuple[int, int]  # (sink serial, table version): unchanged tables are not rewritten
    rows: list[Any]
    resource_version: str
    taken: float


class WarmStart:
    def __init__(self, store: SnapshotStore, wall: Callable[[], float] = time.time) -> None:
        self.store = store
        self.stats = store.stats
        self._wall = wall
        self._saved: dict[SnapshotKey, tuple[int, int]] = {}
        self._task: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ restore
    async def prepare(self, entry: ClusterEntry, tables: ClusterTables) -> list[str]:
        """Load `entry`'s snapshots into `tables.restorable`; the resources to open (so they
        reconcile now, not when a page asks). Never raises: a failure is a cold start."""
        identity = identity_of(entry)
        tables.restorable.clear()
        try:
            async with asyncio.timeout(self.store.tuning.load_timeout):
                records = await self.store.load(entry.id, identity)
                names: list[str] = []
                for record in records:
                    restored = await self._restore(record, tables.interner)
                    if restored is None:
                        continue
                    k = record.key
                    tables.restorable[(k.group, k.resource, k.scope or None)] = restored
                    names.append(source_name((k.group, k.resource)))
                return list(dict.fromkeys(names))
        except Exception as e:  # the snapshots are a convenience: never fail a connect
            self.stats.failed += 1
            self.stats.last_error = f"restore {entry.id}: {type(e).__name__}: {e}"
            log.warning("cluster %s: snapshots not restored: %s", entry.id, e)
            tables.restorable.clear()
            return []

    async def _restore(self, record: SnapshotRecord, interner: Interner) -> RestoredTable | None:
        projection = PROJECTIONS.get((record.key.group, record.key.resource))
        if (
            projection is None
            or record.format != FORMAT
            or record.row_schema != row_schema(projection.row_type)
        ):
            self.stats.ignored_outdated += 1
            await self.store.forget(record.key)
            return None
        try:
            table = await asyncio.to_thread(_build_table, record.data, projection, interner)
        except SnapshotCorrupt as e:
            self.stats.ignored_corrupt += 1
            self.stats.last_error = f"{record.key.resource}: {e}"
            await self.store.forget(record.key)
            return None
        self.stats.restored += 1
        self.stats.restored_rows += len(table)
        note = Restored(record.resource_version, record.taken, len(table))
        return RestoredTable(table, note)

    # ------------------------------------------------------------------ save
    def start(self, sessions: Callable[[], list[ClusterSession]]) -> None:
        """Snapshot changed tables every `interval` until `stop()`."""
        self._task = asyncio.create_task(self._run(sessions), name="snapshots")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self, sessions: Callable[[], list[ClusterSession]]) -> None:
        while True:
            await asyncio.sleep(self.store.tuning.interval)
            try:
                await self.save(sessions())
            except Exception as e:  # the next interval tries again
                self.stats.failed += 1
                self.stats.last_error = f"save: {type(e).__name__}: {e}"
                log.exception("periodic snapshot failed")

    async def save(self, sessions: list[ClusterSession]) -> int:
        """Snapshot every live source whose table changed since its last snapshot; the number
        queued for writing."""
        captures = [
            c
            for session in sessions
            for src in session.sources()
            if (c := self._capture(session, src)) is not None
        ]
        queued = 0
        for c in captures:
            try:
                data = await asyncio.to_thread(encode_rows, c.rows)
            except Exception as e:
                self.stats.failed += 1
                self.stats.last_error = f"encode {c.key.resource}: {type(e).__name__}: {e}"
                log.exception("snapshot of %s failed", c.key.resource)
                continue
            projection = PROJECTIONS[(c.key.group, c.key.resource)]
            record = SnapshotRecord(
                c.key,
                FORMAT,
                row_schema(projection.row_type),
                c.resource_version,
                c.taken,
                len(c.rows),
                data,
            )
            if self.store.save(record):
                self._saved[c.key] = c.marker
                queued += 1
        return queued

    def _capture(self, session: ClusterSession, src: Source) -> _Capture | None:
        sink, reflector = src.sink, src.reflector
        rt = src.resource
        if (
            not isinstance(sink, ObservedTableSink)
            or reflector is None
            or not reflector.resource_version
            or src.freshness.current.state is not SourceState.LIVE
            or (rt.group, rt.resource) not in PROJECTIONS
        ):
            return None
        key = SnapshotKey(
            session.id, identity_of(session.entry), rt.group, rt.resource, src.namespace or ""
        )
        table = sink.table
        marker = (sink.serial, table.version)
        if self._saved.get(key) == marker:
            return None
        if len(table) > self.store.tuning.max_rows:  # not even copied
            self.stats.skipped_rows += 1
            return None
        rows = list(table.rows())
        return _Capture(key, marker, rows, reflector.resource_version, self._wall())

    def as_dict(self) -> dict[str, object]:
        return self.stats.as_dict()


def _build_table(data: bytes, projection: Projection[Any, Any], interner: Interner) -> Table[Any]:
    """In a worker thread: decode, share equal values, index. The table is nobody else's yet."""
    dedupe = Deduper(projection.row_type, interner)
    rows = [dedupe.row(r) for chunk in decode_rows(data, projection.row_type) for r in chunk]
    table: Table[Any] = Table(projection.columns)
    table.replace(rows)
    return table
