"""ClusterSession against the simulator over real HTTP: lazy connect, lifecycle states, sources
planned per access (cluster-wide for the admin, per namespace for jane), revocations and grants
applied per source by the periodic re-check, unreachable and auth-failed clusters, accounting."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

from masthead.cluster import ClusterSession, ClusterState, ClusterStatus, Source
from masthead.kube.access import AccessMode
from masthead.kube.freshness import SourceFreshness, SourceState
from masthead.kube.kubeconfig import load_kubeconfig
from masthead.kube.sink import MemorySink
from masthead.kube.tuning import Tuning
from masthead.sim.app import SimConfig, Simulator
from masthead.sim.podgen import load_pods
from masthead.sim.registry import DeleteOptions, WriteContext
from tests.kube.kubesim import FAST, InFlight, close_watches, eventually

RBAC = "rbac.authorization.k8s.io"
# Re-checks every 0.2 s: a revocation or grant shows within a fraction of a second.
TUNING = replace(FAST, access_recheck_interval=0.2)
FORBIDDEN_PODS_TEAM_A = (
    'pods is forbidden: User "jane" cannot list resource "pods" in API group "" '
    'in the namespace "team-a"'
)


@asynccontextmanager
async def session(
    sim: Simulator,
    context: str = "admin",
    namespaces: Sequence[str] = (),
    tuning: Tuning = TUNING,
    first_sources: Sequence[str] = (),
) -> AsyncIterator[ClusterSession]:
    assert sim.kubeconfig_path is not None
    entry = load_kubeconfig([sim.kubeconfig_path]).entry(context)
    s = ClusterSession(
        entry,
        tuning,
        lambda r, ns: MemorySink(),
        namespaces=namespaces,
        first_sources=first_sources,
    )
    try:
        yield s
    finally:
        await s.close()


def make_pod(sim: Simulator, ns: str, name: str) -> None:
    sim.registry.create(
        sim.info("", "v1", "pods"),
        ns,
        {"metadata": {"name": name}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}},
        WriteContext("test"),
    )


def revoke(sim: Simulator, ns: str, binding: str) -> None:
    sim.registry.delete(sim.info(RBAC, "v1", "rolebindings"), ns, binding, DeleteOptions())


def names(src: Source) -> set[str]:
    assert isinstance(src.sink, MemorySink)
    return {o["metadata"]["name"] for o in src.sink.objects.values()}


def state_is(*states: ClusterState) -> Any:
    return lambda s: s.state in states


def source_is(state: SourceState) -> Any:
    return lambda f: f.state is state


async def live(src: Source, timeout: float = 10.0) -> SourceFreshness:
    return await src.freshness.wait_for(source_is(SourceState.LIVE), timeout)


async def test_session_is_lazy_and_admin_syncs_pods_cluster_wide() -> None:
    async with Simulator(SimConfig()) as sim:
        load_pods(sim.store, 300)
        async with session(sim) as s:
            seen: list[ClusterStatus] = []
            s.subscribe(seen.append)
            assert s.state is ClusterState.IDLE
            assert sum(s.stats.requests.values()) == 0  # nothing until opened
            status = await s.connect()
            assert status.state is ClusterState.READY  # connected, no source asked for yet
            pods = await s.ensure_source("pods")
            assert pods.plan is not None and pods.plan.mode is AccessMode.CLUSTER
            assert list(pods.sources) == [None]
            await s.wait_for(state_is(ClusterState.READY), 10)
            src = pods.sources[None]
            assert len(names(src)) == 300
            states = [st.state for st in seen]
            assert states[0] is ClusterState.CONNECTING
            assert ClusterState.SYNCING in states and states[-1] is ClusterState.READY
            assert s.status.sources_live == s.status.sources_total == 1
            # The same resource by another name shares the sources.
            assert await s.ensure_source("po") is pods and len(s.sources()) == 1


async def test_resources_are_planned_at_once_not_one_after_another() -> None:
    """Each plan waits on access reviews; a busy API server answers each in a second or more,
    so planning sixteen views one after another took tens of seconds."""
    async with Simulator(SimConfig()) as sim, session(sim) as s:
        await s.connect()
        assert s.transport is not None
        flights = InFlight(s.transport)
        names = ("deployments", "services", "configmaps", "nodes")
        groups = await asyncio.gather(*(s.ensure_source(n) for n in names))
        assert [g.plan.mode if g.plan else None for g in groups] == [AccessMode.CLUSTER] * 4
        assert flights.peak >= 2
        # The periodic re-check asks again for every resource, also at once.
        flights.peak = 0
        await s.recheck()
        assert flights.peak >= 2
        await s.wait_for(state_is(ClusterState.READY), 10)


async def test_two_names_of_one_resource_asked_at_once_share_one_planned_group() -> None:
    async with Simulator(SimConfig()) as sim, session(sim) as s:
        await s.connect()
        po, pods = await asyncio.gather(s.ensure_source("po"), s.ensure_source("pods"))
        assert po is pods and pods.plan is not None and pods.plan.mode is AccessMode.CLUSTER
        assert len(s.sources()) == 1
        await live(pods.sources[None])


async def test_syncing_reports_progress() -> None:
    async with Simulator(SimConfig(watch_list_enabled=False)) as sim:
        load_pods(sim.store, 1200)
        async with session(sim, tuning=replace(TUNING, page_size=100)) as s:
            progress: list[tuple[int, int | None]] = []
            s.subscribe(
                lambda st: (
                    progress.append((st.synced, st.total))
                    if st.state is ClusterState.SYNCING
                    else None
                )
            )
            await s.ensure_source("pods")
            await s.wait_for(state_is(ClusterState.READY), 20)
            assert (1200, 1200) in progress or any(t == 1200 for _, t in progress)
            assert any(0 < n < 1200 for n, _ in progress)


async def test_restricted_user_gets_configured_namespaces_and_partial_access() -> None:
    async with Simulator(SimConfig()) as sim:
        for ns in ("team-a", "team-b", "team-c"):
            make_pod(sim, ns, f"web-{ns}")
        async with session(sim, "restricted", namespaces=["team-b", "team-c"]) as s:
            pods = await s.ensure_source("pods")
            assert pods.plan is not None and pods.plan.mode is AccessMode.NAMESPACES
            assert list(pods.sources) == ["team-a", "team-b", "team-c"]
            for scope, src in pods.sources.items():
                await live(src)
                assert names(src) == {f"web-{scope}"}
            secrets = await s.ensure_source("secrets")
            assert sorted(k or "" for k in secrets.sources) == ["team-a", "team-b", "team-c"]
            await live(secrets.sources["team-a"])
            await live(secrets.sources["team-b"])
            denied = secrets.sources["team-c"]
            assert not denied.running
            assert denied.freshness.current.state is SourceState.FORBIDDEN
            message = (
                'secrets is forbidden: User "jane" cannot list resource "secrets" in API '
                'group "" in the namespace "team-c"'
            )
            assert denied.freshness.current.message == message
            assert s.warnings == [f'secrets: no access in namespace "team-c": {message}']
            # Partial access is normal: the cluster is ready, with the warning.
            await s.wait_for(state_is(ClusterState.READY), 10)
            assert pods.sources["team-c"].freshness.current.state is SourceState.LIVE
            snap = s.snapshot()
            assert snap["warnings"] == s.warnings
            assert s.stats.count("list", 403) == 0  # denied scopes were never even tried


async def test_restricted_user_without_configuration_gets_the_context_namespace() -> None:
    async with Simulator(SimConfig()) as sim:
        make_pod(sim, "team-a", "api")
        async with session(sim, "restricted") as s:
            pods = await s.ensure_source("pods")
            assert list(pods.sources) == ["team-a"]
            assert names(pods.sources["team-a"]) == {"api"} or await live(pods.sources["team-a"])
            await eventually(lambda: names(pods.sources["team-a"]) == {"api"})
            nodes = await s.ensure_source("nodes")
            assert nodes.plan is not None and nodes.plan.mode is AccessMode.FORBIDDEN
            assert nodes.sources[None].freshness.current.state is SourceState.FORBIDDEN
            assert 'cannot list resource "nodes"' in nodes.sources[None].freshness.current.message
            await s.wait_for(state_is(ClusterState.READY), 10)


async def test_revocation_stops_only_the_revoked_namespace() -> None:
    async with Simulator(SimConfig()) as sim:
        for ns in ("team-a", "team-b", "team-c"):
            make_pod(sim, ns, f"web-{ns}")
        async with session(sim, "restricted", namespaces=["team-b", "team-c"]) as s:
            pods = await s.ensure_source("pods")
            cms = await s.ensure_source("configmaps")
            for src in s.sources():
                await live(src)
            before = {ns: src.reflector for ns, src in pods.sources.items()}
            revoke(sim, "team-a", "jane-edit")
            team_a = pods.sources["team-a"]
            f = await team_a.freshness.wait_for(source_is(SourceState.FORBIDDEN), 5)
            assert f.message == FORBIDDEN_PODS_TEAM_A
            await cms.sources["team-a"].freshness.wait_for(source_is(SourceState.FORBIDDEN), 5)
            assert not team_a.running
            assert names(team_a) == {"web-team-a"}  # last data kept, marked forbidden
            for ns in ("team-b", "team-c"):
                assert pods.sources[ns].freshness.current.state is SourceState.LIVE
                assert pods.sources[ns].reflector is before[ns]  # never restarted
                assert cms.sources[ns].freshness.current.state is SourceState.LIVE
            assert any('"team-a"' in w for w in s.warnings)
            assert s.state is ClusterState.READY
            # The remaining sources stay live and current.
            make_pod(sim, "team-b", "late")
            await eventually(lambda: "late" in names(pods.sources["team-b"]))


async def test_grant_starts_a_configured_namespace() -> None:
    config = SimConfig(namespaces=("team-a", "team-b", "team-c", "team-d"))
    async with Simulator(config) as sim:
        make_pod(sim, "team-d", "db")
        async with session(sim, "restricted", namespaces=["team-d"]) as s:
            pods = await s.ensure_source("pods")
            team_d = pods.sources["team-d"]
            assert team_d.freshness.current.state is SourceState.FORBIDDEN
            assert not team_d.running and team_d.sink is None
            await live(pods.sources["team-a"])
            sim.grant("team-d", "view")
            await live(team_d, 5)
            assert names(team_d) == {"db"}
            assert s.warnings == []


async def test_server_forbidding_a_running_source_triggers_a_recheck() -> None:
    # A long re-check interval: only the reflector's own 403 can bring the re-check forward.
    tuning = replace(TUNING, access_recheck_interval=300.0)
    async with (
        Simulator(SimConfig()) as sim,
        session(sim, "restricted", namespaces=["team-b"], tuning=tuning) as s,
    ):
        pods = await s.ensure_source("pods")
        for src in s.sources():
            await live(src)
        revoke(sim, "team-a", "jane-edit")
        close_watches(sim, ("", "pods"))  # the re-watch meets the 403
        team_a = pods.sources["team-a"]
        await eventually(lambda: not team_a.running, 5, "reflector stopped")
        assert team_a.freshness.current.state is SourceState.FORBIDDEN
        assert pods.sources["team-b"].running
        assert s.rechecks >= 2


async def test_unreachable_with_next_retry_then_recovers() -> None:
    async with Simulator(SimConfig()) as sim:
        make_pod(sim, "default", "p1")
        async with session(sim) as s:
            pods = await s.ensure_source("pods")
            await s.wait_for(state_is(ClusterState.READY), 10)
            await sim.stop_listening()
            st = await s.wait_for(state_is(ClusterState.UNREACHABLE), 10)
            assert st.next_retry is not None and st.next_retry >= st.since - 1
            assert st.message
            await sim.start_listening()
            await s.wait_for(state_is(ClusterState.READY), 10)
            make_pod(sim, "default", "p2")
            await eventually(lambda: names(pods.sources[None]) == {"p1", "p2"})


async def test_unreachable_at_connect_is_retried() -> None:
    async with Simulator(SimConfig()) as sim:
        await sim.stop_listening()
        async with session(sim) as s:
            st = await s.connect()
            assert st.state is ClusterState.UNREACHABLE and st.next_retry is not None
            await sim.start_listening()
            await s.wait_for(state_is(ClusterState.READY), 10)


async def test_auth_failed_at_connect_and_after_token_revocation() -> None:
    async with Simulator(SimConfig()) as sim:
        sim.authn.revoke(sim.restricted_token)
        async with session(sim, "restricted") as s:
            st = await s.connect()
            assert st.state is ClusterState.AUTH_FAILED
            assert st.message == "Unauthorized" and st.next_retry is not None
        async with session(sim) as s:
            pods = await s.ensure_source("pods")
            await s.wait_for(state_is(ClusterState.READY), 10)
            sim.authn.revoke(sim.admin_token)
            st = await s.wait_for(state_is(ClusterState.AUTH_FAILED), 5)
            assert st.message == "Unauthorized"
            assert s.stats.credential_refreshes >= 1
            assert pods.sources[None].reflector is not None


async def test_unknown_resource_degrades_only_itself() -> None:
    async with Simulator(SimConfig()) as sim, session(sim) as s:
        bogus = await s.ensure_source("frobnicators")
        assert "frobnicators" in bogus.error and not bogus.sources
        pods = await s.ensure_source("pods")
        await live(pods.sources[None])
        st = await s.wait_for(state_is(ClusterState.DEGRADED), 5)
        assert "frobnicators" in st.message
        await s.release_source("frobnicators")
        await s.wait_for(state_is(ClusterState.READY), 5)


async def test_snapshot_accounts_for_the_load_and_close_releases_everything() -> None:
    async with (
        Simulator(SimConfig()) as sim,
        session(sim, "restricted", namespaces=["team-b"]) as s,
    ):
        await s.ensure_source("pods")
        for src in s.sources():
            await live(src)
        snap = s.snapshot()
        load = snap["load"]
        assert isinstance(load, dict)
        assert load["watches_open"] == 2
        assert load["requests_by_verb"]["watch"] >= 2
        assert load["requests_by_verb"]["rules-review"] == 2
        assert load["relists"] == 0 and load["syncs"] == 2
        assert load["bytes_received"] > 0
        access = snap["access"]
        assert isinstance(access, dict) and access["context_namespace"] == "team-a"
        status = snap["status"]
        assert isinstance(status, dict) and status["state"] == "ready"
        await s.close()
        assert s.state is ClusterState.IDLE and s.stats.watches_open == 0
        assert s.resources == []
        # A closed session can be opened again.
        await s.ensure_source("pods")
        await s.wait_for(state_is(ClusterState.READY), 10)


async def test_revoke_fault_and_its_undo_stop_then_restart_one_namespace() -> None:
    async with (
        Simulator(SimConfig()) as sim,
        session(sim, "restricted", namespaces=["team-b"]) as s,
    ):
        pods = await s.ensure_source("pods")
        for src in s.sources():
            await live(src)
        team_b = pods.sources["team-b"]
        await sim.faults.set("revoke", {"namespace": "team-b", "user": "jane", "role": "edit"})
        f = await team_b.freshness.wait_for(source_is(SourceState.FORBIDDEN), 5)
        assert 'in the namespace "team-b"' in f.message
        assert pods.sources["team-a"].freshness.current.state is SourceState.LIVE
        make_pod(sim, "team-b", "made-while-denied")
        await sim.faults.clear("revoke")  # the binding comes back: the source starts again
        await live(team_b, 5)
        await eventually(lambda: "made-while-denied" in names(team_b))
        load = s.snapshot()["load"]
        assert isinstance(load, dict) and load["relists"] == 1  # the restart's sync


async def test_throttling_is_counted_per_cluster() -> None:
    async with Simulator(SimConfig()) as sim, session(sim) as s:
        await s.connect()
        await sim.faults.set("throttle", {"retryAfter": 0, "count": 3})
        pods = await s.ensure_source("pods")
        await live(pods.sources[None])
        load = s.snapshot()["load"]
        assert isinstance(load, dict)
        assert load["throttled"] == 3 and load["retries"] >= 3
        await s.wait_for(state_is(ClusterState.READY), 5)


async def test_expired_token_fault_makes_the_cluster_auth_failed_until_cleared() -> None:
    async with Simulator(SimConfig()) as sim, session(sim) as s:
        await s.ensure_source("pods")
        await s.wait_for(state_is(ClusterState.READY), 10)
        await sim.faults.set("expire-token", {"user": "admin"})
        st = await s.wait_for(state_is(ClusterState.AUTH_FAILED), 5)
        assert st.message == "Unauthorized"
        await sim.faults.clear("expire-token")
        await s.wait_for(state_is(ClusterState.READY), 5)


def states_seen(src: Source, of: Source) -> list[SourceState]:
    """`of`'s state each time `src` started a sync (left `connecting` for `syncing`)."""
    seen: list[SourceState] = []

    def record(f: SourceFreshness) -> None:
        if f.state is SourceState.SYNCING and not seen:
            seen.append(of.freshness.current.state)

    src.freshness.subscribe(record)
    return seen


async def test_first_sources_sync_before_the_others_list() -> None:
    """The pods view's sources go first: a source nobody looks at first starts its list only
    once they are live, however long their list takes (here 1 s of added latency)."""
    async with Simulator(SimConfig()) as sim:
        load_pods(sim.store, 50)
        await sim.faults.set("latency", {"ms": 1000, "path": "/api/v1/pods"})
        async with session(sim, first_sources=("pods",)) as s:
            await s.connect()
            pods, cms = await asyncio.gather(s.ensure_source("pods"), s.ensure_source("cm"))
            pods_src, cms_src = pods.sources[None], cms.sources[None]
            pods_when_cms_listed = states_seen(cms_src, of=pods_src)
            assert s.first_syncs.holding
            await live(cms_src)
            assert pods_when_cms_listed == [SourceState.LIVE]
            assert (s.first_syncs.waits, s.first_syncs.timeouts) == (1, 0)
            assert not s.first_syncs.holding
            detail: Any = s.snapshot()["first_sources"]
            assert detail == {"names": ["pods"], "holding": False, "waits": 1, "timeouts": 0}


async def test_the_others_stop_waiting_for_first_sources_that_make_no_progress() -> None:
    async with Simulator(SimConfig()) as sim:
        await sim.faults.set("latency", {"ms": 60_000, "path": "/api/v1/pods"})
        tuning = replace(TUNING, first_sources_wait=0.2)
        async with session(sim, tuning=tuning, first_sources=("pods",)) as s:
            await s.connect()
            pods, cms = await asyncio.gather(s.ensure_source("pods"), s.ensure_source("cm"))
            await live(cms.sources[None])
            assert pods.sources[None].freshness.current.state is SourceState.SYNCING
            assert (s.first_syncs.waits, s.first_syncs.timeouts) == (1, 1)


async def test_a_first_source_not_asked_for_or_unknown_holds_nothing() -> None:
    async with Simulator(SimConfig()) as sim:
        first = ("pods", "nosuchthings")
        async with session(sim, first_sources=first) as s:
            await s.connect()
            missing, cms = await asyncio.gather(
                s.ensure_source("nosuchthings"), s.ensure_source("configmaps")
            )
            assert missing.error
            await live(cms.sources[None])
            assert s.first_syncs.waits == 0 and not s.first_syncs.holding
