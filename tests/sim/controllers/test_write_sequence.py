"""The stored writes a pod delete sets off (graceful delete, kubelet status, final delete,
ReplicaSet re-create, scheduler bind, kubelet start, EndpointSlice and Event updates) are the
same write for write as before the controllers' write path was made cheaper: performance work
must not change what a watcher sees, only what each write costs."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import orjson

from masthead.sim.store import WatchEvent
from tests.sim.controllers.helpers import (
    DEPLOY,
    NS,
    PODS,
    add_nodes,
    cluster,
    deployment,
    eventually,
    items,
    ready,
)
from tests.sim.simclient import SimClient

UID = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    r"|kube-api-access-[a-z0-9]{5}|10\.250\.\d+\.\d+"
)
# Node heartbeats (leases, node status) follow the clock, not the delete.
CLOCKED = {"leases", "nodes"}

# (resource, watch event type, managedFields entries) of every stored write from the delete
# until the replacement pod is Running and the controllers are idle, recorded before the
# write path's cost cuts.
EXPECTED = Path(__file__).with_name("pod_delete_writes.json")


def managers(obj: dict[str, Any]) -> str:
    """The object's managedFields entries as `manager/operation/subresource:FieldsV1`, joined
    (uids, generated volume names and pod IPs masked: they differ from run to run)."""
    out = []
    for e in obj["metadata"].get("managedFields") or []:
        fields = UID.sub("<uid>", orjson.dumps(e.get("fieldsV1") or {}).decode())
        out.append(f"{e['manager']}/{e['operation']}/{e.get('subresource', '')}:{fields}")
    return " ".join(out)


async def settled(c: SimClient) -> None:
    async def quiet() -> bool:
        return c.sim.controllers.idle()

    for _ in range(3):  # idle three polls in a row: no timer is about to fire work
        await eventually(quiet, what="idle controllers")
        await asyncio.sleep(0.3)


async def test_a_pod_delete_sets_off_the_same_stored_writes() -> None:
    async with cluster() as c:
        await add_nodes(c, "node-a")
        assert (await c.post(DEPLOY, deployment("web", 2))).status == 201
        svc = {
            "metadata": {"name": "web"},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]},
        }
        assert (await c.post(f"/api/v1/namespaces/{NS}/services", svc)).status == 201

        async def two_running() -> list[dict[str, Any]] | None:
            pods = await items(c, PODS)
            return pods if len(pods) == 2 and all(ready(p) for p in pods) else None

        pods = await eventually(two_running, what="2 running pods")
        await settled(c)
        writes: list[tuple[str, str, str]] = []

        def observe(key: tuple[str, str], ev: WatchEvent) -> None:
            if key[1] not in CLOCKED:
                writes.append((key[1], ev.type, managers(ev.obj.decode())))

        c.sim.store.observers.append(observe)
        victim = pods[0]["metadata"]["name"]
        assert (await c.delete(f"{PODS}/{victim}")).status == 200

        async def replaced() -> bool:
            now = await items(c, PODS)
            names = {p["metadata"]["name"] for p in now}
            return len(now) == 2 and victim not in names and all(ready(p) for p in now)

        await eventually(replaced, what="a running replacement")
        await settled(c)
        c.sim.store.observers.remove(observe)
        assert [list(w) for w in writes] == orjson.loads(EXPECTED.read_bytes())
