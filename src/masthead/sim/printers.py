"""Server-side Table printers for built-in kinds, as kube-apiserver computes them.

A port of `pkg/printers/internalversion/printers.go` (column definitions and cell logic) with the
apiserver's `GenerateOptions{Wide: true}`: the priority-1 cells are always present and clients
hide them. Cells are computed from the stored JSON the way the Go code reads its internal types:
a missing field is that type's zero value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from masthead.sim.resources import ResourceInfo

__all__ = [
    "Printer",
    "format_label_selector",
    "human_duration",
    "metadata_doc",
    "parse_time",
    "printer_for",
    "row_conditions",
    "translate_timestamp",
]

Obj = Mapping[str, Any]
Cells = list[Any]


@dataclass(frozen=True, slots=True)
class Printer:
    columns: tuple[dict[str, Any], ...]
    cells: Callable[[Obj, float], Cells]


def printer_for(info: ResourceInfo) -> Printer | None:
    """The upstream printer for a built-in resource; None means the default Table."""
    if info.is_custom:
        return None
    return _PRINTERS.get((info.group, info.resource))


def metadata_doc(field: str) -> str:
    """ObjectMeta's documentation of `name` or `creationTimestamp`, as Name/Age columns quote."""
    return _DOCS[f"ObjectMeta.{field}"]


def row_conditions(info: ResourceInfo, obj: Obj) -> list[dict[str, str]] | None:
    """TableRow conditions: only pods that reached Succeeded or Failed carry one."""
    if info.is_custom or info.group != "" or info.resource != "pods":
        return None
    phase = _str(obj, "status", "phase")
    if phase == "Succeeded":
        message = "The pod has completed successfully."
    elif phase == "Failed":
        message = "The pod failed."
    else:
        return None
    return [{"type": "Completed", "status": "True", "reason": phase, "message": message}]


# --- time -------------------------------------------------------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 timestamp (metav1.Time or MicroTime); None for absent, empty or invalid."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _since(then: datetime, now: float) -> timedelta:
    # Whole microseconds on both sides, so a 120 s age never rounds down to 119 s.
    now_us = round(now * 1_000_000)
    then_us = (then - _EPOCH) // timedelta(microseconds=1)
    return timedelta(microseconds=now_us - then_us)


def translate_timestamp(value: Any, now: float) -> str:
    """`translateTimestampSince`: the age of a timestamp, `<unknown>` when it is unset."""
    then = parse_time(value)
    return "<unknown>" if then is None else human_duration(_since(then, now))


def human_duration(d: timedelta) -> str:
    """`k8s.io/apimachinery/pkg/util/duration.HumanDuration`, to the digit."""
    total_us = d // timedelta(microseconds=1)
    seconds = abs(total_us) // 1_000_000 * (1 if total_us >= 0 else -1)
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 60 * 2:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 10:
        s = seconds % 60
        return f"{minutes}m" if s == 0 else f"{minutes}m{s}s"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = seconds // 3600
    if hours < 8:
        m = minutes % 60
        return f"{hours}h" if m == 0 else f"{hours}h{m}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d" if h == 0 else f"{hours // 24}d{h}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        dy = (hours // 24) % 365
        years = hours // 24 // 365
        return f"{years}y" if dy == 0 else f"{years}y{dy}d"
    return f"{hours // 24 // 365}y"


# --- reading stored JSON with Go zero values --------------------------------------------------


def _get(obj: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj


def _str(obj: Any, *keys: str) -> str:
    v = _get(obj, *keys)
    return v if isinstance(v, str) else ""


def _int(obj: Any, *keys: str) -> int:
    v = _get(obj, *keys)
    return v if isinstance(v, int) and not isinstance(v, bool) else 0


def _bool(obj: Any, *keys: str) -> bool:
    return _get(obj, *keys) is True


def _list(obj: Any, *keys: str) -> list[Any]:
    v = _get(obj, *keys)
    return v if isinstance(v, list) else []


def _map(obj: Any, *keys: str) -> Mapping[str, Any]:
    v = _get(obj, *keys)
    return v if isinstance(v, Mapping) else {}


def _name(obj: Obj) -> str:
    return _str(obj, "metadata", "name")


def _age(obj: Obj, now: float) -> str:
    return translate_timestamp(_get(obj, "metadata", "creationTimestamp"), now)


def _quantity(value: Any) -> str:
    # resource.Quantity.String() of a stored (already canonical) quantity; zero when unset.
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return "0"


def _quantity_ptr(value: Any) -> str:
    return "<nil>" if value is None else _quantity(value)


# --- labels and selectors ---------------------------------------------------------------------


def _format_labels(labels: Mapping[str, Any]) -> str:
    """`labels.FormatLabels`: sorted `k=v` pairs, `<none>` when empty."""
    text = ",".join(f"{k}={labels[k]}" for k in sorted(labels))
    return text or "<none>"


def _selector_string(selector: Any) -> str:
    """`LabelSelectorAsSelector(s).String()`: requirements sorted by key."""
    if not isinstance(selector, Mapping):
        return ""
    reqs: list[tuple[str, str]] = [
        (k, f"{k}={v}") for k, v in _map(selector, "matchLabels").items()
    ]
    for expr in _list(selector, "matchExpressions"):
        key, op = _str(expr, "key"), _str(expr, "operator")
        values = ",".join(sorted(str(v) for v in _list(expr, "values")))
        text = {
            "In": f"{key} in ({values})",
            "NotIn": f"{key} notin ({values})",
            "Exists": key,
            "DoesNotExist": f"!{key}",
        }.get(op, "")
        reqs.append((key, text))
    return ",".join(text for _, text in sorted(reqs, key=lambda r: r[0]))


def format_label_selector(selector: Any) -> str:
    """`metav1.FormatLabelSelector`: the selector string, `<none>` when it selects everything."""
    return _selector_string(selector) or "<none>"


def _go_label_selector(selector: Mapping[str, Any]) -> str:
    # The protobuf-generated String() of *metav1.LabelSelector, used verbatim by one printer.
    labels = "".join(f"{k}: {v}," for k, v in sorted(_map(selector, "matchLabels").items()))
    exprs = "".join(
        f"LabelSelectorRequirement{{Key:{_str(e, 'key')},Operator:{_str(e, 'operator')},"
        f"Values:[{' '.join(str(v) for v in _list(e, 'values'))}],}},"
        for e in _list(selector, "matchExpressions")
    )
    return (
        f"&LabelSelector{{MatchLabels:map[string]string{{{labels}}},"
        f"MatchExpressions:[]LabelSelectorRequirement{{{exprs}}},}}"
    )


def _containers(spec: Any) -> tuple[str, str]:
    """`layoutContainerCells`: container names and images, comma-joined."""
    containers = _list(spec, "containers")
    return (
        ",".join(_str(c, "name") for c in containers),
        ",".join(_str(c, "image") for c in containers),
    )


def _list_with_more(items: Iterable[str], limit: int = 3, empty: str = "<unset>") -> str:
    items = list(items)
    text = ",".join(items[:limit])
    if len(items) > limit:
        return f"{text} + {len(items) - limit} more..."
    return text or empty


def _bool_ptr(value: Any) -> str:
    if value is None:
        return "<unset>"
    return "True" if value is True else "False"


def _group_kind(kind: str, group: str) -> str:
    return f"{kind}.{group}" if group else kind


# --- API field documentation (the SwaggerDoc strings upstream columns quote) -----------------

_DOCS: dict[str, str] = {
    "CSIDriverSpec.attachRequired": (
        "attachRequired indicates this CSI volume driver requires an attach operation "
        "(because it implements the CSI ControllerPublishVolume() method), and that "
        "the Kubernetes attach detach controller should call the attach volume "
        "interface which checks the volumeattachment status and waits until the volume "
        "is attached before proceeding to mounting. The CSI external-attacher "
        "coordinates with CSI volume driver and updates the volumeattachment status "
        "when the attach operation is complete. If the value is specified to false, "
        "the attach operation will be skipped. Otherwise the attach operation will be "
        "called.\n\nThis field is immutable."
    ),
    "CSIDriverSpec.podInfoOnMount": (
        "podInfoOnMount indicates this CSI volume driver requires additional pod "
        "information (like podName, podUID, etc.) during mount operations, if set to "
        "true. If set to false, pod information will not be passed on mount. Default "
        "is false.\n\nThe CSI driver specifies podInfoOnMount as part of driver "
        "deployment. If true, Kubelet will pass pod information as VolumeContext in "
        "the CSI NodePublishVolume() calls. The CSI driver is responsible for parsing "
        "and validating the information passed in as VolumeContext.\n\nThe following "
        "VolumeContext will be passed if podInfoOnMount is set to true. This list "
        'might grow, but the prefix will be used. "csi.storage.k8s.io/pod.name": '
        'pod.Name "csi.storage.k8s.io/pod.namespace": pod.Namespace '
        '"csi.storage.k8s.io/pod.uid": string(pod.UID) '
        '"csi.storage.k8s.io/ephemeral": "true" if the volume is an ephemeral '
        "inline volume                                 defined by a CSIVolumeSource, "
        'otherwise "false"\n\n"csi.storage.k8s.io/ephemeral" is a new feature in '
        "Kubernetes 1.16. It is only required for drivers which support both the "
        '"Persistent" and "Ephemeral" VolumeLifecycleMode. Other drivers can leave '
        "pod info disabled and/or ignore this field. As Kubernetes 1.15 doesn't "
        "support this field, drivers can only support one mode when deployed on such a "
        "cluster and the deployment determines which mode that is, for example via a "
        "command line parameter of the driver.\n\nThis field was immutable in "
        "Kubernetes < 1.29 and now is mutable."
    ),
    "CSIDriverSpec.requiresRepublish": (
        "requiresRepublish indicates the CSI driver wants `NodePublishVolume` being "
        "periodically called to reflect any possible change in the mounted volume. "
        "This field defaults to false.\n\nNote: After a successful initial "
        "NodePublishVolume call, subsequent calls to NodePublishVolume should only "
        "update the contents of the volume. New mount points will not be seen by a "
        "running container."
    ),
    "CSIDriverSpec.storageCapacity": (
        "storageCapacity indicates that the CSI volume driver wants pod scheduling to "
        "consider the storage capacity that the driver deployment will report by "
        "creating CSIStorageCapacity objects with capacity information, if set to "
        "true.\n\nThe check can be enabled immediately when deploying a driver. In "
        "that case, provisioning new volumes with late binding will pause until the "
        "driver deployment has published some suitable CSIStorageCapacity object.\n\n"
        "Alternatively, the driver can be deployed with the field unset or false and "
        "it can be flipped later when storage capacity information has been "
        "published.\n\nThis field was immutable in Kubernetes <= 1.22 and now is "
        "mutable."
    ),
    "CSIDriverSpec.tokenRequests": (
        "tokenRequests indicates the CSI driver needs pods' service account tokens it "
        "is mounting volume for to do necessary authentication. Kubelet will pass the "
        "tokens in VolumeContext in the CSI NodePublishVolume calls. The CSI driver "
        "should parse and validate the following VolumeContext: "
        '"csi.storage.k8s.io/serviceAccount.tokens": {   "<audience>": {     '
        '"token": <token>,     "expirationTimestamp": <expiration timestamp in '
        "RFC3339>,   },   ... }\n\nNote: Audience in each TokenRequest should be "
        "different and at most one token is empty string. To receive a new token after "
        "expiry, RequiresRepublish can be used to trigger NodePublishVolume "
        "periodically."
    ),
    "CSIDriverSpec.volumeLifecycleModes": (
        "volumeLifecycleModes defines what kind of volumes this CSI volume driver "
        'supports. The default if the list is empty is "Persistent", which is the '
        "usage defined by the CSI specification and implemented in Kubernetes via the "
        'usual PV/PVC mechanism.\n\nThe other mode is "Ephemeral". In this mode, '
        "volumes are defined inline inside the pod spec with CSIVolumeSource and their "
        "lifecycle is tied to the lifecycle of that pod. A driver has to be aware of "
        "this because it is only going to get a NodePublishVolume call for such a "
        "volume.\n\nFor more information about implementing this mode, see "
        "https://kubernetes-csi.github.io/docs/ephemeral-local-volumes.html A driver "
        "can support one or more of these modes and more modes may be added in the "
        "future.\n\nThis field is beta. This field is immutable."
    ),
    "CSIStorageCapacity.capacity": (
        "capacity is the value reported by the CSI driver in its GetCapacityResponse "
        "for a GetCapacityRequest with topology and parameters that match the previous "
        "fields.\n\nThe semantic is currently (CSI spec 1.2) defined as: The available "
        "capacity, in bytes, of the storage that can be used to provision volumes. If "
        "not set, that information is currently unavailable."
    ),
    "CSIStorageCapacity.storageClassName": (
        "storageClassName represents the name of the StorageClass that the reported "
        "capacity applies to. It must meet the same requirements as the name of a "
        "StorageClass object (non-empty, DNS subdomain). If that object no longer "
        "exists, the CSIStorageCapacity object is obsolete and should be removed by "
        "its creator. This field is immutable."
    ),
    "CertificateSigningRequestSpec.expirationSeconds": (
        "expirationSeconds is the requested duration of validity of the issued "
        "certificate. The certificate signer may issue a certificate with a different "
        "validity duration so a client must check the delta between the notBefore and "
        "and notAfter fields in the issued certificate to determine the actual "
        "duration.\n\nThe v1.22+ in-tree implementations of the well-known Kubernetes "
        "signers will honor this field as long as the requested duration is not "
        "greater than the maximum duration they will honor per the "
        "--cluster-signing-duration CLI flag to the Kubernetes controller manager.\n\n"
        "Certificate signers may not honor this field for various reasons:    1. Old "
        "signer that is unaware of the field (such as the in-tree      implementations "
        "prior to v1.22)   2. Signer whose configured maximum is shorter than the "
        "requested duration   3. Signer whose configured minimum is longer than the "
        "requested duration\n\nThe minimum valid value for expirationSeconds is 600, "
        "i.e. 10 minutes."
    ),
    "CertificateSigningRequestSpec.request": (
        "request contains an x509 certificate signing request encoded in a "
        '"CERTIFICATE REQUEST" PEM block. When serialized as JSON or YAML, the data '
        "is additionally base64-encoded."
    ),
    "CertificateSigningRequestSpec.signerName": (
        "signerName indicates the requested signer, and is a qualified name.\n\n"
        "List/watch requests for CertificateSigningRequests can filter on this field "
        'using a "spec.signerName=NAME" fieldSelector.\n\nWell-known Kubernetes '
        'signers are:\n\n1. "kubernetes.io/kube-apiserver-client": issues client '
        "certificates that can be used to authenticate to kube-apiserver.   Requests "
        "for this signer are never auto-approved by kube-controller-manager, can be "
        'issued by the "csrsigning" controller in kube-controller-manager.\n\n2. '
        '"kubernetes.io/kube-apiserver-client-kubelet": issues client certificates '
        "that kubelets use to authenticate to kube-apiserver.   Requests for this "
        'signer can be auto-approved by the "csrapproving" controller in '
        'kube-controller-manager, and can be issued by the "csrsigning" controller '
        'in kube-controller-manager.\n\n3. "kubernetes.io/kubelet-serving" issues '
        "serving certificates that kubelets use to serve TLS endpoints, which "
        "kube-apiserver can connect to securely.   Requests for this signer are never "
        "auto-approved by kube-controller-manager, and can be issued by the "
        '"csrsigning" controller in kube-controller-manager.\n\nMore details are '
        "available at https://k8s.io/docs/reference/access-authn-authz/certificate"
        "-signing-requests/#kubernetes-signers\n\nCustom signerNames can also be "
        "specified. The signer defines:\n\n1. Trust distribution: how trust (CA "
        "bundles) are distributed.\n\n2. Permitted subjects: and behavior when a "
        "disallowed subject is requested.\n\n3. Required, permitted, or forbidden x509 "
        "extensions in the request (including whether subjectAltNames are allowed, "
        "which types, restrictions on allowed values) and behavior when a disallowed "
        "extension is requested.\n\n4. Required, permitted, or forbidden key usages / "
        "extended key usages.\n\n5. Expiration/certificate lifetime: whether it is "
        "fixed by the signer, configurable by the admin.\n\n6. Whether or not requests "
        "for CA certificates are allowed."
    ),
    "CertificateSigningRequestStatus.conditions": (
        'conditions applied to the request. Known conditions are "Approved", '
        '"Denied", and "Failed".'
    ),
    "ClusterRoleBinding.roleRef": (
        "RoleRef can only reference a ClusterRole in the global namespace. If the "
        "RoleRef cannot be resolved, the Authorizer must return an error."
    ),
    "ConfigMap.data": (
        "Data contains the configuration data. Each key must consist of alphanumeric "
        "characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use "
        "the BinaryData field. The keys stored in Data must not overlap with the keys "
        "in the BinaryData field, this is enforced during validation process."
    ),
    "ControllerRevision.revision": (
        "Revision indicates the revision of the state represented by Data."
    ),
    "CronJobSpec.schedule": (
        "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."
    ),
    "CronJobSpec.suspend": (
        "This flag tells the controller to suspend subsequent executions, it does not "
        "apply to already started executions.\n\nDefaults to false."
    ),
    "CronJobSpec.timeZone": (
        "The time zone name for the given schedule, see "
        "https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not "
        "specified, this will default to the time zone of the kube-controller-manager "
        "process. The set of valid time zone names and the time zone offset is loaded "
        "from the system-wide time zone database by the API server during CronJob "
        "validation and the controller manager during execution. If no system-wide "
        "time zone database can be found a bundled version of the database is used "
        "instead. If the time zone name becomes invalid during the lifetime of a "
        "CronJob or due to a change in host configuration, the controller will stop "
        "creating new new Jobs and will create a system event with the reason "
        "UnknownTimeZone. More information can be found in "
        "https://kubernetes.io/docs/concepts/workloads/controllers/cr"
        "on-jobs/#time-zones"
    ),
    "CronJobStatus.active": ("A list of pointers to currently running jobs."),
    "CronJobStatus.lastScheduleTime": (
        "Information when was the last time the job was successfully scheduled."
    ),
    "DaemonSetSpec.selector": (
        "A label query over pods that are managed by the daemon set. Must match in "
        "order to be controlled. It must match the pod template's labels. More info: "
        "https://kubernetes.io/docs/concepts/overview/working-with-ob"
        "jects/labels/#label-selectors"
    ),
    "DaemonSetStatus.currentNumberScheduled": (
        "The number of nodes that are running at least 1 daemon pod and are supposed "
        "to run the daemon pod. More info: "
        "https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/"
    ),
    "DaemonSetStatus.desiredNumberScheduled": (
        "The total number of nodes that should be running the daemon pod (including "
        "nodes correctly running the daemon pod). More info: "
        "https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/"
    ),
    "DaemonSetStatus.numberAvailable": (
        "The number of nodes that should be running the daemon pod and have one or "
        "more of the daemon pod running and available (ready for at least "
        "spec.minReadySeconds)"
    ),
    "DaemonSetStatus.numberReady": (
        "numberReady is the number of nodes that should be running the daemon pod and "
        "have one or more of the daemon pod running with a Ready Condition."
    ),
    "DaemonSetStatus.updatedNumberScheduled": (
        "The total number of nodes that are running updated daemon pod"
    ),
    "DeploymentSpec.selector": (
        "Label selector for pods. Existing ReplicaSets whose pods are selected by this "
        "will be the ones affected by this deployment. It must match the pod "
        "template's labels."
    ),
    "DeploymentStatus.availableReplicas": (
        "Total number of available non-terminating pods (ready for at least "
        "minReadySeconds) targeted by this deployment."
    ),
    "DeploymentStatus.updatedReplicas": (
        "Total number of non-terminating pods targeted by this deployment that have "
        "the desired template spec."
    ),
    "EndpointSlice.addressType": (
        "addressType specifies the type of address carried by this EndpointSlice. All "
        "addresses in this slice must be the same type. This field is immutable after "
        "creation. The following address types are currently supported: * IPv4: "
        "Represents an IPv4 Address. * IPv6: Represents an IPv6 Address. * FQDN: "
        "Represents a Fully Qualified Domain Name. (Deprecated) The EndpointSlice "
        "controller only generates, and kube-proxy only processes, slices of "
        'addressType "IPv4" and "IPv6". No semantics are defined for the "FQDN" '
        "type."
    ),
    "EndpointSlice.endpoints": (
        "endpoints is a list of unique endpoints in this slice. Each slice may include "
        "a maximum of 1000 endpoints."
    ),
    "EndpointSlice.ports": (
        "ports specifies the list of network ports exposed by each endpoint in this "
        "slice. Each port must have a unique name. Each slice may include a maximum of "
        "100 ports. Services always have at least 1 port, so EndpointSlices generated "
        "by the EndpointSlice controller will likewise always have at least 1 port. "
        "EndpointSlices used for other purposes may have an empty ports list."
    ),
    "Endpoints.subsets": (
        "The set of all endpoints is the union of all subsets. Addresses are placed "
        "into subsets according to the IPs they share. A single address with multiple "
        "ports, some of which are ready and some of which are not (because they come "
        "from different containers) will result in the address being displayed in "
        "different subsets for the different ports. No address will appear in both "
        "Addresses and NotReadyAddresses in the same subset. Sets of addresses and "
        "ports that comprise a service."
    ),
    "Event.count": ("The number of times this event has occurred."),
    "Event.firstTimestamp": (
        "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)"
    ),
    "Event.involvedObject": ("The object that this event is about."),
    "Event.lastTimestamp": (
        "The time at which the most recent occurrence of this event was recorded."
    ),
    "Event.message": ("A human-readable description of the status of this operation."),
    "Event.reason": (
        "This should be a short, machine understandable string that gives the reason "
        "for the transition into the object's current status."
    ),
    "Event.source": (
        "The component reporting this event. Should be a short machine understandable string."
    ),
    "Event.type": ("Type of this event (Normal, Warning), new types could be added in the future"),
    "FlowSchemaSpec.distinguisherMethod": (
        "`distinguisherMethod` defines how to compute the flow distinguisher for "
        "requests that match this schema. `nil` specifies that the distinguisher is "
        "disabled and thus will always be the empty string."
    ),
    "FlowSchemaSpec.matchingPrecedence": (
        "`matchingPrecedence` is used to choose among the FlowSchemas that match a "
        "given request. The chosen FlowSchema is among those with the numerically "
        "lowest (which we take to be logically highest) MatchingPrecedence.\n\nEach "
        "MatchingPrecedence value must be ranged in [1,10000]. Note that if the "
        "precedence is not specified, it will be set to 1000 as default."
    ),
    "HorizontalPodAutoscalerSpec.maxReplicas": (
        "maxReplicas is the upper limit for the number of replicas to which the "
        "autoscaler can scale up. It cannot be less that minReplicas."
    ),
    "HorizontalPodAutoscalerSpec.metrics": (
        "metrics contains the specifications for which to use to calculate the desired "
        "replica count (the maximum replica count across all metrics will be used).\n\n"
        "The desired replica count is calculated multiplying the ratio between the "
        "target value and the current value by the current number of pods.\n\nErgo, "
        "metrics used must decrease as the pod count is increased, and vice-versa.\n\n"
        "See the individual metric source types for more information about how each "
        "type of metric must respond. If not set, the default metric will be set to "
        "80% average CPU utilization."
    ),
    "HorizontalPodAutoscalerSpec.minReplicas": (
        "minReplicas is the lower limit for the number of replicas to which the "
        "autoscaler can scale down.\n\nIt defaults to 1 pod.\n\nminReplicas is allowed "
        "to be 0 if the alpha feature gate HPAScaleToZero is enabled and at least one "
        "Object or External metric is configured.\n\nScaling is active as long as at "
        "least one metric value is available."
    ),
    "HorizontalPodAutoscalerSpec.scaleTargetRef": (
        "scaleTargetRef points to the target resource to scale, and is used to the "
        "pods for which metrics should be collected, as well as to actually change the "
        "replica count."
    ),
    "HorizontalPodAutoscalerStatus.currentReplicas": (
        "currentReplicas is current number of replicas of pods managed by this "
        "autoscaler, as last seen by the autoscaler."
    ),
    "IPAddressSpec.parentRef": (
        "ParentRef references the resource that an IPAddress is attached to. An IP "
        "address can be attached to any resource and it is bound to the lifetime of "
        "the parent resource."
    ),
    "JobSpec.selector": (
        "A label query over pods that should match the pod count. Normally, the system "
        "sets this field for you. More info: "
        "https://kubernetes.io/docs/concepts/overview/working-with-ob"
        "jects/labels/#label-selectors"
    ),
    "JobStatus.succeeded": (
        "The number of pods which reached phase Succeeded. The value increases "
        "monotonically for a given spec. However, it may decrease in reaction to scale "
        "down of elastic indexed jobs."
    ),
    "LeaseSpec.holderIdentity": (
        "holderIdentity contains the identity of the holder of a current lease. If "
        "Coordinated Leader Election is used, the holder identity must be equal to the "
        "elected LeaseCandidate.metadata.name field."
    ),
    "LimitedPriorityLevelConfiguration.nominalConcurrencyShares": (
        "`nominalConcurrencyShares` (NCS) contributes to the computation of the "
        "NominalConcurrencyLimit (NominalCL) of this level. This is the number of "
        "execution seats available at this priority level. This is used both for "
        "requests dispatched from this priority level as well as requests dispatched "
        "from other priority levels borrowing seats from this level. The server's "
        "concurrency limit (ServerCL) is divided among the Limited priority levels in "
        "proportion to their NCS values:\n\nNominalCL(i)\n\n= ceil( ServerCL * NCS(i) "
        "/ sum_ncs ) sum_ncs = sum[priority level k] NCS(k)\n\nBigger numbers mean a "
        "larger nominal concurrency limit, at the expense of every other priority "
        "level.\n\nIf not specified, this field defaults to a value of 30.\n\nSetting "
        'this field to zero supports the construction of a "jail" for this priority '
        "level that is used to hold some request(s)"
    ),
    "NetworkPolicySpec.podSelector": (
        "podSelector selects the pods to which this NetworkPolicy object applies. The "
        "array of rules is applied to any pods selected by this field. An empty "
        "selector matches all pods in the policy's namespace. Multiple network "
        "policies can select the same set of pods. In this case, the ingress rules for "
        "each are combined additively. This field is optional. If it is not specified, "
        "it defaults to an empty selector."
    ),
    "NodeStatus.addresses": (
        "List of addresses reachable to the node. Queried from cloud provider, if "
        "available. More info: "
        "https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This "
        "field is declared as mergeable, but the merge key is not sufficiently unique, "
        "which can cause data corruption when it is merged. Callers should instead use "
        "a full-replacement patch. See https://pr.k8s.io/79391 for an example. "
        "Consumers should assume that addresses can change during the lifetime of a "
        "Node. However, there are some exceptions where this may not be possible, such "
        "as Pods that inherit a Node's address in its own status or consumers of the "
        "downward API (status.hostIP)."
    ),
    "NodeSystemInfo.containerRuntimeVersion": (
        "ContainerRuntime Version reported by the node through runtime remote API "
        "(e.g. containerd://1.4.2)."
    ),
    "NodeSystemInfo.kernelVersion": (
        "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."
    ),
    "NodeSystemInfo.kubeletVersion": ("Kubelet Version reported by the node."),
    "NodeSystemInfo.osImage": (
        "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy))."
    ),
    "ObjectMeta.creationTimestamp": (
        "CreationTimestamp is a timestamp representing the server time when this "
        "object was created. It is not guaranteed to be set in happens-before order "
        "across separate operations. Clients may not set this value. It is represented "
        "in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null "
        "for lists. More info: "
        "https://git.k8s.io/community/contributors/devel/sig-architec"
        "ture/api-conventions.md#metadata"
    ),
    "ObjectMeta.name": (
        "Name must be unique within a namespace. Is required when creating resources, "
        "although some resources may allow a client to request the generation of an "
        "appropriate name automatically. Name is primarily intended for creation "
        "idempotence and configuration definition. Cannot be updated. More info: "
        "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
    ),
    "ObjectReference.fieldPath": (
        "If referring to a piece of an object instead of an entire object, this string "
        "should contain a valid JSON/Go field access statement, such as "
        "desiredState.manifest.containers[2]. For example, if the object reference is "
        "to a container within a pod, this would take on a value like: "
        '"spec.containers{name}" (where "name" refers to the name of the container '
        "that triggered the event) or if no container name is specified "
        '"spec.containers[2]" (container with index 2 in this pod). This syntax is '
        "chosen only to have some well-defined way of referencing a part of an object."
    ),
    "PersistentVolumeClaimSpec.volumeMode": (
        "volumeMode defines what type of volume is required by the claim. Value of "
        "Filesystem is implied when not included in claim spec."
    ),
    "PersistentVolumeClaimSpec.volumeName": (
        "volumeName is the binding reference to the PersistentVolume backing this claim."
    ),
    "PersistentVolumeClaimStatus.accessModes": (
        "accessModes contains the actual access modes the volume backing the PVC has. "
        "More info: https://kubernetes.io/docs/concepts/storage/persistent-volum"
        "es#access-modes-1"
    ),
    "PersistentVolumeClaimStatus.capacity": (
        "capacity represents the actual resources of the underlying volume."
    ),
    "PersistentVolumeClaimStatus.phase": (
        "phase represents the current phase of PersistentVolumeClaim."
    ),
    "PersistentVolumeSpec.accessModes": (
        "accessModes contains all ways the volume can be mounted. More info: "
        "https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes"
    ),
    "PersistentVolumeSpec.capacity": (
        "capacity is the description of the persistent volume's resources and "
        "capacity. More info: "
        "https://kubernetes.io/docs/concepts/storage/persistent-volumes#capacity"
    ),
    "PersistentVolumeSpec.claimRef": (
        "claimRef is part of a bi-directional binding between PersistentVolume and "
        "PersistentVolumeClaim. Expected to be non-nil when bound. claim.VolumeName is "
        "the authoritative bind between PV and PVC. More info: "
        "https://kubernetes.io/docs/concepts/storage/persistent-volumes#binding"
    ),
    "PersistentVolumeSpec.persistentVolumeReclaimPolicy": (
        "persistentVolumeReclaimPolicy defines what happens to a persistent volume "
        "when released from its claim. Valid options are Retain (default for manually "
        "created PersistentVolumes), Delete (default for dynamically provisioned "
        "PersistentVolumes), and Recycle (deprecated). Recycle must be supported by "
        "the volume plugin underlying this PersistentVolume. More info: "
        "https://kubernetes.io/docs/concepts/storage/persistent-volumes#reclaiming"
    ),
    "PersistentVolumeSpec.volumeMode": (
        "volumeMode defines if a volume is intended to be used with a formatted "
        "filesystem or to remain in raw block state. Value of Filesystem is implied "
        "when not included in spec."
    ),
    "PersistentVolumeStatus.phase": (
        "phase indicates if a volume is available, bound to a claim, or released by a "
        "claim. More info: https://kubernetes.io/docs/concepts/storage/persistent-volum"
        "es#phase"
    ),
    "PersistentVolumeStatus.reason": (
        "reason is a brief CamelCase string that describes any failure and is meant "
        "for machine parsing and tidy display in the CLI."
    ),
    "PodSpec.nodeName": (
        "NodeName indicates in which node this pod is scheduled. If empty, this pod is "
        "a candidate for scheduling by the scheduler defined in schedulerName. Once "
        "this field is set, the kubelet for this node becomes responsible for the "
        "lifecycle of this pod. This field should not be used to express a desire for "
        "the pod to be scheduled on a specific node. "
        "https://kubernetes.io/docs/concepts/scheduling-eviction/assi"
        "gn-pod-node/#nodename"
    ),
    "PodSpec.nodeSelector": (
        "NodeSelector is a selector which must be true for the pod to fit on a node. "
        "Selector which must match a node's labels for the pod to be scheduled on that "
        "node. More info: https://kubernetes.io/docs/concepts/configuration/assign-pod"
        "-node/"
    ),
    "PodSpec.readinessGates": (
        "If specified, all readiness gates will be evaluated for pod readiness. A pod "
        "is ready when all its containers are ready AND all conditions specified in "
        'the readiness gates have status equal to "True" More info: '
        "https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates"
    ),
    "PodStatus.nominatedNodeName": (
        "nominatedNodeName is set only when this pod preempts other pods on the node, "
        "but it cannot be scheduled right away as preemption victims receive their "
        "graceful termination periods. This field does not guarantee that the pod will "
        "be scheduled on this node. Scheduler may decide to place the pod elsewhere if "
        "other nodes become available sooner. Scheduler may also decide to give the "
        "resources on this node to a higher priority pod that is created after "
        "preemption. As a result, this field may be different than PodSpec.nodeName "
        "when the pod is scheduled."
    ),
    "PodStatus.podIP": (
        "podIP address allocated to the pod. Routable at least within the cluster. "
        "Empty if not yet allocated."
    ),
    "PriorityClass.globalDefault": (
        "globalDefault specifies whether this PriorityClass should be considered as "
        "the default priority for pods that do not have any priority class. Only one "
        "PriorityClass can be marked as `globalDefault`. However, if more than one "
        "PriorityClasses exists with their `globalDefault` field set to true, the "
        "smallest value of such global default PriorityClasses will be used as the "
        "default priority."
    ),
    "PriorityClass.preemptionPolicy": (
        "preemptionPolicy is the Policy for preempting pods with lower priority. One "
        "of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset."
    ),
    "PriorityClass.value": (
        "value represents the integer value of this priority class. This is the actual "
        "priority that pods receive when they have the name of this class in their pod "
        "spec."
    ),
    "PriorityLevelConfigurationReference.name": (
        "`name` is the name of the priority level configuration being referenced Required."
    ),
    "PriorityLevelConfigurationSpec.type": (
        "`type` indicates whether this priority level is subject to limitation on "
        'request execution.\n\nA value of `"Exempt"` means that requests of this '
        "priority level are not subject to a limit (and thus are never queued) and do "
        "not detract from the capacity made available to other priority levels.\n\nA "
        'value of `"Limited"` means that (a) requests of this priority level _are_ '
        "subject to limits and (b) some of the server's limited capacity is made "
        "available exclusively to this priority level. Required."
    ),
    "QueuingConfiguration.handSize": (
        "`handSize` is a small positive number that configures the shuffle sharding of "
        "requests into queues.\n\nWhen enqueuing a request at this priority level the "
        "request's flow identifier (a string pair) is hashed and the hash value is "
        "used to shuffle the list of queues and deal a hand of the size specified "
        "here.\n\nThe request is put into one of the shortest queues in that hand. "
        "`handSize` must be no larger than `queues`, and should be significantly "
        "smaller (so that a few heavy flows do not saturate most of the queues).\n\n"
        "See the user-facing documentation for more extensive guidance on setting this "
        "field.\n\nThis field has a default value of 8."
    ),
    "QueuingConfiguration.queueLengthLimit": (
        "`queueLengthLimit` is the maximum number of requests allowed to be waiting in "
        "a given queue of this priority level at a time; excess requests are "
        "rejected.\n\nThis value must be positive.\n\nIf not specified, it will be "
        "defaulted to 50."
    ),
    "QueuingConfiguration.queues": (
        "`queues` is the number of queues for this priority level. The queues exist "
        "independently at each apiserver. The value must be positive.\n\nSetting it to "
        "1 effectively precludes shufflesharding and thus makes the distinguisher "
        "method of associated flow schemas irrelevant.\n\nThis field has a default "
        "value of 64."
    ),
    "ReplicaSetSpec.replicas": (
        "Replicas is the number of desired pods. This is a pointer to distinguish "
        "between explicit zero and unspecified. Defaults to 1. More info: "
        "https://kubernetes.io/docs/concepts/workloads/controllers/replicaset"
    ),
    "ReplicaSetSpec.selector": (
        "Selector is a label query over pods that should match the replica count. "
        "Label keys and values that must match in order to be controlled by this "
        "replica set. It must match the pod template's labels. More info: "
        "https://kubernetes.io/docs/concepts/overview/working-with-ob"
        "jects/labels/#label-selectors"
    ),
    "ReplicaSetStatus.readyReplicas": (
        "The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition."
    ),
    "ReplicaSetStatus.replicas": (
        "Replicas is the most recently observed number of non-terminating pods. More "
        "info: https://kubernetes.io/docs/concepts/workloads/controllers/replicaset"
    ),
    "ReplicationControllerSpec.replicas": (
        "Replicas is the number of desired replicas. This is a pointer to distinguish "
        "between explicit zero and unspecified. Defaults to 1. More info: "
        "https://kubernetes.io/docs/concepts/workloads/controllers/re"
        "plicationcontroller#what-is-a-replicationcontroller"
    ),
    "ReplicationControllerSpec.selector": (
        "Selector is a label query over pods that should match the Replicas count. If "
        "Selector is empty, it is defaulted to the labels present on the Pod template. "
        "Label keys and values that must match in order to be controlled by this "
        "replication controller, if empty defaulted to labels on Pod template. More "
        "info: https://kubernetes.io/docs/concepts/overview/working-with-ob"
        "jects/labels/#label-selectors"
    ),
    "ReplicationControllerStatus.readyReplicas": (
        "The number of ready replicas for this replication controller."
    ),
    "ReplicationControllerStatus.replicas": (
        "Replicas is the most recently observed number of replicas. More info: "
        "https://kubernetes.io/docs/concepts/workloads/controllers/re"
        "plicationcontroller#what-is-a-replicationcontroller"
    ),
    "ResourcePool.name": (
        "Name is used to identify the pool. For node-local devices, this is often the "
        "node name, but this is not required. A field selector can be used to list "
        "only ResourceSlice objects belonging to a certain pool.\n\nIt must not be "
        "longer than 253 characters and must consist of one or more DNS sub-domains "
        "separated by slashes. This field is immutable."
    ),
    "ResourceSliceSpec.driver": (
        "Driver identifies the DRA driver providing the capacity information. A field "
        "selector can be used to list only ResourceSlice objects with a certain driver "
        "name.\n\nMust be a DNS subdomain and should end with a DNS domain owned by "
        "the vendor of the driver. It should use only lower case characters. This "
        "field is immutable."
    ),
    "ResourceSliceSpec.nodeName": (
        "NodeName identifies the node which provides the resources in this pool. A "
        "field selector can be used to list only ResourceSlice objects belonging to a "
        "certain node.\n\nThis field can be used to limit access from nodes to "
        "ResourceSlices with the same node name. It also indicates to autoscalers that "
        "adding new nodes of the same type as some old node might also make new "
        "resources available.\n\nExactly one of NodeName, NodeSelector, AllNodes, and "
        "PerDeviceNodeSelection must be set. This field is immutable."
    ),
    "RoleBinding.roleRef": (
        "RoleRef can reference a Role in the current namespace or a ClusterRole in the "
        "global namespace. If the RoleRef cannot be resolved, the Authorizer must "
        "return an error."
    ),
    "Secret.data": (
        "Data contains the secret data. Each key must consist of alphanumeric "
        "characters, '-', '_' or '.'. The serialized form of the secret data is a "
        "base64 encoded string, representing the arbitrary (possibly non-string) data "
        "value here. Described in https://tools.ietf.org/html/rfc4648#section-4"
    ),
    "Secret.type": (
        "Used to facilitate programmatic handling of secret data. More info: "
        "https://kubernetes.io/docs/concepts/configuration/secret/#secret-types"
    ),
    "ServiceCIDRSpec.cidrs": (
        'cidrs defines the IP blocks in CIDR notation (e.g. "192.168.0.0/24" or '
        '"2001:db8::/64") from which to assign service cluster IPs. Max of two CIDRs '
        "is allowed, one of each IP family. This field is immutable."
    ),
    "ServiceSpec.clusterIP": (
        "clusterIP is the IP address of the service and is usually assigned randomly. "
        "If an address is specified manually, is in-range (as per system "
        "configuration), and is not in use, it will be allocated to the service; "
        "otherwise creation of the service will fail. This field may not be changed "
        "through updates unless the type field is also being changed to ExternalName "
        "(which requires this field to be blank) or the type field is being changed "
        "from ExternalName (in which case this field may optionally be specified, as "
        'describe above).\n\nValid values are "None", empty string (""), or a '
        'valid IP address. Setting this to "None" makes a "headless service" (no '
        "virtual IP), which is useful when direct endpoint connections are preferred "
        "and proxying is not required.\n\nOnly applies to types ClusterIP, NodePort, "
        "and LoadBalancer. If this field is specified when creating a Service of type "
        "ExternalName, creation will fail. This field will be wiped when updating a "
        "Service to type ExternalName. More info: "
        "https://kubernetes.io/docs/concepts/services-networking/serv"
        "ice/#virtual-ips-and-service-proxies"
    ),
    "ServiceSpec.externalIPs": (
        "externalIPs is a list of IP addresses for which nodes in the cluster will "
        "also accept traffic for this service.\n\nThese IPs are not managed by "
        "Kubernetes.\n\nThe user is responsible for ensuring that traffic arrives at a "
        "node with this IP.\n\nA common example is external load-balancers that are "
        "not part of the Kubernetes system."
    ),
    "ServiceSpec.ports": (
        "The list of ports that are exposed by this service. More info: "
        "https://kubernetes.io/docs/concepts/services-networking/serv"
        "ice/#virtual-ips-and-service-proxies"
    ),
    "ServiceSpec.selector": (
        "Route service traffic to pods with label keys and values matching this "
        "selector. If empty or not present, the service is assumed to have an external "
        "process managing its endpoints, which Kubernetes will not modify. Only "
        "applies to types ClusterIP, NodePort, and LoadBalancer. Ignored if type is "
        "ExternalName. More info: "
        "https://kubernetes.io/docs/concepts/services-networking/service/"
    ),
    "ServiceSpec.type": (
        "type determines how the Service is exposed. Defaults to ClusterIP. Valid "
        "options are ExternalName, ClusterIP, NodePort, and LoadBalancer. "
        '"ClusterIP" allocates a cluster-internal IP address for load-balancing to '
        "endpoints. Endpoints are determined by the selector or if that is not "
        "specified, by manual construction of an Endpoints object or EndpointSlice "
        'objects. If clusterIP is "None", no virtual IP is allocated and the '
        "endpoints are published as a set of endpoints rather than a virtual IP. "
        '"NodePort" builds on ClusterIP and allocates a port on every node which '
        'routes to the same endpoints as the clusterIP. "LoadBalancer" builds on '
        "NodePort and creates an external load-balancer (if supported in the current "
        'cloud) which routes to the same endpoints as the clusterIP. "ExternalName" '
        "aliases this service to the specified externalName. Several other fields do "
        "not apply to ExternalName services. More info: "
        "https://kubernetes.io/docs/concepts/services-networking/serv"
        "ice/#publishing-services-service-types"
    ),
    "StorageClass.allowVolumeExpansion": (
        "allowVolumeExpansion shows whether the storage class allow volume expand."
    ),
    "StorageClass.provisioner": ("provisioner indicates the type of the provisioner."),
    "StorageClass.reclaimPolicy": (
        "reclaimPolicy controls the reclaimPolicy for dynamically provisioned "
        "PersistentVolumes of this storage class. Defaults to Delete."
    ),
    "StorageClass.volumeBindingMode": (
        "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned "
        "and bound.\n\nWhen unset, VolumeBindingImmediate is used. This field is only "
        "honored by servers that enable the VolumeScheduling feature."
    ),
    "VolumeAttachmentSource.persistentVolumeName": (
        "persistentVolumeName represents the name of the persistent volume to attach."
    ),
    "VolumeAttachmentSpec.attacher": (
        "attacher indicates the name of the volume driver that MUST handle this "
        "request. This is the name returned by GetPluginName()."
    ),
    "VolumeAttachmentSpec.nodeName": (
        "nodeName represents the node that the volume should be attached to."
    ),
    "VolumeAttachmentStatus.attached": (
        "attached indicates the volume is successfully attached. This field must only "
        "be set by the entity completing the attach operation, i.e. the "
        "external-attacher."
    ),
    "VolumeAttributesClass.driverName": (
        "driverName is the name of the CSI driver This field is immutable."
    ),
}


# --- pods -------------------------------------------------------------------------------------


def _restartable(container: Any) -> bool:
    return _str(container, "restartPolicy") == "Always"


class _LastRestart:
    """The latest `lastState.terminated.finishedAt` seen so far (zero time when none)."""

    def __init__(self) -> None:
        self.at: datetime | None = None

    def see(self, status: Any) -> None:
        terminated = _get(status, "lastState", "terminated")
        if not isinstance(terminated, Mapping):
            return
        finished = parse_time(terminated.get("finishedAt"))
        if finished is not None and (self.at is None or self.at < finished):
            self.at = finished


def _has_condition(conditions: list[Any], ctype: str) -> bool:
    for c in conditions:
        if _str(c, "type") == ctype:
            return _str(c, "status") == "True"
    return False


def _terminated_reason(terminated: Mapping[str, Any], prefix: str) -> str:
    if _str(terminated, "reason"):
        return prefix + _str(terminated, "reason")
    if _int(terminated, "signal"):
        return f"{prefix}Signal:{_int(terminated, 'signal')}"
    return f"{prefix}ExitCode:{_int(terminated, 'exitCode')}"


def _pod_cells(pod: Obj, now: float) -> Cells:
    spec, status = _map(pod, "spec"), _map(pod, "status")
    conditions = _list(status, "conditions")
    init_specs = {_str(c, "name"): c for c in _list(spec, "initContainers")}
    total = len(_list(spec, "containers")) + sum(1 for c in init_specs.values() if _restartable(c))
    ready = restarts = sidecar_restarts = 0
    last, sidecar_last = _LastRestart(), _LastRestart()

    phase = _str(status, "phase")
    reason = _str(status, "reason") or phase
    for c in conditions:
        if _str(c, "type") == "PodScheduled" and _str(c, "reason") == "SchedulingGated":
            reason = "SchedulingGated"

    initializing = False
    init_statuses = _list(status, "initContainerStatuses")
    for i, cs in enumerate(init_statuses):
        restarts += _int(cs, "restartCount")
        last.see(cs)
        sidecar = _restartable(init_specs.get(_str(cs, "name")))
        if sidecar:
            sidecar_restarts += _int(cs, "restartCount")
            sidecar_last.see(cs)
        terminated, waiting = _get(cs, "state", "terminated"), _get(cs, "state", "waiting")
        if isinstance(terminated, Mapping) and _int(terminated, "exitCode") == 0:
            continue
        if sidecar and _bool(cs, "started"):
            ready += 1 if _bool(cs, "ready") else 0
            continue
        if isinstance(terminated, Mapping):
            reason = _terminated_reason(terminated, "Init:")
        elif _str(waiting, "reason") and _str(waiting, "reason") != "PodInitializing":
            reason = "Init:" + _str(waiting, "reason")
        else:
            reason = f"Init:{i}/{len(_list(spec, 'initContainers'))}"
        initializing = True
        break

    if not initializing or _has_condition(conditions, "Initialized"):
        restarts, last = sidecar_restarts, sidecar_last
        has_running, error_reason = False, ""
        for cs in reversed(_list(status, "containerStatuses")):
            restarts += _int(cs, "restartCount")
            last.see(cs)
            terminated, waiting = _get(cs, "state", "terminated"), _get(cs, "state", "waiting")
            if _str(waiting, "reason"):
                reason = _str(waiting, "reason")
            elif isinstance(terminated, Mapping):
                reason = _terminated_reason(terminated, "")
                if _int(terminated, "exitCode") != 0:
                    error_reason = reason
            elif _bool(cs, "ready") and isinstance(_get(cs, "state", "running"), Mapping):
                has_running = True
                ready += 1
        # A pod whose last container completed is still Running while another one runs.
        if reason == "Completed":
            if has_running and _has_condition_true(conditions, "Ready"):
                reason = "Running"
            elif error_reason:
                reason = error_reason
            elif has_running:
                reason = "NotReady"

    if _get(pod, "metadata", "deletionTimestamp") is not None:
        if _str(status, "reason") == "NodeLost":
            reason = "Unknown"
        elif phase not in ("Failed", "Succeeded"):
            reason = "Terminating"

    restart_text = str(restarts)
    if restarts != 0 and last.at is not None:
        restart_text = f"{restarts} ({human_duration(_since(last.at, now))} ago)"

    pod_ips = _list(status, "podIPs")
    gates = _list(spec, "readinessGates")
    gate_text = "<none>"
    if gates:
        passed = 0
        for gate in gates:
            for c in conditions:
                if _str(c, "type") == _str(gate, "conditionType"):
                    passed += 1 if _str(c, "status") == "True" else 0
                    break
        gate_text = f"{passed}/{len(gates)}"
    return [
        _name(pod),
        f"{ready}/{total}",
        reason,
        restart_text,
        _age(pod, now),
        (_str(pod_ips[0], "ip") if pod_ips else "") or "<none>",
        _str(spec, "nodeName") or "<none>",
        _str(status, "nominatedNodeName") or "<none>",
        gate_text,
    ]


def _has_condition_true(conditions: list[Any], ctype: str) -> bool:
    return any(_str(c, "type") == ctype and _str(c, "status") == "True" for c in conditions)


# --- workloads --------------------------------------------------------------------------------


def _pod_template_cells(obj: Obj, now: float) -> Cells:
    names, images = _containers(_get(obj, "template", "spec"))
    return [_name(obj), names, images, _format_labels(_map(obj, "template", "metadata", "labels"))]


def _int_or_string(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def _pdb_cells(obj: Obj, now: float) -> Cells:
    spec = _map(obj, "spec")
    min_available, max_unavailable = spec.get("minAvailable"), spec.get("maxUnavailable")
    return [
        _name(obj),
        "N/A" if min_available is None else _int_or_string(min_available),
        "N/A" if max_unavailable is None else _int_or_string(max_unavailable),
        _int(obj, "status", "disruptionsAllowed"),
        _age(obj, now),
    ]


def _replicas_cells(obj: Obj, now: float, selector: str) -> Cells:
    """ReplicationController and ReplicaSet rows: the same columns, selectors of two kinds."""
    names, images = _containers(_get(obj, "spec", "template", "spec"))
    return [
        _name(obj),
        _int(obj, "spec", "replicas"),
        _int(obj, "status", "replicas"),
        _int(obj, "status", "readyReplicas"),
        _age(obj, now),
        names,
        images,
        selector,
    ]


def _rc_cells(obj: Obj, now: float) -> Cells:
    return _replicas_cells(obj, now, _format_labels(_map(obj, "spec", "selector")))


def _replica_set_cells(obj: Obj, now: float) -> Cells:
    return _replicas_cells(obj, now, format_label_selector(_get(obj, "spec", "selector")))


def _deployment_cells(obj: Obj, now: float) -> Cells:
    names, images = _containers(_get(obj, "spec", "template", "spec"))
    return [
        _name(obj),
        f"{_int(obj, 'status', 'readyReplicas')}/{_int(obj, 'spec', 'replicas')}",
        _int(obj, "status", "updatedReplicas"),
        _int(obj, "status", "availableReplicas"),
        _age(obj, now),
        names,
        images,
        _selector_string(_get(obj, "spec", "selector")),
    ]


def _stateful_set_cells(obj: Obj, now: float) -> Cells:
    names, images = _containers(_get(obj, "spec", "template", "spec"))
    ready = f"{_int(obj, 'status', 'readyReplicas')}/{_int(obj, 'spec', 'replicas')}"
    return [_name(obj), ready, _age(obj, now), names, images]


def _daemon_set_cells(obj: Obj, now: float) -> Cells:
    names, images = _containers(_get(obj, "spec", "template", "spec"))
    return [
        _name(obj),
        _int(obj, "status", "desiredNumberScheduled"),
        _int(obj, "status", "currentNumberScheduled"),
        _int(obj, "status", "numberReady"),
        _int(obj, "status", "updatedNumberScheduled"),
        _int(obj, "status", "numberAvailable"),
        _format_labels(_map(obj, "spec", "template", "spec", "nodeSelector")),
        _age(obj, now),
        names,
        images,
        format_label_selector(_get(obj, "spec", "selector")),
    ]


def _job_status(obj: Obj) -> str:
    conditions = _list(obj, "status", "conditions")
    if _has_condition(conditions, "Complete"):
        return "Complete"
    if _has_condition(conditions, "Failed"):
        return "Failed"
    if _get(obj, "metadata", "deletionTimestamp") is not None:
        return "Terminating"
    for ctype in ("Suspended", "FailureTarget", "SuccessCriteriaMet"):
        if _has_condition(conditions, ctype):
            return ctype
    return "Running"


def _job_cells(obj: Obj, now: float) -> Cells:
    spec, succeeded = _map(obj, "spec"), _int(obj, "status", "succeeded")
    if spec.get("completions") is not None:
        completions = f"{succeeded}/{_int(spec, 'completions')}"
    elif _int(spec, "parallelism") > 1:
        completions = f"{succeeded}/1 of {_int(spec, 'parallelism')}"
    else:
        completions = f"{succeeded}/1"
    start = parse_time(_get(obj, "status", "startTime"))
    end = parse_time(_get(obj, "status", "completionTime"))
    duration = ""
    if start is not None:
        duration = human_duration(_since(start, now) if end is None else end - start)
    names, images = _containers(_get(obj, "spec", "template", "spec"))
    return [
        _name(obj),
        _job_status(obj),
        completions,
        duration,
        _age(obj, now),
        names,
        images,
        format_label_selector(spec.get("selector")),
    ]


def _cron_job_cells(obj: Obj, now: float) -> Cells:
    spec = _map(obj, "spec")
    last = _get(obj, "status", "lastScheduleTime")
    names, images = _containers(_get(spec, "jobTemplate", "spec", "template", "spec"))
    return [
        _name(obj),
        _str(spec, "schedule"),
        spec["timeZone"] if isinstance(spec.get("timeZone"), str) else "<none>",
        _bool_ptr(spec.get("suspend")),
        len(_list(obj, "status", "active")),
        "<none>" if last is None else translate_timestamp(last, now),
        _age(obj, now),
        names,
        images,
        format_label_selector(_get(spec, "jobTemplate", "spec", "selector")),
    ]


def _controller_revision_cells(obj: Obj, now: float) -> Cells:
    controller = "<none>"
    for ref in _list(obj, "metadata", "ownerReferences"):
        if _bool(ref, "controller"):
            api_version = _str(ref, "apiVersion")
            group = api_version.rpartition("/")[0]
            kind = _str(ref, "kind")
            controller = _str(ref, "name")
            if kind or group:
                controller = f"{_group_kind(kind, group).lower()}/{controller}"
            break
    return [_name(obj), controller, _int(obj, "revision"), _age(obj, now)]


def _hpa_metric(spec: Any, status: Any) -> str:
    kind = _str(spec, "type")
    if kind in ("External", "Object"):
        key = kind[0].lower() + kind[1:]
        target = _map(spec, key, "target")
        if target.get("averageValue") is not None:
            current = _get(status, key, "current", "averageValue")
            current_text = "<unknown>" if current is None else _quantity(current)
            return f"{current_text}/{_quantity(target['averageValue'])} (avg)"
        current_text = "<unknown>"
        if isinstance(_get(status, key), Mapping):
            current_text = _quantity_ptr(_get(status, key, "current", "value"))
        return f"{current_text}/{_quantity_ptr(target.get('value'))}"
    if kind == "Pods":
        current_text = "<unknown>"
        if isinstance(_get(status, "pods"), Mapping):
            current_text = _quantity_ptr(_get(status, "pods", "current", "averageValue"))
        return f"{current_text}/{_quantity_ptr(_get(spec, 'pods', 'target', 'averageValue'))}"
    if kind in ("Resource", "ContainerResource"):
        key = "resource" if kind == "Resource" else "containerResource"
        name, target = _str(spec, key, "name"), _map(spec, key, "target")
        if target.get("averageValue") is not None:
            current_text = "<unknown>"
            if isinstance(_get(status, key), Mapping):
                current_text = _quantity_ptr(_get(status, key, "current", "averageValue"))
            return f"{name}: {current_text}/{_quantity(target['averageValue'])}"
        current = _get(status, key, "current", "averageUtilization")
        current_text = "<unknown>" if current is None else f"{current}%"
        utilization = target.get("averageUtilization")
        target_text = "<auto>" if utilization is None else f"{utilization}%"
        return f"{name}: {current_text}/{target_text}"
    return "<unknown type>"


def _hpa_cells(obj: Obj, now: float) -> Cells:
    specs = _list(obj, "spec", "metrics")
    statuses = _list(obj, "status", "currentMetrics")
    metrics = [
        _hpa_metric(s, statuses[i] if i < len(statuses) else None) for i, s in enumerate(specs)
    ]
    text = ", ".join(metrics[:2]) + (f" + {len(metrics) - 2} more..." if len(metrics) > 2 else "")
    ref = _map(obj, "spec", "scaleTargetRef")
    min_replicas = _get(obj, "spec", "minReplicas")
    return [
        _name(obj),
        f"{_str(ref, 'kind')}/{_str(ref, 'name')}",
        text or "<none>",
        "<unset>" if min_replicas is None else str(min_replicas),
        _int(obj, "spec", "maxReplicas"),
        _int(obj, "status", "currentReplicas"),
        _age(obj, now),
    ]


# --- services and networking ------------------------------------------------------------------


def _lb_ingress(ingress: list[Any]) -> str:
    # The server prints wide, so the 16-character clipping never applies.
    found = {_str(i, "ip") or _str(i, "hostname") for i in ingress} - {""}
    return ",".join(sorted(found))


def _service_external_ip(obj: Obj) -> str:
    svc_type, external = (
        _str(obj, "spec", "type"),
        [str(ip) for ip in _list(obj, "spec", "externalIPs")],
    )
    if svc_type in ("ClusterIP", "NodePort"):
        return ",".join(external) if external else "<none>"
    if svc_type == "LoadBalancer":
        lb = _lb_ingress(_list(obj, "status", "loadBalancer", "ingress"))
        if external:
            return ",".join(([*lb.split(",")] if lb else []) + external)
        return lb or "<pending>"
    if svc_type == "ExternalName":
        return _str(obj, "spec", "externalName")
    return "<unknown>"


def _service_cells(obj: Obj, now: float) -> Cells:
    ports = []
    for p in _list(obj, "spec", "ports"):
        node_port = f":{_int(p, 'nodePort')}" if _int(p, "nodePort") > 0 else ""
        ports.append(f"{_int(p, 'port')}{node_port}/{_str(p, 'protocol')}")
    cluster_ips = _list(obj, "spec", "clusterIPs")
    return [
        _name(obj),
        _str(obj, "spec", "type"),
        str(cluster_ips[0]) if cluster_ips else "<none>",
        _service_external_ip(obj),
        ",".join(ports) or "<none>",
        _age(obj, now),
        _format_labels(_map(obj, "spec", "selector")),
    ]


def _ingress_hosts(rules: list[Any]) -> str:
    hosts: list[str] = []
    more = False
    for rule in rules:
        if len(hosts) == 3:
            more = True
        if not more and _str(rule, "host"):
            hosts.append(_str(rule, "host"))
    if not hosts:
        return "*"
    return ",".join(hosts) + (f" + {len(rules) - 3} more..." if more else "")


def _ingress_cells(obj: Obj, now: float) -> Cells:
    class_name = _get(obj, "spec", "ingressClassName")
    return [
        _name(obj),
        class_name if isinstance(class_name, str) else "<none>",
        _ingress_hosts(_list(obj, "spec", "rules")),
        _lb_ingress(_list(obj, "status", "loadBalancer", "ingress")),
        "80, 443" if _list(obj, "spec", "tls") else "80",
        _age(obj, now),
    ]


def _ingress_class_cells(obj: Obj, now: float) -> Cells:
    params = _get(obj, "spec", "parameters")
    text = "<none>"
    if isinstance(params, Mapping):
        text = _str(params, "kind")
        if isinstance(params.get("apiGroup"), str):
            text += "." + params["apiGroup"]
        text += "/" + _str(params, "name")
    return [_name(obj), _str(obj, "spec", "controller"), text, _age(obj, now)]


def _endpoints_text(obj: Obj) -> str:
    subsets = _list(obj, "subsets")
    if not subsets:
        return "<none>"
    shown: list[str] = []
    count, more = 0, False
    for ss in subsets:
        addresses, ports = _list(ss, "addresses"), _list(ss, "ports")
        # Headless services may have no ports: then each address counts once.
        for port in ports or [None]:
            count += len(addresses)
            for addr in addresses:
                if len(shown) == 3:
                    more = True
                    break
                ip = _str(addr, "ip")
                if port is None:
                    shown.append(ip)
                else:
                    host = f"[{ip}]" if ":" in ip else ip
                    shown.append(f"{host}:{_int(port, 'port')}")
    text = ",".join(shown)
    return f"{text} + {count - 3} more..." if more else text


def _endpoint_slice_cells(obj: Obj, now: float) -> Cells:
    ports = []
    for p in _list(obj, "ports"):
        if isinstance(p.get("port") if isinstance(p, Mapping) else None, int):
            ports.append(str(p["port"]))
        elif isinstance(_get(p, "name"), str):
            ports.append(_str(p, "name"))
        else:
            ports.append("*")
    addresses = [str(a) for e in _list(obj, "endpoints") for a in _list(e, "addresses")]
    return [
        _name(obj),
        _str(obj, "addressType"),
        _list_with_more(ports),
        _list_with_more(addresses),
        _age(obj, now),
    ]


def _network_policy_cells(obj: Obj, now: float) -> Cells:
    # podSelector is a struct upstream, so an absent one still selects everything.
    selector = _get(obj, "spec", "podSelector")
    return [_name(obj), format_label_selector(selector or {}), _age(obj, now)]


def _ip_address_cells(obj: Obj, now: float) -> Cells:
    ref = _get(obj, "spec", "parentRef")
    text = "<none>"
    if isinstance(ref, Mapping):
        resource, group = _str(ref, "resource"), _str(ref, "group")
        text = (f"{resource}.{group}" if group else resource).lower()
        if _str(ref, "namespace"):
            text += "/" + _str(ref, "namespace")
        text += "/" + _str(ref, "name")
    return [_name(obj), text, _age(obj, now)]


# --- cluster ----------------------------------------------------------------------------------


def _node_cells(obj: Obj, now: float) -> Cells:
    ready = None
    for c in _list(obj, "status", "conditions"):
        if _str(c, "type") == "Ready":
            ready = c  # the last Ready condition wins, as in the Go map
    status = (
        ["Unknown"]
        if ready is None
        else ["Ready" if _str(ready, "status") == "True" else "NotReady"]
    )
    if _bool(obj, "spec", "unschedulable"):
        status.append("SchedulingDisabled")
    roles = set()
    for key, value in _map(obj, "metadata", "labels").items():
        if key.startswith("node-role.kubernetes.io/") and key[len("node-role.kubernetes.io/") :]:
            roles.add(key[len("node-role.kubernetes.io/") :])
        elif key == "kubernetes.io/role" and value:
            roles.add(str(value))
    info = _map(obj, "status", "nodeInfo")
    addresses = _list(obj, "status", "addresses")

    def address(kind: str) -> str:
        return next((_str(a, "address") for a in addresses if _str(a, "type") == kind), "<none>")

    return [
        _name(obj),
        ",".join(status),
        ",".join(sorted(roles)) or "<none>",
        _age(obj, now),
        _str(info, "kubeletVersion"),
        address("InternalIP"),
        address("ExternalIP"),
        _str(info, "osImage") or "<unknown>",
        _str(info, "kernelVersion") or "<unknown>",
        _str(info, "containerRuntimeVersion") or "<unknown>",
    ]


def _event_cells(obj: Obj, now: float) -> Cells:
    first = translate_timestamp(_get(obj, "firstTimestamp"), now)
    if parse_time(_get(obj, "firstTimestamp")) is None:
        first = translate_timestamp(_get(obj, "eventTime"), now)
    last = translate_timestamp(_get(obj, "lastTimestamp"), now)
    if parse_time(_get(obj, "lastTimestamp")) is None:
        last = first
    count = _int(obj, "count")
    series = _get(obj, "series")
    if isinstance(series, Mapping):
        last = translate_timestamp(series.get("lastObservedTime"), now)
        count = _int(series, "count")
    elif count == 0:
        count = 1  # singleton events carry no count in the events.k8s.io API
    kind, name = _str(obj, "involvedObject", "kind").lower(), _str(obj, "involvedObject", "name")
    component = _str(obj, "source", "component") or _str(obj, "reportingComponent")
    host = _str(obj, "source", "host") or _str(obj, "reportingInstance")
    return [
        last,
        _str(obj, "type"),
        _str(obj, "reason"),
        f"{kind}/{name}" if name else kind,
        _str(obj, "involvedObject", "fieldPath"),
        f"{component}, {host}" if host else component,
        _str(obj, "message").strip(),
        first,
        count,
        _name(obj),
    ]


_EVENTS_V1_NAMES = (
    ("involvedObject", "regarding"),
    ("message", "note"),
    ("source", "deprecatedSource"),
    ("firstTimestamp", "deprecatedFirstTimestamp"),
    ("lastTimestamp", "deprecatedLastTimestamp"),
    ("count", "deprecatedCount"),
    ("reportingComponent", "reportingController"),
)


def _events_v1_cells(obj: Obj, now: float) -> Cells:
    # Upstream prints both event APIs from the internal type: read events.k8s.io/v1 names as
    # their core/v1 equivalents.
    core = dict(obj)
    for core_name, v1_name in _EVENTS_V1_NAMES:
        if v1_name in obj:
            core[core_name] = obj[v1_name]
    return _event_cells(core, now)


def _namespace_cells(obj: Obj, now: float) -> Cells:
    return [_name(obj), _str(obj, "status", "phase"), _age(obj, now)]


def _secret_cells(obj: Obj, now: float) -> Cells:
    return [_name(obj), _str(obj, "type"), len(_map(obj, "data")), _age(obj, now)]


def _config_map_cells(obj: Obj, now: float) -> Cells:
    size = len(_map(obj, "data")) + len(_map(obj, "binaryData"))
    return [_name(obj), size, _age(obj, now)]


def _name_age_cells(obj: Obj, now: float) -> Cells:
    return [_name(obj), _age(obj, now)]


def _component_status_cells(obj: Obj, now: float) -> Cells:
    status, message, error = "Unknown", "", ""
    for c in _list(obj, "conditions"):
        if _str(c, "type") == "Healthy":
            status = "Healthy" if _str(c, "status") == "True" else "Unhealthy"
            message, error = _str(c, "message"), _str(c, "error")
            break
    return [_name(obj), status, message, error]


def _resource_quota_cells(obj: Obj, now: float) -> Cells:
    hard, used = _map(obj, "status", "hard"), _map(obj, "status", "used")
    requests: list[str] = []
    limits: list[str] = []
    for resource in sorted(hard):
        text = f"{resource}: {_quantity(used.get(resource))}/{_quantity(hard[resource])}"
        pieces = resource.split(".")
        (limits if len(pieces) > 1 and pieces[0] == "limits" else requests).append(text)
    return [_name(obj), ", ".join(requests), ", ".join(limits), _age(obj, now)]


def _priority_class_cells(obj: Obj, now: float) -> Cells:
    return [
        _name(obj),
        _int(obj, "value"),
        _bool(obj, "globalDefault"),
        _age(obj, now),
        _str(obj, "preemptionPolicy"),
    ]


def _runtime_class_cells(obj: Obj, now: float) -> Cells:
    return [_name(obj), _str(obj, "handler"), _age(obj, now)]


def _lease_cells(obj: Obj, now: float) -> Cells:
    return [_name(obj), _str(obj, "spec", "holderIdentity"), _age(obj, now)]


def _role_binding_cells(obj: Obj, now: float) -> Cells:
    users, groups, sas = [], [], []
    for s in _list(obj, "subjects"):
        kind, name = _str(s, "kind"), _str(s, "name")
        if kind == "ServiceAccount":
            sas.append(f"{_str(s, 'namespace')}/{name}")
        elif kind == "User":
            users.append(name)
        elif kind == "Group":
            groups.append(name)
    return [
        _name(obj),
        f"{_str(obj, 'roleRef', 'kind')}/{_str(obj, 'roleRef', 'name')}",
        _age(obj, now),
        ", ".join(users),
        ", ".join(groups),
        ", ".join(sas),
    ]


def _csr_cells(obj: Obj, now: float) -> Cells:
    types = {_str(c, "type") for c in _list(obj, "status", "conditions")}
    status = "Denied" if "Denied" in types else "Approved" if "Approved" in types else "Pending"
    if "Failed" in types:
        status += ",Failed"
    if _str(obj, "status", "certificate"):
        status += ",Issued"
    seconds = _get(obj, "spec", "expirationSeconds")
    duration = "<none>"
    if isinstance(seconds, int):
        duration = human_duration(timedelta(seconds=seconds))
    return [
        _name(obj),
        _age(obj, now),
        _str(obj, "spec", "signerName") or "<none>",
        _str(obj, "spec", "username"),
        duration,
        status,
    ]


def _flow_schema_cells(obj: Obj, now: float) -> Cells:
    method = _get(obj, "spec", "distinguisherMethod")
    dangling = next(
        (
            _str(c, "status")
            for c in _list(obj, "status", "conditions")
            if _str(c, "type") == "Dangling"
        ),
        "?",
    )
    return [
        _name(obj),
        _str(obj, "spec", "priorityLevelConfiguration", "name"),
        _int(obj, "spec", "matchingPrecedence"),
        _str(method, "type") if isinstance(method, Mapping) else "<none>",
        _age(obj, now),
        dangling,
    ]


def _priority_level_cells(obj: Obj, now: float) -> Cells:
    limited = _get(obj, "spec", "limited")
    shares: Any = "<none>"
    queues: Any = "<none>"
    hand_size: Any = "<none>"
    queue_length: Any = "<none>"
    if isinstance(limited, Mapping):
        shares = _int(limited, "nominalConcurrencyShares")
        queuing = _get(limited, "limitResponse", "queuing")
        if isinstance(queuing, Mapping):
            queues = _int(queuing, "queues")
            hand_size = _int(queuing, "handSize")
            queue_length = _int(queuing, "queueLengthLimit")
    return [
        _name(obj),
        _str(obj, "spec", "type"),
        shares,
        queues,
        hand_size,
        queue_length,
        _age(obj, now),
    ]


def _service_cidr_cells(obj: Obj, now: float) -> Cells:
    cidrs = ",".join(str(c) for c in _list(obj, "spec", "cidrs"))
    return [_name(obj), cidrs, _age(obj, now)]


# --- admission --------------------------------------------------------------------------------


def _webhook_cells(obj: Obj, now: float) -> Cells:
    return [_name(obj), len(_list(obj, "webhooks")), _age(obj, now)]


def _param_kind(obj: Obj) -> str:
    kind = _get(obj, "spec", "paramKind")
    if not isinstance(kind, Mapping):
        return "<unset>"
    return f"{_str(kind, 'apiVersion')}/{_str(kind, 'kind')}"


def _validating_policy_cells(obj: Obj, now: float) -> Cells:
    count = len(_list(obj, "spec", "validations"))
    return [_name(obj), count, _param_kind(obj), _age(obj, now)]


def _mutating_policy_cells(obj: Obj, now: float) -> Cells:
    count = len(_list(obj, "spec", "mutations"))
    return [_name(obj), count, _param_kind(obj), _age(obj, now)]


def _policy_binding_cells(obj: Obj, now: float) -> Cells:
    ref = _get(obj, "spec", "paramRef")
    param = "<unset>"
    if isinstance(ref, Mapping):
        if _str(ref, "name"):
            # A param without a namespace may be cluster-scoped; upstream shows it as */name.
            param = f"{_str(ref, 'namespace') or '*'}/{_str(ref, 'name')}"
        elif isinstance(ref.get("selector"), Mapping):
            param = _go_label_selector(ref["selector"])
    return [_name(obj), _str(obj, "spec", "policyName"), param, _age(obj, now)]


# --- storage ----------------------------------------------------------------------------------

_ACCESS_MODES = (
    ("ReadWriteOnce", "RWO"),
    ("ReadOnlyMany", "ROX"),
    ("ReadWriteMany", "RWX"),
    ("ReadWriteOncePod", "RWOP"),
)
_BETA_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class"


def _access_modes(modes: list[Any]) -> str:
    return ",".join(short for mode, short in _ACCESS_MODES if mode in modes)


def _volume_class(obj: Obj) -> str:
    annotations = _map(obj, "metadata", "annotations")
    if _BETA_CLASS_ANNOTATION in annotations:
        return str(annotations[_BETA_CLASS_ANNOTATION])
    return _str(obj, "spec", "storageClassName")


def _str_or(value: Any, fallback: str) -> str:
    return value if isinstance(value, str) else fallback


def _pv_cells(obj: Obj, now: float) -> Cells:
    spec = _map(obj, "spec")
    claim = _get(spec, "claimRef")
    claim_text = f"{_str(claim, 'namespace')}/{_str(claim, 'name')}" if claim is not None else ""
    terminating = _get(obj, "metadata", "deletionTimestamp") is not None
    return [
        _name(obj),
        _quantity(_get(spec, "capacity", "storage")),
        _access_modes(_list(spec, "accessModes")),
        _str(spec, "persistentVolumeReclaimPolicy"),
        "Terminating" if terminating else _str(obj, "status", "phase"),
        claim_text,
        _volume_class(obj),
        _str_or(spec.get("volumeAttributesClassName"), "<unset>"),
        _str(obj, "status", "reason"),
        _age(obj, now),
        _str_or(spec.get("volumeMode"), "<unset>"),
    ]


def _pvc_cells(obj: Obj, now: float) -> Cells:
    spec = _map(obj, "spec")
    volume = _str(spec, "volumeName")
    capacity = access = ""
    if volume:
        access = _access_modes(_list(obj, "status", "accessModes"))
        capacity = _quantity(_get(obj, "status", "capacity", "storage"))
    terminating = _get(obj, "metadata", "deletionTimestamp") is not None
    return [
        _name(obj),
        "Terminating" if terminating else _str(obj, "status", "phase"),
        volume,
        capacity,
        access,
        _volume_class(obj),
        _str_or(spec.get("volumeAttributesClassName"), "<unset>"),
        _age(obj, now),
        _str_or(spec.get("volumeMode"), "<unset>"),
    ]


_DEFAULT_CLASS_ANNOTATIONS = (
    "storageclass.kubernetes.io/is-default-class",
    "storageclass.beta.kubernetes.io/is-default-class",
)


def _storage_class_cells(obj: Obj, now: float) -> Cells:
    annotations = _map(obj, "metadata", "annotations")
    name = _name(obj)
    if any(annotations.get(a) == "true" for a in _DEFAULT_CLASS_ANNOTATIONS):
        name += " (default)"
    return [
        name,
        _str(obj, "provisioner"),
        _str_or(obj.get("reclaimPolicy"), "Delete"),
        _str_or(obj.get("volumeBindingMode"), "Immediate"),
        _bool(obj, "allowVolumeExpansion"),
        _age(obj, now),
    ]


def _volume_attributes_class_cells(obj: Obj, now: float) -> Cells:
    return [_name(obj), _str(obj, "driverName"), _age(obj, now)]


def _volume_attachment_cells(obj: Obj, now: float) -> Cells:
    return [
        _name(obj),
        _str(obj, "spec", "attacher"),
        _str(obj, "spec", "source", "persistentVolumeName"),
        _str(obj, "spec", "nodeName"),
        _bool(obj, "status", "attached"),
        _age(obj, now),
    ]


def _csi_node_cells(obj: Obj, now: float) -> Cells:
    return [_name(obj), len(_list(obj, "spec", "drivers")), _age(obj, now)]


def _csi_driver_cells(obj: Obj, now: float) -> Cells:
    spec = _map(obj, "spec")
    tokens = spec.get("tokenRequests")
    token_text = "<unset>"
    if isinstance(tokens, list):
        token_text = ",".join(_str(t, "audience") for t in tokens)
    modes = ",".join(str(m) for m in _list(spec, "volumeLifecycleModes"))
    return [
        _name(obj),
        spec.get("attachRequired") is not False,
        _bool(spec, "podInfoOnMount"),
        _bool(spec, "storageCapacity"),
        token_text,
        _bool(spec, "requiresRepublish"),
        modes or "<none>",
        _age(obj, now),
    ]


def _csi_storage_capacity_cells(obj: Obj, now: float) -> Cells:
    capacity = obj.get("capacity")
    text = "<unset>" if capacity is None else _quantity(capacity)
    return [_name(obj), _str(obj, "storageClassName"), text]


# --- dynamic resource allocation --------------------------------------------------------------


def _resource_claim_cells(obj: Obj, now: float) -> Cells:
    deleted = _get(obj, "metadata", "deletionTimestamp") is not None
    states = ["deleted"] if deleted else []
    if _get(obj, "status", "allocation") is None:
        if not deleted:
            states.append("pending")
    else:
        states.append("allocated")
        if _list(obj, "status", "reservedFor"):
            states.append("reserved")
    return [_name(obj), ",".join(states), _age(obj, now)]


def _resource_slice_cells(obj: Obj, now: float) -> Cells:
    return [
        _name(obj),
        _str(obj, "spec", "nodeName"),
        _str(obj, "spec", "driver"),
        _str(obj, "spec", "pool", "name"),
        _age(obj, now),
    ]


# --- column definitions -----------------------------------------------------------------------


def _col(
    name: str, description: str, *, type: str = "string", fmt: str = "", priority: int = 0
) -> dict[str, Any]:
    return {
        "name": name,
        "type": type,
        "format": fmt,
        "description": description,
        "priority": priority,
    }


def _doc(key: str) -> str:
    return _DOCS[key]


def _name_col(priority: int = 0) -> dict[str, Any]:
    return _col("Name", _doc("ObjectMeta.name"), fmt="name", priority=priority)


def _age_col() -> dict[str, Any]:
    return _col("Age", _doc("ObjectMeta.creationTimestamp"))


_CONTAINERS = "Names of each container in the template."
_IMAGES = "Images referenced by each container in the template."


def _template_cols(selector_doc: str | None) -> list[dict[str, Any]]:
    cols = [_col("Containers", _CONTAINERS, priority=1), _col("Images", _IMAGES, priority=1)]
    if selector_doc is not None:
        cols.append(_col("Selector", _doc(selector_doc), priority=1))
    return cols


def _printer(cells: Callable[[Obj, float], Cells], *cols: dict[str, Any]) -> Printer:
    return Printer(tuple(cols), cells)


def _simple(cells: Callable[[Obj, float], Cells], *cols: dict[str, Any]) -> Printer:
    """Name, the given columns, then Age."""
    return _printer(cells, _name_col(), *cols, _age_col())


def _build_printers() -> dict[tuple[str, str], Printer]:
    pod = _printer(
        _pod_cells,
        _name_col(),
        _col("Ready", "The aggregate readiness state of this pod for accepting traffic."),
        _col("Status", "The aggregate status of the containers in this pod."),
        _col(
            "Restarts",
            "The number of times the containers in this pod have been restarted and when the "
            "last container in this pod has restarted.",
        ),
        _age_col(),
        _col("IP", _doc("PodStatus.podIP"), priority=1),
        _col("Node", _doc("PodSpec.nodeName"), priority=1),
        _col("Nominated Node", _doc("PodStatus.nominatedNodeName"), priority=1),
        _col("Readiness Gates", _doc("PodSpec.readinessGates"), priority=1),
    )
    pod_template = _printer(
        _pod_template_cells,
        _name_col(),
        _col("Containers", _CONTAINERS),
        _col("Images", _IMAGES),
        _col("Pod Labels", "The labels for the pod template."),
    )
    pdb = _simple(
        _pdb_cells,
        _col("Min Available", "The minimum number of pods that must be available."),
        _col("Max Unavailable", "The maximum number of pods that may be unavailable."),
        _col(
            "Allowed Disruptions",
            "Calculated number of pods that may be disrupted at this time.",
            type="integer",
        ),
    )
    rc = _printer(
        _rc_cells,
        _name_col(),
        _col("Desired", _doc("ReplicationControllerSpec.replicas"), type="integer"),
        _col("Current", _doc("ReplicationControllerStatus.replicas"), type="integer"),
        _col("Ready", _doc("ReplicationControllerStatus.readyReplicas"), type="integer"),
        _age_col(),
        *_template_cols("ReplicationControllerSpec.selector"),
    )
    replica_set = _printer(
        _replica_set_cells,
        _name_col(),
        _col("Desired", _doc("ReplicaSetSpec.replicas"), type="integer"),
        _col("Current", _doc("ReplicaSetStatus.replicas"), type="integer"),
        _col("Ready", _doc("ReplicaSetStatus.readyReplicas"), type="integer"),
        _age_col(),
        *_template_cols("ReplicaSetSpec.selector"),
    )
    daemon_set = _printer(
        _daemon_set_cells,
        _name_col(),
        _col("Desired", _doc("DaemonSetStatus.desiredNumberScheduled"), type="integer"),
        _col("Current", _doc("DaemonSetStatus.currentNumberScheduled"), type="integer"),
        _col("Ready", _doc("DaemonSetStatus.numberReady"), type="integer"),
        _col("Up-to-date", _doc("DaemonSetStatus.updatedNumberScheduled"), type="integer"),
        _col("Available", _doc("DaemonSetStatus.numberAvailable"), type="integer"),
        _col("Node Selector", _doc("PodSpec.nodeSelector")),
        _age_col(),
        *_template_cols("DaemonSetSpec.selector"),
    )
    job = _printer(
        _job_cells,
        _name_col(),
        _col("Status", "Status of the job."),
        _col("Completions", _doc("JobStatus.succeeded")),
        _col("Duration", "Time required to complete the job."),
        _age_col(),
        *_template_cols("JobSpec.selector"),
    )
    cron_job = _printer(
        _cron_job_cells,
        _name_col(),
        _col("Schedule", _doc("CronJobSpec.schedule")),
        _col("Timezone", _doc("CronJobSpec.timeZone")),
        _col("Suspend", _doc("CronJobSpec.suspend"), type="boolean"),
        _col("Active", _doc("CronJobStatus.active"), type="integer"),
        _col("Last Schedule", _doc("CronJobStatus.lastScheduleTime")),
        _age_col(),
        *_template_cols("JobSpec.selector"),
    )
    service = _printer(
        _service_cells,
        _name_col(),
        _col("Type", _doc("ServiceSpec.type")),
        _col("Cluster-IP", _doc("ServiceSpec.clusterIP")),
        _col("External-IP", _doc("ServiceSpec.externalIPs")),
        _col("Port(s)", _doc("ServiceSpec.ports")),
        _age_col(),
        _col("Selector", _doc("ServiceSpec.selector"), priority=1),
    )
    ingress = _simple(
        _ingress_cells,
        _col(
            "Class",
            "The name of the IngressClass resource that should be used for additional "
            "configuration",
        ),
        _col("Hosts", "Hosts that incoming requests are matched against before the ingress rule"),
        _col("Address", "Address is a list containing ingress points for the load-balancer"),
        _col("Ports", "Ports of TLS configurations that open"),
    )
    ingress_class = _simple(
        _ingress_class_cells,
        _col("Controller", "Controller that is responsible for handling this class"),
        _col("Parameters", "A reference to a resource with additional parameters"),
    )
    ready_col = _col("Ready", "Number of the pod with ready state")
    stateful_set = _printer(
        _stateful_set_cells, _name_col(), ready_col, _age_col(), *_template_cols(None)
    )
    endpoints = _simple(
        lambda o, now: [_name(o), _endpoints_text(o), _age(o, now)],
        _col("Endpoints", _doc("Endpoints.subsets")),
    )
    node = _printer(
        _node_cells,
        _name_col(),
        _col("Status", "The status of the node"),
        _col("Roles", "The roles of the node"),
        _age_col(),
        _col("Version", _doc("NodeSystemInfo.kubeletVersion")),
        _col("Internal-IP", _doc("NodeStatus.addresses"), priority=1),
        _col("External-IP", _doc("NodeStatus.addresses"), priority=1),
        _col("OS-Image", _doc("NodeSystemInfo.osImage"), priority=1),
        _col("Kernel-Version", _doc("NodeSystemInfo.kernelVersion"), priority=1),
        _col("Container-Runtime", _doc("NodeSystemInfo.containerRuntimeVersion"), priority=1),
    )
    event_cols = (
        _col("Last Seen", _doc("Event.lastTimestamp")),
        _col("Type", _doc("Event.type")),
        _col("Reason", _doc("Event.reason")),
        _col("Object", _doc("Event.involvedObject")),
        _col("Subobject", _doc("ObjectReference.fieldPath"), priority=1),
        _col("Source", _doc("Event.source"), priority=1),
        _col("Message", _doc("Event.message")),
        _col("First Seen", _doc("Event.firstTimestamp"), priority=1),
        _col("Count", _doc("Event.count"), priority=1),
        _name_col(priority=1),
    )

    def binding(kind: str, doc: str) -> Printer:
        wide = [
            _col(title, f"{title} in the {kind}", priority=1)
            for title in ("Users", "Groups", "ServiceAccounts")
        ]
        return _printer(
            _role_binding_cells, _name_col(), _col("Role", _doc(doc)), _age_col(), *wide
        )

    deployment = _printer(
        _deployment_cells,
        _name_col(),
        ready_col,
        _col("Up-to-date", _doc("DeploymentStatus.updatedReplicas")),
        _col("Available", _doc("DeploymentStatus.availableReplicas")),
        _age_col(),
        *_template_cols("DeploymentSpec.selector"),
    )
    hpa = _simple(
        _hpa_cells,
        _col("Reference", _doc("HorizontalPodAutoscalerSpec.scaleTargetRef")),
        _col("Targets", _doc("HorizontalPodAutoscalerSpec.metrics")),
        _col("MinPods", _doc("HorizontalPodAutoscalerSpec.minReplicas")),
        _col("MaxPods", _doc("HorizontalPodAutoscalerSpec.maxReplicas")),
        _col("Replicas", _doc("HorizontalPodAutoscalerStatus.currentReplicas")),
    )
    pv = _printer(
        _pv_cells,
        _name_col(),
        _col("Capacity", _doc("PersistentVolumeSpec.capacity")),
        _col("Access Modes", _doc("PersistentVolumeSpec.accessModes")),
        _col("Reclaim Policy", _doc("PersistentVolumeSpec.persistentVolumeReclaimPolicy")),
        _col("Status", _doc("PersistentVolumeStatus.phase")),
        _col("Claim", _doc("PersistentVolumeSpec.claimRef")),
        _col("StorageClass", "StorageClass of the pv"),
        _col("VolumeAttributesClass", "VolumeAttributesClass of the pv"),
        _col("Reason", _doc("PersistentVolumeStatus.reason")),
        _age_col(),
        _col("VolumeMode", _doc("PersistentVolumeSpec.volumeMode"), priority=1),
    )
    pvc = _printer(
        _pvc_cells,
        _name_col(),
        _col("Status", _doc("PersistentVolumeClaimStatus.phase")),
        _col("Volume", _doc("PersistentVolumeClaimSpec.volumeName")),
        _col("Capacity", _doc("PersistentVolumeClaimStatus.capacity")),
        _col("Access Modes", _doc("PersistentVolumeClaimStatus.accessModes")),
        _col("StorageClass", "StorageClass of the pvc"),
        _col("VolumeAttributesClass", "VolumeAttributesClass of the pvc"),
        _age_col(),
        _col("VolumeMode", _doc("PersistentVolumeClaimSpec.volumeMode"), priority=1),
    )
    component_status = _printer(
        _component_status_cells,
        _name_col(),
        _col("Status", "Status of the component conditions"),
        _col("Message", "Message of the component conditions"),
        _col("Error", "Error of the component conditions"),
    )
    csr = _printer(
        _csr_cells,
        _name_col(),
        _age_col(),
        _col("SignerName", _doc("CertificateSigningRequestSpec.signerName")),
        _col("Requestor", _doc("CertificateSigningRequestSpec.request")),
        _col("RequestedDuration", _doc("CertificateSigningRequestSpec.expirationSeconds")),
        _col("Condition", _doc("CertificateSigningRequestStatus.conditions")),
    )
    storage_class = _simple(
        _storage_class_cells,
        _col("Provisioner", _doc("StorageClass.provisioner")),
        _col("ReclaimPolicy", _doc("StorageClass.reclaimPolicy")),
        _col("VolumeBindingMode", _doc("StorageClass.volumeBindingMode")),
        _col("AllowVolumeExpansion", _doc("StorageClass.allowVolumeExpansion")),
    )
    webhooks = _simple(
        _webhook_cells,
        _col(
            "Webhooks",
            "Webhooks indicates the number of webhooks registered in this configuration",
            type="integer",
        ),
    )
    param_kind = _col(
        "ParamKind", "ParamKind specifies the kind of resources used to parameterize this policy"
    )
    policy_binding = _simple(
        _policy_binding_cells,
        _col(
            "PolicyName",
            "PolicyName indicates the policy definition which the policy binding binded to",
        ),
        _col("ParamRef", "ParamRef indicates the param resource which sets the configration param"),
    )
    csi_driver = _printer(
        _csi_driver_cells,
        _name_col(),
        _col("AttachRequired", _doc("CSIDriverSpec.attachRequired"), type="boolean"),
        _col("PodInfoOnMount", _doc("CSIDriverSpec.podInfoOnMount"), type="boolean"),
        _col("StorageCapacity", _doc("CSIDriverSpec.storageCapacity"), type="boolean"),
        _col("TokenRequests", _doc("CSIDriverSpec.tokenRequests")),
        _col("RequiresRepublish", _doc("CSIDriverSpec.requiresRepublish"), type="boolean"),
        _col("Modes", _doc("CSIDriverSpec.volumeLifecycleModes")),
        _age_col(),
    )
    name_age = _simple(_name_age_cells)
    return {
        ("", "pods"): pod,
        ("", "podtemplates"): pod_template,
        ("policy", "poddisruptionbudgets"): pdb,
        ("", "replicationcontrollers"): rc,
        ("apps", "replicasets"): replica_set,
        ("apps", "daemonsets"): daemon_set,
        ("batch", "jobs"): job,
        ("batch", "cronjobs"): cron_job,
        ("", "services"): service,
        ("networking.k8s.io", "ingresses"): ingress,
        ("networking.k8s.io", "ingressclasses"): ingress_class,
        ("apps", "statefulsets"): stateful_set,
        ("", "endpoints"): endpoints,
        ("", "nodes"): node,
        ("", "events"): _printer(_event_cells, *event_cols),
        ("events.k8s.io", "events"): _printer(_events_v1_cells, *event_cols),
        ("", "namespaces"): _simple(
            _namespace_cells, _col("Status", "The status of the namespace")
        ),
        ("", "secrets"): _simple(
            _secret_cells, _col("Type", _doc("Secret.type")), _col("Data", _doc("Secret.data"))
        ),
        ("", "serviceaccounts"): name_age,
        ("", "persistentvolumes"): pv,
        ("", "persistentvolumeclaims"): pvc,
        ("", "componentstatuses"): component_status,
        ("apps", "deployments"): deployment,
        ("autoscaling", "horizontalpodautoscalers"): hpa,
        ("", "configmaps"): _simple(_config_map_cells, _col("Data", _doc("ConfigMap.data"))),
        ("networking.k8s.io", "networkpolicies"): _simple(
            _network_policy_cells, _col("Pod-Selector", _doc("NetworkPolicySpec.podSelector"))
        ),
        ("rbac.authorization.k8s.io", "rolebindings"): binding(
            "roleBinding", "RoleBinding.roleRef"
        ),
        ("rbac.authorization.k8s.io", "clusterrolebindings"): binding(
            "clusterRoleBinding", "ClusterRoleBinding.roleRef"
        ),
        ("certificates.k8s.io", "certificatesigningrequests"): csr,
        ("coordination.k8s.io", "leases"): _simple(
            _lease_cells, _col("Holder", _doc("LeaseSpec.holderIdentity"))
        ),
        ("storage.k8s.io", "storageclasses"): storage_class,
        ("storage.k8s.io", "volumeattributesclasses"): _simple(
            _volume_attributes_class_cells,
            _col("DriverName", _doc("VolumeAttributesClass.driverName")),
        ),
        ("apps", "controllerrevisions"): _simple(
            _controller_revision_cells,
            _col("Controller", "Controller of the object"),
            _col("Revision", _doc("ControllerRevision.revision")),
        ),
        ("", "resourcequotas"): _simple(
            _resource_quota_cells,
            _col(
                "Request",
                "Request represents a minimum amount of cpu/memory that a container may consume.",
            ),
            _col(
                "Limit",
                "Limits control the maximum amount of cpu/memory that a container may use "
                "independent of contention on the node.",
            ),
        ),
        ("scheduling.k8s.io", "priorityclasses"): _printer(
            _priority_class_cells,
            _name_col(),
            _col("Value", _doc("PriorityClass.value"), type="integer"),
            _col("Global-Default", _doc("PriorityClass.globalDefault"), type="boolean"),
            _age_col(),
            _col("PreemptionPolicy", _doc("PriorityClass.preemptionPolicy")),
        ),
        # Upstream looks the description up in ObjectMeta's docs, which have no "handler".
        ("node.k8s.io", "runtimeclasses"): _simple(_runtime_class_cells, _col("Handler", "")),
        ("storage.k8s.io", "volumeattachments"): _simple(
            _volume_attachment_cells,
            _col("Attacher", _doc("VolumeAttachmentSpec.attacher"), fmt="name"),
            _col("PV", _doc("VolumeAttachmentSource.persistentVolumeName")),
            _col("Node", _doc("VolumeAttachmentSpec.nodeName")),
            _col("Attached", _doc("VolumeAttachmentStatus.attached"), type="boolean"),
        ),
        ("discovery.k8s.io", "endpointslices"): _simple(
            _endpoint_slice_cells,
            _col("AddressType", _doc("EndpointSlice.addressType")),
            _col("Ports", _doc("EndpointSlice.ports")),
            _col("Endpoints", _doc("EndpointSlice.endpoints")),
        ),
        ("storage.k8s.io", "csinodes"): _simple(
            _csi_node_cells,
            _col(
                "Drivers",
                "Drivers indicates the number of CSI drivers registered on the node",
                type="integer",
            ),
        ),
        ("storage.k8s.io", "csidrivers"): csi_driver,
        ("storage.k8s.io", "csistoragecapacities"): _printer(
            _csi_storage_capacity_cells,
            _name_col(),
            _col("StorageClassName", _doc("CSIStorageCapacity.storageClassName")),
            _col("Capacity", _doc("CSIStorageCapacity.capacity")),
        ),
        ("admissionregistration.k8s.io", "mutatingwebhookconfigurations"): webhooks,
        ("admissionregistration.k8s.io", "validatingwebhookconfigurations"): webhooks,
        ("admissionregistration.k8s.io", "validatingadmissionpolicies"): _simple(
            _validating_policy_cells,
            _col(
                "Validations",
                "Validations indicates the number of validation rules defined in this "
                "configuration",
                type="integer",
            ),
            param_kind,
        ),
        ("admissionregistration.k8s.io", "validatingadmissionpolicybindings"): policy_binding,
        ("admissionregistration.k8s.io", "mutatingadmissionpolicies"): _simple(
            _mutating_policy_cells,
            _col(
                "Mutations",
                "Mutation indicates the number of mutations rules defined in this configuration",
                type="integer",
            ),
            param_kind,
        ),
        ("admissionregistration.k8s.io", "mutatingadmissionpolicybindings"): policy_binding,
        ("flowcontrol.apiserver.k8s.io", "flowschemas"): _printer(
            _flow_schema_cells,
            _name_col(),
            _col("PriorityLevel", _doc("PriorityLevelConfigurationReference.name")),
            _col("MatchingPrecedence", _doc("FlowSchemaSpec.matchingPrecedence")),
            _col("DistinguisherMethod", _doc("FlowSchemaSpec.distinguisherMethod")),
            _age_col(),
            _col("MissingPL", "references a broken or non-existent PriorityLevelConfiguration"),
        ),
        ("flowcontrol.apiserver.k8s.io", "prioritylevelconfigurations"): _simple(
            _priority_level_cells,
            _col("Type", _doc("PriorityLevelConfigurationSpec.type")),
            _col(
                "NominalConcurrencyShares",
                _doc("LimitedPriorityLevelConfiguration.nominalConcurrencyShares"),
            ),
            _col("Queues", _doc("QueuingConfiguration.queues")),
            _col("HandSize", _doc("QueuingConfiguration.handSize")),
            _col("QueueLengthLimit", _doc("QueuingConfiguration.queueLengthLimit")),
        ),
        ("resource.k8s.io", "deviceclasses"): name_age,
        ("resource.k8s.io", "resourceclaims"): _simple(
            _resource_claim_cells,
            _col(
                "State",
                "A summary of the current state (allocated, pending, reserved, etc.).",
            ),
        ),
        ("resource.k8s.io", "resourceclaimtemplates"): name_age,
        ("resource.k8s.io", "resourceslices"): _simple(
            _resource_slice_cells,
            _col("Node", _doc("ResourceSliceSpec.nodeName")),
            _col("Driver", _doc("ResourceSliceSpec.driver")),
            _col("Pool", _doc("ResourcePool.name")),
        ),
        ("networking.k8s.io", "servicecidrs"): _simple(
            _service_cidr_cells, _col("CIDRs", _doc("ServiceCIDRSpec.cidrs"))
        ),
        # Upstream defines two columns but prints an age cell as a third; clients drop it.
        ("networking.k8s.io", "ipaddresses"): _printer(
            _ip_address_cells, _name_col(), _col("ParentRef", _doc("IPAddressSpec.parentRef"))
        ),
    }


_PRINTERS = _build_printers()
