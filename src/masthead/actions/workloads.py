"""Scale and restart of workloads.

- `scale`: merge patch of the `/scale` subresource (deployments, statefulsets, replicasets).
- `restart`: strategic merge patch of `spec.template.metadata.annotations
  ["kubectl.kubernetes.io/restartedAt"]` (deployments, statefulsets, daemonsets), as
  `kubectl rollout restart` does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from masthead.actions.base import (
    MERGE_PATCH,
    STRATEGIC_PATCH,
    Check,
    Plan,
    Target,
    integer,
    name_of,
    namespace_of,
    one_of,
    patcher,
    rfc3339,
)

RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
SCALABLE = ("deployments", "statefulsets", "replicasets")
RESTARTABLE = ("deployments", "statefulsets", "daemonsets")


def scale(body: Mapping[str, Any], now: Callable[[], float]) -> Plan:
    resource = one_of(body, "resource", SCALABLE, "deployments")
    replicas = integer(body, "replicas", required=True)
    target = Target("apps", "v1", resource, namespace_of(body), name_of(body))
    patch = {"spec": {"replicas": replicas}}
    return Plan(
        "scale",
        target,
        {"replicas": replicas},
        (Check("patch", "apps", resource, target.namespace, "scale"),),
        patcher(target, patch, MERGE_PATCH, "scale"),
    )


def restart(body: Mapping[str, Any], now: Callable[[], float]) -> Plan:
    resource = one_of(body, "resource", RESTARTABLE, "deployments")
    target = Target("apps", "v1", resource, namespace_of(body), name_of(body))
    at = rfc3339(now())
    patch = {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: at}}}}}
    return Plan(
        "restart",
        target,
        {"restartedAt": at},
        (Check("patch", "apps", resource, target.namespace),),
        patcher(target, patch, STRATEGIC_PATCH),
    )
