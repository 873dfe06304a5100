"""The metrics poller's per-object history (feeds/metrics.py `_Ring`) under a long view: it
keeps its last `history_points` samples in order, and its memory is fixed from the first
sample — a deque of Sample objects grew from ~0.9 to ~6.9 KB per pod over its 40 points, at
100k pods ~600 MB over the first ten minutes of a load (issue 8)."""

from __future__ import annotations

import tracemalloc

from masthead.feeds.metrics import Sample, _Ring

POINTS = 40
RINGS = 2000


def test_the_ring_keeps_the_last_points_in_order() -> None:
    ring = _Ring(3)
    assert len(ring) == 0 and ring.last_t() is None and ring.samples() == []
    for i in range(8):
        ring.append(100.0 + i, 1.5 * i, 2**40 + i)
        assert len(ring) == min(i + 1, 3) and ring.last_t() == 100.0 + i
    assert ring.samples() == [
        Sample(105.0, 7.5, 2**40 + 5),
        Sample(106.0, 9.0, 2**40 + 6),
        Sample(107.0, 10.5, 2**40 + 7),
    ]


def test_a_ring_holds_the_same_memory_from_its_first_sample_to_its_last() -> None:
    tracemalloc.start()
    try:
        rings = [_Ring(POINTS) for _ in range(RINGS)]
        for r in rings:
            r.append(1.0, 2.0, 3)
        first = tracemalloc.get_traced_memory()[0]
        for t in range(2, 3 * POINTS):
            for r in rings:
                r.append(float(t), 2.0 * t, 3 * t)
        full = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert all(len(r) == POINTS for r in rings)
    assert full - first < RINGS * 16  # nothing per sample once allocated
    assert first / RINGS < 1300  # 40 points in ~1.2 KB (the deque of Samples: ~6.9 KB)
