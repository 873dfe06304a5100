"""Fault injection: what a real cluster does to its clients on a bad day, on demand.

`FaultInjector` keeps the faults in force (each bounded by a duration and/or a count, each
reversible by `clear`) and acts on requests through one `SimServer.request_hooks` entry:
401 for an expired token, 429 from "priority and fairness", 5xx bursts, added latency, slow
bodies, forced 410s for watches and lists from old resourceVersions. The other faults act on
the world directly: open watch streams are reset or stalled, the listening socket closes and
reopens, history shrinks or is lost, RBAC bindings and CRDs are deleted or created through the
registry, resourceVersions jump.

Which requests a fractional fault hits is drawn from a `random.Random` seeded per fault, one
draw per matching request, so a test replaying the same requests gets the same hits.

Parameters every fault takes: `duration` (s; default 300 unless `count` is given), `count`
(requests it may hit, then it ends), `fraction` (0..1, default 1), `seed`, `path` (prefix the
request path must start with) and `methods` (list). Per fault:

    drop-watches    reset every open watch now; with duration/count also each new one
    stall-watches   open watches send nothing until cleared or their deadline; `new` (default
                    true): watches opened meanwhile (on any path) start stalled too
    force-410       watches from an older RV get 200 + ERROR 410, exact lists and continue
                    tokens 410; `lists`: "exact" (default), "all" (NotOlderThan too), "none"
    shrink-history  `size`: events kept per resource (dropped ones stay dropped)
    throttle        429, plain text, `retryAfter` (default 1) and the PF headers
    errors          `code` 500|503|504 (default 503) with a Status body; `retryAfter`, `message`
    latency         `ms` added before answering, plus up to `jitterMs`
    slow-body       bodies sent in `chunkBytes` (1024) pieces `delayMs` (50) apart
    down            refuse connections for `seconds` after `afterSeconds` (0.05) and reset
                    open ones; `loseHistory`: every older RV is 410 when it comes back
    expire-token    401 for `user`'s tokens or for `token`
    revoke / grant  delete / create the RoleBinding of `role` to `user` in `namespace`
                    (ClusterRoleBinding without one); clearing undoes it
    delete-crd      `name`; clearing re-creates the definition (not its objects)
    create-crd      `crd` (default: widgets.faults.masthead.dev); clearing deletes it
    jump-rv         an action: RVs jump by `delta` (1e6); `expireOlder` makes older RVs 410
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import random
import socket
import struct
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson
from aiohttp import web

from masthead.sim import errors
from masthead.sim.auth import unauthorized
from masthead.sim.errors import ApiError
from masthead.sim.listing import CONTINUE_TOO_OLD, LIST_TOO_OLD, decode_continue, encode_continue
from masthead.sim.registry import DeleteOptions, WriteContext, now_rfc3339
from masthead.sim.resources import builtin
from masthead.sim.routing import ResourceRoute, route
from masthead.sim.watching import parse_bool
from masthead.tasks import cancel_and_wait

if TYPE_CHECKING:
    from masthead.sim.app import Simulator
    from masthead.sim.server import ActiveWatch, SimServer
    from masthead.sim.store import ObjectStore

# Unless told otherwise a fault lasts this long: every fault must end by itself, and five
# minutes outlives any reliability test while still healing a forgotten demo.
DEFAULT_DURATION = 300.0
# One-shot actions (drop, jump) are remembered this many at a time in the state document.
RECENT_ACTIONS = 50
MANAGER = "masthead-sim-faults"
# Set on a request while the slow-body fault runs it through the server a second time.
_INNER = web.RequestKey("masthead.faults.inner", bool)

# Go's http.Error appends a newline to the text.
TOO_MANY_REQUESTS = "Too many requests, please try again later.\n"
PROBES = ("/healthz", "/livez", "/readyz")
_RBAC = "rbac.authorization.k8s.io"
CRDS = builtin("apiextensions.k8s.io", "customresourcedefinitions")


class FaultError(Exception):
    """A fault that cannot be set as asked (the admin API answers 400 or 404)."""

    def __init__(self, message: str, code: int = 400) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Fault:
    """One fault in force: what was asked, its bounds, and what it has done so far."""

    name: str
    params: dict[str, Any]
    set_at: float  # wall clock, for the state document
    expires_at: float | None  # monotonic
    remaining: int | None  # requests it may still hit; None: unlimited
    fraction: float
    rng: random.Random
    path: str
    methods: frozenset[str] | None
    seen: int = 0
    hits: int = 0
    # What clearing must undo (re-create a binding, resume watches, come back up, ...).
    undo: Callable[[], Awaitable[None]] | None = None
    detail: dict[str, Any] = field(default_factory=dict)  # shown in the state document
    private: dict[str, Any] = field(default_factory=dict)  # not shown (tokens)
    timer: asyncio.Task[None] | None = None

    def applies(self, request: web.Request) -> bool:
        """Whether this request is hit: path and method filter, then one seeded draw."""
        if not request.path.startswith(self.path):
            return False
        if self.methods is not None and request.method not in self.methods:
            return False
        if self.remaining is not None and self.remaining <= 0:
            return False
        self.seen += 1
        if self.fraction < 1.0 and self.rng.random() >= self.fraction:
            return False
        self.hits += 1
        if self.remaining is not None:
            self.remaining -= 1
        return True

    @property
    def exhausted(self) -> bool:
        return self.remaining is not None and self.remaining <= 0

    def state(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "params": self.params,
            "setAt": now_rfc3339(self.set_at),
            "seen": self.seen,
            "hits": self.hits,
        }
        if self.expires_at is not None:
            out["expiresInSeconds"] = round(max(0.0, self.expires_at - time.monotonic()), 3)
        if self.remaining is not None:
            out["remaining"] = self.remaining
        out.update(self.detail)
        return out


# The parameters every fault accepts; each kind adds its own (see `_KINDS`).
COMMON = {"duration", "count", "fraction", "seed", "path", "methods"}


class FaultInjector:
    """The faults of one simulator: set, clear, expire, and the request hook that applies them."""

    def __init__(self, sim: Simulator, seed: int = 0) -> None:
        self.sim = sim
        self.seed = seed
        self.faults: dict[str, Fault] = {}
        self.recent: deque[dict[str, Any]] = deque(maxlen=RECENT_ACTIONS)
        self._stalled: set[ActiveWatch] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------------ lifecycle
    def install(self, server: SimServer) -> None:
        server.request_hooks.append(self.on_request)

    async def aclose(self) -> None:
        for name in list(self.faults):
            await self.clear(name)
        await cancel_and_wait(*self._tasks)

    def spawn(self, coro: Awaitable[None]) -> asyncio.Task[None]:
        t: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(t)
        t.add_done_callback(self._tasks.discard)
        return t

    # ------------------------------------------------------------------ admin verbs
    async def set(self, name: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Put a fault in force (replacing one of the same name); returns its state."""
        kind = _KINDS.get(name)
        if kind is None:
            raise FaultError(f"unknown fault {name!r} (known: {', '.join(sorted(_KINDS))})", 404)
        params = dict(params or {})
        unknown = set(params) - COMMON - kind.params
        if unknown:
            raise FaultError(f"{name}: unknown parameters: {', '.join(sorted(unknown))}")
        if name in self.faults:
            await self.clear(name)
        fault = self._new_fault(name, params, kind.one_shot, kind.action)
        result = await kind.apply(self, fault)
        if kind.action or (kind.one_shot and fault.expires_at is None and fault.remaining is None):
            self._remember(name, params, result)
            return {"params": params, **result}
        fault.detail.update(result)
        self.faults[name] = fault
        if fault.expires_at is not None:
            fault.timer = self.spawn(self._expire_later(name, fault))
        self._remember(name, params, result)
        return fault.state()

    async def clear(self, name: str) -> dict[str, Any] | None:
        """End a fault and undo what it did; returns its final state (None if not in force)."""
        fault = self.faults.pop(name, None)
        if fault is None:
            return None
        if fault.timer is not None and fault.timer is not asyncio.current_task():
            fault.timer.cancel()
        if fault.undo is not None:
            await fault.undo()
        return fault.state()

    def state(self) -> dict[str, Any]:
        server = self.sim.server
        return {
            "resourceVersion": str(self.sim.store.rv),
            "listening": self.sim.listening,
            "watchesOpen": len(server.active_watches) if server is not None else 0,
            "requestsTotal": server.requests_total if server is not None else 0,
            **history_state(self.sim.store),
            # Watchers closed for falling behind (queue past its event or byte cap).
            "watchersClosedBehind": self.sim.store.watch_limits.closed_behind,
            "watchQueueBytesCap": self.sim.store.watch_limits.max_bytes,
            # Converted watch lines (events.k8s.io) encoded, and let go by the shared cache.
            "watchLinesConverted": server.converted_lines.encoded if server is not None else 0,
            "watchLinesEvicted": server.converted_lines.evicted if server is not None else 0,
            "faults": {n: f.state() for n, f in sorted(self.faults.items())},
            "recent": list(self.recent),
        }

    def _new_fault(self, name: str, params: dict[str, Any], one_shot: bool, action: bool) -> Fault:
        duration = _number(params, "duration", None, minimum=0.0)
        count = _number(params, "count", None, minimum=0.0)
        if duration is None and count is None and not one_shot and not action:
            duration = DEFAULT_DURATION
        fraction = _number(params, "fraction", 1.0, minimum=0.0, maximum=1.0)
        seed = int(_number(params, "seed", float(self.seed)) or 0)
        methods = params.get("methods")
        if methods is not None and (
            not isinstance(methods, list) or not all(isinstance(m, str) for m in methods)
        ):
            raise FaultError(f"{name}: methods must be a list of HTTP methods")
        path = params.get("path", "/")
        if not isinstance(path, str):
            raise FaultError(f"{name}: path must be a string")
        return Fault(
            name=name,
            params=params,
            set_at=time.time(),
            expires_at=None if duration is None else time.monotonic() + duration,
            remaining=None if count is None else int(count),
            fraction=1.0 if fraction is None else fraction,
            rng=random.Random(seed),
            path=path,
            methods=None if methods is None else frozenset(m.upper() for m in methods),
        )

    async def _expire_later(self, name: str, fault: Fault) -> None:
        assert fault.expires_at is not None
        await asyncio.sleep(max(0.0, fault.expires_at - time.monotonic()))
        if self.faults.get(name) is fault:
            await self.clear(name)

    def _remember(self, name: str, params: dict[str, Any], result: dict[str, Any]) -> None:
        self.recent.append({"fault": name, "params": params, "at": now_rfc3339(time.time())})
        self.recent[-1].update(result)

    async def _used(self, fault: Fault) -> None:
        """A count-bounded fault that has hit its last request ends now."""
        if fault.exhausted and self.faults.get(fault.name) is fault:
            await self.clear(fault.name)

    # ------------------------------------------------------------------ the request hook
    async def on_request(self, request: web.Request) -> web.StreamResponse | None:
        faults = self.faults
        if not faults or request.get(_INNER):
            return None
        f = faults.get("latency")
        if f is not None and f.applies(request):
            ms = float(f.params.get("ms", 0)) + f.rng.uniform(0, float(f.params.get("jitterMs", 0)))
            await self._used(f)
            await asyncio.sleep(ms / 1000)
        f = faults.get("expire-token")
        if f is not None and _bearer(request) in f.private["tokens"] and f.applies(request):
            await self._used(f)
            raise unauthorized()
        f = faults.get("throttle")
        # Health probes are exempt from priority and fairness upstream (the "probes" schema).
        if f is not None and not request.path.startswith(PROBES) and f.applies(request):
            await self._used(f)
            return _too_many_requests(int(f.params.get("retryAfter", 1)))
        f = faults.get("errors")
        if f is not None and f.applies(request):
            await self._used(f)
            raise _server_error(f)
        f = faults.get("force-410")
        if f is not None:
            answer = self._forced_expiry(request, f)
            if answer is not None:
                await self._used(f)
                return answer
        f = faults.get("drop-watches")
        if f is not None and _is_watch(request) and f.applies(request):
            await self._used(f)
            if request.transport is not None:
                reset_transport(request.transport)
            return web.Response(status=500)
        f = faults.get("slow-body")
        if f is not None and f.applies(request):
            await self._used(f)
            return await self._slow_body(request, f)
        return None

    def _forced_expiry(self, request: web.Request, f: Fault) -> web.StreamResponse | None:
        """410 for a watch or list from a resourceVersion older than the fault's floor."""
        if request.method != "GET":
            return None
        r = route(self.sim.catalog, request.path)
        if not isinstance(r, ResourceRoute) or r.name is not None or r.subresource is not None:
            return None
        q = request.query
        floor: int = f.detail["floorResourceVersion"]
        rv_s = q.get("resourceVersion", "")
        rv = int(rv_s) if rv_s.isdigit() else 0
        if _is_watch(request):
            if rv == 0 or rv >= floor or not f.applies(request):
                return None
            # Authentication still comes first: an unknown token is 401, not a 410.
            self.sim.authn.authenticate(request.headers)
            return _watch_error(410, "Expired", f"too old resource version: {rv} ({floor})")
        token = q.get("continue", "")
        if token:
            with contextlib.suppress(ApiError):
                crv, after = decode_continue(token)
                if 0 <= crv < floor and f.applies(request):
                    self.sim.authn.authenticate(request.headers)
                    fresh = encode_continue(-1, after)
                    raise ApiError(410, "Expired", CONTINUE_TOO_OLD, metadata={"continue": fresh})
            return None
        mode = f.params.get("lists", "exact")
        exact = q.get("resourceVersionMatch", "") == "Exact" or (
            q.get("resourceVersionMatch", "") == "" and q.get("limit", "") not in ("", "0")
        )
        if rv == 0 or rv >= floor or mode == "none" or (mode == "exact" and not exact):
            return None
        if not f.applies(request):
            return None
        self.sim.authn.authenticate(request.headers)
        raise errors.expired(LIST_TOO_OLD)

    async def _slow_body(self, request: web.Request, f: Fault) -> web.StreamResponse:
        """Run the request normally, then send its body in small chunks with pauses."""
        request[_INNER] = True
        assert self.sim.server is not None
        inner = await self.sim.server.handle(request)
        if not isinstance(inner, web.Response) or inner.body is None:
            return inner  # a stream (watch, follow) was already sent as it was produced
        body = inner.body
        data = body if isinstance(body, bytes) else bytes(body)  # type: ignore[arg-type]
        chunk = max(1, int(f.params.get("chunkBytes", 1024)))
        delay = float(f.params.get("delayMs", 50)) / 1000
        headers = {k: v for k, v in inner.headers.items() if k.lower() != "content-length"}
        resp = web.StreamResponse(status=inner.status, headers=headers)
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        for i in range(0, len(data), chunk):
            if i:
                await asyncio.sleep(delay)
            await resp.write(data[i : i + chunk])
        await resp.write_eof()
        return resp

    # ------------------------------------------------------------------ watch streams
    def drop_watches(self, path: str = "/") -> int:
        """Reset the connection of every open watch under `path` (the client sees a reset)."""
        server = self.sim.server
        if server is None:
            return 0
        n = 0
        for aw in list(server.active_watches):
            if not aw.request.path.startswith(path):
                continue
            if aw.request.transport is not None:
                reset_transport(aw.request.transport)
            aw.session.watcher.close()
            aw.session.resume()
            n += 1
        return n

    def stall_watches(self, path: str = "/") -> int:
        server = self.sim.server
        if server is None:
            return 0
        n = 0
        for aw in list(server.active_watches):
            if aw.request.path.startswith(path):
                aw.session.stall()
                self._stalled.add(aw)
                n += 1
        return n

    def resume_watches(self) -> None:
        for aw in self._stalled:
            aw.session.resume()
        self._stalled.clear()
        server = self.sim.server
        if server is not None:
            # Watches opened stalled while the fault was in force.
            for aw in server.active_watches:
                aw.session.resume()


def reset_transport(transport: asyncio.BaseTransport) -> None:
    """Abort a connection with a TCP RST (SO_LINGER 0), like a crashed peer or a middlebox."""
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError, AttributeError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    if isinstance(transport, asyncio.Transport):
        transport.abort()
    else:
        transport.close()


def parse_fault_flag(text: str) -> tuple[str, dict[str, Any]]:
    """`NAME`, `NAME={"json": "object"}` or `NAME=key=value,key=value` (values read as JSON
    where they parse, else as strings): the CLI's `--fault`."""
    name, _, args = text.partition("=")
    name = name.strip()
    if name not in _KINDS:
        raise FaultError(f"unknown fault {name!r} (known: {', '.join(sorted(_KINDS))})", 404)
    args = args.strip()
    if not args:
        return name, {}
    if args.startswith("{"):
        try:
            params = orjson.loads(args)
        except orjson.JSONDecodeError as e:
            raise FaultError(f"{name}: bad JSON arguments: {e}") from None
        if not isinstance(params, dict):
            raise FaultError(f"{name}: arguments must be a JSON object")
        return name, params
    out: dict[str, Any] = {}
    for item in args.split(","):
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise FaultError(f"{name}: expected key=value, got {item!r}")
        try:
            out[key.strip()] = orjson.loads(value)
        except orjson.JSONDecodeError:
            out[key.strip()] = value
    return name, out


# ---------------------------------------------------------------------- responses
def _too_many_requests(retry_after: int) -> web.Response:
    """Priority and fairness's rejection: plain text, Retry-After and the PF headers."""
    return web.Response(
        text=TOO_MANY_REQUESTS,
        status=429,
        headers={
            "Content-Type": "text/plain; charset=utf-8",
            "Cache-Control": "no-cache, private",
            "X-Content-Type-Options": "nosniff",
            "Retry-After": str(retry_after),
            "X-Kubernetes-PF-FlowSchema-UID": "masthead-sim-flowschema",
            "X-Kubernetes-PF-PriorityLevel-UID": "masthead-sim-prioritylevel",
        },
    )


_SERVER_ERRORS = {
    500: ("InternalError", "Internal error occurred: injected fault"),
    503: ("ServiceUnavailable", "the server is currently unable to handle the request"),
    504: (
        "Timeout",
        "Timeout: request did not complete within requested timeout - context deadline exceeded",
    ),
}


def _server_error(f: Fault) -> ApiError:
    code = int(f.params.get("code", 503))
    reason, message = _SERVER_ERRORS[code]
    details: dict[str, Any] | None = None
    if code == 500:
        details = {"causes": [{"message": "injected fault"}]}
    retry = f.params.get("retryAfter")
    if retry is not None:
        details = {**(details or {}), "retryAfterSeconds": int(retry)}
    return ApiError(
        code,
        reason,
        str(f.params.get("message", message)),
        details,
        retry_after=None if retry is None else int(retry),
    )


def _watch_error(code: int, reason: str, message: str) -> web.Response:
    """HTTP 200 and one ERROR event, the way upstream reports failures after a watch starts."""
    status = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    return web.Response(
        body=orjson.dumps({"type": "ERROR", "object": status}) + b"\n",
        headers={"Content-Type": "application/json", "Cache-Control": "no-cache, private"},
    )


def _is_watch(request: web.Request) -> bool:
    if request.method != "GET":
        return False
    try:
        return parse_bool("watch", request.query.get("watch"))
    except ApiError:
        return False


def _bearer(request: web.Request) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _number(
    params: dict[str, Any],
    key: str,
    default: float | None,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
) -> float | None:
    v = params.get(key)
    if v is None:
        return default
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise FaultError(f"{key} must be a number")
    if (minimum is not None and v < minimum) or (maximum is not None and v > maximum):
        raise FaultError(f"{key} must be within [{minimum}, {maximum}]")
    return float(v)


# ---------------------------------------------------------------------- the kinds of fault
Apply = Callable[[FaultInjector, Fault], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Kind:
    apply: Apply
    params: frozenset[str] = frozenset()
    # One-shot faults act when set; with a duration or count they also stay in force.
    one_shot: bool = False
    # Pure actions act when set and are never in force (only listed under "recent").
    action: bool = False


async def _request_fault(inj: FaultInjector, f: Fault) -> dict[str, Any]:
    """Faults that only act through the request hook."""
    if f.name == "errors":
        code = f.params.get("code", 503)
        if code not in _SERVER_ERRORS:
            raise FaultError(f"errors: code must be one of {sorted(_SERVER_ERRORS)}")
    if f.name == "latency" and _number(f.params, "ms", None, minimum=0.0) is None:
        raise FaultError("latency: ms is required")
    for key in ("retryAfter", "jitterMs", "chunkBytes", "delayMs"):
        _number(f.params, key, None, minimum=0.0)
    return {}


async def _drop_watches(inj: FaultInjector, f: Fault) -> dict[str, Any]:
    return {"dropped": inj.drop_watches(f.path)}


async def _stall_watches(inj: FaultInjector, f: Fault) -> dict[str, Any]:
    n = inj.stall_watches(f.path)
    if f.params.get("new", True):
        inj.sim.store.stall_new_watches = True

    async def undo() -> None:
        inj.sim.store.stall_new_watches = False
        inj.resume_watches()

    f.undo = undo
    return {"stalled": n}


async def _force_410(inj: FaultInjector, f: Fault) -> dict[str, Any]:
    if f.params.get("lists", "exact") not in ("exact", "all", "none"):
        raise FaultError('force-410: lists must be "exact", "all" or "none"')
    store = inj.sim.store
    # Every resourceVersion a client holds now is older than the floor; one unused revision
    # makes the floor itself what a fresh list answers, so re-listing recovers at once.
    floor = store.rv + 1
    store.jump_rv(1)
    return {"floorResourceVersion": floor}


def history_state(store: ObjectStore) -> dict[str, Any]:
    """The watch histories as /_sim/state reports them (a bench reads the pods' span)."""
    budget = store.history_budget
    now = budget.clock()
    return {
        "historySize": store.history_size,
        "historySeconds": budget.min_seconds,
        # The histories' shared byte cap: bytes held now, the cap, events it evicted.
        "historyBytes": budget.bytes,
        "historyBytesCap": budget.cap,
        "historyEvents": budget.events,
        "historyEvictedForBytes": budget.evicted,
        "historyEvictedForCount": budget.evicted_for_count,
        "historyEvictedForAge": budget.evicted_for_age,
        # Per resource ("pods", "deployments.apps"): events held and the oldest one's age.
        "histories": {
            ".".join(filter(None, (resource, group))): {
                "events": len(rs.history),
                "spanSeconds": round(rs.span_seconds(now), 3),
            }
            for (group, resource), rs in sorted(store.resources.items())
            if rs.history
        },
    }


async def _shrink_history(inj: FaultInjector, f: Fault) -> dict[str, Any]:
    size = _number(f.params, "size", None, minimum=0.0)
    if size is None:
        raise FaultError("shrink-history: size is required")
    store = inj.sim.store
    before = {key: rs.history_size for key, rs in store.resources.items()}
    store_before = store.history_size
    store.history_size = int(size)
    for rs in store.resources.values():
        rs.shrink_history(int(size))

    async def undo() -> None:
        # The window grows back; events already dropped stay dropped (as after compaction).
        store.history_size = store_before
        for key, rs in store.resources.items():
            rs.history_size = before.get(key, store_before)

    f.undo = undo
    return {"previousHistorySize": store_before}


async def _down(inj: FaultInjector, f: Fault) -> dict[str, Any]:
    seconds = _number(f.params, "seconds", None, minimum=0.0)
    if seconds is None:
        raise FaultError("down: seconds is required (the admin API goes down too)")
    # Going down a moment later lets the admin request that asked for it get its answer.
    after = _number(f.params, "afterSeconds", 0.05, minimum=0.0) or 0.0
    lose = bool(f.params.get("loseHistory", False))
    sim = inj.sim
    if not sim.listening:
        raise FaultError("down: the simulator is already down", 409)
    f.expires_at = time.monotonic() + after + seconds

    async def go_down() -> None:
        await asyncio.sleep(after)
        await sim.stop_listening()

    going = inj.spawn(go_down())

    async def undo() -> None:
        await cancel_and_wait(going)
        if lose:
            # A restarted apiserver has an empty watch cache: every older revision is gone.
            sim.store.expire_before(sim.store.rv)
        if not sim.listening:
            await sim.start_listening()

    f.undo = undo
    return {"backInSeconds": seconds, "loseHistory": lose}


async def _expire_token(inj: FaultInjector, f: Fault) -> dict[str, Any]:
    tokens: set[str] = set()
    tok = f.params.get("token")
    if isinstance(tok, str) and tok:
        tokens.add(tok)
    user = f.params.get("user")
    if isinstance(user, str) and user:
        tokens |= {t for t, u in inj.sim.authn.tokens.items() if u.name == user}
    if not tokens:
        raise FaultError("expire-token: give a known user or a token")
    f.private["tokens"] = tokens
    return {"tokens": len(tokens)}


def _binding_info(namespace: str) -> Any:
    return builtin(_RBAC, "rolebindings" if namespace else "clusterrolebindings")


def _binds(obj: dict[str, Any], user: str, role: str) -> bool:
    ref = obj.get("roleRef") or {}
    return ref.get("name") == role and any(
        s.get("kind") == "User" and s.get("name") == user for s in obj.get("subjects") or []
    )


def _recreatable(obj: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(obj)
    meta = out["metadata"]
    for k in ("uid", "resourceVersion", "creationTimestamp", "managedFields", "generation"):
        meta.pop(k, None)
    out.pop("status", None)
    return out


async def _revoke(inj: FaultInjector, f: Fault) -> dict[str, Any]:
    ns = str(f.params.get("namespace", ""))
    user = str(f.params.get("user", "jane"))
    role = str(f.params.get("role", "edit"))
    info = _binding_info(ns)
    reg = inj.sim.registry
    found = [
        s.decode()
        for s in inj.sim.store.iter_objects(info.storage_key, ns or None)
        if _binds(s.decode(), user, role)
    ]
    if not found:
        where = f'in namespace "{ns}"' if ns else "cluster-wide"
        raise FaultError(f'revoke: no binding of role "{role}" to user "{user}" {where}', 404)
    for obj in found:
        reg.delete(info, ns, obj["metadata"]["name"], DeleteOptions())

    async def undo() -> None:
        for obj in found:
            with contextlib.suppress(ApiError):
                reg.create(info, ns, _recreatable(obj), WriteContext(MANAGER))

    f.undo = undo
    return {"deletedBindings": [o["metadata"]["name"] for o in found]}


async def _grant(inj: FaultInjector, f: Fault) -> dict[str, Any]:
    ns = str(f.params.get("namespace", ""))
    user = str(f.params.get("user", "jane"))
    role = str(f.params.get("role", "view"))
    info = _binding_info(ns)
    name = f"masthead-sim-grant-{user}-{role}"
    obj = {
        "metadata": {"name": name},
        "roleRef": {"apiGroup": _RBAC, "kind": "ClusterRole", "name": role},
        "subjects": [{"apiGroup": _RBAC, "kind": "User", "name": user}],
    }
    reg = inj.sim.registry
    try:
        reg.create(info, ns, obj, WriteContext(MANAGER))
    except ApiError as e:
        raise FaultError(f"grant: {e.message}", e.code) from None

    async def undo() -> None:
        with contextlib.suppress(ApiError):
            reg.delete(info, ns, name, DeleteOptions())

    f.undo = undo
    return {"createdBinding": name}


async def _delete_crd(inj: FaultInjector, f: Fault) -> dict[str, Any]:
    name = f.params.get("name")
    if not isinstance(name, str) or not name:
        raise FaultError("delete-crd: name is required")
    reg = inj.sim.registry
    try:
        crd = reg.get(CRDS, "", name)
        reg.delete(CRDS, "", name, DeleteOptions())
    except ApiError as e:
        raise FaultError(f"delete-crd: {e.message}", e.code) from None

    async def undo() -> None:
        # The definition comes back; its custom resources were deleted with it, as upstream.
        with contextlib.suppress(ApiError):
            reg.create(CRDS, "", _recreatable(crd), WriteContext(MANAGER))

    f.undo = undo
    return {"deletedCrd": name}


def example_crd(group: str = "faults.masthead.dev", plural: str = "widgets") -> dict[str, Any]:
    """A small namespaced CRD, what `create-crd` installs when no definition is given."""
    kind = plural[:1].upper() + plural[1:-1]
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}"},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {"plural": plural, "singular": plural[:-1], "kind": kind},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "x-kubernetes-preserve-unknown-fields": True,
                        }
                    },
                }
            ],
        },
    }


async def _create_crd(inj: FaultInjector, f: Fault) -> dict[str, Any]:
    crd = f.params.get("crd")
    if crd is None:
        crd = example_crd()
    if not isinstance(crd, dict):
        raise FaultError("create-crd: crd must be a CustomResourceDefinition object")
    reg = inj.sim.registry
    try:
        created = reg.create(CRDS, "", crd, WriteContext(MANAGER))
    except ApiError as e:
        raise FaultError(f"create-crd: {e.message}", e.code) from None
    name = created["metadata"]["name"]

    async def undo() -> None:
        with contextlib.suppress(ApiError):
            reg.delete(CRDS, "", name, DeleteOptions())

    f.undo = undo
    return {"createdCrd": name}


async def _jump_rv(inj: FaultInjector, f: Fault) -> dict[str, Any]:
    delta = _number(f.params, "delta", 1_000_000.0, minimum=1.0)
    store = inj.sim.store
    before = store.rv
    store.jump_rv(int(delta or 1))
    if f.params.get("expireOlder", False):
        # A restore with --bump-revision and --mark-compacted: older revisions are 410.
        store.expire_before(store.rv)
    return {"fromResourceVersion": str(before), "toResourceVersion": str(store.rv)}


_KINDS: dict[str, Kind] = {
    "drop-watches": Kind(_drop_watches, one_shot=True),
    "stall-watches": Kind(_stall_watches, frozenset({"new"})),
    "force-410": Kind(_force_410, frozenset({"lists"})),
    "shrink-history": Kind(_shrink_history, frozenset({"size"})),
    "throttle": Kind(_request_fault, frozenset({"retryAfter"})),
    "errors": Kind(_request_fault, frozenset({"code", "retryAfter", "message"})),
    "latency": Kind(_request_fault, frozenset({"ms", "jitterMs"})),
    "slow-body": Kind(_request_fault, frozenset({"chunkBytes", "delayMs"})),
    "down": Kind(_down, frozenset({"seconds", "afterSeconds", "loseHistory"})),
    "expire-token": Kind(_expire_token, frozenset({"user", "token"})),
    "revoke": Kind(_revoke, frozenset({"namespace", "user", "role"})),
    "grant": Kind(_grant, frozenset({"namespace", "user", "role"})),
    "delete-crd": Kind(_delete_crd, frozenset({"name"})),
    "create-crd": Kind(_create_crd, frozenset({"crd"})),
    "jump-rv": Kind(_jump_rv, frozenset({"delta", "expireOlder"}), action=True),
}
FAULT_NAMES = tuple(sorted(_KINDS))
