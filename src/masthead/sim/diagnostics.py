"""`GET /_sim/diagnostics`: how the simulator's own event loop keeps up (issue 5).

A benchmark that times a write → watch event hop through the simulator measures the
simulator's loop as much as the client's; this says how late the loop ran (masthead's
`LoopLag`, the same 50 ms timer), what held it when it was late (masthead's `StallTrace`, on
only with `MASTHEAD_STALL_TRACE=<ms>` in the simulator's environment), how much of a core the
process burnt over the window (CPU seconds over wall seconds: near 1.0 the loop is saturated
and every hop queues behind the rest), and how the watch fan-out is doing (open watchers, the
deepest queue, watchers closed for falling behind) and, in `masthead sim`, the collector's
freezes (gc_freeze.py; null in an in-process simulator).

`reset=1` starts a new window after answering: the lag's recent samples, the stall counts and
the CPU window start over; the watcher counters are totals since start.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from masthead.api.loop_lag import LoopLag
from masthead.loop_stalls import StallTrace, threshold_from_env
from masthead.sim.gc_freeze import GcFreezer
from masthead.sim.store import ObjectStore


@dataclass
class CpuWindow:
    """Process CPU time (every thread) over wall time since the window started."""

    wall0: float = field(default_factory=time.monotonic)
    cpu0: float = field(default_factory=time.process_time)

    def as_dict(self) -> dict[str, float]:
        wall = max(1e-9, time.monotonic() - self.wall0)
        cpu = time.process_time() - self.cpu0
        return {
            "wall_s": round(wall, 3),
            "cpu_s": round(cpu, 3),
            "share": round(cpu / wall, 4),
        }


def watcher_stats(store: ObjectStore) -> dict[str, int]:
    """Open watchers, the events and bytes of the deepest queue, and the watchers closed
    (since start) for passing a queue cap."""
    watchers = [w for rs in store.resources.values() for w in rs.watchers]
    return {
        "open": len(watchers),
        "deepest_events": max((len(w.queue) for w in watchers), default=0),
        "deepest_bytes": max((w.queued_bytes for w in watchers), default=0),
        "closed_behind": store.watch_limits.closed_behind,
    }


class SimDiagnostics:
    """The loop lag task, the optional stall locator and the CPU window of one simulator."""

    def __init__(
        self,
        store: ObjectStore,
        freezer: GcFreezer | None = None,
        stall_threshold: float | None = None,
    ) -> None:
        self.store = store
        self.freezer = freezer
        self.lag = LoopLag()
        self.stalls = StallTrace(
            threshold_from_env() if stall_threshold is None else stall_threshold
        )
        self.cpu = CpuWindow()

    def start(self) -> None:
        """On the running loop."""
        self.lag.start()
        self.stalls.start()
        self.cpu = CpuWindow()

    async def stop(self) -> None:
        self.stalls.stop()
        await self.lag.stop()

    def reset(self) -> None:
        self.lag.reset()
        self.stalls.reset()
        self.cpu = CpuWindow()

    def as_dict(self, top: int, extra: Iterable[tuple[str, Any]] = ()) -> dict[str, Any]:
        out: dict[str, Any] = {
            "loop": self.lag.as_dict(),
            "cpu": self.cpu.as_dict(),
            "watchers": watcher_stats(self.store),
            "stalls": self.stalls.as_dict(top),
            "gc_freeze": None if self.freezer is None else self.freezer.as_dict(),
        }
        out.update(extra)
        return out
