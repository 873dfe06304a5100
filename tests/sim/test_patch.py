"""PATCH semantics, checked against the recorded kube-apiserver exchanges and by properties."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from masthead.sim.errors import ApiError
from masthead.sim.patch import (
    json_patch,
    merge_patch,
    parse_patch_body,
    strategic_merge_patch,
)
from tests.conftest import exchange, load_fixture

# Fields the server sets on every write; the patch functions leave them to the caller.
_SERVER_OWNED = ("resourceVersion", "generation", "managedFields")
# Container defaults the apps/v1 defaulter adds (see fixture 02's create note).
_CONTAINER_DEFAULTS = {
    "resources": {},
    "terminationMessagePath": "/dev/termination-log",
    "terminationMessagePolicy": "File",
    "imagePullPolicy": "IfNotPresent",
}


def _comparable(obj: dict[str, Any]) -> dict[str, Any]:
    meta = {k: v for k, v in obj["metadata"].items() if k not in _SERVER_OWNED}
    return {**obj, "metadata": meta}


def _with_container_defaults(obj: dict[str, Any]) -> dict[str, Any]:
    spec = obj["spec"]["template"]["spec"]
    containers = [{**_CONTAINER_DEFAULTS, **c} for c in spec["containers"]]
    template = {**obj["spec"]["template"], "spec": {**spec, "containers": containers}}
    return {**obj, "spec": {**obj["spec"], "template": template}}


CRUD_PATCHES = [
    (
        "update cm1 without resourceVersion (unconditional, 200)",
        "merge patch cm1 (data.b, new label)",
        None,
    ),
    ("merge patch cm1 (data.b, new label)", "JSON patch cm1 (add c, remove b)", None),
    ("get deployment web", "merge patch deployment replicas=3", None),
    (
        "merge patch deployment replicas=3",
        "strategic merge patch adds a sidecar container (list merged by name)",
        _with_container_defaults,
    ),
    (
        "strategic merge patch adds a sidecar container (list merged by name)",
        "strategic merge patch changes the web container image by name",
        None,
    ),
    (
        "strategic merge patch changes the web container image by name",
        "strategic merge patch deletes the sidecar with $patch: delete",
        None,
    ),
    (
        "strategic merge patch deletes the sidecar with $patch: delete",
        "merge patch on containers replaces the whole list",
        _with_container_defaults,
    ),
]


@pytest.mark.parametrize(("before_name", "patch_name", "defaulter"), CRUD_PATCHES)
def test_recorded_patches_replay(before_name: str, patch_name: str, defaulter: Any) -> None:
    crud = load_fixture("02-crud")
    before = exchange(crud, before_name)["response"]["body"]
    recorded = exchange(crud, patch_name)
    request = recorded["request"]
    kind, body = parse_patch_body(
        request["headers"]["Content-Type"], json.dumps(request["body"]).encode()
    )
    if kind == "json":
        patched = json_patch(before, body)
    elif kind == "merge":
        patched = merge_patch(before, body)
    else:
        patched = strategic_merge_patch(before, body, "apps", "Deployment")
    if defaulter is not None:
        patched = defaulter(patched)
    assert _comparable(patched) == _comparable(recorded["response"]["body"])


def test_patches_do_not_mutate_inputs() -> None:
    crud = load_fixture("02-crud")
    before = exchange(crud, "merge patch deployment replicas=3")["response"]["body"]
    body = {"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "x"}]}}}}
    snapshot, body_snapshot = json.dumps(before), json.dumps(body)
    strategic_merge_patch(before, body, "apps", "Deployment")
    merge_patch(before, body)
    json_patch(before, [{"op": "replace", "path": "/spec/replicas", "value": 9}])
    assert (json.dumps(before), json.dumps(body)) == (snapshot, body_snapshot)


# --- JSON patch ----------------------------------------------------------------------------


def test_json_patch_operations() -> None:
    doc = {"a": {"b/c": 1, "d~e": 2}, "l": [1, 2]}
    ops = [
        {"op": "add", "path": "/l/-", "value": 3},
        {"op": "add", "path": "/l/0", "value": 0},
        {"op": "replace", "path": "/a/b~1c", "value": 10},
        {"op": "remove", "path": "/a/d~0e"},
        {"op": "copy", "from": "/l", "path": "/m"},
        {"op": "move", "from": "/a", "path": "/n"},
        {"op": "test", "path": "/n/b~1c", "value": 10},
    ]
    assert json_patch(doc, ops) == {"l": [0, 1, 2, 3], "m": [0, 1, 2, 3], "n": {"b/c": 10}}
    assert doc == {"a": {"b/c": 1, "d~e": 2}, "l": [1, 2]}


@pytest.mark.parametrize(
    "op",
    [
        {"op": "test", "path": "/a", "value": "2"},
        {"op": "test", "path": "/t", "value": 1},
        {"op": "remove", "path": "/missing"},
        {"op": "replace", "path": "/missing", "value": 1},
        {"op": "add", "path": "/no/such/parent", "value": 1},
        {"op": "add", "path": "/l/5", "value": 1},
        {"op": "move", "from": "/o", "path": "/o/x"},
        {"op": "frobnicate", "path": "/a"},
        {"op": "add", "path": "a", "value": 1},
    ],
)
def test_json_patch_failures_are_generic_422(op: dict[str, Any]) -> None:
    with pytest.raises(ApiError) as info:
        json_patch({"a": 1, "t": True, "l": [], "o": {}}, [op])
    assert info.value.status() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "the server rejected our request due to an error in our request",
        "reason": "Invalid",
        "details": {},
        "code": 422,
    }


def test_json_patch_body_must_be_a_list() -> None:
    with pytest.raises(ApiError) as info:
        json_patch({}, {"op": "add"})
    assert (info.value.code, info.value.message) == (
        400,
        "json: cannot unmarshal object into Go value of type jsonpatch.Patch",
    )


_keys = st.text(alphabet="ab/~c", min_size=1, max_size=3)
_scalars = st.one_of(st.integers(-5, 5), st.text(max_size=3), st.booleans())
_json = st.recursive(
    _scalars, lambda inner: st.dictionaries(_keys, inner, max_size=3) | st.lists(inner, max_size=3)
)
_docs = st.dictionaries(_keys, _json, max_size=4)


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


@given(_docs, _keys, _json)
def test_json_patch_add_then_remove_is_identity(doc: dict[str, Any], key: str, value: Any) -> None:
    doc.pop(key, None)
    path = "/" + _escape(key)
    ops = [{"op": "add", "path": path, "value": value}, {"op": "remove", "path": path}]
    assert json_patch(doc, ops) == doc


# --- Merge patch ---------------------------------------------------------------------------


def _merge_diff(source: Any, target: Any) -> Any:
    """Oracle: the RFC 7386 patch that turns `source` into `target`."""
    if not (isinstance(source, dict) and isinstance(target, dict)):
        return target
    patch = {k: None for k in source if k not in target}
    for key, value in target.items():
        if key not in source:
            patch[key] = value
        elif source[key] != value or type(source[key]) is not type(value):
            patch[key] = _merge_diff(source[key], value)
    return patch


_null_free = st.recursive(
    _scalars, lambda inner: st.dictionaries(_keys, inner, max_size=3) | st.lists(inner, max_size=3)
)


@given(_docs, st.dictionaries(_keys, _null_free, max_size=4))
def test_merge_patch_of_a_diff_reproduces_the_target(
    source: dict[str, Any], target: dict[str, Any]
) -> None:
    assert merge_patch(source, _merge_diff(source, target)) == target


def test_merge_patch_rules() -> None:
    doc = {"a": {"x": 1, "y": 2}, "l": [1, 2], "s": "v"}
    patch = {"a": {"x": None, "z": {"n": None, "m": 1}}, "l": [3], "s": None}
    assert merge_patch(doc, patch) == {"a": {"y": 2, "z": {"m": 1}}, "l": [3]}
    with pytest.raises(ApiError) as info:
        merge_patch(doc, [1])
    assert info.value.code == 400


# --- Strategic merge patch -----------------------------------------------------------------


def _pod(**spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec}


def _smp_pod(doc: dict[str, Any], spec_patch: dict[str, Any]) -> dict[str, Any]:
    return strategic_merge_patch(doc, {"spec": spec_patch}, "", "Pod")["spec"]  # type: ignore[no-any-return]


def test_smp_merges_containers_env_ports_and_mounts_by_key() -> None:
    pod = _pod(
        containers=[
            {
                "name": "a",
                "env": [{"name": "X", "value": "1"}, {"name": "Y", "value": "2"}],
                "ports": [{"containerPort": 80, "protocol": "TCP"}],
                "volumeMounts": [{"mountPath": "/d", "name": "v"}],
            }
        ]
    )
    spec = _smp_pod(
        pod,
        {
            "containers": [
                {
                    "name": "a",
                    "env": [{"name": "Y", "value": "3"}],
                    "ports": [{"containerPort": 80, "name": "http"}],
                    "volumeMounts": [{"mountPath": "/e", "name": "w"}],
                }
            ]
        },
    )
    assert spec["containers"] == [
        {
            "name": "a",
            "env": [{"name": "X", "value": "1"}, {"name": "Y", "value": "3"}],
            "ports": [{"containerPort": 80, "protocol": "TCP", "name": "http"}],
            "volumeMounts": [{"mountPath": "/e", "name": "w"}, {"mountPath": "/d", "name": "v"}],
        }
    ]


def test_smp_list_directives() -> None:
    pod = _pod(volumes=[{"name": "a"}, {"name": "b"}], tolerations=[{"key": "k"}])
    assert _smp_pod(pod, {"volumes": [{"name": "a", "$patch": "delete"}]})["volumes"] == [
        {"name": "b"}
    ]
    replaced = _smp_pod(pod, {"volumes": [{"name": "c"}, {"$patch": "replace"}]})
    assert replaced["volumes"] == [{"name": "c"}]
    # Lists without a strategy are replaced whole.
    assert _smp_pod(pod, {"tolerations": [{"key": "j"}]})["tolerations"] == [{"key": "j"}]
    with pytest.raises(ApiError) as info:
        _smp_pod(pod, {"volumes": [{"$patch": "merge"}]})
    assert info.value.message == "merging lists cannot yet be specified in the patch"
    with pytest.raises(ApiError) as info:
        _smp_pod(pod, {"volumes": [{"emptyDir": {}}]})
    assert (
        info.value.message == "map: map[emptyDir:map[]] does not contain declared merge key: name"
    )


def test_smp_map_directives_and_null() -> None:
    pod = _pod(securityContext={"runAsUser": 1, "fsGroup": 2}, hostname="h")
    assert _smp_pod(pod, {"securityContext": {"$patch": "replace", "runAsGroup": 3}})[
        "securityContext"
    ] == {"runAsGroup": 3}
    assert _smp_pod(pod, {"securityContext": {"$patch": "delete"}})["securityContext"] == {}
    assert "hostname" not in _smp_pod(pod, {"hostname": None})


def test_smp_retain_keys() -> None:
    deploy = {
        "kind": "Deployment",
        "spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}},
    }
    patch = {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}
    out = strategic_merge_patch(deploy, patch, "apps", "Deployment")
    assert out["spec"]["strategy"] == {"type": "Recreate"}
    bad = {"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": {}}}}
    with pytest.raises(ApiError) as info:
        strategic_merge_patch(deploy, bad, "apps", "Deployment")
    assert (info.value.code, info.value.message) == (400, "invalid patch format of retainKeys")


def test_smp_set_element_order() -> None:
    pod = _pod(containers=[{"name": "a"}, {"name": "b"}, {"name": "c"}])
    patch = {
        "$setElementOrder/containers": [{"name": "c"}, {"name": "a"}, {"name": "b"}],
        "containers": [{"name": "a", "image": "x"}],
    }
    assert _smp_pod(pod, patch)["containers"] == [
        {"name": "c"},
        {"name": "a", "image": "x"},
        {"name": "b"},
    ]


def test_smp_new_items_go_before_remaining_server_items() -> None:
    pod = _pod(containers=[{"name": "a"}, {"name": "b"}])
    out = _smp_pod(pod, {"containers": [{"name": "b", "image": "y"}, {"name": "z"}]})
    assert [c["name"] for c in out["containers"]] == ["a", "b", "z"]
    out = _smp_pod(pod, {"containers": [{"name": "z"}]})
    assert [c["name"] for c in out["containers"]] == ["z", "a", "b"]


def test_smp_finalizers_are_a_merged_primitive_list() -> None:
    cm = {"kind": "ConfigMap", "metadata": {"name": "c", "finalizers": ["a", "b"]}}
    add = strategic_merge_patch(cm, {"metadata": {"finalizers": ["c", "a"]}}, "", "ConfigMap")
    assert add["metadata"]["finalizers"] == ["c", "a", "b"]
    removed = strategic_merge_patch(
        cm, {"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}}, "", "ConfigMap"
    )
    assert removed["metadata"]["finalizers"] == ["b"]
    untouched = strategic_merge_patch(
        {"metadata": {}}, {"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}}, "", "X"
    )
    assert untouched == {"metadata": {}}


def test_smp_keyed_paths_of_other_kinds() -> None:
    owners = {"metadata": {"ownerReferences": [{"uid": "1", "name": "a"}]}}
    out = strategic_merge_patch(
        owners, {"metadata": {"ownerReferences": [{"uid": "2", "name": "b"}]}}, "", "Secret"
    )
    assert [o["uid"] for o in out["metadata"]["ownerReferences"]] == ["2", "1"]

    svc = {"spec": {"ports": [{"port": 80, "name": "http"}, {"port": 443}]}}
    out = strategic_merge_patch(
        svc, {"spec": {"ports": [{"port": 80, "name": "w"}]}}, "", "Service"
    )
    assert out["spec"]["ports"] == [{"port": 80, "name": "w"}, {"port": 443}]

    node = {
        "status": {
            "conditions": [{"type": "Ready", "status": "False"}],
            "addresses": [{"type": "Hostname", "address": "n"}],
        }
    }
    patch = {
        "status": {
            "conditions": [{"type": "Ready", "status": "True"}],
            "addresses": [{"type": "InternalIP", "address": "10.0.0.1"}],
        }
    }
    out = strategic_merge_patch(node, patch, "", "Node")
    assert out["status"]["conditions"] == [{"type": "Ready", "status": "True"}]
    assert len(out["status"]["addresses"]) == 2

    cron = {
        "spec": {
            "jobTemplate": {
                "spec": {
                    "template": {
                        "spec": {"containers": [{"name": "a", "image": "1"}, {"name": "b"}]}
                    }
                }
            }
        }
    }
    cron_patch = {
        "spec": {
            "jobTemplate": {
                "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "2"}]}}}
            }
        }
    }
    out = strategic_merge_patch(cron, cron_patch, "batch", "CronJob")
    assert out["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"] == [
        {"name": "a", "image": "2"},
        {"name": "b"},
    ]
    template = {"template": {"spec": {"containers": [{"name": "a"}]}}}
    template_patch = {"template": {"spec": {"containers": [{"name": "b"}]}}}
    out = strategic_merge_patch(template, template_patch, "", "PodTemplate")
    assert [c["name"] for c in out["template"]["spec"]["containers"]] == ["b", "a"]


_plain_keys = st.text(alphabet="abc", min_size=1, max_size=3)
_plain = st.recursive(
    _scalars,
    lambda inner: st.dictionaries(_plain_keys, inner, max_size=3) | st.lists(_scalars, max_size=3),
)
_plain_patch = st.recursive(
    st.one_of(_scalars, st.none()),
    lambda inner: st.dictionaries(_plain_keys, inner, max_size=3) | st.lists(_scalars, max_size=3),
)


@given(
    st.dictionaries(_plain_keys, _plain, max_size=4),
    st.dictionaries(_plain_keys, _plain_patch, max_size=4),
)
def test_smp_without_merge_keys_equals_merge_patch(
    doc: dict[str, Any], patch: dict[str, Any]
) -> None:
    assert strategic_merge_patch(doc, patch, "", "ConfigMap") == merge_patch(doc, patch)


# --- Content types -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("application/json-patch+json", "json"),
        ("application/merge-patch+json; charset=utf-8", "merge"),
        ("application/strategic-merge-patch+json", "strategic"),
        ("application/apply-patch+yaml", "apply"),
    ],
)
def test_parse_patch_body_types(content_type: str, expected: str) -> None:
    assert parse_patch_body(content_type, b'{"a": 1}') == (expected, {"a": 1})


def test_apply_body_may_be_yaml() -> None:
    body = b"apiVersion: v1\nkind: ConfigMap\ndata:\n  k: v\n"
    assert parse_patch_body("application/apply-patch+yaml", body) == (
        "apply",
        {"apiVersion": "v1", "kind": "ConfigMap", "data": {"k": "v"}},
    )


def test_unsupported_patch_type_on_builtin_matches_recording() -> None:
    recorded = exchange(
        load_fixture("03-validation-errors"), "patch with unsupported Content-Type text/plain (415)"
    )
    with pytest.raises(ApiError) as info:
        parse_patch_body("text/plain", recorded["request"]["body"].encode())
    assert info.value.status() == recorded["response"]["body"]


def test_strategic_merge_on_custom_resource_matches_recording() -> None:
    recorded = exchange(
        load_fixture("07-subresources-crd"), "strategic merge patch on a custom resource (415)"
    )
    request = recorded["request"]
    with pytest.raises(ApiError) as info:
        parse_patch_body(
            request["headers"]["Content-Type"],
            json.dumps(request["body"]).encode(),
            custom_resource=True,
        )
    assert info.value.status() == recorded["response"]["body"]


def test_malformed_patch_body_is_400() -> None:
    with pytest.raises(ApiError) as info:
        parse_patch_body("application/merge-patch+json", b"{nope")
    assert info.value.code == 400
