"""The feed engines through the server, over real HTTP / WebSocket against the simulator:
the events SSE stream (resume without loss or duplicates, history surviving a restart), the
metrics overlay (states in page sources, values overlaid and sortable) and logs (the
WebSocket `logs` op over a deployment's pods, the SSE logs stream with resume)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from masthead.api.feeds import FeedTuning
from masthead.feeds.logs import LogTuning
from masthead.feeds.metrics import MetricsTuning
from masthead.selectors import parse_label_selector
from masthead.sim.app import SimConfig, Simulator
from masthead.sim.metrics import MetricsConfig
from tests.api.harness import Served, eventually_async, live_socket, served
from tests.api.test_pages import objects

EVENTS = "/api/v1/clusters/admin/events"


# ---------------------------------------------------------------------------- SSE client
class SseReader:
    def __init__(self, resp: aiohttp.ClientResponse) -> None:
        self.resp = resp
        self.comments = 0

    async def next(self, timeout: float = 5.0) -> dict[str, Any]:
        """The next event: {"id", "event", "data"} (comments counted, skipped)."""
        fields: dict[str, Any] = {}
        async with asyncio.timeout(timeout):
            while True:
                raw = await self.resp.content.readline()
                if not raw:
                    raise EOFError("stream ended")
                line = raw.decode().rstrip("\n")
                if line == "":
                    if "event" in fields or "data" in fields:
                        if "data" in fields:
                            fields["data"] = orjson.loads(fields["data"])
                        return fields
                    continue
                if line.startswith(":"):
                    self.comments += 1
                    continue
                name, _, value = line.partition(": ")
                if name == "id":
                    fields["id"] = int(value)
                elif name in ("event", "data"):
                    fields[name] = value

    async def events(self, n: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        return [await self.next(timeout) for _ in range(n)]


@asynccontextmanager
async def sse(
    s: Served, path: str, headers: dict[str, str] | None = None, **params: Any
) -> AsyncIterator[SseReader]:
    async with s.http.get(
        s.base + path, params={k: str(v) for k, v in params.items()}, headers=headers
    ) as r:
        assert r.status == 200, await r.text()
        assert r.content_type == "text/event-stream"
        yield SseReader(r)


def warning_uids(sim: Simulator) -> set[str]:
    return {o.uid for o in objects(sim, ("", "events")) if o.decode().get("type") == "Warning"}


def add_warning(
    sim: Simulator, name: str, reason: str = "BackOff", namespace: str | None = None
) -> str:
    """A Warning event about the first pod (in `namespace`, when given); its uid."""
    pods = [p for p in objects(sim, ("", "pods")) if namespace in (None, p.namespace)]
    pod = pods[0].decode()
    ns = pod["metadata"]["namespace"]
    event: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": name, "namespace": ns},
        "involvedObject": {
            "kind": "Pod",
            "namespace": ns,
            "name": pod["metadata"]["name"],
            "uid": pod["metadata"]["uid"],
        },
        "reason": reason,
        "message": f"test event {name}",
        "type": "Warning",
        "count": 1,
        "firstTimestamp": "2026-01-01T00:00:00Z",
        "lastTimestamp": "2026-01-01T00:00:00Z",
        "source": {"component": "kubelet"},
    }
    uid = str(uuid.uuid4())
    event["metadata"]["uid"] = uid
    sim.registry.put_prepared(sim.info("", "v1", "events"), event)
    return uid


async def history(s: Served, **params: Any) -> list[dict[str, Any]]:
    status, data, _ = await s.get(EVENTS, params={k: str(v) for k, v in params.items()})
    assert status == 200, data
    items: list[dict[str, Any]] = data["items"]
    return items


# ---------------------------------------------------------------------------- events
async def test_events_stream_resumes_without_loss_and_history_survives_restart(
    tmp_path: Path,
) -> None:
    config = SimConfig(scenario="demo", controllers=frozenset())
    async with Simulator(config) as sim:
        expected = warning_uids(sim)
        assert len(expected) >= 5, "the demo world has warning events"
        async with served(sim=sim, data_dir=tmp_path, connect=("admin",)) as s:
            # From the start of the history: every warning of the demo world, ids increasing.
            async with sse(s, EVENTS + "/stream", type="Warning", lastEventId=0) as stream:
                first = await stream.events(len(expected))
            assert {e["data"]["uid"] for e in first} == expected
            assert all(e["event"] == "event" and e["data"]["type"] == "Warning" for e in first)
            ids = [e["id"] for e in first]
            assert ids == sorted(ids) and len(set(ids)) == len(ids)

            # Resume after the middle one (the Last-Event-ID header): exactly the rest, then
            # live events as they are recorded.
            mid = len(first) // 2
            headers = {"Last-Event-ID": str(ids[mid])}
            async with sse(s, EVENTS + "/stream", headers, type="Warning") as stream:
                rest = await stream.events(len(first) - mid - 1)
                assert [e["id"] for e in rest] == ids[mid + 1 :]
                uid = add_warning(sim, "masthead-test-1")
                live = await stream.next()
                assert live["data"]["uid"] == uid and live["id"] > ids[-1]
            last = live["id"]

            # Disconnected while two more happen: a reconnect gets both, nothing else.
            missed = [add_warning(sim, "masthead-test-2"), add_warning(sim, "masthead-test-3")]
            async with sse(s, EVENTS + "/stream", {"Last-Event-ID": str(last)}) as stream:
                got = await stream.events(2)
                assert [e["data"]["uid"] for e in got] == missed
                with_normal = await history(s, limit=1000)
                assert any(e["type"] == "Normal" for e in with_normal)
            last = got[-1]["id"]
            page = await history(s, type="Warning", limit=3)
            assert [e["id"] for e in page] == [last, last - 1, live["id"]][: len(page)]
            before = {e["id"]: e["uid"] for e in await history(s, type="Warning", limit=1000)}

        # A restart on the same data dir: the history is still there, ids are not reused, and
        # the relist of the same events adds no duplicates.
        async with served(sim=sim, data_dir=tmp_path, connect=("admin",)) as s:
            await asyncio.sleep(0.5)  # the events source relists into the history
            after = {e["id"]: e["uid"] for e in await history(s, type="Warning", limit=1000)}
            assert after == before
            async with sse(s, EVENTS + "/stream", {"Last-Event-ID": str(last)}) as stream:
                uid = add_warning(sim, "masthead-test-4")
                e = await stream.next()
                assert e["data"]["uid"] == uid and e["id"] > last


async def test_events_history_parameters() -> None:
    async with served(connect=("admin",)) as s:
        status, data, _ = await s.get(EVENTS, params={"limit": "5000"})
        assert status == 400 and data["error"]["details"]["parameter"] == "limit"
        status, data, _ = await s.get(EVENTS + "/stream", params={"bogus": "1"})
        assert status == 400 and data["error"]["details"]["parameter"] == "bogus"
        status, data, _ = await s.get("/api/v1/clusters/nope/events/stream")
        assert status == 404
        foreign = {"Origin": "http://evil.example"}
        status, data, _ = await s.get(EVENTS + "/stream", headers=foreign)
        assert status == 403
        status, data, _ = await s.get(EVENTS, params={"type": "Warning", "limit": "2"})
        assert status == 200 and len(data["items"]) <= 2


# ---------------------------------------------------------------------------- metrics
FAST_FEEDS = FeedTuning(
    metrics=MetricsTuning(interval=0.1, backoff_max=0.3, rollup_interval=0.5),
    logs=replace(LogTuning(), rescan=0.2, merge_delay=0.1, tick=0.02),
)
FAST_METRICS = MetricsConfig(first_scrape_delay=0.0, resolution=0.1)


def metrics_source(page: dict[str, Any]) -> dict[str, Any]:
    found = [src for src in page["sources"] if src["id"] == "metrics"]
    assert len(found) == 1, page["sources"]
    source: dict[str, Any] = found[0]
    return source


async def test_metrics_states_in_page_sources_and_values_overlaid() -> None:
    async with served(connect=("admin",), feeds=FAST_FEEDS, metrics_config=FAST_METRICS) as s:
        page = await s.page("admin", "pods", limit=5)
        assert "cpu" in page["columns"] and "memory" in page["columns"]

        async def state_is(view: str, state: str) -> bool:
            p = await s.page("admin", view, limit=5)
            return bool(metrics_source(p)["state"] == state)

        # The simulator starts without metrics.k8s.io: absent, and no values (not zeros).
        await eventually_async(lambda: state_is("pods", "absent"), 10)
        page = await s.page("admin", "pods", limit=20)
        assert metrics_source(page)["message"]
        assert all(r["cpu"] is None and r["memory"] is None for r in page["rows"])

        s.sim.set_metrics_state("ok")

        async def values() -> bool:
            p = await s.page("admin", "pods", sort="cpu", desc=1, limit=50)
            return bool(metrics_source(p)["state"] == "ok" and p["rows"][0]["cpu"] is not None)

        await eventually_async(values, 15)
        page = await s.page("admin", "pods", sort="cpu", desc=1, limit=50)
        cpus = [r["cpu"] for r in page["rows"] if r["cpu"] is not None]
        assert len(cpus) > 5 and cpus == sorted(cpus, reverse=True)
        assert all(isinstance(r["memory"], int) for r in page["rows"] if r["cpu"] is not None)
        asc = await s.page("admin", "pods", sort="memory", limit=50)
        mems = [r["memory"] for r in asc["rows"] if r["memory"] is not None]
        assert mems == sorted(mems)
        await eventually_async(lambda: state_is("nodes", "ok"), 10)
        nodes = await s.page("admin", "nodes")
        assert any(r["cpu"] is not None for r in nodes["rows"])

        s.sim.set_metrics_state("forbidden")
        await eventually_async(lambda: state_is("pods", "forbidden"), 15)
        page = await s.page("admin", "pods", limit=20)
        assert metrics_source(page)["message"]
        assert all(r["cpu"] is None for r in page["rows"])

        # Views without metric columns don't carry the source, and can't sort by cpu.
        deployments = await s.page("admin", "deployments", limit=1)
        assert all(src["id"] != "metrics" for src in deployments["sources"])
        status, data, _ = await s.get(
            "/api/v1/clusters/admin/views/deployments", params={"sort": "cpu"}
        )
        assert status == 400 and data["error"]["details"]["parameter"] == "sort"


async def test_live_frames_carry_metrics_state() -> None:
    async with (
        served(connect=("admin",), feeds=FAST_FEEDS, metrics_config=FAST_METRICS) as s,
        live_socket(s) as live,
    ):
        await live.subscribe("s1", window={"limit": 10})

        def metrics_state(state: str) -> Any:
            def pred(f: dict[str, Any]) -> bool:
                return f.get("type") == "page" and metrics_source(f)["state"] == state

            return pred

        await live.next(metrics_state("absent"), timeout=10)
        s.sim.set_metrics_state("ok")
        frame = await live.next(metrics_state("ok"), timeout=15)
        if all(r["cpu"] is None for r in frame["rows"]):
            frame = await live.next(
                lambda f: f.get("type") == "page" and any(r["cpu"] for r in f["rows"]), 10
            )
        assert any(r["cpu"] is not None for r in frame["rows"])


# ---------------------------------------------------------------------------- logs
def deployment_with_pods(sim: Simulator, at_least: int = 2) -> tuple[str, str, set[str]]:
    pods = [p.decode() for p in objects(sim, ("", "pods"))]
    for d in objects(sim, ("apps", "deployments")):
        dep = d.decode()
        ns = dep["metadata"]["namespace"]
        labels = (dep["spec"].get("selector") or {}).get("matchLabels") or {}
        if not labels:
            continue
        sel = parse_label_selector(",".join(f"{k}={v}" for k, v in labels.items()))
        names = {
            p["metadata"]["name"]
            for p in pods
            if p["metadata"]["namespace"] == ns
            and p["spec"].get("nodeName")
            and (p.get("status") or {}).get("phase") == "Running"
            and sel.matches(p["metadata"].get("labels") or {})
        }
        if len(names) >= at_least:
            return ns, dep["metadata"]["name"], names
    raise AssertionError("no deployment with running pods in the world")


async def test_logs_op_streams_a_deployments_pods_merged_and_stops_on_unsubscribe() -> None:
    async with served(connect=("admin",), feeds=FAST_FEEDS) as s, live_socket(s) as live:
        ns, name, pods = deployment_with_pods(s.sim)
        await live.send(
            op="logs",
            sub="l1",
            cluster="admin",
            target={"namespace": ns, "workload": {"kind": "Deployment", "name": name}},
            options={"tail": 5, "follow": True},
        )
        seen: set[str] = set()
        lines = 0
        async with asyncio.timeout(15):
            while seen != pods or lines < 20:
                f = await live.next(lambda f: f.get("type") in ("logs", "error"))
                assert f["type"] == "logs", f
                assert f["sub"] == "l1" and f["dropped"] == 0
                for ln in f["lines"]:
                    assert set(ln) == {"t", "pod", "container", "line"}
                    assert ln["pod"] in pods
                    seen.add(ln["pod"])
                ts = [ln["t"] for ln in f["lines"]]
                assert ts == sorted(ts), "merged by time"
                lines += len(f["lines"])
        diag = await s.diagnostics()
        assert diag["feeds"]["log_followers"] == 1

        await live.send(op="unsubscribe", sub="l1")
        await live.send(op="ping", t=42)
        await live.next(lambda f: f.get("type") == "heartbeat" and f.get("t") == 42)
        after: list[dict[str, Any]] = []
        try:
            async with asyncio.timeout(0.8):
                while True:
                    after.append(await live.next(timeout=1))
        except TimeoutError:
            pass
        assert not [f for f in after if f.get("type") == "logs"]
        assert (await s.diagnostics())["feeds"]["log_followers"] == 0

        # Without follow: the tail of one pod, then an `end` frame, and the follower is gone.
        pod = sorted(pods)[0]
        await live.send(
            op="logs",
            sub="l3",
            cluster="admin",
            target={"namespace": ns, "pod": pod},
            options={"tail": 3, "follow": False},
        )
        tail: list[dict[str, Any]] = []
        while True:
            f = await live.next(lambda f: f.get("type") == "logs" and f["sub"] == "l3", 10)
            tail.extend(f["lines"])
            if f.get("end"):
                break
        assert tail and {ln["pod"] for ln in tail} == {pod}  # 3 per container
        await eventually_async(lambda: _followers(s), 5, "the finished follower to be released")

        # Bad targets are refused with the parameter named.
        await live.send(op="logs", sub="l2", cluster="admin", target={"namespace": ns})
        err = await live.next(lambda f: f.get("type") == "error")
        assert err["sub"] == "l2" and err["error"]["code"] == 400


async def _followers(s: Served) -> bool:
    return bool((await s.diagnostics())["feeds"]["log_followers"] == 0)


async def test_logs_sse_stream_resumes_by_seq() -> None:
    async with served(connect=("admin",), feeds=FAST_FEEDS) as s:
        ns, _, pods = deployment_with_pods(s.sim)
        pod = sorted(pods)[0]
        path = "/api/v1/clusters/admin/logs/stream"
        params: dict[str, Any] = {"namespace": ns, "pod": pod, "tail": 3}
        async with sse(s, path, **params) as stream:
            got = [await stream.next() for _ in range(5)]
        lines = [e for e in got if e["event"] == "line"]
        assert lines and all(e["data"]["pod"] == pod for e in lines)
        last = lines[-1]["id"]
        await asyncio.sleep(1.0)  # lines keep coming while nobody reads
        async with sse(s, path, {"Last-Event-ID": str(last)}, **params) as stream:
            nxt = await stream.next()
            while nxt["event"] != "line":
                nxt = await stream.next()
        assert nxt["id"] == last + 1, "resumed right after the last id, nothing lost or repeated"


async def test_restricted_user_gets_pod_metrics_per_namespace_and_node_metrics_forbidden() -> None:
    async with served(feeds=FAST_FEEDS, metrics_config=FAST_METRICS, metrics="ok") as s:

        async def pods_ok() -> bool:
            p = await s.page("restricted", "pods", sort="cpu", desc=1)
            return bool(metrics_source(p)["state"] == "ok" and p["rows"][0]["cpu"] is not None)

        await eventually_async(pods_ok, 15)
        status, _, _ = await s.get("/api/v1/clusters/restricted/views/nodes")
        if status == 200:  # the user may not list nodes at all (403); if it may: forbidden

            async def nodes_forbidden() -> bool:
                p = await s.page("restricted", "nodes")
                return bool(metrics_source(p)["state"] == "forbidden")

            await eventually_async(nodes_forbidden, 15)
