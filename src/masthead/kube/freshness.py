"""Per-source freshness as data (architecture §1.5): what a page or frame says about each
source it used. A reflector publishes; views and diagnostics read or subscribe.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum


class SourceState(StrEnum):
    CONNECTING = "connecting"  # nothing known yet
    SYNCING = "syncing"  # initial or re-list in progress (n of ~N)
    LIVE = "live"  # listed and watching
    POLLED = "polled"  # listed every few seconds: the user may list but not watch
    RECONNECTING = "reconnecting"  # the watch broke; data still recent
    STALE = "stale"  # the watch has been broken for a while
    FORBIDDEN = "forbidden"  # 403: the user may not list/watch this source
    AUTH_FAILED = "auth-failed"  # 401 after a credential refresh
    UNAVAILABLE = "unavailable"  # the server refuses in a way retries will not fix soon
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class SourceFreshness:
    state: SourceState
    since: float  # wall-clock time the state began (for "live since", "stale since")
    message: str = ""  # the API's message for forbidden / auth-failed / unavailable
    synced: int = 0  # syncing: objects received so far
    total: int | None = None  # syncing: estimate from remainingItemCount
    attempt: int = 0  # reconnecting/stale: failed attempts in a row
    next_retry: float | None = None  # wall-clock time of the next attempt (polled: next poll)
    last_poll: float | None = None  # polled: wall-clock time the last LIST completed

    @property
    def healthy(self) -> bool:
        """Serving data as fresh as this source can: live, or polled on schedule."""
        return self.state in (SourceState.LIVE, SourceState.POLLED)

    def as_dict(self) -> dict[str, object]:
        d: dict[str, object] = {"state": self.state.value, "since": self.since}
        if self.message:
            d["message"] = self.message
        if self.state is SourceState.SYNCING:
            d["synced"] = self.synced
            d["total"] = self.total
        if self.attempt:
            d["attempt"] = self.attempt
        if self.next_retry is not None:
            d["next_retry"] = self.next_retry
        if self.last_poll is not None:
            d["last_poll"] = self.last_poll
        return d


Listener = Callable[[SourceFreshness], None]


class Freshness:
    """The current `SourceFreshness` of one source, with a version that bumps on each change,
    listeners (called synchronously) and an awaitable change signal."""

    def __init__(self, wall: Callable[[], float] = time.time) -> None:
        self._wall = wall
        self.current = SourceFreshness(SourceState.CONNECTING, wall())
        self.version = 0
        self._listeners: list[Listener] = []
        self._changed = asyncio.Event()
        # (snapshot time, message) while the source shows restored rows and is not live yet.
        self._restored: tuple[float, str] | None = None

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` on every change; returns the unsubscribe function."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    async def wait_for(
        self, predicate: Callable[[SourceFreshness], bool], timeout: float | None = None
    ) -> SourceFreshness:
        """Wait until the current freshness satisfies `predicate`."""
        async with asyncio.timeout(timeout):
            while not predicate(self.current):
                await self._changed.wait()
            return self.current

    def _publish(self, new: SourceFreshness) -> None:
        if new == self.current:
            return
        self.current = new
        self.version += 1
        # Wake current waiters, then arm a fresh event for the next change.
        self._changed.set()
        self._changed = asyncio.Event()
        for listener in list(self._listeners):
            listener(new)

    def _since(self, state: SourceState) -> float:
        return self.current.since if self.current.state is state else self._wall()

    # One method per transition, named for what happened.
    def restored(self, since: float, message: str) -> None:
        """The source's rows come from a snapshot taken at `since`: `stale` from then, and it
        stays so (syncing and reconnecting named in the message) until the source is live."""
        self._restored = (since, message)
        self._publish(SourceFreshness(SourceState.STALE, since, message))

    def syncing(self, synced: int, total: int | None) -> None:
        if self._restored is not None:
            since, message = self._restored
            of = f" of {total}" if total is not None else ""
            text = f"{message}; listing ({synced}{of})"
            self._publish(SourceFreshness(SourceState.STALE, since, text, synced, total))
            return
        self._publish(
            SourceFreshness(
                SourceState.SYNCING, self._since(SourceState.SYNCING), "", synced, total
            )
        )

    def live(self) -> None:
        self._restored = None
        self._publish(SourceFreshness(SourceState.LIVE, self._since(SourceState.LIVE)))

    def polled(self, next_in: float) -> None:
        """A poll's LIST completed now; the next one is due in `next_in` seconds."""
        now = self._wall()
        since = self._since(SourceState.POLLED)
        self._publish(
            SourceFreshness(SourceState.POLLED, since, next_retry=now + next_in, last_poll=now)
        )

    def disconnected(self, attempt: int, retry_in: float, stale: bool, message: str) -> None:
        """The source failed transiently; `stale` once it has been down for long."""
        if self._restored is not None:
            since, restored = self._restored
            self._publish(
                SourceFreshness(
                    SourceState.STALE,
                    since,
                    f"{restored}; {message}",
                    attempt=attempt,
                    next_retry=self._wall() + retry_in,
                )
            )
            return
        state = SourceState.STALE if stale else SourceState.RECONNECTING
        cur = self.current
        keep = cur.state in (SourceState.RECONNECTING, SourceState.STALE)
        since = cur.since if keep and cur.state is state else self._wall()
        self._publish(
            replace(
                SourceFreshness(state, since, message),
                attempt=attempt,
                next_retry=self._wall() + retry_in,
            )
        )

    def denied(self, state: SourceState, message: str, retry_in: float) -> None:
        """forbidden, auth-failed or unavailable, with the API's message."""
        self._restored = None
        since = self._since(state)
        self._publish(SourceFreshness(state, since, message, next_retry=self._wall() + retry_in))

    def stopped(self) -> None:
        self._restored = None
        self._publish(SourceFreshness(SourceState.STOPPED, self._wall()))
