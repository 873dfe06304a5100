"""HorizontalPodAutoscalers, PodDisruptionBudgets and the four RBAC kinds."""

from __future__ import annotations

import msgspec

from masthead.store.projection.base import (
    Interner,
    LabelSelectorIn,
    MetaIn,
    Projection,
    Row,
    base_columns,
    column,
    row_base,
)

# ------------------------------------------------------------------------------------ HPAs


class _TargetRef(msgspec.Struct, gc=False):
    kind: str = ""
    name: str = ""
    apiVersion: str = ""


class _HPASpec(msgspec.Struct, gc=False):
    scaleTargetRef: _TargetRef = msgspec.field(default_factory=_TargetRef)
    minReplicas: int | None = None
    maxReplicas: int = 0
    metrics: list[msgspec.Raw] | None = None


class _HPAStatus(msgspec.Struct, gc=False):
    currentReplicas: int = 0
    desiredReplicas: int = 0


class HPAIn(msgspec.Struct, gc=False):
    metadata: MetaIn = msgspec.field(default_factory=MetaIn)
    spec: _HPASpec = msgspec.field(default_factory=_HPASpec)
    status: _HPAStatus = msgspec.field(default_factory=_HPAStatus)


class HPARow(Row, frozen=True, kw_only=True, gc=False):
    reference: str  # "Deployment/web"
    min_replicas: int | None  # None: unset (the API defaults it to 1)
    max_replicas: int
    current_replicas: int
    desired_replicas: int
    metrics: int


def build_hpa(obj: HPAIn, interner: Interner) -> HPARow:
    spec, status = obj.spec, obj.status
    ref = spec.scaleTargetRef
    return HPARow(
        **row_base(obj.metadata, interner),
        reference=interner.string(f"{ref.kind}/{ref.name}"),
        min_replicas=spec.minReplicas,
        max_replicas=spec.maxReplicas,
        current_replicas=status.currentReplicas,
        desired_replicas=status.desiredReplicas,
        metrics=len(spec.metrics or ()),
    )


HPAS: Projection[HPAIn, HPARow] = Projection(
    group="autoscaling",
    resource="horizontalpodautoscalers",
    kind="HorizontalPodAutoscaler",
    row_type=HPARow,
    input_type=HPAIn,
    columns=(
        *base_columns(),
        column("reference", "Reference", "string", lambda r: r.reference, text=True),
        column("min_replicas", "Min pods", "int", lambda r: r.min_replicas),
        column("max_replicas", "Max pods", "int", lambda r: r.max_replicas),
        column("current_replicas", "Replicas", "int", lambda r: r.current_replicas),
        column("desired_replicas", "Desired", "int", lambda r: r.desired_replicas),
    ),
    build=build_hpa,
)


# ------------------------------------------------------------------------------------ PDBs


class _PDBSpec(msgspec.Struct, gc=False):
    minAvailable: int | str | None = None
    maxUnavailable: int | str | None = None
    selector: LabelSelectorIn | None = None


class _PDBStatus(msgspec.Struct, gc=False):
    disruptionsAllowed: int = 0
    currentHealthy: int = 0
    desiredHealthy: int = 0
    expectedPods: int = 0


class PDBIn(msgspec.Struct, gc=False):
    metadata: MetaIn = msgspec.field(default_factory=MetaIn)
    spec: _PDBSpec = msgspec.field(default_factory=_PDBSpec)
    status: _PDBStatus = msgspec.field(default_factory=_PDBStatus)


class PDBRow(Row, frozen=True, kw_only=True, gc=False):
    min_available: str  # "2", "50%", or "N/A" as kubectl prints it
    max_unavailable: str
    allowed_disruptions: int
    current_healthy: int
    desired_healthy: int
    expected_pods: int
    selector: str


def _int_or_percent(value: int | str | None) -> str:
    return "N/A" if value is None else str(value)


def build_pdb(obj: PDBIn, interner: Interner) -> PDBRow:
    spec, status = obj.spec, obj.status
    return PDBRow(
        **row_base(obj.metadata, interner),
        min_available=interner.string(_int_or_percent(spec.minAvailable)),
        max_unavailable=interner.string(_int_or_percent(spec.maxUnavailable)),
        allowed_disruptions=status.disruptionsAllowed,
        current_healthy=status.currentHealthy,
        desired_healthy=status.desiredHealthy,
        expected_pods=status.expectedPods,
        selector=interner.string(spec.selector.text()) if spec.selector is not None else "",
    )


PDBS: Projection[PDBIn, PDBRow] = Projection(
    group="policy",
    resource="poddisruptionbudgets",
    kind="PodDisruptionBudget",
    row_type=PDBRow,
    input_type=PDBIn,
    columns=(
        *base_columns(),
        column("min_available", "Min available", "string", lambda r: r.min_available),
        column("max_unavailable", "Max unavailable", "string", lambda r: r.max_unavailable),
        column(
            "allowed_disruptions",
            "Allowed disruptions",
            "int",
            lambda r: r.allowed_disruptions,
        ),
        column("current_healthy", "Healthy", "int", lambda r: r.current_healthy),
    ),
    build=build_pdb,
)


# ------------------------------------------------------------------------------------ RBAC

_RBAC = "rbac.authorization.k8s.io"


class _AggregationRule(msgspec.Struct, gc=False):
    clusterRoleSelectors: list[msgspec.Raw] | None = None


class RoleIn(msgspec.Struct, gc=False):
    metadata: MetaIn = msgspec.field(default_factory=MetaIn)
    rules: list[msgspec.Raw] | None = None
    aggregationRule: _AggregationRule | None = None


class RoleRow(Row, frozen=True, kw_only=True, gc=False):
    rules: int
    aggregated: bool  # a ClusterRole whose rules the controller aggregates


def build_role(obj: RoleIn, interner: Interner) -> RoleRow:
    return RoleRow(
        **row_base(obj.metadata, interner),
        rules=len(obj.rules or ()),
        aggregated=obj.aggregationRule is not None,
    )


class _RoleRef(msgspec.Struct, gc=False):
    kind: str = ""
    name: str = ""


class _Subject(msgspec.Struct, gc=False):
    kind: str = ""
    name: str = ""
    namespace: str = ""


class RoleBindingIn(msgspec.Struct, gc=False):
    metadata: MetaIn = msgspec.field(default_factory=MetaIn)
    roleRef: _RoleRef = msgspec.field(default_factory=_RoleRef)
    subjects: list[_Subject] | None = None


class RoleBindingRow(Row, frozen=True, kw_only=True, gc=False):
    role: str  # "ClusterRole/view", kubectl's ROLE
    role_kind: str
    role_name: str
    subjects: int
    users: str  # comma-joined, as in kubectl's wide output
    groups: str
    service_accounts: str  # "namespace/name"


def build_role_binding(obj: RoleBindingIn, interner: Interner) -> RoleBindingRow:
    users, groups, sas = [], [], []
    for s in obj.subjects or ():
        if s.kind == "ServiceAccount":
            sas.append(f"{s.namespace}/{s.name}")
        elif s.kind == "User":
            users.append(s.name)
        elif s.kind == "Group":
            groups.append(s.name)
    ref = obj.roleRef
    intern = interner.string
    return RoleBindingRow(
        **row_base(obj.metadata, interner),
        role=intern(f"{ref.kind}/{ref.name}"),
        role_kind=intern(ref.kind),
        role_name=intern(ref.name),
        subjects=len(obj.subjects or ()),
        users=intern(", ".join(users)),
        groups=intern(", ".join(groups)),
        service_accounts=intern(", ".join(sas)),
    )


def _role_projection(resource: str, kind: str, namespaced: bool) -> Projection[RoleIn, RoleRow]:
    return Projection(
        group=_RBAC,
        resource=resource,
        kind=kind,
        row_type=RoleRow,
        input_type=RoleIn,
        columns=(
            *base_columns(namespaced=namespaced),
            column("rules", "Rules", "int", lambda r: r.rules),
            column("aggregated", "Aggregated", "bool", lambda r: str(r.aggregated).lower()),
        ),
        build=build_role,
    )


def _binding_projection(
    resource: str, kind: str, namespaced: bool
) -> Projection[RoleBindingIn, RoleBindingRow]:
    return Projection(
        group=_RBAC,
        resource=resource,
        kind=kind,
        row_type=RoleBindingRow,
        input_type=RoleBindingIn,
        columns=(
            *base_columns(namespaced=namespaced),
            column("role", "Role", "string", lambda r: r.role, text=True),
            column("role_kind", "Role kind", "string", lambda r: r.role_kind, facet=True),
            column("subjects", "Subjects", "int", lambda r: r.subjects),
            column("users", "Users", "string", lambda r: r.users, text=True),
            column("groups", "Groups", "string", lambda r: r.groups, text=True),
            column(
                "service_accounts",
                "Service accounts",
                "string",
                lambda r: r.service_accounts,
                text=True,
            ),
        ),
        build=build_role_binding,
    )


ROLES = _role_projection("roles", "Role", namespaced=True)
CLUSTERROLES = _role_projection("clusterroles", "ClusterRole", namespaced=False)
ROLEBINDINGS = _binding_projection("rolebindings", "RoleBinding", namespaced=True)
CLUSTERROLEBINDINGS = _binding_projection(
    "clusterrolebindings", "ClusterRoleBinding", namespaced=False
)
