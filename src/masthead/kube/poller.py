"""`Poller`: mirrors a source the user may list but not watch (issue 4, Access).

A `Reflector` without the watch: a full paginated LIST every `poll_interval` (± `poll_jitter`),
each one applied like a relist — `sink.replace()` adds, updates and deletes whatever vanished,
so no ghost survives. Failures take the reflector's own policy (states, backoff, 403 → forbidden
and a slow retry). Its freshness is `polled` with the time of the last completed LIST and of
the next one, never `live`: between polls the data can be up to one interval old, and nothing
(the object cache included) may treat it as watched. Its LISTs are counted under the verb
`poll` in the cluster's request stats.
"""

from __future__ import annotations

import asyncio
from typing import TypeVar

from masthead.kube.gcpause import gc_paused
from masthead.kube.reflector import Reflector

T = TypeVar("T")


class Poller(Reflector[T]):
    list_verb = "poll"
    _next_poll = 0.0  # seconds until the next LIST, chosen after each completed one

    async def run(self) -> None:
        while True:
            try:
                await self._first_sync_turn()
                with gc_paused():  # for the whole list, as a reflector's (see _synced)
                    await self._list()
            except Exception as e:  # every failure is a state plus a wait, never a dead task
                await self._wait_after(e, self._failed(e))
                continue
            await asyncio.sleep(self._next_poll)

    def _live(self) -> None:
        """Called by `_synced` after each completed LIST: `polled`, and the next wait."""
        self._down_since = None
        self._next_poll = self._jittered()
        self.freshness.polled(self._next_poll)

    def _jittered(self) -> float:
        t = self.tuning
        spread = t.poll_interval * t.poll_jitter
        return max(0.0, t.poll_interval + self._rng.uniform(-spread, spread))
