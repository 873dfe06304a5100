"""masthead's own share of a change → frame (issue 5), measured inside masthead.

For each live frame sent because a window's content changed: from the watch arrival of the
oldest change the frame is the first to carry (masthead/arrival.py, Table.arrival_after) to the
frame written to its WebSocket, both on time.monotonic(). Unlike a reference watch in another
process, it has no second watcher whose delivery the simulator may skew.

Bounded: the last `cap` samples in a ring (percentiles over those), `dropped` counts samples
the ring overwrote; `count` and `max` cover everything since the last reset.
"""

from __future__ import annotations

from collections import deque

from masthead.api.nearest_rank import nearest_rank

# Samples held: at a few hundred frames a second, the last ten seconds or more.
FRAME_LATENCY_SAMPLES = 4096


class FrameLatency:
    def __init__(self, cap: int = FRAME_LATENCY_SAMPLES) -> None:
        if cap < 1:
            raise ValueError("cap must be at least 1")
        self.cap = cap
        self._recent: deque[float] = deque(maxlen=cap)
        self.count = 0
        self.dropped = 0
        self.max = 0.0
        # Change frames whose oldest change had no known arrival (a relist, a poll, metrics,
        # a joined resource, a span older than the table keeps): not sampled.
        self.unknown = 0

    def record(self, seconds: float) -> None:
        self.count += 1
        if seconds > self.max:
            self.max = seconds
        if len(self._recent) == self.cap:
            self.dropped += 1  # the oldest, pushed out by this one
        self._recent.append(seconds)

    def reset(self) -> None:
        self._recent.clear()
        self.count = self.dropped = self.unknown = 0
        self.max = 0.0

    def as_dict(self) -> dict[str, float | int]:
        held = sorted(self._recent)
        return {
            "count": self.count,
            "held": len(held),
            "dropped": self.dropped,
            "unknown": self.unknown,
            "p50_ms": _ms(nearest_rank(held, 0.50)),
            "p95_ms": _ms(nearest_rank(held, 0.95)),
            "p99_ms": _ms(nearest_rank(held, 0.99)),
            "max_ms": _ms(self.max),
        }


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)
