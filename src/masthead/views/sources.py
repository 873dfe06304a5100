"""A cluster's sources as observed projected tables, and who is told when they change.

Each source a `ClusterSession` starts gets a `Table` of its resource's projection behind an
`ObservedTableSink`; the reflector decodes straight into rows through a `ProjectionCodec` that
shares one `Interner` per cluster. A sink whose table's version moved tells the cluster's
`ChangeHub`, which fans out once per loop iteration per resource (a watch burst of a thousand
events wakes each listener once), so the live layer re-evaluates only subscriptions over a
resource that changed.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from masthead.cluster import ClusterSession, Restored
from masthead.clusters import ClusterRegistry
from masthead.kube.discovery import ResourceType
from masthead.kube.kubeconfig import ClusterCredentials, ClusterEntry
from masthead.kube.sink import Sink
from masthead.kube.tuning import DEFAULT_TUNING, Tuning
from masthead.store.projection import Interner, ProjectionCodec, TableSink, projection_for
from masthead.store.table import Table
from masthead.views.catalogue import VIEWS, ViewSpec
from masthead.views.joins import needs_of, source_name

if TYPE_CHECKING:
    from masthead.feeds.events_history import EventsHistory, HistorySink
    from masthead.snapshots.warm import WarmStart

ResourceKey = tuple[str, str]  # (group, plural)
# The resources whose every object goes to the events history as well as to the table.
EVENT_RESOURCES: frozenset[ResourceKey] = frozenset({("", "events")})
# Called with the namespaces whose objects changed since the last call; None when any object
# may have (a relist) or the resource is cluster-scoped.
Listener = Callable[[frozenset[str] | None], None]
# What a sink reports after a change: the object's namespace, or None for a relist.
ChangeReport = Callable[[str | None], None]
# (namespace, name) of an object the watch saw change or go; (None, None): a relist, any object
# of the resource may have changed. Called for every event, even one that left the row equal.
ObjectTouched = Callable[[str | None, str | None], None]
ObjectListener = Callable[[ResourceKey, str | None, str | None], None]

# Sinks are numbered for the whole process: a page version names the sinks it read, so a
# reconnected cluster (new tables, versions from 0 again) never repeats an old ETag.
_serials = itertools.count(1)


class ObservedTableSink(TableSink[Any]):
    """A `TableSink` that calls `on_change` after an operation that changed the table."""

    def __init__(
        self, table: Table[Any], on_change: ChangeReport, on_object: ObjectTouched | None = None
    ) -> None:
        super().__init__(table)
        self.serial = next(_serials)
        self._on_change = on_change
        self._on_object = on_object
        # Set when the table came from a warm-start snapshot (ClusterSession reads it once).
        self.restored: Restored | None = None

    def replace_steps(self, objects: Iterable[Any], resource_version: str) -> Iterator[None]:
        before = self.table.version
        yield from super().replace_steps(objects, resource_version)
        if self._on_object is not None:
            self._on_object(None, None)
        if self.table.version != before:
            self._on_change(None)

    def upsert(self, obj: Any) -> None:
        if self._on_object is not None:
            self._on_object(obj.namespace, obj.name)
        if self.table.upsert(obj):
            self._on_change(obj.namespace or None)

    def delete(self, obj: Any) -> None:
        if self._on_object is not None:
            self._on_object(obj.namespace, obj.name)
        if self.table.delete(obj.uid):
            self._on_change(obj.namespace or None)


class HistoryTableSink(ObservedTableSink):
    """An events table sink that first records every event in the cluster's history
    (`EventsHistory.sink(cluster)`: deduplicated, persisted, published to SSE followers)."""

    def __init__(
        self,
        table: Table[Any],
        on_change: ChangeReport,
        history: HistorySink,
        on_object: ObjectTouched | None = None,
    ) -> None:
        super().__init__(table, on_change, on_object)
        self.history = history

    def replace_steps(self, objects: Iterable[Any], resource_version: str) -> Iterator[None]:
        items = list(objects)
        self.history.replace(items, resource_version)
        yield from super().replace_steps(items, resource_version)

    def upsert(self, obj: Any) -> None:
        self.history.upsert(obj)
        super().upsert(obj)


class ChangeHub:
    """Listeners per resource, called once per loop iteration after changes to it."""

    def __init__(self) -> None:
        self._listeners: dict[ResourceKey, set[Listener]] = {}
        self._object_listeners: list[ObjectListener] = []
        # resource → namespaces changed since the last flush; None: any (relist, cluster scope)
        self._dirty: dict[ResourceKey, set[str] | None] = {}
        self._scheduled = False
        self.notifications = 0  # table changes reported by sinks
        self.fanouts = 0  # coalesced wake-ups delivered

    def listen(self, key: ResourceKey, listener: Listener) -> Callable[[], None]:
        self._listeners.setdefault(key, set()).add(listener)

        def stop() -> None:
            listeners = self._listeners.get(key)
            if listeners is not None:
                listeners.discard(listener)
                if not listeners:
                    del self._listeners[key]

        return stop

    def listen_objects(self, listener: ObjectListener) -> Callable[[], None]:
        """Call `listener` synchronously for every object event of every resource (the object
        cache's invalidation: it must not serve an object the watch already saw change)."""
        self._object_listeners.append(listener)
        return lambda: self._object_listeners.remove(listener)

    def object_touched(self, key: ResourceKey, namespace: str | None, name: str | None) -> None:
        for listener in self._object_listeners:
            listener(key, namespace, name)

    def listeners(self) -> int:
        return sum(len(v) for v in self._listeners.values())

    def changed(self, key: ResourceKey, namespace: str | None = None) -> None:
        self.notifications += 1
        if key not in self._dirty:
            self._dirty[key] = None if namespace is None else {namespace}
        else:
            dirty = self._dirty[key]
            if dirty is not None:
                if namespace is None:
                    self._dirty[key] = None
                else:
                    dirty.add(namespace)
        if not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        self._scheduled = False
        dirty, self._dirty = self._dirty, {}
        for key, namespaces in dirty.items():
            changed = None if namespaces is None else frozenset(namespaces)
            for listener in list(self._listeners.get(key, ())):
                self.fanouts += 1
                listener(changed)


@dataclass(frozen=True, slots=True)
class RestoredTable:
    """A table built from a warm-start snapshot, waiting for its source to start."""

    table: Table[Any]
    note: Restored


class ClusterTables:
    """The per-cluster parts every session of one context shares: interner and change hub."""

    def __init__(self, cluster: str = "", history: EventsHistory | None = None) -> None:
        self.cluster = cluster
        self.history = history
        self.interner = Interner()
        self.hub = ChangeHub()
        # (group, resource, scope) → a snapshot's table (snapshots/warm.py), taken by the
        # source of that scope when it starts.
        self.restorable: dict[tuple[str, str, str | None], RestoredTable] = {}
        self.restores = 0  # restores finished (loaded, failed or timed out)
        self._restored = asyncio.Event()

    def restore_finished(self) -> None:
        """A restore into `restorable` is over (snapshots/warm.py): wake its waiters."""
        self.restores += 1
        self._restored.set()
        self._restored = asyncio.Event()

    async def restored_after(self, count: int) -> None:
        """Return once more than `count` restores have finished."""
        while self.restores <= count:
            await self._restored.wait()

    def drop_restorable(self, key: ResourceKey) -> int:
        """Forget every scope's restored table of resource `key`; how many there were."""
        gone = [k for k in self.restorable if k[:2] == key]
        for k in gone:
            del self.restorable[k]
        return len(gone)

    def sink(self, rtype: ResourceType, namespace: str | None) -> Sink[Any]:
        key = (rtype.group, rtype.resource)
        restored = self.restorable.pop((*key, namespace), None)
        table: Table[Any] = (
            restored.table if restored is not None else Table(projection_for(rtype).columns)
        )
        sink = self._sink(key, table)
        if restored is not None:
            sink.restored = restored.note
        return sink

    def _sink(self, key: ResourceKey, table: Table[Any]) -> ObservedTableSink:

        def touched(namespace: str | None, name: str | None) -> None:
            self.hub.object_touched(key, namespace, name)

        def report(namespace: str | None) -> None:
            self.hub.changed(key, namespace)

        if self.history is not None and key in EVENT_RESOURCES:
            # `inner` stays None: the table sink below is the one sources and pages see.
            recorder = self.history.sink(self.cluster, None)
            return HistoryTableSink(table, report, recorder, touched)
        return ObservedTableSink(table, report, touched)

    def codec(self, rtype: ResourceType) -> ProjectionCodec[Any, Any]:
        return ProjectionCodec(projection_for(rtype), self.interner)


# The view whose sources every session syncs before the others (kube/first_syncs.py): the one
# a user opens a large cluster for, which would otherwise go live with the last of 60 lists.
FIRST_VIEW = "pods"


def view_sources(view: ViewSpec) -> tuple[str, ...]:
    """The resources a view reads: its own and those its joined columns need."""
    return (view.source, *map(source_name, needs_of(view.joins)))


class ViewRegistry(ClusterRegistry):
    """A `ClusterRegistry` whose sessions decode into projected, observed tables."""

    def __init__(
        self,
        paths: Sequence[Path] | None = None,
        extra: Sequence[Path] = (),
        tuning: Tuning = DEFAULT_TUNING,
        history: EventsHistory | None = None,
        warm: WarmStart | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(paths, extra, tuning, **kw)
        self.tables: dict[str, ClusterTables] = {}
        self.history = history  # every cluster's events are recorded here when given
        self.warm = warm  # restores snapshots at connect when given

    def tables_of(self, cluster_id: str) -> ClusterTables:
        found = self.tables.get(cluster_id)
        if found is None:
            found = self.tables[cluster_id] = ClusterTables(cluster_id, self.history)
        return found

    def _new_session(
        self,
        entry: ClusterEntry,
        credentials: ClusterCredentials | None = None,
        *,
        forget_data: bool = False,
    ) -> ClusterSession:
        session = super()._new_session(entry, credentials, forget_data=forget_data)
        if self.warm is not None:  # snapshots of resources it finds gone are dropped
            self.warm.follow(session, self.tables_of(entry.id))
        return session

    def _storage(self, entry: ClusterEntry) -> dict[str, Any]:
        tables = self.tables_of(entry.id)
        warm = self.warm
        return {
            "sink_factory": tables.sink,
            "codec_factory": tables.codec,
            "first_sources": view_sources(VIEWS[FIRST_VIEW]),
            "warm": functools.partial(warm.prepare, entry, tables) if warm is not None else None,
        }

    def _forget(self, id: str) -> None:
        self.tables.pop(id, None)
