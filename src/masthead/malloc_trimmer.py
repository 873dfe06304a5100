"""Handing memory that glibc's malloc keeps free back to the OS, periodically.

Under a steady load (frames of 10–30 KB built and freed hundreds of times a second beside
long-lived rows, SQLite and aiohttp buffers) glibc's arenas fragment: the freed chunks stay
in the heap, and the process's RSS climbs although the memory in use does not (issue 8: in a
4-minute `ws_load` at the `small` world malloc's free space grew 8 → 25 MB, in use +3.6 MB).
malloc only gives back the top of a heap by itself; `malloc_trim(0)` returns every whole free
page. Each `interval` this checks how much malloc keeps free (mallinfo2, cheap) and trims only
past `min_free_mb`, in a worker thread (ctypes releases the GIL: the loop keeps serving).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from dataclasses import dataclass, field

from masthead.kube.memtrim import malloc_usage, trim_malloc
from masthead.tasks import cancel_and_wait

log = logging.getLogger(__name__)


def rss_mb() -> float:
    """This process's resident set, MB (/proc; 0 where there is none)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
    except OSError:
        return 0.0


@dataclass
class MallocTrimmer:
    interval: float = 60.0  # 0: never
    min_free_mb: float = 8.0  # below this much free in malloc's arenas a trim is not worth it
    trims: int = 0
    skipped: int = 0  # checks that found less than min_free_mb free
    released_mb: float = 0.0  # RSS before minus after, summed over the trims
    seconds: float = 0.0
    _task: asyncio.Task[None] | None = field(default=None, init=False)

    def start(self) -> None:
        if self.interval > 0 and malloc_usage() is not None and self._task is None:
            self._task = asyncio.create_task(self._run(), name="malloc trim")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.trim_if_worth_it()
            except Exception:
                log.exception("malloc trim failed")

    async def trim_if_worth_it(self) -> bool:
        """Trim when malloc keeps at least `min_free_mb` free; whether it trimmed."""
        usage = malloc_usage()
        if usage is None or usage["free"] < self.min_free_mb:
            self.skipped += 1
            return False
        before, start = rss_mb(), time.perf_counter()
        await asyncio.to_thread(trim_malloc)
        self.seconds += time.perf_counter() - start
        self.released_mb += max(0.0, before - rss_mb())
        self.trims += 1
        return True

    def as_dict(self) -> dict[str, object]:
        return {
            "interval_s": self.interval,
            "min_free_mb": self.min_free_mb,
            "trims": self.trims,
            "skipped": self.skipped,
            "released_mb": round(self.released_mb, 1),
            "seconds": round(self.seconds, 3),
        }
