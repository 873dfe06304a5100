"""`GET/PUT /api/v1/clusters/{cluster}/namespaces`: a restricted user (who cannot list
namespaces) adds namespaces from the UI; they are tried at once, reported accessible or denied
with the API server's reason, kept across a restart, and merged with `--namespaces`."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from masthead.api.namespaces import MAX_NAMESPACES
from masthead.server import Server, ServerConfig
from masthead.sim.app import SimConfig, Simulator
from tests.api.harness import BEARER, TOKEN, TUNING, Served, eventually_async, served

PATH = "/api/v1/clusters/restricted/namespaces"


async def put(s: Served | str, body: Any, **kw: Any) -> tuple[int, Any]:
    base = s if isinstance(s, str) else s.base
    async with aiohttp.ClientSession(headers=BEARER) as http:
        data = body if isinstance(body, bytes) else orjson.dumps(body)
        headers = {"Content-Type": "application/json", **kw.pop("headers", {})}
        async with http.put(base + PATH, data=data, headers=headers, **kw) as r:
            return r.status, await r.json()


async def get(base: str) -> dict[str, Any]:
    async with aiohttp.ClientSession(headers=BEARER) as http, http.get(base + PATH) as r:
        assert r.status == 200
        data: dict[str, Any] = await r.json()
        return data


async def test_a_restricted_user_sees_its_context_namespace_and_nothing_configured() -> None:
    async with served(connect=("restricted",)) as s:
        body = await get(s.base)
    assert body["context"] == "restricted"
    assert body["contextNamespace"] == "team-a"
    assert body["flag"] == body["saved"] == body["configured"] == []
    assert body["listable"] is False
    assert body["accessible"] == ["team-a"]
    assert body["denied"] == []
    assert body["max"] == MAX_NAMESPACES


async def test_added_namespaces_start_sources_and_denied_ones_are_named() -> None:
    async with served(connect=("restricted",)) as s:
        status, body = await put(s, {"namespaces": ["team-b", "kube-system", "team-b"]})
        assert status == 200, body
        assert body["saved"] == body["configured"] == ["team-b", "kube-system"]
        assert body["accessible"] == ["team-a", "team-b"]
        [denied] = body["denied"]
        assert denied["namespace"] == "kube-system"
        assert any('"kube-system"' in r and "forbidden" in r for r in denied["reasons"])

        page = await s.page("restricted", "pods", limit=1000)
        sources = {x["id"]: x["state"] for x in page["sources"] if x["id"] != "metrics"}
        assert sources["pods@team-b"] == "live"
        assert sources["pods@kube-system"] == "forbidden"
        expected = sum(
            1 for o in s.sim.store.iter_objects(("", "pods")) if o.namespace in ("team-a", "team-b")
        )
        assert page["total"] == expected
        assert "team-b" in {r["namespace"] for r in page["rows"]}

        # Removing it again stops its source: its rows leave the view.
        status, body = await put(s, {"namespaces": []})
        assert status == 200 and body["configured"] == [] and body["accessible"] == ["team-a"]

        async def gone() -> bool:
            page = await s.page("restricted", "pods", limit=1000)
            return {r["namespace"] for r in page["rows"]} == {"team-a"}

        await eventually_async(gone, 10, "team-b's rows gone")


async def test_bad_bodies_are_refused_naming_the_field() -> None:
    too_many = [f"ns-{i}" for i in range(MAX_NAMESPACES + 1)]
    cases: list[tuple[Any, str, str]] = [
        (b"not json", "body", "not JSON"),
        ([1, 2], "body", "JSON object"),
        ({}, "namespaces", "list"),
        ({"namespaces": "team-b"}, "namespaces", "list"),
        ({"namespaces": ["team-b", "Team_C"]}, "namespaces[1]", "'Team_C' is not a valid"),
        ({"namespaces": ["x" * 64]}, "namespaces[0]", "not a valid"),
        ({"namespaces": [7]}, "namespaces[0]", "must be a string"),
        ({"namespaces": too_many}, "namespaces", f"at most {MAX_NAMESPACES}"),
        ({"namespaces": [], "extra": 1}, "extra", "unknown field"),
    ]
    async with served(connect=("restricted",)) as s:
        for body, param, message in cases:
            status, answer = await put(s, body)
            assert status == 400, (body, answer)
            assert answer["error"]["details"] == {"parameter": param}, body
            assert message in answer["error"]["message"], answer
        # Nothing was changed by the refused requests.
        assert (await get(s.base))["configured"] == []
        # Like every mutation: a foreign Origin is refused.
        status, answer = await put(
            s, {"namespaces": ["team-b"]}, headers={"Origin": "http://evil.example"}
        )
        assert status == 403 and "origin" in answer["error"]["message"]
        assert (await get(s.base))["configured"] == []
        async with aiohttp.ClientSession(headers=BEARER) as http:
            url = s.base + "/api/v1/clusters/nope/namespaces"
            async with http.put(url, json={"namespaces": []}) as r:
                assert r.status == 404


async def test_a_read_only_context_may_still_change_what_masthead_watches() -> None:
    async with served(connect=("restricted",), read_only=("restricted",)) as s:
        status, body = await put(s, {"namespaces": ["team-c"]})
        assert status == 200, body
        assert body["accessible"] == ["team-a", "team-c"]


@asynccontextmanager
async def _server(sim: Simulator, data: Path, flag: dict[str, list[str]]) -> AsyncIterator[str]:
    assert sim.kubeconfig_path is not None
    server = Server(
        ServerConfig(
            kubeconfigs=[sim.kubeconfig_path],
            token=TOKEN,
            connect=("restricted",),
            tuning=TUNING,
            data_dir=data,
            web_dist=None,
            namespaces=flag,
        )
    )
    await server.start()
    try:
        base = server.base

        async def planned() -> bool:
            return (await get(base))["listable"] is not None

        await eventually_async(planned, 20, "the restricted cluster planned")
        yield base
    finally:
        await server.stop()


async def test_saved_namespaces_survive_a_restart_and_merge_with_the_flag() -> None:
    flag = {"restricted": ["team-c"]}
    async with Simulator(SimConfig(scenario="demo", controllers=frozenset())) as sim:
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp)
            async with _server(sim, data, flag) as base:
                body = await get(base)
                assert body["flag"] == body["configured"] == ["team-c"]
                assert body["saved"] == []
                # The flag's namespace sent back is not saved twice; it stays the flag's.
                status, body = await put(base, {"namespaces": ["team-b", "team-c"]})
                assert status == 200, body
                assert body["flag"] == ["team-c"] and body["saved"] == ["team-b"]
                assert body["configured"] == ["team-c", "team-b"]
                # A PUT cannot remove the flag's namespaces.
                status, body = await put(base, {"namespaces": ["team-b"]})
                assert body["configured"] == ["team-c", "team-b"]
            async with _server(sim, data, flag) as base:
                body = await get(base)
                assert body["flag"] == ["team-c"] and body["saved"] == ["team-b"]
                assert body["configured"] == ["team-c", "team-b"]
                assert body["accessible"] == ["team-a", "team-b", "team-c"]
            # Without the flag, only the saved list is left.
            async with _server(sim, data, {}) as base:
                body = await get(base)
                assert body["flag"] == [] and body["configured"] == ["team-b"]
