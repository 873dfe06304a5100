"""default-scheduler: binds Pending pods to a node with room for their requests.

Feasibility follows the upstream filters that matter for a dashboard: unschedulable nodes,
untolerated NoSchedule/NoExecute taints, nodeSelector and required node affinity, and
cpu/memory/pod-count against allocatable. Among the first feasible nodes found (a rotating
window, like percentageOfNodesToScore) the least allocated wins. Binding writes the pod the
way the binding subresource does (no managedFields entry); a pod that fits nowhere gets
PodScheduled=False/Unschedulable and a FailedScheduling event, and is retried when a node
changes in what the filters read (labels, taints, unschedulable, allocatable, Ready; not its
heartbeats) or a pod leaves a node, on that node alone, and on every node each
`unschedulable_retry`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from masthead.sim.clone import clone
from masthead.sim.controllers.events import NORMAL, WARNING
from masthead.sim.controllers.nodeinfo import (
    NodeInfo,
    matches_node_selection,
    node_info,
    untolerated_taint,
)
from masthead.sim.controllers.nodeusage import NodeUsage
from masthead.sim.controllers.objects import NODES, PODS, Obj, pod_requests, rfc3339, set_condition
from masthead.sim.controllers.runtime import Controller
from masthead.sim.controllers.settings import SCHEDULER
from masthead.sim.controllers.versioned import PerVersion
from masthead.sim.registry import WriteContext
from masthead.sim.store import DELETED, Stored, WatchEvent

COMPONENT = "default-scheduler"
SCORE_WINDOW = 50  # feasible nodes looked at before picking the least allocated


class Scheduler(Controller):
    name = SCHEDULER

    def setup(self) -> None:
        self.tick_interval = self.settings.unschedulable_retry
        self.unschedulable: set[tuple[str, str]] = set()
        self.usage = NodeUsage(self._stored_on, self._requests)
        # Unschedulable pods as read for a retry on one changed node (shared read-only;
        # _bind clones): one decode per pod version, not one per pod deletion or node flap.
        self._pending: PerVersion[tuple[Obj, int, int]] = PerVersion(_pending_read)
        # What the filters read of each node's last version (its resourceVersion beside):
        # a node event decodes only the new version. Entries go with their nodes.
        self._node_filters: dict[str, tuple[int, tuple[Any, ...]]] = {}
        self._offset = 0
        self.handlers[PODS.storage_key] = self._on_pod
        self.handlers[NODES.storage_key] = self._on_node
        self.bound = 0

    def _stored_on(self, node: str) -> Iterator[Stored]:
        for ns, name in list(self.ctx.pods.by_node.get(node, ())):
            s = self.store.get(PODS.storage_key, ns, name)
            if s is not None:
                yield s

    def _requests(self, s: Stored) -> tuple[int, int]:
        v = self.ctx.pods.view(s)
        return v.cpu_m, v.mem

    def _on_pod(self, ev: WatchEvent) -> None:
        self.usage.observe(ev)
        s = ev.obj
        if ev.type == DELETED:
            key = (s.namespace, s.name)
            self.unschedulable.discard(key)
            self._pending.forget(*key)
            self._try_on_node(s.fields.get("spec.nodeName", ""))
            return
        if _wants_scheduling(s.fields):
            if (s.namespace, s.name) not in self.unschedulable:
                self.queue.add((s.namespace, s.name))
        elif (
            ev.prev is not None
            and s.fields.get("status.phase") in ("Succeeded", "Failed")
            and ev.prev.fields.get("status.phase") != s.fields.get("status.phase")
        ):
            self._try_on_node(s.fields.get("spec.nodeName", ""))

    def _on_node(self, ev: WatchEvent) -> None:
        name = ev.obj.name
        if ev.type == DELETED:
            self._node_filters.pop(name, None)
            return
        info = self.ctx.nodes.get(name)  # the stored version is ev.obj's: decoded once, shared
        if info is None:
            return
        now = _filters_of(info)
        before = self._node_filters.get(name)
        self._node_filters[name] = (ev.obj.rv, now)
        if ev.prev is not None:
            was = before[1] if before and before[0] == ev.prev.rv else _filtered_by(ev.prev)
            if was == now:
                # A heartbeat (status times, images) cannot make a pod fit: upstream's queue
                # moves unschedulable pods only on a node change its filters can see.
                return
        self._try_on_node(name)

    def _try_on_node(self, node: str) -> None:
        """`node` changed in what the filters read, or a pod left it (deleted or finished):
        only that node can fit a pod that failed on all of them, so the unschedulable pods
        are tried on it alone (upstream's queueing hints check the changed node or the
        deleted pod's). A walk of all 2,000 nodes per unschedulable pod on every pod deletion
        and node flap was most of the scheduler's CPU under churn at `large`."""
        if node and self.unschedulable:
            self.queue.add(_TryNode(node))

    def _retry_on(self, name: str) -> None:
        node = self.ctx.nodes.get(name)
        if node is None:
            return
        for key in list(self.unschedulable):
            cur = self.store.get(PODS.storage_key, *key)
            if cur is None or not _wants_scheduling(cur.fields):
                self.unschedulable.discard(key)
                self._pending.forget(*key)
                continue
            pod, cpu, mem = self._pending.get(cur)
            if pod["metadata"].get("deletionTimestamp"):
                continue
            if not self._fits(pod.get("spec") or {}, cpu, mem, node):
                self._bind(pod, node)

    def _flush_retry(self) -> None:
        for key in list(self.unschedulable):
            self.queue.add(key)

    def initial_sync(self) -> None:
        for s in self.store.iter_objects(PODS.storage_key):
            if _wants_scheduling(s.fields):
                self.queue.add((s.namespace, s.name))

    def tick(self) -> None:
        self._flush_retry()

    # ------------------------------------------------------------------ scheduling
    def _node_usage(self, node: str) -> tuple[int, int, int]:
        u = self.usage.get(node)
        return u.cpu_m, u.mem, u.pods

    def _fits(self, spec: Obj, cpu: int, mem: int, node: NodeInfo) -> list[str]:
        """The reasons `node` does not fit (empty: it fits)."""
        if node.unschedulable:
            return ["node(s) were unschedulable"]
        if not matches_node_selection(spec, node):
            return ["node(s) didn't match Pod's node affinity/selector"]
        taint = untolerated_taint(spec, node, ("NoSchedule", "NoExecute"))
        if taint is not None:
            return [
                f"node(s) had untolerated taint {{{taint.get('key')}: {taint.get('value', '')}}}"
            ]
        used_cpu, used_mem, used_pods = self._node_usage(node.name)
        reasons = []
        if used_pods + 1 > node.pods:
            reasons.append("Too many pods")
        if cpu and used_cpu + cpu > node.cpu_m:
            reasons.append("Insufficient cpu")
        if mem and used_mem + mem > node.mem:
            reasons.append("Insufficient memory")
        return reasons

    def sync(self, item: Any) -> None:
        if isinstance(item, _TryNode):
            self._retry_on(item.node)
            return
        ns, name = item
        cur = self.store.get(PODS.storage_key, ns, name)
        if cur is None or not _wants_scheduling(cur.fields):
            self.unschedulable.discard(item)
            return
        pod = cur.decode()
        if pod["metadata"].get("deletionTimestamp"):
            return
        spec = pod.get("spec") or {}
        cpu, mem = pod_requests(pod)
        # Nodes are decoded (cached per version) only as far as the window reaches: at 2,000
        # nodes, building every NodeInfo for each pod was most of a bind's cost.
        names = self.ctx.nodes.names()
        n = len(names)
        start = self._offset % n if n else 0
        self._offset = start + 1
        order = names[start:] + names[:start]
        pinned = _pinned_nodes(spec)
        if pinned is not None:
            # Upstream's NodeAffinity PreFilter: a pod pinned by metadata.name (every daemon
            # pod) is only tried on its nodes, not walked past half of all nodes to reach
            # them; the other nodes would all fail the affinity filter. A pod that fits none
            # of its nodes takes the full walk, for the failure counts over every node.
            best = self._walk(spec, cpu, mem, [x for x in order if x in pinned], Counter())
            if best is not None:
                self._bind(pod, best)
                return
        failures: Counter[str] = Counter()
        best = self._walk(spec, cpu, mem, order, failures)
        if best is None:
            self._unschedulable(pod, n, failures)
            return
        self._bind(pod, best)

    def _walk(
        self, spec: Obj, cpu: int, mem: int, names: list[str], failures: Counter[str]
    ) -> NodeInfo | None:
        """The least allocated of the first SCORE_WINDOW feasible nodes of `names`, in order;
        the reasons the others did not fit are counted in `failures`."""
        best: NodeInfo | None = None
        best_score = 2.0
        found = 0
        for name in names:
            node = self.ctx.nodes.get(name)
            if node is None:
                continue
            reasons = self._fits(spec, cpu, mem, node)
            if reasons:
                failures.update(reasons)
                continue
            used_cpu, used_mem, _ = self._node_usage(node.name)
            score = max((used_cpu + cpu) / max(node.cpu_m, 1), (used_mem + mem) / max(node.mem, 1))
            if score < best_score:
                best, best_score = node, score
            found += 1
            if found >= SCORE_WINDOW:
                break
        return best

    def _bind(self, pod: Obj, node: NodeInfo) -> None:
        t = self.now()
        new = clone(pod)
        new["spec"]["nodeName"] = node.name
        status = new.setdefault("status", {})
        status["conditions"] = set_condition(
            status.get("conditions") or [], "PodScheduled", "True", rfc3339(t), probe_time=True
        )
        self.registry.put_prepared(PODS, new)
        key = (new["metadata"]["namespace"], new["metadata"]["name"])
        self.unschedulable.discard(key)
        self._pending.forget(*key)
        self.bound += 1
        meta = pod["metadata"]
        self.recorder.record(
            new,
            NORMAL,
            "Scheduled",
            f"Successfully assigned {meta['namespace']}/{meta['name']} to {node.name}",
            component=COMPONENT,
            new_style=True,
            action="Binding",
        )

    def _unschedulable(self, pod: Obj, total: int, failures: Counter[str]) -> None:
        if total == 0:
            message = "no nodes available to schedule pods"
        else:
            parts = ", ".join(f"{c} {r}" for r, c in sorted(failures.items()))
            message = (
                f"0/{total} nodes are available: {parts}. preemption: 0/{total} nodes are "
                f"available: {total} Preemption is not helpful for scheduling."
            )
        meta = pod["metadata"]
        key = (meta["namespace"], meta["name"])
        self.unschedulable.add(key)
        status = pod.setdefault("status", {})
        conds = status.get("conditions") or []
        new_conds = set_condition(
            conds, "PodScheduled", "False", rfc3339(self.now()), "Unschedulable", message,
            probe_time=True,
        )  # fmt: skip
        if new_conds != conds:
            status["conditions"] = new_conds
            self.registry.update(
                PODS, meta["namespace"], meta["name"], pod, WriteContext("kube-scheduler"),
                subresource="status",
            )  # fmt: skip
        self.recorder.record(
            pod, WARNING, "FailedScheduling", message, component=COMPONENT, new_style=True,
            action="Scheduling",
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class _TryNode:
    """Queue item: retry the unschedulable pods on this node only."""

    node: str


def _pending_read(s: Stored) -> tuple[Obj, int, int]:
    pod = s.decode()
    cpu, mem = pod_requests(pod)
    return pod, cpu, mem


def _filtered_by(s: Stored) -> tuple[Any, ...]:
    return _filters_of(node_info(s.decode()))


def _filters_of(n: NodeInfo) -> tuple[Any, ...]:
    """What of a node version the filters (and the Ready condition) read."""
    return (n.labels, n.taints, n.unschedulable, n.cpu_m, n.mem, n.pods, n.ready)


def _pinned_nodes(spec: Obj) -> frozenset[str] | None:
    """The node names a pod's required node affinity allows, when every term pins
    `metadata.name` with In (None: any node may match)."""
    affinity = ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    )
    terms = (affinity or {}).get("nodeSelectorTerms") or []
    if not terms:
        return None
    names: set[str] = set()
    for term in terms:
        pins = [
            f
            for f in term.get("matchFields") or []
            if f.get("key") == "metadata.name" and f.get("operator") == "In"
        ]
        if not pins:
            return None
        names.update(pins[0].get("values") or [])
    return frozenset(names)


def _wants_scheduling(fields: Any) -> bool:
    return (
        not fields.get("spec.nodeName")
        and fields.get("status.phase", "Pending") in ("Pending", "")
        and fields.get("spec.schedulerName", "default-scheduler") in ("default-scheduler", "")
    )
