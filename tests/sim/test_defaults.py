"""Defaulting replays the recorded creates: request body in, recorded response body out."""

from __future__ import annotations

import json
import random
import re
from typing import Any

import pytest

from masthead.sim.defaults import (
    admission_forbidden,
    apply_defaults,
    canonical_order,
    crd_established,
    generate_job_selector,
    missing_service_account_message,
    pod_needs_service_account,
)
from masthead.sim.resources import ResourceInfo, builtin
from tests.conftest import exchange, load_fixture

SERVER_OWNED = {"uid", "resourceVersion", "creationTimestamp", "managedFields", "generation"}
TOKEN_VOLUME = re.compile(r"kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}\b")

RECORDED_CREATES = [
    ("02-crud", "create namespace fix-crud", "", "namespaces"),
    ("02-crud", "create configmap cm1 (201)", "", "configmaps"),
    ("02-crud", "create deployment web (201, defaults filled in)", "apps", "deployments"),
    ("11-pods", "create ServiceAccount default by hand", "", "serviceaccounts"),
    ("11-pods", "create pod p1 (201, admission-defaulted)", "", "pods"),
    ("12-namespace-lifecycle", "create namespace fix-term", "", "namespaces"),
    ("09-events", "create core/v1 Event ev-core", "", "events"),
    ("09-events", "create events.k8s.io/v1 Event ev-new", "events.k8s.io", "events"),
    (
        "07-subresources-crd",
        "create CRD gadgets.fix.example.com (201)",
        "apiextensions.k8s.io",
        "customresourcedefinitions",
    ),
]


def _as_created(body: dict[str, Any], path: str) -> dict[str, Any]:
    """The request body as the store hands it to defaulting: namespace taken from the URL."""
    obj: dict[str, Any] = json.loads(json.dumps(body))
    match = re.search(r"/namespaces/([^/]+)/", path)
    if match:
        obj["metadata"]["namespace"] = match.group(1)
    return obj


def _comparable(obj: dict[str, Any]) -> str:
    """Serialised in key order, without server-owned metadata and the random volume suffix."""
    meta = {k: v for k, v in obj["metadata"].items() if k not in SERVER_OWNED}
    text = json.dumps({**obj, "metadata": meta})
    return TOKEN_VOLUME.sub("kube-api-access-<rand>", text)


@pytest.mark.parametrize(("scenario", "name", "group", "resource"), RECORDED_CREATES)
def test_defaulting_reproduces_recorded_create(
    scenario: str, name: str, group: str, resource: str
) -> None:
    rec = exchange(load_fixture(scenario), name)
    body = _as_created(rec["request"]["body"], rec["request"]["path"])
    got = apply_defaults(builtin(group, resource), body)
    assert _comparable(got) == _comparable(rec["response"]["body"])


def _pod(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "ns"},
        "spec": {"containers": [{"name": "main", "image": "nginx:1.27"}], **spec},
    }


PODS = builtin("", "pods")


def test_pod_token_volume_is_mounted_in_every_container_with_one_random_name() -> None:
    pod = _pod(initContainers=[{"name": "init", "image": "busybox"}])
    got = apply_defaults(PODS, pod, rng=random.Random(7))
    (volume,) = got["spec"]["volumes"]
    assert TOKEN_VOLUME.fullmatch(volume["name"])
    mounts = [c["volumeMounts"] for k in ("initContainers", "containers") for c in got["spec"][k]]
    expected = {
        "name": volume["name"],
        "readOnly": True,
        "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
    }
    assert mounts == [[expected], [expected]]


def test_pod_defaulting_is_idempotent_so_updates_do_not_add_a_second_volume() -> None:
    once = apply_defaults(PODS, _pod(), rng=random.Random(1))
    assert apply_defaults(PODS, once, rng=random.Random(2)) == once


def test_pod_without_token_automount_gets_no_volume() -> None:
    got = apply_defaults(PODS, _pod(automountServiceAccountToken=False))
    assert "volumes" not in got["spec"]
    assert "volumeMounts" not in got["spec"]["containers"][0]
    assert got["spec"]["serviceAccountName"] == "default"


def test_existing_wildcard_toleration_suppresses_default_toleration_seconds() -> None:
    got = apply_defaults(PODS, _pod(tolerations=[{"operator": "Exists"}]))
    assert got["spec"]["tolerations"] == [{"operator": "Exists"}]


def test_unreachable_only_toleration_still_gets_not_ready() -> None:
    own = {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"}
    got = apply_defaults(PODS, _pod(tolerations=[own]))
    assert [t["key"] for t in got["spec"]["tolerations"]] == [
        "node.kubernetes.io/unreachable",
        "node.kubernetes.io/not-ready",
    ]


@pytest.mark.parametrize(
    ("image", "policy"),
    [
        ("nginx", "Always"),
        ("nginx:latest", "Always"),
        ("registry:5000/team/nginx", "Always"),
        ("registry:5000/team/nginx:1.2", "IfNotPresent"),
        ("nginx@sha256:" + "a" * 64, "IfNotPresent"),
        ("nginx:1.27", "IfNotPresent"),
    ],
)
def test_image_pull_policy_follows_the_tag(image: str, policy: str) -> None:
    pod = _pod()
    pod["spec"]["containers"][0]["image"] = image
    assert apply_defaults(PODS, pod)["spec"]["containers"][0]["imagePullPolicy"] == policy


@pytest.mark.parametrize(
    ("resources", "qos"),
    [
        ({}, "BestEffort"),
        ({"requests": {"cpu": "100m"}}, "Burstable"),
        ({"limits": {"cpu": "1", "memory": "1Gi"}}, "Guaranteed"),
        ({"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "500m"}}, "Burstable"),
    ],
)
def test_qos_class(resources: dict[str, Any], qos: str) -> None:
    pod = _pod()
    pod["spec"]["containers"][0]["resources"] = resources
    got = apply_defaults(PODS, pod)
    assert got["status"] == {"phase": "Pending", "qosClass": qos}


def test_pod_requests_default_to_limits() -> None:
    pod = _pod()
    pod["spec"]["containers"][0]["resources"] = {"limits": {"cpu": "1"}}
    got = apply_defaults(PODS, pod)["spec"]["containers"][0]["resources"]
    assert got == {"limits": {"cpu": "1"}, "requests": {"cpu": "1"}}


def test_system_priority_classes_get_their_value() -> None:
    got = apply_defaults(PODS, _pod(priorityClassName="system-node-critical"))
    assert got["spec"]["priority"] == 2000001000


def test_pod_needs_service_account() -> None:
    assert pod_needs_service_account(_pod()) == "default"
    assert pod_needs_service_account(_pod(serviceAccountName="builder")) == "builder"
    mirror = _pod()
    mirror["metadata"]["annotations"] = {"kubernetes.io/config.mirror": "x"}
    assert pod_needs_service_account(mirror) is None


def test_missing_service_account_403_matches_recording() -> None:
    rec = exchange(
        load_fixture("11-pods"),
        "create pod p1 before any ServiceAccount exists (403 from admission)",
    )
    err = admission_forbidden(PODS, "p1", missing_service_account_message("fix-pod", "default"))
    assert err.status() == rec["response"]["body"]


def _template_spec() -> dict[str, Any]:
    return {
        "selector": {"matchLabels": {"app": "x"}},
        "template": {
            "metadata": {"labels": {"app": "x"}},
            "spec": {"containers": [{"name": "c", "image": "busybox"}]},
        },
    }


def _defaulted(group: str, resource: str, spec: dict[str, Any]) -> dict[str, Any]:
    info = builtin(group, resource)
    obj = {"apiVersion": info.api_version, "kind": info.kind, "metadata": {"name": "w"}}
    return apply_defaults(info, {**obj, "spec": spec})


def test_statefulset_defaults() -> None:
    got = _defaulted("apps", "statefulsets", _template_spec())
    spec = got["spec"]
    assert spec["podManagementPolicy"] == "OrderedReady"
    assert spec["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}
    assert spec["persistentVolumeClaimRetentionPolicy"] == {
        "whenDeleted": "Retain",
        "whenScaled": "Retain",
    }
    assert (spec["replicas"], spec["revisionHistoryLimit"]) == (1, 10)
    assert got["status"] == {"replicas": 0, "availableReplicas": 0}


def test_daemonset_defaults() -> None:
    got = _defaulted("apps", "daemonsets", _template_spec())
    assert got["spec"]["updateStrategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0},
    }
    assert list(got["status"]) == [
        "currentNumberScheduled",
        "numberMisscheduled",
        "desiredNumberScheduled",
        "numberReady",
    ]


def test_job_defaults_and_generated_selector() -> None:
    spec = _template_spec()
    del spec["selector"]
    spec["template"]["spec"]["restartPolicy"] = "Never"
    got = _defaulted("batch", "jobs", spec)
    assert list(got["spec"]) == [
        "parallelism",
        "completions",
        "backoffLimit",
        "manualSelector",
        "template",
        "completionMode",
        "suspend",
        "podReplacementPolicy",
    ]
    assert got["metadata"]["labels"] == {"app": "x"}
    generate_job_selector(got, "u-1")
    assert got["spec"]["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": "u-1"}}
    assert got["spec"]["template"]["metadata"]["labels"]["job-name"] == "w"


def test_cronjob_defaults_reach_the_pod_template() -> None:
    tmpl = _template_spec()["template"]
    got = _defaulted(
        "batch", "cronjobs", {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": tmpl}}}
    )
    spec = got["spec"]
    assert (spec["concurrencyPolicy"], spec["suspend"]) == ("Allow", False)
    assert (spec["successfulJobsHistoryLimit"], spec["failedJobsHistoryLimit"]) == (3, 1)
    pod_spec = spec["jobTemplate"]["spec"]["template"]["spec"]
    assert pod_spec["dnsPolicy"] == "ClusterFirst"
    assert "backoffLimit" not in spec["jobTemplate"]["spec"]


SERVICES = builtin("", "services")


def _service(**spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": spec}


def test_service_defaults_use_the_allocation_hook() -> None:
    got = apply_defaults(
        SERVICES,
        _service(selector={"app": "x"}, ports=[{"port": 80}]),
        allocate_cluster_ip=lambda: "10.96.0.10",
    )
    expected = {
        "ports": [{"protocol": "TCP", "port": 80, "targetPort": 80}],
        "selector": {"app": "x"},
        "clusterIP": "10.96.0.10",
        "clusterIPs": ["10.96.0.10"],
        "type": "ClusterIP",
        "sessionAffinity": "None",
        "ipFamilies": ["IPv4"],
        "ipFamilyPolicy": "SingleStack",
        "internalTrafficPolicy": "Cluster",
    }
    assert json.dumps(got["spec"]) == json.dumps(expected)  # values and Go field order
    assert got["status"] == {"loadBalancer": {}}


def test_headless_service_without_selector_requires_dual_stack() -> None:
    got = apply_defaults(SERVICES, _service(clusterIP="None"))
    assert got["spec"]["ipFamilyPolicy"] == "RequireDualStack"
    assert got["spec"]["clusterIPs"] == ["None"]


def test_external_name_service_gets_no_ip_fields() -> None:
    got = apply_defaults(SERVICES, _service(type="ExternalName", externalName="example.com"))
    assert got["spec"] == {
        "type": "ExternalName",
        "sessionAffinity": "None",
        "externalName": "example.com",
    }


def test_node_port_service_uses_node_port_hook() -> None:
    got = apply_defaults(
        SERVICES, _service(type="NodePort", ports=[{"port": 80}]), allocate_node_port=lambda: 30080
    )
    assert got["spec"]["ports"][0]["nodePort"] == 30080
    assert got["spec"]["externalTrafficPolicy"] == "Cluster"


def test_secret_string_data_is_merged_into_data() -> None:
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s"},
        "stringData": {"a": "hello"},
        "data": {"a": "b2xk", "b": "eA=="},
    }
    got = apply_defaults(builtin("", "secrets"), secret)
    expected = {
        "kind": "Secret",
        "apiVersion": "v1",
        "metadata": {"name": "s"},
        "data": {"a": "aGVsbG8=", "b": "eA=="},
        "type": "Opaque",
    }
    assert json.dumps(got) == json.dumps(expected)


def test_pvc_defaults() -> None:
    pvc = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "c"},
        "spec": {},
    }
    got = apply_defaults(builtin("", "persistentvolumeclaims"), pvc)
    assert got["spec"] == {"resources": {}, "volumeMode": "Filesystem"}
    assert got["status"] == {"phase": "Pending"}


def test_custom_resources_are_sorted_like_the_recording() -> None:
    rec = exchange(
        load_fixture("07-subresources-crd"), "create Gadget g1 (status in the body is dropped)"
    )
    crd = exchange(load_fixture("07-subresources-crd"), "create CRD gadgets.fix.example.com (201)")
    info = ResourceInfo(
        "fix.example.com", "v1", "gadgets", "Gadget", True, crd=crd["response"]["body"]
    )
    body = rec["response"]["body"]
    shuffled = {k: body[k] for k in reversed(list(body))}
    shuffled["metadata"] = {k: body["metadata"][k] for k in reversed(list(body["metadata"]))}
    assert json.dumps(apply_defaults(info, shuffled)) == json.dumps(body)


def test_crd_established_matches_the_polled_crd() -> None:
    scenario = load_fixture("07-subresources-crd")
    created = exchange(scenario, "create CRD gadgets.fix.example.com (201)")["response"]["body"]
    polled = exchange(scenario, "poll CRD until Established=True")["response"]["body"]
    got = crd_established(created, "<ts>")
    assert json.dumps(got["status"]) == json.dumps(polled["status"])


def test_canonical_order_emits_go_zero_values_for_unlisted_status() -> None:
    info = builtin("apps", "deployments")
    got = canonical_order(info, {"spec": {}, "metadata": {"name": "d"}, "apiVersion": "apps/v1"})
    assert list(got) == ["apiVersion", "metadata", "spec", "status"]
    assert got["status"] == {}
