"""`GET /_sim/state` counts the requests it answered by client (User-Agent product), verb and
resource — what the API-load benchmark reads to tell masthead's requests from a peer's."""

from __future__ import annotations

from masthead.sim.request_counts import RequestCounts
from tests.sim.simclient import running_sim

CM = "/api/v1/namespaces/team-a/configmaps"


async def test_state_counts_requests_by_agent_verb_and_resource() -> None:
    async with running_sim() as c:
        masthead = {"User-Agent": "masthead/0.1"}
        kubectl = {"User-Agent": "kubectl/v1.36.0 (linux/amd64) kubernetes/abc"}
        for _ in range(3):
            assert (await c.get(CM, headers=masthead)).status == 200
        r = await c.post(CM, {"metadata": {"name": "a"}}, headers=kubectl)
        assert r.status == 201
        assert (await c.get(CM + "/a", headers=kubectl)).status == 200
        assert (await c.get("/apis/apps/v1/deployments", headers=kubectl)).status == 200
        assert (await c.get("/api", headers=masthead)).status == 200
        w = await c.watch(CM, {"resourceVersion": "0", "timeoutSeconds": "1"}, headers=masthead)
        await w.collect()
        # Admin requests are not API requests: they are not counted.
        state = (await c.get("/_sim/state", headers=masthead)).body
        by_agent = state["requests"]["byAgent"]
        assert by_agent["masthead"] == {
            "get": {"discovery": 1},
            "list": {"configmaps": 3},
            "watch": {"configmaps": 1},
        }
        assert by_agent["kubectl"] == {
            "create": {"configmaps": 1},
            "get": {"configmaps": 1},
            "list": {"apps/deployments": 1},
        }
        assert state["requests"]["overflow"] == 0


def test_counts_are_capped_and_overflow_is_counted() -> None:
    counts = RequestCounts(max_keys=2)
    counts.record("a/1", "list", "pods")
    counts.record("b/1", "list", "pods")
    counts.record("c/1", "list", "pods")  # a third key: past the cap
    counts.record("a/2", "list", "pods")  # an existing key still counts
    counts.record("", "get", "pods")  # no User-Agent: past the cap too
    assert counts.to_json() == {
        "byAgent": {"a": {"list": {"pods": 2}}, "b": {"list": {"pods": 1}}},
        "overflow": 2,
    }
    fresh = RequestCounts()
    fresh.record("", "get", "health")
    assert fresh.to_json()["byAgent"] == {"unknown": {"get": {"health": 1}}}
