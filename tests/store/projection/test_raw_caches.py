"""The pod projection's caches by raw bytes (labels, owner references, containers) change no
value: pods that share those sub-documents, decoded one after another through one codec
(cache hits), give the same rows as each pod decoded alone with every cache cold, and the
rows hold what the JSON says."""

from __future__ import annotations

import copy
from typing import Any

import msgspec
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from masthead.kube.errors import UndecodableObject
from masthead.store.projection import ProjectionCodec
from masthead.store.projection import pods as pods_module
from masthead.store.projection.pods import PODS, PodRow
from masthead.store.projection.raw_cache import RawCache
from tests.store.projection.podgen_strategies import pods

label_sets = st.dictionaries(
    st.sampled_from(["app", "tier", "pod-template-hash", "app.kubernetes.io/name", "zone"]),
    st.sampled_from(["web", "api", "7c9f", "a", ""]),
    max_size=4,
)
owner_refs = st.lists(
    st.fixed_dictionaries(
        {
            "apiVersion": st.just("apps/v1"),
            "kind": st.sampled_from(["ReplicaSet", "Job", "Node", "StatefulSet"]),
            "name": st.sampled_from(["web-7c9f", "batch-1", "n1"]),
            "uid": st.sampled_from(["u-1", "u-2", "u-3", ""]),
        },
        optional={"controller": st.booleans(), "blockOwnerDeletion": st.booleans()},
    ),
    max_size=3,
)


@st.composite
def population(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Pods drawing their labels, owners and containers from small shared pools, as the pods
    of a few templates do; some with none of them."""
    labels = draw(st.lists(label_sets, min_size=1, max_size=3))
    owners = draw(st.lists(owner_refs, min_size=1, max_size=3))
    templates = [draw(pods(index=100 + i))["spec"]["containers"] for i in range(2)]
    out = []
    for i in range(draw(st.integers(1, 12))):
        pod = draw(pods(index=i))
        meta = pod["metadata"]
        if draw(st.booleans()):
            meta["labels"] = copy.deepcopy(draw(st.sampled_from(labels)))
        if draw(st.booleans()):
            meta["ownerReferences"] = copy.deepcopy(draw(st.sampled_from(owners)))
        if draw(st.booleans()):
            pod["spec"]["containers"] = copy.deepcopy(draw(st.sampled_from(templates)))
        out.append(pod)
    return out


def cold_row(body: bytes) -> PodRow:
    """The row with no cache to hit: a fresh interner (labels, owners), containers cleared."""
    pods_module._CONTAINERS.clear()
    return ProjectionCodec(PODS).decode_object(body)


def managing(refs: list[dict[str, Any]]) -> dict[str, Any] | None:
    marked = [r for r in refs if r.get("controller")]
    return marked[0] if marked else (refs[0] if refs else None)


@settings(max_examples=150, deadline=None)
@given(population())
def test_rows_are_equal_with_and_without_the_caches(pop: list[dict[str, Any]]) -> None:
    warm = ProjectionCodec(PODS)
    bodies = [orjson.dumps(pod) for pod in pop]
    warm_rows = [warm.decode_object(body) for body in bodies]
    for pod, body, row in zip(pop, bodies, warm_rows, strict=True):
        assert row == cold_row(body)
        labels = pod["metadata"].get("labels") or {}
        assert list(row.labels.items()) == list(labels.items())  # same items, same order
        refs = pod["metadata"].get("ownerReferences") or []
        assert row.owner_uids == tuple(r["uid"] for r in refs if r["uid"])
        owner = managing(refs) or {}
        assert (row.owner_kind, row.owner_name, row.owner_uid) == (
            owner.get("kind"),
            owner.get("name"),
            owner.get("uid"),
        )
    # Pods with equal labels (in the same order) share one dict: what the interning is for.
    for a in warm_rows:
        for b in warm_rows:
            if list(a.labels.items()) == list(b.labels.items()):
                assert a.labels is b.labels


def test_a_malformed_raw_field_rejects_that_object_only() -> None:
    good = {"metadata": {"name": "a", "uid": "u-a", "labels": {"app": "web"}}}
    bad_labels = {"metadata": {"name": "b", "uid": "u-b", "labels": {"app": 1}}}
    bad_owners = {"metadata": {"name": "c", "uid": "u-c", "ownerReferences": {"kind": "x"}}}
    bad_containers = {"metadata": {"name": "d", "uid": "u-d"}, "spec": {"containers": [1]}}
    codec = ProjectionCodec(PODS)
    page = codec.decode_list(
        orjson.dumps({"metadata": {}, "items": [good, bad_labels, bad_owners, bad_containers]})
    )
    assert [row.name for row in page.items] == ["a"]
    assert len(page.rejected) == 3
    assert "Expected `str`, got `int`" in page.rejected[0]
    event = orjson.dumps({"type": "ADDED", "object": bad_labels})
    with pytest.raises(UndecodableObject, match="undecodable ADDED event"):
        codec.decode_event(event)
    assert codec.decode_event(orjson.dumps({"type": "ADDED", "object": good})).obj is not None


def test_raw_cache_is_bounded_and_counts_what_it_drops() -> None:
    made: list[bytes] = []

    def make(data: bytes) -> int:
        made.append(data)
        return len(data)

    cache: RawCache[int] = RawCache(make, max_entries=2)
    raws = [msgspec.Raw(b"[1]"), msgspec.Raw(b"[1, 2]"), msgspec.Raw(b"[1]")]
    assert [cache.get(r) for r in raws] == [3, 6, 3]
    assert made == [b"[1]", b"[1, 2]"]  # the third was a hit
    assert cache.get(msgspec.Raw(b"[3, 4, 5]")) == 9  # a third distinct value: full, emptied
    assert (len(cache), cache.resets, cache.dropped) == (1, 1, 2)
    assert cache.get(msgspec.Raw(b"[1]")) == 3 and made[-1] == b"[1]"  # made again


def test_scheduling_gates_are_read_from_raw_conditions_however_spelled() -> None:
    def status_of(conditions: bytes) -> str:
        body = (
            b'{"metadata": {"name": "p", "uid": "u"}, "spec": {"containers": [{"name": "c"}]},'
            b'"status": {"phase": "Pending", "conditions": ' + conditions + b"}}"
        )
        return ProjectionCodec(PODS).decode_object(body).status

    gated = b'[{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]'
    assert status_of(gated) == "SchedulingGated"
    # The same reason with a JSON escape (no literal name in the bytes) still counts.
    assert status_of(gated.replace(b"SchedulingGated", b"\\u0053chedulingGated")) == (
        "SchedulingGated"
    )
    other = b'[{"type": "Ready", "status": "False", "reason": "SchedulingGated"}]'
    assert status_of(other) == "Pending"
    assert status_of(b"null") == "Pending"
