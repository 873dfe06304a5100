"""Correctness under faults (issue 4): for each simulator fault, while churn runs, reflectors
feeding projected Tables show the right freshness during the fault and, once it is cleared and
churn has stopped, converge to a fresh LIST of the simulator within `CONVERGE_WITHIN` seconds:
the same uid -> resourceVersion map, the same row count, no ghost, missing or duplicate row.
Sources the fault does not target stay live and are not relisted; every task keeps running.

Each case runs its own simulator with tiny tunings (watchdog 2 s, backoff 10..50 ms, watches
re-opened every 3-4 s, stale after 0.5 s), so a case takes a few seconds.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import msgspec
import pytest

from masthead.cluster import ClusterSession, Source
from masthead.kube.codec import ListPage, WatchEvent
from masthead.kube.discovery import Discovery, ResourceType
from masthead.kube.freshness import Freshness, SourceFreshness, SourceState
from masthead.kube.kubeconfig import load_kubeconfig
from masthead.kube.reflector import ClusterCapabilities, Reflector
from masthead.kube.transport import Transport
from masthead.sim.app import SimConfig, Simulator
from masthead.sim.churn import DEFAULT_NAMESPACE, Churn
from masthead.sim.faults import CRDS, example_crd
from masthead.sim.podgen import load_pods
from masthead.sim.registry import WriteContext
from masthead.store.projection import Interner, ProjectionCodec, TableSink, projection_for
from masthead.store.table import Table
from tests.kube.kubesim import FAST, delete_cm, make_cm, transport_for

pytestmark = pytest.mark.faults

# After the fault is cleared and churn has stopped, every source matches a fresh LIST within:
CONVERGE_WITHIN = 5.0
# The freshness a fault causes must show within:
STATE_WITHIN = 5.0
CHURN_RATE = 150.0  # writes/s
TUNING = replace(
    FAST,
    # The simulator bookmarks every 0.1 s until 2 s before a watch's deadline, then at -2 s
    # and -1 s: a quiet watch may go 1 s without a byte. The watchdog is 4 bookmark periods
    # (2 s), so a loop held up to ~1 s on this shared machine is not taken for a silent watch;
    # it still fires well inside the 3 s stall case.
    watchdog_periods=4.0,
    watch_timeout_min=3.0,
    watch_timeout_max=4.0,
    short_watch=0.2,
    bookmark_period=0.5,
    clock_check_interval=0.1,
    stale_after=0.5,
    retry_after_cap=0.05,
    max_retries=3,
    access_recheck_interval=0.2,
)
CRD_NAME = "widgets.faults.masthead.dev"
CHURN_CMS = f"/api/v1/namespaces/{DEFAULT_NAMESPACE}/configmaps"


# ------------------------------------------------------------------ uid -> resourceVersion


class _Meta(msgspec.Struct):
    uid: str = ""
    resourceVersion: str = ""


class _Obj(msgspec.Struct):
    metadata: _Meta = msgspec.field(default_factory=_Meta)


class _Event(msgspec.Struct):
    type: str = ""
    object: _Obj = msgspec.field(default_factory=_Obj)


class _List(msgspec.Struct):
    items: list[_Obj] = msgspec.field(default_factory=list)


class RvCodec(ProjectionCodec[Any, Any]):
    """Rows carry no resourceVersion: remember the last one decoded for each uid, which is
    the one the reflector applies next (decode and apply are adjacent)."""

    def __init__(self, resource: ResourceType, interner: Interner, rv_of: dict[str, str]) -> None:
        super().__init__(projection_for(resource), interner)
        self.rv_of = rv_of
        self._ids = msgspec.json.Decoder(_List)
        self._ev = msgspec.json.Decoder(_Event)

    def decode_list(self, body: bytes) -> ListPage[Any]:
        page = super().decode_list(body)
        for o in self._ids.decode(body).items:
            self.rv_of[o.metadata.uid] = o.metadata.resourceVersion
        return page

    def decode_event(self, line: bytes) -> WatchEvent[Any]:
        ev = super().decode_event(line)
        if ev.obj is not None:
            m = self._ev.decode(line).object.metadata
            self.rv_of[m.uid] = m.resourceVersion
        return ev


class RvTableSink(TableSink[Any]):
    """A `TableSink` that also keeps uid -> resourceVersion of the rows it holds."""

    def __init__(self, resource: ResourceType, rv_of: dict[str, str]) -> None:
        super().__init__(Table(projection_for(resource).columns))
        self.rv_of = rv_of
        self.rvs: dict[str, str] = {}

    def replace_steps(self, objects: Iterable[Any], resource_version: str) -> Iterator[None]:
        rows = list(objects)
        yield from super().replace_steps(rows, resource_version)
        self.rvs = {r.uid: self.rv_of[r.uid] for r in rows}

    def upsert(self, obj: Any) -> None:
        super().upsert(obj)
        self.rvs[obj.uid] = self.rv_of[obj.uid]

    def delete(self, obj: Any) -> None:
        super().delete(obj)
        self.rvs.pop(obj.uid, None)


# ------------------------------------------------------------------ observing freshness


@dataclass
class Watched:
    """A source under test: its sink, its freshness, and every state it went through."""

    name: str
    resource: ResourceType
    namespace: str | None
    sink: RvTableSink
    freshness: Freshness
    reflector: Callable[[], Reflector[Any] | None]
    seen: list[tuple[float, SourceFreshness]] = field(default_factory=list)
    # Completed syncs of every reflector this source ran (a session restarts reflectors).
    total_syncs: Callable[[], int] | None = None

    def __post_init__(self) -> None:
        self.seen.append((time.monotonic(), self.freshness.current))
        self.freshness.subscribe(lambda f: self.seen.append((time.monotonic(), f)))

    def states_since(self, t: float) -> list[SourceFreshness]:
        return [f for at, f in self.seen if at >= t]

    @property
    def path(self) -> str:
        return self.resource.collection_path(self.namespace)


async def wait_state(
    w: Watched, since: float, states: set[SourceState], message: str = ""
) -> SourceFreshness:
    """The first freshness in `states` (with `message` in its message) published after
    `since`, within STATE_WITHIN."""
    deadline = time.monotonic() + STATE_WITHIN
    while True:
        found = w.states_since(since)
        hit = next((f for f in found if f.state in states and message in f.message), None)
        if hit is not None:
            return hit
        if time.monotonic() > deadline:
            got = [(f.state.value, f.message) for f in w.states_since(since)]
            want = f"{sorted(states)} saying {message!r}"
            raise AssertionError(f"{w.name}: no {want} within {STATE_WITHIN}s: {got}")
        await asyncio.sleep(0.01)


async def fresh_list(transport: Transport, path: str) -> dict[str, str]:
    """uid -> resourceVersion from a fresh paged LIST (what the cluster holds now)."""
    out: dict[str, str] = {}
    cont = ""
    while True:
        params = {"limit": "500"} | ({"continue": cont} if cont else {})
        body = (await transport.request("list", path, params)).json()
        for item in body["items"]:
            out[item["metadata"]["uid"]] = item["metadata"]["resourceVersion"]
        cont = body["metadata"].get("continue", "")
        if not cont:
            return out


def mismatch(w: Watched, server: dict[str, str]) -> str:
    """Why `w` does not equal the server ("" when it does)."""
    table = w.sink.table
    rows = list(table.rows())
    names = [(r.namespace, r.name) for r in rows]
    problems = []
    if len(set(names)) != len(names):
        problems.append(f"duplicate rows {len(names) - len(set(names))}")
    if set(table.by_uid) != set(w.sink.rvs):
        problems.append("table and rv map disagree")
    ghosts = set(w.sink.rvs) - set(server)
    missing = set(server) - set(w.sink.rvs)
    stale = {u for u in set(server) & set(w.sink.rvs) if server[u] != w.sink.rvs[u]}
    if ghosts:
        problems.append(f"{len(ghosts)} ghosts")
    if missing:
        problems.append(f"{len(missing)} missing")
    if stale:
        problems.append(f"{len(stale)} at an old resourceVersion")
    if len(table) != len(server):
        problems.append(f"{len(table)} rows vs {len(server)} on the server")
    return ", ".join(problems)


async def converged(w: Watched, transport: Transport) -> float:
    """Seconds until `w` equals a fresh LIST (asserts it does within CONVERGE_WITHIN)."""
    start = time.monotonic()
    why = ""
    while time.monotonic() - start < CONVERGE_WITHIN:
        server = await fresh_list(transport, w.path)
        why = mismatch(w, server)
        if not why and w.freshness.current.state is SourceState.LIVE:
            return time.monotonic() - start
        await asyncio.sleep(0.05)
    state = w.freshness.current.state.value
    raise AssertionError(f"{w.name} not converged in {CONVERGE_WITHIN}s ({state}): {why}")


# ------------------------------------------------------------------ harness


@dataclass
class World:
    sim: Simulator
    admin: Transport  # fresh LISTs, marker writes
    subjects: list[Watched]  # the sources the fault targets
    bystanders: list[Watched]  # sources the fault must leave alone
    alive: list[Callable[[], bool]]  # tasks that must still be running

    def marker(self, name: str, namespace: str = DEFAULT_NAMESPACE) -> None:
        make_cm(self.sim, namespace, name, marker="1")


def _const(r: Reflector[Any]) -> Callable[[], Reflector[Any] | None]:
    return lambda: r


def _running(task: asyncio.Task[None] | None) -> Callable[[], bool]:
    return lambda: task is not None and not task.done()


@asynccontextmanager
async def reflector_world(sim: Simulator, crd: bool, stack: AsyncExitStack) -> AsyncIterator[World]:
    """Admin reflectors: churn configmaps (the subject), all pods, and, for `crd`, widgets."""
    admin = transport_for(sim, tuning=TUNING)
    stack.push_async_callback(admin.close)
    transport = transport_for(sim, tuning=TUNING)
    stack.push_async_callback(transport.close)
    disc = Discovery(transport)
    caps = ClusterCapabilities()
    interner = Interner()
    watched: dict[str, Watched] = {}
    reflectors: list[Reflector[Any]] = []
    specs = [("configmaps", DEFAULT_NAMESPACE), ("pods", None)]
    if crd:
        specs.append(("widgets", None))
    for resource, ns in specs:
        rtype = await disc.resolve(resource)
        rv_of: dict[str, str] = {}
        sink = RvTableSink(rtype, rv_of)
        r = Reflector(
            transport,
            rtype,
            sink,
            TUNING,
            namespace=ns,
            codec=RvCodec(rtype, interner, rv_of),
            capabilities=caps,
        )
        watched[resource] = Watched(resource, rtype, ns, sink, r.freshness, _const(r))
        r.start()
        stack.push_async_callback(r.stop)
        reflectors.append(r)
    for w in watched.values():
        await w.freshness.wait_for(lambda f: f.state is SourceState.LIVE, 10)
    subject = watched["widgets" if crd else "configmaps"]
    yield World(
        sim,
        admin,
        [subject],
        [w for w in watched.values() if w is not subject],
        [_running(r._task) for r in reflectors],
    )


@asynccontextmanager
async def session_world(sim: Simulator, stack: AsyncExitStack) -> AsyncIterator[World]:
    """jane's ClusterSession over configmaps in team-a (the subject) and team-b."""
    admin = transport_for(sim, tuning=TUNING)
    stack.push_async_callback(admin.close)
    assert sim.kubeconfig_path is not None
    entry = load_kubeconfig([sim.kubeconfig_path]).entry("restricted")
    interner = Interner()
    rv_maps: dict[tuple[str, str], dict[str, str]] = {}

    def rv_map(r: ResourceType) -> dict[str, str]:
        return rv_maps.setdefault((r.group, r.resource), {})

    s = ClusterSession(
        entry,
        TUNING,
        lambda r, ns: RvTableSink(r, rv_map(r)),
        namespaces=["team-a", "team-b"],
        codec_factory=lambda r: RvCodec(r, interner, rv_map(r)),
    )
    stack.push_async_callback(s.close)
    group = await s.ensure_source("configmaps")

    def watched(src: Source) -> Watched:
        assert isinstance(src.sink, RvTableSink)
        return Watched(
            f"configmaps/{src.namespace}",
            src.resource,
            src.namespace,
            src.sink,
            src.freshness,
            lambda: src.reflector,
            total_syncs=lambda: src.syncs,
        )

    a, b = watched(group.sources["team-a"]), watched(group.sources["team-b"])
    for w in (a, b):
        await w.freshness.wait_for(lambda f: f.state is SourceState.LIVE, 10)
    yield World(sim, admin, [a], [b], [_running(s._task)])


# ------------------------------------------------------------------ the cases


@dataclass(frozen=True)
class Case:
    id: str
    fault: str
    params: dict[str, Any] = field(default_factory=dict)
    # States the subject must show during the fault (any of them); LIVE means "stays live and
    # a write made during the fault reaches the table".
    expect: frozenset[SourceState] = frozenset({SourceState.RECONNECTING, SourceState.STALE})
    message: str = ""  # contained in the expected state's message
    then: tuple[tuple[str, dict[str, Any]], ...] = ()  # more faults set in the same step
    hold: float = 1.0  # seconds the fault stays in force after its state showed
    relist: bool | None = None  # the subject must (True) / must not (False) relist
    isolated: bool = True  # bystanders stay live and are not relisted
    world: str = "reflectors"  # or "crd", "session"
    churn_ns: str = DEFAULT_NAMESPACE
    after_set: Callable[[World], None] | None = None  # synchronously, right after setting
    after_state: Callable[[World], None] | None = None  # once the expected state showed


VICTIMS = 5


def _change_while_away(w: World) -> None:
    """Right after the subject's watch was dropped, before it can reconnect: delete some
    objects and create more than a shrunk history keeps, so only a relist that deletes what
    vanished can converge (a relist that only upserts leaves ghosts)."""
    ns = w.subjects[0].namespace or DEFAULT_NAMESPACE
    for i in range(VICTIMS):
        delete_cm(w.sim, ns, f"victim-{i}")
    for i in range(10):
        w.marker(f"while-away-{i}", ns)


R, S = SourceState.RECONNECTING, SourceState.STALE
P = {"path": CHURN_CMS}
CASES = [
    Case("drop-watches", "drop-watches", {**P, "duration": 1.0}, relist=False),
    Case(
        "stall-watches",
        "stall-watches",
        {**P, "duration": 3.0},
        message="",
        isolated=False,  # watches opened meanwhile stall on every path
    ),
    Case(
        "stall-watches-persistent",  # no byte on any watch for 8 s: must end up stale
        "stall-watches",
        {**P, "duration": 8.0},
        expect=frozenset({S}),
        isolated=False,
    ),
    Case(
        "force-410",
        "force-410",
        {**P, "duration": 3.0},
        then=(("drop-watches", P),),
        after_set=_change_while_away,
        message="too old resource version",
        relist=True,
    ),
    Case(
        "shrink-history",
        "shrink-history",
        {"size": 5, "duration": 5.0},
        then=(("drop-watches", P),),
        after_set=_change_while_away,
        relist=True,
        isolated=False,  # history shrinks for every resource
    ),
    Case(
        "throttle-429-30pct",
        "throttle",
        {**P, "fraction": 0.3, "seed": 1, "duration": 3.0},
        then=(("drop-watches", P),),
        relist=False,
    ),
    Case(
        "errors-503-burst",
        "errors",
        {**P, "code": 503, "count": 12},
        then=(("drop-watches", P),),
        after_set=_change_while_away,
        relist=True,
    ),
    Case(
        "latency-200ms",
        "latency",
        {**P, "ms": 200, "jitterMs": 50, "duration": 3.0},
        expect=frozenset({SourceState.LIVE}),
        relist=False,
    ),
    Case(
        "down",
        "down",
        {"seconds": 1.5, "afterSeconds": 0.0},
        expect=frozenset({S}),
        relist=False,
        isolated=False,
    ),
    Case(
        "down-lose-history",
        "down",
        {"seconds": 1.5, "afterSeconds": 0.0, "loseHistory": True},
        expect=frozenset({S}),
        relist=True,
        isolated=False,
    ),
    Case(
        "expire-token",
        "expire-token",
        {"user": "admin", "duration": 3.0},
        expect=frozenset({SourceState.AUTH_FAILED}),
        message="Unauthorized",
        isolated=False,
    ),
    Case(
        "revoke-grant",
        "revoke",
        {"namespace": "team-a", "user": "jane", "role": "edit"},
        expect=frozenset({SourceState.FORBIDDEN}),
        message='User "jane" cannot',
        after_state=_change_while_away,  # the source is stopped: only a relist sees these
        relist=True,
        world="session",
        churn_ns="team-a",
    ),
    Case(
        "jump-rv",
        "jump-rv",
        {"delta": 1_000_000},
        expect=frozenset({SourceState.LIVE}),
        relist=False,
    ),
    Case(
        "jump-rv-expire-older",
        "jump-rv",
        {"delta": 1_000_000, "expireOlder": True},
        then=(("drop-watches", P),),
        after_set=_change_while_away,
        message="too old resource version",
        relist=True,
        isolated=False,  # older revisions expire for every resource
    ),
    Case(
        "delete-crd",
        "delete-crd",
        {"name": CRD_NAME},
        expect=frozenset({SourceState.UNAVAILABLE}),
        relist=True,
        world="crd",
    ),
]


async def _install_crd(sim: Simulator) -> None:
    sim.registry.create(CRDS, "", example_crd(), WriteContext("test"))
    deadline = time.monotonic() + 5
    while True:  # the definition is served once established
        try:
            info = sim.info("faults.masthead.dev", "v1", "widgets")
            break
        except KeyError:
            assert time.monotonic() < deadline, "CRD never established"
            await asyncio.sleep(0.02)
    for i in range(20):
        sim.registry.create(
            info, DEFAULT_NAMESPACE, {"metadata": {"name": f"w-{i}"}}, WriteContext("test")
        )


def _syncs(w: Watched) -> int:
    if w.total_syncs is not None:
        return w.total_syncs()
    r = w.reflector()
    return r.syncs if r is not None else -1


async def _check_live_during(w: World, subject: Watched, since: float) -> None:
    name = "marker-during-fault"
    w.marker(name, subject.namespace or DEFAULT_NAMESPACE)
    deadline = time.monotonic() + STATE_WITHIN
    while not any(r.name == name for r in subject.sink.table.rows()):
        if time.monotonic() > deadline:
            raise AssertionError(f"{subject.name}: a write during the fault never arrived")
        await asyncio.sleep(0.01)
    bad = [f.state.value for f in subject.states_since(since) if f.state is not SourceState.LIVE]
    assert not bad, f"{subject.name} left live: {bad}"


# Case id → the defect (file, function, why) that makes it fail; run as strict xfail.
KNOWN_BUGS: dict[str, str] = {}


def _params() -> list[Any]:
    return [
        pytest.param(
            c,
            id=c.id,
            marks=[pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[c.id])]
            if c.id in KNOWN_BUGS
            else [],
        )
        for c in CASES
    ]


@pytest.mark.parametrize("case", _params())
async def test_converges_after_fault_under_churn(case: Case) -> None:
    sim = Simulator(SimConfig(bookmark_period=0.1))
    async with sim, AsyncExitStack() as stack:
        load_pods(sim.store, 100, namespaces=5, nodes=5)
        churn = Churn(sim, CHURN_RATE, duration=30.0, seed=7, namespace=case.churn_ns)
        churn.start()  # creates its namespace and pool
        for i in range(VICTIMS):
            make_cm(sim, case.churn_ns, f"victim-{i}")
        if case.world == "crd":
            await _install_crd(sim)
        stack.push_async_callback(churn.stop)
        if case.world == "session":
            ctx = session_world(sim, stack)
        else:
            ctx = reflector_world(sim, case.world == "crd", stack)
        w = await stack.enter_async_context(ctx)
        await asyncio.sleep(0.3)  # churn flows through live watches first
        subject = w.subjects[0]
        syncs_before = {x.name: _syncs(x) for x in w.subjects + w.bystanders}
        reflector_before = {x.name: x.reflector() for x in w.bystanders}

        # -- the fault, and the state it must show
        since = time.monotonic()
        await sim.faults.set(case.fault, case.params)
        for name, params in case.then:
            await sim.faults.set(name, params)
        if case.after_set is not None:
            case.after_set(w)
        if case.expect == {SourceState.LIVE}:
            await _check_live_during(w, subject, since)
        else:
            await wait_state(subject, since, set(case.expect), case.message)
        if case.after_state is not None:
            case.after_state(w)
        await asyncio.sleep(case.hold)

        # -- cleared, churn stopped: converge to a fresh LIST
        for name in (case.fault, *(n for n, _ in case.then)):
            await sim.faults.clear(name)
        report = await churn.stop()
        assert report.failure is None and report.writes > 100
        took = {x.name: await converged(x, w.admin) for x in w.subjects + w.bystanders}
        assert all(t < CONVERGE_WITHIN for t in took.values())

        # -- the process kept running; other sources were left alone
        assert all(ok() for ok in w.alive), "a reflector or supervisor task ended"
        if case.relist is not None:
            relisted = _syncs(subject) > syncs_before[subject.name]
            assert relisted is case.relist, f"relist expected: {case.relist}"
        if case.isolated:
            for b in w.bystanders:
                assert b.reflector() is reflector_before[b.name], f"{b.name} was restarted"
                assert _syncs(b) == syncs_before[b.name], f"{b.name} relisted"
                left = [(f.state.value, f.message) for f in b.states_since(since)]
                assert all(s == "live" for s, _ in left), f"{b.name} left live: {left}"


@pytest.mark.parametrize("fault", ["grant"])
async def test_grant_starts_a_denied_source_that_converges(fault: str) -> None:
    """The mirror of revoke: a configured namespace jane may not read is a `forbidden` source;
    the grant starts it (live within STATE_WITHIN), it converges under churn, and clearing
    the grant makes it forbidden again. team-a is left alone throughout."""
    sim = Simulator(SimConfig(bookmark_period=0.1))
    async with sim, AsyncExitStack() as stack:
        churn = Churn(sim, CHURN_RATE, duration=30.0, seed=7)
        churn.start()
        stack.push_async_callback(churn.stop)
        admin = transport_for(sim, tuning=TUNING)
        stack.push_async_callback(admin.close)
        assert sim.kubeconfig_path is not None
        entry = load_kubeconfig([sim.kubeconfig_path]).entry("restricted")
        interner, rv_of = Interner(), dict[str, str]()
        s = ClusterSession(
            entry,
            TUNING,
            lambda r, ns: RvTableSink(r, rv_of),
            namespaces=["team-a", DEFAULT_NAMESPACE],
            codec_factory=lambda r: RvCodec(r, interner, rv_of),
        )
        stack.push_async_callback(s.close)
        group = await s.ensure_source("configmaps")
        denied, team_a = group.sources[DEFAULT_NAMESPACE], group.sources["team-a"]
        await team_a.freshness.wait_for(lambda f: f.state is SourceState.LIVE, 10)
        assert denied.freshness.current.state is SourceState.FORBIDDEN and not denied.running
        bystander = team_a.reflector
        since = time.monotonic()
        seen: list[SourceState] = []
        team_a.freshness.subscribe(lambda f: seen.append(f.state))

        await sim.faults.set(fault, {"namespace": DEFAULT_NAMESPACE, "role": "view"})
        await denied.freshness.wait_for(lambda f: f.state is SourceState.LIVE, STATE_WITHIN)
        await asyncio.sleep(0.5)
        report = await churn.stop()
        assert report.failure is None and report.writes > 50
        assert isinstance(denied.sink, RvTableSink)
        w = Watched(
            "configmaps/masthead-churn",
            denied.resource,
            DEFAULT_NAMESPACE,
            denied.sink,
            denied.freshness,
            lambda: denied.reflector,
        )
        assert await converged(w, admin) < CONVERGE_WITHIN

        await sim.faults.clear(fault)
        f = await denied.freshness.wait_for(
            lambda f: f.state is SourceState.FORBIDDEN, STATE_WITHIN
        )
        assert 'User "jane" cannot' in f.message and not denied.running
        assert s._task is not None and not s._task.done()
        assert team_a.reflector is bystander and team_a.syncs == 1
        assert all(st is SourceState.LIVE for st in seen), seen
        assert time.monotonic() - since < 15
