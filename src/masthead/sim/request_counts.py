"""`RequestCounts`: the API requests the simulator answered, by client, verb and resource.

Shown under `requests` in `GET /_sim/state` so a benchmark (or a test) can tell what one client
asks of the API server at steady state — e.g. that masthead's only LISTs are metrics polls —
while other clients (kubectl, the Python client) talk to the same server. The client is the
User-Agent's product (up to its first `/`, as upstream derives the default field manager).
"""

from __future__ import annotations

from collections import Counter

from masthead.sim.managedfields import manager_from_user_agent

# Distinct (client, verb, resource) keys kept; past the cap a request is counted only in
# `overflow` (a flood of made-up User-Agents must not grow the simulator's memory).
MAX_KEYS = 2048
UNKNOWN_AGENT = "unknown"


class RequestCounts:
    def __init__(self, max_keys: int = MAX_KEYS) -> None:
        self.max_keys = max_keys
        self.counts: Counter[tuple[str, str, str]] = Counter()
        self.overflow = 0

    def record(self, user_agent: str, verb: str, resource: str) -> None:
        """Count one request; `resource` is `group/resource` (`resource` for the core group)."""
        key = (manager_from_user_agent(user_agent) or UNKNOWN_AGENT, verb, resource)
        if key not in self.counts and len(self.counts) >= self.max_keys:
            self.overflow += 1
            return
        self.counts[key] += 1

    def to_json(self) -> dict[str, object]:
        """`{"byAgent": {agent: {verb: {resource: n}}}, "overflow": n}`."""
        by_agent: dict[str, dict[str, dict[str, int]]] = {}
        for (agent, verb, resource), n in sorted(self.counts.items()):
            by_agent.setdefault(agent, {}).setdefault(verb, {})[resource] = n
        return {"byAgent": by_agent, "overflow": self.overflow}
