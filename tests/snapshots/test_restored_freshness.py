"""A source showing snapshot rows stays `stale` since the snapshot time through a relist and
reconnects (the message says what is going on) and stops being so only when it is live."""

from __future__ import annotations

from masthead.kube.freshness import Freshness, SourceState


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


async def test_restored_stays_stale_since_the_snapshot_until_live() -> None:
    clock = Clock()
    f = Freshness(clock)
    f.restored(500.0, "snapshot of 3 rows")
    assert (f.current.state, f.current.since, f.current.message) == (
        SourceState.STALE,
        500.0,
        "snapshot of 3 rows",
    )
    clock.t = 1001.0
    f.syncing(500, 2000)
    assert (f.current.state, f.current.since) == (SourceState.STALE, 500.0)
    assert f.current.message == "snapshot of 3 rows; listing (500 of 2000)"
    f.disconnected(2, 5.0, False, "connection refused")
    assert (f.current.state, f.current.since) == (SourceState.STALE, 500.0)
    assert f.current.message == "snapshot of 3 rows; connection refused"
    assert (f.current.attempt, f.current.next_retry) == (2, 1006.0)
    f.live()
    assert (f.current.state, f.current.since) == (SourceState.LIVE, 1001.0)
    f.syncing(0, None)  # a later relist is an ordinary one
    assert f.current.state is SourceState.SYNCING and f.current.message == ""
