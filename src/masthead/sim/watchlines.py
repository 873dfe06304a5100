"""Watch lines of objects served in another form than they are stored in (events.k8s.io/v1
Events, stored as core/v1): converted and encoded once per event and shared by every watcher.

A stored-form object's line is its stored bytes spliced into the envelope, which costs nothing
per watcher; a converted one costs a decode, a conversion and an encode, which each watcher of
events.k8s.io paid again for every event. The cache keeps the newest lines (LRU, `cap`):
watchers read the same recent events, so a line is reused while they drain it, and one that
left the cache is converted again (`evicted` counts the lines let go).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import orjson

from masthead.sim.store import Stored

# Lines kept: at 1,000 events/s, the last few seconds of Events.
DEFAULT_CAP = 4096

Convert = Callable[[dict[str, Any]], dict[str, Any]]
# (served resource, event type, object uid, object version, the event's revision)
LineKey = tuple[str, str, str, int, int]


class ConvertedLines:
    def __init__(self, cap: int = DEFAULT_CAP) -> None:
        self.cap = cap
        self.evicted = 0
        self.encoded = 0
        self._lines: OrderedDict[LineKey, bytes] = OrderedDict()

    def line(self, served: str, convert: Convert, typ: str, s: Stored, rv: int) -> bytes:
        """The watch line of `s` (stamped with revision `rv`) in the served form."""
        key = (served, typ, s.uid, s.rv, rv)
        hit = self._lines.get(key)
        if hit is not None:
            self._lines.move_to_end(key)
            return hit
        obj = convert(s.decode())
        obj["metadata"]["resourceVersion"] = str(rv)
        out = orjson.dumps({"type": typ, "object": obj}) + b"\n"
        self.encoded += 1
        self._lines[key] = out
        if len(self._lines) > self.cap:
            self._lines.popitem(last=False)
            self.evicted += 1
        return out
