"""Pods: kubectl's STATUS / READY / RESTARTS logic over typed partial structs, plus node, IPs,
direct owner, QoS and summed requests/limits.

The status logic follows upstream `printPod` (pkg/printers/internalversion/printers.go)
step by step; tests check it against the simulator's port of that file over generated pods.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

import msgspec

from masthead.store.columns import Column
from masthead.store.projection.base import (
    Interner,
    Projection,
    RawMetaIn,
    Row,
    base_columns,
    column,
    epoch,
)
from masthead.store.projection.durations import human_duration
from masthead.store.projection.quantity import int_value, milli_value
from masthead.store.projection.raw_cache import RawCache

# ----------------------------------------------------------------------------------- inputs


class _Waiting(msgspec.Struct, gc=False):
    reason: str = ""


class _Running(msgspec.Struct, gc=False):
    pass


class _Terminated(msgspec.Struct, gc=False):
    reason: str = ""
    exitCode: int = 0
    signal: int = 0
    finishedAt: datetime | None = None


class _State(msgspec.Struct, gc=False):
    waiting: _Waiting | None = None
    running: _Running | None = None
    terminated: _Terminated | None = None


_NO_STATE = _State()


class ContainerStatusIn(msgspec.Struct, gc=False):
    name: str = ""
    ready: bool = False
    started: bool | None = None
    restartCount: int = 0
    state: _State | None = None
    lastState: _State | None = None


class _Condition(msgspec.Struct, gc=False):
    type: str = ""
    status: str = ""
    reason: str = ""


class _PodIP(msgspec.Struct, gc=False):
    ip: str = ""


Quantity = str | int | float


class _Resources(msgspec.Struct, gc=False):
    requests: dict[str, Quantity] | None = None
    limits: dict[str, Quantity] | None = None


class ContainerIn(msgspec.Struct, gc=False):
    name: str = ""
    restartPolicy: str = ""
    resources: _Resources | None = None


class _PodSpec(msgspec.Struct, gc=False):
    nodeName: str = ""
    # Raw: a template's pods share these bytes; `_CONTAINERS` decodes them once (with the
    # resources and QoS derived from them), the siblings skip them in C.
    containers: msgspec.Raw = msgspec.field(default_factory=msgspec.Raw)
    initContainers: list[ContainerIn] | None = None
    overhead: dict[str, Quantity] | None = None


class _PodStatus(msgspec.Struct, gc=False):
    phase: str = ""
    reason: str = ""
    # Raw: the status text reads the conditions of few pods (scheduling gates, init
    # containers, completed containers); decoding everyone's was ~2 us of a pod's ~8.
    conditions: msgspec.Raw = msgspec.field(default_factory=msgspec.Raw)
    initContainerStatuses: list[ContainerStatusIn] | None = None
    containerStatuses: list[ContainerStatusIn] | None = None
    podIP: str = ""
    podIPs: list[_PodIP] | None = None
    qosClass: str = ""
    nominatedNodeName: str = ""


class PodIn(msgspec.Struct, gc=False):
    metadata: RawMetaIn = msgspec.field(default_factory=RawMetaIn)
    spec: _PodSpec = msgspec.field(default_factory=_PodSpec)
    status: _PodStatus = msgspec.field(default_factory=_PodStatus)


# -------------------------------------------------------------------------------------- row


class PodRow(Row, frozen=True, kw_only=True, gc=False):
    phase: str
    status: str  # kubectl's STATUS cell: Running, Init:1/2, CrashLoopBackOff, Terminating...
    ready: str  # "1/2"
    ready_count: int
    ready_total: int
    restarts: int
    last_restart: float | None  # epoch seconds of the latest container termination
    # The first pod IP, and the others of a dual-stack pod apart: a one-element tuple per pod
    # would cost 56 bytes (5 MB per 100k pods) for what is nearly always a single address.
    ip: str | None
    more_ips: tuple[str, ...]
    nominated_node: str | None
    owner_kind: str | None  # the direct controller; the workload is resolved by a join
    owner_name: str | None
    owner_uid: str | None
    qos: str
    cpu_request: int | None  # millicores, summed as the scheduler sees the pod
    cpu_limit: int | None
    memory_request: int | None  # bytes
    memory_limit: int | None
    terminating: bool


def restarts_text(row: PodRow, now: float) -> str:
    """The RESTARTS cell: `3 (5m ago)` once a container has restarted."""
    if row.restarts and row.last_restart is not None:
        return f"{row.restarts} ({human_duration(now - row.last_restart)} ago)"
    return str(row.restarts)


# ----------------------------------------------------------------------------------- status


def _later_restart(at: datetime | None, cs: ContainerStatusIn) -> datetime | None:
    """`at`, or the container's last termination if that is later."""
    last = cs.lastState
    terminated = last.terminated if last is not None else None
    if terminated is not None:
        finished = terminated.finishedAt
        if finished is not None and (at is None or at < finished):
            return finished
    return at


_CONDITIONS_JSON = msgspec.json.Decoder(list[_Condition] | None)


def _conditions(raw: msgspec.Raw | bytes) -> list[_Condition]:
    """The decoded `status.conditions` (raw, see `_PodStatus`); [] when absent."""
    return (_CONDITIONS_JSON.decode(raw) or []) if len(raw) else []


def _scheduling_gated(raw: msgspec.Raw) -> bool:
    """Whether a PodScheduled condition has reason SchedulingGated. Decoded only when the
    bytes could say so: they hold a `G`, or an escape that could spell one (single-byte
    finds are memchr; a longer needle's search cost more than the decode it saved)."""
    data = bytes(raw)
    if data.find(b"G") < 0 and data.find(b"\\") < 0:
        return False
    return any(
        c.type == "PodScheduled" and c.reason == "SchedulingGated" for c in _conditions(data)
    )


def _condition_true(conditions: list[_Condition], ctype: str) -> bool:
    # The first condition of a type decides, like upstream's loop with break.
    for c in conditions:
        if c.type == ctype:
            return c.status == "True"
    return False


def _any_condition_true(conditions: list[_Condition], ctype: str) -> bool:
    return any(c.type == ctype and c.status == "True" for c in conditions)


def _terminated_reason(t: _Terminated, prefix: str) -> str:
    if t.reason:
        return prefix + t.reason
    if t.signal:
        return f"{prefix}Signal:{t.signal}"
    return f"{prefix}ExitCode:{t.exitCode}"


class PodSummary(msgspec.Struct, gc=False):
    status: str
    ready: int
    total: int
    restarts: int
    last_restart: datetime | None


def pod_summary(pod: PodIn, containers: int) -> PodSummary:
    """STATUS, READY and RESTARTS as `printPod` computes them (`containers`: how many
    regular containers the spec has)."""
    spec, status = pod.spec, pod.status
    total = containers
    init_specs: dict[str, ContainerIn] = {}
    if spec.initContainers:  # most pods have none: no dict, no sum
        init_specs = {c.name: c for c in spec.initContainers}
        total += sum(1 for c in init_specs.values() if c.restartPolicy == "Always")
    ready = restarts = sidecar_restarts = 0
    last: datetime | None = None
    sidecar_last: datetime | None = None

    reason = status.reason or status.phase
    if _scheduling_gated(status.conditions):
        reason = "SchedulingGated"

    initializing = False
    for i, cs in enumerate(status.initContainerStatuses or ()):
        restarts += cs.restartCount
        last = _later_restart(last, cs)
        init_spec = init_specs.get(cs.name)
        sidecar = init_spec is not None and init_spec.restartPolicy == "Always"
        if sidecar:
            sidecar_restarts += cs.restartCount
            sidecar_last = _later_restart(sidecar_last, cs)
        state = cs.state or _NO_STATE
        terminated, waiting = state.terminated, state.waiting
        if terminated is not None and terminated.exitCode == 0:
            continue
        if sidecar and cs.started is True:
            if cs.ready:
                ready += 1
            continue
        if terminated is not None:
            reason = _terminated_reason(terminated, "Init:")
        elif waiting is not None and waiting.reason and waiting.reason != "PodInitializing":
            reason = "Init:" + waiting.reason
        else:
            reason = f"Init:{i}/{len(spec.initContainers or ())}"
        initializing = True
        break

    if not initializing or _condition_true(_conditions(status.conditions), "Initialized"):
        restarts, last = sidecar_restarts, sidecar_last
        has_running, error_reason = False, ""
        for cs in reversed(status.containerStatuses or ()):
            restarts += cs.restartCount
            last = _later_restart(last, cs)
            state = cs.state or _NO_STATE
            terminated, waiting = state.terminated, state.waiting
            if waiting is not None and waiting.reason:
                reason = waiting.reason
            elif terminated is not None:
                reason = _terminated_reason(terminated, "")
                if terminated.exitCode != 0:
                    error_reason = reason
            elif cs.ready and state.running is not None:
                has_running = True
                ready += 1
        # A pod whose last container completed is still Running while another one runs.
        if reason == "Completed":
            if has_running and _any_condition_true(_conditions(status.conditions), "Ready"):
                reason = "Running"
            elif error_reason:
                reason = error_reason
            elif has_running:
                reason = "NotReady"

    if pod.metadata.deletionTimestamp is not None:
        if status.reason == "NodeLost":
            reason = "Unknown"
        elif status.phase not in ("Failed", "Succeeded"):
            reason = "Terminating"
    return PodSummary(reason, ready, total, restarts, last)


# -------------------------------------------------------------------------------- resources


# (cpu request, cpu limit, memory request, memory limit): millicores and bytes, None unset.
Resources = tuple[int | None, int | None, int | None, int | None]
_NO_RESOURCES: Resources = (None, None, None, None)


def _container_resources(c: ContainerIn) -> Resources:
    res = c.resources
    if res is None:
        return _NO_RESOURCES
    req, lim = res.requests, res.limits
    return (
        milli_value(req.get("cpu")) if req else None,
        milli_value(lim.get("cpu")) if lim else None,
        int_value(req.get("memory")) if req else None,
        int_value(lim.get("memory")) if lim else None,
    )


def _plus(a: int | None, b: int | None) -> int | None:
    """Sum of set values; None when neither is set."""
    if b is None:
        return a
    return b if a is None else a + b


def _pod_resources(
    containers: Sequence[ContainerIn],
    init: Sequence[ContainerIn],
    overhead: dict[str, Quantity] | None,
) -> Resources:
    """Pod-level requests and limits as the scheduler counts them: regular containers and
    sidecars run together; each classic init container runs alone, so the pod needs the
    larger of the two; overhead comes on top. One pass for all four values."""
    if len(containers) == 1 and not init and not overhead:  # most pods
        return _container_resources(containers[0])
    together = [*containers, *(c for c in init if c.restartPolicy == "Always")]
    peak: list[int | None] = [None, None, None, None]
    for c in together:
        values = _container_resources(c)
        for i, value in enumerate(values):
            peak[i] = _plus(peak[i], value)
    classic = [_container_resources(c) for c in init if c.restartPolicy != "Always"]
    for alone in classic:
        for i, value in enumerate(alone):
            current = peak[i]
            if value is not None and (current is None or value > current):
                peak[i] = value
    if overhead:
        extra = (
            milli_value(overhead.get("cpu")),
            milli_value(overhead.get("cpu")),
            int_value(overhead.get("memory")),
            int_value(overhead.get("memory")),
        )
        for i, value in enumerate(peak):
            if value is not None:
                peak[i] = value + (extra[i] or 0)
    return peak[0], peak[1], peak[2], peak[3]


def _qos(containers: Sequence[ContainerIn], init: Sequence[ContainerIn]) -> str:
    """`GetPodQOS` for pods whose status does not carry qosClass yet."""
    requests_seen = limits_seen = False
    guaranteed = True
    for c in [*containers, *init]:
        res = c.resources or _Resources()
        req, lim = res.requests or {}, res.limits or {}
        requests_seen |= any(k in ("cpu", "memory") for k in req)
        limits_seen |= any(k in ("cpu", "memory") for k in lim)
        for name in ("cpu", "memory"):
            if name not in lim or (name in req and req[name] != lim[name]):
                guaranteed = False
    if not requests_seen and not limits_seen:
        return "BestEffort"
    return "Guaranteed" if guaranteed and limits_seen else "Burstable"


class _Containers(NamedTuple):
    """A pod spec's regular containers, decoded once per distinct bytes (`_CONTAINERS`)."""

    items: tuple[ContainerIn, ...]
    resources: Resources  # of these containers alone: a pod without init containers/overhead
    qos: str  # `_qos` of these containers alone


_CONTAINERS_JSON = msgspec.json.Decoder(list[ContainerIn] | None)


def _containers_of(data: bytes) -> _Containers:
    items = tuple(_CONTAINERS_JSON.decode(data) or ()) if data else ()
    return _Containers(items, _pod_resources(items, (), None), _qos(items, ()))


# Module-wide, like quantity.py's caches: the values hold no interned strings, and ~1 KB of
# key per distinct container spec (a few hundred templates' worth).
_CONTAINERS: RawCache[_Containers] = RawCache(_containers_of, 1024)


def _pod_ips(status: _PodStatus) -> tuple[str | None, tuple[str, ...]]:
    """The first pod IP and the others: `podIPs`' non-empty ones, else `podIP`."""
    listed = status.podIPs
    if listed is not None and len(listed) == 1 and listed[0].ip:  # single-stack: most pods
        return listed[0].ip, ()
    ips = tuple(p.ip for p in listed or () if p.ip) or ((status.podIP,) if status.podIP else ())
    return (ips[0] if ips else None), ips[1:]


# ------------------------------------------------------------------------------------ build


def build_pod(pod: PodIn, interner: Interner) -> PodRow:
    """The pod's row. Raises msgspec.DecodeError when its labels, owner references or
    containers (decoded here, see `RawMetaIn`) are malformed."""
    meta, spec, status = pod.metadata, pod.spec, pod.status
    containers = _CONTAINERS.get(spec.containers)
    summary = pod_summary(pod, len(containers.items))
    s = interner.string
    ip, more_ips = _pod_ips(status)
    owners = interner.owners_json(meta.ownerReferences)
    owner = owners.controller
    init = spec.initContainers
    if init or spec.overhead:
        number = interner.number
        resources = tuple(map(number, _pod_resources(containers.items, init or (), spec.overhead)))
    else:  # the template's ints: shared by its pods already
        resources = containers.resources
    cpu_request, cpu_limit, memory_request, memory_limit = resources
    # The `Row` fields spelled out, not spread from `row_base`'s dict: a dict per pod.
    return PodRow(
        uid=meta.uid,
        namespace=s(meta.namespace),
        name=meta.name,
        labels=interner.labels_json(meta.labels),
        created=epoch(meta.creationTimestamp),
        owner_uids=owners.uids,
        node=s(spec.nodeName) if spec.nodeName else None,
        phase=s(status.phase),
        status=s(summary.status),
        ready=s(f"{summary.ready}/{summary.total}"),
        ready_count=summary.ready,
        ready_total=summary.total,
        restarts=summary.restarts,
        last_restart=epoch(summary.last_restart),
        ip=ip,
        more_ips=more_ips,
        nominated_node=s(status.nominatedNodeName) if status.nominatedNodeName else None,
        owner_kind=owner.kind if owner is not None else None,
        owner_name=owner.name if owner is not None else None,
        owner_uid=owner.uid if owner is not None else None,
        qos=s(status.qosClass or (_qos(containers.items, init) if init else containers.qos)),
        cpu_request=cpu_request,
        cpu_limit=cpu_limit,
        memory_request=memory_request,
        memory_limit=memory_limit,
        terminating=meta.deletionTimestamp is not None,
    )


POD_COLUMNS: tuple[Column[PodRow], ...] = (
    *base_columns(node=True),
    column("status", "Status", "string", lambda r: r.status, facet=True, text=True),
    column("ready", "Ready", "string", lambda r: r.ready),
    column("restarts", "Restarts", "int", lambda r: r.restarts),
    # Each sorted index costs ~50 bytes per row (5 MB per 100k pods): columns nobody sorts a
    # whole cluster by are shown, filtered and searched but not indexed for sorting.
    column("last_restart", "Last restart", "time", lambda r: r.last_restart, sortable=False),
    column("ip", "IP", "string", lambda r: r.ip, text=True),
    # Sorted by the owner's name: an interned string the index shares with the rows, where a
    # "Kind/name" key would be a new string per row.
    column("owner", "Controlled by", "string", lambda r: r.owner_name, text=True),
    column(
        "owner_kind", "Owner kind", "string", lambda r: r.owner_kind, sortable=False, facet=True
    ),
    column("qos", "QoS", "string", lambda r: r.qos, sortable=False, facet=True),
    column("cpu_request", "CPU request", "quantity", lambda r: r.cpu_request),
    column("cpu_limit", "CPU limit", "quantity", lambda r: r.cpu_limit, sortable=False),
    column("memory_request", "Memory request", "quantity", lambda r: r.memory_request),
    column("memory_limit", "Memory limit", "quantity", lambda r: r.memory_limit, sortable=False),
)

PODS: Projection[PodIn, PodRow] = Projection(
    group="",
    resource="pods",
    kind="Pod",
    row_type=PodRow,
    input_type=PodIn,
    columns=POD_COLUMNS,
    build=build_pod,
)
