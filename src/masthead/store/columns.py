"""Declarative column specs and the total order every sorted page follows.

The order of rows for a column, ascending:
  1. rows with a value, by value;
  2. rows without one (the key returned None), last;
  3. ties, in both groups, by (namespace, name, uid).
Descending reverses only step 1: values high to low, ties still by (namespace, name, uid)
ascending, rows without a value still last. kubectl only sorts ascending; a dashboard's
descending sort answers "top N" questions (most restarts, oldest, most CPU) where a row without
the value is never an answer, and a name order inside ties reads the same both ways. The uid
makes the order total, so a page boundary never moves between two identical queries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from masthead.store.rows import TableRow

# A column value. One column always yields one comparable family (str, or int/float): keys of
# different families in one column cannot be ordered. NaN is not a valid value.
SortValue = str | int | float
# Facet buckets include "no value" so the counts always add up to the total.
FacetValue = SortValue | None
# (namespace, name, uid): the tiebreak that makes every column order total.
Tiebreak = tuple[str, str, str]

ColumnType = Literal["string", "int", "float", "time", "duration", "quantity", "bool"]

ColumnRowT = TypeVar("ColumnRowT", contravariant=True)


@dataclass(frozen=True, slots=True, kw_only=True)
class Column(Generic[ColumnRowT]):
    """One column of a view's table.

    `key` extracts the value used for sorting, faceting and (as text) searching; `type` tells
    the UI how to render it: "time" values are epoch seconds, "duration" seconds, "quantity"
    base units (bytes, cores).
    """

    id: str
    title: str
    type: ColumnType
    key: Callable[[ColumnRowT], SortValue | None]
    sortable: bool = True
    facet: bool = False
    text: bool = False


def row_namespace(row: TableRow) -> str:
    """The key of a namespace column: a faceted column with this key shares its value index
    with the table's `by_namespace`."""
    return row.namespace


def row_node(row: TableRow) -> str | None:
    """The key of a node column: a faceted column with this key shares its value index with
    the table's `by_node` (which then also holds the rows without a node, under None)."""
    return row.node


def tiebreak(row: TableRow) -> Tiebreak:
    return (row.namespace, row.name, row.uid)
