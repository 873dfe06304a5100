"""Helpers for kube/ tests: a Transport to a running simulator, fast tuning, waiting."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from masthead.kube.discovery import Discovery, ResourceType
from masthead.kube.kubeconfig import ClusterCredentials, load_kubeconfig
from masthead.kube.reflector import ClusterCapabilities, Reflector
from masthead.kube.sink import MemorySink
from masthead.kube.transport import Transport
from masthead.kube.tuning import Tuning
from masthead.sim.app import Simulator
from masthead.sim.registry import DeleteOptions, WriteContext

# Real loops, shrunk intervals: no test waits for production-sized timers.
FAST = Tuning(
    backoff_initial=0.01,
    backoff_max=0.05,
    forbidden_retry=0.1,
    auth_failed_retry=0.1,
    stale_after=5.0,
    freeze_gc_after_sync=False,
)


def transport_for(sim: Simulator, context: str = "admin", tuning: Tuning = FAST) -> Transport:
    assert sim.kubeconfig_path is not None
    entry = load_kubeconfig([sim.kubeconfig_path]).entry(context)
    return Transport(ClusterCredentials(entry, tuning), tuning)


async def eventually(pred: Callable[[], bool], timeout: float = 10.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or pred}")
        await asyncio.sleep(0.01)


@dataclass
class Source:
    reflector: Reflector[dict[str, Any]]
    sink: MemorySink[dict[str, Any]]
    transport: Transport

    def names(self) -> set[str]:
        return {o["metadata"]["name"] for o in self.sink.objects.values()}


@asynccontextmanager
async def reflecting(
    sim: Simulator,
    resource: str,
    *,
    namespace: str | None = None,
    context: str = "admin",
    tuning: Tuning = FAST,
    capabilities: ClusterCapabilities | None = None,
    label_selector: str = "",
    **kw: Any,
) -> AsyncIterator[Source]:
    transport = transport_for(sim, context, tuning)
    rtype = await Discovery(transport).resolve(resource)
    sink: MemorySink[dict[str, Any]] = MemorySink()
    r = Reflector(
        transport,
        rtype,
        sink,
        tuning,
        namespace=namespace,
        capabilities=capabilities,
        label_selector=label_selector,
        **kw,
    )
    r.start()
    try:
        yield Source(r, sink, transport)
    finally:
        await r.stop()
        await transport.close()


def resource_type(sim: Simulator, group: str, version: str, resource: str) -> ResourceType:
    info = sim.info(group, version, resource)
    return ResourceType(group, version, resource, info.kind, info.namespaced, frozenset(info.verbs))


def make_cm(sim: Simulator, ns: str, name: str, **data: str) -> None:
    sim.registry.create(
        sim.info("", "v1", "configmaps"),
        ns,
        {"metadata": {"name": name}, "data": data},
        WriteContext("test"),
    )


def delete_cm(sim: Simulator, ns: str, name: str) -> None:
    sim.registry.delete(sim.info("", "v1", "configmaps"), ns, name, DeleteOptions())


def close_watches(sim: Simulator, key: tuple[str, str]) -> None:
    """End every open watch stream on `key` cleanly (as a server timeout would)."""
    for w in list(sim.store.resource(key).watchers):
        w.close()


class InFlight:
    """Counts `transport`'s requests in flight at once (`peak`): each is held a moment before
    it is sent, so requests made together overlap and requests made one after another do not.
    The requests themselves still go to the server."""

    def __init__(self, transport: Transport, pause: float = 0.01) -> None:
        self.running = self.peak = 0
        inner = transport.request

        async def counting(*args: Any, **kw: Any) -> Any:
            self.running += 1
            self.peak = max(self.peak, self.running)
            try:
                await asyncio.sleep(pause)
                return await inner(*args, **kw)
            finally:
                self.running -= 1

        transport.request = counting  # type: ignore[method-assign]
