"""Transport: Status errors surfaced, 429/5xx retries with Retry-After or backoff, accounting.

The throttling server is a small real aiohttp server (the simulator has no 429 fault yet)."""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from aiohttp import web

from masthead.kube.errors import TOO_MANY_REQUESTS, ApiError
from masthead.kube.kubeconfig import ClusterCredentials, load_kubeconfig
from masthead.kube.transport import Transport
from masthead.sim.app import Simulator
from tests.kube.kubesim import FAST, transport_for


async def test_errors_carry_the_api_status() -> None:
    async with Simulator() as sim:
        t = transport_for(sim)
        try:
            with pytest.raises(ApiError) as e:
                await t.get_json("get", "/api/v1/namespaces/team-a/configmaps/nope")
            assert (e.value.code, e.value.status.reason) == (404, "NotFound")
            assert e.value.status.message == 'configmaps "nope" not found'
            assert t.stats.count("get", 404) == 1 and t.stats.retries == 0
        finally:
            await t.close()


@asynccontextmanager
async def throttling_server(
    replies: list[tuple[int, dict[str, str], bytes]], tmp_path: Path
) -> AsyncIterator[tuple[Transport, list[float]]]:
    """Answers with `replies` in order, then 200; yields a Transport to it and hit times."""

    hits: list[float] = []

    async def handle(request: web.Request) -> web.Response:
        hits.append(time.monotonic())
        if len(hits) <= len(replies):
            status, headers, body = replies[len(hits) - 1]
            return web.Response(status=status, headers=headers, body=body)
        return web.json_response({"kind": "Thing", "ok": True})

    app = web.Application()
    app.router.add_get("/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    cfg = tmp_path / "config"
    cfg.write_text(
        yaml.safe_dump(
            {
                "clusters": [{"name": "c", "cluster": {"server": f"http://127.0.0.1:{port}"}}],
                "users": [{"name": "u", "user": {"token": "t"}}],
                "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
            }
        )
    )
    tuning = replace(FAST, retry_after_cap=0.2, max_retries=3)
    t = Transport(ClusterCredentials(load_kubeconfig([cfg]).entry("x"), tuning), tuning)
    try:
        yield t, hits
    finally:
        await t.close()
        await runner.cleanup()


APF_429 = (
    429,
    {"Retry-After": "1", "Content-Type": "text/plain"},
    b"Too many requests, please try again later.\n",
)


async def test_429_honours_retry_after_capped(tmp_path: Path) -> None:
    async with throttling_server([APF_429, APF_429], tmp_path) as (t, hits):
        assert (await t.get_json("get", "/x"))["ok"] is True
        assert len(hits) == 3 and t.stats.throttled == 2 and t.stats.retries == 2
        gaps = [b - a for a, b in itertools.pairwise(hits)]
        assert all(0.19 <= g < 0.9 for g in gaps)  # Retry-After 1 s capped at 0.2 s


async def test_5xx_without_retry_after_backs_off_then_gives_up(tmp_path: Path) -> None:
    status = b'{"kind":"Status","code":500,"reason":"InternalError","message":"etcd hiccup"}'
    r500 = (500, {"Content-Type": "application/json"}, status)
    async with throttling_server([r500] * 10, tmp_path) as (t, hits):
        with pytest.raises(ApiError) as e:
            await t.get_json("get", "/x")
        assert e.value.status.message == "etcd hiccup" and e.value.code == 500
        assert len(hits) == 4 and t.stats.retries == 3  # max_retries=3


async def test_429_without_body_gets_client_go_wording(tmp_path: Path) -> None:
    async with throttling_server([(429, {}, b"")] * 10, tmp_path) as (t, _):
        with pytest.raises(ApiError) as e:
            await t.get_json("get", "/x")
        assert e.value.status.message == TOO_MANY_REQUESTS
        assert t.stats.count("get", 429) == 4
