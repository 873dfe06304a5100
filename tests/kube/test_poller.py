"""`Poller`: a source mirrored by LIST alone, against the simulator over real HTTP."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from masthead.kube.discovery import Discovery
from masthead.kube.freshness import SourceState
from masthead.kube.poller import Poller
from masthead.kube.sink import MemorySink
from masthead.sim.app import SimConfig, Simulator
from tests.kube.kubesim import FAST, delete_cm, eventually, make_cm, transport_for

POLLING = replace(FAST, poll_interval=0.05, poll_jitter=0.2, page_size=2)


async def test_each_poll_applies_the_difference_like_a_relist() -> None:
    async with Simulator(SimConfig()) as sim:
        for i in range(5):
            make_cm(sim, "team-a", f"cm-{i}", v="1")
        transport = transport_for(sim, "admin", POLLING)
        rtype = await Discovery(transport).resolve("configmaps")
        sink: MemorySink[dict[str, Any]] = MemorySink()
        poller = Poller(transport, rtype, sink, POLLING, namespace="team-a")
        poller.start()
        try:

            def names() -> set[str]:
                return {o["metadata"]["name"] for o in sink.objects.values()}

            wanted = {f"cm-{i}" for i in range(5)}
            await eventually(lambda: names() == wanted, 5, "the first poll")
            f = poller.freshness.current
            assert f.state is SourceState.POLLED and f.healthy
            assert f.last_poll is not None and f.next_retry is not None
            assert f.next_retry - f.last_poll <= POLLING.poll_interval * 1.2 + 1e-6
            assert f.as_dict()["last_poll"] == f.last_poll

            delete_cm(sim, "team-a", "cm-0")
            make_cm(sim, "team-a", "cm-new", v="2")
            await eventually(
                lambda: "cm-new" in names() and "cm-0" not in names(), 5, "the next poll"
            )
            assert names() == (wanted - {"cm-0"}) | {"cm-new"}, "no ghost, nothing missing"
            polls = sum(n for (verb, _), n in transport.stats.requests.items() if verb == "poll")
            assert polls >= 2 * 3, "paginated (page size 2, 6 objects): ≥ 3 pages per poll"
            assert not any(verb == "watch" for verb, _ in transport.stats.requests)
        finally:
            await poller.stop()
            await transport.close()


async def test_a_refused_poll_says_forbidden_with_the_apis_message() -> None:
    async with Simulator(SimConfig()) as sim:
        transport = transport_for(sim, "restricted", POLLING)
        rtype = await Discovery(transport).resolve("configmaps")
        poller = Poller(transport, rtype, MemorySink(), POLLING, namespace="kube-system")
        poller.start()
        try:
            await eventually(
                lambda: poller.freshness.current.state is SourceState.FORBIDDEN, 5, "forbidden"
            )
            assert 'cannot list resource "configmaps"' in poller.freshness.current.message
        finally:
            await poller.stop()
            await transport.close()
