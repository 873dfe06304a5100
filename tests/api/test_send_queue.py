"""The live socket's send queue: rendering a window that turned out unchanged is still a page
build, so the queue lets the loop run before rendering the next one — the windows one change
woke are never one long block that a 304 or another socket waits behind."""

from __future__ import annotations

import asyncio
import itertools

from masthead.api.live import LiveCounters, SendQueue


async def test_the_queue_yields_between_renders_that_send_nothing() -> None:
    queue = SendQueue(control_cap=4, counters=LiveCounters())
    turns = 0
    seen: list[int] = []

    async def other_task() -> None:
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(0)

    def unchanged() -> str | None:
        seen.append(turns)
        return None

    def changed() -> str | None:
        seen.append(turns)
        return "frame"

    for key in ("a", "b", "c"):
        queue.put_latest(key, unchanged)
    queue.put_latest("d", changed)
    ticker = asyncio.create_task(other_task())
    await asyncio.sleep(0)
    try:
        assert await queue.get() == "frame"
    finally:
        ticker.cancel()
    assert len(seen) == 4
    # Another task ran between every two renders.
    assert all(later > earlier for earlier, later in itertools.pairwise(seen))
    assert len(queue) == 0
