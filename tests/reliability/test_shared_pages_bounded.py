"""The live socket's shared pages (api/live_pages.py) under a load's churn: the cache stays at
its cap and counts what it evicts, and a cached page holds only its encoded fragments — not
the built body's row dicts (~1,000 objects a 50-row page), nor a second copy of its rows in
the content every window keeps for the last page it sent (issue 8)."""

from __future__ import annotations

import gc

import orjson

from masthead.api.live_pages import SharedPage, SharedPages
from masthead.views.page import BuiltPage


def built(version: str, names: list[str], *, total: int = 100, state: str = "live") -> BuiltPage:
    rows = [{"uid": f"u-{n}", "name": n, "namespace": "default", "restarts": 0} for n in names]
    body: dict[str, object] = {
        "rows": rows,
        "sources": [{"id": "pods", "state": state, "items": 1234, "message": None}],
        "warnings": [],
        "truncated": False,
    }
    return BuiltPage(version, total, 0, tuple(names), body)


def test_the_cache_stays_at_its_cap_and_counts_evictions() -> None:
    cache = SharedPages(cap=3)
    for i in range(10):
        cache.put(f"v{i}", SharedPage.of(built(f"v{i}", [f"pod-{i}"])))
        assert len(cache) == min(i + 1, 3)
    assert cache.evicted == 7
    assert cache.get("v6") is None and cache.get("v9") is not None
    cache.get("v7")  # read: now the most recently used
    cache.put("v10", SharedPage.of(built("v10", ["pod-10"])))
    assert cache.get("v7") is not None and cache.get("v8") is None and cache.evicted == 8


def test_a_shared_page_holds_its_encoded_fragments_only() -> None:
    page = built("v1", [f"pod-{i}" for i in range(50)])
    shared = SharedPage.of(page)
    held = [x for x in gc.get_referents(shared) if x is not SharedPage]  # its fields
    assert all(isinstance(x, str | int | bool | bytes) for x in held), held
    assert not any(x is page or x is page.body for x in held)
    assert len(shared.content) == 16  # a digest, not the rows' JSON again


def test_frames_and_content_are_unchanged_by_the_lean_page() -> None:
    shared = SharedPage.of(built("v1", ["a", "b"]))
    frame = orjson.loads(shared.frame("s1", 4))
    assert frame == {
        "type": "page",
        "sub": "s1",
        "version": "v1",
        "total": 100,
        "offset": 0,
        "rows": [
            {"uid": "u-a", "name": "a", "namespace": "default", "restarts": 0},
            {"uid": "u-b", "name": "b", "namespace": "default", "restarts": 0},
        ],
        "sources": [{"id": "pods", "state": "live", "items": 1234, "message": None}],
        "warnings": [],
        "truncated": False,
        "seq": 4,
    }
    assert "seq" not in orjson.loads(shared.frame("s1", None))
    # Same rows, total, offset and states under another version: the window shows the same.
    assert SharedPage.of(built("v2", ["a", "b"])).content == shared.content
    assert SharedPage.of(built("v3", ["a", "c"])).content != shared.content
    assert SharedPage.of(built("v4", ["a", "b"], total=101)).content != shared.content
    assert SharedPage.of(built("v5", ["a", "b"], state="stale")).content != shared.content
