"""Pacing the churn driver by what the API server applies, not by what the driver writes.

A watcher sees every stored write: the driver's and the simulated controllers' reactions to
it (a pod deletion is followed by the ReplicaSet's re-create, the scheduler's bind, the
kubelet's status, events, EndpointSlice updates: 2-4 stored writes per driver write). With
the "stored" basis a churn asked for N writes/s paces its own writes at N divided by the
stored writes per driver write measured over the last seconds, so the API server applies
about N writes/s whatever the cascade (background writes such as lease renewals included).
"""

from __future__ import annotations

from collections import deque

BASES = ("driver", "stored")
# Seconds of history the cascade ratio is measured over: long enough to see a driver write's
# cascade (the controllers react within milliseconds to a second), short enough to follow a
# change of mix or load.
RATIO_WINDOW = 2.0
# Samples kept (one per driver tick, ~5 ms): the oldest go first at the cap, shortening the
# window; `dropped` counts them.
MAX_SAMPLES = 1024
# Driver writes a window needs before its ratio replaces the previous one (fewer: too noisy).
MIN_DRIVER_WRITES = 5
# Bounds on the ratio: at most one stored write per driver write is the driver's own; far
# above 100 the background writes alone exceed the asked rate, and the driver nearly stops.
MIN_RATIO = 1.0
MAX_RATIO = 100.0


def writes_due(
    rate: float, elapsed: float, pattern: str, burst_period: float, duration: float | None
) -> float:
    """Writes a churn at `rate` asks for by `elapsed` seconds into its run, whatever they count:
    steady, or a whole period's writes falling due at its start (bursty), never more than the
    run's `duration` holds."""
    if pattern != "bursty":
        return elapsed * rate
    total = (int(elapsed / burst_period) + 1) * rate * burst_period
    return total if duration is None else min(total, rate * duration)


class CascadeMeter:
    """Stored writes per driver write over the last RATIO_WINDOW seconds."""

    def __init__(self, window: float = RATIO_WINDOW) -> None:
        self.window = window
        self.samples: deque[tuple[float, int, int]] = deque(maxlen=MAX_SAMPLES)
        self.ratio = MIN_RATIO
        self.dropped = 0

    def sample(self, t: float, stored: int, driver: int) -> float:
        """Record the counts at time `t` (monotonic seconds); the ratio as now measured."""
        if len(self.samples) == MAX_SAMPLES:
            self.dropped += 1
        self.samples.append((t, stored, driver))
        while len(self.samples) > 2 and t - self.samples[1][0] >= self.window:
            self.samples.popleft()
        _, s0, d0 = self.samples[0]
        if driver - d0 >= MIN_DRIVER_WRITES:
            ratio = (stored - s0) / (driver - d0)
            self.ratio = min(MAX_RATIO, max(MIN_RATIO, ratio))
        return self.ratio


class StoredPacer:
    """Driver writes due so far when `rate` is in stored writes/s. The stored writes due by
    now (rate x elapsed, or whole periods when bursty) minus those applied is the shortfall;
    the driver writes the shortfall divided by the cascade ratio. Counting against the stored
    total, not integrating `rate / ratio`, corrects the ratio's errors: cascades land late
    (a replaced pod's status comes seconds after the delete), so a ratio measured early is
    low, and the driver pauses once the API server has applied what was asked."""

    def __init__(
        self, rate: float, pattern: str, burst_period: float, duration: float | None = None
    ) -> None:
        self.rate = rate
        self.pattern = pattern
        self.burst_period = burst_period
        self.duration = duration
        self.driver_rate = rate

    def expected(self, elapsed: float) -> float:
        """Stored writes asked for by `elapsed` seconds into the run."""
        return writes_due(self.rate, elapsed, self.pattern, self.burst_period, self.duration)

    def due(self, elapsed: float, stored: int, driver: int, ratio: float) -> int:
        """Driver writes due by `elapsed` seconds of the run (callers cap it by duration)."""
        self.driver_rate = self.rate / ratio
        shortfall = self.expected(elapsed) - stored
        return driver + max(0, int(shortfall / ratio))
