"""The feed engines the server runs beside the views: the SQLite database in the data dir, the
events history every cluster's event source records into, one metrics poller per cluster
(started by demand), and the log followers of SSE log streams (kept for a while after their
last reader so a reconnect resumes by seq).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from masthead.cluster import ClusterSession
from masthead.feeds.events_history import EventsHistory, EventSubscription, HistoryTuning
from masthead.feeds.logs import LogFollower, LogOptions, LogTuning, PodLogTarget
from masthead.feeds.metrics import MetricsPoller, MetricsTuning, metrics_transport
from masthead.kube.access import AccessMode
from masthead.kube.transport import Transport
from masthead.persist.db import Database

log = logging.getLogger(__name__)


def default_data_dir() -> Path:
    """`$XDG_DATA_HOME/masthead`, else `~/.local/share/masthead`."""
    base = os.environ.get("XDG_DATA_HOME")
    root = Path(base) if base else Path.home() / ".local" / "share"
    return root / "masthead"


@dataclass(frozen=True, slots=True)
class FeedTuning:
    # protocol §4: a comment line every 15 s keeps proxies and EventSource from timing out.
    keepalive: float = 15.0
    history: HistoryTuning = field(default_factory=HistoryTuning)
    metrics: MetricsTuning = field(default_factory=MetricsTuning)
    logs: LogTuning = field(default_factory=LogTuning)
    # An SSE log follower without readers is kept this long, so a reconnect resumes by seq.
    log_linger: float = 60.0
    # Followers at most (WebSocket ops + SSE streams, all clusters).
    max_log_followers: int = 64


@dataclass(eq=False)
class SharedFollower:
    """A log follower of the SSE endpoint, shared by readers of the same target + options."""

    key: tuple[str, ...]
    follower: LogFollower
    readers: int = 0
    linger: asyncio.TimerHandle | None = None
    closing: asyncio.Task[None] | None = None


class Feeds:
    def __init__(self, db: Database, history: EventsHistory, tuning: FeedTuning) -> None:
        self.db = db
        self.history = history
        self.tuning = tuning
        self._pollers: dict[str, tuple[ClusterSession, MetricsPoller]] = {}
        self._shared_logs: dict[tuple[str, ...], SharedFollower] = {}
        self.followers: set[LogFollower] = set()  # every open follower (WebSocket and SSE)
        self.event_streams: set[EventSubscription] = set()
        self._closing = False
        self._closing_pollers: set[asyncio.Task[None]] = set()

    @classmethod
    async def open(cls, data_dir: Path, tuning: FeedTuning | None = None) -> Feeds:
        tuning = tuning or FeedTuning()
        db = await Database.open(data_dir)
        if db.rebuilt:
            log.warning("database %s was rebuilt: %s", db.path, db.rebuilt)
        history = EventsHistory(db, tuning.history)
        await history.start()
        return cls(db, history, tuning)

    # ------------------------------------------------------------------ metrics
    def poller(self, session: ClusterSession) -> MetricsPoller:
        """The cluster's poller (created on first use; idle until `demand()`)."""
        found = self._pollers.get(session.id)
        if found is not None and found[0] is session:
            return found[1]
        if found is not None:  # the session was made again (reconnect, in-cluster reopen)
            task = asyncio.create_task(_close_poller(found[1]), name="close metrics poller")
            self._closing_pollers.add(task)
            task.add_done_callback(self._closing_pollers.discard)
        poller = MetricsPoller(
            metrics_transport(session),
            session.id,
            self.tuning.metrics,
            self.db,
            namespaces=lambda: metric_namespaces(session),
        )
        self._pollers[session.id] = (session, poller)
        return poller

    def pollers(self) -> list[MetricsPoller]:
        return [p for _, p in self._pollers.values()]

    # ------------------------------------------------------------------ logs
    def check_room(self) -> bool:
        return len(self.followers) < self.tuning.max_log_followers

    async def follower(
        self,
        transport: Transport,
        targets: Callable[[], Iterable[PodLogTarget]],
        options: LogOptions,
    ) -> LogFollower:
        f = LogFollower(transport, targets, options, self.tuning.logs)
        await f.start()
        self.followers.add(f)
        return f

    async def release(self, f: LogFollower) -> None:
        self.followers.discard(f)
        await f.close()

    def shared_follower_of(self, key: tuple[str, ...]) -> SharedFollower | None:
        found = self._shared_logs.get(key)
        return found if found is not None and found.closing is None else None

    async def shared_follower(
        self, key: tuple[str, ...], start: Callable[[], Awaitable[LogFollower]] | None
    ) -> SharedFollower | None:
        """The SSE follower for `key`: the living one, else a new one from `start()`."""
        found = self._shared_logs.get(key)
        if found is not None and found.closing is None:
            if found.linger is not None:
                found.linger.cancel()
                found.linger = None
            found.readers += 1
            return found
        if start is None:
            return None
        f = await start()
        shared = SharedFollower(key, f, readers=1)
        self._shared_logs[key] = shared
        return shared

    def leave(self, shared: SharedFollower) -> None:
        shared.readers -= 1
        if shared.readers > 0 or self._closing:
            return
        loop = asyncio.get_running_loop()
        shared.linger = loop.call_later(self.tuning.log_linger, self._expire, shared)

    def _expire(self, shared: SharedFollower) -> None:
        shared.linger = None
        if shared.readers > 0:
            return
        if self._shared_logs.get(shared.key) is shared:
            del self._shared_logs[shared.key]
        shared.closing = asyncio.create_task(self.release(shared.follower))

    # ------------------------------------------------------------------ lifecycle
    def shutdown_streams(self) -> None:
        """Server shutdown: end every SSE stream (their handlers return)."""
        self._closing = True
        for sub in list(self.event_streams):
            sub.close()

    async def close_followers(self) -> None:
        """Stop every log follower and metrics poller (before the clusters close)."""
        self.shutdown_streams()
        for shared in list(self._shared_logs.values()):
            if shared.linger is not None:
                shared.linger.cancel()
        self._shared_logs.clear()
        for f in list(self.followers):
            await self.release(f)
        for _, p in list(self._pollers.values()):
            await _close_poller(p)
        self._pollers.clear()
        for task in list(self._closing_pollers):
            with contextlib.suppress(Exception):
                await task

    async def close(self) -> None:
        await self.close_followers()
        with contextlib.suppress(Exception):
            await self.history.close()
        await self.db.close()

    def as_dict(self) -> dict[str, object]:
        return {
            "database": self.db.as_dict(),
            "events_history": self.history.as_dict(),
            "event_streams": len(self.event_streams),
            "metrics": {p.cluster: p.as_dict() for p in self.pollers()},
            "log_followers": len(self.followers),
            "shared_log_followers": len(self._shared_logs),
        }


async def _close_poller(poller: MetricsPoller) -> None:
    await poller.close()
    await poller.transport.close()


def metric_namespaces(session: ClusterSession) -> Sequence[str] | None:
    """Namespaces to poll pod metrics in one by one: those the pods source is limited to for a
    restricted user; None (one cluster-wide request) otherwise."""
    for group in session.resources:
        r = group.resource
        if r is None or r.group != "" or r.resource != "pods" or group.plan is None:
            continue
        if group.plan.mode is AccessMode.NAMESPACES:
            return list(group.plan.namespaces)
    return None
