"""core/v1 Events as the old recorder (kubelet, controllers) and the new one (scheduler)
write them (kubernetes-api.md §7): `<object>.<hex nanoseconds>` names, count/first/last for
the old recorder, eventTime/series for the new one."""

from __future__ import annotations

from typing import Any

from masthead.sim.world.ids import Ids, micro_time, rfc3339


def involved(
    kind: str,
    namespace: str,
    name: str,
    uid: str,
    api_version: str,
    field_path: str = "",
) -> dict[str, Any]:
    o: dict[str, Any] = {"kind": kind}
    if namespace:
        o["namespace"] = namespace
    o["name"] = name
    o["uid"] = uid
    o["apiVersion"] = api_version
    if field_path:
        o["fieldPath"] = field_path
    return o


def core_event(
    ids: Ids,
    namespace: str,
    obj: dict[str, Any],
    reason: str,
    message: str,
    *,
    first: float,
    last: float,
    count: int = 1,
    warning: bool = False,
    component: str = "kubelet",
    host: str = "",
) -> dict[str, Any]:
    """An event from the older recorder (kubelet and most controllers)."""
    name = f"{obj['name']}.{_nanos(ids, namespace, obj['name'], reason, first)}"
    source: dict[str, Any] = {"component": component}
    if host:
        source["host"] = host
    ev: dict[str, Any] = {
        "kind": "Event",
        "apiVersion": "v1",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": ids.uid("Event", namespace, name),
            "creationTimestamp": rfc3339(first),
            "managedFields": [
                {
                    "manager": component,
                    "operation": "Update",
                    "apiVersion": "v1",
                    "time": rfc3339(last),
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {
                        "f:count": {},
                        "f:firstTimestamp": {},
                        "f:involvedObject": {},
                        "f:lastTimestamp": {},
                        "f:message": {},
                        "f:reason": {},
                        "f:reportingComponent": {},
                        "f:reportingInstance": {},
                        "f:source": {"f:component": {}, **({"f:host": {}} if host else {})},
                        "f:type": {},
                    },
                }
            ],
        },
        "involvedObject": obj,
        "reason": reason,
        "message": message,
        "source": source,
        "firstTimestamp": rfc3339(first),
        "lastTimestamp": rfc3339(last),
        "count": count,
        "type": "Warning" if warning else "Normal",
        "eventTime": None,
        "reportingComponent": component,
        "reportingInstance": host,
    }
    return ev


def scheduler_event(
    ids: Ids,
    namespace: str,
    obj: dict[str, Any],
    reason: str,
    message: str,
    *,
    first: float,
    last: float,
    count: int = 1,
    warning: bool = True,
) -> dict[str, Any]:
    """An event from the newer recorder (events.k8s.io/v1) as core/v1 serves it."""
    name = f"{obj['name']}.{_nanos(ids, namespace, obj['name'], reason, first)}"
    ev: dict[str, Any] = {
        "kind": "Event",
        "apiVersion": "v1",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": ids.uid("Event", namespace, name),
            "creationTimestamp": rfc3339(first),
            "managedFields": [
                {
                    "manager": "kube-scheduler",
                    "operation": "Update",
                    "apiVersion": "events.k8s.io/v1",
                    "time": rfc3339(last),
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {
                        "f:action": {},
                        "f:eventTime": {},
                        "f:note": {},
                        "f:reason": {},
                        "f:regarding": {},
                        "f:reportingController": {},
                        "f:reportingInstance": {},
                        **(
                            {"f:series": {".": {}, "f:count": {}, "f:lastObservedTime": {}}}
                            if count > 1
                            else {}
                        ),
                        "f:type": {},
                    },
                }
            ],
        },
        "involvedObject": obj,
        "reason": reason,
        "message": message,
        "source": {},
        "firstTimestamp": None,
        "lastTimestamp": None,
        "type": "Warning" if warning else "Normal",
        "eventTime": micro_time(first),
    }
    if count > 1:
        ev["series"] = {"count": count, "lastObservedTime": micro_time(last)}
    ev["action"] = "Scheduling"
    ev["reportingComponent"] = "default-scheduler"
    ev["reportingInstance"] = "default-scheduler-cp-1"
    return ev


def _nanos(ids: Ids, *parts: Any) -> str:
    t = float(parts[-1])
    jitter = int(ids.hex(6, *map(str, parts)), 16)
    return f"{int(t) * 1_000_000_000 + jitter:x}"
