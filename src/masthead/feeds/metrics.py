"""`MetricsPoller`: metrics.k8s.io for one cluster, polled only while someone looks
(architecture §2.4 metrics, kubernetes-api.md §6).

Demand. Views call `demand(key)` whenever they serve rows that show metrics (every page build,
every live frame). The poller starts on the first demand and stops by itself once no key was
demanded for `idle_intervals` intervals (~3): no view, no requests. Each request first takes a
token from a `TokenBucket`, so a restricted user's per-namespace fan-out is paced.

State. The API's answer is data: `ok`, `absent` (404: no APIService — the group is then also
missing from discovery), `forbidden` (403, with the API's message), `unavailable` (503 from the
aggregator, other 5xx, a timeout or no connection), or `unknown` before the first answer. Nodes
and pods are tracked separately (a restricted user often may read pod metrics but not node
metrics); `status()` is the pods' unless only nodes answered. Failing polls back off
exponentially with jitter (interval × 2^n, capped), so a cluster without metrics-server costs
one request per few minutes, and notices when it gets one.

Values. CPU in millicores (float: metrics-server reports nanocores and most pods use a few
millicores, so integer millicores would tie them all when sorting), memory in bytes; every
quantity form is parsed (`cpu_millicores`, `memory_bytes`). The latest value per pod and node
is kept for the overlay at serve time (`pod()`, `node()`), with `version` bumped on every change;
a short ring per object (`history`, `_Ring`: one array of doubles allocated at full size with
the object's first sample, so a poll adds no memory after the first) feeds sparklines; sums
per node, namespace, workload (when `workload_of` is given) and cluster are averaged over
`rollup_interval` and written to SQLite (`rollups()`), with retention and a row cap.

Use `metrics_transport(session)`: the cluster's credentials and request accounting, but no
transport-level retries (a 503 retried ten times inside one poll would hide the state and
defeat the backoff here).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import math
import random
import re
import sqlite3
import time
from array import array
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec
import orjson

from masthead.kube.errors import ApiError, KubeError, TransportError
from masthead.kube.transport import Transport
from masthead.persist.db import Database
from masthead.store.projection.quantity import integer_form, parse_quantity
from masthead.tasks import cancel_and_wait

if TYPE_CHECKING:
    from masthead.cluster import ClusterSession

log = logging.getLogger(__name__)

BASE = "/apis/metrics.k8s.io/v1beta1"
DAY = 86400.0


# ---------------------------------------------------------------------------- quantities
def cpu_millicores(value: str | int | float | None) -> float | None:
    """A CPU quantity (`137803227n`, `250m`, `1`, `1.5`, `2e3`, `1Ki`...) in millicores."""
    if value is None:
        return None
    exact = integer_form(value)  # metrics-server's own form, new every scrape: not cached
    if exact is not None:
        return exact[0] * 1000 / exact[1]  # int / int is correctly rounded, as float(Fraction)
    q = parse_quantity(value)
    return None if q is None else float(q * 1000)


def memory_bytes(value: str | int | float | None) -> int | None:
    """A memory quantity (`1592576Ki`, `128Mi`, `1G`, `1e9`, `12345`...) in bytes, rounded up
    like `Quantity.Value()`."""
    if value is None:
        return None
    exact = integer_form(value)
    if exact is not None:
        return -(-exact[0] // exact[1])  # rounded up, as math.ceil of the exact value
    q = parse_quantity(value)
    return None if q is None else math.ceil(q)


_DURATION = re.compile(r"(\d+(?:\.\d*)?)(ns|us|µs|ms|s|m|h)")
_UNIT = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def go_duration(text: str) -> float | None:
    """A Go duration string (`10.066s`, `1m30s`) in seconds."""
    parts = _DURATION.findall(text or "")
    if not parts or "".join(n + u for n, u in parts) != text:
        return None
    return sum(float(n) * _UNIT[u] for n, u in parts)


def _epoch(text: Any) -> float | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


# ---------------------------------------------------------------------------- data
class MetricsState(StrEnum):
    UNKNOWN = "unknown"  # not polled yet
    OK = "ok"
    ABSENT = "absent"  # 404: metrics.k8s.io is not installed
    FORBIDDEN = "forbidden"  # 403
    UNAVAILABLE = "unavailable"  # 503 / 5xx / 429 / timeout / no connection


@dataclass(frozen=True, slots=True)
class MetricsStatus:
    state: MetricsState = MetricsState.UNKNOWN
    message: str = ""
    since: float = 0.0  # wall-clock time the state began
    last_ok: float | None = None  # wall-clock time of the last successful poll

    def as_dict(self) -> dict[str, object]:
        d: dict[str, object] = {"state": self.state.value, "since": self.since}
        if self.message:
            d["message"] = self.message
        if self.last_ok is not None:
            d["last_ok"] = self.last_ok
        return d


# The latest values are replaced by every poll (100k pods: ~400k objects each time). gc=False:
# they hold only numbers, strings and each other, so the collector has nothing to find in
# them; tracked, each poll's survivors grew the oldest generation enough to set off a full
# collection (~0.4 s at 100k pods, issue 5) about every poll.
class Usage(msgspec.Struct, frozen=True, gc=False):
    cpu_m: float  # millicores
    memory: int  # bytes


class PodUsage(msgspec.Struct, frozen=True, gc=False):
    namespace: str
    name: str
    cpu_m: float
    memory: int
    containers: tuple[tuple[str, Usage], ...]
    timestamp: float | None
    window: float | None


class NodeUsage(msgspec.Struct, frozen=True, gc=False):
    name: str
    cpu_m: float
    memory: int
    timestamp: float | None
    window: float | None


@dataclass(frozen=True, slots=True)
class Sample:
    t: float
    cpu_m: float
    memory: int


class _Ring:
    """One object's last samples as (t, cpu_m, memory) triples in one array of doubles,
    allocated at full size with the first sample (memory in bytes is exact in a double up to
    8 PB). A deque of `Sample`s grew from ~0.9 to ~6.9 KB per pod over its 40 points — at 100k
    pods ~600 MB added over exactly the first ten minutes of viewing (issue 8); this is ~1.3 KB
    per pod from the first poll on."""

    __slots__ = ("_next", "_size", "_values")

    def __init__(self, points: int) -> None:
        self._values = array("d", bytes(24 * points))
        self._next = 0  # where the next sample goes
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def last_t(self) -> float | None:
        if not self._size:
            return None
        points = len(self._values) // 3
        return self._values[3 * ((self._next - 1) % points)]

    def append(self, t: float, cpu_m: float, memory: int) -> None:
        points = len(self._values) // 3
        i = 3 * self._next
        v = self._values
        v[i], v[i + 1], v[i + 2] = t, cpu_m, float(memory)
        self._next = (self._next + 1) % points
        self._size = min(self._size + 1, points)

    def samples(self) -> list[Sample]:
        """Oldest first."""
        points = len(self._values) // 3
        first = (self._next - self._size) % points
        v = self._values
        out = []
        for n in range(self._size):
            i = 3 * ((first + n) % points)
            out.append(Sample(v[i], v[i + 1], int(v[i + 2])))
        return out


@dataclass(frozen=True, slots=True)
class RollupPoint:
    t: float
    cpu_m: float
    memory: int
    samples: int


@dataclass(frozen=True, slots=True)
class MetricsTuning:
    # metrics-server scrapes every 15 s (--metric-resolution); polling faster reads the same
    # values again.
    interval: float = 15.0
    # Stop after this many intervals without demand (architecture §2.4: ~3).
    idle_intervals: float = 3.0
    # Requests per second on average, and the burst: one poll is 2 requests cluster-wide, or
    # 1 + namespaces for a restricted user; 10 namespaces go out at once, more are paced.
    bucket_rate: float = 2.0
    bucket_burst: float = 10.0
    # Failing polls wait interval × 2^n with jitter, at most this long.
    backoff_max: float = 240.0
    # metrics-server answers from memory; a slow answer is a sick aggregator path.
    request_timeout: float = 10.0
    # Points per object in memory for sparklines: 40 × 15 s = 10 minutes.
    history_points: int = 40
    # Objects (pods + nodes) tracked at most; more are counted in `dropped_objects`.
    max_objects: int = 300_000
    # Rollups to SQLite: averaged over this period, kept this long, at most this many rows
    # per cluster (a 5000-node, 500-namespace cluster writes ~8 M rows a week at 1/min).
    rollup_interval: float = 60.0
    rollup_retention: float = 7 * DAY
    rollup_max_rows: int = 2_000_000


# ---------------------------------------------------------------------------- pacing
class TokenBucket:
    """`rate` tokens per second up to `burst`; `take()` waits for one."""

    def __init__(
        self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = burst
        self._at = clock()
        self.waited = 0.0  # total seconds spent waiting for tokens

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now

    async def take(self) -> None:
        self._refill()
        while self._tokens < 1:
            wait = (1 - self._tokens) / self.rate
            self.waited += wait
            await asyncio.sleep(wait)
            self._refill()
        self._tokens -= 1


def metrics_transport(session: ClusterSession) -> Transport:
    """A transport for the poller: the session's credentials and accounting, no retries."""
    return Transport(
        session.credentials,
        replace(session.tuning, max_retries=0),
        session.stats,
    )


# ---------------------------------------------------------------------------- the poller
@dataclass
class _Rollup:
    cpu_m: float = 0.0
    memory: float = 0.0
    samples: int = 0


@dataclass
class _Outcome:
    state: MetricsState
    message: str = ""
    items: list[Any] = field(default_factory=list)  # each a dict or still JSON (`json_item`)


class MetricsPoller:
    def __init__(
        self,
        transport: Transport,
        cluster: str,
        tuning: MetricsTuning | None = None,
        db: Database | None = None,
        *,
        namespaces: Callable[[], Sequence[str] | None] = lambda: None,
        workload_of: Callable[[str, str], str | None] | None = None,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.transport = transport
        self.cluster = cluster
        self.tuning = tuning or MetricsTuning()
        self.db = db
        self.namespaces = namespaces  # None: cluster-wide; else one request per namespace
        self.workload_of = workload_of  # (namespace, pod) -> workload key for rollups
        self._rng = rng or random.Random()
        self._clock = clock
        self._wall = wall
        self.bucket = TokenBucket(self.tuning.bucket_rate, self.tuning.bucket_burst, clock)
        self._status = {"nodes": MetricsStatus(), "pods": MetricsStatus()}
        self._pods: dict[tuple[str, str], PodUsage] = {}
        self._nodes: dict[str, NodeUsage] = {}
        self._history: dict[tuple[str, str], _Ring] = {}
        self._rollups: dict[tuple[str, str], _Rollup] = {}
        self._last_rollup = wall()
        self._demand: dict[str, float] = {}
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._failures = 0
        self._listeners: list[Callable[[MetricsPoller], None]] = []
        self.version = 0
        self.polls = 0
        self.requests = 0
        self.dropped_objects = 0
        self.next_poll: float | None = None  # monotonic time of the next poll while running
        self.started_at: float | None = None  # monotonic time the poll loop last started

    # ------------------------------------------------------------------ demand
    def demand(self, key: str = "") -> None:
        """Someone (a view, a page, a subscription `key`) shows metrics now: poll."""
        self._demand[key] = self._clock()
        if self._task is None or self._task.done():
            self.started_at = self._clock()
            self._task = asyncio.create_task(self._run(), name=f"metrics {self.cluster}")

    def running_for(self) -> float:
        """Seconds since the poll loop started (0 when it is not running)."""
        if not self.running or self.started_at is None:
            return 0.0
        return self._clock() - self.started_at

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def _wanted(self) -> bool:
        horizon = self._clock() - self.tuning.interval * self.tuning.idle_intervals
        for key in [k for k, t in self._demand.items() if t < horizon]:
            del self._demand[key]
        return bool(self._demand)

    def subscribe(self, listener: Callable[[MetricsPoller], None]) -> Callable[[], None]:
        """Call `listener(self)` after every poll that changed values or states."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    async def close(self) -> None:
        self._demand.clear()
        await cancel_and_wait(self._task)
        self._task = None
        self._flush_rollups(force=True)

    async def _run(self) -> None:
        try:
            while self._wanted():
                delay = await self.poll_once()
                self.next_poll = self._clock() + delay
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(delay):
                        await self._wake.wait()
                self._wake.clear()
        finally:
            self.next_poll = None

    # ------------------------------------------------------------------ one poll
    async def poll_once(self) -> float:
        """Poll nodes and pods now; returns the delay until the next poll."""
        self.polls += 1
        nodes, pods = await asyncio.gather(self._fetch_nodes(), self._fetch_pods())
        now = self._wall()
        changed = self._set_status("nodes", nodes, now) | self._set_status("pods", pods, now)
        if nodes.state is MetricsState.OK:
            changed |= self._apply_nodes(nodes.items)
        if pods.state is MetricsState.OK:
            fresh = await pod_usages(pods.items, self._room, len(self._nodes))
            changed |= await self._apply_pods(fresh)
        await self._accumulate(nodes.state is MetricsState.OK, pods.state is MetricsState.OK)
        self._flush_rollups()
        if changed:
            self.version += 1
            for listener in list(self._listeners):
                listener(self)
        if MetricsState.OK in (nodes.state, pods.state):
            self._failures = 0
            return self.tuning.interval
        self._failures += 1
        ceiling = min(self.tuning.backoff_max, self.tuning.interval * 2**self._failures)
        return max(self.tuning.interval, self._rng.uniform(ceiling / 2, ceiling))

    async def _get(self, path: str) -> _Outcome:
        await self.bucket.take()
        self.requests += 1
        try:
            resp = await self.transport.request(
                "metrics", path, timeout=self.tuning.request_timeout
            )
            items = list_items(resp.body)
        except ApiError as e:
            return _Outcome(_state_of(e.code), e.status.message or str(e))
        except TransportError as e:
            return _Outcome(MetricsState.UNAVAILABLE, str(e))
        except (KubeError, ValueError) as e:
            return _Outcome(MetricsState.UNAVAILABLE, f"{type(e).__name__}: {e}")
        return _Outcome(MetricsState.OK, "", items)

    async def _fetch_nodes(self) -> _Outcome:
        return await self._get(f"{BASE}/nodes")

    async def _fetch_pods(self) -> _Outcome:
        scopes = self.namespaces()
        if scopes is None:
            return await self._get(f"{BASE}/pods")
        if not scopes:
            return _Outcome(MetricsState.FORBIDDEN, "no accessible namespaces")
        parts = [await self._get(f"{BASE}/namespaces/{ns}/pods") for ns in scopes]
        ok = [p for p in parts if p.state is MetricsState.OK]
        if not ok:
            return parts[0]
        failed = [(ns, p) for ns, p in zip(scopes, parts, strict=True) if p not in ok]
        message = "; ".join(f"{ns}: {p.message}" for ns, p in failed[:3])
        return _Outcome(MetricsState.OK, message, [i for p in ok for i in p.items])

    def _set_status(self, resource: str, outcome: _Outcome, now: float) -> bool:
        cur = self._status[resource]
        since = cur.since if cur.state is outcome.state else now
        last_ok = now if outcome.state is MetricsState.OK else cur.last_ok
        new = MetricsStatus(outcome.state, outcome.message, since, last_ok)
        self._status[resource] = new
        return cur.state is not new.state or cur.message != new.message

    # ------------------------------------------------------------------ values
    def _room(self, tracked: int) -> bool:
        if tracked < self.tuning.max_objects:
            return True
        self.dropped_objects += 1
        return False

    def _apply_nodes(self, items: list[dict[str, Any]]) -> bool:
        fresh: dict[str, NodeUsage] = {}
        for item in map(json_item, items):
            name = (item.get("metadata") or {}).get("name", "")
            usage = item.get("usage") or {}
            if not name or not self._room(len(fresh) + len(self._pods)):
                continue
            fresh[name] = NodeUsage(
                name,
                cpu_millicores(usage.get("cpu")) or 0.0,
                memory_bytes(usage.get("memory")) or 0,
                _epoch(item.get("timestamp")),
                go_duration(item.get("window") or ""),
            )
        changed = fresh != self._nodes
        self._drop_history("node", self._nodes.keys() - fresh.keys())
        self._nodes = fresh
        for name, u in fresh.items():
            self._remember("node", name, u.timestamp, u.cpu_m, u.memory)
        return changed

    async def _apply_pods(self, fresh: dict[tuple[str, str], PodUsage]) -> bool:
        changed = fresh != self._pods
        self._drop_history("pod", {f"{ns}/{n}" for ns, n in self._pods.keys() - fresh.keys()})
        self._pods = fresh
        async for part in in_slices(fresh.values()):
            for u in part:
                self._remember("pod", f"{u.namespace}/{u.name}", u.timestamp, u.cpu_m, u.memory)
        return changed

    def _remember(self, kind: str, key: str, t: float | None, cpu_m: float, memory: int) -> None:
        ring = self._history.get((kind, key))
        if ring is None:
            ring = self._history[(kind, key)] = _Ring(self.tuning.history_points)
        at = t if t is not None else self._wall()
        last = ring.last_t()
        if last is not None and last >= at:
            return  # the same scrape again (we poll faster than metrics-server scrapes)
        ring.append(at, cpu_m, memory)

    def _drop_history(self, kind: str, keys: set[str] | Any) -> None:
        for key in keys:
            self._history.pop((kind, key), None)

    # ------------------------------------------------------------------ reading
    def status(self, resource: str | None = None) -> MetricsStatus:
        """The state of `nodes` or `pods`; without a resource, the pods' state unless only
        the nodes answered."""
        if resource is not None:
            return self._status[resource]
        pods, nodes = self._status["pods"], self._status["nodes"]
        if pods.state is not MetricsState.OK and nodes.state is MetricsState.OK:
            return nodes
        return pods

    @property
    def state(self) -> MetricsState:
        return self.status().state

    def pod(self, namespace: str, name: str) -> PodUsage | None:
        return self._pods.get((namespace, name))

    def node(self, name: str) -> NodeUsage | None:
        return self._nodes.get(name)

    @property
    def pods(self) -> Mapping[tuple[str, str], PodUsage]:
        return self._pods

    @property
    def nodes(self) -> Mapping[str, NodeUsage]:
        return self._nodes

    def history(self, kind: str, key: str) -> list[Sample]:
        """Recent samples of a `pod` ("namespace/name") or `node` (name), oldest first."""
        ring = self._history.get((kind, key))
        return [] if ring is None else ring.samples()

    # ------------------------------------------------------------------ rollups
    async def _accumulate(self, nodes_ok: bool, pods_ok: bool) -> None:
        def add(scope: str, key: str, cpu_m: float, memory: int) -> None:
            r = self._rollups.get((scope, key))
            if r is None:
                r = self._rollups[(scope, key)] = _Rollup()
            r.cpu_m += cpu_m
            r.memory += memory
            r.samples += 1

        if nodes_ok:
            for n in self._nodes.values():
                add("node", n.name, n.cpu_m, n.memory)
        if pods_ok:
            sums: dict[tuple[str, str], list[float]] = {}
            async for part in in_slices(self._pods.values()):
                for p in part:
                    keys = [("namespace", p.namespace)]
                    if self.workload_of is not None:
                        workload = self.workload_of(p.namespace, p.name)
                        if workload:
                            keys.append(("workload", workload))
                    for k in keys:
                        acc = sums.setdefault(k, [0.0, 0.0])
                        acc[0] += p.cpu_m
                        acc[1] += p.memory
            for (scope, key), (cpu, mem) in sums.items():
                add(scope, key, cpu, int(mem))
        if nodes_ok and self._nodes:
            add(
                "cluster",
                "",
                sum(n.cpu_m for n in self._nodes.values()),
                sum(n.memory for n in self._nodes.values()),
            )
        elif pods_ok:
            add(
                "cluster",
                "",
                sum(p.cpu_m for p in self._pods.values()),
                sum(p.memory for p in self._pods.values()),
            )

    def _flush_rollups(self, force: bool = False) -> None:
        now = self._wall()
        if not force and now - self._last_rollup < self.tuning.rollup_interval:
            return
        self._last_rollup = now
        rollups, self._rollups = self._rollups, {}
        if self.db is None or not rollups:
            return
        rows = [
            (
                self.cluster,
                scope,
                key,
                now,
                r.cpu_m / r.samples,
                int(r.memory / r.samples),
                r.samples,
            )
            for (scope, key), r in rollups.items()
        ]
        cutoff = now - self.tuning.rollup_retention
        cap = self.tuning.rollup_max_rows
        cluster = self.cluster

        def write(c: sqlite3.Connection) -> None:
            c.executemany("INSERT INTO metrics_rollups VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
            c.execute("DELETE FROM metrics_rollups WHERE t < ?", (cutoff,))
            n = c.execute(
                "SELECT COUNT(*) FROM metrics_rollups WHERE cluster = ?", (cluster,)
            ).fetchone()[0]
            if n > cap:
                c.execute(
                    "DELETE FROM metrics_rollups WHERE rowid IN (SELECT rowid FROM "
                    "metrics_rollups WHERE cluster = ? ORDER BY t LIMIT ?)",
                    (cluster, n - cap),
                )

        self.db.submit(write)

    async def rollups(
        self, scope: str, key: str = "", since: float | None = None, limit: int = 10_000
    ) -> list[RollupPoint]:
        """Rollup points of `scope` (node, namespace, workload, cluster) and `key`, oldest
        first, from `since` (wall-clock seconds) on."""
        if self.db is None:
            return []
        await self.db.flush()
        args = (self.cluster, scope, key, since if since is not None else 0.0, limit)
        rows = await self.db.read(
            lambda c: c.execute(
                "SELECT t, cpu_m, memory, samples FROM metrics_rollups WHERE cluster = ? AND "
                "scope = ? AND key = ? AND t >= ? ORDER BY t LIMIT ?",
                args,
            ).fetchall()
        )
        return [RollupPoint(*r) for r in rows]

    def as_dict(self) -> dict[str, object]:
        return {
            "state": self.state.value,
            "nodes": self._status["nodes"].as_dict(),
            "pods": self._status["pods"].as_dict(),
            "running": self.running,
            "demand": sorted(self._demand),
            "polls": self.polls,
            "requests": self.requests,
            "objects": len(self._pods) + len(self._nodes),
            "dropped_objects": self.dropped_objects,
            "bucket_waited": round(self.bucket.waited, 3),
        }


def _state_of(code: int) -> MetricsState:
    if code == 404:
        return MetricsState.ABSENT
    if code in (401, 403):
        return MetricsState.FORBIDDEN
    return MetricsState.UNAVAILABLE


# Pods read between two yields to the loop: a 100k-pod poll is ~0.5 s of parsing, which in
# one piece would hold every page, 304 and live frame behind it; 200 pods are ~1 ms.
_POD_SLICE = 200
# Objects summed or recorded between two yields (a dict read and an add each: ~1 ms).
_SUM_SLICE = 2_000
T = TypeVar("T")


async def in_slices(values: Iterable[T], size: int = _SUM_SLICE) -> AsyncIterator[list[T]]:
    """`values` a slice at a time, yielding to the loop between slices."""
    it = iter(values)
    first = True
    while part := list(itertools.islice(it, size)):
        if not first:
            await asyncio.sleep(0)
        first = False
        yield part


class _ListBody(msgspec.Struct, gc=False):
    items: list[msgspec.Raw] | None = None


_LIST_BODY = msgspec.json.Decoder(_ListBody)


def list_items(body: bytes) -> list[Any]:
    """A list answer's items, each left as JSON (`msgspec.Raw`) for `json_item` to decode when
    it is read: one pass over 30 MB of a 100k-pod answer splits it (~25 ms) where decoding it
    whole built ~700k dicts at once (~0.5 s in one block, and, alive together, what a full
    collection then walked). Invalid JSON raises (a ValueError); a body that is not an object
    with an `items` list is read as before: its `items`, if it is an object."""
    try:
        return list(_LIST_BODY.decode(body).items or [])
    except msgspec.ValidationError:
        doc = orjson.loads(body)
        items = doc.get("items") if isinstance(doc, dict) else None
        return list(items or [])


def json_item(item: Any) -> Any:
    """An item of `list_items` decoded (one already decoded is returned as is)."""
    return orjson.loads(memoryview(item)) if isinstance(item, msgspec.Raw) else item


async def pod_usages(
    items: list[Any], room: Callable[[int], bool], others: int
) -> dict[tuple[str, str], PodUsage]:
    """A poll's pod items (dicts, or JSON from `list_items`) as usages by (namespace, name),
    parsed in slices; `room(n)` says whether an n+1-th object may be tracked (`others`
    already are)."""
    fresh: dict[tuple[str, str], PodUsage] = {}
    # A scrape stamps most pods with a few timestamps and one window: each parsed once.
    epochs: dict[Any, float | None] = {}
    windows: dict[Any, float | None] = {}
    for start in range(0, len(items), _POD_SLICE):
        if start:
            await asyncio.sleep(0)
        for item in map(json_item, items[start : start + _POD_SLICE]):
            meta = item.get("metadata") or {}
            key = (meta.get("namespace", ""), meta.get("name", ""))
            if not key[1] or not room(len(fresh) + others):
                continue
            containers = []
            for c in item.get("containers") or ():
                usage = c.get("usage") or {}
                containers.append(
                    (
                        str(c.get("name", "")),
                        Usage(
                            cpu_millicores(usage.get("cpu")) or 0.0,
                            memory_bytes(usage.get("memory")) or 0,
                        ),
                    )
                )
            fresh[key] = PodUsage(
                key[0],
                key[1],
                sum(u.cpu_m for _, u in containers),
                sum(u.memory for _, u in containers),
                tuple(containers),
                _memo(epochs, item.get("timestamp"), _epoch),
                _memo(windows, item.get("window") or "", go_duration),
            )
    return fresh


def _memo(
    seen: dict[Any, float | None], key: Any, parse: Callable[[Any], float | None]
) -> float | None:
    if key not in seen:
        if len(seen) >= _MEMO_CAP:
            seen.clear()
        seen[key] = parse(key)
    return seen[key]


_MEMO_CAP = 1024
