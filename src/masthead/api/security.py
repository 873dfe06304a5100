"""Security by default (architecture §2.6): who may talk to this server, and from where.

- **Host allow-list** (DNS rebinding): the Host header must be `127.0.0.1:PORT`,
  `localhost:PORT` or `[::1]:PORT`, else 421 — a page on evil.example that rebinds its name
  to 127.0.0.1 still sends `Host: evil.example`.
- **Launch token**: random per run (or `--token`). The browser opens `/?token=T`, which sets an
  HttpOnly SameSite=Strict session cookie (a keyed hash of the token, so the URL in the history
  is not the cookie, yet a server restarted with the same `--token` accepts the cookie of the
  browser that is still open) and redirects to the same path without the token. Tools send
  `Authorization: Bearer T`. Everything else gets 401 (`/healthz` and `/readyz` excepted).
- **Origin check** on WebSocket upgrades and on every method other than GET/HEAD: a present
  Origin must be this server's own; a missing one is accepted only with a bearer token
  (browsers always send Origin there, tools usually do not).
- **No CORS**: no Access-Control-* header is ever sent, so other origins can read nothing.
- **In-cluster mode** (`users` set): no launch token; every request is a Kubernetes user,
  by bearer token or login session (`api/login.py`); the Host allow-list adds the public
  names the server is reached by (`public_hosts`).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Sequence
from typing import Any

from aiohttp import hdrs, web

from masthead.api.errors import ApiProblem, problem_response
from masthead.api.login import LOGIN_PATH, UserAuth, sign_in_page
from masthead.identity import set_current_user

COOKIE = "masthead_session"
TOKEN_PARAM = "token"
PUBLIC_PATHS = frozenset({"/healthz", "/readyz"})
_SAFE_METHODS = frozenset({"GET", "HEAD"})

_NOT_AUTHENTICATED_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>masthead: sign in</title></head>
<body style="font-family: system-ui, sans-serif; margin: 3em; max-width: 40em">
<h1>masthead</h1>
<p>This page needs the launch link masthead printed when it started, of the form
<code>http://127.0.0.1:PORT/?token=…</code>. Open that link (once) and this browser is
signed in for as long as masthead runs.</p>
</body></html>
"""


def session_cookie_value(token: str) -> str:
    """The cookie the launch URL sets: derived from the token (one-way), so it is the same
    after a restart with the same token and says nothing about the token itself."""
    return hmac.new(token.encode(), b"masthead session cookie", "sha256").hexdigest()


class Security:
    def __init__(
        self,
        token: str | None = None,
        *,
        users: UserAuth | None = None,
        public_hosts: Sequence[str] = (),
    ) -> None:
        self.token = token or secrets.token_urlsafe(24)
        self.session = session_cookie_value(self.token)
        self.users = users  # in-cluster mode: requests are Kubernetes users
        self.public_hosts = tuple(public_hosts)  # Host values of an ingress / auth proxy
        self.hosts: frozenset[str] = frozenset()
        self.origins: frozenset[str] = frozenset()
        self.refused: dict[str, int] = {"host": 0, "auth": 0, "origin": 0}

    def bind(self, port: int) -> None:
        """Allow this server's own names on `port` (known once the socket is bound), and the
        public names it is reached by behind a proxy (their origins over https or http)."""
        hosts = {f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"}
        self.hosts = frozenset(hosts | set(self.public_hosts))
        self.origins = frozenset(
            {f"http://{h}" for h in hosts}
            | {f"{scheme}://{h}" for h in self.public_hosts for scheme in ("https", "http")}
        )

    def launch_url(self, port: int) -> str:
        return f"http://127.0.0.1:{port}/?{TOKEN_PARAM}={self.token}"

    def bearer(self, request: web.Request) -> bool:
        auth = request.headers.get(hdrs.AUTHORIZATION, "")
        scheme, _, value = auth.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            value.strip().encode(), self.token.encode()
        )

    def cookie(self, request: web.Request) -> bool:
        value = request.cookies.get(COOKIE)
        return value is not None and hmac.compare_digest(value.encode(), self.session.encode())

    def set_cookie(self, response: web.StreamResponse) -> None:
        response.set_cookie(COOKIE, self.session, path="/", httponly=True, samesite="Strict")


def _refuse(security: Security, what: str, code: int, message: str) -> web.Response:
    security.refused[what] += 1
    return problem_response(ApiProblem(code, message))


def security_middleware(security: Security) -> Any:
    @web.middleware
    async def middleware(request: web.Request, handler: Any) -> web.StreamResponse:
        host = request.headers.get(hdrs.HOST, "")
        if host not in security.hosts:
            return _refuse(security, "host", 421, f"host {host!r} is not served here")
        if request.path in PUBLIC_PATHS:
            response: web.StreamResponse = await handler(request)
            return response
        if security.users is not None:
            return await _as_user(security, security.users, request, handler)
        token = request.query.get(TOKEN_PARAM)
        if token is not None and request.method == "GET" and not request.path.startswith("/api/"):
            if not hmac.compare_digest(token.encode(), security.token.encode()):
                security.refused["auth"] += 1
                return web.Response(
                    status=401, text=_NOT_AUTHENTICATED_PAGE, content_type="text/html"
                )
            rest = request.rel_url.with_query(
                [(k, v) for k, v in request.query.items() if k != TOKEN_PARAM]
            )
            redirect = web.HTTPSeeOther(str(rest))
            security.set_cookie(redirect)
            raise redirect
        by_bearer = security.bearer(request)
        if not by_bearer and not security.cookie(request):
            if request.path.startswith("/api/"):
                return _refuse(security, "auth", 401, "missing or wrong token")
            security.refused["auth"] += 1
            return web.Response(status=401, text=_NOT_AUTHENTICATED_PAGE, content_type="text/html")
        refusal = _origin_refusal(security, request, by_bearer)
        if refusal is not None:
            return refusal
        response = await handler(request)
        return response

    return middleware


def _origin_refusal(
    security: Security, request: web.Request, by_bearer: bool
) -> web.Response | None:
    upgrade = request.headers.get(hdrs.UPGRADE, "").lower() == "websocket"
    if upgrade or request.method not in _SAFE_METHODS:
        origin = request.headers.get(hdrs.ORIGIN)
        if origin is None:
            if not by_bearer:
                return _refuse(security, "origin", 403, "an Origin header is required")
        elif origin not in security.origins:
            return _refuse(security, "origin", 403, f"origin {origin!r} is not allowed")
    elif request.path.endswith("/stream"):
        # SSE feeds: a browser sends Origin on a cross-origin EventSource; refuse foreign
        # ones (a same-origin GET may carry none).
        origin = request.headers.get(hdrs.ORIGIN)
        if origin is not None and origin not in security.origins:
            return _refuse(security, "origin", 403, f"origin {origin!r} is not allowed")
    return None


async def _as_user(
    security: Security, users: UserAuth, request: web.Request, handler: Any
) -> web.StreamResponse:
    """In-cluster mode: the request is a Kubernetes user (or the sign-in itself)."""
    if request.path == LOGIN_PATH:  # no identity yet; a browser's POST still needs Origin
        refusal = _origin_refusal(security, request, by_bearer=False)
        if refusal is not None:
            return refusal
        response: web.StreamResponse = await handler(request)
        return response
    try:
        user = await users.authenticate(request)
    except ApiProblem as p:
        if p.code == 401:
            security.refused["auth"] += 1
            if not request.path.startswith("/api/"):
                return await sign_in_page(request, handler)
        return problem_response(p)
    refusal = _origin_refusal(security, request, by_bearer=user.via == "token")
    if refusal is not None:
        return refusal
    set_current_user(user)  # this request's task (and tasks it starts) see the user
    response = await handler(request)
    return response


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """`on_response_prepare`: headers every answer carries."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")  # the launch URL has a token
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
