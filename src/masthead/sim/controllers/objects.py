"""Small helpers the controllers share: resource infos, timestamps, quantities, conditions,
owner references and the pod-template hash."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import orjson

from masthead.sim.resources import ResourceInfo, builtin

Obj = dict[str, Any]

PODS = builtin("", "pods")
NODES = builtin("", "nodes")
SERVICES = builtin("", "services")
EVENTS = builtin("", "events")
PVCS = builtin("", "persistentvolumeclaims")
DEPLOYMENTS = builtin("apps", "deployments")
REPLICASETS = builtin("apps", "replicasets")
STATEFULSETS = builtin("apps", "statefulsets")
DAEMONSETS = builtin("apps", "daemonsets")
CONTROLLER_REVISIONS = builtin("apps", "controllerrevisions")
JOBS = builtin("batch", "jobs")
CRONJOBS = builtin("batch", "cronjobs")
LEASES = builtin("coordination.k8s.io", "leases")
ENDPOINT_SLICES = builtin("discovery.k8s.io", "endpointslices")

# Simulation conventions read from pod (template) annotations; see the package docstring.
BEHAVIOUR = "sim.masthead.io/behaviour"
RUN_SECONDS = "sim.masthead.io/run-seconds"
READY = "sim.masthead.io/ready"
NODE_STATE = "sim.masthead.io/node-state"

# Upstream's SafeEncodeString alphabet (no vowels, no confusable characters).
_SAFE = "bcdfghjklmnpqrstvwxz2456789"


def rfc3339(t: float) -> str:
    return datetime.fromtimestamp(int(t), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def micro_time(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(s: str | None) -> float | None:
    if not s:
        return None
    try:
        return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def safe_encode(n: int) -> str:
    """rand.SafeEncodeString of the decimal string, as the pod-template-hash is written."""
    return "".join(_SAFE[ord(c) % len(_SAFE)] for c in str(n))


def template_hash(template: Any, collision_count: int = 0) -> str:
    """A stable pod-template-hash: a 32-bit hash of the canonical template, written the way
    upstream writes its fnv32a (decimal, then SafeEncodeString), so names look the same."""
    data = orjson.dumps(template, option=orjson.OPT_SORT_KEYS)
    if collision_count:
        data += str(collision_count).encode()
    return safe_encode(int.from_bytes(hashlib.blake2b(data, digest_size=4).digest(), "big"))


def controller_ref(owner: Obj, info: ResourceInfo) -> Obj:
    return {
        "apiVersion": info.api_version,
        "kind": info.kind,
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def controller_of(obj: Obj) -> Obj | None:
    for ref in obj["metadata"].get("ownerReferences") or []:
        if ref.get("controller"):
            return dict(ref)
    return None


def parse_cpu(q: Any) -> int:
    """CPU quantity → millicores."""
    s = str(q).strip()
    if not s:
        return 0
    if s.endswith("m"):
        return int(float(s[:-1]))
    try:
        return int(float(s) * 1000)
    except ValueError:
        return 0


_MEM_SUFFIX = {
    "Ki": 1 << 10,
    "Mi": 1 << 20,
    "Gi": 1 << 30,
    "Ti": 1 << 40,
    "Pi": 1 << 50,
    "k": 10**3,
    "K": 10**3,
    "M": 10**6,
    "G": 10**9,
    "T": 10**12,
    "P": 10**15,
    "m": 0,  # milli-bytes: treat as zero
}


def parse_bytes(q: Any) -> int:
    s = str(q).strip()
    if not s:
        return 0
    for suffix in ("Ki", "Mi", "Gi", "Ti", "Pi", "k", "K", "M", "G", "T", "P"):
        if s.endswith(suffix):
            try:
                return int(float(s[: -len(suffix)]) * _MEM_SUFFIX[suffix])
            except ValueError:
                return 0
    try:
        return int(float(s))
    except ValueError:
        return 0


def pod_requests(pod: Obj) -> tuple[int, int]:
    """(millicores, bytes) the scheduler counts: the sum over containers, at least the largest
    init container."""
    spec = pod.get("spec") or {}

    def total(containers: list[Obj]) -> tuple[int, int]:
        cpu = mem = 0
        for c in containers:
            req = (c.get("resources") or {}).get("requests") or {}
            cpu += parse_cpu(req.get("cpu", 0))
            mem += parse_bytes(req.get("memory", 0))
        return cpu, mem

    cpu, mem = total(spec.get("containers") or [])
    for c in spec.get("initContainers") or []:
        icpu, imem = total([c])
        cpu, mem = max(cpu, icpu), max(mem, imem)
    return cpu, mem


def set_condition(
    conditions: list[Obj],
    ctype: str,
    status: str,
    now: str,
    reason: str | None = None,
    message: str | None = None,
    *,
    probe_time: bool = False,
    heartbeat: bool = False,
) -> list[Obj]:
    """Set one condition, keeping lastTransitionTime unless the status changes."""
    old = next((c for c in conditions if c.get("type") == ctype), None)
    if (
        old is not None
        and old.get("status") == status
        and old.get("reason") == reason
        and old.get("message") == message
        and not heartbeat
    ):
        return conditions
    cond: Obj = {"type": ctype, "status": status}
    if heartbeat:
        cond["lastHeartbeatTime"] = now
    if probe_time:
        cond["lastProbeTime"] = None
    if old is not None and old.get("status") == status:
        cond["lastTransitionTime"] = old.get("lastTransitionTime", now)
    else:
        cond["lastTransitionTime"] = now
    if ctype in ("Progressing",) and old is not None:
        cond["lastUpdateTime"] = now
    if reason:
        cond["reason"] = reason
    if message:
        cond["message"] = message
    out = [c for c in conditions if c.get("type") != ctype]
    if old is None:
        out.append(cond)
        return out
    idx = conditions.index(old)
    out.insert(idx, cond)
    return out


def get_condition(obj: Obj, ctype: str) -> Obj | None:
    for c in (obj.get("status") or {}).get("conditions") or []:
        if c.get("type") == ctype:
            return dict(c)
    return None


def int_or_percent(value: Any, total: int, round_up: bool) -> int:
    if isinstance(value, int):
        return value
    s = str(value)
    if s.endswith("%"):
        pct = int(s[:-1])
        num = total * pct
        return -(-num // 100) if round_up else num // 100
    return int(s)


def template_labels(template: Obj) -> dict[str, str]:
    return dict(((template.get("metadata") or {}).get("labels")) or {})


def labels_match(selector: Obj | None, labels: dict[str, str]) -> bool:
    """A LabelSelector dict (matchLabels + matchExpressions) against labels."""
    if not selector:
        return False
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for e in selector.get("matchExpressions") or []:
        key, op, values = e.get("key", ""), e.get("operator", ""), e.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and key in labels and labels[key] in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True
