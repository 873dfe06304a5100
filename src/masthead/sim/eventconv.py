"""core/v1 Event <-> events.k8s.io/v1 Event: one stored object, two sets of field names.

Events are stored in core/v1 form; reads and writes through events.k8s.io/v1 convert on the way.
Upstream converts through the internal type, so empty optional fields vanish and non-omitempty
ones (`eventTime`, `deprecatedSource`, the deprecated timestamps, `reportingComponent`) appear
with their Go zero values; `canonical_order` adds those and puts keys in Go struct order.
"""

from __future__ import annotations

import copy
from typing import Any

from masthead.sim.defaults import canonical_order
from masthead.sim.resources import builtin

Obj = dict[str, Any]

_CORE = builtin("", "events")
_EVENTS_V1 = builtin("events.k8s.io", "events")

# (core/v1 field, events.k8s.io/v1 field); both APIs share every other field name.
_RENAMED = (
    ("involvedObject", "regarding"),
    ("message", "note"),
    ("source", "deprecatedSource"),
    ("firstTimestamp", "deprecatedFirstTimestamp"),
    ("lastTimestamp", "deprecatedLastTimestamp"),
    ("count", "deprecatedCount"),
    ("reportingComponent", "reportingController"),
)
_SHARED = ("eventTime", "series", "reportingInstance", "action", "reason", "related", "type")


def _convert(obj: Obj, pairs: tuple[tuple[str, str], ...], api_version: str) -> Obj:
    out: Obj = {"kind": "Event", "apiVersion": api_version}
    if "metadata" in obj:
        out["metadata"] = copy.deepcopy(obj["metadata"])
    for src, dst in (*pairs, *((f, f) for f in _SHARED)):
        value = obj.get(src)
        # Go drops empty values on the way through the internal type; zeros come back later.
        if value not in (None, "", 0):
            out[dst] = copy.deepcopy(value)
    return out


def core_to_events_v1(obj: Obj) -> Obj:
    """A core/v1 Event as events.k8s.io/v1 serves it."""
    return canonical_order(_EVENTS_V1, _convert(obj, _RENAMED, "events.k8s.io/v1"))


def events_v1_to_core(obj: Obj) -> Obj:
    """An events.k8s.io/v1 Event as core/v1 serves (and the simulator stores) it."""
    reverse = tuple((dst, src) for src, dst in _RENAMED)
    return canonical_order(_CORE, _convert(obj, reverse, "v1"))
