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
worker thread and written by the database's writer thread. Every resource's rows are
snapshotted as they are projected: a custom resource's rows are the generic projection's, and
its snapshot's schema (kinds.py) names the kind, scope and version that rebuild that projection
on restore — and the browse view of a cluster whose discovery has not answered yet
(`snapshot_type`).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from masthead.cluster import ClusterSession, Restored, Source
from masthead.kube.discovery import ResourceType
from masthead.kube.freshness import SourceState
from masthead.kube.kubeconfig import ClusterEntry
from masthead.snapshots.codec import FORMAT, Deduper, SnapshotCorrupt, decode_rows, encode_rows
from masthead.snapshots.gone import gone_resources
from masthead.snapshots.kinds import parse_schema, projection_of, resource_type_of, schema_of
from masthead.snapshots.store import SnapshotKey, SnapshotRecord, SnapshotStore
from masthead.store.projection import Interner, Projection
from masthead.store.table import Table
from masthead.tasks import cancel_and_wait
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
    schema: str  # the row layout (and, for a custom resource, how to rebuild its projection)


class WarmStart:
    def __init__(self, store: SnapshotStore, wall: Callable[[], float] = time.time) -> None:
        self.store = store
        self.stats = store.stats
        self._wall = wall
        self._saved: dict[SnapshotKey, tuple[int, int]] = {}
        self._task: asyncio.Task[None] | None = None
        # Resources whose snapshots were dropped as gone, by (cluster, group, resource): not
        # deleted again on every status change; a new snapshot of one takes it off.
        self._gone: set[tuple[str, str, str]] = set()
        self._pruning: set[str] = set()  # clusters with a check scheduled
        self._prune_tasks: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------------ restore
    async def prepare(self, entry: ClusterEntry, tables: ClusterTables) -> list[str]:
        """Load `entry`'s snapshots into `tables.restorable`; the resources to open (so they
        reconcile now, not when a page asks). Never raises: a failure is a cold start."""
        try:
            return await self._prepare(entry, tables)
        finally:
            tables.restore_finished()  # a page waiting for the snapshots answers now

    async def _prepare(self, entry: ClusterEntry, tables: ClusterTables) -> list[str]:
        identity = identity_of(entry)
        tables.restorable.clear()
        try:
            async with asyncio.timeout(self.store.tuning.load_timeout):
                records = await self.store.load(entry.id, identity)
                names: list[str] = []
                # Published together at the end: a page served from snapshots while the cluster
                # is unreachable must not read a view's table before the tables it joins.
                ready: dict[tuple[str, str, str | None], RestoredTable] = {}
                for record in records:
                    restored = await self._restore(record, tables.interner)
                    if restored is None:
                        continue
                    k = record.key
                    ready[(k.group, k.resource, k.scope or None)] = restored
                    names.append(source_name((k.group, k.resource)))
                tables.restorable.update(ready)
                return list(dict.fromkeys(names))
        except Exception as e:  # the snapshots are a convenience: never fail a connect
            self.stats.failed += 1
            self.stats.last_error = f"restore {entry.id}: {type(e).__name__}: {e}"
            log.warning("cluster %s: snapshots not restored: %s", entry.id, e)
            tables.restorable.clear()
            return []

    async def has_snapshot(self, entry: ClusterEntry, group: str, resource: str) -> bool:
        """Whether `entry`'s identity has a snapshot of the resource (False when the database
        cannot say: a page then answers as it would without snapshots)."""
        try:
            return await self.store.has(entry.id, identity_of(entry), group, resource)
        except Exception as e:
            self.stats.failed += 1
            self.stats.last_error = f"look up {entry.id}: {type(e).__name__}: {e}"
            log.warning("cluster %s: snapshots not looked up: %s", entry.id, e)
            return False

    async def snapshot_type(
        self, entry: ClusterEntry, group: str, version: str, resource: str
    ) -> ResourceType | None:
        """The resource as discovery described it when `entry`'s identity snapshotted it at
        `version`: a browse view of a cluster not connected yet (no live discovery) is built
        from it. None without such a snapshot, or when the database cannot say."""
        try:
            schemas = await self.store.schemas(entry.id, identity_of(entry), group, resource)
        except Exception as e:
            self.stats.failed += 1
            self.stats.last_error = f"look up {entry.id}: {type(e).__name__}: {e}"
            log.warning("cluster %s: snapshots not looked up: %s", entry.id, e)
            return None
        for text in schemas:
            kind = parse_schema(text, group, resource)
            rt = None if kind is None else resource_type_of(group, resource, kind)
            if rt is not None and rt.version == version:
                return rt
        return None

    # ------------------------------------------------------------------ resources gone
    def follow(self, session: ClusterSession, tables: ClusterTables) -> None:
        """Drop the snapshots of resources `session` finds gone, checked after each of its
        status changes (a source answered 404, a pass with a new discovery)."""

        def changed(_: object) -> None:
            if session.id in self._pruning:  # one check pending per cluster is enough
                return
            self._pruning.add(session.id)
            task = asyncio.create_task(self._prune(session, tables), name=f"prune {session.id}")
            self._prune_tasks.add(task)
            task.add_done_callback(self._prune_tasks.discard)

        session.subscribe(changed)

    async def _prune(self, session: ClusterSession, tables: ClusterTables) -> None:
        self._pruning.discard(session.id)
        try:
            for key in sorted(await gone_resources(session, tables)):
                self._drop(session.id, key, tables)
        except Exception as e:  # the next status change looks again
            self.stats.failed += 1
            self.stats.last_error = f"drop gone {session.id}: {type(e).__name__}: {e}"
            log.warning(
                "cluster %s: dropping snapshots of resources gone failed: %s", session.id, e
            )

    def _drop(self, cluster: str, key: tuple[str, str], tables: ClusterTables) -> None:
        """Forget resource `key`'s restored tables and stored snapshots (once, until a new
        snapshot of it is written or restored)."""
        restored = tables.drop_restorable(key)
        if not restored and (cluster, *key) in self._gone:
            return
        log.info(
            "cluster %s: %s is no longer served: its snapshots dropped", cluster, source_name(key)
        )
        self.store.forget_resource(cluster, *key)
        if len(self._gone) >= _MAX_GONE:  # forgetting costs at worst one more DELETE each
            self._gone.clear()
        self._gone.add((cluster, *key))
        for saved in [
            k for k in self._saved if (k.cluster, k.group, k.resource) == (cluster, *key)
        ]:
            del self._saved[saved]

    async def _restore(self, record: SnapshotRecord, interner: Interner) -> RestoredTable | None:
        k = record.key
        kind = parse_schema(record.row_schema, k.group, k.resource)
        projection = None if kind is None else projection_of(k.group, k.resource, kind)
        if projection is None or record.format != FORMAT:
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
        await cancel_and_wait(self._task)
        self._task = None
        for task in list(self._prune_tasks):
            await cancel_and_wait(task)

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
            record = SnapshotRecord(
                c.key,
                FORMAT,
                c.schema,
                c.resource_version,
                c.taken,
                len(c.rows),
                data,
            )
            if self.store.save(record):
                self._saved[c.key] = c.marker
                self._gone.discard((c.key.cluster, c.key.group, c.key.resource))
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
        return _Capture(key, marker, rows, reflector.resource_version, self._wall(), schema_of(rt))

    def as_dict(self) -> dict[str, object]:
        return self.stats.as_dict()


# Resources remembered as dropped (so a status change does not delete them again).
_MAX_GONE = 1024


def _build_table(data: bytes, projection: Projection[Any, Any], interner: Interner) -> Table[Any]:
    """In a worker thread: decode, share equal values, index. The table is nobody else's yet."""
    dedupe = Deduper(projection.row_type, interner)
    rows = [dedupe.row(r) for chunk in decode_rows(data, projection.row_type) for r in chunk]
    table: Table[Any] = Table(projection.columns)
    table.replace(rows)
    return table
