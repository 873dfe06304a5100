"""Initial-sync figures (`sync.pods`) of the reflector against the floor and kubectl."""

from __future__ import annotations

from bench import kube_sync
from bench.results_format import Figure


def run(mode: str) -> list[Figure]:
    figures, _ = kube_sync.run(20_000 if mode == "quick" else 100_000, 3)
    return figures
