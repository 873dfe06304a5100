"""A watcher that falls behind is closed once its queue passes the byte cap (as the cacher
closes an unresponsive watcher), counted in `/_sim/state`; the client then resumes from the
last revision it read and gets every change from the history."""

from __future__ import annotations

from typing import Any

from masthead.sim.app import SimConfig
from tests.sim.simclient import SimClient, running_sim

CM = "/api/v1/namespaces/team-a/configmaps"
CAP = 20_000
PAYLOAD = "x" * 1_000  # each configmap encodes to ~1.3 KB


def cm(name: str) -> dict[str, Any]:
    return {"metadata": {"name": name}, "data": {"blob": PAYLOAD}}


async def state(c: SimClient) -> dict[str, Any]:
    r = await c.get("/_sim/state")
    assert r.status == 200, r.text
    body: dict[str, Any] = r.body
    return body


async def test_a_stalled_watcher_past_the_byte_cap_is_closed_and_counted() -> None:
    async with running_sim(SimConfig(watch_queue_bytes=CAP)) as c:
        rv = (await c.get(CM)).body["metadata"]["resourceVersion"]
        w = await c.watch(CM, {"resourceVersion": rv, "timeoutSeconds": "60"})
        assert (await c.post("/_sim/faults/stall-watches", {"duration": 60})).status == 201
        for i in range(10):  # ~13 KB queued: under the cap
            assert (await c.post(CM, cm(f"under-{i}"))).status == 201
        st = await state(c)
        assert st["watchQueueBytesCap"] == CAP
        assert st["watchersClosedBehind"] == 0
        for i in range(10):  # past the cap
            assert (await c.post(CM, cm(f"over-{i}"))).status == 201
        assert (await state(c))["watchersClosedBehind"] == 1
        assert (await c.delete("/_sim/faults/stall-watches")).status == 200
        # The queue was let go: the stream ends without the events it held ...
        assert await w.collect(timeout=5) == []
        w.close()
        # ... and a watch resumed from the last revision read replays all of them.
        again = await c.watch(CM, {"resourceVersion": rv, "timeoutSeconds": "60"})
        names = [
            ev["object"]["metadata"]["name"]
            for ev in await again.until(lambda ev: ev["object"]["metadata"]["name"] == "over-9")
        ]
        assert names == [f"under-{i}" for i in range(10)] + [f"over-{i}" for i in range(10)]
        again.close()
        assert (await state(c))["watchersClosedBehind"] == 1


async def test_a_watcher_that_keeps_up_is_never_closed() -> None:
    async with running_sim(SimConfig(watch_queue_bytes=CAP)) as c:
        rv = (await c.get(CM)).body["metadata"]["resourceVersion"]
        w = await c.watch(CM, {"resourceVersion": rv, "timeoutSeconds": "60"})
        for i in range(40):  # ~52 KB in all, read as it comes
            assert (await c.post(CM, cm(f"cm-{i}"))).status == 201
            ev = await w.next()
            assert ev is not None and ev["object"]["metadata"]["name"] == f"cm-{i}"
        assert (await state(c))["watchersClosedBehind"] == 0
        w.close()
