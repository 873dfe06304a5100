"""Every plan the query planner can pick must give the oracle's page: the planner's cost
constants are forced to each extreme so the choice never hides a wrong path."""

from __future__ import annotations

import dataclasses
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from masthead.store import query as query_module
from masthead.store.query import Page, Query, QueryError, query_table, query_tables
from masthead.store.table import Table
from tests.store.synthetic import COLUMNS, OWN_INDEX_COLUMNS, PodLike, oracle, queries, rows

ALWAYS, NEVER = 0, 10**9

# (sort cost in walk steps, row count cost in probes): ALWAYS sorts matches (a heap selects an
# ascending page) and counts facets by intersection; NEVER walks the index (or, when a walk
# cannot, sorts every match) and counts facets row by row.
PLANS = [(ALWAYS, ALWAYS), (NEVER, NEVER)]


def table_of(items: list[PodLike]) -> Table[PodLike]:
    table = Table(COLUMNS)
    for row in items:
        table.upsert(row)
    return table


@pytest.mark.parametrize(("sort_cost", "count_cost"), PLANS)
@settings(max_examples=300, deadline=None)
@given(items=st.lists(rows(uids=40), min_size=8, max_size=40), q=queries())
def test_single_table_plans_match_oracle(
    sort_cost: int, count_cost: int, items: list[PodLike], q: Query
) -> None:
    table = table_of(items)
    expected = oracle(list(table.rows()), q)
    with (
        mock.patch.object(query_module, "_SORT_COST_IN_WALK_STEPS", sort_cost),
        mock.patch.object(query_module, "_ROW_COUNT_COST_IN_PROBES", count_cost),
        mock.patch.object(query_module, "_SELECT_SHARE", count_cost),
    ):
        page = query_table(table, q)
    assert [r.uid for r in page.rows] == expected.uids
    assert page.total == expected.total
    assert page.facet_counts == expected.facet_counts


@pytest.mark.parametrize(("sort_cost", "count_cost"), PLANS)
@settings(max_examples=150, deadline=None)
@given(
    a=st.lists(rows("a", uids=20), max_size=20),
    b=st.lists(rows("b", uids=20), max_size=20),
    q=queries(),
)
def test_merged_tables_plans_match_oracle(
    sort_cost: int, count_cost: int, a: list[PodLike], b: list[PodLike], q: Query
) -> None:
    tables = [table_of(a), table_of(b)]
    expected = oracle([*tables[0].rows(), *tables[1].rows()], q)
    with (
        mock.patch.object(query_module, "_SORT_COST_IN_WALK_STEPS", sort_cost),
        mock.patch.object(query_module, "_ROW_COUNT_COST_IN_PROBES", count_cost),
        mock.patch.object(query_module, "_SELECT_SHARE", count_cost),
    ):
        page = query_tables(tables, q)
    assert [r.uid for r in page.rows] == expected.uids
    assert page.total == expected.total
    assert page.facet_counts == expected.facet_counts


@pytest.mark.parametrize(
    "q",
    [
        Query(sort="owner"),
        Query(sort="nope"),
        Query(sort="name", facets={"restarts": frozenset({1})}),
        Query(sort="name", offset=-1),
        Query(sort="name", limit=-1),
    ],
)
def test_unsortable_unfacetable_or_negative_windows_are_refused(q: Query) -> None:
    with pytest.raises(QueryError):
        query_table(Table(COLUMNS), q)


def test_no_tables_give_an_empty_page() -> None:
    page: Page[PodLike] = query_tables([], Query(sort="name"))
    assert (page.rows, page.total, page.version, page.facet_counts) == ((), 0, 0, {})


def test_facet_counts_only_when_asked() -> None:
    table = table_of(
        [
            PodLike("u1", "ns1", "web-1", {}, "n1", (), "Running", 0, 1.0),
            PodLike("u2", "ns1", "web-2", {}, None, (), "Pending", 0, 1.0),
            PodLike("u3", "ns2", "db-1", {}, "n1", (), "Running", 0, 1.0),
        ]
    )
    running = {"status": frozenset({"Running"})}
    plain = query_table(table, Query(sort="name", facets=running))
    counted = query_table(table, Query(sort="name", facets=running, count_facets=True))
    assert [r.uid for r in plain.rows] == [r.uid for r in counted.rows] == ["u3", "u1"]
    assert plain.facet_counts == {}
    assert counted.facet_counts == {
        "namespace": {"ns1": 1, "ns2": 1},
        "status": {"Running": 2, "Pending": 1},  # its own filter left out
        "node": {"n1": 2},
    }


@pytest.mark.parametrize(
    "q",
    [
        Query(sort="name", limit=0),
        Query(sort="name", limit=0, namespaces=frozenset({"ns1", "absent"})),
        Query(sort="name", limit=0, facets={"status": frozenset({"Running", "Failed"})}),
        Query(sort="name", limit=0, facets={"node": frozenset({None})}),
        Query(sort="name", limit=0, facets={"node": frozenset({"n1"}), "status": frozenset()}),
        # Not answered from one index's counts: matched as any page.
        Query(sort="name", limit=0, facets={"node": frozenset({"n1"})}, text="web"),
        Query(
            sort="name", limit=0, namespaces=frozenset({"ns1"}), facets={"node": frozenset({"n1"})}
        ),
    ],
)
def test_counts_of_limit_zero_pages_equal_the_oracle(q: Query) -> None:
    items = [
        PodLike("u1", "ns1", "web-1", {}, "n1", (), "Running", 0, 1.0),
        PodLike("u2", "ns1", "web-2", {}, None, (), "Pending", 0, 1.0),
        PodLike("u3", "ns2", "db-1", {}, "n1", (), "Failed", 0, 1.0),
        PodLike("u4", "kube", "api", {}, "n2", (), "Running", 0, 1.0),
    ]
    for table in (table_of(items), Table(OWN_INDEX_COLUMNS)):
        if len(table) == 0:
            for row in items:
                table.upsert(row)
        page = query_table(table, q)
        assert page.rows == ()
        assert page.total == oracle(items, q).total


@settings(max_examples=100, deadline=None)
@given(items=st.lists(rows(uids=40), min_size=8, max_size=40), q=queries())
def test_a_query_that_counts_no_facets_gives_the_same_page_without_counts(
    items: list[PodLike], q: Query
) -> None:
    table = table_of(items)
    counted = query_table(table, dataclasses.replace(q, count_facets=True))
    uncounted = query_table(table, dataclasses.replace(q, count_facets=False))
    assert (uncounted.rows, uncounted.total, uncounted.version) == (
        counted.rows,
        counted.total,
        counted.version,
    )
    assert uncounted.facet_counts == {}
    assert counted.facet_counts or not items
