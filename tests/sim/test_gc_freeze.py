"""`masthead sim` freezes the cyclic GC's survivors periodically (gc_freeze.py), so a full
collection never walks the whole churned world in one pass; /_sim/diagnostics reports it."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator

import pytest

from masthead.sim.app import SimConfig
from masthead.sim.gc_freeze import FULL_AFTER_YOUNG, GcFreezer
from tests.sim.simclient import running_sim


@pytest.fixture
def unfrozen() -> Iterator[None]:
    """The test process's objects go back to the collected generations afterwards."""
    gc.unfreeze()
    try:
        yield
    finally:
        gc.unfreeze()


async def test_survivors_are_frozen_every_interval_and_reported(unfrozen: None) -> None:
    before = gc.get_threshold()
    async with running_sim(SimConfig(gc_freeze_every=0.05)) as c:
        kept = [[i] for i in range(10_000)]  # containers alive across a freeze
        for _ in range(100):
            r = await c.get("/_sim/diagnostics")
            freeze = r.body["gc_freeze"]
            if freeze["freezes"] >= 2:
                break
            await asyncio.sleep(0.05)
        assert freeze["every_s"] == 0.05
        assert freeze["freezes"] >= 2
        assert gc.get_freeze_count() >= len(kept)
        assert "frozen" not in freeze  # counting them walks every frozen object
        assert freeze["thresholds"][2] == FULL_AFTER_YOUNG
    assert gc.get_threshold() == before  # restored at stop


async def test_no_freezer_in_an_in_process_simulator_by_default(unfrozen: None) -> None:
    async with running_sim() as c:
        await asyncio.sleep(0.1)
        assert (await c.get("/_sim/diagnostics")).body["gc_freeze"] is None
        assert gc.get_freeze_count() == 0


def test_freeze_now_moves_live_containers_out_of_the_collected_generations(
    unfrozen: None,
) -> None:
    freezer = GcFreezer(10.0)
    before = gc.get_freeze_count()
    kept = [{"k": [i]} for i in range(5_000)]
    freezer.freeze_now()
    assert gc.get_freeze_count() >= before + len(kept)
    assert freezer.as_dict()["freezes"] == 1
    garbage = [[i] for i in range(1_000)]
    garbage.append(garbage)  # a cycle, garbage once dropped, collected (young, not frozen)
    del garbage
    assert gc.collect() >= 1


@pytest.mark.parametrize("every", [0.0, -1.0, float("nan")])
def test_a_non_positive_interval_is_refused(every: float) -> None:
    with pytest.raises(ValueError, match="gc freeze interval"):
        GcFreezer(every)
