"""`Settings` (persist/settings.py): JSON values by key in SQLite, committed before `put`
returns, kept across reopening the file, with a size cap per value."""

from __future__ import annotations

from pathlib import Path

import pytest

from masthead.persist.db import Database
from masthead.persist.settings import MAX_VALUE_BYTES, Settings, SettingTooLarge


async def test_values_round_trip_and_survive_reopening(tmp_path: Path) -> None:
    async with await Database.open(tmp_path) as db:
        s = Settings(db)
        assert await s.get("namespaces/a") is None
        await s.put("namespaces/a", ["team-a", "team-b"])
        await s.put("namespaces/b_c", ["x"])
        await s.put("namespaces/a", ["team-c"])  # replaces
        await s.put("namespacesX", {"not": "this prefix"})
        await s.put("other", True)
        assert await s.get("namespaces/a") == ["team-c"]
    async with await Database.open(tmp_path) as db:
        s = Settings(db)
        assert await s.with_prefix("namespaces/") == {"a": ["team-c"], "b_c": ["x"]}
        # `_` and `%` in a prefix are literal, not LIKE wildcards.
        assert await s.with_prefix("namespaces/b_") == {"c": ["x"]}
        assert await s.with_prefix("namespaces/b%") == {}
        await s.delete("namespaces/a")
        assert await s.get("namespaces/a") is None
        assert await s.get("other") is True


async def test_a_value_over_the_cap_is_refused_and_nothing_stored(tmp_path: Path) -> None:
    async with await Database.open(tmp_path) as db:
        s = Settings(db)
        with pytest.raises(SettingTooLarge, match="'big'"):
            await s.put("big", "x" * MAX_VALUE_BYTES)
        assert await s.get("big") is None
