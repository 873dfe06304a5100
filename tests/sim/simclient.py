"""A small HTTP client for talking to the simulator in tests (real HTTP, no mocks)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson
from multidict import CIMultiDict

from masthead.sim.app import SimConfig, Simulator


@dataclass
class Reply:
    status: int
    headers: CIMultiDict[str]
    body: Any
    text: str


class SimClient:
    def __init__(self, sim: Simulator, session: aiohttp.ClientSession, token: str) -> None:
        self.sim = sim
        self.session = session
        self.token = token

    def as_token(self, token: str) -> SimClient:
        return SimClient(self.sim, self.session, token)

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        h = {"Accept": "application/json"}
        if self.token:
            h["Authorization"] = f"Bearer {self.token}"
        if extra:
            h.update(extra)
        return h

    async def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
    ) -> Reply:
        data: bytes | None = None
        h = self._headers(headers)
        if body is not None:
            data = body if isinstance(body, bytes) else orjson.dumps(body)
            h["Content-Type"] = content_type
        async with self.session.request(
            method, self.sim.url + path, data=data, params=params, headers=h
        ) as r:
            raw = await r.read()
            text = raw.decode(errors="replace")
            try:
                parsed: Any = orjson.loads(raw) if raw else None
            except orjson.JSONDecodeError:
                parsed = text
            return Reply(r.status, CIMultiDict(r.headers), parsed, text)

    async def get(self, path: str, **kw: Any) -> Reply:
        return await self.request("GET", path, **kw)

    async def post(self, path: str, body: Any, **kw: Any) -> Reply:
        return await self.request("POST", path, body, **kw)

    async def put(self, path: str, body: Any, **kw: Any) -> Reply:
        return await self.request("PUT", path, body, **kw)

    async def patch(self, path: str, body: Any, ctype: str, **kw: Any) -> Reply:
        return await self.request("PATCH", path, body, content_type=ctype, **kw)

    async def delete(self, path: str, **kw: Any) -> Reply:
        return await self.request("DELETE", path, **kw)

    async def watch(
        self, path: str, params: dict[str, str], *, headers: dict[str, str] | None = None
    ) -> Watch:
        resp = await self.session.get(
            self.sim.url + path, params={"watch": "true", **params}, headers=self._headers(headers)
        )
        return Watch(resp)


class Watch:
    def __init__(self, resp: aiohttp.ClientResponse) -> None:
        self.resp = resp
        self.status = resp.status

    async def next(self, timeout: float = 5.0) -> dict[str, Any] | None:
        """The next event, or None when the server ended the stream."""
        line = await asyncio.wait_for(self.resp.content.readline(), timeout)
        if not line:
            return None
        ev: dict[str, Any] = orjson.loads(line)
        return ev

    async def collect(self, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Every event until the server closes the stream."""
        out: list[dict[str, Any]] = []
        while (ev := await self.next(timeout)) is not None:
            out.append(ev)
        return out

    async def until(self, pred: Any, timeout: float = 5.0) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        while True:
            ev = await self.next(timeout)
            if ev is None:
                return out
            out.append(ev)
            if pred(ev):
                return out

    def close(self) -> None:
        self.resp.close()


@asynccontextmanager
async def running_sim(config: SimConfig | None = None) -> AsyncIterator[SimClient]:
    async with (
        Simulator(config) as sim,
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session,
    ):
        yield SimClient(sim, session, sim.admin_token)


# A namespaced CRD with a status subresource that tests create to see custom resources served.
GADGET_CRD: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "gadgets.fix.example.com"},
    "spec": {
        "group": "fix.example.com",
        "scope": "Namespaced",
        "names": {
            "plural": "gadgets",
            "singular": "gadget",
            "kind": "Gadget",
            "listKind": "GadgetList",
        },
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "x-kubernetes-preserve-unknown-fields": True,
                    }
                },
                "subresources": {"status": {}},
            }
        ],
    },
}
