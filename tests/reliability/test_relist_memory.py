"""Memory after a relist: the freed copies go back to the OS (kube/memtrim.py).

A relist holds the old rows and the newly decoded ones at once; glibc keeps the freed chunks
and the RSS stayed at that high-water for good (`make soak`: +117 % after three relists).
"""

from __future__ import annotations

import resource
from dataclasses import replace

import pytest

from masthead.kube import memtrim
from masthead.kube.discovery import Discovery
from masthead.kube.freshness import SourceFreshness, SourceState
from masthead.kube.reflector import ClusterCapabilities, Reflector
from masthead.sim.app import Simulator
from masthead.sim.registry import WriteContext
from masthead.views.sources import ClusterTables
from tests.kube.kubesim import (
    FAST,
    close_watches,
    eventually,
    make_cm,
    reflecting,
    transport_for,
)

CM_KEY = ("", "configmaps")
CHUNKS = 40_000  # 1,000-byte blocks: ~40 MB, from malloc (CPython's own allocator stops at 512)


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def live(f: SourceFreshness) -> bool:
    return f.state is SourceState.LIVE


@pytest.mark.skipif(not memtrim.STATS.available, reason="no glibc malloc_trim here")
def test_freed_malloc_memory_goes_back_to_the_os() -> None:
    blocks = [bytes(1000) + bytes([i % 256]) for i in range(CHUNKS)]
    fence = bytes(1000) + b"x"  # allocated last and kept: the freed blocks are not the heap's top
    before_free = rss_bytes()
    del blocks
    kept = rss_bytes()
    trims = memtrim.STATS.trims
    assert memtrim.release_freed_memory() is True
    after = rss_bytes()
    assert memtrim.STATS.trims == trims + 1
    # free() alone left most of it resident; the trim handed at least half back.
    assert kept > before_free - 10 * 2**20, (before_free, kept)
    assert after < kept - 20 * 2**20, (kept, after)
    assert fence.endswith(b"x")


async def test_a_relist_of_a_large_source_releases_memory_and_a_first_sync_does_not() -> None:
    tuning = replace(FAST, release_memory_after_relist=5)
    async with Simulator() as sim:
        for i in range(6):
            make_cm(sim, "team-a", f"cm-{i}")
        trims = memtrim.STATS.trims
        async with reflecting(sim, "configmaps", tuning=tuning) as src:
            await src.reflector.freshness.wait_for(live, 10)
            assert src.reflector.syncs == 1 and memtrim.STATS.trims == trims
            force_relist(sim)
            await eventually(lambda: src.reflector.syncs == 2, what="relist")
            assert len(src.sink.objects) == 7
            assert memtrim.STATS.trims == trims + 1


async def test_a_small_relist_keeps_its_memory() -> None:
    tuning = replace(FAST, release_memory_after_relist=1000)
    async with Simulator() as sim:
        make_cm(sim, "team-a", "one")
        trims = memtrim.STATS.trims
        async with reflecting(sim, "configmaps", tuning=tuning) as src:
            await src.reflector.freshness.wait_for(live, 10)
            force_relist(sim)
            await eventually(lambda: src.reflector.syncs == 2, what="relist")
            assert memtrim.STATS.trims == trims


def force_relist(sim: Simulator) -> None:
    """In one synchronous step: the watch ends, a write lands, history is forgotten — the
    resume is 410, so the next step is a relist."""
    close_watches(sim, CM_KEY)
    make_cm(sim, "team-b", "written-while-away")
    sim.store.resource(CM_KEY).forget_history(sim.store.rv)


@pytest.mark.parametrize("watch_list", [True, False], ids=["watchlist", "list"])
async def test_a_relist_keeps_the_rows_it_already_holds(watch_list: bool) -> None:
    """Unchanged objects keep their row objects across a relist (the decoded copy is dropped
    as it arrives, so the relist never holds the source twice); changed ones get new rows."""
    async with Simulator() as sim:
        for i in range(4):
            make_cm(sim, "team-a", f"cm-{i}")
        transport = transport_for(sim)
        try:
            rtype = await Discovery(transport).resolve("configmaps")
            tables = ClusterTables("test")
            sink = tables.sink(rtype, None)
            reflector = Reflector(
                transport,
                rtype,
                sink,
                FAST,
                codec=tables.codec(rtype),
                capabilities=ClusterCapabilities(watch_list=watch_list),
            )
            reflector.start()
            try:
                await reflector.freshness.wait_for(live, 10)
                before = dict(sink.table.by_uid)
                changed = next(r for r in before.values() if r.name == "cm-0")
                force_relist(sim)
                sim.registry.patch(
                    sim.info("", "v1", "configmaps"),
                    "team-a",
                    "cm-0",
                    "application/merge-patch+json",
                    {"metadata": {"labels": {"edited": "yes"}}},
                    WriteContext("test"),
                )
                await eventually(lambda: reflector.syncs == 2, what="relist")
                after = sink.table.by_uid
                assert {r.name for r in after.values()} >= {"written-while-away", "cm-3"}
                for uid, row in before.items():
                    if row is changed:
                        assert after[uid] is not row and after[uid].labels == {"edited": "yes"}
                    else:
                        assert after[uid] is row, row.name  # the held row, not a new copy
            finally:
                await reflector.stop()
        finally:
            await transport.close()
