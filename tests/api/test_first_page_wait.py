"""A first page waits (bounded) for the metrics poller's first answer; later pages do not,
even while that first answer is still on its way (a restricted user's poll is one request per
namespace through the token bucket, which can take far longer than the wait's bound)."""

from __future__ import annotations

import asyncio
import time

from masthead.api.feeds import FeedTuning
from masthead.feeds.metrics import MetricsTuning
from tests.api.harness import Served, served

# One token, then one every 50 s: the restricted user's second namespace request waits long.
SLOW_BUCKET = MetricsTuning(bucket_rate=0.02, bucket_burst=1.0)


async def timed_page(s: Served, cluster: str) -> tuple[float, str]:
    """How long a pods page took, and its metrics source's state."""
    t = time.perf_counter()
    page = await s.page(cluster, "pods", limit=5)
    took = time.perf_counter() - t
    return took, next(src["state"] for src in page["sources"] if src["id"] == "metrics")


async def test_only_the_first_page_waits_for_a_slow_first_metrics_poll() -> None:
    async with served(connect=("restricted",), feeds=FeedTuning(metrics=SLOW_BUCKET)) as s:
        bound = s.server.ctx.first_sync_wait
        first, state = await timed_page(s, "restricted")
        assert state == "unknown"
        await asyncio.sleep(max(0.0, bound - first) + 0.2)  # the poller is older than the bound
        for _ in range(3):
            took, state = await timed_page(s, "restricted")
            assert state == "unknown", "the first poll is still running"
            assert took < bound / 2, f"a later page waited {took:.2f} s for metrics"
