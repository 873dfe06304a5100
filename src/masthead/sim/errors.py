"""Kubernetes `Status` errors, shaped exactly like kube-apiserver's (see docs/api.md).

Handlers raise `ApiError`; the HTTP layer turns it into the response. Builders below keep the
upstream wording in one place so tests can compare against recorded exchanges.
"""

from __future__ import annotations

from typing import Any

from masthead.sim.resources import ResourceInfo


class ApiError(Exception):
    """An error answered as a Kubernetes Status (or, with `plain_text`, as a text body)."""

    def __init__(
        self,
        code: int,
        reason: str,
        message: str,
        details: dict[str, Any] | None = None,
        *,
        retry_after: int | None = None,
        plain_text: bool = False,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.metadata = metadata or {}
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.retry_after = retry_after
        self.plain_text = plain_text

    def status(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": dict(self.metadata),
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
        }
        if self.details is not None:
            body["details"] = self.details
        body["code"] = self.code
        return body


def _details(info: ResourceInfo, name: str | None) -> dict[str, Any]:
    d: dict[str, Any] = {}
    if name is not None:
        d["name"] = name
    if info.group:
        d["group"] = info.group
    d["kind"] = info.resource
    return d


def not_found(info: ResourceInfo, name: str) -> ApiError:
    return ApiError(404, "NotFound", f'{info.qualified} "{name}" not found', _details(info, name))


def already_exists(info: ResourceInfo, name: str) -> ApiError:
    return ApiError(
        409, "AlreadyExists", f'{info.qualified} "{name}" already exists', _details(info, name)
    )


def conflict(info: ResourceInfo, name: str) -> ApiError:
    return ApiError(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on {info.qualified} "{name}": the object has been '
        "modified; please apply your changes to the latest version and try again",
        _details(info, name),
    )


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


def unknown_resource() -> ApiError:
    """An unknown resource inside a known group/version: JSON Status with empty details."""
    return ApiError(404, "NotFound", "the server could not find the requested resource", {})


def page_not_found() -> ApiError:
    """Unknown groups and paths: upstream answers plain text from the mux."""
    return ApiError(404, "NotFound", "404 page not found\n", plain_text=True)


def method_not_allowed() -> ApiError:
    return ApiError(
        405,
        "MethodNotAllowed",
        "the server does not allow this method on the requested resource",
        {},
    )


def not_acceptable() -> ApiError:
    return ApiError(
        406,
        "NotAcceptable",
        "406: Not Acceptable\n\nAvailable representations: application/json, application/yaml, "
        "application/vnd.kubernetes.protobuf, application/json;stream=watch, "
        "application/vnd.kubernetes.protobuf;stream=watch",
        {},
    )


def unsupported_media_type(accepted: list[str] | None = None) -> ApiError:
    """415. Built-in kinds say only the code; custom resources list the accepted patch types."""
    if accepted is None:
        return ApiError(415, "UnsupportedMediaType", "415: Unsupported Media Type", {})
    return ApiError(
        415,
        "UnsupportedMediaType",
        "the body of the request was in an unknown format - accepted media types include: "
        + ", ".join(accepted),
    )


def cause(reason: str, message: str, field: str | None = None) -> dict[str, str]:
    c = {"reason": reason, "message": message}
    if field is not None:
        c["field"] = field
    return c


def invalid(kind: str, group: str, name: str | None, causes: list[dict[str, str]]) -> ApiError:
    """422 Invalid. Details carry the *Kind* (not the resource), unlike NotFound/Conflict."""
    qualified_kind = f"{kind}.{group}" if group else kind
    parts = [f"{c['field']}: {c['message']}" if c.get("field") else c["message"] for c in causes]
    joined = parts[0] if len(parts) == 1 else "[" + ", ".join(parts) + "]"
    details: dict[str, Any] = {}
    if name:
        details["name"] = name
    if group:
        details["group"] = group
    details["kind"] = kind
    details["causes"] = causes
    return ApiError(
        422, "Invalid", f'{qualified_kind} "{name or ""}" is invalid: {joined}', details
    )


def expired(message: str) -> ApiError:
    return ApiError(410, "Expired", message)


def forbidden_message(
    user: str,
    verb: str,
    resource: str,
    group: str,
    subresource: str,
    namespace: str | None,
    name: str | None = None,
) -> str:
    """The authorizer's 403 text, e.g. `pods is forbidden: User "jane" cannot list ...`."""
    res = f"{resource}/{subresource}" if subresource else resource
    head = f"{res}.{group}" if group else res
    if name:
        head = f'{head} "{name}"'
    where = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
    return (
        f'{head} is forbidden: User "{user}" cannot {verb} resource "{res}" '
        f'in API group "{group}" {where}'
    )


def too_many_requests(retry_after: int) -> ApiError:
    """Priority-and-fairness style 429: plain text with a Retry-After header."""
    return ApiError(
        429,
        "TooManyRequests",
        "Too many requests, please try again later.\n",
        retry_after=retry_after,
        plain_text=True,
    )
