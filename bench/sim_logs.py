"""Pod log throughput: one followed container at maximum rate (lines/s and MB/s).

The simulator runs in a child process (as `masthead sim` would), so the client reading the
stream does not share its CPU. The container's rate is set far above what can be generated,
so the figure is what one follow stream delivers end to end (generation, formatting,
chunked HTTP). Measured plain and with `timestamps=true` (what `kubectl logs -f
--timestamps` asks for).

    .venv/bin/python -m bench.sim_logs [quick|full]
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import orjson

from bench.results_format import Figure

REPO = Path(__file__).resolve().parent.parent
POD = "/api/v1/namespaces/team-a/pods/web-1/log"
MAX_RATE = "10000000"  # lines/s: far beyond what one stream can generate


async def _serve() -> None:
    """Child process: a simulator with one node and one running nginx pod."""
    from masthead.sim.app import SimConfig, Simulator
    from masthead.sim.registry import WriteContext

    sim = Simulator(SimConfig())
    await sim.start()
    ctx = WriteContext("bench")
    nodes, pods = sim.info("", "v1", "nodes"), sim.info("", "v1", "pods")
    sim.registry.create(nodes, "", {"metadata": {"name": "node-1"}}, ctx)
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 60))
    sim.registry.create(
        pods,
        "team-a",
        {
            "metadata": {"name": "web-1", "annotations": {"masthead.dev/log-rate": MAX_RATE}},
            "spec": {"nodeName": "node-1", "containers": [{"name": "web", "image": "nginx"}]},
        },
        ctx,
    )
    pod = sim.registry.get(pods, "team-a", "web-1")
    pod["status"] = {
        "phase": "Running",
        "containerStatuses": [
            {
                "name": "web",
                "ready": True,
                "restartCount": 0,
                "image": "nginx",
                "imageID": "",
                "state": {"running": {"startedAt": started}},
            }
        ],
    }
    sim.registry.update(pods, "team-a", "web-1", pod, ctx, subresource="status")
    print(orjson.dumps({"url": sim.url, "token": sim.admin_token}).decode(), flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.readline)
    await sim.stop()


async def _follow(url: str, token: str, seconds: float, timestamps: bool) -> tuple[float, float]:
    """(lines/s, MB/s) read from one follow stream for `seconds`."""
    params = {"follow": "true", "tailLines": "0"}
    if timestamps:
        params["timestamps"] = "true"
    headers = {"Authorization": f"Bearer {token}"}
    lines = nbytes = 0
    async with (
        aiohttp.ClientSession() as s,
        s.get(url + POD, params=params, headers=headers) as resp,
    ):
        assert resp.status == 200, resp.status
        t0 = time.perf_counter()
        deadline = t0 + seconds
        while time.perf_counter() < deadline:
            chunk = await resp.content.readany()
            if not chunk:
                break
            nbytes += len(chunk)
            lines += chunk.count(b"\n")
        elapsed = time.perf_counter() - t0
    return lines / elapsed, nbytes / elapsed / 1e6


def run(mode: str) -> list[Figure]:
    runs, seconds = (3, 3.0) if mode == "quick" else (5, 10.0)
    scenario = "one followed nginx container at maximum rate, simulator in a child process"
    figures = {
        (ts, unit): Figure(
            f"sim.logs.follow{'.timestamps' if ts else ''}.{unit}",
            scenario,
            "lines/s" if unit == "lines_per_s" else "MB/s",
            higher_is_better=True,
        )
        for ts in (False, True)
        for unit in ("lines_per_s", "mb_per_s")
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.sim_logs", "--serve"],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        info = orjson.loads(proc.stdout.readline())
        for _ in range(runs):
            for ts in (False, True):
                lps, mbps = asyncio.run(_follow(info["url"], info["token"], seconds, ts))
                figures[(ts, "lines_per_s")].masthead.append(round(lps))
                figures[(ts, "mb_per_s")].masthead.append(round(mbps, 2))
    except Exception as e:  # a failed run is reported, not raised
        for f in figures.values():
            f.failed = f"{type(e).__name__}: {e}"
    finally:
        try:
            if proc.stdin is not None:
                proc.stdin.write("quit\n")
                proc.stdin.flush()
            proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
    return list(figures.values())


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:
        try:
            import uvloop

            uvloop.run(_serve())
        except ImportError:
            asyncio.run(_serve())
    else:
        for fig in run(sys.argv[1] if len(sys.argv) > 1 else "quick"):
            print(orjson.dumps(fig.to_json()).decode())
