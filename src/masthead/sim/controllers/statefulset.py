"""StatefulSet controller: pods `<name>-<ordinal>` with stable hostnames, created in order
(OrderedReady waits for each to be Running and Ready; Parallel does not), removed from the
highest ordinal down, PersistentVolumeClaims from volumeClaimTemplates, and rolling updates
from the highest ordinal down to the partition."""

from __future__ import annotations

from typing import Any

from masthead.sim.clone import clone
from masthead.sim.controllers.events import NORMAL
from masthead.sim.controllers.objects import (
    PODS,
    PVCS,
    STATEFULSETS,
    Obj,
    template_hash,
)
from masthead.sim.controllers.revisions import sync_revisions
from masthead.sim.controllers.runtime import PodView
from masthead.sim.controllers.settings import STATEFULSET
from masthead.sim.controllers.workloads import KCM, WorkloadController, pod_from_template
from masthead.sim.errors import ApiError
from masthead.sim.registry import WriteContext
from masthead.sim.store import WatchEvent

REVISION = "controller-revision-hash"


def _ordinal(sts: str, pod: str) -> int | None:
    prefix = sts + "-"
    if not pod.startswith(prefix) or not pod[len(prefix) :].isdigit():
        return None
    return int(pod[len(prefix) :])


class StatefulSetController(WorkloadController):
    name = STATEFULSET
    component = "statefulset-controller"
    info = STATEFULSETS

    def setup(self) -> None:
        self.handlers[STATEFULSETS.storage_key] = lambda ev: self.queue.add(
            (ev.obj.namespace, ev.obj.name)
        )
        self.handlers[PODS.storage_key] = self._on_pod

    def _on_pod(self, ev: WatchEvent) -> None:
        self.enqueue_owner(ev, "StatefulSet")

    def initial_sync(self) -> None:
        for s in self.store.iter_objects(STATEFULSETS.storage_key):
            self.queue.add((s.namespace, s.name))

    def _claims(self, sts: Obj, ordinal: int) -> list[Obj]:
        """Volumes for the pod; creates the claims it needs."""
        meta = sts["metadata"]
        spec = sts.get("spec") or {}
        volumes = []
        for tmpl in spec.get("volumeClaimTemplates") or []:
            claim = tmpl["metadata"]["name"]
            pvc_name = f"{claim}-{meta['name']}-{ordinal}"
            volumes.append({"name": claim, "persistentVolumeClaim": {"claimName": pvc_name}})
            if self.store.get(PVCS.storage_key, meta["namespace"], pvc_name) is not None:
                continue
            labels = dict((spec.get("selector") or {}).get("matchLabels") or {})
            body = {
                "metadata": {"name": pvc_name, "labels": labels},
                "spec": clone(tmpl.get("spec") or {}),
            }
            try:
                self.registry.create(PVCS, meta["namespace"], body, WriteContext(KCM))
            except ApiError:
                continue
            self.recorder.record(
                sts, NORMAL, "SuccessfulCreate",
                f"create Claim {pvc_name} Pod {meta['name']}-{ordinal} in StatefulSet "
                f"{meta['name']} success",
                component=self.component,
            )  # fmt: skip
        return volumes

    def _new_pod(self, sts: Obj, ordinal: int, revision: str) -> None:
        meta = sts["metadata"]
        spec = sts.get("spec") or {}
        name = f"{meta['name']}-{ordinal}"
        template = clone(spec.get("template") or {})
        volumes = self._claims(sts, ordinal)
        tspec = template.setdefault("spec", {})
        if volumes:
            have = {v.get("name") for v in tspec.get("volumes") or []}
            tspec["volumes"] = [
                *(tspec.get("volumes") or []),
                *[v for v in volumes if v["name"] not in have],
            ]
        overrides: Obj = {"hostname": name}
        if spec.get("serviceName"):
            overrides["subdomain"] = spec["serviceName"]
        pod = pod_from_template(
            sts, STATEFULSETS, template, name=name,
            extra_labels={
                "apps.kubernetes.io/pod-index": str(ordinal),
                REVISION: revision,
                "statefulset.kubernetes.io/pod-name": name,
            },
            spec_overrides=overrides,
        )  # fmt: skip
        self.create_pod(sts, pod, f"create Pod {name} in StatefulSet {meta['name']} successful")

    def sync(self, item: Any) -> None:
        ns, name = item
        sts = self.get(ns, name)
        if sts is None or sts["metadata"].get("deletionTimestamp"):
            return
        spec = sts.get("spec") or {}
        want = int(spec.get("replicas", 1))
        parallel = spec.get("podManagementPolicy") == "Parallel"
        update_rev = f"{name}-{template_hash(spec.get('template') or {})}"
        sync_revisions(self.store, self.registry, sts, STATEFULSETS, update_rev[len(name) + 1 :])
        pods: dict[int, PodView] = {}
        for p in self.ctx.pods.owned_by(self.registry, sts["metadata"]["uid"]):
            o = _ordinal(name, p.name)
            if o is not None:
                pods[o] = p
        terminating = any(p.deleting for p in pods.values())
        healthy = True
        for i in range(want):
            if i not in pods:
                if not parallel and (not healthy or terminating):
                    break
                self._new_pod(sts, i, update_rev)
                if not parallel:
                    healthy = False
                continue
            p = pods[i]
            if not (p.ready and p.phase == "Running") or p.deleting:
                healthy = False
        extra = sorted((o for o in pods if o >= want), reverse=True)
        for o in extra:
            p = pods[o]
            if p.deleting:
                if not parallel:
                    break
                continue
            if not parallel and (terminating or not all(
                pods[i].ready for i in pods if i < o
            )):  # fmt: skip
                break
            self.delete_pod(sts, p, f"delete Pod {p.name} in StatefulSet {name} successful")
            terminating = True
            if not parallel:
                break
        strategy = spec.get("updateStrategy") or {}
        if strategy.get("type", "RollingUpdate") == "RollingUpdate" and not terminating:
            partition = int((strategy.get("rollingUpdate") or {}).get("partition", 0))
            current = [pods[i] for i in range(want) if i in pods]
            if len(current) == want and all(p.ready for p in current):
                for o in sorted((i for i in pods if partition <= i < want), reverse=True):
                    if pods[o].labels.get(REVISION) != update_rev:
                        self.delete_pod(
                            sts,
                            pods[o],
                            f"delete Pod {pods[o].name} in StatefulSet {name} successful",
                        )
                        break
        self._status(sts, update_rev)

    def _status(self, sts: Obj, update_rev: str) -> None:
        name = sts["metadata"]["name"]
        pods = [
            p
            for p in self.ctx.pods.owned_by(self.registry, sts["metadata"]["uid"])
            if _ordinal(name, p.name) is not None and p.active
        ]
        old = sts.get("status") or {}
        updated = [p for p in pods if p.labels.get(REVISION) == update_rev]
        current_rev = old.get("currentRevision") or update_rev
        want = int((sts.get("spec") or {}).get("replicas", 1))
        if len(updated) == want == len(pods):
            current_rev = update_rev
        current = [p for p in pods if p.labels.get(REVISION) == current_rev]
        ready = sum(1 for p in pods if p.ready)
        status: Obj = {
            "observedGeneration": sts["metadata"].get("generation", 1),
            "replicas": len(pods),
        }
        if ready:
            status["readyReplicas"] = ready
        status["currentReplicas"] = len(current)
        status["updatedReplicas"] = len(updated)
        status["currentRevision"] = current_rev
        status["updateRevision"] = update_rev
        status["collisionCount"] = 0
        status["availableReplicas"] = ready
        self.write_status(sts, status)
