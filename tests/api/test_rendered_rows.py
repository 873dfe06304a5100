"""Rendered rows are reused only for the very row object they were rendered from, handed out
as the caller's own copy, and bounded (least recently used out, counted)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from masthead.views.rendered import RenderedRows


@dataclass(frozen=True)
class Row:
    uid: str
    status: str


class Renders:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, row: Any) -> dict[str, object]:
        self.calls += 1
        return {"uid": row.uid, "status": row.status}


def test_a_row_object_renders_once_and_each_caller_gets_its_own_copy() -> None:
    cache, render = RenderedRows(cap=10), Renders()
    row = Row("a", "Running")
    first = cache.render("pods", row, render)
    first["cpu"] = 0.5  # a page adds its overlay to its own copy
    second = cache.render("pods", row, render)
    assert second == {"uid": "a", "status": "Running"} and render.calls == 1
    assert cache.hits == 1
    # A changed object is a new row: rendered again, even with an equal uid.
    changed = Row("a", "Failed")
    assert cache.render("pods", changed, render)["status"] == "Failed"
    # Another view renders the same row its own way.
    cache.render("browse/core/v1/pods", row, render)
    assert render.calls == 3


def test_past_the_cap_the_least_recently_used_go_and_are_counted() -> None:
    cache, render = RenderedRows(cap=2), Renders()
    rows = [Row(str(i), "Running") for i in range(3)]
    cache.render("pods", rows[0], render)
    cache.render("pods", rows[1], render)
    cache.render("pods", rows[0], render)  # rows[1] is now the least recently used
    cache.render("pods", rows[2], render)
    assert (len(cache), cache.evicted) == (2, 1)
    calls = render.calls
    cache.render("pods", rows[0], render)
    assert render.calls == calls  # kept
    cache.render("pods", rows[1], render)
    assert render.calls == calls + 1  # evicted: rendered again
    assert cache.as_dict() == {"size": 2, "cap": 2, "hits": 2, "evicted": 2}
