"""Bad input from the API server (issue 8): malformed list items and watch lines, 1 MB
annotations, non-UTF-8 bytes (in objects and in log lines), lines split across chunks at
every byte offset. The reflector (with the served path's projection codec and table sink)
keeps every good object and the stream it is reading, skips and counts each bad one
(`rejected_objects` in the cluster's load, shown by diagnostics) and never relists or dies
over it; the log follower replaces invalid UTF-8 and goes on.

The first tests talk to a tiny aiohttp server that serves crafted bytes (real HTTP: the
simulator validates what it stores, so it cannot send these); one puts malformed objects
straight into the simulator's store under masthead's served pages.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import orjson
import yaml
from aiohttp import web

from masthead.feeds.logs import LogFollower, LogOptions, LogTuning, PodLogTarget
from masthead.kube.discovery import ResourceType
from masthead.kube.freshness import SourceState
from masthead.kube.kubeconfig import ClusterCredentials, load_kubeconfig
from masthead.kube.reflector import ClusterCapabilities, Reflector
from masthead.kube.transport import Transport
from masthead.store.projection import ProjectionCodec, TableSink, projection_for
from masthead.store.table import Table
from tests.api.harness import eventually_async, served
from tests.kube.kubesim import FAST

NS = "crafted"
CONFIGMAPS = ResourceType("", "v1", "configmaps", "ConfigMap", True, frozenset({"list", "watch"}))
PATH = f"/api/v1/namespaces/{NS}/configmaps"
# A watch stays open (no watchdog firing) for as long as a test reads it.
TUNING = replace(FAST, bookmark_period=30.0)
MB = 1024 * 1024


def cm(name: str, rv: int, **data: str) -> dict[str, Any]:
    meta = {"name": name, "namespace": NS, "uid": f"uid-{name}", "resourceVersion": str(rv)}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data}


def line(typ: str, obj: Any) -> bytes:
    return orjson.dumps({"type": typ, "object": obj}) + b"\n"


def list_body(items: list[Any], rv: int = 100) -> bytes:
    doc = {"kind": "ConfigMapList", "apiVersion": "v1", "metadata": {"resourceVersion": str(rv)}}
    return orjson.dumps({**doc, "items": items})


@dataclass
class Crafted:
    """An API server of one collection: a fixed LIST body and scripted watch streams, each a
    list of chunks written one at a time (flushed, a moment apart); a watch whose script is
    done (or that has none) stays open and silent."""

    list_items: list[Any] = field(default_factory=list)
    watches: list[list[bytes]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if request.path != PATH:
            return web.Response(status=404)
        watch = request.query.get("watch") == "1"
        self.requests.append("watch" if watch else "list")
        if not watch:
            return web.Response(body=list_body(self.list_items), content_type="application/json")
        resp = web.StreamResponse()
        resp.content_type = "application/json"
        await resp.prepare(request)
        for chunk in self.watches.pop(0) if self.watches else []:
            await resp.write(chunk)
            await asyncio.sleep(0.001)  # separate TCP segments, so the split is seen
        await asyncio.sleep(3600)
        return resp


@asynccontextmanager
async def crafted_server(handler: Any, tmp: Path) -> AsyncIterator[Transport]:
    """`handler` served on 127.0.0.1 for every GET, and a Transport to it (via a kubeconfig)."""
    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", handler)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    kubeconfig = tmp / "kubeconfig"
    kubeconfig.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "c", "cluster": {"server": f"http://127.0.0.1:{port}"}}],
                "users": [{"name": "u", "user": {"token": "t"}}],
                "contexts": [{"name": "crafted", "context": {"cluster": "c", "user": "u"}}],
            }
        )
    )
    entry = load_kubeconfig([kubeconfig]).entry("crafted")
    transport = Transport(ClusterCredentials(entry, TUNING), TUNING)
    try:
        yield transport
    finally:
        await transport.close()
        await runner.cleanup()


@asynccontextmanager
async def reflecting(crafted: Crafted, tmp: Path) -> AsyncIterator[Reflector[Any]]:
    async with crafted_server(crafted.handle, tmp) as transport:
        projection = projection_for(CONFIGMAPS)
        r: Reflector[Any] = Reflector(
            transport,
            CONFIGMAPS,
            TableSink(Table(projection.columns)),
            TUNING,
            namespace=NS,
            codec=ProjectionCodec(projection),
            capabilities=ClusterCapabilities(watch_list=False),  # the crafted server only LISTs
        )
        r.start()
        try:
            yield r
        finally:
            await r.stop()


def rows(r: Reflector[Any]) -> dict[str, Any]:
    assert isinstance(r.sink, TableSink)
    return {row.name: row for row in r.sink.table.rows()}


async def test_malformed_list_items_are_skipped_and_counted(tmp_path: Path) -> None:
    big = cm("big", 6, k="v")
    big["metadata"]["annotations"] = {"huge": "x" * MB}
    bad_types = cm("bad-types", 7)
    bad_types["data"] = 5
    name_not_string = cm("name-not-string", 8)
    name_not_string["metadata"]["name"] = 123
    crafted = Crafted(
        list_items=[
            *(cm(f"cm-{i}", i, a="1") for i in range(5)),
            {"kind": "ConfigMap"},  # no metadata at all
            {"metadata": {"namespace": NS}},  # no name, no uid
            bad_types,
            name_not_string,
            big,
        ]
    )
    async with reflecting(crafted, tmp_path) as r:
        await r.freshness.wait_for(lambda f: f.state is SourceState.LIVE, 10)
        assert sorted(rows(r)) == ["big", "cm-0", "cm-1", "cm-2", "cm-3", "cm-4"]
        assert r.rejected == 4 and r.syncs == 1
        stats = r.transport.stats.as_dict()
        assert stats["rejected_objects"] == 4
        assert str(stats["last_rejected"]).startswith(PATH)
        await eventually_async(lambda: crafted.requests == ["list", "watch"], 5)


async def test_bad_watch_lines_are_skipped_and_the_stream_kept(tmp_path: Path) -> None:
    bad_types = cm("bad-types", 103)
    bad_types["metadata"]["labels"] = ["not", "a", "map"]
    crafted = Crafted(
        list_items=[cm("cm-0", 1)],
        watches=[
            [
                line("ADDED", cm("cm-1", 101, a="1")),
                b"this is not json\n",
                b'{"type":"ADDED","object":{"metadata":{"name":"\xff\xfe","uid":"u"}}}\n',
                line("ADDED", bad_types),
                line("ADDED", {"metadata": {"namespace": NS}}),
                line("ADDED", cm("cm-2", 104)),
                line("MODIFIED", cm("cm-1", 105, a="1", b="2")),
                line("DELETED", cm("cm-0", 106)),
            ]
        ],
    )
    async with reflecting(crafted, tmp_path) as r:
        await eventually_async(lambda: sorted(rows(r)) == ["cm-1", "cm-2"], 5)
        assert rows(r)["cm-1"].keys == 2  # the MODIFIED after the bad lines was applied
        assert r.rejected == 4
        assert r.transport.stats.rejected_objects == 4
        # The same stream went on: no relist, no second watch, and the source is live.
        assert crafted.requests == ["list", "watch"] and r.syncs == 1
        assert r.freshness.current.state is SourceState.LIVE
        assert r.resource_version == "106"


async def test_lines_split_at_every_byte_offset(tmp_path: Path) -> None:
    events = [line("ADDED", cm(f"cm-{i:03}", 200 + i, k="v" * (i % 7))) for i in range(250)]
    width = max(len(e) for e in events)
    assert width < len(events)  # so every offset of the longest line is used as a split
    chunks: list[bytes] = []
    for i, e in enumerate(events):
        at = i % len(e)
        chunks += [e[:at], e[at:]] if at else [e]
    # and one chunk holding the end of one line and the start of the next
    tail = line("ADDED", cm("joined-a", 500)) + line("ADDED", cm("joined-b", 501))
    chunks += [tail[:-40], tail[-40:]]
    crafted = Crafted(watches=[chunks])
    async with reflecting(crafted, tmp_path) as r:
        await eventually_async(lambda: len(rows(r)) == 252, 10)
        assert r.rejected == 0 and r.syncs == 1 and crafted.requests == ["list", "watch"]
        assert rows(r)["cm-006"].keys == 1 and r.resource_version == "501"


async def test_malformed_objects_in_the_simulator_under_served_pages() -> None:
    """Objects the simulator's validation would refuse, put straight into its store before
    and after masthead's first sync (WatchList initial events, then the live watch): the
    page has every good row, diagnostics count the rest, the process answers."""
    async with served("empty", connect=("admin",)) as s:
        key = ("", "configmaps")

        def put(obj: dict[str, Any]) -> None:
            s.sim.store.put(key, obj, lambda o: {})

        def good(name: str) -> dict[str, Any]:
            return {"metadata": {"name": name, "namespace": "team-a", "uid": f"uid-{name}"}}

        put(good("before"))
        put({"metadata": {"name": "no-uid", "namespace": "team-a"}})
        put({**good("bad-types"), "data": ["x"]})
        page = await s.page("admin", "configmaps", namespace="team-a")
        assert [r["name"] for r in page["rows"]] == ["before"]
        put(good("after"))
        put({**good("bad-later"), "binaryData": 7})
        put(good("last"))

        async def settled() -> bool:
            p = await s.page("admin", "configmaps", namespace="team-a")
            return [r["name"] for r in p["rows"]] == ["after", "before", "last"]

        await eventually_async(settled, 5)
        diag = await s.diagnostics()
        (admin,) = [c for c in diag["registry"]["clusters"] if c["id"] == "admin"]
        assert admin["load"]["rejected_objects"] == 3
        assert "configmaps" in admin["load"]["last_rejected"]
        assert admin["load"]["relists"] == 0
        status, _, _ = await s.get("/healthz")
        assert status == 200


async def test_non_utf8_log_lines_are_replaced_not_fatal(tmp_path: Path) -> None:
    """Pod logs are bytes: invalid UTF-8 becomes U+FFFD, the line and every later one (also
    one split across chunks) arrive in order, and the follower ends cleanly."""
    stamp = "2026-01-01T00:00:0{}.000000000Z "
    body = [
        (stamp.format(1) + "plain line\n").encode(),
        stamp.format(2).encode() + b"bad \xff\xfe bytes \xc3(\n",
        (stamp.format(3) + "after the bad one").encode()[:20],
        (stamp.format(3) + "after the bad one\n").encode()[20:],
        stamp.format(4).encode() + "\u00e9t\u00e9 \u2713\n".encode(),
    ]

    async def logs(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse()
        resp.content_type = "text/plain"
        await resp.prepare(request)
        for chunk in body:
            await resp.write(chunk)
            await asyncio.sleep(0.001)
        return resp

    async with crafted_server(logs, tmp_path) as transport:
        target = PodLogTarget(NS, "p", ("c",))
        options = LogOptions(tail=None, follow=False)
        tuning = replace(LogTuning(), merge_delay=0.05, tick=0.01)
        async with LogFollower(transport, lambda: [target], options, tuning) as follower:
            got: list[str] = []
            async with asyncio.timeout(10):
                async for batch in follower.batches():
                    got += [line.line for line in batch.lines]
    assert got == [
        "plain line",
        "bad \ufffd\ufffd bytes \ufffd(",
        "after the bad one",
        "\u00e9t\u00e9 \u2713",
    ]
