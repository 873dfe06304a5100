"""SortedIndexBuild (a sorted index built a slice at a time, changes replayed) and a table's
first sort by a column while the build is under way."""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from masthead.store import sorted_index
from masthead.store.query import Query, query_table
from masthead.store.sorted_index import SORTED_BUILDS, SortedIndex, SortedIndexBuild
from masthead.store.table import Table
from tests.store.synthetic import COLUMNS, PodLike, oracle
from tests.store.test_sorted_index import Entry, check_every_position, entries


@dataclass(frozen=True)
class Row:
    value: int | None
    namespace: str
    name: str
    uid: str
    labels: dict[str, str] = field(default_factory=dict)
    node: str | None = None
    owner_uids: tuple[str, ...] = ()


def row_of(entry: Entry) -> Row:
    value, (namespace, name, uid) = entry
    return Row(value, namespace, name, uid)


def built_stepwise(build: SortedIndexBuild) -> tuple[SortedIndex, int]:
    steps = 1
    while (index := build.step()) is None:
        steps += 1
    return index, steps


# Changes made before each step: (remove an existing row?, which one, the new row's value).
changes = st.lists(
    st.lists(
        st.tuples(st.booleans(), st.integers(0, 99), st.none() | st.integers(0, 4)), max_size=3
    ),
    max_size=40,
)


@given(entries, st.integers(1, 5), changes)
def test_a_stepped_build_with_changes_between_steps_reads_like_the_rows_now(
    items: list[Entry], step: int, batches: list[list[tuple[bool, int, int | None]]]
) -> None:
    build = SortedIndexBuild([row_of(e) for e in items], attrgetter("value"), step)
    now = dict((e[1][2], e) for e in items)  # uid → entry, as the table holds them
    fresh = 0
    for batch in [*batches, *([[]] * (len(items) + 200))]:
        # What Table does between steps: remove the old entry, add the new one.
        for remove, pick, value in batch:
            if remove and now:
                build.remove(*now.pop(sorted(now)[pick % len(now)]))
            else:
                entry: Entry = (value, ("a", "z", f"new{fresh}"))
                fresh += 1
                build.add(*entry)
                now[entry[1][2]] = entry
        index = build.step()
        if index is not None:
            break
    assert index is not None
    assert build.step() is index  # done: the same index on every later call
    index._present._check()  # the sublists filled by hand satisfy SortedList's invariants
    index._missing._check()
    assert len(index) == len(now)
    check_every_position(index, list(now.values()))


def test_a_large_build_takes_one_step_per_slice_of_rows() -> None:
    items: list[Entry] = [(i % 7 or None, ("ns", f"p{i:05}", f"u{i}")) for i in range(10_000)]
    index, steps = built_stepwise(
        SortedIndexBuild([row_of(e) for e in items], attrgetter("value"), 1000)
    )
    # 10 slices of entries, then the merge of each family a 1000-entry sublist a step.
    assert 15 <= steps <= 24
    index._present._check()
    assert list(index.uids_from(0, desc=True))[:2] == ["u6", "u13"]
    assert list(index.uids_from(len(items) - 1, desc=False)) == ["u9996"]


def test_a_change_log_at_its_cap_finishes_the_build_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sorted_index, "BUILD_LOG_CAP", 3)
    items: list[Entry] = [(i, ("ns", f"p{i}", f"u{i}")) for i in range(50)]
    build = SortedIndexBuild([row_of(e) for e in items], attrgetter("value"), 1)
    assert build.step() is None
    for i in range(3):
        build.add(100 + i, ("ns", f"q{i}", f"v{i}"))
    forced = SORTED_BUILDS.forced
    index = build.step()  # the next step, whatever was left
    assert index is not None and SORTED_BUILDS.forced == forced + 1
    assert list(index.uids_from(0, desc=True))[:4] == ["v2", "v1", "v0", "u49"]


def pod(i: int, restarts: int | None) -> PodLike:
    return PodLike(
        uid=f"u{i:05}",
        namespace=("ns1", "ns2", "kube")[i % 3],
        name=f"web-{i % 97}",
        labels={"app": "web"} if i % 2 else {},
        node=("n1", "n2", None)[i % 3],
        owner_uids=(),
        status=("Running", "Pending")[i % 2],
        restarts=restarts,
        age=float(i % 1000),
    )


def test_queries_and_changes_while_a_table_builds_a_sort_answer_correctly() -> None:
    table: Table[PodLike] = Table(COLUMNS)
    model = {p.uid: p for p in (pod(i, i % 5 or None) for i in range(3000))}
    table.replace(model.values())
    top = Query(sort="restarts", desc=True, limit=20)
    by_name = Query(sort="name", offset=1500, limit=20)
    running = Query(sort="restarts", facets={"status": frozenset({"Running"})}, limit=20)

    def check(q: Query) -> None:
        assert [r.uid for r in query_table(table, q).rows] == oracle(list(model.values()), q).uids

    assert table.step_sorted_build("restarts", 250) is False
    for i in range(0, 3000, 5):  # churn between the build's steps
        if i % 3 == 0:
            table.delete(f"u{i:05}")
            del model[f"u{i:05}"]
        else:
            model[f"u{i:05}"] = pod(i, 1000 + i)  # a new top restart count
            table.upsert(model[f"u{i:05}"])
        if i % 200 == 0:
            table.upsert(new := pod(3000 + i, 7))
            model[new.uid] = new
            assert table.step_sorted_build("restarts") is False
            check(by_name)  # another column's index meanwhile (built at once)
            assert "restarts" not in table.sorted_built
    while not table.step_sorted_build("restarts"):
        pass
    assert "restarts" in table.sorted_built
    check(top)
    check(running)
    # A page asked for while a build is under way finishes it at once and answers the same.
    assert table.step_sorted_build("age", 100) is False
    table.upsert(changed := pod(1, 5000))
    model[changed.uid] = changed
    check(Query(sort="age", desc=True, offset=10, limit=50))
    assert "age" in table.sorted_built


def test_a_relist_during_a_build_leaves_the_rebuilt_index_in_place() -> None:
    table: Table[Any] = Table(COLUMNS)
    table.replace(pod(i, i) for i in range(100))
    assert table.step_sorted_build("restarts", 10) is False
    fresh = [pod(i, 2 * i) for i in range(200, 260)]
    table.replace(fresh)  # most rows changed: every index rebuilt on the side, swapped in
    assert table.step_sorted_build("restarts") is True
    page = query_table(table, Query(sort="restarts", desc=True, limit=3))
    assert [r.uid for r in page.rows] == ["u00259", "u00258", "u00257"]
