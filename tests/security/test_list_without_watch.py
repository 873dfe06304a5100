"""A user who may list a resource but not watch it still sees it: the source is polled
(issue 4, Access), says so in its freshness and in the plan's warnings, and its LISTs show in
the cluster's load. Through the server, in in-cluster mode, with users bound to Roles."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from masthead.sim.registry import DeleteOptions, WriteContext
from tests.api.harness import TUNING, eventually_async
from tests.security.in_cluster import InCluster, add_role, add_user, in_cluster

POLLING = replace(TUNING, poll_interval=0.1, poll_jitter=0.2)
LIST_ONLY = [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"]}]


def make_cm(ic: InCluster, name: str) -> None:
    info = ic.sim.info("", "v1", "configmaps")
    ic.sim.registry.create(info, "team-a", {"metadata": {"name": name}}, WriteContext("test"))


def configmaps(ic: InCluster) -> set[str]:
    return {
        o.decode()["metadata"]["name"]
        for o in ic.sim.store.iter_objects(("", "configmaps"))
        if o.namespace == "team-a"
    }


async def test_list_without_watch_is_polled_without_ghosts() -> None:
    async with in_cluster(tuning=POLLING) as ic:
        for i in range(3):
            make_cm(ic, f"cm-{i}")
        token = add_user(ic.sim, "poller", "team-a", LIST_ONLY)
        await ic.connected(token)

        async def rows() -> tuple[set[str], dict[str, Any]]:
            page = await ic.page(token, "configmaps", limit=1000)
            source = next(s for s in page["sources"] if s["id"] == "configmaps@team-a")
            return {r["name"] for r in page["rows"]}, source

        await eventually_async(lambda: _equal(rows(), configmaps(ic)), 10)
        names, source = await rows()
        assert source["state"] == "polled" and "lastPoll" in source and "nextRetry" in source
        page = await ic.page(token, "configmaps")
        messages = [str(w.get("message")) for w in page["warnings"]]
        assert any("polled" in m and "list without watch" in m for m in messages), messages
        status, cluster, _ = await ic.get("/api/v1/clusters/in-cluster", token)
        assert status == 200 and cluster["state"] == "ready", "polled counts as live"
        assert cluster["load"]["requests_by_verb"].get("poll", 0) >= 1
        assert "watch" not in cluster["load"]["requests_by_verb"]

        # Changes arrive with the next poll; a deleted object leaves no ghost.
        ic.sim.registry.delete(
            ic.sim.info("", "v1", "configmaps"), "team-a", "cm-0", DeleteOptions()
        )
        make_cm(ic, "cm-new")
        await eventually_async(lambda: _equal(rows(), configmaps(ic)), 10)
        names, _ = await rows()
        assert "cm-0" not in names and "cm-new" in names

        # Watch granted: the re-check switches the source to a watch.
        watch = [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["watch"]}]
        add_role(ic.sim, "poller-watch", "team-a", watch, "poller")

        async def live() -> bool:
            _, source = await rows()
            return bool(source["state"] == "live")

        await eventually_async(live, 10)


async def _equal(got: Any, want: set[str]) -> bool:
    names, _ = await got
    return bool(names == want)
