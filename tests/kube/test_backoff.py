"""Backoff policy: bounds, doubling, cap, full jitter, reset after a healthy period."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from masthead.kube.backoff import Backoff
from masthead.kube.tuning import Tuning


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_ceilings_double_from_initial_to_cap() -> None:
    b = Backoff(Tuning(), random.Random(1), FakeClock())
    ceilings = []
    for _ in range(8):
        ceilings.append(b.ceiling())
        b.next_delay()
    assert ceilings == [0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 30.0, 30.0]


def test_seeded_delays_are_reproducible_and_jittered() -> None:
    a = [Backoff(Tuning(), random.Random(42), FakeClock()).next_delay() for _ in range(1)]
    b1 = Backoff(Tuning(), random.Random(42), FakeClock())
    b2 = Backoff(Tuning(), random.Random(42), FakeClock())
    s1 = [b1.next_delay() for _ in range(10)]
    s2 = [b2.next_delay() for _ in range(10)]
    assert s1 == s2 and s1[0] == a[0]
    assert len(set(s1)) == 10  # full jitter: no two equal
    assert all(0.0 <= d <= c for d, c in zip(s1, [0.8 * 2**i for i in range(5)], strict=False))


@given(st.integers(min_value=0, max_value=2**32), st.integers(min_value=1, max_value=40))
def test_delay_never_exceeds_its_ceiling_or_the_cap(seed: int, n: int) -> None:
    b = Backoff(Tuning(), random.Random(seed), FakeClock())
    for _ in range(n):
        ceiling = b.ceiling()
        d = b.next_delay()
        assert 0.0 <= d <= ceiling <= 30.0


def test_resets_after_healthy_period_only() -> None:
    clock = FakeClock()
    b = Backoff(Tuning(), random.Random(0), clock)
    for _ in range(5):
        b.next_delay()
    clock.now += 119.0  # not yet healthy long enough
    b.next_delay()
    assert b.attempt == 6
    clock.now += 120.0
    b.next_delay()
    assert b.attempt == 1  # this failure started from the initial step again
