"""EndpointSlice controller: for every Service with a selector, slices of at most
`max_endpoints_per_slice` pod endpoints (ready / serving / terminating conditions, nodeName,
zone, targetRef) labelled `kubernetes.io/service-name`, kept in sync as pods come, go and
change readiness. Pods are matched per namespace through a cache of service selectors, so a
pod write costs one selector check per Service in its namespace."""

from __future__ import annotations

import contextlib
from typing import Any

from masthead.sim.controllers.objects import (
    ENDPOINT_SLICES,
    PODS,
    SERVICES,
    Obj,
    rfc3339,
)
from masthead.sim.controllers.runtime import Controller, PodView
from masthead.sim.controllers.settings import ENDPOINTSLICE
from masthead.sim.controllers.versioned import PerVersion
from masthead.sim.errors import ApiError
from masthead.sim.registry import DeleteOptions, WriteContext
from masthead.sim.store import DELETED, Stored, WatchEvent

MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
CONTROLLER = "endpointslice-controller.k8s.io"
SERVICE_NAME = "kubernetes.io/service-name"
TRIGGER = "endpoints.kubernetes.io/last-change-trigger-time"


class EndpointSliceController(Controller):
    name = ENDPOINTSLICE

    def setup(self) -> None:
        # namespace → service name → selector (matchLabels form).
        self.selectors: dict[str, dict[str, dict[str, str]]] = {}
        self.handlers[SERVICES.storage_key] = self._on_service
        self.handlers[PODS.storage_key] = self._on_pod
        self.handlers[ENDPOINT_SLICES.storage_key] = self._on_slice
        # A Service's slices, read once per version and shared between its syncs: _update
        # builds new dicts, never changing a read one.
        self._slice_reads: PerVersion[Obj] = PerVersion(Stored.decode)

    def _on_slice(self, ev: WatchEvent) -> None:
        if ev.type == DELETED:
            self._slice_reads.forget(ev.obj.namespace, ev.obj.name)

    def _remember(self, ns: str, name: str, svc: Obj | None) -> None:
        sel = ((svc or {}).get("spec") or {}).get("selector") if svc else None
        per_ns = self.selectors.setdefault(ns, {})
        if sel:
            per_ns[name] = dict(sel)
        else:
            per_ns.pop(name, None)

    def _on_service(self, ev: WatchEvent) -> None:
        s = ev.obj
        self._remember(s.namespace, s.name, None if ev.type == DELETED else s.decode())
        if ev.type != DELETED:
            self.queue.add((s.namespace, s.name))

    def _on_pod(self, ev: WatchEvent) -> None:
        per_ns = self.selectors.get(ev.obj.namespace)
        if not per_ns:
            return
        for name, sel in per_ns.items():
            for s in (ev.obj, ev.prev):
                if s is not None and all(s.labels.get(k) == v for k, v in sel.items()):
                    self.queue.add((ev.obj.namespace, name))
                    break

    def initial_sync(self) -> None:
        for s in self.store.iter_objects(SERVICES.storage_key):
            self._remember(s.namespace, s.name, s.decode())
            self.queue.add((s.namespace, s.name))

    def _slices(self, svc: Obj) -> list[Obj]:
        out = []
        for key, ns, name in self.registry.dependents(svc["metadata"]["uid"]):
            if key == ENDPOINT_SLICES.storage_key and (s := self.store.get(key, ns, name)):
                sl = self._slice_reads.get(s)
                if (sl["metadata"].get("labels") or {}).get(MANAGED_BY) == CONTROLLER:
                    out.append(sl)
        return sorted(out, key=lambda x: x["metadata"]["name"])

    def _ports(self, svc: Obj, pod: Obj | None) -> list[Obj]:
        named: dict[str, int] = {}
        for c in ((pod or {}).get("spec") or {}).get("containers") or []:
            for p in c.get("ports") or []:
                if p.get("name"):
                    named[p["name"]] = p.get("containerPort", 0)
        out = []
        for p in (svc.get("spec") or {}).get("ports") or []:
            target = p.get("targetPort", p.get("port"))
            if isinstance(target, str):
                if target not in named:
                    continue
                target = named[target]
            port: Obj = {"name": p.get("name", ""), "port": target}
            port["protocol"] = p.get("protocol", "TCP")
            if p.get("appProtocol"):
                port["appProtocol"] = p["appProtocol"]
            out.append(port)
        return out

    def _endpoint(self, p: PodView) -> Obj:
        ep: Obj = {
            "addresses": [p.ip],
            "conditions": {
                "ready": p.ready and not p.deleting,
                "serving": p.ready,
                "terminating": p.deleting,
            },
            "targetRef": {"kind": "Pod", "namespace": p.namespace, "name": p.name, "uid": p.uid},
        }
        if p.node:
            ep["nodeName"] = p.node
            node = self.ctx.nodes.get(p.node)
            zone = node.labels.get("topology.kubernetes.io/zone") if node is not None else None
            if zone:
                ep["zone"] = zone
        return ep

    def sync(self, item: Any) -> None:
        ns, name = item
        s = self.store.get(SERVICES.storage_key, ns, name)
        if s is None:
            return
        svc = s.decode()
        spec = svc.get("spec") or {}
        selector = spec.get("selector")
        slices = self._slices(svc)
        if not selector or spec.get("type") == "ExternalName":
            for sl in slices:
                self._delete(sl)
            return
        pods: list[PodView] = []
        # The first pod's container ports resolve named target ports; without one the pod
        # is not read (a whole-pod decode on every sync of every Service).
        named = _targets_named_port(svc)
        first_pod: Obj | None = None
        items = sorted(selector.items())
        for ps in self.store.iter_objects(PODS.storage_key, ns):
            labels = ps.labels
            if any(labels.get(k) != v for k, v in items):
                continue
            v = self.ctx.pods.view(ps)
            if not v.ip or v.phase in ("Succeeded", "Failed"):
                continue
            if named and first_pod is None:
                first_pod = ps.decode()
            pods.append(v)
        pods.sort(key=lambda v: v.name)
        ports = self._ports(svc, first_pod)
        size = max(1, self.settings.max_endpoints_per_slice)
        chunks = [pods[i : i + size] for i in range(0, len(pods), size)] or [[]]
        for i, chunk in enumerate(chunks):
            endpoints = [self._endpoint(p) for p in chunk]
            if i < len(slices):
                self._update(svc, slices[i], endpoints, ports)
            else:
                self._create(svc, endpoints, ports)
        for sl in slices[len(chunks) :]:
            self._delete(sl)

    def _labels(self, svc: Obj) -> dict[str, str]:
        labels = dict(svc["metadata"].get("labels") or {})
        labels[MANAGED_BY] = CONTROLLER
        labels[SERVICE_NAME] = svc["metadata"]["name"]
        return labels

    def _create(self, svc: Obj, endpoints: list[Obj], ports: list[Obj]) -> None:
        meta = svc["metadata"]
        body: Obj = {
            "metadata": {
                "generateName": f"{meta['name']}-",
                "labels": self._labels(svc),
                "annotations": {TRIGGER: rfc3339(self.now())},
                "ownerReferences": [
                    {
                        "apiVersion": "v1",
                        "kind": "Service",
                        "name": meta["name"],
                        "uid": meta["uid"],
                        "controller": True,
                        "blockOwnerDeletion": True,
                    }
                ],
            },
            "addressType": "IPv4",
            "endpoints": endpoints,
            "ports": ports,
        }
        self.registry.create(
            ENDPOINT_SLICES, meta["namespace"], body, WriteContext("kube-controller-manager")
        )

    def _update(self, svc: Obj, sl: Obj, endpoints: list[Obj], ports: list[Obj]) -> None:
        labels = self._labels(svc)
        if (
            sl.get("endpoints") == endpoints
            and sl.get("ports") == ports
            and sl["metadata"].get("labels") == labels
        ):
            return
        new = dict(sl)
        new["endpoints"] = endpoints
        new["ports"] = ports
        new["metadata"] = dict(sl["metadata"])
        new["metadata"]["labels"] = labels
        new["metadata"]["annotations"] = {
            **(sl["metadata"].get("annotations") or {}),
            TRIGGER: rfc3339(self.now()),
        }
        self.registry.update(
            ENDPOINT_SLICES, sl["metadata"]["namespace"], sl["metadata"]["name"], new,
            WriteContext("kube-controller-manager"),
        )  # fmt: skip

    def _delete(self, sl: Obj) -> None:
        with contextlib.suppress(ApiError):
            self.registry.delete(
                ENDPOINT_SLICES, sl["metadata"]["namespace"], sl["metadata"]["name"],
                DeleteOptions(),
            )  # fmt: skip


def _targets_named_port(svc: Obj) -> bool:
    """Whether a Service port targets a container port by name."""
    return any(
        isinstance(p.get("targetPort", p.get("port")), str)
        for p in (svc.get("spec") or {}).get("ports") or []
    )
