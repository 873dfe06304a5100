"""ObjectCache: LRU by count and bytes, invalidation by key and by resource, races refused."""

from __future__ import annotations

import pytest

from masthead.objects.cache import CachedObject, CacheKey, ObjectCache


def key(name: str, cluster: str = "c1", resource: str = "configmaps") -> CacheKey:
    return (cluster, "", resource, "ns", name)


def obj(size: int = 10, rv: str = "1", version: str = "v1") -> CachedObject:
    return CachedObject(version, rv, b"x" * size)


def test_hit_miss_and_version_mismatch() -> None:
    c = ObjectCache()
    assert c.get(key("a"), "v1") is None
    assert c.put(key("a"), obj(rv="7"), c.ticket())
    hit = c.get(key("a"), "v1")
    assert hit is not None and hit.resource_version == "7"
    assert c.get(key("a"), "v2") is None  # read as another version: not this entry
    st = c.stats["c1"]
    assert (st.hits, st.misses, st.stores) == (1, 2, 1)


def test_lru_evicts_by_count_and_by_bytes() -> None:
    c = ObjectCache(max_entries=3, max_bytes=1000, max_entry_bytes=500)
    for name in "abc":
        c.put(key(name), obj(100), c.ticket())
    c.get(key("a"), "v1")  # a is now the most recently used
    c.put(key("d"), obj(100), c.ticket())
    assert c.get(key("b"), "v1") is None and c.get(key("a"), "v1") is not None
    assert c.stats["c1"].evictions == 1 and len(c) == 3
    c.put(key("e"), obj(450), c.ticket())  # count cap: c goes
    c.put(key("f"), obj(450), c.ticket())  # count cap: a goes (d, e, f: 1000 bytes)
    assert c.bytes == 1000 and c.stats["c1"].evictions == 3
    c.put(key("g"), obj(200), c.ticket())  # byte cap: d, then e go
    assert c.bytes == 650 and len(c) == 2 and c.stats["c1"].evictions == 5
    assert c.get(key("f"), "v1") is not None and c.get(key("e"), "v1") is None
    assert not c.put(key("g"), obj(501), c.ticket())
    assert c.stats["c1"].too_large == 1 and c.get(key("g"), "v1") is None


def test_invalidate_drops_the_entry_and_refuses_a_racing_answer() -> None:
    c = ObjectCache()
    c.put(key("a"), obj(rv="1"), c.ticket())
    c.invalidate(key("a"))
    assert c.get(key("a"), "v1") is None
    assert c.stats["c1"].invalidations == 1
    ticket = c.ticket()  # a fetch starts ...
    c.invalidate(key("a"))  # ... the watch sees a change while it is in flight
    assert not c.put(key("a"), obj(rv="2"), ticket)
    assert c.stats["c1"].raced == 1
    assert c.put(key("a"), obj(rv="3"), c.ticket())  # a later fetch is kept
    assert c.put(key("b"), obj(), ticket)  # another key's change does not matter


def test_relist_invalidates_the_whole_resource_of_one_cluster() -> None:
    c = ObjectCache()
    ticket = c.ticket()
    c.put(key("a"), obj(), ticket)
    c.put(key("b", resource="pods"), obj(), ticket)
    c.put(key("a", cluster="c2"), obj(), ticket)
    c.invalidate_resource("c1", "", "configmaps")
    assert c.get(key("a"), "v1") is None
    assert c.get(key("b", resource="pods"), "v1") is not None
    assert c.get(key("a", cluster="c2"), "v1") is not None
    assert not c.put(key("z"), obj(), ticket)  # fetched before the relist: refused


def test_forgotten_invalidations_refuse_old_tickets() -> None:
    c = ObjectCache(max_recent=2)
    ticket = c.ticket()
    for name in "xyz":  # x's record is forgotten: nobody can tell whether "a" changed
        c.invalidate(key(name))
    assert c.recent_forgotten == 1
    assert not c.put(key("a"), obj(), ticket)
    assert c.put(key("a"), obj(), c.ticket())


def test_secrets_are_refused() -> None:
    c = ObjectCache()
    with pytest.raises(ValueError, match="never cached"):
        c.put(key("s", resource="secrets"), obj(), c.ticket())
    assert len(c) == 0


def test_per_cluster_diagnostics() -> None:
    c = ObjectCache()
    c.put(key("a"), obj(10), c.ticket())
    c.put(key("a", cluster="c2"), obj(20), c.ticket())
    d = c.cluster_dict("c2")
    assert d["entries"] == 1 and d["bytes"] == 20 and d["stores"] == 1
    assert c.as_dict()["bytes"] == 30
