"""The catalogue of API resources the simulator serves (kube-apiserver 1.36's built-ins).

One `ResourceInfo` per (group, version, resource). Discovery, routing, RBAC, Table output and
OpenAPI are all derived from this catalogue, so a resource added here is served everywhere.
Custom resources get a `ResourceInfo` built from their CRD at run time (`crd` set).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# ObjectMeta's fields in Go struct order: how kube-apiserver serialises metadata.
OBJECT_META_ORDER = (
    "name",
    "generateName",
    "namespace",
    "selfLink",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "labels",
    "annotations",
    "ownerReferences",
    "finalizers",
    "managedFields",
)

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
STATUS_VERBS = ("get", "patch", "update")


@dataclass(frozen=True, slots=True)
class Subresource:
    name: str
    kind: str
    verbs: tuple[str, ...] = STATUS_VERBS
    # Set when the subresource answers with a kind from another group (e.g. Scale).
    group: str | None = None
    version: str | None = None


@dataclass(frozen=True, slots=True)
class ResourceInfo:
    group: str
    version: str
    resource: str
    kind: str
    namespaced: bool
    verbs: tuple[str, ...] = ALL_VERBS
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: tuple[Subresource, ...] = ()
    singular: str = ""
    # Where objects are stored; resources that are views of another (events.k8s.io/v1 events
    # over core/v1 events) share that storage.
    storage_group: str | None = None
    storage_resource: str | None = None
    # For custom resources: the CRD object (printer columns, subresources, schema).
    crd: dict[str, Any] | None = field(default=None, compare=False, hash=False)

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def qualified(self) -> str:
        """`deployments.apps`, or `configmaps` for the core group (as in error messages)."""
        return f"{self.resource}.{self.group}" if self.group else self.resource

    @property
    def list_kind(self) -> str:
        return self.kind + "List"

    @property
    def storage_key(self) -> tuple[str, str]:
        return (
            self.group if self.storage_group is None else self.storage_group,
            self.resource if self.storage_resource is None else self.storage_resource,
        )

    @property
    def singular_name(self) -> str:
        return self.singular or self.kind.lower()

    def subresource(self, name: str) -> Subresource | None:
        for s in self.subresources:
            if s.name == name:
                return s
        return None

    @property
    def has_status(self) -> bool:
        return self.subresource("status") is not None

    @property
    def is_custom(self) -> bool:
        return self.crd is not None


def _status(kind: str) -> Subresource:
    return Subresource("status", kind)


def _scale() -> Subresource:
    return Subresource("scale", "Scale", group="autoscaling", version="v1")


def _r(
    group: str,
    version: str,
    resource: str,
    kind: str,
    namespaced: bool,
    *,
    verbs: tuple[str, ...] = ALL_VERBS,
    short: tuple[str, ...] = (),
    cats: tuple[str, ...] = (),
    subs: tuple[Subresource, ...] = (),
    singular: str = "",
    storage: tuple[str, str] | None = None,
) -> ResourceInfo:
    return ResourceInfo(
        group=group,
        version=version,
        resource=resource,
        kind=kind,
        namespaced=namespaced,
        verbs=verbs,
        short_names=short,
        categories=cats,
        subresources=subs,
        singular=singular,
        storage_group=storage[0] if storage else None,
        storage_resource=storage[1] if storage else None,
    )


_NO_COLLECTION_DELETE = ("create", "delete", "get", "list", "patch", "update", "watch")
_CREATE_ONLY = ("create",)

BUILTIN_RESOURCES: tuple[ResourceInfo, ...] = (
    # core/v1
    _r("", "v1", "bindings", "Binding", True, verbs=_CREATE_ONLY),
    _r(
        "",
        "v1",
        "componentstatuses",
        "ComponentStatus",
        False,
        verbs=("get", "list"),
        short=("cs",),
    ),
    _r("", "v1", "configmaps", "ConfigMap", True, short=("cm",)),
    _r("", "v1", "endpoints", "Endpoints", True, short=("ep",), singular="endpoints"),
    _r("", "v1", "events", "Event", True, short=("ev",)),
    _r("", "v1", "limitranges", "LimitRange", True, short=("limits",)),
    _r(
        "",
        "v1",
        "namespaces",
        "Namespace",
        False,
        verbs=_NO_COLLECTION_DELETE,
        short=("ns",),
        subs=(Subresource("finalize", "Namespace", ("update",)), _status("Namespace")),
    ),
    _r(
        "",
        "v1",
        "nodes",
        "Node",
        False,
        short=("no",),
        subs=(
            Subresource(
                "proxy", "NodeProxyOptions", ("create", "delete", "get", "patch", "update")
            ),
            _status("Node"),
        ),
    ),
    _r(
        "",
        "v1",
        "persistentvolumeclaims",
        "PersistentVolumeClaim",
        True,
        short=("pvc",),
        subs=(_status("PersistentVolumeClaim"),),
    ),
    _r(
        "",
        "v1",
        "persistentvolumes",
        "PersistentVolume",
        False,
        short=("pv",),
        subs=(_status("PersistentVolume"),),
    ),
    _r(
        "",
        "v1",
        "pods",
        "Pod",
        True,
        short=("po",),
        cats=("all",),
        subs=(
            Subresource("attach", "PodAttachOptions", ("create", "get")),
            Subresource("binding", "Binding", ("create",)),
            Subresource("ephemeralcontainers", "Pod"),
            Subresource("eviction", "Eviction", ("create",), group="policy", version="v1"),
            Subresource("exec", "PodExecOptions", ("create", "get")),
            Subresource("log", "Pod", ("get",)),
            Subresource("portforward", "PodPortForwardOptions", ("create", "get")),
            Subresource("proxy", "PodProxyOptions", ("create", "delete", "get", "patch", "update")),
            Subresource("resize", "Pod"),
            _status("Pod"),
        ),
    ),
    _r("", "v1", "podtemplates", "PodTemplate", True),
    _r(
        "",
        "v1",
        "replicationcontrollers",
        "ReplicationController",
        True,
        short=("rc",),
        cats=("all",),
        subs=(_scale(), _status("ReplicationController")),
    ),
    _r(
        "",
        "v1",
        "resourcequotas",
        "ResourceQuota",
        True,
        short=("quota",),
        subs=(_status("ResourceQuota"),),
    ),
    _r("", "v1", "secrets", "Secret", True),
    _r(
        "",
        "v1",
        "serviceaccounts",
        "ServiceAccount",
        True,
        short=("sa",),
        subs=(
            Subresource(
                "token", "TokenRequest", ("create",), group="authentication.k8s.io", version="v1"
            ),
        ),
    ),
    _r(
        "",
        "v1",
        "services",
        "Service",
        True,
        short=("svc",),
        cats=("all",),
        subs=(
            Subresource(
                "proxy", "ServiceProxyOptions", ("create", "delete", "get", "patch", "update")
            ),
            _status("Service"),
        ),
    ),
    # apiregistration.k8s.io
    _r(
        "apiregistration.k8s.io",
        "v1",
        "apiservices",
        "APIService",
        False,
        cats=("api-extensions",),
        subs=(_status("APIService"),),
    ),
    # apps/v1
    _r("apps", "v1", "controllerrevisions", "ControllerRevision", True),
    _r(
        "apps",
        "v1",
        "daemonsets",
        "DaemonSet",
        True,
        short=("ds",),
        cats=("all",),
        subs=(_status("DaemonSet"),),
    ),
    _r(
        "apps",
        "v1",
        "deployments",
        "Deployment",
        True,
        short=("deploy",),
        cats=("all",),
        subs=(_scale(), _status("Deployment")),
    ),
    _r(
        "apps",
        "v1",
        "replicasets",
        "ReplicaSet",
        True,
        short=("rs",),
        cats=("all",),
        subs=(_scale(), _status("ReplicaSet")),
    ),
    _r(
        "apps",
        "v1",
        "statefulsets",
        "StatefulSet",
        True,
        short=("sts",),
        cats=("all",),
        subs=(_scale(), _status("StatefulSet")),
    ),
    # events.k8s.io/v1: the same stored objects as core/v1 events, other field names.
    _r("events.k8s.io", "v1", "events", "Event", True, short=("ev",), storage=("", "events")),
    # authentication / authorization reviews (create-only, never stored)
    _r(
        "authentication.k8s.io",
        "v1",
        "selfsubjectreviews",
        "SelfSubjectReview",
        False,
        verbs=_CREATE_ONLY,
    ),
    _r("authentication.k8s.io", "v1", "tokenreviews", "TokenReview", False, verbs=_CREATE_ONLY),
    _r(
        "authorization.k8s.io",
        "v1",
        "localsubjectaccessreviews",
        "LocalSubjectAccessReview",
        True,
        verbs=_CREATE_ONLY,
    ),
    _r(
        "authorization.k8s.io",
        "v1",
        "selfsubjectaccessreviews",
        "SelfSubjectAccessReview",
        False,
        verbs=_CREATE_ONLY,
    ),
    _r(
        "authorization.k8s.io",
        "v1",
        "selfsubjectrulesreviews",
        "SelfSubjectRulesReview",
        False,
        verbs=_CREATE_ONLY,
    ),
    _r(
        "authorization.k8s.io",
        "v1",
        "subjectaccessreviews",
        "SubjectAccessReview",
        False,
        verbs=_CREATE_ONLY,
    ),
    # autoscaling/v2 (v1 is not served: its conversion is not simulated)
    _r(
        "autoscaling",
        "v2",
        "horizontalpodautoscalers",
        "HorizontalPodAutoscaler",
        True,
        short=("hpa",),
        cats=("all",),
        subs=(_status("HorizontalPodAutoscaler"),),
    ),
    # batch/v1
    _r(
        "batch",
        "v1",
        "cronjobs",
        "CronJob",
        True,
        short=("cj",),
        cats=("all",),
        subs=(_status("CronJob"),),
    ),
    _r("batch", "v1", "jobs", "Job", True, cats=("all",), subs=(_status("Job"),)),
    # certificates.k8s.io/v1
    _r(
        "certificates.k8s.io",
        "v1",
        "certificatesigningrequests",
        "CertificateSigningRequest",
        False,
        short=("csr",),
        subs=(
            Subresource("approval", "CertificateSigningRequest"),
            _status("CertificateSigningRequest"),
        ),
    ),
    # networking.k8s.io/v1
    _r("networking.k8s.io", "v1", "ingressclasses", "IngressClass", False),
    _r(
        "networking.k8s.io",
        "v1",
        "ingresses",
        "Ingress",
        True,
        short=("ing",),
        subs=(_status("Ingress"),),
    ),
    _r("networking.k8s.io", "v1", "ipaddresses", "IPAddress", False, short=("ip",)),
    _r("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", True, short=("netpol",)),
    _r(
        "networking.k8s.io",
        "v1",
        "servicecidrs",
        "ServiceCIDR",
        False,
        subs=(_status("ServiceCIDR"),),
    ),
    # policy/v1
    _r(
        "policy",
        "v1",
        "poddisruptionbudgets",
        "PodDisruptionBudget",
        True,
        short=("pdb",),
        subs=(_status("PodDisruptionBudget"),),
    ),
    # rbac.authorization.k8s.io/v1
    _r("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", False),
    _r("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", False),
    _r("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", True),
    _r("rbac.authorization.k8s.io", "v1", "roles", "Role", True),
    # storage.k8s.io/v1
    _r("storage.k8s.io", "v1", "csidrivers", "CSIDriver", False),
    _r("storage.k8s.io", "v1", "csinodes", "CSINode", False),
    _r("storage.k8s.io", "v1", "csistoragecapacities", "CSIStorageCapacity", True),
    _r("storage.k8s.io", "v1", "storageclasses", "StorageClass", False, short=("sc",)),
    _r(
        "storage.k8s.io",
        "v1",
        "volumeattachments",
        "VolumeAttachment",
        False,
        subs=(_status("VolumeAttachment"),),
    ),
    _r(
        "storage.k8s.io",
        "v1",
        "volumeattributesclasses",
        "VolumeAttributesClass",
        False,
        short=("vac",),
    ),
    # admissionregistration.k8s.io/v1
    _r(
        "admissionregistration.k8s.io",
        "v1",
        "mutatingadmissionpolicies",
        "MutatingAdmissionPolicy",
        False,
        cats=("api-extensions",),
    ),
    _r(
        "admissionregistration.k8s.io",
        "v1",
        "mutatingadmissionpolicybindings",
        "MutatingAdmissionPolicyBinding",
        False,
        cats=("api-extensions",),
    ),
    _r(
        "admissionregistration.k8s.io",
        "v1",
        "mutatingwebhookconfigurations",
        "MutatingWebhookConfiguration",
        False,
        cats=("api-extensions",),
    ),
    _r(
        "admissionregistration.k8s.io",
        "v1",
        "validatingadmissionpolicies",
        "ValidatingAdmissionPolicy",
        False,
        cats=("api-extensions",),
        subs=(_status("ValidatingAdmissionPolicy"),),
    ),
    _r(
        "admissionregistration.k8s.io",
        "v1",
        "validatingadmissionpolicybindings",
        "ValidatingAdmissionPolicyBinding",
        False,
        cats=("api-extensions",),
    ),
    _r(
        "admissionregistration.k8s.io",
        "v1",
        "validatingwebhookconfigurations",
        "ValidatingWebhookConfiguration",
        False,
        cats=("api-extensions",),
    ),
    # apiextensions.k8s.io/v1
    _r(
        "apiextensions.k8s.io",
        "v1",
        "customresourcedefinitions",
        "CustomResourceDefinition",
        False,
        short=("crd", "crds"),
        cats=("api-extensions",),
        subs=(_status("CustomResourceDefinition"),),
    ),
    _r("scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass", False, short=("pc",)),
    _r("coordination.k8s.io", "v1", "leases", "Lease", True),
    _r("node.k8s.io", "v1", "runtimeclasses", "RuntimeClass", False),
    _r("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", True),
    _r("resource.k8s.io", "v1", "deviceclasses", "DeviceClass", False),
    _r(
        "resource.k8s.io",
        "v1",
        "resourceclaims",
        "ResourceClaim",
        True,
        subs=(_status("ResourceClaim"),),
    ),
    _r("resource.k8s.io", "v1", "resourceclaimtemplates", "ResourceClaimTemplate", True),
    _r("resource.k8s.io", "v1", "resourceslices", "ResourceSlice", False),
    _r(
        "flowcontrol.apiserver.k8s.io",
        "v1",
        "flowschemas",
        "FlowSchema",
        False,
        subs=(_status("FlowSchema"),),
    ),
    _r(
        "flowcontrol.apiserver.k8s.io",
        "v1",
        "prioritylevelconfigurations",
        "PriorityLevelConfiguration",
        False,
        subs=(_status("PriorityLevelConfiguration"),),
    ),
)

# Group order in /apis as kube-apiserver 1.36 lists it (legacy and aggregated discovery).
GROUP_ORDER: tuple[str, ...] = (
    "apiregistration.k8s.io",
    "apps",
    "events.k8s.io",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "autoscaling",
    "batch",
    "certificates.k8s.io",
    "networking.k8s.io",
    "policy",
    "rbac.authorization.k8s.io",
    "storage.k8s.io",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "scheduling.k8s.io",
    "coordination.k8s.io",
    "node.k8s.io",
    "discovery.k8s.io",
    "resource.k8s.io",
    "flowcontrol.apiserver.k8s.io",
)

# Reviews are computed per request and never stored or listed.
REVIEW_RESOURCES = frozenset(
    {
        ("authentication.k8s.io", "selfsubjectreviews"),
        ("authentication.k8s.io", "tokenreviews"),
        ("authorization.k8s.io", "localsubjectaccessreviews"),
        ("authorization.k8s.io", "selfsubjectaccessreviews"),
        ("authorization.k8s.io", "selfsubjectrulesreviews"),
        ("authorization.k8s.io", "subjectaccessreviews"),
    }
)


def builtin(group: str, resource: str) -> ResourceInfo:
    """Look up a built-in resource by group and plural name (raises KeyError)."""
    for info in BUILTIN_RESOURCES:
        if info.group == group and info.resource == resource:
            return info
    raise KeyError(f"{resource}.{group}")
