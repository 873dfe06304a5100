"""Keeping the cyclic collector's full passes off the simulator's event loop.

The world is frozen once built (world/builder.py), but under churn everything written later
lives on in generation 2: every new object version, the watch history (75 s of events), the
controllers' decoded views. A full collection walks all of it in one synchronous pass: 2.6 s
at `large` under 1,000 writes/s (issue 5), a stall every watcher and request waited behind. A
kube-apiserver's collector runs concurrently and never holds its watches like that.

So a process that is only a simulator (`masthead sim`) freezes its survivors every `every`
seconds, after collecting the young generations (cheap; young cyclic garbage stays out of the
freeze), and lets the collector start a full pass only every FULL_AFTER_YOUNG collections of
generation 1 instead of 10: once the world is frozen the collector weighs new survivors
against an almost empty generation 2 and ran a full pass twice a second, ~36 ms each at
`large` (with a 10 s freeze, each walked 10 s of survivors: ~150 ms). A full pass now walks
at most a second of survivors, every few seconds. Frozen objects are still freed when their
last reference goes; only a reference cycle that became garbage in generation 2 is kept
(`full_collected` in /_sim/diagnostics: at `large` under churn full passes found
29 such objects in 90 s). Off for in-process simulators: a test process would freeze the
test runner's objects too. The count of frozen objects is not reported: `gc.get_freeze_count()`
walks the whole frozen list (~0.5 s over 4 M objects at `large`), a stall of its own.
"""

from __future__ import annotations

import asyncio
import gc
import time

from masthead.tasks import cancel_and_wait

# Seconds between freezes: ~1,000 writes' survivors, which a full pass walks in milliseconds.
DEFAULT_EVERY = 1.0
# Generation-1 collections between the collector's own full passes (CPython's default: 10).
FULL_AFTER_YOUNG = 100


class GcFreezer:
    def __init__(self, every: float = DEFAULT_EVERY) -> None:
        if not every > 0:
            raise ValueError(f"gc freeze interval must be > 0 seconds, got {every}")
        self.every = every
        self.freezes = 0
        self.last_freeze_ms = 0.0
        self.max_freeze_ms = 0.0
        self._task: asyncio.Task[None] | None = None
        self._thresholds = gc.get_threshold()

    def start(self) -> None:
        self._thresholds = gc.get_threshold()
        gc.set_threshold(self._thresholds[0], self._thresholds[1], FULL_AFTER_YOUNG)
        self.freeze_now()
        self._task = asyncio.create_task(self._run(), name="gc freeze")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None
        gc.set_threshold(*self._thresholds)

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
        self.max_freeze_ms = max(self.max_freeze_ms, self.last_freeze_ms)

    def as_dict(self) -> dict[str, object]:
        full = gc.get_stats()[2]
        return {
            "every_s": self.every,
            "freezes": self.freezes,
            "last_freeze_ms": round(self.last_freeze_ms, 3),
            "max_freeze_ms": round(self.max_freeze_ms, 3),
            "thresholds": list(gc.get_threshold()),
            "full_collections": full["collections"],
            "full_collected": full["collected"],
        }
