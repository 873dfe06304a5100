"""RBAC evaluation and the review APIs, checked against the recorded kube-apiserver exchanges."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from masthead.sim.errors import ApiError
from masthead.sim.rbac import (
    Attributes,
    Decision,
    RbacAuthorizer,
    RbacSnapshot,
    UserInfo,
    bootstrap_rbac_objects,
    forbidden_error,
)
from masthead.sim.reviews import (
    local_subject_access_review,
    self_subject_access_review,
    self_subject_review,
    subject_access_review,
)
from masthead.sim.reviews import (
    self_subject_rules_review as rules_review_response,
)
from tests.conftest import exchange, load_fixture

RESTRICTED = UserInfo(
    "system:serviceaccount:fix-a:restricted",
    uid="<uid-1>",
    groups=("system:serviceaccounts", "system:serviceaccounts:fix-a", "system:authenticated"),
    extra={"authentication.kubernetes.io/credential-id": ("JTI=<uid-4>",)},
)
ADMIN = UserInfo("admin", groups=("system:masters", "system:authenticated"))
ANONYMOUS = UserInfo("system:anonymous", groups=("system:unauthenticated",))
USERS = {
    None: ADMIN,
    RESTRICTED.name: RESTRICTED,
    "anonymous (no credentials)": ANONYMOUS,
}
JANE = UserInfo("jane", groups=("devs", "system:authenticated"))


def snapshot_of(version: int, objects: Iterable[Mapping[str, Any]]) -> RbacSnapshot:
    by_kind: dict[str, list[Mapping[str, Any]]] = {}
    for obj in objects:
        by_kind.setdefault(obj["kind"], []).append(obj)
    return RbacSnapshot(
        version=version,
        roles=by_kind.get("Role", []),
        cluster_roles=by_kind.get("ClusterRole", []),
        role_bindings=by_kind.get("RoleBinding", []),
        cluster_role_bindings=by_kind.get("ClusterRoleBinding", []),
    )


def static(objects: Iterable[Mapping[str, Any]]) -> RbacAuthorizer:
    snapshot = snapshot_of(1, objects)
    return RbacAuthorizer(lambda: snapshot)


def stored(body: Mapping[str, Any], namespace: str) -> dict[str, Any]:
    """A create body as the store keeps it: with the namespace of the URL."""
    obj = copy.deepcopy(dict(body))
    obj["metadata"]["namespace"] = namespace
    return obj


def role(namespace: str, name: str, *rules: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "Role",
        "metadata": {"name": name, "namespace": namespace},
        "rules": list(rules),
    }


def cluster_role(name: str, *rules: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"kind": "ClusterRole", "metadata": {"name": name}, "rules": list(rules), **extra}


def binding(
    namespace: str, name: str, ref_kind: str, ref_name: str, *subjects: dict[str, str]
) -> dict[str, Any]:
    meta = {"name": name, "namespace": namespace} if namespace else {"name": name}
    return {
        "kind": "RoleBinding" if namespace else "ClusterRoleBinding",
        "metadata": meta,
        "subjects": list(subjects),
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": ref_kind, "name": ref_name},
    }


def rule(verbs: str, group: str, resources: str, names: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {
        "verbs": verbs.split(),
        "apiGroups": [group],
        "resources": resources.split(),
    }
    if names:
        out["resourceNames"] = names.split()
    return out


def user_subject(name: str) -> dict[str, str]:
    return {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": name}


def group_subject(name: str) -> dict[str, str]:
    return {"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": name}


def dumps(obj: Any) -> str:
    """Order-sensitive: responses must list keys in the order the server sends them."""
    return json.dumps(obj)


# --- The recorded scenario ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def scenario() -> dict[str, Any]:
    return load_fixture("06-authorization")


@pytest.fixture(scope="module")
def recorded(scenario: dict[str, Any]) -> RbacAuthorizer:
    role_body = exchange(scenario, "create Role pod-cm-reader in fix-a")["request"]["body"]
    binding_body = exchange(scenario, "create RoleBinding for restricted")["request"]["body"]
    return static(
        [*bootstrap_rbac_objects(), stored(role_body, "fix-a"), stored(binding_body, "fix-a")]
    )


def request_attributes(request: Mapping[str, Any]) -> Attributes:
    """What the apiserver's request-info resolver makes of the recorded requests."""
    parts = request["path"].strip("/").split("/")
    if parts[0] == "api" and len(parts) > 2:
        group, rest = "", parts[2:]
    elif parts[0] == "apis" and len(parts) > 3:
        group, rest = parts[1], parts[3:]
    else:
        return Attributes.for_path(request["method"].lower(), request["path"])
    namespace = ""
    if rest[0] == "namespaces" and len(rest) > 2:
        namespace, rest = rest[1], rest[2:]
    name = rest[1] if len(rest) > 1 else ""
    verb = {"POST": "create"}.get(request["method"], "get" if name else "list")
    return Attributes(
        verb=verb,
        api_group=group,
        resource=rest[0],
        subresource=rest[2] if len(rest) > 2 else "",
        namespace=namespace,
        name=name,
    )


FORBIDDEN = [
    "restricted: list pods cluster-wide (403)",
    "restricted: list pods in fix-b (403)",
    "restricted: list secrets in fix-a (403)",
    "restricted: create configmap in fix-a (403)",
    "anonymous: GET /api (403)",
]
ALLOWED = [
    "restricted: list pods in fix-a (200)",
    "restricted: list configmaps in fix-a (200)",
    "anonymous: GET /version (200)",
    "create ServiceAccount restricted in fix-a",
    "create Role pod-cm-reader in fix-a",
]


@pytest.mark.parametrize("name", FORBIDDEN)
def test_recorded_denials_and_their_403_bodies(
    scenario: dict[str, Any], recorded: RbacAuthorizer, name: str
) -> None:
    ex = exchange(scenario, name)
    user, attrs = USERS[ex.get("user")], request_attributes(ex["request"])
    decision = recorded.authorize(user, attrs)
    assert decision == Decision(False, "")
    error = forbidden_error(user, attrs, decision.reason)
    assert error.code == ex["response"]["status"] == 403
    assert dumps(error.status()) == dumps(ex["response"]["body"])


@pytest.mark.parametrize("name", ALLOWED)
def test_recorded_requests_that_were_allowed(
    scenario: dict[str, Any], recorded: RbacAuthorizer, name: str
) -> None:
    ex = exchange(scenario, name)
    assert recorded.authorize(USERS[ex.get("user")], request_attributes(ex["request"])).allowed


def without_managed_fields(body: Mapping[str, Any]) -> dict[str, Any]:
    """The HTTP layer adds managedFields to every write; the review builders do not."""
    out = copy.deepcopy(dict(body))
    out["metadata"].pop("managedFields", None)
    return out


@pytest.mark.parametrize(
    "name",
    [
        "restricted: SSAR list pods in fix-a (allowed)",
        "restricted: SSAR list pods cluster-wide (denied)",
        "restricted: SSAR delete configmaps in fix-a (denied)",
        "admin: SSAR list pods cluster-wide (allowed)",
    ],
)
def test_recorded_self_subject_access_reviews(
    scenario: dict[str, Any], recorded: RbacAuthorizer, name: str
) -> None:
    ex = exchange(scenario, name)
    got = self_subject_access_review(ex["request"]["body"], USERS[ex.get("user")], recorded)
    assert dumps(got) == dumps(without_managed_fields(ex["response"]["body"]))


def test_recorded_subject_access_review(scenario: dict[str, Any], recorded: RbacAuthorizer) -> None:
    ex = exchange(scenario, "admin: SubjectAccessReview for restricted (cluster-scoped API)")
    got = subject_access_review(ex["request"]["body"], recorded)
    assert dumps(got) == dumps(without_managed_fields(ex["response"]["body"]))


def canonical_rules(rules: Iterable[Mapping[str, Any]]) -> list[str]:
    """Upstream's rule order is not stable; compare as multisets, keys sorted within each rule."""
    return sorted(json.dumps(r, sort_keys=True) for r in rules)


@pytest.mark.parametrize("name", ["restricted: SSRR in fix-a", "restricted: SSRR in fix-b"])
def test_recorded_self_subject_rules_reviews(
    scenario: dict[str, Any], recorded: RbacAuthorizer, name: str
) -> None:
    ex = exchange(scenario, name)
    got = rules_review_response(ex["request"]["body"], RESTRICTED, recorded)
    want = ex["response"]["body"]
    assert dumps({k: v for k, v in got.items() if k != "status"}) == dumps(
        {k: v for k, v in want.items() if k != "status"}
    )
    assert list(got["status"]) == list(want["status"])
    for key in ("resourceRules", "nonResourceRules"):
        assert canonical_rules(got["status"][key]) == canonical_rules(want["status"][key])
        # Within a rule the fields keep Go's struct order.
        assert {tuple(r) for r in got["status"][key]} == {tuple(r) for r in want["status"][key]}
    assert got["status"]["incomplete"] is False


def test_recorded_self_subject_review(scenario: dict[str, Any]) -> None:
    ex = exchange(scenario, "restricted: SelfSubjectReview (who am I)")
    assert dumps(self_subject_review(RESTRICTED, "<ts>")) == dumps(ex["response"]["body"])


def test_bootstrap_objects_look_like_the_real_ones() -> None:
    objects = {(o["kind"], o["metadata"]["name"]): o for o in bootstrap_rbac_objects()}
    for obj in objects.values():
        assert obj["apiVersion"] == "rbac.authorization.k8s.io/v1"
        assert obj["metadata"]["labels"]["kubernetes.io/bootstrapping"] == "rbac-defaults"
        assert obj["metadata"]["annotations"] == {
            "rbac.authorization.kubernetes.io/autoupdate": "true"
        }
    edit = objects[("ClusterRole", "edit")]
    assert edit["aggregationRule"] == {
        "clusterRoleSelectors": [
            {"matchLabels": {"rbac.authorization.k8s.io/aggregate-to-edit": "true"}}
        ]
    }
    assert edit["metadata"]["labels"]["rbac.authorization.k8s.io/aggregate-to-admin"] == "true"
    # The rules written into edit are those of the roles it aggregates, view's included.
    view_rules = canonical_rules(objects[("ClusterRole", "view")]["rules"])
    assert set(view_rules) < set(canonical_rules(edit["rules"]))
    assert objects[("ClusterRoleBinding", "cluster-admin")]["subjects"] == [
        {"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "system:masters"}
    ]


# --- Decisions and reasons ---------------------------------------------------------------------


def test_cluster_role_binding_reason() -> None:
    authz = static(
        [
            *bootstrap_rbac_objects(),
            binding("", "jane-view", "ClusterRole", "view", user_subject("jane")),
        ]
    )
    got = authz.authorize(JANE, Attributes("list", resource="pods", namespace="dev"))
    assert got == Decision(
        True, 'RBAC: allowed by ClusterRoleBinding "jane-view" of ClusterRole "view" to User "jane"'
    )


def test_role_binding_to_a_cluster_role_is_scoped_to_its_namespace() -> None:
    authz = static(
        [
            *bootstrap_rbac_objects(),
            binding("dev", "dev-viewers", "ClusterRole", "view", group_subject("devs")),
        ]
    )
    pods_in = {ns: Attributes("list", resource="pods", namespace=ns) for ns in ("dev", "prod", "")}
    assert authz.authorize(JANE, pods_in["dev"]) == Decision(
        True, 'RBAC: allowed by RoleBinding "dev-viewers/dev" of ClusterRole "view" to Group "devs"'
    )
    assert not authz.authorize(JANE, pods_in["prod"]).allowed
    assert not authz.authorize(JANE, pods_in[""]).allowed
    assert not authz.authorize(JANE, Attributes("get", resource="secrets", namespace="dev")).allowed


def test_service_account_subject_defaults_to_the_binding_namespace() -> None:
    sa = UserInfo("system:serviceaccount:dev:builder")
    subject = {"kind": "ServiceAccount", "name": "builder"}
    authz = static(
        [
            role("dev", "r", rule("get", "", "pods")),
            binding("dev", "b", "Role", "r", subject),
            role("prod", "r", rule("get", "", "pods")),
            binding("prod", "b", "Role", "r", subject),
        ]
    )
    assert authz.authorize(sa, Attributes("get", resource="pods", namespace="dev")) == Decision(
        True, 'RBAC: allowed by RoleBinding "b/dev" of Role "r" to ServiceAccount "builder/dev"'
    )
    assert not authz.authorize(sa, Attributes("get", resource="pods", namespace="prod")).allowed


def test_system_masters_is_allowed_without_any_binding() -> None:
    authz = static([])
    assert authz.authorize(ADMIN, Attributes("delete", resource="nodes")) == Decision(True, "")
    assert authz.authorize(ADMIN, Attributes.for_path("post", "/anything")) == Decision(True, "")


def test_resource_names_never_match_requests_without_a_name() -> None:
    authz = static(
        [
            role("dev", "r", rule("get list watch", "", "configmaps", names="app-config")),
            binding("dev", "b", "Role", "r", user_subject("jane")),
        ]
    )

    def allowed(verb: str, name: str) -> bool:
        attrs = Attributes(verb, resource="configmaps", namespace="dev", name=name)
        return authz.authorize(JANE, attrs).allowed

    assert allowed("get", "app-config")
    assert allowed("watch", "app-config")
    assert not allowed("get", "other")
    assert not allowed("list", "")
    assert not allowed("watch", "")


def test_subresource_wildcards() -> None:
    authz = static(
        [
            cluster_role("scaler", rule("get update", "*", "*/scale")),
            cluster_role("logs", rule("get", "", "pods/log")),
            binding("", "b1", "ClusterRole", "scaler", user_subject("jane")),
            binding("", "b2", "ClusterRole", "logs", user_subject("jane")),
        ]
    )

    def allowed(group: str, resource: str, sub: str) -> bool:
        attrs = Attributes("get", api_group=group, resource=resource, subresource=sub)
        return authz.authorize(JANE, attrs).allowed

    assert allowed("apps", "deployments", "scale")
    assert allowed("", "replicationcontrollers", "scale")
    assert not allowed("apps", "deployments", "")
    assert allowed("", "pods", "log")
    assert not allowed("", "pods", "exec")
    assert not allowed("", "pods", "")


def test_non_resource_urls_with_trailing_star() -> None:
    authz = static(bootstrap_rbac_objects())
    assert authz.authorize(JANE, Attributes.for_path("get", "/apis/apps/v1")).allowed
    assert authz.authorize(JANE, Attributes.for_path("get", "/openapi/v3")).allowed
    assert not authz.authorize(JANE, Attributes.for_path("get", "/metrics")).allowed
    assert not authz.authorize(JANE, Attributes.for_path("post", "/api")).allowed
    assert authz.authorize(ANONYMOUS, Attributes.for_path("get", "/healthz")).allowed
    assert not authz.authorize(ANONYMOUS, Attributes.for_path("get", "/apis")).allowed


def test_url_prefix_drops_every_trailing_star() -> None:
    authz = static(
        [
            cluster_role("r", {"verbs": ["get"], "nonResourceURLs": ["/logs/**"]}),
            binding("", "b", "ClusterRole", "r", user_subject("jane")),
        ]
    )
    assert authz.authorize(JANE, Attributes.for_path("get", "/logs/")).allowed
    assert authz.authorize(JANE, Attributes.for_path("get", "/logs/kubelet.log")).allowed
    assert not authz.authorize(JANE, Attributes.for_path("get", "/logs")).allowed


def test_an_aggregated_role_never_aggregates_itself() -> None:
    selfish = cluster_role(
        "selfish",
        rule("*", "*", "*"),  # stale: the controller would replace it with the selected rules
        metadata={"name": "selfish", "labels": {"agg": "x"}},
        aggregationRule={"clusterRoleSelectors": [{"matchLabels": {"agg": "x"}}]},
    )
    reader = cluster_role(
        "reader", rule("get", "", "pods"), metadata={"name": "reader", "labels": {"agg": "x"}}
    )
    authz = static(
        [selfish, reader, binding("", "b", "ClusterRole", "selfish", user_subject("jane"))]
    )
    assert authz.authorize(JANE, Attributes("get", resource="pods")).allowed
    assert not authz.authorize(JANE, Attributes("delete", resource="pods")).allowed


def test_aggregated_roles_pick_up_new_rules_and_ignore_stale_ones() -> None:
    widgets = cluster_role(
        "widget-viewer",
        rule("get list", "example.com", "widgets"),
        metadata={
            "name": "widget-viewer",
            "labels": {"rbac.authorization.k8s.io/aggregate-to-view": "true"},
        },
    )
    objects = bootstrap_rbac_objects()
    for obj in objects:
        if obj["metadata"]["name"] == "admin":
            # What a cluster admin wrote by hand; the aggregation controller would overwrite it.
            obj["rules"] = [rule("*", "*", "*")]
    admins = binding("dev", "admins", "ClusterRole", "admin", user_subject("jane"))
    authz = static([*objects, widgets, admins])
    widget_list = Attributes("list", api_group="example.com", resource="widgets", namespace="dev")
    assert authz.authorize(JANE, widget_list).allowed  # admin <- edit <- view <- widget-viewer
    assert authz.authorize(
        JANE,
        Attributes(
            "create", resource="roles", api_group="rbac.authorization.k8s.io", namespace="dev"
        ),
    ).allowed
    assert not authz.authorize(
        JANE, Attributes("create", resource="nodes", namespace="dev")
    ).allowed


@pytest.mark.parametrize(
    ("operator", "values", "granted"),
    [
        ("In", ["gold"], {"pods"}),
        ("NotIn", ["gold"], {"secrets", "nodes"}),
        ("Exists", [], {"pods", "secrets"}),
        ("DoesNotExist", [], {"nodes"}),
        ("Unknown", [], set()),
    ],
)
def test_match_expressions_in_aggregation_selectors(
    operator: str, values: list[str], granted: set[str]
) -> None:
    selector = {"matchExpressions": [{"key": "tier", "operator": operator, "values": values}]}
    objects = [
        cluster_role("agg", aggregationRule={"clusterRoleSelectors": [selector]}),
        cluster_role(
            "gold", rule("get", "", "pods"), metadata={"name": "gold", "labels": {"tier": "gold"}}
        ),
        cluster_role(
            "tin", rule("get", "", "secrets"), metadata={"name": "tin", "labels": {"tier": "tin"}}
        ),
        cluster_role("plain", rule("get", "", "nodes")),
        binding("", "b", "ClusterRole", "agg", user_subject("jane")),
    ]
    authz = static(objects)
    allowed = {
        resource
        for resource in ("pods", "secrets", "nodes")
        if authz.authorize(JANE, Attributes("get", resource=resource)).allowed
    }
    assert allowed == granted


def test_missing_roles_explain_the_denial() -> None:
    authz = static(
        [
            binding("dev", "b1", "Role", "gone", user_subject("jane")),
            binding("", "b2", "ClusterRole", "gone-too", group_subject("devs")),
            binding("", "b3", "Bogus", "x", group_subject("devs")),
        ]
    )
    attrs = Attributes("list", resource="pods", namespace="dev")
    reason = (
        'RBAC: [clusterrole.rbac.authorization.k8s.io "gone-too" not found, '
        'unsupported role reference kind: "Bogus", role.rbac.authorization.k8s.io "gone" not found]'
    )
    assert authz.authorize(JANE, attrs) == Decision(False, reason)
    assert forbidden_error(JANE, attrs, reason).message == (
        'pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the '
        f'namespace "dev": {reason}'
    )
    twice = static(
        [binding("", f"b{i}", "ClusterRole", "gone", user_subject("jane")) for i in (1, 2)]
    )
    assert twice.authorize(JANE, attrs).reason == (
        'RBAC: clusterrole.rbac.authorization.k8s.io "gone" not found'
    )
    status = authz.rules_review(JANE, "dev")
    assert status == {
        "resourceRules": [],
        "nonResourceRules": [],
        "incomplete": False,
        "evaluationError": reason.removeprefix("RBAC: "),
    }


def test_forbidden_error_for_a_named_subresource_in_a_group() -> None:
    attrs = Attributes(
        "update",
        api_group="apps",
        resource="deployments",
        subresource="scale",
        namespace="dev",
        name="web",
    )
    status = forbidden_error(JANE, attrs).status()
    assert dumps(status) == dumps(
        {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": 'deployments.apps "web" is forbidden: User "jane" cannot update resource '
            '"deployments/scale" in API group "apps" in the namespace "dev"',
            "reason": "Forbidden",
            "details": {"name": "web", "group": "apps", "kind": "deployments"},
            "code": 403,
        }
    )


# --- Versioned cache -----------------------------------------------------------------------------


class MutableSource:
    """A store stand-in whose RBAC version is bumped by the test, as the real store would."""

    def __init__(self, objects: list[dict[str, Any]]) -> None:
        self.objects = objects
        self.version = 1
        self.calls = 0

    def __call__(self) -> RbacSnapshot:
        self.calls += 1
        return snapshot_of(self.version, self.objects)


def test_grant_then_revoke_changes_the_decision_when_the_version_bumps() -> None:
    source = MutableSource([*bootstrap_rbac_objects()])
    authz = RbacAuthorizer(source)
    attrs = Attributes("list", resource="pods", namespace="dev")
    assert not authz.authorize(JANE, attrs).allowed

    source.objects.append(binding("dev", "grant", "ClusterRole", "view", user_subject("jane")))
    source.version += 1
    assert authz.authorize(JANE, attrs).allowed

    source.objects.pop()
    source.version += 1
    assert not authz.authorize(JANE, attrs).allowed
    assert source.calls == 3


def test_compiled_rules_are_reused_until_the_version_changes() -> None:
    source = MutableSource([role("dev", "r", rule("get", "", "pods"))])
    source.objects.append(binding("dev", "b", "Role", "r", user_subject("jane")))
    authz = RbacAuthorizer(source)
    attrs = Attributes("get", resource="pods", namespace="dev")
    assert authz.authorize(JANE, attrs).allowed
    # Edited without a version bump: the compiled rules are still the ones in use.
    source.objects[0]["rules"] = []
    assert authz.authorize(JANE, attrs).allowed
    assert authz.rules_review(JANE, "dev")["resourceRules"] == [rule("get", "", "pods")]
    source.version += 1
    assert not authz.authorize(JANE, attrs).allowed
    assert authz.rules_review(JANE, "dev")["resourceRules"] == []


# --- Review validation ---------------------------------------------------------------------------


def raised(call: Callable[[], object]) -> dict[str, Any]:
    with pytest.raises(ApiError) as info:
        call()
    return info.value.status()


UNION_MESSAGE = "exactly one of nonResourceAttributes or resourceAttributes must be specified"


def test_ssar_without_attributes_is_invalid() -> None:
    body = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview", "spec": {}}
    status = raised(lambda: self_subject_access_review(body, JANE, static([])))
    assert dumps(status) == dumps(
        {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": '.authorization.k8s.io "" is invalid: spec: Invalid value: null: '
            + UNION_MESSAGE,
            "reason": "Invalid",
            "details": {
                "group": "authorization.k8s.io",
                "causes": [
                    {
                        "reason": "FieldValueInvalid",
                        "message": f"Invalid value: null: {UNION_MESSAGE}",
                        "field": "spec",
                    }
                ],
            },
            "code": 422,
        }
    )


def test_ssar_with_both_attribute_kinds_is_invalid() -> None:
    spec = {
        "resourceAttributes": {"verb": "get", "resource": "pods"},
        "nonResourceAttributes": {"verb": "get", "path": "/api"},
    }
    status = raised(lambda: self_subject_access_review({"spec": spec}, JANE, static([])))
    assert status["details"]["causes"] == [
        {
            "reason": "FieldValueInvalid",
            "message": f'Invalid value: {{"path":"/api","verb":"get"}}: {UNION_MESSAGE}',
            "field": "spec",
        }
    ]


def test_sar_needs_a_user_or_group() -> None:
    body: dict[str, Any] = {"spec": {}}
    status = raised(lambda: subject_access_review(body, static([])))
    assert status["message"] == (
        f'.authorization.k8s.io "" is invalid: [spec: Invalid value: null: {UNION_MESSAGE}, '
        'spec.user: Invalid value: "": at least one of user or group must be specified]'
    )
    assert [c["field"] for c in status["details"]["causes"]] == ["spec", "spec.user"]


def test_review_metadata_must_be_empty() -> None:
    body = {
        "metadata": {"name": "x", "creationTimestamp": None},
        "spec": {"nonResourceAttributes": {"path": "/api", "verb": "get"}},
    }
    status = raised(lambda: self_subject_access_review(body, JANE, static([])))
    assert status["details"]["causes"] == [
        {
            "reason": "FieldValueInvalid",
            "message": 'Invalid value: {"name":"x"}: must be empty',
            "field": "metadata",
        }
    ]
    # kubectl sends `creationTimestamp: null`, which counts as empty.
    body["metadata"] = {"creationTimestamp": None}
    got = self_subject_access_review(body, JANE, static(bootstrap_rbac_objects()))
    assert got["status"] == {
        "allowed": True,
        "reason": 'RBAC: allowed by ClusterRoleBinding "system:discovery" of ClusterRole '
        '"system:discovery" to Group "system:authenticated"',
    }
    assert got["spec"] == {"nonResourceAttributes": {"path": "/api", "verb": "get"}}


def test_ssrr_needs_a_namespace() -> None:
    status = raised(lambda: rules_review_response({"spec": {}}, JANE, static([])))
    assert dumps(status) == dumps(
        {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": "no namespace on request",
            "reason": "BadRequest",
            "code": 400,
        }
    )


def test_wrong_json_types_are_refused_like_the_go_decoder() -> None:
    body = {"spec": {"resourceAttributes": {"verb": 3, "resource": "pods"}}}
    status = raised(lambda: self_subject_access_review(body, JANE, static([])))
    assert status["code"] == 400
    assert status["message"] == (
        'SelfSubjectAccessReview in version "v1" cannot be handled as a SelfSubjectAccessReview: '
        "json: cannot unmarshal number into Go struct field "
        "ResourceAttributes.spec.resourceAttributes.verb of type string"
    )


def test_selectors_are_echoed_and_do_not_narrow_the_decision() -> None:
    authz = static(
        [
            role("dev", "r", rule("list", "", "pods")),
            binding("dev", "b", "Role", "r", user_subject("jane")),
        ]
    )
    attributes = {
        "namespace": "dev",
        "verb": "list",
        "resource": "pods",
        "labelSelector": {"rawSelector": "app=web"},
        "fieldSelector": {
            "requirements": [{"key": "spec.nodeName", "operator": "In", "values": ["n1"]}]
        },
    }
    got = self_subject_access_review({"spec": {"resourceAttributes": attributes}}, JANE, authz)
    assert got["status"]["allowed"] is True
    assert dumps(got["spec"]["resourceAttributes"]) == dumps(
        {
            "namespace": "dev",
            "verb": "list",
            "resource": "pods",
            "fieldSelector": attributes["fieldSelector"],
            "labelSelector": {"rawSelector": "app=web"},
        }
    )


def test_an_empty_selector_is_invalid() -> None:
    body = {
        "spec": {"resourceAttributes": {"verb": "list", "resource": "pods", "fieldSelector": {}}}
    }
    status = raised(lambda: self_subject_access_review(body, JANE, static([])))
    assert status["details"]["causes"] == [
        {
            "reason": "FieldValueRequired",
            "message": "Required value: when spec.resourceAttributes.fieldSelector is specified, "
            "requirements or rawSelector is required",
            "field": "spec.resourceAttributes.fieldSelector.requirements",
        }
    ]


def test_local_subject_access_review() -> None:
    authz = static(
        [
            role("dev", "r", rule("get", "", "pods")),
            binding("dev", "b", "Role", "r", group_subject("devs")),
        ]
    )
    spec = {
        "resourceAttributes": {"namespace": "dev", "verb": "get", "resource": "pods"},
        "groups": ["devs"],
    }
    got = local_subject_access_review(
        {"metadata": {"namespace": "dev"}, "spec": spec}, "dev", authz
    )
    assert dumps(got) == dumps(
        {
            "kind": "LocalSubjectAccessReview",
            "apiVersion": "authorization.k8s.io/v1",
            "metadata": {"namespace": "dev"},
            "spec": spec,
            "status": {
                "allowed": True,
                "reason": 'RBAC: allowed by RoleBinding "b/dev" of Role "r" to Group "devs"',
            },
        }
    )


def test_local_subject_access_review_validation() -> None:
    authz = static([])
    mismatch = {"metadata": {"namespace": "prod"}, "spec": {"user": "jane"}}
    assert raised(lambda: local_subject_access_review(mismatch, "dev", authz))["message"] == (
        "the namespace of the provided object does not match the namespace sent on the request"
    )
    spec = {
        "user": "jane",
        "resourceAttributes": {"namespace": "prod", "verb": "get", "resource": "pods"},
    }
    status = raised(lambda: local_subject_access_review({"spec": spec}, "dev", authz))
    assert status["details"]["causes"] == [
        {
            "reason": "FieldValueInvalid",
            "message": 'Invalid value: "prod": must match metadata.namespace',
            "field": "spec.resourceAttributes.namespace",
        }
    ]
    spec = {"user": "jane", "nonResourceAttributes": {"path": "/api", "verb": "get"}}
    status = raised(lambda: local_subject_access_review({"spec": spec}, "dev", authz))
    assert status["details"]["causes"][-1] == {
        "reason": "FieldValueInvalid",
        "message": 'Invalid value: {"path":"/api","verb":"get"}: '
        "disallowed on this kind of request",
        "field": "spec.nonResourceAttributes",
    }


# --- Property test against a brute-force oracle --------------------------------------------------

NAMESPACES = ["ns1", "ns2"]
USER_NAMES = ["alice", "system:serviceaccount:ns1:sa", "system:serviceaccount:ns2:sa"]
GROUP_NAMES = ["devs", "system:serviceaccounts", "system:authenticated"]
VERBS = ["get", "list", "create"]


def sometimes(values: list[str], max_size: int = 2) -> st.SearchStrategy[list[str]]:
    """Mostly empty, so that the option it stands for changes the outcome only now and then."""
    return st.one_of(st.just([]), st.lists(st.sampled_from(values), min_size=1, max_size=max_size))


rules_st = st.builds(
    lambda verbs, groups, resources, names, urls: {
        "verbs": verbs,
        "apiGroups": groups,
        "resources": resources,
        **({"resourceNames": names} if names else {}),
        **({"nonResourceURLs": urls} if urls else {}),
    },
    st.lists(st.sampled_from([*VERBS, "*"]), min_size=1, max_size=3),
    st.lists(st.sampled_from(["", "apps", "*"]), min_size=1, max_size=2),
    st.one_of(
        st.lists(
            st.sampled_from(
                ["pods", "pods/log", "deployments", "deployments/scale", "*", "*/log", "*/scale"]
            ),
            min_size=1,
            max_size=3,
        ),
        st.just([]),
    ),
    sometimes(["a", "b"]),
    sometimes(["/api", "/api/*", "/healthz", "*", "/apis/**"]),
)
subject_st = st.one_of(
    st.builds(lambda n: {"kind": "Group", "name": n}, st.sampled_from(GROUP_NAMES)),
    st.builds(lambda n: {"kind": "User", "name": n}, st.sampled_from([*USER_NAMES, "carol"])),
    st.builds(
        lambda n, ns: {"kind": "ServiceAccount", "name": n, **({"namespace": ns} if ns else {})},
        st.sampled_from(["sa", "other"]),
        st.sampled_from(["", *NAMESPACES]),
    ),
    st.just({"kind": "Robot", "name": "alice"}),
)
cluster_refs = [("ClusterRole", name) for name in ("c0", "c1", "c2", "c3", "missing")]
local_refs = [("Role", "r0"), ("Role", "r1"), ("Role", "missing"), ("Bogus", "r0")]
selector_st = st.one_of(
    st.builds(lambda v: {"matchLabels": {"agg": v}}, st.sampled_from(["x", "y"])),
    st.builds(
        lambda op, vs: {"matchExpressions": [{"key": "agg", "operator": op, "values": vs}]},
        st.sampled_from(["In", "NotIn"]),
        st.lists(st.sampled_from(["x", "y"]), min_size=1, max_size=2),
    ),
    st.builds(
        lambda op: {"matchExpressions": [{"key": "agg", "operator": op}]},
        st.sampled_from(["Exists", "DoesNotExist"]),
    ),
    st.just({}),
)


@st.composite
def worlds(draw: st.DrawFn) -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = []
    for ns in NAMESPACES:
        for name in ("r0", "r1"):
            if draw(st.sampled_from([True, True, False])):
                objects.append(role(ns, name, *draw(st.lists(rules_st, min_size=1, max_size=3))))
    for name in ("c0", "c1", "c2", "c3"):
        label = draw(st.sampled_from([None, "x", "y"]))
        meta: dict[str, Any] = {"name": name, **({"labels": {"agg": label}} if label else {})}
        if draw(st.sampled_from([False, False, True])):
            selectors = draw(st.lists(selector_st, min_size=1, max_size=2))
            aggregation = {"clusterRoleSelectors": selectors}
            objects.append(cluster_role(name, metadata=meta, aggregationRule=aggregation))
        else:
            rules = draw(st.lists(rules_st, min_size=1, max_size=3))
            objects.append(cluster_role(name, *rules, metadata=meta))
    for i in range(draw(st.integers(1, 8))):
        ns = draw(st.sampled_from(["", *NAMESPACES]))
        kind, ref = draw(st.sampled_from(cluster_refs + (local_refs if ns else [local_refs[0]])))
        subjects = draw(st.lists(subject_st, min_size=1, max_size=3))
        objects.append(binding(ns, f"b{i}", kind, ref, *subjects))
    return objects


users_st = st.builds(
    lambda name, groups, masters: UserInfo(name, groups=(*groups, *masters)),
    st.sampled_from(USER_NAMES),
    st.lists(st.sampled_from(GROUP_NAMES), min_size=1, max_size=3, unique=True),
    st.sampled_from([(), (), (), ("system:masters",)]),
)
resource_attributes_st = st.builds(
    Attributes,
    verb=st.sampled_from([*VERBS, "delete"]),
    api_group=st.sampled_from(["", "apps"]),
    resource=st.sampled_from(["pods", "deployments"]),
    subresource=st.sampled_from(["", "", "", "log", "scale"]),
    namespace=st.sampled_from(["", *NAMESPACES]),
    name=st.sampled_from(["", "a", "b"]),
)
path_attributes_st = st.builds(
    Attributes.for_path,
    st.sampled_from(["get", "post"]),
    st.sampled_from(["/api", "/api/v1", "/healthz", "/apis", "/apis/", "/version"]),
)
attributes_st = st.one_of(resource_attributes_st, resource_attributes_st, path_attributes_st)


@dataclass
class Oracle:
    """Upstream's RBAC rules written as plainly as possible, recomputed on every question."""

    objects: list[dict[str, Any]]

    def _of(self, kind: str) -> list[dict[str, Any]]:
        return [o for o in self.objects if o["kind"] == kind]

    def cluster_role_rules(self, name: str) -> list[dict[str, Any]] | None:
        roles = {r["metadata"]["name"]: r for r in self._of("ClusterRole")}
        if name not in roles:
            return None
        # Aggregated roles start empty, so the controller ends up with the rules of every plain
        # role reachable through selectors.
        seen, todo, rules = {name}, [name], []
        while todo:
            current = roles[todo.pop()]
            if "aggregationRule" not in current:
                rules.extend(current["rules"])
                continue
            for other, candidate in roles.items():
                labels = candidate["metadata"].get("labels", {})
                picks = any(
                    self.selects(s, labels)
                    for s in current["aggregationRule"]["clusterRoleSelectors"]
                )
                if other != current["metadata"]["name"] and picks and other not in seen:
                    seen.add(other)
                    todo.append(other)
        if "aggregationRule" not in roles[name]:
            return rules
        # The aggregation controller drops rules it has already collected.
        return list({json.dumps(r): r for r in rules}.values())

    @staticmethod
    def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
        for key, value in selector.get("matchLabels", {}).items():
            if labels.get(key) != value:
                return False
        for e in selector.get("matchExpressions", []):
            has, value = e["key"] in labels, labels.get(e["key"])
            wanted = {
                "In": has and value in e.get("values", []),
                "NotIn": not has or value not in e.get("values", []),
                "Exists": has,
                "DoesNotExist": not has,
            }
            if not wanted[e["operator"]]:
                return False
        return True

    def bindings(self, namespace: str) -> list[tuple[dict[str, Any], str]]:
        found = [(b, "") for b in self._of("ClusterRoleBinding")]
        if namespace:
            found += [
                (b, namespace)
                for b in self._of("RoleBinding")
                if b["metadata"]["namespace"] == namespace
            ]
        return found

    @staticmethod
    def subject(user: UserInfo, subjects: list[dict[str, str]], ns: str) -> dict[str, str] | None:
        for s in subjects:
            sa_ns = s.get("namespace") or ns
            if (
                (s["kind"] == "User" and s["name"] == user.name)
                or (s["kind"] == "Group" and s["name"] in user.groups)
                or (
                    s["kind"] == "ServiceAccount"
                    and sa_ns
                    and user.name == f"system:serviceaccount:{sa_ns}:{s['name']}"
                )
            ):
                return s
        return None

    def rules(self, ref: dict[str, str], ns: str) -> tuple[list[dict[str, Any]] | None, str]:
        if ref["kind"] == "Role":
            found = [
                r
                for r in self._of("Role")
                if r["metadata"] == {"name": ref["name"], "namespace": ns}
            ]
            rules = found[0]["rules"] if found else None
        elif ref["kind"] == "ClusterRole":
            rules = self.cluster_role_rules(ref["name"])
        else:
            return None, f'unsupported role reference kind: "{ref["kind"]}"'
        return rules, f'{ref["kind"].lower()}.rbac.authorization.k8s.io "{ref["name"]}" not found'

    @staticmethod
    def allows(r: dict[str, Any], a: Attributes) -> bool:
        if not any(v in ("*", a.verb) for v in r["verbs"]):
            return False
        if not a.resource_request:
            return any(
                u == a.path or (u.endswith("*") and a.path.startswith(u.rstrip("*")))
                for u in r.get("nonResourceURLs", [])
            )
        combined = f"{a.resource}/{a.subresource}" if a.subresource else a.resource
        return (
            any(g in ("*", a.api_group) for g in r["apiGroups"])
            and any(
                x in ("*", combined) or (a.subresource != "" and x == f"*/{a.subresource}")
                for x in r["resources"]
            )
            and (not r.get("resourceNames") or a.name in r["resourceNames"])
        )

    def visit(
        self, user: UserInfo, namespace: str
    ) -> Iterable[tuple[str, dict[str, Any] | None, str]]:
        """(reason, rule, error) per rule of every binding that applies, in upstream order."""
        for b, ns in self.bindings(namespace):
            s = self.subject(user, b["subjects"], ns)
            if s is None:
                continue
            rules, error = self.rules(b["roleRef"], ns)
            if rules is None:
                yield "", None, error
                continue
            who = (
                f'{s["kind"]} "{s["name"]}/{s.get("namespace") or ns}"'
                if s["kind"] == "ServiceAccount"
                else f'{s["kind"]} "{s["name"]}"'
            )
            where = (
                f'RoleBinding "{b["metadata"]["name"]}/{ns}"'
                if ns
                else f'ClusterRoleBinding "{b["metadata"]["name"]}"'
            )
            ref = f'{b["roleRef"]["kind"]} "{b["roleRef"]["name"]}"'
            reason = f"RBAC: allowed by {where} of {ref} to {who}"
            for r in rules:
                yield reason, r, ""

    def decide(self, user: UserInfo, a: Attributes) -> Decision:
        if "system:masters" in user.groups:
            return Decision(True, "")
        errors: list[str] = []
        for reason, r, error in self.visit(user, a.namespace):
            if r is not None and self.allows(r, a):
                return Decision(True, reason)
            if error and error not in errors:
                errors.append(error)
        if not errors:
            return Decision(False, "")
        return Decision(
            False, "RBAC: " + (errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]")
        )

    def rules_for(self, user: UserInfo, namespace: str) -> tuple[list[str], list[str]]:
        resource, non_resource = [], []
        for _, r, _ in self.visit(user, namespace):
            if r is None:
                continue
            if r["resources"]:
                kept = {
                    k: r[k]
                    for k in ("verbs", "apiGroups", "resources", "resourceNames")
                    if r.get(k)
                }
                resource.append({"verbs": r["verbs"], **kept})
            if r.get("nonResourceURLs"):
                non_resource.append({"verbs": r["verbs"], "nonResourceURLs": r["nonResourceURLs"]})
        return canonical_rules(resource), canonical_rules(non_resource)


@settings(max_examples=300, deadline=None)
@given(
    objects=worlds(),
    questions=st.lists(st.tuples(users_st, attributes_st), min_size=1, max_size=8),
)
def test_decisions_match_the_brute_force_oracle(
    objects: list[dict[str, Any]], questions: list[tuple[UserInfo, Attributes]]
) -> None:
    oracle = Oracle(objects)
    authz = static(objects)
    for user, attrs in questions:
        assert authz.authorize(user, attrs) == oracle.decide(user, attrs)
        status = authz.rules_review(user, attrs.namespace)
        resource, non_resource = oracle.rules_for(user, attrs.namespace)
        assert canonical_rules(status["resourceRules"]) == resource
        assert canonical_rules(status["nonResourceRules"]) == non_resource


def test_sar_echoes_every_subject_field_in_go_order() -> None:
    authz = static(
        [
            role("dev", "r", rule("get", "", "pods")),
            binding("dev", "b", "Role", "r", group_subject("devs")),
        ]
    )
    spec = {
        "uid": "u-1",
        "extra": {"scopes": ["a", "b"]},
        "groups": ["devs"],
        "user": "jane",
        "resourceAttributes": {"name": "p", "resource": "pods", "verb": "get", "namespace": "dev"},
    }
    got = subject_access_review({"spec": spec}, authz)
    assert dumps(got["spec"]) == dumps(
        {
            "resourceAttributes": {
                "namespace": "dev",
                "verb": "get",
                "resource": "pods",
                "name": "p",
            },
            "user": "jane",
            "groups": ["devs"],
            "extra": {"scopes": ["a", "b"]},
            "uid": "u-1",
        }
    )
    assert got["status"] == {
        "allowed": True,
        "reason": 'RBAC: allowed by RoleBinding "b/dev" of Role "r" to Group "devs"',
    }


def test_a_selector_with_both_forms_is_invalid() -> None:
    selector = {"rawSelector": "app=web", "requirements": [{"key": "app", "operator": "Exists"}]}
    attributes = {"verb": "list", "resource": "pods", "labelSelector": selector}
    body = {"spec": {"resourceAttributes": attributes}}
    status = raised(lambda: self_subject_access_review(body, JANE, static([])))
    assert status["details"]["causes"] == [
        {
            "reason": "FieldValueInvalid",
            "message": 'Invalid value: "app=web": '
            "may not specified at the same time as requirements",
            "field": "spec.resourceAttributes.labelSelector.rawSelector",
        }
    ]
