"""`GET /api/v1/diagnostics/stalls[?top=N][&reset=1]`: what held the event loop (issue 5).

The counts come from masthead/loop_stalls.py, running only when masthead was started with
`MASTHEAD_STALL_TRACE=<ms>`; without it the answer says `enabled: false` and holds zeros.
"""

from __future__ import annotations

from aiohttp import web

from masthead.api.errors import bad_parameter, json_response
from masthead.api.params import int_param
from masthead.loop_stalls import StallTrace

MAX_TOP = 100
STALL_TRACE: web.AppKey[StallTrace] = web.AppKey("masthead.stall_trace", StallTrace)


async def stalls(request: web.Request) -> web.Response:
    trace = request.app[STALL_TRACE]
    top = int_param(request, "top", 20, 1, MAX_TOP)
    reset = request.query.get("reset", "0")
    if reset not in ("0", "1"):
        raise bad_parameter("reset", f"reset must be 0 or 1, got {reset!r}")
    body = trace.as_dict(top)
    if reset == "1":
        trace.reset()
        body["reset"] = True
    return json_response(body)
