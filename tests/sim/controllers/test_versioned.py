"""PerVersion: one derived value per stored object version, dropped on forget and at its cap."""

from __future__ import annotations

import orjson

from masthead.sim.controllers.versioned import PerVersion
from masthead.sim.store import Stored


def _stored(name: str, rv: int, uid: str = "u1", replicas: int = 1) -> Stored:
    obj = {"metadata": {"name": name, "resourceVersion": str(rv)}, "spec": {"replicas": replicas}}
    return Stored(orjson.dumps(obj), rv, uid, "ns", name, {}, {})


def _counting() -> tuple[PerVersion[dict[str, object]], list[int]]:
    calls: list[int] = []

    def derive(s: Stored) -> dict[str, object]:
        calls.append(s.rv)
        return s.decode()

    return PerVersion(derive, cap=2), calls


def test_same_version_is_decoded_once_and_shared() -> None:
    cache, calls = _counting()
    first = cache.get(_stored("a", 5))
    again = cache.get(_stored("a", 5))
    assert again is first
    assert calls == [5]


def test_new_rv_or_new_uid_is_read_again() -> None:
    cache, calls = _counting()
    cache.get(_stored("a", 5))
    newer = cache.get(_stored("a", 6, replicas=3))
    assert newer["spec"] == {"replicas": 3}
    recreated = cache.get(_stored("a", 6, uid="u2", replicas=4))
    assert recreated["spec"] == {"replicas": 4}
    assert calls == [5, 6, 6]


def test_forget_and_cap() -> None:
    cache, calls = _counting()
    cache.get(_stored("a", 1))
    cache.get(_stored("b", 2))
    cache.forget("ns", "a")
    assert len(cache) == 1
    cache.get(_stored("a", 1))
    assert calls == [1, 2, 1]
    cache.get(_stored("c", 3))  # a third entry at cap 2: the two held are let go
    assert cache.dropped == 2
    assert len(cache) == 1
    cache.get(_stored("a", 1))
    assert calls == [1, 2, 1, 3, 1]
