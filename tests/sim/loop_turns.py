"""Counting the event loop's turns while some work runs: a task that yields once per turn."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class Turns:
    def __init__(self) -> None:
        self.count = 0


@asynccontextmanager
async def counting_turns() -> AsyncIterator[Turns]:
    """`Turns` whose count goes up by one per loop turn after this yields it (the counting
    task has already started, so work done before the first await is counted as 0 turns)."""
    turns = Turns()

    async def count() -> None:
        while True:
            await asyncio.sleep(0)
            turns.count += 1

    counter = asyncio.ensure_future(count())
    await asyncio.sleep(0)
    try:
        yield turns
    finally:
        counter.cancel()
