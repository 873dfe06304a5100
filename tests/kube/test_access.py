"""AccessChecker against the simulator's RBAC over real HTTP: cached, shared and bounded access
reviews, and per-resource plans for the admin and the restricted user (jane: edit in team-a
and team-b, view in team-c, nothing cluster-wide, cannot list namespaces)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

import pytest

from masthead.kube.access import AccessChecker, AccessMode
from masthead.kube.discovery import Discovery
from masthead.kube.errors import ApiError
from masthead.kube.transport import Transport
from masthead.kube.tuning import Tuning
from masthead.sim.app import SimConfig, Simulator
from masthead.sim.registry import DeleteOptions, WriteContext
from tests.kube.kubesim import FAST, InFlight, eventually, transport_for

RBAC = "rbac.authorization.k8s.io"


@asynccontextmanager
async def checker(
    sim: Simulator, context: str = "restricted", tuning: Tuning = FAST
) -> AsyncIterator[tuple[AccessChecker, Transport]]:
    transport = transport_for(sim, context, tuning)
    access = AccessChecker(transport, tuning)
    try:
        yield access, transport
    finally:
        await access.close()
        await transport.close()


def revoke(sim: Simulator, ns: str, binding: str) -> None:
    sim.registry.delete(sim.info(RBAC, "v1", "rolebindings"), ns, binding, DeleteOptions())


def allow_listing_namespaces(sim: Simulator, user: str = "jane") -> None:
    ctx = WriteContext("test")
    sim.registry.create(
        sim.info(RBAC, "v1", "clusterroles"),
        "",
        {
            "metadata": {"name": "namespace-reader"},
            "rules": [
                {"apiGroups": [""], "resources": ["namespaces"], "verbs": ["get", "list", "watch"]}
            ],
        },
        ctx,
    )
    sim.registry.create(
        sim.info(RBAC, "v1", "clusterrolebindings"),
        "",
        {
            "metadata": {"name": f"{user}-namespace-reader"},
            "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": "namespace-reader"},
            "subjects": [{"apiGroup": RBAC, "kind": "User", "name": user}],
        },
        ctx,
    )


async def test_answers_are_cached_for_the_ttl() -> None:
    async with Simulator(SimConfig()) as sim, checker(sim) as (access, transport):
        first = await access.can("list", "", "pods", "team-a")
        again = await access.can("list", "", "pods", "team-a")
        assert first.allowed and again == first
        assert transport.stats.count("access-review") == 1
        assert access.counters.hits == 1 and access.counters.misses == 1
        denied = await access.can("list", "", "pods")  # cluster scope: a different question
        assert not denied.allowed
        assert transport.stats.count("access-review", 201) == 2


async def test_identical_checks_in_flight_share_one_request() -> None:
    async with Simulator(SimConfig()) as sim, checker(sim) as (access, transport):
        answers = await asyncio.gather(
            *(access.can("watch", "", "secrets", "team-c") for _ in range(10))
        )
        assert all(not a.allowed for a in answers)
        assert transport.stats.count("access-review") == 1
        assert access.counters.joined == 9


async def test_stale_answer_is_served_while_a_background_review_refreshes_it() -> None:
    tuning = replace(FAST, access_cache_ttl=0.05, access_stale_grace=60.0)
    async with Simulator(SimConfig()) as sim, checker(sim, tuning=tuning) as (access, transport):
        assert (await access.can("list", "", "pods", "team-a")).allowed
        revoke(sim, "team-a", "jane-edit")
        await asyncio.sleep(0.1)  # past the TTL, inside the grace period
        stale = await access.can("list", "", "pods", "team-a")
        assert stale.allowed  # served at once from the expired entry ...
        assert access.counters.stale_served == 1
        # ... while the refresh runs in the background and replaces it.
        await eventually(lambda: transport.stats.count("access-review") == 2, what="refresh")
        await eventually(lambda: not access._inflight, what="refresh done")
        assert not (await access.can("list", "", "pods", "team-a")).allowed
        assert access.counters.background_refreshes == 1


async def test_answers_past_the_grace_period_are_asked_again() -> None:
    tuning = replace(FAST, access_cache_ttl=0.01, access_stale_grace=0.01)
    async with Simulator(SimConfig()) as sim, checker(sim, tuning=tuning) as (access, transport):
        await access.can("list", "", "pods", "team-a")
        await asyncio.sleep(0.05)
        await access.can("list", "", "pods", "team-a")
        assert access.counters.stale_served == 0
        assert transport.stats.count("access-review") == 2


async def test_refresh_bypasses_the_cache() -> None:
    async with Simulator(SimConfig()) as sim, checker(sim) as (access, transport):
        assert (await access.can("list", "", "pods", "team-a")).allowed
        revoke(sim, "team-a", "jane-edit")
        assert (await access.can("list", "", "pods", "team-a")).allowed  # cached
        assert not (await access.can("list", "", "pods", "team-a", refresh=True)).allowed
        assert transport.stats.count("access-review") == 2


async def test_concurrency_is_bounded() -> None:
    tuning = replace(FAST, access_concurrency=2)
    async with Simulator(SimConfig()) as sim, checker(sim, tuning=tuning) as (access, transport):
        flights = InFlight(transport)
        namespaces = [f"ns-{i}" for i in range(12)]
        await asyncio.gather(*(access.can("list", "", "pods", ns) for ns in namespaces))
        assert flights.peak == 2
        assert transport.stats.count("access-review") == 12


async def test_cache_is_bounded() -> None:
    tuning = replace(FAST, access_cache_size=4)
    async with Simulator(SimConfig()) as sim, checker(sim, tuning=tuning) as (access, _):
        for i in range(6):
            await access.can("list", "", "pods", f"ns-{i}")
        assert access.as_dict()["cache_entries"] == 4
        assert access.counters.evicted == 2


async def test_admin_plans_pods_cluster_wide() -> None:
    async with Simulator(SimConfig()) as sim, checker(sim, "admin") as (access, transport):
        pods = await Discovery(transport).resolve("pods")
        plan = await access.plan(pods)
        assert plan.mode is AccessMode.CLUSTER and plan.scopes == (None,)
        assert plan.warnings == []
        nodes = await access.plan(await Discovery(transport).resolve("nodes"))
        assert nodes.mode is AccessMode.CLUSTER


async def test_restricted_user_gets_pods_per_configured_namespace() -> None:
    async with Simulator(SimConfig()) as sim, checker(sim) as (access, transport):
        pods = await Discovery(transport).resolve("pods")
        plan = await access.plan(pods, ["team-b", "team-c"])
        assert plan.mode is AccessMode.NAMESPACES
        # The context's namespace (team-a) comes first, then the configured ones.
        assert plan.namespaces == ("team-a", "team-b", "team-c")
        assert plan.namespace_source == "configured"
        assert plan.reason == (
            'pods is forbidden: User "jane" cannot list resource "pods" in API group "" '
            "at the cluster scope"
        )
        assert plan.warnings == []  # not being cluster-wide is no warning: it is normal
        # One rules review per namespace answers for every kind there.
        deployments = await access.plan(await Discovery(transport).resolve("deployments"))
        assert deployments.namespaces == ("team-a",)
        assert transport.stats.count("rules-review") == 3


async def test_restricted_user_without_configuration_falls_back_to_the_context_namespace() -> None:
    async with Simulator(SimConfig()) as sim, checker(sim) as (access, transport):
        scope = await access.namespaces()
        assert scope.names == ("team-a",) and scope.source == "configured"
        assert 'cannot list resource "namespaces"' in scope.reason
        plan = await access.plan(await Discovery(transport).resolve("pods"))
        assert plan.scopes == ("team-a",)


async def test_denied_namespace_is_a_warning_with_the_servers_own_message() -> None:
    async with Simulator(SimConfig()) as sim, checker(sim) as (access, transport):
        secrets = await Discovery(transport).resolve("secrets")
        plan = await access.plan(secrets, ["team-b", "team-c"])
        assert plan.mode is AccessMode.NAMESPACES
        assert plan.namespaces == ("team-a", "team-b")  # view has no secrets
        with pytest.raises(ApiError) as err:
            await transport.request("list", "/api/v1/namespaces/team-c/secrets")
        assert err.value.code == 403
        assert plan.denied["team-c"] == err.value.status.message
        assert plan.warnings == [
            f'secrets: no access in namespace "team-c": {err.value.status.message}'
        ]


async def test_cluster_scoped_kind_is_forbidden_with_the_reason() -> None:
    async with Simulator(SimConfig()) as sim, checker(sim) as (access, transport):
        nodes = await Discovery(transport).resolve("nodes")
        plan = await access.plan(nodes, ["team-b"])
        assert plan.mode is AccessMode.FORBIDDEN and plan.scopes == ()
        assert plan.reason == (
            'nodes is forbidden: User "jane" cannot list resource "nodes" in API group "" '
            "at the cluster scope"
        )
        assert plan.warnings == [f"nodes: forbidden: {plan.reason}"]


async def test_namespaces_are_listed_and_checked_when_the_user_may_list_them() -> None:
    async with Simulator(SimConfig()) as sim, checker(sim) as (access, transport):
        allow_listing_namespaces(sim)
        pods = await Discovery(transport).resolve("pods")
        plan = await access.plan(pods)
        assert plan.namespace_source == "listed"
        assert plan.namespaces == ("team-a", "team-b", "team-c")
        assert {"default", "kube-system"} <= set(plan.denied)
        assert any('"kube-system"' in w for w in plan.warnings)
        assert transport.stats.count("list", 200) == 1  # one namespace list


async def test_plan_refresh_sees_a_revocation() -> None:
    async with Simulator(SimConfig()) as sim, checker(sim) as (access, transport):
        pods = await Discovery(transport).resolve("pods")
        assert (await access.plan(pods, ["team-b"])).namespaces == ("team-a", "team-b")
        revoke(sim, "team-a", "jane-edit")
        assert (await access.plan(pods, ["team-b"])).namespaces == ("team-a", "team-b")
        fresh = await access.plan(pods, ["team-b"], refresh=True)
        assert fresh.namespaces == ("team-b",)
        assert 'in the namespace "team-a"' in fresh.denied["team-a"]


async def test_unsupported_resource_is_not_planned() -> None:
    async with Simulator(SimConfig()) as sim, checker(sim) as (access, transport):
        types = await Discovery(transport).types()
        review = next(t for t in types if t.resource == "selfsubjectaccessreviews")
        plan = await access.plan(review)
        assert plan.mode is AccessMode.UNSUPPORTED and "does not support list" in plan.reason
