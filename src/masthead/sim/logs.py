"""`GET /api/v1/namespaces/{ns}/pods/{name}/log`: what the API server and kubelet answer.

The server core answers 204 for a pod without a node and hands scheduled pods to
`LogService.handle` (registered as `SimServer.log_handler`). This module then does what
kube-apiserver does before proxying (`PodLogOptions` decoding and validation, container
choice: `pkg/registry/core/pod/rest/log.go`, `strategy.go` `LogLocation`) and what the kubelet
does (`validateContainerLogStatus`: which container instance has logs, and its errors), and
streams lines from `loggen` for the chosen instance.

The instance is read from the stored pod's status (containerStatuses: state, lastState,
restartCount, startedAt/finishedAt), so logs follow whatever the pod lifecycle controllers
write. A followed stream ends when that instance terminates (or restarts, or the pod goes
away) and when the client disconnects.

Per-pod knobs (annotations, for tests and stress): `masthead.dev/log-rate` (lines/s per
container) and `masthead.dev/log-style` (access, json, java, ansi, klog).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from aiohttp import web

from masthead.sim.errors import ApiError, bad_request
from masthead.sim.loggen import (
    SEC,
    STYLES,
    LogInstance,
    rfc3339nano,
    seed_of,
    style_for,
)
from masthead.sim.store import ObjectStore, WatchEvent

POD_KEY = ("", "pods")
RATE_ANNOTATION = "masthead.dev/log-rate"
STYLE_ANNOTATION = "masthead.dev/log-style"
STREAMS = ("Stdout", "Stderr", "All")  # upstream's order in the NotSupported message
_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})"
)


@dataclass
class LogConfig:
    # Mean lines per second of one container (each container varies 0.5x-1.5x around it).
    rate: float = 1.0
    # The kubelet keeps 10 MiB of a container's current log file by default
    # (containerLogMaxSize); older lines are gone, whatever `tailLines` asks for.
    max_history_bytes: int = 10 * 1024 * 1024
    # PodLogsQuerySplitStreams (alpha upstream): when on, `stream=` is honoured; when off it
    # is refused with 422 "stream: Forbidden: may not be specified", as upstream does.
    split_streams: bool = True
    # A followed stream sends what accumulated at most this often (batches at high rates).
    follow_tick: float = 0.01
    chunk_bytes: int = 64 * 1024


@dataclass
class LogOptions:
    container: str = ""
    follow: bool = False
    previous: bool = False
    timestamps: bool = False
    since_seconds: int | None = None
    since_time_ns: int | None = None
    tail_lines: int | None = None
    limit_bytes: int | None = None
    stream: str | None = None


# ---------------------------------------------------------------------- options
def _go_bool(value: str) -> bool:
    """runtime.Convert_Slice_string_To_bool: "0"/"false" (any case) and "" are false."""
    return not (value == "" or value == "0" or value.lower() == "false")


def _go_int(value: str) -> int:
    if not re.fullmatch(r"[+-]?\d+", value):
        raise bad_request(f'strconv.ParseInt: parsing "{value}": invalid syntax')
    n = int(value)
    if not -(2**63) <= n < 2**63:
        raise bad_request(f'strconv.ParseInt: parsing "{value}": value out of range')
    return n


def parse_rfc3339(value: str) -> int:
    """metav1.Time from a query parameter (time.RFC3339), as nanoseconds since the epoch."""
    m = _RFC3339.fullmatch(value)
    if m is None:
        raise bad_request(
            f'parsing time "{value}" as "2006-01-02T15:04:05Z07:00": cannot parse '
            f'"{value}" as "2006"'
        )
    y, mo, d, h, mi, sec = (int(m.group(i)) for i in range(1, 7))
    zone = m.group(8).upper()
    offset = (
        0 if zone == "Z" else (int(zone[1:3]) * 60 + int(zone[4:6])) * (-1 if zone[0] == "-" else 1)
    )
    try:
        dt = datetime(y, mo, d, h, mi, sec, tzinfo=timezone(timedelta(minutes=offset)))
    except ValueError as e:
        raise bad_request(f'parsing time "{value}": {e}') from None
    return int(dt.timestamp()) * SEC


def parse_options(q: Mapping[str, str]) -> LogOptions:
    o = LogOptions(container=q.get("container", ""))
    o.follow = _go_bool(q.get("follow", ""))
    o.previous = _go_bool(q.get("previous", ""))
    o.timestamps = _go_bool(q.get("timestamps", ""))
    if q.get("sinceSeconds"):
        o.since_seconds = _go_int(q["sinceSeconds"])
    if q.get("sinceTime"):
        o.since_time_ns = parse_rfc3339(q["sinceTime"])
    if q.get("tailLines"):
        o.tail_lines = _go_int(q["tailLines"])
    if q.get("limitBytes"):
        o.limit_bytes = _go_int(q["limitBytes"])
    if "stream" in q:
        o.stream = q["stream"]
    return o


def _cause(reason: str, message: str, field: str) -> dict[str, str]:
    c = {"reason": reason, "message": message}
    if field:  # field.NewPath("") serialises as no field at all
        c["field"] = field
    return c


def validate_options(o: LogOptions, pod_name: str, split_streams: bool) -> None:
    """`ValidatePodLogOptions`, answered as upstream's 422 for kind PodLogOptions."""
    causes: list[dict[str, str]] = []
    if o.tail_lines is not None and o.tail_lines < 0:
        causes.append(
            _cause(
                "FieldValueInvalid",
                f"Invalid value: {o.tail_lines}: must be greater than or equal to 0",
                "tailLines",
            )
        )
    if o.limit_bytes is not None and o.limit_bytes < 1:
        causes.append(
            _cause(
                "FieldValueInvalid",
                f"Invalid value: {o.limit_bytes}: must be greater than 0",
                "limitBytes",
            )
        )
    if o.since_seconds is not None and o.since_time_ns is not None:
        causes.append(
            _cause(
                "FieldValueForbidden",
                "Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified",
                "",
            )
        )
    elif o.since_seconds is not None and o.since_seconds < 1:
        causes.append(
            _cause(
                "FieldValueInvalid",
                f"Invalid value: {o.since_seconds}: must be greater than 0",
                "sinceSeconds",
            )
        )
    if split_streams:
        stream = "All" if o.stream is None else o.stream
        if stream not in STREAMS:
            supported = ", ".join(f'"{s}"' for s in STREAMS)
            causes.append(
                _cause(
                    "FieldValueNotSupported",
                    f'Unsupported value: "{stream}": supported values: {supported}',
                    "stream",
                )
            )
        elif stream != "All" and o.tail_lines is not None:
            causes.append(
                _cause(
                    "FieldValueForbidden",
                    "Forbidden: `tailLines` and specific `stream` are mutually exclusive for now",
                    "",
                )
            )
    elif o.stream is not None:
        causes.append(_cause("FieldValueForbidden", "Forbidden: may not be specified", "stream"))
    if not causes:
        return
    parts = [f"{c.get('field', '')}: {c['message']}" for c in causes]
    joined = parts[0] if len(parts) == 1 else "[" + ", ".join(parts) + "]"
    raise ApiError(
        422,
        "Invalid",
        f'PodLogOptions "{pod_name}" is invalid: {joined}',
        {"name": pod_name, "kind": "PodLogOptions", "causes": causes},
    )


# ---------------------------------------------------------------------- container choice
def _all_containers(spec: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Init, regular, then ephemeral containers: upstream's VisitContainers order."""
    out: list[dict[str, Any]] = []
    for key in ("initContainers", "containers", "ephemeralContainers"):
        out.extend(spec.get(key) or [])
    return out


def choose_container(pod: Mapping[str, Any], wanted: str) -> dict[str, Any]:
    """`validateContainer` of the pod strategy: default to the only container, else 400."""
    spec = pod.get("spec") or {}
    name = pod["metadata"]["name"]
    every = _all_containers(spec)
    if not wanted:
        regular = spec.get("containers") or []
        if len(regular) == 1:
            return dict(regular[0])
        if not regular:
            raise bad_request(f"a container name must be specified for pod {name}")
        names = " ".join(c.get("name", "") for c in every)
        raise bad_request(
            f"a container name must be specified for pod {name}, choose one of: [{names}]"
        )
    for c in every:
        if c.get("name") == wanted:
            return dict(c)
    raise bad_request(f"container {wanted} is not valid for pod {name}")


def _ns_of(ts: str | None) -> int | None:
    if not ts:
        return None
    try:
        return int(datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp() * 1e9)
    except ValueError:
        return None


def _status_of(pod: Mapping[str, Any], container: str) -> dict[str, Any] | None:
    status = pod.get("status") or {}
    for key in ("containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"):
        for cs in status.get(key) or []:
            if cs.get("name") == container:
                return dict(cs)
    return None


@dataclass(frozen=True)
class InstanceRef:
    """Which run of a container the kubelet would read, and how it ended (if it did)."""

    restart: int
    start_ns: int
    end_ns: int | None
    exit_code: int
    reason: str


def _finished_ns(t: Mapping[str, Any]) -> int | None:
    """finishedAt has whole seconds: the run ended somewhere in that second, so its last
    lines may lie anywhere in it (a follower may already have sent some of them)."""
    end = _ns_of(t.get("finishedAt"))
    return None if end is None else end + SEC - 1


def _terminated_ref(t: Mapping[str, Any], restart: int) -> InstanceRef:
    start = _ns_of(t.get("startedAt")) or _ns_of(t.get("finishedAt")) or time.time_ns()
    end = _finished_ns(t) or start
    return InstanceRef(
        restart, start, max(end, start), int(t.get("exitCode") or 0), t.get("reason") or ""
    )


def resolve_instance(pod: Mapping[str, Any], container: str, previous: bool) -> InstanceRef:
    """The kubelet's `validateContainerLogStatus`, with its 400 messages."""
    pod_name = pod["metadata"]["name"]
    cs = _status_of(pod, container)
    if cs is None:
        raise bad_request(f'container "{container}" in pod "{pod_name}" is not available')
    restarts = int(cs.get("restartCount") or 0)
    state = cs.get("state") or {}
    last = (cs.get("lastState") or {}).get("terminated")
    if previous:
        if not last or last.get("containerID") == "":
            raise bad_request(
                f'previous terminated container "{container}" in pod "{pod_name}" not found'
            )
        return _terminated_ref(last, max(restarts - 1, 0))
    if "running" in state:
        started = _ns_of((state["running"] or {}).get("startedAt")) or time.time_ns()
        return InstanceRef(restarts, started, None, 0, "")
    if "terminated" in state:
        term = state["terminated"] or {}
        if term.get("containerID") == "" and last:
            return _terminated_ref(last, max(restarts - 1, 0))
        return _terminated_ref(term, restarts)
    if last:
        return _terminated_ref(last, max(restarts - 1, 0))
    if "waiting" in state:
        reason = (state["waiting"] or {}).get("reason") or ""
        why = {
            "ErrImagePull": "image can't be pulled",
            "ImagePullBackOff": "trying and failing to pull image",
        }.get(reason, reason)
        raise bad_request(f'container "{container}" in pod "{pod_name}" is waiting to start: {why}')
    raise bad_request(
        f'container "{container}" in pod "{pod_name}" is waiting to start - no logs yet'
    )


# ---------------------------------------------------------------------- the service
class LogService:
    """Serves pod logs from generated lines; wakes followers when their pod changes."""

    def __init__(self, store: ObjectStore, config: LogConfig | None = None) -> None:
        self.store = store
        self.config = config or LogConfig()
        self._followers: dict[tuple[str, str], set[asyncio.Event]] = {}
        self.open_follows = 0
        store.observers.append(self._observe)

    def _observe(self, key: tuple[str, str], ev: WatchEvent) -> None:
        if key != POD_KEY or not self._followers:
            return
        for wake in self._followers.get((ev.obj.namespace, ev.obj.name), ()):
            wake.set()

    def instance(
        self, pod: Mapping[str, Any], container: dict[str, Any], ref: InstanceRef
    ) -> LogInstance:
        meta = pod.get("metadata") or {}
        annotations = meta.get("annotations") or {}
        style = STYLES.get(annotations.get(STYLE_ANNOTATION, "")) or style_for(
            str(container.get("image", "")), str(container.get("name", ""))
        )
        seed = seed_of(meta.get("uid", ""), container.get("name", ""), ref.restart)
        rate = self.config.rate * (0.5 + (seed % 1000) / 1000)
        if RATE_ANNOTATION in annotations:
            with contextlib.suppress(ValueError):
                rate = float(annotations[RATE_ANNOTATION])
        crashed = ref.end_ns is not None and ref.exit_code != 0 and ref.reason != "OOMKilled"
        return LogInstance(style, seed, ref.start_ns, rate, ref.end_ns, ref.exit_code, crashed)

    async def handle(self, request: web.Request, pod: dict[str, Any]) -> web.StreamResponse:
        name = pod["metadata"]["name"]
        opts = parse_options(request.query)
        validate_options(opts, name, self.config.split_streams)
        container = choose_container(pod, opts.container)
        if not (pod.get("spec") or {}).get("nodeName"):
            # Options and container are checked first; a pod that is not scheduled yet then
            # has no logs: upstream answers 204 No Content.
            return web.Response(status=204)
        ref = resolve_instance(pod, container["name"], opts.previous)
        inst = self.instance(pod, container, ref)
        now = time.time_ns()
        count = inst.count_at(now)
        first = max(0, count - inst.history_lines(self.config.max_history_bytes))
        if opts.tail_lines is not None:
            first = max(first, count - opts.tail_lines)
        since = opts.since_time_ns
        if opts.since_seconds is not None:
            since = now - opts.since_seconds * SEC
        writer = _LineWriter(opts, self.config.chunk_bytes, since)
        resp = web.StreamResponse(
            status=200,
            headers={"Content-Type": "text/plain", "Cache-Control": "no-cache, private"},
        )
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        try:
            await writer.emit(resp, inst, first, count)
            if opts.follow and not writer.done and ref.end_ns is None:
                await self._follow(request, resp, pod, container, ref, inst, count, writer)
            await writer.flush(resp)
            await resp.write_eof()
        except (ConnectionResetError, ConnectionError):
            pass  # the client went away: nothing left to do
        return resp

    async def _follow(
        self,
        request: web.Request,
        resp: web.StreamResponse,
        pod: dict[str, Any],
        container: dict[str, Any],
        ref: InstanceRef,
        inst: LogInstance,
        sent: int,
        writer: _LineWriter,
    ) -> None:
        ns, name = pod["metadata"].get("namespace", ""), pod["metadata"]["name"]
        cname = container["name"]
        uid = pod["metadata"].get("uid")
        wake = asyncio.Event()
        key = (ns, name)
        self._followers.setdefault(key, set()).add(wake)
        self.open_follows += 1
        seen_rv = -1
        try:
            while not writer.done:
                stored = self.store.get(POD_KEY, ns, name)
                ended = stored is None
                if stored is not None and stored.rv != seen_rv:
                    seen_rv = stored.rv
                    current = stored.decode()
                    if current["metadata"].get("uid") != uid:
                        ended = True
                    else:
                        end = _instance_end(current, cname, ref)
                        if end is not None:
                            code, reason, end_ns = end
                            inst.finish(end_ns, code, code != 0 and reason != "OOMKilled")
                            ended = True
                if ended and inst.end_ns is None:
                    inst.finish(time.time_ns(), 0, False)
                now = time.time_ns()
                upto = inst.count_at(now)
                if upto > sent:
                    await writer.emit(resp, inst, sent, upto)
                    sent = upto
                await writer.flush(resp)
                if ended:
                    total = inst.total()
                    if total is not None and total > sent:
                        await writer.emit(resp, inst, sent, total)
                    return
                transport = request.transport
                if transport is None or transport.is_closing():
                    return
                # Sleep until the next line is due (at least one tick, at most a second) or
                # until the pod changes.
                next_t = inst.line(sent)[0] if inst.total() is None else now + SEC
                delay = min(max((next_t - now) / SEC, self.config.follow_tick), 1.0)
                wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), delay)
        finally:
            self.open_follows -= 1
            waiters = self._followers.get(key)
            if waiters is not None:
                waiters.discard(wake)
                if not waiters:
                    del self._followers[key]


def _instance_end(
    pod: Mapping[str, Any], container: str, ref: InstanceRef
) -> tuple[int, str, int] | None:
    """(exitCode, reason, finishedAt) once the followed instance is over, else None."""
    cs = _status_of(pod, container)
    if cs is None:
        return (0, "", time.time_ns())
    state = cs.get("state") or {}
    if "running" in state:
        started = _ns_of((state["running"] or {}).get("startedAt"))
        if started is None or started == ref.start_ns:
            return None
    for term in (
        (state.get("terminated") or {}),
        ((cs.get("lastState") or {}).get("terminated") or {}),
    ):
        if term and (_ns_of(term.get("startedAt")) in (ref.start_ns, None)):
            end = _finished_ns(term) or time.time_ns()
            return int(term.get("exitCode") or 0), term.get("reason") or "", max(end, ref.start_ns)
    return (0, "", time.time_ns())


class _LineWriter:
    """Formats lines (stream filter, since, timestamps) and enforces limitBytes."""

    def __init__(self, opts: LogOptions, chunk_bytes: int, since_ns: int | None) -> None:
        self.timestamps = opts.timestamps
        self.want_stderr: bool | None = {"Stdout": False, "Stderr": True}.get(opts.stream or "")
        self.left = opts.limit_bytes
        self.since = since_ns
        self.chunk_bytes = chunk_bytes
        self.buf: list[bytes] = []
        self.buffered = 0
        self.done = False

    async def emit(self, resp: web.StreamResponse, inst: LogInstance, lo: int, hi: int) -> None:
        k = lo
        while k < hi and not self.done:
            t, text, err = inst.line(k)
            k += 1
            if self.since is not None and t < self.since:
                continue
            if self.want_stderr is not None and err != self.want_stderr:
                continue
            data = (f"{rfc3339nano(t)} {text}\n" if self.timestamps else f"{text}\n").encode()
            if self.left is not None:
                if len(data) >= self.left:
                    data = data[: self.left]
                    self.done = True
                self.left -= len(data)
            self.buf.append(data)
            self.buffered += len(data)
            if self.buffered >= self.chunk_bytes:
                await self.flush(resp)

    async def flush(self, resp: web.StreamResponse) -> None:
        if self.buf:
            data = b"".join(self.buf)
            self.buf.clear()
            self.buffered = 0
            await resp.write(data)
