"""How late the event loop runs a timer: the time every page, 304 and live frame waits behind
whatever synchronous work holds the loop (a big poll's parsing, a burst of page builds) — and
behind the operating system when the machine is busy. A latency tail with a small lag is the
handler's own; one that matches the lag is the loop's (or the machine's).

A task sleeps `interval` and records how much later than asked it woke; the last `keep`
lags are kept (older ones dropped, the count of samples goes on), so the percentiles cover
the last minute at the defaults.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field

from aiohttp import web

from masthead.api.nearest_rank import nearest_rank
from masthead.tasks import cancel_and_wait

# A lag at least this long is counted as a block (a frame's whole coalescing budget is 100 ms).
BLOCK_S = 0.05


@dataclass
class LoopLag:
    interval: float = 0.05
    keep: int = 1200  # a minute of samples at 50 ms
    samples: int = 0
    blocks: int = 0  # lags of at least BLOCK_S
    worst: float = 0.0  # the longest lag since start
    _recent: deque[float] = field(init=False)
    _task: asyncio.Task[None] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self._recent = deque(maxlen=self.keep)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="loop lag")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            asked = loop.time() + self.interval
            await asyncio.sleep(self.interval)
            self.record(max(0.0, loop.time() - asked))

    def record(self, lag: float) -> None:
        self.samples += 1
        self._recent.append(lag)
        self.worst = max(self.worst, lag)
        if lag >= BLOCK_S:
            self.blocks += 1

    def reset(self) -> None:
        """Start a new window: the samples so far are forgotten (the task keeps running)."""
        self._recent.clear()
        self.samples = self.blocks = 0
        self.worst = 0.0

    def quantile(self, q: float) -> float:
        """The q-quantile of the recent lags, in seconds (0 before the first sample)."""
        return nearest_rank(sorted(self._recent), q)

    def as_dict(self) -> dict[str, object]:
        return {
            "interval_ms": self.interval * 1000,
            "samples": self.samples,
            "recent": len(self._recent),
            "p50_ms": round(self.quantile(0.5) * 1000, 3),
            "p99_ms": round(self.quantile(0.99) * 1000, 3),
            "max_recent_ms": round(max(self._recent, default=0.0) * 1000, 3),
            "max_ms": round(self.worst * 1000, 3),
            "blocks": self.blocks,
        }


LOOP_LAG: web.AppKey[LoopLag] = web.AppKey("masthead.loop_lag", LoopLag)
