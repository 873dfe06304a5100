"""cancel_and_wait: the one way owners stop their background tasks."""

from __future__ import annotations

import asyncio
import logging

import pytest

from masthead.tasks import cancel_and_wait


async def test_cancels_every_task_and_skips_none() -> None:
    started = asyncio.Event()

    async def forever() -> None:
        started.set()
        await asyncio.Event().wait()

    a = asyncio.create_task(forever())
    b = asyncio.create_task(forever())
    await started.wait()
    await cancel_and_wait(a, None, b)
    assert a.cancelled() and b.cancelled()


async def test_a_task_that_fails_while_unwinding_is_logged_not_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    started = asyncio.Event()

    async def fails_on_cancel() -> None:
        try:
            started.set()
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            raise RuntimeError("cleanup broke") from None

    t = asyncio.create_task(fails_on_cancel(), name="unwinder")
    await started.wait()
    with caplog.at_level(logging.WARNING, logger="masthead.tasks"):
        await cancel_and_wait(t)
    assert t.done() and not t.cancelled()
    assert [r.getMessage() for r in caplog.records] == [
        "task unwinder failed while stopping: RuntimeError('cleanup broke')"
    ]


async def test_the_callers_own_cancellation_propagates() -> None:
    """A bare suppress(CancelledError) around the await would swallow this and return."""
    release = asyncio.Event()
    waiting = asyncio.Event()

    async def slow_to_stop() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            waiting.set()
            await release.wait()

    inner = asyncio.create_task(slow_to_stop())
    await asyncio.sleep(0)
    after: list[str] = []

    async def owner() -> None:
        await cancel_and_wait(inner)
        after.append("ran on")

    outer = asyncio.create_task(owner())
    await waiting.wait()
    outer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await outer
    assert after == []
    release.set()
    await inner
