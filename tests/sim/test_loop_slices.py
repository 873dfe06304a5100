"""`Slicer`: background work yields once its synchronous time since the last yield reaches the
budget, and only then (a clock moved by hand)."""

from __future__ import annotations

from masthead.sim.loop_slices import SLICE_SECONDS, Slicer
from tests.sim.loop_turns import counting_turns


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_pauses_once_the_budget_is_spent_and_starts_a_new_slice() -> None:
    clock = Clock()
    slicer = Slicer(0.002, clock)
    async with counting_turns() as turns:
        clock.now = 0.0019
        await slicer.pause_if_due()
        assert (slicer.pauses, turns.count) == (0, 0)  # under the budget: no yield
        clock.now = 0.002
        await slicer.pause_if_due()
        assert slicer.pauses == 1 and turns.count == 1  # the other task ran in between
        clock.now = 0.003  # 1 ms into the new slice
        await slicer.pause_if_due()
        assert slicer.pauses == 1
        clock.now = 0.010
        slicer.restart()  # the work waited (its own await): a fresh slice
        await slicer.pause_if_due()
        assert slicer.pauses == 1


def test_the_default_slice_is_a_few_milliseconds() -> None:
    assert 0.0005 <= SLICE_SECONDS <= 0.005
    assert Slicer().budget == SLICE_SECONDS
