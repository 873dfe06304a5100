"""core/v1 Events as the client-go recorders write them, and the apiserver's event TTL.

`EventRecorder.record` writes one Event per distinct occurrence, named
`<involved name>.<hex nanosecond timestamp>` like upstream. A repeat of the same event (same
object, field path, type, reason, message and source) updates the existing object instead:
the older recorder (kubelet, kube-controller-manager) bumps `count` and `lastTimestamp`; the
newer one (the scheduler, `new_style=True`) fills `eventTime` once and then `series`.

Before that, client-go's `EventCorrelator` steps run: the spam filter (a token bucket per
source + involved object: burst 25, one token per 5 minutes; events past it are dropped) and
the aggregator (more than 10 events of one source, object, type and reason with different
messages within 10 minutes become one "(combined from similar events): ..." event whose count
grows). Without them a controller retrying a failing create (a DaemonSet whose pods are
forbidden, the message naming a new random pod each time) writes a new Event per attempt.

`EventTTL` deletes every Event (whoever wrote it) `event_ttl` seconds after its last write, as
kube-apiserver's `--event-ttl` lease does; the delete is an ordinary DELETED watch event.
"""

from __future__ import annotations

import contextlib
import heapq
from collections import OrderedDict
from typing import Any

from masthead.sim.controllers.objects import EVENTS, Obj, micro_time, rfc3339
from masthead.sim.controllers.runtime import Controller
from masthead.sim.controllers.settings import EVENT_TTL, ControllerSettings
from masthead.sim.errors import ApiError
from masthead.sim.registry import DeleteOptions, Registry, WriteContext
from masthead.sim.store import DELETED, ObjectStore, WatchEvent

# client-go's EventCorrelator keeps this many recent events for deduplication.
CACHE_SIZE = 4096
# client-go's EventSourceObjectSpamFilter: burst and refill period per source + object.
SPAM_BURST = 25
SPAM_REFILL_S = 300.0
# client-go's EventAggregator: similar events (messages differ) past this many in the window
# are combined into one.
AGGREGATE_MAX = 10
AGGREGATE_WINDOW_S = 600.0
COMBINED = "(combined from similar events): "
NORMAL = "Normal"
WARNING = "Warning"

# The field manager each reporting component writes with.
MANAGERS = {
    "kubelet": "kubelet",
    "default-scheduler": "kube-scheduler",
}


def _reference(obj: Obj, field_path: str | None) -> Obj:
    meta = obj.get("metadata") or {}
    ref: Obj = {"kind": obj.get("kind", ""), "namespace": meta.get("namespace", "")}
    ref["name"] = meta.get("name", "")
    ref["uid"] = meta.get("uid", "")
    ref["apiVersion"] = obj.get("apiVersion", "")
    if meta.get("resourceVersion"):
        ref["resourceVersion"] = meta["resourceVersion"]
    if field_path:
        ref["fieldPath"] = field_path
    if not ref["namespace"]:
        del ref["namespace"]
    return ref


class EventRecorder:
    """Writes Events through the registry; repeated ones update one object."""

    def __init__(self, registry: Registry, store: ObjectStore, settings: ControllerSettings):
        self.registry = registry
        self.store = store
        self.settings = settings
        self._cache: OrderedDict[tuple[Any, ...], tuple[str, str]] = OrderedDict()
        # source + object → (tokens, last refill time)
        self._spam: OrderedDict[tuple[Any, ...], tuple[float, float]] = OrderedDict()
        # source + object + type + reason → (messages seen, window start)
        self._similar: OrderedDict[tuple[Any, ...], tuple[set[str], float]] = OrderedDict()
        self._last_ns = 0
        self.created = 0
        self.updated = 0
        self.spam_dropped = 0
        self.aggregated = 0

    def _allowed(self, source: tuple[Any, ...], t: float) -> bool:
        tokens, last = self._spam.get(source, (float(SPAM_BURST), t))
        tokens = min(float(SPAM_BURST), tokens + (t - last) / SPAM_REFILL_S)
        allowed = tokens >= 1.0
        self._spam[source] = (tokens - 1.0 if allowed else tokens, t)
        self._spam.move_to_end(source)
        if len(self._spam) > CACHE_SIZE:
            self._spam.popitem(last=False)
        if not allowed:
            self.spam_dropped += 1
        return allowed

    def _aggregate(self, similar: tuple[Any, ...], message: str, t: float) -> str | None:
        """The combined message once too many similar events came in the window, else None."""
        seen, start = self._similar.get(similar, (set(), t))
        if t - start > AGGREGATE_WINDOW_S:
            seen, start = set(), t
        seen.add(message)
        self._similar[similar] = (seen, start)
        self._similar.move_to_end(similar)
        if len(self._similar) > CACHE_SIZE:
            self._similar.popitem(last=False)
        if len(seen) > AGGREGATE_MAX:
            self.aggregated += 1
            return COMBINED + message
        return None

    def _name_suffix(self) -> str:
        ns = int(self.settings.clock() * 1e9)
        if ns <= self._last_ns:
            ns = self._last_ns + 1
        self._last_ns = ns
        return f"{ns:x}"

    def record(
        self,
        obj: Obj,
        type_: str,
        reason: str,
        message: str,
        *,
        component: str,
        host: str = "",
        field_path: str | None = None,
        new_style: bool = False,
        action: str = "",
        instance: str = "",
    ) -> Obj | None:
        """Record one occurrence; returns the Event as stored (None if the namespace is gone)."""
        ref = _reference(obj, field_path)
        namespace = ref.get("namespace") or "default"
        t = self.settings.clock()
        source = (component, host, ref["kind"], namespace, ref["name"], ref["uid"])
        if not self._allowed(source, t):
            return None
        combined = self._aggregate((*source, type_, reason), message, t)
        if combined is not None:
            message, field_path = combined, None  # one event for all the similar ones
        key = (
            ref["kind"],
            namespace,
            ref["name"],
            ref["uid"],
            field_path,
            type_,
            reason,
            None if combined is not None else message,
            component,
            host,
        )
        manager = MANAGERS.get(component, "kube-controller-manager")
        ctx = WriteContext(manager)
        try:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                cur = self.store.get(EVENTS.storage_key, hit[0], hit[1])
                if cur is not None:
                    return self._repeat(cur.decode(), t, ctx, new_style)
            body = self._new_event(ref, namespace, type_, reason, message, t)
            if new_style:
                body["eventTime"] = micro_time(t)
                body["action"] = action or reason
                body["reportingComponent"] = component
                body["reportingInstance"] = instance or f"{component}-{host or 'cp-1'}"
                body["source"] = {}
            else:
                body["source"] = {"component": component, **({"host": host} if host else {})}
                body["firstTimestamp"] = rfc3339(t)
                body["lastTimestamp"] = rfc3339(t)
                body["count"] = 1
                body["reportingComponent"] = component
                body["reportingInstance"] = host
            created = self.registry.create(EVENTS, namespace, body, ctx)
        except ApiError:
            return None
        self.created += 1
        self._cache[key] = (namespace, created["metadata"]["name"])
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return created

    def _new_event(
        self, ref: Obj, namespace: str, type_: str, reason: str, message: str, t: float
    ) -> Obj:
        return {
            "metadata": {"name": f"{ref['name']}.{self._name_suffix()}", "namespace": namespace},
            "involvedObject": ref,
            "reason": reason,
            "message": message,
            "type": type_,
        }

    def _repeat(self, ev: Obj, t: float, ctx: WriteContext, new_style: bool) -> Obj:
        if new_style:
            series = ev.get("series") or {"count": 1}
            patch: Obj = {
                "series": {
                    "count": int(series.get("count", 1)) + 1,
                    "lastObservedTime": micro_time(t),
                }
            }
        else:
            patch = {"count": int(ev.get("count") or 1) + 1, "lastTimestamp": rfc3339(t)}
        out, _ = self.registry.patch(
            EVENTS, ev["metadata"]["namespace"], ev["metadata"]["name"], "merge", patch, ctx
        )
        self.updated += 1
        return out


class EventTTL(Controller):
    """Deletes Events `event_ttl` seconds (by the settings clock) after their last write."""

    name = EVENT_TTL

    def setup(self) -> None:
        self.tick_interval = self.settings.event_ttl_tick
        self._heap: list[tuple[float, int, str, str]] = []
        self.handlers[EVENTS.storage_key] = self._observe
        self.expired = 0
        self.evicted_at_cap = 0  # Events deleted before their TTL because of max_events

    def _observe(self, ev: WatchEvent) -> None:
        if ev.type == DELETED:
            return
        heapq.heappush(
            self._heap,
            (self.now() + self.settings.event_ttl, ev.obj.rv, ev.obj.namespace, ev.obj.name),
        )

    def initial_sync(self) -> None:
        # Events that existed before the controllers started get their lease from now.
        expiry = self.now() + self.settings.event_ttl
        for s in self.store.iter_objects(EVENTS.storage_key):
            heapq.heappush(self._heap, (expiry, s.rv, s.namespace, s.name))

    def tick(self) -> None:
        now = self.now()
        while self._heap and self._heap[0][0] <= now:
            _, rv, ns, name = heapq.heappop(self._heap)
            self.queue.add((ns, name, rv))
        over = self.store.count(EVENTS.storage_key) - self.settings.max_events
        while over > 0 and self._heap:
            _, rv, ns, name = heapq.heappop(self._heap)
            cur = self.store.get(EVENTS.storage_key, ns, name)
            if cur is not None and cur.rv == rv:  # a live lease, not one a later write renewed
                # Deleted here, not queued: the next tick must already see the lower count.
                with contextlib.suppress(ApiError):
                    self.registry.delete(EVENTS, ns, name, DeleteOptions())
                    self.evicted_at_cap += 1
                over -= 1
        if len(self._heap) > 2 * self.store.count(EVENTS.storage_key) + 1_000:
            # Renewed Events leave their old leases behind: keep only the live ones.
            self._heap = [e for e in self._heap if self._live(e)]
            heapq.heapify(self._heap)

    def _live(self, entry: tuple[float, int, str, str]) -> bool:
        cur = self.store.get(EVENTS.storage_key, entry[2], entry[3])
        return cur is not None and cur.rv == entry[1]

    def sync(self, item: Any) -> None:
        ns, name, rv = item
        cur = self.store.get(EVENTS.storage_key, ns, name)
        # A later write renewed the lease: its own heap entry decides.
        if cur is None or cur.rv != rv:
            return
        self.registry.delete(EVENTS, ns, name, DeleteOptions())
        self.expired += 1
