"""ReplicaSet controller: keeps `spec.replicas` pods (created from the template, owned with
controller + blockOwnerDeletion) and reports replicas / ready / available in status."""

from __future__ import annotations

from typing import Any

from masthead.sim.controllers.objects import PODS, REPLICASETS
from masthead.sim.controllers.settings import REPLICASET
from masthead.sim.controllers.workloads import (
    WorkloadController,
    deletion_rank,
    pod_from_template,
)
from masthead.sim.store import WatchEvent

BURST = 500  # pods created per sync (upstream's burstReplicas)


class ReplicaSetController(WorkloadController):
    name = REPLICASET
    component = "replicaset-controller"
    info = REPLICASETS

    def setup(self) -> None:
        self.handlers[REPLICASETS.storage_key] = self._on_rs
        self.handlers[PODS.storage_key] = self._on_pod

    def _on_rs(self, ev: WatchEvent) -> None:
        self.queue.add((ev.obj.namespace, ev.obj.name))

    def _on_pod(self, ev: WatchEvent) -> None:
        self.enqueue_owner(ev, "ReplicaSet")

    def initial_sync(self) -> None:
        for s in self.store.iter_objects(REPLICASETS.storage_key):
            self.queue.add((s.namespace, s.name))

    def sync(self, item: Any) -> None:
        ns, name = item
        rs = self.get(ns, name)
        if rs is None or rs["metadata"].get("deletionTimestamp"):
            return
        spec = rs.get("spec") or {}
        want = int(spec.get("replicas", 1))
        pods = self.ctx.pods.owned_by(self.registry, rs["metadata"]["uid"])
        active = [p for p in pods if p.active]
        diff = len(active) - want
        if diff < 0:
            for _ in range(min(-diff, BURST)):
                pod = pod_from_template(rs, REPLICASETS, spec.get("template") or {})
                if self.create_pod(rs, pod) is None:
                    break
            if -diff > BURST:
                self.queue.add(item)
        elif diff > 0:
            for p in sorted(active, key=deletion_rank)[:diff]:
                self.delete_pod(rs, p)
        pods = [p for p in self.ctx.pods.owned_by(self.registry, rs["metadata"]["uid"]) if p.active]
        ready = sum(1 for p in pods if p.ready)
        labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
        status: dict[str, Any] = {"replicas": len(pods)}
        full = sum(1 for p in pods if all(p.labels.get(k) == v for k, v in labels.items()))
        if full:
            status["fullyLabeledReplicas"] = full
        if ready:
            status["readyReplicas"] = ready
            status["availableReplicas"] = ready
        status["observedGeneration"] = rs["metadata"].get("generation", 1)
        self.write_status(rs, status)
