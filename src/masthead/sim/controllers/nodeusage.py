"""What the pods bound to each node request (cpu, memory, pod count), kept from pod events
like the upstream scheduler cache's NodeInfo.Requested.

A node's sums are built from its pods the first time the scheduler asks for it, then moved by
each pod event: a bind adds one pod's requests, a departure or terminal phase subtracts them.
Re-summing a node's ~50 pods after every arrival decoded each one whose status had moved since
(a fifth of the simulator's CPU under churn at `large`). A pod's requests are read once, when
it joins a node's sums, and again only if its spec bytes change (the resize subresource).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from masthead.sim.store import DELETED, Stored, WatchEvent

TERMINAL = ("Succeeded", "Failed")


@dataclass(slots=True)
class _Counted:
    """One pod inside a node's sums, with what it added."""

    uid: str
    node: str
    cpu_m: int
    mem: int


@dataclass(slots=True)
class Usage:
    cpu_m: int = 0
    mem: int = 0
    pods: int = 0


def counts(s: Stored) -> bool:
    """Whether a pod version takes room on its node: bound and not finished."""
    return bool(s.fields.get("spec.nodeName")) and s.fields.get("status.phase") not in TERMINAL


def spec_bytes(raw: bytes) -> bytes:
    """The encoded spec (metadata comes first, status last; a pod's spec holds no
    `"status":` key of its own, so the slice ends at the pod's status)."""
    i = raw.find(b'"spec":')
    if i < 0:
        return b""
    j = raw.find(b'"status":', i)
    return raw[i:j] if j >= 0 else raw[i:]


class NodeUsage:
    """Requested sums per node. Exact for every node it has loaded, as long as `observe` sees
    every pod event after the load (the store's observers run inside each write). Entries
    follow the stored pods (a node's sums go with its last counted pod), so they need no cap."""

    def __init__(
        self,
        pods_on: Callable[[str], Iterable[Stored]],
        requests: Callable[[Stored], tuple[int, int]],
    ) -> None:
        self._pods_on = pods_on
        self._requests = requests
        self._nodes: dict[str, Usage] = {}
        self._pods: dict[tuple[str, str], _Counted] = {}
        self.loads = 0  # nodes summed from their pods (first use, or after their last pod left)

    def get(self, node: str) -> Usage:
        """The node's sums (shared: callers must not change them)."""
        u = self._nodes.get(node)
        if u is None:
            u = self._load(node)
        return u

    def _load(self, node: str) -> Usage:
        self.loads += 1
        u = Usage()
        self._nodes[node] = u
        for s in self._pods_on(node):
            if counts(s) and s.fields.get("spec.nodeName") == node:
                self._add(s, u)
        return u

    def _add(self, s: Stored, u: Usage) -> None:
        cpu, mem = self._requests(s)
        self._pods[(s.namespace, s.name)] = _Counted(s.uid, node_of(s), cpu, mem)
        u.cpu_m += cpu
        u.mem += mem
        u.pods += 1

    def _remove(self, key: tuple[str, str], c: _Counted) -> None:
        del self._pods[key]
        u = self._nodes[c.node]
        u.cpu_m -= c.cpu_m
        u.mem -= c.mem
        u.pods -= 1
        if not u.pods:  # summed again from its pods if asked: entries follow the stored pods
            del self._nodes[c.node]

    def observe(self, ev: WatchEvent) -> None:
        s = ev.obj
        key = (s.namespace, s.name)
        now = ev.type != DELETED and counts(s)
        c = self._pods.get(key)
        if c is not None:
            same = (
                now
                and c.uid == s.uid
                and c.node == node_of(s)
                and (ev.prev is None or spec_bytes(ev.prev.raw) == spec_bytes(s.raw))
            )
            if same:
                return
            self._remove(key, c)
        if now:
            u = self._nodes.get(node_of(s))
            if u is not None:  # a node not loaded yet is summed from its pods when asked
                self._add(s, u)

    def __len__(self) -> int:
        """Nodes loaded."""
        return len(self._nodes)


def node_of(s: Stored) -> str:
    return s.fields.get("spec.nodeName", "")
