"""Live updates into the Table, relists without ghosts, interning, and the small parsers."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from masthead.sim.app import SimConfig, Simulator
from masthead.sim.podgen import POD_KEY, load_pods, realistic_pod
from masthead.sim.printers import human_duration as kubectl_duration
from masthead.sim.registry import DeleteOptions, WriteContext
from masthead.store.projection import Interner, ProjectionCodec, projection_for
from masthead.store.projection.durations import human_duration
from masthead.store.projection.pods import PODS
from masthead.store.projection.quantity import int_value, milli_value, parse_quantity
from masthead.store.query import Query, query_table
from tests.kube.kubesim import close_watches, eventually
from tests.store.projection.helpers import projected


def _pod(i: int, **status: Any) -> dict[str, Any]:
    pod = realistic_pod(i, "team-a", f"node-{i % 3}")
    pod["status"].update(status)
    return pod


async def test_watch_events_update_the_table_and_queries_see_them() -> None:
    async with Simulator() as sim:
        info = sim.info("", "v1", "pods")
        for i in range(20):
            sim.registry.put_prepared(info, _pod(i))
        async with projected(sim, "pods") as src:
            await src.live()
            table = src.table
            assert len(table) == 20
            version = table.version
            crashing = _pod(3)
            crashing["status"]["containerStatuses"][0] |= {
                "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                "ready": False,
                "restartCount": 9,
            }
            sim.registry.put_prepared(info, crashing)
            uid = crashing["metadata"]["uid"]
            await eventually(lambda: table[uid].status == "CrashLoopBackOff", what="MODIFIED")
            assert table.version == version + 1
            assert (table[uid].restarts, table[uid].ready) == (9, "0/1")
            page = query_table(table, Query(sort="restarts", desc=True, limit=1, facets={}))
            assert page.rows[0].uid == uid and page.version == table.version
            page = query_table(
                table, Query(sort="name", facets={"status": frozenset({"CrashLoopBackOff"})})
            )
            assert [r.uid for r in page.rows] == [uid]

            # The same object again (a no-op update: only resourceVersion changes) leaves
            # the table's version alone: rows compare by value.
            version = table.version
            sim.registry.put_prepared(info, orjson.loads(orjson.dumps(crashing)))
            sim.registry.put_prepared(info, _pod(50))
            await eventually(lambda: table.version == version + 1, what="ADDED")
            assert len(table) == 21

            gone = _pod(7)["metadata"]
            sim.store.remove(POD_KEY, gone["namespace"], gone["name"])
            await eventually(lambda: gone["uid"] not in table, what="DELETED")
            assert len(table) == 20
            assert gone["uid"] not in table.by_node.uids("node-1")


@pytest.mark.parametrize("watch_list", [True, False], ids=["watchlist", "list-watch"])
async def test_relist_after_410_leaves_no_ghosts(watch_list: bool) -> None:
    async with Simulator(SimConfig(watch_list_enabled=watch_list)) as sim:
        load_pods(sim.store, 1200, namespaces=5, nodes=7)
        async with projected(sim, "pods") as src:
            await src.live(20)
            assert len(src.table) == 1200
            syncs = src.reflector.syncs
            # In one synchronous step: the watch ends, pods vanish and appear while it is
            # away, and history is forgotten, so only a relist can reveal the deletes.
            close_watches(sim, POD_KEY)
            doomed = [s for s in sim.store.iter_objects(POD_KEY)][:30]
            for s in doomed:
                sim.store.remove(POD_KEY, s.namespace, s.name)
            sim.registry.put_prepared(sim.info("", "v1", "pods"), _pod(5000))
            sim.store.resource(POD_KEY).forget_history(sim.store.rv)
            await eventually(lambda: src.reflector.syncs > syncs, timeout=20, what="relist")
            server = {s.uid for s in sim.store.iter_objects(POD_KEY)}
            assert set(src.table.by_uid) == server and len(server) == 1171
            assert not any(s.uid in src.table for s in doomed)
            assert src.sink.last_replace.deleted == 30 and src.sink.last_replace.added == 1
            # Indexes follow: no ghost uid in any namespace bucket either.
            indexed = set().union(*(src.table.by_namespace.uids(f"ns-{n:03d}") for n in range(5)))
            assert indexed | {_pod(5000)["metadata"]["uid"]} == server


async def test_deleting_through_the_api_removes_the_row() -> None:
    async with Simulator() as sim:
        configmaps = sim.info("", "v1", "configmaps")
        sim.registry.create(
            configmaps,
            "team-a",
            {"metadata": {"name": "one"}, "data": {"k": "v"}},
            WriteContext("t"),
        )
        async with projected(sim, "configmaps", namespace="team-a") as src:
            await src.live()
            row = src.by_name("one")
            assert row.keys == 1
            sim.registry.delete(configmaps, "team-a", "one", DeleteOptions())
            await eventually(lambda: row.uid not in src.table, what="DELETED")
            assert all(r.name != "one" for r in src.table.rows())


def test_rows_share_repeated_strings_and_label_dicts() -> None:
    codec = ProjectionCodec(PODS)
    pods = [realistic_pod(i, f"ns-{i % 2}", f"node-{i % 2}") for i in range(0, 3000, 997)]
    pods += [realistic_pod(i, f"ns-{i % 2}", f"node-{i % 2}") for i in range(0, 3000, 997)]
    body = orjson.dumps({"kind": "PodList", "metadata": {"resourceVersion": "9"}, "items": pods})
    rows = codec.decode_list(body).items
    first, again = rows[0], rows[len(rows) // 2]
    assert first == again
    # Same labels: one dict; same namespace/node/owner: one string object.
    assert first.labels is again.labels
    assert first.namespace is again.namespace and first.node is again.node
    assert first.owner_uids is again.owner_uids and first.status is again.status
    assert first.name is not again.name  # unique values are not interned (nothing to share)


def test_interner_is_bounded() -> None:
    interner = Interner(max_entries=100)
    for i in range(1000):
        interner.labels({"pod": f"p-{i}"})
    assert len(interner) <= 100 and interner.resets >= 9
    shared = interner.labels({"app": "web"})
    assert interner.labels({"app": "web"}) is shared


def test_unknown_kinds_get_the_generic_projection() -> None:
    from masthead.kube.discovery import ResourceType

    rtype = ResourceType("acme.example", "v1", "gizmos", "Gizmo", True, frozenset({"list"}))
    projection = projection_for(rtype)
    row = ProjectionCodec(projection).decode_object(
        b'{"metadata":{"name":"g","namespace":"n","uid":"u","labels":{"a":"b"},'
        b'"creationTimestamp":"2026-11-01T10:00:00Z","managedFields":[{"manager":"x"}]},'
        b'"spec":{"huge":[1,2,3]}}'
    )
    assert (row.name, row.namespace, row.uid, row.labels, row.created) == (
        "g",
        "n",
        "u",
        {"a": "b"},
        1793527200.0,
    )
    core = ResourceType("", "v1", "pods", "Pod", True, frozenset({"list"}))
    assert projection_for(core) is PODS


@pytest.mark.parametrize(
    ("text", "milli", "value"),
    [
        ("100m", 100, 1),
        ("1", 1000, 1),
        ("1.5", 1500, 2),
        ("250u", 1, 1),
        ("5n", 1, 1),
        ("128Mi", 128 * 2**20 * 1000, 128 * 2**20),
        ("1Gi", 2**30 * 1000, 2**30),
        ("2k", 2_000_000, 2000),
        ("1e3", 1_000_000, 1000),
        ("1E", 10**21, 10**18),
        ("16006156Ki", 16006156 * 1024 * 1000, 16006156 * 1024),
        (".5", 500, 1),
    ],
)
def test_quantities(text: str, milli: int, value: int) -> None:
    assert (milli_value(text), int_value(text)) == (milli, value)


def test_bad_quantities_are_none() -> None:
    assert milli_value("lots") is None and int_value("1Xi") is None and int_value(None) is None


DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
SUFFIXES = {
    **{suffix: Fraction(10) ** e for suffix, e in DECIMAL.items()},
    **{f"{p}i": Fraction(2) ** (10 * (i + 1)) for i, p in enumerate("KMGTPE")},
}


@settings(max_examples=500)
@given(
    sign=st.sampled_from(["", "+", "-"]),
    whole=st.integers(0, 10**12),
    fraction=st.one_of(st.none(), st.integers(0, 999)),
    suffix=st.sampled_from(sorted(SUFFIXES)),
)
def test_quantity_is_the_exact_number_times_its_suffix(
    sign: str, whole: int, fraction: int | None, suffix: str
) -> None:
    """The integer fast path (`137803227n`, `1592576Ki`) and the decimal one agree with
    number × suffix computed exactly."""
    number = f"{sign}{whole}" + ("" if fraction is None else f".{fraction}")
    assert parse_quantity(number + suffix) == Fraction(number) * SUFFIXES[suffix]


@settings(max_examples=300)
@given(seconds=st.integers(-5, 20 * 365 * 86400))
def test_human_duration_matches_kubectl(seconds: int) -> None:
    assert human_duration(seconds) == kubectl_duration(timedelta(seconds=seconds))


def test_codecs_given_one_interner_share_it() -> None:
    """One interner per cluster: a namespace string is the same object in every kind's rows
    (an empty interner is falsy by length and must still be the one used)."""
    from masthead.store.projection.config import CONFIGMAPS

    interner = Interner()
    pods, configmaps = ProjectionCodec(PODS, interner), ProjectionCodec(CONFIGMAPS, interner)
    assert pods.interner is interner and configmaps.interner is interner
    pod = pods.decode_object(orjson.dumps(realistic_pod(1, "shared-ns", "node-0")))
    cm = configmaps.decode_object(
        b'{"metadata":{"name":"c","namespace":"shared-ns","uid":"u"},"data":{"a":"1"}}'
    )
    assert pod.namespace is cm.namespace and len(interner) > 0
