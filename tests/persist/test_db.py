"""persist.Database on real files: migrations by version, rebuild of unusable files, the
writer thread's batching, bounded queue (drop oldest, counted), flush, failing jobs isolated,
reads off the loop."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from masthead.persist.db import Database, DatabaseError, DbTuning, Migration
from masthead.persist.schema import MIGRATIONS

V1 = Migration(1, "t", "CREATE TABLE t (x INTEGER);\nCREATE INDEX t_x ON t (x);")
V2 = Migration(2, "u", "CREATE TABLE u (y TEXT);")


def count(db: Database, table: str) -> int:
    path = db.path
    with sqlite3.connect(path) as c:
        return int(c.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


async def test_migrations_apply_in_order_and_only_once(tmp_path: Path) -> None:
    db = await Database.open(tmp_path, [V1])
    assert db.version == 1 and db.rebuilt is None
    db.execute("INSERT INTO t VALUES (?)", (1,))
    await db.close()
    db = await Database.open(tmp_path, [V2, V1])  # order of the list does not matter
    assert db.version == 2
    db.execute("INSERT INTO u VALUES ('a')")
    await db.flush()
    assert await db.read(lambda c: c.execute("SELECT x FROM t").fetchall()) == [(1,)]
    assert await db.read(lambda c: c.execute("PRAGMA journal_mode").fetchone()[0]) == "wal"
    await db.close()


async def test_masthead_schema_migrates_from_empty(tmp_path: Path) -> None:
    async with await Database.open(tmp_path) as db:
        assert db.version == MIGRATIONS[-1].version
        tables = await db.read(
            lambda c: {r[0] for r in c.execute("SELECT name FROM sqlite_master")}
        )
        assert {"events", "metrics_rollups"} <= tables


async def test_garbage_file_is_moved_aside_and_rebuilt(tmp_path: Path) -> None:
    garbage = b"this is not a database, " * 100
    await asyncio.to_thread((tmp_path / "masthead.sqlite3").write_bytes, garbage)
    async with await Database.open(tmp_path, [V1]) as db:
        assert db.rebuilt is not None and "not a database" in db.rebuilt
        db.execute("INSERT INTO t VALUES (1)")
        await db.flush()
        assert count(db, "t") == 1
    names = await asyncio.to_thread(os.listdir, tmp_path)
    assert any(n.startswith("masthead.sqlite3.broken-") for n in names)


async def test_newer_schema_is_rebuilt_not_misread(tmp_path: Path) -> None:
    async with await Database.open(tmp_path, [V1, V2]):
        pass
    async with await Database.open(tmp_path, [V1]) as db:
        assert db.rebuilt is not None and "newer" in db.rebuilt
        assert db.version == 1


async def test_failed_migration_rebuilds(tmp_path: Path) -> None:
    async with await Database.open(tmp_path, [V1]) as db:
        db.executemany("INSERT INTO t VALUES (?)", [(1,), (1,)])
    # Fails on the old file's data only; the rebuilt (empty) file takes it.
    unique = Migration(2, "unique x", "CREATE UNIQUE INDEX t_unique ON t (x);")
    async with await Database.open(tmp_path, [V1, unique]) as db:
        assert db.rebuilt is not None and "UNIQUE" in db.rebuilt
        assert db.version == 2 and count(db, "t") == 0


async def test_writes_are_batched_off_the_loop(tmp_path: Path) -> None:
    async with await Database.open(tmp_path, [V1], DbTuning(batch_max=500)) as db:
        loop_thread = threading.get_ident()
        threads: set[int] = set()

        def job(c: sqlite3.Connection) -> None:
            threads.add(threading.get_ident())
            c.execute("INSERT INTO t VALUES (2)")

        for i in range(5000):
            db.execute("INSERT INTO t VALUES (?)", (i,))
        db.submit(job)
        await db.flush()
        assert count(db, "t") == 5001
        assert loop_thread not in threads and len(threads) == 1
        assert db.stats.batches <= 5000 / 50  # many jobs per transaction
        assert db.stats.written == 5001 and db.stats.dropped == 0


async def test_full_queue_drops_the_oldest_and_counts(tmp_path: Path) -> None:
    async with await Database.open(tmp_path, [V1], DbTuning(queue_size=10)) as db:
        gate = threading.Event()
        started = threading.Event()

        def blocker(c: sqlite3.Connection) -> None:
            started.set()
            gate.wait(10)

        db.submit(blocker)
        await asyncio.to_thread(started.wait, 5)  # the writer holds the blocker: queue fills
        for i in range(25):
            db.execute("INSERT INTO t VALUES (?)", (i,))
        assert db.stats.dropped == 15 and db.depth == 10
        gate.set()
        await db.flush()
        rows = await db.read(lambda c: [r[0] for r in c.execute("SELECT x FROM t ORDER BY x")])
        assert rows == list(range(15, 25))  # the newest ten survived


async def test_a_failing_job_does_not_sink_its_batch(tmp_path: Path) -> None:
    async with await Database.open(tmp_path, [V1]) as db:
        results: list[int] = []
        for i in range(10):
            db.submit(
                lambda c, i=i: c.execute("INSERT INTO t VALUES (?)", (i,)).rowcount, results.append
            )
        db.execute("INSERT INTO nope VALUES (1)")
        await db.flush()
        assert count(db, "t") == 10 and db.stats.failed == 1
        assert results == [1] * 10  # on_done ran on the loop for every committed job
        with pytest.raises(sqlite3.OperationalError):
            await db.call(lambda c: c.execute("SELECT * FROM nope").fetchall())
        assert await db.call(lambda c: c.execute("DELETE FROM t WHERE x < 5").rowcount) == 5


async def test_flush_waits_for_on_done_of_a_job_already_committed(tmp_path: Path) -> None:
    """The writer can commit a job before the loop gets to `flush()` (a busy loop, a fast
    writer): flush must still wait for that job's `on_done`, which `call()` relies on for its
    result (it answered "write dropped: queue full" when the callback had not run yet)."""
    async with await Database.open(tmp_path, [V1]) as db:
        ran = threading.Event()
        results: list[int] = []

        def insert(c: sqlite3.Connection) -> int:
            ran.set()
            return int(c.execute("INSERT INTO t VALUES (1)").rowcount)

        db.submit(insert, results.append)
        # Hold the loop (as a busy one is held) while the writer runs, commits and settles
        # the job: its on_done is queued on the loop, not run.
        assert ran.wait(5)
        time.sleep(0.2)  # noqa: ASYNC251 - the held loop is the point
        assert results == []
        await db.flush()
        assert results == [1]
        assert count(db, "t") == 1


async def test_closed_database_refuses_work(tmp_path: Path) -> None:
    db = await Database.open(tmp_path, [V1])
    db.execute("INSERT INTO t VALUES (1)")
    await db.close()  # commits what was queued
    assert count(db, "t") == 1
    with pytest.raises(DatabaseError):
        db.execute("INSERT INTO t VALUES (2)")
    with pytest.raises(DatabaseError):
        await db.read(lambda c: None)
