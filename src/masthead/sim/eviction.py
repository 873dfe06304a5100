"""The Eviction API: `POST /api/v1/namespaces/{ns}/pods/{name}/eviction` (policy/v1 Eviction),
as upstream's pkg/registry/core/pod/storage/eviction.go.

The simulator runs no disruption controller, so a PodDisruptionBudget's status is computed live
at each eviction from the pods it selects (healthy = Ready and not being deleted, as the
disruption controller counts) and its minAvailable / maxUnavailable, the expected count coming
from the pods' controllers' replicas as upstream's `getExpectedPodCount`. The stored status is
then refreshed with what was computed (disruptionsAllowed decremented, the pod in
disruptedPods), so `kubectl get pdb` agrees with what eviction decided.
"""

from __future__ import annotations

import contextlib
import time

from masthead.selectors import SelectorError, label_selector_from_dict
from masthead.sim import errors
from masthead.sim.controllers.objects import Obj, controller_of, int_or_percent, rfc3339
from masthead.sim.errors import ApiError
from masthead.sim.registry import DeleteOptions, Registry, WriteContext
from masthead.sim.resources import builtin
from masthead.sim.store import ObjectStore

PODS = builtin("", "pods")
PDBS = builtin("policy", "poddisruptionbudgets")
_OWNERS = {
    "ReplicaSet": builtin("apps", "replicasets"),
    "StatefulSet": builtin("apps", "statefulsets"),
    "ReplicationController": builtin("", "replicationcontrollers"),
    "Deployment": builtin("apps", "deployments"),
}
TOO_MANY = "Cannot evict pod as it would violate the pod's disruption budget."
MORE_THAN_ONE = (
    "This pod has more than one PodDisruptionBudget, which the eviction subresource does not "
    "support."
)
DISRUPTION_MANAGER = "kube-controller-manager"


def evict(
    store: ObjectStore, registry: Registry, ns: str, name: str, body: Obj, dry_run: bool
) -> Obj:
    """Evict pod `ns/name`: the Status upstream answers (201) or `ApiError`."""
    meta = body.get("metadata") or {}
    if meta.get("name") and meta["name"] != name:
        raise errors.bad_request("name in URL does not match name in Eviction object")
    if meta.get("namespace") and meta["namespace"] != ns:
        raise errors.bad_request("namespace in URL does not match namespace in Eviction object")
    raw_opts = body.get("deleteOptions") or {}
    if not isinstance(raw_opts, dict):
        raise errors.bad_request("deleteOptions must be an object (DeleteOptions)")
    grace = raw_opts.get("gracePeriodSeconds")
    if grace is not None and (isinstance(grace, bool) or not isinstance(grace, int)):
        raise errors.bad_request(
            "json: cannot unmarshal into Go struct field DeleteOptions.deleteOptions."
            "gracePeriodSeconds of type int64"
        )
    dry = dry_run or "All" in (raw_opts.get("dryRun") or [])
    pre = raw_opts.get("preconditions") or {}
    opts = DeleteOptions(
        grace_period=grace,
        propagation=raw_opts.get("propagationPolicy"),
        preconditions_uid=pre.get("uid"),
        preconditions_rv=pre.get("resourceVersion"),
        dry_run=dry,
    )
    pod = registry.get(PODS, ns, name)
    if not _can_ignore_pdb(pod):
        pdbs = _budgets_of(store, pod)
        if len(pdbs) > 1:
            raise ApiError(500, "InternalError", f"Internal error occurred: {MORE_THAN_ONE}")
        if pdbs:
            _check_and_decrement(store, registry, pdbs[0], pod, dry)
    registry.delete(PODS, ns, name, opts)
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "code": 201,
    }


def _ready(pod: Obj) -> bool:
    for c in (pod.get("status") or {}).get("conditions") or []:
        if c.get("type") == "Ready":
            return bool(c.get("status") == "True")
    return False


def _can_ignore_pdb(pod: Obj) -> bool:
    """Terminal, pending or already-deleting pods disrupt nothing more (upstream canIgnorePDB)."""
    phase = (pod.get("status") or {}).get("phase")
    return phase in ("Succeeded", "Failed", "Pending") or bool(
        pod["metadata"].get("deletionTimestamp")
    )


def _selects(pdb: Obj, labels: dict[str, str]) -> bool:
    try:
        return label_selector_from_dict((pdb.get("spec") or {}).get("selector")).matches(labels)
    except SelectorError:
        return False


def _budgets_of(store: ObjectStore, pod: Obj) -> list[Obj]:
    labels = pod["metadata"].get("labels") or {}
    ns = pod["metadata"]["namespace"]
    return [
        pdb for s in store.iter_objects(PDBS.storage_key, ns) if _selects(pdb := s.decode(), labels)
    ]


def budget_status(store: ObjectStore, pdb: Obj) -> Obj:
    """The disruption controller's view of `pdb` now: currentHealthy, desiredHealthy,
    expectedPods and disruptionsAllowed."""
    ns = pdb["metadata"]["namespace"]
    spec = pdb.get("spec") or {}
    pods = [
        p
        for s in store.iter_objects(PODS.storage_key, ns)
        if _selects(pdb, (p := s.decode())["metadata"].get("labels") or {})
    ]
    healthy = sum(1 for p in pods if _ready(p) and not p["metadata"].get("deletionTimestamp"))
    max_unavailable, min_available = spec.get("maxUnavailable"), spec.get("minAvailable")
    if max_unavailable is not None:
        expected = _expected_scale(store, pods)
        desired = max(0, expected - int_or_percent(max_unavailable, expected, True))
    elif isinstance(min_available, int):
        expected, desired = len(pods), min_available
    elif min_available is not None:
        expected = _expected_scale(store, pods)
        desired = int_or_percent(min_available, expected, True)
    else:
        expected, desired = len(pods), 0
    return {
        "currentHealthy": healthy,
        "desiredHealthy": desired,
        "expectedPods": expected,
        "disruptionsAllowed": max(0, healthy - desired),
    }


def _expected_scale(store: ObjectStore, pods: list[Obj]) -> int:
    """Sum of the replicas of the pods' controllers (a ReplicaSet's Deployment if it has one);
    a pod without a controller counts for itself."""
    seen: set[str] = set()
    total = 0
    for pod in pods:
        ref = controller_of(pod)
        if ref is None:
            total += 1
            continue
        owner = _owner(store, pod["metadata"]["namespace"], ref)
        if owner is not None and owner["kind"] == "ReplicaSet":
            up = controller_of(owner)
            if up is not None and up.get("kind") == "Deployment":
                owner = _owner(store, pod["metadata"]["namespace"], up) or owner
        if owner is None:
            total += 1
            continue
        uid = owner["metadata"]["uid"]
        if uid not in seen:
            seen.add(uid)
            total += int((owner.get("spec") or {}).get("replicas", 1))
    return total


def _owner(store: ObjectStore, ns: str, ref: Obj) -> Obj | None:
    info = _OWNERS.get(ref.get("kind", ""))
    if info is None:
        return None
    s = store.get(info.storage_key, ns, ref.get("name", ""))
    if s is None:
        return None
    obj = s.decode()
    return obj if obj["metadata"].get("uid") == ref.get("uid") else None


def _check_and_decrement(
    store: ObjectStore, registry: Registry, pdb: Obj, pod: Obj, dry_run: bool
) -> None:
    status = budget_status(store, pdb)
    if not _ready(pod) and (pdb.get("spec") or {}).get("unhealthyPodEvictionPolicy") == (
        "AlwaysAllow"
    ):
        return
    if not _ready(pod) and status["currentHealthy"] >= status["desiredHealthy"] > 0:
        return  # IfHealthyBudget: an unhealthy pod may go while the budget is met
    name = pdb["metadata"]["name"]
    if status["disruptionsAllowed"] <= 0:
        raise ApiError(
            429,
            "TooManyRequests",
            TOO_MANY,
            {
                "causes": [
                    {
                        "reason": "DisruptionBudget",
                        "message": f"The disruption budget {name} needs "
                        f"{status['desiredHealthy']} healthy pods and has "
                        f"{status['currentHealthy']} currently",
                    }
                ]
            },
        )
    if dry_run:
        return
    status["disruptionsAllowed"] -= 1
    _write_status(registry, pdb, status, pod["metadata"]["name"])


def _write_status(registry: Registry, pdb: Obj, computed: Obj, pod_name: str) -> None:
    now = rfc3339(time.time())
    meta = pdb["metadata"]
    allowed = computed["disruptionsAllowed"] > 0
    old = pdb.get("status") or {}
    disrupted = {**(old.get("disruptedPods") or {}), pod_name: now}
    condition = {
        "type": "DisruptionAllowed",
        "status": "True" if allowed else "False",
        "observedGeneration": meta.get("generation", 1),
        "lastTransitionTime": now,
        "reason": "SufficientPods" if allowed else "InsufficientPods",
        "message": "",
    }
    pdb["status"] = {
        **old,
        **computed,
        "observedGeneration": meta.get("generation", 1),
        "disruptedPods": disrupted,
        "conditions": [condition],
    }
    # A concurrent PDB write loses nothing: the status is recomputed at the next eviction.
    with contextlib.suppress(ApiError):
        registry.update(
            PDBS, meta["namespace"], meta["name"], pdb, WriteContext(DISRUPTION_MANAGER), "status"
        )
