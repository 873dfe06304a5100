"""Logs (protocol.md §3 `logs` op, §4 logs stream): targets, options, followers, and
`GET /api/v1/clusters/{id}/logs/stream` as server-sent events.

A target is one pod (optionally one container), the pods a label selector picks in a
namespace, or a workload's pods (its selector, read from the workload's table). Pods come from
the cluster's pod table each time the follower rescans, so pods that join later are followed and
pods that leave are let go; only scheduled pods (with a node) are followed.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from aiohttp import web

from masthead.api.context import ApiContext, context_of
from masthead.api.errors import ApiProblem, bad_parameter
from masthead.api.feeds import Feeds, SharedFollower
from masthead.api.pages import first_sync, not_connected, open_sources
from masthead.api.params import parse_int
from masthead.cluster import ClusterSession
from masthead.feeds.logs import LogBatch, LogFollower, LogOptions, PodLogTarget
from masthead.selectors import LabelSelector, SelectorError, parse_label_selector
from masthead.store.query import Query, query_tables
from masthead.store.table import Table
from masthead.tasks import cancel_and_wait
from masthead.views.catalogue import VIEWS
from masthead.views.sources import ObservedTableSink

# Workload kinds a logs target may name → the view that lists them.
WORKLOAD_VIEWS = {
    "Deployment": "deployments",
    "StatefulSet": "statefulsets",
    "DaemonSet": "daemonsets",
    "ReplicaSet": "replicasets",
    "Job": "jobs",
}
MAX_TAIL = 100_000


def _bad(param: str, message: str) -> ApiProblem:
    return bad_parameter(param, message)


@dataclass(frozen=True, slots=True)
class LogTarget:
    namespace: str
    pod: str | None = None
    container: str | None = None
    selector: str | None = None
    kind: str | None = None
    name: str | None = None

    @property
    def key(self) -> tuple[str, ...]:
        return tuple(
            str(v)
            for v in (self.namespace, self.pod, self.container, self.selector, self.kind, self.name)
        )


def _str(value: Any, param: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _bad(param, f"{param} must be a string")
    return value


def parse_target(raw: Any, prefix: str = "") -> LogTarget:
    """`{"namespace", "pod", "container"?}`, `{"namespace", "selector"}` or
    `{"namespace", "workload": {"kind", "name"}}` (flat `kind` / `name` also accepted)."""
    if not isinstance(raw, Mapping):
        raise _bad(prefix.rstrip(".") or "target", "target is a JSON object")
    namespace = _str(raw.get("namespace"), prefix + "namespace")
    if namespace is None:
        raise _bad(prefix + "namespace", "a logs target needs a namespace")
    pod = _str(raw.get("pod"), prefix + "pod")
    container = _str(raw.get("container"), prefix + "container")
    selector = _str(raw.get("selector"), prefix + "selector")
    workload = raw.get("workload")
    kind, name = _str(raw.get("kind"), prefix + "kind"), _str(raw.get("name"), prefix + "name")
    if workload is not None:
        if not isinstance(workload, Mapping):
            raise _bad(prefix + "workload", "workload is {kind, name}")
        kind = _str(workload.get("kind"), prefix + "workload.kind")
        name = _str(workload.get("name"), prefix + "workload.name")
    given = [x for x in (pod, selector, kind or name) if x is not None]
    if len(given) != 1:
        raise _bad(prefix + "pod", "a logs target names exactly one of pod, selector, workload")
    if (kind is not None or name is not None) and (kind not in WORKLOAD_VIEWS or name is None):
        raise _bad(
            prefix + "workload.kind",
            f"workload needs a kind ({', '.join(WORKLOAD_VIEWS)}) and a name",
        )
    if selector is not None:
        try:
            parse_label_selector(selector)
        except SelectorError as e:
            raise _bad(prefix + "selector", f"selector: {e}") from None
    return LogTarget(namespace, pod, container, selector, kind, name)


def _strings(value: Any, param: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(v for v in value.split(",") if v) if value else ()
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(v for v in value if v)
    raise _bad(param, f"{param} is a string or a list of strings")


def parse_time(value: Any, param: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise _bad(param, f"{param} must be a number or an RFC 3339 time")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            pass
    raise _bad(param, f"{param} must be a number or an RFC 3339 time, got {value!r}")


def _bool(value: Any, param: str, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("1", "true", "yes", "0", "false", "no"):
        return value.lower() in ("1", "true", "yes")
    raise _bad(param, f"{param} must be a boolean")


def parse_options(raw: Any, prefix: str = "") -> LogOptions:
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise _bad(prefix.rstrip(".") or "options", "options is a JSON object")
    known = {"tail", "follow", "include", "exclude", "regex", "containers", "since", "until"}
    unknown = [k for k in raw if k not in known]
    if unknown:
        raise _bad(prefix + unknown[0], f"unknown option {unknown[0]!r}")
    tail_raw = raw.get("tail", 100)
    tail: int | None
    if tail_raw is None or tail_raw == "" or tail_raw == "all":
        tail = None
    else:
        try:
            tail = int(tail_raw)
        except (TypeError, ValueError):
            raise _bad(prefix + "tail", f"tail must be an integer, got {tail_raw!r}") from None
        if not 0 <= tail <= MAX_TAIL:
            raise _bad(prefix + "tail", f"tail must be between 0 and {MAX_TAIL}")
    for name in ("regex", "containers"):
        pattern = raw.get(name)
        if pattern is not None and pattern != "":
            if not isinstance(pattern, str):
                raise _bad(prefix + name, f"{name} must be a string")
            try:
                re.compile(pattern)
            except re.error as e:
                raise _bad(prefix + name, f"{name}: {e}") from None
    return LogOptions(
        tail=tail,
        since=parse_time(raw.get("since"), prefix + "since"),
        until=parse_time(raw.get("until"), prefix + "until"),
        follow=_bool(raw.get("follow"), prefix + "follow", True),
        include=_strings(raw.get("include"), prefix + "include"),
        exclude=_strings(raw.get("exclude"), prefix + "exclude"),
        regex=raw.get("regex") or None,
        containers=raw.get("containers") or None,
    )


def _tables(group_sources: Iterable[Any], namespace: str) -> list[Table[Any]]:
    out: list[Table[Any]] = []
    for src in group_sources:
        if src.namespace is not None and src.namespace != namespace:
            continue
        if isinstance(src.sink, ObservedTableSink):
            out.append(src.sink.table)
    return out


async def _workload_selector(
    ctx: ApiContext, session: ClusterSession, target: LogTarget
) -> LabelSelector:
    assert target.kind is not None
    view = VIEWS[WORKLOAD_VIEWS[target.kind]]
    sources = await open_sources(session, view)
    await first_sync(sources, ctx.first_sync_wait)
    for table in _tables(sources.sources, target.namespace):
        for row in table.rows():
            if row.namespace == target.namespace and row.name == target.name:
                text = getattr(row, "selector", "")
                if not text:
                    raise ApiProblem(
                        400,
                        f"{target.kind} {target.namespace}/{target.name} has no selector",
                        cluster=session.id,
                        details={"parameter": "workload"},
                    )
                return parse_label_selector(text)
    raise ApiProblem(
        404,
        f"no {target.kind} {target.namespace}/{target.name}",
        reason="NotFound",
        cluster=session.id,
    )


async def pod_targets(
    ctx: ApiContext, session: ClusterSession, target: LogTarget, max_pods: int
) -> Callable[[], list[PodLogTarget]]:
    """The follower's `targets()`: fixed for one pod, else read from the pod table."""
    containers = (target.container,) if target.container else ()
    if target.pod is not None:
        fixed = [PodLogTarget(target.namespace, target.pod, containers)]
        return lambda: fixed
    if target.kind is not None:
        selector = await _workload_selector(ctx, session, target)
    else:
        assert target.selector is not None
        selector = parse_label_selector(target.selector)
    pods = await open_sources(session, VIEWS["pods"])
    await first_sync(pods, ctx.first_sync_wait)
    group = pods.group
    query = Query(
        namespaces=frozenset({target.namespace}),
        label_selector=None if selector.empty else selector,
        sort="name",
        limit=max_pods,
    )

    def targets() -> list[PodLogTarget]:
        tables = _tables(group.sources.values(), target.namespace)
        if not tables:
            return []
        page = query_tables(tables, query)
        return [
            PodLogTarget(r.namespace, r.name, containers, r.uid)
            for r in page.rows
            if r.node and not getattr(r, "terminating", False)
        ]

    return targets


async def start_follower(
    feeds: Feeds, session: ClusterSession, target: LogTarget, options: LogOptions, ctx: ApiContext
) -> LogFollower:
    transport = session.transport
    if transport is None:
        raise not_connected(session)
    targets = await pod_targets(ctx, session, target, feeds.tuning.logs.max_streams)
    return await feeds.follower(transport, targets, options)


# ---------------------------------------------------------------------------- SSE
_SSE_HEADERS = {
    "Content-Type": "text/event-stream",
    "Cache-Control": "no-cache",
    "X-Accel-Buffering": "no",
}


async def open_sse(request: web.Request) -> web.StreamResponse:
    resp = web.StreamResponse(status=200, headers=_SSE_HEADERS)
    await resp.prepare(request)
    await resp.write(b"retry: 2000\n\n")
    return resp


def sse_event(event: str, data: object, ident: int | None = None) -> bytes:
    head = f"id: {ident}\n" if ident is not None else ""
    return f"{head}event: {event}\ndata: ".encode() + orjson.dumps(data) + b"\n\n"


def last_event_id(request: web.Request, param: str = "lastEventId") -> int | None:
    raw = request.headers.get("Last-Event-ID") or request.query.get(param)
    if raw is None or raw.strip() == "":
        return None
    return parse_int(raw.strip(), "Last-Event-ID")


def _batch_bytes(batch: LogBatch) -> bytes:
    out = bytearray()
    if batch.dropped:
        out += sse_event("dropped", {"dropped": batch.dropped})
    for notice in batch.notices:
        out += sse_event("notice", notice)
    for line in batch.lines:
        out += sse_event("line", line.as_dict(), line.seq)
    return bytes(out)


async def logs_stream(request: web.Request) -> web.StreamResponse:
    """`GET .../logs/stream?namespace=&pod=|selector=|kind=&name=&container=&tail=&follow=
    &include=&exclude=&regex=&containers=&since=` → `event: line` with `id` = the follower's
    seq; a reconnect with `Last-Event-ID` resumes after it (no duplicates) while the follower
    lives (it outlives its last reader by `log_linger`)."""
    ctx = context_of(request)
    session = ctx.session(request.match_info["cluster"])
    q = request.query
    target_keys = ("namespace", "pod", "container", "selector", "kind", "name")
    target = parse_target({k: q.get(k) for k in target_keys})
    options = parse_options({k: v for k, v in q.items() if k not in (*target_keys, "lastEventId")})
    last = last_event_id(request)
    feeds = ctx.need_feeds()
    key = (session.id, *target.key, repr(options))

    async def start() -> LogFollower:
        if not feeds.check_room():
            raise ApiProblem(429, "too many log streams open", reason="TooManyRequests")
        return await start_follower(feeds, session, target, options, ctx)

    before = feeds.shared_follower_of(key)
    shared = await feeds.shared_follower(key, start)
    assert shared is not None
    # A follower started for this request numbers its lines from 1: an old id means nothing.
    after = last if shared is before else None
    try:
        resp = await open_sse(request)
        await _pump_sse(resp, shared, after, feeds.tuning.keepalive)
        return resp
    finally:
        feeds.leave(shared)


async def _pump_sse(
    resp: web.StreamResponse, shared: SharedFollower, after: int | None, keepalive: float
) -> None:
    queue: asyncio.Queue[LogBatch | None] = asyncio.Queue(maxsize=4)

    async def pump() -> None:
        try:
            async for batch in shared.follower.batches(after):
                await queue.put(batch)
        finally:
            await queue.put(None)

    task = asyncio.create_task(pump())
    try:
        while True:
            try:
                batch = await asyncio.wait_for(queue.get(), keepalive)
            except TimeoutError:
                await resp.write(b": keepalive\n\n")
                continue
            if batch is None:
                await resp.write(sse_event("end", {}))
                return
            await resp.write(_batch_bytes(batch))
    except (ConnectionResetError, ConnectionError):
        return
    finally:
        await cancel_and_wait(task)
