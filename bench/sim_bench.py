"""Simulator benchmarks: paginated LIST rate (the floor client; kubectl's same list is the
peer of `sync.pods`, see KUBECTL_SKIPPED), watch event rate with 50 other watches open, and
simulator memory per 10k pods.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import orjson

from bench.results_format import Figure

REPO = Path(__file__).resolve().parent.parent
PAGE = 500


@dataclass
class SimProcess:
    proc: subprocess.Popen[str]
    url: str
    token: str
    kubeconfig: str
    info: dict[str, object]

    def command(self, line: str) -> dict[str, object]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        out: dict[str, object] = orjson.loads(self.proc.stdout.readline())
        return out

    def close(self) -> None:
        try:
            if self.proc.stdin is not None:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.flush()
            self.proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()


def start_sim(pods: int) -> SimProcess:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.sim_server", "--pods", str(pods)],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    info = orjson.loads(proc.stdout.readline())
    return SimProcess(proc, info["url"], info["token"], info["kubeconfig"], info)


CONTINUE_RE = re.compile(rb'"continue":"([^"]*)"')
ITEM_RE = re.compile(rb'\{"metadata":\{"name":')


async def floor_list(url: str, token: str) -> tuple[float, int]:
    """The transfer floor: fetch every page and discard the bytes. Only the list metadata
    at the head of each page is read (for the continue token); items are counted with a
    byte search, never decoded."""
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    n = 0
    start = time.perf_counter()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0, ssl=False)) as s:
        cont = ""
        while True:
            params = {"limit": str(PAGE)}
            if cont:
                params["continue"] = cont
            async with s.get(f"{url}/api/v1/pods", params=params, headers=headers) as r:
                body = await r.read()
            n += len(ITEM_RE.findall(body))
            m = CONTINUE_RE.search(body, 0, 2048)
            cont = m.group(1).decode() if m else ""
            if not cont:
                break
    return time.perf_counter() - start, n


def kubectl_list(kubeconfig: str) -> float:
    kubectl = shutil.which("kubectl") or "kubectl"
    start = time.perf_counter()
    subprocess.run(
        [
            kubectl,
            "--kubeconfig",
            kubeconfig,
            "get",
            "pods",
            "-A",
            "-o",
            "json",
            "--chunk-size=500",
        ],
        stdout=subprocess.DEVNULL,
        check=True,
    )
    return time.perf_counter() - start


async def watch_rate(
    sim: SimProcess, rate: float, seconds: float, others: int
) -> tuple[float, int, int]:
    """Events/s one pod watcher receives while `others` configmap watches stay open."""
    headers = {"Authorization": f"Bearer {sim.token}"}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0, ssl=False)) as s:
        async with s.get(f"{sim.url}/api/v1/pods", params={"limit": "1"}, headers=headers) as r:
            rv = (await r.json())["metadata"]["resourceVersion"]
        idle = [
            await s.get(
                f"{sim.url}/api/v1/configmaps",
                params={
                    "watch": "1",
                    "resourceVersion": rv,
                    "timeoutSeconds": str(int(seconds) + 30),
                },
                headers=headers,
            )
            for _ in range(others)
        ]
        resp = await s.get(
            f"{sim.url}/api/v1/pods",
            params={"watch": "1", "resourceVersion": rv, "timeoutSeconds": str(int(seconds) + 30)},
            headers=headers,
        )
        received = 0
        loop = asyncio.get_running_loop()
        fut = loop.run_in_executor(None, sim.command, f"churn {rate} {seconds}")
        start = time.perf_counter()
        last = start
        buf = b""
        written = None
        while True:
            try:
                chunk = await asyncio.wait_for(resp.content.readany(), 2.0)
            except TimeoutError:
                chunk = b""
            if chunk:
                buf += chunk
                lines = buf.split(b"\n")
                buf = lines.pop()
                received += sum(1 for ln in lines if ln.startswith(b'{"type":"MODIFIED"'))
                last = time.perf_counter()
            if fut.done():
                written = int(fut.result()["written"])  # type: ignore[call-overload]
                if received >= written or not chunk:
                    break
        resp.close()
        for w in idle:
            w.close()
    return received / max(1e-9, last - start), received, written or 0


def list_build_rate(pods: int, runs: int) -> list[float]:
    """Objects/s of the simulator's LIST path itself (snapshot, paging, joining stored bytes),
    in-process: the server-side share of `sim.list.objects_per_s` without HTTP, TLS and the
    client competing for the same two cores."""
    import gc

    from masthead.sim.listing import ListRequest, list_body, run_list
    from masthead.sim.podgen import POD_KEY, load_pods
    from masthead.sim.store import ObjectStore

    store = ObjectStore(start_rv=100)
    load_pods(store, pods)
    gc.freeze()

    async def one() -> float:
        started = time.perf_counter()
        cont, n = "", 0
        while True:
            page = await run_list(store, POD_KEY, ListRequest(None, None, None, PAGE, cont, "", ""))
            list_body("Pod", "v1", page, strip_type=True)
            n += len(page.items)
            cont = page.continue_token
            if not cont:
                return n / (time.perf_counter() - started)

    rates = [asyncio.run(one()) for _ in range(runs)]
    gc.unfreeze()
    return rates


# kubectl's list is the peer of `sync.pods`, same command and world size: bench/peer_sync.py
# (100k, capped) in the full run, bench/kube_sync_figures.py (20k) in the quick one. Listing
# here too ran it twice (at 100k ~200 s and > 10 GB a list).
KUBECTL_SKIPPED = {
    "full": "not run here: see sync.pods (peer_sync), same command, same world size",
    "quick": "not run here: see sync.pods (kube_sync_figures), same command, same world size",
}


def run(mode: str) -> list[Figure]:
    pods = 20_000 if mode == "quick" else 100_000
    runs = 3 if mode == "quick" else 5
    scenario = f"{pods // 1000}k-pods"
    lst = Figure("sim.list.objects_per_s", scenario, "objects/s", higher_is_better=True)
    watch = Figure("sim.watch.events_per_s", scenario, "events/s", higher_is_better=True)
    rss = Figure("sim.rss.per_10k_pods", scenario, "MB")
    sim = start_sim(pods)
    try:
        rss.masthead.append(
            (float(sim.info["rss_after_mb"]) - float(sim.info["rss_before_mb"])) / (pods / 10_000)  # type: ignore[arg-type]
        )
        for _ in range(runs):
            t, n = asyncio.run(floor_list(sim.url, sim.token))
            lst.masthead.append(n / t)
        lst.peers["kubectl"] = KUBECTL_SKIPPED[mode]
        for _ in range(3):
            rate, received, written = asyncio.run(watch_rate(sim, 2000, 5.0, 50))
            if received < written:
                watch.failed = f"fell behind: received {received} of {written}"
            watch.masthead.append(rate)
    finally:
        sim.close()
    build = Figure("sim.list.build_objects_per_s", scenario, "objects/s", higher_is_better=True)
    build.masthead = list_build_rate(pods, runs)
    return [lst, build, watch, rss]
