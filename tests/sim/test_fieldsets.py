"""Per-resource selectable fields, their values and the conversion step (sim.fieldsets)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from masthead.selectors import FieldRequirement, SelectorError, parse_field_selector
from masthead.sim.fieldsets import (
    CustomFields,
    check_field_selector,
    field_matcher,
    field_values,
    selectable_fields,
)
from tests.conftest import exchange, load_fixture


def select(group: str, resource: str, text: str, items: list[dict[str, Any]]) -> list[str]:
    """What the server would list: convert, then keep matching objects (both match paths)."""
    sel = check_field_selector(group, resource, parse_field_selector(text))
    by_values = [i for i in items if sel.matches(field_values(group, resource, i))]
    by_matcher = [i for i in items if field_matcher(group, resource, sel)(i)]
    assert by_values == by_matcher
    return [i["metadata"]["name"] for i in by_values]


# --- recorded kube-apiserver 1.36 answers -------------------------------------------------------


def test_fixture_event_field_selectors_on_both_apis() -> None:
    scenario = load_fixture("09-events")
    # The stored form is core/v1, whichever API the list came through.
    stored = exchange(scenario, "list core/v1 events")["response"]["body"]["items"]
    for group, name in [
        ("", "core/v1 fieldSelector involvedObject.name=web-1"),
        ("events.k8s.io", "events.k8s.io fieldSelector regarding.name=web"),
    ]:
        e = exchange(scenario, name)
        recorded = [i["metadata"]["name"] for i in e["response"]["body"]["items"]]
        assert select(group, "events", e["request"]["query"]["fieldSelector"], stored) == recorded
    assert recorded == ["ev-new"]


def test_fixture_pod_phase_and_empty_node_name() -> None:
    scenario = load_fixture("11-pods")
    pod = exchange(scenario, "get pod p1 (Pending, no conditions)")["response"]["body"]
    scheduled = copy.deepcopy(pod)
    scheduled["metadata"]["name"] = "p2"
    scheduled["spec"]["nodeName"] = "node-1"
    running = copy.deepcopy(pod)
    running["metadata"]["name"] = "p3"
    running["status"]["phase"] = "Running"
    e = exchange(scenario, "pods fieldSelector status.phase=Pending,spec.nodeName=")
    recorded = [i["metadata"]["name"] for i in e["response"]["body"]["items"]]
    text = e["request"]["query"]["fieldSelector"]
    assert select("", "pods", text, [pod, scheduled, running]) == recorded == ["p1"]


def test_fixture_configmap_field_selectors() -> None:
    scenario = load_fixture("04-list-semantics")
    every = exchange(scenario, "list all configmaps (no paging)")["response"]["body"]["items"]
    e = exchange(scenario, "fieldSelector metadata.name=lst-05")
    recorded = [i["metadata"]["name"] for i in e["response"]["body"]["items"]]
    assert select("", "configmaps", e["request"]["query"]["fieldSelector"], every) == recorded


def test_fixture_unknown_configmap_field_message() -> None:
    e = exchange(
        load_fixture("04-list-semantics"), "fieldSelector on an unsupported field data.i (400)"
    )
    sel = parse_field_selector(e["request"]["query"]["fieldSelector"])
    with pytest.raises(SelectorError) as err:
        check_field_selector("", "configmaps", sel)
    assert str(err.value) == e["response"]["body"]["message"]


# --- which labels each kind accepts, and the refusal wording ------------------------------------


@pytest.mark.parametrize(
    ("group", "resource", "label", "message"),
    [
        ("", "pods", "spec.containers", "field label not supported: spec.containers"),
        ("", "events", "regarding.name", "field label not supported: regarding.name"),
        (
            "events.k8s.io",
            "events",
            "involvedObject.name",
            "field label not supported: involvedObject.name",
        ),
        ("", "nodes", "metadata.namespace", "field label not supported: metadata.namespace"),
        ("", "namespaces", "metadata.namespace", "field label not supported: metadata.namespace"),
        ("", "secrets", "data", "field label not supported: data"),
        ("", "services", "spec.ports", "field label not supported: spec.ports"),
        (
            "batch",
            "jobs",
            "status.failed",
            'field label "status.failed" not supported for batchv1.Job',
        ),
        (
            "apps",
            "replicasets",
            "status.replicas",
            '"status.replicas" is not a known field selector: only "metadata.name", '
            '"metadata.namespace"',
        ),
        (
            "resource.k8s.io",
            "resourceslices",
            "spec.pool",
            "field label not supported for resource.k8s.io/v1, Kind=ResourceSlice: spec.pool",
        ),
        (
            "apps",
            "deployments",
            'a"b',
            '"a\\"b" is not a known field selector: only "metadata.name", "metadata.namespace"',
        ),
    ],
)
def test_refusals_use_the_kind_specific_wording(
    group: str, resource: str, label: str, message: str
) -> None:
    with pytest.raises(SelectorError) as err:
        check_field_selector(group, resource, parse_field_selector(f"{label}=x"))
    assert str(err.value) == message


def test_selectable_fields_per_kind() -> None:
    assert selectable_fields("", "configmaps") == ("metadata.name", "metadata.namespace")
    assert selectable_fields("", "pods") == (
        "metadata.name",
        "metadata.namespace",
        "spec.nodeName",
        "spec.restartPolicy",
        "spec.schedulerName",
        "spec.serviceAccountName",
        "spec.hostNetwork",
        "status.phase",
        "status.podIP",
        "status.podIPs",
        "status.nominatedNodeName",
    )
    assert selectable_fields("", "nodes") == ("metadata.name", "spec.unschedulable")
    assert selectable_fields("events.k8s.io", "events") == (
        "metadata.name",
        "metadata.namespace",
        "regarding.kind",
        "regarding.namespace",
        "regarding.name",
        "regarding.uid",
        "regarding.apiVersion",
        "regarding.resourceVersion",
        "regarding.fieldPath",
        "reason",
        "reportingController",
        "source",
        "type",
    )
    assert "reportingComponent" in selectable_fields("", "events")
    assert selectable_fields("batch", "jobs")[-1] == "status.successful"


def test_every_listed_field_passes_conversion() -> None:
    for group, resource in [
        ("", "pods"),
        ("", "events"),
        ("events.k8s.io", "events"),
        ("", "nodes"),
    ]:
        for label in selectable_fields(group, resource):
            check_field_selector(group, resource, parse_field_selector(f"{label}=v"))


def test_conversion_renames_aliases() -> None:
    pods = check_field_selector("", "pods", parse_field_selector("spec.host=n1"))
    assert pods.requirements == (FieldRequirement("spec.nodeName", "=", "n1"),)
    events = check_field_selector(
        "events.k8s.io",
        "events",
        parse_field_selector("regarding.kind=Pod,reportingController!=kubelet"),
    )
    assert events.requirements == (
        FieldRequirement("involvedObject.kind", "=", "Pod"),
        FieldRequirement("reportingComponent", "!=", "kubelet"),
    )


# --- field values -------------------------------------------------------------------------------


def test_pod_values_format_booleans_and_fill_defaults() -> None:
    pod: dict[str, Any] = {"metadata": {"name": "p", "namespace": "ns"}, "spec": {}, "status": {}}
    values = field_values("", "pods", pod)
    assert values["metadata.name"] == "p" and values["metadata.namespace"] == "ns"
    assert values["spec.hostNetwork"] == "false"
    assert values["spec.nodeName"] == values["status.podIP"] == values["status.phase"] == ""
    pod["spec"]["hostNetwork"] = True
    assert field_values("", "pods", pod)["spec.hostNetwork"] == "true"


def test_pod_ip_prefers_pod_ip_then_the_first_of_pod_ips() -> None:
    status: dict[str, Any] = {"podIPs": [{"ip": "10.0.0.2"}, {"ip": "fd00::2"}]}
    pod = {"metadata": {"name": "p"}, "status": status}
    assert field_values("", "pods", pod)["status.podIP"] == "10.0.0.2"
    status["podIP"] = "10.0.0.9"
    values = field_values("", "pods", pod)
    assert values["status.podIP"] == "10.0.0.9"
    # Accepted by conversion, never filled by the server: only "" matches.
    assert values["status.podIPs"] == ""


def test_integer_and_boolean_fields_of_other_kinds() -> None:
    assert (
        field_values("", "replicationcontrollers", {"status": {"replicas": 3}})["status.replicas"]
        == "3"
    )
    assert field_values("", "replicationcontrollers", {})["status.replicas"] == "0"
    assert field_values("batch", "jobs", {"status": {"succeeded": 2}})["status.successful"] == "2"
    assert field_values("batch", "jobs", {})["status.successful"] == "0"
    assert field_values("", "nodes", {"spec": {"unschedulable": True}})["spec.unschedulable"] == (
        "true"
    )
    assert field_values("", "nodes", {})["spec.unschedulable"] == "false"
    assert field_values("", "secrets", {"type": "Opaque"})["type"] == "Opaque"
    assert field_values("", "namespaces", {"status": {"phase": "Active"}})["status.phase"] == (
        "Active"
    )


def test_event_source_falls_back_to_the_reporting_component() -> None:
    stored = exchange(load_fixture("09-events"), "list core/v1 events")["response"]["body"]["items"]
    core, new = stored
    assert field_values("", "events", core)["source"] == "kubelet"
    assert field_values("", "events", new)["source"] == "example.com/ctl"
    values = field_values("events.k8s.io", "events", new)
    assert values["regarding.kind"] == values["involvedObject.kind"] == "Deployment"
    assert values["reportingController"] == values["reportingComponent"] == "example.com/ctl"
    assert select("events.k8s.io", "events", "source=kubelet", stored) == ["ev-core"]


# --- custom resources ---------------------------------------------------------------------------

CRD = {
    "spec": {
        "scope": "Cluster",
        "versions": [
            {"name": "v1alpha1"},
            {"name": "v1", "selectableFields": [{"jsonPath": ".spec.color"}]},
        ],
    }
}


def test_custom_resource_fields_from_the_crd() -> None:
    v1 = CustomFields.from_crd(CRD, "v1")
    assert v1 == CustomFields(namespaced=False, paths=("spec.color",))
    assert selectable_fields("fix.example.com", "widgets", custom=v1) == (
        "metadata.name",
        "spec.color",
    )
    widgets = [
        {"metadata": {"name": "a"}, "spec": {"color": "red"}},
        {"metadata": {"name": "b"}, "spec": {"color": "blue"}},
        {"metadata": {"name": "c"}},
    ]
    sel = check_field_selector(
        "fix.example.com", "widgets", parse_field_selector("spec.color!=red"), custom=v1
    )
    assert [w["metadata"]["name"] for w in widgets if field_matcher("", "", sel, custom=v1)(w)] == [
        "b",
        "c",
    ]
    old = CustomFields.from_crd(CRD, "v1alpha1")
    for label in ("spec.color", "metadata.namespace"):
        with pytest.raises(SelectorError) as err:
            check_field_selector(
                "fix.example.com", "widgets", parse_field_selector(f"{label}=x"), custom=old
            )
        assert str(err.value) == f"field label not supported: {label}"
    namespaced = CustomFields(namespaced=True)
    assert selectable_fields("g", "r", custom=namespaced) == ("metadata.name", "metadata.namespace")


# --- the two match paths agree ------------------------------------------------------------------

POD_FIELDS = ["metadata.name", "spec.nodeName", "spec.hostNetwork", "status.phase", "status.podIP"]
pod_objects = st.fixed_dictionaries(
    {
        "metadata": st.fixed_dictionaries({"name": st.sampled_from(["a", "b"])}),
        "spec": st.fixed_dictionaries(
            {},
            optional={
                "nodeName": st.sampled_from(["", "n1"]),
                "hostNetwork": st.booleans(),
            },
        ),
        "status": st.fixed_dictionaries(
            {},
            optional={
                "phase": st.sampled_from(["Pending", "Running"]),
                "podIPs": st.lists(st.fixed_dictionaries({"ip": st.sampled_from(["1", "2"])})),
            },
        ),
    }
)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(POD_FIELDS),
            st.sampled_from(["=", "!="]),
            st.sampled_from(["", "a", "n1", "true", "false", "Pending", "1"]),
        ),
        max_size=3,
    ),
    pod_objects,
)
def test_field_matcher_agrees_with_matching_the_field_set(
    terms: list[tuple[str, str, str]], pod: dict[str, Any]
) -> None:
    sel = check_field_selector(
        "", "pods", parse_field_selector(",".join(f"{f}{op}{v}" for f, op, v in terms))
    )
    values = field_values("", "pods", pod)
    expected = all((values[f] == v) is (op == "=") for f, op, v in terms)
    assert field_matcher("", "pods", sel)(pod) is expected
    assert sel.matches(values) is expected
