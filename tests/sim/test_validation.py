"""Validation and decoding reproduce the recorded 400s and 422s word for word."""

from __future__ import annotations

import copy
import json
import re
import sys
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from masthead.sim import validation as v
from masthead.sim.defaults import apply_defaults
from masthead.sim.errors import ApiError
from masthead.sim.resources import ResourceInfo, builtin
from tests.conftest import exchange, load_fixture
from tests.sim.simclient import running_sim

CONFIGMAPS = builtin("", "configmaps")
DEPLOYMENTS = builtin("apps", "deployments")


def _recorded(name: str) -> dict[str, Any]:
    return exchange(load_fixture("03-validation-errors"), name)


def _raw(body: Any) -> bytes:
    return body.encode() if isinstance(body, str) else json.dumps(body).encode()


def _status(call: Any) -> dict[str, Any]:
    with pytest.raises(ApiError) as caught:
        call()
    status: dict[str, Any] = caught.value.status()
    return status


@pytest.mark.parametrize(
    "name",
    [
        "create configmap with invalid name Bad_Name (422)",
        "create configmap without name or generateName (422)",
        "create configmap with invalid label value (422)",
    ],
)
def test_recorded_configmap_422(name: str) -> None:
    rec = _recorded(name)
    got = _status(lambda: v.validate_create(CONFIGMAPS, rec["request"]["body"]))
    assert got == rec["response"]["body"]


def test_recorded_deployment_422_with_several_causes_in_upstream_order() -> None:
    rec = _recorded("create deployment missing selector and containers (422, several causes)")
    obj = apply_defaults(DEPLOYMENTS, rec["request"]["body"])
    assert _status(lambda: v.validate_create(DEPLOYMENTS, obj)) == rec["response"]["body"]


def _web(name: str = "web") -> dict[str, Any]:
    body = exchange(load_fixture("02-crud"), "create deployment web (201, defaults filled in)")
    obj = copy.deepcopy(body["request"]["body"])
    obj["metadata"]["name"] = name
    return apply_defaults(DEPLOYMENTS, obj)


def test_recorded_deployment_is_valid() -> None:
    v.validate_create(DEPLOYMENTS, _web())


def test_recorded_immutable_selector_422() -> None:
    rec = _recorded("merge patch changing an immutable deployment selector (422)")
    old = _web("imm")
    new = copy.deepcopy(old)
    new["spec"]["selector"] = {"matchLabels": {"app": "other"}}
    new["spec"]["template"]["metadata"]["labels"] = {"app": "other"}
    assert _status(lambda: v.validate_update(DEPLOYMENTS, new, old)) == rec["response"]["body"]


@pytest.mark.parametrize(
    "name",
    [
        "create with malformed JSON body (400)",
        "create with body kind Secret posted to configmaps (400)",
        "create with unknown field and fieldValidation=Strict (400)",
    ],
)
def test_recorded_decode_400(name: str) -> None:
    rec = _recorded(name)
    req = rec["request"]

    def decode() -> None:
        v.decode_body(
            CONFIGMAPS,
            _raw(req["body"]),
            req["headers"]["Content-Type"],
            field_validation=req["query"].get("fieldValidation"),
        )

    assert _status(decode) == rec["response"]["body"]


def test_recorded_unknown_field_warning_and_drop() -> None:
    rec = _recorded("create with unknown field, default fieldValidation (201 + Warning header)")
    obj, warnings = v.decode_body(CONFIGMAPS, _raw(rec["request"]["body"]), "application/json")
    assert obj == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "unk"},
        "data": {"a": "1"},
    }
    header = rec["response"]["headers"]["Warning"]
    assert [f"299 - {json.dumps(w)}" for w in warnings] == [header]


def test_recorded_namespace_mismatch_400() -> None:
    rec = _recorded("create with body namespace different from URL namespace (400)")
    got = _status(lambda: v.check_namespace(rec["request"]["body"], "fix-val"))
    assert got == rec["response"]["body"]
    v.check_namespace({"metadata": {"namespace": "fix-val"}}, "fix-val")
    v.check_namespace({"metadata": {}}, "fix-val")


def test_ignore_mode_drops_without_warning() -> None:
    body = b'{"kind":"ConfigMap","metadata":{"name":"a","bogus":1}}'
    obj, warnings = v.decode_body(CONFIGMAPS, body, "application/json", field_validation="Ignore")
    assert (obj, warnings) == ({"kind": "ConfigMap", "metadata": {"name": "a"}}, [])


def test_nested_unknown_fields_and_duplicates_are_reported_with_paths() -> None:
    body = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "d"},
        "spec": {"template": {"spec": {"containers": [{"name": "c", "imagee": "x"}]}}},
    }
    raw = json.dumps(body).encode()[:-1] + b', "spec": {"replicas": 1, "foo": 2}}'
    got = _status(
        lambda: v.decode_body(DEPLOYMENTS, raw, "application/json", field_validation="Strict")
    )
    assert got["message"] == (
        'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: '
        'duplicate field "spec", unknown field "spec.foo"'
    )
    _, warnings = v.decode_body(DEPLOYMENTS, json.dumps(body).encode(), "application/json")
    assert warnings == ['unknown field "spec.template.spec.containers[0].imagee"']


def test_yaml_bodies_keep_timestamps_as_strings() -> None:
    raw = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\ndata:\n  when: 2024-05-01\n"
    obj, warnings = v.decode_body(CONFIGMAPS, raw, "application/yaml")
    assert obj["data"] == {"when": "2024-05-01"}
    assert warnings == []


def test_malformed_yaml_quotes_the_body_in_hex() -> None:
    got = _status(lambda: v.decode_body(CONFIGMAPS, b"a: b: c", "application/yaml"))
    assert got["message"].startswith(
        "the object provided is unrecognized (must be of type ConfigMap): "
        "error converting YAML to JSON: yaml: line 1: "
    )
    assert got["message"].endswith(f"({b'a: b: c'.hex()})")


def test_other_media_types_get_415() -> None:
    assert _status(lambda: v.decode_body(CONFIGMAPS, b"{}", "text/plain"))["code"] == 415


def test_non_object_json_cannot_carry_a_kind() -> None:
    got = _status(lambda: v.decode_body(CONFIGMAPS, b"[1]", "application/json"))
    assert "json: cannot unmarshal array into Go value of type struct" in got["message"]
    assert got["message"].endswith("(5b315d)")


def test_wrong_api_version_is_not_registered() -> None:
    raw = b'{"apiVersion":"apps/v1","kind":"ConfigMap"}'
    got = _status(lambda: v.decode_body(CONFIGMAPS, raw, "application/json"))
    assert got["message"] == (
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: no kind "ConfigMap" is '
        'registered for version "apps/v1" in scheme "pkg/api/legacyscheme/scheme.go:30"'
    )


def test_invalid_field_validation_value_is_422() -> None:
    got = _status(
        lambda: v.decode_body(CONFIGMAPS, b"{}", "application/json", field_validation="x")
    )
    assert got["message"] == (
        'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "x": '
        'supported values: "", "Ignore", "Strict", "Warn"'
    )


def test_bad_base64_in_secret_data_is_400() -> None:
    raw = b'{"kind":"Secret","metadata":{"name":"s"},"data":{"a":"ab!c"}}'
    got = _status(lambda: v.decode_body(builtin("", "secrets"), raw, "application/json"))
    assert got["message"] == (
        'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 2'
    )


def _gadgets(schema: dict[str, Any]) -> ResourceInfo:
    crd = {"spec": {"versions": [{"name": "v1", "schema": {"openAPIV3Schema": schema}}]}}
    return ResourceInfo("fix.example.com", "v1", "gadgets", "Gadget", True, crd=crd)


def test_custom_resource_unknown_fields_follow_the_crd_schema() -> None:
    info = _gadgets(
        {
            "type": "object",
            "properties": {
                "spec": {"type": "object", "properties": {"size": {"type": "integer"}}},
                "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
            },
        }
    )
    body = {
        "apiVersion": "fix.example.com/v1",
        "kind": "Gadget",
        "metadata": {"name": "g"},
        "spec": {"size": 1, "colour": "red"},
        "status": {"anything": {"goes": 1}},
    }
    obj, warnings = v.decode_body(info, json.dumps(body).encode(), "application/json")
    assert warnings == ['unknown field "spec.colour"']
    assert obj["spec"] == {"size": 1}
    assert obj["status"] == {"anything": {"goes": 1}}


# --- validators vs the upstream regexes -------------------------------------------------------

NAME_CHARS = st.text(alphabet="abcXYZ019-._/ %", max_size=70)


def _oracle(fmt: str, limit: int) -> Any:
    return lambda s: len(s) <= limit and re.fullmatch(fmt, s) is not None


@given(NAME_CHARS)
def test_dns1123_subdomain_matches_regex(s: str) -> None:
    ok = _oracle(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*", 253)
    assert (v.is_dns1123_subdomain(s) == []) == ok(s)


@given(NAME_CHARS)
def test_dns1123_label_matches_regex(s: str) -> None:
    assert (v.is_dns1123_label(s) == []) == _oracle(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", 63)(s)


@given(NAME_CHARS)
def test_dns1035_label_matches_regex(s: str) -> None:
    assert (v.is_dns1035_label(s) == []) == _oracle(r"[a-z]([-a-z0-9]*[a-z0-9])?", 63)(s)


@given(NAME_CHARS)
def test_label_value_matches_regex(s: str) -> None:
    ok = _oracle(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?", 63)
    assert (v.is_valid_label_value(s) == []) == ok(s)


@given(NAME_CHARS)
def test_qualified_name_matches_regex(s: str) -> None:
    name = _oracle(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]", 63)
    prefix = _oracle(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*", 253)
    parts = s.split("/")
    ok = (len(parts) == 1 and name(s)) or (len(parts) == 2 and prefix(parts[0]) and name(parts[1]))
    assert (v.is_qualified_name(s) == []) == bool(ok)


@given(st.text(max_size=20))
def test_go_quote_round_trips_through_json_for_printable_text(s: str) -> None:
    quoted = v.go_quote(s)
    if s.isprintable():
        assert json.loads(quoted) == s


def test_trailing_newline_is_not_a_valid_name() -> None:
    assert v.is_dns1123_subdomain("abc\n") != []


def _meta_causes(info: ResourceInfo, name: str) -> list[str]:
    try:
        v.validate_create(info, {"metadata": {"name": name}, "spec": {}})
    except ApiError as err:
        assert err.details is not None
        return [c["field"] for c in err.details["causes"]]
    return []


def test_name_rules_per_kind() -> None:
    namespaces, services = builtin("", "namespaces"), builtin("", "services")
    roles = builtin("rbac.authorization.k8s.io", "roles")
    assert _meta_causes(namespaces, "a.b") == ["metadata.name"]
    assert "metadata.name" in _meta_causes(services, "1abc")
    assert "metadata.name" not in _meta_causes(builtin("", "configmaps"), "1abc")
    assert _meta_causes(roles, "system:Controller") == []
    assert _meta_causes(roles, "a/b") == ["metadata.name"]


def test_generate_name_prefix_may_end_in_a_dash() -> None:
    v.validate_create(CONFIGMAPS, {"metadata": {"generateName": "web-"}})
    got = _status(lambda: v.validate_create(CONFIGMAPS, {"metadata": {"generateName": "Web-"}}))
    assert got["details"]["causes"][0]["field"] == "metadata.generateName"


def test_label_key_errors() -> None:
    obj = {"metadata": {"name": "a", "labels": {"-bad": "x", "example.com/ok": "y"}}}
    got = _status(lambda: v.validate_create(CONFIGMAPS, obj))
    assert got["message"] == (
        'ConfigMap "a" is invalid: metadata.labels: Invalid value: "-bad": name part must '
        "consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
        "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
        "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
    )


def test_configmap_keys() -> None:
    obj = {"metadata": {"name": "a"}, "data": {"bad key": "1", "k": "2"}, "binaryData": {"k": ""}}
    got = _status(lambda: v.validate_create(CONFIGMAPS, obj))
    assert [(c["field"], c["message"]) for c in got["details"]["causes"][1:]] == [
        ("data[k]", 'Invalid value: "k": duplicate of key present in binaryData'),
        ("binaryData[k]", 'Invalid value: "k": duplicate of key present in data'),
    ]
    assert got["details"]["causes"][0]["field"] == "data[bad key]"
    assert got["details"]["causes"][0]["message"].startswith(
        'Invalid value: "bad key": a valid config key must consist of alphanumeric characters'
    )


def test_pod_requires_containers_names_and_images() -> None:
    pods = builtin("", "pods")
    pod = {
        "metadata": {"name": "p"},
        "spec": {
            "containers": [{"name": "a"}, {"name": "a", "image": "x"}],
            "restartPolicy": "Sometimes",
        },
    }
    got = _status(lambda: v.validate_create(pods, pod))
    assert got["message"] == (
        'Pod "p" is invalid: [spec.containers[0].image: Required value, '
        'spec.containers[1].name: Duplicate value: "a", spec.restartPolicy: Unsupported value: '
        '"Sometimes": supported values: "Always", "OnFailure", "Never"]'
    )


def test_pod_update_may_change_only_images() -> None:
    pods = builtin("", "pods")
    old = apply_defaults(
        pods, {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "a", "image": "x"}]}}
    )
    new = copy.deepcopy(old)
    new["spec"]["containers"][0]["image"] = "y"
    v.validate_update(pods, new, old)
    new["spec"]["containers"][0]["name"] = "b"
    got = _status(lambda: v.validate_update(pods, new, old))
    assert got["details"]["causes"][0]["field"] == "spec"
    assert got["details"]["causes"][0]["message"].startswith(
        "Forbidden: pod updates may not change"
    )


def test_job_template_restart_policy() -> None:
    jobs = builtin("batch", "jobs")
    job = apply_defaults(
        jobs,
        {
            "metadata": {"name": "j"},
            "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "x"}]}}},
        },
    )
    got = _status(lambda: v.validate_create(jobs, job))
    assert [c["message"] for c in got["details"]["causes"]] == [
        'Unsupported value: "Always": supported values: "OnFailure", "Never"'
    ]


def test_cronjob_template_needs_no_selector() -> None:
    cronjobs = builtin("batch", "cronjobs")
    template = {"spec": {"containers": [{"name": "c", "image": "x"}], "restartPolicy": "Never"}}
    spec = {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": template}}}
    cronjob = apply_defaults(cronjobs, {"metadata": {"name": "c"}, "spec": spec})
    v.validate_create(cronjobs, cronjob)
    cronjob["spec"]["jobTemplate"]["spec"]["selector"] = {"matchLabels": {"a": "b"}}
    got = _status(lambda: v.validate_create(cronjobs, cronjob))
    assert got["details"]["causes"][0]["message"] == (
        'Invalid value: {"matchLabels":{"a":"b"}}: `selector` will be auto-generated'
    )


def test_service_rules() -> None:
    services = builtin("", "services")
    svc = {"metadata": {"name": "s"}, "spec": {"ports": [{"port": 80}, {"port": 0, "name": "b"}]}}
    got = _status(lambda: v.validate_create(services, apply_defaults(services, svc)))
    assert [c["field"] for c in got["details"]["causes"]] == [
        "spec.ports[0].name",
        "spec.ports[1].port",
    ]
    v.validate_create(
        services,
        apply_defaults(services, {"metadata": {"name": "h"}, "spec": {"clusterIP": "None"}}),
    )


def test_service_cluster_ip_may_not_change() -> None:
    services = builtin("", "services")
    body = {"metadata": {"name": "s"}, "spec": {"ports": [{"port": 80}], "clusterIP": "10.96.0.1"}}
    old = apply_defaults(services, body)
    new = copy.deepcopy(old)
    new["spec"]["clusterIP"], new["spec"]["clusterIPs"] = "10.96.0.2", ["10.96.0.2"]
    got = _status(lambda: v.validate_update(services, new, old))
    assert got["message"] == (
        'Service "s" is invalid: spec.clusterIPs[0]: Invalid value: ["10.96.0.2"]: '
        "may not change once set"
    )


def test_immutable_configmap() -> None:
    old = {"metadata": {"name": "c"}, "data": {"a": "1"}, "immutable": True}
    v.validate_update(CONFIGMAPS, copy.deepcopy(old), old)
    new = {**old, "data": {"a": "2"}, "immutable": False}
    got = _status(lambda: v.validate_update(CONFIGMAPS, new, old))
    assert [c["field"] for c in got["details"]["causes"]] == ["immutable", "data"]
    assert (
        got["details"]["causes"][1]["message"]
        == "Forbidden: field is immutable when `immutable` is set"
    )


def test_pvc_spec_is_immutable_but_requests_may_grow() -> None:
    pvcs = builtin("", "persistentvolumeclaims")
    old: dict[str, Any] = {
        "metadata": {"name": "c"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
    }
    grown = copy.deepcopy(old)
    grown["spec"]["resources"]["requests"]["storage"] = "2Gi"
    v.validate_update(pvcs, grown, old)
    grown["spec"]["accessModes"] = ["ReadWriteMany"]
    assert (
        _status(lambda: v.validate_update(pvcs, grown, old))["details"]["causes"][0]["field"]
        == "spec"
    )


def test_recorded_crd_is_valid_and_name_must_match() -> None:
    crds = builtin("apiextensions.k8s.io", "customresourcedefinitions")
    rec = exchange(load_fixture("07-subresources-crd"), "create CRD gadgets.fix.example.com (201)")
    crd = apply_defaults(crds, rec["request"]["body"])
    v.validate_create(crds, crd)
    crd["metadata"]["name"] = "widgets.fix.example.com"
    got = _status(lambda: v.validate_create(crds, crd))
    assert got["details"]["causes"][0]["message"] == (
        'Invalid value: "widgets.fix.example.com": must be spec.names.plural+"."+spec.group'
    )


def test_events_v1_requires_the_new_fields() -> None:
    events = builtin("events.k8s.io", "events")
    got = _status(lambda: v.validate_create(events, {"metadata": {"name": "e"}, "type": "Normal"}))
    assert [c["field"] for c in got["details"]["causes"]] == [
        "eventTime",
        "reportingController",
        "reportingInstance",
        "action",
        "reason",
    ]


def test_annotation_size_limit() -> None:
    obj = {"metadata": {"name": "a", "annotations": {"k": "x" * (256 * 1024)}}}
    got = _status(lambda: v.validate_create(CONFIGMAPS, obj))
    assert got["details"]["causes"] == [
        {
            "reason": "FieldValueTooLong",
            "message": "Too long: may not be more than 262144 bytes",
            "field": "metadata.annotations",
        }
    ]


async def test_merge_patch_prunes_only_what_it_wrote_with_warnings_and_strict() -> None:
    """A merge patch's unknown fields are reported and dropped wherever they nest; everything
    it did not write stays as stored (only the patch's paths are walked)."""
    path = "/apis/apps/v1/namespaces/team-a/deployments"
    labels = {"app": "web"}
    body = {
        "metadata": {"name": "web", "labels": labels},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
            },
        },
    }
    merge = "application/merge-patch+json"
    async with running_sim() as c:
        before = (await c.post(path, body)).body
        patch = {
            "metadata": {"labels": {"tier": "front"}, "colour": "red"},
            "spec": {"replicas": 2, "strategy": {"rollingUpdate": {"maxSurge": 2, "speed": 9}}},
        }
        r = await c.patch(path + "/web", patch, merge)
        assert r.status == 200
        assert r.headers.getall("Warning") == [
            '299 - "unknown field \\"metadata.colour\\"", '
            '299 - "unknown field \\"spec.strategy.rollingUpdate.speed\\""'
        ]
        after = r.body
        assert after["metadata"]["labels"] == {"app": "web", "tier": "front"}
        assert "colour" not in after["metadata"]
        assert after["spec"]["replicas"] == 2
        assert after["spec"]["strategy"]["rollingUpdate"]["maxSurge"] == 2
        assert "speed" not in after["spec"]["strategy"]["rollingUpdate"]
        assert after["spec"]["template"] == before["spec"]["template"]
        strict = await c.patch(
            path + "/web", {"spec": {"paused": True, "bogus": 1}}, merge,
            params={"fieldValidation": "Strict"},
        )  # fmt: skip
        assert strict.status == 400
        assert 'unknown field "spec.bogus"' in strict.body["message"]
        unchanged = (await c.get(path + "/web")).body
        assert "paused" not in unchanged["spec"]


MERGE = "application/merge-patch+json"


def _loaded_models() -> set[str]:
    return {m for m in sys.modules if m.startswith("kubernetes.client.models.")}


async def test_a_started_simulator_validates_writes_without_importing_a_model() -> None:
    """The client's models load lazily, one module at a time: a started simulator has loaded
    every one a built-in kind's fields reach, so no write imports one on the event loop (the
    first patch of a kind held the loop 1-3 s on a busy machine: watches' watchdogs fired)."""
    async with running_sim() as c:
        before = _loaded_models()
        assert len(before) >= 400
        deployments = "/apis/apps/v1/namespaces/default/deployments"
        assert (await c.post(deployments, _web("lazy"))).status == 201
        r = await c.patch(deployments + "/lazy", {"spec": {"paused": True}}, MERGE)
        assert r.status == 200
        pod = _web("pod")["spec"]["template"] | {"kind": "Pod", "apiVersion": "v1"}
        pod["metadata"] = {"name": "lazy"}
        pod["spec"]["volumes"] = [{"name": "d", "emptyDir": {"sizeLimit": "1Gi"}}]
        assert (await c.post("/api/v1/namespaces/default/pods", pod)).status == 201
        node = {"metadata": {"labels": {"zone": "b"}}, "spec": {"unschedulable": True}}
        assert (await c.post("/api/v1/nodes", {"metadata": {"name": "lazy"}})).status == 201
        r = await c.patch("/api/v1/nodes/lazy", node, MERGE)
        assert r.status == 200
        assert _loaded_models() == before
