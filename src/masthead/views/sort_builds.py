"""A page's sort order made ready before the page is built.

A table builds a column's sorted index the first time a page is sorted by it: ~0.1-0.3 s of
CPU at 100k rows. Built inside a request, that held the event loop, and every other request,
frame and watch event with it. Here the build runs a slice at a time (the store's
`step_sorted_build`: entries, runs, a merge, the changes made meanwhile replayed) with the loop
given back between slices, before the page is built; several pages waiting on one column step
the same build.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from typing import Any

from masthead.store.table import Table
from masthead.views.catalogue import ViewSpec
from masthead.views.query import ViewQuery


def sort_column(view: ViewSpec, query: ViewQuery) -> str | None:
    """The column whose sorted index the page reads; None for a count (`limit=0`). A metric
    sort reads every match in name order (views/page.py)."""
    if query.limit == 0:
        return None
    return "name" if view.is_metric(query.sort) else query.sort


def unbuilt_sorts(tables: Sequence[Table[Any]], column: str | None) -> list[Table[Any]]:
    """The tables that would build the column's sorted index inside the page build."""
    if column is None:
        return []
    return [
        t
        for t in tables
        if column not in t.sorted_built and (c := t.columns.get(column)) is not None and c.sortable
    ]


async def build_sorts(tables: Sequence[Table[Any]], column: str | None) -> bool:
    """Build the column's sorted index on every table lacking it, a slice per loop turn; True
    when there was one to build (the tables may have changed while this waited)."""
    pending = unbuilt_sorts(tables, column)
    for table in pending:
        assert column is not None  # unbuilt_sorts found tables to build it on
        for _ in _slices(table, column):
            await asyncio.sleep(0)  # the loop's other work: requests, frames, watch events
    return bool(pending)


def _slices(table: Table[Any], column: str) -> Iterator[None]:
    """Yields after each slice of the build but the last."""
    while not table.step_sorted_build(column):
        yield
