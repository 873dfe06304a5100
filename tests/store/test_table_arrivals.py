"""Table.arrival_after: the watch arrival of the change after a version, by spans of versions
(one per socket read that changed the table; masthead/arrival.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from masthead.arrival import WATCH_ARRIVAL
from masthead.store.table import ARRIVAL_SPANS, Table
from tests.store.synthetic import COLUMNS, PodLike
from tests.store.test_replace_steps import _pod


@pytest.fixture(autouse=True)
def no_stamp() -> Iterator[None]:
    WATCH_ARRIVAL.at = None
    yield
    WATCH_ARRIVAL.at = None


def test_each_change_maps_to_the_read_it_arrived_with() -> None:
    table: Table[PodLike] = Table(COLUMNS)
    WATCH_ARRIVAL.at = 10.0
    table.upsert(_pod(1))  # version 1
    table.upsert(_pod(2))  # version 2
    WATCH_ARRIVAL.at = 11.5
    table.upsert(_pod(1, "Pending"))  # version 3
    assert not table.upsert(_pod(1, "Pending"))  # equal: no change, no version
    table.delete(_pod(2).uid)  # version 4
    assert table.version == 4
    assert [table.arrival_after(v) for v in range(5)] == [10.0, 10.0, 11.5, 11.5, None]


def test_changes_without_a_watch_read_have_no_arrival() -> None:
    table: Table[PodLike] = Table(COLUMNS)
    table.replace([_pod(i) for i in range(20)])  # a list: no stamp
    WATCH_ARRIVAL.at = 3.0
    table.upsert(_pod(100))
    WATCH_ARRIVAL.at = None
    table.upsert(_pod(101))  # a poll, a test: unknown
    v = table.version
    assert table.arrival_after(0) is None
    assert table.arrival_after(v - 2) == 3.0
    assert table.arrival_after(v - 1) is None
    # A relist rebuilt in bulk starts a span of unknown arrival, even after a stamped one.
    WATCH_ARRIVAL.at = 4.0
    table.upsert(_pod(102))
    before = table.version
    WATCH_ARRIVAL.at = None
    table.replace([_pod(i, "Pending") for i in range(200, 260)])
    assert table.arrival_after(before - 1) == 4.0
    assert table.arrival_after(before) is None and table.version > before + 1


def test_spans_are_bounded_and_the_dropped_ones_unknown() -> None:
    table: Table[PodLike] = Table(COLUMNS)
    for i in range(ARRIVAL_SPANS + 10):
        WATCH_ARRIVAL.at = float(i)
        table.upsert(_pod(i))  # one change per read: version i + 1 arrived at i
    assert table.version == ARRIVAL_SPANS + 10
    assert table.arrival_after(9) is None  # version 10's span was pushed out
    assert table.arrival_after(10) == 10.0  # the oldest kept
    assert table.arrival_after(ARRIVAL_SPANS + 9) == float(ARRIVAL_SPANS + 9)
    assert table.arrival_after(ARRIVAL_SPANS + 10) is None  # no change after the last
