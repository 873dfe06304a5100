"""Node heartbeats (the kubelet side) and the node lifecycle controller.

`NodeHeartbeat` renews each node's Lease in kube-node-lease every `lease_interval` (spread
over the interval, each node keeping its phase however late a renewal ran, so 2k nodes make
a steady trickle, not a burst) and refreshes the node
conditions' lastHeartbeatTime every `node_status_interval`, and at once when the lifecycle
controller marked its node Unknown while it was alive (a late lease). A node annotated
`sim.masthead.io/node-state: NotReady` reports Ready=False (KubeletNotReady); `Unreachable`
stops its kubelet altogether (no leases, no status).

`NodeLifecycle` (kube-controller-manager) looks at every node each `node_monitor_period` (and
on its node's changes), marks a node whose Lease is older than `node_grace` Ready=Unknown
(NodeStatusUnknown), keeps the not-ready / unreachable NoSchedule+NoExecute taints in line
with the Ready condition, records NodeNotReady / NodeReady events, and after
`pod_eviction_grace` sets Ready=False on the pods of a node that is not Ready.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from masthead.sim.clone import clone
from masthead.sim.controllers.events import NORMAL, WARNING
from masthead.sim.controllers.nodeinfo import NOT_READY_TAINT, UNREACHABLE_TAINT
from masthead.sim.controllers.objects import (
    LEASES,
    NODE_STATE,
    NODES,
    PODS,
    Obj,
    get_condition,
    micro_time,
    parse_time,
    rfc3339,
    set_condition,
)
from masthead.sim.controllers.runtime import Controller
from masthead.sim.controllers.settings import NODE_HEARTBEAT, NODE_LIFECYCLE
from masthead.sim.controllers.versioned import PerVersion
from masthead.sim.errors import ApiError
from masthead.sim.registry import WriteContext
from masthead.sim.store import DELETED, Stored, WatchEvent

LEASE_NS = "kube-node-lease"
LEASE_DURATION = 40
NOT_READY_MESSAGE = (
    "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady "
    "message:Network plugin returns error: cni plugin not initialized"
)
NODE_INFO = {
    "machineID": "",
    "systemUUID": "",
    "bootID": "",
    "kernelVersion": "6.8.0-1021-aws",
    "osImage": "Ubuntu 24.04.2 LTS",
    "containerRuntimeVersion": "containerd://2.0.5",
    "kubeletVersion": "v1.36.0",
    "kubeProxyVersion": "",
    "operatingSystem": "linux",
    "architecture": "amd64",
}


def next_due(due: float, now: float, interval: float) -> float:
    """The first time after `now` on the node's own phase (`due` plus whole intervals), as
    each kubelet's own timer keeps it: a renewal that ran late (the loop was busy) must not
    move its node's phase to that moment, or every node held up together renews together
    from then on, and the trickle spread over the interval turns into a burst each period.
    `due` 0 (a new node, a forced report) starts a phase now."""
    if due <= 0:
        return now + interval
    missed = max(0, math.floor((now - due) / interval))
    return due + (missed + 1) * interval


def node_state(node: Obj) -> str:
    return str((node["metadata"].get("annotations") or {}).get(NODE_STATE, ""))


class NodeHeartbeat(Controller):
    name = NODE_HEARTBEAT

    def setup(self) -> None:
        self.tick_interval = self.settings.resync_tick
        self._lease_due: dict[str, float] = {}
        self._status_due: dict[str, float] = {}
        self.handlers[NODES.storage_key] = self._on_node

    def _on_node(self, ev: WatchEvent) -> None:
        name = ev.obj.name
        if ev.type == DELETED:
            self._lease_due.pop(name, None)
            self._status_due.pop(name, None)
            return
        if (
            ev.prev is None
            or (NODE_STATE.encode() in ev.obj.raw) != (NODE_STATE.encode() in ev.prev.raw)
            or b'"nodeInfo"' not in ev.obj.raw
            or _marked_unknown(ev.obj, ev.prev)
        ):
            self._status_due[name] = 0.0
            self.queue.add(("status", name))
        self._lease_due.setdefault(name, 0.0)

    def initial_sync(self) -> None:
        names = self.ctx.nodes.names()
        now = self.now()
        n = max(len(names), 1)
        for i, name in enumerate(names):
            # Spread renewals evenly over one interval.
            self._lease_due[name] = now + self.settings.lease_interval * i / n
            self._status_due[name] = now + self.settings.node_status_interval * i / n
            self.queue.add(("lease", name))

    def tick(self) -> None:
        now = self.now()
        for name, due in self._lease_due.items():
            if due <= now:
                self.queue.add(("lease", name))
        for name, due in self._status_due.items():
            if due <= now:
                self.queue.add(("status", name))

    def sync(self, item: Any) -> None:
        what, name = item
        s = self.store.get(NODES.storage_key, "", name)
        if s is None:
            return
        node = s.decode()
        state = node_state(node)
        now = self.now()
        if what == "lease":
            due = self._lease_due.get(name, 0.0)
            self._lease_due[name] = next_due(due, now, self.settings.lease_interval)
            if state != "Unreachable":
                self._renew(node, now)
        else:
            due = self._status_due.get(name, 0.0)
            self._status_due[name] = next_due(due, now, self.settings.node_status_interval)
            if state != "Unreachable":
                self._report(node, state, now)

    def _renew(self, node: Obj, now: float) -> None:
        name = node["metadata"]["name"]
        ctx = WriteContext("kubelet")
        cur = self.store.get(LEASES.storage_key, LEASE_NS, name)
        if cur is None:
            body = {
                "metadata": {
                    "name": name,
                    "ownerReferences": [
                        {
                            "apiVersion": "v1",
                            "kind": "Node",
                            "name": name,
                            "uid": node["metadata"]["uid"],
                        }
                    ],
                },
                "spec": {
                    "holderIdentity": name,
                    "leaseDurationSeconds": LEASE_DURATION,
                    "renewTime": micro_time(now),
                },
            }
            try:
                self.registry.create(LEASES, LEASE_NS, body, ctx)
            except ApiError:
                return
            return
        self.registry.update_owned_leaf(
            LEASES, LEASE_NS, name, ("spec", "renewTime"), micro_time(now), ctx
        )

    def _report(self, node: Obj, state: str, now: float) -> None:
        t = rfc3339(now)
        status = clone(node.get("status") or {})
        old_ready = get_condition(node, "Ready")
        conds = list(status.get("conditions") or [])
        for ctype, reason, msg in (
            ("MemoryPressure", "KubeletHasSufficientMemory",
             "kubelet has sufficient memory available"),
            ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
            ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        ):  # fmt: skip
            conds = set_condition(conds, ctype, "False", t, reason, msg, heartbeat=True)
        if state == "NotReady":
            conds = set_condition(
                conds, "Ready", "False", t, "KubeletNotReady", NOT_READY_MESSAGE, heartbeat=True
            )
        else:
            conds = set_condition(
                conds, "Ready", "True", t, "KubeletReady", "kubelet is posting ready status",
                heartbeat=True,
            )  # fmt: skip
        status["conditions"] = [_heartbeat_order(c) for c in conds]
        if not (status.get("nodeInfo") or {}).get("kubeletVersion"):
            # Created without one (defaulting fills Go zero values): report ours.
            status["nodeInfo"] = dict(NODE_INFO)
        new = dict(node)
        new["status"] = status
        meta = node["metadata"]
        self.registry.update(
            NODES, "", meta["name"], new, WriteContext("kubelet"), subresource="status"
        )
        was = (old_ready or {}).get("status")
        now_ready = "False" if state == "NotReady" else "True"
        if was != now_ready and old_ready is not None:
            reason = "NodeReady" if now_ready == "True" else "NodeNotReady"
            self.recorder.record(
                node, NORMAL, reason, f"Node {meta['name']} status is now: {reason}",
                component="kubelet", host=meta["name"],
            )  # fmt: skip


def _marked_unknown(cur: Stored, prev: Stored) -> bool:
    """The lifecycle controller has just marked the node Unknown: its kubelet, if alive (its
    lease was late because the loop was), reports at once, as the kubelet's status loop posts
    a status that differs from its own within nodeStatusUpdateFrequency, and does not leave
    the node unreachable-tainted, its pods unready, for up to a whole `node_status_interval`."""
    return _UNKNOWN in cur.raw and _UNKNOWN not in prev.raw


_UNKNOWN = b'"NodeStatusUnknown"'


@dataclass(frozen=True, slots=True)
class NodeFacts:
    """A node version as the lifecycle controller sees it: its Ready condition's status (None
    without one) and whether it carries a not-ready/unreachable taint."""

    ready: str | None
    tainted: bool


def _heartbeat_order(c: Obj) -> Obj:
    keys = ("type", "status", "lastHeartbeatTime", "lastTransitionTime", "reason", "message")
    out = {k: c[k] for k in keys if k in c}
    out.pop("lastProbeTime", None)
    return out


class NodeLifecycle(Controller):
    name = NODE_LIFECYCLE

    def setup(self) -> None:
        self.tick_interval = self.settings.node_monitor_period
        self.handlers[NODES.storage_key] = self._on_node
        self._not_ready_since: dict[str, float] = {}
        self._pods_marked: set[str] = set()
        # What a sync needs of each node and lease version, decoded once per version: every
        # tick looks at every node (2,000 at `large`), and almost all are Ready and renewed.
        self._node_facts: PerVersion[NodeFacts] = PerVersion(_node_facts)
        self._renewed: PerVersion[float | None] = PerVersion(_renew_time)

    def _on_node(self, ev: WatchEvent) -> None:
        if ev.type == DELETED:
            self._not_ready_since.pop(ev.obj.name, None)
            self._pods_marked.discard(ev.obj.name)
            self._node_facts.forget("", ev.obj.name)
            self._renewed.forget(LEASE_NS, ev.obj.name)
            return
        self.queue.add(ev.obj.name)

    def initial_sync(self) -> None:
        for name in self.ctx.nodes.names():
            self.queue.add(name)

    def tick(self) -> None:
        # Every lease once per monitor period, as upstream's monitorNodeHealth: a late lease
        # is noticed at the next look, and a loop that runs late gets no extra syncs for it.
        for name in self.ctx.nodes.names():
            self.queue.add(name)

    def sync(self, item: Any) -> None:
        name = item
        s = self.store.get(NODES.storage_key, "", name)
        if s is None:
            return
        now = self.now()
        facts = self._node_facts.get(s)
        lease = self.store.get(LEASES.storage_key, LEASE_NS, name)
        if facts.ready in (None, "True") and not facts.tainted:
            renew = None if lease is None else self._renewed.get(lease)
            stale = renew is not None and now - renew > self.settings.node_grace
            if not (stale and facts.ready is not None):
                # Ready (or no Ready condition), renewed and untainted: the full sync below
                # would write nothing and only forget the node's NotReady bookkeeping.
                self._not_ready_since.pop(name, None)
                self._pods_marked.discard(name)
                return
        node = s.decode()
        t = rfc3339(now)
        ready = get_condition(node, "Ready")
        if lease is not None and ready is not None and ready.get("status") != "Unknown":
            renew = self._renewed.get(lease)
            if renew is not None and now - renew > self.settings.node_grace:
                node = self._mark_unknown(node, t)
                ready = get_condition(node, "Ready")
        status = (ready or {}).get("status", "True")
        self._taints(node, status, t)
        if status == "True":
            self._not_ready_since.pop(name, None)
            self._pods_marked.discard(name)
            return
        since = self._not_ready_since.setdefault(name, now)
        if name not in self._pods_marked and now - since >= self.settings.pod_eviction_grace:
            self._pods_marked.add(name)
            self._mark_pods(node, t)
        elif name not in self._pods_marked:
            self.queue.add_after(name, self.settings.pod_eviction_grace)

    def _mark_unknown(self, node: Obj, t: str) -> Obj:
        status = clone(node.get("status") or {})
        conds = []
        for c in status.get("conditions") or []:
            c = dict(c)
            if c.get("status") != "Unknown":
                c["lastTransitionTime"] = t
            c["status"] = "Unknown"
            c["reason"] = "NodeStatusUnknown"
            c["message"] = "Kubelet stopped posting node status."
            conds.append(c)
        status["conditions"] = conds
        new = dict(node)
        new["status"] = status
        name = node["metadata"]["name"]
        out, _ = self.registry.update(
            NODES, "", name, new, WriteContext("kube-controller-manager"), subresource="status"
        )
        self.recorder.record(
            node, NORMAL, "NodeNotReady", f"Node {name} status is now: NodeNotReady",
            component="node-controller",
        )  # fmt: skip
        return out

    def _taints(self, node: Obj, ready: str, t: str) -> None:
        want_key = {"True": None, "False": NOT_READY_TAINT}.get(ready, UNREACHABLE_TAINT)
        taints = list((node.get("spec") or {}).get("taints") or [])
        keep = [x for x in taints if x.get("key") not in (NOT_READY_TAINT, UNREACHABLE_TAINT)]
        have = [x for x in taints if x.get("key") in (NOT_READY_TAINT, UNREACHABLE_TAINT)]
        want = []
        if want_key is not None:
            old = {(x.get("key"), x.get("effect")): x for x in have}
            for effect in ("NoSchedule", "NoExecute"):
                taint: Obj = {"key": want_key, "effect": effect}
                if effect == "NoExecute":
                    prev = old.get((want_key, effect))
                    taint["timeAdded"] = prev.get("timeAdded", t) if prev else t
                want.append(taint)
        if have == want:
            return
        new = clone(node)
        new.setdefault("spec", {})["taints"] = keep + want
        if not new["spec"]["taints"]:
            del new["spec"]["taints"]
        self.registry.update(
            NODES, "", node["metadata"]["name"], new, WriteContext("kube-controller-manager")
        )

    def _mark_pods(self, node: Obj, t: str) -> None:
        name = node["metadata"]["name"]
        for p in self.ctx.pods.on_node(name):
            if not p.ready:
                continue
            cur = self.store.get(PODS.storage_key, p.namespace, p.name)
            if cur is None:
                continue
            pod = cur.decode()
            status = pod.setdefault("status", {})
            status["conditions"] = set_condition(
                status.get("conditions") or [], "Ready", "False", t, probe_time=True
            )
            for cs in status.get("containerStatuses") or []:
                cs["ready"] = False
            try:
                self.registry.update(
                    PODS, p.namespace, p.name, pod, WriteContext("kube-controller-manager"),
                    subresource="status",
                )  # fmt: skip
            except ApiError:
                continue
            self.recorder.record(
                pod, WARNING, "NodeNotReady", "Node is not ready", component="node-controller"
            )


def _node_facts(s: Stored) -> NodeFacts:
    node = s.decode()
    ready = get_condition(node, "Ready")
    taints = (node.get("spec") or {}).get("taints") or []
    return NodeFacts(
        ready=None if ready is None else ready.get("status"),
        tainted=any(x.get("key") in (NOT_READY_TAINT, UNREACHABLE_TAINT) for x in taints),
    )


def _renew_time(lease: Stored) -> float | None:
    return parse_time((lease.decode().get("spec") or {}).get("renewTime"))
