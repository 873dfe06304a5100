"""`TokenValidator`: a bearer token → the `Identity` the API server says it is.

The review (SelfSubjectReview; an SSAR where that API is missing) is sent with the token
itself, so the server that will answer the user's calls decides. Answers are cached by the
token's SHA-256 (`validation_ttl`; refusals `rejection_ttl`), one review per token in flight,
at most `review_concurrency` at once; the token itself is never stored here nor logged.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from masthead.identity import Identity, IdentityTuning, InvalidToken, token_hash
from masthead.kube.access import SSAR_PATH, WHOAMI_PATH
from masthead.kube.errors import ApiError
from masthead.kube.transport import Transport

log = logging.getLogger(__name__)


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
