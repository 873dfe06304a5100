"""When the API server stops answering and comes back, the cluster's /readyz probe wakes the
sources out of their backoff instead of each waiting out its jittered delay."""

from __future__ import annotations

from dataclasses import replace

from masthead.kube.freshness import SourceFreshness, SourceState
from masthead.sim.app import Simulator
from tests.kube.kubesim import FAST, make_cm, reflecting

# Backoffs no test could wait out: a source live again soon after the server returns can
# only have been woken by the probe.
LONG_BACKOFF = replace(
    FAST,
    backoff_initial=600.0,
    backoff_max=600.0,
    server_return_probe=0.05,
    server_return_spread=0.05,
)


def live(f: SourceFreshness) -> bool:
    return f.state is SourceState.LIVE


def away(f: SourceFreshness) -> bool:
    return f.state in (SourceState.RECONNECTING, SourceState.STALE)


async def test_sources_wake_when_the_server_answers_again() -> None:
    async with Simulator() as sim:
        make_cm(sim, "team-a", "before")
        async with (
            reflecting(sim, "configmaps", tuning=LONG_BACKOFF) as cms,
            reflecting(sim, "secrets", tuning=LONG_BACKOFF) as secrets,
        ):
            for src in (cms, secrets):
                await src.reflector.freshness.wait_for(live, 20)
            await sim.faults.set("down", {"seconds": 1.0, "afterSeconds": 0.0})
            for src in (cms, secrets):
                await src.reflector.freshness.wait_for(away, 10)
            make_cm(sim, "team-a", "while-down")
            for src in (cms, secrets):
                await src.reflector.freshness.wait_for(live, 20)
            assert "while-down" in cms.names()
            for src in (cms, secrets):
                back = src.transport.server_return
                assert back.wakeups == 1, "one down→up transition, one wake-up"
                # Probes only while someone waited: a handful, not one per source per 50 ms.
                assert 2 <= back.probes < 200
                assert src.transport.stats.count("probe", 200) >= 1


async def test_a_server_that_answers_the_probe_wakes_no_one() -> None:
    """Waiting while the server answers (a connection-level failure of one request, not an
    outage) keeps the source's own backoff: the probe never saw the server down, so it wakes
    nobody — otherwise every probe would cut every backoff short."""
    async with Simulator() as sim, reflecting(sim, "configmaps", tuning=LONG_BACKOFF) as cms:
        await cms.reflector.freshness.wait_for(live, 20)
        back = cms.transport.server_return
        await back.wait(0.3)  # a waiter while the server answers: the probe finds it up
        assert back.wakeups == 0 and back.probes >= 1
