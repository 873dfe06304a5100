"""In-cluster mode (architecture §2.6): every user reaches the API server as themselves.

A user presents their own Kubernetes bearer token (from an auth proxy, or once at the login
endpoint). `TokenValidator` asks the API server who that token is (SelfSubjectReview, sent
with the token itself), caching the answer for a short while so a revoked token stops
working within `validation_ttl`. `UserSessions` gives every identity (user name + groups) its
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

import asyncio
import contextlib
import contextvars
import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from masthead.api.errors import ApiProblem
from masthead.cluster import ClusterSession
from masthead.clusters import ClusterRegistry
from masthead.kube.access import SSAR_PATH, WHOAMI_PATH
from masthead.kube.errors import ApiError, KubeError
from masthead.kube.kubeconfig import (
    IN_CLUSTER,
    SERVICE_ACCOUNT_DIR,
    ClusterCredentials,
    Credentials,
    InClusterTarget,
    bearer_credentials,
    in_cluster_entry,
)
from masthead.kube.transport import Transport
from masthead.kube.tuning import Tuning

log = logging.getLogger(__name__)


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


@dataclass
class ValidationCounters:
    reviews: int = 0  # SelfSubjectReviews (or SSARs) sent
    hits: int = 0  # answered from the cache
    joined: int = 0  # waited for the same token's review in flight
    rejected: int = 0  # tokens the API server refused
    evicted: int = 0  # cache entries dropped at `validation_cache`


class TokenValidator:
    """Token → `Identity`, asked of the API server with the token itself."""

    def __init__(
        self,
        transport: Transport,
        tuning: IdentityTuning,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.transport = transport
        self.tuning = tuning
        self.counters = ValidationCounters()
        self._clock = clock
        self._cache: OrderedDict[str, tuple[Identity | InvalidToken, float]] = OrderedDict()
        self._inflight: dict[str, asyncio.Task[Identity | InvalidToken]] = {}
        self._semaphore = asyncio.Semaphore(max(1, tuning.review_concurrency))

    async def validate(self, token: str) -> Identity:
        """The token's identity; raises `InvalidToken`, or `KubeError` when the API server
        could not be asked."""
        h = token_hash(token)
        found = self._cache.get(h)
        if found is not None:
            answer, at = found
            ttl = (
                self.tuning.rejection_ttl
                if isinstance(answer, InvalidToken)
                else self.tuning.validation_ttl
            )
            if self._clock() - at < ttl:
                self.counters.hits += 1
                return _identity_or_raise(answer)
        task = self._inflight.get(h)
        if task is None:
            task = asyncio.create_task(self._review(token), name="token review")
            self._inflight[h] = task
            task.add_done_callback(lambda t: self._done(h, t))
        else:
            self.counters.joined += 1
        return _identity_or_raise(await asyncio.shield(task))

    def _done(self, h: str, task: asyncio.Task[Identity | InvalidToken]) -> None:
        if self._inflight.get(h) is task:
            del self._inflight[h]
        if task.cancelled() or task.exception() is not None:
            return  # not cached: the next request asks again
        self._cache[h] = (task.result(), self._clock())
        self._cache.move_to_end(h)
        while len(self._cache) > max(1, self.tuning.validation_cache):
            self._cache.popitem(last=False)
            self.counters.evicted += 1

    async def _review(self, token: str) -> Identity | InvalidToken:
        headers = {"Authorization": f"Bearer {token}"}
        body = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}
        try:
            doc = await self._post("whoami", WHOAMI_PATH, body, headers)
        except ApiError as e:
            if e.code == 401:
                self.counters.rejected += 1
                return InvalidToken(e.status.message or "Unauthorized")
            if e.code not in (403, 404):
                raise
            # No SelfSubjectReview (before 1.28, or forbidden): any authenticated request
            # proves the token; the user is then known by the token's hash only.
            return await self._fallback(token, headers)
        info = (doc.get("status") or {}).get("userInfo") or {}
        name = str(info.get("username") or "")
        if not name:
            return await self._fallback(token, headers)
        groups = tuple(str(g) for g in info.get("groups") or ())
        return Identity(name, groups, str(info.get("uid") or ""))

    async def _fallback(self, token: str, headers: dict[str, str]) -> Identity | InvalidToken:
        body = {
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SelfSubjectAccessReview",
            "spec": {"resourceAttributes": {"verb": "get", "resource": "namespaces"}},
        }
        try:
            await self._post("access-review", SSAR_PATH, body, headers)
        except ApiError as e:
            if e.code == 401:
                self.counters.rejected += 1
                return InvalidToken(e.status.message or "Unauthorized")
            raise
        return Identity(f"token:{token_hash(token)[:12]}")

    async def _post(
        self, verb: str, path: str, body: dict[str, Any], headers: dict[str, str]
    ) -> dict[str, Any]:
        async with self._semaphore:
            self.counters.reviews += 1
            resp = await self.transport.request(
                verb, path, method="POST", body=orjson.dumps(body), headers=headers
            )
        doc = resp.json()
        return doc if isinstance(doc, dict) else {}

    def as_dict(self) -> dict[str, object]:
        c = self.counters
        return {
            "cached": len(self._cache),
            "in_flight": len(self._inflight),
            "reviews": c.reviews,
            "hits": c.hits,
            "joined": c.joined,
            "rejected": c.rejected,
            "evicted": c.evicted,
        }


def _identity_or_raise(answer: Identity | InvalidToken) -> Identity:
    if isinstance(answer, InvalidToken):
        raise answer
    return answer


@dataclass(eq=False)
class _UserSlot:
    identity: Identity
    session: ClusterSession
    token: str  # the newest token this identity presented
    last_used: float


@dataclass
class UserCounters:
    created: int = 0  # sessions opened for an identity
    evicted: int = 0  # closed at `max_identities` (least recently used first)
    expired: int = 0  # closed after `identity_idle`
    token_updates: int = 0  # an identity came with a new token (rotation, re-login)
    revoked: int = 0  # closed by the sweep: the API server refused the token


@dataclass(eq=False)
class UserSessions:
    """One `ClusterSession` per identity, in the registry under `identity.cluster_id`."""

    registry: ClusterRegistry
    target: InClusterTarget
    validator: TokenValidator
    tuning: IdentityTuning = field(default_factory=IdentityTuning)
    clock: Callable[[], float] = time.monotonic
    # Called with each new session (the server connects it and starts its events source).
    on_open: Callable[[ClusterSession], None] | None = None
    counters: UserCounters = field(default_factory=UserCounters)

    def __post_init__(self) -> None:
        self._slots: OrderedDict[str, _UserSlot] = OrderedDict()
        self._closing: set[asyncio.Task[None]] = set()
        self._sweeper: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ requests
    async def admit(self, token: str) -> Identity:
        """Validate `token` and make sure its identity has a session that uses the newest
        token it presented. Raises `ApiProblem` 401 (refused) or 503 (API unreachable)."""
        identity = await self._validate(token)
        created = self.counters.created
        slot = self._ensure(identity, token)
        if self.counters.created != created:
            # A user's first request waits for the first connection attempt (whatever its
            # outcome) rather than meeting a "connecting" 503 on every page.
            await slot.session.connect()
        return identity

    async def _validate(self, token: str) -> Identity:
        try:
            identity = await self.validator.validate(token)
        except InvalidToken as e:
            raise ApiProblem(
                401, f"the API server refused the token: {e}", reason="Unauthorized"
            ) from None
        except KubeError as e:
            raise ApiProblem(
                503, f"the token could not be checked: {e}", reason="Unavailable"
            ) from None
        return identity

    def _ensure(self, identity: Identity, token: str) -> _UserSlot:
        slot = self._slots.get(identity.cluster_id)
        if slot is None:
            return self._open(identity, token)
        if slot.token != token:
            slot.token = token
            self.counters.token_updates += 1
        self._touch(slot)
        return slot

    def session(self, cluster: str) -> ClusterSession:
        """The requesting identity's session, asked for by its id or as `in-cluster`;
        404 for anything else (another user's session included: it does not exist here)."""
        user = current_user()
        if user is None:
            raise ApiProblem(401, "no user identity for this request", reason="Unauthorized")
        if cluster not in (IN_CLUSTER, user.identity.cluster_id):
            raise ApiProblem(
                404,
                f"no cluster {cluster!r}",
                reason="NotFound",
                cluster=cluster,
                details={"parameter": "cluster"},
            )
        # Reopened if another user's arrival evicted it since the middleware admitted this one.
        return self._ensure(user.identity, user.token).session

    def visible(self) -> list[ClusterSession]:
        """What the requesting user may see of the registry: their own session."""
        user = current_user()
        return [] if user is None else [self._ensure(user.identity, user.token).session]

    def identity_of(self, session: ClusterSession) -> Identity | None:
        slot = self._slots.get(session.id)
        return slot.identity if slot is not None else None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        if self._sweeper is None:
            self._sweeper = asyncio.create_task(self._sweep_forever(), name="identity sweep")

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None
        for cid in list(self._slots):
            self._drop(cid)
        for t in list(self._closing):
            with contextlib.suppress(Exception):
                await t

    async def sweep(self) -> int:
        """Close the sessions idle for `identity_idle`, and those whose token the API server
        no longer accepts (a revoked user's open live sockets and streams then see nothing
        more: the closed session's rows are gone). Returns how many were closed."""
        now = self.clock()
        idle = [c for c, s in self._slots.items() if now - s.last_used >= self.tuning.identity_idle]
        for cid in idle:
            self._drop(cid)
            self.counters.expired += 1
        closed = len(idle)
        for cid, slot in list(self._slots.items()):
            try:
                await self.validator.validate(slot.token)
            except InvalidToken:
                if self._slots.get(cid) is slot:
                    self._drop(cid)
                    self.counters.revoked += 1
                    closed += 1
            except KubeError as e:  # unreachable: keep it, the next sweep asks again
                log.debug("in-cluster: re-validating %r failed: %s", slot.identity.username, e)
        for t in list(self._closing):
            with contextlib.suppress(Exception):
                await t
        return closed

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.tuning.sweep_interval)
            await self.sweep()

    def _open(self, identity: Identity, token: str) -> _UserSlot:
        while len(self._slots) >= max(1, self.tuning.max_identities):
            oldest = next(iter(self._slots))
            self._drop(oldest)
            self.counters.evicted += 1
        holder: list[_UserSlot] = []

        def load(entry: Any, generation: int) -> Credentials:
            # Off the loop (ClusterCredentials runs loaders in a thread): the newest token.
            return bearer_credentials(self.target, holder[0].token, generation)

        tuning: Tuning = self.registry.tuning
        entry = in_cluster_entry(self.target, identity.cluster_id, identity.username)
        session = self.registry.add_session(entry, ClusterCredentials(entry, tuning, load))
        slot = _UserSlot(identity, session, token, self.clock())
        holder.append(slot)
        self._slots[identity.cluster_id] = slot
        self.counters.created += 1
        log.info("in-cluster: session for user %r opened", identity.username)
        if self.on_open is not None:
            self.on_open(session)
        return slot

    def _touch(self, slot: _UserSlot) -> None:
        slot.last_used = self.clock()
        self._slots.move_to_end(slot.identity.cluster_id)

    def _drop(self, cluster_id: str) -> None:
        slot = self._slots.pop(cluster_id, None)
        if slot is None:
            return
        log.info("in-cluster: session for user %r closed", slot.identity.username)
        # Detached now (the user's next request may open a new one at once), closed after.
        session = self.registry.detach_session(cluster_id)
        if session is None:
            return
        task = asyncio.create_task(session.close(), name="close user session")
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    def as_dict(self) -> dict[str, object]:
        c = self.counters
        return {
            "identities": len(self._slots),
            "max_identities": self.tuning.max_identities,
            "created": c.created,
            "evicted": c.evicted,
            "expired": c.expired,
            "token_updates": c.token_updates,
            "revoked": c.revoked,
            "validation": self.validator.as_dict(),
        }
