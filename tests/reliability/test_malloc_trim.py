"""The periodic malloc trim (masthead/malloc_trimmer.py): memory glibc keeps free after a
load's transient allocations goes back to the OS when there is enough of it, is left alone
when there is not (counted either way), and the loop runs and stops with the app."""

from __future__ import annotations

import argparse
import asyncio

import pytest

from masthead.cli import _trim_interval
from masthead.kube.memtrim import malloc_usage
from masthead.malloc_trimmer import MallocTrimmer, rss_mb

glibc = pytest.mark.skipif(malloc_usage() is None, reason="no glibc mallinfo2 here")
BLOCKS = 20_000  # 4,000-byte blocks: ~80 MB from malloc (CPython's allocator stops at 512)


def fragment() -> list[bytearray]:
    """~80 MB allocated and freed under a fence of small blocks kept alive between them, so
    the freed chunks are not the heap's top (which free() would hand back by itself)."""
    kept, transient = [], []
    for i in range(BLOCKS):
        transient.append(bytearray(4000))
        if i % 10 == 0:
            kept.append(bytearray(600))
    del transient
    return kept


@glibc
async def test_free_memory_past_the_threshold_is_handed_back() -> None:
    kept = fragment()
    usage = malloc_usage()
    assert usage is not None and usage["free"] > 60, usage  # free() kept it
    before = rss_mb()
    trimmer = MallocTrimmer(interval=60, min_free_mb=8)
    assert await trimmer.trim_if_worth_it() is True
    assert trimmer.trims == 1 and trimmer.skipped == 0
    assert rss_mb() < before - 40, (before, rss_mb())
    assert trimmer.released_mb > 40 and trimmer.seconds > 0
    assert len(kept) == BLOCKS // 10


@glibc
async def test_below_the_threshold_nothing_is_trimmed_and_the_check_is_counted() -> None:
    trimmer = MallocTrimmer(interval=60, min_free_mb=10_000)
    assert await trimmer.trim_if_worth_it() is False
    assert trimmer.as_dict() | {"seconds": 0} == {
        "interval_s": 60,
        "min_free_mb": 10_000,
        "trims": 0,
        "skipped": 1,
        "released_mb": 0.0,
        "seconds": 0,
    }


@glibc
async def test_the_loop_checks_every_interval_until_stopped() -> None:
    trimmer = MallocTrimmer(interval=0.02, min_free_mb=10_000)
    trimmer.start()
    for _ in range(200):
        if trimmer.skipped >= 3:
            break
        await asyncio.sleep(0.02)
    await trimmer.stop()
    checks = trimmer.skipped
    assert checks >= 3
    await asyncio.sleep(0.1)
    assert trimmer.skipped == checks  # stopped: no more checks


async def test_an_interval_of_zero_never_starts() -> None:
    trimmer = MallocTrimmer(interval=0)
    trimmer.start()
    await asyncio.sleep(0)
    assert not [t for t in asyncio.all_tasks() if t.get_name() == "malloc trim"]
    await trimmer.stop()


def test_the_flag_takes_zero_or_a_sane_interval_and_names_itself_otherwise() -> None:
    assert _trim_interval("0") == 0 and _trim_interval("30") == 30.0
    for bad in ("-1", "0.5", "x", "1e9"):
        with pytest.raises(argparse.ArgumentTypeError, match="--malloc-trim-interval"):
            _trim_interval(bad)
