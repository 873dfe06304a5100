"""`GET /metrics` (protocol.md §6): the counters diagnostics shows, in Prometheus text format.

Nothing here counts: `MastheadCollector` reads the live objects (sessions, their request
stats and sources, the live hub, the feeds) when scraped, so the numbers are the ones
`/api/v1/diagnostics` reports at the same moment. A registry is built per scrape: the
collector needs the audit row counts, read from SQLite (a worker thread) just before.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from aiohttp import web
from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import Collector

from masthead.api.clusters import source_id, source_items
from masthead.api.context import ApiContext, context_of
from masthead.api.live import LIVE_HUB, LiveHub
from masthead.api.loop_lag import BLOCK_S, LOOP_LAG, LoopLag
from masthead.cluster import ClusterSession, ClusterState
from masthead.feeds.metrics import MetricsState
from masthead.kube.freshness import SourceState
from masthead.persist.db import DatabaseError

CLUSTER_STATES = tuple(s.value for s in ClusterState)
SOURCE_STATES = tuple(s.value for s in SourceState)
METRICS_STATES = tuple(s.value for s in MetricsState)


@dataclass(frozen=True, slots=True)
class ScrapeInputs:
    """What the collector cannot read synchronously: audit rows per cluster id."""

    audit_rows: dict[str, int] = field(default_factory=dict)


def watch_restarts(session: ClusterSession) -> int:
    """Watch requests beyond the first of each started source: reconnects after a clean
    close or a failure, and WatchList relists."""
    started = sum(1 for src in session.sources() if src.sink is not None)
    return max(0, session.stats.count("watch") - started)


class MastheadCollector(Collector):
    def __init__(self, ctx: ApiContext, hub: LiveHub, inputs: ScrapeInputs, lag: LoopLag) -> None:
        self.ctx = ctx
        self.hub = hub
        self.inputs = inputs
        self.lag = lag

    def collect(self) -> Iterable[Metric]:
        yield from self._clusters()
        yield from self._server()
        yield from self._loop()
        yield from self._snapshots()
        yield from self._feeds()

    # ------------------------------------------------------------------ the event loop
    def _loop(self) -> Iterator[Metric]:
        lag = self.lag
        recent = GaugeMetricFamily(
            "masthead_loop_lag_seconds",
            "how late the event loop ran a timer, over the recent samples",
            labels=["quantile"],
        )
        for q in (0.5, 0.99, 1.0):
            recent.add_metric([str(q)], lag.quantile(q))
        yield recent
        yield _gauge("masthead_loop_lag_max_seconds", "the longest loop lag since start", lag.worst)
        yield _counter(
            "masthead_loop_blocks", f"loop lags of at least {BLOCK_S * 1000:g} ms", lag.blocks
        )

    # ------------------------------------------------------------------ warm start
    def _snapshots(self) -> Iterator[Metric]:
        warm = self.ctx.registry.warm
        if warm is None:
            return
        st = warm.stats
        for name, help_text, value in (
            ("written", "warm-start snapshots committed", st.written),
            ("written_bytes", "encoded bytes of the snapshots committed", st.bytes_written),
            ("restored", "snapshots loaded into a table at connect", st.restored),
            ("restored_rows", "rows of the snapshots restored", st.restored_rows),
            ("expired", "snapshots deleted past their age cap", st.expired),
            ("gone", "snapshots deleted: the cluster no longer serves their resource", st.gone),
            ("failed", "snapshot captures, encodes or restores that failed", st.failed),
        ):
            yield _counter(f"masthead_snapshots_{name}", help_text, value)
        ignored = CounterMetricFamily(
            "masthead_snapshots_ignored", "snapshots not restored", labels=["reason"]
        )
        ignored.add_metric(["outdated"], st.ignored_outdated)
        ignored.add_metric(["corrupt"], st.ignored_corrupt)
        yield ignored
        skipped = CounterMetricFamily(
            "masthead_snapshots_skipped", "snapshots not written (a cap)", labels=["cap"]
        )
        skipped.add_metric(["rows"], st.skipped_rows)
        skipped.add_metric(["bytes"], st.skipped_bytes)
        skipped.add_metric(["total_bytes"], st.skipped_total)
        yield skipped

    # ------------------------------------------------------------------ per cluster
    def _clusters(self) -> Iterator[Metric]:
        state = GaugeMetricFamily(
            "masthead_cluster_state",
            "1 for the cluster's lifecycle state, 0 for the others",
            labels=["cluster", "context", "state"],
        )
        source_state = GaugeMetricFamily(
            "masthead_source_state",
            "1 for the source's freshness state, 0 for the others",
            labels=["cluster", "source", "state"],
        )
        items = GaugeMetricFamily(
            "masthead_source_items",
            "rows in the source's table",
            labels=["cluster", "source"],
        )
        syncs = CounterMetricFamily(
            "masthead_source_syncs",
            "completed lists / WatchList syncs of the source",
            labels=["cluster", "source"],
        )
        requests = CounterMetricFamily(
            "masthead_cluster_requests",
            "requests to the API server by verb and HTTP status (0: no HTTP answer)",
            labels=["cluster", "verb", "code"],
        )
        lbl = ["cluster"]
        watches = GaugeMetricFamily(
            "masthead_cluster_watches_open", "watch streams open now", labels=lbl
        )
        relist = CounterMetricFamily(
            "masthead_cluster_relists", "syncs beyond each source's first", labels=lbl
        )
        restarts = CounterMetricFamily(
            "masthead_cluster_watch_restarts",
            "watch requests beyond the first of each started source",
            labels=lbl,
        )
        throttled = CounterMetricFamily(
            "masthead_cluster_throttled", "429 answers of the API server", labels=lbl
        )
        retries = CounterMetricFamily(
            "masthead_cluster_retries", "requests retried by the transport", labels=lbl
        )
        received = CounterMetricFamily(
            "masthead_cluster_received_bytes", "bytes received from the API server", labels=lbl
        )
        refreshes = CounterMetricFamily(
            "masthead_cluster_credential_refreshes",
            "credentials reloaded after a 401",
            labels=lbl,
        )
        for session in self.ctx.registry.sessions.values():
            cid = session.id
            current = session.status.state.value
            for s in CLUSTER_STATES:
                state.add_metric([cid, session.entry.context, s], float(s == current))
            for src in session.sources():
                sid = source_id(src)
                now = src.freshness.current.state.value
                for s in SOURCE_STATES:
                    source_state.add_metric([cid, sid, s], float(s == now))
                items.add_metric([cid, sid], source_items(src))
                syncs.add_metric([cid, sid], src.syncs)
            st = session.stats
            for (verb, code), n in sorted(st.requests.items()):
                requests.add_metric([cid, verb, str(code)], n)
            watches.add_metric([cid], st.watches_open)
            relist.add_metric([cid], session.relists)
            restarts.add_metric([cid], watch_restarts(session))
            throttled.add_metric([cid], st.throttled)
            retries.add_metric([cid], st.retries)
            received.add_metric([cid], st.bytes_received)
            refreshes.add_metric([cid], st.credential_refreshes)
        yield from (state, source_state, items, syncs, requests, watches, relist, restarts)
        yield from (throttled, retries, received, refreshes)

        notifications = CounterMetricFamily(
            "masthead_table_change_notifications",
            "table changes reported by the cluster's sinks",
            labels=lbl,
        )
        listeners = GaugeMetricFamily(
            "masthead_table_listeners", "live windows listening to the cluster's tables", labels=lbl
        )
        for cid, tables in self.ctx.registry.tables.items():
            notifications.add_metric([cid], tables.hub.notifications)
            listeners.add_metric([cid], tables.hub.listeners())
        yield from (notifications, listeners)

    # ------------------------------------------------------------------ this server
    def _server(self) -> Iterator[Metric]:
        c, live = self.ctx.counters, self.hub.counters
        conns = self.hub.connections
        yield _gauge("masthead_live_connections", "live sockets open now", len(conns))
        yield _counter(
            "masthead_live_connections_opened", "live sockets opened", live.connections_total
        )
        yield _gauge(
            "masthead_live_subscriptions",
            "window subscriptions on all live sockets",
            sum(len(x.subs) for x in conns),
        )
        yield _gauge(
            "masthead_live_log_streams",
            "log streams on all live sockets",
            sum(len(x.logs) for x in conns),
        )
        yield _counter(
            "masthead_live_frames_sent", "frames written to live sockets", live.frames_sent
        )
        yield _counter(
            "masthead_live_frames_dropped",
            "frames replaced before sending (latest wins) or dropped at the control cap",
            live.frames_dropped,
        )
        yield _counter("masthead_live_evaluations", "window re-evaluations", live.evaluations)
        yield _counter(
            "masthead_live_frames_coalesced",
            "changes absorbed by a window page already waiting to be sent",
            live.coalesced,
        )
        yield _counter(
            "masthead_live_pages_built", "window pages built (shared ones once)", live.pages_built
        )
        yield _counter(
            "masthead_live_pages_shared",
            "window frames served by a page another window built",
            live.pages_shared,
        )
        yield _gauge(
            "masthead_live_queue_depth",
            "frames waiting on all live sockets",
            sum(len(x.queue) for x in conns),
        )
        yield _gauge(
            "masthead_live_queue_bytes",
            "bytes of frames waiting on all live sockets",
            sum(x.queue.pending_bytes for x in conns),
        )
        yield _counter("masthead_api_pages_built", "page bodies built (HTTP)", c.pages_built)
        yield _counter(
            "masthead_api_pages_not_modified", "page requests answered 304", c.pages_not_modified
        )
        yield _counter(
            "masthead_api_objects_fetched", "objects fetched on demand", c.objects_fetched
        )
        refused = CounterMetricFamily(
            "masthead_api_refused", "requests refused by the security checks", labels=["check"]
        )
        for check, n in sorted(self.ctx.security.refused.items()):
            refused.add_metric([check], n)
        yield refused

    # ------------------------------------------------------------------ feeds
    def _feeds(self) -> Iterator[Metric]:
        feeds = self.ctx.feeds
        if feeds is None:
            return
        audit = GaugeMetricFamily(
            "masthead_audit_rows", "rows in the action audit log", labels=["cluster"]
        )
        for cid, n in sorted(self.inputs.audit_rows.items()):
            audit.add_metric([cid], n)
        yield audit
        yield _gauge(
            "masthead_sse_event_followers", "events SSE streams open", len(feeds.event_streams)
        )
        yield _gauge("masthead_sse_log_followers", "log followers running", len(feeds.followers))
        db = feeds.db
        yield _gauge("masthead_db_queue_depth", "write jobs waiting for the writer", db.depth)
        for name, help_text in (
            ("enqueued", "write jobs accepted"),
            ("written", "write jobs committed"),
            ("dropped", "write jobs dropped at the queue cap (oldest first)"),
            ("failed", "write jobs whose SQL failed"),
        ):
            yield _counter(f"masthead_db_jobs_{name}", help_text, getattr(db.stats, name))
        for name, n in feeds.history.stats.as_dict().items():
            yield _counter(f"masthead_events_history_{name}", f"events history: {name}", n)
        polls = CounterMetricFamily(
            "masthead_metrics_polls", "metrics.k8s.io polls", labels=["cluster"]
        )
        poll_state = GaugeMetricFamily(
            "masthead_metrics_state",
            "1 for the metrics poller's state, 0 for the others",
            labels=["cluster", "state"],
        )
        for p in feeds.pollers():
            polls.add_metric([p.cluster], p.polls)
            for s in METRICS_STATES:
                poll_state.add_metric([p.cluster, s], float(p.state.value == s))
        yield from (polls, poll_state)


def _gauge(name: str, help_text: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, help_text, value=value)


def _counter(name: str, help_text: str, value: float) -> CounterMetricFamily:
    return CounterMetricFamily(name, help_text, value=value)


async def _audit_rows(ctx: ApiContext) -> dict[str, int]:
    if ctx.feeds is None:
        return {}

    def count(c: sqlite3.Connection) -> dict[str, int]:
        return dict(c.execute("SELECT cluster, count(*) FROM audit GROUP BY cluster"))

    try:
        return await ctx.feeds.db.read(count)
    except (DatabaseError, sqlite3.Error):  # a closing database: the scrape goes on without
        return {}


async def metrics(request: web.Request) -> web.Response:
    ctx = context_of(request)
    registry = CollectorRegistry(auto_describe=False)
    inputs = ScrapeInputs(await _audit_rows(ctx))
    registry.register(MastheadCollector(ctx, request.app[LIVE_HUB], inputs, request.app[LOOP_LAG]))
    return web.Response(
        body=generate_latest(registry), headers={"Content-Type": CONTENT_TYPE_LATEST}
    )
