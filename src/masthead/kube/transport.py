"""`Transport`: one aiohttp session per cluster, requests with timeouts, retries and accounting.

- 429 and 5xx are retried, sleeping for `Retry-After` (capped) when the server sent one, else
  for a full-jitter backoff step; at most `max_retries` times.
- 401 triggers one credential refresh (re-running exec plugins) and one retry; a second 401
  raises `AuthFailed` with the server's message.
- Errors carry the API's Status (code, reason, message). Connection failures raise
  `TransportError` and are not retried here: whoever called decides (a reflector backs off).
- Every answer is counted in `RequestStats` by verb and status.

HTTP/1.1 only (aiohttp): each watch holds its own connection, so `TCPConnector(limit=0)`
never queues a LIST behind a hundred open watches.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson
from multidict import CIMultiDictProxy

from masthead.kube.backoff import Backoff
from masthead.kube.errors import ApiError, ApiStatus, AuthFailed, TransportError
from masthead.kube.kubeconfig import ClusterCredentials, Credentials
from masthead.kube.server_return import ServerReturn
from masthead.kube.stats import RequestStats
from masthead.kube.tuning import Tuning

JSON = "application/json"


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: CIMultiDictProxy[str]
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")

    def json(self) -> Any:
        return orjson.loads(self.body)


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """`Retry-After` in seconds (upstream only sends the delta-seconds form)."""
    raw = headers.get("Retry-After")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        return None


class Transport:
    def __init__(
        self,
        credentials: ClusterCredentials,
        tuning: Tuning,
        stats: RequestStats | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.credentials = credentials
        self.tuning = tuning
        self.stats = stats or RequestStats()
        self._rng = rng or random.Random()
        self._session: aiohttp.ClientSession | None = None
        self.server_return = ServerReturn(self, tuning, self._rng)

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=0),
                auto_decompress=True,
                skip_auto_headers=("User-Agent",),
                headers={"User-Agent": "masthead/0.1"},
            )
        return self._session

    async def close(self) -> None:
        await self.server_return.close()
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def request(
        self,
        verb: str,
        path: str,
        params: Mapping[str, str] | None = None,
        *,
        method: str = "GET",
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
    ) -> Response:
        """One request with retries (`max_retries`, default the tuning's; 0 for requests
        whose 429 means something else, as an eviction blocked by a disruption budget);
        returns a 2xx/3xx `Response` or raises."""
        timeout = self.tuning.get_timeout if timeout is None else timeout
        limit = self.tuning.max_retries if max_retries is None else max_retries
        backoff = Backoff(self.tuning, self._rng)
        retries = 0
        while True:
            try:
                async with self._open(verb, method, path, params, body, headers, timeout) as resp:
                    data = await resp.read()
                    self.stats.bytes_received += len(data)
                    return Response(resp.status, resp.headers, data)
            except ApiError as e:
                if not _retriable(e) or retries >= limit:
                    raise
                retries += 1
                self.stats.retries += 1
                wait = e.status.retry_after
                if wait is not None:
                    wait = min(wait, self.tuning.retry_after_cap)
                else:
                    wait = backoff.next_delay()
                await asyncio.sleep(wait)
            except (aiohttp.ClientError, TimeoutError) as e:
                raise TransportError(_describe(e)) from e

    async def get_json(
        self, verb: str, path: str, params: Mapping[str, str] | None = None, **kw: Any
    ) -> Any:
        return (await self.request(verb, path, params, **kw)).json()

    @contextlib.asynccontextmanager
    async def stream(
        self,
        verb: str,
        path: str,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """An open streaming response (a watch). Errors before the stream starts raise like
        `request()` but without retries: the caller's backoff policy owns those."""
        try:
            async with self._open(verb, "GET", path, params, None, headers, None) as resp:
                self.stats.watches_open += 1
                try:
                    yield resp
                finally:
                    self.stats.watches_open -= 1
                    resp.close()  # an unfinished stream: drop the connection, do not reuse
        except (aiohttp.ClientError, TimeoutError) as e:
            raise TransportError(_describe(e)) from e

    @contextlib.asynccontextmanager
    async def _open(
        self,
        verb: str,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        body: bytes | None,
        headers: Mapping[str, str] | None,
        timeout: float | None,
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """Send once (plus one retry after a credential refresh on 401); raise `ApiError`
        for error statuses, yield the response otherwise."""
        creds = await self.credentials.get()
        refreshed = False
        while True:
            resp = await self._send(creds, method, path, params, body, headers, timeout, verb)
            if resp.status < 400:
                self.stats.record(verb, resp.status)
                try:
                    yield resp
                finally:
                    resp.release()
                return
            async with resp:
                data = await resp.read()
            self.stats.record(verb, resp.status)
            self.stats.bytes_received += len(data)
            status = ApiStatus.from_response(
                resp.status,
                data,
                resp.headers.get("Content-Type", ""),
                retry_after_seconds(resp.headers),
            )
            if resp.status == 401:
                if refreshed:
                    raise AuthFailed(status)
                refreshed = True
                self.stats.credential_refreshes += 1
                creds = await self.credentials.refresh(seen_generation=creds.generation)
                continue
            raise ApiError(status)

    async def _send(
        self,
        creds: Credentials,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        body: bytes | None,
        headers: Mapping[str, str] | None,
        timeout: float | None,
        verb: str,
    ) -> aiohttp.ClientResponse:
        h = {"Accept": JSON, **creds.headers}
        if body is not None:
            h["Content-Type"] = JSON
        if headers:
            h.update(headers)
        kw: dict[str, Any] = {}
        if creds.ssl is not None:
            kw["ssl"] = creds.ssl
        if creds.server_hostname:
            kw["server_hostname"] = creds.server_hostname
        if creds.proxy:
            kw["proxy"] = creds.proxy
        # A stream has no total timeout (the reader's watchdog covers silence), but its
        # response headers must still arrive within a GET's timeout.
        head_timeout = self.tuning.get_timeout if timeout is None else None
        try:
            async with asyncio.timeout(head_timeout):
                return await self._client().request(
                    method,
                    creds.server + path,
                    params=params,
                    data=body,
                    headers=h,
                    timeout=aiohttp.ClientTimeout(
                        total=timeout, sock_connect=self.tuning.connect_timeout
                    ),
                    **kw,
                )
        except (aiohttp.ClientError, TimeoutError):
            self.stats.record(verb, 0)
            raise


def _retriable(e: ApiError) -> bool:
    return e.code == 429 or e.code >= 500


def _describe(e: BaseException) -> str:
    if isinstance(e, TimeoutError):
        return "request timed out"
    return f"{type(e).__name__}: {e}"
