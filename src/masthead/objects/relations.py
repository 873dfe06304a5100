"""Relations of one object, computed from the cluster's projected tables (no LIST): the owner
chain up to the top, what it owns, the pods it runs or selects, the node a pod runs on, the
volumes its pod spec mounts, the services that select its pods (or own an EndpointSlice), and a
service's EndpointSlices.

The object itself (read through the object cache) supplies what rows do not keep: its
ownerReferences (kind and API version of each owner), the pod spec's volumes and node name,
a workload's pod-template labels and a service's selector. Everything else comes from rows:
`owner_uids` (the tables' owner index) to walk up and down, `node` (the node index), labels
(services' selectors are matched against them). Each list stops at `max_items` (the answer
says which lists were cut).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from masthead.kube.discovery import ResourceType
from masthead.selectors import LabelSelector, SelectorError, parse_label_selector
from masthead.store.rows import TableRow
from masthead.store.table import Table
from masthead.views.joins import SERVICE_NAME_LABEL

Ref = dict[str, str]
# Tables whose owner index means something else: an event's "owner" is its involved object.
_NOT_OWNED = frozenset({("", "events"), ("events.k8s.io", "events")})
_WORKLOAD_TEMPLATES: Mapping[str, tuple[str, ...]] = {
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "ReplicationController": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}
_VOLUME_REFS: Mapping[str, tuple[str, str, str]] = {
    # volume source -> (field naming the object, group/resource, kind)
    "persistentVolumeClaim": ("claimName", "persistentvolumeclaims", "PersistentVolumeClaim"),
    "configMap": ("name", "configmaps", "ConfigMap"),
    "secret": ("secretName", "secrets", "Secret"),
}
MAX_DEPTH = 8  # owner chains and owned trees deeper than this are cycles or bugs


@dataclass
class ClusterTables:
    """What relations read: every running source's table with its resource, and discovery."""

    tables: list[tuple[ResourceType, Table[Any]]]
    types: list[ResourceType]
    _by_kind: dict[tuple[str, str], ResourceType] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for rt in self.types:  # the preferred version wins a kind served in several
            key = (rt.group, rt.kind)
            if key not in self._by_kind or rt.preferred:
                self._by_kind[key] = rt

    def of(self, group: str, resource: str) -> list[tuple[ResourceType, Table[Any]]]:
        return [(rt, t) for rt, t in self.tables if (rt.group, rt.resource) == (group, resource)]

    def locate(self, uid: str) -> tuple[ResourceType, TableRow] | None:
        for rt, table in self.tables:
            row = table.get(uid)
            if row is not None:
                return rt, row
        return None

    def find(self, group: str, resource: str, namespace: str, name: str) -> Ref | None:
        for rt, table in self.of(group, resource):
            for uid in table.by_namespace.uids(namespace):
                row = table.get(uid)
                if row is not None and row.name == name:
                    return ref(rt, row.namespace, row.name, row.uid)
        return None

    def kind(self, api_version: str, kind: str) -> ResourceType | None:
        group = api_version.rpartition("/")[0]
        return self._by_kind.get((group, kind))


def ref(rt: ResourceType, namespace: str, name: str, uid: str) -> Ref:
    return {
        "group": rt.group,
        "version": rt.version,
        "resource": rt.resource,
        "kind": rt.kind,
        "namespace": namespace if rt.namespaced else "",
        "name": name,
        "uid": uid,
    }


def _dig(obj: Mapping[str, Any], path: Iterable[str]) -> Any:
    cur: Any = obj
    for key in path:
        if not isinstance(cur, Mapping):
            return None
        cur = cur.get(key)
    return cur


def _selector(text: str) -> LabelSelector | None:
    """A service's selector (empty: selects nothing — its endpoints are managed by hand)."""
    if not text:
        return None
    try:
        return parse_label_selector(text)
    except SelectorError:
        return None


class _Capped(list[Ref]):
    def __init__(self, cap: int) -> None:
        super().__init__()
        self.cap = cap
        self.total = 0
        self._uids: set[str] = set()

    def add(self, r: Ref) -> None:
        if r["uid"] and r["uid"] in self._uids:
            return
        self._uids.add(r["uid"])
        self.total += 1
        if len(self) < self.cap:
            self.append(r)


@dataclass
class Relations:
    cluster: ClusterTables
    obj: Mapping[str, Any]
    max_items: int = 500

    @property
    def meta(self) -> Mapping[str, Any]:
        m = self.obj.get("metadata")
        return m if isinstance(m, Mapping) else {}

    def owners(self) -> list[Ref]:
        """Direct owners (controller first), then the controller's owners up to the top."""
        refs = [r for r in self.meta.get("ownerReferences") or [] if isinstance(r, Mapping)]
        refs.sort(key=lambda r: not r.get("controller"))
        out = _Capped(self.max_items)
        namespace = str(self.meta.get("namespace") or "")
        for r in refs:
            rt = self.cluster.kind(str(r.get("apiVersion", "")), str(r.get("kind", "")))
            found = self.cluster.locate(str(r.get("uid", "")))
            if found is not None:
                rt = found[0]
            if rt is not None:
                out.add(ref(rt, namespace, str(r.get("name", "")), str(r.get("uid", ""))))
        uid = str(refs[0].get("uid", "")) if refs else ""
        seen = {str(self.meta.get("uid", ""))}
        for _ in range(MAX_DEPTH):
            if not uid or uid in seen:
                break
            seen.add(uid)
            found = self.cluster.locate(uid)
            if found is None or not found[1].owner_uids:
                break
            uid = found[1].owner_uids[0]
            above = self.cluster.locate(uid)
            if above is None or uid in seen:
                break
            out.add(ref(above[0], above[1].namespace, above[1].name, above[1].uid))
        return list(out)

    def owned(self) -> list[Ref]:
        out = _Capped(self.max_items)
        uid = str(self.meta.get("uid", ""))
        for rt, table in self.cluster.tables:
            if (rt.group, rt.resource) in _NOT_OWNED:
                continue
            for child in sorted(table.by_owner.uids(uid)):
                row = table.get(child)
                if row is not None:
                    out.add(ref(rt, row.namespace, row.name, row.uid))
        return list(out)

    def pods(self, kind: str) -> tuple[list[Ref], int]:
        """Pods of a workload (owned, through ReplicaSets / Jobs), selected by a service, or
        running on a node; with the total before the cap."""
        out = _Capped(self.max_items)
        pod_tables = self.cluster.of("", "pods")
        name = str(self.meta.get("name", ""))
        namespace = str(self.meta.get("namespace") or "")
        if kind == "Node":
            for rt, table in pod_tables:
                for uid in sorted(table.by_node.uids(name)):
                    row = table[uid]
                    out.add(ref(rt, row.namespace, row.name, row.uid))
        elif kind == "Service":
            sel = _selector(_service_selector(self.obj))
            if sel is not None:
                for rt, table in pod_tables:
                    for uid in sorted(table.by_namespace.uids(namespace)):
                        row = table[uid]
                        if sel.matches(row.labels):
                            out.add(ref(rt, row.namespace, row.name, row.uid))
        elif kind != "Pod":
            frontier = [str(self.meta.get("uid", ""))]
            seen = set(frontier)
            for _ in range(MAX_DEPTH):
                nxt: list[str] = []
                for rt, table in self.cluster.tables:
                    if (rt.group, rt.resource) in _NOT_OWNED:
                        continue
                    for owner in frontier:
                        for uid in sorted(table.by_owner.uids(owner)):
                            if uid in seen:
                                continue
                            seen.add(uid)
                            row = table[uid]
                            if (rt.group, rt.resource) == ("", "pods"):
                                out.add(ref(rt, row.namespace, row.name, row.uid))
                            else:
                                nxt.append(uid)
                if not nxt:
                    break
                frontier = nxt
        return list(out), out.total

    def node(self, kind: str) -> Ref | None:
        if kind != "Pod":
            return None
        name = _dig(self.obj, ("spec", "nodeName"))
        if not isinstance(name, str) or not name:
            return None
        for rt, table in self.cluster.of("", "nodes"):
            for row in table.rows():
                if row.name == name:
                    return ref(rt, "", row.name, row.uid)
        rt_node = self.cluster.kind("v1", "Node")
        return ref(rt_node, "", name, "") if rt_node is not None else None

    def pod_spec(self, kind: str) -> Mapping[str, Any] | None:
        if kind == "Pod":
            spec = self.obj.get("spec")
        else:
            path = _WORKLOAD_TEMPLATES.get(kind)
            spec = _dig(self.obj, (*path, "spec")) if path else None
        return spec if isinstance(spec, Mapping) else None

    def volumes(self, kind: str) -> list[dict[str, Any]]:
        spec = self.pod_spec(kind)
        namespace = str(self.meta.get("namespace") or "")
        out: list[dict[str, Any]] = []
        for v in (spec or {}).get("volumes") or []:
            if not isinstance(v, Mapping):
                continue
            source = next((k for k in v if k != "name"), "")
            target: Ref | None = None
            known = _VOLUME_REFS.get(source)
            if known is not None:
                field_name, resource, vkind = known
                obj_name = _dig(v, (source, field_name))
                if isinstance(obj_name, str) and obj_name:
                    target = self.cluster.find("", resource, namespace, obj_name) or {
                        "group": "",
                        "version": "v1",
                        "resource": resource,
                        "kind": vkind,
                        "namespace": namespace,
                        "name": obj_name,
                        "uid": "",
                    }
            out.append({"name": str(v.get("name", "")), "kind": source, "ref": target})
            if len(out) >= self.max_items:
                break
        return out

    def endpoint_slices(self, kind: str) -> list[Ref]:
        """A service's EndpointSlices: its namespace's slices labelled with its name."""
        if kind != "Service":
            return []
        label = (SERVICE_NAME_LABEL, str(self.meta.get("name", "")))
        namespace = str(self.meta.get("namespace") or "")
        out = _Capped(self.max_items)
        for rt, table in self.cluster.of("discovery.k8s.io", "endpointslices"):
            for uid in sorted(table.by_label.uids(label)):
                row = table[uid]
                if row.namespace == namespace:
                    out.add(ref(rt, row.namespace, row.name, row.uid))
        return list(out)

    def services(self, kind: str) -> list[Ref]:
        """Services of the namespace whose selector matches the pod's labels, or the labels of
        a workload's pod template; an EndpointSlice's service (its service-name label)."""
        namespace = str(self.meta.get("namespace") or "")
        if kind == "EndpointSlice":
            labels = self.meta.get("labels")
            name = labels.get(SERVICE_NAME_LABEL) if isinstance(labels, Mapping) else None
            found = self.cluster.find("", "services", namespace, str(name)) if name else None
            return [found] if found is not None else []
        if kind == "Pod":
            labels = self.meta.get("labels")
        else:
            path = _WORKLOAD_TEMPLATES.get(kind)
            labels = _dig(self.obj, (*path, "metadata", "labels")) if path else None
        if not isinstance(labels, Mapping):
            return []
        out = _Capped(self.max_items)
        for rt, table in self.cluster.of("", "services"):
            for uid in sorted(table.by_namespace.uids(namespace)):
                row = table[uid]
                sel = _selector(str(getattr(row, "selector", "")))
                if sel is not None and sel.matches(labels):
                    out.add(ref(rt, row.namespace, row.name, row.uid))
        return list(out)

    def as_dict(self) -> dict[str, Any]:
        kind = str(self.obj.get("kind", ""))
        pods, total = self.pods(kind)
        return {
            "owners": self.owners(),
            "owned": self.owned(),
            "pods": pods,
            "podsTotal": total,
            "node": self.node(kind),
            "volumes": self.volumes(kind),
            "services": self.services(kind),
            "endpointSlices": self.endpoint_slices(kind),
        }


def _service_selector(obj: Mapping[str, Any]) -> str:
    sel = _dig(obj, ("spec", "selector"))
    if not isinstance(sel, Mapping) or not sel:
        return ""
    return ",".join(f"{k}={v}" for k, v in sorted(sel.items()))
