"""Projected rows ↔ snapshot bytes.

A snapshot is the rows of one table as msgpack maps (msgspec encodes and decodes the row
structs in C), cut into chunks of `CHUNK_ROWS` so no single call holds the GIL for long while
the event loop waits in another thread, each chunk compressed with zlib level 1 (field names
repeat on every row: ~5x smaller for a few ms per MB). The outer frame is a msgpack array of
the compressed chunks.

`row_schema(row_type)` names the row's layout (field names and types): a snapshot written by a
masthead whose rows had another layout is not decoded at all — it would fail, or worse, load
with defaults that look like data.

Decoded strings are fresh objects; `Deduper` makes equal values share one object again (the
base fields through the cluster's `Interner`, as the projections do), since unchanged restored
rows stay in the table for good (a table keeps its row when an equal one arrives).
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import msgspec
import msgspec.inspect as mi

from masthead.store.projection import Interner

# Snapshot container version: bump when the framing (not a row type) changes.
FORMAT = 1
CHUNK_ROWS = 2_000
_LEVEL = 1

_frame_encoder = msgspec.msgpack.Encoder()
_frame_decoder = msgspec.msgpack.Decoder(list[bytes])
_row_encoder = msgspec.msgpack.Encoder()


class SnapshotCorrupt(Exception):
    """The bytes do not decode into rows of the expected type."""


def row_schema(row_type: type[Any]) -> str:
    """A short digest of the row type's name, field names and field types."""
    info = mi.type_info(row_type)
    assert isinstance(info, mi.StructType)
    text = repr((row_type.__name__, [(f.name, f.encode_name, repr(f.type)) for f in info.fields]))
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def encode_rows(rows: Sequence[Any]) -> bytes:
    """The snapshot bytes of `rows` (any sequence of row structs of one type)."""
    chunks = [
        zlib.compress(_row_encoder.encode(rows[i : i + CHUNK_ROWS]), _LEVEL)
        for i in range(0, len(rows), CHUNK_ROWS)
    ]
    return _frame_encoder.encode(chunks)


def decode_rows(data: bytes, row_type: type[Any]) -> Iterator[list[Any]]:
    """The rows of a snapshot, one chunk at a time; raises `SnapshotCorrupt`."""
    decoder = msgspec.msgpack.Decoder(list[row_type])  # type: ignore[valid-type]
    try:
        chunks = _frame_decoder.decode(data)
    except (msgspec.DecodeError, ValueError) as e:
        raise SnapshotCorrupt(f"snapshot frame: {e}") from e
    for chunk in chunks:
        try:
            yield decoder.decode(zlib.decompress(chunk))
        except (msgspec.DecodeError, zlib.error, ValueError) as e:
            raise SnapshotCorrupt(f"snapshot chunk: {e}") from e


class Deduper:
    """Rebuilds decoded rows of one type so equal field values share one object: the base
    fields through the cluster's interner (as the projections do), the others within the
    snapshot (unique ones, uids and names, are left alone)."""

    def __init__(self, row_type: type[Any], interner: Interner) -> None:
        info = mi.type_info(row_type)
        assert isinstance(info, mi.StructType)
        self.row_type = row_type
        special: dict[str, Callable[[Any], Any]] = {
            "uid": _same,
            "name": _same,
            "created": _same,
            "namespace": interner.string,
            "labels": interner.labels,
            "owner_uids": interner.strings,
            "node": lambda v: None if v is None else interner.string(v),
        }
        self._names = tuple(f.name for f in info.fields)
        # One table per field: 1 and True are equal keys, and an int field must keep its ints.
        self._fns = tuple(special.get(name) or _sharer() for name in self._names)

    def row(self, row: Any) -> Any:
        values = msgspec.structs.astuple(row)
        shared = [fn(v) for fn, v in zip(self._fns, values, strict=True)]
        return self.row_type(**dict(zip(self._names, shared, strict=True)))


def _same(value: Any) -> Any:
    return value


def _sharer() -> Callable[[Any], Any]:
    seen: dict[Any, Any] = {}

    def share(value: Any) -> Any:
        return seen.setdefault(value, value)

    return share
