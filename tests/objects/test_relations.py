"""Relations from hand-built tables: owner chains (cycles stop), owned trees, caps, selectors."""

from __future__ import annotations

from typing import Any

import orjson

from masthead.kube.discovery import ResourceType
from masthead.objects.relations import ClusterTables, Relations
from masthead.store.projection import ProjectionCodec, projection_for
from masthead.store.table import Table

VERBS = frozenset({"get", "list", "watch"})
TYPES = {
    "pods": ResourceType("", "v1", "pods", "Pod", True, VERBS),
    "services": ResourceType("", "v1", "services", "Service", True, VERBS),
    "replicasets": ResourceType("apps", "v1", "replicasets", "ReplicaSet", True, VERBS),
    "deployments": ResourceType("apps", "v1", "deployments", "Deployment", True, VERBS),
    "events": ResourceType("", "v1", "events", "Event", True, VERBS),
}


def meta(name: str, uid: str, owner: str | None = None, **labels: str) -> dict[str, Any]:
    m: dict[str, Any] = {"name": name, "namespace": "ns", "uid": uid, "labels": labels}
    if owner:
        m["ownerReferences"] = [
            {"apiVersion": "apps/v1", "kind": "X", "name": owner, "uid": owner, "controller": True}
        ]
    return m


def cluster(objects: dict[str, list[dict[str, Any]]]) -> ClusterTables:
    tables = []
    for resource, objs in objects.items():
        rt = TYPES[resource]
        codec = ProjectionCodec(projection_for(rt))
        table: Table[Any] = Table(codec.projection.columns)
        for o in objs:
            table.upsert(codec.decode_object(orjson.dumps(o)))
        tables.append((rt, table))
    return ClusterTables(tables, list(TYPES.values()))


def world(pods: int = 3) -> ClusterTables:
    return cluster(
        {
            "deployments": [{"metadata": meta("d", "d")}],
            "replicasets": [{"metadata": meta("rs", "rs", "d")}],
            "pods": [
                {"metadata": meta(f"p{i}", f"p{i}", "rs", app="web"), "spec": {"nodeName": "n"}}
                for i in range(pods)
            ],
            "services": [
                {"metadata": meta("web", "svc"), "spec": {"selector": {"app": "web"}}},
                {"metadata": meta("manual", "svc2"), "spec": {}},  # no selector: selects nothing
            ],
            "events": [
                {"metadata": meta("e", "e"), "involvedObject": {"uid": "d", "kind": "Deployment"}}
            ],
        }
    )


def test_owner_chain_and_owned_tree() -> None:
    c = world()
    pod = {"kind": "Pod", "metadata": meta("p0", "p0", "rs", app="web")}
    rel = Relations(c, pod).as_dict()
    assert [(r["kind"], r["uid"]) for r in rel["owners"]] == [
        ("ReplicaSet", "rs"),
        ("Deployment", "d"),
    ]
    assert [r["uid"] for r in rel["services"]] == ["svc"]
    d = {
        "kind": "Deployment",
        "metadata": meta("d", "d"),
        "spec": {"template": {"metadata": {"labels": {"app": "web"}}}},
    }
    rel = Relations(c, d).as_dict()
    assert [r["uid"] for r in rel["owned"]] == ["rs"]  # the event is no child
    assert [r["uid"] for r in rel["pods"]] == ["p0", "p1", "p2"] and rel["podsTotal"] == 3
    assert [r["uid"] for r in rel["services"]] == ["svc"]


def test_lists_are_capped_with_the_total_kept() -> None:
    rel = Relations(world(pods=7), {"kind": "Deployment", "metadata": meta("d", "d")}, 2)
    out = rel.as_dict()
    assert len(out["pods"]) == 2 and out["podsTotal"] == 7


def test_owner_cycles_stop() -> None:
    c = cluster(
        {
            "replicasets": [
                {"metadata": meta("a", "a", "b")},
                {"metadata": meta("b", "b", "a")},
            ]
        }
    )
    rel = Relations(c, {"kind": "ReplicaSet", "metadata": meta("a", "a", "b")}).as_dict()
    assert [r["uid"] for r in rel["owners"]] == ["b"]


def test_service_pods_by_selector() -> None:
    c = world()
    svc = {"kind": "Service", "metadata": meta("web", "svc"), "spec": {"selector": {"app": "web"}}}
    assert [r["uid"] for r in Relations(c, svc).as_dict()["pods"]] == ["p0", "p1", "p2"]
    manual = {"kind": "Service", "metadata": meta("manual", "svc2"), "spec": {}}
    assert Relations(c, manual).as_dict()["pods"] == []
