"""The yardstick of `live.frame.masthead` (bench/api_pages_large.py): a client watching the
marker namespace's pods straight from the simulator, in a process of its own.

It used to run in the bench process, whose loop also drains 20 WebSocket subscriptions: it
noted events late, so frame minus arrival went negative (a median of -97 ms). Here a child
process does nothing but read the watch and write, per marker-namespace event, one line to
its stdout:
`uid <TAB> restarts <TAB> resourceVersion <TAB> time.monotonic()` (after a first `ready` line
once the watch answered). CLOCK_MONOTONIC is one clock for every process on the machine, so
the parent compares those times with its own frame arrivals (`pair`).

It watches every namespace's pods, as masthead does, and keeps the marker namespace's: the
simulator drains a watcher with events queued without waiting, but wakes an idle one through
an event and a `wait_for` task, a few turns of its loop that cost ~100 ms each when churn
saturates it. A watch of the quiet marker namespace alone was that idle watcher, and still
saw markers ~110-150 ms after masthead's frame showed them (all of 29-43 pairs negative).

    python -m bench.api_pages_reference URL NAMESPACE RESOURCE_VERSION  (token in $REF_TOKEN)
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson

from bench.stack import REPO

READY = "ready"
TOKEN_ENV = "REF_TOKEN"


def restarts_of(pod: dict[str, Any]) -> int:
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    return sum(int(cs.get("restartCount") or 0) for cs in statuses)


@dataclass(frozen=True)
class Arrival:
    uid: str
    restarts: int
    resource_version: str
    at: float  # time.monotonic() when the reference read the event


def arrival_line(event: bytes, at: float, namespace: str) -> str | None:
    """The line for a watch event of a pod in `namespace`; None for any other."""
    obj = orjson.loads(event).get("object") or {}
    meta = obj.get("metadata") or {}
    if meta.get("namespace") != namespace:
        return None
    return f"{meta.get('uid', '')}\t{restarts_of(obj)}\t{meta.get('resourceVersion', '')}\t{at!r}"


def parse_arrival(line: str) -> Arrival:
    uid, restarts, rv, at = line.rstrip("\n").split("\t")
    return Arrival(uid, int(restarts), rv, float(at))


@dataclass(frozen=True)
class Marker:
    """One marker change as the bench saw it, all times time.monotonic()."""

    uid: str
    restarts: int
    written: float  # before the status PATCH was sent
    shown: float  # when masthead's frame carrying it arrived


@dataclass
class Pairing:
    hop_ms: list[float]  # reference arrival - write: the API server's share
    own_ms: list[float]  # frame - reference arrival: masthead's share
    unpaired: int  # markers the reference never saw

    @property
    def negative(self) -> int:
        """Frames that arrived before the reference saw their change: with the reference in
        its own process, only a busy machine delaying that process makes these."""
        return sum(1 for ms in self.own_ms if ms < 0)

    def summary(self) -> str:
        if not self.own_ms:
            return f"no pairs ({self.unpaired} unpaired)"
        return (
            f"{len(self.own_ms)} pairs, masthead's share median "
            f"{statistics.median(self.own_ms):.1f} ms, {self.negative} negative "
            f"(min {min(self.own_ms):.1f} ms), {self.unpaired} unpaired"
        )


def pair(markers: Iterable[Marker], arrivals: Mapping[tuple[str, int], Arrival]) -> Pairing:
    """Each marker with the reference's first arrival of the same (uid, restarts)."""
    out = Pairing([], [], 0)
    for m in markers:
        seen = arrivals.get((m.uid, m.restarts))
        if seen is None:
            out.unpaired += 1
            continue
        out.hop_ms.append((seen.at - m.written) * 1000)
        out.own_ms.append((m.shown - seen.at) * 1000)
    return out


class ReferenceProcess:
    """The child, started by `start` and read by a task into `arrivals`."""

    def __init__(self) -> None:
        self.arrivals: dict[tuple[str, int], Arrival] = {}
        self._proc: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._read_more = asyncio.Event()

    async def start(self, url: str, token: str, namespace: str, resource_version: str) -> None:
        self._proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.api_pages_reference",
            url,
            namespace,
            resource_version,
            cwd=REPO,
            env={**os.environ, TOKEN_ENV: token},
            stdout=asyncio.subprocess.PIPE,
        )
        assert self._proc.stdout is not None
        first = await asyncio.wait_for(self._proc.stdout.readline(), 30)
        if first.decode().strip() != READY:
            raise RuntimeError(f"reference watch did not start: {first!r}")
        self._reader = asyncio.create_task(self._read(self._proc.stdout))

    async def _read(self, stdout: asyncio.StreamReader) -> None:
        async for raw in stdout:
            a = parse_arrival(raw.decode())
            self.arrivals.setdefault((a.uid, a.restarts), a)
            self._read_more.set()

    async def settle(self, markers: Iterable[Marker], timeout: float = 5.0) -> None:
        """Wait (bounded) until every marker's arrival was read from the pipe."""
        wanted = {(m.uid, m.restarts) for m in markers}
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                while not wanted <= self.arrivals.keys():
                    self._read_more.clear()
                    await self._read_more.wait()

    async def stop(self) -> None:
        if self._proc is not None and self._proc.returncode is None:
            self._proc.terminate()
            await self._proc.wait()
        if self._reader is not None:
            self._reader.cancel()


async def watch(url: str, token: str, namespace: str, resource_version: str) -> None:
    path = f"{url}/api/v1/pods"
    wanted = namespace.encode()
    params = {"watch": "1", "resourceVersion": resource_version, "timeoutSeconds": "3600"}
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    timeout = aiohttp.ClientTimeout(total=None, sock_read=None)
    connector = aiohttp.TCPConnector(ssl=False)
    async with (
        aiohttp.ClientSession(connector=connector, headers=headers) as http,
        http.get(path, params=params, timeout=timeout) as r,
    ):
        r.raise_for_status()
        out = sys.stdout
        out.write(READY + "\n")
        out.flush()
        async for event in r.content:
            at = time.monotonic()  # first: the moment the line was read
            if wanted not in event:  # most events: another namespace, not even decoded
                continue
            line = arrival_line(event, at, namespace)
            if line is not None:
                out.write(line + "\n")
                out.flush()


def main() -> None:
    url, namespace, resource_version = sys.argv[1:4]
    asyncio.run(watch(url, os.environ[TOKEN_ENV], namespace, resource_version))


if __name__ == "__main__":
    main()
