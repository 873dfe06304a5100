"""In-cluster mode (architecture §2.6): every user reaches the API server as themselves.
This module holds what the parts share: options, tuning, `Identity` and the request's user.

A user presents their own Kubernetes bearer token (from an auth proxy, or once at the login
endpoint). `token_review.TokenValidator` asks the API server who that token is
(SelfSubjectReview, sent with the token itself), caching the answer for a short while so a
revoked token stops working within `validation_ttl`. `user_sessions.UserSessions` gives every
identity (user name + groups) its
own `ClusterSession`, created on the identity's first request and sending that user's token
on every call — lists, watches, reviews, object reads, logs, actions. Tables, object cache,
events history, ETags and live subscriptions are all keyed by the session's id, so nothing
built with one user's permissions is ever served to another. Identities are capped: past
`max_identities` the least recently used one is closed and dropped (counted); the sweep
closes one idle for `identity_idle` and one whose token the API server now refuses. A closed
session keeps no rows.

The request's identity travels in a context variable set by the security middleware: every
handler — and every task it starts — resolves clusters through it.

Tokens are never logged, never sent back, and kept only in memory: in the validation cache
under their SHA-256, and in the session that uses them.
"""

from __future__ import annotations

import contextvars
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from masthead.kube.kubeconfig import IN_CLUSTER, SERVICE_ACCOUNT_DIR


@dataclass(frozen=True, slots=True)
class IdentityTuning:
    # A validated token is trusted this long before the API server is asked again (a revoked
    # token stops working within it); a rejected one is refused this long without asking.
    validation_ttl: float = 60.0
    rejection_ttl: float = 10.0
    validation_cache: int = 4096  # tokens remembered (by hash); oldest dropped
    # Token reviews in flight at once: a flood of made-up tokens (each one a review) waits
    # here instead of becoming a burst against the API server.
    review_concurrency: int = 8
    # Users with a cluster session at once; past it the least recently used is closed.
    max_identities: int = 64
    # A user's session unused this long is closed (its watches stop) and dropped.
    identity_idle: float = 900.0
    sweep_interval: float = 60.0
    # Browser sign-ins (login endpoint) kept at once, and how long an unused one lives.
    max_logins: int = 1024
    login_idle: float = 8 * 3600.0


@dataclass(frozen=True, slots=True)
class InClusterOptions:
    """`masthead --in-cluster`: where the pod's service account is and how the server is
    reached. Tests point `account_dir` and `env` at the simulator."""

    account_dir: Path = SERVICE_ACCOUNT_DIR
    env: Mapping[str, str] | None = None  # KUBERNETES_SERVICE_HOST/PORT; None: os.environ
    bind: str = "0.0.0.0"  # a pod is reached through its Service, not on loopback
    public_hosts: tuple[str, ...] = ()  # Host values of the ingress / auth proxy in front
    tuning: IdentityTuning = field(default_factory=IdentityTuning)


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a token is, as the API server says."""

    username: str
    groups: tuple[str, ...] = ()
    uid: str = ""

    @property
    def key(self) -> str:
        """Stable across restarts (the events history is kept per cluster id) and says
        nothing a token could be derived from."""
        raw = "\0".join((self.username, *sorted(self.groups)))
        return hashlib.sha256(raw.encode()).hexdigest()[:16]

    @property
    def cluster_id(self) -> str:
        return f"{IN_CLUSTER}-{self.key}"

    def as_dict(self) -> dict[str, object]:
        return {"username": self.username, "groups": list(self.groups)}


class InvalidToken(Exception):
    """The API server refused the token (401): the message is the API's."""


@dataclass(frozen=True, slots=True)
class RequestUser:
    """Who sent the request being handled, and the token they sent."""

    identity: Identity
    token: str = field(repr=False)
    via: str = "token"  # "token" (Authorization / X-Forwarded-Access-Token) | "login"


_REQUEST_USER: contextvars.ContextVar[RequestUser | None] = contextvars.ContextVar(
    "masthead_request_user", default=None
)


def current_user() -> RequestUser | None:
    """The user of the request being handled (in-cluster mode), else None. Set by the
    security middleware; tasks a handler starts inherit it."""
    return _REQUEST_USER.get()


def set_current_user(user: RequestUser | None) -> None:
    _REQUEST_USER.set(user)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
