"""The node lifecycle controller looks at every node once per `node_monitor_period` (upstream's
--node-monitor-period, 5 s), not every `resync_tick`: at `large` a look a second was 2,000
syncs a second, ~60k over a 30 s bench run, the "storm" of issue 5. And a live kubelet whose
node was marked Unknown (its lease late because the loop was) reports at once instead of
leaving the node unreachable-tainted, its pods unready, for a whole status interval."""

from __future__ import annotations

import asyncio
from typing import Any

from masthead.sim.controllers import ControllerSettings
from masthead.sim.controllers.settings import NODE_HEARTBEAT, NODE_LIFECYCLE
from tests.sim.controllers.helpers import NODES, cluster, eventually, items
from tests.sim.simclient import SimClient

SMALL_NODES = 20
HOUR = 3600.0


async def quiet(c: SimClient) -> None:
    async def idle() -> bool:
        return c.sim.controllers.idle()

    await eventually(idle, what="controllers idle")


async def test_lifecycle_looks_at_nodes_once_per_monitor_period_not_per_resync_tick() -> None:
    # resync_tick stays the fast 0.05 s; the monitor period is an hour.
    settings = ControllerSettings.fast(node_monitor_period=HOUR, node_grace=HOUR)
    async with cluster(frozenset({NODE_LIFECYCLE}), settings, scenario="small") as c:
        await quiet(c)
        lifecycle = c.sim.controllers.controllers[NODE_LIFECYCLE]
        after_start = lifecycle.syncs
        assert after_start >= SMALL_NODES  # the initial look at every node
        # Ten resync ticks: each was a sync of every node before.
        await asyncio.sleep(settings.resync_tick * 10)
        await quiet(c)
        assert lifecycle.syncs == after_start


def _ready(node: dict[str, Any]) -> dict[str, Any]:
    return next(x for x in node["status"]["conditions"] if x["type"] == "Ready")


async def test_live_kubelet_reports_at_once_when_its_node_is_marked_unknown() -> None:
    # Status reports an hour apart: only the Unknown mark can bring the next one forward.
    settings = ControllerSettings.fast(node_status_interval=HOUR, lease_interval=HOUR)
    async with cluster(frozenset({NODE_HEARTBEAT}), settings, scenario="small") as c:
        await quiet(c)
        name = (await items(c, NODES))[-1]["metadata"]["name"]
        node = (await c.get(f"{NODES}/{name}")).body
        ready = _ready(node)
        assert ready["status"] == "True"
        # What the lifecycle controller writes for a late lease.
        ready.update(
            status="Unknown",
            reason="NodeStatusUnknown",
            message="Kubelet stopped posting node status.",
        )
        r = await c.put(f"{NODES}/{name}/status", node)
        assert r.status == 200, r.text

        async def reported() -> dict[str, Any] | None:
            got = _ready((await c.get(f"{NODES}/{name}")).body)
            return got if got["status"] == "True" else None

        back = await eventually(reported, what=f"{name} Ready again")
        assert back["reason"] == "KubeletReady"
