"""How long the simulator's background work (controllers, the churn driver) may hold the event
loop before it yields.

Under churn the loop is saturated: every ready task runs one step per loop turn, so a turn
lasts as long as all background steps together, and a watch event or an API request waits a
few turns (the request's read, its handler, the watcher's wake-up). With ten busy
controllers stepping 20 ms each, turns took ~300 ms at `large` and a write reached its
watchers seconds later (issue 5). Steps of a few milliseconds keep turns short while the
background's share of the CPU stays what it was: it only yields more often.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

# A step of background work yields after this much synchronous time (seconds).
SLICE_SECONDS = 0.002


class Slicer:
    """Tracks the synchronous time since the work last yielded; `pause` yields one turn."""

    def __init__(
        self, budget: float = SLICE_SECONDS, clock: Callable[[], float] = time.perf_counter
    ) -> None:
        self.budget = budget
        self.clock = clock
        self.started = clock()
        self.pauses = 0

    def restart(self) -> None:
        """The work resumed after waiting (its own awaits count as yields too)."""
        self.started = self.clock()

    def due(self) -> bool:
        return self.clock() - self.started >= self.budget

    async def pause(self) -> None:
        self.pauses += 1
        await asyncio.sleep(0)
        self.started = self.clock()

    async def pause_if_due(self) -> None:
        if self.due():
            await self.pause()
