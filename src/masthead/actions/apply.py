"""`apply`: one object from YAML or JSON text, written with server-side apply as field manager
`masthead`. A dry run answers the API server's result and a unified diff live → result (both
without managedFields, status, resourceVersion and generation); a conflict with another field
manager is a 409 whose `details.conflicts` name each field and manager (parsed from the Status
causes); `force` takes the fields over.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from typing import Any

import orjson
import yaml

from masthead.actions.base import (
    APPLY_PATCH,
    FIELD_MANAGER,
    NAME,
    NAMESPACE,
    ActionInvalid,
    Answer,
    Check,
    Plan,
    Runner,
    Target,
    flag,
    send,
    text,
)
from masthead.kube.discovery import ResourceType
from masthead.kube.errors import ApiError, ApiStatus
from masthead.kube.transport import Transport

MAX_MANIFEST = 1 << 20  # bytes of text: one object, not a cluster dump
_MANAGER = re.compile(r'^conflict with ("(?:[^"\\]|\\.)*")')
_STRIPPED_META = ("managedFields", "resourceVersion", "generation")

Obj = dict[str, Any]


def parse_manifest(raw: str) -> Obj:
    if len(raw.encode()) > MAX_MANIFEST:
        raise ActionInvalid("manifest", f"manifest must be at most {MAX_MANIFEST} bytes")
    try:
        # Aliases could expand a small text into a huge object (a "billion laughs"); a
        # manifest for one object has no use for them.
        if any(isinstance(ev, yaml.AliasEvent) for ev in yaml.parse(raw, Loader=yaml.SafeLoader)):
            raise ActionInvalid("manifest", "manifest must not use YAML aliases (*name)")
        docs = [d for d in yaml.safe_load_all(raw) if d is not None]
    except yaml.YAMLError as e:
        raise ActionInvalid("manifest", f"manifest is not valid YAML or JSON: {e}") from None
    if len(docs) != 1:
        raise ActionInvalid("manifest", f"manifest must hold exactly one object, got {len(docs)}")
    obj = docs[0]
    if not isinstance(obj, dict):
        raise ActionInvalid("manifest", "manifest must be an object (a mapping)")
    for key in ("apiVersion", "kind"):
        if not isinstance(obj.get(key), str) or not obj[key]:
            raise ActionInvalid("manifest", f"manifest has no {key}")
    meta = obj.get("metadata")
    if not isinstance(meta, dict) or not isinstance(meta.get("name"), str):
        raise ActionInvalid("manifest", "manifest has no metadata.name")
    if not NAME.match(meta["name"]):
        raise ActionInvalid("manifest", f"metadata.name {meta['name']!r} is not a valid name")
    ns = meta.get("namespace")
    if ns is not None and (not isinstance(ns, str) or not NAMESPACE.match(ns)):
        raise ActionInvalid("manifest", f"metadata.namespace {ns!r} is not a valid namespace")
    return obj


def _resource_for(types: list[ResourceType], obj: Obj) -> ResourceType:
    group, _, version = str(obj["apiVersion"]).rpartition("/")
    for t in types:
        if t.group == group and t.version == version and t.kind == obj["kind"]:
            return t
    raise ActionInvalid(
        "manifest", f"the cluster serves no kind {obj['kind']!r} in {obj['apiVersion']!r}"
    )


def stripped(obj: Obj | None) -> Obj:
    """`obj` without what the server owns or bumps on every write."""
    if not obj:
        return {}
    out = {k: v for k, v in obj.items() if k != "status"}
    meta = {k: v for k, v in (obj.get("metadata") or {}).items() if k not in _STRIPPED_META}
    out["metadata"] = meta
    return out


def unified_diff(live: Obj | None, result: Obj) -> str:
    def lines(o: Obj) -> list[str]:
        if not o:
            return []
        return yaml.safe_dump(o, sort_keys=False, default_flow_style=False).splitlines(True)

    return "".join(
        difflib.unified_diff(lines(stripped(live)), lines(stripped(result)), "live", "result")
    )


def conflicts_of(status: ApiStatus) -> list[dict[str, str]]:
    """Each SSA conflict as `{field, manager, message}` from the Status causes."""
    out = []
    for c in status.cause_details:
        if c.reason != "FieldManagerConflict":
            continue
        m = _MANAGER.match(c.message)
        manager = ""
        if m:
            try:
                manager = str(orjson.loads(m.group(1)))
            except orjson.JSONDecodeError:
                manager = m.group(1).strip('"')
        out.append({"field": c.field, "manager": manager, "message": c.message})
    return out


def apply(body: Mapping[str, Any], now: Callable[[], float]) -> Plan:
    obj = parse_manifest(text(body, "manifest"))
    force = flag(body, "force")
    meta = obj["metadata"]
    group, _, version = str(obj["apiVersion"]).rpartition("/")
    provisional = Target(
        group, version, str(obj["kind"]), str(meta.get("namespace") or ""), meta["name"]
    )

    def resolve(types: list[ResourceType]) -> Plan:
        t = _resource_for(types, obj)
        ns = str(meta.get("namespace") or "")
        if t.namespaced and not ns:
            raise ActionInvalid("manifest", f"metadata.namespace is required for {t.kind}")
        if not t.namespaced and ns:
            raise ActionInvalid("manifest", f"{t.kind} is cluster-scoped: drop metadata.namespace")
        target = Target(t.group, t.version, t.resource, ns, meta["name"])
        return Plan(
            "apply",
            target,
            {"kind": t.kind, "force": force},
            (
                Check("get", t.group, t.resource, ns),
                Check("patch", t.group, t.resource, ns),
            ),
            _runner(target, obj, force),
            destructive=force,
        )

    async def unresolved(transport: Transport, dry_run: bool) -> Answer:
        raise AssertionError("apply runs once resolved against discovery")

    return Plan(
        "apply", provisional, {"force": force}, (), unresolved, destructive=force, resolve=resolve
    )


def _runner(target: Target, obj: Obj, force: bool) -> Runner:
    params = {"fieldManager": FIELD_MANAGER, **({"force": "true"} if force else {})}

    async def run(transport: Transport, dry_run: bool) -> Answer:
        live: Obj | None = None
        if dry_run:
            try:
                live = (await transport.request("get", target.path)).json()
            except ApiError as e:
                if e.status.code != 404:
                    raise
        answer = await send(
            transport, "patch", "PATCH", target.path, obj, dry_run, APPLY_PATCH, params
        )
        if not dry_run:
            return answer
        return Answer(
            answer.status, {"result": answer.body, "diff": unified_diff(live, answer.body)}
        )

    return run
