"""Discovery: aggregated v2 and the legacy walk agree; resolve names; refresh sees new CRDs."""

from __future__ import annotations

import asyncio

import pytest

from masthead.kube.discovery import Discovery, UnknownResource
from masthead.sim.app import Simulator
from masthead.sim.registry import WriteContext
from tests.kube.kubesim import transport_for
from tests.sim.simclient import GADGET_CRD

CRD = GADGET_CRD


async def test_aggregated_and_legacy_discovery_agree() -> None:
    async with Simulator() as sim:
        t = transport_for(sim)
        try:
            agg, legacy = Discovery(t), Discovery(t, aggregated=False)
            a = {(x.group, x.version, x.resource, x.kind, x.namespaced) for x in await agg.types()}
            requests_agg = t.stats.count("discovery")
            b = {
                (x.group, x.version, x.resource, x.kind, x.namespaced) for x in await legacy.types()
            }
            assert agg.used_aggregated is True and legacy.used_aggregated is False
            assert requests_agg == 2  # two documents for the whole server
            assert t.stats.count("discovery") - requests_agg > 10  # one per group-version
            assert a == b and ("apps", "v1", "deployments", "Deployment", True) in a
        finally:
            await t.close()


async def test_resolve_by_kind_plural_short_and_qualified_names() -> None:
    async with Simulator() as sim:
        t = transport_for(sim)
        try:
            d = Discovery(t)
            pod = await d.resolve("Pod")
            assert (pod.group, pod.version, pod.resource, pod.namespaced) == (
                "",
                "v1",
                "pods",
                True,
            )
            assert "watch" in pod.verbs and await d.resolve("po") == pod
            deploy = await d.resolve("deploy")
            assert deploy == await d.resolve("deployments.apps") and deploy.group == "apps"
            assert deploy.collection_path("team-a") == "/apis/apps/v1/namespaces/team-a/deployments"
            nodes = await d.resolve("nodes")
            assert not nodes.namespaced and nodes.collection_path("ignored") == "/api/v1/nodes"
            events = await d.resolve("events")
            assert events.group == ""  # core wins over events.k8s.io
            with pytest.raises(UnknownResource):
                await d.resolve("gadgets")
        finally:
            await t.close()


async def test_resolve_refreshes_for_a_new_crd() -> None:
    async with Simulator() as sim:
        t = transport_for(sim)
        try:
            d = Discovery(t, miss_refresh_interval=0)
            await d.types()
            crds = sim.info("apiextensions.k8s.io", "v1", "customresourcedefinitions")
            sim.registry.create(crds, "", CRD, WriteContext("test"))

            for _ in range(100):
                try:
                    g = await d.resolve("Gadget")
                    break
                except UnknownResource:
                    await asyncio.sleep(0.05)
            assert (g.group, g.resource, g.namespaced) == ("fix.example.com", "gadgets", True)
        finally:
            await t.close()


async def test_refresh_revalidates_with_etags_and_notices_crd_changes() -> None:
    async with Simulator() as sim:
        t = transport_for(sim)
        try:
            d = Discovery(t)
            await d.types()
            assert d.used_aggregated is True
            generation = d.generation
            await d.refresh()
            assert (d.not_modified, d.generation) == (1, generation)
            assert t.stats.count("discovery", 304) == 2

            crds = sim.info("apiextensions.k8s.io", "v1", "customresourcedefinitions")
            sim.registry.create(crds, "", CRD, WriteContext("test"))
            for _ in range(100):  # the CRD is served once established
                await d.refresh()
                if d.generation != generation:
                    break
                await asyncio.sleep(0.05)
            assert d.generation == generation + 1
            g = await d.resolve("gadgets")
            assert (g.group, g.kind) == ("fix.example.com", "Gadget")
        finally:
            await t.close()


async def test_unknown_names_refresh_at_most_once_per_interval() -> None:
    async with Simulator() as sim:
        t = transport_for(sim)
        try:
            d = Discovery(t, miss_refresh_interval=60)
            await d.types()
            before = t.stats.count("discovery")
            for _ in range(5):
                with pytest.raises(UnknownResource):
                    await d.resolve("nosuchthings")
            assert t.stats.count("discovery") == before
        finally:
            await t.close()


async def test_a_legacy_group_the_server_does_not_answer_is_unknown_not_gone() -> None:
    # Its resources are missing from the types, so a caller deciding "this CRD was deleted"
    # (snapshots/gone.py) must be able to tell "not answered" from "not served".
    async with Simulator() as sim:
        t = transport_for(sim)
        try:
            await sim.faults.set("errors", {"code": 503, "path": "/apis/batch/v1", "duration": 60})
            legacy = Discovery(t, aggregated=False)
            types = await legacy.types()
            assert not any(x.group == "batch" for x in types)
            assert any(x.group == "apps" for x in types)
            assert legacy.unanswered_groups == frozenset({"batch"})
            await sim.faults.clear("errors")
            await legacy.refresh()
            assert any(x.resource == "jobs" for x in await legacy.types())
            assert legacy.unanswered_groups == frozenset()
        finally:
            await t.close()
