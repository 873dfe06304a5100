"""managedFields for generated objects, computed with the simulator's own FieldsV1 logic once
per object *shape* and replayed as pre-encoded bytes (`orjson.Fragment`) with placeholders
for what differs between objects of one shape (times, owner uid, IPs).
"""

from __future__ import annotations

import copy
from typing import Any

import orjson

from masthead.sim.managedfields import record_update

TIME = "@@TIME@@"
OWNER = "@@OWNER@@"
POD_IP = "@@POD_IP@@"
HOST_IP = "@@HOST_IP@@"


def _entry(managed: list[dict[str, Any]], manager: str, subresource: str) -> dict[str, Any]:
    for e in managed:
        if e.get("manager") == manager and e.get("subresource", "") == subresource:
            return e
    raise LookupError(manager)


class FieldsCache:
    """Encoded managedFields entries keyed by the caller's shape key."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, ...], bytes] = {}

    def entry(
        self,
        key: tuple[str, ...],
        obj: dict[str, Any],
        *,
        manager: str,
        api_version: str,
        before: dict[str, Any] | None = None,
        subresource: str = "",
    ) -> bytes:
        """The managedFields entry `manager` gets for writing `obj` (over `before`), encoded.
        Only the first object of each `key` is walked; later ones reuse its bytes."""
        found = self._entries.get(key)
        if found is None:
            out = record_update(
                copy.deepcopy(before) if before is not None else None,
                copy.deepcopy(obj),
                manager=manager,
                api_version=api_version,
                time=TIME,
                subresource=subresource or None,
            )
            found = orjson.dumps(_entry(out["metadata"]["managedFields"], manager, subresource))
            self._entries[key] = found
        return found


def fill(raw: bytes, **values: str) -> orjson.Fragment:
    """`raw` with each @@NAME@@ placeholder replaced (values must need no JSON escaping)."""
    for name, value in values.items():
        raw = raw.replace(f"@@{name.upper()}@@".encode(), value.encode())
    return orjson.Fragment(raw)
