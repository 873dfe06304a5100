"""`cordon` / `uncordon`: merge patch of a node's `spec.unschedulable`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from masthead.actions.base import MERGE_PATCH, Builder, Check, Plan, Target, name_of, patcher


def cordon_patch(unschedulable: bool) -> dict[str, Any]:
    # uncordon removes the field (kubectl's patch sends null: false is its default)
    return {"spec": {"unschedulable": True if unschedulable else None}}


def node_builder(action: str, unschedulable: bool) -> Builder:
    def build(body: Mapping[str, Any], now: Callable[[], float]) -> Plan:
        target = Target("", "v1", "nodes", "", name_of(body))
        return Plan(
            action,
            target,
            {"unschedulable": unschedulable},
            (Check("patch", "", "nodes"),),
            patcher(target, cordon_patch(unschedulable), MERGE_PATCH),
        )

    return build
