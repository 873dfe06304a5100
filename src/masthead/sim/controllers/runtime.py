"""The controller runtime: work queues fed by `ObjectStore.observers`, one worker task per
controller, periodic ticks, and shared indexes every controller reads.

Observers run synchronously inside every store write, so they only enqueue (never write);
workers run on the event loop, read the current state through the store and write through the
registry, whose writes feed the observers again. Nothing scans all objects per tick: periodic
work is limited to small sets (nodes, CronJobs, expiring events).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

import orjson

from masthead.sim.controllers.nodeinfo import NodeInfo, node_info
from masthead.sim.controllers.objects import NODES, PODS, Obj, controller_of, pod_requests
from masthead.sim.controllers.settings import ControllerSettings
from masthead.sim.errors import ApiError
from masthead.sim.loop_slices import Slicer
from masthead.sim.registry import Registry
from masthead.sim.store import DELETED, ObjectStore, Stored, WatchEvent
from masthead.tasks import cancel_and_wait

log = logging.getLogger(__name__)

StorageKey = tuple[str, str]
Handler = Callable[[WatchEvent], None]


class WorkQueue:
    """An ordered set of pending items: adding an item already queued is a no-op, so a burst of
    writes to one object costs one sync."""

    def __init__(self) -> None:
        self._items: dict[Hashable, None] = {}
        self._wake = asyncio.Event()
        self._loop = asyncio.get_running_loop()

    def add(self, item: Hashable) -> None:
        if item not in self._items:
            self._items[item] = None
            self._wake.set()

    def add_after(self, item: Hashable, delay: float) -> None:
        if delay <= 0:
            self.add(item)
        else:
            self._loop.call_later(delay, self.add, item)

    def __len__(self) -> int:
        return len(self._items)

    async def take(self, n: int) -> list[Hashable]:
        while not self._items:
            self._wake.clear()
            await self._wake.wait()
        out: list[Hashable] = []
        for item in self._items:
            out.append(item)
            if len(out) >= n:
                break
        for item in out:
            del self._items[item]
        return out


@dataclass(slots=True)
class PodView:
    """What controllers need of a pod, decoded once per resourceVersion."""

    namespace: str
    name: str
    uid: str
    rv: int
    node: str
    phase: str
    ready: bool
    ready_since: str
    deleting: bool
    owner_uid: str
    owner_kind: str
    ip: str
    labels: dict[str, str]
    cpu_m: int
    mem: int
    created: str
    annotations: dict[str, str]

    @property
    def active(self) -> bool:
        return not self.deleting and self.phase not in ("Succeeded", "Failed")


def _view(s: Stored) -> PodView:
    obj = s.decode()
    meta = obj["metadata"]
    status = obj.get("status") or {}
    ready_since = ""
    ready = False
    for c in status.get("conditions") or []:
        if c.get("type") == "Ready":
            ready = c.get("status") == "True"
            ready_since = c.get("lastTransitionTime", "")
    ref = controller_of(obj) or {}
    cpu, mem = pod_requests(obj)
    return PodView(
        namespace=s.namespace,
        name=s.name,
        uid=s.uid,
        rv=s.rv,
        node=(obj.get("spec") or {}).get("nodeName", ""),
        phase=status.get("phase", ""),
        ready=ready,
        ready_since=ready_since,
        deleting=bool(meta.get("deletionTimestamp")),
        owner_uid=ref.get("uid", ""),
        owner_kind=ref.get("kind", ""),
        ip=status.get("podIP", ""),
        labels=dict(s.labels),
        cpu_m=cpu,
        mem=mem,
        created=meta.get("creationTimestamp", ""),
        annotations=dict(meta.get("annotations") or {}),
    )


class PodIndex:
    """Pods by node (from the stored field set, no decoding) and decoded views cached by RV."""

    def __init__(self, store: ObjectStore) -> None:
        self.store = store
        self.by_node: dict[str, set[tuple[str, str]]] = {}
        self._views: dict[tuple[str, str], PodView] = {}

    def load(self) -> None:
        for s in self.store.iter_objects(PODS.storage_key):
            node = s.fields.get("spec.nodeName", "")
            if node:
                self.by_node.setdefault(node, set()).add((s.namespace, s.name))

    def observe(self, ev: WatchEvent) -> None:
        key = (ev.obj.namespace, ev.obj.name)
        old = ev.prev.fields.get("spec.nodeName", "") if ev.prev is not None else ""
        new = "" if ev.type == DELETED else ev.obj.fields.get("spec.nodeName", "")
        if ev.type == DELETED:
            self._views.pop(key, None)
        if old != new and old:
            pods = self.by_node.get(old)
            if pods is not None:
                pods.discard(key)
                if not pods:
                    del self.by_node[old]
        if new:
            self.by_node.setdefault(new, set()).add(key)

    def view(self, s: Stored) -> PodView:
        key = (s.namespace, s.name)
        v = self._views.get(key)
        if v is None or v.rv != s.rv or v.uid != s.uid:
            v = _view(s)
            self._views[key] = v
        return v

    def get(self, namespace: str, name: str) -> PodView | None:
        s = self.store.get(PODS.storage_key, namespace, name)
        return None if s is None else self.view(s)

    def on_node(self, node: str) -> Iterator[PodView]:
        for ns, name in list(self.by_node.get(node, ())):
            v = self.get(ns, name)
            if v is not None:
                yield v

    def owned_by(self, registry: Registry, uid: str) -> list[PodView]:
        out = []
        for key, ns, name in registry.dependents(uid):
            if key != PODS.storage_key:
                continue
            v = self.get(ns, name)
            if v is not None and v.owner_uid == uid:
                out.append(v)
        return out


class NodeCache:
    """Decoded `NodeInfo` per node, refreshed when the node's resourceVersion changes."""

    def __init__(self, store: ObjectStore) -> None:
        self.store = store
        self._infos: dict[str, tuple[int, NodeInfo]] = {}
        # Node names as of the nodes' last write revision: the scheduler asks for every pod.
        self._names: tuple[int, list[str]] = (-1, [])

    def get(self, name: str) -> NodeInfo | None:
        s = self.store.get(NODES.storage_key, "", name)
        if s is None:
            self._infos.pop(name, None)
            return None
        hit = self._infos.get(name)
        if hit is not None and hit[0] == s.rv:
            return hit[1]
        info = node_info(s.decode())
        self._infos[name] = (s.rv, info)
        return info

    def names(self) -> list[str]:
        """Every node's name in key order (a shared list: callers must not change it)."""
        at = self.store.last_write_rv(NODES.storage_key)
        if self._names[0] != at:
            self._names = (at, [s.name for s in self.store.iter_objects(NODES.storage_key)])
        return self._names[1]

    def all(self) -> list[NodeInfo]:
        out = []
        for name in self.names():
            info = self.get(name)
            if info is not None:
                out.append(info)
        return out


class Context:
    """What every controller gets: storage, write path, settings, event recorder, indexes."""

    def __init__(
        self,
        store: ObjectStore,
        registry: Registry,
        settings: ControllerSettings,
        recorder: Any,
    ) -> None:
        self.store = store
        self.registry = registry
        self.settings = settings
        self.recorder = recorder
        self.pods = PodIndex(store)
        self.nodes = NodeCache(store)

    def now(self) -> float:
        return self.settings.clock()


class Controller:
    """One simulated controller. Subclasses set `name`, fill `handlers` (storage key →
    observer) in `setup`, enqueue what exists in `initial_sync`, and implement `sync`."""

    name: ClassVar[str] = ""
    tick_interval: float | None = None

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.registry = ctx.registry
        self.store = ctx.store
        self.settings = ctx.settings
        self.recorder = ctx.recorder
        self.queue = WorkQueue()
        self.handlers: dict[StorageKey, Handler] = {}
        self.syncs = 0
        self.errors = 0
        self.slicer = Slicer()
        self.setup()

    def setup(self) -> None:
        pass

    def initial_sync(self) -> None:
        pass

    def sync(self, item: Any) -> None:
        raise NotImplementedError

    def tick(self) -> None:
        pass

    def now(self) -> float:
        return self.settings.clock()

    def enqueue_owner(self, ev: WatchEvent, kind: str) -> None:
        """Queue the controlling owner (of `kind`) of the object in `ev`, old or new state."""
        for s in (ev.obj, ev.prev):
            if s is None:
                continue
            ref = _controller_ref_raw(s)
            if ref is not None and ref[0] == kind:
                self.queue.add((s.namespace, ref[1]))

    async def run(self) -> None:
        slicer = self.slicer
        while True:
            items = await self.queue.take(self.settings.batch)
            slicer.restart()
            for item in items:
                # Time-sliced so the API server's requests and watchers get their turns.
                await slicer.pause_if_due()
                self.syncs += 1
                try:
                    self.sync(item)
                except ApiError as e:
                    self.errors += 1
                    if e.code not in (404, 410):
                        self.queue.add_after(item, self.settings.retry_delay)
                except Exception:
                    self.errors += 1
                    log.exception("controller %s: sync of %r failed", self.name, item)
                    self.queue.add_after(item, self.settings.retry_delay * 10)
            await slicer.pause()

    async def run_ticks(self) -> None:
        assert self.tick_interval is not None
        while True:
            await asyncio.sleep(self.tick_interval)
            try:
                self.tick()
            except Exception:
                log.exception("controller %s: tick failed", self.name)


_OWNER_CACHE: dict[tuple[int, str], tuple[str, str] | None] = {}
_OWNER_REFS = b'"ownerReferences":['


def _controller_ref_raw(s: Stored) -> tuple[str, str] | None:
    """(kind, name) of the controlling owner, cached briefly per object version. Only the
    ownerReferences list is decoded, not the whole object: every pod write asks this."""
    if b'"controller":true' not in s.raw:
        return None
    key = (s.rv, s.uid)
    if key in _OWNER_CACHE:
        return _OWNER_CACHE[key]
    ref = controller_of({"metadata": {"ownerReferences": _owner_refs(s)}})
    out = None if ref is None else (str(ref.get("kind", "")), str(ref.get("name", "")))
    if len(_OWNER_CACHE) > 50_000:
        _OWNER_CACHE.clear()
    _OWNER_CACHE[key] = out
    return out


def _owner_refs(s: Stored) -> list[Obj]:
    """metadata.ownerReferences, sliced out of the stored bytes. Metadata is encoded first,
    and no label or annotation can hold the key followed by `[` (their values are strings);
    the entries hold only scalars (names, kinds, uids: no `]`), so the first `]` ends the
    list. Anything unexpected decodes the whole object."""
    raw = s.raw
    i = raw.find(_OWNER_REFS)
    if i >= 0:
        start = i + len(_OWNER_REFS) - 1
        end = raw.find(b"]", start)
        with contextlib.suppress(orjson.JSONDecodeError):
            refs = orjson.loads(raw[start : end + 1])
            if isinstance(refs, list):
                return refs
    return list(s.decode()["metadata"].get("ownerReferences") or [])


def owner_of(s: Stored) -> tuple[str, str] | None:
    return _controller_ref_raw(s)


class ControllerManager:
    """Starts the enabled controllers and feeds them from the store's observers."""

    def __init__(
        self,
        store: ObjectStore,
        registry: Registry,
        settings: ControllerSettings,
        enabled: frozenset[str],
    ) -> None:
        from masthead.sim.controllers.events import EventRecorder

        self.store = store
        self.registry = registry
        self.settings = settings
        self.enabled = enabled
        self.recorder = EventRecorder(registry, store, settings)
        self.ctx = Context(store, registry, settings, self.recorder)
        self.controllers: dict[str, Controller] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._routes: dict[StorageKey, list[Handler]] = {}

    def get(self, name: str) -> Controller | None:
        return self.controllers.get(name)

    async def start(self) -> None:
        from masthead.sim.controllers.known import CONTROLLER_TYPES

        for name, cls in CONTROLLER_TYPES.items():
            if name in self.enabled:
                self.controllers[name] = cls(self.ctx)
        if not self.controllers:
            return
        self.ctx.pods.load()
        self._routes.setdefault(PODS.storage_key, []).append(self.ctx.pods.observe)
        for c in self.controllers.values():
            for key, fn in c.handlers.items():
                self._routes.setdefault(key, []).append(fn)
        self.store.observers.append(self._observe)
        for c in self.controllers.values():
            c.initial_sync()
            self._tasks.append(asyncio.create_task(c.run(), name=f"controller-{c.name}"))
            if c.tick_interval is not None:
                self._tasks.append(
                    asyncio.create_task(c.run_ticks(), name=f"controller-{c.name}-tick")
                )

    def _observe(self, key: StorageKey, ev: WatchEvent) -> None:
        for fn in self._routes.get(key, ()):
            fn(ev)

    async def stop(self) -> None:
        with contextlib.suppress(ValueError):
            self.store.observers.remove(self._observe)
        await cancel_and_wait(*self._tasks)
        self._tasks.clear()

    def idle(self) -> bool:
        return all(len(c.queue) == 0 for c in self.controllers.values())

    def stats(self) -> dict[str, Obj]:
        return {
            n: {"queued": len(c.queue), "syncs": c.syncs, "errors": c.errors}
            for n, c in self.controllers.items()
        }
