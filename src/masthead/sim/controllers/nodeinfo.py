"""Nodes as the scheduler and the DaemonSet controller see them: labels, taints, allocatable,
and the rules for whether a pod fits (selectors, affinity, tolerations)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from masthead.sim.controllers.objects import Obj, parse_bytes, parse_cpu

NOT_READY_TAINT = "node.kubernetes.io/not-ready"
UNREACHABLE_TAINT = "node.kubernetes.io/unreachable"
UNSCHEDULABLE_TAINT = "node.kubernetes.io/unschedulable"


@dataclass(slots=True)
class NodeInfo:
    name: str
    uid: str
    labels: dict[str, str]
    taints: list[Obj]
    unschedulable: bool
    cpu_m: int
    mem: int
    pods: int
    ready: bool
    host_ip: str
    pod_cidr: str
    raw: Obj = field(repr=False)


def node_info(node: Obj) -> NodeInfo:
    meta = node["metadata"]
    spec = node.get("spec") or {}
    status = node.get("status") or {}
    alloc = status.get("allocatable") or status.get("capacity") or {}
    ready = any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in status.get("conditions") or []
    )
    host_ip = ""
    for a in status.get("addresses") or []:
        if a.get("type") == "InternalIP":
            host_ip = a.get("address", "")
            break
    return NodeInfo(
        name=meta["name"],
        uid=meta.get("uid", ""),
        labels=dict(meta.get("labels") or {}),
        taints=list(spec.get("taints") or []),
        unschedulable=bool(spec.get("unschedulable")),
        cpu_m=parse_cpu(alloc.get("cpu", "0")) if "cpu" in alloc else 1 << 40,
        mem=parse_bytes(alloc.get("memory", "0")) if "memory" in alloc else 1 << 60,
        pods=int(str(alloc.get("pods", "110")) or 110),
        ready=ready,
        host_ip=host_ip,
        pod_cidr=str(spec.get("podCIDR", "")),
        raw=node,
    )


def tolerates(tolerations: list[Obj], taint: Obj) -> bool:
    for t in tolerations:
        effect = t.get("effect", "")
        if effect and effect != taint.get("effect"):
            continue
        op = t.get("operator", "Equal")
        key = t.get("key", "")
        if not key:
            if op == "Exists":
                return True
            continue
        if key != taint.get("key"):
            continue
        if op == "Exists" or t.get("value", "") == taint.get("value", ""):
            return True
    return False


def untolerated_taint(pod_spec: Obj, node: NodeInfo, effects: tuple[str, ...]) -> Obj | None:
    tolerations = pod_spec.get("tolerations") or []
    for taint in node.taints:
        if taint.get("effect") in effects and not tolerates(tolerations, taint):
            return taint
    return None


def _expr_matches(expr: Obj, labels: dict[str, str]) -> bool:
    key, op, values = expr.get("key", ""), expr.get("operator", ""), expr.get("values") or []
    has = key in labels
    if op == "In":
        return has and labels[key] in values
    if op == "NotIn":
        return not has or labels[key] not in values
    if op == "Exists":
        return has
    if op == "DoesNotExist":
        return not has
    if op in ("Gt", "Lt") and has and values:
        try:
            a, b = int(labels[key]), int(values[0])
        except ValueError:
            return False
        return a > b if op == "Gt" else a < b
    return False


def matches_node_selection(pod_spec: Obj, node: NodeInfo) -> bool:
    """spec.nodeSelector and required node affinity (matchExpressions + matchFields)."""
    for k, v in (pod_spec.get("nodeSelector") or {}).items():
        if node.labels.get(k) != v:
            return False
    affinity: Any = ((pod_spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    )
    if not affinity:
        return True
    terms = affinity.get("nodeSelectorTerms") or []
    if not terms:
        return True
    fields = {"metadata.name": node.name}
    for term in terms:
        if all(_expr_matches(e, node.labels) for e in term.get("matchExpressions") or []) and all(
            _expr_matches(e, fields) for e in term.get("matchFields") or []
        ):
            return True
    return False
