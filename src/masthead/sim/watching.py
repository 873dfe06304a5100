"""WATCH: start points, initial events, WatchList, bookmarks, timeouts and the 410 ERROR event.

`WatchSession` validates options and registers a watcher *before* the HTTP response starts (so
bad options are HTTP errors, as upstream), then `events()` yields wire lines until the deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from masthead.selectors import FieldSelector, LabelSelector
from masthead.sim import errors
from masthead.sim.errors import ApiError
from masthead.sim.listing import TOO_LARGE_RV_WAIT, list_options_invalid
from masthead.sim.store import ADDED, ObjectStore, Stored, TooOldError, Watcher, WatchFilter

INITIAL_EVENTS_END = "k8s.io/initial-events-end"
DEFAULT_BOOKMARK_PERIOD = 60.0
# Without timeoutSeconds upstream picks a random duration in [min, 2*min) of
# --min-request-timeout (1800 s).
DEFAULT_MIN_REQUEST_TIMEOUT = 1800.0

# Events already queued when the stream wakes go out as one chunk of at most this many lines:
# a burst then costs one write instead of one per event, which is what lets 20 watchers keep
# up with thousands of changes per second. Each event is still one JSON object and a newline.
WRITE_BATCH = 128

TRUE_VALUES = ("1", "t", "T", "true", "TRUE", "True")
FALSE_VALUES = ("0", "f", "F", "false", "FALSE", "False")


def parse_bool(name: str, v: str | None) -> bool:
    """Go strconv.ParseBool, as the apiserver's query decoder uses."""
    if v is None or v == "":
        return False
    if v in TRUE_VALUES:
        return True
    if v in FALSE_VALUES:
        return False
    raise errors.bad_request(f'{name}: Invalid value: "{v}": must be a boolean')


@dataclass
class WatchOptions:
    namespace: str | None
    labels: LabelSelector | None
    fields: FieldSelector | None
    resource_version: str
    send_initial_events: bool
    allow_bookmarks: bool
    timeout: float


def parse_watch_options(
    q: Mapping[str, str],
    namespace: str | None,
    labels: LabelSelector | None,
    fields: FieldSelector | None,
    *,
    watch_list_enabled: bool,
    min_request_timeout: float,
) -> WatchOptions:
    rv = q.get("resourceVersion", "")
    rv_match = q.get("resourceVersionMatch", "")
    sie_raw = q.get("sendInitialEvents")
    sie = parse_bool("sendInitialEvents", sie_raw)
    if sie_raw is not None and sie_raw != "":
        if not watch_list_enabled:
            raise list_options_invalid(
                "sendInitialEvents",
                "sendInitialEvents is forbidden for watch unless the WatchList feature gate is "
                "enabled",
            )
        if rv_match != "NotOlderThan":
            raise list_options_invalid(
                "resourceVersionMatch",
                "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
            )
    elif rv_match:
        raise list_options_invalid(
            "resourceVersionMatch",
            "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided",
        )
    if rv not in ("", "0"):
        try:
            if int(rv) < 0:
                raise ValueError
        except ValueError:
            raise errors.bad_request(f'invalid resource version "{rv}"') from None
    # With the WatchList gate on (1.36 default), plain watches from "" or "0" are defaulted to
    # sendInitialEvents=true and so end their initial events with the annotated bookmark.
    if sie_raw is None and watch_list_enabled and rv in ("", "0"):
        sie = True
    ts = q.get("timeoutSeconds", "")
    if ts:
        try:
            timeout = float(int(ts))
        except ValueError:
            raise errors.bad_request(
                f'timeoutSeconds: Invalid value: "{ts}": must be a valid integer'
            ) from None
    else:
        timeout = random.uniform(min_request_timeout, 2 * min_request_timeout)
    return WatchOptions(
        namespace=namespace,
        labels=labels,
        fields=fields,
        resource_version=rv,
        send_initial_events=sie,
        allow_bookmarks=parse_bool("allowWatchBookmarks", q.get("allowWatchBookmarks")),
        timeout=timeout,
    )


EventEncoder = Callable[[str, Stored, int], bytes]
BookmarkEncoder = Callable[[int, bool], bytes]


class WatchSession:
    """One watch request: a registered watcher plus the stream that drains it."""

    def __init__(
        self,
        store: ObjectStore,
        key: tuple[str, str],
        opts: WatchOptions,
        encode_event: EventEncoder,
        encode_bookmark: BookmarkEncoder,
        bookmark_period: float,
    ) -> None:
        self.store = store
        self.key = key
        self.opts = opts
        self.encode_event = encode_event
        self.encode_bookmark = encode_bookmark
        self.bookmark_period = bookmark_period
        self.rs = store.resource(key)
        self.watcher = Watcher(
            WatchFilter(opts.namespace, opts.labels, opts.fields), store.watch_limits
        )
        self.initial: list[tuple[str, Stored, int]] = []
        self.error_line: bytes | None = None
        self.initial_rv = 0
        # Cleared while a fault stalls the stream: nothing is sent, the connection stays open.
        self.resumed = asyncio.Event()
        if not store.stall_new_watches:
            self.resumed.set()
        self._setup()

    def _setup(self) -> None:
        o = self.opts
        if o.resource_version in ("", "0") or o.send_initial_events:
            # Snapshot and registration happen in one synchronous step: no write can slip in.
            flt = self.watcher.filter
            prefix = "" if o.namespace is None else o.namespace + "/"
            for _, s in self.rs.snapshot_items(None, prefix, prefix):
                if flt.matches(s):
                    self.initial.append((ADDED, s, s.rv))
            self.initial_rv = self.store.rv
            self.rs.watchers.add(self.watcher)
            return
        rv = int(o.resource_version)
        if rv > self.store.rv:
            self.pending_rv = rv
            self.rs.watchers.add(self.watcher)
            return
        try:
            # The replay is sent first, like initial events: bounded by the history, it does
            # not count against the queue's caps (which are for falling behind live writes).
            for ev in self.rs.events_after(rv):
                seen = self.watcher.translate(ev)
                if seen is not None:
                    self.initial.append(seen)
        except TooOldError as e:
            self.error_line = _error_line(
                410, "Expired", f"too old resource version: {rv} ({e.oldest})"
            )
            return
        self.initial_rv = self.store.rv
        self.rs.watchers.add(self.watcher)

    def close(self) -> None:
        self.watcher.close()
        self.rs.watchers.discard(self.watcher)

    def stall(self) -> None:
        """Send nothing (events queue up) until `resume()` or the deadline."""
        self.resumed.clear()

    def resume(self) -> None:
        self.resumed.set()

    async def _wait_resumed(self, deadline: float) -> bool:
        """While stalled, wait; False if the deadline came first (the stream then ends)."""
        left = deadline - time.monotonic()
        if left > 0:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(left):
                    await self.resumed.wait()
        return self.resumed.is_set()

    async def events(self) -> AsyncIterator[bytes]:
        if self.error_line is not None:
            yield self.error_line
            return
        start = time.monotonic()
        deadline = start + self.opts.timeout
        pending = getattr(self, "pending_rv", None)
        if pending is not None and not await self.store.wait_for_rv(
            pending, min(TOO_LARGE_RV_WAIT, self.opts.timeout)
        ):
            yield _error_line(
                504,
                "Timeout",
                f"Timeout: Too large resource version: {pending}, current: {self.store.rv}",
            )
            return
        last_rv = self.initial_rv
        for i in range(0, len(self.initial), WRITE_BATCH):
            if not self.resumed.is_set() and not await self._wait_resumed(deadline):
                return
            batch = self.initial[i : i + WRITE_BATCH]
            yield b"".join([self.encode_event(typ, s, rv) for typ, s, rv in batch])
        self.initial.clear()
        if self.opts.send_initial_events and self.opts.allow_bookmarks:
            yield self.encode_bookmark(last_rv, True)
        # Upstream sends bookmarks about once a period, plus ~2 s and ~1 s before the deadline.
        bookmarks = self._bookmark_times(start, deadline) if self.opts.allow_bookmarks else []
        w = self.watcher
        while True:
            if not self.resumed.is_set() and not await self._wait_resumed(deadline):
                return
            while w.queue and self.resumed.is_set():
                lines = []
                for _ in range(min(len(w.queue), WRITE_BATCH)):
                    typ, s, rv = w.take()
                    last_rv = max(last_rv, rv)
                    lines.append(self.encode_event(typ, s, rv))
                yield b"".join(lines)
            if w.closed:
                return
            now = time.monotonic()
            if now >= deadline:
                return
            # Only with nothing queued (a stall can end the drain early): a bookmark says every
            # event up to its RV went out, and clients resume from it.
            if bookmarks and now >= bookmarks[0] and not w.queue:
                bookmarks.pop(0)
                # The watch has delivered everything up to the store's current RV.
                last_rv = max(last_rv, self.rs.last_write_rv, self.store.rv)
                yield self.encode_bookmark(last_rv, False)
                continue
            wake_at = min(deadline, bookmarks[0]) if bookmarks else deadline
            w.wakeup.clear()
            if w.queue or w.closed:
                continue
            # The watcher's own event under a timeout of this task, not `wait_for`: that runs
            # the wait as a task of its own, and a write then reached the stream three loop
            # turns later instead of one (each turn hundreds of ms when churn saturates the
            # loop, and one event left two watchers ~1 s apart).
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(0.0, wake_at - now)):
                    await w.wakeup.wait()

    def _bookmark_times(self, start: float, deadline: float) -> list[float]:
        times: list[float] = []
        t = start + self.bookmark_period
        while t < deadline - 2:
            times.append(t)
            t += self.bookmark_period
        for before in (2.0, 1.0):
            at = deadline - before
            if at > start + 1.0:
                times.append(at)
        return sorted(times)


def _error_line(code: int, reason: str, message: str) -> bytes:
    status: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    return orjson.dumps({"type": "ERROR", "object": status}) + b"\n"


def plain_event_line(typ: str, s: Stored, rv: int) -> bytes:
    if s.rv == rv:
        return b'{"type":"' + typ.encode() + b'","object":' + s.raw + b"}\n"
    # An object leaving a selector: previous state stamped with the new resourceVersion.
    obj = s.decode()
    obj["metadata"]["resourceVersion"] = str(rv)
    return orjson.dumps({"type": typ, "object": obj}) + b"\n"


def plain_bookmark_line(kind: str, api_version: str) -> BookmarkEncoder:
    def encode(rv: int, initial_end: bool) -> bytes:
        meta: dict[str, Any] = {"resourceVersion": str(rv)}
        if initial_end:
            meta["annotations"] = {INITIAL_EVENTS_END: "true"}
        obj = {"kind": kind, "apiVersion": api_version, "metadata": meta}
        return orjson.dumps({"type": "BOOKMARK", "object": obj}) + b"\n"

    return encode


__all__ = [
    "DEFAULT_BOOKMARK_PERIOD",
    "DEFAULT_MIN_REQUEST_TIMEOUT",
    "ApiError",
    "WatchOptions",
    "WatchSession",
    "parse_bool",
    "parse_watch_options",
    "plain_bookmark_line",
    "plain_event_line",
]
