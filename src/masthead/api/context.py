"""What every handler shares: the cluster registry, security, settings and counters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web

from masthead.actions.drain_runs import DrainRuns
from masthead.api.errors import ApiProblem
from masthead.api.security import Security
from masthead.cluster import ClusterSession
from masthead.malloc_trimmer import MallocTrimmer
from masthead.objects.cache import ObjectCache
from masthead.objects.reader import ObjectReader
from masthead.persist.settings import Settings
from masthead.views.catalogue import ViewSpec
from masthead.views.sources import ViewRegistry

if TYPE_CHECKING:
    from masthead.api.feeds import Feeds
    from masthead.feeds.metrics import MetricsPoller


@dataclass(frozen=True, slots=True)
class LiveTuning:
    """Intervals and caps of the live socket (tests shrink them)."""

    # A subscription gets at most one page frame per interval (≤ 10 frames/s, protocol §3);
    # changes inside it coalesce into the next frame, latest state wins.
    min_interval: float = 0.1
    # protocol §3: the client reconnects after 45 s of silence, so 15 s leaves two misses.
    heartbeat: float = 15.0
    # Subscriptions one socket may hold (a tab shows a few views; more is a bug or abuse).
    max_subscriptions: int = 64
    # Non-page frames (cluster, error, heartbeat) waiting to be sent; past it the oldest go.
    control_queue: int = 256
    # Largest client message accepted (ops are small JSON objects): a larger one gets an
    # error frame and the socket stays open.
    max_message: int = 64 * 1024
    # Largest WebSocket message read at all: past it aiohttp closes the socket (1009) without
    # buffering the rest, so a runaway client costs at most this much memory.
    max_frame: int = 1024 * 1024
    # permessage-deflate of frames (None: only in in-cluster mode, see api/live.py _compress).
    compress: bool | None = None


@dataclass
class ApiCounters:
    pages_built: int = 0  # page bodies assembled (HTTP)
    pages_not_modified: int = 0  # If-None-Match answered 304 without building
    objects_fetched: int = 0


@dataclass
class ApiContext:
    registry: ViewRegistry
    security: Security
    read_only: frozenset[str] = frozenset()  # context names (or ids) protected from actions
    read_only_patterns: tuple[str, ...] = ()  # globs (`*prod*`) of protected context names
    # Contexts where destructive actions need the object's name typed back (`confirm`).
    confirm: frozenset[str] = frozenset()
    confirm_patterns: tuple[str, ...] = ()
    web_dist: Path | None = None
    live: LiveTuning = field(default_factory=LiveTuning)
    counters: ApiCounters = field(default_factory=ApiCounters)
    # How long a page request waits for the first sync of a source it just opened.
    first_sync_wait: float = 3.0
    # The feed engines (events history, metrics pollers, log followers); None: not served.
    feeds: Feeds | None = None
    # Node drains running in the background (actions), bounded per cluster.
    drains: DrainRuns = field(default_factory=DrainRuns)
    # Full objects read on demand, cached while the watch vouches for them.
    object_cache: ObjectCache = field(default_factory=ObjectCache)
    # Hands what glibc's malloc keeps free back to the OS every interval (malloc_trimmer.py).
    malloc_trimmer: MallocTrimmer = field(default_factory=MallocTrimmer)
    # Settings saved across restarts (api/namespaces.py); None: not persisted.
    settings: Settings | None = None
    # `--namespaces` per context name: always tried, not removable from the UI.
    namespace_flags: Mapping[str, Sequence[str]] = field(default_factory=dict)
    objects: ObjectReader = field(init=False)

    def __post_init__(self) -> None:
        self.objects = ObjectReader(self.registry, self.object_cache)

    def session(self, cluster_id: str) -> ClusterSession:
        """The cluster by id (or context name); 404 when unknown. In-cluster mode: only the
        requesting user's own session (by its id or as `in-cluster`)."""
        if self.security.users is not None:
            return self.security.users.users.session(cluster_id)
        try:
            return self.registry.get(cluster_id)
        except KeyError:
            raise ApiProblem(
                404,
                f"no cluster {cluster_id!r}",
                reason="NotFound",
                cluster=cluster_id,
                details={"parameter": "cluster"},
            ) from None

    def visible_sessions(self) -> list[ClusterSession]:
        """The clusters this request may see: all of them, or in in-cluster mode the
        requesting user's own."""
        if self.security.users is not None:
            return self.security.users.users.visible()
        return list(self.registry.sessions.values())

    def metrics_for(
        self, session: ClusterSession, view: ViewSpec, key: str = ""
    ) -> MetricsPoller | None:
        """The cluster's metrics poller, told that `key` shows metrics now (a page or a live
        frame being built); None when the view has no metric columns or feeds are off."""
        if view.metrics is None or self.feeds is None:
            return None
        poller = self.feeds.poller(session)
        poller.demand(key)
        return poller

    def need_feeds(self) -> Feeds:
        if self.feeds is None:
            raise ApiProblem(503, "feeds are not running", reason="Unavailable")
        return self.feeds

    def is_read_only(self, session: ClusterSession) -> bool:
        return _named(session, self.read_only, self.read_only_patterns)

    def needs_confirm(self, session: ClusterSession) -> bool:
        return _named(session, self.confirm, self.confirm_patterns)


def _named(session: ClusterSession, names: frozenset[str], patterns: tuple[str, ...]) -> bool:
    """The session's context (or id) is one of `names` or matches one of the globs."""
    e = session.entry
    if e.context in names or e.id in names:
        return True
    return any(fnmatchcase(e.context, p) for p in patterns)


CONTEXT: web.AppKey[ApiContext] = web.AppKey("masthead.context", ApiContext)


def context_of(request: web.Request) -> ApiContext:
    return request.app[CONTEXT]
