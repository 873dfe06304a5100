"""What every action is made of: the target, the permission checks, the API server's answer,
the plan, and the request and body-parsing helpers the action families share."""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from masthead.kube.discovery import ResourceType
from masthead.kube.transport import Transport

MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"
FIELD_MANAGER = "masthead"
# DNS-1123 subdomain (object names) and label (namespaces).
NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_SEGMENT = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")


class ActionInvalid(Exception):
    """A bad request body: `parameter` names the field."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.message = message


@dataclass(frozen=True, slots=True)
class Target:
    group: str  # "" for the core group
    version: str
    resource: str
    namespace: str  # "" for cluster-scoped objects
    name: str

    @property
    def path(self) -> str:
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if self.namespace:
            return f"{base}/namespaces/{self.namespace}/{self.resource}/{self.name}"
        return f"{base}/{self.resource}/{self.name}"

    def as_dict(self) -> dict[str, str]:
        return {
            "group": self.group,
            "version": self.version,
            "resource": self.resource,
            "namespace": self.namespace,
            "name": self.name,
        }


@dataclass(frozen=True, slots=True)
class Check:
    """One SSAR question that must be answered `allowed` before the action runs."""

    verb: str
    group: str
    resource: str
    namespace: str = ""
    subresource: str = ""

    def describe(self) -> str:
        what = f"{self.resource}/{self.subresource}" if self.subresource else self.resource
        if self.group:
            what = f"{what}.{self.group}"
        where = f' in namespace "{self.namespace}"' if self.namespace else ""
        return f"{self.verb} {what}{where}"


@dataclass(frozen=True, slots=True)
class Answer:
    """The API server's answer: HTTP status and the body it sent (decoded JSON)."""

    status: int
    body: Any
    warnings: tuple[str, ...] = ()  # sent back as `Warning` headers, as the API server does


Runner = Callable[[Transport, bool], Awaitable[Answer]]


@dataclass(frozen=True)
class Plan:
    action: str
    target: Target
    params: Mapping[str, Any]  # the validated parameters (recorded in the audit log)
    checks: tuple[Check, ...]
    run: Runner = field(repr=False)
    # Destructive actions need `confirm: "<name>"` on contexts marked "confirm".
    destructive: bool = False
    # Plans whose target depends on the cluster's discovery (apply: a manifest names a kind)
    # are completed with it before their checks are asked.
    resolve: Callable[[list[ResourceType]], Plan] | None = field(default=None, repr=False)
    # Options of an action that runs in the background (drain) instead of `run`.
    background: Any = None


Builder = Callable[[Mapping[str, Any], Callable[[], float]], Plan]


# ---------------------------------------------------------------------------- requests


def dry_params(dry_run: bool) -> dict[str, str]:
    return {"dryRun": "All"} if dry_run else {}


async def send(
    transport: Transport,
    verb: str,
    method: str,
    path: str,
    body: Any,
    dry_run: bool,
    content_type: str = "application/json",
    params: Mapping[str, str] | None = None,
) -> Answer:
    raw = body if isinstance(body, bytes) else orjson.dumps(body) if body is not None else None
    r = await transport.request(
        verb,
        path,
        {**dry_params(dry_run), **(params or {})},
        method=method,
        body=raw,
        headers={"Content-Type": content_type} if body is not None else None,
    )
    return Answer(r.status, r.json() if r.body else None)


def patcher(target: Target, patch: Any, content_type: str, subresource: str = "") -> Runner:
    path = target.path + (f"/{subresource}" if subresource else "")

    async def run(transport: Transport, dry_run: bool) -> Answer:
        return await send(transport, "patch", "PATCH", path, patch, dry_run, content_type)

    return run


# ---------------------------------------------------------------------------- parsing


def text(body: Mapping[str, Any], key: str, default: str | None = None) -> str:
    value = body.get(key, default)
    if value is None:
        raise ActionInvalid(key, f"{key} is required")
    if not isinstance(value, str):
        raise ActionInvalid(key, f"{key} must be a string")
    return value


def name_of(body: Mapping[str, Any]) -> str:
    name = text(body, "name")
    if not NAME.match(name) or len(name) > 253:
        raise ActionInvalid("name", f"name {name!r} is not a valid object name")
    return name


def namespace_of(body: Mapping[str, Any], required: bool = True) -> str:
    ns = body.get("namespace")
    if ns in (None, "") and not required:
        return ""
    ns = text(body, "namespace")
    if not NAMESPACE.match(ns) or len(ns) > 63:
        raise ActionInvalid("namespace", f"namespace {ns!r} is not a valid namespace name")
    return ns


def one_of(body: Mapping[str, Any], key: str, choices: tuple[str, ...], default: str) -> str:
    value = text(body, key, default)
    if value not in choices:
        raise ActionInvalid(key, f"{key} must be one of {', '.join(choices)}, got {value!r}")
    return value


def integer(body: Mapping[str, Any], key: str, *, required: bool, minimum: int = 0) -> int | None:
    value = body.get(key)
    if value is None:
        if required:
            raise ActionInvalid(key, f"{key} is required")
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ActionInvalid(key, f"{key} must be an integer ≥ {minimum}")
    return value


def flag(body: Mapping[str, Any], key: str) -> bool:
    value = body.get(key, False)
    if not isinstance(value, bool):
        raise ActionInvalid(key, f"{key} must be true or false")
    return value


def any_target(body: Mapping[str, Any]) -> Target:
    """`group` (""/core default), `version` (v1), `resource`, `namespace` (omit for
    cluster-scoped), `name`: any object."""
    group = text(body, "group", "")
    if group in ("core", "_"):
        group = ""
    version = text(body, "version", "v1")
    resource = text(body, "resource")
    for key, value in (("group", group), ("version", version), ("resource", resource)):
        if value and not _SEGMENT.match(value):
            raise ActionInvalid(key, f"{key} {value!r} is not valid")
    if not resource or not version:
        raise ActionInvalid("resource" if not resource else "version", "required")
    return Target(group, version, resource, namespace_of(body, required=False), name_of(body))


def rfc3339(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
