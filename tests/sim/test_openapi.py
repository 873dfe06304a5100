"""OpenAPI documents: recorded shape, kubectl's fieldValidation check, explain, CRDs, hashes."""

from __future__ import annotations

import re
from typing import Any

import orjson
import pytest

from masthead.sim.openapi import OpenApiBuilder
from masthead.sim.resources import BUILTIN_RESOURCES, ResourceInfo, Subresource
from tests.conftest import exchange, load_fixture

REF = "#/components/schemas/"


def _fixture_body(name: str) -> dict[str, Any]:
    body: dict[str, Any] = exchange(load_fixture("01-discovery"), name)["response"]["body"]
    return body


def _crd(schema_description: str = "The cron spec.") -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "crontabs.stable.example.com"},
        "spec": {
            "group": "stable.example.com",
            "scope": "Namespaced",
            "names": {"plural": "crontabs", "singular": "crontab", "kind": "CronTab"},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "description": "CronTab runs a command on a schedule.",
                            "type": "object",
                            "properties": {
                                "spec": {
                                    "type": "object",
                                    "properties": {
                                        "cronSpec": {
                                            "type": "string",
                                            "description": schema_description,
                                        },
                                        "replicas": {"type": "integer"},
                                    },
                                }
                            },
                        }
                    },
                }
            ],
        },
    }


def _crontabs(crd: dict[str, Any]) -> ResourceInfo:
    return ResourceInfo(
        group="stable.example.com",
        version="v1",
        resource="crontabs",
        kind="CronTab",
        namespaced=True,
        subresources=(
            Subresource("scale", "Scale", group="autoscaling", version="v1"),
            Subresource("status", "CronTab"),
        ),
        crd=crd,
    )


@pytest.fixture(scope="module")
def builder() -> OpenApiBuilder:
    return OpenApiBuilder([*BUILTIN_RESOURCES, _crontabs(_crd())])


def _doc(builder: OpenApiBuilder, path: str) -> dict[str, Any]:
    body = builder.v3_document(path)
    assert body is not None, path
    doc: dict[str, Any] = orjson.loads(body)
    return doc


def _gv_path(group: str, version: str) -> str:
    return f"apis/{group}/{version}" if group else f"api/{version}"


# --- kubectl's query-param verifier (cli-runtime query_param_verifier_v3.go), as an oracle ---


def kubectl_supports_field_validation(
    index: dict[str, Any], fetch: Any, gvk: tuple[str, str, str]
) -> bool:
    """True when kubectl would send `fieldValidation` to the server for this kind.

    kubectl looks up the group-version in the index, fetches the hash-pinned URL, and stops at
    the first PATCH operation (in map order) whose `x-kubernetes-group-version-kind` object
    matches; that operation's own parameters must name `fieldValidation`. Map order is random
    in Go, so every matching operation has to carry it.
    """
    group, version, kind = gvk
    entry = index["paths"].get(_gv_path(group, version))
    if entry is None:
        return False
    url = entry["serverRelativeURL"]
    path, _, query = url.partition("?")
    doc = orjson.loads(fetch(path.removeprefix("/openapi/v3/")))
    if not query.startswith("hash=") or not isinstance(doc.get("paths"), dict):
        return False
    matching = [
        item["patch"]
        for item in doc["paths"].values()
        if "patch" in item
        and item["patch"].get("x-kubernetes-group-version-kind")
        == {"group": group, "version": version, "kind": kind}
    ]
    return bool(matching) and all(
        any(p["name"] == "fieldValidation" for p in op.get("parameters", [])) for op in matching
    )


def test_oracle_rejects_documents_without_the_parameter() -> None:
    op = {"x-kubernetes-group-version-kind": {"group": "", "version": "v1", "kind": "Pod"}}
    index = {"paths": {"api/v1": {"serverRelativeURL": "/openapi/v3/api/v1?hash=AB"}}}

    def fetch_with(params: list[dict[str, str]]) -> Any:
        return lambda _: orjson.dumps({"paths": {"/p": {"patch": op | {"parameters": params}}}})

    good = fetch_with([{"name": "fieldValidation", "in": "query"}])
    assert kubectl_supports_field_validation(index, good, ("", "v1", "Pod"))
    assert not kubectl_supports_field_validation(index, good, ("", "v1", "Node"))
    assert not kubectl_supports_field_validation(index, good, ("apps", "v1", "Pod"))
    assert not kubectl_supports_field_validation(index, fetch_with([]), ("", "v1", "Pod"))


def test_every_patchable_kind_passes_kubectls_field_validation_check(
    builder: OpenApiBuilder,
) -> None:
    index = builder.v3_index()
    kinds = [(r.group, r.version, r.kind) for r in BUILTIN_RESOURCES if "patch" in r.verbs]
    kinds.append(("stable.example.com", "v1", "CronTab"))
    failing = [
        gvk
        for gvk in kinds
        if not kubectl_supports_field_validation(index, builder.v3_document, gvk)
    ]
    assert len(kinds) == 60
    assert failing == []


# --- shape against the recorded kube-apiserver 1.36 ---


def test_index_matches_the_recorded_shape(builder: OpenApiBuilder) -> None:
    recorded = _fixture_body("GET /openapi/v3 (index)")
    ours = builder.v3_index()
    assert list(ours) == list(recorded) == ["paths"]
    url = re.compile(r"^/openapi/v3/(?P<path>[^?]+)\?hash=[0-9A-F]{128}$")
    for key, entry in [*recorded["paths"].items(), *ours["paths"].items()]:
        assert list(entry) == ["serverRelativeURL"]
        match = url.match(entry["serverRelativeURL"])
        assert match is not None and match["path"] == key
    wanted = set(recorded["paths"]) - {".well-known/openid-configuration"}
    assert wanted <= set(ours["paths"])
    assert list(ours["paths"]) == sorted(ours["paths"])
    assert "apis/stable.example.com/v1" in ours["paths"]


def test_apps_document_matches_the_recorded_shape(builder: OpenApiBuilder) -> None:
    recorded = _fixture_body("GET /openapi/v3/apis/apps/v1 (trimmed)")
    ours = _doc(builder, "apis/apps/v1")
    assert list(ours) == list(recorded)
    assert ours["openapi"] == "3.0.0"
    assert ours["info"] == recorded["info"]
    assert ours["components"]["securitySchemes"] == recorded["components"]["securitySchemes"]
    assert ours["paths"]["/apis/apps/v1/"] == recorded["paths"]["/apis/apps/v1/"]

    path = "/apis/apps/v1/controllerrevisions"
    want, got = recorded["paths"][path], ours["paths"][path]
    assert got["get"] == want["get"]
    want_params = [p["name"] for p in want["parameters"] if p["name"] != "shardSelector"]
    assert [p["name"] for p in got["parameters"]] == want_params
    assert [p["schema"] for p in got["parameters"]] == [
        p["schema"] for p in want["parameters"] if p["name"] != "shardSelector"
    ]

    for name, want_schema in recorded["components"]["schemas"].items():
        got_schema = ours["components"]["schemas"][name]
        assert got_schema["description"] == want_schema["description"]
        assert got_schema["type"] == "object"
        assert sorted(got_schema["properties"]) == sorted(want_schema["properties"])
    condition = ours["components"]["schemas"]["io.k8s.api.apps.v1.DeploymentCondition"]
    assert condition["properties"]["lastTransitionTime"] == {
        "description": "Last time the condition transitioned from one status to another.",
        "allOf": [{"$ref": REF + "io.k8s.apimachinery.pkg.apis.meta.v1.Time"}],
    }


# --- what kubectl explain walks ---


def _resolve(doc: dict[str, Any], prop: dict[str, Any]) -> dict[str, Any]:
    ref: str = prop["allOf"][0]["$ref"] if "allOf" in prop else prop["$ref"]
    schema: dict[str, Any] = doc["components"]["schemas"][ref.removeprefix(REF)]
    return schema


def _kind_schema(doc: dict[str, Any], group: str, version: str, kind: str) -> dict[str, Any]:
    gvk = {"group": group, "version": version, "kind": kind}
    found: list[dict[str, Any]] = [
        s
        for s in doc["components"]["schemas"].values()
        if gvk in s.get("x-kubernetes-group-version-kind", [])
    ]
    assert len(found) == 1
    return found[0]


def test_pod_schema_reaches_container_image(builder: OpenApiBuilder) -> None:
    doc = _doc(builder, "api/v1")
    pod = doc["components"]["schemas"]["io.k8s.api.core.v1.Pod"]
    assert _kind_schema(doc, "", "v1", "Pod") is not None
    assert pod["description"].startswith("Pod is a collection of containers")
    assert pod["properties"]["metadata"]["description"].startswith("Standard object's metadata.")
    spec = _resolve(doc, pod["properties"]["spec"])
    assert spec["required"] == ["containers"]
    containers = spec["properties"]["containers"]
    assert containers["x-kubernetes-patch-merge-key"] == "name"
    container = _resolve(doc, containers["items"])
    assert container["properties"]["image"] == {
        "description": "Container image name. More info: "
        "https://kubernetes.io/docs/concepts/containers/images This field is optional to allow "
        "higher level config management to default or override container images in workload "
        "controllers like Deployments and StatefulSets.",
        "type": "string",
    }
    assert container["required"] == ["name"]


def test_deployment_explain_path_crosses_into_core(builder: OpenApiBuilder) -> None:
    doc = _doc(builder, "apis/apps/v1")
    deployment = _kind_schema(doc, "apps", "v1", "Deployment")
    spec = _resolve(doc, deployment["properties"]["spec"])
    template_prop = spec["properties"]["template"]
    assert template_prop["allOf"] == [{"$ref": REF + "io.k8s.api.core.v1.PodTemplateSpec"}]
    pod_spec = _resolve(doc, _resolve(doc, template_prop)["properties"]["spec"])
    containers = pod_spec["properties"]["containers"]
    assert containers["description"].startswith("List of containers belonging to the pod.")
    assert containers["items"] == {"$ref": REF + "io.k8s.api.core.v1.Container"}


def test_special_types_use_upstream_definitions(builder: OpenApiBuilder) -> None:
    core = _doc(builder, "api/v1")["components"]["schemas"]
    requirements = core["io.k8s.api.core.v1.ResourceRequirements"]["properties"]
    assert requirements["limits"]["additionalProperties"] == {
        "$ref": REF + "io.k8s.apimachinery.pkg.api.resource.Quantity"
    }
    port = core["io.k8s.api.core.v1.HTTPGetAction"]["properties"]["port"]
    assert port["allOf"] == [{"$ref": REF + "io.k8s.apimachinery.pkg.util.intstr.IntOrString"}]
    event_time = core["io.k8s.api.core.v1.Event"]["properties"]["eventTime"]
    assert event_time["allOf"] == [{"$ref": REF + "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime"}]
    created = core["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]["properties"]
    assert created["creationTimestamp"]["allOf"] == [
        {"$ref": REF + "io.k8s.apimachinery.pkg.apis.meta.v1.Time"}
    ]
    assert core["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]["oneOf"] == [
        {"type": "integer"},
        {"type": "string"},
    ]


def test_definitions_are_named_after_their_go_packages(builder: OpenApiBuilder) -> None:
    core = _doc(builder, "api/v1")["components"]["schemas"]
    apps = _doc(builder, "apis/apps/v1")["components"]["schemas"]
    assert "io.k8s.api.authentication.v1.TokenRequest" in core
    assert "io.k8s.api.authentication.v1.BoundObjectReference" in core
    assert "io.k8s.api.policy.v1.Eviction" in core
    assert "io.k8s.api.autoscaling.v1.ScaleSpec" in apps
    assert "io.k8s.api.core.v1.PodSpec" in apps
    assert "io.k8s.api.apps.v1.PodSpec" not in apps
    hpa = _doc(builder, "apis/autoscaling/v2")["components"]["schemas"]
    assert "io.k8s.api.autoscaling.v2.MetricSpec" in hpa
    crd = _doc(builder, "apis/apiextensions.k8s.io/v1")["components"]["schemas"]
    assert "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps" in crd


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node))
    return set()


def test_every_reference_resolves_inside_its_document(builder: OpenApiBuilder) -> None:
    for path in builder.v3_index()["paths"]:
        doc = _doc(builder, path)
        missing = {r for r in _refs(doc) if r.removeprefix(REF) not in doc["components"]["schemas"]}
        assert missing == set(), path


def test_operations_of_pods(builder: OpenApiBuilder) -> None:
    paths = _doc(builder, "api/v1")["paths"]
    item = paths["/api/v1/namespaces/{namespace}/pods/{name}"]
    assert sorted(m for m in item if m != "parameters") == ["delete", "get", "patch", "put"]
    assert [p["name"] for p in item["parameters"]] == ["name", "namespace", "pretty"]
    patch = item["patch"]
    assert patch["operationId"] == "patchCoreV1NamespacedPod"
    assert patch["x-kubernetes-action"] == "patch"
    assert [p["name"] for p in patch["parameters"]] == [
        "dryRun",
        "fieldManager",
        "fieldValidation",
        "force",
    ]
    assert list(patch["requestBody"]["content"]) == [
        "application/apply-patch+yaml",
        "application/json-patch+json",
        "application/merge-patch+json",
        "application/strategic-merge-patch+json",
    ]
    status = paths["/api/v1/namespaces/{namespace}/pods/{name}/status"]
    assert status["put"]["operationId"] == "replaceCoreV1NamespacedPodStatus"
    exec_ = paths["/api/v1/namespaces/{namespace}/pods/{name}/exec"]
    assert exec_["post"]["x-kubernetes-action"] == "connect"
    assert exec_["post"]["x-kubernetes-group-version-kind"]["kind"] == "PodExecOptions"
    assert paths["/api/v1/pods"]["get"]["operationId"] == "listCoreV1PodForAllNamespaces"
    assert "/api/v1/bindings" not in paths
    binding = paths["/api/v1/namespaces/{namespace}/bindings"]
    assert list(binding) == ["post", "parameters"]


def test_scale_subresource_patch_names_the_scale_kind(builder: OpenApiBuilder) -> None:
    paths = _doc(builder, "apis/apps/v1")["paths"]
    scale = paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"]["patch"]
    assert scale["x-kubernetes-group-version-kind"] == {
        "group": "autoscaling",
        "version": "v1",
        "kind": "Scale",
    }
    assert scale["operationId"] == "patchAppsV1NamespacedDeploymentScale"


# --- custom resources ---


def test_custom_resource_schema_comes_from_the_crd(builder: OpenApiBuilder) -> None:
    doc = _doc(builder, "apis/stable.example.com/v1")
    schemas = doc["components"]["schemas"]
    crontab = _kind_schema(doc, "stable.example.com", "v1", "CronTab")
    assert crontab == schemas["com.example.stable.v1.CronTab"]
    assert crontab["description"] == "CronTab runs a command on a schedule."
    cron_spec = crontab["properties"]["spec"]["properties"]["cronSpec"]
    assert cron_spec == {"type": "string", "description": "The cron spec."}
    assert crontab["properties"]["metadata"]["allOf"] == [
        {"$ref": REF + "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}
    ]
    assert crontab["properties"]["kind"]["type"] == "string"
    listing = schemas["com.example.stable.v1.CronTabList"]
    assert listing["properties"]["items"]["items"] == {
        "$ref": REF + "com.example.stable.v1.CronTab"
    }
    assert "io.k8s.api.autoscaling.v1.Scale" in schemas

    paths = doc["paths"]
    item = paths["/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}"]
    assert "application/strategic-merge-patch+json" not in item["patch"]["requestBody"]["content"]
    status = paths["/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}/status"]
    assert status["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": REF + "com.example.stable.v1.CronTab"
    }


def test_custom_resource_without_schema_preserves_unknown_fields() -> None:
    crd = _crd()
    del crd["spec"]["versions"][0]["schema"]
    doc = _doc(OpenApiBuilder([_crontabs(crd)]), "apis/stable.example.com/v1")
    crontab = doc["components"]["schemas"]["com.example.stable.v1.CronTab"]
    assert crontab["x-kubernetes-preserve-unknown-fields"] is True
    assert sorted(crontab["properties"]) == ["apiVersion", "kind", "metadata"]


# --- hashes and caching ---


def _hashes(builder: OpenApiBuilder) -> dict[str, str]:
    return {
        key: entry["serverRelativeURL"].rpartition("hash=")[2]
        for key, entry in builder.v3_index()["paths"].items()
    }


def test_hash_changes_only_where_the_catalogue_changed(builder: OpenApiBuilder) -> None:
    before = _hashes(builder)
    assert _hashes(OpenApiBuilder([*BUILTIN_RESOURCES, _crontabs(_crd())])) == before

    changed = _hashes(OpenApiBuilder([*BUILTIN_RESOURCES, _crontabs(_crd("Another text."))]))
    assert changed["apis/stable.example.com/v1"] != before["apis/stable.example.com/v1"]
    assert {k: v for k, v in changed.items() if k != "apis/stable.example.com/v1"} == {
        k: v for k, v in before.items() if k != "apis/stable.example.com/v1"
    }

    builtin_only = _hashes(OpenApiBuilder(BUILTIN_RESOURCES))
    assert "apis/stable.example.com/v1" not in builtin_only
    assert "apis/stable.example.com" not in builtin_only
    assert builtin_only["api/v1"] == before["api/v1"]


def test_etag_is_the_quoted_hash_and_bytes_are_reused(builder: OpenApiBuilder) -> None:
    digest = _hashes(builder)["apis/apps/v1"]
    assert builder.v3_etag("apis/apps/v1") == f'"{digest}"'
    first = builder.v3_document("apis/apps/v1")
    assert first is not None
    assert builder.v3_document("apis/apps/v1") is first
    assert OpenApiBuilder(BUILTIN_RESOURCES).v3_document("apis/apps/v1") is first


def test_unknown_paths_have_no_document(builder: OpenApiBuilder) -> None:
    assert builder.v3_document("apis/metrics.k8s.io/v1beta1") is None
    assert builder.v3_document("apis/apps/v2") is None
    assert builder.v3_etag("apis/apps/v2") is None


def test_group_and_root_documents(builder: OpenApiBuilder) -> None:
    group = _doc(builder, "apis/apps")
    assert group["paths"]["/apis/apps/"]["get"]["operationId"] == "getAppsAPIGroup"
    root = _doc(builder, "api")
    assert root["paths"]["/api/"]["get"]["operationId"] == "getCoreAPIVersions"


# --- v2 ---


def test_v2_document_carries_the_same_operations(builder: OpenApiBuilder) -> None:
    doc = orjson.loads(builder.v2_document())
    assert doc["swagger"] == "2.0"
    assert builder.v2_etag().strip('"') and builder.v2_document() is builder.v2_document()
    patch = doc["paths"]["/api/v1/namespaces/{namespace}/pods/{name}"]["patch"]
    assert patch["x-kubernetes-group-version-kind"] == {"group": "", "version": "v1", "kind": "Pod"}
    field_validation = next(p for p in patch["parameters"] if p["name"] == "fieldValidation")
    assert field_validation["in"] == "query" and field_validation["type"] == "string"
    assert patch["parameters"][0] == {
        "name": "body",
        "in": "body",
        "required": True,
        "schema": {"$ref": "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch"},
    }
    refs = _refs(doc)
    assert all(r.startswith("#/definitions/") for r in refs)
    assert {r.removeprefix("#/definitions/") for r in refs} <= set(doc["definitions"])
    pod = doc["definitions"]["io.k8s.api.core.v1.Pod"]
    assert pod["properties"]["metadata"]["$ref"].endswith("meta.v1.ObjectMeta")
    assert "allOf" not in pod["properties"]["metadata"]
    assert doc["definitions"]["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]["format"] == (
        "int-or-string"
    )
    assert "com.example.stable.v1.CronTab" in doc["definitions"]
