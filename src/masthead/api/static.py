"""The built web UI (web/README.md "Serving the build"): `/assets/*` immutable (content-hashed
names), `/` and every other non-API path → `index.html` with `no-cache`, so client-side routes
work and a new build is picked up on reload. Without a build, a page saying how to make one."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from masthead.api.context import context_of

# src/masthead/api/static.py → the repository's web/dist (a source checkout, `make run`).
DEFAULT_DIST = Path(__file__).resolve().parents[3] / "web" / "dist"
_IMMUTABLE = "public, max-age=31536000, immutable"

_NOT_BUILT = """<!doctype html>
<html><head><meta charset="utf-8"><title>masthead</title></head>
<body style="font-family: system-ui, sans-serif; margin: 3em; max-width: 44em">
<h1>masthead is running, but its web UI is not built</h1>
<p>Build it with <code>make web</code> (needs Node.js; writes <code>web/dist/</code>) and
reload this page. <code>make run</code> does both.</p>
<p>The API works meanwhile: <a href="/api/v1/clusters">/api/v1/clusters</a>,
<a href="/api/v1/views">/api/v1/views</a>.</p>
</body></html>
"""


async def asset(request: web.Request) -> web.StreamResponse:
    dist = context_of(request).web_dist
    if dist is None:
        raise web.HTTPNotFound()
    root = (dist / "assets").resolve()
    path = (root / request.match_info["path"]).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise web.HTTPNotFound()
    return web.FileResponse(path, headers={"Cache-Control": _IMMUTABLE})


async def index(request: web.Request) -> web.StreamResponse:
    dist = context_of(request).web_dist
    if dist is None or not (dist / "index.html").is_file():
        return web.Response(
            text=_NOT_BUILT, content_type="text/html", headers={"Cache-Control": "no-cache"}
        )
    if request.path != "/":
        # Top-level files of the build (favicon, manifest) are served as themselves.
        candidate = (dist / request.path.lstrip("/")).resolve()
        if candidate.parent == dist.resolve() and candidate.is_file():
            return web.FileResponse(candidate, headers={"Cache-Control": "no-cache"})
    return web.FileResponse(dist / "index.html", headers={"Cache-Control": "no-cache"})
