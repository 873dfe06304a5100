"""Nodes and namespaces."""

from __future__ import annotations

import msgspec

from masthead.store.projection.base import (
    Interner,
    MetaIn,
    ObjectIn,
    Projection,
    Row,
    base_columns,
    column,
    row_base,
)
from masthead.store.projection.quantity import int_value, milli_value

_ROLE_PREFIX = "node-role.kubernetes.io/"

Quantity = str | int | float


class _Condition(msgspec.Struct, gc=False):
    type: str = ""
    status: str = ""


class _Address(msgspec.Struct, gc=False):
    type: str = ""
    address: str = ""


class _NodeInfo(msgspec.Struct, gc=False):
    kubeletVersion: str = ""
    osImage: str = ""
    kernelVersion: str = ""
    containerRuntimeVersion: str = ""
    architecture: str = ""


class _Taint(msgspec.Struct, gc=False):
    key: str = ""
    effect: str = ""


class _NodeSpec(msgspec.Struct, gc=False):
    unschedulable: bool = False
    taints: list[_Taint] | None = None


class _NodeStatus(msgspec.Struct, gc=False):
    conditions: list[_Condition] | None = None
    addresses: list[_Address] | None = None
    nodeInfo: _NodeInfo = msgspec.field(default_factory=_NodeInfo)
    capacity: dict[str, Quantity] | None = None
    allocatable: dict[str, Quantity] | None = None


class NodeIn(msgspec.Struct, gc=False):
    metadata: MetaIn = msgspec.field(default_factory=MetaIn)
    spec: _NodeSpec = msgspec.field(default_factory=_NodeSpec)
    status: _NodeStatus = msgspec.field(default_factory=_NodeStatus)


class NodeRow(Row, frozen=True, kw_only=True, gc=False):
    """`node` is the node's own name, so node rows join with pods by the same index."""

    status: str  # Ready, NotReady or Unknown, then ",SchedulingDisabled" when cordoned
    roles: str  # sorted, comma-joined; "" when none
    version: str
    internal_ip: str | None
    external_ip: str | None
    os_image: str
    kernel: str
    runtime: str
    architecture: str
    cpu_capacity: int | None  # millicores
    memory_capacity: int | None  # bytes
    pods_capacity: int | None
    cpu_allocatable: int | None
    memory_allocatable: int | None
    pods_allocatable: int | None
    taints: int
    unschedulable: bool


def node_status(obj: NodeIn) -> str:
    ready: _Condition | None = None
    for c in obj.status.conditions or ():
        if c.type == "Ready":
            ready = c  # the last Ready condition wins, as in upstream's map
    status = "Unknown" if ready is None else ("Ready" if ready.status == "True" else "NotReady")
    return status + ",SchedulingDisabled" if obj.spec.unschedulable else status


def node_roles(labels: dict[str, str] | None) -> str:
    roles = set()
    for key, value in (labels or {}).items():
        if key.startswith(_ROLE_PREFIX) and len(key) > len(_ROLE_PREFIX):
            roles.add(key[len(_ROLE_PREFIX) :])
        elif key == "kubernetes.io/role" and value:
            roles.add(value)
    return ",".join(sorted(roles))


def build_node(obj: NodeIn, interner: Interner) -> NodeRow:
    meta, status = obj.metadata, obj.status
    s = interner.string
    info = status.nodeInfo
    capacity, allocatable = status.capacity or {}, status.allocatable or {}

    def address(kind: str) -> str | None:
        return next((a.address for a in status.addresses or () if a.type == kind), None)

    return NodeRow(
        **row_base(meta, interner),
        node=s(meta.name),
        status=s(node_status(obj)),
        roles=s(node_roles(meta.labels)),
        version=s(info.kubeletVersion),
        internal_ip=address("InternalIP"),
        external_ip=address("ExternalIP"),
        os_image=s(info.osImage),
        kernel=s(info.kernelVersion),
        runtime=s(info.containerRuntimeVersion),
        architecture=s(info.architecture),
        cpu_capacity=milli_value(capacity.get("cpu")),
        memory_capacity=int_value(capacity.get("memory")),
        pods_capacity=int_value(capacity.get("pods")),
        cpu_allocatable=milli_value(allocatable.get("cpu")),
        memory_allocatable=int_value(allocatable.get("memory")),
        pods_allocatable=int_value(allocatable.get("pods")),
        taints=len(obj.spec.taints or ()),
        unschedulable=obj.spec.unschedulable,
    )


NODES: Projection[NodeIn, NodeRow] = Projection(
    group="",
    resource="nodes",
    kind="Node",
    row_type=NodeRow,
    input_type=NodeIn,
    columns=(
        *base_columns(namespaced=False),
        column("status", "Status", "string", lambda r: r.status, facet=True, text=True),
        column("roles", "Roles", "string", lambda r: r.roles, facet=True, text=True),
        column("version", "Version", "string", lambda r: r.version, facet=True),
        column("internal_ip", "Internal IP", "string", lambda r: r.internal_ip, text=True),
        column("cpu_capacity", "CPU", "quantity", lambda r: r.cpu_capacity),
        column("memory_capacity", "Memory", "quantity", lambda r: r.memory_capacity),
        column("pods_capacity", "Pods", "int", lambda r: r.pods_capacity),
        column("cpu_allocatable", "CPU allocatable", "quantity", lambda r: r.cpu_allocatable),
        column(
            "memory_allocatable",
            "Memory allocatable",
            "quantity",
            lambda r: r.memory_allocatable,
        ),
        column("pods_allocatable", "Pods allocatable", "int", lambda r: r.pods_allocatable),
        column("taints", "Taints", "int", lambda r: r.taints),
    ),
    build=build_node,
)


class _NamespaceStatus(msgspec.Struct, gc=False):
    phase: str = ""


class NamespaceIn(ObjectIn, gc=False):
    status: _NamespaceStatus = msgspec.field(default_factory=_NamespaceStatus)


class NamespaceRow(Row, frozen=True, kw_only=True, gc=False):
    phase: str


def build_namespace(obj: NamespaceIn, interner: Interner) -> NamespaceRow:
    return NamespaceRow(**row_base(obj.metadata, interner), phase=interner.string(obj.status.phase))


NAMESPACES: Projection[NamespaceIn, NamespaceRow] = Projection(
    group="",
    resource="namespaces",
    kind="Namespace",
    row_type=NamespaceRow,
    input_type=NamespaceIn,
    columns=(
        *base_columns(namespaced=False),
        column("phase", "Status", "string", lambda r: r.phase, facet=True),
    ),
    build=build_namespace,
)
