"""Snapshot bytes and the snapshots table on a real SQLite file: rows round-trip exactly, equal
values come back shared, another row layout or broken bytes are refused, and every cap skips
and counts instead of writing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import orjson
import pytest
from msgspec.structs import astuple

from masthead.persist.db import Database
from masthead.sim.podgen import pod_namespace, realistic_pod
from masthead.snapshots.codec import (
    Deduper,
    SnapshotCorrupt,
    decode_rows,
    encode_rows,
    row_schema,
)
from masthead.snapshots.store import SnapshotKey, SnapshotRecord, SnapshotStore, SnapshotTuning
from masthead.store.projection import PROJECTIONS, Interner, ProjectionCodec

POD = PROJECTIONS[("", "pods")]


def pod_rows(n: int) -> list[Any]:
    items = [realistic_pod(i, pod_namespace(i, 5), f"node-{i % 7}") for i in range(n)]
    body = orjson.dumps({"kind": "PodList", "metadata": {"resourceVersion": "9"}, "items": items})
    return list(ProjectionCodec(POD).decode_list(body).items)


def test_rows_round_trip_in_chunks_and_share_equal_values() -> None:
    rows = pod_rows(4500)  # three chunks
    data = encode_rows(rows)
    chunks = list(decode_rows(data, POD.row_type))
    assert [len(c) for c in chunks] == [2000, 2000, 500]
    decoded = [r for c in chunks for r in c]
    assert decoded == rows
    interner = Interner()
    dedupe = Deduper(POD.row_type, interner)
    shared = [dedupe.row(r) for r in decoded]
    assert shared == rows
    for a, b in zip(rows, shared, strict=True):  # 0 stays 0 beside False, 1 beside True
        assert [type(v) for v in astuple(a)] == [type(v) for v in astuple(b)]
    assert shared[0].namespace is interner.string(rows[0].namespace)
    same_status = [r for r in shared if r.status == shared[0].status]
    assert len(same_status) > 1 and all(r.status is same_status[0].status for r in same_status)
    assert len(data) * 8 < len(msgspec.json.encode(rows))  # compact: no JSON, compressed


def test_layouts_differ_by_row_type_and_broken_bytes_are_refused() -> None:
    assert row_schema(POD.row_type) == row_schema(POD.row_type)
    assert row_schema(POD.row_type) != row_schema(PROJECTIONS[("", "nodes")].row_type)
    with pytest.raises(SnapshotCorrupt):
        list(decode_rows(b"\xff\x00garbage", POD.row_type))
    good = encode_rows(pod_rows(3))
    with pytest.raises(SnapshotCorrupt):  # the right frame, a chunk that is not zlib
        list(decode_rows(good[:3] + b"\x00" * (len(good) - 3), POD.row_type))
    nodes = encode_rows(pod_rows(2))
    with pytest.raises(SnapshotCorrupt):  # pod rows read as node rows
        list(decode_rows(nodes, PROJECTIONS[("", "nodes")].row_type))


def record(resource: str, rows: int, data: bytes) -> SnapshotRecord:
    key = SnapshotKey("c1", "who", "", resource, "")
    return SnapshotRecord(key, 1, "schema", "42", 1000.0, rows, data)


async def test_caps_skip_and_count_and_total_bytes_are_bounded(tmp_path: Path) -> None:
    db = await Database.open(tmp_path)
    tuning = SnapshotTuning(max_rows=10, max_bytes=1000, max_total_bytes=1500, max_age=1e12)
    store = SnapshotStore(db, tuning)
    assert not store.save(record("a", 11, b"x"))
    assert not store.save(record("b", 1, b"x" * 1001))
    assert store.save(record("c", 1, b"x" * 900))
    assert store.save(record("d", 1, b"y" * 900))  # 1800 in all: refused in the writer
    assert store.save(record("c", 2, b"z" * 1000))  # replaces c: 1000 in all
    await db.flush()
    s = store.stats
    assert (s.skipped_rows, s.skipped_bytes, s.skipped_total, s.written) == (1, 1, 1, 2)
    loaded = await store.load("c1", "who")
    assert [(r.key.resource, r.rows, r.data) for r in loaded] == [("c", 2, b"z" * 1000)]
    assert await store.load("c1", "someone else") == []
    await db.close()
