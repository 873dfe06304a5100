"""Sleep/resume (issue 8): masthead, a real process, frozen with SIGSTOP for 60 s while the
simulator (another process) churns and the world moves on, then continued with SIGCONT — as a
laptop sleeps. Every source is live again within the recovery bound and the pods view equals
the simulator's pods (no ghost kept from before the freeze, none missing from during it)."""

from __future__ import annotations

import asyncio
import os
import signal
from typing import Any

import aiohttp
import pytest
from bench.recovery import PARTIAL_METADATA, create_marker, wait_live_with
from bench.stack import Masthead, SimWorld, World, pods_page, sim_call, wait_synced

from tests.api.harness import eventually_async

pytestmark = pytest.mark.faults

WORLD = World(deployments=20, pods_per_deployment=5, nodes=5, namespaces=5)
FREEZE_S = 60
CHURN_PER_S = 20


async def simulator_pods(s: aiohttp.ClientSession) -> set[str]:
    names: set[str] = set()
    cont = ""
    while True:
        params = {"limit": "500", **({"continue": cont} if cont else {})}
        async with s.get("/api/v1/pods", params=params, headers={"Accept": PARTIAL_METADATA}) as r:
            doc: dict[str, Any] = await r.json()
        names.update(f"{i['metadata']['namespace']}/{i['metadata']['name']}" for i in doc["items"])
        cont = doc["metadata"].get("continue") or ""
        if not cont:
            return names


async def masthead_pods(http: aiohttp.ClientSession) -> set[str]:
    page = await pods_page(http, limit="1000")
    assert page["total"] <= 1000, "the world outgrew one page"
    return {f"{r['namespace']}/{r['name']}" for r in page["rows"]}


async def test_a_frozen_masthead_catches_up_after_sigcont() -> None:
    with SimWorld(WORLD) as sim, Masthead(sim.kubeconfig) as mh:
        async with sim.session() as s, mh.session() as http:
            await wait_synced(http, WORLD.pods, timeout=180)
            before = await masthead_pods(http)
            await sim_call(s, "POST", "/_sim/churn", {"rate": CHURN_PER_S, "duration": 3600})
            os.kill(mh.proc.pid, signal.SIGSTOP)
            try:
                await asyncio.sleep(FREEZE_S)
                await create_marker(s, "slept-marker")
            finally:
                os.kill(mh.proc.pid, signal.SIGCONT)
            await sim_call(s, "DELETE", "/_sim/churn")
            after_freeze = await simulator_pods(s)
            assert after_freeze != before, "the world did not move during the freeze"

            await wait_live_with(http, "slept-marker")
            last: dict[str, set[str]] = {}

            async def equal() -> bool:
                want, got = await simulator_pods(s), await masthead_pods(http)
                last.update(want=want, got=got)
                return want == got

            try:
                await eventually_async(equal, 30)
            except TimeoutError:
                ghosts = sorted(last["got"] - last["want"])[:5]
                missing = sorted(last["want"] - last["got"])[:5]
                pytest.fail(f"not converged: ghosts {ghosts}, missing {missing}")
