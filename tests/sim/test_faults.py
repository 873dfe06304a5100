"""Fault injection observed by real clients over real HTTP (aiohttp; kubectl for 429 retries).

Each fault is set through the admin API (`POST /_sim/faults/<name>`), checked in
`GET /_sim/state`, observed by a client, and cleared or left to expire.
"""

from __future__ import annotations

import asyncio
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml

from masthead.sim.app import SimConfig
from masthead.sim.faults import (
    DEFAULT_DURATION,
    TOO_MANY_REQUESTS,
    FaultError,
    parse_fault_flag,
)
from tests.sim.kubectl_env import KUBECTLS, Kubectl, SimThread
from tests.sim.simclient import Reply, SimClient, running_sim

CM = "/api/v1/namespaces/team-a/configmaps"


def cm(name: str, **data: str) -> dict[str, Any]:
    return {"metadata": {"name": name}, "data": data}


async def set_fault(c: SimClient, fault: str, /, **params: Any) -> Reply:
    r = await c.post(f"/_sim/faults/{fault}", params)
    assert r.status == 201, r.text
    return r


async def state(c: SimClient) -> dict[str, Any]:
    r = await c.get("/_sim/state")
    assert r.status == 200, r.text
    body: dict[str, Any] = r.body
    return body


async def list_rv(c: SimClient, path: str = CM) -> int:
    r = await c.get(path)
    assert r.status == 200
    return int(r.body["metadata"]["resourceVersion"])


async def test_admin_api_needs_the_admin_token_and_checks_parameters() -> None:
    async with running_sim() as c:
        assert (await c.as_token("").get("/_sim/state")).status == 401
        jane = c.as_token(c.sim.restricted_token)
        r = await jane.post("/_sim/faults/throttle", {})
        assert r.status == 401 and r.body["reason"] == "Unauthorized"
        r = await c.post("/_sim/faults/no-such-fault", {})
        assert r.status == 404 and "throttle" in r.body["message"]
        r = await c.post("/_sim/faults/throttle", {"fractoin": 0.5})
        assert r.status == 400 and r.body["message"] == "throttle: unknown parameters: fractoin"
        r = await c.post("/_sim/faults/throttle", {"fraction": 2})
        assert r.status == 400
        r = await c.post("/_sim/faults/latency", {})
        assert r.status == 400 and r.body["message"] == "latency: ms is required"
        assert (await c.delete("/_sim/faults/throttle")).status == 404
        s = await state(c)
        assert s["faults"] == {} and s["listening"] is True and s["churn"] is None


async def test_drop_watches_resets_the_connection() -> None:
    async with running_sim() as c:
        rv = await list_rv(c)
        w = await c.watch(CM, {"resourceVersion": str(rv), "timeoutSeconds": "30"})
        other = await c.watch(
            "/api/v1/namespaces", {"resourceVersion": str(rv), "timeoutSeconds": "30"}
        )
        await c.post(CM, cm("before"))
        assert (await w.next())["object"]["metadata"]["name"] == "before"
        r = await set_fault(c, "drop-watches", path=CM)
        assert r.body["dropped"] == 1
        with pytest.raises((aiohttp.ClientError, ConnectionError)):
            await w.next(timeout=5)
        # The watch on another path was left alone.
        await c.post("/api/v1/namespaces", {"metadata": {"name": "still-watched"}})
        assert (await other.next())["object"]["metadata"]["name"] == "still-watched"
        s = await state(c)
        assert s["faults"] == {}  # a one-shot action, remembered under "recent"
        assert s["recent"][-1]["fault"] == "drop-watches" and s["recent"][-1]["dropped"] == 1
        # In force for a while, it also resets watches opened meanwhile.
        await set_fault(c, "drop-watches", duration=5)
        assert "drop-watches" in (await state(c))["faults"]
        with pytest.raises((aiohttp.ClientError, ConnectionError)):
            w2 = await c.watch(CM, {"resourceVersion": str(rv), "timeoutSeconds": "30"})
            await w2.next(timeout=5)
        assert (await c.delete("/_sim/faults/drop-watches")).status == 200
        w3 = await c.watch(CM, {"resourceVersion": str(rv), "timeoutSeconds": "30"})
        assert w3.status == 200 and (await w3.next())["object"]["metadata"]["name"] == "before"
        other.close()
        w3.close()


async def test_stall_sends_nothing_for_the_stall_period_and_keeps_tcp_open() -> None:
    async with running_sim() as c:
        rv = await list_rv(c)
        w = await c.watch(CM, {"resourceVersion": str(rv), "timeoutSeconds": "30"})
        r = await set_fault(c, "stall-watches", duration=1.0)
        assert r.body["stalled"] == 1
        assert (await state(c))["faults"]["stall-watches"]["stalled"] == 1
        stalled_at = time.monotonic()
        await c.post(CM, cm("during-stall"))
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(w.resp.content.readany(), 0.7)
        conn = w.resp.connection
        assert conn is not None and conn.transport is not None
        assert not conn.transport.is_closing()
        ev = await w.next(timeout=5)  # the stall ends with the fault: the event comes through
        waited = time.monotonic() - stalled_at
        assert ev is not None and ev["object"]["metadata"]["name"] == "during-stall"
        assert 0.9 <= waited < 3.0
        assert (await state(c))["faults"] == {}
        w.close()


async def test_stall_holds_new_watches_until_cleared() -> None:
    async with running_sim() as c:
        await c.post(CM, cm("exists"))
        await set_fault(c, "stall-watches", duration=30)
        w = await c.watch(CM, {"timeoutSeconds": "30"})
        assert w.status == 200  # headers sent; no event
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(w.resp.content.readany(), 0.5)
        assert (await c.delete("/_sim/faults/stall-watches")).status == 200
        ev = await w.next()
        assert ev is not None and ev["type"] == "ADDED"
        w.close()


async def test_force_410_on_old_watches_and_exact_lists_then_recovery() -> None:
    async with running_sim() as c:
        await c.post(CM, cm("a"))
        old = await list_rv(c)
        r = await set_fault(c, "force-410", duration=10)
        floor = r.body["floorResourceVersion"]
        assert floor == old + 1
        w = await c.watch(CM, {"resourceVersion": str(old)})
        assert w.status == 200
        events = await w.collect()
        assert events == [
            {
                "type": "ERROR",
                "object": {
                    "kind": "Status",
                    "apiVersion": "v1",
                    "metadata": {},
                    "status": "Failure",
                    "message": f"too old resource version: {old} ({floor})",
                    "reason": "Expired",
                    "code": 410,
                },
            }
        ]
        exact = await c.get(CM, params={"resourceVersion": str(old), "limit": "10"})
        assert exact.status == 410 and exact.body["reason"] == "Expired"
        # NotOlderThan lists are served (from the "watch cache"), as upstream.
        assert (await c.get(CM, params={"resourceVersion": str(old)})).status == 200
        # Re-listing recovers: the fresh revision is not older than the floor.
        fresh = await list_rv(c)
        assert fresh >= floor
        w2 = await c.watch(CM, {"resourceVersion": str(fresh), "timeoutSeconds": "5"})
        await c.post(CM, cm("b"))
        ev = await w2.next()
        assert ev is not None and ev["type"] == "ADDED" and ev["object"]["metadata"]["name"] == "b"
        w2.close()
        st = (await state(c))["faults"]["force-410"]
        assert st["hits"] == 2 and st["floorResourceVersion"] == floor
        # An unknown token is still a 401, not a 410.
        bad = await c.as_token("nope").get(CM, params={"watch": "1", "resourceVersion": str(old)})
        assert bad.status == 401
        assert (await c.delete("/_sim/faults/force-410")).status == 200
        w3 = await c.watch(CM, {"resourceVersion": str(old), "timeoutSeconds": "1"})
        assert [e["object"]["metadata"]["name"] for e in await w3.collect()] == ["b"]


async def test_force_410_bounded_by_count() -> None:
    async with running_sim() as c:
        old = await list_rv(c)
        await set_fault(c, "force-410", count=1, lists="none")
        first = await (await c.watch(CM, {"resourceVersion": str(old)})).collect()
        assert [e["type"] for e in first] == ["ERROR"] and first[0]["object"]["code"] == 410
        assert (await state(c))["faults"] == {}  # used up
        w = await c.watch(CM, {"resourceVersion": str(old), "timeoutSeconds": "1"})
        assert await w.collect() == []


async def test_throttle_hits_a_seeded_fraction_with_retry_after_and_plain_text() -> None:
    async with running_sim() as c:
        await set_fault(c, "throttle", fraction=0.3, seed=7, retryAfter=2, path=CM)
        replies = [await c.get(CM) for _ in range(100)]
        expected_rng = random.Random(7)
        expected = [expected_rng.random() < 0.3 for _ in range(100)]
        assert [r.status == 429 for r in replies] == expected
        assert 15 <= sum(expected) <= 45  # sanity: about the fraction
        for r in replies:
            if r.status == 429:
                assert r.text == TOO_MANY_REQUESTS
                assert r.headers["Retry-After"] == "2"
                assert r.headers["Content-Type"] == "text/plain; charset=utf-8"
                assert "X-Kubernetes-PF-PriorityLevel-UID" in r.headers
            else:
                assert r.status == 200 and r.body["kind"] == "ConfigMapList"
        # Other paths are not throttled.
        assert (await c.get("/api/v1/namespaces")).status == 200
        st = (await state(c))["faults"]["throttle"]
        assert (st["seen"], st["hits"]) == (100, sum(expected))
        assert 0 < st["expiresInSeconds"] <= DEFAULT_DURATION


async def test_server_errors_burst_with_status_bodies() -> None:
    async with running_sim() as c:
        await set_fault(c, "errors", code=500, count=3)
        statuses = [await c.get(CM) for _ in range(4)]
        assert [r.status for r in statuses] == [500, 500, 500, 200]
        assert statuses[0].body == {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": "Internal error occurred: injected fault",
            "reason": "InternalError",
            "details": {"causes": [{"message": "injected fault"}]},
            "code": 500,
        }
        await set_fault(c, "errors", code=503, retryAfter=1, count=1)
        r = await c.get(CM)
        assert r.status == 503 and r.body["reason"] == "ServiceUnavailable"
        assert r.headers["Retry-After"] == "1" and r.body["details"]["retryAfterSeconds"] == 1
        assert (await c.get(CM)).status == 200
        assert (await state(c))["faults"] == {}


async def test_latency_is_added_to_each_request() -> None:
    async with running_sim() as c:

        async def timed() -> float:
            t = time.perf_counter()
            assert (await c.get(CM)).status == 200
            return time.perf_counter() - t

        base = min([await timed() for _ in range(3)])
        await set_fault(c, "latency", ms=250)
        slow = [await timed() for _ in range(3)]
        assert all(0.25 <= s < 0.25 + base + 0.5 for s in slow), slow
        assert (await state(c))["faults"]["latency"]["hits"] == 3
        await c.delete("/_sim/faults/latency")
        assert await timed() < 0.2


async def test_slow_body_streams_chunks_with_delays() -> None:
    async with running_sim() as c:
        for i in range(10):
            await c.post(CM, cm(f"slow-{i}", payload="x" * 100))
        normal = await c.get(CM)
        await set_fault(c, "slow-body", chunkBytes=500, delayMs=40, path=CM)
        async with c.session.get(c.sim.url + CM, headers=c._headers(None)) as r:
            t0 = time.perf_counter()
            chunks: list[tuple[float, int]] = []
            async for data in r.content.iter_any():
                chunks.append((time.perf_counter() - t0, len(data)))
            body = b"".join(b"x" * n for _, n in chunks)
        n_chunks = -(-len(normal.text.encode()) // 500)
        assert len(body) == len(normal.text.encode())
        assert r.headers.get("Transfer-Encoding") == "chunked"
        assert chunks[-1][0] >= (n_chunks - 1) * 0.04 * 0.9
        slow = await c.get(CM)
        assert slow.body == normal.body


async def wait_until_up(url: str, timeout: float = 5.0) -> float:
    """Poll with fresh connections until the server answers; returns when it did."""
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as fresh:
        for _ in range(int(timeout / 0.02)):
            try:
                async with fresh.get(url + "/version") as r:
                    if r.status == 200:
                        return time.monotonic()
            except aiohttp.ClientConnectorError:
                assert time.monotonic() < deadline, "the simulator did not come back"
            await asyncio.sleep(0.02)
    raise AssertionError("the simulator did not come back")


async def test_down_refuses_connections_then_comes_back_on_the_same_port() -> None:
    async with running_sim() as c:
        await c.post(CM, cm("survivor"))
        port = c.sim.port
        rv = await list_rv(c)
        w = await c.watch(CM, {"resourceVersion": str(rv), "timeoutSeconds": "30"})
        r = await set_fault(c, "down", seconds=1.0, afterSeconds=0.05)
        assert r.body["backInSeconds"] == 1.0
        await asyncio.sleep(0.3)
        with pytest.raises((aiohttp.ClientError, ConnectionError)):
            await w.next(timeout=5)
        assert not c.sim.listening
        async with aiohttp.ClientSession() as fresh:
            with pytest.raises(aiohttp.ClientConnectorError):
                await fresh.get(c.sim.url + "/version")
        await wait_until_up(c.sim.url)
        assert c.sim.port == port
        async with aiohttp.ClientSession() as fresh:
            fc = c.__class__(c.sim, fresh, c.token)
            got = await fc.get(CM + "/survivor")
            assert got.status == 200 and got.body["data"] == {}
            # History kept: a watch from before the outage resumes.
            w2 = await fc.watch(CM, {"resourceVersion": str(rv), "timeoutSeconds": "1"})
            assert await w2.collect() == []
            s = await state(fc)
            assert s["listening"] is True and s["faults"] == {}
            assert s["recent"][-1]["fault"] == "down"


async def test_down_losing_history_makes_older_revisions_410() -> None:
    async with running_sim() as c:
        rv = await list_rv(c)
        await c.post(CM, cm("after-rv"))
        await set_fault(c, "down", seconds=0.3, loseHistory=True)
        await asyncio.sleep(0.1)
        await wait_until_up(c.sim.url)
        async with aiohttp.ClientSession() as fresh:
            fc = c.__class__(c.sim, fresh, c.token)
            events = await (await fc.watch(CM, {"resourceVersion": str(rv)})).collect()
            assert [(e["type"], e["object"]["code"]) for e in events] == [("ERROR", 410)]
            assert (await fc.get(CM + "/after-rv")).status == 200


async def test_expired_token_gets_401_for_the_next_requests_then_works() -> None:
    async with running_sim() as c:
        jane = c.as_token(c.sim.restricted_token)
        assert (await jane.get(CM)).status == 200
        await set_fault(c, "expire-token", user="jane", count=2)
        assert "tokens" not in str((await state(c))["faults"]["expire-token"]["params"])
        r1, r2, r3 = [await jane.get(CM) for _ in range(3)]
        assert (r1.status, r2.status, r3.status) == (401, 401, 200)
        assert r1.body["reason"] == "Unauthorized" and r1.body["message"] == "Unauthorized"
        assert (await c.get(CM)).status == 200  # other tokens are unaffected
        await set_fault(c, "expire-token", token=c.sim.restricted_token, duration=30)
        assert (await jane.get(CM)).status == 401
        assert (await c.delete("/_sim/faults/expire-token")).status == 200
        assert (await jane.get(CM)).status == 200


async def test_revoke_and_grant_permissions_through_rbac() -> None:
    async with running_sim() as c:
        jane = c.as_token(c.sim.restricted_token)
        assert (await jane.get(CM)).status == 200
        r = await set_fault(c, "revoke", namespace="team-a", role="edit")
        assert r.body["deletedBindings"] == ["jane-edit"]
        denied = await jane.get(CM)
        assert denied.status == 403
        assert denied.body["message"] == (
            'configmaps is forbidden: User "jane" cannot list resource "configmaps" in API '
            'group "" in the namespace "team-a"'
        )
        assert (await c.delete("/_sim/faults/revoke")).status == 200
        assert (await jane.get(CM)).status == 200
        default_cms = "/api/v1/namespaces/default/configmaps"
        assert (await jane.get(default_cms)).status == 403
        r = await set_fault(c, "grant", namespace="default", role="view", duration=30)
        assert (await jane.get(default_cms)).status == 200
        assert (await state(c))["faults"]["grant"]["createdBinding"] == r.body["createdBinding"]
        assert (await c.delete("/_sim/faults/grant")).status == 200
        assert (await jane.get(default_cms)).status == 403


async def test_create_and_delete_crds() -> None:
    async with running_sim() as c:
        widgets = "/apis/faults.masthead.dev/v1/namespaces/team-a/widgets"
        r = await set_fault(c, "create-crd", duration=30)
        crd_name = r.body["createdCrd"]
        assert crd_name == "widgets.faults.masthead.dev"
        await _until(lambda: c.get(widgets), 200)
        assert (await c.post(widgets, {"metadata": {"name": "w1"}, "size": 3})).status == 201
        r = await set_fault(c, "delete-crd", name=crd_name, duration=30)
        await _until(lambda: c.get(widgets), 404)
        # Clearing delete-crd brings the definition back (without the deleted instances).
        await c.delete("/_sim/faults/delete-crd")
        await _until(lambda: c.get(widgets), 200)
        assert (await c.get(widgets)).body["items"] == []
        await c.delete("/_sim/faults/create-crd")
        await _until(lambda: c.get(widgets), 404)
        missing = await c.post("/_sim/faults/delete-crd", {"name": "nope.example.com"})
        assert missing.status == 404


async def _until(call: Any, status: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        r = await call()
        if r.status == status:
            return
        assert time.monotonic() < deadline, (r.status, r.text)
        await asyncio.sleep(0.05)


async def test_jump_rv_moves_the_next_list_revision() -> None:
    async with running_sim() as c:
        before = await list_rv(c)
        r = await set_fault(c, "jump-rv", delta=5_000_000)
        assert int(r.body["toResourceVersion"]) == before + 5_000_000
        after = await list_rv(c)
        assert after == before + 5_000_000
        created = await c.post(CM, cm("post-jump"))
        assert int(created.body["metadata"]["resourceVersion"]) == after + 1
        # Without expireOlder, history survives: a watch from before the jump replays.
        w = await c.watch(CM, {"resourceVersion": str(before), "timeoutSeconds": "1"})
        assert [e["object"]["metadata"]["name"] for e in await w.collect()] == ["post-jump"]
        await set_fault(c, "jump-rv", delta=10, expireOlder=True)
        events = await (await c.watch(CM, {"resourceVersion": str(after)})).collect()
        assert [(e["type"], e["object"]["reason"]) for e in events] == [("ERROR", "Expired")]
        assert (await state(c))["faults"] == {}


async def test_shrink_history_expires_resumes_and_is_restored() -> None:
    async with running_sim(SimConfig(history_size=1000)) as c:
        rvs = []
        for i in range(6):
            rvs.append(int((await c.post(CM, cm(f"h-{i}"))).body["metadata"]["resourceVersion"]))
        await set_fault(c, "shrink-history", size=2, duration=0.5)
        assert (await state(c))["historySize"] == 2
        events = await (await c.watch(CM, {"resourceVersion": str(rvs[1])})).collect()
        assert events[0]["object"]["code"] == 410
        w = await c.watch(CM, {"resourceVersion": str(rvs[4]), "timeoutSeconds": "1"})
        assert [e["object"]["metadata"]["name"] for e in await w.collect()] == ["h-5"]
        await asyncio.sleep(0.7)
        s = await state(c)
        assert s["faults"] == {} and s["historySize"] == 1000


async def test_faults_expire_by_themselves() -> None:
    async with running_sim() as c:
        await set_fault(c, "throttle", duration=0.3)
        await set_fault(c, "latency", ms=1, duration=0.3)
        assert set((await state(c))["faults"]) == {"throttle", "latency"}
        assert (await c.get(CM)).status == 429
        assert (await c.get("/readyz")).status == 200  # probes are exempt
        await asyncio.sleep(0.5)
        assert (await state(c))["faults"] == {}
        assert (await c.get(CM)).status == 200


async def test_all_faults_cleared_at_once() -> None:
    async with running_sim() as c:
        await set_fault(c, "throttle", fraction=0.0)
        await set_fault(c, "errors", fraction=0.0)
        r = await c.delete("/_sim/faults")
        assert sorted(r.body["cleared"]) == ["errors", "throttle"]
        assert (await state(c))["faults"] == {}


@pytest.mark.kubectl
@pytest.mark.parametrize("binary", KUBECTLS)
def test_kubectl_retries_429_after_retry_after(binary: str | None) -> None:
    if binary is None:
        pytest.skip("kubectl binary not installed")
    st = SimThread(SimConfig(https=True))
    with st as sim, tempfile.TemporaryDirectory(prefix="kubectl-cache-") as cache:
        assert sim.kubeconfig_path is not None
        kubectl = Kubectl(binary, sim.kubeconfig_path, cache)
        manifest = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"retried"}}'
        kubectl.ok("create", "-n", "team-a", "-f", "-", stdin=manifest)
        st.call(sim.faults.set("throttle", {"count": 2, "retryAfter": 1, "path": CM}))
        t0 = time.monotonic()
        out = kubectl.ok("get", "configmaps", "-n", "team-a", "-o", "name")
        took = time.monotonic() - t0
        assert out.strip() == "configmap/retried"
        assert took >= 1.8  # two waits of Retry-After: 1
        assert "throttle" not in sim.faults.state()["faults"]  # both hits used
        st.call(sim.faults.set("errors", {"code": 503, "retryAfter": 1, "count": 1, "path": CM}))
        assert kubectl.ok("get", "configmaps", "-n", "team-a", "-o", "name").strip() == (
            "configmap/retried"
        )
        st.call(sim.faults.set("errors", {"code": 500, "count": 20, "path": CM}))
        failed = kubectl("get", "configmaps", "-n", "team-a")
        assert failed.code != 0 and "injected fault" in failed.err


def test_cli_starts_with_faults_and_churn(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "masthead.cli",
            "sim",
            "--http",
            "--controllers",
            "none",
            "--kubeconfig-out",
            str(kubeconfig),
            "--fault",
            "throttle=fraction=1,retryAfter=3,path=/api/v1/namespaces/team-a",
            "--fault",
            'latency={"ms": 1}',
            "--churn",
            "50",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = ""
        for _ in range(20):
            line = proc.stdout.readline()
            if "Kubernetes API on" in line:
                url = line.rsplit(" ", 1)[1].strip()
            if "churn 50" in line:
                break
        assert url.startswith("http://127.0.0.1:")
        token = yaml.safe_load(kubeconfig.read_text())["users"][0]["user"]["token"]
        headers = {"Authorization": f"Bearer {token}"}

        async def check() -> None:
            async with aiohttp.ClientSession(headers=headers) as s:
                async with s.get(url + "/_sim/state") as r:
                    st = await r.json()
                assert set(st["faults"]) == {"throttle", "latency"}
                assert st["faults"]["throttle"]["params"]["retryAfter"] == 3
                assert st["churn"]["running"] is True and st["churn"]["targetRate"] == 50
                async with s.get(url + CM) as r:
                    assert r.status == 429 and r.headers["Retry-After"] == "3"
                async with s.get(url + "/api/v1/namespaces/default/configmaps") as r:
                    assert r.status == 200

        asyncio.run(check())
    finally:
        proc.terminate()
        proc.wait(10)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def test_fault_flag_syntax() -> None:
    assert parse_fault_flag("drop-watches") == ("drop-watches", {})
    assert parse_fault_flag("throttle=fraction=0.1,retryAfter=2,path=/api") == (
        "throttle",
        {"fraction": 0.1, "retryAfter": 2, "path": "/api"},
    )
    assert parse_fault_flag('errors={"code": 503, "count": 5}') == (
        "errors",
        {"code": 503, "count": 5},
    )
    with pytest.raises(FaultError, match="unknown fault 'nope'"):
        parse_fault_flag("nope=1")
    with pytest.raises(FaultError, match="expected key=value"):
        parse_fault_flag("throttle=fraction")
