"""Initial-sync figures (`sync.pods`) of the reflector against the floor and kubectl.

20k pods in both modes: the 100k `sync.pods` is bench/peer_sync.py's. kubectl only in the quick
run, once: the full run's peer_sync runs it (and every other peer) at 100k; three kubectl lists
here took 147 of this module's 218 s in the first full run (24x masthead's sync), which the
quick run's 6 minutes cannot hold.
"""

from __future__ import annotations

from bench import kube_sync
from bench.results_format import Figure


def run(mode: str) -> list[Figure]:
    # Two rounds in the quick run (its 6 minutes), three in the full one.
    rounds = 2 if mode == "quick" else 3
    figures, _ = kube_sync.run(20_000, rounds, kubectl=mode == "quick", kubectl_runs=1)
    return figures
