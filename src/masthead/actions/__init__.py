"""Actions on cluster objects (issue 9): what each one asks of the API server.

`plan(action, body)` validates a request body and returns a `Plan`: the target object, the
parameters worth recording, the permission checks (SSAR attributes) to pass first, whether the
action is destructive (confirmation on "confirm" contexts), and `run`, which sends the
request(s) with the cluster's own credentials and returns the API server's answer unchanged.
Guard rails (read-only and confirm contexts, permission pre-check, audit) live in
`masthead.api.actions`; this package only knows Kubernetes. One module per action family:

- `workloads`: scale, restart;       `rollout`: rollback (+ the revision history);
- `deletion`: delete (force), remove-finalizers;   `apply`: server-side apply;
- `nodes`: cordon, uncordon;         `drain`: cordon + evictions, run in the background;
- `cronjobs`: suspend, resume, trigger.

`dry_run` sends `dryRun=All`: the API server validates and answers as if it had written.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from masthead.actions.apply import apply
from masthead.actions.base import ActionInvalid, Answer, Builder, Check, Plan, Target
from masthead.actions.cronjobs import INSTANTIATE, suspension_builder, trigger
from masthead.actions.deletion import delete, remove_finalizers
from masthead.actions.drain import drain
from masthead.actions.nodes import node_builder
from masthead.actions.rollout import rollback
from masthead.actions.workloads import RESTARTED_AT, restart, scale

__all__ = [
    "ACTIONS",
    "INSTANTIATE",
    "RESTARTED_AT",
    "ActionInvalid",
    "Answer",
    "Check",
    "Plan",
    "Target",
    "plan",
]

_BUILDERS: dict[str, Builder] = {
    "scale": scale,
    "restart": restart,
    "rollback": rollback,
    "delete": delete,
    "remove-finalizers": remove_finalizers,
    "apply": apply,
    "cordon": node_builder("cordon", True),
    "uncordon": node_builder("uncordon", False),
    "drain": drain,
    "suspend": suspension_builder("suspend", True),
    "resume": suspension_builder("resume", False),
    "trigger": trigger,
}
ACTIONS = tuple(_BUILDERS)


def plan(action: str, body: Mapping[str, Any], now: Callable[[], float] = time.time) -> Plan:
    """The plan for `action` with request `body`; `ActionInvalid` when the body is wrong."""
    build = _BUILDERS.get(action)
    if build is None:
        raise ActionInvalid("action", f"unknown action {action!r} (one of {', '.join(ACTIONS)})")
    return build(body, now)
