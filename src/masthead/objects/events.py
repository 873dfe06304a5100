"""Events of one object: the live ones (the events table) merged with the recorded history.

The history holds one entry per (event uid, count); an object's page shows each event once, in
its latest state: the history's newest entry for the uid, or the live row when the live row is
newer (its count not recorded yet, or no history at all). Newest first by last-seen time.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from masthead.store.projection.events import EventRow


def live_entry(cluster: str, row: EventRow) -> dict[str, Any]:
    """A live row in the history's entry shape (`id` and `recorded` are null: not recorded)."""
    return {
        "id": None,
        "cluster": cluster,
        "uid": row.uid,
        "count": row.count,
        "namespace": row.namespace,
        "name": row.name,
        "type": row.type,
        "reason": row.reason,
        "message": row.message,
        "object_kind": row.object_kind,
        "object_name": row.object_name,
        "object_uid": row.object_uid,
        "object_field": row.object_field,
        "source": row.source,
        "first_seen": row.first_seen,
        "last_seen": row.last_seen,
        "recorded": None,
    }


def _when(e: dict[str, Any]) -> float:
    for k in ("last_seen", "first_seen", "recorded"):
        v = e.get(k)
        if isinstance(v, int | float):
            return float(v)
    return 0.0


def merge_events(
    history: Iterable[dict[str, Any]],
    live: Iterable[dict[str, Any]],
    *,
    since: float | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """One entry per event uid (its highest count; history wins a tie), newest first."""
    best: dict[str, dict[str, Any]] = {}
    for e in (*history, *live):
        cur = best.get(e["uid"])
        if cur is None or e["count"] > cur["count"]:
            best[e["uid"]] = e
    out = [e for e in best.values() if since is None or _when(e) >= since]
    out.sort(key=lambda e: (_when(e), e["id"] or 0), reverse=True)
    return out[:limit]
