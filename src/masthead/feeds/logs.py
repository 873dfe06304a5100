"""`LogFollower`: pod logs of one container up to a whole workload, stern-style, merged by
time (architecture §2.4 logs, protocol §3 `logs` op and §4 logs stream, kubernetes-api.md §8).

Targets. The pods to follow come from a callable (`targets()`, re-read every `rescan`
seconds), so the API layer passes its pod table filtered by the workload's selector and pods
that appear later join on their own; pods that leave the list are let go. A target lists its
containers, or none to follow every regular container (read once with a GET of the pod);
`LogOptions.containers` narrows them by regex.

Streams. One follow request per (pod, container) with `timestamps=true`, the first ones with
`tailLines` / `sinceTime` from the options, pods that join later from the time following
began. A stream that ends (container exited or restarted, connection reset, API server down) is
reopened with `sinceTime` = the second of its last line, backing off with jitter; lines at or
before the last one already seen are suppressed (earlier timestamps outright, the same
timestamp by a hash of timestamp + text), so a reconnect never duplicates. 404 ends the stream
(pod gone); 400 (container waiting) and 403 are retried slowly and reported as notices.

Merge. Each stream fills a bounded buffer (drop oldest, counted). Every `tick` the merger
releases buffered lines up to the watermark — the oldest "latest timestamp" among streams
that have been active within `merge_delay` — plus anything buffered longer than
`merge_delay`, sorted by time, into the output ring. So lines from many pods come out in time
order, and a quiet or slow stream delays the others by at most `merge_delay`.

Output. A bounded ring of `LogLine`s with a follower-wide sequence number (the SSE `id`).
`batches(after=seq)` is an async iterator of `LogBatch(lines, dropped, notices)` — `dropped`
counts lines lost since the previous batch (stream buffers and, for a consumer that fell
behind the ring, the lines it missed). Several consumers may read; a reconnecting SSE client
resumes after its last id while the follower is alive. Filters (include / exclude substrings,
regex) and the time range (`since`, `until`) apply server-side before anything is buffered.
"""

from __future__ import annotations

import asyncio
import calendar
import logging
import random
import re
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import aiohttp

from masthead.kube.errors import ApiError, KubeError
from masthead.kube.transport import Transport
from masthead.tasks import cancel_and_wait

log = logging.getLogger(__name__)

SEC = 1_000_000_000


@dataclass(frozen=True, slots=True)
class PodLogTarget:
    namespace: str
    name: str
    containers: tuple[str, ...] = ()  # empty: every regular container of the pod
    uid: str = ""


@dataclass(frozen=True, slots=True)
class LogOptions:
    tail: int | None = 100  # lines per container at start (None: everything the kubelet has)
    since: float | None = None  # epoch seconds: lines at or after
    until: float | None = None  # epoch seconds: lines at or before (then the stream ends)
    follow: bool = True
    include: tuple[str, ...] = ()  # keep lines containing any of these
    exclude: tuple[str, ...] = ()  # drop lines containing any of these
    regex: str | None = None  # keep lines this pattern matches (re.search)
    containers: str | None = None  # regex on container names


@dataclass(frozen=True, slots=True)
class LogTuning:
    # Lines buffered per stream before the merger takes them; at the cap the oldest go.
    stream_buffer: int = 10_000
    # Merged lines kept for consumers (and SSE resume); at the cap the oldest go.
    output_buffer: int = 50_000
    batch_max: int = 1_000  # lines per batch (one WebSocket frame)
    merge_delay: float = 0.3  # how long a stream may hold the others back
    tick: float = 0.05  # merge / batch period (≤ 20 frames/s)
    rescan: float = 1.0  # how often the target list is re-read
    reconnect_initial: float = 0.5
    reconnect_max: float = 30.0
    max_streams: int = 200  # (pod, container) streams per follower; more are refused, counted
    max_line_bytes: int = 64 * 1024  # longer lines are cut (the kubelet splits at 16 KiB)
    notices: int = 500  # stream notices kept for consumers


@dataclass(frozen=True, slots=True)
class LogLine:
    seq: int
    t: str  # RFC3339Nano as the kubelet wrote it
    ns: int  # t in nanoseconds since the epoch (merge order)
    pod: str
    container: str
    line: str
    namespace: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"t": self.t, "pod": self.pod, "container": self.container, "line": self.line}


@dataclass(slots=True)
class LogBatch:
    lines: list[LogLine]
    dropped: int = 0  # lines lost since the previous batch of this consumer
    notices: list[dict[str, Any]] = field(default_factory=list)

    @property
    def last_seq(self) -> int | None:
        return self.lines[-1].seq if self.lines else None

    def frame(self, sub: str) -> dict[str, Any]:
        """The WebSocket frame of protocol §3."""
        d: dict[str, Any] = {
            "type": "logs",
            "sub": sub,
            "lines": [ln.as_dict() for ln in self.lines],
            "dropped": self.dropped,
        }
        if self.notices:
            d["notices"] = self.notices
        return d


@dataclass(slots=True)
class _Pending:
    ns: int
    t: str
    text: str
    arrived: float


@dataclass(eq=False)
class _Stream:
    namespace: str
    pod: str
    container: str
    since_ns: int | None  # first connection: sinceTime
    tail: int | None  # first connection: tailLines
    buffer: deque[_Pending] = field(default_factory=deque)
    last_ns: int | None = None  # timestamp of the last line taken
    at_last: set[int] = field(default_factory=set)  # hashes of lines with ns == last_ns
    active_at: float = 0.0  # monotonic time of the last line or (re)connect
    state: str = "starting"  # starting, streaming, waiting, reconnecting, ended, gone, error
    message: str = ""
    connects: int = 0
    dropped: int = 0
    duplicates: int = 0
    lines: int = 0
    done: bool = False
    task: asyncio.Task[None] | None = None
    partial: bytes = b""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.namespace, self.pod, self.container)

    def as_dict(self) -> dict[str, Any]:
        return {
            "namespace": self.namespace,
            "pod": self.pod,
            "container": self.container,
            "state": self.state,
            "message": self.message,
            "connects": self.connects,
            "lines": self.lines,
            "dropped": self.dropped,
            "duplicates": self.duplicates,
        }


class LogFollower:
    def __init__(
        self,
        transport: Transport,
        targets: Callable[[], Iterable[PodLogTarget]],
        options: LogOptions | None = None,
        tuning: LogTuning | None = None,
        *,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.transport = transport
        self.targets = targets
        self.options = options or LogOptions()
        self.tuning = tuning or LogTuning()
        self._rng = rng or random.Random()
        self._clock = clock
        self._wall = wall
        self._regex = re.compile(self.options.regex) if self.options.regex else None
        self._container_re = (
            re.compile(self.options.containers) if self.options.containers else None
        )
        self._until_ns = None if self.options.until is None else int(self.options.until * SEC)
        self._since_ns = None if self.options.since is None else int(self.options.since * SEC)
        self._streams: dict[tuple[str, str, str], _Stream] = {}
        self._containers: dict[tuple[str, str], tuple[str, ...]] = {}  # (ns, pod) -> names
        self._out: deque[LogLine] = deque()
        self._next_seq = 1
        self._notices: deque[tuple[int, dict[str, Any]]] = deque()
        self._next_notice = 1
        self._changed = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._started_ns = 0
        self._first_scan = True
        self._finished = False  # not following and every stream ended
        self.stream_dropped = 0  # lines dropped at stream buffers (all streams)
        self.filtered = 0  # lines the filters rejected
        self.refused_streams = 0  # streams not opened at max_streams

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        self._started_ns = int(self._wall() * SEC)
        await self._scan()
        self._tasks = [
            asyncio.create_task(self._scan_loop(), name="logs scan"),
            asyncio.create_task(self._merge_loop(), name="logs merge"),
        ]

    async def close(self) -> None:
        tasks = self._tasks + [s.task for s in self._streams.values() if s.task is not None]
        await cancel_and_wait(*tasks)
        self._tasks = []
        self._finished = True
        self._changed.set()

    async def __aenter__(self) -> LogFollower:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def streams(self) -> list[dict[str, Any]]:
        return [s.as_dict() for s in self._streams.values()]

    @property
    def dropped(self) -> int:
        return self.stream_dropped

    # ------------------------------------------------------------------ targets
    async def _scan_loop(self) -> None:
        while not self._finished:
            await asyncio.sleep(self.tuning.rescan)
            try:
                await self._scan()
            except Exception:
                log.exception("logs: scanning targets failed")

    async def _scan(self) -> None:
        wanted: set[tuple[str, str, str]] = set()
        for target in list(self.targets()):
            containers = target.containers or await self._pod_containers(target)
            for c in containers:
                if self._container_re is None or self._container_re.search(c):
                    wanted.add((target.namespace, target.name, c))
        for key in sorted(wanted - self._streams.keys()):
            if sum(1 for s in self._streams.values() if not s.done) >= self.tuning.max_streams:
                self.refused_streams += 1
                continue
            self._open(key)
        for key, s in list(self._streams.items()):
            if key not in wanted and not s.done:
                if s.task is not None:
                    s.task.cancel()
                s.done = True
                s.state = "gone"
                self._notice(s, "left")
        self._first_scan = False
        if not self.options.follow and all(s.done for s in self._streams.values()):
            self._changed.set()

    async def _pod_containers(self, target: PodLogTarget) -> tuple[str, ...]:
        key = (target.namespace, target.name)
        found = self._containers.get(key)
        if found is not None:
            return found
        path = f"/api/v1/namespaces/{target.namespace}/pods/{target.name}"
        try:
            pod = await self.transport.get_json("get", path)
        except KubeError as e:
            log.debug("logs: pod %s/%s: %s", *key, e)
            return ()
        names = tuple(c.get("name", "") for c in (pod.get("spec") or {}).get("containers") or ())
        if len(self._containers) > 4 * self.tuning.max_streams:
            self._containers.clear()  # bounded: pods that came and went
        self._containers[key] = names
        return names

    def _open(self, key: tuple[str, str, str]) -> None:
        ns, pod, container = key
        o = self.options
        if self._first_scan:
            since, tail = self._since_ns, o.tail
        else:  # joined later: everything since following began
            since, tail = max(self._since_ns or 0, self._started_ns), None
        s = _Stream(ns, pod, container, since, tail, active_at=self._clock())
        self._streams[key] = s
        s.task = asyncio.create_task(self._follow(s), name=f"logs {ns}/{pod}/{container}")
        self._notice(s, "joined")

    # ------------------------------------------------------------------ one stream
    async def _follow(self, s: _Stream) -> None:
        delay = self.tuning.reconnect_initial
        path = f"/api/v1/namespaces/{s.namespace}/pods/{s.pod}/log"
        while not s.done:
            params = {"container": s.container, "timestamps": "true"}
            if self.options.follow:
                params["follow"] = "true"
            if s.last_ns is not None:
                params["sinceTime"] = _rfc3339_seconds(s.last_ns)
            else:
                if s.since_ns is not None:
                    params["sinceTime"] = _rfc3339_seconds(s.since_ns)
                if s.tail is not None:
                    params["tailLines"] = str(s.tail)
            try:
                s.connects += 1
                async with self.transport.stream("logs", path, params) as resp:
                    s.state, s.message = "streaming", ""
                    s.active_at = self._clock()
                    s.partial = b""
                    async for chunk in resp.content.iter_any():
                        self._take(s, chunk)
                        if s.done:
                            break
                    if s.partial:
                        self._take(s, b"\n")
                delay = self.tuning.reconnect_initial  # a stream that opened resets the backoff
                if not self.options.follow or s.done:
                    break
                s.state = "ended"  # the container exited or restarted: look again
            except ApiError as e:
                if e.code == 404:
                    s.state, s.message = "gone", e.status.message
                    self._notice(s, "gone", e.status.message)
                    break
                state = "waiting" if e.code == 400 else "error"
                if (state, e.status.message) != (s.state, s.message):
                    self._notice(s, state, e.status.message)
                s.state, s.message = state, e.status.message
                if not self.options.follow:
                    break
            except (KubeError, aiohttp.ClientError, ConnectionError, TimeoutError) as e:
                s.state, s.message = "reconnecting", str(e) or type(e).__name__
                if not self.options.follow:
                    s.state = "error"
                    self._notice(s, "error", s.message)
                    break
            await asyncio.sleep(self._rng.uniform(delay / 2, delay))
            delay = min(self.tuning.reconnect_max, delay * 2)
        s.done = True
        if s.state not in ("gone", "error", "waiting"):
            s.state = "ended"
        self._changed.set()

    def _take(self, s: _Stream, chunk: bytes) -> None:
        data = s.partial + chunk
        parts = data.split(b"\n")
        s.partial = parts.pop()
        if len(s.partial) > self.tuning.max_line_bytes:
            parts.append(s.partial[: self.tuning.max_line_bytes])
            s.partial = b""
        now = self._clock()
        if parts:
            s.active_at = now
        for raw in parts:
            self._line(s, raw[: self.tuning.max_line_bytes].decode(errors="replace"), now)
            if s.done:
                return

    def _line(self, s: _Stream, raw: str, now: float) -> None:
        stamp, _, text = raw.partition(" ")
        ns = parse_rfc3339_ns(stamp)
        if ns is None:  # not timestamped (should not happen with timestamps=true)
            ns = s.last_ns or 0
            stamp, text = "", raw
        h = hash((ns, text))
        last = s.last_ns
        if last is not None and (ns < last or (ns == last and h in s.at_last)):
            s.duplicates += 1
            return
        if ns != s.last_ns:
            s.at_last.clear()
        s.last_ns = ns
        s.at_last.add(h)
        if self._until_ns is not None and ns > self._until_ns:
            s.done = True
            return
        if (self._since_ns is not None and ns < self._since_ns) or not self._wanted(text):
            self.filtered += 1
            return
        s.lines += 1
        if len(s.buffer) >= self.tuning.stream_buffer:
            s.buffer.popleft()
            s.dropped += 1
            self.stream_dropped += 1
        s.buffer.append(_Pending(ns, stamp, text, now))

    def _wanted(self, text: str) -> bool:
        o = self.options
        if o.include and not any(w in text for w in o.include):
            return False
        if o.exclude and any(w in text for w in o.exclude):
            return False
        return self._regex is None or self._regex.search(text) is not None

    # ------------------------------------------------------------------ merging
    async def _merge_loop(self) -> None:
        while True:
            await asyncio.sleep(self.tuning.tick)
            self.merge()
            if not self.options.follow and all(s.done for s in self._streams.values()):
                self.merge(final=True)
                self._finished = True
                self._changed.set()
                return

    def merge(self, final: bool = False) -> int:
        """Release what the watermark allows into the output ring; returns lines released."""
        now = self._clock()
        horizon = now - self.tuning.merge_delay
        marks = [
            (s.last_ns if s.last_ns is not None else -1)
            for s in self._streams.values()
            if not s.done and s.active_at > horizon
        ]
        watermark = min(marks) if marks and not final else None
        released: list[tuple[int, str, str, str, _Pending]] = []
        for s in self._streams.values():
            buf = s.buffer
            while buf and (
                watermark is None or buf[0].ns <= watermark or buf[0].arrived <= horizon
            ):
                released.append((buf[0].ns, s.pod, s.container, s.namespace, buf.popleft()))
        if not released:
            return 0
        released.sort(key=lambda r: (r[0], r[1], r[2]))
        cap = self.tuning.output_buffer
        for _, pod, container, namespace, p in released:
            self._out.append(LogLine(self._next_seq, p.t, p.ns, pod, container, p.text, namespace))
            self._next_seq += 1
            if len(self._out) > cap:
                self._out.popleft()
        self._changed.set()
        return len(released)

    def _notice(self, s: _Stream, what: str, message: str = "") -> None:
        d: dict[str, Any] = {"pod": s.pod, "container": s.container, "event": what}
        if message:
            d["message"] = message
        self._notices.append((self._next_notice, d))
        self._next_notice += 1
        if len(self._notices) > self.tuning.notices:
            self._notices.popleft()
        self._changed.set()

    # ------------------------------------------------------------------ consumers
    async def batches(self, after: int | None = None) -> AsyncIterator[LogBatch]:
        """Batches of merged lines with seq > `after` (from the oldest kept when None), as
        they come; ends when the follower is closed, or (not following) when all is sent."""
        cursor = (
            (self._out[0].seq - 1 if self._out else self._next_seq - 1) if after is None else after
        )
        # A resuming consumer (after a seq) was told of earlier drops; a new one is told all.
        reported_stream_drops = self.stream_dropped if after else 0
        notice_cursor = 0
        while True:
            first = self._out[0].seq if self._out else self._next_seq
            missed = max(0, first - 1 - cursor)
            cursor = max(cursor, first - 1)
            start = cursor - (first - 1)
            lines = [
                self._out[i]
                for i in range(start, min(len(self._out), start + self.tuning.batch_max))
            ]
            notices = [d for n, d in self._notices if n > notice_cursor]
            if self._notices:
                notice_cursor = self._notices[-1][0]
            drops = self.stream_dropped - reported_stream_drops
            reported_stream_drops = self.stream_dropped
            if lines or notices or missed or drops:
                if lines:
                    cursor = lines[-1].seq
                yield LogBatch(lines, missed + drops, notices)
                continue
            if self._finished:
                return
            self._changed.clear()
            await self._changed.wait()
            await asyncio.sleep(self.tuning.tick)  # coalesce: at most one batch per tick

    def as_dict(self) -> dict[str, object]:
        return {
            "streams": self.streams,
            "buffered": len(self._out),
            "next_seq": self._next_seq,
            "stream_dropped": self.stream_dropped,
            "filtered": self.filtered,
            "refused_streams": self.refused_streams,
        }


# ---------------------------------------------------------------------------- time
_prefix_cache: dict[str, int] = {}


def parse_rfc3339_ns(text: str) -> int | None:
    """`2024-05-01T10:00:00.123456789Z` (any number of fraction digits, or none; `Z` or an
    offset) in nanoseconds since the epoch; None when it is not a timestamp."""
    if len(text) < 20 or text[4] != "-" or text[10] not in "Tt":
        return None
    prefix = text[:19]
    base = _prefix_cache.get(prefix)
    if base is None:
        try:
            base = calendar.timegm(time.strptime(prefix, "%Y-%m-%dT%H:%M:%S"))
        except ValueError:
            return None
        if len(_prefix_cache) > 4096:
            _prefix_cache.clear()
        _prefix_cache[prefix] = base
    rest = text[19:]
    frac = 0
    if rest.startswith("."):
        digits = len(rest) - len(rest[1:].lstrip("0123456789")) - 1
        frac = int(rest[1 : 1 + digits][:9].ljust(9, "0")) if digits else 0
        rest = rest[1 + digits :]
    if rest in ("Z", "z"):
        offset = 0
    else:
        try:
            tz = datetime.fromisoformat("2000-01-01T00:00:00" + rest).utcoffset()
        except ValueError:
            return None
        offset = int(tz.total_seconds()) if tz is not None else 0
    return (base - offset) * SEC + frac


def _rfc3339_seconds(ns: int) -> str:
    """`sinceTime` has whole seconds: the second `ns` falls in (lines at or after it)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ns // SEC))
