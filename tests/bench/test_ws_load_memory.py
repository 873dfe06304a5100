"""bench/ws_load.py's end-of-run `memory` block: the answer at the end is keyed `end` (what
readers of the summary look for), its tracemalloc grouping kept as a field."""

from __future__ import annotations

import aiohttp
from bench.ws_load import memory_block, memory_trace

from tests.api.harness import BEARER, served


async def test_the_end_answer_is_keyed_end_and_names_its_grouping() -> None:
    async with (
        served(connect=("admin",)) as s,
        aiohttp.ClientSession(base_url=s.base, headers=BEARER) as http,
    ):
        warm = await memory_trace(http, mark=False, top=1, group="lineno")
        end = await memory_trace(http, mark=False, top=1, group="lineno")
    block = memory_block(warm, [end])
    assert set(block) == {"warm", "end"}
    assert block["end"]["group"] == "lineno" and block["end"]["rss_mb"] > 0
    assert block["end"]["traced"] is None  # masthead was not started under tracemalloc


def test_traced_runs_add_the_other_groupings_beside_end() -> None:
    ends = [{"group": "lineno", "traced": {"top": []}}, {"group": "traceback", "traced": {}}]
    block = memory_block({"rss_mb": 1.0}, ends)
    assert block == {
        "warm": {"rss_mb": 1.0},
        "end": ends[0],
        "end_by_traceback": ends[1],
    }
