"""A write reaches every idle watcher's stream in the next turn of the event loop, and a
stalled or lagging watcher delays no other. Under churn each loop turn of the simulator lasted
hundreds of milliseconds; a stream woken through `asyncio.wait_for` (the wait ran as a task of
its own) took three turns, so one event reached two watchers up to ~1 s apart (issue 5).

The streams are real `WatchSession`s on a real store, read by tasks as the HTTP handler reads
them; loop turns are counted with `asyncio.sleep(0)`."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson

from masthead.sim.store import ObjectStore
from masthead.sim.watching import (
    WatchOptions,
    WatchSession,
    plain_bookmark_line,
    plain_event_line,
)

KEY = ("", "configmaps")


def fields(obj: Any) -> dict[str, str]:
    return {"metadata.name": obj["metadata"]["name"]}


def put(store: ObjectStore, name: str) -> int:
    s, _ = store.put(
        KEY, {"kind": "ConfigMap", "metadata": {"name": name, "namespace": "a"}}, fields
    )
    return s.rv


def session(store: ObjectStore) -> WatchSession:
    opts = WatchOptions(
        namespace=None,
        labels=None,
        fields=None,
        resource_version=str(store.rv),
        send_initial_events=False,
        allow_bookmarks=False,
        timeout=60.0,
    )
    return WatchSession(
        store,
        KEY,
        opts,
        plain_event_line,
        plain_bookmark_line("ConfigMap", "v1"),
        bookmark_period=60.0,
    )


class Reader:
    """Reads a session's lines as the HTTP handler does, noting each event's name."""

    def __init__(self, s: WatchSession) -> None:
        self.session = s
        self.names: list[str] = []
        self.task = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        async for chunk in self.session.events():
            for line in chunk.splitlines():
                self.names.append(orjson.loads(line)["object"]["metadata"]["name"])

    async def close(self) -> None:
        self.session.close()
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


async def settled(readers: list[Reader]) -> None:
    """Let every reader reach its wait (a few turns: nothing is written meanwhile)."""
    for _ in range(5):
        await asyncio.sleep(0)


async def stalled_and_live(store: ObjectStore) -> tuple[Reader, Reader]:
    """Two settled readers of `store`'s history, the first one's stream stalled."""
    store.open_history()
    stalled, live = Reader(session(store)), Reader(session(store))
    stalled.session.stall()
    await settled([stalled, live])
    return stalled, live


async def test_every_idle_watcher_gets_a_write_in_the_next_loop_turn() -> None:
    store = ObjectStore(start_rv=1)
    store.open_history()
    readers = [Reader(session(store)) for _ in range(5)]
    await settled(readers)
    for i in range(3):
        put(store, f"cm-{i}")
        await asyncio.sleep(0)  # one turn
        assert [r.names for r in readers] == [[f"cm-{j}" for j in range(i + 1)]] * 5
    for r in readers:
        await r.close()


async def test_a_stalled_watcher_delays_none_of_the_others() -> None:
    store = ObjectStore(start_rv=1)
    stalled, live = await stalled_and_live(store)
    for i in range(200):
        put(store, f"cm-{i}")
    await asyncio.sleep(0)
    assert live.names == [f"cm-{i}" for i in range(200)]
    assert stalled.names == []
    assert len(stalled.session.watcher.queue) == 200
    stalled.session.resume()
    for _ in range(5):
        await asyncio.sleep(0)
    assert stalled.names == live.names
    await stalled.close()
    await live.close()


async def test_a_watcher_past_its_queue_cap_is_closed_and_counted_without_touching_others() -> None:
    store = ObjectStore(start_rv=1, watch_queue=50)
    stalled, live = await stalled_and_live(store)
    for i in range(60):
        put(store, f"cm-{i}")
        if i % 10 == 9:
            await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert live.names == [f"cm-{i}" for i in range(60)]
    assert stalled.session.watcher.closed
    assert store.watch_limits.closed_behind == 1
    assert store.resource(KEY).dropped_watchers == 1
    assert len(stalled.session.watcher.queue) == 0  # let go, not buffered
    await stalled.close()
    await live.close()
