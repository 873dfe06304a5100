"""Peers of masthead's pod sync, one small module each, every one run in its own child process
so its RSS is its own (see bench/peer_sync.py for the interleaved runs and the figures).

Each Python peer module has `sync(kubeconfig) -> dict` (or `async def sync`) that, starting
after its imports, loads the simulator's kubeconfig (context `admin`, HTTPS with the
simulator's self-signed CA inline as certificate-authority-data), builds a complete in-memory
copy of every pod the way that client's users do, and returns
`{"seconds", "objects", "pages", "watch"}`; `runner.py` adds the child's own RSS after a full
GC. `client_node.mjs` does the same in Node; kubectl is timed from outside (`runner.py`).
"""

from __future__ import annotations

# Stable peer names (../shared/design/benchmarks.md), in the order they run each round.
PEERS = (
    "floor",
    "kubectl",
    "python-kubernetes",
    "kubernetes-asyncio",
    "lightkube",
    "kr8s",
    "client-node",
)
