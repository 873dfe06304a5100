"""`ClusterSession`: one kubeconfig context — its lifecycle, its sources, their freshness, and
what they cost the API server (architecture §2.3).

Nothing happens until `connect()` (or `ensure_source()`, which connects): a kubeconfig with
fifty contexts must not pop fifty logins. Connecting loads credentials and discovery; from
then on a supervisor task re-checks permissions every `access_recheck_interval` (and doubles
as the health probe: a refused connection means `unreachable`, a 401 after a credential
refresh means `auth-failed`).

A *source* is (resource, namespace scope) and runs one `Reflector`. `ensure_source("pods")`
asks the `AccessChecker` for a plan — cluster-wide, one source per accessible namespace, or
forbidden — and starts what it allows, each into the sink `sink_factory(resource, namespace)`
returns. Re-checks apply the new plan: a revoked scope stops that source only (its freshness
says `forbidden` with the API's message, its data stays, marked so), a granted one starts.
Denied scopes are warnings, never a cluster-wide failure.

The cluster's state is derived from the link (connect / re-check outcome) and the sources:
`auth-failed` > `unreachable` > `connecting` > `syncing` (first sync in progress, with
progress) > `degraded` (some allowed source not live) > `ready`. A source the user may list
but not watch is polled (`kube/poller.py`); `polled` counts as live for the cluster's state.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import Counter
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from masthead.kube.access import AccessChecker, AccessMode, AccessPlan
from masthead.kube.backoff import Backoff
from masthead.kube.codec import ObjectCodec
from masthead.kube.discovery import Discovery, ResourceType, UnknownResource
from masthead.kube.errors import ApiError, AuthFailed, CredentialError, KubeError, TransportError
from masthead.kube.first_syncs import FirstSyncs
from masthead.kube.freshness import Freshness, SourceFreshness, SourceState
from masthead.kube.kubeconfig import ClusterCredentials, ClusterEntry
from masthead.kube.poller import Poller
from masthead.kube.reflector import ClusterCapabilities, Reflector
from masthead.kube.sink import MemorySink, Sink
from masthead.kube.stats import RequestStats
from masthead.kube.transport import Transport
from masthead.kube.tuning import DEFAULT_TUNING, Tuning
from masthead.tasks import cancel_and_wait

log = logging.getLogger(__name__)

SinkFactory = Callable[[ResourceType, str | None], Sink[Any]]
CodecFactory = Callable[[ResourceType], ObjectCodec[Any]]
StatusListener = Callable[["ClusterStatus"], None]
# Loads warm-start snapshots at connect (snapshots/warm.py); returns the resources to open.
WarmHook = Callable[[], Coroutine[Any, Any, Sequence[str]]]

# Warnings listed one by one in a snapshot; past this they are counted, not listed.
MAX_WARNINGS = 50
# Source states that keep a cluster in `syncing` while a source has never been synced.
_PENDING = (SourceState.CONNECTING, SourceState.SYNCING)
_DOWN = (SourceState.RECONNECTING, SourceState.STALE)


def memory_sinks(resource: ResourceType, namespace: str | None) -> Sink[Any]:
    """The default sink factory: a `MemorySink` per source (tests, diagnostics)."""
    return MemorySink()


class ClusterState(StrEnum):
    IDLE = "idle"  # not opened (or closed)
    CONNECTING = "connecting"  # loading credentials and discovery
    SYNCING = "syncing"  # some source's first sync is in progress
    READY = "ready"  # every allowed source is live
    DEGRADED = "degraded"  # some allowed sources are not live
    UNREACHABLE = "unreachable"  # no connection; retrying at `next_retry`
    AUTH_FAILED = "auth-failed"  # 401 after a credential refresh, or credentials unloadable


@dataclass(frozen=True, slots=True)
class ClusterStatus:
    state: ClusterState
    since: float  # wall-clock time the state began
    message: str = ""
    next_retry: float | None = None  # unreachable / auth-failed: wall-clock time of next try
    synced: int = 0  # syncing: objects received so far by sources still in their first sync
    total: int | None = None  # syncing: their expected total, when every one knows it
    sources_live: int = 0
    sources_total: int = 0  # sources allowed to run (denied scopes are warnings, not here)

    def as_dict(self) -> dict[str, object]:
        d: dict[str, object] = {
            "state": self.state.value,
            "since": self.since,
            "sources_live": self.sources_live,
            "sources_total": self.sources_total,
        }
        if self.message:
            d["message"] = self.message
        if self.next_retry is not None:
            d["next_retry"] = self.next_retry
        if self.state is ClusterState.SYNCING:
            d["synced"] = self.synced
            d["total"] = self.total
        return d


@dataclass(frozen=True, slots=True)
class Restored:
    """A sink's table came from a snapshot: the rows are the state at `resource_version`,
    captured at wall-clock time `taken`."""

    resource_version: str
    taken: float
    rows: int

    @property
    def message(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(self.taken))
        return f"snapshot of {self.rows} rows from {when}; reconciling with the API server"


@dataclass(eq=False)
class Source:
    """One (resource, namespace scope): a reflector while allowed, a denied state otherwise.
    The freshness object lives as long as the source, across reflector restarts."""

    resource: ResourceType
    namespace: str | None  # None: all namespaces (or a cluster-scoped resource)
    freshness: Freshness
    sink: Sink[Any] | None = None  # created when the source first starts
    reflector: Reflector[Any] | None = None
    earlier_syncs: int = 0  # completed syncs of reflectors this source ran before
    last_state: SourceState | None = None

    @property
    def running(self) -> bool:
        return self.reflector is not None

    @property
    def syncs(self) -> int:
        return self.earlier_syncs + (self.reflector.syncs if self.reflector else 0)

    @property
    def items(self) -> int:
        """Rows in the source's table (0 before it first started)."""
        return len(getattr(self.sink, "table", ()))

    @property
    def label(self) -> str:
        where = f'in namespace "{self.namespace}"' if self.namespace else "in all namespaces"
        if not self.resource.namespaced:
            where = "(cluster)"
        return f"{self.resource.qualified} {where}"

    def as_dict(self) -> dict[str, object]:
        return {
            "resource": self.resource.qualified,
            "namespace": self.namespace,
            "running": self.running,
            "syncs": self.syncs,
            "freshness": self.freshness.current.as_dict(),
            # Read together, so a check can LIST the API server at exactly this version and
            # compare (bench/recovery.py); "" while the next step is a (re)list.
            "resource_version": self.reflector.resource_version if self.reflector else None,
            "items": self.items,
        }


@dataclass(eq=False)
class ResourceSources:
    """Everything one requested resource runs: its access plan and its sources by scope."""

    name: str  # as first requested
    resource: ResourceType | None = None
    plan: AccessPlan | None = None
    sources: dict[str | None, Source] = field(default_factory=dict)
    error: str = ""  # the resource could not be resolved
    # One plan application at a time for this resource; other resources plan meanwhile (a
    # plan waits on access reviews, and a busy API server answers each in a second or more).
    lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    @property
    def warnings(self) -> list[str]:
        if self.error:
            return [f"{self.name}: {self.error}"]
        return self.plan.warnings if self.plan is not None else []

    def freshness(self) -> dict[str | None, SourceFreshness]:
        return {scope: s.freshness.current for scope, s in self.sources.items()}

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "resource": self.resource.qualified if self.resource else None,
            "plan": self.plan.as_dict() if self.plan else None,
            "error": self.error,
            "warnings": self.warnings,
            "sources": [s.as_dict() for s in self.sources.values()],
        }


@dataclass(frozen=True, slots=True)
class _LinkFailure:
    state: ClusterState
    message: str
    next_retry: float


class ClusterSession:
    def __init__(
        self,
        entry: ClusterEntry,
        tuning: Tuning = DEFAULT_TUNING,
        sink_factory: SinkFactory = memory_sinks,
        *,
        namespaces: Sequence[str] = (),
        codec_factory: CodecFactory | None = None,
        rng: random.Random | None = None,
        wall: Callable[[], float] = time.time,
        credentials: ClusterCredentials | None = None,
        forget_data: bool = False,
        warm: WarmHook | None = None,
        first_sources: Sequence[str] = (),
    ) -> None:
        self.entry = entry
        self.warm = warm
        self._warming: asyncio.Task[Sequence[str]] | None = None
        self.tuning = tuning
        self.sink_factory = sink_factory
        self.codec_factory = codec_factory
        self.namespaces: tuple[str, ...] = tuple(namespaces)  # user-configured
        # Given for sessions whose credentials do not come from a kubeconfig (in-cluster users).
        self.credentials = credentials or ClusterCredentials(entry, tuning)
        # A multi-user server must not keep showing a user what they were denied since, nor
        # anything of a session it closed: rows go on denial and on close.
        self.forget_data = forget_data
        self.stats = RequestStats()  # kept across reconnects: the cluster's whole bill
        self.capabilities = ClusterCapabilities()
        self.transport: Transport | None = None
        self.discovery: Discovery | None = None
        self.access: AccessChecker | None = None
        self._rng = rng or random.Random()
        self._wall = wall
        self._groups: list[ResourceSources] = []
        self._names: dict[str, ResourceSources] = {}  # requested name (lower) -> group
        self._task: asyncio.Task[None] | None = None
        self._attempted = asyncio.Event()  # the first connection attempt has finished
        self._wake = asyncio.Event()  # re-check now
        self._connected = False
        self._link: _LinkFailure | None = None
        self._status = ClusterStatus(ClusterState.IDLE, wall())
        self.version = 0
        self._listeners: list[StatusListener] = []
        self._changed = asyncio.Event()
        self.rechecks = 0  # completed connect / permission re-check passes
        self._in_pass = False
        self._pass_done = asyncio.Event()
        # Resources (qualified names: `pods`, `replicasets.apps`) whose first sync runs before
        # the others list, once requested (kube/first_syncs.py): the first view's sources.
        self.first_sources = frozenset(n.strip().lower() for n in first_sources)
        self.first_syncs = FirstSyncs(tuning.first_sources_wait)

    # ------------------------------------------------------------------ observing
    @property
    def id(self) -> str:
        return self.entry.id

    @property
    def status(self) -> ClusterStatus:
        return self._status

    @property
    def state(self) -> ClusterState:
        return self._status.state

    def subscribe(self, listener: StatusListener) -> Callable[[], None]:
        """Call `listener` on every status change; returns the unsubscribe function."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    async def wait_for(
        self, predicate: Callable[[ClusterStatus], bool], timeout: float | None = None
    ) -> ClusterStatus:
        async with asyncio.timeout(timeout):
            while not predicate(self._status):
                await self._changed.wait()
            return self._status

    @property
    def resources(self) -> list[ResourceSources]:
        return list(self._groups)

    def sources(self) -> list[Source]:
        return [s for g in self._groups for s in g.sources.values()]

    @property
    def warnings(self) -> list[str]:
        return [w for g in self._groups for w in g.warnings]

    # ------------------------------------------------------------------ lifecycle
    async def connect(self) -> ClusterStatus:
        """Open the cluster (once); returns after the first connection attempt, whatever its
        outcome. Failed attempts are retried in the background."""
        if self._task is None:
            self.transport = Transport(self.credentials, self.tuning, self.stats, self._rng)
            self.discovery = Discovery(self.transport)
            self.access = AccessChecker(self.transport, self.tuning)
            self._attempted = asyncio.Event()
            self._publish(ClusterState.CONNECTING, "")
            if self.warm is not None:  # concurrently with credentials and discovery
                self._warming = asyncio.create_task(self.warm(), name=f"warm {self.id}")
            self._task = asyncio.create_task(self._supervise(), name=f"cluster {self.id}")
        await self._attempted.wait()
        return self._status

    open = connect

    async def close(self) -> None:
        """Stop every source and the supervisor, close the connection; back to `idle`."""
        await cancel_and_wait(self._task)
        self._task = None
        if self._warming is not None:
            self._warming.cancel()
            self._warming = None
        for g in self._groups:
            for src in g.sources.values():
                await self._stop(src)
                if self.forget_data and src.sink is not None:
                    src.sink.replace((), "")
        self._groups.clear()
        self._names.clear()
        self.first_syncs.hold(False)
        if self.access is not None:
            await self.access.close()
        if self.transport is not None:
            await self.transport.close()
        self.transport = self.discovery = self.access = None
        self._connected = False
        self._link = None
        self._attempted.set()  # nobody waits for an attempt that will not come
        self._pass_done.set()
        self._pass_done = asyncio.Event()
        self._publish(ClusterState.IDLE, "closed")

    async def ensure_source(self, name: str) -> ResourceSources:
        """The sources of resource `name` (kind, plural, short or `plural.group`), planned and
        started if the cluster is connected, else as soon as it connects."""
        key = name.strip().lower()
        group = self._want(name)
        if self._task is None:
            await self.connect()  # its first pass plans every group, this one included
        else:
            await self._attempted.wait()
        group = self._names.get(key, group)  # merged into an alias, or dropped by close()
        if self._connected:
            try:
                group = await self._planned(group)
            except KubeError as e:  # the supervisor owns link failures: let it look now
                log.debug("cluster %s: planning %s failed: %s", self.id, name, e)
                self._wake.set()
        self._update()
        return self._names.get(key, group)

    async def _planned(self, group: ResourceSources) -> ResourceSources:
        """`group` (or the group its name turned out to alias) planned once: a plan already
        in progress for it is waited for, not asked again."""
        while group.plan is None and not group.error:
            async with group.lock:
                if group.plan is not None or group.error:  # planned while we waited
                    break
                merged = await self._apply(group, None)
            if merged is group:
                break
            group = merged
        return group

    def _want(self, name: str) -> ResourceSources:
        """The group of `name`, added (unplanned) if new."""
        key = name.strip().lower()
        group = self._names.get(key)
        if group is None:
            group = ResourceSources(name)
            self._names[key] = group
            self._groups.append(group)
            self._update()
        return group

    async def release_source(self, name: str) -> None:
        """Stop the sources of `name` (no view needs them any more)."""
        group = self._names.get(name.strip().lower())
        if group is None:
            return
        for alias in [k for k, g in self._names.items() if g is group]:
            del self._names[alias]
        self._groups.remove(group)
        for src in group.sources.values():
            await self._stop(src)
        self._update()

    async def set_namespaces(self, namespaces: Sequence[str]) -> None:
        """Change the user-configured namespaces; plans are re-applied at once."""
        self.namespaces = tuple(namespaces)
        self._wake.set()

    async def recheck(self) -> None:
        """Re-check every plan against fresh answers now (the periodic pass, on demand);
        returns when a pass that started after this call has finished."""
        target = self.rechecks + (2 if self._in_pass else 1)
        self._wake.set()
        while self.rechecks < target and self._task is not None:
            await self._pass_done.wait()

    # ------------------------------------------------------------------ supervisor
    async def _supervise(self) -> None:
        backoff = Backoff(self.tuning, self._rng)
        while True:
            self._wake.clear()  # a wake during the pass asks for another pass
            self._in_pass = True
            try:
                await self._attempt()
                backoff.reset()
                self._link = None
                delay = self.tuning.access_recheck_interval
            except (AuthFailed, CredentialError) as e:
                delay = self.tuning.auth_failed_retry
                message = e.status.message if isinstance(e, ApiError) else str(e)
                self._link = _LinkFailure(ClusterState.AUTH_FAILED, message, self._wall() + delay)
            except (TransportError, ApiError) as e:
                delay = backoff.next_delay()
                if isinstance(e, ApiError) and e.status.retry_after is not None:
                    delay = max(delay, min(e.status.retry_after, self.tuning.retry_after_cap))
                message = e.status.message if isinstance(e, ApiError) else str(e)
                self._link = _LinkFailure(ClusterState.UNREACHABLE, message, self._wall() + delay)
            except Exception as e:  # a bug must not end the session: report it and retry
                log.exception("cluster %s: unexpected error", self.id)
                delay = backoff.next_delay()
                self._link = _LinkFailure(
                    ClusterState.UNREACHABLE, f"{type(e).__name__}: {e}", self._wall() + delay
                )
            self._in_pass = False
            self.rechecks += 1
            self._pass_done.set()
            self._pass_done = asyncio.Event()
            self._attempted.set()
            self._update()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._wake.wait()

    async def _attempt(self) -> None:
        """Connect if needed, then re-plan every resource against fresh answers."""
        assert self.discovery is not None and self.access is not None
        if not self._connected:
            await self.credentials.get()
        since = self.access.now()
        # Discovery (two 304s unless CRDs changed; then unresolved views may resolve now) and
        # the health probe, one cheap review even when no source runs, side by side.
        await asyncio.gather(self.discovery.refresh(), self.access.username(fresh_since=since))
        self._connected = True
        if self._warming is not None:  # snapshots are in place before any source starts
            warming, self._warming = self._warming, None
            for name in await warming:
                self._want(name)
        # Every resource at once: each plan waits on its own access reviews (bounded by the
        # checker's concurrency), so one slow answer does not hold back the other resources.
        outcomes = await asyncio.gather(
            *(self._apply_locked(g, since) for g in list(self._groups)), return_exceptions=True
        )
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome

    async def _apply_locked(self, group: ResourceSources, fresh_since: float) -> None:
        async with group.lock:
            await self._apply(group, fresh_since)

    # ------------------------------------------------------------------ plans
    async def _apply(self, group: ResourceSources, fresh_since: float | None) -> ResourceSources:
        """Plan `group` and make its sources match: start what is allowed, stop what is not.
        Returns the group (another one when the name turned out to alias a known resource)."""
        assert self.discovery is not None and self.access is not None
        if group.resource is None:
            try:
                resource = await self.discovery.resolve(group.name)
            except UnknownResource as e:
                group.error = str(e)
                return group
            group.error = ""
            same = next((g for g in self._groups if g.resource == resource), None)
            if same is not None and same is not group:  # "po" after "pods": one set of sources
                for k, g in list(self._names.items()):
                    if g is group:
                        self._names[k] = same
                self._groups.remove(group)
                return same
            group.resource = resource
        resource = group.resource
        plan = await self.access.plan(resource, self.namespaces, fresh_since=fresh_since)
        group.plan = plan
        allowed = set(plan.scopes)
        # A change of mode (cluster-wide <-> per namespace): the other mode's sources go, and
        # their data with them, since the new sources now hold it.
        for scope in list(group.sources):
            stale_mode = (plan.mode is AccessMode.CLUSTER and scope is not None) or (
                plan.mode is AccessMode.NAMESPACES and scope is None
            )
            if stale_mode:
                await self._remove(group, scope)
        for scope in plan.scopes:
            src = group.sources.get(scope) or self._new_source(group, resource, scope)
            polled = plan.is_polled(scope)
            if src.reflector is not None and isinstance(src.reflector, Poller) != polled:
                await self._stop(src)  # watch granted or revoked: switch how it is mirrored
            if src.reflector is None:
                self._start(src, polled)
        for scope, src in list(group.sources.items()):
            if scope in allowed:
                continue
            if _dropped_namespace(plan, scope):
                await self._remove(group, scope)
            else:
                await self._deny(src, plan)
        for scope in self._denied_scopes(plan):
            if scope not in group.sources:
                await self._deny(self._new_source(group, resource, scope), plan)
        return group

    def _denied_scopes(self, plan: AccessPlan) -> list[str | None]:
        """Denied scopes worth a source of their own (shown as forbidden): the configured
        namespaces a user asked for, or the whole resource when nothing is allowed. Listed
        namespaces a user never had access to are only counted in the plan's warnings."""
        if plan.mode in (AccessMode.FORBIDDEN, AccessMode.UNSUPPORTED):
            named = (
                [ns for ns in plan.denied if ns] if plan.namespace_source == "configured" else []
            )
            return list(named) or [None]
        if plan.mode is AccessMode.NAMESPACES and plan.namespace_source == "configured":
            return [ns for ns in plan.denied if ns]
        return []

    def _new_source(
        self, group: ResourceSources, resource: ResourceType, scope: str | None
    ) -> Source:
        src = Source(resource, scope, Freshness(self._wall))
        group.sources[scope] = src
        src.freshness.subscribe(lambda f: self._on_freshness(src, f))
        return src

    def _start(self, src: Source, polled: bool = False) -> None:
        assert self.transport is not None
        restored: Restored | None = None
        if src.sink is None:
            src.sink = self.sink_factory(src.resource, src.namespace)
            restored = getattr(src.sink, "restored", None)
        codec = self.codec_factory(src.resource) if self.codec_factory else None
        mirror = Poller if polled else Reflector  # list without watch: poll
        first = src.resource.qualified in self.first_sources
        src.reflector = mirror(
            self.transport,
            src.resource,
            src.sink,
            self.tuning,
            namespace=src.namespace,
            codec=codec,
            capabilities=self.capabilities,
            rng=self._rng,
            freshness=src.freshness,
            before_first_sync=None if first else self.first_syncs.wait,
        )
        if isinstance(restored, Restored):
            # Watch from the snapshot's version: what changed since is replayed, and a 410
            # (version gone) makes the reflector list and replace, deletions included.
            src.reflector.resource_version = restored.resource_version
            src.freshness.restored(restored.taken, restored.message)
        src.reflector.start()

    async def _stop(self, src: Source) -> None:
        if src.reflector is not None:
            r, src.reflector = src.reflector, None
            await r.stop()
            src.earlier_syncs += r.syncs

    async def _deny(self, src: Source, plan: AccessPlan) -> None:
        """Stop `src` (if running) and say why; its sink keeps the last data it had."""
        await self._stop(src)
        if self.forget_data and src.sink is not None:
            src.sink.replace((), "")
        if plan.mode is AccessMode.UNSUPPORTED:
            state, message = SourceState.UNAVAILABLE, plan.reason
        else:
            state = SourceState.FORBIDDEN
            message = plan.denied.get(src.namespace or "", "") or plan.reason
        src.freshness.denied(state, message, self.tuning.access_recheck_interval)

    async def _remove(self, group: ResourceSources, scope: str | None) -> None:
        src = group.sources.pop(scope)
        await self._stop(src)
        if src.sink is not None:
            src.sink.replace((), "")
        src.freshness.stopped()

    # ------------------------------------------------------------------ state
    def _on_freshness(self, src: Source, f: SourceFreshness) -> None:
        if src.resource.qualified in self.first_sources:
            self.first_syncs.progressed()
        # A running source refused by the server itself: re-check now rather than in minutes.
        if f.state is SourceState.FORBIDDEN and src.running and src.last_state is not f.state:
            self._wake.set()
        src.last_state = f.state
        self._update()

    def _update(self) -> None:
        self.first_syncs.hold(self._first_sync_pending())
        state, message, next_retry, synced, total, live, count = self._derive()
        self._publish(state, message, next_retry, synced, total, live, count)

    def _first_sync_pending(self) -> bool:
        """Whether a requested first source is still to be planned or in its first sync (a
        failed, denied or unknown one is settled: the others must not wait on it)."""
        for g in self._groups:
            name = g.resource.qualified if g.resource is not None else g.name.strip().lower()
            if name not in self.first_sources or g.error:
                continue
            if g.plan is None:
                return True
            for s in g.sources.values():
                if s.running and s.syncs == 0 and s.freshness.current.state in _PENDING:
                    return True
        return False

    def _derive(
        self,
    ) -> tuple[ClusterState, str, float | None, int, int | None, int, int]:
        running = [s for s in self.sources() if s.running]
        live = sum(1 for s in running if s.freshness.current.healthy)
        n = len(running)
        if self._task is None:
            return ClusterState.IDLE, self._status.message, None, 0, None, live, n
        link = self._link
        if link is not None and link.state is ClusterState.AUTH_FAILED:
            return link.state, link.message, link.next_retry, 0, None, live, n
        denied = [s for s in running if s.freshness.current.state is SourceState.AUTH_FAILED]
        if denied:
            f = denied[0].freshness.current
            return ClusterState.AUTH_FAILED, f.message, f.next_retry, 0, None, live, n
        if link is not None:
            return link.state, link.message, link.next_retry, 0, None, live, n
        down = [s for s in running if s.freshness.current.state in _DOWN]
        if running and len(down) == n and all(_unreachable(s) for s in down):
            retries = [s.freshness.current.next_retry for s in down]
            soonest = min((r for r in retries if r is not None), default=None)
            message = down[0].freshness.current.message
            return ClusterState.UNREACHABLE, message, soonest, 0, None, live, n
        if not self._connected:
            return ClusterState.CONNECTING, "", None, 0, None, live, n
        unplanned = [g.name for g in self._groups if g.plan is None and not g.error]
        if unplanned:
            message = f"checking access to {', '.join(unplanned)}"
            return ClusterState.SYNCING, message, None, 0, None, live, n
        first = [s for s in running if s.syncs == 0 and s.freshness.current.state in _PENDING]
        if first:
            synced = sum(s.freshness.current.synced for s in first)
            totals = [s.freshness.current.total for s in first]
            total = None if any(t is None for t in totals) else sum(t or 0 for t in totals)
            message = f"{n - len(first)} of {n} sources synced"
            return ClusterState.SYNCING, message, None, synced, total, live, n
        unresolved = [g for g in self._groups if g.error]
        not_live = [s for s in running if not s.freshness.current.healthy]
        if not_live or unresolved:
            parts = [f"{s.label}: {s.freshness.current.state.value}" for s in not_live[:3]]
            parts += [f"{g.name}: {g.error}" for g in unresolved[:3]]
            more = len(not_live) + len(unresolved) - len(parts)
            message = "; ".join(parts) + (f" and {more} more" if more > 0 else "")
            return ClusterState.DEGRADED, message, None, 0, None, live, n
        return ClusterState.READY, "", None, 0, None, live, n

    def _publish(
        self,
        state: ClusterState,
        message: str,
        next_retry: float | None = None,
        synced: int = 0,
        total: int | None = None,
        live: int = 0,
        count: int = 0,
    ) -> None:
        cur = self._status
        since = cur.since if cur.state is state else self._wall()
        new = ClusterStatus(state, since, message, next_retry, synced, total, live, count)
        if new == cur:
            return
        self._status = new
        self.version += 1
        self._changed.set()
        self._changed = asyncio.Event()
        for listener in list(self._listeners):
            listener(new)

    # ------------------------------------------------------------------ diagnostics
    @property
    def relists(self) -> int:
        """Syncs beyond each source's first."""
        return sum(max(0, src.syncs - 1) for src in self.sources())

    def snapshot(self) -> dict[str, object]:
        """Everything diagnostics shows about this cluster: state, load caused, access, sources."""
        s = self.stats
        by_verb: Counter[str] = Counter()
        for (verb, _), count in s.requests.items():
            by_verb[verb] += count
        warnings = self.warnings
        shown = warnings[:MAX_WARNINGS]
        if len(warnings) > MAX_WARNINGS:
            shown.append(f"and {len(warnings) - MAX_WARNINGS} more")
        return {
            "id": self.entry.id,
            "name": self.entry.name,
            "context": self.entry.context,
            "server": self.entry.server,
            "user": self.entry.user,
            "status": self.status.as_dict(),
            "version": self.version,
            "load": {
                **s.as_dict(),
                "requests_by_verb": dict(sorted(by_verb.items())),
                "relists": self.relists,
                "syncs": sum(src.syncs for src in self.sources()),
            },
            "access": {
                **(self.access.as_dict() if self.access is not None else {}),
                "rechecks": self.rechecks,
                "configured_namespaces": list(self.namespaces),
                "context_namespace": self.entry.namespace,
            },
            "capabilities": {"watch_list": self.capabilities.watch_list},
            "first_sources": {"names": sorted(self.first_sources), **self.first_syncs.as_dict()},
            "resources": [g.as_dict() for g in self._groups],
            "warnings": shown,
        }


def _dropped_namespace(plan: AccessPlan, scope: str | None) -> bool:
    """A namespace no longer tried at all (taken off the configured list, or gone from the
    listed ones): its source and rows go, rather than staying as "forbidden" with old data."""
    if scope is None or plan.mode not in (AccessMode.NAMESPACES, AccessMode.FORBIDDEN):
        return False
    return scope not in plan.denied


def _unreachable(src: Source) -> bool:
    return src.reflector is not None and isinstance(src.reflector.last_error, TransportError)
