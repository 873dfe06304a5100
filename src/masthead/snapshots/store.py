"""`SnapshotStore`: warm-start snapshots in the SQLite database (persist/schema.py `snapshots`).

Writes go through the database's writer thread like every other write (one job per snapshot,
dropped oldest-first with the rest when the queue is full). Every snapshot is bounded: more
than `max_rows` rows or `max_bytes` encoded bytes is not written (`skipped_rows`,
`skipped_bytes`), and a write that would take all snapshots past `max_total_bytes` is refused in
the writer (`skipped_total`) — a dashboard's cache must not fill the user's disk. Snapshots
older than `max_age` are deleted when a cluster's snapshots are read.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field

from masthead.persist.db import Database


@dataclass(frozen=True, slots=True)
class SnapshotTuning:
    # How often changed tables are snapshotted (and once more at a clean shutdown).
    interval: float = 60.0
    # 300k rows is three `large` worlds' pods: past that a snapshot is not worth its disk.
    max_rows: int = 300_000
    # One snapshot's encoded bytes (~60 bytes a compressed pod row: 100k pods ≈ 6 MB).
    max_bytes: int = 64 * 1024 * 1024
    # Every snapshot of every cluster together.
    max_total_bytes: int = 256 * 1024 * 1024
    # A snapshot older than this is deleted rather than shown: a week-old "last known" state
    # misleads more than it helps.
    max_age: float = 7 * 24 * 3600.0
    # How long a connect waits for its cluster's snapshots to load before going on cold.
    load_timeout: float = 10.0


@dataclass(frozen=True, slots=True)
class SnapshotKey:
    cluster: str
    identity: str
    group: str
    resource: str
    scope: str  # the namespace of a per-namespace source, "" for all namespaces


@dataclass(frozen=True, slots=True)
class SnapshotRecord:
    key: SnapshotKey
    format: int
    row_schema: str
    resource_version: str
    taken: float  # wall-clock time the rows were captured
    rows: int
    data: bytes


@dataclass(slots=True)
class SnapshotStats:
    written: int = 0  # snapshots committed
    bytes_written: int = 0
    skipped_rows: int = 0  # over max_rows: not written
    skipped_bytes: int = 0  # over max_bytes: not written
    skipped_total: int = 0  # would pass max_total_bytes: not written
    restored: int = 0  # snapshots loaded into a table at connect
    restored_rows: int = 0
    ignored_outdated: int = 0  # another format or row layout: ignored
    ignored_corrupt: int = 0  # did not decode: ignored
    expired: int = 0  # older than max_age: deleted
    gone: int = 0  # resources the API server stopped serving (a CRD deleted): deleted
    failed: int = 0  # capture or encode raised (logged)
    last_error: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "written": self.written,
            "bytes_written": self.bytes_written,
            "skipped_rows": self.skipped_rows,
            "skipped_bytes": self.skipped_bytes,
            "skipped_total": self.skipped_total,
            "restored": self.restored,
            "restored_rows": self.restored_rows,
            "ignored_outdated": self.ignored_outdated,
            "ignored_corrupt": self.ignored_corrupt,
            "expired": self.expired,
            "gone": self.gone,
            "failed": self.failed,
            "last_error": self.last_error,
        }


@dataclass
class SnapshotStore:
    db: Database
    tuning: SnapshotTuning = field(default_factory=SnapshotTuning)
    stats: SnapshotStats = field(default_factory=SnapshotStats)

    def save(self, record: SnapshotRecord) -> bool:
        """Queue `record` for writing (replacing the key's previous snapshot); False when it is
        over a per-snapshot cap (counted)."""
        t = self.tuning
        if record.rows > t.max_rows:
            self.stats.skipped_rows += 1
            return False
        if len(record.data) > t.max_bytes:
            self.stats.skipped_bytes += 1
            return False
        self.db.submit(lambda conn: self._write(conn, record))
        return True

    def _write(self, conn: sqlite3.Connection, r: SnapshotRecord) -> None:
        """In the writer thread: refuse past the total cap, else insert or replace."""
        k = r.key
        where = "cluster=? AND identity=? AND api_group=? AND resource=? AND scope=?"
        params = (k.cluster, k.identity, k.group, k.resource, k.scope)
        (others,) = conn.execute(
            f"SELECT COALESCE(SUM(length(data)), 0) FROM snapshots WHERE NOT ({where})", params
        ).fetchone()
        if int(others) + len(r.data) > self.tuning.max_total_bytes:
            self.stats.skipped_total += 1
            return
        conn.execute(
            "INSERT OR REPLACE INTO snapshots (cluster, identity, api_group, resource, scope,"
            " format, row_schema, resource_version, taken, row_count, data)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*params, r.format, r.row_schema, r.resource_version, r.taken, r.rows, r.data),
        )
        self.stats.written += 1
        self.stats.bytes_written += len(r.data)

    async def load(self, cluster: str, identity: str) -> list[SnapshotRecord]:
        """The cluster's snapshots taken by `identity`, after deleting expired ones."""
        cutoff = time.time() - self.tuning.max_age
        expired = await self.db.call(
            lambda conn: conn.execute("DELETE FROM snapshots WHERE taken < ?", (cutoff,)).rowcount
        )
        self.stats.expired += int(expired or 0)

        def read(conn: sqlite3.Connection) -> list[SnapshotRecord]:
            rows = conn.execute(
                "SELECT api_group, resource, scope, format, row_schema, resource_version, taken,"
                " row_count, data FROM snapshots WHERE cluster=? AND identity=?",
                (cluster, identity),
            ).fetchall()
            return [
                SnapshotRecord(
                    SnapshotKey(cluster, identity, str(g), str(res), str(scope)),
                    int(fmt),
                    str(schema),
                    str(rv),
                    float(taken),
                    int(n),
                    bytes(data),
                )
                for g, res, scope, fmt, schema, rv, taken, n, data in rows
            ]

        return await self.db.read(read)

    async def has(self, cluster: str, identity: str, group: str, resource: str) -> bool:
        """Whether `identity` has a snapshot of the resource in `cluster` young enough to load."""
        cutoff = time.time() - self.tuning.max_age

        def read(conn: sqlite3.Connection) -> bool:
            row = conn.execute(
                "SELECT 1 FROM snapshots WHERE cluster=? AND identity=? AND api_group=?"
                " AND resource=? AND taken >= ? LIMIT 1",
                (cluster, identity, group, resource, cutoff),
            ).fetchone()
            return row is not None

        return await self.db.read(read)

    async def schemas(self, cluster: str, identity: str, group: str, resource: str) -> list[str]:
        """The `row_schema`s (snapshots/kinds.py) of `identity`'s snapshots of the resource
        young enough to load."""
        cutoff = time.time() - self.tuning.max_age

        def read(conn: sqlite3.Connection) -> list[str]:
            rows = conn.execute(
                "SELECT DISTINCT row_schema FROM snapshots WHERE cluster=? AND identity=?"
                " AND api_group=? AND resource=? AND taken >= ?",
                (cluster, identity, group, resource, cutoff),
            ).fetchall()
            return [str(schema) for (schema,) in rows]

        return await self.db.read(read)

    def forget_resource(self, cluster: str, group: str, resource: str) -> None:
        """Delete every scope's and every identity's snapshot of a resource the cluster no
        longer serves."""
        self.stats.gone += 1
        self.db.execute(
            "DELETE FROM snapshots WHERE cluster=? AND api_group=? AND resource=?",
            (cluster, group, resource),
        )

    async def forget(self, key: SnapshotKey) -> None:
        """Delete one snapshot (it was found unusable)."""
        k = key
        self.db.execute(
            "DELETE FROM snapshots WHERE cluster=? AND identity=? AND api_group=? AND resource=?"
            " AND scope=?",
            (k.cluster, k.identity, k.group, k.resource, k.scope),
        )
