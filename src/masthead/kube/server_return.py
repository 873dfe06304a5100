"""Waking sources when an API server that stopped answering is back.

Each source backs off with full jitter up to `backoff_max` after a failure (ADR 001 §9), which
keeps a recovering API server from a thundering herd but leaves the sources waiting up to that
long after it answers again (a 30 s outage: 14–18 s). Instead of shorter backoffs, one probe
per cluster — `GET /readyz`, an unauthenticated-safe endpoint every apiserver serves — runs
while sources wait after a connection-level failure, and wakes them all, spread over
`server_return_spread`, when it sees the server go from not answering to answering. The probe
adds one small request per `server_return_probe` seconds while the server is down; the
sources' own backoff still governs failures the server answers (5xx, 429, 410).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from typing import TYPE_CHECKING

from masthead.kube.errors import ApiError, KubeError
from masthead.kube.tuning import Tuning
from masthead.tasks import cancel_and_wait

if TYPE_CHECKING:  # transport.py builds a ServerReturn: a runtime import would be circular
    from masthead.kube.transport import Transport

PROBE_PATH = "/readyz"


class ServerReturn:
    def __init__(
        self, transport: Transport, tuning: Tuning, rng: random.Random | None = None
    ) -> None:
        self._transport = transport
        self._tuning = tuning
        self._rng = rng or random.Random()
        self._back = asyncio.Event()
        self._waiters = 0
        self._probe: asyncio.Task[None] | None = None
        self.probes = 0
        self.wakeups = 0

    async def wait(self, delay: float) -> None:
        """Sleep `delay` seconds, or less: until the probe sees the server answer again (then
        a random part of the spread, so the woken sources do not reconnect at one instant)."""
        self._waiters += 1
        back = self._back
        if self._probe is None or self._probe.done():
            self._probe = asyncio.create_task(self._probe_until_back(), name="server return")
        woke = False
        try:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await back.wait()
                    woke = True
        finally:
            self._waiters -= 1
        if woke:
            await asyncio.sleep(self._rng.uniform(0.0, self._tuning.server_return_spread))

    async def close(self) -> None:
        await cancel_and_wait(self._probe)
        self._probe = None

    async def _answers(self) -> bool:
        self.probes += 1
        try:
            await self._transport.request("probe", PROBE_PATH, timeout=5.0, max_retries=0)
        except ApiError:
            return True  # it answered (a 401/403/500 from /readyz is still an answer)
        except KubeError:
            return False
        return True

    async def _probe_until_back(self) -> None:
        """Probe while someone waits; wake them on a not-answering → answering transition
        only (a server that answers the probe but fails the sources' requests at the
        connection level is left to their backoff, or this would wake them every probe)."""
        seen_down = False
        interval = self._tuning.server_return_probe
        while self._waiters:
            if await self._answers():
                if seen_down:
                    self.wakeups += 1
                    back, self._back = self._back, asyncio.Event()
                    back.set()
                    return
            else:
                seen_down = True
            await asyncio.sleep(interval * self._rng.uniform(0.8, 1.2))
