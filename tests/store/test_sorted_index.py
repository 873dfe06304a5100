"""SortedIndex read from any position, both directions, against a plainly sorted list."""

from __future__ import annotations

import functools
from unittest import mock

from hypothesis import given
from hypothesis import strategies as st

from masthead.store import sorted_index
from masthead.store.columns import Tiebreak
from masthead.store.sorted_index import SortedIndex

Entry = tuple[int | None, Tiebreak]

# Few distinct keys and tiebreaks: long equal-key groups, including ones past the peek limit.
entries = st.lists(
    st.tuples(
        st.none() | st.integers(0, 4),
        st.tuples(
            st.sampled_from(("a", "b")), st.sampled_from(("x", "y")), st.text("uv", max_size=6)
        ),
    ),
    unique_by=lambda e: e[1][2],
    max_size=80,
)


def expected_order(items: list[Entry], desc: bool) -> list[str]:
    def compare(a: Entry, b: Entry) -> int:
        (ka, ta), (kb, tb) = a, b
        if (ka is None) != (kb is None):
            return 1 if ka is None else -1
        if ka is not None and kb is not None and ka != kb:
            return (kb - ka) if desc else (ka - kb)
        return -1 if ta < tb else (1 if ta > tb else 0)

    return [tb[2] for _, tb in sorted(items, key=functools.cmp_to_key(compare))]


def check_every_position(index: SortedIndex, items: list[Entry]) -> None:
    for desc in (False, True):
        order = expected_order(items, desc)
        for position in range(len(items) + 2):
            assert list(index.uids_from(position, desc)) == order[position:]


@given(entries)
def test_bulk_built_index_reads_in_column_order(items: list[Entry]) -> None:
    check_every_position(SortedIndex(items), items)


@given(entries, st.data())
def test_incremental_index_reads_in_column_order(items: list[Entry], data: st.DataObject) -> None:
    index = SortedIndex()
    for value, tb in items:
        index.add(value, tb)
    removed = data.draw(
        st.sets(st.sampled_from(range(len(items))), max_size=len(items))
        if items
        else st.just(set())
    )
    for i in removed:
        index.remove(*items[i])
    kept = [e for i, e in enumerate(items) if i not in removed]
    assert len(index) == len(kept)
    check_every_position(index, kept)


@given(entries)
def test_groups_longer_than_the_peek_limit_come_out_in_tiebreak_order(items: list[Entry]) -> None:
    with mock.patch.object(sorted_index, "_GROUP_PEEK", 2):
        check_every_position(SortedIndex(items), items)


def test_a_huge_equal_key_group_reads_from_its_middle() -> None:
    items: list[Entry] = [(0, ("ns", f"pod-{i:05}", f"u{i}")) for i in range(1000)]
    items += [(5, ("ns", "hot", "h")), (None, ("ns", "pending", "p"))]
    index = SortedIndex(items)
    assert list(index.uids_from(0, desc=True))[:3] == ["h", "u0", "u1"]
    assert list(index.uids_from(501, desc=True)) == [f"u{i}" for i in range(500, 1000)] + ["p"]


@given(entries)
def test_position_is_where_the_row_is_read(items: list[Entry]) -> None:
    index = SortedIndex(items)
    ascending = expected_order(items, False)
    descending = expected_order(items, True)
    value_of = {tb[2]: key for key, tb in items}
    for key, tb in items:
        uid = tb[2]
        assert index.position(key, tb, desc=False) == ascending.index(uid)
        # Descending: exact up to the order inside the row's equal-value group.
        group = [i for i, other in enumerate(descending) if value_of[other] == key]
        if key is None:
            assert index.position(key, tb, desc=True) == descending.index(uid)
        else:
            assert group[0] <= index.position(key, tb, desc=True) <= group[-1]
