"""Every interval, timeout and cap of the kube layer in one frozen object.

Passed explicitly to everything that waits or bounds something, so tests run the real loops
with tiny values instead of mocking time. Defaults follow client-go where it has an opinion
(see the comment on each field for why that value).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Tuning:
    # LIST paging: kubectl's --chunk-size and client-go's pager both use 500.
    page_size: int = 500
    # Watches ask for a random timeoutSeconds in [min, max) like client-go's reflector, so many
    # reflectors do not reconnect in lockstep.
    watch_timeout_min: float = 300.0
    watch_timeout_max: float = 600.0
    # Reflector backoff (client-go: 800 ms doubling to 30 s, reset after 2 min of health).
    backoff_initial: float = 0.8
    backoff_max: float = 30.0
    backoff_factor: float = 2.0
    backoff_reset_after: float = 120.0
    # A watch that streamed this long before it failed was healthy: its failure starts the
    # backoff again from `backoff_initial` (ADR 001 §9) rather than escalating an old incident's.
    backoff_healthy_watch: float = 10.0
    # While sources wait after the API server stopped answering, one probe per cluster asks
    # /readyz this often and wakes them when it answers again, spread over this many seconds
    # (kube/server_return.py).
    server_return_probe: float = 1.0
    server_return_spread: float = 1.0
    # A watch that ends this soon with no events is an error (client-go's "very short watch").
    short_watch: float = 1.0
    # Upstream bookmarks about once a minute; no bytes for 3 periods means a dead connection.
    bookmark_period: float = 60.0
    watchdog_periods: float = 3.0
    # How often an open watch checks the clocks, and how much unexplained time (wall clock vs
    # monotonic drift after a suspend, or a stalled loop after SIGSTOP) forces a reconnect.
    clock_check_interval: float = 5.0
    clock_jump_threshold: float = 10.0
    # Request timeouts: upstream's own --request-timeout is 60 s; a single GET should not wait
    # that long, a LIST page of 500 big objects may.
    connect_timeout: float = 10.0
    get_timeout: float = 30.0
    list_page_timeout: float = 60.0
    # Retry-After from APF is 1..32 s; never sleep longer than this on a server's say-so.
    retry_after_cap: float = 30.0
    # client-go's REST client retries a Retry-After response up to 10 times.
    max_retries: int = 10
    # A denied or unauthenticated source is retried slowly: access changes are rare, and a
    # dashboard must not hammer the API server with requests that will fail.
    forbidden_retry: float = 60.0
    auth_failed_retry: float = 60.0
    # Past this long without a working watch, a source's data is reported `stale`.
    stale_after: float = 60.0
    # Access-review answers are cached this long (architecture §2.1 access).
    access_cache_ttl: float = 120.0
    # Past its TTL an answer is still served for this long while a background check refreshes
    # it (stale-while-revalidate), so a page never waits on an access review it asked before.
    access_stale_grace: float = 30.0
    # Access reviews in flight at once per cluster: discovering a restricted user's namespaces
    # may need one review per namespace, and hundreds at once would be a burst the API
    # server's priority-and-fairness queues throttle anyway.
    access_concurrency: int = 8
    # Cached answers per cluster (distinct verb/resource/namespace questions); oldest dropped.
    access_cache_size: int = 4096
    # Permissions of running sources are re-checked this often: a revocation stops the source,
    # a grant starts it. Access rarely changes, and one rules review per namespace is cheap.
    access_recheck_interval: float = 180.0
    # A source the user may list but not watch is polled: a full (paginated) LIST this often,
    # each wait spread by ±`poll_jitter` of it so many polled sources do not list in lockstep.
    poll_interval: float = 30.0
    poll_jitter: float = 0.2
    # One watch event (one object) larger than this ends the stream as an error; upstream's
    # object limit is 1.5 MB, so 16 MiB leaves room for any real object.
    max_event_bytes: int = 16 * 1024 * 1024
    # A cluster's other sources wait for the first ones (the pods view's) to finish their first
    # sync before starting their own, unless those made no progress for this long (a stalled
    # list; kube/first_syncs.py). A synced page of 500 objects is progress.
    first_sources_wait: float = 10.0
    # Keep the event loop responsive while decoding bulk data or applying a backlog of watch
    # events: yield after this much work. Every 304 and frame waits out the slice it lands in
    # (a 2 ms p95 for revalidations under churn needs slices no longer than that).
    yield_every: float = 0.002
    # After the first full sync, move the decoded objects out of the GC's generations: they
    # live for the whole session, and scanning 100k dicts on every full collection is waste.
    freeze_gc_after_sync: bool = True
    # After a relist of at least this many objects, hand the freed memory back to the OS
    # (kube/memtrim.py): the relist held old and new rows at once. 0: never.
    release_memory_after_relist: int = 5000
    # Credentials that expire within this margin are refreshed before a request.
    credential_expiry_margin: float = 30.0
    # Loading credentials (an exec plugin: a cloud CLI, a browser login) gives up after this
    # long; the hung plugin's thread is left to finish, and no second one starts meanwhile.
    credential_timeout: float = 120.0
    # Kubeconfig files are polled for changes this often (simple mtime poll).
    kubeconfig_poll_interval: float = 2.0

    @property
    def watchdog(self) -> float:
        """Inactivity limit for an open watch (3× the bookmark period)."""
        return self.bookmark_period * self.watchdog_periods


DEFAULT_TUNING = Tuning()
