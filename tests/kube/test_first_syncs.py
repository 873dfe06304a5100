"""FirstSyncs: the gate the other sources wait at while the first ones make their first sync."""

from __future__ import annotations

import asyncio

from masthead.kube.first_syncs import FirstSyncs


async def test_an_open_gate_does_not_count_a_wait() -> None:
    gate = FirstSyncs(max_wait=5.0)
    await gate.wait()
    assert gate.as_dict() == {"holding": False, "waits": 0, "timeouts": 0}


async def test_waiters_pass_when_the_first_sources_are_settled() -> None:
    gate = FirstSyncs(max_wait=30.0)
    gate.hold(True)
    waiters = [asyncio.create_task(gate.wait()) for _ in range(3)]
    await asyncio.sleep(0)
    assert not any(w.done() for w in waiters)
    gate.hold(False)
    await asyncio.gather(*waiters)
    assert gate.as_dict() == {"holding": False, "waits": 3, "timeouts": 0}


async def test_a_wait_lasts_while_the_first_sources_progress() -> None:
    """Progress every 50 ms for 2 s against a 1 s bound: the lead is kept the whole time."""
    gate = FirstSyncs(max_wait=1.0)
    gate.hold(True)
    waiter = asyncio.create_task(gate.wait())
    for _ in range(40):
        await asyncio.sleep(0.05)
        gate.progressed()
    assert not waiter.done()
    gate.hold(False)
    await waiter
    assert (gate.waits, gate.timeouts) == (1, 0)


async def test_a_wait_ends_when_the_first_sources_make_no_progress() -> None:
    gate = FirstSyncs(max_wait=0.05)
    gate.hold(True)
    await gate.wait()  # a stalled first source holds nobody for good
    assert gate.as_dict() == {"holding": True, "waits": 1, "timeouts": 1}
