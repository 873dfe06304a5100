"""Build a scenario's world into the registry: nodes, namespaces, workloads with their
ReplicaSets and pods, services, storage, jobs, CRDs, Helm releases and events.

Complete objects go in through `Registry.put_prepared` (no admission, owner index kept) with
the cyclic GC off, so `large` (100k pods) builds in seconds. Everything derives from the seed
and the anchor time (`WorldKnobs.epoch`).
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import functools
import gc
import math
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from masthead.sim.controllers.objects import template_hash
from masthead.sim.defaults import apply_defaults
from masthead.sim.registry import Registry
from masthead.sim.resources import ResourceInfo, builtin
from masthead.sim.world import apps as A
from masthead.sim.world import pods as P
from masthead.sim.world.apps import App
from masthead.sim.world.catalogue import APP_SUFFIXES, APP_WORDS, ROOT_CA_PEM, TEAMS
from masthead.sim.world.crds import crd_object, crd_specs, custom_resource
from masthead.sim.world.events import core_event, involved, scheduler_event
from masthead.sim.world.fieldsets import FieldsCache, fill
from masthead.sim.world.ids import Ids, rfc3339
from masthead.sim.world.nodes import (
    NodeSlot,
    Scheduler,
    cpu_m,
    lease_object,
    make_slots,
    mem_mi,
    node_object,
)
from masthead.sim.world.pods import PodFactory, PodState
from masthead.sim.world.scenario import WorldKnobs

SYSTEM_NS = ("default", "kube-system", "kube-public", "kube-node-lease")
Grant = Callable[[str, str], None]


@dataclass
class PodRef:
    name: str
    uid: str
    ip: str
    node: str
    ready: bool


@dataclass
class World:
    """What was built (counts per resource, namespaces, timing)."""

    knobs: WorldKnobs
    epoch: float
    counts: Counter[str] = field(default_factory=Counter)
    namespaces: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, resource: str) -> int:
        return self.counts[resource]


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    # The build allocates millions of long-lived containers; cyclic GC passes over them are
    # pure cost. Afterwards the survivors are frozen so later collections skip them too.
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was:
            gc.enable()


def _meta(ids: Ids, kind: str, ns: str, name: str, created: float, **extra: Any) -> dict[str, Any]:
    m: dict[str, Any] = {"name": name}
    if ns:
        m["namespace"] = ns
    m["uid"] = ids.uid(kind, ns, name)
    m["creationTimestamp"] = rfc3339(created)
    m.update({k: v for k, v in extra.items() if v})
    return m


def _owner(api_version: str, kind: str, name: str, uid: str) -> dict[str, Any]:
    return {
        "apiVersion": api_version,
        "kind": kind,
        "name": name,
        "uid": uid,
        "controller": True,
        "blockOwnerDeletion": True,
    }


def _b64(s: str) -> str:
    return base64.b64encode(s.encode()).decode()


class WorldBuilder:
    def __init__(self, registry: Registry, knobs: WorldKnobs, grant: Grant | None = None) -> None:
        self.registry = registry
        self.knobs = knobs
        self.grant = grant
        self.ids = Ids(knobs.seed)
        self.epoch = float(knobs.epoch if knobs.epoch is not None else int(time.time()) // 60 * 60)
        self.cache = FieldsCache()
        self.pods = PodFactory(self.ids, self.cache, self.epoch)
        self.world = World(knobs, self.epoch)
        self._infos: dict[tuple[str, str], ResourceInfo] = {}
        self.slots: list[NodeSlot] = []
        self.scheduler: Scheduler | None = None
        self._svc_ip = 0
        # Namespaces the demo puts its filler deployments in, and those stuck Terminating.
        self.curated_ns: list[str] = []
        self.terminating: set[str] = set()

    # ------------------------------------------------------------------ plumbing
    def info(self, group: str, resource: str) -> ResourceInfo:
        key = (group, resource)
        found = self._infos.get(key)
        if found is None:
            found = builtin(group, resource)
            self._infos[key] = found
        return found

    def put(self, group: str, resource: str, obj: dict[str, Any]) -> None:
        self.registry.put_prepared(self.info(group, resource), obj)
        self.world.counts[resource] += 1

    def ago(self, seconds: float) -> float:
        return self.epoch - seconds

    def defaulted(self, group: str, resource: str, obj: dict[str, Any]) -> dict[str, Any]:
        return apply_defaults(self.info(group, resource), obj)

    def managed(
        self,
        shape: tuple[str, ...],
        obj: dict[str, Any],
        manager: str,
        at: float,
        *,
        status_manager: str = "",
        status_at: float = 0,
        owner_uid: str = "",
    ) -> list[Any]:
        """managedFields of `obj`: `manager` wrote everything but status, `status_manager` the
        status; computed once per `shape`."""
        body = {k: v for k, v in obj.items() if k != "status"}
        body["metadata"] = {
            k: v
            for k, v in obj["metadata"].items()
            if k in ("labels", "annotations", "ownerReferences", "finalizers", "generateName")
        }
        if owner_uid:
            body["metadata"]["ownerReferences"] = [
                {**o, "uid": "@@OWNER@@"} for o in body["metadata"]["ownerReferences"]
            ]
        api = obj["apiVersion"]
        op = "Apply" if manager == "argocd-controller" else "Update"
        raw = self.cache.entry((*shape, manager), body, manager=manager, api_version=api)
        if op == "Apply":
            raw = raw.replace(b'"operation":"Update"', b'"operation":"Apply"')
        out = [fill(raw, time=rfc3339(at), owner=owner_uid)]
        if status_manager and obj.get("status"):
            before = {**body, "status": {}}
            after = {**body, "status": obj["status"]}
            sraw = self.cache.entry(
                (*shape, "status", status_manager),
                after,
                before=before,
                manager=status_manager,
                api_version=api,
                subresource="status",
            )
            out.append(fill(sraw, time=rfc3339(status_at or at), owner=owner_uid))
        return out

    def event(self, ev: dict[str, Any]) -> None:
        self.put("", "events", ev)

    # ------------------------------------------------------------------ build
    def build(self) -> World:
        start = time.perf_counter()
        with _no_gc():
            self._nodes()
            self._system_namespaces()
            self._control_plane()
            self._storage_classes()
            self._ingress_class()
            self._cluster_daemonsets()
            self._coredns()
            if self.knobs.curated:
                self._demo()
            self._generic()
            self._crds()
        self.world.seconds = time.perf_counter() - start
        return self.world

    # ------------------------------------------------------------------ nodes
    def _nodes(self) -> None:
        k = self.knobs
        lost = 1 if k.curated else max(0, k.nodes // 200)
        self.slots = make_slots(self.ids, max(k.nodes, 2), lost)
        for s in self.slots:
            age = 200 if s.control_plane else 5 + (s.index * 37) % 120
            node = node_object(self.ids, self.cache, s, self.epoch, age)
            self.put("", "nodes", node)
            self.put(
                "coordination.k8s.io",
                "leases",
                lease_object(self.ids, s, self.epoch, node["metadata"]["uid"]),
            )
            if not s.ready:
                nref = involved("Node", "", s.name, node["metadata"]["uid"], "v1")
                self.event(
                    core_event(
                        self.ids,
                        "default",
                        nref,
                        "NodeNotReady",
                        f"Node {s.name} status is now: NodeNotReady",
                        first=self.ago(180),
                        last=self.ago(180),
                        component="node-controller",
                    )
                )
        self.scheduler = Scheduler(self.slots)

    def _place(self, containers: list[dict[str, Any]]) -> NodeSlot | None:
        assert self.scheduler is not None
        cpu = sum(cpu_m(c["resources"]["requests"]["cpu"]) for c in containers)
        mem = sum(mem_mi(c["resources"]["requests"]["memory"]) for c in containers)
        return self.scheduler.place(cpu, mem)

    def _unschedulable_message(self, what: str = "cpu") -> str:
        n = len(self.slots)
        cps = sum(1 for s in self.slots if s.control_plane)
        lost = sum(1 for s in self.slots if not s.ready)
        workers = n - cps - lost
        parts = [f"{cps} node(s) had untolerated taint {{node-role.kubernetes.io/control-plane: }}"]
        if lost:
            parts.append(
                f"{lost} node(s) had untolerated taint {{node.kubernetes.io/unreachable: }}"
            )
        parts.append(f"{workers} Insufficient {what}")
        return (
            f"0/{n} nodes are available: {', '.join(parts)}. preemption: 0/{n} nodes are "
            f"available: {cps + lost} Preemption is not helpful for scheduling, {workers} No "
            "preemption victims found for incoming pod."
        )

    # ------------------------------------------------------------------ namespaces
    def namespace(
        self,
        name: str,
        labels: dict[str, str] | None = None,
        *,
        exists: bool = False,
        content: bool = True,
    ) -> None:
        created = self.ago(86400 * (200 if name in SYSTEM_NS else 30 + len(name)))
        if not exists:
            ns: dict[str, Any] = {
                "kind": "Namespace",
                "apiVersion": "v1",
                "metadata": _meta(
                    self.ids,
                    "Namespace",
                    "",
                    name,
                    created,
                    labels={"kubernetes.io/metadata.name": name, **(labels or {})},
                ),
                "spec": {"finalizers": ["kubernetes"]},
                "status": {"phase": "Active"},
            }
            ns["metadata"]["managedFields"] = self.managed(
                ("ns", ",".join(sorted(ns["metadata"]["labels"]))), ns, "kubectl-create", created
            )
            self.put("", "namespaces", ns)
            self.world.namespaces.append(name)
            if not content:
                return
            sa: dict[str, Any] = {
                "kind": "ServiceAccount",
                "apiVersion": "v1",
                "metadata": _meta(self.ids, "ServiceAccount", name, "default", created + 1),
            }
            self.put("", "serviceaccounts", sa)
        cm: dict[str, Any] = {
            "kind": "ConfigMap",
            "apiVersion": "v1",
            "metadata": _meta(
                self.ids,
                "ConfigMap",
                name,
                "kube-root-ca.crt",
                created + 1,
                annotations={
                    "kubernetes.io/description": "Contains a CA bundle that can be used to "
                    "verify the kube-apiserver when using internal endpoints such as the "
                    "internal service IP or kubernetes.default.svc. No other usage is "
                    "guaranteed across distributions of Kubernetes clusters."
                },
            ),
            "data": {"ca.crt": ROOT_CA_PEM},
        }
        cm["metadata"]["managedFields"] = self.managed(
            ("root-ca",), cm, "kube-controller-manager", created + 1
        )
        self.put("", "configmaps", cm)

    def _system_namespaces(self) -> None:
        for ns in SYSTEM_NS:
            self.namespace(ns, exists=self.registry.namespace_phase(ns) is not None)

    def ensure_namespace(self, name: str, labels: dict[str, str] | None = None) -> None:
        if name in self.world.namespaces or name in SYSTEM_NS:
            return
        exists = self.registry.namespace_phase(name) is not None
        self.namespace(name, labels, exists=exists)
        if exists:
            self.world.namespaces.append(name)

    # ------------------------------------------------------------------ cluster add-ons
    def _control_plane(self) -> None:
        """Static (mirror) pods of the control plane, owned by their Node."""
        comps = (
            ("etcd", "registry.k8s.io/etcd:3.5.16-0", "100m", "100Mi"),
            ("kube-apiserver", "registry.k8s.io/kube-apiserver:v1.31.4", "250m", "512Mi"),
            (
                "kube-controller-manager",
                "registry.k8s.io/kube-controller-manager:v1.31.4",
                "200m",
                "128Mi",
            ),
            ("kube-scheduler", "registry.k8s.io/kube-scheduler:v1.31.4", "100m", "64Mi"),
        )
        for s in self.slots:
            if not s.control_plane:
                continue
            node_uid = self.ids.uid("Node", "", s.name)
            short = s.name.split(".")[0]
            for comp, image, cpu, mem in comps:
                c = {
                    "name": comp,
                    "image": image,
                    "command": [comp],
                    "resources": {"requests": {"cpu": cpu, "memory": mem}},
                }
                template = {
                    "metadata": {"labels": {"component": comp, "tier": "control-plane"}},
                    "spec": self._pod_spec_defaults(
                        {
                            "containers": [c],
                            "hostNetwork": True,
                            "priorityClassName": "system-node-critical",
                            "automountServiceAccountToken": False,
                        }
                    ),
                }
                owner = {
                    "apiVersion": "v1",
                    "kind": "Node",
                    "name": s.name,
                    "uid": node_uid,
                    "controller": True,
                }
                proto = P.make_proto(
                    self.cache, f"static/{comp}", template, owner, "", manager="kubelet"
                )
                name = f"{comp}-{short}"
                pn = P.PodNode(s.name, s.host_ip, s.host_ip)
                pod = self.pods.build(
                    proto, "kube-system", name, self.ago(86400 * 200), pn, PodState()
                )
                pod["metadata"].pop("generateName", None)
                pod["metadata"]["annotations"] = {
                    "kubernetes.io/config.hash": self.ids.hex(32, name),
                    "kubernetes.io/config.mirror": self.ids.hex(32, name),
                    "kubernetes.io/config.seen": rfc3339(self.ago(86400 * 200)) + ".000000000Z",
                    "kubernetes.io/config.source": "file",
                }
                self.put("", "pods", pod)

    def _pod_spec_defaults(self, spec: dict[str, Any]) -> dict[str, Any]:
        tmpl = self.defaulted(
            "",
            "podtemplates",
            {
                "kind": "PodTemplate",
                "apiVersion": "v1",
                "metadata": {"name": "x"},
                "template": {"spec": spec},
            },
        )
        out: dict[str, Any] = tmpl["template"]["spec"]
        return out

    def _storage_classes(self) -> list[str]:
        created = self.ago(86400 * 200)
        for name, default in (("gp3", True), ("standard", False)):
            sc: dict[str, Any] = {
                "kind": "StorageClass",
                "apiVersion": "storage.k8s.io/v1",
                "metadata": _meta(
                    self.ids,
                    "StorageClass",
                    "",
                    name,
                    created,
                    annotations={"storageclass.kubernetes.io/is-default-class": "true"}
                    if default
                    else {},
                ),
                "provisioner": "ebs.csi.aws.com",
                "parameters": {"type": name if name == "gp3" else "gp2", "encrypted": "true"},
                "reclaimPolicy": "Delete",
                "allowVolumeExpansion": True,
                "volumeBindingMode": "WaitForFirstConsumer",
            }
            self.put("storage.k8s.io", "storageclasses", sc)
        return ["gp3", "standard"]

    def _ingress_class(self) -> None:
        ic: dict[str, Any] = {
            "kind": "IngressClass",
            "apiVersion": "networking.k8s.io/v1",
            "metadata": _meta(
                self.ids,
                "IngressClass",
                "",
                "nginx",
                self.ago(86400 * 180),
                labels={
                    "app.kubernetes.io/component": "controller",
                    "app.kubernetes.io/instance": "ingress-nginx",
                    "app.kubernetes.io/name": "ingress-nginx",
                },
                annotations={"ingressclass.kubernetes.io/is-default-class": "true"},
            ),
            "spec": {"controller": "k8s.io/ingress-nginx"},
        }
        self.put("networking.k8s.io", "ingressclasses", ic)

    def _cluster_daemonsets(self) -> None:
        self.ensure_namespace("monitoring", {"team": "sre"})
        tolerate_all = [{"operator": "Exists"}]
        self.daemonset(
            "kube-system",
            "kube-proxy",
            [
                {
                    "name": "kube-proxy",
                    "image": "registry.k8s.io/kube-proxy:v1.31.4",
                    "command": [
                        "kube-proxy",
                        "--config=/var/lib/kube-proxy/config.conf",
                        "--hostname-override=$(NODE_NAME)",
                    ],
                    "env": [
                        {
                            "name": "NODE_NAME",
                            "valueFrom": {
                                "fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}
                            },
                        }
                    ],
                    "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}},
                    "securityContext": {"privileged": True},
                }
            ],
            {"k8s-app": "kube-proxy"},
            {
                "hostNetwork": True,
                "priorityClassName": "system-node-critical",
                "serviceAccountName": "kube-proxy",
                "tolerations": tolerate_all,
                "nodeSelector": {"kubernetes.io/os": "linux"},
            },
        )
        self.daemonset(
            "kube-system",
            "calico-node",
            [
                {
                    "name": "calico-node",
                    "image": "docker.io/calico/node:v3.28.2",
                    "env": [
                        {"name": "DATASTORE_TYPE", "value": "kubernetes"},
                        {"name": "CALICO_NETWORKING_BACKEND", "value": "bird"},
                        {"name": "CLUSTER_TYPE", "value": "k8s,bgp"},
                    ],
                    "resources": {"requests": {"cpu": "250m", "memory": "128Mi"}},
                    "livenessProbe": {
                        "exec": {"command": ["/bin/calico-node", "-felix-live"]},
                        "periodSeconds": 10,
                    },
                    "securityContext": {"privileged": True},
                }
            ],
            {"k8s-app": "calico-node"},
            {
                "hostNetwork": True,
                "priorityClassName": "system-node-critical",
                "serviceAccountName": "calico-node",
                "tolerations": tolerate_all,
                "nodeSelector": {"kubernetes.io/os": "linux"},
            },
        )
        self.daemonset(
            "monitoring",
            "node-exporter",
            [
                {
                    "name": "node-exporter",
                    "image": "quay.io/prometheus/node-exporter:v1.8.2",
                    "args": ["--path.rootfs=/host/root", "--web.listen-address=:9100"],
                    "ports": [{"name": "metrics", "containerPort": 9100, "protocol": "TCP"}],
                    "resources": {
                        "limits": {"cpu": "200m", "memory": "50Mi"},
                        "requests": {"cpu": "10m", "memory": "30Mi"},
                    },
                }
            ],
            {"app.kubernetes.io/name": "node-exporter"},
            {
                "hostNetwork": True,
                "tolerations": tolerate_all,
                "nodeSelector": {"kubernetes.io/os": "linux"},
            },
        )

    def _coredns(self) -> None:
        c = A.container(
            "coredns",
            "registry.k8s.io/coredns/coredns:v1.11.3",
            port=53,
            cpu="100m",
            memory="70Mi",
            probe_path=None,
        )
        c["args"] = ["-conf", "/etc/coredns/Corefile"]
        c["ports"] = [
            {"name": "dns", "containerPort": 53, "protocol": "UDP"},
            {"name": "dns-tcp", "containerPort": 53, "protocol": "TCP"},
            {"name": "metrics", "containerPort": 9153, "protocol": "TCP"},
        ]
        c["env"] = []
        c["resources"] = {
            "limits": {"memory": "170Mi"},
            "requests": {"cpu": "100m", "memory": "70Mi"},
        }
        c["volumeMounts"] = [
            {"name": "config-volume", "readOnly": True, "mountPath": "/etc/coredns"}
        ]
        self.app(
            App(
                "kube-system",
                "coredns",
                [c],
                replicas=2,
                team="platform",
                revisions=1,
                age_days=200,
                port=53,
                pdb=True,
                config=False,
                manager="kubeadm",
                volumes=[
                    {
                        "name": "config-volume",
                        "configMap": {
                            "name": "coredns",
                            "items": [{"key": "Corefile", "path": "Corefile"}],
                        },
                    }
                ],
                pod_extra={
                    "priorityClassName": "system-cluster-critical",
                    "serviceAccountName": "coredns",
                },
            ),
            service_name="kube-dns",
        )

    # ------------------------------------------------------------------ workloads
    def daemonset(
        self,
        ns: str,
        name: str,
        containers: list[dict[str, Any]],
        selector: dict[str, str],
        spec_extra: dict[str, Any],
    ) -> None:
        created = self.ago(86400 * 150)
        account = spec_extra.get("serviceAccountName")
        if account and self.registry.store.get(("", "serviceaccounts"), ns, account) is None:
            # Its pods are forbidden without it (the ServiceAccount admission plugin).
            sa: dict[str, Any] = {
                "kind": "ServiceAccount",
                "apiVersion": "v1",
                "metadata": _meta(self.ids, "ServiceAccount", ns, account, created),
            }
            self.put("", "serviceaccounts", sa)
        labels = {**selector}
        ds = self.defaulted(
            "apps",
            "daemonsets",
            {
                "kind": "DaemonSet",
                "apiVersion": "apps/v1",
                "metadata": _meta(
                    self.ids,
                    "DaemonSet",
                    ns,
                    name,
                    created,
                    labels=labels,
                    annotations={"deprecated.daemonset.template.generation": "1"},
                ),
                "spec": {
                    "selector": {"matchLabels": selector},
                    "template": {
                        "metadata": {"labels": labels},
                        "spec": {"containers": containers, **spec_extra},
                    },
                },
            },
        )
        ds["metadata"]["generation"] = 1
        # The controller's own hash of the template: any other label and the DaemonSet
        # controller rolls every daemon pod of the fresh world (60 at `small`, 6,000 at `large`).
        rev_hash = template_hash(ds["spec"]["template"])
        uid = ds["metadata"]["uid"]
        owner = _owner("apps/v1", "DaemonSet", name, uid)
        template = {
            "metadata": {
                "labels": {
                    **labels,
                    "controller-revision-hash": rev_hash,
                    "pod-template-generation": "1",
                }
            },
            "spec": ds["spec"]["template"]["spec"],
        }
        proto = P.make_proto(self.cache, f"ds/{ns}/{name}", template, owner, f"{name}-")
        nodes = list(self.slots)
        ready = 0
        for s in nodes:
            pname = f"{name}-{self.ids.suffix(5, ns, name, s.name)}"
            state = PodState() if s.ready else PodState(P.NODE_LOST, since=180)
            ready += s.ready
            pod = self.pods.build(
                proto,
                ns,
                pname,
                created + 60 + s.index % 3600,
                P.PodNode(s.name, s.host_ip, s.host_ip),
                state,
                generate_name=f"{name}-",
            )
            pod["spec"]["affinity"] = {
                "nodeAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": {
                        "nodeSelectorTerms": [
                            {
                                "matchFields": [
                                    {"key": "metadata.name", "operator": "In", "values": [s.name]}
                                ]
                            }
                        ]
                    }
                }
            }
            self.put("", "pods", pod)
            if not s.ready:
                self.event(
                    core_event(
                        self.ids,
                        ns,
                        involved("Pod", ns, pname, pod["metadata"]["uid"], "v1"),
                        "NodeNotReady",
                        "Node is not ready",
                        first=self.ago(175),
                        last=self.ago(175),
                        warning=True,
                        component="node-controller",
                    )
                )
        n = len(nodes)
        ds["status"] = {
            "currentNumberScheduled": n,
            "numberMisscheduled": 0,
            "desiredNumberScheduled": n,
            "numberReady": ready,
            "observedGeneration": 1,
            "updatedNumberScheduled": n,
            "numberAvailable": ready,
        }
        if n - ready:
            ds["status"]["numberUnavailable"] = n - ready
        ds["metadata"]["managedFields"] = self.managed(
            ("ds", ns, name),
            ds,
            "kubeadm" if ns == "kube-system" else "helm",
            created,
            status_manager="kube-controller-manager",
            status_at=self.ago(170),
        )
        self.put("apps", "daemonsets", ds)

    def app(self, app: App, *, service_name: str | None = None) -> list[PodRef]:
        """A Deployment (or StatefulSet) with everything around it; returns its pods."""
        ns = app.namespace
        created = self.ago(app.age_days * 86400)
        selector = {"app.kubernetes.io/name": app.name, "app.kubernetes.io/instance": app.name}
        common = {
            **selector,
            "app.kubernetes.io/part-of": app.part_of,
            "app.kubernetes.io/managed-by": "Helm" if app.manager == "helm" else app.manager,
            "team": app.team,
        }
        spec: dict[str, Any] = {"containers": app.containers}
        if app.volumes:
            spec["volumes"] = app.volumes
        if "serviceAccountName" not in app.pod_extra and app.config:
            spec["serviceAccountName"] = app.name
        spec.update(app.pod_extra)
        pod_annotations = {"prometheus.io/scrape": "true"} if app.port else {}
        if app.config:
            pod_annotations["checksum/config"] = A.checksum(ns, app.name, "config")
        template = {"metadata": {"labels": dict(common)}, "spec": spec}
        if pod_annotations:
            template["metadata"]["annotations"] = pod_annotations
        if app.config:
            self._config(app, created)
        if app.kind == "StatefulSet":
            refs = self._statefulset(app, selector, common, template, created)
        else:
            refs = self._deployment(app, selector, common, template, created)
        if app.port:
            self._service(app, service_name or app.name, selector, refs, created)
        if app.ingress_host:
            self._ingress(app, service_name or app.name, created)
        if app.hpa:
            self._hpa(app, created)
        if app.pdb:
            self._pdb(app, selector, refs, created)
        return refs

    def _config(self, app: App, created: float) -> None:
        ns, name = app.namespace, app.name
        cm: dict[str, Any] = {
            "kind": "ConfigMap",
            "apiVersion": "v1",
            "metadata": _meta(
                self.ids,
                "ConfigMap",
                ns,
                f"{name}-config",
                created,
                labels={"app.kubernetes.io/name": name},
            ),
            "data": {
                "LOG_LEVEL": "info",
                "HTTP_PORT": str(app.port or 8080),
                "application.yaml": (
                    f"server:\n  port: {app.port or 8080}\n  shutdown: graceful\n"
                    f"service:\n  name: {name}\n  team: {app.team}\n"
                    "database:\n  pool:\n    max: 20\n    idleTimeout: 30s\n"
                    "features:\n  newCheckout: true\n  auditLog: false\n"
                ),
            },
        }
        cm["metadata"]["managedFields"] = self.managed(("cm-app",), cm, app.manager, created)
        self.put("", "configmaps", cm)
        secret: dict[str, Any] = {
            "kind": "Secret",
            "apiVersion": "v1",
            "metadata": _meta(
                self.ids,
                "Secret",
                ns,
                f"{name}-credentials",
                created,
                labels={"app.kubernetes.io/name": name},
            ),
            "data": {
                "DATABASE_URL": _b64(
                    f"postgres://{name}:{self.ids.hex(24, ns, name)}@postgres.data:5432/{name}"
                ),
                "API_KEY": _b64(self.ids.hex(40, ns, name, "key")),
            },
            "type": "Opaque",
        }
        secret["metadata"]["managedFields"] = self.managed(
            ("secret-app",), secret, app.manager, created
        )
        self.put("", "secrets", secret)
        sa: dict[str, Any] = {
            "kind": "ServiceAccount",
            "apiVersion": "v1",
            "metadata": _meta(
                self.ids,
                "ServiceAccount",
                ns,
                name,
                created,
                labels={"app.kubernetes.io/name": name},
            ),
        }
        self.put("", "serviceaccounts", sa)

    def _pod_state(self, app: App, i: int, rng_key: str) -> PodState:
        f = app.failure
        h = int(self.ids.hex(6, app.namespace, app.name, rng_key), 16)
        if f == A.CRASH_LOOP:
            return PodState(
                P.CRASH_LOOP, restarts=12 + h % 60, last=("Error", 1), since=40 + h % 250
            )
        if f == A.OOM_RESTARTS and i == 0:
            return PodState(
                P.RUNNING, restarts=3 + h % 4, last=("OOMKilled", 137), since=600 + h % 3000
            )
        if f == A.OOM_NOW and i == 0:
            return PodState(P.OOM_KILLED, restarts=5 + h % 5, last=("OOMKilled", 137), since=4)
        restarts = 0 if h % 5 else h % 3
        return PodState(
            P.RUNNING,
            restarts=restarts,
            last=("Error", 2) if restarts else None,
            since=0 if not restarts else 3600 * (1 + h % 48),
        )

    def _deployment(
        self,
        app: App,
        selector: dict[str, str],
        common: dict[str, str],
        template: dict[str, Any],
        created: float,
    ) -> list[PodRef]:
        ns, name = app.namespace, app.name
        rev = max(app.revisions, 2 if app.failure == A.IMAGE_PULL else 1)
        annotations = {"deployment.kubernetes.io/revision": str(rev), **app.annotations}
        dep = self.defaulted(
            "apps",
            "deployments",
            {
                "kind": "Deployment",
                "apiVersion": "apps/v1",
                "metadata": _meta(
                    self.ids,
                    "Deployment",
                    ns,
                    name,
                    created,
                    labels=common,
                    annotations=annotations,
                ),
                "spec": {
                    "replicas": app.replicas,
                    "selector": {"matchLabels": selector},
                    "template": template,
                },
            },
        )
        dep["metadata"]["generation"] = rev
        stuck = app.failure == A.IMAGE_PULL
        tspec = dep["spec"]["template"]["spec"]
        # A stuck rollout: the newest revision (and so the Deployment) asks for a bad tag.
        bad_containers = _with_bad_tag(tspec["containers"]) if stuck else None
        if bad_containers is not None:
            dep["spec"]["template"] = {
                **dep["spec"]["template"],
                "spec": {**tspec, "containers": bad_containers},
            }
        uid = dep["metadata"]["uid"]
        owner = _owner("apps/v1", "Deployment", name, uid)
        refs: list[PodRef] = []
        rs_created = created
        span = max(self.epoch - created - 3600, 60)
        total_ready = total_avail = total = updated = 0
        for r in range(1, rev + 1):
            current = r == rev
            rs_created = created if r == 1 else created + span * (r - 1) / rev
            if stuck and current:
                rs_created = self.ago(1500)
            containers = tspec["containers"]
            if bad_containers is not None and current:
                containers = bad_containers
            elif not current and not (stuck and r == rev - 1):
                # Each past revision had its own template (an older image): the deployment
                # controller finds its current ReplicaSet by template, and copies of the
                # current one made it "roll back" to the oldest, surging pods that never went.
                containers = _with_old_tag(containers, rev - r)
            phash = self.ids.suffix(10, ns, name, str(r))
            rs_name = f"{name}-{phash}"
            labels = {**template["metadata"]["labels"], "pod-template-hash": phash}
            rs_template = {
                "metadata": {**template["metadata"], "labels": labels},
                "spec": {**tspec, "containers": containers},
            }
            live = current or (stuck and r == rev - 1)
            if stuck and current:
                replicas = math.ceil(app.replicas * 0.25)
            else:
                replicas = app.replicas if live else 0
            rs_uid = self.ids.uid("ReplicaSet", ns, rs_name)
            rs_owner = _owner("apps/v1", "ReplicaSet", rs_name, rs_uid)
            proto = P.make_proto(
                self.cache,
                f"{app.shape}/{'bad' if stuck and current else 'ok'}",
                rs_template,
                rs_owner,
                f"{rs_name}-",
            )
            ready = avail = 0
            if live:
                for i in range(replicas):
                    pname = f"{rs_name}-{self.ids.suffix(5, ns, rs_name, str(i))}"
                    pcreated = max(rs_created + 2, self.ago(3600 * (1 + (i * 7) % 300)))
                    if app.failure == A.PENDING:
                        state = PodState(P.UNSCHEDULABLE, message=self._unschedulable_message())
                        slot = None
                    else:
                        slot = self._place(containers)
                        if stuck and current:
                            state = PodState(P.IMAGE_PULL, since=1480)
                            pcreated = self.ago(1490)
                        else:
                            state = self._pod_state(app, i, pname)
                            # A restart cannot predate the pod.
                            age = self.epoch - pcreated
                            if state.since > age - 60:
                                state = dataclasses.replace(state, since=max(age / 2, 30))
                        if slot is None:
                            state = PodState(P.UNSCHEDULABLE, message=self._unschedulable_message())
                    pn = slot.pod_node() if slot is not None else None
                    pod = self.pods.build(
                        proto, ns, pname, pcreated, pn, state, generate_name=f"{rs_name}-"
                    )
                    self.put("", "pods", pod)
                    ok = state.kind == P.RUNNING
                    ready += ok
                    avail += ok
                    refs.append(
                        PodRef(
                            pname,
                            pod["metadata"]["uid"],
                            pn.pod_ip if pn else "",
                            pn.name if pn else "",
                            ok,
                        )
                    )
                    self._pod_events(ns, pname, pod, pcreated, state, slot, containers)
            total += replicas
            total_ready += ready
            total_avail += avail
            if current:
                updated = replicas
            rs: dict[str, Any] = {
                "kind": "ReplicaSet",
                "apiVersion": "apps/v1",
                "metadata": _meta(
                    self.ids,
                    "ReplicaSet",
                    ns,
                    rs_name,
                    rs_created,
                    labels=labels,
                    annotations={
                        "deployment.kubernetes.io/desired-replicas": str(app.replicas),
                        "deployment.kubernetes.io/max-replicas": str(
                            app.replicas + math.ceil(app.replicas * 0.25)
                        ),
                        "deployment.kubernetes.io/revision": str(r),
                    },
                    ownerReferences=[owner],
                ),
                "spec": {
                    "replicas": replicas,
                    "selector": {"matchLabels": {**selector, "pod-template-hash": phash}},
                    "template": rs_template,
                },
                "status": {
                    "replicas": replicas,
                    "fullyLabeledReplicas": replicas,
                    "readyReplicas": ready,
                    "availableReplicas": avail,
                    "observedGeneration": 1 if replicas else 2,
                },
            }
            st: dict[str, Any] = rs["status"]
            for k in ("fullyLabeledReplicas", "readyReplicas", "availableReplicas"):
                if not st[k]:
                    del st[k]
            rs["metadata"]["generation"] = 1 if (current or live) else 2
            rs["metadata"]["managedFields"] = self.managed(
                ("rs", app.shape),
                rs,
                "kube-controller-manager",
                rs_created,
                status_manager="kube-controller-manager",
                status_at=self.ago(300),
                owner_uid=uid,
            )
            self.put("apps", "replicasets", rs)
            if r == rev and (rs_created > self.ago(3600)):
                self.event(
                    core_event(
                        self.ids,
                        ns,
                        involved("Deployment", ns, name, uid, "apps/v1"),
                        "ScalingReplicaSet",
                        f"Scaled up replica set {rs_name} from 0 to {replicas}",
                        first=rs_created,
                        last=rs_created,
                        component="deployment-controller",
                    )
                )
        max_unavail = app.replicas // 4
        available = total_avail >= app.replicas - max_unavail and app.replicas > 0
        t_avail = rfc3339(self.ago(200) if not available else created + 30)
        conds = [
            {
                "type": "Available",
                "status": "True" if available else "False",
                "lastUpdateTime": t_avail,
                "lastTransitionTime": t_avail,
                "reason": "MinimumReplicasAvailable" if available else "MinimumReplicasUnavailable",
                "message": "Deployment has minimum availability."
                if available
                else "Deployment does not have minimum availability.",
            },
        ]
        cur_rs = f"{name}-{self.ids.suffix(10, ns, name, str(rev))}"
        if stuck:
            conds.append(
                {
                    "type": "Progressing",
                    "status": "False",
                    "lastUpdateTime": rfc3339(self.ago(900)),
                    "lastTransitionTime": rfc3339(self.ago(900)),
                    "reason": "ProgressDeadlineExceeded",
                    "message": f'ReplicaSet "{cur_rs}" has timed out progressing.',
                }
            )
        else:
            conds.append(
                {
                    "type": "Progressing",
                    "status": "True",
                    "lastUpdateTime": rfc3339(created + 30),
                    "lastTransitionTime": rfc3339(created),
                    "reason": "NewReplicaSetAvailable",
                    "message": f'ReplicaSet "{cur_rs}" has successfully progressed.',
                }
            )
        status: dict[str, Any] = {
            "observedGeneration": rev,
            "replicas": total,
            "updatedReplicas": updated,
            "readyReplicas": total_ready,
            "availableReplicas": total_avail,
        }
        if total - total_avail:
            status["unavailableReplicas"] = total - total_avail
        for k in ("readyReplicas", "availableReplicas", "updatedReplicas", "replicas"):
            if not status[k]:
                del status[k]
        status["conditions"] = conds
        dep["status"] = status
        if bad_containers is not None:
            # The Deployment's template is the newest ReplicaSet's, so the controllers keep
            # the rollout stuck instead of healing it back to the old image.
            dep["spec"]["template"] = {
                **dep["spec"]["template"],
                "spec": {**tspec, "containers": bad_containers},
            }
        dep["metadata"]["managedFields"] = self.managed(
            ("deploy", app.shape),
            dep,
            app.manager,
            created,
            status_manager="kube-controller-manager",
            status_at=self.ago(200),
        )
        self.put("apps", "deployments", dep)
        return refs

    def _statefulset(
        self,
        app: App,
        selector: dict[str, str],
        common: dict[str, str],
        template: dict[str, Any],
        created: float,
    ) -> list[PodRef]:
        ns, name = app.namespace, app.name
        claim = "data"
        spec: dict[str, Any] = {
            "replicas": app.replicas,
            "selector": {"matchLabels": selector},
            "template": template,
            "serviceName": name,
        }
        if app.storage:
            spec["volumeClaimTemplates"] = [
                {
                    "apiVersion": "v1",
                    "kind": "PersistentVolumeClaim",
                    "metadata": {"name": claim},
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "storageClassName": "gp3",
                        "resources": {"requests": {"storage": app.storage}},
                        "volumeMode": "Filesystem",
                    },
                    "status": {"phase": "Pending"},
                }
            ]
            for c in template["spec"]["containers"][:1]:
                c.setdefault("volumeMounts", []).append({"name": claim, "mountPath": "/data"})
        sts = self.defaulted(
            "apps",
            "statefulsets",
            {
                "kind": "StatefulSet",
                "apiVersion": "apps/v1",
                "metadata": _meta(self.ids, "StatefulSet", ns, name, created, labels=common),
                "spec": spec,
            },
        )
        sts["metadata"]["generation"] = 1
        uid = sts["metadata"]["uid"]
        owner = _owner("apps/v1", "StatefulSet", name, uid)
        rev_hash = f"{name}-{template_hash(sts['spec']['template'])}"  # as the DaemonSet's
        tspec = dict(sts["spec"]["template"]["spec"])
        if app.storage:
            tspec["volumes"] = [
                *tspec.get("volumes", []),
                {"name": claim, "persistentVolumeClaim": {"claimName": "@@CLAIM@@"}},
            ]
        refs: list[PodRef] = []
        ready = 0
        for i in range(app.replicas):
            pname = f"{name}-{i}"
            labels = {
                **template["metadata"]["labels"],
                "apps.kubernetes.io/pod-index": str(i),
                "controller-revision-hash": rev_hash,
                "statefulset.kubernetes.io/pod-name": pname,
            }
            proto = P.make_proto(
                self.cache,
                f"sts/{app.shape}",
                {"metadata": {**template["metadata"], "labels": labels}, "spec": tspec},
                owner,
                f"{name}-",
            )
            slot = self._place(tspec["containers"])
            pn = slot.pod_node() if slot else None
            pcreated = created + 30 * (i + 1)
            state = (
                self._pod_state(app, i, pname)
                if slot
                else PodState(P.UNSCHEDULABLE, message=self._unschedulable_message())
            )
            pvc_name = f"{claim}-{pname}"
            pod = self.pods.build(
                proto,
                ns,
                pname,
                pcreated,
                pn,
                state,
                generate_name=f"{name}-",
                fill_values={"claim": pvc_name},
            )
            pod["spec"]["hostname"] = pname
            pod["spec"]["subdomain"] = name
            self.put("", "pods", pod)
            ok = state.kind == P.RUNNING
            ready += ok
            refs.append(
                PodRef(
                    pname,
                    pod["metadata"]["uid"],
                    pn.pod_ip if pn else "",
                    pn.name if pn else "",
                    ok,
                )
            )
            if app.storage:
                self.volume(
                    ns, pvc_name, app.storage, pcreated, labels=selector, node=pn.name if pn else ""
                )
        sts["status"] = {
            "observedGeneration": 1,
            "replicas": app.replicas,
            "readyReplicas": ready,
            "currentReplicas": app.replicas,
            "updatedReplicas": app.replicas,
            "currentRevision": rev_hash,
            "updateRevision": rev_hash,
            "collisionCount": 0,
            "availableReplicas": ready,
        }
        sts["metadata"]["managedFields"] = self.managed(
            ("sts", app.shape),
            sts,
            app.manager,
            created,
            status_manager="kube-controller-manager",
            status_at=self.ago(600),
        )
        self.put("apps", "statefulsets", sts)
        return refs

    def volume(
        self,
        ns: str,
        name: str,
        size: str,
        created: float,
        *,
        labels: dict[str, str] | None = None,
        node: str = "",
        storage_class: str = "gp3",
        bound: bool = True,
    ) -> None:
        pvc_uid = self.ids.uid("PersistentVolumeClaim", ns, name)
        pv_name = f"pvc-{pvc_uid}"
        annotations: dict[str, str] = {}
        if bound:
            annotations = {
                "pv.kubernetes.io/bind-completed": "yes",
                "pv.kubernetes.io/bound-by-controller": "yes",
                "volume.beta.kubernetes.io/storage-provisioner": "ebs.csi.aws.com",
                "volume.kubernetes.io/selected-node": node,
                "volume.kubernetes.io/storage-provisioner": "ebs.csi.aws.com",
            }
        pvc: dict[str, Any] = {
            "kind": "PersistentVolumeClaim",
            "apiVersion": "v1",
            "metadata": _meta(
                self.ids,
                "PersistentVolumeClaim",
                ns,
                name,
                created,
                labels=labels or {},
                annotations={k: v for k, v in annotations.items() if v},
                finalizers=["kubernetes.io/pvc-protection"],
            ),
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": size}},
                **({"volumeName": pv_name} if bound else {}),
                "storageClassName": storage_class,
                "volumeMode": "Filesystem",
            },
            "status": {
                "phase": "Bound",
                "accessModes": ["ReadWriteOnce"],
                "capacity": {"storage": size},
            }
            if bound
            else {"phase": "Pending"},
        }
        pvc["metadata"]["managedFields"] = self.managed(
            ("pvc", "bound" if bound else "pending"),
            pvc,
            "kube-controller-manager",
            created,
            status_manager="kube-controller-manager",
            status_at=created + 5,
        )
        self.put("", "persistentvolumeclaims", pvc)
        if not bound:
            return
        zone = "eu-west-1a"
        pv: dict[str, Any] = {
            "kind": "PersistentVolume",
            "apiVersion": "v1",
            "metadata": _meta(
                self.ids,
                "PersistentVolume",
                "",
                pv_name,
                created + 3,
                annotations={
                    "pv.kubernetes.io/provisioned-by": "ebs.csi.aws.com",
                    "volume.kubernetes.io/provisioner-deletion-secret-name": "",
                    "volume.kubernetes.io/provisioner-deletion-secret-namespace": "",
                },
                finalizers=[
                    "external-provisioner.volume.kubernetes.io/finalizer",
                    "kubernetes.io/pv-protection",
                ],
            ),
            "spec": {
                "capacity": {"storage": size},
                "csi": {
                    "driver": "ebs.csi.aws.com",
                    "fsType": "ext4",
                    "volumeHandle": f"vol-0{self.ids.hex(16, pv_name)}",
                    "volumeAttributes": {
                        "storage.kubernetes.io/csiProvisionerIdentity": (
                            "1718000000000-8081-ebs.csi.aws.com"
                        )
                    },
                },
                "accessModes": ["ReadWriteOnce"],
                "claimRef": {
                    "kind": "PersistentVolumeClaim",
                    "namespace": ns,
                    "name": name,
                    "uid": pvc_uid,
                    "apiVersion": "v1",
                    "resourceVersion": "1",
                },
                "persistentVolumeReclaimPolicy": "Delete",
                "storageClassName": storage_class,
                "volumeMode": "Filesystem",
                "nodeAffinity": {
                    "required": {
                        "nodeSelectorTerms": [
                            {
                                "matchExpressions": [
                                    {
                                        "key": "topology.kubernetes.io/zone",
                                        "operator": "In",
                                        "values": [zone],
                                    }
                                ]
                            }
                        ]
                    }
                },
            },
            "status": {"phase": "Bound", "lastPhaseTransitionTime": rfc3339(created + 4)},
        }
        self.put("", "persistentvolumes", pv)

    def _service(
        self, app: App, name: str, selector: dict[str, str], refs: list[PodRef], created: float
    ) -> None:
        ns = app.namespace
        self._svc_ip += 1
        n = self._svc_ip
        ip = f"10.{100 + (n >> 16)}.{(n >> 8) & 255}.{n & 255 or 1}"
        port = app.port or 80
        ports = [
            {
                "name": "http",
                "protocol": "TCP",
                "port": 80 if port != 53 else 53,
                "targetPort": "http" if port != 53 else 53,
            }
        ]
        if port == 53:
            ports = [
                {"name": "dns", "protocol": "UDP", "port": 53, "targetPort": 53},
                {"name": "dns-tcp", "protocol": "TCP", "port": 53, "targetPort": 53},
            ]
        spec: dict[str, Any] = {"ports": ports, "selector": selector}
        if app.kind == "StatefulSet":
            spec.update(clusterIP="None", clusterIPs=["None"])
        else:
            spec.update(clusterIP=ip, clusterIPs=[ip])
        spec.update(
            type="ClusterIP",
            sessionAffinity="None",
            ipFamilies=["IPv4"],
            ipFamilyPolicy="SingleStack",
            internalTrafficPolicy="Cluster",
        )
        svc: dict[str, Any] = {
            "kind": "Service",
            "apiVersion": "v1",
            "metadata": _meta(
                self.ids,
                "Service",
                ns,
                name,
                created,
                labels={"app.kubernetes.io/name": app.name, "team": app.team},
            ),
            "spec": spec,
            "status": {"loadBalancer": {}},
        }
        svc["metadata"]["managedFields"] = self.managed(
            ("svc", app.shape, str(app.port == 53)), svc, app.manager, created
        )
        self.put("", "services", svc)
        svc_uid = svc["metadata"]["uid"]
        eps_name = f"{name}-{self.ids.suffix(5, ns, name, 'eps')}"
        endpoints = [
            {
                "addresses": [r.ip],
                "conditions": {"ready": r.ready, "serving": r.ready, "terminating": False},
                "targetRef": {"kind": "Pod", "namespace": ns, "name": r.name, "uid": r.uid},
                "nodeName": r.node,
                "zone": "eu-west-1" + "abc"[len(r.node) % 3],
            }
            for r in refs
            if r.ip
        ]
        eps: dict[str, Any] = {
            "kind": "EndpointSlice",
            "apiVersion": "discovery.k8s.io/v1",
            "metadata": _meta(
                self.ids,
                "EndpointSlice",
                ns,
                eps_name,
                created + 1,
                generateName=f"{name}-",
                labels={
                    "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
                    "kubernetes.io/service-name": name,
                    "app.kubernetes.io/name": app.name,
                },
                annotations={
                    "endpoints.kubernetes.io/last-change-trigger-time": rfc3339(self.ago(300))
                },
                ownerReferences=[_owner("v1", "Service", name, svc_uid)],
            ),
            "addressType": "IPv4",
            "endpoints": endpoints,
            "ports": [
                {
                    "name": p["name"],
                    "protocol": p["protocol"],
                    "port": app.port if p["name"] == "http" else p["port"],
                }
                for p in ports
            ],
        }
        if not endpoints:
            eps["endpoints"] = None
        self.put("discovery.k8s.io", "endpointslices", eps)

    def _ingress(self, app: App, service: str, created: float) -> None:
        ns, host = app.namespace, app.ingress_host or ""
        ing: dict[str, Any] = {
            "kind": "Ingress",
            "apiVersion": "networking.k8s.io/v1",
            "metadata": _meta(
                self.ids,
                "Ingress",
                ns,
                app.name,
                created,
                generation=1,
                labels={"app.kubernetes.io/name": app.name},
                annotations={
                    "cert-manager.io/cluster-issuer": "letsencrypt-prod",
                    "nginx.ingress.kubernetes.io/proxy-body-size": "8m",
                },
            ),
            "spec": {
                "ingressClassName": "nginx",
                "tls": [{"hosts": [host], "secretName": f"{app.name}-tls"}],
                "rules": [
                    {
                        "host": host,
                        "http": {
                            "paths": [
                                {
                                    "path": "/",
                                    "pathType": "Prefix",
                                    "backend": {
                                        "service": {"name": service, "port": {"name": "http"}}
                                    },
                                }
                            ]
                        },
                    }
                ],
            },
            "status": {
                "loadBalancer": {
                    "ingress": [
                        {"hostname": "a3f1c2d4e5b6c7d8-1234567890.eu-west-1.elb.amazonaws.com"}
                    ]
                }
            },
        }
        ing["metadata"]["managedFields"] = self.managed(
            ("ing", app.shape),
            ing,
            app.manager,
            created,
            status_manager="nginx-ingress-controller",
            status_at=created + 40,
        )
        self.put("networking.k8s.io", "ingresses", ing)

    def _hpa(self, app: App, created: float) -> None:
        assert app.hpa is not None
        lo, hi = app.hpa
        util = 35 + int(self.ids.hex(2, app.namespace, app.name, "hpa"), 16) % 40
        hpa: dict[str, Any] = {
            "kind": "HorizontalPodAutoscaler",
            "apiVersion": "autoscaling/v2",
            "metadata": _meta(
                self.ids,
                "HorizontalPodAutoscaler",
                app.namespace,
                app.name,
                created,
                labels={"app.kubernetes.io/name": app.name},
            ),
            "spec": {
                "scaleTargetRef": {"kind": "Deployment", "name": app.name, "apiVersion": "apps/v1"},
                "minReplicas": lo,
                "maxReplicas": hi,
                "metrics": [
                    {
                        "type": "Resource",
                        "resource": {
                            "name": "cpu",
                            "target": {"type": "Utilization", "averageUtilization": 70},
                        },
                    }
                ],
                "behavior": {
                    "scaleUp": {
                        "stabilizationWindowSeconds": 0,
                        "selectPolicy": "Max",
                        "policies": [
                            {"type": "Pods", "value": 4, "periodSeconds": 15},
                            {"type": "Percent", "value": 100, "periodSeconds": 15},
                        ],
                    },
                    "scaleDown": {
                        "selectPolicy": "Max",
                        "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}],
                    },
                },
            },
            "status": {
                "lastScaleTime": rfc3339(self.ago(5400)),
                "currentReplicas": app.replicas,
                "desiredReplicas": app.replicas,
                "currentMetrics": [
                    {
                        "type": "Resource",
                        "resource": {
                            "name": "cpu",
                            "current": {"averageValue": f"{util * 2}m", "averageUtilization": util},
                        },
                    }
                ],
                "conditions": [
                    {
                        "type": "AbleToScale",
                        "status": "True",
                        "lastTransitionTime": rfc3339(created + 60),
                        "reason": "ReadyForNewScale",
                        "message": "recommended size matches current size",
                    },
                    {
                        "type": "ScalingActive",
                        "status": "True",
                        "lastTransitionTime": rfc3339(created + 60),
                        "reason": "ValidMetricFound",
                        "message": "the HPA was able to successfully calculate a replica count "
                        "from cpu resource utilization (percentage of request)",
                    },
                    {
                        "type": "ScalingLimited",
                        "status": "False",
                        "lastTransitionTime": rfc3339(created + 60),
                        "reason": "DesiredWithinRange",
                        "message": "the desired count is within the acceptable range",
                    },
                ],
            },
        }
        hpa["metadata"]["generation"] = 1
        hpa["metadata"]["managedFields"] = self.managed(
            ("hpa",),
            hpa,
            app.manager,
            created,
            status_manager="kube-controller-manager",
            status_at=self.ago(15),
        )
        self.put("autoscaling", "horizontalpodautoscalers", hpa)

    def _pdb(self, app: App, selector: dict[str, str], refs: list[PodRef], created: float) -> None:
        healthy = sum(r.ready for r in refs)
        desired = max(app.replicas - 1, 0)
        allowed = max(healthy - desired, 0)
        pdb: dict[str, Any] = {
            "kind": "PodDisruptionBudget",
            "apiVersion": "policy/v1",
            "metadata": _meta(
                self.ids,
                "PodDisruptionBudget",
                app.namespace,
                app.name,
                created,
                generation=1,
                labels={"app.kubernetes.io/name": app.name},
            ),
            "spec": {"maxUnavailable": 1, "selector": {"matchLabels": selector}},
            "status": {
                "observedGeneration": 1,
                "disruptionsAllowed": allowed,
                "currentHealthy": healthy,
                "desiredHealthy": desired,
                "expectedPods": app.replicas,
                "conditions": [
                    {
                        "type": "DisruptionAllowed",
                        "status": "True" if allowed else "False",
                        "observedGeneration": 1,
                        "lastTransitionTime": rfc3339(created + 60),
                        "reason": "SufficientPods" if allowed else "InsufficientPods",
                        "message": "",
                    }
                ],
            },
        }
        pdb["metadata"]["managedFields"] = self.managed(
            ("pdb",),
            pdb,
            app.manager,
            created,
            status_manager="kube-controller-manager",
            status_at=created + 60,
        )
        self.put("policy", "poddisruptionbudgets", pdb)

    # ------------------------------------------------------------------ events
    def _pod_events(
        self,
        ns: str,
        name: str,
        pod: dict[str, Any],
        created: float,
        st: PodState,
        slot: NodeSlot | None,
        containers: list[dict[str, Any]],
    ) -> None:
        recent = created > self.ago(3600)
        failing = st.kind in (P.CRASH_LOOP, P.IMAGE_PULL, P.UNSCHEDULABLE, P.OOM_KILLED)
        oom = st.last is not None and st.last[0] == "OOMKilled" and st.since < 3600
        if not (recent or failing or oom):
            return
        uid = pod["metadata"]["uid"]
        ref = involved("Pod", ns, name, uid, "v1")
        main = containers[0]
        cref = involved("Pod", ns, name, uid, "v1", f"spec.containers{{{main['name']}}}")
        host = slot.name if slot else ""
        ids = self.ids
        if st.kind == P.UNSCHEDULABLE:
            self.event(
                scheduler_event(
                    ids,
                    ns,
                    ref,
                    "FailedScheduling",
                    st.message,
                    first=created,
                    last=self.ago(40),
                    count=max(2, int((self.epoch - created) // 300)),
                )
            )
            return
        self.event(
            scheduler_event(
                ids,
                ns,
                ref,
                "Scheduled",
                f"Successfully assigned {ns}/{name} to {host}",
                first=created + 1,
                last=created + 1,
                warning=False,
            )
        )
        if st.kind == P.IMAGE_PULL:
            img = _bad_tag(main["image"])
            n = max(2, int((self.epoch - created) // 300))
            for reason, msg, warn, count in (
                ("Pulling", f'Pulling image "{img}"', False, n),
                (
                    "Failed",
                    f'Failed to pull image "{img}": rpc error: code = NotFound desc = failed '
                    f'to pull and unpack image "{img}": failed to resolve reference "{img}": '
                    f"{img}: not found",
                    True,
                    n,
                ),
                ("Failed", "Error: ErrImagePull", True, n),
                ("BackOff", f'Back-off pulling image "{img}"', False, n * 20),
                ("Failed", "Error: ImagePullBackOff", True, n * 20),
            ):
                self.event(
                    core_event(
                        ids,
                        ns,
                        cref,
                        reason,
                        msg,
                        first=created + 2,
                        last=self.ago(20),
                        count=count,
                        warning=warn,
                        host=host,
                    )
                )
            return
        image = main["image"]
        restarts = st.restarts
        last = self.ago(st.since) if st.since else created + 3
        for reason, msg in (
            ("Pulled", f'Container image "{image}" already present on machine'),
            ("Created", f"Created container {main['name']}"),
            ("Started", f"Started container {main['name']}"),
        ):
            self.event(
                core_event(
                    ids,
                    ns,
                    cref,
                    reason,
                    msg,
                    first=created + 2,
                    last=last,
                    count=1 + restarts,
                    host=host,
                )
            )
        if st.kind in (P.CRASH_LOOP, P.OOM_KILLED):
            self.event(
                core_event(
                    ids,
                    ns,
                    cref,
                    "BackOff",
                    f"Back-off restarting failed container {main['name']} in pod "
                    f"{name}_{ns}({uid})",
                    first=created + 120,
                    last=self.ago(st.since if st.kind == P.OOM_KILLED else 30),
                    count=restarts * 6,
                    warning=True,
                    host=host,
                )
            )
        if oom or st.kind == P.OOM_KILLED:
            self.event(
                core_event(
                    ids,
                    "default",
                    involved("Node", "", host, ids.uid("Node", "", host), "v1"),
                    "OOMKilling",
                    f"Memory cgroup out of memory: Killed process {4000 + restarts} "
                    f"({main['name']}) total-vm:2048000kB, anon-rss:"
                    f"{mem_mi(main['resources']['limits']['memory']) * 1024}kB, file-rss:0kB, "
                    f"shmem-rss:0kB, UID:10001 pgtables:1200kB oom_score_adj:984",
                    first=last,
                    last=last,
                    warning=True,
                    component="kernel-monitor",
                    host=host,
                )
            )

    # ------------------------------------------------------------------ jobs
    def cronjob(
        self,
        ns: str,
        name: str,
        schedule: str,
        image: str,
        outcomes: list[str],
        *,
        every: int,
        memory: str = "256Mi",
    ) -> None:
        """A CronJob with one Job (and pod) per outcome ("ok", "error", "oom"), newest last."""
        created = self.ago(86400 * 90)
        c = A.container(
            "job",
            image,
            port=None,
            cpu="250m",
            memory=memory,
            limit_factor=1,
            probe_path=None,
            command=("/app/run", name),
        )
        job_template = {
            "metadata": {"labels": {"app.kubernetes.io/name": name}},
            "spec": {
                "backoffLimit": 0,
                "ttlSecondsAfterFinished": 86400,
                "template": {
                    "metadata": {"labels": {"app.kubernetes.io/name": name}},
                    "spec": {"containers": [c], "restartPolicy": "Never"},
                },
            },
        }
        cj = self.defaulted(
            "batch",
            "cronjobs",
            {
                "kind": "CronJob",
                "apiVersion": "batch/v1",
                "metadata": _meta(
                    self.ids, "CronJob", ns, name, created, labels={"app.kubernetes.io/name": name}
                ),
                "spec": {
                    "schedule": schedule,
                    "concurrencyPolicy": "Forbid",
                    "successfulJobsHistoryLimit": 3,
                    "failedJobsHistoryLimit": 1,
                    "jobTemplate": job_template,
                },
            },
        )
        cj["metadata"]["generation"] = 1
        uid = cj["metadata"]["uid"]
        owner = _owner("batch/v1", "CronJob", name, uid)
        last_schedule = (int(self.epoch) // every) * every
        active: list[dict[str, Any]] = []
        last_success = 0.0
        for k, outcome in enumerate(outcomes):
            t = last_schedule - every * (len(outcomes) - 1 - k)
            job_name = f"{name}-{t // 60}"
            self.job(ns, job_name, cj["spec"]["jobTemplate"], owner, t, outcome)
            if outcome == "ok":
                last_success = t + 95
        cj["status"] = {"lastScheduleTime": rfc3339(last_schedule)}
        if last_success:
            cj["status"]["lastSuccessfulTime"] = rfc3339(last_success)
        if active:
            cj["status"]["active"] = active
        cj["metadata"]["managedFields"] = self.managed(
            ("cronjob",),
            cj,
            "helm",
            created,
            status_manager="kube-controller-manager",
            status_at=last_schedule,
        )
        self.put("batch", "cronjobs", cj)
        cref = involved("CronJob", ns, name, uid, "batch/v1")
        self.event(
            core_event(
                self.ids,
                ns,
                cref,
                "SuccessfulCreate",
                f"Created job {name}-{last_schedule // 60}",
                first=last_schedule,
                last=last_schedule,
                component="cronjob-controller",
            )
        )
        self.event(
            core_event(
                self.ids,
                ns,
                cref,
                "SawCompletedJob",
                f"Saw completed job: {name}-{last_schedule // 60}, status: "
                f"{'Complete' if outcomes[-1] == 'ok' else 'Failed'}",
                first=last_schedule + 100,
                last=last_schedule + 100,
                component="cronjob-controller",
            )
        )

    def job(
        self,
        ns: str,
        name: str,
        template: dict[str, Any],
        owner: dict[str, Any] | None,
        start: float,
        outcome: str,
    ) -> None:
        uid = self.ids.uid("Job", ns, name)
        sel = {"batch.kubernetes.io/controller-uid": uid}
        job_labels = {
            **template["metadata"].get("labels", {}),
            "batch.kubernetes.io/controller-uid": uid,
            "batch.kubernetes.io/job-name": name,
            "controller-uid": uid,
            "job-name": name,
        }
        jspec = dict(template["spec"])
        tmpl = jspec["template"]
        pod_template = {
            "metadata": {
                **tmpl.get("metadata", {}),
                "labels": {
                    **tmpl["metadata"]["labels"],
                    **{k: v for k, v in job_labels.items() if k != "app.kubernetes.io/name"},
                },
            },
            "spec": tmpl["spec"],
        }
        jspec = {**jspec, "selector": {"matchLabels": sel}, "template": pod_template}
        jspec.setdefault("completions", 1)
        jspec.setdefault("parallelism", 1)
        meta = _meta(
            self.ids,
            "Job",
            ns,
            name,
            start,
            labels=job_labels,
            annotations={"batch.kubernetes.io/cronjob-scheduled-timestamp": rfc3339(start)}
            if owner
            else {},
            ownerReferences=[owner] if owner else [],
        )
        meta["generation"] = 1
        job_owner = _owner("batch/v1", "Job", name, uid)
        proto = P.make_proto(
            self.cache,
            f"job/{tmpl['spec']['containers'][0]['image']}",
            pod_template,
            job_owner,
            f"{name}-",
        )
        pname = f"{name}-{self.ids.suffix(5, ns, name)}"
        slot = self._place(tmpl["spec"]["containers"])
        pn = slot.pod_node() if slot else None
        end = start + (95 if outcome == "ok" else 42)
        if outcome == "ok":
            st = PodState(P.SUCCEEDED, since=self.epoch - end)
        elif outcome == "oom":
            st = PodState(P.FAILED, since=self.epoch - end, message="OOMKilled", exit_code=137)
        else:
            st = PodState(P.FAILED, since=self.epoch - end, message="Error", exit_code=1)
        pod = self.pods.build(proto, ns, pname, start + 1, pn, st, generate_name=f"{name}-")
        self.put("", "pods", pod)
        ok = outcome == "ok"
        t_end = rfc3339(end)
        conds = (
            [
                {
                    "type": "SuccessCriteriaMet",
                    "status": "True",
                    "lastProbeTime": t_end,
                    "lastTransitionTime": t_end,
                },
                {
                    "type": "Complete",
                    "status": "True",
                    "lastProbeTime": t_end,
                    "lastTransitionTime": t_end,
                },
            ]
            if ok
            else [
                {
                    "type": "FailureTarget",
                    "status": "True",
                    "lastProbeTime": t_end,
                    "lastTransitionTime": t_end,
                    "reason": "BackoffLimitExceeded",
                    "message": "Job has reached the specified backoff limit",
                },
                {
                    "type": "Failed",
                    "status": "True",
                    "lastProbeTime": t_end,
                    "lastTransitionTime": t_end,
                    "reason": "BackoffLimitExceeded",
                    "message": "Job has reached the specified backoff limit",
                },
            ]
        )
        status: dict[str, Any] = {"conditions": conds, "startTime": rfc3339(start)}
        if ok:
            status["completionTime"] = t_end
            status["succeeded"] = 1
        else:
            status["failed"] = 1
        status.update(terminating=0, uncountedTerminatedPods={}, ready=0)
        job = self.defaulted(
            "batch",
            "jobs",
            {"kind": "Job", "apiVersion": "batch/v1", "metadata": meta, "spec": jspec},
        )
        job["status"] = status
        job["metadata"]["managedFields"] = self.managed(
            ("job", ns, proto.shape, "owned" if owner else ""),
            job,
            "kube-controller-manager" if owner else "kubectl-create",
            start,
            status_manager="kube-controller-manager",
            status_at=end,
            owner_uid=owner["uid"] if owner else "",
        )
        self.put("batch", "jobs", job)
        jref = involved("Job", ns, name, uid, "batch/v1")
        self.event(
            core_event(
                self.ids,
                ns,
                jref,
                "SuccessfulCreate",
                f"Created pod: {pname}",
                first=start,
                last=start,
                component="job-controller",
            )
        )
        if ok:
            self.event(
                core_event(
                    self.ids,
                    ns,
                    jref,
                    "Completed",
                    "Job completed",
                    first=end,
                    last=end,
                    component="job-controller",
                )
            )
        else:
            self.event(
                core_event(
                    self.ids,
                    ns,
                    jref,
                    "BackoffLimitExceeded",
                    "Job has reached the specified backoff limit",
                    first=end,
                    last=end,
                    warning=True,
                    component="job-controller",
                )
            )

    # ------------------------------------------------------------------ generic scale
    def _generic(self) -> None:
        k = self.knobs
        rng = self.ids.rng("generic")
        names = [f"{TEAMS[i % len(TEAMS)]}-{w}" for i, w in enumerate(APP_WORDS)]
        gen_ns = []
        for i in range(k.namespaces):
            base = names[i % len(names)]
            nsn = base if i < len(names) else f"{base}-{i // len(names)}"
            env = ("prod", "staging", "dev")[i % 3]
            self.ensure_namespace(nsn, {"team": TEAMS[i % len(TEAMS)], "environment": env})
            gen_ns.append(nsn)
        if self.grant is not None:
            for i, nsn in enumerate(gen_ns[: k.restricted_namespaces]):
                self.grant(nsn, "edit" if i % 3 else "view")
        targets = gen_ns or self.curated_ns or ["default"]
        failing_every = int(1 / k.failure_rate) if k.failure_rate > 0 else 0
        used: set[tuple[str, str]] = set()
        for d in range(k.deployments):
            nsn = targets[d % len(targets)]
            arch = A.pick_archetype(rng)
            word = APP_WORDS[rng.randrange(len(APP_WORDS))]
            name = f"{word}-{APP_SUFFIXES[rng.randrange(len(APP_SUFFIXES))]}"
            if (nsn, name) in used:
                name = f"{name}-{d}"
            used.add((nsn, name))
            team = TEAMS[d % len(TEAMS)]
            app = A.archetype_app(rng, nsn, name, arch, k.pods_per_deployment, team)
            if failing_every and d % failing_every == failing_every // 2:
                app.failure = A.FAILURES[(d // failing_every) % len(A.FAILURES)]
                if app.failure == A.PENDING:
                    app.containers[0]["resources"] = {
                        "limits": {"cpu": "64", "memory": "256Gi"},
                        "requests": {"cpu": "48", "memory": "192Gi"},
                    }
                    app.replicas = 1
            app.ingress_host = f"{name}.{nsn}.acme.io" if rng.random() < 0.12 and app.port else None
            self.app(app)
        # A few StatefulSets with volumes and CronJobs with history, proportional to size.
        for i, nsn in enumerate(gen_ns):
            if i % 10 == 0:
                c = A.container(
                    "postgres",
                    "docker.io/bitnami/postgresql:16.4.0-debian-12-r14",
                    port=5432,
                    cpu="250m",
                    memory="512Mi",
                    probe_path=None,
                    env=(("POSTGRESQL_DATABASE", "app"),),
                )
                self.app(
                    App(
                        nsn,
                        "postgres",
                        [c],
                        replicas=2,
                        kind="StatefulSet",
                        port=5432,
                        revisions=1,
                        age_days=120,
                        storage="20Gi",
                        config=False,
                        shape="sts/postgres",
                    )
                )
            if i % 5 == 2:
                self.cronjob(
                    nsn,
                    "report-export",
                    "15 * * * *",
                    "ghcr.io/acme/report-export:1.2.0",
                    ["ok", "ok", "ok"],
                    every=3600,
                )

    # ------------------------------------------------------------------ CRDs
    def _crds(self) -> None:
        from masthead.sim.registry import CRDS

        specs = crd_specs(self.knobs.crds)
        clock = self.registry.clock
        for spec in specs:
            created = self.ago(86400 * 100)
            name = f"{spec.plural}.{spec.group}"
            crd = crd_object(spec, self.ids.uid("CustomResourceDefinition", "", name), created)
            self.registry.put_prepared(CRDS, crd)
            self.world.counts["customresourcedefinitions"] += 1
            # establish_crd stamps its conditions with the registry clock: pin it to the
            # world's time so the CRD is as deterministic as everything else.
            self.registry.clock = functools.partial(float, created + 2)
            try:
                self.registry.establish_crd(name)
            finally:
                self.registry.clock = clock
        for spec in specs:
            info = self.registry.catalog.lookup(spec.group, spec.version, spec.plural)
            if info is None:
                continue
            for ns, app, ready in self.cr_targets(spec.kind):
                cr_name = app
                obj = custom_resource(
                    spec,
                    ns,
                    cr_name,
                    self.ids.uid(spec.kind, ns, cr_name),
                    self.ago(86400 * 20),
                    app,
                    ready,
                )
                if ns in self.terminating:
                    obj["metadata"]["deletionTimestamp"] = rfc3339(self.ago(86400 * 2))
                    obj["metadata"]["deletionGracePeriodSeconds"] = 0
                    obj["metadata"]["finalizers"] = ["finalizer.acme.io/certificate-cleanup"]
                self.registry.put_prepared(info, obj)
                self.world.counts[spec.plural] += 1

    def cr_targets(self, kind: str) -> list[tuple[str, str, bool]]:
        """(namespace, name, ready) of the custom resources of `kind` to create."""
        out = []
        for i, ns in enumerate(self.world.namespaces):
            if ns in SYSTEM_NS or (ns in self.terminating and kind != "Certificate"):
                continue
            out.append((ns, f"{ns}-{kind.lower()}", i % 7 != 3))
        return out

    # ------------------------------------------------------------------ demo
    def _demo(self) -> None:
        from masthead.sim.world.demo import build_demo

        build_demo(self)


def build_world(registry: Registry, knobs: WorldKnobs, grant: Grant | None = None) -> World:
    """Generate the world `knobs` describe into `registry` (see WorldBuilder)."""
    return WorldBuilder(registry, knobs, grant).build()


# An image tag that does not exist: the kubelet simulation keeps such pods in ImagePullBackOff.
BAD_TAG = "v9.9.9-rc1"


def _bad_tag(image: str) -> str:
    return image.rsplit(":", 1)[0] + ":" + BAD_TAG


def _with_old_tag(containers: list[dict[str, Any]], back: int) -> list[dict[str, Any]]:
    first = dict(containers[0])
    image, _, tag = first["image"].rpartition(":")
    first["image"] = f"{image or tag}:{tag if image else 'latest'}-r{back}"
    return [first, *containers[1:]]


def _with_bad_tag(containers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    first = dict(containers[0])
    first["image"] = _bad_tag(first["image"])
    return [first, *containers[1:]]
