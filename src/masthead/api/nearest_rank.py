"""The nearest-rank percentile the diagnostics report (loop lag, frame latency): a sample
that was observed, never an interpolation between two."""

from __future__ import annotations

from collections.abc import Sequence


def nearest_rank(ordered: Sequence[float], q: float) -> float:
    """The q-quantile (0-1) of `ordered` (sorted ascending); 0 for no samples."""
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
