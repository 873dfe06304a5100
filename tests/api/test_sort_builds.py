"""The first page (or live window) sorted by a column waits for its sorted index, built a slice
at a time with the loop given back (views/sort_builds.py): pages asked for meanwhile, sorted by
that column or another, answer exactly what a built index answers."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from masthead.store import sorted_index
from masthead.store.sorted_index import SORTED_BUILDS
from tests.api.harness import live_socket, served
from tests.api.test_pages import objects


def node_order(pods: list[Any]) -> list[str]:
    """columns.py's order for the node column: by node, pods without one last, ties by
    (namespace, name, uid)."""
    keyed = [(p.decode()["spec"].get("nodeName"), (p.namespace, p.name, p.uid)) for p in pods]
    placed = sorted((node, tb) for node, tb in keyed if node is not None)
    unplaced = sorted(tb for node, tb in keyed if node is None)
    return [tb[2] for _, tb in placed] + [tb[2] for tb in unplaced]


async def test_pages_during_a_sliced_sort_build_answer_like_a_built_index(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sorted_index, "BUILD_STEP", 4)  # many slices even for the demo world
    async with served(connect=("admin",)) as s:
        pods = objects(s.sim, ("", "pods"))
        assert len(pods) > 40
        expected = node_order(pods)
        started, finished = SORTED_BUILDS.started, SORTED_BUILDS.finished
        queries: list[dict[str, Any]] = [
            {"sort": "node", "limit": 30},
            {"sort": "node", "offset": 10, "limit": 30},
            {"sort": "age", "desc": 1, "limit": 30},
            {"sort": "name", "limit": 5},
        ]
        during = await asyncio.gather(*(s.page("admin", "pods", **q) for q in queries))
        # node, age and name: one build each, shared by the pages that wait on it.
        assert SORTED_BUILDS.started == started + 3
        assert SORTED_BUILDS.finished == finished + 3
        assert [r["uid"] for r in during[0]["rows"]] == expected[:30]
        assert [r["uid"] for r in during[1]["rows"]] == expected[10:40]
        after = [await s.page("admin", "pods", **q) for q in queries]
        assert SORTED_BUILDS.started == started + 3  # built once, then read
        for d, a in zip(during, after, strict=True):
            assert d["rows"] == a["rows"] and d["total"] == a["total"] == len(pods)
            assert d["version"] == a["version"]  # a still world: the same ETag


async def test_a_live_window_waits_for_its_sort_and_then_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sorted_index, "BUILD_STEP", 4)
    async with served(connect=("admin",)) as s, live_socket(s) as live:
        pods = objects(s.sim, ("", "pods"))
        await live.subscribe("n", query={"sort": "node"}, window={"offset": 5, "limit": 20}, seq=3)
        frame = await live.page("n", seq=3, total=len(pods))
        assert [r["uid"] for r in frame["rows"]] == node_order(pods)[5:25]
        assert (await s.diagnostics())["live"]["sort_waits"] >= 1
