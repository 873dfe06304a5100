"""The churn driver: a chosen rate of real changes to the world, through the registry.

`Churn(sim, rate, duration, mix, seed)` edits whatever the world holds — configmap data,
labels and annotations, deployment scale, pod restarts and deletions, node Ready flaps, event
bursts, custom resources — at a steady or bursty rate, bounded by a duration and/or a count,
stoppable at any time. So that it works on an empty world too, it first creates a small pool
of its own configmaps and pods in one namespace.

Every write is counted (per kind and per operation) and remembered (the object keys touched,
the last resourceVersion written to each, every resourceVersion written), so a test can check
that a client converged on exactly what changed. Each changed object carries the annotation
`churn.masthead.dev/at` (wall time of the write), from which benchmarks measure watch lag.

The rate counts the driver's own writes by default; with `basis="stored"` it counts every
write the store applies (the simulated controllers' reactions included), and the driver
paces itself by the measured cascade (churn_pacing.py). The report gives both rates.

Targets are drawn with `SortedDict.peekitem(random index)` instead of listing keys, so picking
an object among 300k pods costs O(log n).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from masthead.sim.churn_pacing import BASES, CascadeMeter, StoredPacer, writes_due
from masthead.sim.errors import ApiError
from masthead.sim.loop_slices import SLICE_SECONDS, Slicer
from masthead.sim.registry import DeleteOptions, WriteContext, now_rfc3339
from masthead.sim.resources import ResourceInfo, builtin
from masthead.sim.store import Stored

if TYPE_CHECKING:
    from masthead.sim.app import Simulator

MANAGER = "masthead-churn"
STAMP = "churn.masthead.dev/at"
GEN_LABEL = "churn.masthead.dev/gen"
DEFAULT_NAMESPACE = "masthead-churn"
# Namespaces the driver leaves alone: system components are not what a churn test is about,
# and changing them could disturb the simulated control plane.
SKIP_NAMESPACES = frozenset({"kube-system", "kube-public", "kube-node-lease"})
DEFAULT_MIX: dict[str, float] = {
    "configmap": 3,
    "label": 1,
    "annotate": 2,
    "scale": 1,
    "pod-restart": 1,
    "pod-delete": 1,
    "node-flap": 1,
    "event": 3,
    "cr": 1,
}
# How often the loop wakes to do the writes that are due: small enough for smooth rates,
# large enough that the timer is not the cost.
TICK = 0.005
# A driver that is behind its rate stops this long after its duration instead of catching
# up: the duration bounds the run, and the achieved rate shows the shortfall.
OVERRUN = 0.05
# Nodes the driver keeps NotReady at once. A flap downs a node and a later flap brings it back,
# so without a cap about half of all nodes sat NotReady at any rate, and at 1,000 writes/s each
# down node (held past the node controller's pod-eviction grace) marked its ~50 pods NotReady:
# ~100 controller writes per flap, most of the simulator's CPU. At the cap a flap restores the
# longest-down node instead; short downs at high rates are blips, as flapping nodes are.
MAX_FLAPPED_NODES = 4
# Writes kept in the report's write log (~16 MB at the cap): 10 minutes at 1,000 writes/s.
LOG_CAP = 600_000
# Events the driver creates before it only repeats them (count/lastTimestamp updates), which
# keeps the number of stored events bounded however long it runs.
MAX_EVENTS = 1000
EVENT_REASONS = (
    ("Normal", "Pulled", "Container image already present on machine"),
    ("Normal", "Scheduled", "Successfully assigned pod"),
    ("Normal", "ScalingReplicaSet", "Scaled up replica set"),
    ("Warning", "BackOff", "Back-off restarting failed container"),
    ("Warning", "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503"),
    ("Normal", "SuccessfulCreate", "Created pod"),
)

CONFIGMAPS = builtin("", "configmaps")
PODS = builtin("", "pods")
NODES = builtin("", "nodes")
EVENTS = builtin("", "events")
NAMESPACES = builtin("", "namespaces")
DEPLOYMENTS = builtin("apps", "deployments")


def object_ref(info: ResourceInfo, namespace: str, name: str) -> str:
    """`configmaps/ns/name`, `deployments.apps/ns/name`, `nodes/name`: how reports name keys."""
    return f"{info.qualified}/{namespace}/{name}" if namespace else f"{info.qualified}/{name}"


@dataclass
class ChurnReport:
    """What the driver changed so far (or in all, once it has finished)."""

    target_rate: float
    basis: str = "driver"  # what target_rate counts: the driver's writes or all stored writes
    running: bool = False
    started: float = 0.0  # monotonic
    elapsed: float = 0.0
    start_rv: int = 0  # store revision when the timed churn began (after the pool setup)
    writes: int = 0
    # Writes the store applied since the timed churn began: the driver's, the controllers'
    # reactions and anyone else's (what a watcher of everything sees).
    stored_writes: int = 0
    cascade_ratio: float = 0.0  # stored writes per driver write, over the last seconds
    driver_target_rate: float = 0.0  # the driver's own rate as last paced
    ratio_samples_dropped: int = 0  # the cascade meter's samples let go at its cap
    errors: int = 0
    failure: str | None = None  # why the driver stopped early, if it did
    by_kind: Counter[str] = field(default_factory=Counter)
    by_op: Counter[str] = field(default_factory=Counter)
    setup: Counter[str] = field(default_factory=Counter)
    last_rv: dict[str, int] = field(default_factory=dict)  # object ref -> last RV written
    deleted: set[str] = field(default_factory=set)  # refs whose last write was a delete
    # The write log: revision and wall time of each write, newest LOG_CAP kept (a long soak
    # would otherwise grow it forever); `log_dropped` counts the older ones let go.
    rvs: deque[int] = field(default_factory=lambda: deque(maxlen=LOG_CAP))
    times: deque[float] = field(default_factory=lambda: deque(maxlen=LOG_CAP))
    log_dropped: int = 0
    flaps_restored_at_cap: int = 0  # node flaps that restored a node because MAX_FLAPPED_NODES

    @property
    def touched(self) -> set[str]:
        return set(self.last_rv)

    @property
    def achieved_rate(self) -> float:
        return self.writes / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def stored_rate(self) -> float:
        return self.stored_writes / self.elapsed if self.elapsed > 0 else 0.0

    def to_json(self, *, keys: bool = True, log: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "running": self.running,
            "targetRate": self.target_rate,
            "basis": self.basis,
            "achievedRate": round(self.achieved_rate, 2),
            "driverTargetRate": round(self.driver_target_rate, 2),
            "storedWrites": self.stored_writes,
            "storedRate": round(self.stored_rate, 2),
            "cascadeRatio": round(self.cascade_ratio, 3),
            "ratioSamplesDropped": self.ratio_samples_dropped,
            "elapsedSeconds": round(self.elapsed, 3),
            "startResourceVersion": str(self.start_rv),
            "writes": self.writes,
            "errors": self.errors,
            "failure": self.failure,
            "byKind": dict(sorted(self.by_kind.items())),
            "byOperation": dict(sorted(self.by_op.items())),
            "setup": dict(sorted(self.setup.items())),
            "touchedObjects": len(self.last_rv),
            "logDropped": self.log_dropped,
            "flapsRestoredAtCap": self.flaps_restored_at_cap,
        }
        if keys:
            out["touched"] = {k: str(rv) for k, rv in sorted(self.last_rv.items())}
            out["deleted"] = sorted(self.deleted)
        if log:
            # [resourceVersion, wall time] of every write: what watch lag is measured against.
            out["log"] = [[rv, round(t, 6)] for rv, t in zip(self.rvs, self.times, strict=True)]
        return out


class ChurnError(ValueError):
    pass


Op = Callable[[], bool]


class Churn:
    """Drives changes at `rate` writes/s; `start()` it, `await done()` or `await stop()`."""

    def __init__(
        self,
        sim: Simulator,
        rate: float,
        duration: float | None = None,
        mix: dict[str, float] | None = None,
        seed: int = 0,
        *,
        count: int | None = None,
        pattern: str = "steady",
        burst_period: float = 1.0,
        namespace: str = DEFAULT_NAMESPACE,
        pool_configmaps: int = 20,
        pool_pods: int = 10,
        basis: str = "driver",
    ) -> None:
        if rate <= 0:
            raise ChurnError("rate must be > 0")
        if basis not in BASES:
            raise ChurnError(f"basis must be one of: {', '.join(BASES)}")
        if pattern not in ("steady", "bursty"):
            raise ChurnError('pattern must be "steady" or "bursty"')
        if duration is not None and duration < 0:
            raise ChurnError("duration must be >= 0")
        mix = dict(DEFAULT_MIX if mix is None else mix)
        unknown = set(mix) - set(DEFAULT_MIX)
        if unknown:
            raise ChurnError(f"unknown operations in mix: {', '.join(sorted(unknown))}")
        if not any(w > 0 for w in mix.values()):
            raise ChurnError("mix needs at least one operation with a positive weight")
        self.sim = sim
        self.rate = rate
        self.duration = duration
        self.count = count
        self.mix = mix
        self.pattern = pattern
        self.burst_period = burst_period
        self.namespace = namespace
        self.pool_configmaps = pool_configmaps
        self.pool_pods = pool_pods
        self.rng = random.Random(seed)
        self.report = ChurnReport(target_rate=rate, basis=basis)
        # Only for the "stored" basis: paces the driver by the controllers' cascade.
        self._pacer = (
            StoredPacer(rate, pattern, burst_period, duration) if basis == "stored" else None
        )
        self._meter = CascadeMeter()
        self._start_writes = 0
        self.ctx = WriteContext(MANAGER)
        self._stop = asyncio.Event()
        self._task: asyncio.Task[ChurnReport] | None = None
        self._ops: dict[str, Op] = {
            "configmap": self._configmap,
            "label": self._label,
            "annotate": self._annotate,
            "scale": self._scale,
            "pod-restart": self._pod_restart,
            "pod-delete": self._pod_delete,
            "node-flap": self._node_flap,
            "event": self._event,
            "cr": self._custom_resource,
        }
        # Nodes this driver left NotReady, oldest first (a dict keeps insertion order).
        self._flapped: dict[str, None] = {}
        self._base_replicas: dict[str, int] = {}
        self._events: deque[tuple[str, str]] = deque(maxlen=MAX_EVENTS)
        self._seq = 0

    # ------------------------------------------------------------------ control
    def start(self) -> asyncio.Task[ChurnReport]:
        """Create the pool (synchronously, so errors surface here) and start the timed loop."""
        if self._task is None:
            r = self.report
            self._setup_pool()
            r.running = True
            r.start_rv = self.sim.store.rv
            self._start_writes = self.sim.store.writes
            r.started = time.monotonic()
            self._task = asyncio.get_running_loop().create_task(self._run())
        return self._task

    async def stop(self) -> ChurnReport:
        """Stop now (the write in progress completes); returns the final report."""
        self._stop.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        return self.report

    async def done(self) -> ChurnReport:
        if self._task is None:
            raise ChurnError("not started")
        return await self._task

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def run(self) -> ChurnReport:
        """Start and wait for the end (duration, count or `stop()`)."""
        return await self.start()

    async def _run(self) -> ChurnReport:
        r = self.report
        try:
            await self._loop()
        except Exception as e:  # a bug must end the run visibly, not take the simulator down
            r.failure = f"{type(e).__name__}: {e}"
        finally:
            self._restore_nodes()
            r.elapsed = time.monotonic() - r.started
            self._count_stored()
            r.running = False
        return r

    async def _loop(self) -> None:
        r = self.report
        # The driver stands for many clients' requests against ~10 controllers: steps of
        # three slices keep its share of a saturated loop near what 64-write steps gave it.
        slicer = Slicer(3 * SLICE_SECONDS)
        while True:
            slicer.restart()
            now = time.monotonic()
            elapsed = now - r.started
            finished = self.duration is not None and elapsed >= self.duration
            self._count_stored()
            due = self._due(elapsed, now) - r.writes
            if self.count is not None:
                due = min(due, self.count - r.writes)
                finished = finished or r.writes + max(0, due) >= self.count
            target = r.writes + due
            misses = 0
            end = None if self.duration is None else r.started + self.duration + OVERRUN
            # An operation may take several writes (delete + re-create): count writes.
            while r.writes < target and misses < 20 and not self._stop.is_set():
                if end is not None and time.monotonic() > end:
                    return
                if self._one():
                    misses = 0
                    # Time-sliced like the controllers: a large batch is written in steps,
                    # so requests and watchers get their turns in between.
                    await slicer.pause_if_due()
                else:
                    misses += 1
            r.elapsed = time.monotonic() - r.started
            self._count_stored()
            if finished or self._stop.is_set():
                return
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(TICK):
                    await self._stop.wait()

    def _count_stored(self) -> None:
        self.report.stored_writes = self.sim.store.writes - self._start_writes

    def _due(self, elapsed: float, now: float) -> int:
        """Driver writes due by `elapsed` seconds into the run."""
        if self.duration is not None:
            elapsed = min(elapsed, self.duration)
        r = self.report
        r.cascade_ratio = self._meter.sample(now, r.stored_writes, r.writes)
        r.ratio_samples_dropped = self._meter.dropped
        if self._pacer is not None:
            due = self._pacer.due(elapsed, r.stored_writes, r.writes, r.cascade_ratio)
            r.driver_target_rate = self._pacer.driver_rate
            return due
        r.driver_target_rate = self.rate
        return int(writes_due(self.rate, elapsed, self.pattern, self.burst_period, self.duration))

    def _one(self) -> bool:
        """Do one operation (drawn by weight among those possible now); False if none could."""
        ops = [name for name, w in self.mix.items() if w > 0]
        weights = [self.mix[n] for n in ops]
        for _ in range(4):
            name = self.rng.choices(ops, weights)[0]
            try:
                if self._ops[name]():
                    return True
            except ApiError:
                self.report.errors += 1
                return False
        return False

    # ------------------------------------------------------------------ bookkeeping
    def _wrote(
        self, op: str, info: ResourceInfo, namespace: str, name: str, *, deleted: bool = False
    ) -> None:
        r = self.report
        rv = self.sim.store.rv
        ref = object_ref(info, namespace, name)
        r.writes += 1
        r.by_kind[info.kind] += 1
        r.by_op[op] += 1
        r.last_rv[ref] = rv
        if len(r.rvs) == LOG_CAP:
            r.log_dropped += 1
        r.rvs.append(rv)
        r.times.append(time.time())
        if deleted:
            r.deleted.add(ref)
        else:
            r.deleted.discard(ref)

    def _stamp(self) -> dict[str, str]:
        return {STAMP: f"{time.time():.6f}"}

    def _pick(self, info: ResourceInfo, own_only: bool = False) -> Stored | None:
        """A random object of `info` outside the system namespaces (None if there is none)."""
        rs = self.sim.store.resources.get(info.storage_key)
        if rs is None or not rs.objects:
            return None
        objects = rs.objects
        if own_only:
            prefix = self.namespace + "/"
            lo = objects.bisect_left(prefix)
            hi = objects.bisect_left(prefix + "\U0010ffff")
            if hi <= lo:
                return None
            s: Stored = objects.peekitem(self.rng.randrange(lo, hi))[1]
            return s
        for _ in range(8):
            s = objects.peekitem(self.rng.randrange(len(objects)))[1]
            if s.namespace not in SKIP_NAMESPACES:
                return s
        return None

    def _patch(
        self,
        op: str,
        info: ResourceInfo,
        s: Stored,
        body: dict[str, Any],
        subresource: str | None = None,
    ) -> bool:
        self.sim.registry.patch(
            info, s.namespace, s.name, "merge", body, self.ctx, subresource=subresource
        )
        self._wrote(op, info, s.namespace, s.name)
        return True

    # ------------------------------------------------------------------ the pool
    def _setup_pool(self) -> None:
        """The driver's own configmaps and pods, so it has something to change anywhere."""
        reg = self.sim.registry
        store = self.sim.store
        setup = self.report.setup
        ns = self.namespace
        if store.get(NAMESPACES.storage_key, "", ns) is None:
            reg.create(NAMESPACES, "", {"metadata": {"name": ns}}, self.ctx)
            setup["Namespace"] += 1
        if store.get(builtin("", "serviceaccounts").storage_key, ns, "default") is None:
            reg.create(
                builtin("", "serviceaccounts"), ns, {"metadata": {"name": "default"}}, self.ctx
            )
            setup["ServiceAccount"] += 1
        for i in range(self.pool_configmaps):
            name = f"churn-cm-{i}"
            if store.get(CONFIGMAPS.storage_key, ns, name) is None:
                reg.create(CONFIGMAPS, ns, _configmap(name), self.ctx)
                setup["ConfigMap"] += 1
        for i in range(self.pool_pods):
            name = f"churn-pod-{i}"
            if store.get(PODS.storage_key, ns, name) is None:
                self._create_pod(name, None)
                setup["Pod"] += 2

    def _create_pod(self, name: str, op: str | None) -> None:
        """A pool pod, created and given a running status (two writes, recorded under `op`)."""
        reg = self.sim.registry
        pod = reg.create(PODS, self.namespace, _pod(name), self.ctx)
        if op is not None:
            self._wrote(op, PODS, self.namespace, name)
        status = _running_status(pod, now_rfc3339(time.time()))
        reg.patch(
            PODS, self.namespace, name, "merge", {"status": status}, self.ctx, subresource="status"
        )
        if op is not None:
            self._wrote(op, PODS, self.namespace, name)

    # ------------------------------------------------------------------ operations
    def _configmap(self) -> bool:
        s = self._pick(CONFIGMAPS)
        if s is None:
            return False
        self._seq += 1
        body = {
            "metadata": {"annotations": self._stamp()},
            "data": {"churn-seq": str(self._seq), "value": f"{self.rng.random():.6f}"},
        }
        return self._patch("configmap", CONFIGMAPS, s, body)

    def _meta_target(self) -> tuple[ResourceInfo, Stored] | None:
        kinds = [CONFIGMAPS, PODS]
        if self.sim.store.count(DEPLOYMENTS.storage_key):
            kinds.append(DEPLOYMENTS)
        info = self.rng.choice(kinds)
        s = self._pick(info)
        return None if s is None else (info, s)

    def _label(self) -> bool:
        found = self._meta_target()
        if found is None:
            return False
        info, s = found
        self._seq += 1
        meta = {"labels": {GEN_LABEL: str(self._seq)}, "annotations": self._stamp()}
        return self._patch("label", info, s, {"metadata": meta})

    def _annotate(self) -> bool:
        found = self._meta_target()
        if found is None:
            return False
        info, s = found
        return self._patch("annotate", info, s, {"metadata": {"annotations": self._stamp()}})

    def _scale(self) -> bool:
        s = self._pick(DEPLOYMENTS)
        if s is None:
            return False
        ref = object_ref(DEPLOYMENTS, s.namespace, s.name)
        current = int((s.decode().get("spec") or {}).get("replicas", 1))
        base = self._base_replicas.setdefault(ref, current)
        # A walk within base ± 2, narrowed to stay >= 1 (a 1-replica Deployment keeps its size,
        # one scaled to 0 stays there): symmetric around the original, so scale-ups and
        # scale-downs balance and the world keeps its size however long the churn runs.
        spread = max(0, min(2, base - 1))
        lo, hi = base - spread, base + spread
        if current < lo or (current == lo and hi > lo):
            target = current + 1
        elif current >= hi:
            target = current - 1 if current > lo else current
        else:
            target = current + self.rng.choice((-1, 1))
        body = {"metadata": {"annotations": self._stamp()}, "spec": {"replicas": max(0, target)}}
        return self._patch("scale", DEPLOYMENTS, s, body)

    def _pod_restart(self) -> bool:
        s = self._pick(PODS)
        if s is None:
            return False
        pod = s.decode()
        statuses = (pod.get("status") or {}).get("containerStatuses") or []
        if not statuses:
            return False
        now = now_rfc3339(time.time())
        restarted = []
        for cs in statuses:
            cs = dict(cs)
            cs["restartCount"] = int(cs.get("restartCount", 0)) + 1
            cs["lastState"] = {
                "terminated": {
                    "exitCode": 1,
                    "reason": "Error",
                    "startedAt": now,
                    "finishedAt": now,
                    "containerID": cs.get("containerID", ""),
                }
            }
            cs["state"] = {"running": {"startedAt": now}}
            restarted.append(cs)
        self.sim.registry.patch(
            PODS,
            s.namespace,
            s.name,
            "merge",
            {"status": {"containerStatuses": restarted}},
            self.ctx,
            subresource="status",
        )
        self._wrote("pod-restart", PODS, s.namespace, s.name)
        return True

    def _pod_delete(self) -> bool:
        # Own pool pods are re-created at once; other pods only when a controller owns them
        # (it replaces them), so the world does not drain away.
        own = self.rng.random() < 0.5
        s = self._pick(PODS, own_only=own)
        if s is None:
            return False
        pod = s.decode()
        mine = s.namespace == self.namespace and s.name.startswith("churn-pod-")
        if not mine and not pod["metadata"].get("ownerReferences"):
            return False
        if pod["metadata"].get("deletionTimestamp"):
            return False
        self.sim.registry.delete(PODS, s.namespace, s.name, DeleteOptions(grace_period=0))
        self._wrote("pod-delete", PODS, s.namespace, s.name, deleted=True)
        if mine and self.sim.store.get(PODS.storage_key, s.namespace, s.name) is None:
            self._create_pod(s.name, "pod-create")
        return True

    def _node_flap(self) -> bool:
        if len(self._flapped) >= MAX_FLAPPED_NODES:
            s = self.sim.store.get(NODES.storage_key, "", next(iter(self._flapped)))
            if s is None:  # deleted meanwhile: nothing left to restore
                self._flapped.pop(next(iter(self._flapped)))
                return False
            self.report.flaps_restored_at_cap += 1
        else:
            s = self._pick(NODES)
        if s is None:
            return False
        ready = s.name in self._flapped
        if not self._set_ready(s, ready):
            return False
        self._wrote("node-flap", NODES, "", s.name)
        return True

    def _set_ready(self, s: Stored, ready: bool) -> bool:
        node = s.decode()
        conditions = [dict(c) for c in (node.get("status") or {}).get("conditions") or []]
        now = now_rfc3339(time.time())
        found = False
        for c in conditions:
            if c.get("type") == "Ready":
                found = True
                c["status"] = "True" if ready else "False"
                c["reason"] = "KubeletReady" if ready else "NodeStatusUnknown"
                c["message"] = (
                    "kubelet is posting ready status"
                    if ready
                    else "Kubelet stopped posting node status."
                )
                c["lastTransitionTime"] = now
                c["lastHeartbeatTime"] = now
        if not found:
            return False
        self.sim.registry.patch(
            NODES,
            "",
            s.name,
            "merge",
            {"status": {"conditions": conditions}},
            self.ctx,
            subresource="status",
        )
        if ready:
            self._flapped.pop(s.name, None)
        else:
            self._flapped[s.name] = None
        return True

    def _restore_nodes(self) -> None:
        """Nodes this driver left NotReady become Ready again when it stops."""
        for name in sorted(self._flapped):
            s = self.sim.store.get(NODES.storage_key, "", name)
            with contextlib.suppress(ApiError):
                if s is not None and self._set_ready(s, True):
                    self._wrote("node-flap", NODES, "", name)
        self._flapped.clear()

    def _event(self) -> bool:
        now = now_rfc3339(time.time())
        if self._events and (len(self._events) >= MAX_EVENTS or self.rng.random() < 0.4):
            # A repeated event: count and lastTimestamp move, as the kubelet's recorder does.
            ns, name = self._events[self.rng.randrange(len(self._events))]
            cur = self.sim.store.get(EVENTS.storage_key, ns, name)
            if cur is None:
                return False
            count = int(cur.decode().get("count") or 1) + 1
            body = {
                "metadata": {"annotations": self._stamp()},
                "count": count,
                "lastTimestamp": now,
            }
            self.sim.registry.patch(EVENTS, ns, name, "merge", body, self.ctx)
            self._wrote("event", EVENTS, ns, name)
            return True
        found = self._meta_target()
        if found is None:
            return False
        info, s = found
        typ, reason, message = self.rng.choice(EVENT_REASONS)
        self._seq += 1
        name = f"{s.name}.{self._seq:x}{self.rng.getrandbits(32):08x}"
        event = {
            "metadata": {"name": name, "namespace": s.namespace, "annotations": self._stamp()},
            "involvedObject": {
                "kind": info.kind,
                "namespace": s.namespace,
                "name": s.name,
                "uid": s.uid,
                "apiVersion": info.api_version,
                "resourceVersion": str(s.rv),
            },
            "reason": reason,
            "message": message,
            "source": {"component": MANAGER},
            "firstTimestamp": now,
            "lastTimestamp": now,
            "count": 1,
            "type": typ,
            "reportingComponent": MANAGER,
            "reportingInstance": MANAGER,
        }
        self.sim.registry.create(EVENTS, s.namespace, event, self.ctx)
        self._events.append((s.namespace, name))
        self._wrote("event", EVENTS, s.namespace, name)
        return True

    def _custom_resource(self) -> bool:
        infos = [i for i in self.sim.catalog.custom() if self.sim.store.count(i.storage_key)]
        if not infos:
            return False
        # One served version per resource is enough to address the stored object.
        by_key = {i.storage_key: i for i in infos}
        info = by_key[sorted(by_key)[self.rng.randrange(len(by_key))]]
        s = self._pick(info)
        if s is None:
            return False
        return self._patch("cr", info, s, {"metadata": {"annotations": self._stamp()}})


def _configmap(name: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "labels": {"app.kubernetes.io/managed-by": MANAGER}},
        "data": {"churn-seq": "0", "value": "0"},
    }


def _pod(name: str) -> dict[str, Any]:
    return {
        "metadata": {
            "name": name,
            "labels": {"app": "churn", "app.kubernetes.io/managed-by": MANAGER},
        },
        "spec": {
            "containers": [
                {
                    "name": "app",
                    "image": "registry.k8s.io/pause:3.10",
                    "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}},
                }
            ],
        },
    }


def _running_status(pod: dict[str, Any], now: str) -> dict[str, Any]:
    containers = (pod.get("spec") or {}).get("containers") or []
    return {
        "phase": "Running",
        "conditions": [
            {"type": "Ready", "status": "True", "lastProbeTime": None, "lastTransitionTime": now}
        ],
        "startTime": now,
        "containerStatuses": [
            {
                "name": c["name"],
                "image": c.get("image", ""),
                "imageID": "",
                "ready": True,
                "started": True,
                "restartCount": 0,
                "state": {"running": {"startedAt": now}},
                "containerID": f"containerd://{pod['metadata']['uid'].replace('-', '')}{i}",
            }
            for i, c in enumerate(containers)
        ],
    }
