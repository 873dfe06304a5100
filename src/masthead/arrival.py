"""When the watch bytes being applied right now arrived (issue 5: masthead's own share of a
change → frame, measured inside masthead).

A reflector stamps `WATCH_ARRIVAL.at` once per socket read (time.monotonic(), the event loop's
clock) while it applies that read's events, and clears it whenever it gives the loop away, so
a change made by anything else (a relist, a poll, a test) sees None: arrival unknown. Tables
(store/table.py) note the stamp per span of versions; a live window reads the arrival of the
oldest change its next frame is the first to carry (api/live.py). It lives outside kube/ and
store/ because both read it and neither imports the other.
"""

from __future__ import annotations


class WatchArrival:
    __slots__ = ("at",)

    def __init__(self) -> None:
        self.at: float | None = None


WATCH_ARRIVAL = WatchArrival()
