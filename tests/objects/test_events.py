"""Merging an object's live events with its recorded history."""

from __future__ import annotations

from typing import Any

from masthead.objects.events import merge_events


def entry(uid: str, count: int, last: float, id_: int | None = 1) -> dict[str, Any]:
    return {"id": id_, "uid": uid, "count": count, "last_seen": last, "first_seen": 0.0}


def test_one_entry_per_event_in_its_latest_state_newest_first() -> None:
    history = [entry("a", 2, 20, 5), entry("a", 1, 10, 3), entry("b", 1, 30, 4)]
    live = [entry("a", 3, 40, None), entry("b", 1, 30, None), entry("c", 1, 5, None)]
    out = merge_events(history, live)
    assert [(e["uid"], e["count"], e["id"]) for e in out] == [
        ("a", 3, None),  # live is ahead of the history
        ("b", 1, 4),  # a tie: the recorded entry (it has an id)
        ("c", 1, None),
    ]


def test_since_and_limit() -> None:
    history = [entry(u, 1, t) for u, t in (("a", 10), ("b", 20), ("c", 30))]
    assert [e["uid"] for e in merge_events(history, [], since=15)] == ["c", "b"]
    assert [e["uid"] for e in merge_events(history, [], limit=1)] == ["c"]
