"""The recovery benchmark's convergence check (bench/recovery.py `converged`) on a world that
keeps changing — the defect the full runs reported as rows lost after a watch drop.

At 10k pods the simulator's controllers go on creating and deleting pods for minutes after the
churn stops, and the old check compared the simulator's count "now" (a paged LIST taking
seconds) with masthead's count a moment later: the two differed by the writes in between, so a
masthead that was right failed for the whole bound (6–278 pods apart). The check now compares
masthead's pods source with the simulator at the source's own resourceVersion, and requires
that version to cover every pod the simulator held when the check began — so it still fails a
masthead that is behind or wrong (the second test).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools

import aiohttp
import pytest
from bench.pod_diff import masthead_pods_at
from bench.recovery import converged, create_marker
from bench.stack import Masthead, SimWorld, World, sim_call, wait_synced

pytestmark = pytest.mark.faults

# Big enough that a paged count takes several pages (the old check's window for writes to
# fall between the two counts); small enough to build in seconds.
WORLD = World(deployments=300, pods_per_deployment=10, nodes=10, namespaces=5)
CREATE_GAP_S = 0.01  # a pod created every 10 ms while the check runs: the world never rests


async def create_pods(s: aiohttp.ClientSession, prefix: str) -> None:
    for n in itertools.count():
        await create_marker(s, f"{prefix}-{n}")
        await asyncio.sleep(CREATE_GAP_S)


@contextlib.asynccontextmanager
async def creating(s: aiohttp.ClientSession, prefix: str):  # type: ignore[no-untyped-def]
    task = asyncio.create_task(create_pods(s, prefix))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_a_right_masthead_converges_while_pods_keep_being_created() -> None:
    with SimWorld(WORLD) as sim, Masthead(sim.kubeconfig) as mh:
        async with sim.session() as s, mh.session() as http:
            await wait_synced(http, WORLD.pods, timeout=180)
            async with creating(s, "steady"):
                await asyncio.sleep(0.5)
                why = await converged(s, http, bound_s=30)
                at = await masthead_pods_at(http)
            assert why is None, why
            assert at is not None and at[1] > WORLD.pods  # it did see the new pods


async def test_a_masthead_that_is_behind_does_not_converge() -> None:
    with SimWorld(WORLD) as sim, Masthead(sim.kubeconfig) as mh:
        async with sim.session() as s, mh.session() as http:
            await wait_synced(http, WORLD.pods, timeout=180)
            # Every watch, open or opened meanwhile, sends nothing: masthead keeps its rows
            # and its resourceVersion while the simulator moves on.
            await sim_call(s, "POST", "/_sim/faults/stall-watches", {"duration": 60})
            try:
                for n in range(5):
                    await create_marker(s, f"unseen-{n}")
                why = await converged(s, http, bound_s=3)
            finally:
                await sim_call(s, "DELETE", "/_sim/faults/stall-watches")
            assert why is not None and "behind" in why, why
            # Once the watches flow again it catches up and the same check passes.
            assert await converged(s, http, bound_s=60) is None
