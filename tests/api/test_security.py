"""Token, cookie, Host allow-list, Origin checks, no CORS; the web UI's caching headers."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from masthead.api.security import COOKIE, Security
from masthead.sim.app import SimConfig, Simulator
from tests.api.harness import TOKEN, served


async def test_tokens_cookie_host_and_origin(tmp_path: Path) -> None:
    async with served(connect=("admin",)) as s:
        url = s.base + "/api/v1/clusters"
        port = s.server.port
        async with aiohttp.ClientSession() as anon:
            async with anon.get(url) as r:
                assert r.status == 401 and (await r.json())["error"]["reason"] == "Unauthorized"
            async with anon.get(url, headers={"Authorization": "Bearer wrong"}) as r:
                assert r.status == 401
            async with anon.get(s.base + "/") as r:
                assert r.status == 401 and "launch link" in await r.text()
            async with anon.get(s.base + "/?token=wrong", allow_redirects=False) as r:
                assert r.status == 401
            # DNS rebinding: right token, foreign Host.
            for host in ("evil.example", f"evil.example:{port}", "127.0.0.1:1"):
                async with anon.get(
                    url, headers={"Host": host, "Authorization": f"Bearer {TOKEN}"}
                ) as r:
                    assert r.status == 421, host
            async with anon.get(
                url, headers={"Host": f"localhost:{port}", "Authorization": f"Bearer {TOKEN}"}
            ) as r:
                assert r.status == 200
            assert (await anon.get(s.base + "/healthz")).status == 200

        # The launch URL sets an HttpOnly SameSite=Strict cookie and drops the token.
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(cookie_jar=jar) as browser:
            async with browser.get(s.server.url, allow_redirects=False) as r:
                assert r.status == 303 and r.headers["Location"] == "/"
                cookie = r.headers["Set-Cookie"]
                assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
                assert TOKEN not in cookie
                assert r.headers["Referrer-Policy"] == "no-referrer"
            async with browser.get(url) as r:
                assert r.status == 200
                assert not any(h.lower().startswith("access-control") for h in r.headers)
            connect = s.base + "/api/v1/clusters/admin/connect"
            async with browser.post(connect) as r:  # cookie but no Origin
                assert r.status == 403
            async with browser.post(connect, headers={"Origin": "http://evil.example"}) as r:
                assert r.status == 403
            async with browser.post(connect, headers={"Origin": f"http://localhost:{port}"}) as r:
                assert r.status == 200
            live = s.base + "/api/v1/live"
            with pytest.raises(aiohttp.WSServerHandshakeError) as e:
                await browser.ws_connect(live, headers={"Origin": "http://evil.example"})
            assert e.value.status == 403
            with pytest.raises(aiohttp.WSServerHandshakeError):
                await browser.ws_connect(live)  # a cookie without an Origin
            ws = await browser.ws_connect(live, headers={"Origin": f"http://127.0.0.1:{port}"})
            await ws.send_json({"op": "ping", "t": 1})
            assert (await ws.receive_json())["type"] == "heartbeat"
            await ws.close()
        async with aiohttp.ClientSession() as anon:
            with pytest.raises(aiohttp.WSServerHandshakeError) as e:
                await anon.ws_connect(s.base + "/api/v1/live")
            assert e.value.status == 401
        _, diag, _ = await s.get("/api/v1/diagnostics")
        assert diag["api"]["refused"]["host"] >= 3 and diag["api"]["refused"]["origin"] >= 3


async def test_web_ui_is_served_with_cache_headers(tmp_path: Path) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<html>masthead ui</html>")
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log(1)")
    async with served(connect=(), web_dist=tmp_path) as s:
        for path in ("/", "/clusters/admin/pods"):
            status, body, r = await s.get(path)
            assert status == 200 and b"masthead ui" in body
            assert r.headers["Cache-Control"] == "no-cache"
        status, body, r = await s.get("/assets/index-abc123.js")
        assert status == 200 and r.headers["Cache-Control"].endswith("immutable")
        status, _, _ = await s.get("/assets/missing.js")
        assert status == 404
    async with served(connect=(), web_dist=tmp_path / "nothing") as s:
        status, body, _ = await s.get("/")
        assert status == 200 and b"make web" in body


async def test_cross_origin_sse_preflight_and_bearer_posts_are_refused() -> None:
    """Additions for issue 8: SSE feeds from a foreign origin, a CORS preflight, a foreign
    Origin on a bearer-token POST, the token as a query parameter on the API, and a foreign
    Host on the WebSocket and SSE paths."""
    async with served(connect=("admin",)) as s:
        port = s.server.port
        evil = {"Origin": "http://evil.example"}
        for path in (
            "/api/v1/clusters/admin/events/stream",
            "/api/v1/clusters/admin/logs/stream?namespace=team-a&pod=x",
        ):
            async with s.http.get(s.base + path, headers=evil) as r:
                assert r.status == 403, path
                assert (await r.json())["error"]["reason"] == "Forbidden"
            async with s.http.get(s.base + path, headers={"Host": f"evil.example:{port}"}) as r:
                assert r.status == 421, path
        own = {"Origin": f"http://127.0.0.1:{port}"}
        async with s.http.get(s.base + "/api/v1/clusters/admin/events/stream", headers=own) as r:
            assert r.status == 200 and r.content_type == "text/event-stream"

        # A preflight gets no Access-Control-* answer, so a browser never sends the request.
        async with s.http.options(
            s.base + "/api/v1/clusters/admin/actions/scale",
            headers={**evil, "Access-Control-Request-Method": "POST"},
        ) as r:
            assert not any(h.lower().startswith("access-control") for h in r.headers)
            assert r.status >= 400

        # The bearer token does not excuse a foreign Origin.
        status, body, _ = await s.post(
            "/api/v1/clusters/admin/actions/scale",
            {"namespace": "team-a", "name": "web", "replicas": 1},
            headers=evil,
        )
        assert status == 403 and "evil.example" in body["error"]["message"]

        async with aiohttp.ClientSession() as anon:
            # The launch token opens a browser session on pages only, never as an API credential.
            async with anon.get(s.base + f"/api/v1/clusters?token={TOKEN}") as r:
                assert r.status == 401
            with pytest.raises(aiohttp.WSServerHandshakeError) as e:
                await anon.ws_connect(
                    s.base + "/api/v1/live",
                    headers={"Host": f"evil.example:{port}", "Authorization": f"Bearer {TOKEN}"},
                )
            assert e.value.status == 421


async def test_session_cookie_survives_a_restart_with_the_same_token() -> None:
    """A browser left open across a restart (same `--token`) stays signed in; the cookie is not
    the token, and another token's server refuses it."""
    async with Simulator(SimConfig(controllers=frozenset())) as sim:
        async with (
            served(sim=sim, connect=()) as first,
            aiohttp.ClientSession() as browser,
            browser.get(first.server.url, allow_redirects=False) as r,
        ):
            assert r.status == 303
            cookie = r.cookies[COOKIE].value
        assert cookie and TOKEN not in cookie
        async with served(sim=sim, connect=()) as second, aiohttp.ClientSession() as browser:
            url = second.base + "/api/v1/clusters"
            async with browser.get(url, headers={"Cookie": f"{COOKIE}={cookie}"}) as r:
                assert r.status == 200
            async with browser.get(url, headers={"Cookie": f"{COOKIE}={cookie}x"}) as r:
                assert r.status == 401
        assert Security("another-token").session != cookie
        assert Security(TOKEN).session == cookie
