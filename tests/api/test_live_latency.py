"""masthead's own change → frame time (diagnostics `live.frame_latency`, issue 5): a change
frame is sampled from its change's watch arrival to its write, never longer than the client saw;
answers are not sampled; the sample ring is bounded and counts what it overwrote."""

from __future__ import annotations

import time

from masthead.api.live_latency import FrameLatency
from tests.api.harness import eventually_async, live_socket, served
from tests.api.test_live import POD_QUERY
from tests.api.test_pages import bump_restarts, objects


async def test_a_change_frame_is_sampled_within_the_change_to_frame_time_seen() -> None:
    async with served(connect=("admin",)) as s, live_socket(s) as live:
        await live.subscribe("s1", query=POD_QUERY, window={"offset": 0, "limit": 10}, seq=1)
        await live.settled("s1", await live.page(seq=1))
        status, reset, _ = await s.get("/api/v1/diagnostics", params={"reset": "1"})
        assert status == 200 and reset["reset"] is True
        latency = (await s.diagnostics())["live"]["frame_latency"]
        assert latency["count"] == 0 and latency["held"] == 0 and latency["max_ms"] == 0

        # An answer to an op carries no change of its own: not sampled.
        await live.send(op="window", sub="s1", window={"offset": 0, "limit": 5}, seq=2)
        await live.page(seq=2)
        assert (await s.diagnostics())["live"]["frame_latency"]["count"] == 0

        pod = objects(s.sim, ("", "pods"))[5]
        started = time.monotonic()
        bump_restarts(s.sim, pod.namespace, pod.name, 9999)
        await live.next(
            lambda f: f.get("type") == "page" and f["rows"][0]["restarts"] == 9999, timeout=3
        )
        seen_ms = (time.monotonic() - started) * 1000

        async def sampled() -> bool:
            return bool((await s.diagnostics())["live"]["frame_latency"]["count"] >= 1)

        await eventually_async(sampled, 3)
        latency = (await s.diagnostics())["live"]["frame_latency"]
        assert latency["count"] == latency["held"] == 1 and latency["dropped"] == 0
        assert 0 <= latency["p50_ms"] == latency["p99_ms"] == latency["max_ms"] <= seen_ms


async def test_reset_must_be_0_or_1() -> None:
    async with served(connect=("admin",)) as s:
        status, body, _ = await s.get("/api/v1/diagnostics", params={"reset": "yes"})
        assert status == 400 and body["error"]["details"]["parameter"] == "reset"
        status, body, _ = await s.get("/api/v1/diagnostics", params={"reset": "0"})
        assert status == 200 and "reset" not in body


def test_the_sample_ring_is_capped_and_counts_what_it_overwrote() -> None:
    latency = FrameLatency(cap=4)
    for ms in (900, 1, 2, 3, 4, 5):  # the 900 ms sample and the 1 ms one are pushed out
        latency.record(ms / 1000)
    got = latency.as_dict()
    assert (got["count"], got["held"], got["dropped"]) == (6, 4, 2)
    assert (got["p50_ms"], got["p99_ms"]) == (4.0, 5.0)  # over the 4 held
    assert got["max_ms"] == 900.0  # since the last reset, pushed out or not
    latency.unknown += 1
    latency.reset()
    assert latency.as_dict() == {
        "count": 0,
        "held": 0,
        "dropped": 0,
        "unknown": 0,
        "p50_ms": 0.0,
        "p95_ms": 0.0,
        "p99_ms": 0.0,
        "max_ms": 0.0,
    }
