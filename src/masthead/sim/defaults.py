"""Defaulting and the defaulting admission plugins (ServiceAccount, DefaultTolerationSeconds,
Priority), as kube-apiserver 1.36 applies them on create.

Objects are JSON dicts. Upstream serialises built-in kinds in Go struct field order and sorts map
keys, and it always emits struct fields that lack `omitempty` semantics (`"status": {}` on a
Deployment, `"eventTime": null` on a core Event). `canonical_order` reproduces that, so a defaulted
object serialises byte-for-byte like the recorded responses.

Left to the caller (the store): uid, resourceVersion, generation, creationTimestamp, managedFields,
generateName, the Job selector (`generate_job_selector`, needs the uid) and IP/port allocation
(the `allocate_*` hooks).
"""

from __future__ import annotations

import base64
import copy
import json
import random
from collections.abc import Callable, Mapping
from typing import Any

from masthead.sim.clone import clone
from masthead.sim.errors import ApiError
from masthead.sim.resources import ResourceInfo

Obj = dict[str, Any]


def _s(entries: str) -> tuple[str, ...]:
    return tuple(entries.split())


# One entry per Go struct: "field", "field:Type" (struct or list of structs), "field:{}" (map,
# emitted with sorted keys), "field:{Type}" (map of structs); "=<json>" is the value Go emits when
# the field is absent because its tag has no effective omitempty (structs, non-omitempty scalars).
_STRUCTS: dict[str, tuple[str, ...]] = {
    "ObjectMeta": _s(
        "name generateName namespace selfLink uid resourceVersion generation creationTimestamp "
        "deletionTimestamp deletionGracePeriodSeconds labels:{} annotations:{} "
        "ownerReferences:OwnerReference finalizers managedFields:ManagedFieldsEntry"
    ),
    "OwnerReference": _s("apiVersion kind name uid controller blockOwnerDeletion"),
    "ManagedFieldsEntry": _s("manager operation apiVersion time fieldsType fieldsV1 subresource"),
    "LabelSelector": _s("matchLabels:{} matchExpressions:LabelSelectorRequirement"),
    "LabelSelectorRequirement": _s("key operator values"),
    "ObjectReference": _s("kind namespace name uid apiVersion resourceVersion fieldPath"),
    # core/v1 pods
    "PodTemplateSpec": _s("metadata:ObjectMeta spec:PodSpec"),
    "PodSpec": _s(
        "volumes:Volume initContainers:Container containers:Container "
        "ephemeralContainers:Container restartPolicy terminationGracePeriodSeconds "
        "activeDeadlineSeconds dnsPolicy "
        "nodeSelector:{} serviceAccountName serviceAccount automountServiceAccountToken nodeName "
        "hostNetwork hostPID hostIPC shareProcessNamespace securityContext imagePullSecrets "
        "hostname subdomain affinity schedulerName tolerations:Toleration hostAliases "
        "priorityClassName priority dnsConfig readinessGates runtimeClassName enableServiceLinks "
        "preemptionPolicy overhead:{} topologySpreadConstraints setHostnameAsFQDN os hostUsers "
        "schedulingGates resourceClaims resources:ResourceRequirements hostnameOverride"
    ),
    "Container": _s(
        "name image command args workingDir ports:ContainerPort envFrom env:EnvVar "
        "resources:ResourceRequirements resizePolicy restartPolicy restartPolicyRules "
        "volumeMounts:VolumeMount volumeDevices livenessProbe:Probe readinessProbe:Probe "
        "startupProbe:Probe lifecycle terminationMessagePath terminationMessagePolicy "
        "imagePullPolicy securityContext stdin stdinOnce tty"
    ),
    "ContainerPort": _s("name hostPort containerPort protocol hostIP"),
    "EnvVar": _s("name value valueFrom:EnvVarSource"),
    "EnvVarSource": _s(
        "fieldRef:ObjectFieldSelector resourceFieldRef configMapKeyRef secretKeyRef fileKeyRef"
    ),
    "ObjectFieldSelector": _s("apiVersion fieldPath"),
    "ResourceRequirements": _s("limits:{} requests:{} claims"),
    "VolumeMount": _s(
        "name readOnly recursiveReadOnly mountPath subPath mountPropagation subPathExpr"
    ),
    "Probe": _s(
        "exec httpGet:HTTPGetAction tcpSocket grpc initialDelaySeconds timeoutSeconds "
        "periodSeconds successThreshold failureThreshold terminationGracePeriodSeconds"
    ),
    "HTTPGetAction": _s("path port host scheme httpHeaders"),
    # A volume is its name plus exactly one source, so only the name's position matters.
    "Volume": _s("name projected:ProjectedVolumeSource"),
    "ProjectedVolumeSource": _s("sources:VolumeProjection defaultMode"),
    "VolumeProjection": _s(
        "secret downwardAPI:DownwardAPIProjection configMap:ConfigMapProjection "
        "serviceAccountToken:ServiceAccountTokenProjection clusterTrustBundle podCertificate"
    ),
    "ServiceAccountTokenProjection": _s("audience expirationSeconds path"),
    "ConfigMapProjection": _s("name items:KeyToPath optional"),
    "KeyToPath": _s("key path mode"),
    "DownwardAPIProjection": _s("items:DownwardAPIVolumeFile"),
    "DownwardAPIVolumeFile": _s("path fieldRef:ObjectFieldSelector resourceFieldRef mode"),
    "Toleration": _s("key operator value effect tolerationSeconds"),
    "PodStatus": _s(
        "observedGeneration phase conditions message reason nominatedNodeName hostIP hostIPs podIP "
        "podIPs startTime initContainerStatuses containerStatuses qosClass "
        "ephemeralContainerStatuses resize resourceClaimStatuses extendedResourceClaimStatus "
        "allocatedResources resources"
    ),
    # workloads
    "DeploymentSpec": _s(
        "replicas selector:LabelSelector template:PodTemplateSpec strategy:DeploymentStrategy "
        "minReadySeconds revisionHistoryLimit paused progressDeadlineSeconds"
    ),
    "DeploymentStrategy": _s("type rollingUpdate:RollingUpdate"),
    "RollingUpdate": _s("partition maxUnavailable maxSurge"),
    "DeploymentStatus": _s(
        "observedGeneration replicas updatedReplicas readyReplicas availableReplicas "
        "unavailableReplicas terminatingReplicas conditions collisionCount"
    ),
    "ReplicaSetSpec": _s(
        "replicas minReadySeconds selector:LabelSelector template:PodTemplateSpec"
    ),
    "ReplicaSetStatus": _s(
        "replicas=0 fullyLabeledReplicas readyReplicas availableReplicas terminatingReplicas "
        "observedGeneration conditions"
    ),
    "ReplicationControllerSpec": _s(
        "replicas minReadySeconds selector:{} template:PodTemplateSpec"
    ),
    "StatefulSetSpec": _s(
        "replicas selector:LabelSelector template:PodTemplateSpec "
        "volumeClaimTemplates:PersistentVolumeClaim serviceName podManagementPolicy "
        "updateStrategy:DeploymentStrategy revisionHistoryLimit minReadySeconds "
        "persistentVolumeClaimRetentionPolicy ordinals"
    ),
    "StatefulSetStatus": _s(
        "observedGeneration replicas=0 readyReplicas currentReplicas updatedReplicas "
        "currentRevision updateRevision collisionCount conditions availableReplicas=0"
    ),
    "DaemonSetSpec": _s(
        "selector:LabelSelector template:PodTemplateSpec updateStrategy:DeploymentStrategy "
        "minReadySeconds revisionHistoryLimit"
    ),
    "DaemonSetStatus": _s(
        "currentNumberScheduled=0 numberMisscheduled=0 desiredNumberScheduled=0 numberReady=0 "
        "observedGeneration updatedNumberScheduled numberAvailable numberUnavailable "
        "collisionCount conditions"
    ),
    "JobSpec": _s(
        "parallelism completions activeDeadlineSeconds podFailurePolicy successPolicy backoffLimit "
        "backoffLimitPerIndex maxFailedIndexes selector:LabelSelector manualSelector "
        "template:PodTemplateSpec ttlSecondsAfterFinished completionMode suspend "
        "podReplacementPolicy managedBy"
    ),
    "CronJobSpec": _s(
        "schedule timeZone startingDeadlineSeconds concurrencyPolicy suspend "
        "jobTemplate:JobTemplateSpec successfulJobsHistoryLimit failedJobsHistoryLimit"
    ),
    "JobTemplateSpec": _s("metadata:ObjectMeta spec:JobSpec"),
    # services
    "ServiceSpec": _s(
        "ports:ServicePort selector:{} clusterIP clusterIPs type externalIPs sessionAffinity "
        "loadBalancerIP loadBalancerSourceRanges externalName externalTrafficPolicy "
        "healthCheckNodePort publishNotReadyAddresses sessionAffinityConfig ipFamilies "
        "ipFamilyPolicy allocateLoadBalancerNodePorts loadBalancerClass internalTrafficPolicy "
        "trafficDistribution"
    ),
    "ServicePort": _s("name protocol appProtocol port targetPort nodePort"),
    "ServiceStatus": _s("loadBalancer={} conditions"),
    # storage, cluster
    "PersistentVolumeClaim": _s(
        "kind apiVersion metadata:ObjectMeta spec:PersistentVolumeClaimSpec={} "
        "status:PersistentVolumeClaimStatus={}"
    ),
    "PersistentVolumeClaimSpec": _s(
        "accessModes selector:LabelSelector resources:ResourceRequirements={} volumeName "
        "storageClassName volumeMode dataSource dataSourceRef volumeAttributesClassName"
    ),
    "PersistentVolumeClaimStatus": _s(
        "phase accessModes capacity:{} conditions allocatedResources:{} "
        "allocatedResourceStatuses:{} currentVolumeAttributesClassName modifyVolumeStatus"
    ),
    "NamespaceSpec": _s("finalizers"),
    "NamespaceStatus": _s("phase conditions"),
    "NodeSpec": _s("podCIDR podCIDRs providerID unschedulable taints configSource externalID"),
    "NodeStatus": _s(
        "capacity:{} allocatable:{} phase conditions addresses "
        "daemonEndpoints:NodeDaemonEndpoints={} nodeInfo:NodeSystemInfo={} images volumesInUse "
        "volumesAttached config runtimeHandlers features declaredFeatures"
    ),
    "NodeDaemonEndpoints": _s("kubeletEndpoint:DaemonEndpoint={}"),
    "DaemonEndpoint": _s("Port=0"),
    "NodeSystemInfo": _s(
        'machineID="" systemUUID="" bootID="" kernelVersion="" osImage="" '
        'containerRuntimeVersion="" kubeletVersion="" kubeProxyVersion="" operatingSystem="" '
        'architecture="" swap'
    ),
    # events
    "EventSource": _s("component host"),
    "EventSeries": _s("count lastObservedTime"),
    # apiextensions
    "CRDSpec": _s(
        "group names:CRDNames scope versions:CRDVersion conversion preserveUnknownFields"
    ),
    "CRDNames": _s('plural="" singular shortNames kind="" listKind categories'),
    "CRDVersion": _s(
        "name served storage deprecated deprecationWarning schema:CRDValidation "
        "subresources:CRDSubresources additionalPrinterColumns:PrinterColumn selectableFields"
    ),
    "CRDValidation": _s("openAPIV3Schema:JSONSchemaProps"),
    "CRDSubresources": _s("status scale:CRDScale"),
    "CRDScale": _s("specReplicasPath statusReplicasPath labelSelectorPath"),
    "PrinterColumn": _s("name type format description priority jsonPath"),
    "CRDStatus": _s("conditions=null acceptedNames:CRDNames={} storedVersions=null"),
    "JSONSchemaProps": _s(
        "id $schema $ref description type format title default maximum exclusiveMaximum minimum "
        "exclusiveMinimum maxLength minLength pattern maxItems minItems uniqueItems multipleOf "
        "enum maxProperties minProperties required items:JSONSchemaProps allOf:JSONSchemaProps "
        "oneOf:JSONSchemaProps anyOf:JSONSchemaProps not:JSONSchemaProps "
        "properties:{JSONSchemaProps} additionalProperties:JSONSchemaProps "
        "patternProperties:{JSONSchemaProps} dependencies:{} additionalItems:JSONSchemaProps "
        "definitions:{JSONSchemaProps} externalDocs example nullable "
        "x-kubernetes-preserve-unknown-fields x-kubernetes-embedded-resource "
        "x-kubernetes-int-or-string x-kubernetes-list-map-keys x-kubernetes-list-type "
        "x-kubernetes-map-type x-kubernetes-validations"
    ),
}

_HEAD = "kind apiVersion metadata:ObjectMeta "


def _top(spec: str, status: str) -> tuple[str, ...]:
    return _s(f"{_HEAD} {spec} {status}")


_KINDS: dict[tuple[str, str], tuple[str, ...]] = {
    ("", "Pod"): _top("spec:PodSpec={}", "status:PodStatus={}"),
    ("", "PodTemplate"): _s(_HEAD + "template:PodTemplateSpec"),
    ("", "ReplicationController"): _top("spec:ReplicationControllerSpec={}", "status"),
    ("", "Service"): _top("spec:ServiceSpec={}", "status:ServiceStatus={}"),
    ("", "Namespace"): _top("spec:NamespaceSpec={}", "status:NamespaceStatus={}"),
    ("", "Node"): _top("spec:NodeSpec={}", "status:NodeStatus={}"),
    ("", "PersistentVolumeClaim"): _STRUCTS["PersistentVolumeClaim"],
    ("", "ConfigMap"): _s(_HEAD + "immutable data:{} binaryData:{}"),
    ("", "Secret"): _s(_HEAD + "immutable data:{} stringData:{} type"),
    ("", "ServiceAccount"): _s(
        _HEAD + "secrets:ObjectReference imagePullSecrets automountServiceAccountToken"
    ),
    ("", "Event"): _s(
        _HEAD + "involvedObject:ObjectReference={} reason message source:EventSource={} "
        "firstTimestamp=null lastTimestamp=null count type eventTime=null series:EventSeries "
        'action related:ObjectReference reportingComponent="" reportingInstance=""'
    ),
    ("events.k8s.io", "Event"): _s(
        _HEAD + "eventTime=null series:EventSeries reportingController reportingInstance action "
        "reason regarding:ObjectReference={} related:ObjectReference note type "
        "deprecatedSource:EventSource={} deprecatedFirstTimestamp=null "
        "deprecatedLastTimestamp=null deprecatedCount"
    ),
    ("apps", "Deployment"): _top("spec:DeploymentSpec={}", "status:DeploymentStatus={}"),
    ("apps", "ReplicaSet"): _top("spec:ReplicaSetSpec={}", "status:ReplicaSetStatus={}"),
    ("apps", "StatefulSet"): _top("spec:StatefulSetSpec={}", "status:StatefulSetStatus={}"),
    ("apps", "DaemonSet"): _top("spec:DaemonSetSpec={}", "status:DaemonSetStatus={}"),
    ("batch", "Job"): _top("spec:JobSpec={}", "status={}"),
    ("batch", "CronJob"): _top("spec:CronJobSpec={}", "status={}"),
    ("apiextensions.k8s.io", "CustomResourceDefinition"): _top(
        "spec:CRDSpec={}", "status:CRDStatus={}"
    ),
}

_MISSING = object()


class _Field:
    __slots__ = ("child", "is_map", "name", "zero")

    def __init__(self, entry: str) -> None:
        head, eq, zero = entry.partition("=")
        self.zero: Any = json.loads(zero) if eq else _MISSING
        self.name, _, child = head.partition(":")
        self.is_map = child.startswith("{")
        self.child = child.strip("{}") or None


_PARSED: dict[tuple[str, ...], list[_Field]] = {}


def _fields(entries: tuple[str, ...]) -> list[_Field]:
    parsed = _PARSED.get(entries)
    if parsed is None:
        parsed = _PARSED[entries] = [_Field(e) for e in entries]
    return parsed


def _struct(entries: tuple[str, ...], value: Any) -> Any:
    if isinstance(value, list):
        return [_struct(entries, v) for v in value]
    if not isinstance(value, dict):
        return value
    out: Obj = {}
    for f in _fields(entries):
        v = value.get(f.name, _MISSING)
        if v is _MISSING:
            if f.zero is _MISSING:
                continue
            v = copy.deepcopy(f.zero)
        out[f.name] = _value(f, v)
    # Fields this table does not know keep their relative order after the known ones.
    out.update((k, v) for k, v in value.items() if k not in out)
    return out


def _value(f: _Field, v: Any) -> Any:
    child = _STRUCTS[f.child] if f.child else None
    if f.is_map and isinstance(v, dict):
        return {k: (_struct(child, v[k]) if child else v[k]) for k in sorted(v)}
    return _struct(child, v) if child else v


def _sorted_deep(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted_deep(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted_deep(v) for v in value]
    return value


def canonical_order(info: ResourceInfo, obj: Obj) -> Obj:
    """`obj` with its keys in the order kube-apiserver serialises it.

    Custom resources come back with every key sorted (they are unstructured maps upstream).
    Unlisted built-in kinds get only `kind, apiVersion, metadata` first.
    """
    if info.is_custom:
        result: Obj = _sorted_deep(obj)
        return result
    entries = _KINDS.get((info.group, info.kind), _s(_HEAD))
    ordered: Obj = _struct(entries, obj)
    return ordered


def go_json_value(type_name: str, value: Any) -> Any:
    """A nested value ordered like its Go struct `type_name` (e.g. `LabelSelector`)."""
    return _struct(_STRUCTS[type_name], value)


# --- pods -------------------------------------------------------------------------------------

SA_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
# k8s.io/apimachinery/pkg/util/rand: no vowels or look-alike digits, so names never spell words.
_RAND_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_SYSTEM_PRIORITIES = {"system-node-critical": 2000001000, "system-cluster-critical": 2000000000}
_NOT_READY = "node.kubernetes.io/not-ready"
_UNREACHABLE = "node.kubernetes.io/unreachable"


def random_suffix(rng: random.Random | None = None, n: int = 5) -> str:
    r = rng or random
    return "".join(r.choice(_RAND_ALPHABET) for _ in range(n))


def _image_pull_policy(image: str) -> str:
    name, _, digest = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    tag = last.partition(":")[2]
    if not tag and not digest:
        tag = "latest"
    return "Always" if tag == "latest" else "IfNotPresent"


def _default_probe(probe: Obj) -> None:
    for key, value in (
        ("timeoutSeconds", 1),
        ("periodSeconds", 10),
        ("successThreshold", 1),
        ("failureThreshold", 3),
    ):
        probe.setdefault(key, value)
    if isinstance(probe.get("httpGet"), dict):
        probe["httpGet"].setdefault("path", "/")
        probe["httpGet"].setdefault("scheme", "HTTP")


def _default_container(c: Obj) -> None:
    for port in c.get("ports") or []:
        port.setdefault("protocol", "TCP")
    for env in c.get("env") or []:
        field_ref = (env.get("valueFrom") or {}).get("fieldRef")
        if isinstance(field_ref, dict):
            field_ref.setdefault("apiVersion", "v1")
    for key in ("livenessProbe", "readinessProbe", "startupProbe"):
        if isinstance(c.get(key), dict):
            _default_probe(c[key])
    c.setdefault("resources", {})
    c.setdefault("terminationMessagePath", "/dev/termination-log")
    c.setdefault("terminationMessagePolicy", "File")
    if "imagePullPolicy" not in c and isinstance(c.get("image"), str):
        c["imagePullPolicy"] = _image_pull_policy(c["image"])


def default_pod_spec(spec: Obj) -> None:
    """Defaults every pod spec gets, in pods and in workload templates alike."""
    for key in ("initContainers", "containers", "ephemeralContainers"):
        for c in spec.get(key) or []:
            if isinstance(c, dict):
                _default_container(c)
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("securityContext", {})
    spec.setdefault("schedulerName", "default-scheduler")
    # v1 keeps the deprecated `serviceAccount` as a mirror of `serviceAccountName`.
    name = spec.get("serviceAccountName") or spec.get("serviceAccount")
    if name:
        spec["serviceAccountName"] = name
        spec["serviceAccount"] = name


def _default_template(holder: Obj | None) -> None:
    template = (holder or {}).get("template")
    if isinstance(template, dict):
        template.setdefault("metadata", {})
        spec = template.setdefault("spec", {})
        if isinstance(spec, dict):
            default_pod_spec(spec)


def pod_needs_service_account(obj: Obj) -> str | None:
    """The ServiceAccount that the ServiceAccount admission plugin must find for this pod.

    None for mirror pods (static pods reported by a kubelet), which the plugin leaves alone.
    """
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    if "kubernetes.io/config.mirror" in annotations:
        return None
    spec = obj.get("spec") or {}
    return str(spec.get("serviceAccountName") or spec.get("serviceAccount") or "default")


def missing_service_account_message(namespace: str, service_account: str) -> str:
    return (
        f"error looking up service account {namespace}/{service_account}: "
        f'serviceaccount "{service_account}" not found'
    )


def admission_forbidden(info: ResourceInfo, name: str, message: str) -> ApiError:
    """403 from an admission plugin: `pods "p1" is forbidden: <message>`."""
    details: Obj = {"name": name}
    if info.group:
        details["group"] = info.group
    details["kind"] = info.resource
    return ApiError(403, "Forbidden", f'{info.qualified} "{name}" is forbidden: {message}', details)


def _token_volume(name: str) -> Obj:
    return {
        "name": name,
        "projected": {
            "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {
                    "configMap": {
                        "name": "kube-root-ca.crt",
                        "items": [{"key": "ca.crt", "path": "ca.crt"}],
                    }
                },
                {
                    "downwardAPI": {
                        "items": [
                            {
                                "path": "namespace",
                                "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
                            }
                        ]
                    }
                },
            ],
            "defaultMode": 420,
        },
    }


def _admit_service_account(spec: Obj, rng: random.Random | None) -> None:
    spec.setdefault("serviceAccountName", "default")
    spec.setdefault("serviceAccount", spec["serviceAccountName"])
    if spec.get("automountServiceAccountToken") is False:
        return
    containers = [c for key in ("initContainers", "containers") for c in spec.get(key) or []]
    if any(
        m.get("mountPath") == SA_MOUNT_PATH for c in containers for m in c.get("volumeMounts") or []
    ):
        return
    volume = f"kube-api-access-{random_suffix(rng)}"
    spec.setdefault("volumes", []).append(_token_volume(volume))
    for c in containers:
        c.setdefault("volumeMounts", []).append(
            {"name": volume, "readOnly": True, "mountPath": SA_MOUNT_PATH}
        )


def _admit_tolerations(spec: Obj) -> None:
    tolerations = spec.get("tolerations") or []

    def tolerated(key: str) -> bool:
        return any(
            t.get("key", "") in (key, "") and t.get("effect", "") in ("NoExecute", "")
            for t in tolerations
        )

    added = [
        {"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}
        for key in (_NOT_READY, _UNREACHABLE)
        if not tolerated(key)
    ]
    if added:
        spec["tolerations"] = [*tolerations, *added]


def _qos_class(spec: Obj) -> str:
    containers = [c for key in ("initContainers", "containers") for c in spec.get(key) or []]
    requests: list[Mapping[str, Any]] = []
    limits: list[Mapping[str, Any]] = []
    for c in containers:
        res = c.get("resources") or {}
        requests.append(res.get("requests") or {})
        limits.append(res.get("limits") or {})
    if not any(r.keys() & {"cpu", "memory"} for r in requests + limits):
        return "BestEffort"
    for req, lim in zip(requests, limits, strict=True):
        for resource in ("cpu", "memory"):
            if resource not in lim or req.get(resource, lim[resource]) != lim[resource]:
                return "Burstable"
    return "Guaranteed"


def _default_pod(obj: Obj, ctx: _Context) -> None:
    spec = obj.setdefault("spec", {})
    for key in ("initContainers", "containers"):
        for c in spec.get(key) or []:
            res = c.get("resources") or {}
            if res.get("limits"):
                # Pods (not templates) get requests copied from limits where unset.
                requests = res.setdefault("requests", {})
                for name, qty in res["limits"].items():
                    requests.setdefault(name, qty)
                c["resources"] = res
    default_pod_spec(spec)
    spec.setdefault("enableServiceLinks", True)
    if pod_needs_service_account(obj) is not None:
        _admit_service_account(spec, ctx.rng)
    _admit_tolerations(spec)
    spec.setdefault("priority", _SYSTEM_PRIORITIES.get(spec.get("priorityClassName", ""), 0))
    spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
    status = obj.setdefault("status", {})
    status.setdefault("phase", "Pending")
    status.setdefault("qosClass", _qos_class(spec))


# --- workloads --------------------------------------------------------------------------------


def _default_deployment(obj: Obj, _ctx: _Context) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    _default_template(spec)
    strategy = spec.setdefault("strategy", {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = strategy.setdefault("rollingUpdate", {})
        rolling.setdefault("maxUnavailable", "25%")
        rolling.setdefault("maxSurge", "25%")
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("progressDeadlineSeconds", 600)


def _default_replicaset(obj: Obj, _ctx: _Context) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    _default_template(spec)


def _default_replication_controller(obj: Obj, _ctx: _Context) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    _default_template(spec)
    labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels")
    if labels:
        if not spec.get("selector"):
            spec["selector"] = dict(labels)
        meta = obj.setdefault("metadata", {})
        if not meta.get("labels"):
            meta["labels"] = dict(labels)


def _default_statefulset(obj: Obj, _ctx: _Context) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    _default_template(spec)
    for pvc in spec.get("volumeClaimTemplates") or []:
        _default_pvc(pvc, _ctx)
    spec.setdefault("podManagementPolicy", "OrderedReady")
    strategy = spec.setdefault("updateStrategy", {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        strategy.setdefault("rollingUpdate", {}).setdefault("partition", 0)
    spec.setdefault("revisionHistoryLimit", 10)
    retention = spec.setdefault("persistentVolumeClaimRetentionPolicy", {})
    retention.setdefault("whenDeleted", "Retain")
    retention.setdefault("whenScaled", "Retain")


def _default_daemonset(obj: Obj, _ctx: _Context) -> None:
    spec = obj.setdefault("spec", {})
    _default_template(spec)
    strategy = spec.setdefault("updateStrategy", {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = strategy.setdefault("rollingUpdate", {})
        rolling.setdefault("maxUnavailable", 1)
        rolling.setdefault("maxSurge", 0)
    spec.setdefault("revisionHistoryLimit", 10)


def _default_job_spec(spec: Obj) -> None:
    if "completions" not in spec and "parallelism" not in spec:
        spec["completions"] = 1
    spec.setdefault("parallelism", 1)
    if "backoffLimit" not in spec:
        spec["backoffLimit"] = 2**31 - 1 if "backoffLimitPerIndex" in spec else 6
    spec.setdefault("completionMode", "NonIndexed")
    spec.setdefault("suspend", False)
    policy = "Failed" if spec.get("podFailurePolicy") else "TerminatingOrFailed"
    spec.setdefault("podReplacementPolicy", policy)
    spec.setdefault("manualSelector", False)


def _default_job(obj: Obj, _ctx: _Context) -> None:
    spec = obj.setdefault("spec", {})
    _default_job_spec(spec)
    _default_template(spec)
    labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels")
    meta = obj.setdefault("metadata", {})
    if labels and not meta.get("labels"):
        meta["labels"] = dict(labels)


def generate_job_selector(job: Obj, uid: str) -> None:
    """What the Job registry adds once the uid is known (unless `spec.manualSelector`)."""
    spec = job.setdefault("spec", {})
    if spec.get("manualSelector"):
        return
    name = job["metadata"]["name"]
    spec["selector"] = {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
    template_meta = spec.setdefault("template", {}).setdefault("metadata", {})
    labels = template_meta.setdefault("labels", {})
    labels.update(
        {
            "batch.kubernetes.io/controller-uid": uid,
            "batch.kubernetes.io/job-name": name,
            "controller-uid": uid,
            "job-name": name,
        }
    )
    if not job["metadata"].get("labels"):
        job["metadata"]["labels"] = dict(labels)


def _default_cronjob(obj: Obj, _ctx: _Context) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("concurrencyPolicy", "Allow")
    spec.setdefault("suspend", False)
    spec.setdefault("successfulJobsHistoryLimit", 3)
    spec.setdefault("failedJobsHistoryLimit", 1)
    job_template = spec.get("jobTemplate")
    if isinstance(job_template, dict):
        _default_template(job_template.get("spec"))


def _default_pod_template(obj: Obj, _ctx: _Context) -> None:
    _default_template(obj)


# --- core kinds -------------------------------------------------------------------------------


def _default_service(obj: Obj, ctx: _Context) -> None:
    spec = obj.setdefault("spec", {})
    kind = spec.setdefault("type", "ClusterIP")
    for port in spec.get("ports") or []:
        port.setdefault("protocol", "TCP")
        if kind != "ExternalName":
            port.setdefault("targetPort", port.get("port"))
        if kind in ("NodePort", "LoadBalancer") and "nodePort" not in port and ctx.node_port:
            port["nodePort"] = ctx.node_port()
    spec.setdefault("sessionAffinity", "None")
    if kind == "ExternalName":
        return
    if "clusterIP" not in spec and ctx.cluster_ip:
        spec["clusterIP"] = ctx.cluster_ip()
    if spec.get("clusterIP"):
        spec.setdefault("clusterIPs", [spec["clusterIP"]])
    headless_without_selector = spec.get("clusterIP") == "None" and not spec.get("selector")
    spec.setdefault("ipFamilies", ["IPv4"])
    spec.setdefault(
        "ipFamilyPolicy", "RequireDualStack" if headless_without_selector else "SingleStack"
    )
    if kind in ("NodePort", "LoadBalancer"):
        spec.setdefault("externalTrafficPolicy", "Cluster")
    if kind == "LoadBalancer":
        spec.setdefault("allocateLoadBalancerNodePorts", True)
    spec.setdefault("internalTrafficPolicy", "Cluster")


def _default_namespace(obj: Obj, _ctx: _Context) -> None:
    meta = obj.setdefault("metadata", {})
    if meta.get("name"):
        meta.setdefault("labels", {})["kubernetes.io/metadata.name"] = meta["name"]
    obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
    obj.setdefault("status", {}).setdefault("phase", "Active")


def _default_secret(obj: Obj, _ctx: _Context) -> None:
    # stringData is write-only: merged into data (winning over it) and never stored.
    string_data = obj.pop("stringData", None) or {}
    if string_data:
        data = obj.setdefault("data", {})
        for key, value in string_data.items():
            data[key] = base64.b64encode(str(value).encode()).decode()
    obj.setdefault("type", "Opaque")


def _default_pvc(obj: Obj, _ctx: _Context) -> None:
    obj.setdefault("spec", {}).setdefault("volumeMode", "Filesystem")
    obj.setdefault("status", {}).setdefault("phase", "Pending")


def _default_node(obj: Obj, _ctx: _Context) -> None:
    status = obj.setdefault("status", {})
    if "capacity" in status and "allocatable" not in status:
        status["allocatable"] = dict(status["capacity"])


def _default_crd(obj: Obj, _ctx: _Context) -> None:
    spec = obj.setdefault("spec", {})
    names = spec.setdefault("names", {})
    if names.get("kind"):
        names.setdefault("singular", str(names["kind"]).lower())
        names.setdefault("listKind", f"{names['kind']}List")
    spec.setdefault("conversion", {}).setdefault("strategy", "None")
    status = obj.setdefault("status", {})
    stored = [v["name"] for v in spec.get("versions") or [] if v.get("storage")]
    status.setdefault("storedVersions", stored)


def crd_established(crd: Obj, now: str) -> Obj:
    """The CRD after the apiextensions controllers accepted its names (the `Established` state)."""
    out = copy.deepcopy(crd)
    status = out.setdefault("status", {})
    status["conditions"] = [
        {
            "type": "NamesAccepted",
            "status": "True",
            "lastTransitionTime": now,
            "reason": "NoConflicts",
            "message": "no conflicts found",
        },
        {
            "type": "Established",
            "status": "True",
            "lastTransitionTime": now,
            "reason": "InitialNamesAccepted",
            "message": "the initial names have been accepted",
        },
    ]
    status["acceptedNames"] = copy.deepcopy(out["spec"]["names"])
    return out


class _Context:
    __slots__ = ("cluster_ip", "node_port", "rng")

    def __init__(
        self,
        rng: random.Random | None,
        cluster_ip: Callable[[], str] | None,
        node_port: Callable[[], int] | None,
    ) -> None:
        self.rng = rng
        self.cluster_ip = cluster_ip
        self.node_port = node_port


_DEFAULTERS: dict[tuple[str, str], Callable[[Obj, _Context], None]] = {
    ("", "Pod"): _default_pod,
    ("", "PodTemplate"): _default_pod_template,
    ("", "ReplicationController"): _default_replication_controller,
    ("", "Service"): _default_service,
    ("", "Namespace"): _default_namespace,
    ("", "Secret"): _default_secret,
    ("", "PersistentVolumeClaim"): _default_pvc,
    ("", "Node"): _default_node,
    ("apps", "Deployment"): _default_deployment,
    ("apps", "ReplicaSet"): _default_replicaset,
    ("apps", "StatefulSet"): _default_statefulset,
    ("apps", "DaemonSet"): _default_daemonset,
    ("batch", "Job"): _default_job,
    ("batch", "CronJob"): _default_cronjob,
    ("apiextensions.k8s.io", "CustomResourceDefinition"): _default_crd,
}


def apply_defaults(
    info: ResourceInfo,
    obj: Obj,
    *,
    rng: random.Random | None = None,
    allocate_cluster_ip: Callable[[], str] | None = None,
    allocate_node_port: Callable[[], int] | None = None,
) -> Obj:
    """A defaulted copy of `obj`, as a create through `info` would store it, in upstream key order.

    Pods also get the defaulting admission plugins; check `pod_needs_service_account` first.
    Without `allocate_cluster_ip` a Service keeps whatever `clusterIP` it was sent.
    """
    out = clone(obj)
    defaulter = None if info.is_custom else _DEFAULTERS.get((info.group, info.kind))
    if defaulter is not None:
        defaulter(out, _Context(rng, allocate_cluster_ip, allocate_node_port))
    return canonical_order(info, out)
