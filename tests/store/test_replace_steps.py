"""Table.replace_steps: a relist in slices, readers never see half a rebuild."""

from __future__ import annotations

from masthead.store.query import Query, query_table
from masthead.store.table import Table
from tests.store.synthetic import COLUMNS, PodLike


def _pod(i: int, status: str = "Running") -> PodLike:
    return PodLike(
        uid=f"u{i:05d}",
        namespace=f"ns{i % 3}",
        name=f"pod-{i:05d}",
        labels={"app": f"a{i % 5}"},
        node=f"n{i % 4}",
        owner_uids=(),
        status=status,
        restarts=i % 7,
        age=float(i),
    )


def test_a_rebuild_is_swapped_in_whole_after_yielding_in_slices() -> None:
    table: Table[PodLike] = Table(COLUMNS, eager_sorts=("name",))
    table.replace([_pod(i) for i in range(100)])
    table.sorted_index("restarts")  # built before the relist: rebuilt with it
    new_rows = [_pod(i, "Pending") for i in range(50, 1050)]

    steps = table.replace_steps(new_rows, step=100)
    slices = 0
    while True:
        try:
            next(steps)
        except StopIteration as done:
            counts = done.value
            break
        slices += 1
        # Mid-rebuild, readers see the old rows, whole and indexed.
        page = query_table(table, Query(sort="name", limit=1000))
        assert page.total == 100 and {r.status for r in page.rows} == {"Running"}

    assert slices >= 10  # 1000 rows indexed in slices of 100
    assert (counts.added, counts.updated, counts.deleted) == (950, 50, 50)
    assert len(table) == 1000 and table.sorted_built == {"name", "restarts"}
    page = query_table(table, Query(sort="restarts", desc=True, limit=3))
    top = sorted(new_rows, key=lambda r: (-(r.restarts or 0), r.namespace, r.name, r.uid))[:3]
    assert list(page.rows) == top
    assert query_table(table, Query(sort="name", text="a1 pending", limit=0)).total == 200


def test_a_small_difference_is_applied_row_by_row_and_counts_versions() -> None:
    table: Table[PodLike] = Table(COLUMNS)
    table.replace([_pod(i) for i in range(1000)])
    version = table.version
    rows = [_pod(i, "Failed") if i < 10 else _pod(i) for i in range(5, 1000)]
    counts = table.replace(rows)
    assert (counts.added, counts.updated, counts.deleted) == (0, 5, 5)
    assert table.version == version + 10
    assert set(table.facet_index("status").counts().items()) == {("Failed", 5), ("Running", 990)}
