"""Served views under simulator faults (issue 8): for each fault, while churn runs, what
masthead serves — pages (`GET .../views/{view}`) and a live subscription — says the right
freshness in `sources[]` within STATE_WITHIN; a second cluster (another simulator, another
context) stays live and answering throughout; and once the fault is cleared and churn stopped,
the view's rows converge within CONVERGE_WITHIN to the brute-force answer computed from the
simulator's own store: no ghost, missing or duplicate row, every source live.

The data layer's side of the same faults is tests/kube/test_convergence.py; its tunings (watchdog
2 s, backoff 10..50 ms, stale after 0.5 s) and fault wiring are reused here.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from masthead.sim.app import SimConfig, Simulator
from masthead.sim.churn import DEFAULT_NAMESPACE, Churn
from masthead.sim.podgen import load_pods
from masthead.sim.registry import DeleteOptions, WriteContext
from tests.api.harness import Served, served
from tests.kube.kubesim import delete_cm, make_cm
from tests.kube.test_convergence import CRD_NAME, STATE_WITHIN, VICTIMS, _install_crd
from tests.kube.test_convergence import TUNING as FAULT_TUNING
from tests.reliability.world import (
    OTHER,
    Recorder,
    RowKey,
    converge,
    page_rows,
    store_rows,
    two_cluster_kubeconfig,
)

pytestmark = pytest.mark.faults

# Pages add the live layer's debounce and a page build to the data layer's 5 s.
CONVERGE_WITHIN = 8.0
CHURN_RATE = 100.0  # writes/s on the faulted simulator
OTHER_CHURN_RATE = 20.0  # and on the bystander
CM_ALL = "/api/v1/configmaps"  # admin watches configmaps in all namespaces
CRD_VIEW = "browse/faults.masthead.dev/v1/widgets"
CONFIGMAPS = ("", "configmaps")
WIDGETS = ("faults.masthead.dev", "widgets")
R_S = frozenset({"reconnecting", "stale"})


@dataclass(frozen=True)
class Subject:
    """The view the fault targets: context, view, query, and where its objects live."""

    context: str
    view: str
    key: tuple[str, str]
    namespaces: tuple[str, ...] | None = None  # the page's namespace= filter

    @property
    def query(self) -> dict[str, Any]:
        return {"namespace": ",".join(self.namespaces)} if self.namespaces else {}


ADMIN_CMS = Subject("admin", "configmaps", CONFIGMAPS)
JANE_CMS = Subject("restricted", "configmaps", CONFIGMAPS, ("team-a",))
WIDGETS_VIEW = Subject("admin", CRD_VIEW, WIDGETS)


@dataclass
class Stage:
    """One test's world: the faulted simulator, its churn, masthead, and the bystander."""

    sim: Simulator
    other: Simulator
    s: Served
    subject: Subject
    churns: list[Churn]

    async def stop_churn(self) -> None:
        for c in self.churns:
            report = await c.stop()
            assert report.failure is None, report.failure
            assert report.writes >= 0.3 * report.target_rate * report.elapsed, report.writes

    def want(self) -> dict[str, RowKey]:
        return store_rows(self.sim, self.subject.key, self.subject.namespaces)

    def want_other(self) -> dict[str, RowKey]:
        return store_rows(self.other, CONFIGMAPS)


@dataclass(frozen=True)
class Case:
    id: str
    fault: str
    params: dict[str, Any]
    expect: frozenset[str] = R_S  # source states the subject must show during the fault
    message: str = ""  # contained in that state's message
    then: tuple[tuple[str, dict[str, Any]], ...] = ()  # more faults set in the same step
    subject: Subject = ADMIN_CMS
    churn_ns: str = DEFAULT_NAMESPACE
    after_set: Callable[[Stage], None] | None = None
    after_state: Callable[[Stage], None] | None = None
    hold: float = 1.0  # seconds the fault stays after its state showed
    # Page statuses allowed during the fault: 403 when every scope of the view is forbidden.
    codes: frozenset[int] = frozenset({200})
    relist: bool | None = None  # the subject's source must (not) have listed again
    # A fault aimed at the subject's path leaves the same cluster's pods view live too.
    isolated: bool = False


def _change_while_away(st: Stage) -> None:
    """Delete some objects and create others while the subject cannot watch: only a relist
    that deletes what vanished converges (one that only upserts leaves ghosts)."""
    ns = (st.subject.namespaces or (DEFAULT_NAMESPACE,))[0]
    for i in range(VICTIMS):
        delete_cm(st.sim, ns, f"victim-{i}")
    for i in range(10):
        make_cm(st.sim, ns, f"while-away-{i}", marker="1")


P = {"path": CM_ALL}
DROP = (("drop-watches", P),)
CASES = [
    Case("drop-watches", "drop-watches", {**P, "duration": 1.0}, relist=False, isolated=True),
    Case("stall-watches", "stall-watches", {**P, "duration": 3.0}),
    Case(
        "force-410",
        "force-410",
        {**P, "duration": 3.0},
        then=DROP,
        after_set=_change_while_away,
        relist=True,  # the 410's message is too short-lived to sample through a page
        isolated=True,
    ),
    Case(
        "throttle-429-30pct",
        "throttle",
        {**P, "fraction": 0.3, "seed": 1, "duration": 3.0},
        then=DROP,
        isolated=True,
    ),
    Case(
        "errors-503-burst",
        "errors",
        {**P, "code": 503, "count": 12},
        then=DROP,
        after_set=_change_while_away,
        relist=True,
        isolated=True,
    ),
    Case("latency-2s", "latency", {**P, "ms": 2000, "duration": 4.0}, then=DROP, isolated=True),
    Case("down", "down", {"seconds": 1.5, "afterSeconds": 0.0}),
    Case(
        "down-lose-history",
        "down",
        {"seconds": 1.5, "afterSeconds": 0.0, "loseHistory": True},
        after_set=_change_while_away,
        relist=True,
    ),
    Case("jump-rv", "jump-rv", {"delta": 1_000_000}, expect=frozenset({"live"}), relist=False),
    Case(
        "expire-token",
        "expire-token",
        {"user": "admin", "duration": 3.0},
        expect=frozenset({"auth-failed"}),
        message="Unauthorized",
    ),
    Case(
        "revoke",
        "revoke",
        {"namespace": "team-a", "user": "jane", "role": "edit"},
        expect=frozenset({"forbidden"}),
        message='User "jane" cannot',
        subject=JANE_CMS,
        churn_ns="team-a",
        codes=frozenset({200, 403}),  # jane's only namespace of the view is revoked
        after_state=_change_while_away,  # the source is stopped: only a relist sees these
    ),
    Case(
        "delete-crd",
        "delete-crd",
        {"name": CRD_NAME},
        expect=frozenset({"unavailable"}),
        message="404 page not found",  # the API server's text for a group it no longer serves
        subject=WIDGETS_VIEW,
    ),
]


@asynccontextmanager
async def stage(subject: Subject, churn_ns: str, tmp: Path) -> AsyncIterator[Stage]:
    """Two simulators under churn, masthead serving the subject's context and `other`, the
    subject's view and the bystander's configmaps view opened and live."""
    async with AsyncExitStack() as stack:
        sim = await stack.enter_async_context(Simulator(SimConfig(bookmark_period=0.1)))
        other = await stack.enter_async_context(Simulator(SimConfig(bookmark_period=0.1)))
        load_pods(sim.store, 100, namespaces=5, nodes=5)
        load_pods(other.store, 50, namespaces=3, nodes=3)
        churns = [
            Churn(sim, CHURN_RATE, duration=60.0, seed=7, namespace=churn_ns),
            Churn(other, OTHER_CHURN_RATE, duration=60.0, seed=8),
        ]
        for c in churns:
            c.start()
            stack.push_async_callback(c.stop)
        for i in range(VICTIMS):  # after start: churn creates its namespace
            make_cm(sim, churn_ns, f"victim-{i}")
        if subject.key == WIDGETS:
            await _install_crd(sim)
        kubeconfig = two_cluster_kubeconfig(sim, other, tmp / "kubeconfig")
        s = await stack.enter_async_context(
            served(
                sim=sim,
                kubeconfigs=[kubeconfig],
                connect=(subject.context, OTHER),
                tuning=FAULT_TUNING,
            )
        )
        st = Stage(sim, other, s, subject, churns)
        # Opening the views starts their sources; both are live before any fault.
        await _live(s, subject.context, subject.view, subject.query)
        await _live(s, OTHER, "configmaps", {})
        yield st


async def _live(s: Served, cluster: str, view: str, query: dict[str, Any]) -> None:
    deadline = time.monotonic() + 10
    while True:
        _, page = await page_rows(s, cluster, view, **query)
        states = {x["state"] for x in page["sources"] if x["id"] != "metrics"}
        if states == {"live"}:
            return
        assert time.monotonic() < deadline, f"{cluster}/{view} never live: {page['sources']}"
        await asyncio.sleep(0.05)


async def _syncs(st: Stage) -> int:
    """Completed lists of the subject's source, from `GET /api/v1/clusters/{id}`."""
    _, cluster, _ = await st.s.get(f"/api/v1/clusters/{st.subject.context}")
    resource = st.subject.key[1]
    scope = (st.subject.namespaces or (None,))[0]
    return sum(
        x["syncs"]
        for x in cluster["sources"]
        if x["resource"].split(".")[0] == resource and x["namespace"] == scope
    )


async def _marker_arrives(st: Stage, t: float, rec: Recorder) -> None:
    """A write made during the fault reaches the served view, which never left live."""
    ns = (st.subject.namespaces or (DEFAULT_NAMESPACE,))[0]
    make_cm(st.sim, ns, "marker-during-fault", marker="1")
    deadline = time.monotonic() + STATE_WITHIN
    q = st.subject.query | {"q": "marker-during-fault"}
    while not (await st.s.page(st.subject.context, st.subject.view, **q))["rows"]:
        assert time.monotonic() < deadline, "a write during the fault never reached the page"
        await asyncio.sleep(0.05)
    left = {(state, msg) for _, state, msg in rec.states_since(t) if state != "live"}
    assert not left, f"left live: {left}"


def _undisturbed(other: Recorder, since: float) -> None:
    """`other` answered every poll with a page whose sources were all live."""
    seen = other.since(since)
    assert len(seen) >= 2, f"too few bystander observations: {len(seen)}"
    bad = [
        (o.status, o.sources)
        for o in seen
        if o.status != 200 or any(s != "live" for _, s, _ in o.sources)
    ]
    assert not bad, f"{other.cluster}/{other.view} was disturbed: {bad[:3]}"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_served_view_under_fault(case: Case, tmp_path: Path) -> None:
    async with stage(case.subject, case.churn_ns, tmp_path) as st:
        subject, s = case.subject, st.s
        rec = Recorder(s, subject.context, subject.view, subject.query)
        bystander = Recorder(s, OTHER, "configmaps")
        neighbour = Recorder(s, subject.context, "pods")
        if case.isolated:
            await _live(s, subject.context, "pods", {})
        async with (
            rec.running(),
            bystander.running(live=False),
            neighbour.running(live=False) if case.isolated else contextlib.nullcontext(),
        ):
            await asyncio.sleep(0.3)  # churn flows through live views first
            syncs_before = await _syncs(st)
            since = time.monotonic()
            await st.sim.faults.set(case.fault, case.params)
            for name, params in case.then:
                await st.sim.faults.set(name, params)
            if case.after_set is not None:
                case.after_set(st)
            if case.expect == {"live"}:
                await _marker_arrives(st, since, rec)
            else:
                await rec.wait_state(since, set(case.expect), case.message, STATE_WITHIN)
            if case.after_state is not None:
                case.after_state(st)
            await asyncio.sleep(case.hold)
            for name in (case.fault, *(n for n, _ in case.then)):
                await st.sim.faults.clear(name)
            _undisturbed(bystander, since)
            if case.isolated:
                _undisturbed(neighbour, since)
            assert any(o.via == "live" for o in rec.since(since)), "no live frame in the fault"
            answered = {o.status for o in rec.since(since) if o.via == "page"}
            # Pages are served from masthead's tables: a fault never turns them into errors.
            assert answered and answered <= case.codes, sorted(answered)
        await st.stop_churn()
        took = await converge(
            s, subject.context, subject.view, st.want, CONVERGE_WITHIN, **subject.query
        )
        assert took < CONVERGE_WITHIN
        if case.relist is not None:
            relisted = await _syncs(st) > syncs_before
            assert relisted is case.relist, f"relist expected: {case.relist}"
        await converge(s, OTHER, "configmaps", st.want_other, CONVERGE_WITHIN)


async def test_namespace_deleted_while_viewed(tmp_path: Path) -> None:
    """A namespace being viewed is deleted (its objects finalized away) under churn: the view
    stays live and empties to exactly what the store holds; the other cluster is untouched."""
    doomed = Subject("admin", "configmaps", CONFIGMAPS, ("doomed",))
    async with stage(doomed, DEFAULT_NAMESPACE, tmp_path) as st:
        ns_info = st.sim.info("", "v1", "namespaces")
        st.sim.registry.create(ns_info, "", {"metadata": {"name": "doomed"}}, WriteContext("t"))
        for i in range(20):
            make_cm(st.sim, "doomed", f"doomed-{i}")
        await converge(st.s, "admin", "configmaps", st.want, CONVERGE_WITHIN, namespace="doomed")
        assert len(st.want()) == 20
        rec = Recorder(st.s, "admin", "configmaps", doomed.query)
        bystander = Recorder(st.s, OTHER, "configmaps")
        async with rec.running(), bystander.running(live=False):
            since = time.monotonic()
            st.sim.registry.delete(ns_info, "", "doomed", DeleteOptions())
            deadline = time.monotonic() + STATE_WITHIN  # finalization empties it, then it goes
            while st.sim.store.get(("", "namespaces"), "", "doomed") is not None:
                assert time.monotonic() < deadline, "the namespace was never finalized"
                await asyncio.sleep(0.05)
            await converge(
                st.s, "admin", "configmaps", st.want, CONVERGE_WITHIN, namespace="doomed"
            )
            assert st.want() == {}
            _undisturbed(bystander, since)
            left = {(state, msg) for _, state, msg in rec.states_since(since) if state != "live"}
            assert not left, f"left live: {left}"
        await st.stop_churn()
        await converge(st.s, "admin", "configmaps", st.want, CONVERGE_WITHIN, namespace="doomed")
        await converge(st.s, OTHER, "configmaps", st.want_other, CONVERGE_WITHIN)


async def test_cluster_wide_grant_then_revoke(tmp_path: Path) -> None:
    """jane sees team-a only; a cluster-wide `view` grant turns her view into one source over
    every namespace (all the store's configmaps); taking it back returns her to team-a with no
    row of another namespace left behind."""
    jane_all = Subject("restricted", "configmaps", CONFIGMAPS)
    async with stage(jane_all, "team-a", tmp_path) as st:
        for i in range(10):  # rows only the grant shows
            make_cm(st.sim, "team-c", f"elsewhere-{i}")
        team_a = lambda: store_rows(st.sim, CONFIGMAPS, ("team-a",))  # noqa: E731
        everything = lambda: store_rows(st.sim, CONFIGMAPS)  # noqa: E731
        await converge(st.s, "restricted", "configmaps", team_a, CONVERGE_WITHIN)
        await st.sim.faults.set("grant", {"user": "jane", "role": "view"})
        await converge(st.s, "restricted", "configmaps", everything, CONVERGE_WITHIN)
        page = await st.s.page("restricted", "configmaps", limit=1)
        assert [x["id"] for x in page["sources"]] == ["configmaps@*"]
        await st.sim.faults.clear("grant")
        await st.stop_churn()
        await converge(st.s, "restricted", "configmaps", team_a, CONVERGE_WITHIN)
        page = await st.s.page("restricted", "configmaps", limit=1)
        assert [x["id"] for x in page["sources"]] == ["configmaps@team-a"]
