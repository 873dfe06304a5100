"""masthead against a living simulator (controllers on, fast): workloads roll out, pods get
scheduled and become ready, evicted pods are replaced."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp

from masthead.sim.app import SimConfig, Simulator
from masthead.sim.controllers import ALL_CONTROLLERS, ControllerSettings
from tests.api.harness import Served, served
from tests.sim.controllers.helpers import add_nodes
from tests.sim.simclient import SimClient


@asynccontextmanager
async def living(*nodes: str, **served_options: Any) -> AsyncIterator[tuple[Served, SimClient]]:
    """masthead connected to `admin` of a simulator with every controller and `nodes`."""
    cfg = SimConfig(controllers=ALL_CONTROLLERS, controller_settings=ControllerSettings.fast())
    async with (
        Simulator(cfg) as sim,
        aiohttp.ClientSession() as http,
    ):
        kube = SimClient(sim, http, sim.admin_token)
        await add_nodes(kube, *nodes)
        async with served(sim=sim, **{"connect": ("admin",), **served_options}) as s:
            yield s, kube


@asynccontextmanager
async def kube_client(s: Served) -> AsyncIterator[SimClient]:
    """The simulator behind `s`, spoken to directly as its admin."""
    async with aiohttp.ClientSession() as http:
        yield SimClient(s.sim, http, s.sim.admin_token)
