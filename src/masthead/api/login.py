"""In-cluster sign-in: who a request is, from a Kubernetes bearer token or a login session.

- `Authorization: Bearer <Kubernetes token>` or `X-Forwarded-Access-Token: <token>` (what
  oauth2-proxy style auth proxies send): the token is validated on the API server
  (`identity.TokenValidator`) and used for the user's calls.
- `POST /api/v1/login` `{"token": ...}` (JSON, or a form post from the sign-in page):
  validates the token, keeps it server-side and sets an HttpOnly SameSite=Strict cookie with a
  random session id. The token is never sent back. Sessions are capped (`max_logins`, least
  recently used dropped, counted) and end after `login_idle` without use or at
  `POST /api/v1/logout`. Every use re-validates the token through the validator's short
  cache, so a revoked token stops working within `validation_ttl`.
- `GET /api/v1/whoami`: the requesting user (name and groups).
- A UI path without credentials: the built web UI (its bundle is public code, no data) answered
  with 401, which shows its own sign-in screen; the plain form above when the UI is not built
  (and inside the UI's `<noscript>`).
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import hdrs, web

from masthead.api.errors import ApiProblem, bad_parameter, json_response
from masthead.identity import Identity, IdentityTuning, RequestUser, current_user
from masthead.user_sessions import UserSessions

LOGIN_PATH = "/api/v1/login"
LOGOUT_PATH = "/api/v1/logout"
FORWARDED_TOKEN = "X-Forwarded-Access-Token"
# Longest token accepted (service account JWTs are ~1 KB, OIDC ID tokens a few KB).
MAX_TOKEN = 16 * 1024

SIGN_IN_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>masthead: sign in</title></head>
<body style="font-family: system-ui, sans-serif; margin: 3em; max-width: 40em">
<h1>masthead</h1>
<p>Sign in with your Kubernetes bearer token (for example
<code>kubectl create token NAME</code>, or your OIDC ID token). It is checked against the
API server and used for every request masthead makes for you.</p>
<form method="post" action="/api/v1/login">
<label>Token <input type="password" name="token" autocomplete="off" required
style="width: 100%"></label>
<p><button type="submit">Sign in</button></p>
</form>
</body></html>
"""


ASSETS_PREFIX = "/assets/"


async def sign_in_page(request: web.Request, handler: Any) -> web.StreamResponse:
    """A UI path asked without credentials: the web UI's index (status 401; its sign-in screen
    posts to the login) and the bundle it loads, or the plain form when the UI is not built."""
    # Imported here: the context module imports security, which imports this module.
    from masthead.api.context import context_of

    dist = context_of(request).web_dist
    if dist is None or not (dist / "index.html").is_file():
        return web.Response(status=401, text=SIGN_IN_PAGE, content_type="text/html")
    if request.path.startswith(ASSETS_PREFIX):
        response: web.StreamResponse = await handler(request)
        return response
    return web.FileResponse(dist / "index.html", status=401, headers={"Cache-Control": "no-cache"})


@dataclass(eq=False)
class _Login:
    token: str = field(repr=False)
    identity: Identity
    last_used: float


@dataclass
class LoginCounters:
    created: int = 0
    evicted: int = 0  # dropped at `max_logins`
    expired: int = 0  # unused for `login_idle`
    logged_out: int = 0


class LoginSessions:
    """Browser sign-ins: random cookie value → the user's token, server-side only."""

    def __init__(self, tuning: IdentityTuning, clock: Callable[[], float] = time.monotonic) -> None:
        self.tuning = tuning
        self.counters = LoginCounters()
        self._clock = clock
        self._logins: OrderedDict[str, _Login] = OrderedDict()

    def create(self, token: str, identity: Identity) -> str:
        while len(self._logins) >= max(1, self.tuning.max_logins):
            self._logins.popitem(last=False)
            self.counters.evicted += 1
        sid = secrets.token_urlsafe(32)
        self._logins[sid] = _Login(token, identity, self._clock())
        self.counters.created += 1
        return sid

    def token(self, sid: str) -> str | None:
        login = self._logins.get(sid)
        if login is None:
            return None
        now = self._clock()
        if now - login.last_used >= self.tuning.login_idle:
            del self._logins[sid]
            self.counters.expired += 1
            return None
        login.last_used = now
        self._logins.move_to_end(sid)
        return login.token

    def end(self, sid: str) -> None:
        if self._logins.pop(sid, None) is not None:
            self.counters.logged_out += 1

    def as_dict(self) -> dict[str, object]:
        c = self.counters
        return {
            "sessions": len(self._logins),
            "max_sessions": self.tuning.max_logins,
            "created": c.created,
            "evicted": c.evicted,
            "expired": c.expired,
            "logged_out": c.logged_out,
        }


class UserAuth:
    """The in-cluster authenticator the security middleware calls for every request."""

    def __init__(self, users: UserSessions, cookie: str) -> None:
        self.users = users
        self.cookie = cookie
        self.logins = LoginSessions(users.tuning)

    async def authenticate(self, request: web.Request) -> RequestUser:
        """The request's user; `ApiProblem` 401 when it has no (valid) credentials."""
        token = presented_token(request)
        via = "token"
        if token is None:
            sid = request.cookies.get(self.cookie)
            token = self.logins.token(sid) if sid else None
            via = "login"
            if token is None:
                raise ApiProblem(
                    401,
                    "not signed in: send Authorization: Bearer <Kubernetes token> or sign in "
                    f"at {LOGIN_PATH}",
                    reason="Unauthorized",
                )
        identity = await self.users.admit(token)
        return RequestUser(identity, token, via)

    def as_dict(self) -> dict[str, object]:
        return {"users": self.users.as_dict(), "logins": self.logins.as_dict()}


def presented_token(request: web.Request) -> str | None:
    """A bearer token from the Authorization header or the auth proxy's header."""
    scheme, _, value = request.headers.get(hdrs.AUTHORIZATION, "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    forwarded = request.headers.get(FORWARDED_TOKEN, "").strip()
    return forwarded or None


USER_AUTH: web.AppKey[UserAuth] = web.AppKey("masthead.user_auth", UserAuth)


async def login(request: web.Request) -> web.StreamResponse:
    """Validate the token, start a server-side session, set its cookie. A form post (the
    sign-in page) is redirected to the UI; JSON gets the user."""
    auth = _auth(request)
    form = request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data")
    token = await _token_of(request, form)
    identity = await auth.users.admit(token)
    sid = auth.logins.create(token, identity)
    # Secure behind TLS (terminated here or by the proxy that says so): the cookie is as
    # good as the token while the session lives.
    secure = request.secure or request.headers.get("X-Forwarded-Proto", "").lower() == "https"
    cookie: dict[str, Any] = {"path": "/", "httponly": True, "samesite": "Strict"}
    if secure:
        cookie["secure"] = True
    if form:
        redirect = web.HTTPSeeOther("/")
        redirect.set_cookie(auth.cookie, sid, **cookie)
        raise redirect
    response = json_response({"user": identity.as_dict()})
    response.set_cookie(auth.cookie, sid, **cookie)
    return response


async def logout(request: web.Request) -> web.Response:
    auth = _auth(request)
    sid = request.cookies.get(auth.cookie)
    if sid:
        auth.logins.end(sid)
    response = json_response({"signedOut": True})
    response.del_cookie(auth.cookie, path="/")
    return response


async def whoami(request: web.Request) -> web.Response:
    user = current_user()
    if user is None:
        raise ApiProblem(404, "no user identities outside in-cluster mode", reason="NotFound")
    return json_response({"user": user.identity.as_dict(), "via": user.via})


def _auth(request: web.Request) -> UserAuth:
    auth = request.app.get(USER_AUTH)
    if auth is None:
        raise ApiProblem(404, "sign-in exists in in-cluster mode only", reason="NotFound")
    return auth


async def _token_of(request: web.Request, form: bool) -> str:
    if request.content_length is not None and request.content_length > MAX_TOKEN + 1024:
        raise bad_parameter("token", f"the body is larger than {MAX_TOKEN + 1024} bytes")
    value: Any
    if form:
        value = (await request.post()).get("token")
    else:
        try:
            body = await request.json()
        except ValueError:
            raise bad_parameter("token", 'the body must be JSON: {"token": "..."}') from None
        value = body.get("token") if isinstance(body, dict) else None
    if not isinstance(value, str) or not value.strip():
        raise bad_parameter("token", "token must be a non-empty string")
    if len(value) > MAX_TOKEN:
        raise bad_parameter("token", f"token is longer than {MAX_TOKEN} characters")
    return value.strip()
