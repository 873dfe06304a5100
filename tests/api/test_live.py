"""The live socket against the simulator: first frame, change → frame, window, query, seq,
coalescing, and a slow reader that costs bounded memory."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from masthead.api.context import LiveTuning
from tests.api.harness import BEARER, eventually_async, live_socket, served
from tests.api.test_pages import bump_restarts, objects

POD_QUERY = {"sort": "restarts", "desc": 1}


async def test_subscribe_change_window_query_unsubscribe() -> None:
    async with served(connect=("admin",)) as s, live_socket(s) as live:
        total = s.sim.store.count(("", "pods"))
        await live.subscribe("s1", query=POD_QUERY, window={"offset": 0, "limit": 10}, seq=1)
        cluster = await live.next(lambda f: f["type"] == "cluster")
        assert cluster["cluster"] == "admin"
        first = await live.page(seq=1, total=total)
        assert first["total"] == total and len(first["rows"]) == 10 and first["offset"] == 0
        assert first["sources"][0]["id"] == "pods@*"

        # A change in the simulator → a frame with it, within a bound.
        pod = objects(s.sim, ("", "pods"))[5]
        started = time.monotonic()
        bump_restarts(s.sim, pod.namespace, pod.name, 9999)
        frame = await live.next(
            lambda f: f.get("type") == "page" and f["rows"][0]["restarts"] == 9999, timeout=3
        )
        assert time.monotonic() - started < 2.0
        assert frame["rows"][0]["uid"] == pod.uid and frame["rows"][0]["restarts"] == 9999
        assert frame["version"] != first["version"]

        await live.send(op="window", sub="s1", window={"offset": 100, "limit": 20}, seq=2)
        moved = await live.page(seq=2)
        assert moved["offset"] == 100 and len(moved["rows"]) == 20

        await live.send(op="query", sub="s1", query={"sort": "name", "q": pod.name}, seq=3)
        queried = await live.page(seq=3)
        assert queried["total"] == 1 and queried["offset"] == 100 and queried["rows"] == []
        await live.send(op="window", sub="s1", window={"offset": 0, "limit": 20}, seq=4)
        assert [r["uid"] for r in (await live.page(seq=4))["rows"]] == [pod.uid]

        # A change outside the window's query sends nothing; unsubscribe stops frames.
        other = objects(s.sim, ("", "pods"))[9]
        bump_restarts(s.sim, other.namespace, other.name, 7)
        await live.send(op="ping", t=5)
        beat = await live.next(lambda f: f["type"] in ("heartbeat", "page"))
        await asyncio.sleep(0.3)
        assert beat == {"type": "heartbeat", "t": 5}
        await live.send(op="unsubscribe", sub="s1")
        bump_restarts(s.sim, pod.namespace, pod.name, 1)
        await live.send(op="ping", t=6)
        beat = await live.next(lambda f: f["type"] in ("heartbeat", "page"))
        assert beat["type"] == "heartbeat"
        diag = await s.diagnostics()
        assert diag["live"]["unchanged"] >= 1 and diag["live"]["subscriptions"] == 0


async def test_frames_are_coalesced_to_the_interval() -> None:
    live_tuning = LiveTuning(min_interval=0.2)
    async with served(connect=("admin",), live=live_tuning) as s, live_socket(s) as live:
        await live.subscribe("s1", query=POD_QUERY, window={"offset": 0, "limit": 5}, seq=1)
        await live.page(seq=1, total=s.sim.store.count(("", "pods")))
        pod = objects(s.sim, ("", "pods"))[3]
        for i in range(20):  # 20 changes in ~0.4 s
            bump_restarts(s.sim, pod.namespace, pod.name, 1000 + i)
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.5)
        frames = [f for f in live.frames if f["type"] == "page"][1:]
        while True:
            try:
                frames.append(await live.page(timeout=0.3))
            except TimeoutError:
                break
        assert 1 <= len(frames) <= 5, len(frames)
        assert frames[-1]["rows"][0]["restarts"] == 1019  # latest wins


async def test_a_slow_interval_paces_change_frames_but_not_answers() -> None:
    tuning = LiveTuning(min_interval=0.01)
    async with served(connect=("admin",), live=tuning) as s, live_socket(s) as live:
        await live.subscribe(
            "s1", query=POD_QUERY, window={"offset": 0, "limit": 5}, interval=2000, seq=1
        )
        await live.page(seq=1, total=s.sim.store.count(("", "pods")))
        pod = objects(s.sim, ("", "pods"))[3]
        for i in range(10):
            bump_restarts(s.sim, pod.namespace, pod.name, 2000 + i)
            await asyncio.sleep(0.02)
        # An op is answered at once, with the latest rows, though the interval has not passed.
        await live.send(op="window", sub="s1", window={"offset": 0, "limit": 6}, seq=2)
        answer = await live.page(seq=2, timeout=1.0)
        assert answer["rows"][0]["restarts"] == 2009
        bump_restarts(s.sim, pod.namespace, pod.name, 2100)
        with pytest.raises(TimeoutError):  # the change waits for the 2 s interval
            await live.page(timeout=1.0)
        paced = await live.page(timeout=5.0)
        assert paced["rows"][0]["restarts"] == 2100
        await live.subscribe("s2", interval="x")
        err = await live.next(lambda f: f["type"] == "error")
        assert err["sub"] == "s2" and err["error"]["details"]["parameter"] == "interval"
        await live.subscribe("s3", interval=3_600_000)
        err = await live.next(lambda f: f["type"] == "error")
        assert err["error"]["details"]["parameter"] == "interval"


async def test_errors_are_frames_naming_the_parameter() -> None:
    async with served(connect=("admin",)) as s, live_socket(s) as live:
        await live.subscribe("s1", query={"sort": "nope"}, window={"offset": 0, "limit": 5})
        err = await live.next(lambda f: f["type"] == "error")
        assert err["sub"] == "s1" and err["error"]["details"]["parameter"] == "query.sort"
        await live.subscribe("s2", window={"offset": 0, "limit": 5000})
        err = await live.next(lambda f: f["type"] == "error")
        assert err["error"]["details"]["parameter"] == "window.limit"
        await live.subscribe("s3", cluster="restricted")
        err = await live.next(lambda f: f["type"] == "error")
        assert err["error"]["code"] == 503 and err["error"]["details"]["state"] == "idle"
        # The waiting subscription opens as soon as its cluster connects.
        async with s.http.post(s.base + "/api/v1/clusters/restricted/connect"):
            pass
        page = await live.page("s3", timeout=10)
        assert page["sources"][0]["id"] == "pods@team-a"
        await live.send(op="dance")
        err = await live.next(lambda f: f["type"] == "error")
        assert err["error"]["details"]["parameter"] == "op"


async def test_slow_reader_does_not_grow_the_queue() -> None:
    subs = 8
    live_tuning = LiveTuning(min_interval=0.01)
    async with served(connect=("admin",), live=live_tuning) as s:
        pods = objects(s.sim, ("", "pods"))
        # A reader that never reads: its socket buffers fill and the server's writes block.
        async with (
            aiohttp.ClientSession(headers=BEARER) as other,
            other.ws_connect(s.base + "/api/v1/live", max_msg_size=0) as ws,
        ):
            for i in range(subs):
                await ws.send_json(
                    {
                        "op": "subscribe",
                        "sub": f"s{i}",
                        "cluster": "admin",
                        "view": "pods",
                        "query": POD_QUERY,
                        "window": {"offset": 0, "limit": 1000},
                    }
                )
            deadline = time.monotonic() + 4.0
            i = 0
            while time.monotonic() < deadline:
                pod = pods[i % len(pods)]
                bump_restarts(s.sim, pod.namespace, pod.name, 10_000 + i)
                i += 1
                await asyncio.sleep(0.005)

            async def coalescing() -> bool:
                sockets = (await s.diagnostics())["live"]["sockets"]
                return any(x["coalesced"] > 0 for x in sockets)

            await eventually_async(coalescing, 5)
            sockets = (await s.diagnostics())["live"]["sockets"]
            slow = max(sockets, key=lambda x: x["coalesced"])
            # At most one pending page per subscription (+ a cluster frame).
            assert slow["pending"] <= subs + 1
            assert slow["pending_bytes"] <= (subs + 1) * 400_000
            assert slow["sent"] < i  # frames were replaced, not queued


async def test_equal_windows_share_one_page_build_and_other_namespaces_do_not_wake() -> None:
    async with (
        served(connect=("admin",)) as s,
        live_socket(s) as tab1,
        live_socket(s) as tab2,
    ):
        for joined in ("replicasets", "deployments"):  # the pods view's workload join, synced
            await s.page("admin", joined, limit=1)
        pods = objects(s.sim, ("", "pods"))
        namespaces = sorted({p.namespace for p in pods})
        assert len(namespaces) >= 2
        here, elsewhere = namespaces[0], namespaces[1]
        window = {"offset": 0, "limit": 10}
        for live in (tab1, tab2):
            await live.subscribe("all", query=POD_QUERY, window=window)
            await live.subscribe("here", query={**POD_QUERY, "namespace": here}, window=window)
            # The two windows' frames after the sync come in either order.
            want = {"all": len(pods), "here": sum(p.namespace == here for p in pods)}
            totals: dict[str, int] = {}
            while totals != want:
                frame = await live.next(lambda f: f["type"] == "page")
                totals[frame["sub"]] = frame["total"]
        await asyncio.sleep(0.3)  # nothing pending from the sync
        before = (await s.diagnostics())["live"]

        # A change elsewhere: the namespaced windows are not even evaluated; the two equal
        # unfiltered windows get their frame from one page build.
        pod = next(p for p in pods if p.namespace == elsewhere)
        bump_restarts(s.sim, pod.namespace, pod.name, 4242)
        for live in (tab1, tab2):
            frame = await live.page("all", timeout=3)
            assert frame["rows"][0]["uid"] == pod.uid
        after = (await s.diagnostics())["live"]
        assert after["not_woken"] - before["not_woken"] == 2
        assert after["pages_built"] - before["pages_built"] == 1
        assert after["pages_shared"] - before["pages_shared"] == 1

        # A change in `here` wakes and updates the namespaced windows too.
        mine = next(p for p in pods if p.namespace == here)
        bump_restarts(s.sim, mine.namespace, mine.name, 5151)
        for live in (tab1, tab2):
            frame = await live.page("here", timeout=3)
            assert frame["rows"][0]["uid"] == mine.uid
