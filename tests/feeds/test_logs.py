"""LogFollower against the simulator's pod logs over real HTTP: a workload's pods (found by a
label-selected pods reflector, as the API layer's pod table would) followed together and
merged in time order, a pod added later joins, an API server outage resumes without
duplicates or gaps (checked against the server's own log), filters and time ranges, and
dropped lines counted under tiny buffers."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any

import pytest

from masthead.feeds.logs import (
    LogBatch,
    LogFollower,
    LogLine,
    LogOptions,
    LogTuning,
    PodLogTarget,
    parse_rfc3339_ns,
)
from masthead.kube.transport import Transport
from masthead.sim.app import SimConfig, Simulator
from tests.feeds.helpers import eventually
from tests.kube.kubesim import FAST, reflecting, transport_for
from tests.sim.test_logs import NS, add_node, add_pod, running

RATE = "masthead.dev/log-rate"
TUNING = LogTuning(merge_delay=0.3, tick=0.02, rescan=0.1, reconnect_initial=0.05)


def web_pod(sim: Simulator, name: str, rate: float = 20.0, containers: int = 1) -> None:
    names = [("web", "nginx:1.27"), ("sidecar", "envoy:1.30")][:containers]
    add_pod(
        sim,
        name,
        names,
        [running(n, 120) for n, _ in names],
        labels={"app": "web"},
        annotations={RATE: str(rate)},
    )


def pod_targets(
    objects: Callable[[], Iterable[dict[str, Any]]],
) -> Callable[[], list[PodLogTarget]]:
    """What the API layer does with its pod table: scheduled pods of the workload."""

    def targets() -> list[PodLogTarget]:
        return [
            PodLogTarget(o["metadata"]["namespace"], o["metadata"]["name"])
            for o in objects()
            if (o.get("spec") or {}).get("nodeName")
        ]

    return targets


@asynccontextmanager
async def world(pods: int = 3, **kw: Any) -> AsyncIterator[tuple[Simulator, Any]]:
    async with Simulator(SimConfig()) as sim:
        add_node(sim, "node-1")
        for i in range(pods):
            web_pod(sim, f"web-{i}", **kw)
        async with reflecting(sim, "pods", namespace=NS, label_selector="app=web") as src:
            await eventually(lambda: len(src.names()) == pods, 10, "the pods reflector")
            yield sim, src


@asynccontextmanager
async def following(
    sim: Simulator,
    targets: Callable[[], Iterable[PodLogTarget]],
    options: LogOptions,
    tuning: LogTuning = TUNING,
) -> AsyncIterator[LogFollower]:
    transport = transport_for(sim)
    f = LogFollower(transport, targets, options, tuning)
    await f.start()
    try:
        yield f
    finally:
        await f.close()
        await transport.close()


async def collect(
    f: LogFollower, until: Callable[[list[LogLine]], bool], timeout: float = 10.0
) -> tuple[list[LogLine], list[LogBatch]]:
    lines: list[LogLine] = []
    batches: list[LogBatch] = []

    async def run() -> None:
        async for b in f.batches():
            batches.append(b)
            lines.extend(b.lines)
            if until(lines):
                return

    await asyncio.wait_for(run(), timeout)
    return lines, batches


async def server_log(transport: Transport, pod: str, container: str = "web") -> list[str]:
    r = await transport.request(
        "logs",
        f"/api/v1/namespaces/{NS}/pods/{pod}/log",
        {"container": container, "timestamps": "true"},
    )
    return r.body.decode().splitlines()


def key(ln: LogLine) -> str:
    return f"{ln.t} {ln.line}"


def test_rfc3339_parsing() -> None:
    assert parse_rfc3339_ns("2024-05-01T10:00:00.123456789Z") == 1714557600123456789
    assert parse_rfc3339_ns("2024-05-01T10:00:00Z") == 1714557600 * 10**9
    assert parse_rfc3339_ns("2024-05-01T10:00:00.5Z") == 1714557600500000000
    assert parse_rfc3339_ns("2024-05-01T12:00:00.5+02:00") == 1714557600500000000
    assert parse_rfc3339_ns("hello world") is None


async def test_workload_followed_together_merged_in_time_order_and_new_pod_joins() -> None:
    async with world(3) as (sim, src):
        targets = pod_targets(lambda: src.sink.objects.values())
        async with following(sim, targets, LogOptions(tail=10)) as f:
            lines, _ = await collect(
                f, lambda ls: {ln.pod for ln in ls[30:]} == {"web-0", "web-1", "web-2"}
            )
            assert {ln.pod for ln in lines[:30]} == {"web-0", "web-1", "web-2"}
            assert all(ln.container == "web" and ln.namespace == NS for ln in lines)
            # The tails (10 per pod) and what followed, in one time order across pods.
            stamps = [ln.ns for ln in lines]
            assert stamps == sorted(stamps)
            assert [ln.seq for ln in lines] == list(range(1, len(lines) + 1))
            web_pod(sim, "web-3")  # scaled up: the reflector sees it, the follower joins it
            started = time.time_ns()
            more, batches = await collect(f, lambda ls: any(ln.pod == "web-3" for ln in ls))
            joined = [n for b in batches for n in b.notices if n["pod"] == "web-3"]
            assert joined and joined[0]["event"] == "joined"
            first_new = next(ln for ln in more if ln.pod == "web-3")
            # A pod that joins later starts where following began, not at its tail.
            assert first_new.ns >= started - 10 * 10**9
            assert f.streams and all(s["state"] == "streaming" for s in f.streams)


async def test_outage_resumes_without_duplicates_or_gaps() -> None:
    async with world(2, rate=30.0) as (sim, src):
        targets = pod_targets(lambda: src.sink.objects.values())
        async with following(sim, targets, LogOptions(tail=5)) as f:
            lines: list[LogLine] = []

            async def consume() -> None:
                async for b in f.batches():
                    lines.extend(b.lines)

            task = asyncio.create_task(consume())
            try:
                await eventually(lambda: len(lines) > 40, 10, "lines before the outage")
                await sim.stop_listening()  # connections reset, new ones refused
                await asyncio.sleep(0.5)
                await sim.start_listening()
                await eventually(
                    lambda: all(s["connects"] >= 2 for s in f.streams), 10, "reconnects"
                )
                n = len(lines)
                await eventually(lambda: len(lines) > n + 40, 10, "lines after the outage")
            finally:
                task.cancel()
            transport = transport_for(sim)
            try:
                for pod in ("web-0", "web-1"):
                    got = [key(ln) for ln in lines if ln.pod == pod]
                    assert len(got) == len(set(got)), "duplicates"
                    truth = await server_log(transport, pod)
                    lo, hi = truth.index(got[0]), truth.index(got[-1])
                    assert got == truth[lo : hi + 1], "lines lost across the outage"
                    assert hi - lo > 30
            finally:
                await transport.close()
            assert sum(s["duplicates"] for s in f.streams) > 0  # sinceTime re-sent some


async def test_filters_and_time_range() -> None:
    async with world(1, rate=50.0) as (sim, _):
        transport = transport_for(sim)
        try:
            truth = await server_log(transport, "web-0")
        finally:
            await transport.close()
        t_lo = parse_rfc3339_ns(truth[-400].split(" ", 1)[0])
        t_hi = parse_rfc3339_ns(truth[-100].split(" ", 1)[0])
        assert t_lo is not None and t_hi is not None
        window = [
            ln for ln in truth if t_lo <= (parse_rfc3339_ns(ln.split(" ", 1)[0]) or 0) <= t_hi
        ]
        words = [w for ln in window for w in ln.split(" ", 1)[1].split()]
        include = max(
            set(words), key=lambda w: words.count(w) if words.count(w) < 0.8 * len(window) else 0
        )
        options = LogOptions(
            tail=None,
            since=(t_lo - 1000) / 1e9,  # float seconds: keep clear of rounding at the edges
            until=(t_hi + 1000) / 1e9,
            follow=False,
            include=(include,),
            exclude=("zzz-never",),
            regex=r"\S",
        )
        targets = [PodLogTarget(NS, "web-0", ("web",))]
        async with following(sim, lambda: targets, options) as f:
            got: list[LogLine] = []
            async for b in f.batches():  # not following: ends once everything is sent
                got.extend(b.lines)
        expected = [ln for ln in window if include in ln.split(" ", 1)[1]]
        assert [key(ln) for ln in got] == expected
        assert 0 < len(expected) < len(window) and f.filtered > 0


async def test_exclude_and_regex_filters() -> None:
    async with world(1, rate=50.0) as (sim, _):
        targets = [PodLogTarget(NS, "web-0", ("web",))]
        options = LogOptions(tail=300, follow=False, exclude=("GET",), regex=r"\d{3}")
        async with following(sim, lambda: targets, options) as f:
            got = [ln async for b in f.batches() for ln in b.lines]
        assert got and f.filtered > 0
        assert all("GET" not in ln.line and re.search(r"\d{3}", ln.line) for ln in got)


async def test_tiny_buffers_count_what_they_drop() -> None:
    async with world(1, rate=200.0) as (sim, _):
        targets = [PodLogTarget(NS, "web-0", ("web",))]
        tuning = LogTuning(stream_buffer=3, output_buffer=20, tick=0.02, merge_delay=0.05)
        async with following(sim, lambda: targets, LogOptions(tail=100), tuning) as f:
            await eventually(lambda: f.stream_dropped >= 97, 10, "stream buffer drops")
            await asyncio.sleep(0.5)  # nobody reads: the output ring overflows too
            batches = f.batches(after=0)
            first = await anext(batches)
            assert first.dropped >= 97 + 1  # stream-buffer drops + lines the ring lost
            assert len(first.lines) <= 20
            total = first.dropped + len(first.lines)
            assert total >= 100
            await batches.aclose()
        assert f.streams[0]["dropped"] == f.stream_dropped


async def test_unknown_pod_and_waiting_container_are_notices() -> None:
    async with Simulator(SimConfig()) as sim:
        add_node(sim, "node-1")
        add_pod(
            sim,
            "stuck",
            [("web", "nginx")],
            [
                {
                    "name": "web",
                    "ready": False,
                    "restartCount": 0,
                    "image": "nginx",
                    "imageID": "",
                    "state": {"waiting": {"reason": "ContainerCreating"}},
                }
            ],
        )
        targets = [PodLogTarget(NS, "stuck", ("web",)), PodLogTarget(NS, "ghost", ("web",))]
        async with following(sim, lambda: targets, LogOptions()) as f:
            seen: list[dict[str, Any]] = []

            async def read() -> None:
                async for b in f.batches():
                    seen.extend(b.notices)
                    if {n["event"] for n in seen} >= {"waiting", "gone"}:
                        return

            await asyncio.wait_for(read(), 10)
        waiting = next(n for n in seen if n["event"] == "waiting")
        assert "is waiting to start: ContainerCreating" in waiting["message"]
        gone = next(n for n in seen if n["event"] == "gone")
        assert gone["pod"] == "ghost" and "not found" in gone["message"]


def test_frame_shape() -> None:
    ln = LogLine(7, "2024-05-01T10:00:00.000000001Z", 1, "web-1", "web", "hello")
    frame = LogBatch([ln], dropped=2).frame("l1")
    assert frame == {
        "type": "logs",
        "sub": "l1",
        "lines": [
            {
                "t": "2024-05-01T10:00:00.000000001Z",
                "pod": "web-1",
                "container": "web",
                "line": "hello",
            }
        ],
        "dropped": 2,
    }


@pytest.fixture(autouse=True)
def _fast() -> None:
    assert FAST.backoff_initial < 1
