"""`UserSessions`: one `ClusterSession` per in-cluster identity (see identity.py).

Created on the identity's first request and registered under `identity.cluster_id`; every
call it makes sends the newest token that identity presented. Capped at `max_identities`
(least recently used closed, counted); the sweep closes sessions idle for `identity_idle` and
those whose token the API server now refuses. A dropped session is detached at once (the
user's next request gets a new one) and closed in the background.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from masthead.api.errors import ApiProblem
from masthead.cluster import ClusterSession
from masthead.clusters import ClusterRegistry
from masthead.identity import Identity, IdentityTuning, InvalidToken, current_user
from masthead.kube.errors import KubeError
from masthead.kube.kubeconfig import (
    IN_CLUSTER,
    ClusterCredentials,
    Credentials,
    InClusterTarget,
    bearer_credentials,
    in_cluster_entry,
)
from masthead.kube.tuning import Tuning
from masthead.tasks import cancel_and_wait
from masthead.token_review import TokenValidator

log = logging.getLogger(__name__)


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
        await cancel_and_wait(self._sweeper)
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
