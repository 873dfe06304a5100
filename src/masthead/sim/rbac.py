"""RBAC authorization evaluated from stored Role/ClusterRole/RoleBinding/ClusterRoleBinding objects.

This mirrors kube-apiserver run with `--authorization-mode=RBAC`: the privileged-group authorizer
allows `system:masters` first (with no reason), then RBAC visits the cluster role bindings and,
for namespaced requests, the role bindings of that namespace; the first rule that matches names
its binding in the reason. Each user's rules are compiled once and reused until the RBAC version
carried by the snapshot changes, because authorization runs on every request.

There is no controller manager in the simulator, so ClusterRole `aggregationRule`s are resolved
here when rules are compiled, the way the clusterrole-aggregation controller would have filled
them in.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from masthead.selectors import SelectorError, label_selector_from_dict
from masthead.sim.errors import ApiError

RBAC_GROUP = "rbac.authorization.k8s.io"
RBAC_API_VERSION = f"{RBAC_GROUP}/v1"
PRIVILEGED_GROUP = "system:masters"
SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:"

# A user's compiled rules are cheap to rebuild; the cap only guards against unbounded growth when
# a test impersonates many throwaway users between two RBAC changes.
_MAX_CACHED_USERS = 4096

Obj = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class UserInfo:
    name: str
    uid: str = ""
    groups: tuple[str, ...] = ()
    extra: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False)


@dataclass(frozen=True, slots=True)
class Attributes:
    """What a request asks to do, as upstream's `authorizer.Attributes` describes it."""

    verb: str
    api_group: str = ""
    resource: str = ""
    subresource: str = ""
    namespace: str = ""
    name: str = ""
    path: str = ""
    resource_request: bool = True

    @classmethod
    def for_path(cls, verb: str, path: str) -> Attributes:
        return cls(verb=verb, path=path, resource_request=False)


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str = ""


@dataclass(frozen=True)
class RbacSnapshot:
    """The RBAC objects of the store; `version` must change whenever any of them changes."""

    version: int
    roles: Sequence[Obj] = ()
    cluster_roles: Sequence[Obj] = ()
    role_bindings: Sequence[Obj] = ()
    cluster_role_bindings: Sequence[Obj] = ()


class RbacAuthorizer:
    """Authorizes requests and answers rules reviews from the current RBAC snapshot.

    `snapshot_source` is called on every request, so it should hand back the same snapshot object
    until the RBAC objects change.
    """

    def __init__(self, snapshot_source: Callable[[], RbacSnapshot]) -> None:
        self._source = snapshot_source
        self._index: _Index | None = None

    def authorize(self, user: UserInfo, attrs: Attributes) -> Decision:
        if PRIVILEGED_GROUP in user.groups:
            return Decision(True)
        errors: list[str] = []
        for scope in self._current().scopes(user, attrs.namespace):
            for reason, rule in scope.entries:
                if rule.allows(attrs):
                    return Decision(True, reason)
            errors.extend(scope.errors)
        return Decision(False, f"RBAC: {_aggregate_errors(errors)}" if errors else "")

    def rules_review(self, user: UserInfo, namespace: str) -> dict[str, Any]:
        """The `status` of a SelfSubjectRulesReview (RBAC's `RulesFor`)."""
        resource_rules: list[dict[str, Any]] = []
        non_resource_rules: list[dict[str, Any]] = []
        errors: list[str] = []
        for scope in self._current().scopes(user, namespace):
            for _, rule in scope.entries:
                if rule.resources:
                    resource_rules.append(rule.resource_rule())
                if rule.urls:
                    non_resource_rules.append(
                        {"verbs": list(rule.verbs), "nonResourceURLs": list(rule.urls)}
                    )
            errors.extend(scope.errors)
        status: dict[str, Any] = {
            "resourceRules": resource_rules,
            "nonResourceRules": non_resource_rules,
            "incomplete": False,
        }
        if errors:
            status["evaluationError"] = _aggregate_errors(errors)
        return status

    def _current(self) -> _Index:
        snapshot = self._source()
        if self._index is None or self._index.version != snapshot.version:
            self._index = _Index(snapshot)
        return self._index


def _aggregate_errors(messages: Iterable[str]) -> str:
    """Upstream `utilerrors.NewAggregate(...).Error()`: duplicates dropped, several bracketed."""
    unique = list(dict.fromkeys(messages))
    return unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]"


def forbidden_error(user: UserInfo, attrs: Attributes, reason: str = "") -> ApiError:
    """The 403 the authorization filter answers (`responsewriters.Forbidden` + `NewForbidden`).

    The qualified resource in front of "is forbidden" never carries the subresource; only the
    sentence after it does (`pods "web" is forbidden: ... cannot create resource "pods/exec"`).
    """
    text = _forbidden_text(user.name, attrs)
    if reason:
        text = f"{text}: {reason}"
    group = attrs.api_group if attrs.resource_request else ""
    resource = attrs.resource if attrs.resource_request else ""
    name = attrs.name if attrs.resource_request else ""
    details: dict[str, Any] = {}
    if name:
        details["name"] = name
    if group:
        details["group"] = group
    if resource:
        details["kind"] = resource
    if not group and not resource:
        return ApiError(403, "Forbidden", f"forbidden: {text}", details)
    qualified = f"{resource}.{group}" if group else resource
    head = f"{qualified} {_quote(name)}" if name else qualified
    return ApiError(403, "Forbidden", f"{head} is forbidden: {text}", details)


def _forbidden_text(user: str, a: Attributes) -> str:
    if not a.resource_request:
        return f"User {_quote(user)} cannot {a.verb} path {_quote(a.path)}"
    resource = f"{a.resource}/{a.subresource}" if a.subresource else a.resource
    where = f"in the namespace {_quote(a.namespace)}" if a.namespace else "at the cluster scope"
    return (
        f"User {_quote(user)} cannot {a.verb} resource {_quote(resource)} "
        f"in API group {_quote(a.api_group)} {where}"
    )


def _quote(text: str) -> str:
    """Go's %q for the strings that appear in RBAC messages."""
    return json.dumps(text, ensure_ascii=False)


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        return ()
    return tuple(v for v in value if isinstance(v, str))


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _mapping(value: Any) -> Obj:
    return value if isinstance(value, Mapping) else {}


def _meta(obj: Obj, key: str) -> str:
    return _text(_mapping(obj.get("metadata")).get(key))


def _labels(obj: Obj) -> dict[str, str]:
    labels = _mapping(_mapping(obj.get("metadata")).get("labels"))
    return {k: v for k, v in labels.items() if isinstance(k, str) and isinstance(v, str)}


def _sequence(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


class _Rule:
    """One PolicyRule with its lists turned into sets, matched as upstream's `RuleAllows`."""

    __slots__ = (
        "_groups",
        "_names",
        "_resources",
        "_url_prefixes",
        "_urls",
        "_verbs",
        "api_groups",
        "key",
        "resource_names",
        "resources",
        "urls",
        "verbs",
    )

    def __init__(self, raw: Obj) -> None:
        self.verbs = _strings(raw.get("verbs"))
        self.api_groups = _strings(raw.get("apiGroups"))
        self.resources = _strings(raw.get("resources"))
        self.resource_names = _strings(raw.get("resourceNames"))
        self.urls = _strings(raw.get("nonResourceURLs"))
        self.key = (self.verbs, self.api_groups, self.resources, self.resource_names, self.urls)
        self._verbs = frozenset(self.verbs)
        self._groups = frozenset(self.api_groups)
        self._resources = frozenset(self.resources)
        self._names = frozenset(self.resource_names)
        self._urls = frozenset(self.urls)
        # Upstream trims every trailing "*" before its prefix test, so a lone "*" matches any path.
        self._url_prefixes = tuple(u.rstrip("*") for u in self.urls if u.endswith("*"))

    def allows(self, a: Attributes) -> bool:
        if "*" not in self._verbs and a.verb not in self._verbs:
            return False
        if not a.resource_request:
            return a.path in self._urls or any(a.path.startswith(p) for p in self._url_prefixes)
        if "*" not in self._groups and a.api_group not in self._groups:
            return False
        resources = self._resources
        if "*" not in resources:
            if not a.subresource:
                if a.resource not in resources:
                    return False
            elif (
                f"{a.resource}/{a.subresource}" not in resources
                and f"*/{a.subresource}" not in resources
            ):
                return False
        # An empty resourceNames list allows every name; otherwise a request without a name
        # (list, watch, create) never matches.
        return not self._names or a.name in self._names

    def resource_rule(self) -> dict[str, Any]:
        rule: dict[str, Any] = {"verbs": list(self.verbs)}
        if self.api_groups:
            rule["apiGroups"] = list(self.api_groups)
        if self.resources:
            rule["resources"] = list(self.resources)
        if self.resource_names:
            rule["resourceNames"] = list(self.resource_names)
        return rule

    def policy_rule(self) -> dict[str, Any]:
        rule = self.resource_rule()
        if self.urls:
            rule["nonResourceURLs"] = list(self.urls)
        return rule


@dataclass(frozen=True, slots=True)
class _Scope:
    """The rules one user gets from one set of bindings, each with the reason it would give."""

    entries: tuple[tuple[str, _Rule], ...]
    errors: tuple[str, ...]


@dataclass(slots=True)
class _UserPolicy:
    cluster: _Scope
    namespaces: dict[str, _Scope] = field(default_factory=dict)


class _RoleNotFound(Exception):
    pass


class _Index:
    """Everything compiled from one snapshot version."""

    def __init__(self, snapshot: RbacSnapshot) -> None:
        self.version = snapshot.version
        self._cluster_roles = _aggregated_cluster_rules(snapshot.cluster_roles)
        self._roles = {
            (_meta(r, "namespace"), _meta(r, "name")): _compile(r.get("rules"))
            for r in snapshot.roles
        }
        self._cluster_role_bindings = tuple(snapshot.cluster_role_bindings)
        self._role_bindings: dict[str, list[Obj]] = {}
        for binding in snapshot.role_bindings:
            self._role_bindings.setdefault(_meta(binding, "namespace"), []).append(binding)
        self._users: dict[tuple[str, tuple[str, ...]], _UserPolicy] = {}

    def scopes(self, user: UserInfo, namespace: str) -> tuple[_Scope, ...]:
        # Bindings select users by name and groups only, so uid and extra do not split the cache.
        key = (user.name, user.groups)
        policy = self._users.get(key)
        if policy is None:
            if len(self._users) >= _MAX_CACHED_USERS:
                self._users.clear()
            policy = _UserPolicy(self._scope(user, self._cluster_role_bindings, ""))
            self._users[key] = policy
        if not namespace:
            return (policy.cluster,)
        local = policy.namespaces.get(namespace)
        if local is None:
            local = self._scope(user, self._role_bindings.get(namespace, ()), namespace)
            policy.namespaces[namespace] = local
        return (policy.cluster, local)

    def _scope(self, user: UserInfo, bindings: Iterable[Obj], namespace: str) -> _Scope:
        entries: list[tuple[str, _Rule]] = []
        errors: list[str] = []
        for binding in bindings:
            subject = _applying_subject(user, binding.get("subjects"), namespace)
            if subject is None:
                continue
            ref = _mapping(binding.get("roleRef"))
            try:
                rules = self._role_ref_rules(ref, namespace)
            except _RoleNotFound as e:
                errors.append(str(e))
                continue
            reason = "RBAC: allowed by " + _describe(binding, ref, subject, namespace)
            entries.extend((reason, rule) for rule in rules)
        return _Scope(tuple(entries), tuple(errors))

    def _role_ref_rules(self, ref: Obj, namespace: str) -> tuple[_Rule, ...]:
        kind, name = _text(ref.get("kind")), _text(ref.get("name"))
        if kind == "Role":
            rules = self._roles.get((namespace, name))
        elif kind == "ClusterRole":
            rules = self._cluster_roles.get(name)
        else:
            raise _RoleNotFound(f"unsupported role reference kind: {_quote(kind)}")
        if rules is None:
            raise _RoleNotFound(f"{kind.lower()}.{RBAC_GROUP} {_quote(name)} not found")
        return rules


def _compile(rules: Any) -> tuple[_Rule, ...]:
    return tuple(_Rule(r) for r in _sequence(rules) if isinstance(r, Mapping))


def _applying_subject(user: UserInfo, subjects: Any, namespace: str) -> Obj | None:
    """The first subject of a binding that names this user (upstream `appliesTo`)."""
    if not isinstance(subjects, list | tuple):
        return None
    for subject in subjects:
        if not isinstance(subject, Mapping):
            continue
        kind, name = subject.get("kind"), _text(subject.get("name"))
        if kind == "User" and user.name == name:
            return subject
        if kind == "Group" and name in user.groups:
            return subject
        if kind == "ServiceAccount":
            # A subject without a namespace means the binding's own namespace.
            sa_namespace = _text(subject.get("namespace")) or namespace
            if sa_namespace and user.name == f"{SERVICE_ACCOUNT_PREFIX}{sa_namespace}:{name}":
                return subject
    return None


def _describe(binding: Obj, ref: Obj, subject: Obj, namespace: str) -> str:
    kind, name = _text(subject.get("kind")), _text(subject.get("name"))
    if kind == "ServiceAccount":
        who = f"{kind} {_quote(name + '/' + (_text(subject.get('namespace')) or namespace))}"
    else:
        who = f"{kind} {_quote(name)}"
    role = f"{_text(ref.get('kind'))} {_quote(_text(ref.get('name')))}"
    binding_name = _meta(binding, "name")
    if namespace:
        return f"RoleBinding {_quote(binding_name + '/' + namespace)} of {role} to {who}"
    return f"ClusterRoleBinding {_quote(binding_name)} of {role} to {who}"


def _aggregated_cluster_rules(cluster_roles: Iterable[Obj]) -> dict[str, tuple[_Rule, ...]]:
    """Each ClusterRole's rules, with `aggregationRule`s resolved.

    Like the clusterrole-aggregation controller, an aggregated role's rules become the
    de-duplicated union of the rules of every other ClusterRole its selectors match (in name
    order); roles aggregating aggregated roles are iterated to a fixed point.
    """
    by_name = {_meta(cr, "name"): cr for cr in cluster_roles}
    names = sorted(by_name)
    rules = {name: _compile(by_name[name].get("rules")) for name in names}
    sources: list[tuple[str, list[str]]] = []
    for name in names:
        aggregation = by_name[name].get("aggregationRule")
        if not isinstance(aggregation, Mapping):
            continue
        selectors = aggregation.get("clusterRoleSelectors")
        try:
            compiled = [label_selector_from_dict(s) for s in _sequence(selectors)]
        except (SelectorError, AttributeError):
            # The controller gives up on a role whose selectors do not parse: its rules stay.
            continue
        matched = [
            other
            for selector in compiled
            for other in names
            if other != name and selector.matches(_labels(by_name[other]))
        ]
        sources.append((name, matched))
    for _ in range(len(sources) + 1):
        changed = False
        for name, matched in sources:
            merged: dict[tuple[tuple[str, ...], ...], _Rule] = {}
            for other in matched:
                for rule in rules[other]:
                    merged.setdefault(rule.key, rule)
            if [r.key for r in rules[name]] != list(merged):
                rules[name] = tuple(merged.values())
                changed = True
        if not changed:
            break
    return rules


# --- Bootstrap policy --------------------------------------------------------------------------

_BOOTSTRAP_LABELS = {"kubernetes.io/bootstrapping": "rbac-defaults"}
_BOOTSTRAP_ANNOTATIONS = {"rbac.authorization.kubernetes.io/autoupdate": "true"}
_AGGREGATE_TO = "rbac.authorization.k8s.io/aggregate-to-"
_READ = "get list watch"
_WRITE = "create delete deletecollection patch update"

# (verbs, API group, resources) of the rules aggregated into view, edit and admin.
_AGGREGATE_TO_VIEW = (
    (_READ, "", "configmaps endpoints persistentvolumeclaims persistentvolumeclaims/status pods "
     "replicationcontrollers replicationcontrollers/scale serviceaccounts services "
     "services/status"),
    (_READ, "", "bindings events limitranges namespaces/status pods/log pods/status "
     "replicationcontrollers/status resourcequotas resourcequotas/status"),
    (_READ, "", "namespaces"),
    (_READ, "discovery.k8s.io", "endpointslices"),
    (_READ, "apps", "controllerrevisions daemonsets daemonsets/status deployments "
     "deployments/scale deployments/status replicasets replicasets/scale replicasets/status "
     "statefulsets statefulsets/scale statefulsets/status"),
    (_READ, "autoscaling", "horizontalpodautoscalers horizontalpodautoscalers/status"),
    (_READ, "batch", "cronjobs cronjobs/status jobs jobs/status"),
    (_READ, "extensions", "daemonsets daemonsets/status deployments deployments/scale "
     "deployments/status ingresses ingresses/status networkpolicies replicasets replicasets/scale "
     "replicasets/status replicationcontrollers/scale"),
    (_READ, "policy", "poddisruptionbudgets poddisruptionbudgets/status"),
    (_READ, "networking.k8s.io", "ingresses ingresses/status networkpolicies"),
)  # fmt: skip
_AGGREGATE_TO_EDIT = (
    (_READ, "", "pods/attach pods/exec pods/portforward pods/proxy secrets services/proxy"),
    ("impersonate", "", "serviceaccounts"),
    (_WRITE, "", "pods pods/attach pods/exec pods/portforward pods/proxy"),
    ("create", "", "pods/eviction"),
    (_WRITE, "", "configmaps events persistentvolumeclaims replicationcontrollers "
     "replicationcontrollers/scale secrets serviceaccounts services services/proxy"),
    ("create", "", "serviceaccounts/token"),
    (_WRITE, "apps", "daemonsets deployments deployments/rollback deployments/scale replicasets "
     "replicasets/scale statefulsets statefulsets/scale"),
    (_WRITE, "autoscaling", "horizontalpodautoscalers"),
    (_WRITE, "batch", "cronjobs jobs"),
    (_WRITE, "extensions", "daemonsets deployments deployments/rollback deployments/scale "
     "ingresses networkpolicies replicasets replicasets/scale replicationcontrollers/scale"),
    (_WRITE, "policy", "poddisruptionbudgets"),
    (_WRITE, "networking.k8s.io", "ingresses networkpolicies"),
    (_WRITE, "coordination.k8s.io", "leases"),
)  # fmt: skip
_BASIC_USER = (
    ("create", "authorization.k8s.io", "selfsubjectaccessreviews selfsubjectrulesreviews"),
    ("create", "authentication.k8s.io", "selfsubjectreviews"),
)
_AGGREGATE_TO_ADMIN = (
    ("create", "authorization.k8s.io", "localsubjectaccessreviews"),
    (f"{_READ} {_WRITE}", RBAC_GROUP, "roles rolebindings"),
)


def _rules(table: Iterable[tuple[str, str, str]]) -> list[dict[str, Any]]:
    """Bootstrap PolicyRules; upstream's rule builder sorts every list."""
    return [
        {"verbs": sorted(v.split()), "apiGroups": [group], "resources": sorted(r.split())}
        for v, group, r in table
    ]


def _urls(urls: str) -> list[dict[str, Any]]:
    return [{"verbs": ["get"], "nonResourceURLs": sorted(urls.split())}]


def _cluster_role(
    name: str,
    rules: list[dict[str, Any]],
    labels: Mapping[str, str] | None = None,
    aggregate: str = "",
) -> dict[str, Any]:
    metadata = {
        "name": name,
        # Maps are serialised with sorted keys upstream.
        "labels": dict(sorted({**_BOOTSTRAP_LABELS, **(labels or {})}.items())),
        "annotations": dict(_BOOTSTRAP_ANNOTATIONS),
    }
    role: dict[str, Any] = {
        "kind": "ClusterRole",
        "apiVersion": RBAC_API_VERSION,
        "metadata": metadata,
        "rules": rules,
    }
    if aggregate:
        selector = {"matchLabels": {_AGGREGATE_TO + aggregate: "true"}}
        role["aggregationRule"] = {"clusterRoleSelectors": [selector]}
    return role


def _cluster_binding(role: str, *groups: str) -> dict[str, Any]:
    return {
        "kind": "ClusterRoleBinding",
        "apiVersion": RBAC_API_VERSION,
        "metadata": {
            "name": role,
            "labels": dict(_BOOTSTRAP_LABELS),
            "annotations": dict(_BOOTSTRAP_ANNOTATIONS),
        },
        "subjects": [{"kind": "Group", "apiGroup": RBAC_GROUP, "name": g} for g in groups],
        "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": role},
    }


def bootstrap_rbac_objects() -> list[dict[str, Any]]:
    """The bootstrap ClusterRoles and ClusterRoleBindings that shape authorization decisions.

    `admin`, `edit` and `view` carry both their aggregationRule and the rules the aggregation
    controller would have written, as on a running cluster.
    """
    everyone = ("system:authenticated", "system:unauthenticated")
    roles = [
        _cluster_role(
            "cluster-admin",
            [*_rules([("*", "*", "*")]), {"verbs": ["*"], "nonResourceURLs": ["*"]}],
        ),
        _cluster_role(
            "system:discovery",
            _urls(
                "/livez /readyz /healthz /version /version/ /openapi /openapi/* /api /api/* "
                "/apis /apis/*"
            ),
        ),
        _cluster_role(
            "system:monitoring",
            _urls("/healthz /healthz/* /livez /livez/* /metrics /metrics/slis /readyz /readyz/*"),
        ),
        _cluster_role("system:basic-user", _rules(_BASIC_USER)),
        _cluster_role(
            "system:public-info-viewer", _urls("/livez /readyz /healthz /version /version/")
        ),
        # Added by the OpenShift fork that served the recordings (its other patches stay idle);
        # it is why every recorded rules review lists /.well-known.
        _cluster_role("system:openshift:public-info-viewer", _urls("/.well-known /.well-known/*")),
        _cluster_role(
            "system:service-account-issuer-discovery",
            _urls(
                "/.well-known/openid-configuration /.well-known/openid-configuration/ "
                "/openid/v1/jwks /openid/v1/jwks/"
            ),
        ),
        _cluster_role("admin", [], aggregate="admin"),
        _cluster_role("edit", [], {_AGGREGATE_TO + "admin": "true"}, aggregate="edit"),
        _cluster_role("view", [], {_AGGREGATE_TO + "edit": "true"}, aggregate="view"),
    ]
    for target, table in (
        ("admin", _AGGREGATE_TO_ADMIN),
        ("edit", _AGGREGATE_TO_EDIT),
        ("view", _AGGREGATE_TO_VIEW),
    ):
        labels = {_AGGREGATE_TO + target: "true"}
        roles.append(_cluster_role(f"system:aggregate-to-{target}", _rules(table), labels))
    effective = _aggregated_cluster_rules(roles)
    for role in roles:
        if "aggregationRule" in role:
            role["rules"] = [rule.policy_rule() for rule in effective[role["metadata"]["name"]]]
    bindings = [
        _cluster_binding("cluster-admin", PRIVILEGED_GROUP),
        _cluster_binding("system:discovery", "system:authenticated"),
        _cluster_binding("system:monitoring", "system:monitoring"),
        _cluster_binding("system:basic-user", "system:authenticated"),
        _cluster_binding("system:public-info-viewer", *everyone),
        _cluster_binding("system:openshift:public-info-viewer", *everyone),
        _cluster_binding("system:service-account-issuer-discovery", "system:serviceaccounts"),
    ]
    return roles + bindings
