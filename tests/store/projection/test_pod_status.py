"""Pods' STATUS, READY, RESTARTS, IP and NODE equal kubectl's (the simulator's port of upstream
printers.go is the oracle) for generated pods in every container state."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from masthead.sim.app import SimConfig, Simulator
from masthead.sim.printers import printer_for
from masthead.sim.resources import builtin
from masthead.store.projection import PodRow, ProjectionCodec, restarts_text
from masthead.store.projection.pods import PODS
from tests.store.projection.helpers import projected
from tests.store.projection.podgen_strategies import EPOCH, pods

POD_PRINTER = printer_for(builtin("", "pods"))
NOW = EPOCH + 3_600.5


def kubectl_cells(pod: dict[str, Any]) -> dict[str, str]:
    assert POD_PRINTER is not None
    cells = POD_PRINTER.cells(pod, NOW)
    return {
        "ready": cells[1],
        "status": cells[2],
        "restarts": cells[3],
        "ip": cells[5],
        "node": cells[6],
    }


def row_cells(row: PodRow) -> dict[str, str]:
    return {
        "ready": row.ready,
        "status": row.status,
        "restarts": restarts_text(row, NOW),
        "ip": row.ip or "<none>",
        "node": row.node or "<none>",
    }


@settings(max_examples=400, deadline=None)
@given(pod=pods())
def test_decoded_pod_matches_kubectl(pod: dict[str, Any]) -> None:
    row = ProjectionCodec(PODS).decode_object(orjson.dumps(pod))
    assert row_cells(row) == kubectl_cells(pod)


@st.composite
def populations(draw: st.DrawFn, size: int = 60) -> list[dict[str, Any]]:
    return [draw(pods(i)) for i in range(size)]


@settings(
    max_examples=3,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(population=populations())
def test_served_pods_match_kubectl(population: list[dict[str, Any]]) -> None:
    """The same through the real path: stored in the simulator, listed and watched over HTTP
    by a reflector decoding into rows."""
    asyncio.run(_served(population))


async def _served(population: list[dict[str, Any]]) -> None:
    async with Simulator(SimConfig()) as sim:
        info = sim.info("", "v1", "pods")
        for pod in population:
            sim.registry.put_prepared(info, orjson.loads(orjson.dumps(pod)))
        async with projected(sim, "pods") as src:
            await src.live()
            assert len(src.table) == len(population)
            for pod in population:
                row = src.table[pod["metadata"]["uid"]]
                assert row_cells(row) == kubectl_cells(pod), pod["metadata"]["name"]


def test_statuses_cover_the_kubectl_vocabulary() -> None:
    """The generator reaches the states the dashboard must name (guards the oracle test
    against a generator that only ever makes Running pods)."""
    seen: set[str] = set()

    @settings(max_examples=800, deadline=None, database=None, derandomize=True)
    @given(pod=pods())
    def collect(pod: dict[str, Any]) -> None:
        seen.add(ProjectionCodec(PODS).decode_object(orjson.dumps(pod)).status)

    collect()
    statuses = {s.split(":")[0] for s in seen}
    expected = {
        "Init",
        "CrashLoopBackOff",
        "ImagePullBackOff",
        "ContainerCreating",
        "Completed",
        "Error",
        "OOMKilled",
        "Terminating",
        "Unknown",
        "Running",
        "NotReady",
        "SchedulingGated",
        "Signal",
        "ExitCode",
    }
    assert expected - statuses == set(), sorted(seen)
