"""events.k8s.io/v1 watch lines are converted once per event and shared by every watcher:
the shared bytes are byte-identical to a fresh conversion of the stored object, and three
watchers cost one conversion per event (`/_sim/state` `watchLinesConverted`)."""

from __future__ import annotations

from typing import Any

import orjson

from masthead.sim.eventconv import core_to_events_v1
from masthead.sim.resources import builtin
from masthead.sim.store import Stored
from masthead.sim.watchlines import ConvertedLines
from tests.sim.simclient import SimClient, running_sim

CORE = "/api/v1/namespaces/team-a/events"
EVENTS_V1 = "/apis/events.k8s.io/v1/namespaces/team-a/events"
EVENTS = builtin("", "events")


def event(name: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name},
        "involvedObject": {"kind": "Pod", "namespace": "team-a", "name": "web-1"},
        "reason": "Pulled",
        "message": f"pulled for {name}",
        "type": "Normal",
        "source": {"component": "kubelet"},
    }


async def converted(c: SimClient) -> int:
    n: int = (await c.get("/_sim/state")).body["watchLinesConverted"]
    return n


async def test_watchers_share_one_conversion_identical_to_a_fresh_one() -> None:
    async with running_sim() as c:
        rv = (await c.get(EVENTS_V1)).body["metadata"]["resourceVersion"]
        watches = [
            await c.watch(EVENTS_V1, {"resourceVersion": rv, "timeoutSeconds": "30"})
            for _ in range(3)
        ]
        before = await converted(c)
        for i in range(5):
            assert (await c.post(CORE, event(f"ev-{i}"))).status == 201
        lines = [[await w.resp.content.readline() for _ in range(5)] for w in watches]
        for w in watches:
            w.close()
        assert lines[0] == lines[1] == lines[2]
        assert await converted(c) - before == 5
        for i, line in enumerate(lines[0]):
            s = c.sim.store.get(EVENTS.storage_key, "team-a", f"ev-{i}")
            assert s is not None
            fresh = orjson.dumps({"type": "ADDED", "object": core_to_events_v1(s.decode())})
            assert line == fresh + b"\n"
            assert orjson.loads(line)["object"]["note"] == f"pulled for ev-{i}"


def test_the_line_cache_keeps_the_newest_lines_up_to_its_cap() -> None:
    lines = ConvertedLines(cap=2)

    def stored(rv: int) -> Stored:
        obj = {"metadata": {"name": f"e{rv}", "resourceVersion": str(rv)}, "note": "x"}
        return Stored(orjson.dumps(obj), rv, f"uid-{rv}", "ns", f"e{rv}", {}, {})

    first = lines.line("events", dict, "ADDED", stored(1), 1)
    lines.line("events", dict, "ADDED", stored(2), 2)
    assert lines.line("events", dict, "ADDED", stored(1), 1) is first  # a hit: shared bytes
    lines.line("events", dict, "ADDED", stored(3), 3)  # past the cap: the oldest (2) goes
    assert (lines.encoded, lines.evicted) == (3, 1)
    lines.line("events", dict, "ADDED", stored(2), 2)
    assert (lines.encoded, lines.evicted) == (4, 2)
