"""Large JSON answers encoded and written in steps, so one answer does not hold the loop.

metrics.k8s.io's pods list at `large` is ~100k items: encoded in one `orjson.dumps` it held the
simulator's loop ~0.5 s, and written as one body the TLS transport encrypted it in one call,
0.75–0.9 s (the stall locator's `ssl.py write`, issue 5) — while every watch event and request
waited. metrics-server is a process of its own and never stalls the API server's watches.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from aiohttp import web

from masthead.sim.loop_slices import Slicer

# Items encoded per step, and bytes per transport write: each a millisecond or two.
ITEMS_PER_STEP = 2_000
CHUNK_BYTES = 256 * 1024


async def list_json(head: dict[str, Any], items: Sequence[Any]) -> bytes:
    """`{**head, "items": items}` as JSON (the same bytes as one dumps), encoded in steps."""
    slicer = Slicer()
    parts: list[bytes] = []
    for i in range(0, len(items), ITEMS_PER_STEP):
        parts.append(orjson.dumps(items[i : i + ITEMS_PER_STEP])[1:-1])
        await slicer.pause_if_due()
    prefix = orjson.dumps(head)[:-1]
    sep = b"," if head else b""
    return b"".join((prefix, sep, b'"items":[', b",".join(p for p in parts if p), b"]}"))


async def send_body(
    request: web.Request, data: bytes, headers: dict[str, str], status: int = 200
) -> web.StreamResponse:
    """`data` as the answer, written CHUNK_BYTES at a time (each write waits for the transport
    to drain), with its Content-Length."""
    if len(data) <= CHUNK_BYTES:
        return web.Response(body=data, status=status, headers=headers)
    resp = web.StreamResponse(status=status, headers=headers)
    resp.content_length = len(data)
    await resp.prepare(request)
    view = memoryview(data)
    for i in range(0, len(data), CHUNK_BYTES):
        await resp.write(view[i : i + CHUNK_BYTES])
    await resp.write_eof()
    return resp
