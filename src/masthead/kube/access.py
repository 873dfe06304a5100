"""`AccessChecker`: what this user may list and watch, asked cheaply and planned per resource.

The questions go to the API server's own answers: SelfSubjectAccessReview (SSAR, one verb on
one resource in one scope) and SelfSubjectRulesReview (SSRR, every rule the user has in one
namespace, so one request answers for all kinds there). Answers are cached for
`access_cache_ttl`; past it they are still served for `access_stale_grace` while a background
review refreshes them (stale-while-revalidate). Identical questions in flight share one request
(singleflight), at most `access_concurrency` reviews run at once, and every request is counted
in the transport's `RequestStats` (verbs `access-review`, `rules-review`, `whoami`, `list`).

`plan()` decides for one resource type how to mirror it (kubernetes-api.md §5.3):
- cluster-wide, when the user may list it at the cluster scope;
- per accessible namespace otherwise: candidates are every namespace when the user may list
  namespaces, else the kubeconfig context's namespace plus the ones the user configured; each
  candidate is checked with the namespace's rules review (SSAR when the rules are incomplete);
- forbidden, with the API-style reason, when no scope is left.

A scope where the user may list but not watch (or a resource without `watch`) is still
mirrored, by polling (`kube/poller.py`): it is named in `AccessPlan.polled` with the reason.
A denied namespace is data (a warning naming it), never a failure of the whole plan.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

import orjson

from masthead.kube.discovery import ResourceType
from masthead.kube.errors import ApiError
from masthead.kube.transport import Transport
from masthead.kube.tuning import Tuning
from masthead.tasks import cancel_and_wait

V = TypeVar("V")
log = logging.getLogger(__name__)

SSAR_PATH = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
SSRR_PATH = "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews"
WHOAMI_PATH = "/apis/authentication.k8s.io/v1/selfsubjectreviews"
NAMESPACES_PATH = "/api/v1/namespaces"
# Namespace names are all we need: ask for metadata only (kube-apiserver ≥ 1.15), plain JSON
# from servers that do not offer it.
_METADATA_ACCEPT = (
    "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json"
)
# A plan's warnings name at most this many denied namespaces one by one; past it they are
# summarised (a user who may list 500 namespaces but read pods in 3 needs no 497 lines).
MAX_NAMED_DENIALS = 10

Key = tuple[str, ...]


# ---------------------------------------------------------------------------- answers


@dataclass(frozen=True, slots=True)
class AccessDecision:
    """One SSAR answer. `known` is False when the review API itself was unavailable (403/404):
    the answer is then an optimistic `allowed` and the real request will tell."""

    allowed: bool
    reason: str = ""
    evaluation_error: str = ""
    known: bool = True


@dataclass(frozen=True, slots=True)
class ResourceRule:
    verbs: frozenset[str]
    api_groups: frozenset[str]
    resources: frozenset[str]
    resource_names: frozenset[str] = frozenset()

    def allows(self, verb: str, group: str, resource: str) -> bool:
        """Whether this rule grants `verb` on the whole collection (a rule limited to
        resourceNames never grants list or watch of everything)."""
        return (
            not self.resource_names
            and ("*" in self.verbs or verb in self.verbs)
            and ("*" in self.api_groups or group in self.api_groups)
            and ("*" in self.resources or resource in self.resources)
        )


@dataclass(frozen=True, slots=True)
class RulesReview:
    """One SSRR answer for a namespace."""

    namespace: str
    rules: tuple[ResourceRule, ...]
    incomplete: bool = False
    evaluation_error: str = ""
    known: bool = True  # False: the rules review API was unavailable

    def allows(self, verb: str, group: str, resource: str) -> bool | None:
        """True or False when the rules settle it; None when only an SSAR can tell (the list
        is incomplete, e.g. a webhook authorizer, or there was no list at all)."""
        if any(r.allows(verb, group, resource) for r in self.rules):
            return True
        return None if self.incomplete or not self.known else False


@dataclass(frozen=True, slots=True)
class NamespaceScope:
    """The namespaces worth checking: all of them when the user may list namespaces
    (`source == "listed"`), else the context's and the configured ones."""

    names: tuple[str, ...]
    source: str  # "listed" | "configured"
    reason: str = ""  # why listing was not possible, for the "configured" source


class AccessMode(StrEnum):
    CLUSTER = "cluster"  # one source over all namespaces (or a cluster-scoped resource)
    NAMESPACES = "namespaces"  # one source per accessible namespace
    FORBIDDEN = "forbidden"  # no scope may be listed
    UNSUPPORTED = "unsupported"  # the resource cannot be listed at all


@dataclass(frozen=True, slots=True)
class AccessPlan:
    resource: ResourceType
    mode: AccessMode
    namespaces: tuple[str, ...] = ()  # NAMESPACES: where list is allowed
    # Scopes found denied: namespace ("" for the cluster scope) -> the API-style message.
    denied: Mapping[str, str] = field(default_factory=dict)
    reason: str = ""  # why not cluster-wide (NAMESPACES) or why nothing (FORBIDDEN)
    namespace_source: str = ""  # NamespaceScope.source when namespaces were considered
    # Allowed scopes that may be listed but not watched, so are polled: namespace ("" for
    # the cluster scope) -> why no watch (the API-style message).
    polled: Mapping[str, str] = field(default_factory=dict)

    def is_polled(self, scope: str | None) -> bool:
        return (scope or "") in self.polled

    @property
    def scopes(self) -> tuple[str | None, ...]:
        """The sources to run: `None` is the all-namespaces (or cluster-scoped) source."""
        if self.mode is AccessMode.CLUSTER:
            return (None,)
        if self.mode is AccessMode.NAMESPACES:
            return self.namespaces
        return ()

    @property
    def warnings(self) -> list[str]:
        """Partial-access warnings naming what is denied."""
        name = self.resource.qualified
        if self.mode in (AccessMode.FORBIDDEN, AccessMode.UNSUPPORTED):
            return [f"{name}: {self.mode.value}: {self.reason}"]
        out = self._polled_warnings()
        denied = {ns: msg for ns, msg in self.denied.items() if ns}
        if not denied:
            return out
        if len(denied) <= MAX_NAMED_DENIALS or self.namespace_source != "listed":
            out += [f'{name}: no access in namespace "{ns}": {msg}' for ns, msg in denied.items()]
            return out
        shown = ", ".join(list(denied)[:MAX_NAMED_DENIALS])
        more = len(denied) - MAX_NAMED_DENIALS
        out.append(f"{name}: no access in {len(denied)} namespaces ({shown} and {more} more)")
        return out

    def _polled_warnings(self) -> list[str]:
        name = self.resource.qualified
        out = []
        for ns, why in list(self.polled.items())[:MAX_NAMED_DENIALS]:
            where = f'in namespace "{ns}"' if ns else "in all namespaces"
            out.append(f"{name}: polled {where} (list without watch): {why}")
        if len(self.polled) > MAX_NAMED_DENIALS:
            out.append(f"{name}: polled in {len(self.polled) - MAX_NAMED_DENIALS} more namespaces")
        return out

    def as_dict(self) -> dict[str, object]:
        return {
            "resource": self.resource.qualified,
            "mode": self.mode.value,
            "namespaces": list(self.namespaces),
            "denied": dict(self.denied),
            "reason": self.reason,
            "namespace_source": self.namespace_source,
            "polled": dict(self.polled),
        }


def forbidden_message(
    user: str | None, verb: str, group: str, resource: str, namespace: str, reason: str = ""
) -> str:
    """The text kube-apiserver's 403 would carry for this request (responsewriters.Forbidden),
    so a source denied by a review reads the same as one denied by the server."""
    head = f"{resource}.{group}" if group else resource
    who = f'User "{user}"' if user else "the current user"
    where = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
    text = (
        f'{head} is forbidden: {who} cannot {verb} resource "{resource}" '
        f'in API group "{group}" {where}'
    )
    return f"{text}: {reason}" if reason else text


@dataclass(frozen=True, slots=True)
class _ScopeAccess:
    denial: str | None  # why the scope may not be listed; None: it may
    no_watch: str | None = None  # listable but not watchable (so polled): why


# ---------------------------------------------------------------------------- checker


@dataclass
class AccessCounters:
    hits: int = 0  # answered from a fresh cache entry
    stale_served: int = 0  # answered from an expired entry while it was refreshed
    misses: int = 0  # had to ask (or join someone asking)
    joined: int = 0  # shared an identical review already in flight
    reviews: int = 0  # requests actually sent
    background_refreshes: int = 0
    evicted: int = 0  # cache entries dropped at `access_cache_size`
    failures: int = 0  # reviews that raised (not cached)


@dataclass(slots=True)
class _Entry:
    value: Any
    at: float


class AccessChecker:
    def __init__(
        self,
        transport: Transport,
        tuning: Tuning,
        *,
        context_namespace: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.transport = transport
        self.tuning = tuning
        entry = getattr(transport.credentials, "entry", None)
        self.context_namespace = context_namespace or getattr(entry, "namespace", None)
        self.counters = AccessCounters()
        self._clock = clock
        self._cache: OrderedDict[Key, _Entry] = OrderedDict()
        self._inflight: dict[Key, asyncio.Task[Any]] = {}
        self._background: set[asyncio.Task[Any]] = set()
        self._semaphore = asyncio.Semaphore(max(1, tuning.access_concurrency))

    # ------------------------------------------------------------------ questions
    async def can(
        self,
        verb: str,
        group: str,
        resource: str,
        namespace: str = "",
        *,
        subresource: str = "",
        refresh: bool = False,
        fresh_since: float | None = None,
    ) -> AccessDecision:
        """SSAR: may this user `verb` `resource` in `namespace` ("" = all namespaces)?"""
        attrs = {
            "namespace": namespace,
            "verb": verb,
            "group": group,
            "resource": resource,
            "subresource": subresource,
        }

        async def review() -> AccessDecision:
            body = {
                "apiVersion": "authorization.k8s.io/v1",
                "kind": "SelfSubjectAccessReview",
                "spec": {"resourceAttributes": {k: v for k, v in attrs.items() if v}},
            }
            try:
                doc = await self._post("access-review", SSAR_PATH, body)
            except ApiError as e:
                if e.code in (403, 404):
                    return AccessDecision(
                        True, f"access review unavailable: {e.status.message}", known=False
                    )
                raise
            status = doc.get("status") or {}
            return AccessDecision(
                allowed=bool(status.get("allowed")) and not status.get("denied"),
                reason=str(status.get("reason") or ""),
                evaluation_error=str(status.get("evaluationError") or ""),
            )

        key = ("ssar", verb, group, resource, subresource, namespace)
        return await self._cached(key, review, self._since(refresh, fresh_since))

    async def rules(
        self, namespace: str, *, refresh: bool = False, fresh_since: float | None = None
    ) -> RulesReview:
        """SSRR: every rule this user has in `namespace`."""

        async def review() -> RulesReview:
            body = {
                "apiVersion": "authorization.k8s.io/v1",
                "kind": "SelfSubjectRulesReview",
                "spec": {"namespace": namespace},
            }
            try:
                doc = await self._post("rules-review", SSRR_PATH, body)
            except ApiError as e:
                if e.code in (403, 404):
                    return RulesReview(
                        namespace, (), evaluation_error=e.status.message, known=False
                    )
                raise
            status = doc.get("status") or {}
            return RulesReview(
                namespace,
                tuple(_rule(r) for r in status.get("resourceRules") or ()),
                incomplete=bool(status.get("incomplete")),
                evaluation_error=str(status.get("evaluationError") or ""),
            )

        return await self._cached(("ssrr", namespace), review, self._since(refresh, fresh_since))

    async def username(
        self, *, refresh: bool = False, fresh_since: float | None = None
    ) -> str | None:
        """Who the server says we are (SelfSubjectReview); None where that API is missing."""

        async def review() -> str | None:
            body = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}
            try:
                doc = await self._post("whoami", WHOAMI_PATH, body)
            except ApiError as e:
                if e.code in (403, 404):
                    return None
                raise
            name = ((doc.get("status") or {}).get("userInfo") or {}).get("username")
            return str(name) if name else None

        return await self._cached(("whoami",), review, self._since(refresh, fresh_since))

    async def namespaces(
        self,
        configured: Sequence[str] = (),
        *,
        refresh: bool = False,
        fresh_since: float | None = None,
    ) -> NamespaceScope:
        """The candidate namespaces: all of them if the user may list namespaces, else the
        context's namespace plus `configured` (in that order, without duplicates)."""
        extra = _unique(
            [*([self.context_namespace] if self.context_namespace else []), *configured]
        )
        since = self._since(refresh, fresh_since)
        may_list = await self.can("list", "", "namespaces", fresh_since=since)
        if may_list.allowed:
            try:
                listed = await self._cached(("namespaces",), self._list_namespaces, since)
            except ApiError as e:
                if e.code != 403:
                    raise
                reason = e.status.message
            else:
                return NamespaceScope(_unique([*listed, *extra]), "listed")
        else:
            reason = await self._denial("list", "", "namespaces", "", may_list)
        return NamespaceScope(extra, "configured", reason)

    async def plan(
        self,
        resource: ResourceType,
        namespaces_hint: Sequence[str] = (),
        *,
        refresh: bool = False,
        fresh_since: float | None = None,
    ) -> AccessPlan:
        """How to mirror `resource`: cluster-wide, per accessible namespace, or not at all.
        `namespaces_hint`: namespaces the user configured for this cluster. `refresh` asks
        the server again instead of using cached answers; `fresh_since` (a `now()` reading)
        accepts only answers obtained since then, so a periodic re-check of many resources
        asks each question once."""
        since = self._since(refresh, fresh_since)
        if "list" not in resource.verbs:
            verbs = ", ".join(sorted(resource.verbs)) or "none"
            reason = f"{resource.qualified} does not support list (verbs: {verbs})"
            return AccessPlan(resource, AccessMode.UNSUPPORTED, reason=reason)
        watchable = "watch" in resource.verbs
        cluster = await self._scope_access(resource, "", since, watchable)
        if cluster.denial is None:
            polled = {} if cluster.no_watch is None else {"": cluster.no_watch}
            return AccessPlan(resource, AccessMode.CLUSTER, polled=polled)
        cluster_denial = cluster.denial
        if not resource.namespaced:
            return AccessPlan(
                resource, AccessMode.FORBIDDEN, denied={"": cluster_denial}, reason=cluster_denial
            )
        scope = await self.namespaces(namespaces_hint, fresh_since=since)
        answers = await asyncio.gather(
            *(self._namespace_access(resource, ns, since, watchable) for ns in scope.names)
        )
        found = dict(zip(scope.names, answers, strict=True))
        allowed = tuple(ns for ns, a in found.items() if a.denial is None)
        denied = {"": cluster_denial}
        denied.update((ns, a.denial) for ns, a in found.items() if a.denial is not None)
        if allowed:
            return AccessPlan(
                resource,
                AccessMode.NAMESPACES,
                allowed,
                denied,
                reason=cluster_denial,
                namespace_source=scope.source,
                polled={
                    ns: a.no_watch
                    for ns, a in found.items()
                    if a.denial is None and a.no_watch is not None
                },
            )
        reason = cluster_denial
        if not scope.names:
            reason = f"{reason}; no namespace to try instead ({scope.reason or 'none configured'})"
        else:
            reason = f"{reason}; and in none of the namespaces {', '.join(scope.names)}"
        return AccessPlan(
            resource, AccessMode.FORBIDDEN, (), denied, reason, namespace_source=scope.source
        )

    # ------------------------------------------------------------------ lifecycle, numbers
    def now(self) -> float:
        """This checker's clock, for `fresh_since`."""
        return self._clock()

    def invalidate(self) -> None:
        """Forget every answer (after a credential change)."""
        self._cache.clear()

    async def close(self) -> None:
        tasks = [*self._background, *self._inflight.values()]
        await cancel_and_wait(*tasks)
        self._background.clear()
        self._inflight.clear()

    def as_dict(self) -> dict[str, object]:
        c = self.counters
        return {
            "cache_entries": len(self._cache),
            "in_flight": len(self._inflight),
            "hits": c.hits,
            "stale_served": c.stale_served,
            "misses": c.misses,
            "joined": c.joined,
            "reviews": c.reviews,
            "background_refreshes": c.background_refreshes,
            "evicted": c.evicted,
            "failures": c.failures,
        }

    # ------------------------------------------------------------------ planning steps
    async def _scope_access(
        self, resource: ResourceType, ns: str, since: float | None, watchable: bool
    ) -> _ScopeAccess:
        """SSARs: may the user list `resource` in `ns` ("" = cluster), and watch it?"""
        g, r = resource.group, resource.resource
        d = await self.can("list", g, r, ns, fresh_since=since)
        if not d.allowed:
            return _ScopeAccess(await self._denial("list", g, r, ns, d))
        if not watchable:
            return _ScopeAccess(None, f"{resource.qualified} does not support watch")
        w = await self.can("watch", g, r, ns, fresh_since=since)
        if not w.allowed:
            return _ScopeAccess(None, await self._denial("watch", g, r, ns, w))
        return _ScopeAccess(None)

    async def _namespace_access(
        self, resource: ResourceType, ns: str, since: float | None, watchable: bool
    ) -> _ScopeAccess:
        """The namespace's rules review answers both verbs at once (an SSAR only where the
        rules are incomplete)."""
        g, r = resource.group, resource.resource
        rules = await self.rules(ns, fresh_since=since)
        may_list = rules.allows("list", g, r)
        may_watch = rules.allows("watch", g, r) if watchable else False
        if may_list is None or may_watch is None:  # only a precise review can tell
            return await self._scope_access(resource, ns, since, watchable)
        if not may_list:
            return _ScopeAccess(forbidden_message(await self.username(), "list", g, r, ns))
        if not watchable:
            return _ScopeAccess(None, f"{resource.qualified} does not support watch")
        if not may_watch:
            return _ScopeAccess(None, forbidden_message(await self.username(), "watch", g, r, ns))
        return _ScopeAccess(None)

    async def _denial(
        self, verb: str, group: str, resource: str, ns: str, d: AccessDecision
    ) -> str:
        why = d.reason or d.evaluation_error
        return forbidden_message(await self.username(), verb, group, resource, ns, why)

    async def _list_namespaces(self) -> list[str]:
        names: list[str] = []
        cont = ""
        while True:
            params = {"limit": str(self.tuning.page_size)}
            if cont:
                params["continue"] = cont
            doc = await self.transport.get_json(
                "list",
                NAMESPACES_PATH,
                params,
                headers={"Accept": _METADATA_ACCEPT},
                timeout=self.tuning.list_page_timeout,
            )
            names += [i["metadata"]["name"] for i in doc.get("items") or ()]
            cont = (doc.get("metadata") or {}).get("continue") or ""
            if not cont:
                return sorted(names)

    # ------------------------------------------------------------------ cache machinery
    async def _post(self, verb: str, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        self.counters.reviews += 1
        resp = await self.transport.request(verb, path, method="POST", body=orjson.dumps(body))
        doc = resp.json()
        return doc if isinstance(doc, dict) else {}

    def _since(self, refresh: bool, fresh_since: float | None) -> float | None:
        return self._clock() if refresh else fresh_since

    async def _cached(
        self, key: Key, fetch: Callable[[], Awaitable[V]], fresh_since: float | None
    ) -> V:
        entry = self._cache.get(key)
        if entry is not None and fresh_since is not None:
            if entry.at >= fresh_since:
                self.counters.hits += 1
                return entry.value  # type: ignore[no-any-return]
        elif entry is not None:
            age = self._clock() - entry.at
            if age < self.tuning.access_cache_ttl:
                self.counters.hits += 1
                return entry.value  # type: ignore[no-any-return]
            if age < self.tuning.access_cache_ttl + self.tuning.access_stale_grace:
                self.counters.stale_served += 1
                self._revalidate(key, fetch)
                return entry.value  # type: ignore[no-any-return]
        self.counters.misses += 1
        return await self._flight(key, fetch)

    async def _flight(self, key: Key, fetch: Callable[[], Awaitable[V]]) -> V:
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.create_task(self._fetch(key, fetch), name=f"access {key}")
            self._inflight[key] = task
            task.add_done_callback(lambda t: self._forget(key, t))
        else:
            self.counters.joined += 1
        # Shielded: a caller that gives up does not cancel the review others wait for.
        return await asyncio.shield(task)

    def _forget(self, key: Key, task: asyncio.Task[Any]) -> None:
        if self._inflight.get(key) is task:
            del self._inflight[key]
        if not task.cancelled() and task.exception() is not None:
            self.counters.failures += 1

    async def _fetch(self, key: Key, fetch: Callable[[], Awaitable[V]]) -> V:
        async with self._semaphore:
            value = await fetch()
        self._store(key, value)
        return value

    def _store(self, key: Key, value: Any) -> None:
        self._cache[key] = _Entry(value, self._clock())
        self._cache.move_to_end(key)
        while len(self._cache) > max(1, self.tuning.access_cache_size):
            self._cache.popitem(last=False)
            self.counters.evicted += 1

    def _revalidate(self, key: Key, fetch: Callable[[], Awaitable[Any]]) -> None:
        if key in self._inflight:
            return
        self.counters.background_refreshes += 1
        task = asyncio.create_task(self._flight(key, fetch), name=f"access refresh {key}")
        self._background.add(task)
        task.add_done_callback(self._background_done)

    def _background_done(self, task: asyncio.Task[Any]) -> None:
        self._background.discard(task)
        if not task.cancelled() and (e := task.exception()) is not None:
            # The stale answer stays until the next try; the failure is counted in _forget.
            log.debug("background access review failed: %s", e)


def _rule(doc: Mapping[str, Any]) -> ResourceRule:
    return ResourceRule(
        verbs=frozenset(doc.get("verbs") or ()),
        api_groups=frozenset(doc.get("apiGroups") or ()),
        resources=frozenset(doc.get("resources") or ()),
        resource_names=frozenset(doc.get("resourceNames") or ()),
    )


def _unique(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(n for n in names if n))
