"""Reflector against the simulator over real HTTP: sync, live events, 410 relist without
ghosts, WatchList and its fallback, forbidden and auth-failed sources, resume without relist,
the inactivity watchdog and clock-jump reconnects."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace

import msgspec
import pytest

from masthead.kube.codec import StructCodec
from masthead.kube.discovery import Discovery
from masthead.kube.freshness import SourceFreshness, SourceState
from masthead.kube.reflector import ClusterCapabilities, Reflector, _after
from masthead.kube.sink import MemorySink
from masthead.kube.watch_stream import Clocks
from masthead.sim.app import SimConfig, Simulator
from masthead.sim.podgen import POD_KEY, load_pods
from masthead.sim.registry import DeleteOptions, WriteContext
from tests.kube.kubesim import (
    FAST,
    close_watches,
    delete_cm,
    eventually,
    make_cm,
    reflecting,
    resource_type,
    transport_for,
)

CM_KEY = ("", "configmaps")


class Meta(msgspec.Struct):
    name: str
    resourceVersion: str
    namespace: str = ""


class Spec(msgspec.Struct):
    nodeName: str = ""


class PodRow(msgspec.Struct):
    metadata: Meta
    spec: Spec


def live(f: object) -> bool:
    return getattr(f, "state", None) is SourceState.LIVE


@pytest.mark.parametrize("watch_list", [True, False], ids=["watchlist", "list-watch"])
async def test_initial_sync_of_1200_pods_equals_the_server(watch_list: bool) -> None:
    async with Simulator(SimConfig(watch_list_enabled=watch_list)) as sim:
        load_pods(sim.store, 1200)
        caps = ClusterCapabilities()
        async with reflecting(sim, "pods", capabilities=caps) as src:
            await src.reflector.freshness.wait_for(live, 20)
            expected = {f"{s.namespace}/{s.name}" for s in sim.store.iter_objects(POD_KEY)}
            assert set(src.sink.objects) == expected and len(expected) == 1200
            stats = src.transport.stats
            if watch_list:
                assert caps.watch_list is True and stats.count("list") == 0
            else:
                # 1200 objects at 500 a page: three pages, and WatchList refused once (422).
                assert caps.watch_list is False and stats.count("list", 200) == 3
                assert stats.count("watch", 422) == 1
            pod = next(iter(src.sink.objects.values()))
            assert "managedFields" not in pod["metadata"]
            assert pod["kind"] == "Pod" and pod["apiVersion"] == "v1"


async def test_paged_list_reports_syncing_progress_from_remaining_item_count() -> None:
    async with Simulator(SimConfig(watch_list_enabled=False)) as sim:
        load_pods(sim.store, 1200)
        seen: list[tuple[int, int | None]] = []
        async with reflecting(sim, "pods") as src:
            src.reflector.freshness.subscribe(
                lambda f: seen.append((f.synced, f.total)) if f.state == "syncing" else None
            )
            await src.reflector.freshness.wait_for(live, 20)
        assert (500, 1200) in seen and (1000, 1200) in seen


async def test_live_add_update_delete_arrive() -> None:
    async with Simulator() as sim, reflecting(sim, "configmaps", namespace="team-a") as src:
        await src.reflector.freshness.wait_for(live, 10)
        make_cm(sim, "team-a", "one", v="1")
        make_cm(sim, "team-b", "elsewhere")  # another namespace: not this source
        await eventually(lambda: "team-a/one" in src.sink.objects, what="ADDED")
        sim.registry.patch(
            sim.info("", "v1", "configmaps"),
            "team-a",
            "one",
            "application/merge-patch+json",
            {"data": {"v": "2"}},
            WriteContext("test"),
        )
        await eventually(lambda: src.sink.objects["team-a/one"]["data"] == {"v": "2"})
        delete_cm(sim, "team-a", "one")
        await eventually(lambda: "team-a/one" not in src.sink.objects, what="DELETED")
        assert all(k.startswith("team-a/") for k in src.sink.objects)


async def test_410_relist_converges_without_ghosts() -> None:
    async with Simulator() as sim, reflecting(sim, "configmaps") as src:
        for i in range(5):
            make_cm(sim, "team-a", f"keep-{i}")
        make_cm(sim, "team-a", "ghost-1")
        make_cm(sim, "team-b", "ghost-2")
        await src.reflector.freshness.wait_for(live, 10)
        await eventually(lambda: {"ghost-1", "ghost-2", "keep-4"} <= src.names())
        syncs = src.reflector.syncs
        # All in one synchronous step, so the reflector cannot reconnect in between: the
        # watch ends, objects change while it is away, and history is forgotten, so the
        # resume RV is too old (410) and only a relist can reveal the deletes.
        close_watches(sim, CM_KEY)
        delete_cm(sim, "team-a", "ghost-1")
        delete_cm(sim, "team-b", "ghost-2")
        make_cm(sim, "team-c", "fresh")
        sim.store.resource(CM_KEY).forget_history(sim.store.rv)
        await eventually(lambda: src.reflector.syncs > syncs, what="relist")
        await eventually(lambda: "fresh" in src.names())
        server = {f"{s.namespace}/{s.name}" for s in sim.store.iter_objects(CM_KEY)}
        assert set(src.sink.objects) == server
        assert "ghost-1" not in src.names() and "ghost-2" not in src.names()
        assert src.sink.last_diff.deleted == 2 and src.sink.last_diff.added == 1


async def test_clean_timeout_close_resumes_without_relist() -> None:
    tuning = replace(FAST, watch_timeout_min=1.0, watch_timeout_max=1.5, short_watch=0.5)
    async with Simulator() as sim, reflecting(sim, "configmaps", tuning=tuning) as src:
        await src.reflector.freshness.wait_for(live, 10)
        stats = src.transport.stats
        await eventually(lambda: stats.count("watch", 200) >= 4, timeout=10, what="3 re-watches")
        make_cm(sim, "team-a", "after-timeouts")
        await eventually(lambda: "after-timeouts" in src.names())
        assert src.reflector.syncs == 1
        assert stats.count("list") == 0  # WatchList synced once; every re-watch resumed
        # Resumes were watches from a resourceVersion, never a new sendInitialEvents stream.
        assert src.reflector.capabilities.watch_list is True


async def test_closed_watchers_resume_from_last_rv_and_see_missed_events() -> None:
    async with Simulator() as sim, reflecting(sim, "configmaps") as src:
        await src.reflector.freshness.wait_for(live, 10)
        close_watches(sim, CM_KEY)
        make_cm(sim, "team-a", "while-away")  # lands in history, replayed on resume
        await eventually(lambda: "while-away" in src.names())
        assert src.reflector.syncs == 1


async def test_watch_list_fallback_is_remembered_per_cluster() -> None:
    async with Simulator(SimConfig(watch_list_enabled=False)) as sim:
        caps = ClusterCapabilities()
        async with reflecting(sim, "configmaps", capabilities=caps) as a:
            await a.reflector.freshness.wait_for(live, 10)
        assert caps.watch_list is False
        async with reflecting(sim, "secrets", capabilities=caps) as b:
            await b.reflector.freshness.wait_for(live, 10)
            assert b.transport.stats.count("watch", 422) == 0  # not asked again
            assert b.transport.stats.count("list", 200) >= 1


async def test_restricted_user_cluster_scope_forbidden_namespace_live() -> None:
    async with Simulator() as sim:
        make_cm(sim, "team-a", "mine")
        async with (
            reflecting(sim, "configmaps", context="restricted") as everywhere,
            reflecting(sim, "configmaps", context="restricted", namespace="team-a") as team_a,
        ):
            f = await everywhere.reflector.freshness.wait_for(
                lambda f: f.state is SourceState.FORBIDDEN, 10
            )
            # WatchList is a watch request, so the denial names the watch verb.
            assert f.message == (
                'configmaps is forbidden: User "jane" cannot watch resource "configmaps" in API '
                'group "" at the cluster scope'
            )
            await team_a.reflector.freshness.wait_for(live, 10)
            assert "team-a/mine" in team_a.sink.objects
            # Denied sources retry slowly: a handful of attempts, not a spin.
            n = sum(everywhere.transport.stats.requests.values())
            assert n < 40


async def test_revoking_the_rolebinding_flips_the_source_to_forbidden() -> None:
    async with (
        Simulator() as sim,
        reflecting(sim, "configmaps", context="restricted", namespace="team-a") as src,
    ):
        await src.reflector.freshness.wait_for(live, 10)
        rb = sim.info("rbac.authorization.k8s.io", "v1", "rolebindings")
        sim.registry.delete(rb, "team-a", "jane-edit", DeleteOptions())
        # Open watches outlive RBAC changes upstream too; the next request is denied.
        close_watches(sim, CM_KEY)
        f = await src.reflector.freshness.wait_for(lambda f: f.state is SourceState.FORBIDDEN, 10)
        assert 'User "jane" cannot' in f.message and '"team-a"' in f.message


async def test_revoked_token_refreshes_once_then_auth_failed() -> None:
    async with Simulator() as sim, reflecting(sim, "configmaps") as src:
        await src.reflector.freshness.wait_for(live, 10)
        sim.authn.revoke(sim.admin_token)
        close_watches(sim, CM_KEY)
        f = await src.reflector.freshness.wait_for(lambda f: f.state is SourceState.AUTH_FAILED, 10)
        assert f.message == "Unauthorized"
        stats = src.transport.stats
        assert stats.credential_refreshes >= 1
        assert stats.count("watch", 401) == 2 * stats.credential_refreshes


async def test_watchdog_reconnects_a_silent_stream() -> None:
    # The server sends no bookmarks (period far beyond the test) and nothing changes, so the
    # stream is silent; a watchdog of 0.3 s (bookmark_period 0.1 × 3) must reconnect it.
    tuning = replace(FAST, bookmark_period=0.1, clock_check_interval=0.1)
    async with (
        Simulator(SimConfig(bookmark_period=3600)) as sim,
        reflecting(sim, "configmaps", namespace="team-c", tuning=tuning) as src,
    ):
        await src.reflector.freshness.wait_for(live, 10)
        stats = src.transport.stats
        await eventually(lambda: stats.count("watch", 200) >= 3, timeout=5, what="reconnects")
        assert type(src.reflector.last_error).__name__ == "WatchStalled"
        assert src.reflector.syncs == 1 and stats.count("list") == 0


async def test_clock_jump_forces_a_reconnect() -> None:
    jumps = [0.0]

    def wall() -> float:
        import time

        return time.time() + jumps[0]

    tuning = replace(FAST, clock_check_interval=0.05, clock_jump_threshold=5.0)
    async with (
        Simulator() as sim,
        reflecting(sim, "configmaps", tuning=tuning, clocks=Clocks(wall=wall)) as src,
    ):
        await src.reflector.freshness.wait_for(live, 10)
        before = src.transport.stats.count("watch", 200)
        jumps[0] = 3600.0  # the laptop slept for an hour
        await eventually(lambda: src.transport.stats.count("watch", 200) > before, timeout=5)
        assert type(src.reflector.last_error).__name__ == "ClockJumped"
        assert src.reflector.syncs == 1


async def test_short_watch_counts_as_error_and_backs_off() -> None:
    async with Simulator() as sim, reflecting(sim, "configmaps") as src:
        await src.reflector.freshness.wait_for(live, 10)
        close_watches(sim, CM_KEY)  # the WatchList stream: it had events, a clean close
        watchers = sim.store.resource(CM_KEY).watchers
        await eventually(lambda: any(not w.closed for w in watchers), what="the resumed watch")
        assert src.reflector.last_error is None
        close_watches(sim, CM_KEY)  # the resumed watch ends at once with no events
        await eventually(lambda: src.reflector.last_error is not None)
        assert type(src.reflector.last_error).__name__ == "ShortWatch"
        await src.reflector.freshness.wait_for(live, 10)
        assert src.reflector.syncs == 1


async def test_expired_continue_token_restarts_the_list() -> None:
    # Between page 1 and page 2 the pods' history is forgotten past the list's snapshot (as
    # an etcd compaction would), so the continue token answers 410 and the list must start
    # over rather than stop short.
    async with Simulator(SimConfig(watch_list_enabled=False)) as sim:
        load_pods(sim.store, 1200)
        async with reflecting(sim, "pods") as src:
            wrote: list[bool] = []

            def write_between_pages(f: SourceFreshness) -> None:
                if f.state is SourceState.SYNCING and f.synced == 500 and not wrote:
                    wrote.append(True)
                    make_cm(sim, "team-a", "written-mid-list")
                    sim.store.resource(POD_KEY).forget_history(sim.store.rv)

            src.reflector.freshness.subscribe(write_between_pages)
            await src.reflector.freshness.wait_for(live, 20)
            assert wrote and src.transport.stats.count("list", 410) == 1
            assert src.transport.stats.count("list", 200) == 4  # 1 page, then 3 again
            assert len(src.sink.objects) == 1200 and src.reflector.syncs == 1


async def test_struct_codec_reflects_straight_into_structs() -> None:
    async with Simulator() as sim:
        load_pods(sim.store, 50)
        transport = transport_for(sim)
        pods = await Discovery(transport).resolve("pods")
        sink: MemorySink[PodRow] = MemorySink(
            key=lambda p: f"{p.metadata.namespace}/{p.metadata.name}"
        )
        r = Reflector(transport, pods, sink, FAST, codec=StructCodec(PodRow))
        r.start()
        try:
            await r.freshness.wait_for(live, 10)
            assert len(sink.objects) == 50
            row = next(iter(sink.objects.values()))
            assert isinstance(row, PodRow) and row.spec.nodeName.startswith("node-")
        finally:
            await r.stop()
            await transport.close()


async def test_unreachable_server_goes_reconnecting_then_stale() -> None:
    tuning = replace(FAST, stale_after=0.3)
    async with Simulator() as sim, reflecting(sim, "configmaps", tuning=tuning) as src:
        await src.reflector.freshness.wait_for(live, 10)
        await sim.stop()  # connection refused from now on
        f = await src.reflector.freshness.wait_for(
            lambda f: f.state is SourceState.RECONNECTING, 10
        )
        assert f.attempt >= 1 and f.next_retry is not None
        f = await src.reflector.freshness.wait_for(lambda f: f.state is SourceState.STALE, 10)
        assert f.attempt > 1 and src.reflector.resource_version  # kept for the resume
        assert src.transport.stats.count("watch", 0) >= 2  # counted as no HTTP answer


@pytest.mark.parametrize("healthy_after", [0.3, 1000.0], ids=["healthy-watch", "flapping"])
async def test_a_watch_that_streamed_a_while_starts_the_backoff_over(healthy_after: float) -> None:
    """ADR 001 §9: a dropped watch that had been streaming for `backoff_healthy_watch` waits
    the initial delay, whatever earlier incidents did to the backoff."""
    tuning = replace(FAST, backoff_healthy_watch=healthy_after)
    async with Simulator() as sim, reflecting(sim, "configmaps", tuning=tuning) as src:
        r = src.reflector
        await r.freshness.wait_for(live, 10)
        r.backoff.attempt = 5  # an earlier incident escalated it
        await asyncio.sleep(0.5)  # the watch streams (bookmarks) for a while
        syncs = r.syncs
        dropped = await sim.faults.set("drop-watches", {})
        assert dropped
        await eventually(lambda: r.last_error is not None, what="the drop")
        # Reset then one failure: attempt 1; escalated: attempt 6.
        assert r.backoff.attempt == (1 if healthy_after < 1 else 6)
        await r.freshness.wait_for(live, 10)
        assert r.syncs == syncs  # resumed from its resourceVersion, no relist


async def test_lines_after_initial_events_end_in_the_same_read_reach_the_watch() -> None:
    """The reflector reads a watch one read at a time; a read holding the bookmark that ends
    WatchList's initial events and the first watch events after it must lose none of them."""

    def line(typ: str, name: str, rv: str, **annotations: str) -> bytes:
        meta = {"name": name, "namespace": "ns", "resourceVersion": rv}
        if annotations:
            meta["annotations"] = annotations  # type: ignore[assignment]
        return msgspec.json.encode({"type": typ, "object": {"metadata": meta}})

    end = line("BOOKMARK", "", "3", **{"k8s.io/initial-events-end": "true"})
    reads = [
        [line("ADDED", "a", "1"), line("ADDED", "b", "2"), end, line("MODIFIED", "b", "4")],
        [line("DELETED", "a", "5")],
    ]

    async def batches() -> AsyncIterator[list[bytes]]:
        for read in reads:
            yield read

    async with Simulator(SimConfig()) as sim:
        transport = transport_for(sim)
        sink: MemorySink[dict[str, object]] = MemorySink()
        pods = resource_type(sim, "", "v1", "pods")
        reflector: Reflector[dict[str, object]] = Reflector(transport, pods, sink, FAST)
        stream = batches()
        collected, rest = await reflector._initial_events(stream)
        assert sorted(collected) == ["ns/a", "ns/b"] and reflector.resource_version == "3"
        assert rest == [reads[0][3]]
        sink.replace(collected.values(), "3")
        await reflector._consume(_after(rest, stream), 0.0, events=1)
        assert list(sink.objects) == ["ns/b"]
        assert sink.objects["ns/b"]["metadata"]["resourceVersion"] == "4"  # type: ignore[index]
        assert reflector.resource_version == "5"
        await transport.close()
