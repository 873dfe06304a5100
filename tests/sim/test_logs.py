"""Pod logs over real HTTP, the official Python client and real kubectl: every parameter, the
API server's and kubelet's error wording, follow until the container terminates."""

from __future__ import annotations

import asyncio
import re
import tempfile
import time
from collections.abc import Iterator
from typing import Any

import aiohttp
import orjson
import pytest

from masthead.sim.app import SimConfig, Simulator
from masthead.sim.logs import LogConfig
from masthead.sim.registry import WriteContext
from tests.sim.kubectl_env import KUBECTLS, Kubectl, SimThread
from tests.sim.simclient import SimClient, running_sim

NS = "team-a"
LOG = f"/api/v1/namespaces/{NS}/pods/{{}}/log"
TS = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{9})Z (.*)$")
CTX = WriteContext("test")


def rfc(seconds_ago: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - seconds_ago))


def ts_seconds(line: str) -> float:
    m = TS.match(line)
    assert m, line
    base = time.mktime(time.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S")) - time.timezone
    return base + int(m.group(2)) / 1e9


def running(name: str, started_ago: float, restarts: int = 0, last: Any = None) -> dict[str, Any]:
    return {
        "name": name,
        "ready": True,
        "restartCount": restarts,
        "image": "img",
        "imageID": "",
        "started": True,
        "state": {"running": {"startedAt": rfc(started_ago)}},
        "lastState": {"terminated": last} if last else {},
    }


def terminated(
    started_ago: float, finished_ago: float, code: int = 1, reason: str = "Error"
) -> dict[str, Any]:
    return {
        "exitCode": code,
        "reason": reason,
        "startedAt": rfc(started_ago),
        "finishedAt": rfc(finished_ago),
        "containerID": "containerd://0f3a9c",
    }


def waiting(name: str, reason: str, restarts: int = 0, last: Any = None) -> dict[str, Any]:
    return {
        "name": name,
        "ready": False,
        "restartCount": restarts,
        "image": "img",
        "imageID": "",
        "state": {"waiting": {"reason": reason}},
        "lastState": {"terminated": last} if last else {},
    }


def add_node(sim: Simulator, name: str, ready: bool = True, cpu: str = "8") -> None:
    info = sim.info("", "v1", "nodes")
    sim.registry.create(
        info, "", {"metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}}}, CTX
    )
    node = sim.registry.get(info, "", name)
    node["status"] = {
        "capacity": {"cpu": cpu, "memory": "32Gi", "pods": "110"},
        "allocatable": {"cpu": cpu, "memory": "31Gi", "pods": "110"},
        "conditions": [
            {
                "type": "Ready",
                "status": "True" if ready else "Unknown",
                "lastTransitionTime": rfc(3600),
                "reason": "KubeletReady" if ready else "NodeStatusUnknown",
            }
        ],
    }
    sim.registry.update(info, "", name, node, CTX, subresource="status")


def add_pod(
    sim: Simulator,
    name: str,
    containers: list[tuple[str, str]],
    statuses: list[dict[str, Any]] | None,
    *,
    ns: str = NS,
    node: str | None = "node-1",
    init: list[tuple[str, str]] | None = None,
    annotations: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
    resources: dict[str, Any] | None = None,
) -> None:
    info = sim.info("", "v1", "pods")
    spec: dict[str, Any] = {
        "containers": [
            {"name": n, "image": i, **({"resources": resources} if resources else {})}
            for n, i in containers
        ]
    }
    if init:
        spec["initContainers"] = [{"name": n, "image": i} for n, i in init]
    if node:
        spec["nodeName"] = node
    meta: dict[str, Any] = {"name": name, "labels": labels or {"app": name}}
    if annotations:
        meta["annotations"] = annotations
    sim.registry.create(info, ns, {"metadata": meta, "spec": spec}, CTX)
    if statuses is not None:
        set_statuses(sim, name, statuses, ns=ns)


def set_statuses(sim: Simulator, name: str, statuses: list[dict[str, Any]], ns: str = NS) -> None:
    info = sim.info("", "v1", "pods")
    pod = sim.registry.get(info, ns, name)
    pod["status"] = {"phase": "Running", "containerStatuses": statuses}
    sim.registry.update(info, ns, name, pod, CTX, subresource="status")


async def log(c: SimClient, pod: str, **params: str) -> tuple[int, str, Any]:
    r = await c.get(LOG.format(pod), params=params)
    return r.status, r.text, r.body


# ---------------------------------------------------------------------- errors
async def test_container_choice_errors_and_unscheduled_pod() -> None:
    async with running_sim() as c:
        add_pod(c.sim, "web-1", [("web", "nginx:1.27"), ("sidecar", "envoy:1.30")], None)
        add_pod(
            c.sim, "web-2", [("web", "nginx"), ("sidecar", "x")], None, init=[("init", "busybox")]
        )
        add_pod(c.sim, "pending", [("main", "nginx")], None, node=None)
        status, _, body = await log(c, "web-1")
        assert status == 400 and body["reason"] == "BadRequest"
        assert body["message"] == (
            "a container name must be specified for pod web-1, choose one of: [web sidecar]"
        )
        _, _, body = await log(c, "web-2")
        assert body["message"] == (
            "a container name must be specified for pod web-2, choose one of: [init web sidecar]"
        )
        status, _, body = await log(c, "web-1", container="nope")
        assert (status, body["message"]) == (400, "container nope is not valid for pod web-1")
        # No node yet: 204 with no body (fixture 11)...
        r = await c.get(LOG.format("pending"))
        assert (r.status, r.text) == (204, "")
        # ...but options and the container are checked first, as upstream does.
        add_pod(c.sim, "pending-2", [("a", "nginx"), ("b", "nginx")], None, node=None)
        status, _, body = await log(c, "pending-2")
        assert status == 400 and "choose one of: [a b]" in body["message"]
        status, _, _ = await log(c, "pending", tailLines="-1")
        assert status == 422
        assert (await c.get(LOG.format("ghost"))).body["message"] == 'pods "ghost" not found'


async def test_kubelet_errors_for_containers_without_logs() -> None:
    async with running_sim() as c:
        cases = {
            "ContainerCreating": 'container "web" in pod "p-cc" is waiting to start: '
            "ContainerCreating",
            "ErrImagePull": 'container "web" in pod "p-eip" is waiting to start: '
            "image can't be pulled",
            "ImagePullBackOff": 'container "web" in pod "p-ipb" is waiting to start: '
            "trying and failing to pull image",
            "PodInitializing": 'container "web" in pod "p-pi" is waiting to start: PodInitializing',
        }
        names = {"ContainerCreating": "p-cc", "ErrImagePull": "p-eip"}
        names |= {"ImagePullBackOff": "p-ipb", "PodInitializing": "p-pi"}
        for reason, pod in names.items():
            add_pod(c.sim, pod, [("web", "nginx")], [waiting("web", reason)])
            status, _, body = await log(c, pod)
            assert (status, body["message"]) == (400, cases[reason])
        add_pod(c.sim, "p-nostatus", [("web", "nginx")], [])
        _, _, body = await log(c, "p-nostatus")
        assert body["message"] == 'container "web" in pod "p-nostatus" is not available'
        add_pod(c.sim, "p-fresh", [("web", "nginx")], [running("web", 5)])
        status, _, body = await log(c, "p-fresh", previous="true")
        assert (status, body["message"]) == (
            400,
            'previous terminated container "web" in pod "p-fresh" not found',
        )


async def test_option_validation_wording() -> None:
    async with running_sim() as c:
        add_pod(c.sim, "web-1", [("web", "nginx")], [running("web", 60)])
        status, _, body = await log(c, "web-1", sinceSeconds="10", sinceTime=rfc(10))
        assert status == 422 and body["reason"] == "Invalid"
        assert body["message"] == (
            'PodLogOptions "web-1" is invalid: : Forbidden: at most one of `sinceTime` or '
            "`sinceSeconds` may be specified"
        )
        assert body["details"]["kind"] == "PodLogOptions"
        assert body["details"]["causes"] == [
            {
                "reason": "FieldValueForbidden",
                "message": "Forbidden: at most one of `sinceTime` or `sinceSeconds` may be "
                "specified",
            }
        ]
        _, _, body = await log(c, "web-1", tailLines="-1", limitBytes="0")
        assert body["message"] == (
            'PodLogOptions "web-1" is invalid: [tailLines: Invalid value: -1: must be greater '
            "than or equal to 0, limitBytes: Invalid value: 0: must be greater than 0]"
        )
        _, _, body = await log(c, "web-1", sinceSeconds="0")
        assert body["message"].endswith("sinceSeconds: Invalid value: 0: must be greater than 0")
        status, _, body = await log(c, "web-1", tailLines="ten")
        assert (status, body["message"]) == (
            400,
            'strconv.ParseInt: parsing "ten": invalid syntax',
        )
        status, _, body = await log(c, "web-1", sinceTime="yesterday")
        assert status == 400 and body["message"].startswith('parsing time "yesterday" as')
        _, _, body = await log(c, "web-1", stream="Both")
        assert body["message"] == (
            'PodLogOptions "web-1" is invalid: stream: Unsupported value: "Both": supported '
            'values: "Stdout", "Stderr", "All"'
        )
        _, _, body = await log(c, "web-1", stream="Stderr", tailLines="3")
        assert body["message"].endswith(
            ": Forbidden: `tailLines` and specific `stream` are mutually exclusive for now"
        )
    async with running_sim(SimConfig(logs=LogConfig(split_streams=False))) as c:
        add_pod(c.sim, "web-1", [("web", "nginx")], [running("web", 60)])
        _, _, body = await log(c, "web-1", stream="Stdout")
        assert body["message"] == (
            'PodLogOptions "web-1" is invalid: stream: Forbidden: may not be specified'
        )


# ---------------------------------------------------------------------- parameters
async def test_tail_timestamps_since_limit_and_determinism() -> None:
    async with running_sim() as c:
        add_pod(
            c.sim,
            "web-1",
            [("web", "nginx:1.27")],
            [running("web", 120)],
            annotations={"masthead.dev/log-rate": "20"},
        )
        r = await c.get(LOG.format("web-1"), params={"container": "web"})
        assert r.status == 200 and r.headers["Content-Type"] == "text/plain"
        full = r.text.splitlines()
        # Two minutes at 20 lines/s plus the nginx entrypoint prologue.
        assert 2300 <= len(full) <= 2500, len(full)
        assert full[0].startswith("/docker-entrypoint.sh:")
        assert sum('HTTP/1.1" ' in line for line in full) > 2000

        status, text, _ = await log(c, "web-1", tailLines="5", timestamps="true")
        tail = text.splitlines()
        assert status == 200 and len(tail) == 5
        stamps = [ts_seconds(line) for line in tail]
        assert stamps == sorted(stamps) and time.time() - 5 < stamps[-1] <= time.time() + 0.01
        # Same lines as the end of the untimestamped log (it is computed, not random).
        plain = [TS.match(line).group(3) for line in tail]  # type: ignore[union-attr]
        again = (await log(c, "web-1", tailLines="40"))[1].splitlines()
        assert plain[0] in again and again.index(plain[0]) + 5 <= len(again) + 1

        _, text, _ = await log(c, "web-1", sinceSeconds="3", timestamps="true")
        recent = text.splitlines()
        assert 40 <= len(recent) <= 80
        assert all(ts_seconds(line) >= time.time() - 3.5 for line in recent)
        _, text, _ = await log(c, "web-1", sinceTime=rfc(10), timestamps="true")
        assert 150 <= len(text.splitlines()) <= 230
        assert ts_seconds(text.splitlines()[0]) >= time.time() - 11

        _, text, _ = await log(c, "web-1", limitBytes="100")
        assert len(text.encode()) == 100 and r.text.startswith(text)
        _, text, _ = await log(c, "web-1", tailLines="0")
        assert text == ""


async def test_previous_and_crash_loop_read_the_terminated_run() -> None:
    async with running_sim() as c:
        last = terminated(started_ago=100, finished_ago=40, code=2)
        add_pod(
            c.sim,
            "api-1",
            [("api", "ghcr.io/acme/checkout-api:v3")],
            [running("api", 30, restarts=3, last=last)],
        )
        status, text, _ = await log(c, "api-1", previous="true", timestamps="true")
        lines = text.splitlines()
        # 60 s of a 1 line/s generator; line gaps are random per pod uid, so allow spread.
        assert status == 200 and len(lines) > 20
        first, final = ts_seconds(lines[0]), ts_seconds(lines[-1])
        assert time.time() - 101 <= first < final <= time.time() - 39
        assert lines[-1].endswith("exit status 2")  # the crash epilogue of a Go service
        assert any('"msg":"starting service"' in line for line in lines[:5])
        # The current run is a different instance with different lines.
        _, current, _ = await log(c, "api-1")
        assert current.splitlines()[-1] not in text
        # Waiting in CrashLoopBackOff: the kubelet serves the last terminated run.
        add_pod(
            c.sim,
            "api-2",
            [("api", "ghcr.io/acme/checkout-api:v3")],
            [waiting("api", "CrashLoopBackOff", restarts=4, last=last)],
        )
        status, text2, _ = await log(c, "api-2")
        assert status == 200 and text2.splitlines()[-1] == "exit status 2"
        # Determinism: an ended instance reads back byte for byte.
        assert (await log(c, "api-2"))[1] == text2


async def test_streams_styles_and_bounded_history() -> None:
    cfg = SimConfig(logs=LogConfig(max_history_bytes=64 * 1024))
    async with running_sim(cfg) as c:
        fast = {"masthead.dev/log-rate": "50000"}
        add_pod(c.sim, "ngx", [("web", "nginx:1.27")], [running("web", 3600)], annotations=fast)
        t0 = time.monotonic()
        _, text, _ = await log(c, "ngx")
        assert time.monotonic() - t0 < 2
        # An hour at 50k lines/s is 180M lines; the node keeps only the newest 64 KiB or so.
        assert 40_000 < len(text.encode()) < 100_000
        # One line in 97 is an [error] on stderr and the kept 64 KiB hold ~360 lines, so a
        # window can hold none (~2.5 %): the stream moves on 50k lines a second, ask again.
        err = ""
        for _ in range(10):
            _, err, _ = await log(c, "ngx", stream="Stderr", sinceSeconds="1")
            if err:
                break
            await asyncio.sleep(0.05)
        _, out, _ = await log(c, "ngx", stream="Stdout", sinceSeconds="1")
        assert err and all("[error]" in line for line in err.splitlines())
        assert out and not any("[error]" in line for line in out.splitlines())


async def test_generators_follow_the_image() -> None:
    async with running_sim() as c:
        rate = {"masthead.dev/log-rate": "50"}
        add_pod(
            c.sim,
            "java",
            [("app", "eclipse-temurin:21-jre")],
            [running("app", 120)],
            annotations=rate,
        )
        add_pod(c.sim, "node", [("ui", "node:20-alpine")], [running("ui", 600)])
        add_pod(c.sim, "svc", [("app", "ghcr.io/acme/orders:v1")], [running("app", 600)])
        _, java, _ = await log(c, "java")
        assert "\tat java.base/java.lang.Thread.run(Thread.java:1583)" in java.splitlines()
        assert ":: Spring Boot ::" in java
        _, ui, _ = await log(c, "node")
        assert "\x1b[32m" in ui and "> node server.js" in ui
        _, svc, _ = await log(c, "svc")
        for line in svc.splitlines():
            assert orjson.loads(line)["level"] in ("debug", "info", "warn", "error")


# ---------------------------------------------------------------------- follow
async def test_follow_streams_new_lines_and_ends_when_the_container_terminates() -> None:
    async with running_sim() as c:
        add_pod(
            c.sim,
            "web-1",
            [("web", "ghcr.io/acme/orders:v1")],
            [running("web", 10)],
            annotations={"masthead.dev/log-rate": "40"},
        )
        headers = {"Authorization": f"Bearer {c.token}"}
        url = c.sim.url + LOG.format("web-1")
        params = {"follow": "true", "tailLines": "2", "timestamps": "true"}
        async with c.session.get(url, params=params, headers=headers) as resp:
            assert resp.status == 200 and resp.headers["Transfer-Encoding"] == "chunked"
            got = [await asyncio.wait_for(resp.content.readline(), 2) for _ in range(30)]
            stamps = [ts_seconds(line.decode()) for line in got]
            assert stamps == sorted(stamps) and stamps[-1] > time.time() - 1
            # The pod's container exits: the stream ends with the crash epilogue.
            status = orjson.loads((await c.get(f"/api/v1/namespaces/{NS}/pods/web-1")).text)
            cs = status["status"]["containerStatuses"][0]
            started = cs["state"]["running"]["startedAt"]
            last = {**terminated(10, 0, code=1), "startedAt": started}
            set_statuses(c.sim, "web-1", [{**cs, "state": {"terminated": last}, "ready": False}])
            rest = await asyncio.wait_for(resp.content.read(), 3)
        assert rest.decode().rstrip("\n").endswith("exit status 1")
        assert c.sim.logs.open_follows == 0


async def test_follow_stops_when_the_client_disconnects() -> None:
    async with running_sim() as c:
        add_pod(c.sim, "web-1", [("web", "nginx")], [running("web", 10)])
        headers = {"Authorization": f"Bearer {c.token}"}
        url = c.sim.url + LOG.format("web-1")
        async with aiohttp.ClientSession() as s:
            resp = await s.get(url, params={"follow": "true"}, headers=headers)
            await asyncio.wait_for(resp.content.readline(), 2)
            assert c.sim.logs.open_follows == 1
            resp.close()
        for _ in range(60):
            if c.sim.logs.open_follows == 0:
                break
            await asyncio.sleep(0.05)
        assert c.sim.logs.open_follows == 0


# ---------------------------------------------------------------------- real clients
@pytest.fixture(scope="module")
def log_sim() -> Iterator[tuple[SimThread, Simulator]]:
    st = SimThread(SimConfig(https=True))
    with st as sim:

        async def setup() -> None:
            add_pod(
                sim,
                "web-1",
                [("web", "nginx:1.27"), ("sidecar", "ghcr.io/acme/agent:v2")],
                [
                    running("web", 300),
                    running("sidecar", 20, restarts=1, last=terminated(200, 25)),
                ],
                annotations={"masthead.dev/log-rate": "20"},
            )

        st.call(setup())
        yield st, sim


def test_python_client_reads_and_follows(log_sim: tuple[SimThread, Simulator]) -> None:
    from kubernetes import client, config

    _, sim = log_sim
    assert sim.kubeconfig_path is not None
    api = client.CoreV1Api(
        config.new_client_from_config(config_file=str(sim.kubeconfig_path), context="admin")
    )
    text = api.read_namespaced_pod_log("web-1", NS, container="web", tail_lines=3, timestamps=True)
    assert len(text.splitlines()) == 3 and all(TS.match(x) for x in text.splitlines())
    resp = api.read_namespaced_pod_log(
        "web-1", NS, container="web", follow=True, tail_lines=1, _preload_content=False
    )
    lines: list[bytes] = []
    for chunk in resp.stream(1024):
        lines.extend(chunk.splitlines())
        if len(lines) >= 5:
            break
    resp.release_conn()
    assert len(lines) >= 5 and all(b"HTTP/1.1" in x for x in lines[:5])
    with pytest.raises(client.ApiException) as e:
        api.read_namespaced_pod_log("web-1", NS)
    assert e.value.status == 400
    assert orjson.loads(e.value.body)["message"] == (
        "a container name must be specified for pod web-1, choose one of: [web sidecar]"
    )


@pytest.mark.parametrize("binary", KUBECTLS)
def test_kubectl_logs(binary: str | None, log_sim: tuple[SimThread, Simulator]) -> None:
    if binary is None:
        pytest.skip("kubectl binary not installed")
    _, sim = log_sim
    assert sim.kubeconfig_path is not None
    with tempfile.TemporaryDirectory() as cache:
        k = Kubectl(binary, sim.kubeconfig_path, cache)
        out = k.ok("logs", "web-1", "-n", NS, "-c", "web", "--tail=5", "--timestamps")
        lines = out.splitlines()
        assert len(lines) == 5 and all(TS.match(x) and "HTTP/1.1" in x for x in lines)
        prev = k.ok("logs", "web-1", "-n", NS, "-c", "sidecar", "--previous", "--tail=1")
        assert prev == "exit status 1\n"
        # kubectl picks the first container itself and says so on stderr ...
        r = k("logs", "web-1", "-n", NS, "--tail=1")
        assert r.code == 0 and 'Defaulted container "web" out of: web, sidecar' in r.err
        # ... so the API server's own wording shows through a raw request.
        r = k("get", "--raw", f"/api/v1/namespaces/{NS}/pods/web-1/log")
        assert r.code == 1 and r.err.strip() == (
            "Error from server (BadRequest): a container name must be specified for pod "
            "web-1, choose one of: [web sidecar]"
        )
        r = k("logs", "web-1", "-n", NS, "-c", "nope")
        assert r.code == 1 and "container nope is not valid for pod web-1" in r.err
        follower = k.background("logs", "-f", "web-1", "-n", NS, "-c", "web", "--tail=1")
        try:
            got = follower.read_until(lambda _: True, timeout=10)
            got += follower.read_until(lambda _: True, timeout=10)
            got += follower.read_until(lambda _: True, timeout=10)
        finally:
            follower.stop()
        assert len(got) == 3 and all("HTTP/1.1" in x for x in got)
