"""LoopLag's bookkeeping: a bounded window of recent lags, blocks counted at 50 ms, and a
real blocking call seen as one."""

from __future__ import annotations

import asyncio
import time

from masthead.api.loop_lag import BLOCK_S, LoopLag


def test_recent_lags_are_bounded_and_blocks_counted() -> None:
    lag = LoopLag(keep=10)
    for i in range(25):
        lag.record(i / 1000)
    lag.record(BLOCK_S)
    assert lag.samples == 26 and lag.as_dict()["recent"] == 10
    assert lag.blocks == 1 and lag.worst == BLOCK_S
    assert lag.quantile(0.0) == 0.016 and lag.quantile(1.0) == BLOCK_S
    d = lag.as_dict()
    assert d["recent"] == 10 and d["max_ms"] == 50.0 and d["blocks"] == 1


async def test_a_blocked_loop_is_measured() -> None:
    lag = LoopLag(interval=0.01)
    lag.start()
    try:
        await asyncio.sleep(0.05)
        time.sleep(0.12)  # noqa: ASYNC251 - holds the loop, as a long synchronous section does
        await asyncio.sleep(0.05)
    finally:
        await lag.stop()
    assert lag.blocks >= 1 and lag.worst >= 0.1
    assert lag.samples >= 3
