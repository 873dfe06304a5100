"""`Backoff`: exponential delays with full jitter that reset after a healthy period.

Full jitter (a uniform draw in [0, d]) spreads the reconnects of many reflectors after a
shared failure (an API server restart) instead of synchronising them.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from masthead.kube.tuning import Tuning


class Backoff:
    def __init__(
        self,
        tuning: Tuning,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.initial = tuning.backoff_initial
        self.cap = tuning.backoff_max
        self.factor = tuning.backoff_factor
        self.reset_after = tuning.backoff_reset_after
        self._rng = rng or random.Random()
        self._clock = clock
        self.attempt = 0
        self._last_failure: float | None = None

    def ceiling(self) -> float:
        """The upper bound of the next delay (before jitter)."""
        return float(min(self.cap, self.initial * self.factor**self.attempt))

    def next_delay(self) -> float:
        """Record a failure and return how long to wait before the next try."""
        now = self._clock()
        if self._last_failure is not None and now - self._last_failure >= self.reset_after:
            self.attempt = 0
        ceiling = self.ceiling()
        self.attempt += 1
        self._last_failure = now
        return self._rng.uniform(0.0, ceiling)

    def reset(self) -> None:
        self.attempt = 0
        self._last_failure = None
