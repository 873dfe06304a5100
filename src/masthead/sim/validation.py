"""Request body decoding (400s, unknown fields) and object validation (422s), worded like
kube-apiserver 1.36.

Upstream iterates Go maps in random order; here map keys are checked in sorted order so the
causes of one request are deterministic.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
from collections.abc import Callable, Iterable
from typing import Any

import yaml

from masthead.sim import errors
from masthead.sim.defaults import go_json_value
from masthead.sim.resources import BUILTIN_RESOURCES, ResourceInfo

Obj = dict[str, Any]
Cause = dict[str, str]

# --- name and label rules (k8s.io/apimachinery/pkg/util/validation) ---------------------------

DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_SUBDOMAIN_FMT = DNS1123_LABEL_FMT + r"(\." + DNS1123_LABEL_FMT + ")*"
DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
LABEL_VALUE_FMT = "(" + QUALIFIED_NAME_FMT + ")?"
CONFIG_MAP_KEY_FMT = "[-._a-zA-Z0-9]+"


def _full(fmt: str) -> re.Pattern[str]:
    # \Z, not $: Go's $ does not accept a trailing newline.
    return re.compile(f"^(?:{fmt})\\Z")


_DNS1123_LABEL = _full(DNS1123_LABEL_FMT)
_DNS1123_SUBDOMAIN = _full(DNS1123_SUBDOMAIN_FMT)
_DNS1035_LABEL = _full(DNS1035_LABEL_FMT)
_QUALIFIED_NAME = _full(QUALIFIED_NAME_FMT)
_LABEL_VALUE = _full(LABEL_VALUE_FMT)
_CONFIG_MAP_KEY = _full(CONFIG_MAP_KEY_FMT)


def regex_error(msg: str, fmt: str, *examples: str) -> str:
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    shown = " or ".join(f"'{e}', " for e in examples)
    return f"{msg} (e.g. {shown}regex used for validation is '{fmt}')"


def _max_len(n: int) -> str:
    return f"must be no more than {n} characters"


def is_dns1123_label(value: str) -> list[str]:
    errs = [_max_len(63)] if len(value) > 63 else []
    if not _DNS1123_LABEL.match(value):
        errs.append(
            regex_error(
                "a lowercase RFC 1123 label must consist of lower case alphanumeric characters "
                "or '-', and must start and end with an alphanumeric character",
                DNS1123_LABEL_FMT,
                "my-name",
                "123-abc",
            )
        )
    return errs


def is_dns1123_subdomain(value: str) -> list[str]:
    errs = [_max_len(253)] if len(value) > 253 else []
    if not _DNS1123_SUBDOMAIN.match(value):
        errs.append(
            regex_error(
                "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                "characters, '-' or '.', and must start and end with an alphanumeric character",
                DNS1123_SUBDOMAIN_FMT,
                "example.com",
            )
        )
    return errs


def is_dns1035_label(value: str) -> list[str]:
    errs = [_max_len(63)] if len(value) > 63 else []
    if not _DNS1035_LABEL.match(value):
        errs.append(
            regex_error(
                "a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
                "start with an alphabetic character, and end with an alphanumeric character",
                DNS1035_LABEL_FMT,
                "my-name",
                "abc-123",
            )
        )
    return errs


_QUALIFIED_MSG = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character"
)


def is_qualified_name(value: str) -> list[str]:
    """Label keys and annotation keys: an optional DNS subdomain prefix, '/', and a name."""
    parts = value.split("/")
    errs: list[str] = []
    if len(parts) > 2:
        return [
            "a qualified name "
            + regex_error(_QUALIFIED_MSG, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    name = parts[-1]
    if len(parts) == 2:
        prefix = parts[0]
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            errs.extend("prefix part " + m for m in is_dns1123_subdomain(prefix))
    if not name:
        errs.append("name part must be non-empty")
    elif len(name) > 63:
        errs.append("name part " + _max_len(63))
    if not _QUALIFIED_NAME.match(name):
        errs.append(
            "name part "
            + regex_error(_QUALIFIED_MSG, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
        )
    return errs


def is_valid_label_value(value: str) -> list[str]:
    errs = [_max_len(63)] if len(value) > 63 else []
    if not _LABEL_VALUE.match(value):
        errs.append(
            regex_error(
                "a valid label must be an empty string or consist of alphanumeric characters, "
                "'-', '_' or '.', and must start and end with an alphanumeric character",
                LABEL_VALUE_FMT,
                "MyValue",
                "my_value",
                "12345",
            )
        )
    return errs


def is_config_map_key(value: str) -> list[str]:
    errs = [_max_len(253)] if len(value) > 253 else []
    if not _CONFIG_MAP_KEY.match(value):
        errs.append(
            regex_error(
                "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
                CONFIG_MAP_KEY_FMT,
                "key.name",
                "KEY_NAME",
                "key-name",
            )
        )
    if value in (".", ".."):
        errs.append(f"must not be '{value}'")
    elif value.startswith(".."):
        errs.append("must not start with '..'")
    return errs


def is_path_segment_name(value: str, prefix: bool = False) -> list[str]:
    """RBAC object names: anything usable as one URL path segment."""
    if not prefix and value in (".", ".."):
        return [f"may not be '{value}'"]
    return [f"may not contain '{c}'" for c in ("/", "%") if c in value]


# --- field errors (k8s.io/apimachinery/pkg/util/validation/field) ---------------------------


def go_quote(s: str) -> str:
    """Go's %q: printable characters stay, the rest are escaped."""
    out = ['"']
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ch.isprintable() or ch == " ":
            out.append(ch)
        elif ord(ch) < 0x100:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 else f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)


_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_ESCAPES["\v"] = "\\v"


def go_value(value: Any, go_type: str | None = None) -> str:
    """How field.Invalid prints a bad value: Go %v for scalars, %q for strings, JSON otherwise."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return go_quote(value)
    if go_type is not None:
        value = go_json_value(go_type, value)
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def required(field: str, detail: str = "") -> Cause:
    msg = f"Required value: {detail}" if detail else "Required value"
    return errors.cause("FieldValueRequired", msg, field)


def invalid(field: str, value: Any, detail: str, go_type: str | None = None) -> Cause:
    return errors.cause(
        "FieldValueInvalid", f"Invalid value: {go_value(value, go_type)}: {detail}", field
    )


def not_supported(field: str, value: Any, supported: Iterable[str]) -> Cause:
    allowed = ", ".join(go_quote(s) for s in supported)
    msg = f"Unsupported value: {go_value(value)}: supported values: {allowed}"
    return errors.cause("FieldValueNotSupported", msg, field)


def forbidden(field: str, detail: str) -> Cause:
    return errors.cause("FieldValueForbidden", f"Forbidden: {detail}", field)


def duplicate(field: str, value: Any) -> Cause:
    return errors.cause("FieldValueDuplicate", f"Duplicate value: {go_value(value)}", field)


def too_long(field: str, limit: int) -> Cause:
    return errors.cause("FieldValueTooLong", f"Too long: may not be more than {limit} bytes", field)


def _nonnegative(value: Any, field: str) -> list[Cause]:
    if isinstance(value, int) and value < 0:
        return [invalid(field, value, "must be greater than or equal to 0")]
    return []


def _immutable(new: Any, old: Any, field: str, go_type: str | None = None) -> list[Cause]:
    return [] if new == old else [invalid(field, new, "field is immutable", go_type)]


# --- metadata -------------------------------------------------------------------------------

NameFn = Callable[[str, bool], list[str]]


def _mask_trailing_dash(name: str) -> str:
    # generateName prefixes may end in '-': the suffix that follows makes the name valid.
    return name[:-1] + "a" if len(name) > 1 and name.endswith("-") else name


def _dns_fn(check: Callable[[str], list[str]]) -> NameFn:
    return lambda name, prefix: check(_mask_trailing_dash(name) if prefix else name)


_NAME_RULES: dict[tuple[str, str], NameFn] = {
    ("", "Namespace"): _dns_fn(is_dns1123_label),
    ("", "Service"): _dns_fn(is_dns1035_label),
    **{
        ("rbac.authorization.k8s.io", k): is_path_segment_name
        for k in ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding")
    },
}
_SUBDOMAIN = _dns_fn(is_dns1123_subdomain)


def _name_fn(info: ResourceInfo, obj: Obj) -> NameFn:
    if info.group == "apiextensions.k8s.io" and info.kind == "CustomResourceDefinition":
        spec = obj.get("spec") or {}
        wanted = f"{(spec.get('names') or {}).get('plural', '')}.{spec.get('group', '')}"

        def crd_name(name: str, prefix: bool) -> list[str]:
            msgs = _SUBDOMAIN(name, prefix)
            return msgs if name == wanted else [*msgs, 'must be spec.names.plural+"."+spec.group']

        return crd_name
    return _NAME_RULES.get((info.group, info.kind), _SUBDOMAIN)


def validate_labels(labels: Any, field: str) -> list[Cause]:
    causes: list[Cause] = []
    for key in sorted(labels or {}):
        causes += [invalid(field, key, m) for m in is_qualified_name(key)]
        value = labels[key]
        if isinstance(value, str):
            causes += [invalid(field, value, m) for m in is_valid_label_value(value)]
    return causes


TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024


def validate_annotations(annotations: Any, field: str) -> list[Cause]:
    causes: list[Cause] = []
    size = 0
    for key in sorted(annotations or {}):
        # Annotation keys are qualified names in which case does not matter.
        causes += [invalid(field, key, m) for m in is_qualified_name(key.lower())]
        size += len(key.encode()) + len(str(annotations[key]).encode())
    if size > TOTAL_ANNOTATION_SIZE_LIMIT:
        causes.append(too_long(field, TOTAL_ANNOTATION_SIZE_LIMIT))
    return causes


def _meta_create(info: ResourceInfo, obj: Obj, path: str = "metadata") -> list[Cause]:
    meta = obj.get("metadata") or {}
    name_fn = _name_fn(info, obj)
    causes: list[Cause] = []
    generate = meta.get("generateName") or ""
    if generate:
        causes += [invalid(f"{path}.generateName", generate, m) for m in name_fn(generate, True)]
    name = meta.get("name") or ""
    if name:
        causes += [invalid(f"{path}.name", name, m) for m in name_fn(name, False)]
    elif not generate:
        causes.append(required(f"{path}.name", "name or generateName is required"))
    if info.namespaced and meta.get("namespace"):
        ns = meta["namespace"]
        causes += [invalid(f"{path}.namespace", ns, m) for m in is_dns1123_label(ns)]
    causes += _nonnegative(meta.get("generation"), f"{path}.generation")
    causes += validate_labels(meta.get("labels"), f"{path}.labels")
    causes += validate_annotations(meta.get("annotations"), f"{path}.annotations")
    return causes


def _meta_update(new: Obj, old: Obj) -> list[Cause]:
    meta, old_meta = new.get("metadata") or {}, old.get("metadata") or {}
    causes: list[Cause] = []
    # Only what the body states: the store stamps omitted system fields from the old object.
    for key in ("name", "namespace", "uid"):
        if key in old_meta and key in meta:
            causes += _immutable(meta[key], old_meta[key], f"metadata.{key}")
    # Unchanged labels and annotations passed when they were stored: most writes (statuses,
    # heartbeats) keep them, and checking every key's syntax again was a tenth of an update.
    if meta.get("labels") != old_meta.get("labels"):
        causes += validate_labels(meta.get("labels"), "metadata.labels")
    if meta.get("annotations") != old_meta.get("annotations"):
        causes += validate_annotations(meta.get("annotations"), "metadata.annotations")
    return causes


# --- pods -----------------------------------------------------------------------------------

_RESTART_POLICIES = ("Always", "OnFailure", "Never")
_DNS_POLICIES = ("ClusterFirst", "ClusterFirstWithHostNet", "Default", "None")
_PROTOCOLS = ("SCTP", "TCP", "UDP")
_PORT_RANGE = "must be between 1 and 65535, inclusive"


def _container(c: Obj, path: str, names: set[str], in_pod: bool) -> list[Cause]:
    causes: list[Cause] = []
    name = c.get("name") or ""
    if not name:
        causes.append(required(f"{path}.name"))
    else:
        causes += [invalid(f"{path}.name", name, m) for m in is_dns1123_label(name)]
        if name in names:
            causes.append(duplicate(f"{path}.name", name))
        names.add(name)
    # Templates may leave the image empty (something fills it in later); pods may not.
    if in_pod and not c.get("image"):
        causes.append(required(f"{path}.image"))
    for i, port in enumerate(c.get("ports") or []):
        pp = f"{path}.ports[{i}]"
        number = port.get("containerPort") or 0
        if number == 0:
            causes.append(required(f"{pp}.containerPort"))
        elif not 1 <= number <= 65535:
            causes.append(invalid(f"{pp}.containerPort", number, _PORT_RANGE))
        protocol = port.get("protocol", "TCP")
        if protocol not in _PROTOCOLS:
            causes.append(not_supported(f"{pp}.protocol", protocol, _PROTOCOLS))
    policy = c.get("imagePullPolicy")
    if policy is not None and policy not in ("Always", "IfNotPresent", "Never"):
        causes.append(
            not_supported(f"{path}.imagePullPolicy", policy, ("Always", "IfNotPresent", "Never"))
        )
    return causes


def validate_pod_spec(spec: Obj, path: str, *, in_pod: bool) -> list[Cause]:
    causes: list[Cause] = []
    volumes: set[str] = set()
    for i, vol in enumerate(spec.get("volumes") or []):
        name = vol.get("name") or ""
        if not name:
            causes.append(required(f"{path}.volumes[{i}].name"))
            continue
        causes += [invalid(f"{path}.volumes[{i}].name", name, m) for m in is_dns1123_label(name)]
        if name in volumes:
            causes.append(duplicate(f"{path}.volumes[{i}].name", name))
        volumes.add(name)
    containers = spec.get("containers") or []
    if not containers:
        causes.append(required(f"{path}.containers"))
    names: set[str] = set()
    for i, c in enumerate(containers):
        causes += _container(c, f"{path}.containers[{i}]", names, in_pod)
    for i, c in enumerate(spec.get("initContainers") or []):
        causes += _container(c, f"{path}.initContainers[{i}]", names, in_pod)
    restart = spec.get("restartPolicy", "Always")
    if not restart:
        causes.append(required(f"{path}.restartPolicy"))
    elif restart not in _RESTART_POLICIES:
        causes.append(not_supported(f"{path}.restartPolicy", restart, _RESTART_POLICIES))
    dns = spec.get("dnsPolicy", "ClusterFirst")
    if dns not in _DNS_POLICIES:
        causes.append(not_supported(f"{path}.dnsPolicy", dns, _DNS_POLICIES))
    causes += validate_labels(spec.get("nodeSelector"), f"{path}.nodeSelector")
    sa = spec.get("serviceAccountName")
    if sa:
        causes += [invalid(f"{path}.serviceAccountName", sa, m) for m in is_dns1123_subdomain(sa)]
    return causes


def _template(
    spec: Obj, path: str, restart: tuple[str, ...], *, match_selector: bool = True
) -> list[Cause]:
    """A workload's pod template: the labels must match the selector, the restart policy fit."""
    template = spec.get("template")
    if not isinstance(template, dict):
        return [required(f"{path}.template")]
    meta = template.get("metadata") or {}
    labels = meta.get("labels") or {}
    causes: list[Cause] = []
    if match_selector and not _selector_matches(spec.get("selector"), labels):
        causes.append(
            invalid(
                f"{path}.template.metadata.labels",
                labels,
                "`selector` does not match template `labels`",
            )
        )
    # Upstream's quirk: template labels are reported under `template.labels`.
    causes += validate_labels(labels, f"{path}.template.labels")
    causes += validate_annotations(meta.get("annotations"), f"{path}.template.annotations")
    pod_spec = template.get("spec") or {}
    causes += validate_pod_spec(pod_spec, f"{path}.template.spec", in_pod=False)
    policy = pod_spec.get("restartPolicy", "Always")
    if policy in _RESTART_POLICIES and policy not in restart:
        causes.append(not_supported(f"{path}.template.spec.restartPolicy", policy, restart))
    return causes


def _selector_matches(selector: Any, labels: Obj) -> bool:
    # A missing selector matches nothing; an empty one matches everything.
    if not isinstance(selector, dict):
        return False
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for req in selector.get("matchExpressions") or []:
        key, op, values = req.get("key"), req.get("operator"), req.get("values") or []
        ok = {
            "In": key in labels and labels[key] in values,
            "NotIn": key not in labels or labels[key] not in values,
            "Exists": key in labels,
            "DoesNotExist": key not in labels,
        }.get(op, False)
        if not ok:
            return False
    return True


def _selector(spec: Obj, path: str, what: str) -> list[Cause]:
    selector = spec.get("selector")
    if selector is None:
        return [required(f"{path}.selector")]
    causes = validate_labels(selector.get("matchLabels"), f"{path}.selector.matchLabels")
    if not selector.get("matchLabels") and not selector.get("matchExpressions"):
        causes.append(
            invalid(
                f"{path}.selector",
                selector,
                f"empty selector is invalid for {what}",
                "LabelSelector",
            )
        )
    return causes


# --- per-kind rules -------------------------------------------------------------------------


def _pod(obj: Obj) -> list[Cause]:
    return validate_pod_spec(obj.get("spec") or {}, "spec", in_pod=True)


def _replicated(what: str, always: bool = True) -> Callable[[Obj], list[Cause]]:
    def check(obj: Obj) -> list[Cause]:
        spec = obj.get("spec") or {}
        causes = _nonnegative(spec.get("replicas"), "spec.replicas")
        causes += _selector(spec, "spec", what)
        causes += _template(spec, "spec", ("Always",) if always else _RESTART_POLICIES)
        causes += _nonnegative(spec.get("minReadySeconds"), "spec.minReadySeconds")
        causes += _nonnegative(spec.get("revisionHistoryLimit"), "spec.revisionHistoryLimit")
        return causes

    return check


def _deployment(obj: Obj) -> list[Cause]:
    spec = obj.get("spec") or {}
    causes = _replicated("deployment")(obj)
    strategy = spec.get("strategy") or {}
    kind = strategy.get("type")
    if kind not in (None, "Recreate", "RollingUpdate"):
        causes.append(not_supported("spec.strategy.type", kind, ("Recreate", "RollingUpdate")))
    if kind == "Recreate" and strategy.get("rollingUpdate") is not None:
        causes.append(
            forbidden(
                "spec.strategy.rollingUpdate",
                "may not be specified when strategy `type` is 'Recreate'",
            )
        )
    deadline = spec.get("progressDeadlineSeconds")
    if isinstance(deadline, int):
        causes += _nonnegative(deadline, "spec.progressDeadlineSeconds")
        if deadline <= (spec.get("minReadySeconds") or 0):
            causes.append(
                invalid(
                    "spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds"
                )
            )
    return causes


def _job_spec(spec: Obj, path: str, *, in_cronjob: bool = False) -> list[Cause]:
    causes: list[Cause] = []
    for key in ("parallelism", "completions", "backoffLimit", "activeDeadlineSeconds"):
        causes += _nonnegative(spec.get(key), f"{path}.{key}")
    if spec.get("manualSelector"):
        causes += _selector(spec, path, "job")
    if in_cronjob and spec.get("selector") is not None:
        causes.append(
            invalid(
                f"{path}.selector",
                spec["selector"],
                "`selector` will be auto-generated",
                "LabelSelector",
            )
        )
    # Generated selectors (set from the uid, after this runs) match their template by design.
    match = not in_cronjob and "selector" in spec
    return causes + _template(spec, path, ("OnFailure", "Never"), match_selector=match)


def _job(obj: Obj) -> list[Cause]:
    return _job_spec(obj.get("spec") or {}, "spec")


_CONCURRENCY = ("Allow", "Forbid", "Replace")


def _cronjob(obj: Obj) -> list[Cause]:
    spec = obj.get("spec") or {}
    causes: list[Cause] = []
    if not spec.get("schedule"):
        causes.append(required("spec.schedule"))
    policy = spec.get("concurrencyPolicy", "Allow")
    if policy not in _CONCURRENCY:
        causes.append(not_supported("spec.concurrencyPolicy", policy, _CONCURRENCY))
    job_spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    return causes + _job_spec(job_spec, "spec.jobTemplate.spec", in_cronjob=True)


_SERVICE_TYPES = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")


def _service(obj: Obj) -> list[Cause]:
    spec = obj.get("spec") or {}
    kind = spec.get("type", "ClusterIP")
    headless = spec.get("clusterIP") == "None"
    ports = spec.get("ports") or []
    causes: list[Cause] = []
    if not ports and not headless and kind != "ExternalName":
        causes.append(required("spec.ports"))
    if kind == "ExternalName":
        external = spec.get("externalName") or ""
        if not external:
            causes.append(required("spec.externalName"))
        else:
            causes += [
                invalid("spec.externalName", external, m) for m in is_dns1123_subdomain(external)
            ]
    names: set[str] = set()
    for i, port in enumerate(ports):
        pp = f"spec.ports[{i}]"
        name = port.get("name") or ""
        if not name and len(ports) > 1:
            causes.append(required(f"{pp}.name"))
        elif name:
            causes += [invalid(f"{pp}.name", name, m) for m in is_dns1123_label(name)]
            if name in names:
                causes.append(duplicate(f"{pp}.name", name))
            names.add(name)
        number = port.get("port") or 0
        if not 1 <= number <= 65535:
            causes.append(invalid(f"{pp}.port", number, _PORT_RANGE))
        protocol = port.get("protocol", "TCP")
        if protocol not in _PROTOCOLS:
            causes.append(not_supported(f"{pp}.protocol", protocol, _PROTOCOLS))
    causes += validate_labels(spec.get("selector"), "spec.selector")
    affinity = spec.get("sessionAffinity", "None")
    if affinity not in ("ClientIP", "None"):
        causes.append(not_supported("spec.sessionAffinity", affinity, ("ClientIP", "None")))
    if kind not in _SERVICE_TYPES:
        causes.append(not_supported("spec.type", kind, _SERVICE_TYPES))
    return causes


MAX_SECRET_SIZE = 1024 * 1024


def _keys(bag: Any, field: str) -> list[Cause]:
    return [
        invalid(f"{field}[{key}]", key, m)
        for key in sorted(bag or {})
        for m in is_config_map_key(key)
    ]


def _configmap(obj: Obj) -> list[Cause]:
    data, binary = obj.get("data") or {}, obj.get("binaryData") or {}
    causes: list[Cause] = []
    for bag, other, name, other_name in (
        (data, binary, "data", "binaryData"),
        (binary, data, "binaryData", "data"),
    ):
        for key in sorted(bag):
            causes += _keys({key: None}, name)
            if key in other:
                causes.append(
                    invalid(f"{name}[{key}]", key, f"duplicate of key present in {other_name}")
                )
    size = sum(len(str(v)) for v in data.values()) + sum(
        len(str(v)) * 3 // 4 for v in binary.values()
    )
    if size > MAX_SECRET_SIZE:
        causes.append(too_long("", MAX_SECRET_SIZE))
    return causes


_SECRET_REQUIRED = {
    "kubernetes.io/tls": ("tls.crt", "tls.key"),
    "kubernetes.io/ssh-auth": ("ssh-privatekey",),
    "kubernetes.io/dockerconfigjson": (".dockerconfigjson",),
    "kubernetes.io/dockercfg": (".dockercfg",),
}


def _secret(obj: Obj) -> list[Cause]:
    data = obj.get("data") or {}
    causes = _keys(data, "data")
    if sum(len(str(v)) * 3 // 4 for v in data.values()) > MAX_SECRET_SIZE:
        causes.append(too_long("data", MAX_SECRET_SIZE))
    kind = obj.get("type", "Opaque")
    causes += [required(f"data[{k}]") for k in _SECRET_REQUIRED.get(kind, ()) if k not in data]
    if kind == "kubernetes.io/basic-auth" and "username" not in data and "password" not in data:
        causes += [required("data[username]"), required("data[password]")]
    if kind == "kubernetes.io/service-account-token":
        annotations = (obj.get("metadata") or {}).get("annotations") or {}
        if not annotations.get("kubernetes.io/service-account.name"):
            causes.append(required("metadata.annotations[kubernetes.io/service-account.name]"))
    return causes


def _pvc(obj: Obj) -> list[Cause]:
    spec = obj.get("spec") or {}
    causes: list[Cause] = []
    if not spec.get("accessModes"):
        causes.append(required("spec.accessModes", "at least 1 access mode is required"))
    if "storage" not in ((spec.get("resources") or {}).get("requests") or {}):
        causes.append(required("spec.resources[storage]"))
    return causes


def _crd(obj: Obj) -> list[Cause]:
    spec = obj.get("spec") or {}
    causes: list[Cause] = []
    group = spec.get("group") or ""
    if not group:
        causes.append(required("spec.group"))
    elif msgs := is_dns1123_subdomain(group):
        causes.append(invalid("spec.group", group, ",".join(msgs)))
    elif "." not in group:
        causes.append(invalid("spec.group", group, "should be a domain with at least one dot"))
    scope = spec.get("scope") or ""
    if not scope:
        causes.append(required("spec.scope"))
    elif scope not in ("Cluster", "Namespaced"):
        causes.append(not_supported("spec.scope", scope, ("Cluster", "Namespaced")))
    versions = spec.get("versions") or []
    seen: set[str] = set()
    for i, version in enumerate(versions):
        name = version.get("name") or ""
        if msgs := is_dns1035_label(name):
            causes.append(invalid(f"spec.versions[{i}].name", name, ",".join(msgs)))
        if name in seen:
            causes.append(invalid("spec.versions", versions, "must contain unique version names"))
        seen.add(name)
    if sum(1 for v in versions if v.get("storage")) != 1:
        causes.append(
            invalid(
                "spec.versions",
                versions,
                "must have exactly one version marked as storage version",
                "CRDVersion",
            )
        )
    names = spec.get("names") or {}
    for key in ("plural", "singular", "kind", "listKind"):
        value = names.get(key) or ""
        if not value:
            if key != "singular":
                causes.append(required(f"spec.names.{key}"))
            continue
        mixed = key in ("kind", "listKind")
        if msgs := is_dns1035_label(value.lower() if mixed else value):
            detail = ",".join(msgs)
            if mixed:
                detail = "may have mixed case, but should otherwise match: " + detail
            causes.append(invalid(f"spec.names.{key}", value, detail))
    return causes


def _events_v1(obj: Obj) -> list[Cause]:
    causes: list[Cause] = []
    for key in ("eventTime", "reportingController", "reportingInstance", "action", "reason"):
        if not obj.get(key):
            causes.append(required(key))
    controller = obj.get("reportingController") or ""
    if controller:
        causes += [
            invalid("reportingController", controller, m) for m in is_qualified_name(controller)
        ]
    if len(obj.get("reportingInstance") or "") > 128:
        causes.append(invalid("reportingInstance", "", "can have at most 128 characters"))
    if len(obj.get("note") or "") > 1024:
        causes.append(invalid("note", "", "can have at most 1024 characters"))
    if obj.get("type") not in ("Normal", "Warning"):
        causes.append(invalid("type", "", f"has invalid value: {obj.get('type') or ''}"))
    return causes


_RULES: dict[tuple[str, str], Callable[[Obj], list[Cause]]] = {
    ("", "Pod"): _pod,
    ("", "ReplicationController"): _replicated("replicationcontroller"),
    ("", "Service"): _service,
    ("", "ConfigMap"): _configmap,
    ("", "Secret"): _secret,
    ("", "PersistentVolumeClaim"): _pvc,
    ("apps", "Deployment"): _deployment,
    ("apps", "ReplicaSet"): _replicated("replicaset"),
    ("apps", "StatefulSet"): _replicated("statefulset"),
    ("apps", "DaemonSet"): _replicated("daemonset"),
    ("batch", "Job"): _job,
    ("batch", "CronJob"): _cronjob,
    ("apiextensions.k8s.io", "CustomResourceDefinition"): _crd,
    ("events.k8s.io", "Event"): _events_v1,
}

# --- updates --------------------------------------------------------------------------------

_POD_UPDATE = (
    "pod updates may not change fields other than `spec.containers[*].image`,"
    "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` "
    "(only additions to existing tolerations),`spec.terminationGracePeriodSeconds` "
    "(allow it to be set to 1 if it was previously negative)"
)
_STS_UPDATE = (
    "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', "
    "'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"
)
_PVC_UPDATE = (
    "spec is immutable after creation except resources.requests and volumeAttributesClassName "
    "for bound claims"
)
_IMMUTABLE_SET = "field is immutable when `immutable` is set"


def _pod_update(new: Obj, old: Obj) -> list[Cause]:
    spec, old_spec = new.get("spec") or {}, old.get("spec") or {}
    # Compare with the mutable fields taken from the old spec: whatever still differs is not.
    masked = json.loads(json.dumps(spec))
    for key in ("containers", "initContainers"):
        for c, oc in zip(masked.get(key) or [], old_spec.get(key) or [], strict=False):
            c["image"] = oc.get("image")
    for key in ("activeDeadlineSeconds", "terminationGracePeriodSeconds"):
        masked.pop(key, None)
        if key in old_spec:
            masked[key] = old_spec[key]
    old_tolerations = old_spec.get("tolerations") or []
    if all(t in (masked.get("tolerations") or []) for t in old_tolerations):
        masked["tolerations"] = old_tolerations
    if not masked.get("tolerations") and not old_tolerations:
        masked.pop("tolerations", None)
    comparable_old = {k: v for k, v in old_spec.items() if k != "tolerations" or v}
    return [] if masked == comparable_old else [forbidden("spec", _POD_UPDATE)]


def _selector_update(new: Obj, old: Obj) -> list[Cause]:
    return _immutable(
        (new.get("spec") or {}).get("selector"),
        (old.get("spec") or {}).get("selector"),
        "spec.selector",
        "LabelSelector",
    )


def _sts_update(new: Obj, old: Obj) -> list[Cause]:
    mutable = {
        "replicas", "ordinals", "template", "updateStrategy",
        "persistentVolumeClaimRetentionPolicy", "minReadySeconds",
    }  # fmt: skip

    def fixed(obj: Obj) -> Obj:
        return {k: v for k, v in (obj.get("spec") or {}).items() if k not in mutable}

    return [] if fixed(new) == fixed(old) else [forbidden("spec", _STS_UPDATE)]


def _service_update(new: Obj, old: Obj) -> list[Cause]:
    spec, old_spec = new.get("spec") or {}, old.get("spec") or {}
    if "ExternalName" in (spec.get("type"), old_spec.get("type")):
        return []
    ips, old_ips = spec.get("clusterIPs") or [], old_spec.get("clusterIPs") or []
    if ips and old_ips and ips[0] != old_ips[0]:
        return [invalid("spec.clusterIPs[0]", ips, "may not change once set")]
    return []


def _pvc_update(new: Obj, old: Obj) -> list[Cause]:
    def fixed(obj: Obj) -> Obj:
        spec: Obj = json.loads(json.dumps(obj.get("spec") or {}))
        spec.pop("volumeAttributesClassName", None)
        (spec.get("resources") or {}).pop("requests", None)
        return spec

    return [] if fixed(new) == fixed(old) else [forbidden("spec", _PVC_UPDATE)]


def _immutable_data(*bags: str) -> Callable[[Obj, Obj], list[Cause]]:
    def check(new: Obj, old: Obj) -> list[Cause]:
        causes: list[Cause] = []
        if old.get("kind") == "Secret":
            causes += _immutable(new.get("type", "Opaque"), old.get("type", "Opaque"), "type")
        if not old.get("immutable"):
            return causes
        if not new.get("immutable"):
            causes.append(forbidden("immutable", _IMMUTABLE_SET))
        causes += [forbidden(b, _IMMUTABLE_SET) for b in bags if new.get(b) != old.get(b)]
        return causes

    return check


def _job_update(new: Obj, old: Obj) -> list[Cause]:
    spec, old_spec = new.get("spec") or {}, old.get("spec") or {}
    causes = _selector_update(new, old)
    causes += _immutable(
        spec.get("completionMode"), old_spec.get("completionMode"), "spec.completionMode"
    )
    return causes


_UPDATE_RULES: dict[tuple[str, str], Callable[[Obj, Obj], list[Cause]]] = {
    ("", "Pod"): _pod_update,
    ("", "Service"): _service_update,
    ("", "PersistentVolumeClaim"): _pvc_update,
    ("", "ConfigMap"): _immutable_data("data", "binaryData"),
    ("", "Secret"): _immutable_data("data"),
    ("apps", "Deployment"): _selector_update,
    ("apps", "ReplicaSet"): _selector_update,
    ("apps", "DaemonSet"): _selector_update,
    ("apps", "StatefulSet"): _sts_update,
    ("batch", "Job"): _job_update,
}


def _raise(info: ResourceInfo, obj: Obj, causes: list[Cause]) -> None:
    # field.ErrorList.ToAggregate drops identical errors.
    unique = list({json.dumps(c, sort_keys=True): c for c in causes}.values())
    if unique:
        name = (obj.get("metadata") or {}).get("name")
        raise errors.invalid(info.kind, info.group, name, unique)


def validate_create(info: ResourceInfo, obj: Obj) -> None:
    """Raise the 422 a create of `obj` (already defaulted) would get, if any."""
    rule = _RULES.get((info.group, info.kind))
    _raise(info, obj, _meta_create(info, obj) + (rule(obj) if rule else []))


def validate_update(info: ResourceInfo, new: Obj, old: Obj) -> None:
    """Raise the 422 an update from `old` to `new` (defaulted, metadata stamped) would get."""
    causes = _meta_update(new, old)
    rule = _RULES.get((info.group, info.kind))
    if rule is not None and (info.group, info.kind) != ("", "Pod"):
        causes += rule(new)
    update_rule = _UPDATE_RULES.get((info.group, info.kind))
    if update_rule is not None:
        causes += update_rule(new, old)
    _raise(info, new, causes)


def check_namespace(obj: Obj, url_namespace: str | None) -> None:
    """400 when the body names another namespace than the URL (the caller then stamps it)."""
    ns = (obj.get("metadata") or {}).get("namespace")
    if url_namespace and ns and ns != url_namespace:
        raise errors.bad_request(
            "the namespace of the provided object does not match the namespace sent on the request"
        )


# --- decoding -------------------------------------------------------------------------------

FIELD_VALIDATION = ("Ignore", "Strict", "Warn")
_ACCEPTED_BODIES = ("application/json", "application/yaml", "application/vnd.kubernetes.protobuf")
_SCHEME = "pkg/api/legacyscheme/scheme.go:30"
_FIND_KIND = (
    'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; '
    'Kind string "json:\\"kind,omitempty\\"" }'
)


def field_validation_mode(value: str | None, options_kind: str = "CreateOptions") -> str:
    """The `fieldValidation` query parameter, normalised; absent or empty means Warn."""
    if not value:
        return "Warn"
    if value not in FIELD_VALIDATION:
        cause = not_supported("fieldValidation", value, ("", *FIELD_VALIDATION))
        raise errors.invalid(options_kind, "meta.k8s.io", None, [cause])
    return value


def _summary(raw: bytes, limit: int = 30) -> str:
    """How upstream quotes an undecodable body: JSON-looking text verbatim, anything else hex."""
    if not raw:
        return "<empty>"
    head, more = raw[:limit], " ..." if len(raw) > limit else ""
    if raw[:1] == b"{":
        return head.decode("utf-8", "replace") + more
    return head.hex() + more


class _Pairs(dict[str, Any]):
    """A JSON object that remembers which keys it saw twice."""

    duplicates: list[str]


def _pairs_hook(pairs: list[tuple[str, Any]]) -> _Pairs:
    out = _Pairs()
    out.duplicates = []
    for key, value in pairs:
        if key in out:
            out.duplicates.append(key)
        out[key] = value
    return out


def _go_json_error(exc: json.JSONDecodeError, text: str) -> str:
    """Go encoding/json's wording for the common syntax errors Python reports."""
    if exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated"):
        return "unexpected end of JSON input"
    char = text[exc.pos]
    shown = "'\\''" if char == "'" else f"'{char}'"
    context = {
        "Expecting ':' delimiter": "after object key",
        "Expecting ',' delimiter": "after object key:value pair",
        "Expecting property name enclosed in double quotes": (
            "looking for beginning of object key string"
        ),
        "Extra data": "after top-level value",
    }.get(exc.msg, "looking for beginning of value")
    return f"invalid character {shown} {context}"


class _YamlLoader(yaml.SafeLoader):
    """YAML as sigs.k8s.io/yaml reads it: timestamps stay strings."""


_YamlLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _stringify_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _stringify_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stringify_keys(v) for v in value]
    return value


def _parse(info: ResourceInfo, raw: bytes, content_type: str) -> Any:
    media = content_type.split(";", 1)[0].strip().lower()
    unrecognized = f"the object provided is unrecognized (must be of type {info.kind})"
    if media == "application/yaml":
        try:
            return _stringify_keys(yaml.load(raw.decode("utf-8"), Loader=_YamlLoader))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            line = getattr(getattr(exc, "problem_mark", None), "line", 0) + 1
            problem = getattr(exc, "problem", None) or str(exc)
            raise errors.bad_request(
                f"{unrecognized}: error converting YAML to JSON: yaml: line {line}: {problem} "
                f"({_summary(raw)})"
            ) from exc
    if media not in ("application/json", ""):
        raise errors.unsupported_media_type(list(_ACCEPTED_BODIES))
    text = raw.decode("utf-8", "replace")
    try:
        return json.loads(text, object_pairs_hook=_pairs_hook)
    except json.JSONDecodeError as exc:
        raise errors.bad_request(
            f"{unrecognized}: couldn't get version/kind; json parse error: "
            f"{_go_json_error(exc, text)} ({_summary(raw)})"
        ) from exc


_JSON_TYPES = {dict: "object", list: "array", str: "string", bool: "bool", int: "number"}


def _registered(group: str, version: str, kind: str) -> bool:
    return any((r.group, r.version, r.kind) == (group, version, kind) for r in BUILTIN_RESOURCES)


def _internal_package(group: str) -> str:
    return "core" if group in ("", "events.k8s.io") else group.split(".", 1)[0]


def _check_kind(info: ResourceInfo, body: Obj) -> tuple[str, str]:
    """The body's (version, kind), defaulted from the URL; 400 when it is another type."""
    api_version = body.get("apiVersion") or info.api_version
    kind = body.get("kind") or info.kind
    group, _, version = api_version.rpartition("/")
    if (group, version, kind) == (info.group, info.version, info.kind):
        return version, kind
    head = f"{kind} in version {go_quote(version)} cannot be handled as a {info.kind}"
    if _registered(group, version, kind):
        detail = (
            f"converting ({version}.{kind}) to ({_internal_package(info.group)}.{info.kind}): "
            "unknown conversion"
        )
    else:
        detail = (
            f"no kind {go_quote(kind)} is registered for version {go_quote(api_version)} "
            f"in scheme {go_quote(_SCHEME)}"
        )
    raise errors.bad_request(f"{head}: {detail}")


# Model type names of the `kubernetes` package that carry no fields to check.
_OPAQUE = {"str", "int", "float", "bool", "object", "datetime", "date", "bytes"}


def warm_models() -> int:
    """Load, off the loop and ahead of the first write, every model a built-in kind's fields
    reach (~500 of the package's 845; the count is returned). The package imports each model
    lazily at its first use (kubernetes >= 37), so importing the package alone left the first
    patch of each kind to import its models on the loop: 1-3 s stalls at random points of a
    living world, longer than a fast-tuned watch's watchdog (issue 8)."""
    seen: set[str] = set()
    todo = ["V1ObjectMeta"] + [n for n in map(_model_for, BUILTIN_RESOURCES) if n]
    while todo:
        typ = _element(todo.pop())
        if typ in seen or typ in _OPAQUE:
            continue
        seen.add(typ)
        todo.extend((_model(typ) or {}).values())
    return len(seen)


def _element(typ: str) -> str:
    """The model named by a field type: `List[V1Container]` and `Dict[str, V1Volume]` name
    their elements' model."""
    while typ.startswith(("List[", "Dict[")):
        typ = typ[5:-1].split(", ", 1)[-1]
    return typ


@functools.cache
def _model(name: str) -> dict[str, str] | None:
    """JSON field name -> model type name, from the official client's generated models."""
    from kubernetes.client import models

    cls = getattr(models, name, None)
    if cls is None:
        return None
    return {cls.attribute_map[attr]: typ for attr, typ in cls.openapi_types.items()}


def _model_for(info: ResourceInfo) -> str | None:
    version = info.version[:1].upper() + info.version[1:]
    prefix = "Core" if not info.group else info.group.split(".", 1)[0].capitalize()
    for name in (f"{prefix}{version}{info.kind}", f"{version}{info.kind}"):
        if _model(name) is not None:
            return name
    return None


class _Walk:
    """Drops unknown fields and records them (and duplicate keys) as upstream reports them."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def _duplicates(self, value: Any, path: str) -> None:
        for key in getattr(value, "duplicates", ()):
            self.problems.append(f'duplicate field "{_join(path, key)}"')

    def model(self, typ: str, value: Any, path: str) -> Any:
        if typ.startswith("List[") and isinstance(value, list):
            inner = typ[5:-1]
            return [self.model(inner, v, f"{path}[{i}]") for i, v in enumerate(value)]
        if typ.startswith("Dict[") and isinstance(value, dict):
            self._duplicates(value, path)
            inner = typ[5:-1].split(", ", 1)[1]
            return {k: self.model(inner, v, _join(path, k)) for k, v in value.items()}
        fields = None if typ in _OPAQUE else _model(typ)
        if fields is None or not isinstance(value, dict):
            return _plain(value)
        self._duplicates(value, path)
        out: Obj = {}
        for key, v in value.items():
            if key in fields:
                out[key] = self.model(fields[key], v, _join(path, key))
            else:
                self.problems.append(f'unknown field "{_join(path, key)}"')
        return out

    def model_along(self, typ: str, value: Any, patch: Any, path: str) -> Any:
        """`model` limited to the paths a merge patch wrote: every other value came from the
        stored object, which holds known fields only, and is kept as it is."""
        if not isinstance(patch, dict) or not isinstance(value, dict):
            return self.model(typ, value, path)
        if typ.startswith("Dict["):
            self._duplicates(value, path)
            inner = typ[5:-1].split(", ", 1)[1]
            return {
                k: self.model_along(inner, v, patch[k], _join(path, k)) if k in patch else v
                for k, v in value.items()
            }
        fields = None if typ in _OPAQUE else _model(typ)
        if fields is None:
            return _plain(value)
        self._duplicates(value, path)
        out: Obj = {}
        for key, v in value.items():
            if key not in patch:
                out[key] = v
            elif key in fields:
                out[key] = self.model_along(fields[key], v, patch[key], _join(path, key))
            else:
                self.problems.append(f'unknown field "{_join(path, key)}"')
        return out

    def schema(self, schema: Obj, value: Any, path: str, top: bool = False) -> Any:
        if schema.get("x-kubernetes-preserve-unknown-fields") or not schema:
            return _plain(value)
        if isinstance(value, list) and isinstance(schema.get("items"), dict):
            return [self.schema(schema["items"], v, f"{path}[{i}]") for i, v in enumerate(value)]
        if not isinstance(value, dict):
            return value
        self._duplicates(value, path)
        props = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        embedded = top or schema.get("x-kubernetes-embedded-resource")
        out: Obj = {}
        for key, v in value.items():
            sub = _join(path, key)
            if embedded and key in ("apiVersion", "kind"):
                out[key] = v
            elif embedded and key == "metadata":
                out[key] = self.model("V1ObjectMeta", v, sub)
            elif key in props:
                out[key] = self.schema(props[key], v, sub)
            elif isinstance(extra, dict):
                out[key] = self.schema(extra, v, sub)
            elif extra is True:
                out[key] = _plain(v)
            else:
                self.problems.append(f'unknown field "{sub}"')
        return out


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _crd_schema(info: ResourceInfo) -> Obj | None:
    for version in ((info.crd or {}).get("spec") or {}).get("versions") or []:
        if version.get("name") == info.version:
            schema = (version.get("schema") or {}).get("openAPIV3Schema")
            return schema if isinstance(schema, dict) else None
    return None


def _check_base64(info: ResourceInfo, body: Obj, version: str, kind: str) -> None:
    bag = {"Secret": "data", "ConfigMap": "binaryData"}.get(info.kind) if not info.group else None
    for value in ((body.get(bag) or {}) if bag else {}).values():
        if not isinstance(value, str):
            continue
        try:
            base64.b64decode(value, validate=True)
        except binascii.Error as exc:
            bad = next((i for i, ch in enumerate(value) if ch not in _B64), len(value))
            raise errors.bad_request(
                f"{kind} in version {go_quote(version)} cannot be handled as a {info.kind}: "
                f"illegal base64 data at input byte {bad}"
            ) from exc


_B64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")


def decode_body(
    info: ResourceInfo, raw: bytes, content_type: str, *, field_validation: str | None = None
) -> tuple[Obj, list[str]]:
    """Decode a create/update body as kube-apiserver does for `info`.

    Returns the object with unknown fields dropped and the warnings for the `Warning: 299`
    header (Warn mode). Raises the upstream 400 for unparsable bodies, another kind or
    apiVersion, and (Strict) unknown or duplicate fields; 415 for other media types.
    """
    mode = field_validation_mode(field_validation)
    parsed = _parse(info, raw, content_type)
    if parsed is None:
        parsed = {}
    if not isinstance(parsed, dict):
        raise errors.bad_request(
            f"the object provided is unrecognized (must be of type {info.kind}): couldn't get "
            f"version/kind; json parse error: json: cannot unmarshal "
            f"{_JSON_TYPES.get(type(parsed), 'number')} into Go value of type {_FIND_KIND} "
            f"({_summary(raw)})"
        )
    version, kind = _check_kind(info, parsed)
    obj, problems = _known_fields(info, parsed)
    _check_base64(info, obj, version, kind)
    if problems and mode == "Strict":
        raise errors.bad_request(
            f"{kind} in version {go_quote(version)} cannot be handled as a {info.kind}: "
            f"strict decoding error: {', '.join(problems)}"
        )
    return obj, problems if mode == "Warn" else []


def _known_fields(
    info: ResourceInfo, parsed: Obj, merge_patch: Obj | None = None
) -> tuple[Obj, list[str]]:
    walk = _Walk()
    if info.is_custom:
        schema = _crd_schema(info)
        obj = walk.schema(schema, parsed, "", top=True) if schema else _plain(parsed)
    else:
        model = _model_for(info)
        if not model:
            obj = _plain(parsed)
        elif merge_patch is not None:
            obj = walk.model_along(model, parsed, merge_patch, "")
        else:
            obj = walk.model(model, parsed, "")
    result: Obj = obj
    return result, walk.problems


def prune_patched(
    info: ResourceInfo, patched: Obj, field_validation: str | None, merge_patch: Any = None
) -> tuple[Obj, list[str]]:
    """Unknown fields in the result of a patch, handled like a body's (upstream checks the
    patched object): dropped, reported as warnings (Warn) or refused with 400 (Strict).
    With the body of a JSON merge patch only the paths it wrote are walked (the rest is the
    stored object's): the whole-object walk was a tenth of the simulator's write cost."""
    mode = field_validation_mode(field_validation, "PatchOptions")
    along = merge_patch if isinstance(merge_patch, dict) else None
    obj, problems = _known_fields(info, patched, along)
    if problems and mode == "Strict":
        raise errors.bad_request(f"strict decoding error: {', '.join(problems)}")
    return obj, problems if mode == "Warn" else []
