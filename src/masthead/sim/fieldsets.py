"""Which fields each resource lets `fieldSelector=` use, and the values the server compares.

Two upstream layers decide this, and both are reproduced:

1. **Conversion** (`check_field_selector`): the handler passes every requirement through the
   kind's field-label conversion function and answers 400 with that function's error. The
   wording depends on where the kind registers it:

   - kinds without a function of their own (ConfigMap, Deployment, ReplicaSet, ...) fall back to
     `runtime.DefaultMetaV1FieldSelectorConversion`:
     `"x" is not a known field selector: only "metadata.name", "metadata.namespace"`
     (the 04 fixture; ReplicaSet's `status.replicas` is refused this way since apps/v1 registers
     no conversion, kubernetes/kubernetes#135136);
   - core/v1 Pod, Node, ReplicationController, Event, Namespace, Secret and Service
     (`pkg/apis/core/v1/conversion.go`), events.k8s.io/v1 Event, CertificateSigningRequest and
     custom resources (apiextensions `crConverter`): `field label not supported: x`;
   - batch/v1 Job: `field label "x" not supported for batchv1.Job`;
   - resource.k8s.io/v1 ResourceSlice:
     `field label not supported for resource.k8s.io/v1, Kind=ResourceSlice: x`.

   Node and Namespace do not accept `metadata.namespace`, nor do cluster-scoped custom
   resources: their conversion functions list only `metadata.name`. Conversion also renames:
   Pod's legacy `spec.host` becomes `spec.nodeName`; events.k8s.io's `regarding.*` and
   `reportingController` become core/v1's `involvedObject.*` and `reportingComponent`.

2. **Field sets** (`field_values`, `field_matcher`): the registry's `ToSelectableFields` turns an
   object into strings. Booleans are "true"/"false", integers are decimal, absent values are "",
   and a field the set lacks also reads as "". Pod's `status.podIPs` passes conversion but
   upstream never fills it, so it is always "".

Events: core/v1 and events.k8s.io/v1 Events are one stored object, kept in core/v1 form
(`involvedObject`, `source`, `reportingComponent`, ...). `field_values` and `field_matcher`
receive that stored form for both groups.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from masthead.selectors import FieldRequirement, FieldSelector, SelectorError, go_quote

Getter = Callable[[Mapping[str, Any]], str]
_EMPTY: Mapping[str, Any] = MappingProxyType({})


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def _at(*keys: str, default: str = "") -> Getter:
    """A getter for a nested field; specialised by depth because it runs per object."""
    if len(keys) == 1:
        (k0,) = keys

        def get1(obj: Mapping[str, Any]) -> str:
            v = obj.get(k0)
            return default if v is None else _text(v)

        return get1
    if len(keys) == 2:
        k0, k1 = keys

        def get2(obj: Mapping[str, Any]) -> str:
            v = (obj.get(k0) or _EMPTY).get(k1)
            return default if v is None else _text(v)

        return get2

    def get_n(obj: Mapping[str, Any]) -> str:
        node: Any = obj
        for k in keys:
            if not isinstance(node, Mapping):
                return default
            node = node.get(k)
            if node is None:
                return default
        return _text(node)

    return get_n


def _constant(_: Mapping[str, Any]) -> str:
    return ""


def _pod_ip(obj: Mapping[str, Any]) -> str:
    # v1→internal conversion makes status.podIP authoritative, then the first of podIPs.
    status = obj.get("status") or _EMPTY
    ip = status.get("podIP")
    if ip:
        return str(ip)
    ips = status.get("podIPs") or ()
    return str(ips[0].get("ip") or "") if ips else ""


def _event_source(obj: Mapping[str, Any]) -> str:
    # EventToSelectableFields falls back to the reporting controller when source is empty.
    source = (obj.get("source") or _EMPTY).get("component")
    return source or obj.get("reportingComponent") or ""


def _not_supported(label: str) -> str:
    return f"field label not supported: {label}"


def _default_refusal(label: str) -> str:
    only = '"metadata.name", "metadata.namespace"'
    return f"{go_quote(label)} is not a known field selector: only {only}"


def _job_refusal(label: str) -> str:
    return f"field label {go_quote(label)} not supported for batchv1.Job"


def _resource_slice_refusal(label: str) -> str:
    return f"field label not supported for resource.k8s.io/v1, Kind=ResourceSlice: {label}"


_NAME = "metadata.name"
_NAMESPACE = "metadata.namespace"
_META_GETTERS: dict[str, Getter] = {
    _NAME: _at("metadata", "name"),
    _NAMESPACE: _at("metadata", "namespace"),
}
_INVOLVED = ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath")
_EVENT_GETTERS: dict[str, Getter] = {
    **{f"involvedObject.{f}": _at("involvedObject", f) for f in _INVOLVED},
    "reason": _at("reason"),
    "reportingComponent": _at("reportingComponent"),
    "source": _event_source,
    "type": _at("type"),
}


@dataclass(frozen=True, slots=True)
class _Kind:
    # Request label -> label after conversion, in the order selectable_fields lists them.
    accepted: Mapping[str, str]
    refuse: Callable[[str], str]
    # The field set, keyed by stored names.
    getters: Mapping[str, Getter]
    # Accepted and converted but not advertised.
    legacy: Mapping[str, str]


def _make(
    accepted: Mapping[str, str],
    refuse: Callable[[str], str],
    specific: Mapping[str, Getter],
    legacy: Mapping[str, str] = _EMPTY,
) -> _Kind:
    return _Kind(accepted, refuse, {**_META_GETTERS, **specific}, legacy)


def _identity(*labels: str) -> dict[str, str]:
    return {label: label for label in labels}


_DEFAULT = _make(_identity(_NAME, _NAMESPACE), _default_refusal, {})

_KINDS: dict[tuple[str, str], _Kind] = {
    ("", "pods"): _make(
        _identity(
            _NAME,
            _NAMESPACE,
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.podIPs",
            "status.nominatedNodeName",
        ),
        _not_supported,
        {
            "spec.nodeName": _at("spec", "nodeName"),
            "spec.restartPolicy": _at("spec", "restartPolicy"),
            "spec.schedulerName": _at("spec", "schedulerName"),
            "spec.serviceAccountName": _at("spec", "serviceAccountName"),
            "spec.hostNetwork": _at("spec", "hostNetwork", default="false"),
            "status.phase": _at("status", "phase"),
            "status.podIP": _pod_ip,
            "status.podIPs": _constant,
            "status.nominatedNodeName": _at("status", "nominatedNodeName"),
        },
        legacy={"spec.host": "spec.nodeName"},
    ),
    ("", "nodes"): _make(
        _identity(_NAME, "spec.unschedulable"),
        _not_supported,
        {"spec.unschedulable": _at("spec", "unschedulable", default="false")},
    ),
    ("", "replicationcontrollers"): _make(
        _identity(_NAME, _NAMESPACE, "status.replicas"),
        _not_supported,
        {"status.replicas": _at("status", "replicas", default="0")},
    ),
    ("", "events"): _make(
        _identity(_NAME, _NAMESPACE, *_EVENT_GETTERS),
        _not_supported,
        _EVENT_GETTERS,
    ),
    ("events.k8s.io", "events"): _make(
        {
            _NAME: _NAME,
            _NAMESPACE: _NAMESPACE,
            **{f"regarding.{f}": f"involvedObject.{f}" for f in _INVOLVED},
            "reason": "reason",
            "reportingController": "reportingComponent",
            "source": "source",
            "type": "type",
        },
        _not_supported,
        # The request-facing names too, so an unconverted selector still matches.
        {
            **_EVENT_GETTERS,
            **{f"regarding.{f}": _at("involvedObject", f) for f in _INVOLVED},
            "reportingController": _at("reportingComponent"),
        },
    ),
    ("", "namespaces"): _make(
        _identity(_NAME, "status.phase"),
        _not_supported,
        {"status.phase": _at("status", "phase")},
    ),
    ("", "secrets"): _make(
        _identity(_NAME, _NAMESPACE, "type"),
        _not_supported,
        {"type": _at("type")},
    ),
    ("", "services"): _make(
        _identity(_NAME, _NAMESPACE, "spec.clusterIP", "spec.type"),
        _not_supported,
        {"spec.clusterIP": _at("spec", "clusterIP"), "spec.type": _at("spec", "type")},
    ),
    ("batch", "jobs"): _make(
        _identity(_NAME, _NAMESPACE, "status.successful"),
        _job_refusal,
        {"status.successful": _at("status", "succeeded", default="0")},
    ),
    ("certificates.k8s.io", "certificatesigningrequests"): _make(
        _identity(_NAME, "spec.signerName"),
        _not_supported,
        {"spec.signerName": _at("spec", "signerName")},
    ),
    ("resource.k8s.io", "resourceslices"): _make(
        _identity(_NAME, "spec.nodeName", "spec.driver"),
        _resource_slice_refusal,
        {"spec.nodeName": _at("spec", "nodeName"), "spec.driver": _at("spec", "driver")},
    ),
}


@dataclass(frozen=True, slots=True)
class CustomFields:
    """What one served version of a CRD says about field selection."""

    namespaced: bool
    # `selectableFields[].jsonPath` without the leading dot, e.g. "spec.color".
    paths: tuple[str, ...] = ()

    @classmethod
    def from_crd(cls, crd: Mapping[str, Any], version: str) -> CustomFields:
        spec = crd.get("spec") or _EMPTY
        paths: list[str] = []
        for v in spec.get("versions") or ():
            if v.get("name") == version:
                paths = [f["jsonPath"].lstrip(".") for f in v.get("selectableFields") or ()]
        return cls(spec.get("scope") == "Namespaced", tuple(paths))


def _custom_kind(custom: CustomFields) -> _Kind:
    names = [_NAME, _NAMESPACE] if custom.namespaced else [_NAME]
    return _make(
        _identity(*names, *custom.paths),
        _not_supported,
        {p: _at(*p.split(".")) for p in custom.paths},
    )


def _kind(group: str, resource: str, custom: CustomFields | None) -> _Kind:
    if custom is not None:
        return _custom_kind(custom)
    return _KINDS.get((group, resource), _DEFAULT)


def selectable_fields(
    group: str, resource: str, *, custom: CustomFields | None = None
) -> tuple[str, ...]:
    """The field labels a request may use, as the client writes them.

    Pass `custom` for a custom resource. Pod's legacy alias `spec.host` is accepted by
    `check_field_selector` but not listed.
    """
    return tuple(_kind(group, resource, custom).accepted)


def check_field_selector(
    group: str, resource: str, sel: FieldSelector, *, custom: CustomFields | None = None
) -> FieldSelector:
    """Upstream's conversion step: refuse unknown labels, rename aliases (see module docs)."""
    kind = _kind(group, resource, custom)
    converted: list[FieldRequirement] = []
    for req in sel.requirements:
        field = kind.accepted.get(req.field, kind.legacy.get(req.field))
        if field is None:
            raise SelectorError(kind.refuse(req.field))
        converted.append(FieldRequirement(field, req.op, req.value))
    return FieldSelector(converted)


def field_values(
    group: str, resource: str, obj: Mapping[str, Any], *, custom: CustomFields | None = None
) -> dict[str, str]:
    """The object's field set: every field a (converted) selector can compare, as strings."""
    return {name: get(obj) for name, get in _kind(group, resource, custom).getters.items()}


def field_matcher(
    group: str, resource: str, sel: FieldSelector, *, custom: CustomFields | None = None
) -> Callable[[Mapping[str, Any]], bool]:
    """A predicate on whole objects for a converted selector, for the LIST/WATCH hot path.

    It reads only the fields the selector names, so no field set is built per object.
    """
    getters = _kind(group, resource, custom).getters
    tests = [_field_test(getters.get(r.field, _constant), r) for r in sel.requirements]
    if not tests:
        return _match_all
    if len(tests) == 1:
        return tests[0]

    def every(obj: Mapping[str, Any]) -> bool:
        # A plain loop: all(...) would allocate a generator per object.
        for test in tests:  # noqa: SIM110
            if not test(obj):
                return False
        return True

    return every


def _match_all(_: Mapping[str, Any]) -> bool:
    return True


def _field_test(get: Getter, req: FieldRequirement) -> Callable[[Mapping[str, Any]], bool]:
    value = req.value
    if req.op == "=":
        return lambda obj: get(obj) == value
    return lambda obj: get(obj) != value
