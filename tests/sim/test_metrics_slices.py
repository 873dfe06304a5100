"""metrics.k8s.io lists of many pods are built in time slices: metrics-server is a process of
its own, and the simulator building 100k pods' answer in one step held its loop (every watch
and request) for seconds under churn (issue 5). The loop's turns are counted while a list
is answered: with the answer built in one step there would be none in between."""

from __future__ import annotations

import orjson
import pytest

from masthead.sim.app import SimConfig
from masthead.sim.big_bodies import CHUNK_BYTES, list_json
from masthead.sim.podgen import load_pods
from tests.sim.loop_turns import counting_turns
from tests.sim.simclient import SimClient, running_sim

PODS = 5_000  # a few hundred milliseconds of work: far more than one 2 ms slice


async def turns_during(c: SimClient, path: str) -> tuple[int, int]:
    async with counting_turns() as turns:
        r = await c.get(path)
        answered = turns.count
    assert r.status == 200, r.text
    return answered, len(r.body["items"])


async def test_a_pods_list_over_many_pods_lets_the_loop_turn_while_it_is_built() -> None:
    async with running_sim(SimConfig(metrics="ok")) as c:
        load_pods(c.sim.store, PODS)
        turns, _ = await turns_during(c, "/apis/metrics.k8s.io/v1beta1/pods")
        # The request's own awaits take ~16 turns; slicing adds one per 2 ms (~120 here).
        assert turns >= 50, turns


@pytest.mark.parametrize("count", [0, 1, 1_999, 2_000, 4_001])
async def test_a_list_encoded_in_steps_is_the_bytes_of_one_dumps(count: int) -> None:
    head = {"kind": "PodMetricsList", "apiVersion": "metrics.k8s.io/v1beta1", "metadata": {}}
    items = [{"metadata": {"name": f"p-{i}"}, "containers": [{"usage": {"cpu": f"{i}n"}}]}
             for i in range(count)]  # fmt: skip
    assert await list_json(head, items) == orjson.dumps({**head, "items": items})
    assert await list_json({}, items) == orjson.dumps({"items": items})


async def test_a_large_list_answer_is_whole_and_sized() -> None:
    async with running_sim(SimConfig(metrics="ok")) as c:
        load_pods(c.sim.store, PODS)
        r = await c.get("/apis/metrics.k8s.io/v1beta1/pods")
        assert r.status == 200
        size = len(r.text.encode())
        assert size > CHUNK_BYTES  # written in several chunks
        assert int(r.headers["Content-Length"]) == size
        names = {i["metadata"]["name"] for i in r.body["items"]}
        assert len(names) == PODS
