"""Keeping the cyclic collector's full passes off the simulator's event loop.

The world is frozen once built (world/builder.py), but under churn everything written later
lives on in generation 2: every new object version, the watch history (75 s of events), the
controllers' decoded views. A full collection walks all of it in one synchronous pass: 2.6 s
at `large` under 1,000 writes/s (issue 5), a stall every watcher and request waited behind. A
kube-apiserver's collector runs concurrently and never holds its watches like that.

So a process that is only a simulator (`masthead sim`) freezes its survivors every `every`
seconds, after collecting the young generations (cheap, and it keeps young cyclic garbage out
of the freeze): full collections then walk only what survived since the last freeze. Frozen
objects are still freed when their last reference goes; only a reference cycle that was
already garbage in generation 2 at a freeze stays (`frozen` in /_sim/diagnostics shows the
count; the simulator's stored objects hold no cycles). Off for in-process simulators: a test
process would freeze the test runner's objects too.
"""

from __future__ import annotations

import asyncio
import gc
import time

from masthead.tasks import cancel_and_wait

# Seconds between freezes: ~10k writes at 1,000/s, whose survivors a full pass walks in
# tens of milliseconds.
DEFAULT_EVERY = 10.0


class GcFreezer:
    def __init__(self, every: float = DEFAULT_EVERY) -> None:
        if not every > 0:
            raise ValueError(f"gc freeze interval must be > 0 seconds, got {every}")
        self.every = every
        self.freezes = 0
        self.last_freeze_ms = 0.0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="gc freeze")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            self.freeze_now()

    def freeze_now(self) -> None:
        started = time.perf_counter()
        gc.collect(1)
        gc.freeze()
        self.freezes += 1
        self.last_freeze_ms = (time.perf_counter() - started) * 1000

    def as_dict(self) -> dict[str, object]:
        full = gc.get_stats()[2]
        return {
            "every_s": self.every,
            "freezes": self.freezes,
            "last_freeze_ms": round(self.last_freeze_ms, 3),
            "frozen": gc.get_freeze_count(),
            "full_collections": full["collections"],
            "full_collected": full["collected"],
        }
