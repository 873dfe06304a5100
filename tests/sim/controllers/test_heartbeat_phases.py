"""Node lease renewals stay spread over their interval, each node on its own phase, however
late a renewal ran: a renewal that set the next one at `now + interval` moved every node that
ran late together (all of them at start) onto one phase, and the trickle became a burst of
every node's renewal once per interval (issue 5). The clock is the controllers' injectable
one, moved by hand."""

from __future__ import annotations

from typing import Any

from masthead.sim.controllers import ControllerSettings
from masthead.sim.controllers.nodes import next_due
from masthead.sim.controllers.objects import micro_time
from tests.sim.controllers.helpers import cluster, eventually, items
from tests.sim.simclient import SimClient

LEASES = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases"
INTERVAL = 100.0  # seconds of the hand-moved clock
NODES = 20  # the small world's


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def renewed_at(c: SimClient, t: float) -> set[str]:
    stamp = micro_time(t)
    leases: list[dict[str, Any]] = await items(c, LEASES)
    return {x["metadata"]["name"] for x in leases if x["spec"].get("renewTime") == stamp}


async def renewals_at(c: SimClient, t: float) -> set[str]:
    """The nodes that renewed at `t`, once the heartbeat has seen the clock there and done all
    that was due."""

    async def idle() -> bool:
        return c.sim.controllers.idle()

    names = await eventually(lambda: renewed_at(c, t), what=f"renewals at {t}")
    await eventually(idle, what="heartbeat idle")
    return names | await renewed_at(c, t)


async def test_renewals_keep_each_nodes_phase_after_renewing_all_at_start() -> None:
    clock = Clock(1_000_000.0)
    settings = ControllerSettings.fast(clock=clock, lease_interval=INTERVAL)
    async with cluster(frozenset({"nodeheartbeat"}), settings, scenario="small") as c:
        # At start every node renews at once (its phase is i/n of the interval regardless).
        assert len(await renewals_at(c, clock.now)) == NODES
        # Half an interval on (plus a bit): the nodes whose phase has come, about half, not
        # all of them, which is what a start-time phase for everyone would have made.
        clock.now += INTERVAL * 1.5 + 1
        half = await renewals_at(c, clock.now)
        assert NODES // 2 - 1 <= len(half) <= NODES // 2 + 1, sorted(half)
        # The loop "stalls" for three intervals: each node renews once when it runs again,
        # and then still on its own phase: a quarter of an interval later only the nodes of
        # that quarter renew.
        clock.now += INTERVAL * 3
        assert len(await renewals_at(c, clock.now)) == NODES
        clock.now += INTERVAL / 4
        quarter = await renewals_at(c, clock.now)
        assert NODES // 4 - 1 <= len(quarter) <= NODES // 4 + 1, sorted(quarter)


def test_next_due_keeps_the_phase_and_skips_missed_periods() -> None:
    assert next_due(100.0, 100.5, 10.0) == 110.0  # on time: one period on
    assert next_due(100.0, 135.0, 10.0) == 140.0  # 3.5 periods late: the next slot after now
    assert next_due(100.0, 110.0, 10.0) == 120.0  # exactly one period late: strictly after
    assert next_due(100.0, 95.0, 10.0) == 110.0  # early (forced): the phase's next slot
    assert next_due(0.0, 95.0, 10.0) == 105.0  # no phase yet: starts now
