"""Names of the simulated controllers and the knobs that set their pace.

Times are seconds of real (event-loop) time unless they say otherwise; the injectable `clock`
is wall time as the controllers read it (timestamps, CronJob schedules, event TTL), so tests
can move time forward without sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

# kube-controller-manager's own names where one exists.
DEPLOYMENT = "deployment"
REPLICASET = "replicaset"
STATEFULSET = "statefulset"
DAEMONSET = "daemonset"
JOB = "job"
CRONJOB = "cronjob"
ENDPOINTSLICE = "endpointslice"
NODE_LIFECYCLE = "nodelifecycle"
SCHEDULER = "scheduler"
KUBELET = "kubelet"  # pod lifecycle on the nodes
NODE_HEARTBEAT = "nodeheartbeat"  # kubelet's Lease renewals and NodeReady heartbeats
EVENT_TTL = "eventttl"  # kube-apiserver's --event-ttl
# These two live in the registry (registry.py); the names switch its flags.
GARBAGE_COLLECTOR = "garbagecollector"
NAMESPACE = "namespace"

ALL_CONTROLLERS = frozenset(
    {
        DEPLOYMENT,
        REPLICASET,
        STATEFULSET,
        DAEMONSET,
        JOB,
        CRONJOB,
        ENDPOINTSLICE,
        NODE_LIFECYCLE,
        SCHEDULER,
        KUBELET,
        NODE_HEARTBEAT,
        EVENT_TTL,
        GARBAGE_COLLECTOR,
        NAMESPACE,
    }
)
# What an in-process `Simulator` runs unless asked: only what the registry always did.
DEFAULT_CONTROLLERS = frozenset({GARBAGE_COLLECTOR, NAMESPACE})
REGISTRY_CONTROLLERS = frozenset({GARBAGE_COLLECTOR, NAMESPACE})


def resolve_controllers(config: object) -> frozenset[str]:
    """The set a `SimConfig` asks for: its `controllers`, else everything for a scenario world
    (it should look alive) and only the registry's own for an empty in-process simulator."""
    asked = getattr(config, "controllers", None)
    if asked is not None:
        return frozenset(asked)
    scenario = getattr(config, "scenario", "empty")
    return ALL_CONTROLLERS if scenario not in ("empty", "", None) else DEFAULT_CONTROLLERS


def parse_controllers(spec: str) -> frozenset[str]:
    """`all`, `none`, or a comma list of names (each controller is switchable on its own)."""
    spec = spec.strip()
    if spec == "all":
        return ALL_CONTROLLERS
    if spec in ("none", ""):
        return frozenset()
    names = frozenset(n.strip() for n in spec.split(",") if n.strip())
    unknown = names - ALL_CONTROLLERS
    if unknown:
        known = ", ".join(sorted(ALL_CONTROLLERS))
        raise ValueError(f"unknown controllers: {', '.join(sorted(unknown))} (known: {known})")
    return names


@dataclass
class ControllerSettings:
    clock: Callable[[], float] = time.time
    # Pod lifecycle (kubelet).
    unschedulable_retry: float = 60.0  # scheduler: retry Unschedulable pods at least this often
    pull_delay: float = 0.3  # ContainerCreating while "pulling"
    start_delay: float = 0.2  # Created → Running/Ready
    crash_after: float = 2.0  # a crashloop/oom container runs this long
    complete_after: float = 3.0  # a batch (restartPolicy != Always) container runs this long
    backoff_base: float = 10.0  # CrashLoopBackOff / ImagePullBackOff: 10 s doubling ...
    backoff_max: float = 300.0  # ... up to 5 min, as the kubelet
    # Nodes.
    lease_interval: float = 10.0  # Lease renewals (kubelet nodeLeaseDurationSeconds/4)
    node_status_interval: float = 60.0  # NodeReady lastHeartbeatTime refresh
    node_grace: float = 40.0  # node-monitor-grace-period: stale lease → Ready Unknown
    pod_eviction_grace: float = 5.0  # NotReady node → its pods Ready=False after this
    # The lifecycle controller's look at every node (--node-monitor-period): at `large`
    # a look each `resync_tick` was 2,000 syncs a second, ~60k over a 30 s bench run.
    node_monitor_period: float = 5.0
    # Controllers.
    cron_tick: float = 1.0
    event_ttl: float = 3600.0  # kube-apiserver --event-ttl
    # Stored Events at most; past it the TTL controller deletes the soonest-expiring early
    # (counted): an hour of churn's Events was the simulator's other unbounded growth.
    max_events: int = 30_000
    event_ttl_tick: float = 5.0
    retry_delay: float = 0.5  # a sync that failed is retried after this
    batch: int = 200  # work items per controller per loop turn
    max_endpoints_per_slice: int = 100
    # The kubelet side's look for renewals and status reports that are due.
    resync_tick: float = 1.0

    @classmethod
    def fast(cls, **kw: float | Callable[[], float]) -> ControllerSettings:
        """Tiny intervals for tests: everything settles in well under a second."""
        base = cls(
            pull_delay=0.02,
            start_delay=0.02,
            crash_after=0.05,
            complete_after=0.1,
            backoff_base=0.1,
            backoff_max=0.8,
            lease_interval=0.2,
            node_status_interval=0.5,
            node_grace=0.6,
            pod_eviction_grace=0.1,
            node_monitor_period=0.05,
            unschedulable_retry=0.5,
            cron_tick=0.05,
            event_ttl_tick=0.05,
            retry_delay=0.05,
            resync_tick=0.05,
        )
        for k, v in kw.items():
            setattr(base, k, v)
        return base
