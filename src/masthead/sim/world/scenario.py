"""Scenario knobs and the named scenarios (`masthead sim --scenario ...`)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

SCENARIO_NAMES = ("empty", "demo", "small", "large", "huge", "restricted")


@dataclass(frozen=True)
class WorldKnobs:
    """What to generate. Counts are of generated workloads; DaemonSet, control-plane, job and
    StatefulSet pods come on top of `deployments * pods_per_deployment`."""

    nodes: int = 20
    # Generated application namespaces (besides the system ones and, for `demo`, the curated).
    namespaces: int = 20
    deployments: int = 100
    pods_per_deployment: int = 8
    crds: int = 2
    seed: int = 1
    # The demo's hand-written company (named apps, each failure state, Helm releases).
    curated: bool = False
    # Fraction of generated deployments in a failure state (crash loop, image pull, OOM, ...).
    failure_rate: float = 0.01
    # Bind the restricted user in this many generated namespaces (`Simulator.grant`).
    restricted_namespaces: int = 0
    # Anchor for every timestamp (Unix seconds); None: the build's wall clock, to the minute.
    epoch: float | None = None

    @property
    def expected_deployment_pods(self) -> int:
        return self.deployments * self.pods_per_deployment


SCENARIOS: dict[str, WorldKnobs] = {
    "demo": WorldKnobs(
        nodes=10, namespaces=0, deployments=45, pods_per_deployment=5, crds=2, curated=True
    ),
    "small": WorldKnobs(nodes=20, namespaces=20, deployments=115, pods_per_deployment=8),
    "large": WorldKnobs(
        nodes=2000, namespaces=500, deployments=10_000, pods_per_deployment=10, crds=4
    ),
    "huge": WorldKnobs(
        nodes=5000, namespaces=1000, deployments=30_000, pods_per_deployment=10, crds=4
    ),
    "restricted": WorldKnobs(
        nodes=20,
        namespaces=60,
        deployments=115,
        pods_per_deployment=8,
        restricted_namespaces=50,
    ),
}


def scenario_knobs(name: str, **overrides: Any) -> WorldKnobs | None:
    """The knobs of scenario `name` with `overrides` (None values ignored); None for `empty`."""
    if name == "empty":
        return None
    if name not in SCENARIOS:
        raise ValueError(f"unknown scenario {name!r} (known: {', '.join(SCENARIO_NAMES)})")
    changes = {k: v for k, v in overrides.items() if v is not None}
    return dataclasses.replace(SCENARIOS[name], **changes)
