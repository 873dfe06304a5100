"""OpenAPI v3 component schemas for built-in kinds, derived from the `kubernetes` client models.

The generated Python models carry the upstream field descriptions, JSON names and required
fields, but not the Go package a type lives in, so definition names (`io.k8s.api.core.v1.Pod`)
are reconstructed: group-prefixed class names (`CoreV1Event`) say it outright, apimachinery
types come from a table, anything reachable from a core/v1 kind is core (core/v1 imports no
other API group), and every other type belongs to the package of the type that refers to it.
Models are imported lazily, one closure at a time, and every derivation is cached.
"""

from __future__ import annotations

import functools
import re
import typing
from collections.abc import Iterable, Iterator
from types import UnionType
from typing import Any

from masthead.sim.resources import BUILTIN_RESOURCES, GROUP_ORDER

Schema = dict[str, Any]

REF_PREFIX = "#/components/schemas/"
META = "io.k8s.apimachinery.pkg.apis.meta"
QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
TIME = f"{META}.v1.Time"
MICRO_TIME = f"{META}.v1.MicroTime"
FIELDS_V1 = f"{META}.v1.FieldsV1"
PATCH = f"{META}.v1.Patch"
RAW_EXTENSION = "io.k8s.apimachinery.pkg.runtime.RawExtension"

# Go package (without version) per API group, keyed by the group's first DNS label, which is
# also the prefix the Python generator puts on colliding class names (`RbacV1Subject`).
_PACKAGES: dict[str, str] = {g.split(".")[0]: f"io.k8s.api.{g.split('.')[0]}" for g in GROUP_ORDER}
_PACKAGES |= {
    "core": "io.k8s.api.core",
    "meta": META,
    "apiextensions": "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions",
    "apiregistration": "io.k8s.kube-aggregator.pkg.apis.apiregistration",
}
_GROUPS: dict[str, str] = {g.split(".")[0]: g for g in GROUP_ORDER} | {"core": "", "meta": ""}
_GROUP_OF_PACKAGE: dict[str, str] = {pkg: _GROUPS[short] for short, pkg in _PACKAGES.items()}

_META_CLASSES = frozenset(
    (
        "V1APIGroup",
        "V1APIGroupList",
        "V1APIResource",
        "V1APIResourceList",
        "V1APIVersions",
        "V1Condition",
        "V1DeleteOptions",
        "V1FieldSelectorRequirement",
        "V1GroupVersionForDiscovery",
        "V1LabelSelector",
        "V1LabelSelectorRequirement",
        "V1ListMeta",
        "V1ManagedFieldsEntry",
        "V1ObjectMeta",
        "V1OwnerReference",
        "V1Preconditions",
        "V1ServerAddressByClientCIDR",
        "V1ShardInfo",
        "V1Status",
        "V1StatusCause",
        "V1StatusDetails",
        "V1WatchEvent",
    )
)

# batch/v1 Jobs embed scheduling.k8s.io/v1alpha3 workload types: the one cross-group reference.
_SCHEDULING_ALPHA = ("V1alpha3Workload", "V1alpha3TopologyConstraint")

_CLASS_NAME = re.compile(
    r"^(?P<prefix>[A-Z][a-z]+)?(?P<version>V\d+(?:alpha\d+|beta\d+)?)(?P<name>[A-Z]\w*)$"
)
_TYPE_TOKEN = re.compile(r"[A-Za-z_]\w*")

_PRIMITIVES: dict[str, Schema] = {
    "str": {"type": "string"},
    "int": {"type": "integer"},
    "bool": {"type": "boolean"},
    "float": {"type": "number", "format": "double"},
    "bytes": {"type": "string", "format": "byte"},
}

# The generator flattens these apimachinery types to `str`/`Dict[str, str]`/`datetime`/`object`;
# upstream refers to the named definitions, which `kubectl explain` shows as the field type.
_QUANTITY_FIELDS: dict[str, tuple[str, ...]] = {
    "V1ResourceRequirements": ("limits", "requests"),
    "V1VolumeResourceRequirements": ("limits", "requests"),
    "V1ContainerStatus": ("allocatedResources",),
    "V1PodStatus": ("allocatedResources",),
    "V1PodSpec": ("overhead",),
    "V1Overhead": ("podFixed",),
    "V1LimitRangeItem": ("default", "defaultRequest", "max", "maxLimitRequestRatio", "min"),
    "V1NodeStatus": ("allocatable", "capacity"),
    "V1PersistentVolumeClaimStatus": ("allocatedResources", "capacity"),
    "V1PersistentVolumeSpec": ("capacity",),
    "V1ResourceQuotaSpec": ("hard",),
    "V1ResourceQuotaStatus": ("hard", "used"),
    "V1EmptyDirVolumeSource": ("sizeLimit",),
    "V1ResourceFieldSelector": ("divisor",),
    "V1CSIStorageCapacity": ("capacity", "maximumVolumeSize"),
    "V1CapacityRequirements": ("requests",),
    "V1DeviceCapacity": ("value",),
    "V1DeviceRequestAllocationResult": ("consumedCapacity",),
}
_MICRO_TIME_FIELDS: dict[str, tuple[str, ...]] = {
    "CoreV1Event": ("eventTime",),
    "CoreV1EventSeries": ("lastObservedTime",),
    "EventsV1Event": ("eventTime",),
    "EventsV1EventSeries": ("lastObservedTime",),
    "V1LeaseSpec": ("acquireTime", "renewTime"),
}
_OBJECT_REFS: dict[tuple[str, str], str] = {
    ("V1ManagedFieldsEntry", "fieldsV1"): FIELDS_V1,
    ("V1ControllerRevision", "data"): RAW_EXTENSION,
    ("V1WatchEvent", "object"): RAW_EXTENSION,
}

# Client-side `kubectl apply` computes its strategic merge patch from these; the generated
# models drop them. Lists not listed here are replaced as a whole, which is still correct.
_PATCH_META: dict[str, dict[str, tuple[str, str | None]]] = {
    "V1ObjectMeta": {"finalizers": ("merge", None), "ownerReferences": ("merge", "uid")},
    "V1PodSpec": {
        "containers": ("merge", "name"),
        "initContainers": ("merge", "name"),
        "ephemeralContainers": ("merge", "name"),
        "imagePullSecrets": ("merge", "name"),
        "volumes": ("merge,retainKeys", "name"),
        "hostAliases": ("merge", "ip"),
        "resourceClaims": ("merge,retainKeys", "name"),
        "schedulingGates": ("merge", "name"),
    },
    "V1Container": {
        "env": ("merge", "name"),
        "ports": ("merge", "containerPort"),
        "volumeMounts": ("merge", "mountPath"),
        "volumeDevices": ("merge", "devicePath"),
    },
    "V1EphemeralContainer": {
        "env": ("merge", "name"),
        "ports": ("merge", "containerPort"),
        "volumeMounts": ("merge", "mountPath"),
        "volumeDevices": ("merge", "devicePath"),
    },
    "V1ServiceSpec": {"ports": ("merge", "port")},
    "V1DeploymentSpec": {"strategy": ("retainKeys", None)},
    "V1PersistentVolumeSpec": {"persistentVolumeSource": ("retainKeys", None)},
}

_SPECIAL: dict[str, Schema] = {
    QUANTITY: {
        "description": "Quantity is a fixed-point representation of a number. It provides "
        "convenient marshaling/unmarshaling in JSON and YAML, in addition to String() and "
        "AsInt64() accessors.",
        "oneOf": [{"type": "string"}, {"type": "number"}],
    },
    INT_OR_STRING: {
        "description": "IntOrString is a type that can hold an int32 or a string.  When used "
        "in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type. "
        " This allows you to have, for example, a JSON field that can accept a name or number.",
        "oneOf": [{"type": "integer"}, {"type": "string"}],
    },
    TIME: {
        "description": "Time is a wrapper around time.Time which supports correct marshaling "
        "to YAML and JSON.  Wrappers are provided for many of the factory methods that the "
        "time package offers.",
        "type": "string",
        "format": "date-time",
    },
    MICRO_TIME: {
        "description": "MicroTime is version of Time with microsecond level precision.",
        "type": "string",
        "format": "date-time",
    },
    FIELDS_V1: {
        "description": "FieldsV1 stores a set of fields in a data structure like a Trie, in "
        "JSON format.",
        "type": "object",
    },
    RAW_EXTENSION: {
        "description": "RawExtension is used to hold extensions in external versions.",
        "type": "object",
    },
    PATCH: {
        "description": "Patch is provided to give a concrete name and type to the Kubernetes "
        "PATCH request body.",
        "type": "object",
    },
}

METADATA_DESCRIPTION = (
    "Standard object's metadata. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"
)
LIST_METADATA_DESCRIPTION = (
    "Standard list metadata. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds"
)


def ref(definition: str) -> Schema:
    return {"$ref": REF_PREFIX + definition}


def group_package(group: str) -> str:
    """The Go package (without version) of an API group's types."""
    return _PACKAGES["core" if group == "" else group.split(".")[0]]


@functools.cache
def _models() -> Any:
    from kubernetes.client import models

    return models


def _model(class_name: str) -> Any:
    return getattr(_models(), class_name)


def kind_class(group: str, version: str, kind: str) -> str | None:
    """The client model class of a built-in kind, or None (e.g. `PodExecOptions`)."""
    short = "core" if group == "" else group.split(".")[0]
    for name in (short.capitalize() + version.capitalize() + kind, version.capitalize() + kind):
        if hasattr(_models(), name):
            return name
    return None


def _referenced_classes(type_string: str) -> Iterator[str]:
    for token in _TYPE_TOKEN.findall(type_string):
        if _CLASS_NAME.match(token):
            yield token


@functools.cache
def _core_classes() -> frozenset[str]:
    roots = [kind_class("", r.version, r.kind) for r in BUILTIN_RESOURCES if r.group == ""]
    seen: set[str] = set()
    stack = [c for c in roots if c is not None]
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        for type_string in _model(name).openapi_types.values():
            stack.extend(_referenced_classes(type_string))
    return frozenset(seen - _META_CLASSES)


# First assignment wins; built-in API groups never share types except through core and meta,
# so the owner package is the same whichever kind reaches a type first.
_definition_names: dict[str, str] = {}


def definition_name(class_name: str, owner_package: str) -> str:
    """Upstream definition name of a model class reached from a type in `owner_package`."""
    known = _definition_names.get(class_name)
    if known is not None:
        return known
    match = _CLASS_NAME.match(class_name)
    if match is None:
        raise ValueError(f"not a model class name: {class_name}")
    prefix, version, name = match["prefix"], match["version"].lower(), match["name"]
    if prefix is not None:
        package = _PACKAGES[prefix.lower()]
    elif class_name.startswith(_SCHEDULING_ALPHA):
        package = _PACKAGES["scheduling"]
    elif class_name in _META_CLASSES:
        package = META
    elif class_name in _core_classes():
        package = _PACKAGES["core"]
    else:
        package = owner_package
    result = f"{package}.{version}.{name}"
    _definition_names[class_name] = result
    return result


def _package_of(definition: str) -> str:
    return definition.rsplit(".", 2)[0]


def _unwrapped_types(annotation: Any) -> set[Any]:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrapped_types(typing.get_args(annotation)[0])
    if origin is typing.Union or origin is UnionType:
        return {t for arg in typing.get_args(annotation) for t in _unwrapped_types(arg)}
    return {annotation}


class _Derivation:
    """One class's schema and the definitions it refers to."""

    def __init__(self, class_name: str) -> None:
        self.class_name = class_name
        self.model = _model(class_name)
        self.definition = _definition_names[class_name]
        self.package = _package_of(self.definition)
        self.children: list[str] = []
        self.specials: set[str] = set()
        self.schema = self._schema()

    def _schema(self) -> Schema:
        properties: dict[str, Schema] = {}
        required: list[str] = []
        fields = {f.serialization_alias or n: f for n, f in self.model.model_fields.items()}
        for attr, json_name in self.model.attribute_map.items():
            field = fields[json_name]
            type_string = self.model.openapi_types[attr]
            prop = self._property(json_name, type_string, field.annotation)
            description = field.description or self._fallback(json_name, type_string)
            described = _with_description(prop, description)
            properties[json_name] = described | self._patch_meta(json_name)
            if field.is_required():
                required.append(json_name)
        schema: Schema = {"description": _class_description(self.model), "type": "object"}
        if required:
            schema["required"] = required
        schema["properties"] = dict(sorted(properties.items()))
        gvk = self._gvk(properties)
        if gvk is not None:
            schema["x-kubernetes-group-version-kind"] = [gvk]
        return schema

    def _fallback(self, json_name: str, type_string: str) -> str | None:
        """The generator drops descriptions of fields typed by another model (`Pod.spec`)."""
        if json_name == "metadata":
            is_list = "items" in self.model.attribute_map.values()
            return LIST_METADATA_DESCRIPTION if is_list else METADATA_DESCRIPTION
        if _CLASS_NAME.match(type_string):
            return _class_description(_model(type_string))
        return None

    def _property(self, json_name: str, type_string: str, annotation: Any) -> Schema:
        special = self._special_for(json_name, type_string, annotation)
        if special is not None:
            self.specials.add(special)
            if type_string.startswith("Dict["):
                return {"type": "object", "additionalProperties": ref(special)}
            return ref(special)
        return self._type_schema(type_string)

    def _special_for(self, json_name: str, type_string: str, annotation: Any) -> str | None:
        if json_name in _QUANTITY_FIELDS.get(self.class_name, ()):
            return QUANTITY
        if type_string == "datetime":
            return MICRO_TIME if json_name in _MICRO_TIME_FIELDS.get(self.class_name, ()) else TIME
        if type_string == "object":
            if {int, str} <= _unwrapped_types(annotation):
                return INT_OR_STRING
            return _OBJECT_REFS.get((self.class_name, json_name))
        return None

    def _type_schema(self, type_string: str) -> Schema:
        if type_string.startswith("List["):
            return {"type": "array", "items": self._type_schema(type_string[5:-1])}
        if type_string.startswith("Dict[str, "):
            return {"type": "object", "additionalProperties": self._type_schema(type_string[10:-1])}
        if type_string in _PRIMITIVES:
            return dict(_PRIMITIVES[type_string])
        if type_string == "datetime":
            self.specials.add(TIME)
            return ref(TIME)
        if type_string == "object":
            return {"type": "object"}
        self.children.append(type_string)
        return ref(definition_name(type_string, self.package))

    def _patch_meta(self, json_name: str) -> Schema:
        meta = _PATCH_META.get(self.class_name, {}).get(json_name)
        if meta is None and json_name == "conditions":
            meta = ("merge", "type")
        if meta is None:
            return {}
        strategy, key = meta
        extra: Schema = {"x-kubernetes-patch-strategy": strategy}
        if key is not None:
            extra["x-kubernetes-patch-merge-key"] = key
        return extra

    def _gvk(self, properties: dict[str, Schema]) -> dict[str, str] | None:
        if "apiVersion" not in properties or "kind" not in properties:
            return None
        group = _GROUP_OF_PACKAGE.get(self.package)
        if group is None:
            return None
        version, kind = self.definition.rsplit(".", 2)[1:]
        return {"group": group, "version": version, "kind": kind}


def _with_description(prop: Schema, description: str | None) -> Schema:
    """Upstream v3 wraps a described `$ref` in `allOf`, since siblings of `$ref` are ignored."""
    if not description:
        return prop
    if "$ref" in prop:
        return {"description": description, "allOf": [prop]}
    return {"description": description, **prop}


def _class_description(model: Any) -> str:
    doc = (model.__doc__ or "").split("Attributes:")[0]
    return "\n\n".join(" ".join(p.split()) for p in doc.strip().split("\n\n") if p.strip())


@functools.cache
def _derive(class_name: str) -> _Derivation:
    return _Derivation(class_name)


def component_schemas(roots: Iterable[tuple[str, str]]) -> dict[str, Schema]:
    """Schemas of `roots` (class name, Go package of that class) and all they refer to.

    The result maps definition names to schemas; shared schema dicts are cached, so callers
    must not mutate them.
    """
    out: dict[str, Schema] = {}
    stack: list[str] = []
    for class_name, package in roots:
        definition_name(class_name, package)
        stack.append(class_name)
    while stack:
        derivation = _derive(stack.pop())
        if derivation.definition in out:
            continue
        out[derivation.definition] = derivation.schema
        for special in derivation.specials:
            out[special] = _SPECIAL[special]
        stack.extend(derivation.children)
    return dict(sorted(out.items()))


def special_schema(definition: str) -> Schema:
    return _SPECIAL[definition]


def type_meta_properties() -> dict[str, Schema]:
    """`apiVersion` and `kind` with their upstream descriptions (for custom resources)."""
    properties = component_schemas([("V1Status", META)])[f"{META}.v1.Status"]["properties"]
    return {"apiVersion": properties["apiVersion"], "kind": properties["kind"]}
