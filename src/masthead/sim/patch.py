"""PATCH semantics of kube-apiserver: JSON patch, merge patch, strategic merge patch.

Objects are plain JSON dicts. No function mutates its inputs: results share unchanged subtrees
with the input (copy on write), so callers must treat every object as immutable.

The per-kind list knowledge (which lists merge by which key) lives in `STRATEGIES`, a small
declarative table that `managedfields` reads too: strategic merge uses `Keyed.merge_key`,
server-side apply uses `Keyed.ssa_keys` (they differ for ports, which SSA keys by protocol too).

Upstream: k8s.io/apimachinery/pkg/util/strategicpatch/patch.go, evanphx/json-patch (v4, used by
the apiserver), k8s.io/apiserver/pkg/endpoints/handlers/patch.go.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from masthead.sim import errors
from masthead.sim.errors import ApiError

# --- The strategy table ------------------------------------------------------------------------

SchemaPath = tuple[str, ...]
ITEM = "*"  # stands for "any element of this list" in a SchemaPath


@dataclass(frozen=True, slots=True)
class Keyed:
    """A list of objects merged item by item (`patchMergeKey` / `listType=map`)."""

    merge_key: str
    ssa_keys: tuple[str, ...]
    # SSA keys the server defaults before computing the key (containerPort's protocol).
    key_defaults: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class PrimitiveSet:
    """A list of scalars merged as a set (`patchStrategy=merge` / `listType=set`)."""


@dataclass(frozen=True, slots=True)
class Atomic:
    """A map or struct that SSA owns as a whole (`mapType=atomic` / `structType=atomic`)."""


Strategy = Keyed | PrimitiveSet | Atomic
SET = PrimitiveSet()
ATOMIC = Atomic()


def _by(key: str) -> Keyed:
    return Keyed(key, (key,))


_PORT = Keyed("containerPort", ("containerPort", "protocol"), (("protocol", "TCP"),))
_CONTAINER: dict[SchemaPath, Strategy] = {
    ("env",): _by("name"),
    ("ports",): _PORT,
    ("volumeMounts",): _by("mountPath"),
    ("volumeDevices",): _by("devicePath"),
}
_POD_SPEC: dict[SchemaPath, Strategy] = {
    ("volumes",): _by("name"),
    ("imagePullSecrets",): _by("name"),
    ("hostAliases",): _by("ip"),
    ("resourceClaims",): _by("name"),
    ("schedulingGates",): _by("name"),
    ("topologySpreadConstraints",): Keyed("topologyKey", ("topologyKey", "whenUnsatisfiable")),
    ("nodeSelector",): ATOMIC,
}
for _list in ("containers", "initContainers", "ephemeralContainers"):
    _POD_SPEC[(_list,)] = _by("name")
    _POD_SPEC.update({(_list, ITEM, *p): s for p, s in _CONTAINER.items()})
_META: dict[SchemaPath, Strategy] = {
    ("finalizers",): SET,
    ("ownerReferences",): _by("uid"),
}
_CONDITIONS: dict[SchemaPath, Strategy] = {("conditions",): _by("type")}
_POD_STATUS: dict[SchemaPath, Strategy] = {
    **_CONDITIONS,
    ("podIPs",): _by("ip"),
    ("hostIPs",): _by("ip"),
}
_SELECTOR: dict[SchemaPath, Strategy] = {("selector",): ATOMIC}


def _under(prefix: SchemaPath, table: Mapping[SchemaPath, Strategy]) -> dict[SchemaPath, Strategy]:
    return {(*prefix, *p): s for p, s in table.items()}


def _template(prefix: SchemaPath) -> dict[SchemaPath, Strategy]:
    return {**_under((*prefix, "metadata"), _META), **_under((*prefix, "spec"), _POD_SPEC)}


def _kind(*parts: Mapping[SchemaPath, Strategy]) -> dict[SchemaPath, Strategy]:
    table = _under(("metadata",), _META)
    for part in parts:
        table.update(part)
    return table


_WORKLOAD = _kind(
    _template(("spec", "template")),
    _under(("spec",), _SELECTOR),
    _under(("status",), _CONDITIONS),
)
STRATEGIES: dict[tuple[str, str], dict[SchemaPath, Strategy]] = {
    ("", "Pod"): _kind(_under(("spec",), _POD_SPEC), _under(("status",), _POD_STATUS)),
    ("", "PodTemplate"): _kind(_template(("template",))),
    ("", "ReplicationController"): _kind(
        _template(("spec", "template")), _under(("status",), _CONDITIONS)
    ),
    ("", "Service"): _kind(
        {
            ("spec", "ports"): Keyed("port", ("port", "protocol"), (("protocol", "TCP"),)),
            ("spec", "selector"): ATOMIC,
        },
        _under(("status",), _CONDITIONS),
    ),
    ("", "Node"): _kind(
        {("spec", "podCIDRs"): SET, ("status", "addresses"): _by("type")},
        _under(("status",), _CONDITIONS),
    ),
    ("", "Namespace"): _kind(_under(("status",), _CONDITIONS)),
    ("", "PersistentVolumeClaim"): _kind(_under(("status",), _CONDITIONS)),
    ("", "Event"): _kind({("involvedObject",): ATOMIC, ("related",): ATOMIC}),
    ("events.k8s.io", "Event"): _kind({("regarding",): ATOMIC, ("related",): ATOMIC}),
    ("apps", "Deployment"): _WORKLOAD,
    ("apps", "ReplicaSet"): _WORKLOAD,
    ("apps", "StatefulSet"): _WORKLOAD,
    ("apps", "DaemonSet"): _WORKLOAD,
    ("batch", "Job"): _kind(_template(("spec", "template")), _under(("spec",), _SELECTOR)),
    ("batch", "CronJob"): _kind(
        _template(("spec", "jobTemplate", "spec", "template")),
        _under(("spec", "jobTemplate", "spec"), _SELECTOR),
    ),
    ("rbac.authorization.k8s.io", "RoleBinding"): _kind({("roleRef",): ATOMIC}),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"): _kind({("roleRef",): ATOMIC}),
    ("apiextensions.k8s.io", "CustomResourceDefinition"): _kind(_under(("status",), _CONDITIONS)),
}
_METADATA_ONLY = _kind()


def strategies(group: str, kind: str) -> Mapping[SchemaPath, Strategy]:
    """The list/map strategies of a kind; unknown kinds (custom resources) get ObjectMeta's."""
    return STRATEGIES.get((group, kind), _METADATA_ONLY)


# --- JSON patch (RFC 6902) ---------------------------------------------------------------------

# The apiserver turns every failure while applying a JSON patch into this generic 422; the
# json-patch library's own text ("doc is missing path", "testing value ... failed") is dropped.
_JSON_PATCH_INVALID = "the server rejected our request due to an error in our request"


class _PatchFailed(Exception):
    pass


def _invalid_json_patch() -> ApiError:
    return ApiError(422, "Invalid", _JSON_PATCH_INVALID, {})


def json_equal(a: Any, b: Any) -> bool:
    """JSON equality: unlike `==`, `true` is not `1`."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict):
        return (
            isinstance(b, dict)
            and a.keys() == b.keys()
            and all(json_equal(v, b[k]) for k, v in a.items())
        )
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(json_equal, a, b))
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and a == b
    return bool(a == b)


def _pointer(path: Any) -> list[str]:
    if not isinstance(path, str) or (path and not path.startswith("/")):
        raise _PatchFailed
    if not path:
        return []
    return [t.replace("~1", "/").replace("~0", "~") for t in path[1:].split("/")]


def _index(token: str, size: int, *, allow_end: bool) -> int:
    if token == "-" and allow_end:
        return size
    if not token.isdigit() or (len(token) > 1 and token[0] == "0"):
        raise _PatchFailed
    i = int(token)
    if i > size or (i == size and not allow_end):
        raise _PatchFailed
    return i


class _Doc:
    """A document being patched: containers on written paths are copied once, then reused."""

    def __init__(self, root: dict[str, Any]) -> None:
        self.root: Any = root
        self._owned: set[int] = set()

    def _own(self, node: Any) -> Any:
        if id(node) in self._owned:
            return node
        copy = dict(node) if isinstance(node, dict) else list(node)
        self._owned.add(id(copy))
        return copy

    def get(self, tokens: list[str]) -> Any:
        node = self.root
        for t in tokens:
            if isinstance(node, dict) and t in node:
                node = node[t]
            elif isinstance(node, list):
                node = node[_index(t, len(node), allow_end=False)]
            else:
                raise _PatchFailed
        return node

    def parent(self, tokens: list[str]) -> Any:
        """The (now privately owned) container holding the last token."""
        self.root = node = self._own(self.root)
        for t in tokens[:-1]:
            if isinstance(node, dict) and isinstance(node.get(t), dict | list):
                child = node[t] = self._own(node[t])
            elif isinstance(node, list):
                i = _index(t, len(node), allow_end=False)
                if not isinstance(node[i], dict | list):
                    raise _PatchFailed
                child = node[i] = self._own(node[i])
            else:
                raise _PatchFailed
            node = child
        return node

    def add(self, tokens: list[str], value: Any) -> None:
        if not tokens:
            self.root = value
            return
        node, last = self.parent(tokens), tokens[-1]
        if isinstance(node, dict):
            node[last] = value
        else:
            node.insert(_index(last, len(node), allow_end=True), value)

    def remove(self, tokens: list[str]) -> Any:
        if not tokens:
            raise _PatchFailed
        node, last = self.parent(tokens), tokens[-1]
        if isinstance(node, dict):
            if last not in node:
                raise _PatchFailed
            return node.pop(last)
        return node.pop(_index(last, len(node), allow_end=False))

    def replace(self, tokens: list[str], value: Any) -> None:
        self.get(tokens)  # replace needs an existing target
        if not tokens:
            self.root = value
            return
        node, last = self.parent(tokens), tokens[-1]
        if isinstance(node, dict):
            node[last] = value
        else:
            node[_index(last, len(node), allow_end=False)] = value


def _operation(doc: _Doc, op: Any) -> None:
    if not isinstance(op, dict):
        raise _PatchFailed
    kind, path = op.get("op"), _pointer(op.get("path"))
    if kind in ("add", "replace", "test") and "value" not in op:
        raise _PatchFailed
    if kind == "add":
        doc.add(path, op["value"])
    elif kind == "remove":
        doc.remove(path)
    elif kind == "replace":
        doc.replace(path, op["value"])
    elif kind == "move":
        source = _pointer(op.get("from"))
        if path[: len(source)] == source and path != source:
            raise _PatchFailed  # cannot move a value into itself
        doc.add(path, doc.remove(source))
    elif kind == "copy":
        doc.add(path, doc.get(_pointer(op.get("from"))))
    elif kind == "test":
        if not json_equal(doc.get(path), op["value"]):
            raise _PatchFailed
    else:
        raise _PatchFailed


def json_patch(doc: dict[str, Any], ops: Any) -> dict[str, Any]:
    """Apply an RFC 6902 patch. A body that is not a list is 400; a failing op is 422."""
    if not isinstance(ops, list):
        raise errors.bad_request(
            f"json: cannot unmarshal {_go_type(ops)} into Go value of type jsonpatch.Patch"
        )
    state = _Doc(doc)
    try:
        for op in ops:
            _operation(state, op)
    except (_PatchFailed, IndexError, TypeError) as exc:
        raise _invalid_json_patch() from exc
    if not isinstance(state.root, dict):
        raise _invalid_json_patch()
    return state.root


def _go_type(value: Any) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool"
    return "number" if isinstance(value, int | float) else "null"


# --- Merge patch (RFC 7386) --------------------------------------------------------------------


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    return value


def _merge(target: Any, patch: dict[str, Any]) -> dict[str, Any]:
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict):
            out[key] = _merge(out.get(key), value)
        else:
            out[key] = value
    return out


def merge_patch(doc: dict[str, Any], patch: Any) -> dict[str, Any]:
    """Apply an RFC 7386 merge patch: maps merge, everything else is replaced, null deletes."""
    if not isinstance(patch, dict):
        raise errors.bad_request("Invalid JSON Patch")
    return _merge(doc, patch)


# --- Strategic merge patch ---------------------------------------------------------------------

_DIRECTIVE = "$patch"
_RETAIN_KEYS = "$retainKeys"
_SET_ORDER = "$setElementOrder/"
_DELETE_FROM = "$deleteFromPrimitiveList/"


def _smp_error(message: str) -> ApiError:
    """Errors strategicpatch returns unwrapped: the handler answers them as a bare 500."""
    return ApiError(500, "", message)


def _no_merge_key(item: Any, key: str) -> ApiError:
    return _smp_error(f"map: {_go_repr(item)} does not contain declared merge key: {key}")


def _go_repr(value: Any) -> str:
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{_go_repr(v)}" for k, v in sorted(value.items())) + "]"
    if isinstance(value, list):
        return "[" + " ".join(_go_repr(v) for v in value) + "]"
    return "<nil>" if value is None else str(value)


def _clean(value: Any) -> Any:
    """A patch value as the typed decode would store it: directives and nulls dropped."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None and not k.startswith("$")}
    if isinstance(value, list):
        return [
            _clean(v) for v in value if not (isinstance(v, dict) and v.get(_DIRECTIVE) == "delete")
        ]
    return value


def _key_of(item: Any, key: str) -> Any:
    if not isinstance(item, dict) or key not in item:
        raise _no_merge_key(item, key)
    return item[key]


def _position(order: list[Any], item: Any, key: str) -> int:
    want = item.get(key) if key and isinstance(item, dict) else item
    for i, candidate in enumerate(order):
        got = candidate.get(key) if key and isinstance(candidate, dict) else candidate
        if got == want:
            return i
    return -1


def _sort_by(items: list[Any], order: list[Any], key: str) -> list[Any]:
    # Every item is found in `order` by construction, so a plain stable sort matches upstream.
    return sorted(items, key=lambda item: _position(order, item, key))


def _interleave(server: list[Any], patch: list[Any], order: list[Any], key: str) -> list[Any]:
    """Upstream `mergeSortedSlice`: patch items win ties and go first when not in `order`."""
    out: list[Any] = []
    i = j = 0
    while i < len(server) or j < len(patch):
        if j >= len(patch):
            out.append(server[i])
            i += 1
        elif i >= len(server):
            out.append(patch[j])
            j += 1
        else:
            li, ri = _position(order, server[i], key), _position(order, patch[j], key)
            if li >= 0 and ri >= 0 and li < ri:
                out.append(server[i])
                i += 1
            else:
                out.append(patch[j])
                j += 1
    return out


def _normalize(
    merged: list[Any], patch_order: list[Any], server_order: list[Any], key: str
) -> list[Any]:
    if key:
        wanted = {_key_of(p, key) for p in patch_order if isinstance(p, dict) and key in p}
        in_patch = [m for m in merged if _key_of(m, key) in wanted]
        server = [m for m in merged if _key_of(m, key) not in wanted]
    else:
        in_patch = [m for m in merged if m in patch_order]
        server = [m for m in merged if m not in patch_order]
    return _interleave(
        _sort_by(server, server_order, key),
        _sort_by(in_patch, patch_order, key),
        server_order,
        key,
    )


def _item_kind(*lists: list[Any]) -> type | None:
    kinds = {
        dict if isinstance(v, dict) else list if isinstance(v, list) else object
        for lst in lists
        for v in lst
    }
    if list in kinds:
        raise _smp_error("lists of lists are not supported")
    if len(kinds) > 1:
        raise _smp_error(f"list element types are not identical: {_go_repr(list(lists))}")
    return kinds.pop() if kinds else None


class _Strategic:
    def __init__(self, table: Mapping[SchemaPath, Strategy]) -> None:
        self.table = table

    def merge_key(self, path: SchemaPath) -> str | None:
        """ "" for a merged list of scalars, a key for a keyed list, None to replace."""
        strategy = self.table.get(path)
        if isinstance(strategy, Keyed):
            return strategy.merge_key
        return "" if isinstance(strategy, PrimitiveSet) else None

    def merge_map(self, original: Any, patch: dict[str, Any], path: SchemaPath) -> dict[str, Any]:
        if _DIRECTIVE in patch:
            directive = patch[_DIRECTIVE]
            if directive == "replace":
                return _clean(patch)  # type: ignore[no-any-return]
            if directive == "delete":
                return {}
            raise _smp_error(f"unknown patch type: {directive} in map: {_go_repr(patch)}")
        out = dict(original) if isinstance(original, dict) else {}
        if _RETAIN_KEYS in patch:
            self.retain_keys(out, patch)
        done = self.ordered_lists(out, patch, path)
        for key, value in patch.items():
            delete_list = key.startswith(_DELETE_FROM)
            if delete_list:
                key = key[len(_DELETE_FROM) :]
            elif key in done or key.startswith("$"):
                continue
            if value is None:
                out.pop(key, None)
            elif key not in out:
                if not delete_list:
                    out[key] = _clean(value)
            elif isinstance(value, dict) and isinstance(out[key], dict):
                out[key] = self.merge_map(out[key], value, (*path, key))
            elif isinstance(value, list) and isinstance(out[key], list):
                out[key] = self.merge_list(out[key], value, (*path, key), delete_list)
            else:
                out[key] = _clean(value)
        return out

    @staticmethod
    def retain_keys(out: dict[str, Any], patch: dict[str, Any]) -> None:
        keep = patch[_RETAIN_KEYS]
        if not isinstance(keep, list):
            raise errors.bad_request("invalid patch format of retainKeys")
        for key, value in patch.items():
            if not key.startswith("$") and value is not None and key not in keep:
                raise errors.bad_request("invalid patch format of retainKeys")
        for key in [k for k in out if k not in keep]:
            del out[key]

    def merge_list(
        self, original: list[Any], patch: list[Any], path: SchemaPath, delete_list: bool
    ) -> list[Any]:
        key = self.merge_key(path)
        if key is None:
            return _clean(patch)  # type: ignore[no-any-return]
        if not original and not patch:
            return original
        if _item_kind(original, patch) is not dict:
            if delete_list:
                return [v for v in original if v not in patch]
            merged = list(dict.fromkeys(original + patch))
            return _normalize(merged, patch, original, "")
        if not key:
            raise _smp_error("cannot merge lists without merge key for type map")
        original, plain = self.special_items(original, patch, key)
        merged = list(original)
        for item in plain:
            value = _key_of(item, key)
            at = next((i for i, o in enumerate(merged) if _key_of(o, key) == value), None)
            if at is None:
                merged.append(_clean(item))
            else:
                merged[at] = self.merge_map(merged[at], item, (*path, ITEM))
        return _normalize(merged, plain, original, key)

    @staticmethod
    def special_items(
        original: list[Any], patch: list[Any], key: str
    ) -> tuple[list[Any], list[Any]]:
        """Apply `$patch` items: deletions by key, or `replace` of the whole list."""
        plain: list[Any] = []
        replace = False
        for item in patch:
            directive = item.get(_DIRECTIVE)
            if directive is None:
                plain.append(item)
            elif directive == "delete":
                gone = _key_of(item, key)
                original = [o for o in original if _key_of(o, key) != gone]
            elif directive == "replace":
                replace = True
            elif directive == "merge":
                raise _smp_error("merging lists cannot yet be specified in the patch")
            else:
                raise _smp_error(f"unknown patch type: {directive} in map: {_go_repr(item)}")
        if replace:
            return [_clean(p) for p in plain], []
        return original, plain

    def ordered_lists(
        self, out: dict[str, Any], patch: dict[str, Any], path: SchemaPath
    ) -> set[str]:
        """Merge the lists named by `$setElementOrder/<field>`, in that order; their names."""
        done: set[str] = set()
        for directive, order in patch.items():
            if not directive.startswith(_SET_ORDER):
                continue
            field = directive[len(_SET_ORDER) :]
            if not isinstance(order, list):
                raise errors.bad_request("invalid patch format of setElementOrder list")
            key = self.merge_key((*path, field)) or ""
            original, given = out.get(field), patch.get(field)
            if original is None and given is None:
                continue
            original = original if isinstance(original, list) else []
            given = given if isinstance(given, list) else []
            self.check_order(given, order, key)
            if field in patch:
                merged = self.merge_list(original, given, (*path, field), delete_list=False)
            else:
                merged = original
            out[field] = _normalize(merged, order, original, key)
            done.add(field)
        return done

    @staticmethod
    def check_order(given: list[Any], order: list[Any], key: str) -> None:
        """Patch items must appear in `$setElementOrder` in the same relative order."""
        items = [g for g in given if not (isinstance(g, dict) and _DIRECTIVE in g)]
        i = 0
        for wanted in order:
            if i < len(items):
                a = _key_of(items[i], key) if key else items[i]
                b = _key_of(wanted, key) if key else wanted
                if a == b:
                    i += 1
        if i < len(items):
            raise _smp_error(
                f"The order in patch list:\n{_go_repr(given)}\n doesn't match "
                f"$setElementOrder list:\n{_go_repr(order)}\n"
            )


def strategic_merge_patch(
    doc: dict[str, Any], patch: dict[str, Any], group: str, kind: str
) -> dict[str, Any]:
    """Apply a strategic merge patch to a built-in object (lists merged per `STRATEGIES`)."""
    if not isinstance(patch, dict):
        raise errors.bad_request("invalid JSON document")
    return _Strategic(strategies(group, kind)).merge_map(doc, patch, ())


# --- Content types -----------------------------------------------------------------------------

PATCH_TYPES = {
    "application/json-patch+json": "json",
    "application/merge-patch+json": "merge",
    "application/strategic-merge-patch+json": "strategic",
    "application/apply-patch+yaml": "apply",
}
# What a custom resource accepts, in the order its 415 lists them (CBOR is off in 1.36).
CUSTOM_RESOURCE_PATCH_TYPES = [
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/apply-patch+yaml",
]


def parse_patch_body(
    content_type: str, body: bytes, *, custom_resource: bool = False
) -> tuple[str, Any]:
    """Map a PATCH Content-Type to (`json`|`merge`|`strategic`|`apply`, decoded body)."""
    media = content_type.split(";", 1)[0].strip().lower()
    patch_type = PATCH_TYPES.get(media)
    if custom_resource and patch_type == "strategic":
        patch_type = None
    if patch_type is None:
        raise errors.unsupported_media_type(
            CUSTOM_RESOURCE_PATCH_TYPES if custom_resource else None
        )
    decode: Callable[[bytes], Any] = yaml.safe_load if patch_type == "apply" else json.loads
    try:
        return patch_type, decode(body)
    except (ValueError, yaml.YAMLError) as exc:
        raise errors.bad_request(f"error decoding patch: {exc}") from exc
