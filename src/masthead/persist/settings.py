"""`Settings`: small user settings that survive a restart — one JSON value per key in the
`settings` table (schema migration 5).

Writes go through the database's writer thread and are awaited (`Database.call`): a caller
that answered "saved" has its value committed. Reads run in a worker thread. A value is capped
at `MAX_VALUE_BYTES` so a buggy or hostile client cannot grow the file without limit through
one key; keys are chosen by the code (never by a client), so their number stays small.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

import orjson

from masthead.persist.db import Database

# A setting is a short list or a few flags; 256 KiB holds 1,000 namespace names many times over.
MAX_VALUE_BYTES = 256 * 1024


class SettingTooLarge(ValueError):
    pass


class Settings:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, key: str) -> Any:
        """The value stored under `key`; None when there is none."""

        def read(conn: sqlite3.Connection) -> str | None:
            row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
            return None if row is None else str(row[0])

        raw = await self.db.read(read)
        return None if raw is None else orjson.loads(raw)

    async def with_prefix(self, prefix: str) -> dict[str, Any]:
        """Every setting whose key starts with `prefix`, by key without the prefix."""
        pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"

        def read(conn: sqlite3.Connection) -> list[tuple[str, str]]:
            rows = conn.execute(
                "SELECT key, value FROM settings WHERE key LIKE ? ESCAPE '\\' ORDER BY key",
                (pattern,),
            )
            return [(str(k), str(v)) for k, v in rows]

        return {k[len(prefix) :]: orjson.loads(v) for k, v in await self.db.read(read)}

    async def put(self, key: str, value: Any) -> None:
        """Store `value` (JSON-encodable) under `key`; returns once it is committed."""
        text = orjson.dumps(value).decode()
        if len(text) > MAX_VALUE_BYTES:
            raise SettingTooLarge(
                f"setting {key!r} is {len(text)} bytes, more than {MAX_VALUE_BYTES}"
            )
        now = time.time()

        def write(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO settings (key, value, updated) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
                "updated = excluded.updated",
                (key, text, now),
            )

        await self.db.call(write)

    async def delete(self, key: str) -> None:
        def write(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM settings WHERE key = ?", (key,))

        await self.db.call(write)
