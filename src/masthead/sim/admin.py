"""The simulator's admin API under `/_sim/` on the API port (admin bearer token required).

    GET    /_sim/diagnostics        the simulator's loop lag, CPU share, watch fan-out and (with
                                    MASTHEAD_STALL_TRACE) what held its loop; ?top=N stacks,
                                    ?reset=1 starts a new window after answering (diagnostics.py)
    GET    /_sim/state              faults in force, recent actions, churn, revision, watches,
                                    requests answered by client, verb and resource
    POST   /_sim/faults/<name>      set a fault; JSON body = its parameters (see faults.py)
    DELETE /_sim/faults/<name>      clear it (undoing what it did); DELETE /_sim/faults: all
    POST   /_sim/churn              start churn: {"rate", "duration", "count", "mix", "seed",
                                    "pattern", "burstPeriod", "namespace",
                                    "basis": "driver" | "stored" (what "rate" counts)}
    GET    /_sim/churn              the running (or last) churn's report (?log=1: with the
                                    [resourceVersion, wall time] of every write)
    DELETE /_sim/churn              stop it; answers the final report

Errors are Kubernetes Status objects, so the same clients read them.
"""

from __future__ import annotations

import contextlib
import secrets
from typing import TYPE_CHECKING, Any

import orjson
from aiohttp import web

from masthead.sim.churn import Churn, ChurnError
from masthead.sim.errors import ApiError
from masthead.sim.faults import FaultError

if TYPE_CHECKING:
    from masthead.sim.app import Simulator
    from masthead.sim.server import SimServer

PREFIX = "/_sim/"
MAX_TOP = 100  # stacks in a diagnostics answer


def _json(body: Any, status: int = 200) -> web.Response:
    return web.Response(
        body=orjson.dumps(body),
        status=status,
        headers={"Content-Type": "application/json", "Cache-Control": "no-cache, private"},
    )


def _error(code: int, reason: str, message: str) -> web.Response:
    return _json(ApiError(code, reason, message).status(), code)


_REASONS = {400: "BadRequest", 404: "NotFound", 405: "MethodNotAllowed", 409: "Conflict"}


class SimAdmin:
    """Serves `/_sim/` and owns the churn run started through it."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.churn: Churn | None = None

    def install(self, server: SimServer) -> None:
        server.prefix_handlers[PREFIX] = self.handle

    async def aclose(self) -> None:
        if self.churn is not None:
            await self.churn.stop()

    def _authorized(self, request: web.Request) -> bool:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and secrets.compare_digest(
            token.strip().encode(), self.sim.admin_token.encode()
        )

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if not self._authorized(request):
            return _error(401, "Unauthorized", "Unauthorized")
        parts = [p for p in request.path[len(PREFIX) :].split("/") if p]
        method = request.method
        try:
            if parts == ["state"] and method == "GET":
                return _json(self.state())
            if parts == ["diagnostics"] and method == "GET":
                return self._diagnostics(request)
            if parts and parts[0] == "faults":
                return await self._faults(request, parts[1:])
            if parts == ["churn"]:
                return await self._churn(request)
        except (FaultError, ChurnError) as e:
            code = getattr(e, "code", 400)
            return _error(code, _REASONS.get(code, "BadRequest"), str(e))
        except ApiError as e:
            return _json(e.status(), e.code)
        return _error(404, "NotFound", "the server could not find the requested resource")

    def state(self) -> dict[str, Any]:
        out = self.sim.faults.state()
        out["churn"] = None if self.churn is None else self._churn_state(keys=False)
        server = self.sim.server
        out["requests"] = server.request_counts.to_json() if server is not None else None
        return out

    def _diagnostics(self, request: web.Request) -> web.Response:
        q = request.query
        top_raw = q.get("top", "20")
        if not top_raw.isdigit() or not 1 <= int(top_raw) <= MAX_TOP:
            return _error(400, "BadRequest", f"top: must be an integer in [1, {MAX_TOP}]")
        reset = q.get("reset", "0")
        if reset not in ("0", "1"):
            return _error(400, "BadRequest", f"reset: must be 0 or 1, got {reset!r}")
        diagnostics = self.sim.diagnostics
        body = diagnostics.as_dict(int(top_raw))
        if reset == "1":
            diagnostics.reset()
            body["reset"] = True
        return _json(body)

    def _churn_state(self, *, keys: bool, log: bool = False) -> dict[str, Any]:
        assert self.churn is not None
        return self.churn.report.to_json(keys=keys, log=log)

    async def _faults(self, request: web.Request, rest: list[str]) -> web.Response:
        faults = self.sim.faults
        if not rest:
            if request.method == "GET":
                return _json(faults.state()["faults"])
            if request.method == "DELETE":
                cleared = {n: await faults.clear(n) for n in list(faults.faults)}
                return _json({"cleared": cleared})
            return _error(405, "MethodNotAllowed", "use GET or DELETE on /_sim/faults")
        if len(rest) != 1:
            return _error(404, "NotFound", "the server could not find the requested resource")
        name = rest[0]
        if request.method == "POST":
            params = await _body(request)
            return _json(await faults.set(name, params), 201)
        if request.method == "DELETE":
            final = await faults.clear(name)
            if final is None:
                return _error(404, "NotFound", f"fault {name!r} is not in force")
            return _json(final)
        if request.method == "GET":
            f = faults.faults.get(name)
            if f is None:
                return _error(404, "NotFound", f"fault {name!r} is not in force")
            return _json(f.state())
        return _error(405, "MethodNotAllowed", "use GET, POST or DELETE")

    async def _churn(self, request: web.Request) -> web.Response:
        if request.method == "GET":
            if self.churn is None:
                return _error(404, "NotFound", "no churn has run")
            log = request.query.get("log", "") in ("1", "true")
            return _json(self._churn_state(keys=True, log=log))
        if request.method == "DELETE":
            if self.churn is None:
                return _error(404, "NotFound", "no churn has run")
            await self.churn.stop()
            return _json(self._churn_state(keys=True))
        if request.method != "POST":
            return _error(405, "MethodNotAllowed", "use GET, POST or DELETE")
        if self.churn is not None and self.churn.running:
            return _error(409, "Conflict", "churn is already running; DELETE it first")
        p = await _body(request)
        known = {
            "rate", "duration", "count", "mix", "seed", "pattern", "burstPeriod", "namespace",
            "basis",
        }  # fmt: skip
        unknown = set(p) - known
        if unknown:
            raise ChurnError(f"unknown parameters: {', '.join(sorted(unknown))}")
        try:
            churn = Churn(
                self.sim,
                float(p.get("rate", 10)),
                None if p.get("duration") is None else float(p["duration"]),
                p.get("mix"),
                int(p.get("seed", 0)),
                count=None if p.get("count") is None else int(p["count"]),
                pattern=str(p.get("pattern", "steady")),
                burst_period=float(p.get("burstPeriod", 1.0)),
                namespace=str(p.get("namespace", "masthead-churn")),
                basis=str(p.get("basis", "driver")),
            )
        except (TypeError, ValueError) as e:
            raise ChurnError(str(e)) from None
        self.start_churn(churn)
        return _json(self._churn_state(keys=False), 201)

    def start_churn(self, churn: Churn) -> Churn:
        """Start `churn` as the simulator's churn run (what `/_sim/churn` reports and stops)."""
        if self.churn is not None and self.churn.running:
            raise ChurnError("churn is already running")
        self.churn = churn
        churn.start()
        return churn


async def _body(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    if not raw.strip():
        return {}
    with contextlib.suppress(orjson.JSONDecodeError):
        body = orjson.loads(raw)
        if isinstance(body, dict):
            return body
    raise FaultError("the body must be a JSON object")
