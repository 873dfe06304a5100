"""managedFields bookkeeping and server-side apply, as kube-apiserver's fieldmanager does it.

A field set is a tree of FieldsV1 path elements (`f:name`, `k:{"name":"web"}`, `v:"x"`) where
`"."` marks a node that is itself a member. Leaf members are `{".": {}}` internally and `{}` on
the wire. Sets are built fresh and then treated as immutable (operations share subtrees).

Upstream: sigs.k8s.io/structured-merge-diff (typed/compare.go, merge.go, tofieldset.go,
merge/update.go) and k8s.io/apimachinery/pkg/util/managedfields/internal (stripmeta.go,
managedfieldsupdater.go, fieldmanager.go, conflict.go, manager sorting in managedfields.go).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from masthead.sim.errors import ApiError
from masthead.sim.patch import ITEM, Atomic, Keyed, PrimitiveSet, SchemaPath, Strategy, strategies

FieldSet = dict[str, Any]
_MEMBER: FieldSet = {}
_ABSENT: Any = object()  # a field missing from an object, as opposed to a null one
_FIELD_MANAGER_MAX_LENGTH = 128

# Paths no manager ever owns (exact paths, not their children).
_STRIPPED: FieldSet = {
    "f:apiVersion": {".": _MEMBER},
    "f:kind": {".": _MEMBER},
    "f:metadata": {
        ".": _MEMBER,
        **{
            f"f:{name}": {".": _MEMBER}
            for name in (
                "name",
                "namespace",
                "creationTimestamp",
                "selfLink",
                "uid",
                "clusterName",
                "generation",
                "managedFields",
                "resourceVersion",
            )
        },
    },
}

# What an empty object of each kind looks like once the server has converted its Go zero value:
# struct fields are present (so never "added" and never given a "." marker), containers is null.
_POD_TEMPLATE = {"metadata": {}, "spec": {"containers": None}}
_WORKLOAD = {"spec": {"template": _POD_TEMPLATE}, "status": {}}
_SKELETONS: dict[tuple[str, str], dict[str, Any]] = {
    ("", "Pod"): {"spec": {"containers": None}, "status": {}},
    ("", "PodTemplate"): {"template": _POD_TEMPLATE},
    ("", "ReplicationController"): {"spec": {}, "status": {}},
    ("", "Service"): {"spec": {}, "status": {"loadBalancer": {}}},
    ("", "Node"): {
        "spec": {},
        "status": {"daemonEndpoints": {"kubeletEndpoint": {}}, "nodeInfo": {}},
    },
    ("", "Namespace"): {"spec": {}, "status": {}},
    ("", "PersistentVolumeClaim"): {"spec": {"resources": {}}, "status": {}},
    ("apps", "Deployment"): {"spec": {**_WORKLOAD["spec"], "strategy": {}}, "status": {}},
    ("apps", "ReplicaSet"): _WORKLOAD,
    ("apps", "StatefulSet"): {"spec": {**_WORKLOAD["spec"], "updateStrategy": {}}, "status": {}},
    ("apps", "DaemonSet"): {"spec": {**_WORKLOAD["spec"], "updateStrategy": {}}, "status": {}},
    ("batch", "Job"): _WORKLOAD,
    ("batch", "CronJob"): {
        "spec": {"jobTemplate": {"metadata": {}, "spec": {"template": _POD_TEMPLATE}}},
        "status": {},
    },
}


def _skeleton(group: str, kind: str) -> dict[str, Any]:
    return {"metadata": {}, **_SKELETONS.get((group, kind), {})}


def manager_from_user_agent(user_agent: str) -> str:
    """The default field manager: the User-Agent up to its first `/`, printable, ≤128 bytes."""
    out, size = [], 0
    for ch in user_agent.split("/", 1)[0]:
        if not ch.isprintable():
            continue
        size += len(ch.encode())
        if size > _FIELD_MANAGER_MAX_LENGTH:
            break
        out.append(ch)
    return "".join(out)


# --- Set algebra -------------------------------------------------------------------------------


def _insert(root: FieldSet, path: list[str]) -> None:
    node = root
    for element in path:
        node = node.setdefault(element, {})
    node["."] = _MEMBER


def union(a: FieldSet, b: FieldSet) -> FieldSet:
    out = dict(a)
    for key, node in b.items():
        out[key] = union(out[key], node) if key in out and key != "." else node
    return out


def difference(a: FieldSet, b: FieldSet) -> FieldSet:
    """Paths of `a` that are not paths of `b` (exactly, not by prefix)."""
    out: FieldSet = {}
    for key, node in a.items():
        if key == ".":
            if "." not in b:
                out["."] = _MEMBER
        elif key in b:
            rest = difference(node, b[key])
            if rest:
                out[key] = rest
        else:
            out[key] = node
    return out


def intersection(a: FieldSet, b: FieldSet) -> FieldSet:
    out: FieldSet = {}
    for key, node in a.items():
        if key in b:
            if key == ".":
                out["."] = _MEMBER
            elif common := intersection(node, b[key]):
                out[key] = common
    return out


# Elements repeat across objects (`k:{"type":"Ready"}`, `f:status`): parse each once.
@functools.lru_cache(maxsize=8192)
def _element_order(element: str) -> tuple[Any, ...]:
    kind, text = element[:1], element[2:]
    if kind == "f":
        return (0, text)
    if kind == "k":
        return (1, tuple((k, _value_order(v)) for k, v in json.loads(text).items()))
    if kind == "v":
        return (2, _value_order(json.loads(text)))
    return (3, int(text))


def _value_order(value: Any) -> tuple[int, Any]:
    if isinstance(value, bool):
        return (2, value)
    if isinstance(value, int | float):
        return (0, value)
    if isinstance(value, str):
        return (1, value)
    return (3, json.dumps(value, sort_keys=True))


def encode(fields: FieldSet) -> dict[str, Any]:
    """The FieldsV1 wire form: elements sorted as upstream sorts them, `.` first."""
    out: dict[str, Any] = {".": {}} if "." in fields and len(fields) > 1 else {}
    for element in _sorted_elements(fields):
        out[element] = encode(fields[element])
    return out


def encode_from(fields: FieldSet, base: FieldSet, base_wire: Mapping[str, Any]) -> dict[str, Any]:
    """`encode(fields)`, where `base` is `decode(base_wire)` and `fields` was derived from it by
    `union`/`difference` (which share untouched subtrees): a subtree `fields` shares with `base`
    is written as its `base_wire` node, and a level that gained no element keeps the wire's
    order instead of being sorted again. A controller's entry losing one condition re-encoded
    (sorting every level of) its whole set."""
    if fields is base:
        return dict(base_wire)
    out: dict[str, Any] = {".": {}} if "." in fields and len(fields) > 1 else {}
    if all(k in base_wire for k in fields if k != "."):
        ordered = [k for k in base_wire if k != "." and k in fields]
    else:
        ordered = _sorted_elements(fields)
    for element in ordered:
        node = fields[element]
        was = base.get(element)
        if was is node:
            out[element] = base_wire[element]
        elif was is not None:
            out[element] = encode_from(node, was, base_wire[element])
        else:
            out[element] = encode(node)
    return out


def _sorted_elements(fields: FieldSet) -> list[str]:
    """A level's elements (not `.`) in upstream's order."""
    elements = [k for k in fields if k != "."]
    if all(k.startswith("f:") for k in elements):
        # Field names only (most levels): their order is the strings' own.
        elements.sort()
    else:
        elements.sort(key=_element_order)
    return elements


def decode(fields_v1: Mapping[str, Any], *, root: bool = True) -> FieldSet:
    out: FieldSet = {} if root or fields_v1 else {".": _MEMBER}
    for element, node in fields_v1.items():
        out[element] = _MEMBER if element == "." else decode(node, root=False)
    return out


def paths(fields: FieldSet, prefix: str = "") -> Iterator[str]:
    """Member paths in upstream's iteration order (a level's members, then its children)."""
    ordered = _sorted_elements(fields)
    for element in ordered:
        if "." in fields[element]:
            yield prefix + _path_element(element)
    for element in ordered:
        yield from paths(fields[element], prefix + _path_element(element))


def _path_element(element: str) -> str:
    kind, text = element[:1], element[2:]
    if kind == "f":
        return "." + text
    if kind == "k":
        parts = (f"{k}={json.dumps(v)}" for k, v in json.loads(text).items())
        return "[" + ",".join(parts) + "]"
    if kind == "v":
        return f"[={text}]"
    return f"[{text}]"


# --- Walking objects with the strategy table ---------------------------------------------------


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _item_elements(strategy: Strategy, items: list[Any]) -> list[str]:
    if isinstance(strategy, PrimitiveSet):
        return ["v:" + _compact(item) for item in items]
    assert isinstance(strategy, Keyed)
    defaults = dict(strategy.key_defaults)
    out = []
    for index, item in enumerate(items):
        key = {}
        if isinstance(item, dict):
            for name in sorted(strategy.ssa_keys):
                if name in item or name in defaults:
                    key[name] = item.get(name, defaults.get(name))
        out.append("k:" + _compact(key) if key else f"i:{index}")
    return out


def _granular_list(table: Mapping[SchemaPath, Strategy], spath: SchemaPath) -> Strategy | None:
    strategy = table.get(spath)
    return strategy if isinstance(strategy, Keyed | PrimitiveSet) else None


@dataclass
class Comparison:
    added: FieldSet = field(default_factory=dict)
    modified: FieldSet = field(default_factory=dict)
    removed: FieldSet = field(default_factory=dict)


class _Walker:
    def __init__(self, table: Mapping[SchemaPath, Strategy]) -> None:
        self.table = table

    def compare(
        self, lhs: Any, rhs: Any, path: list[str], spath: SchemaPath, out: Comparison
    ) -> None:
        """Port of structured-merge-diff's compareWalker; `_ABSENT` is its nil value."""
        if lhs is rhs or (lhs is not _ABSENT and rhs is not _ABSENT and lhs == rhs):
            return
        shape = rhs if rhs is not _ABSENT else lhs
        strategy = self.table.get(spath)
        leaf = True
        if isinstance(shape, dict) and not isinstance(strategy, Atomic):
            lmap = lhs if isinstance(lhs, dict) else {}
            rmap = rhs if isinstance(rhs, dict) else {}
            if lmap or rmap:
                leaf = False
                for key in {**lmap, **rmap}:
                    self.compare(
                        lmap.get(key, _ABSENT),
                        rmap.get(key, _ABSENT),
                        [*path, "f:" + key],
                        (*spath, key),
                        out,
                    )
        elif isinstance(shape, list) and _granular_list(self.table, spath):
            list_strategy = _granular_list(self.table, spath)
            assert list_strategy is not None
            llist = lhs if isinstance(lhs, list) else []
            rlist = rhs if isinstance(rhs, list) else []
            if llist or rlist:
                leaf = False
                lside = dict(zip(_item_elements(list_strategy, llist), llist, strict=True))
                rside = dict(zip(_item_elements(list_strategy, rlist), rlist, strict=True))
                for element in {**lside, **rside}:
                    self.compare(
                        lside.get(element, _ABSENT),
                        rside.get(element, _ABSENT),
                        [*path, element],
                        (*spath, ITEM),
                        out,
                    )
        if leaf and lhs is not _ABSENT and rhs is not _ABSENT:
            _insert(out.modified, path)
        elif lhs is _ABSENT:
            _insert(out.added, path)
        elif rhs is _ABSENT:
            _insert(out.removed, path)

    def to_field_set(self, value: Any, path: list[str], spath: SchemaPath, out: FieldSet) -> None:
        """Port of ToFieldSet: leaves, list items, and empty maps/lists as leaves."""
        strategy = self.table.get(spath)
        if isinstance(value, dict) and value and not isinstance(strategy, Atomic):
            for key, child in value.items():
                self.to_field_set(child, [*path, "f:" + key], (*spath, key), out)
        elif isinstance(value, list) and value and (lst := _granular_list(self.table, spath)):
            for element, child in zip(_item_elements(lst, value), value, strict=True):
                self.to_field_set(child, [*path, element], (*spath, ITEM), out)
                _insert(out, [*path, element])
        elif path:
            _insert(out, path)

    def merge(self, lhs: Any, rhs: Any, spath: SchemaPath) -> Any:
        """Port of the apply merge (mergingWalker): rhs wins, granular maps and lists merge."""
        strategy = self.table.get(spath)
        if isinstance(lhs, dict) and isinstance(rhs, dict) and not isinstance(strategy, Atomic):
            out = dict(lhs)
            for key, value in rhs.items():
                if value is None:
                    out.pop(key, None)
                else:
                    out[key] = self.merge(lhs.get(key, _ABSENT), value, (*spath, key))
            return out
        lst = _granular_list(self.table, spath)
        if isinstance(lhs, list) and isinstance(rhs, list) and lst is not None:
            return self.merge_list(lhs, rhs, lst, spath)
        return rhs

    def merge_list(
        self, lhs: list[Any], rhs: list[Any], strategy: Strategy, spath: SchemaPath
    ) -> list[Any]:
        """Upstream's item order: rhs order, with lhs-only items kept where they were."""
        lorder, rorder = _item_elements(strategy, lhs), _item_elements(strategy, rhs)
        lside, rside = dict(zip(lorder, lhs, strict=True)), dict(zip(rorder, rhs, strict=True))
        shared = [e for e in rorder if e in lside]
        out: list[Any] = []
        li = ri = si = 0
        while li < len(lorder) or ri < len(rorder):
            if li < len(lorder) and ri < len(rorder):
                element = lorder[li]
                if element == rorder[ri]:
                    out.append(self.merge(lside[element], rside[element], (*spath, ITEM)))
                    li, ri, si = li + 1, ri + 1, si + 1
                    continue
                if element in rside and si < len(shared) and shared[si] != element:
                    li += 1
                    continue
            if li < len(lorder) and lorder[li] not in rside:
                out.append(lside[lorder[li]])
                li += 1
                continue
            if ri < len(rorder):
                element = rorder[ri]
                out.append(self.merge(lside.get(element, _ABSENT), rside[element], (*spath, ITEM)))
                ri += 1
                if si < len(shared) and shared[si] == element:
                    si += 1
        return out

    def prune(self, value: Any, last: FieldSet, owned: FieldSet, spath: SchemaPath) -> Any:
        """Remove what the applier owned last time and nobody owns now."""
        if isinstance(value, dict):
            out = dict(value)
            for element, node in last.items():
                key = element[2:]
                if not element.startswith("f:") or key not in out:
                    continue
                if element not in owned and "." in node:
                    del out[key]
                else:
                    out[key] = self.prune(out[key], node, owned.get(element, {}), (*spath, key))
            return out
        lst = _granular_list(self.table, spath)
        if isinstance(value, list) and lst is not None:
            kept = []
            for element, item in zip(_item_elements(lst, value), value, strict=True):
                node = last.get(element)
                if node is None:
                    kept.append(item)
                elif element in owned or "." not in node:
                    kept.append(self.prune(item, node, owned.get(element, {}), (*spath, ITEM)))
            return kept
        return value


# --- managedFields entries ---------------------------------------------------------------------


class _Entry:
    """One managedFields entry. Its field set is decoded only when an update touches it, and
    an untouched entry is written back as the stored FieldsV1 it was read from: re-encoding
    (sorting every level) was the largest cost of a write."""

    __slots__ = (
        "_base",
        "_fields",
        "_wire",
        "api_version",
        "manager",
        "operation",
        "subresource",
        "time",
    )

    def __init__(
        self,
        manager: str,
        operation: str,
        api_version: str,
        subresource: str,
        fields: FieldSet | None,
        time: str | None,
        wire: dict[str, Any] | None = None,
    ) -> None:
        self.manager = manager
        self.operation = operation
        self.api_version = api_version
        self.subresource = subresource
        self.time = time
        self._fields = fields
        # The canonical FieldsV1 of `_fields` when known (read from storage, not yet changed).
        self._wire = wire
        # (field set, its canonical FieldsV1) as read from storage, once the set changed:
        # `wire()` re-encodes only what changed from it (`encode_from`).
        self._base: tuple[FieldSet, dict[str, Any]] | None = None

    @property
    def wire_known(self) -> bool:
        """Whether the canonical FieldsV1 of the field set is at hand (no encode needed)."""
        return self._wire is not None

    @property
    def fields(self) -> FieldSet:
        if self._fields is None:
            self._fields = decode(self._wire or {})
        return self._fields

    @fields.setter
    def fields(self, value: FieldSet) -> None:
        self._base = self.origin()
        self._fields = value
        self._wire = None

    def origin(self) -> tuple[FieldSet, dict[str, Any]] | None:
        """The stored (field set, FieldsV1) this entry's set derives from, if known."""
        if self._wire is not None:
            return (self.fields, self._wire)
        return self._base

    def __bool__(self) -> bool:
        return bool(self._fields) if self._wire is None else bool(self._wire)

    def owns_any(self, lost: FieldSet) -> bool:
        """Whether some member path of `lost` is a member path of this entry."""
        if self._wire is not None:
            return _wire_overlaps(self._wire, lost, root=True)
        return _overlaps(self.fields, lost)

    @property
    def identity(self) -> tuple[str, str, str, str]:
        # Appliers keep one entry whatever apiVersion they apply with.
        version = "" if self.operation == "Apply" else self.api_version
        return (self.manager, self.operation, version, self.subresource)

    def wire(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "manager": self.manager,
            "operation": self.operation,
            "apiVersion": self.api_version,
        }
        if self.time is not None:
            out["time"] = self.time
        out["fieldsType"] = "FieldsV1"
        if self._wire is not None:
            out["fieldsV1"] = self._wire
        elif self._base is not None:
            out["fieldsV1"] = encode_from(self.fields, *self._base)
        else:
            out["fieldsV1"] = encode(self.fields)
        if self.subresource:
            out["subresource"] = self.subresource
        return out


def _overlaps(fields: FieldSet, lost: FieldSet) -> bool:
    for key, node in lost.items():
        if key == ".":
            if "." in fields:
                return True
        elif key in fields and _overlaps(fields[key], node):
            return True
    return False


def _wire_overlaps(wire: Mapping[str, Any], lost: FieldSet, *, root: bool = False) -> bool:
    """`_overlaps` on the FieldsV1 form, where an empty non-root node is a member (`decode`)."""
    for key, node in lost.items():
        if key == ".":
            if "." in wire or (not wire and not root):
                return True
        elif key in wire and _wire_overlaps(wire[key], node):
            return True
    return False


Managers = dict[tuple[str, str, str, str], _Entry]


def _stored_entries(obj: Mapping[str, Any] | None) -> list[Any]:
    entries: list[Any] = (obj or {}).get("metadata", {}).get("managedFields") or []
    return entries


def _decode_entries(obj: Mapping[str, Any] | None, *, canonical: bool = False) -> Managers:
    """The entries of `obj`; `canonical`: their FieldsV1 are as this module encoded them (read
    from storage), so an untouched entry can be written back without re-encoding."""
    out: Managers = {}
    for raw in _stored_entries(obj):
        fields_v1 = raw.get("fieldsV1") or {}
        entry = _Entry(
            manager=raw.get("manager", ""),
            operation=raw.get("operation", ""),
            api_version=raw.get("apiVersion", ""),
            subresource=raw.get("subresource", ""),
            fields=None if canonical else decode(fields_v1),
            time=raw.get("time"),
            wire=fields_v1 if canonical else None,
        )
        out[entry.identity] = entry
    return out


def _encode_entries(managers: Managers) -> list[dict[str, Any]]:
    live = [e for e in managers.values() if e]
    # Upstream orders by operation, then time (to the second), manager, apiVersion, subresource.
    live.sort(
        key=lambda e: (e.operation, (e.time or "")[:19], e.manager, e.api_version, e.subresource)
    )
    return [e.wire() for e in live]


def _with_managed_fields(obj: dict[str, Any], managers: Managers) -> dict[str, Any]:
    metadata = dict(obj.get("metadata") or {})
    entries = _encode_entries(managers)
    if entries:
        metadata["managedFields"] = entries
    else:
        metadata.pop("managedFields", None)
    return {**obj, "metadata": metadata}


def _without_managed_fields(obj: Mapping[str, Any]) -> dict[str, Any]:
    metadata = dict(obj.get("metadata") or {})
    metadata.pop("managedFields", None)
    return {**obj, "metadata": metadata}


def _group_of(api_version: str) -> str:
    return api_version.rpartition("/")[0]


def _release(managers: Managers, skip: tuple[str, str, str, str] | None, lost: FieldSet) -> None:
    """Take `lost` away from every manager but `skip`."""
    if not lost:
        return
    for identity, entry in managers.items():
        if identity != skip and entry.owns_any(lost):
            entry.fields = difference(entry.fields, lost)


def record_update(
    old: dict[str, Any] | None,
    new: dict[str, Any],
    *,
    manager: str,
    api_version: str,
    time: str,
    subresource: str | None = None,
    operation: str = "Update",
) -> dict[str, Any]:
    """`new` with managedFields updated for a create/update/patch by `manager`.

    The writer owns what it added or changed; others lose what it changed or removed. Entries
    sent by the client in `new` win over the stored ones (upstream lets clients rewrite
    managedFields), except on subresource writes. Writes through /scale carry no time.
    """
    # `new` carries the stored entries unless the client rewrote them.
    stored = old is not None and _stored_entries(new) == _stored_entries(old)
    managers = {} if subresource else _decode_entries(new, canonical=stored)
    if not managers:
        managers = _decode_entries(old, canonical=old is not None)
    group = _group_of(api_version)
    kind = str(new.get("kind", ""))
    walker = _Walker(strategies(group, kind))
    before = _without_managed_fields(old) if old is not None else _skeleton(group, kind)
    after = _without_managed_fields(new)
    changes = Comparison()
    walker.compare(before, after, [], (), changes)
    gained = difference(union(changes.added, changes.modified), _STRIPPED)
    _release(managers, None, union(gained, changes.removed))
    if gained:
        entry = _Entry(manager, operation, api_version, subresource or "", {}, None)
        previous = managers.get(entry.identity)
        if (
            previous is not None
            and previous.wire_known
            and previous.api_version == api_version
            and not difference(gained, previous.fields)
        ):
            # A writer rewriting fields it already owns (a controller's status updates): its
            # set is unchanged, so is its stored FieldsV1; only the time moves.
            entry = previous
        else:
            entry.fields = union(previous.fields, gained) if previous else gained
            entry._base = previous.origin() if previous else None
        entry.time = None if subresource == "scale" else time
        managers[entry.identity] = entry
    return _with_managed_fields(after, managers)


def _conflict_error(conflicts: list[tuple[_Entry, str]]) -> ApiError:
    def who(entry: _Entry) -> str:
        text = json.dumps(entry.manager)
        if entry.subresource:
            text += f" with subresource {json.dumps(entry.subresource)}"
        if entry.operation == "Update":
            text += f" using {entry.api_version}"
        return text

    causes = [
        {"reason": "FieldManagerConflict", "message": f"conflict with {who(e)}", "field": p}
        for e, p in conflicts
    ]
    if len(conflicts) == 1:
        entry, path = conflicts[0]
        message = f"Apply failed with 1 conflict: conflict with {who(entry)}: {path}"
    else:
        lines: list[str] = []
        for entry in sorted({id(e): e for e, _ in conflicts}.values(), key=who):
            lines.append(f"conflicts with {who(entry)}:")
            lines.extend(f"- {p}" for e, p in conflicts if e is entry)
        message = f"Apply failed with {len(conflicts)} conflicts: " + "\n".join(lines)
    return ApiError(409, "Conflict", message, {"causes": causes})


def server_side_apply(
    live: dict[str, Any] | None,
    applied: dict[str, Any],
    *,
    manager: str,
    force: bool,
    api_version: str,
    time: str,
    group: str,
    kind: str,
) -> dict[str, Any]:
    """Merge an applied configuration into `live` (None to create) with field ownership.

    Raises the upstream 409 when another manager owns a field whose value the apply changes,
    unless `force`, which takes the field over. Fields this manager applied last time and no
    longer applies are removed, unless someone else owns them too.
    """
    managers = _decode_entries(live)
    walker = _Walker(strategies(group, kind))
    before = _without_managed_fields(live) if live is not None else _skeleton(group, kind)
    config = _without_managed_fields(applied)
    merged = walker.merge(_without_managed_fields(live) if live is not None else {}, config, ())

    mine = _Entry(manager, "Apply", api_version, "", {}, None)
    previous = managers.get(mine.identity)
    config_set: FieldSet = {}
    walker.to_field_set(config, [], (), config_set)
    mine.fields = difference(config_set, _STRIPPED)
    mine.time = previous.time if previous else None
    managers[mine.identity] = mine
    if previous and previous.fields:
        owned: FieldSet = {}
        for entry in managers.values():
            owned = union(owned, entry.fields)
        merged = walker.prune(merged, previous.fields, owned, ())

    changes = Comparison()
    walker.compare(before, merged, [], (), changes)
    touched = union(changes.added, changes.modified)
    conflicts = [
        (entry, path)
        for identity, entry in managers.items()
        if identity != mine.identity
        for path in paths(intersection(entry.fields, touched))
    ]
    if conflicts and not force:
        raise _conflict_error(conflicts)
    _release(managers, mine.identity, union(touched, changes.removed))
    if merged != before or live is None:
        mine.time = time
    return _with_managed_fields(merged, managers)
