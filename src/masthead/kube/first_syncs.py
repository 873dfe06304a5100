"""`FirstSyncs`: a cluster's chosen sources make their first sync before the others start theirs.

Opening a large cluster starts every view's sources at once; on one event loop (and against
one API server) the pods a user is looking at then share the CPU with nodes, events,
ReplicaSets and fifty other lists and go live with the last of them (24 s at 100k pods, for
a list that takes 3 s alone). The session names the sources to go first (the pods view's:
pods and the resources its columns join) and holds this gate while any of them is still in
its first sync; the other sources wait at it before listing. The total work is the same, so
the last source is not later, but the first ones are live in about their time alone.

Bounded: a source stops waiting once the first sources made no progress for `max_wait`
seconds (a first source whose server stalls mid-list must not hold the rest for good; one
that is merely slow, on a busy machine or a big cluster, keeps its lead), and the gate opens
as soon as the first sources are settled whatever the outcome (live, failed, forbidden).
"""

from __future__ import annotations

import asyncio


class FirstSyncs:
    def __init__(self, max_wait: float) -> None:
        self.max_wait = max_wait
        self._open = asyncio.Event()
        self._open.set()
        self._progress = 0  # bumped whenever a first source reports sync progress
        self.waits = 0  # sources that waited at the gate
        self.timeouts = 0  # of those, the ones that stopped waiting: no progress in max_wait

    @property
    def holding(self) -> bool:
        """Whether a first source is still in its first sync."""
        return not self._open.is_set()

    def hold(self, pending: bool) -> None:
        """Close the gate while a first source's first sync is pending, open it otherwise."""
        if pending:
            self._open.clear()
        else:
            self._open.set()

    def progressed(self) -> None:
        """A first source reported progress (objects synced, a state change)."""
        self._progress += 1

    async def wait(self) -> None:
        """Return when no first source is in its first sync, or when they made no progress
        for `max_wait` seconds."""
        if self._open.is_set():
            return
        self.waits += 1
        while not self._open.is_set():
            seen = self._progress
            try:
                async with asyncio.timeout(self.max_wait):
                    await self._open.wait()
            except TimeoutError:
                if self._progress == seen:
                    self.timeouts += 1
                    return

    def as_dict(self) -> dict[str, object]:
        return {"holding": self.holding, "waits": self.waits, "timeouts": self.timeouts}
