"""A periodic BOOKMARK never runs ahead of events still queued for that watcher.

kube-apiserver sends a bookmark at a resourceVersion only once every earlier event went out
(/work/shared/design/kubernetes-api.md §3.3). A client records the bookmark's RV as its
resume point, so a bookmark ahead of queued events loses those events for good if the
connection then drops. The case: a stream stalled (the stall fault) while it still had events
queued, with a bookmark falling due meanwhile.
"""

from __future__ import annotations

import asyncio

import orjson

from masthead.sim.store import ObjectStore
from masthead.sim.watching import (
    WatchOptions,
    WatchSession,
    plain_bookmark_line,
    plain_event_line,
)

KEY = ("", "configmaps")


def _put(store: ObjectStore, name: str) -> int:
    s, _ = store.put(
        KEY, {"kind": "ConfigMap", "metadata": {"name": name, "namespace": "ns"}}, lambda o: {}
    )
    return s.rv


def _line(chunk: bytes) -> list[tuple[str, int]]:
    out = []
    for raw in chunk.splitlines():
        ev = orjson.loads(raw)
        out.append((ev["type"], int(ev["object"]["metadata"]["resourceVersion"])))
    return out


async def test_no_bookmark_past_events_queued_while_stalled() -> None:
    store = ObjectStore(start_rv=100)
    from_rv = _put(store, "a")
    opts = WatchOptions("ns", None, None, str(from_rv), False, True, timeout=30.0)
    session = WatchSession(
        store, KEY, opts, plain_event_line, plain_bookmark_line("ConfigMap", "v1"), 0.01
    )
    stream = session.events()
    rv_b = _put(store, "b")
    assert _line(await stream.__anext__()) == [("ADDED", rv_b)]
    # While that chunk is being written: one more event queued, then the stream stalls.
    rv_c = _put(store, "c")
    session.stall()
    await asyncio.sleep(0.05)  # a bookmark is due by now
    asyncio.get_running_loop().call_later(0.05, session.resume)
    seen: list[tuple[str, int]] = []
    while ("ADDED", rv_c) not in seen:
        seen += _line(await asyncio.wait_for(stream.__anext__(), 5))
    bookmarks_first = [rv for typ, rv in seen[: seen.index(("ADDED", rv_c))] if typ == "BOOKMARK"]
    assert all(rv < rv_c for rv in bookmarks_first), seen
    session.close()
    await stream.aclose()
