"""The one error envelope (protocol.md): `{"error": {code, reason, message, cluster?, source?,
details?}}`, raised as `ApiProblem` anywhere in a handler and rendered by `error_middleware`."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import orjson
from aiohttp import web

from masthead.kube.errors import ApiError

log = logging.getLogger(__name__)

_REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    421: "MisdirectedRequest",
    500: "InternalError",
    502: "BadGateway",
    503: "ServiceUnavailable",
}


class ApiProblem(Exception):
    def __init__(
        self,
        code: int,
        message: str,
        *,
        reason: str | None = None,
        cluster: str | None = None,
        source: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason or _REASONS.get(code, "Error")
        self.message = message
        self.cluster = cluster
        self.source = source
        self.details = dict(details) if details else None

    def body(self) -> dict[str, Any]:
        err: dict[str, Any] = {"code": self.code, "reason": self.reason, "message": self.message}
        if self.cluster is not None:
            err["cluster"] = self.cluster
        if self.source is not None:
            err["source"] = self.source
        if self.details:
            err["details"] = self.details
        return {"error": err}


def bad_parameter(param: str, message: str) -> ApiProblem:
    return ApiProblem(400, message, reason="BadRequest", details={"parameter": param})


def from_kube(e: ApiError, cluster: str, source: str | None = None) -> ApiProblem:
    """The API server's answer, passed through (its Status in `details.status`)."""
    s = e.status
    status = {"code": s.code, "reason": s.reason, "message": s.message}
    code = s.code if 400 <= s.code < 600 else 502
    return ApiProblem(
        code,
        s.message,
        reason=s.reason or None,
        cluster=cluster,
        source=source,
        details={"status": status},
    )


def json_response(
    data: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    return web.Response(
        body=orjson.dumps(data),
        status=status,
        content_type="application/json",
        headers=headers,
    )


def problem_response(p: ApiProblem) -> web.Response:
    return json_response(p.body(), p.code)


@web.middleware
async def error_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        response: web.StreamResponse = await handler(request)
        return response
    except ApiProblem as p:
        return problem_response(p)
    except web.HTTPException as e:
        if e.status < 400 or not request.path.startswith("/api/"):
            raise
        return problem_response(ApiProblem(e.status, e.reason))
    except Exception:
        log.exception("%s %s failed", request.method, request.path)
        return problem_response(ApiProblem(500, "internal error (see the server log)"))
