"""Rendered rows kept by row object, so a page re-built after a change elsewhere in its table
renders only the rows that changed.

Rows are immutable: a changed object is a new row, so a row object renders the same for a view
as long as it lives. Under churn every live window is rebuilt up to 10 times a second while
most of its rows stay the same objects; rendering them again was a third of a page build at
100k pods. Bounded: least recently used first out (counted in `evicted`); an entry holds its
row, so an id is never taken for another row's while its entry lives.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

# 20 windows of 100 rows in a few views, with room for scrolling: ~1 KB each.
DEFAULT_CAP = 16_384


class RenderedRows:
    def __init__(self, cap: int = DEFAULT_CAP) -> None:
        self.cap = cap
        self.hits = 0
        self.evicted = 0
        self._rows: OrderedDict[tuple[str, int], tuple[Any, dict[str, object]]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._rows)

    def render(
        self, view: str, row: Any, render: Callable[[Any], dict[str, object]]
    ) -> dict[str, object]:
        """`render(row)` for `view`, from the cache when this row object was rendered before;
        the caller's own copy (pages add overlay and join columns to it)."""
        key = (view, id(row))
        hit = self._rows.get(key)
        if hit is not None and hit[0] is row:
            self._rows.move_to_end(key)
            self.hits += 1
            return dict(hit[1])
        rendered = render(row)
        self._rows[key] = (row, rendered)
        self._rows.move_to_end(key)
        while len(self._rows) > self.cap:
            self._rows.popitem(last=False)
            self.evicted += 1
        return dict(rendered)

    def as_dict(self) -> dict[str, int]:
        return {"size": len(self), "cap": self.cap, "hits": self.hits, "evicted": self.evicted}


RENDERED_ROWS = RenderedRows()
