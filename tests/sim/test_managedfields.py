"""managedFields and server-side apply, checked against the recorded kube-apiserver exchanges."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from masthead.sim.app import Simulator
from masthead.sim.errors import ApiError
from masthead.sim.managedfields import (
    decode,
    difference,
    encode,
    encode_from,
    intersection,
    manager_from_user_agent,
    paths,
    record_update,
    server_side_apply,
    union,
)
from masthead.sim.registry import WriteContext
from tests.conftest import exchange, load_fixture

TS = "<ts>"  # the fixtures normalise every time to this, so passing it allows exact comparison


def _body(scenario: str, name: str) -> dict[str, Any]:
    return exchange(load_fixture(scenario), name)["response"]["body"]  # type: ignore[no-any-return]


def _strip(obj: dict[str, Any]) -> dict[str, Any]:
    meta = {k: v for k, v in obj["metadata"].items() if k != "managedFields"}
    return {**obj, "metadata": meta}


def _carrying(obj: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    """`obj` as a patch would produce it: still carrying the previous managedFields."""
    meta = {**obj["metadata"], "managedFields": previous["metadata"]["managedFields"]}
    return {**obj, "metadata": meta}


@pytest.mark.parametrize(
    ("scenario", "name", "api_version"),
    [
        ("02-crud", "create configmap cm1 (201)", "v1"),
        ("02-crud", "create deployment web (201, defaults filled in)", "apps/v1"),
        ("02-crud", "dryRun=All create cm-dry (201, not persisted)", "v1"),
    ],
)
def test_create_matches_recording(scenario: str, name: str, api_version: str) -> None:
    recorded = _body(scenario, name)
    out = record_update(None, _strip(recorded), manager="kdiff", api_version=api_version, time=TS)
    assert out["metadata"]["managedFields"] == recorded["metadata"]["managedFields"]
    assert _strip(out) == _strip(recorded)


def test_finalizers_are_recorded_as_a_set() -> None:
    cm = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c", "finalizers": ["example.com/hold"]},
        "data": {"a": "1"},
    }
    out = record_update(None, cm, manager="kdiff", api_version="v1", time=TS)
    assert out["metadata"]["managedFields"][0]["fieldsV1"] == {
        "f:data": {".": {}, "f:a": {}},
        "f:metadata": {"f:finalizers": {".": {}, 'v:"example.com/hold"': {}}},
    }


SEQUENCE = [
    ("get configmap cm1", "update cm1 with current resourceVersion (200)", "v1"),
    (
        "update cm1 without resourceVersion (unconditional, 200)",
        "merge patch cm1 (data.b, new label)",
        "v1",
    ),
    ("merge patch cm1 (data.b, new label)", "JSON patch cm1 (add c, remove b)", "v1"),
    ("get deployment web", "merge patch deployment replicas=3", "apps/v1"),
    (
        "merge patch deployment replicas=3",
        "strategic merge patch adds a sidecar container (list merged by name)",
        "apps/v1",
    ),
    (
        "strategic merge patch adds a sidecar container (list merged by name)",
        "strategic merge patch changes the web container image by name",
        "apps/v1",
    ),
    (
        "strategic merge patch changes the web container image by name",
        "strategic merge patch deletes the sidecar with $patch: delete",
        "apps/v1",
    ),
    (
        "strategic merge patch deletes the sidecar with $patch: delete",
        "merge patch on containers replaces the whole list",
        "apps/v1",
    ),
]


@pytest.mark.parametrize(("before", "after", "api_version"), SEQUENCE)
def test_writes_match_recording(before: str, after: str, api_version: str) -> None:
    old, recorded = _body("02-crud", before), _body("02-crud", after)
    out = record_update(
        old, _carrying(recorded, old), manager="kdiff", api_version=api_version, time=TS
    )
    assert out["metadata"]["managedFields"] == recorded["metadata"]["managedFields"]


def test_scale_write_has_its_own_entry_without_time() -> None:
    recorded = _body("07-subresources-crd", "get deployment web after scale (spec.replicas=5)")
    created = _body("02-crud", "create deployment web (201, defaults filled in)")
    old = {
        **recorded,
        "metadata": {**recorded["metadata"], "managedFields": created["metadata"]["managedFields"]},
        "spec": {**recorded["spec"], "replicas": 2},
    }
    out = record_update(
        old, _strip(recorded), manager="kdiff", api_version="apps/v1", time=TS, subresource="scale"
    )
    assert out["metadata"]["managedFields"] == recorded["metadata"]["managedFields"]


def test_status_writes_get_a_status_entry_and_others_lose_nothing() -> None:
    old = record_update(
        None,
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "p"},
            "spec": {"nodeName": "n"},
            "status": {},
        },
        manager="kubectl",
        api_version="v1",
        time="2024-01-01T00:00:00Z",
    )
    new = {**old, "status": {"phase": "Running"}}
    out = record_update(
        old,
        new,
        manager="kubelet",
        api_version="v1",
        time="2024-01-01T00:00:05Z",
        subresource="status",
    )
    assert out["metadata"]["managedFields"] == [
        {
            "manager": "kubectl",
            "operation": "Update",
            "apiVersion": "v1",
            "time": "2024-01-01T00:00:00Z",
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:spec": {"f:nodeName": {}}},
        },
        {
            "manager": "kubelet",
            "operation": "Update",
            "apiVersion": "v1",
            "time": "2024-01-01T00:00:05Z",
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:status": {"f:phase": {}}},
            "subresource": "status",
        },
    ]


def test_changed_fields_move_to_the_writer_and_empty_entries_go() -> None:
    base = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1"}}
    first = record_update(None, base, manager="one", api_version="v1", time="t1")
    second = record_update(
        first, {**first, "data": {"a": "2"}}, manager="two", api_version="v1", time="t2"
    )
    managers = [(e["manager"], e["fieldsV1"]) for e in second["metadata"]["managedFields"]]
    assert managers == [
        ("one", {"f:data": {}}),
        ("two", {"f:data": {"f:a": {}}}),
    ]
    emptied = {k: v for k, v in second.items() if k != "data"}
    third = record_update(second, emptied, manager="three", api_version="v1", time="t3")
    # Removing gives "three" nothing to own and takes the fields away from the others.
    assert "managedFields" not in third["metadata"]


def test_client_supplied_managed_fields_win_and_can_be_reset() -> None:
    base = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1"}}
    first = record_update(None, base, manager="one", api_version="v1", time="t1")
    reset = {**first, "metadata": {**first["metadata"], "managedFields": [{}]}, "data": {"b": "1"}}
    out = record_update(first, reset, manager="two", api_version="v1", time="t2")
    assert [(e["manager"], e["fieldsV1"]) for e in out["metadata"]["managedFields"]] == [
        ("two", {"f:data": {"f:b": {}}})
    ]


# --- Server-side apply ---------------------------------------------------------------------

SSA = [
    "server-side apply creates cm-ssa (fieldManager=mgr-a)",
    "server-side apply from mgr-b changing data.key (409 conflict)",
    "server-side apply from mgr-b with force=true (200)",
    "server-side apply from mgr-a dropping only-a (field removed)",
]


def test_server_side_apply_sequence_matches_recording() -> None:
    crud = load_fixture("02-crud")
    live: dict[str, Any] | None = None
    for name in SSA:
        recorded = exchange(crud, name)
        query = recorded["request"]["query"]
        expected = recorded["response"]["body"]
        try:
            out = server_side_apply(
                live,
                recorded["request"]["body"],
                manager=query["fieldManager"],
                force=query.get("force") == "true",
                api_version="v1",
                time=TS,
                group="",
                kind="ConfigMap",
            )
        except ApiError as err:
            assert recorded["response"]["status"] == 409
            assert err.status() == expected
            continue
        assert recorded["response"]["status"] in (200, 201)
        assert out["metadata"].get("managedFields") == expected["metadata"]["managedFields"]
        assert out["data"] == expected["data"]
        live = expected


def _cm(**data: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": data}


def _apply(live: dict[str, Any] | None, cfg: dict[str, Any], manager: str, **kw: Any) -> Any:
    return server_side_apply(
        live,
        cfg,
        manager=manager,
        force=kw.get("force", False),
        api_version="v1",
        time=kw.get("time", TS),
        group="",
        kind="ConfigMap",
    )


def test_multiple_conflicts_message() -> None:
    live = _apply(None, _cm(x="1", y="1"), "mgr-a")
    live = record_update(
        live,
        {**live, "data": {**live["data"], "z": "1"}},
        manager="kubectl-edit",
        api_version="v1",
        time=TS,
    )
    with pytest.raises(ApiError) as info:
        _apply(live, _cm(x="2", y="2", z="2"), "mgr-b")
    assert info.value.message == (
        'Apply failed with 3 conflicts: conflicts with "kubectl-edit" using v1:\n- .data.z\n'
        'conflicts with "mgr-a":\n- .data.x\n- .data.y'
    )
    assert info.value.details == {
        "causes": [
            {
                "reason": "FieldManagerConflict",
                "message": 'conflict with "mgr-a"',
                "field": ".data.x",
            },
            {
                "reason": "FieldManagerConflict",
                "message": 'conflict with "mgr-a"',
                "field": ".data.y",
            },
            {
                "reason": "FieldManagerConflict",
                "message": 'conflict with "kubectl-edit" using v1',
                "field": ".data.z",
            },
        ]
    }


def test_applying_the_same_value_shares_ownership() -> None:
    live = _apply(None, _cm(x="1"), "mgr-a", time="t1")
    out = _apply(live, _cm(x="1"), "mgr-b", time="t2")
    entries = out["metadata"]["managedFields"]
    # Nothing changed, so mgr-b's entry carries no time and sorts first, as upstream.
    assert [(e["manager"], e.get("time"), e["fieldsV1"]) for e in entries] == [
        ("mgr-b", None, {"f:data": {"f:x": {}}}),
        ("mgr-a", "t1", {"f:data": {"f:x": {}}}),
    ]
    # A shared field survives when one owner stops applying it.
    dropped = _apply(out, _cm(), "mgr-a")
    assert dropped["data"] == {"x": "1"}


def test_apply_merges_keyed_lists_and_records_keys() -> None:
    def deploy(containers: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {"template": {"spec": {"containers": containers}}},
        }

    def apply(live: Any, cfg: dict[str, Any], manager: str) -> dict[str, Any]:
        return server_side_apply(
            live,
            cfg,
            manager=manager,
            force=False,
            api_version="apps/v1",
            time=TS,
            group="apps",
            kind="Deployment",
        )

    live = apply(
        None, deploy([{"name": "web", "image": "a", "ports": [{"containerPort": 80}]}]), "mgr-a"
    )
    live = apply(live, deploy([{"name": "side", "image": "b"}]), "mgr-b")
    containers = live["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["web", "side"]
    fields = [e["fieldsV1"] for e in live["metadata"]["managedFields"]]
    assert fields[0] == {
        "f:spec": {
            "f:template": {
                "f:spec": {
                    "f:containers": {
                        'k:{"name":"web"}': {
                            ".": {},
                            "f:image": {},
                            "f:name": {},
                            "f:ports": {
                                'k:{"containerPort":80,"protocol":"TCP"}': {
                                    ".": {},
                                    "f:containerPort": {},
                                }
                            },
                        }
                    }
                }
            }
        }
    }
    # mgr-a drops its container: it goes, mgr-b's stays.
    live = apply(live, deploy([]), "mgr-a")
    assert [c["name"] for c in live["spec"]["template"]["spec"]["containers"]] == ["side"]


def test_apply_entries_sort_before_updates() -> None:
    live = record_update(None, _cm(a="1"), manager="kdiff", api_version="v1", time="t1")
    out = _apply(live, _cm(a="1", b="2"), "mgr", time="t2")
    assert [(e["manager"], e["operation"]) for e in out["metadata"]["managedFields"]] == [
        ("mgr", "Apply"),
        ("kdiff", "Update"),
    ]


@pytest.mark.parametrize(
    ("user_agent", "manager"),
    [
        ("kdiff/1.0", "kdiff"),
        ("kubectl/v1.32.4 (linux/amd64) kubernetes/abc", "kubectl"),
        ("no-slash", "no-slash"),
        ("bad\x00char/1", "badchar"),
        ("x" * 200, "x" * 128),
        ("", ""),
    ],
)
def test_manager_from_user_agent(user_agent: str, manager: str) -> None:
    assert manager_from_user_agent(user_agent) == manager


# --- Set algebra against Python sets ------------------------------------------------------

_elements = st.sampled_from(["f:a", "f:b", 'k:{"name":"x"}', 'v:"s"', "v:2"])
_paths = st.lists(st.lists(_elements, min_size=1, max_size=3).map(tuple), max_size=6)


def _build(path_list: list[tuple[str, ...]]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for path in path_list:
        encoded: dict[str, Any] = {}
        node = encoded
        for element in path:
            node = node.setdefault(element, {})
        fields = union(fields, decode(encoded))
    return fields


def _as_set(path_list: list[tuple[str, ...]]) -> set[str]:
    return set(paths(_build(path_list))) if path_list else set()


@given(_paths, _paths)
def test_set_algebra_matches_python_sets(
    a: list[tuple[str, ...]], b: list[tuple[str, ...]]
) -> None:
    sa, sb = _as_set(a), _as_set(b)
    fa, fb = _build(a), _build(b)
    assert set(paths(union(fa, fb))) == sa | sb
    assert set(paths(difference(fa, fb))) == sa - sb
    assert set(paths(intersection(fa, fb))) == sa & sb
    assert decode(json.loads(json.dumps(encode(fa)))) == fa


def _ordered(wire: Any) -> Any:
    """A FieldsV1 with its key order made part of its value."""
    return [(k, _ordered(v)) for k, v in wire.items()]


@given(_paths, st.lists(st.tuples(st.sampled_from(("union", "difference")), _paths), max_size=4))
def test_encoding_from_the_stored_set_equals_encoding_anew(
    stored: list[tuple[str, ...]], steps: list[tuple[str, list[tuple[str, ...]]]]
) -> None:
    """An entry's set changed by unions and differences from what storage held is written as
    a full encode writes it, to the key order (the stored bytes must not depend on the path)."""
    base_wire = json.loads(json.dumps(encode(_build(stored))))
    base = decode(base_wire)
    fields = base
    for op, other in steps:
        fields = (
            union(fields, _build(other)) if op == "union" else difference(fields, _build(other))
        )
    assert _ordered(encode_from(fields, base, base_wire)) == _ordered(encode(fields))


@given(
    st.dictionaries(st.sampled_from("abcdef"), st.sampled_from("xy"), max_size=6),
    st.dictionaries(st.sampled_from("abcdef"), st.sampled_from("xyz"), max_size=6),
    st.dictionaries(st.sampled_from("abcdef"), st.sampled_from("xyz"), max_size=6),
)
def test_entries_changed_from_storage_are_stored_as_a_full_encode_writes_them(
    first: dict[str, str], second: dict[str, str], third: dict[str, str]
) -> None:
    """Three writers in turn, each update taking keys from the others' stored entries (which
    are re-encoded from their stored FieldsV1): every entry is written in canonical order."""
    obj = record_update(None, _cm(**first), manager="m1", api_version="v1", time=TS)
    for manager, data in (("m2", second), ("m3", third), ("m1", first)):
        new = {**obj, "data": data}
        obj = record_update(obj, new, manager=manager, api_version="v1", time=TS)
        stored = json.loads(json.dumps(obj))
        for entry in stored["metadata"].get("managedFields", []):
            wire = entry["fieldsV1"]
            assert _ordered(wire) == _ordered(encode(decode(wire)))
        obj = stored


@given(st.dictionaries(st.text(min_size=1, max_size=4), st.text(max_size=3), max_size=5))
def test_created_configmap_owns_exactly_its_keys(data: dict[str, str]) -> None:
    out = record_update(None, _cm(**data), manager="m", api_version="v1", time=TS)
    entries = out["metadata"].get("managedFields", [])
    expected = {".data"} | {f".data.{k}" for k in data} if data else {".data"}
    assert set(paths(decode(entries[0]["fieldsV1"]))) == expected


async def test_status_in_an_apply_to_the_main_resource_is_ignored() -> None:
    """Upstream resets status on the main endpoint before computing ownership: a manifest
    carrying the controller's status neither conflicts with it nor takes it over."""
    async with Simulator() as sim:
        info = sim.info("apps", "v1", "deployments")
        sim.registry.create(info, "default", _deployment(), WriteContext("kubectl-create"))
        stored = sim.registry.get(info, "default", "web")
        stored["status"] = {"replicas": 2, "readyReplicas": 2}
        sim.registry.update(
            info,
            "default",
            "web",
            stored,
            WriteContext("kube-controller-manager"),
            subresource="status",
        )
        manifest = _deployment()
        manifest["metadata"]["labels"] = {"team": "shop"}
        manifest["status"] = {"replicas": 9, "readyReplicas": 0}
        out, _ = sim.registry.patch(
            info, "default", "web", "apply", manifest, WriteContext("masthead")
        )
        assert out["metadata"]["labels"] == {"team": "shop"}
        assert out["status"] == {"replicas": 2, "readyReplicas": 2}
        mine = [e for e in out["metadata"]["managedFields"] if e["manager"] == "masthead"]
        assert len(mine) == 1 and "f:status" not in mine[0]["fieldsV1"]


def _deployment(replicas: int = 2) -> dict[str, Any]:
    labels = {"app": "web"}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
            },
        },
    }
