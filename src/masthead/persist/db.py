"""`Database`: one SQLite file (WAL) in the data dir; every write off the event loop.

Writes go through one writer thread that owns the only write connection. Callers enqueue jobs
(`execute`, `executemany`, `submit`) without waiting; the thread takes up to `batch_max` jobs
at a time and runs them in one transaction, so a burst of 10k event inserts costs a handful of
commits. The queue is bounded (`queue_size`): at the cap the *oldest* pending job is dropped and
counted (`stats.dropped`) — a dashboard that cannot keep up with its own history must lose old
history, never stall the loop or grow without limit. `flush()` waits until everything enqueued
before it is committed (its `on_done` called) or dropped.

A job may carry `on_done(result)`, called on the event loop after its transaction committed:
the events history publishes an entry to live subscribers only once it is durable, so a
subscriber that resumes from the database can never miss what it was shown.

Reads run in `asyncio.to_thread` on per-thread read connections (WAL readers never block the
writer, nor each other).

Schema: `PRAGMA user_version` holds the version of the last applied `Migration`; opening
applies the missing ones in order, each in its own transaction. A file that is not a database,
that fails to migrate, or that comes from a newer masthead (higher version than we know) is
moved aside (`<name>.broken-<time>`) and rebuilt empty (`rebuilt` says why) — history is
worth less than a dashboard that starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
DEFAULT_FILE = "masthead.sqlite3"


@dataclass(frozen=True, slots=True)
class DbTuning:
    # Pending write jobs. 50k is ~10 s of a very busy cluster's events at 5k/s; past it the
    # disk is not keeping up and the oldest pending writes are the cheapest to lose.
    queue_size: int = 50_000
    # Jobs per transaction: large enough that commits (fsync in WAL at synchronous=NORMAL only
    # at checkpoints) stop dominating, small enough that one batch stays well under 100 ms.
    batch_max: int = 2_000
    # A reader holding the WAL during a checkpoint makes writers wait at most this long.
    busy_timeout: float = 5.0


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema step: `version` (1, 2, ...) and SQL run as a script in one transaction."""

    version: int
    name: str
    sql: str


@dataclass(slots=True)
class DbStats:
    enqueued: int = 0  # write jobs accepted
    written: int = 0  # write jobs committed
    dropped: int = 0  # write jobs dropped at the queue cap (oldest first)
    failed: int = 0  # write jobs whose SQL raised (logged, then skipped)
    batches: int = 0  # transactions committed
    max_depth: int = 0  # deepest the queue has been

    def as_dict(self) -> dict[str, int]:
        return {
            "enqueued": self.enqueued,
            "written": self.written,
            "dropped": self.dropped,
            "failed": self.failed,
            "batches": self.batches,
            "max_depth": self.max_depth,
        }


# A job: (function run on the write connection, callback with its result on the loop).
_Job = tuple[Callable[[sqlite3.Connection], Any], Callable[[Any], None] | None]


class DatabaseError(Exception):
    pass


@dataclass
class _Flush:
    target: int
    future: asyncio.Future[None]


@dataclass
class _State:
    queue: deque[_Job] = field(default_factory=deque)
    # Jobs committed or failed with their `on_done` callbacks run on the loop, or dropped:
    # flush waits on this. The writer thread never counts a job itself — a flush that saw a
    # job settled before its callback ran would return with the result not delivered yet.
    settled: int = 0
    closing: bool = False


class Database:
    def __init__(
        self,
        path: Path,
        migrations: Sequence[Migration] = (),
        tuning: DbTuning | None = None,
    ) -> None:
        self.path = Path(path)
        self.migrations = tuple(sorted(migrations, key=lambda m: m.version))
        self.tuning = tuning or DbTuning()
        self.stats = DbStats()
        self.rebuilt: str | None = None  # why the file was moved aside and rebuilt, if it was
        self.version = 0
        self._state = _State()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._writer: sqlite3.Connection | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._flushes: list[_Flush] = []
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._closed = False

    @classmethod
    async def open(
        cls,
        data_dir: Path,
        migrations: Sequence[Migration] | None = None,
        tuning: DbTuning | None = None,
        name: str = DEFAULT_FILE,
    ) -> Database:
        """The database `name` in `data_dir` (created if needed), migrated and writing.
        `migrations` defaults to masthead's schema (`persist.schema.MIGRATIONS`)."""
        if migrations is None:
            from masthead.persist.schema import MIGRATIONS

            migrations = MIGRATIONS
        db = cls(Path(data_dir) / name, migrations, tuning)
        await db.start()
        return db

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = await asyncio.to_thread(self._open_and_migrate)
        self._thread = threading.Thread(
            target=self._run, name=f"sqlite-writer {self.path.name}", daemon=True
        )
        self._thread.start()

    async def close(self) -> None:
        """Commit what is queued, stop the writer, close every connection."""
        if self._closed:
            return
        self._closed = True
        with self._cond:
            self._state.closing = True
            self._cond.notify_all()
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join)
        self._resolve_flushes(force=True)
        with self._readers_lock:
            readers, self._readers = self._readers, []
        for conn in readers:
            with contextlib.suppress(sqlite3.Error):
                conn.close()

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ------------------------------------------------------------------ writes
    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.submit(lambda c: c.execute(sql, params).rowcount)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        self.submit(lambda c: c.executemany(sql, rows).rowcount)

    def submit(
        self,
        fn: Callable[[sqlite3.Connection], T],
        on_done: Callable[[T], None] | None = None,
    ) -> None:
        """Run `fn(write connection)` in the writer's next transaction; `on_done(result)` is
        called on the event loop after it committed. Never blocks; may drop the oldest job."""
        if self._closed:
            raise DatabaseError("database is closed")
        job: _Job = (fn, on_done)
        with self._cond:
            q = self._state.queue
            if len(q) >= self.tuning.queue_size:
                q.popleft()
                self.stats.dropped += 1
                self._state.settled += 1
            q.append(job)
            self.stats.enqueued += 1
            self.stats.max_depth = max(self.stats.max_depth, len(q))
            self._cond.notify()

    async def call(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """A write job whose result the caller awaits (deletes that report a count, ...)."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[T] = loop.create_future()

        def done(result: T) -> None:
            if not fut.done():
                fut.set_result(result)

        def guarded(conn: sqlite3.Connection) -> T:
            try:
                return fn(conn)
            except Exception as e:
                loop.call_soon_threadsafe(_fail, fut, e)
                raise

        self.submit(guarded, done)
        await self.flush()
        if not fut.done():  # dropped at the queue cap
            raise DatabaseError("write dropped: queue full")
        return await fut

    @property
    def depth(self) -> int:
        return len(self._state.queue)

    async def flush(self) -> None:
        """Wait until every job enqueued before this call is committed (its `on_done` called),
        failed or dropped."""
        with self._cond:
            target = self.stats.enqueued
            if self._state.settled >= target or self._thread is None:
                return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._flushes.append(_Flush(target, fut))
        self._resolve_flushes()
        await fut

    # ------------------------------------------------------------------ reads
    async def read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """`fn(read connection)` in a worker thread; each thread has its own connection."""
        if self._closed:
            raise DatabaseError("database is closed")
        return await asyncio.to_thread(self._read, fn)

    def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            conn.execute("PRAGMA query_only=1")
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        return fn(conn)

    # ------------------------------------------------------------------ schema
    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path,
            isolation_level=None,  # explicit BEGIN/COMMIT
            check_same_thread=False,  # closed from the loop thread at shutdown
            timeout=self.tuning.busy_timeout,
        )
        conn.execute(f"PRAGMA busy_timeout={int(self.tuning.busy_timeout * 1000)}")
        return conn

    def _open_and_migrate(self) -> sqlite3.Connection:
        try:
            return self._try_open()
        except (sqlite3.DatabaseError, DatabaseError) as e:
            reason = f"{type(e).__name__}: {e}"
            log.warning("database %s unusable (%s): moved aside and rebuilt", self.path, reason)
            self._move_aside()
            self.rebuilt = reason
            return self._try_open()

    def _try_open(self) -> sqlite3.Connection:
        conn = self._connect()
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL: a power cut may lose the last commits, never corrupts the file.
            conn.execute("PRAGMA synchronous=NORMAL")
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            known = self.migrations[-1].version if self.migrations else 0
            if version > known:
                raise DatabaseError(f"schema version {version} is newer than this masthead's")
            for m in self.migrations:
                if m.version <= version:
                    continue
                conn.execute("BEGIN IMMEDIATE")
                try:
                    for statement in _statements(m.sql):
                        conn.execute(statement)
                    conn.execute(f"PRAGMA user_version={int(m.version)}")
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                version = m.version
            self.version = version
            return conn
        except BaseException:
            conn.close()
            raise

    def _move_aside(self) -> None:
        stamp = time.strftime("%Y%m%dT%H%M%S")
        for suffix in ("", "-wal", "-shm"):
            p = Path(f"{self.path}{suffix}")
            if p.exists():
                p.rename(p.with_name(f"{p.name}.broken-{stamp}"))

    # ------------------------------------------------------------------ writer thread
    def _run(self) -> None:
        conn = self._writer
        assert conn is not None
        try:
            while True:
                with self._cond:
                    while not self._state.queue and not self._state.closing:
                        self._cond.wait()
                    q = self._state.queue
                    if not q:
                        break  # closing and drained
                    batch = [q.popleft() for _ in range(min(len(q), self.tuning.batch_max))]
                self._notify(self._write_batch(conn, batch), len(batch))
        finally:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("PRAGMA optimize")
            conn.close()

    def _write_batch(
        self, conn: sqlite3.Connection, batch: list[_Job]
    ) -> list[tuple[Callable[[Any], None], Any]]:
        done: list[tuple[Callable[[Any], None], Any]] = []
        try:
            conn.execute("BEGIN IMMEDIATE")
            for fn, on_done in batch:
                result = fn(conn)
                if on_done is not None:
                    done.append((on_done, result))
            conn.execute("COMMIT")
            self.stats.batches += 1
            self.stats.written += len(batch)
            return done
        except sqlite3.Error as e:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            log.warning("sqlite batch failed (%s); retrying its jobs one by one", e)
        except Exception:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            log.exception("sqlite job raised; retrying its batch one by one")
        done.clear()
        for fn, on_done in batch:  # isolate the bad job: every other one still lands
            try:
                conn.execute("BEGIN IMMEDIATE")
                result = fn(conn)
                conn.execute("COMMIT")
            except Exception as e:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                self.stats.failed += 1
                log.warning("sqlite write failed: %s", e)
                continue
            self.stats.batches += 1
            self.stats.written += 1
            if on_done is not None:
                done.append((on_done, result))
        return done

    def _notify(self, done: list[tuple[Callable[[Any], None], Any]], jobs: int) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(self._after_batch, done, jobs)

    def _after_batch(self, done: list[tuple[Callable[[Any], None], Any]], jobs: int) -> None:
        """On the loop: deliver a batch's results, then count its `jobs` settled."""
        for callback, result in done:
            try:
                callback(result)
            except Exception:
                log.exception("database on_done callback failed")
        with self._cond:
            self._state.settled += jobs
        self._resolve_flushes()

    def _resolve_flushes(self, force: bool = False) -> None:
        with self._cond:
            settled = self._state.settled
        keep: list[_Flush] = []
        for f in self._flushes:
            if force or settled >= f.target:
                if not f.future.done():
                    f.future.set_result(None)
            else:
                keep.append(f)
        self._flushes = keep

    def as_dict(self) -> dict[str, object]:
        return {
            "path": str(self.path),
            "version": self.version,
            "rebuilt": self.rebuilt,
            "depth": self.depth,
            **self.stats.as_dict(),
        }


def _fail(fut: asyncio.Future[Any], e: BaseException) -> None:
    if not fut.done():
        fut.set_exception(e)


def _statements(script: str) -> list[str]:
    """Split a migration script at `;` line ends (schema SQL has no `;` inside literals)."""
    return [s.strip() for s in script.split(";\n") if s.strip().rstrip(";").strip()]
