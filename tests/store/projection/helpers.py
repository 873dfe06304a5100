"""A reflector feeding a projected Table from the simulator over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from masthead.kube.discovery import Discovery
from masthead.kube.freshness import SourceState
from masthead.kube.reflector import ClusterCapabilities, Reflector
from masthead.kube.transport import Transport
from masthead.sim.app import Simulator
from masthead.store.projection import Interner, Projection, ProjectionCodec, TableSink
from masthead.store.projection.registry import projection_for
from masthead.store.table import Table
from tests.kube.kubesim import FAST, transport_for


@dataclass
class Projected:
    reflector: Reflector[Any]
    table: Table[Any]
    sink: TableSink[Any]
    transport: Transport

    def by_name(self, name: str, namespace: str = "") -> Any:
        for row in self.table.rows():
            if row.name == name and (not namespace or row.namespace == namespace):
                return row
        raise KeyError(f"{namespace}/{name}")

    async def live(self, timeout: float = 10.0) -> None:
        await self.reflector.freshness.wait_for(
            lambda f: getattr(f, "state", None) is SourceState.LIVE, timeout
        )


@asynccontextmanager
async def projected(
    sim: Simulator,
    resource: str,
    projection: Projection[Any, Any] | None = None,
    *,
    namespace: str | None = None,
    interner: Interner | None = None,
    capabilities: ClusterCapabilities | None = None,
) -> AsyncIterator[Projected]:
    transport = transport_for(sim)
    rtype = await Discovery(transport).resolve(resource)
    projection = projection or projection_for(rtype)
    table: Table[Any] = Table(projection.columns)
    sink = TableSink(table)
    reflector = Reflector(
        transport,
        rtype,
        sink,
        FAST,
        namespace=namespace,
        codec=ProjectionCodec(projection, interner),
        capabilities=capabilities,
    )
    reflector.start()
    try:
        yield Projected(reflector, table, sink, transport)
    finally:
        await reflector.stop()
        await transport.close()
