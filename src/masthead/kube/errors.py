"""Errors of the kube layer, each carrying the API server's own Status when there is one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

# client-go's wording for a 429 that came without a Status body (APF answers in plain text).
TOO_MANY_REQUESTS = "the server has received too many requests and has asked us to try again later"


@dataclass(frozen=True, slots=True)
class StatusCause:
    """One metav1.StatusCause: `reason` (its `type`), `message` and `field`."""

    reason: str
    message: str = ""
    field: str = ""


@dataclass(frozen=True, slots=True)
class ApiStatus:
    """The parts of a metav1.Status a caller acts on or shows."""

    code: int
    reason: str
    message: str
    retry_after: float | None = None
    causes: tuple[str, ...] = ()
    # The causes in full (SSA conflicts name the field and the other manager in them).
    cause_details: tuple[StatusCause, ...] = ()

    @classmethod
    def from_status_object(cls, obj: dict[str, Any]) -> ApiStatus:
        details = obj.get("details") or {}
        full = tuple(
            StatusCause(
                str(c.get("reason", "")), str(c.get("message", "")), str(c.get("field", ""))
            )
            for c in details.get("causes") or ()
            if isinstance(c, dict)
        )
        retry = details.get("retryAfterSeconds")
        return cls(
            code=int(obj.get("code") or 0),
            reason=str(obj.get("reason") or ""),
            message=str(obj.get("message") or ""),
            retry_after=float(retry) if retry else None,
            causes=tuple(c.reason for c in full),
            cause_details=full,
        )

    @classmethod
    def from_response(
        cls, code: int, body: bytes, content_type: str, retry_after: float | None
    ) -> ApiStatus:
        """A Status from an error response: JSON Status when sent, else the plain text."""
        if body and "json" in content_type:
            try:
                obj = orjson.loads(body)
            except orjson.JSONDecodeError:
                obj = None
            if isinstance(obj, dict) and obj.get("kind") == "Status":
                s = cls.from_status_object(obj)
                return cls(
                    code,
                    s.reason,
                    s.message,
                    retry_after or s.retry_after,
                    s.causes,
                    s.cause_details,
                )
        text = body.decode(errors="replace").strip()
        if code == 429 and not text:
            text = TOO_MANY_REQUESTS
        return cls(code, _REASONS.get(code, ""), text or f"HTTP {code}", retry_after)


_REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    410: "Expired",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}


class KubeError(Exception):
    """Base of everything this layer raises."""


class ApiError(KubeError):
    """The API server answered with an error Status."""

    def __init__(self, status: ApiStatus) -> None:
        super().__init__(f"{status.code} {status.reason}: {status.message}")
        self.status = status

    @property
    def code(self) -> int:
        return self.status.code

    @property
    def expired(self) -> bool:
        """410: the resourceVersion or continue token fell out of the server's history."""
        return self.status.code == 410

    @property
    def too_large_rv(self) -> bool:
        return "ResourceVersionTooLarge" in self.status.causes or (
            self.status.code == 504 and "Too large resource version" in self.status.message
        )


class AuthFailed(ApiError):
    """401 even after refreshing credentials."""


class TransportError(KubeError):
    """No HTTP answer: connection refused or reset, DNS, TLS or timeout."""


class CredentialError(KubeError):
    """Credentials could not be loaded (bad kubeconfig, failing exec plugin)."""


class StreamError(KubeError):
    """A watch stream broke in a way the server did not report (oversized line, bad JSON)."""
