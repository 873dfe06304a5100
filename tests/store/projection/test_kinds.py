"""Every declared projection over real HTTP: objects stored in the simulator, reflected through
a Reflector + ProjectionCodec + TableSink, and the rows equal the values kubectl would show."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from typing import Any

from masthead.kube.discovery import Discovery
from masthead.sim.app import Simulator
from masthead.sim.printers import printer_for
from masthead.sim.registry import WriteContext
from masthead.sim.resources import builtin
from masthead.store.projection import CRDRow, PrinterColumn, projection_for
from masthead.store.projection.generic import CRDS
from tests.kube.kubesim import transport_for
from tests.store.projection.helpers import projected

CREATED = "2026-11-01T10:00:00Z"
CREATED_EPOCH = 1793527200.0
_serial = itertools.count(1)


def put(sim: Simulator, group: str, version: str, resource: str, obj: dict[str, Any]) -> str:
    """Store a complete object (status included) as a controller would have left it."""
    info = sim.info(group, version, resource)
    meta = obj.setdefault("metadata", {})
    meta.setdefault("uid", str(uuid.UUID(int=next(_serial))))
    meta.setdefault("creationTimestamp", CREATED)
    if info.namespaced:
        meta.setdefault("namespace", "default")
    obj = {"kind": info.kind, "apiVersion": info.api_version, **obj}
    sim.registry.put_prepared(info, obj)
    return str(meta["uid"])


def printed(group: str, resource: str, obj: dict[str, Any]) -> list[Any]:
    printer = printer_for(builtin(group, resource))
    assert printer is not None
    return printer.cells(obj, CREATED_EPOCH + 60)


async def test_nodes_and_namespaces() -> None:
    node = {
        "metadata": {
            "name": "node-a",
            "labels": {
                "node-role.kubernetes.io/control-plane": "",
                "kubernetes.io/role": "worker",
                "kubernetes.io/hostname": "node-a",
            },
        },
        "spec": {
            "unschedulable": True,
            "taints": [
                {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"},
                {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"},
            ],
        },
        "status": {
            "conditions": [
                {"type": "MemoryPressure", "status": "False"},
                {"type": "Ready", "status": "True"},
            ],
            "addresses": [
                {"type": "Hostname", "address": "node-a"},
                {"type": "InternalIP", "address": "10.0.0.5"},
            ],
            "nodeInfo": {"kubeletVersion": "v1.36.0", "architecture": "arm64"},
            "capacity": {"cpu": "4", "memory": "16Gi", "pods": "110"},
            "allocatable": {"cpu": "3800m", "memory": "16006156Ki", "pods": "110"},
        },
    }
    async with Simulator() as sim:
        put(sim, "", "v1", "nodes", node)
        async with projected(sim, "nodes") as nodes, projected(sim, "namespaces") as nss:
            await nodes.live()
            await nss.live()
            row = nodes.by_name("node-a")
            cells = printed("", "nodes", node)
            assert (row.status, row.roles) == (cells[1], cells[2])
            assert row.status == "Ready,SchedulingDisabled"
            assert row.roles == "control-plane,worker"
            assert (row.version, row.internal_ip, row.architecture) == (
                "v1.36.0",
                "10.0.0.5",
                "arm64",
            )
            assert (row.cpu_capacity, row.memory_capacity, row.pods_capacity) == (
                4000,
                16 * 2**30,
                110,
            )
            assert (row.cpu_allocatable, row.memory_allocatable) == (3800, 16006156 * 1024)
            assert (row.taints, row.node, row.namespace, row.created) == (
                2,
                "node-a",
                "",
                CREATED_EPOCH,
            )
            default = nss.by_name("default")
            assert default.phase == "Active" and default.namespace == ""


def _workload(kind_status: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {
            "selector": {
                "matchLabels": {"app": "web"},
                "matchExpressions": [{"key": "tier", "operator": "In", "values": ["b", "a"]}],
            },
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [
                        {"name": "web", "image": "nginx:1.27"},
                        {"name": "log", "image": "busybox"},
                    ],
                    "nodeSelector": {"kubernetes.io/os": "linux"},
                },
            },
            **spec,
        },
        "status": kind_status,
    }


async def test_workloads() -> None:
    deployment = _workload(
        {"replicas": 3, "readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2},
        replicas=3,
    )
    daemonset = _workload(
        {
            "desiredNumberScheduled": 5,
            "currentNumberScheduled": 5,
            "numberReady": 4,
            "updatedNumberScheduled": 3,
            "numberAvailable": 4,
        }
    )
    async with Simulator() as sim:
        dep_uid = put(sim, "apps", "v1", "deployments", deployment)
        rs = _workload({"replicas": 3, "readyReplicas": 1, "availableReplicas": 1}, replicas=3)
        rs["metadata"] = {
            "name": "web-5d8f",
            "ownerReferences": [
                {"kind": "Deployment", "name": "web", "uid": dep_uid, "controller": True}
            ],
        }
        put(sim, "apps", "v1", "replicasets", rs)
        put(sim, "apps", "v1", "statefulsets", _workload({"readyReplicas": 1}, replicas=2))
        put(sim, "apps", "v1", "daemonsets", daemonset)
        async with (
            projected(sim, "deployments") as deps,
            projected(sim, "replicasets") as rss,
            projected(sim, "statefulsets") as sts,
            projected(sim, "daemonsets") as dss,
        ):
            for src in (deps, rss, sts, dss):
                await src.live()
            dep = deps.by_name("web")
            cells = printed("apps", "deployments", deployment)
            assert (dep.ready, dep.up_to_date, dep.available) == (cells[1], cells[2], cells[3])
            assert (dep.ready, dep.desired, dep.current) == ("2/3", 3, 3)
            assert dep.containers == "web,log" and dep.images == "nginx:1.27,busybox"
            assert dep.selector == cells[7] == "app=web,tier in (a,b)"
            replica = rss.by_name("web-5d8f")
            assert replica.owner_uids == (dep_uid,)
            assert (replica.desired, replica.current, replica.ready_replicas) == (3, 3, 1)
            assert sts.by_name("web").ready == "1/2"
            ds = dss.by_name("web")
            cells = printed("apps", "daemonsets", daemonset)
            assert [ds.desired, ds.current, ds.ready_replicas, ds.up_to_date, ds.available] == (
                cells[1:6]
            )
            assert ds.node_selector == cells[6] == "kubernetes.io/os=linux"
            assert ds.ready == "4/5"


async def test_jobs_and_cronjobs() -> None:
    job = {
        "metadata": {"name": "backup"},
        "spec": {"completions": 3, "parallelism": 2, "template": {"spec": {"containers": []}}},
        "status": {
            "succeeded": 3,
            "startTime": "2026-11-01T10:00:00Z",
            "completionTime": "2026-11-01T10:02:05Z",
            "conditions": [{"type": "Complete", "status": "True"}],
        },
    }
    running = {
        "metadata": {"name": "reindex"},
        "spec": {"parallelism": 4},
        "status": {"active": 4, "startTime": "2026-11-01T10:00:00Z"},
    }
    cron = {
        "metadata": {"name": "nightly"},
        "spec": {
            "schedule": "0 3 * * *",
            "suspend": True,
            "jobTemplate": {
                "spec": {"template": {"spec": {"containers": [{"name": "b", "image": "bk:2"}]}}}
            },
        },
        "status": {
            "active": [{"name": "nightly-1", "uid": "x"}],
            "lastScheduleTime": "2026-11-01T03:00:00Z",
        },
    }
    async with Simulator() as sim:
        put(sim, "batch", "v1", "jobs", job)
        put(sim, "batch", "v1", "jobs", running)
        put(sim, "batch", "v1", "cronjobs", cron)
        async with projected(sim, "jobs") as jobs, projected(sim, "cronjobs") as crons:
            await jobs.live()
            await crons.live()
            done = jobs.by_name("backup")
            cells = printed("batch", "jobs", job)
            assert (done.status, done.completions) == (cells[1], cells[2]) == ("Complete", "3/3")
            assert done.duration == 125.0
            busy = jobs.by_name("reindex")
            assert (busy.status, busy.completions, busy.active, busy.duration) == (
                "Running",
                "0/1 of 4",
                4,
                None,
            )
            nightly = crons.by_name("nightly")
            assert (nightly.schedule, nightly.suspend, nightly.active) == ("0 3 * * *", True, 1)
            assert nightly.last_schedule == CREATED_EPOCH - 7 * 3600
            assert nightly.images == "bk:2"


async def test_services_endpointslices_ingresses() -> None:
    lb = {
        "metadata": {"name": "web"},
        "spec": {
            "type": "LoadBalancer",
            "clusterIP": "10.96.0.10",
            "clusterIPs": ["10.96.0.10"],
            "ports": [
                {"port": 80, "nodePort": 30080, "protocol": "TCP"},
                {"port": 53, "protocol": "UDP"},
            ],
            "selector": {"tier": "front", "app": "web"},
        },
        "status": {"loadBalancer": {"ingress": [{"ip": "1.2.3.4"}, {"hostname": "lb.example"}]}},
    }
    slice_ = {
        "metadata": {"name": "web-abc", "labels": {"kubernetes.io/service-name": "web"}},
        "addressType": "IPv4",
        "endpoints": [
            {"addresses": ["10.0.0.1"], "conditions": {"ready": True}},
            {"addresses": ["10.0.0.2"], "conditions": {}},
            {"addresses": ["10.0.0.3"], "conditions": {"ready": False}},
            {"addresses": ["10.0.0.4"], "conditions": {"ready": True}},
        ],
        "ports": [{"name": "http", "port": 80, "protocol": "TCP"}, {"name": "metrics"}],
    }
    ingress = {
        "metadata": {"name": "web"},
        "spec": {
            "ingressClassName": "nginx",
            "rules": [{"host": "a.example"}, {"host": "b.example"}, {}],
            "tls": [{"hosts": ["a.example"]}],
        },
        "status": {"loadBalancer": {"ingress": [{"hostname": "lb.example"}]}},
    }
    async with Simulator() as sim:
        put(sim, "", "v1", "services", lb)
        put(sim, "discovery.k8s.io", "v1", "endpointslices", slice_)
        put(sim, "networking.k8s.io", "v1", "ingresses", ingress)
        async with (
            projected(sim, "services") as svcs,
            projected(sim, "endpointslices") as slices,
            projected(sim, "ingresses") as ings,
        ):
            for src in (svcs, slices, ings):
                await src.live()
            svc = svcs.by_name("web", "default")
            cells = printed("", "services", lb)
            assert [svc.type, svc.cluster_ip, svc.external_ip, svc.ports] == cells[1:5]
            assert svc.external_ip == "1.2.3.4,lb.example"
            assert svc.ports == "80:30080/TCP,53/UDP"
            assert svc.selector == "app=web,tier=front"
            assert svcs.by_name("kubernetes").type == "ClusterIP"
            es = slices.by_name("web-abc")
            cells = printed("discovery.k8s.io", "endpointslices", slice_)
            assert (es.ports, es.addresses) == (cells[2], cells[3])
            assert (es.service, es.endpoints_ready, es.endpoints_total) == ("web", 3, 4)
            ing = ings.by_name("web")
            cells = printed("networking.k8s.io", "ingresses", ingress)
            assert [ing.ingress_class, ing.hosts, ing.address, ing.ports] == cells[1:5]
            assert (ing.hosts, ing.ports) == ("a.example,b.example", "80, 443")


async def test_config_and_storage() -> None:
    secret = {
        "metadata": {"name": "creds"},
        "type": "Opaque",
        "data": {"u": "YWRt", "p": "czNjcg=="},
    }
    pvc = {
        "metadata": {"name": "data"},
        "spec": {"volumeName": "pv-1", "storageClassName": "fast", "volumeMode": "Filesystem"},
        "status": {
            "phase": "Bound",
            "accessModes": ["ReadWriteOnce"],
            "capacity": {"storage": "10Gi"},
        },
    }
    pv = {
        "metadata": {"name": "pv-1"},
        "spec": {
            "capacity": {"storage": "10Gi"},
            "accessModes": ["ReadWriteMany", "ReadWriteOnce"],
            "persistentVolumeReclaimPolicy": "Retain",
            "claimRef": {"namespace": "default", "name": "data"},
            "storageClassName": "fast",
        },
        "status": {"phase": "Bound"},
    }
    sc = {
        "metadata": {
            "name": "fast",
            "annotations": {"storageclass.kubernetes.io/is-default-class": "true"},
        },
        "provisioner": "ebs.csi.aws.com",
        "allowVolumeExpansion": True,
    }
    async with Simulator() as sim:
        put(
            sim,
            "",
            "v1",
            "configmaps",
            {
                "metadata": {"name": "cfg"},
                "data": {"a": "1", "b": "2"},
                "binaryData": {"c": "AA=="},
            },
        )
        put(sim, "", "v1", "secrets", secret)
        put(sim, "", "v1", "persistentvolumeclaims", pvc)
        put(sim, "", "v1", "persistentvolumes", pv)
        put(sim, "storage.k8s.io", "v1", "storageclasses", sc)
        async with (
            projected(sim, "configmaps") as cms,
            projected(sim, "secrets") as secrets,
            projected(sim, "persistentvolumeclaims") as pvcs,
            projected(sim, "persistentvolumes") as pvs,
            projected(sim, "storageclasses") as scs,
        ):
            for src in (cms, secrets, pvcs, pvs, scs):
                await src.live()
            assert cms.by_name("cfg").keys == 3
            creds = secrets.by_name("creds")
            assert (creds.type, creds.keys) == ("Opaque", 2)
            assert "czNjcg" not in repr(creds)  # values never reach a row
            claim = pvcs.by_name("data")
            cells = printed("", "persistentvolumeclaims", pvc)
            assert [claim.status, claim.volume, claim.access_modes, claim.storage_class] == [
                cells[1],
                cells[2],
                cells[4],
                cells[5],
            ]
            assert claim.capacity == 10 * 2**30
            vol = pvs.by_name("pv-1")
            cells = printed("", "persistentvolumes", pv)
            assert [vol.access_modes, vol.reclaim_policy, vol.status, vol.claim] == cells[2:6]
            assert vol.access_modes == "RWO,RWX" and vol.capacity == 10 * 2**30
            fast = scs.by_name("fast")
            cells = printed("storage.k8s.io", "storageclasses", sc)
            assert cells[0] == "fast (default)" and fast.default
            assert [fast.provisioner, fast.reclaim_policy, fast.binding_mode] == cells[1:4]
            assert fast.allow_expansion is True


async def test_events_last_seen_and_count() -> None:
    """kubernetes-api.md §7 [DL]: last seen = series.lastObservedTime, lastTimestamp,
    eventTime, creationTimestamp; count = series.count, count, 1."""
    old_recorder = {
        "metadata": {"name": "web-1.a"},
        "involvedObject": {
            "kind": "Pod",
            "name": "web-1",
            "uid": "pod-uid",
            "fieldPath": "spec.containers{web}",
        },
        "reason": "BackOff",
        "message": "Back-off restarting failed container\n",
        "type": "Warning",
        "count": 12,
        "firstTimestamp": "2026-11-01T09:00:00Z",
        "lastTimestamp": "2026-11-01T09:55:00Z",
        "source": {"component": "kubelet", "host": "node-a"},
    }
    new_recorder = {
        "metadata": {"name": "web-1.b"},
        "involvedObject": {"kind": "Pod", "name": "web-1", "uid": "pod-uid"},
        "reason": "FailedScheduling",
        "message": "0/3 nodes are available",
        "type": "Warning",
        "eventTime": "2026-11-01T09:30:00.000000Z",
        "series": {"count": 5, "lastObservedTime": "2026-11-01T09:58:00.000000Z"},
        "reportingComponent": "default-scheduler",
        "reportingInstance": "sched-1",
    }
    singleton = {
        "metadata": {"name": "web-1.c"},
        "involvedObject": {"kind": "Deployment", "name": "web"},
        "reason": "ScalingReplicaSet",
        "type": "Normal",
    }
    async with Simulator() as sim:
        for ev in (old_recorder, new_recorder, singleton):
            put(sim, "", "v1", "events", ev)
        async with projected(sim, "events") as core, projected(sim, "events.events.k8s.io") as v1:
            await core.live()
            await v1.live()
            for src in (core, v1):
                old = src.by_name("web-1.a")
                assert (old.count, old.last_seen) == (12, CREATED_EPOCH - 300)
                assert (
                    old.source == "kubelet, node-a"
                    and old.message == "Back-off restarting failed container"
                )
                assert old.object_field == "spec.containers{web}"
                new = src.by_name("web-1.b")
                assert (new.count, new.last_seen) == (5, CREATED_EPOCH - 120)
                assert new.source == "default-scheduler, sched-1"
                one = src.by_name("web-1.c")
                assert (one.count, one.last_seen, one.owner_uids) == (1, CREATED_EPOCH, ())
                # The involved object's uid is the owner index key: "events of this pod".
                assert set(src.table.by_owner.uids("pod-uid")) == {old.uid, new.uid}
                assert old.type == "Warning" and old.object_kind == "Pod"
            cells = printed("", "events", old_recorder)
            assert cells[8] == core.by_name("web-1.a").count


async def test_autoscaling_policy_and_rbac() -> None:
    async with Simulator() as sim:
        put(
            sim,
            "autoscaling",
            "v2",
            "horizontalpodautoscalers",
            {
                "metadata": {"name": "web"},
                "spec": {
                    "scaleTargetRef": {
                        "kind": "Deployment",
                        "name": "web",
                        "apiVersion": "apps/v1",
                    },
                    "minReplicas": 2,
                    "maxReplicas": 10,
                    "metrics": [{"type": "Resource", "resource": {"name": "cpu"}}],
                },
                "status": {"currentReplicas": 3, "desiredReplicas": 4},
            },
        )
        put(
            sim,
            "policy",
            "v1",
            "poddisruptionbudgets",
            {
                "metadata": {"name": "web"},
                "spec": {"minAvailable": "50%", "selector": {"matchLabels": {"app": "web"}}},
                "status": {"disruptionsAllowed": 1, "currentHealthy": 3, "desiredHealthy": 2},
            },
        )
        rbac = "rbac.authorization.k8s.io"
        put(
            sim,
            rbac,
            "v1",
            "roles",
            {"metadata": {"name": "reader"}, "rules": [{"verbs": ["get"]}, {"verbs": ["list"]}]},
        )
        put(
            sim,
            rbac,
            "v1",
            "rolebindings",
            {
                "metadata": {"name": "readers"},
                "roleRef": {"kind": "Role", "name": "reader", "apiGroup": rbac},
                "subjects": [
                    {"kind": "User", "name": "ann"},
                    {"kind": "Group", "name": "devs"},
                    {"kind": "ServiceAccount", "name": "ci", "namespace": "tools"},
                    {"kind": "User", "name": "bob"},
                ],
            },
        )
        async with (
            projected(sim, "horizontalpodautoscalers") as hpas,
            projected(sim, "poddisruptionbudgets") as pdbs,
            projected(sim, "roles") as roles,
            projected(sim, "rolebindings") as bindings,
            projected(sim, "clusterroles") as croles,
            projected(sim, "clusterrolebindings") as cbindings,
        ):
            for src in (hpas, pdbs, roles, bindings, croles, cbindings):
                await src.live()
            hpa = hpas.by_name("web")
            assert (hpa.reference, hpa.min_replicas, hpa.max_replicas) == ("Deployment/web", 2, 10)
            assert (hpa.current_replicas, hpa.desired_replicas, hpa.metrics) == (3, 4, 1)
            pdb = pdbs.by_name("web")
            assert (pdb.min_available, pdb.max_unavailable, pdb.allowed_disruptions) == (
                "50%",
                "N/A",
                1,
            )
            assert pdb.selector == "app=web"
            assert roles.by_name("reader").rules == 2
            binding = bindings.by_name("readers")
            assert (binding.role, binding.subjects) == ("Role/reader", 4)
            assert (binding.users, binding.groups, binding.service_accounts) == (
                "ann, bob",
                "devs",
                "tools/ci",
            )
            # The simulator bootstraps upstream's default policy: aggregated roles included.
            admin = croles.by_name("admin")
            assert admin.aggregated and admin.namespace == ""
            assert croles.by_name("system:aggregate-to-view").rules > 0
            assert cbindings.by_name("cluster-admin").role == "ClusterRole/cluster-admin"


CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.acme.example"},
    "spec": {
        "group": "acme.example",
        "scope": "Namespaced",
        "names": {
            "kind": "Widget",
            "plural": "widgets",
            "singular": "widget",
            "listKind": "WidgetList",
        },
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "x-kubernetes-preserve-unknown-fields": True,
                    }
                },
                "additionalPrinterColumns": [
                    {"name": "Size", "type": "integer", "jsonPath": ".spec.size"},
                    {"name": "Color", "type": "string", "jsonPath": ".spec.color"},
                    {
                        "name": "Ready",
                        "type": "string",
                        "jsonPath": '.status.conditions[?(@.type=="Ready")].status',
                    },
                    {"name": "Weight", "type": "number", "jsonPath": ".spec.weight"},
                    {"name": "Seen", "type": "date", "jsonPath": ".status.seen"},
                    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
                ],
            }
        ],
    },
}


async def test_crds_and_custom_resources_with_printer_columns() -> None:
    async with Simulator() as sim:
        crds = sim.info("apiextensions.k8s.io", "v1", "customresourcedefinitions")
        sim.registry.create(crds, "", CRD, WriteContext("test"))
        transport = transport_for(sim)
        try:
            discovery = Discovery(transport)
            for _ in range(100):
                types = await discovery.types()
                widget = next((t for t in types if t.resource == "widgets"), None)
                if widget is not None:
                    break
                await asyncio.sleep(0.05)
                await discovery.refresh()
            assert widget is not None
        finally:
            await transport.close()
        widgets = sim.info("acme.example", "v1", "widgets")
        sim.registry.create(
            widgets,
            "default",
            {
                "apiVersion": "acme.example/v1",
                "kind": "Widget",
                "metadata": {"name": "w1", "labels": {"team": "a"}},
                "spec": {"size": 3, "color": "blue", "weight": 2.5},
                "status": {
                    "conditions": [
                        {"type": "Synced", "status": "False"},
                        {"type": "Ready", "status": "True"},
                    ],
                    "seen": "2026-11-01T10:00:00Z",
                },
            },
            WriteContext("test"),
        )
        sim.registry.create(
            widgets,
            "default",
            {
                "apiVersion": "acme.example/v1",
                "kind": "Widget",
                "metadata": {"name": "w2"},
                "spec": {},
            },
            WriteContext("test"),
        )
        async with projected(sim, "customresourcedefinitions", CRDS) as crd_src:
            await crd_src.live()
            crd: CRDRow = crd_src.by_name("widgets.acme.example")
            assert (crd.group, crd.kind, crd.scope, crd.versions, crd.storage_version) == (
                "acme.example",
                "Widget",
                "Namespaced",
                "v1",
                "v1",
            )
            columns = crd.columns_of("v1")
            assert [c.name for c in columns][:2] == ["Size", "Color"]
            assert isinstance(columns[0], PrinterColumn)
        projection = projection_for(widget, columns)
        assert [c.id for c in projection.columns] == [
            "name",
            "namespace",
            "age",
            "printer.Size",
            "printer.Color",
            "printer.Ready",
            "printer.Weight",
            "printer.Seen",
        ]
        async with projected(sim, "widgets", projection) as src:
            await src.live()
            w1, w2 = src.by_name("w1"), src.by_name("w2")
            assert w1.printer == (3, "blue", "True", 2.5, CREATED_EPOCH)
            assert w2.printer == (None, None, None, None, None)
            assert w1.labels == {"team": "a"} and w1.namespace == "default"
            size = next(c for c in projection.columns if c.id == "printer.Size")
            assert (size.type, size.key(w1), size.key(w2)) == ("int", 3, None)
        # Without printer columns (another kind, or a CRD without them): the generic row.
        plain = projection_for(widget)
        assert [c.id for c in plain.columns] == ["name", "namespace", "age"]
