"""`Reflector`: keeps one source — (cluster, resource, namespace or all) — mirrored into a `Sink`.

The life of a source:
1. sync: WatchList (one streaming request: initial events, then the same stream goes on) when
   the cluster supports it, else LIST in pages of 500 until `continue` is empty;
   `sink.replace()` swaps the new state in, deleting whatever vanished.
2. watch from the last resourceVersion with bookmarks and a random timeoutSeconds; a clean
   close re-watches at once, without listing again.
3. on failure, `_recover` decides from the error what the source's state is, whether the
   resourceVersion is still usable (410 → re-list), and how long to wait.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from masthead.arrival import WATCH_ARRIVAL
from masthead.kube.backoff import Backoff
from masthead.kube.codec import (
    ADDED,
    BOOKMARK,
    DELETED,
    ERROR,
    MODIFIED,
    DictCodec,
    Line,
    ObjectCodec,
    WatchEvent,
    list_continue,
)
from masthead.kube.discovery import ResourceType
from masthead.kube.errors import (
    ApiError,
    AuthFailed,
    CredentialError,
    KubeError,
    StreamError,
    TransportError,
    UndecodableObject,
)
from masthead.kube.freshness import Freshness, SourceState
from masthead.kube.gcpause import freeze_survivors, gc_paused
from masthead.kube.memtrim import release_freed_memory
from masthead.kube.sink import ReusingSink, Sink, SteppedSink
from masthead.kube.transport import Response, Transport
from masthead.kube.tuning import Tuning
from masthead.kube.watch_stream import ClockJumped, Clocks, WatchStalled, watch_lines
from masthead.tasks import cancel_and_wait

T = TypeVar("T")
log = logging.getLogger(__name__)

# A continue token that keeps expiring under a very busy server: give up after this many
# restarts of one list and let the run loop back off.
_MAX_LIST_RESTARTS = 3
# Skipped objects: the reason kept for diagnostics is cut to this many characters, and the
# log gets the first one and then one per this many (a poisoned source must not flood it).
_MAX_REASON = 300
_LOG_REJECTED_EVERY = 1000
_UPSERTS = frozenset((ADDED, MODIFIED))


@dataclass
class ClusterCapabilities:
    """What a cluster turned out to support; shared by all its reflectors."""

    watch_list: bool | None = None  # None: not tried yet


class ShortWatch(KubeError):
    """A watch closed almost at once without any event: treated as an error."""


class WatchListRefused(KubeError):
    """The server does not do WatchList (422, or a plain bookmark before initial-events-end)."""


class _Yielder:
    """Lets other tasks run after `every` seconds of uninterrupted work."""

    def __init__(self, every: float) -> None:
        self.every = every
        self._last = time.monotonic()

    def due(self) -> bool:
        """Whether `tick` would yield: checked per event without creating a coroutine."""
        return time.monotonic() - self._last >= self.every

    async def tick(self) -> None:
        if self.due():
            await asyncio.sleep(0)
            self._last = time.monotonic()


class Reflector(Generic[T]):
    # The verb this source's LISTs are counted under in `RequestStats` (a poller's differ).
    list_verb = "list"

    def __init__(
        self,
        transport: Transport,
        resource: ResourceType,
        sink: Sink[T],
        tuning: Tuning,
        *,
        namespace: str | None = None,
        codec: ObjectCodec[T] | None = None,
        capabilities: ClusterCapabilities | None = None,
        label_selector: str = "",
        rng: random.Random | None = None,
        clocks: Clocks | None = None,
        freshness: Freshness | None = None,
        before_first_sync: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.transport = transport
        self.resource = resource
        self.namespace = namespace
        self.sink = sink
        self.tuning = tuning
        self.codec: ObjectCodec[T] = codec or DictCodec()  # type: ignore[assignment]
        self.capabilities = capabilities or ClusterCapabilities()
        self.label_selector = label_selector
        self.clocks = clocks or Clocks()
        self._rng = rng or random.Random()
        self.backoff = Backoff(tuning, self._rng, self.clocks.monotonic)
        # A caller that restarts the source (a ClusterSession after a permission change) may
        # pass its own, so readers keep one freshness across reflectors.
        self.freshness = freshness or Freshness(self.clocks.wall)
        self.path = resource.collection_path(namespace)
        self.resource_version = ""  # last seen; "" means the next step is a (re)list
        self.syncs = 0  # completed lists / WatchList syncs
        self.rejected = 0  # undecodable list items and watch lines skipped
        self.last_error: BaseException | None = None
        self._down_since: float | None = None
        # Set when the watchdog found a watch silent: the server may accept watches and then
        # send nothing, so until a line arrives an open watch proves nothing (ADR 001 §8).
        self._stall_suspected = False
        self._watch_opened: float | None = None  # monotonic time the current watch opened
        self._task: asyncio.Task[None] | None = None
        # Awaited once before the first sync: the session's FirstSyncs gate, so a source
        # nobody looks at first lists after the ones a user does (kube/first_syncs.py).
        self._before_first_sync = before_first_sync

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name=f"reflector {self.path}")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None
        self.freshness.stopped()

    async def run(self) -> None:
        while True:
            try:
                if not self.resource_version:
                    await self._first_sync_turn()
                    await self._sync()
                else:
                    await self._watch()
                continue  # a clean close: watch again from the last resourceVersion
            except Exception as e:  # every failure is a state plus a wait, never a dead task
                await self._wait_after(e, self._failed(e))

    # ------------------------------------------------------------------ sync
    async def _first_sync_turn(self) -> None:
        """Wait at the session's gate, once: later lists (relists, polls) never wait."""
        if self._before_first_sync is not None:
            gate, self._before_first_sync = self._before_first_sync, None
            await gate()

    async def _sync(self) -> None:
        if self.capabilities.watch_list is not False:
            try:
                await self._watch_list()
                return
            except WatchListRefused:
                self.capabilities.watch_list = False
        with gc_paused():  # for the whole list: see _synced
            await self._list()

    async def _list(self) -> None:
        """Page by page; each next page is asked for before this one is decoded, so the
        server builds and sends it while we decode (the continue token is read from the
        page's metadata first, without building its items)."""
        self.freshness.syncing(0, None)
        items: list[T] = []
        restarts = 0
        reuse = self._reuse()
        resp = await self._list_page("")
        prefetch: asyncio.Task[Response] | None = None
        try:
            while True:
                cont = list_continue(resp.body)
                if cont:
                    prefetch = asyncio.create_task(self._list_page(cont))
                await asyncio.sleep(0)  # the request goes out; other tasks run between pages
                page = self.codec.decode_list(resp.body)
                for reason in page.rejected:
                    self._reject(reason)
                items.extend(page.items if reuse is None else map(reuse, page.items))
                total = None if page.remaining is None else len(items) + page.remaining
                self.freshness.syncing(len(items), total)
                if page.continue_token != cont:  # the head was misread: go by the decode
                    _drop(prefetch)
                    cont = page.continue_token
                    prefetch = asyncio.create_task(self._list_page(cont)) if cont else None
                if prefetch is None:  # never stop on a short page: selectors empty pages
                    break
                try:
                    resp = await prefetch
                except ApiError as e:
                    if not (e.expired and restarts < _MAX_LIST_RESTARTS):
                        raise
                    items, restarts = [], restarts + 1  # snapshot gone: start over
                    resp = await self._list_page("")
                finally:
                    prefetch = None
        finally:
            _drop(prefetch)
        await self._synced(items, page.resource_version)

    async def _list_page(self, cont: str) -> Response:
        params = self._params(limit=str(self.tuning.page_size))
        if cont:
            params["continue"] = cont
        return await self.transport.request(
            self.list_verb, self.path, params, timeout=self.tuning.list_page_timeout
        )

    async def _watch_list(self) -> None:
        self.freshness.syncing(0, None)
        params = self._watch_params("")
        params |= {"sendInitialEvents": "true", "resourceVersionMatch": "NotOlderThan"}
        opened = self.clocks.monotonic()
        try:
            async with self.transport.stream("watch", self.path, params) as resp:
                batches = watch_lines(resp, self.tuning, self.transport.stats, self.clocks)
                with gc_paused():  # for the initial events only: see _synced
                    collected, rest = await self._initial_events(batches)
                    self.capabilities.watch_list = True
                    await self._synced(collected.values(), self.resource_version)
                self._watch_opened = self.clocks.monotonic()  # a watch from here on
                await self._consume(_after(rest, batches), opened, events=len(collected) + 1)
        except ApiError as e:
            if e.code in (400, 422):
                raise WatchListRefused(str(e)) from e
            raise

    async def _initial_events(
        self, batches: AsyncIterator[list[Line]]
    ) -> tuple[dict[str, T], list[Line]]:
        """The objects of the initial events, and the lines after initial-events-end that
        arrived in the same read (the watch goes on with them)."""
        collected: dict[str, T] = {}
        yielder = _Yielder(self.tuning.yield_every)
        reuse = self._reuse()
        # Bound once: this loop runs once per object of the source (100k lines at a time).
        decode, key, syncing = self.codec.decode_event, self.codec.key, self.freshness.syncing
        async for batch in batches:
            for i, line in enumerate(batch):
                try:
                    ev = decode(line)
                except UndecodableObject as e:
                    self._reject(str(e))
                    continue
                obj = ev.obj
                if obj is not None and ev.type in _UPSERTS:
                    if reuse is not None:
                        obj = reuse(obj)
                    collected[key(obj)] = obj
                    if len(collected) % 500 == 0:
                        syncing(len(collected), None)
                elif obj is not None and ev.type == DELETED:
                    collected.pop(key(obj), None)
                elif ev.type == BOOKMARK:
                    if not ev.initial_events_end:  # the server ignored sendInitialEvents
                        raise WatchListRefused("bookmark before initial-events-end")
                    self.resource_version = ev.resource_version
                    return collected, batch[i + 1 :]
                elif ev.type == ERROR:
                    raise self._error(ev)
                if yielder.due():
                    await yielder.tick()
        raise StreamError("WatchList stream ended before initial-events-end")

    def _reuse(self) -> Callable[[T], T] | None:
        """On a relist, the sink's `reuse` (kube.sink.ReusingSink): unchanged objects are kept
        as the sink holds them and each new copy is freed as it is decoded, instead of the
        relist holding the whole source twice until the replace."""
        if self.syncs == 0 or not isinstance(self.sink, ReusingSink):
            return None
        reuse: Callable[[T], T] = self.sink.reuse
        return reuse

    async def _synced(self, objects: Any, resource_version: str) -> None:
        """Swap the new state in. Runs with the collector paused: a sync allocates millions
        of containers, and each full collection during it would rescan all decoded so far
        (seconds of stalls at 100k objects). Freezing afterwards keeps later collections
        from walking the long-lived cache; JSON objects have no cycles, so whatever a later
        relist replaces is still freed by reference counting. A `SteppedSink` replaces in
        slices with the loop given back between them (other clusters, pages and frames go on
        while 100k rows are indexed)."""
        if isinstance(self.sink, SteppedSink):
            for _ in self.sink.replace_steps(objects, resource_version):
                await asyncio.sleep(0)
        else:
            self.sink.replace(objects, resource_version)
        relist = self.syncs > 0
        self.resource_version = resource_version
        self.syncs += 1
        self._live()
        big = self.tuning.release_memory_after_relist
        if relist and big and len(objects) >= big:
            # The old rows, the new copies and the decoded pages were all alive at the peak;
            # without this the RSS keeps that high-water for good (a relist per 410).
            release_freed_memory()
        if self.tuning.freeze_gc_after_sync:
            freeze_survivors()

    # ------------------------------------------------------------------ watch
    async def _watch(self) -> None:
        opened = self.clocks.monotonic()
        params = self._watch_params(self.resource_version)
        async with self.transport.stream("watch", self.path, params) as resp:
            self._watch_opened = self.clocks.monotonic()
            if not self._stall_suspected:
                self._live()
            batches = watch_lines(resp, self.tuning, self.transport.stats, self.clocks)
            await self._consume(batches, opened, events=0)

    async def _consume(
        self, batches: AsyncIterator[list[Line]], opened: float, events: int
    ) -> None:
        yielder = _Yielder(self.tuning.yield_every)
        arrival = WATCH_ARRIVAL
        async for batch in batches:
            # One clock read per socket read: the changes of this read arrived now. Cleared
            # whenever the loop is given away, so nobody else's change borrows the stamp.
            at = arrival.at = time.monotonic()
            try:
                for line in batch:
                    if self._stall_suspected:  # any line, even one we cannot use, proves it
                        self._stall_suspected = False
                        self._live()
                    try:
                        ev = self.codec.decode_event(line)
                    except UndecodableObject as e:
                        self._reject(str(e))
                        continue
                    self._apply(ev)
                    events += 1
                    if yielder.due():
                        arrival.at = None
                        await yielder.tick()
                        arrival.at = at
            finally:
                arrival.at = None
        if events == 0 and self.clocks.monotonic() - opened < self.tuning.short_watch:
            raise ShortWatch("watch closed at once without events")

    def _apply(self, ev: WatchEvent[T]) -> None:
        if ev.type == ERROR:
            raise self._error(ev)
        if ev.obj is not None:
            if ev.type == DELETED:
                self.sink.delete(ev.obj)
            elif ev.type in (ADDED, MODIFIED):
                self.sink.upsert(ev.obj)
        if ev.resource_version:
            self.resource_version = ev.resource_version

    # ------------------------------------------------------------------ failure policy
    async def _wait_after(self, e: Exception, delay: float) -> None:
        """The backoff after failure `e`; cut short when the server stopped answering and the
        cluster's probe sees it answer again (kube/server_return.py)."""
        if isinstance(e, TransportError):
            await self.transport.server_return.wait(delay)
        else:
            await asyncio.sleep(delay)

    def _failed(self, e: Exception) -> float:
        """A run loop's failure: logged when unexpected, kept, published; the wait before
        the next attempt."""
        if not isinstance(e, KubeError):
            log.exception("%s %s: unexpected error", type(self).__name__.lower(), self.path)
        self.last_error = e
        return self._recover(e)

    def _recover(self, e: BaseException) -> float:
        """Publish the source's state for error `e`; return how long to wait."""
        t = self.tuning
        if isinstance(e, AuthFailed | CredentialError):
            message = e.status.message if isinstance(e, ApiError) else str(e)
            self.freshness.denied(SourceState.AUTH_FAILED, message, t.auth_failed_retry)
            return t.auth_failed_retry
        if isinstance(e, ApiError) and e.code == 403:
            self.freshness.denied(SourceState.FORBIDDEN, e.status.message, t.forbidden_retry)
            return t.forbidden_retry
        if isinstance(e, ApiError) and e.code == 404:  # the resource went away (CRD deleted)
            self.resource_version = ""
            self.freshness.denied(SourceState.UNAVAILABLE, e.status.message, t.forbidden_retry)
            return t.forbidden_retry
        opened, self._watch_opened = self._watch_opened, None
        now = self.clocks.monotonic()
        if opened is not None and now - opened >= t.backoff_healthy_watch:
            self.backoff.reset()  # a new incident, not the last one's escalation
        delay = self.backoff.next_delay()
        if isinstance(e, ApiError) and e.status.retry_after is not None:
            delay = max(delay, min(e.status.retry_after, t.retry_after_cap))
        if isinstance(e, WatchStalled):
            self._stall_suspected = True
        if not _resumable(e):
            self.resource_version = ""  # 410, too-large RV, 5xx, undecodable: list again
        self._down_since = self._down_since if self._down_since is not None else now
        stale = now - self._down_since >= t.stale_after
        self.freshness.disconnected(self.backoff.attempt, delay, stale, _message(e))
        return delay

    def _reject(self, reason: str) -> None:
        """Skip one undecodable object: counted here and in the cluster's request stats
        (diagnostics), logged the first time and every `_LOG_REJECTED_EVERY` after."""
        self.rejected += 1
        stats = self.transport.stats
        stats.rejected_objects += 1
        stats.last_rejected = f"{self.path}: {reason}"[:_MAX_REASON]
        if self.rejected % _LOG_REJECTED_EVERY == 1:
            log.warning("reflector %s: skipped an undecodable object: %s", self.path, reason)

    def _live(self) -> None:
        self._down_since = None
        self.freshness.live()

    # ------------------------------------------------------------------ helpers
    def _params(self, **extra: str) -> dict[str, str]:
        p = dict(extra)
        if self.label_selector:
            p["labelSelector"] = self.label_selector
        return p

    def _watch_params(self, resource_version: str) -> dict[str, str]:
        t = self.tuning
        timeout = int(self._rng.uniform(t.watch_timeout_min, t.watch_timeout_max))
        return self._params(
            watch="1",
            resourceVersion=resource_version,
            allowWatchBookmarks="true",
            timeoutSeconds=str(max(1, timeout)),
        )

    def _error(self, ev: WatchEvent[T]) -> ApiError:
        assert ev.status is not None
        return ApiError(ev.status)


async def _after(
    first: list[Line], batches: AsyncIterator[list[Line]]
) -> AsyncIterator[list[Line]]:
    if first:
        yield first
    async for batch in batches:
        yield batch


def _drop(task: asyncio.Task[Any] | None) -> None:
    """Cancel a prefetch nobody will await; an error it already ended with is read, so it is
    not reported as never retrieved."""
    if task is None:
        return
    if task.done():
        if not task.cancelled():
            task.exception()
    else:
        task.cancel()


def _resumable(e: BaseException) -> bool:
    """Whether the last resourceVersion can still be watched from after error `e`."""
    if isinstance(e, ApiError):
        return e.code == 429  # throttled: the RV is fine, just wait (client-go does the same)
    # Dead connections, stalls, clock jumps and very short watches say nothing about the RV;
    # if it did expire meanwhile the server answers 410 and we list then.
    return isinstance(e, TransportError | ShortWatch | WatchStalled | ClockJumped)


def _message(e: BaseException) -> str:
    if isinstance(e, ApiError):
        return e.status.message
    return str(e) or type(e).__name__
