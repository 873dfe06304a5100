"""Stopping background tasks: one way for every owner of a task to cancel it and wait."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

log = logging.getLogger(__name__)


async def cancel_and_wait(*tasks: asyncio.Task[Any] | None) -> None:
    """Cancel `tasks` (None entries skipped) and return once every one has finished.

    A task's own end — its cancellation or an exception it raised while unwinding — is the
    task's business: it is consumed here (a failure is logged), so a `close()` goes on to free
    the rest of what it owns. A cancellation of the *caller* while it waits still propagates;
    the common `with suppress(CancelledError): await task` would swallow that too and let a
    cancelled caller run on.
    """
    live = [t for t in tasks if t is not None]
    for t in live:
        t.cancel()
    if not live:
        return
    await asyncio.wait(live)
    for t in live:
        if t.cancelled():
            continue
        error = t.exception()
        if error is not None:
            log.warning("task %s failed while stopping: %r", t.get_name(), error)
