"""The table sinks' object events reach the object cache: an upsert (even of an equal row), a
delete and a relist each drop what the cache held."""

from __future__ import annotations

from typing import Any

import orjson

from masthead.kube.discovery import ResourceType
from masthead.objects.cache import CachedObject, ObjectCache
from masthead.objects.reader import ObjectReader
from masthead.store.projection import ProjectionCodec, projection_for
from masthead.views.sources import ViewRegistry

CONFIGMAPS = ResourceType("", "v1", "configmaps", "ConfigMap", True, frozenset({"list", "watch"}))


def row(name: str, uid: str) -> Any:
    codec = ProjectionCodec(projection_for(CONFIGMAPS))
    doc = {"metadata": {"name": name, "namespace": "ns", "uid": uid, "resourceVersion": "1"}}
    return codec.decode_object(orjson.dumps(doc))


async def test_sink_events_invalidate_the_cache() -> None:
    registry = ViewRegistry(paths=[])
    cache = ObjectCache()
    reader = ObjectReader(registry, cache)
    reader.bind("c1")
    sink = registry.tables_of("c1").sink(CONFIGMAPS, None)
    a, b = row("a", "u-a"), row("b", "u-b")
    sink.upsert(a)

    def fill() -> None:
        for name in ("a", "b"):
            key = ("c1", "", "configmaps", "ns", name)
            assert cache.put(key, CachedObject("v1", "1", b"{}"), cache.ticket())

    fill()
    sink.upsert(a)  # an equal row: the table does not change, the object may have
    assert cache.get(("c1", "", "configmaps", "ns", "a"), "v1") is None
    assert cache.get(("c1", "", "configmaps", "ns", "b"), "v1") is not None
    sink.delete(b)
    assert cache.get(("c1", "", "configmaps", "ns", "b"), "v1") is None
    fill()
    sink.replace([a], "9")  # a relist: every configmap may have changed
    assert len(cache) == 0
    assert cache.stats["c1"].invalidations == 4  # a, b, then both by the relist
    # Another cluster's sinks do not touch c1's entries.
    other = registry.tables_of("c2").sink(CONFIGMAPS, None)
    cache.put(("c1", "", "configmaps", "ns", "a"), CachedObject("v1", "3", b"{}"), cache.ticket())
    other.upsert(a)
    assert cache.get(("c1", "", "configmaps", "ns", "a"), "v1") is not None
