"""Nodes (capacity, allocatable, conditions, addresses, images, labels), their Leases, and a
simple scheduler that places pods on nodes with room, as the real one would have."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from masthead.sim.world.catalogue import (
    CONTAINERD_VERSION,
    CONTROL_PLANE_TYPE,
    INSTANCE_TYPES,
    KERNEL,
    KUBELET_VERSION,
    NODE_IMAGES,
    OS_IMAGE,
    ZONES,
    InstanceType,
)
from masthead.sim.world.fieldsets import FieldsCache, fill
from masthead.sim.world.ids import Ids, micro_time, rfc3339
from masthead.sim.world.pods import PodNode


@dataclass
class NodeSlot:
    """A node as the scheduler sees it."""

    name: str
    index: int
    itype: InstanceType
    zone: str
    host_ip: str
    pod_cidr_base: str  # "10.x.y." — pod IPs are base + n
    control_plane: bool
    ready: bool = True
    cpu_free_m: int = 0
    mem_free_mi: int = 0
    pods_free: int = 110
    next_ip: int = 2
    labels: dict[str, str] = field(default_factory=dict)

    def pod_node(self) -> PodNode:
        ip = f"{self.pod_cidr_base}{self.next_ip}"
        self.next_ip = self.next_ip + 1 if self.next_ip < 254 else 2
        return PodNode(self.name, self.host_ip, ip)

    def taints(self) -> list[dict[str, Any]]:
        t: list[dict[str, Any]] = []
        if self.control_plane:
            t.append({"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"})
        if not self.ready:
            t.append({"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule"})
        return t


def cpu_m(q: str) -> int:
    return int(q[:-1]) if q.endswith("m") else int(float(q) * 1000)


def mem_mi(q: str) -> int:
    if q.endswith("Gi"):
        return int(float(q[:-2]) * 1024)
    if q.endswith("Mi"):
        return int(q[:-2])
    return int(q) // (1024 * 1024)


def _allocatable(it: InstanceType) -> tuple[int, int]:
    # kube-reserved / system-reserved / eviction threshold, as managed node groups set them.
    cpu = it.cpu * 1000 - 80 - 10 * it.cpu
    mem = it.memory_gi * 1024 - 1024 - 100 - it.memory_gi * 12
    return cpu, mem


def make_slots(ids: Ids, n: int, not_ready: int) -> list[NodeSlot]:
    """`n` nodes: control plane (1 below 50 nodes, else 3) and workers; the last `not_ready`
    workers have stopped reporting."""
    rng = ids.rng("nodes")
    cps = 1 if n < 50 else 3
    slots = []
    for i in range(n):
        cp = i < cps
        it = CONTROL_PLANE_TYPE if cp else INSTANCE_TYPES[rng.randrange(len(INSTANCE_TYPES))]
        zone = ZONES[i % len(ZONES)]
        host_ip = f"172.{16 + i // 62500}.{(i // 250) % 250}.{i % 250 + 2}"
        name = (
            f"ip-{host_ip.replace('.', '-')}.eu-west-1.compute.internal"
            if not cp
            else f"cp-{i + 1}.eu-west-1.compute.internal"
        )
        cidr = f"10.{64 + (i >> 8)}.{i & 255}."
        cpu, mem = _allocatable(it)
        slot = NodeSlot(name, i, it, zone, host_ip, cidr, cp, True, cpu, mem, it.pods)
        slots.append(slot)
    for s in slots[len(slots) - not_ready :] if not_ready else []:
        if not s.control_plane:
            s.ready = False
    return slots


class Scheduler:
    """Round-robin over schedulable worker nodes with room for the request."""

    def __init__(self, slots: list[NodeSlot]) -> None:
        self.workers = [s for s in slots if not s.control_plane and s.ready]
        self.pos = 0

    def place(self, cpu: int, mem: int) -> NodeSlot | None:
        n = len(self.workers)
        for _ in range(min(n, 64)):
            s = self.workers[self.pos % n]
            self.pos += 1
            if s.cpu_free_m >= cpu and s.mem_free_mi >= mem and s.pods_free > 0:
                self.take(s, cpu, mem)
                return s
        return None

    @staticmethod
    def take(s: NodeSlot, cpu: int, mem: int) -> None:
        s.cpu_free_m -= cpu
        s.mem_free_mi -= mem
        s.pods_free -= 1


def node_object(
    ids: Ids, cache: FieldsCache, slot: NodeSlot, epoch: float, age_days: float
) -> dict[str, Any]:
    it = slot.itype
    created = epoch - age_days * 86400
    ts = rfc3339(created)
    hb = rfc3339(epoch - 20) if slot.ready else rfc3339(epoch - 240)
    cpu, mem = _allocatable(it)
    labels = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/instance-type": it.name,
        "beta.kubernetes.io/os": "linux",
        "failure-domain.beta.kubernetes.io/region": "eu-west-1",
        "failure-domain.beta.kubernetes.io/zone": slot.zone,
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": slot.name.split(".")[0],
        "kubernetes.io/os": "linux",
        "node.kubernetes.io/instance-type": it.name,
        "topology.kubernetes.io/region": "eu-west-1",
        "topology.kubernetes.io/zone": slot.zone,
    }
    if slot.control_plane:
        labels["node-role.kubernetes.io/control-plane"] = ""
        labels["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
    else:
        labels["node.kubernetes.io/lifecycle"] = "spot" if slot.index % 5 == 0 else "on-demand"
        labels["workload.acme.io/pool"] = "general" if it.name.startswith("m") else it.name[:2]
    slot.labels = labels
    annotations = {
        "alpha.kubernetes.io/provided-node-ip": slot.host_ip,
        "node.alpha.kubernetes.io/ttl": "0",
        "volumes.kubernetes.io/controller-managed-attach-detach": "true",
    }
    pressure = [
        ("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    ]
    conds = []
    for typ, reason, msg in pressure:
        if slot.ready:
            conds.append(
                {
                    "type": typ,
                    "status": "False",
                    "lastHeartbeatTime": hb,
                    "lastTransitionTime": ts,
                    "reason": reason,
                    "message": msg,
                }
            )
        else:
            conds.append(
                {
                    "type": typ,
                    "status": "Unknown",
                    "lastHeartbeatTime": hb,
                    "lastTransitionTime": rfc3339(epoch - 180),
                    "reason": "NodeStatusUnknown",
                    "message": "Kubelet stopped posting node status.",
                }
            )
    if slot.ready:
        conds.append(
            {
                "type": "Ready",
                "status": "True",
                "lastHeartbeatTime": hb,
                "lastTransitionTime": rfc3339(created + 35),
                "reason": "KubeletReady",
                "message": "kubelet is posting ready status",
            }
        )
    else:
        conds.append(
            {
                "type": "Ready",
                "status": "Unknown",
                "lastHeartbeatTime": hb,
                "lastTransitionTime": rfc3339(epoch - 180),
                "reason": "NodeStatusUnknown",
                "message": "Kubelet stopped posting node status.",
            }
        )
    images = [
        {"names": [f"{repo}@sha256:{ids.hex(64, repo, tag)}", f"{repo}:{tag}"], "sizeBytes": size}
        for repo, tag, size in NODE_IMAGES
    ]
    spec: dict[str, Any] = {
        "podCIDR": f"{slot.pod_cidr_base}0/24",
        "podCIDRs": [f"{slot.pod_cidr_base}0/24"],
        "providerID": f"aws:///{slot.zone}/i-0{ids.hex(16, slot.name)}",
    }
    taints = slot.taints()
    if not slot.ready:
        taints = [
            {
                "key": "node.kubernetes.io/unreachable",
                "effect": "NoSchedule",
                "timeAdded": rfc3339(epoch - 175),
            },
            {
                "key": "node.kubernetes.io/unreachable",
                "effect": "NoExecute",
                "timeAdded": rfc3339(epoch - 170),
            },
        ]
    if taints:
        spec["taints"] = taints
    status = {
        "capacity": {
            "cpu": str(it.cpu),
            "ephemeral-storage": "104845292Ki",
            "hugepages-1Gi": "0",
            "hugepages-2Mi": "0",
            "memory": f"{it.memory_gi * 1024 * 1024 - 503_112}Ki",
            "pods": str(it.pods),
        },
        "allocatable": {
            "cpu": f"{cpu}m",
            "ephemeral-storage": "95551679124",
            "hugepages-1Gi": "0",
            "hugepages-2Mi": "0",
            "memory": f"{mem * 1024}Ki",
            "pods": str(it.pods),
        },
        "conditions": conds,
        "addresses": [
            {"type": "InternalIP", "address": slot.host_ip},
            {"type": "InternalDNS", "address": slot.name},
            {"type": "Hostname", "address": slot.name},
        ],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
        "nodeInfo": {
            "machineID": ids.hex(32, "machine", slot.name),
            "systemUUID": ids.uid("system", "", slot.name).upper()[:36],
            "bootID": ids.uid("boot", "", slot.name),
            "kernelVersion": KERNEL,
            "osImage": OS_IMAGE,
            "containerRuntimeVersion": CONTAINERD_VERSION,
            "kubeletVersion": KUBELET_VERSION,
            "kubeProxyVersion": KUBELET_VERSION,
            "operatingSystem": "linux",
            "architecture": "amd64",
        },
        "images": images,
    }
    meta: dict[str, Any] = {
        "name": slot.name,
        "uid": ids.uid("Node", "", slot.name),
        "creationTimestamp": ts,
        "labels": labels,
        "annotations": annotations,
    }
    obj = {"kind": "Node", "apiVersion": "v1", "metadata": meta, "spec": spec, "status": status}
    key = "cp" if slot.control_plane else ("worker" if slot.ready else "lost")
    shape_meta = {"labels": labels, "annotations": annotations}
    kubelet = cache.entry(
        ("node", key),
        {"kind": "Node", "apiVersion": "v1", "metadata": shape_meta},
        manager="kubelet",
        api_version="v1",
    )
    kcm = cache.entry(
        ("node-kcm", key),
        {"kind": "Node", "apiVersion": "v1", "metadata": {}, "spec": spec},
        before={"kind": "Node", "apiVersion": "v1", "metadata": {}, "spec": {}},
        manager="kube-controller-manager",
        api_version="v1",
    )
    kstatus = cache.entry(
        ("node-status", key),
        {"kind": "Node", "apiVersion": "v1", "metadata": {}, "status": _shape_status(status)},
        before={"kind": "Node", "apiVersion": "v1", "metadata": {}, "status": {}},
        manager="kubelet",
        api_version="v1",
        subresource="status",
    )
    meta["managedFields"] = [
        fill(kubelet, time=ts),
        fill(kcm, time=rfc3339(created + 30)),
        fill(kstatus, time=hb),
    ]
    return obj


def _shape_status(status: dict[str, Any]) -> dict[str, Any]:
    # Addresses and images appear as keys in FieldsV1; images are atomic, addresses keyed.
    return status


def lease_object(ids: Ids, slot: NodeSlot, epoch: float, node_uid: str) -> dict[str, Any]:
    renew = micro_time(epoch - (7 if slot.ready else 230))
    short = slot.name
    return {
        "kind": "Lease",
        "apiVersion": "coordination.k8s.io/v1",
        "metadata": {
            "name": short,
            "namespace": "kube-node-lease",
            "uid": ids.uid("Lease", "kube-node-lease", short),
            "creationTimestamp": rfc3339(epoch - 86400 * 30),
            "ownerReferences": [
                {"apiVersion": "v1", "kind": "Node", "name": slot.name, "uid": node_uid}
            ],
            "managedFields": [
                orjson.Fragment(
                    orjson.dumps(
                        {
                            "manager": "kubelet",
                            "operation": "Update",
                            "apiVersion": "coordination.k8s.io/v1",
                            "time": rfc3339(epoch - (7 if slot.ready else 230)),
                            "fieldsType": "FieldsV1",
                            "fieldsV1": {
                                "f:metadata": {
                                    "f:ownerReferences": {
                                        ".": {},
                                        f'k:{{"uid":"{node_uid}"}}': {},
                                    }
                                },
                                "f:spec": {
                                    "f:holderIdentity": {},
                                    "f:leaseDurationSeconds": {},
                                    "f:renewTime": {},
                                },
                            },
                        }
                    )
                )
            ],
        },
        "spec": {"holderIdentity": short, "leaseDurationSeconds": 40, "renewTime": renew},
    }
