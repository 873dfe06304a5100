"""Run one peer's pod sync in its own child process and return its figures.

    python -m bench.peers.runner PEER KUBECONFIG     # child: prints one JSON line

`run_peer(name, kubeconfig)` (parent side) returns `{"seconds", "objects", "rss_mb", ...}`
or raises `PeerFailed` with a precise reason. Python peers and the floor run this module
as their child; client-node runs `node client_node.mjs` (its packages installed by
`npm ci --prefix bench/peers` on first use); kubectl is timed from the outside and its RSS
is its peak (`ru_maxrss` from wait4), as a Go binary cannot report "after sync".
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from bench.peers.common import CONTEXT, PAGE, rss_after_gc_mb

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
TIMEOUT_S = 900.0
RSS_CAP_MB = 8000.0

PY_MODULES = {
    "floor": "bench.peers.floor",
    "python-kubernetes": "bench.peers.py_kubernetes",
    "kubernetes-asyncio": "bench.peers.py_kubernetes_asyncio",
    "lightkube": "bench.peers.py_lightkube",
    "kr8s": "bench.peers.py_kr8s",
}


# Evidence for a peer known to be slow or heavy, appended when it is killed (from profiling
# on this machine, see the peer's module).
KILL_HINTS = {
    "kr8s": "kr8s wraps every listed object in a python-box Box (APIObject.raw setter): "
    "cProfile of a 2k-pod sync put 8.0 of 9.0 s there, ≈4 ms per pod, and RSS ≈1.8 GB per "
    "10k pods at 20k",
}


class PeerFailed(Exception):
    """The peer could not sync; the message is the reason recorded in the results."""


def _tail(text: str, lines: int = 3) -> str:
    kept = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return " | ".join(kept[-lines:])[-600:]


def _statm_rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
    except (OSError, IndexError, ValueError):
        return 0.0


def spawn(
    name: str, argv: list[str], cwd: Path, timeout: float, rss_cap_mb: float
) -> tuple[float, str, float]:
    """Run a peer child; returns (wall seconds, stdout, peak RSS MB). Kills it and raises
    PeerFailed past `timeout` or once its RSS passes `rss_cap_mb` (a runaway peer must not
    take the machine's memory from everything else on it)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err)
        killed = ""
        peak = 0.0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            elapsed = time.perf_counter() - start
            rss = _statm_rss_mb(proc.pid)
            peak = max(peak, rss)
            if not killed and rss > rss_cap_mb:
                killed = f"RSS passed the {rss_cap_mb / 1000:.1f} GB cap after {elapsed:.0f} s"
            elif not killed and elapsed > timeout:
                killed = f"over {timeout:.0f} s budget"
            if killed:
                proc.kill()
            time.sleep(0.01)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # wait4 reaped it
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
    if killed:
        hint = KILL_HINTS.get(name)
        raise PeerFailed(f"{killed} (killed)" + (f"; {hint}" if hint else ""))
    if proc.returncode != 0:
        raise PeerFailed(f"exited {proc.returncode}: {_tail(stderr)}")
    # ru_maxrss is in KiB on Linux.
    return seconds, stdout, max(peak, usage.ru_maxrss * 1024 / 1e6)


def _last_json(stdout: str, name: str) -> dict[str, Any]:
    lines = stdout.strip().splitlines()
    if not lines:
        raise PeerFailed("printed no result")
    out: dict[str, Any] = orjson.loads(lines[-1])
    return out


def _kubectl(kubeconfig: str) -> list[str]:
    kubectl = shutil.which("kubectl") or str(Path(sys.executable).parent / "kubectl")
    if not Path(kubectl).exists():
        raise PeerFailed("kubectl not found on PATH nor in the venv")
    return [kubectl, "--kubeconfig", kubeconfig, "--context", CONTEXT]


def _kubectl_argv(kubeconfig: str, kinds: str = "pods") -> list[str]:
    argv = [*_kubectl(kubeconfig), "get", kinds, "-A"]
    return [*argv, "-o", "json", f"--chunk-size={PAGE}"]


def listable_kinds(kubeconfig: str) -> list[str]:
    """Every resource the API server lists (`kubectl api-resources --verbs=list`), as
    `resource.group` names: what `kubectl get <all of them>` asks for."""
    argv = [*_kubectl(kubeconfig), "api-resources", "--verbs=list", "-o", "name"]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise PeerFailed(f"kubectl api-resources exited {proc.returncode}: {_tail(proc.stderr)}")
    return sorted(proc.stdout.split())


def kubectl_get_all(
    kubeconfig: str, kinds: list[str], timeout: float, rss_cap_mb: float = RSS_CAP_MB
) -> dict[str, Any]:
    """`kubectl get <every kind> -A -o json --chunk-size=500` once, timed from outside:
    `{"seconds", "wall_s", "rss_mb"}` (RSS: its peak). The peer of `sync.all`."""
    argv = _kubectl_argv(kubeconfig, ",".join(kinds))
    seconds, _, peak = spawn("kubectl", argv, REPO, timeout, rss_cap_mb)
    return {"seconds": seconds, "wall_s": seconds, "rss_mb": peak, "kinds": len(kinds)}


_npm_ready = False


def ensure_node_packages() -> None:
    """`npm ci --prefix bench/peers` when node_modules is missing or older than the lock."""
    global _npm_ready
    if _npm_ready:
        return
    npm = shutil.which("npm")
    if shutil.which("node") is None or npm is None:
        raise PeerFailed("node/npm not found on PATH")
    stamp = HERE / "node_modules" / ".installed"
    lock = HERE / "package-lock.json"
    if not stamp.exists() or stamp.stat().st_mtime < lock.stat().st_mtime:
        proc = subprocess.run(
            [npm, "ci", "--prefix", str(HERE), "--no-audit", "--no-fund"],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if proc.returncode != 0:
            raise PeerFailed(f"npm ci failed ({proc.returncode}): {_tail(proc.stderr)}")
        stamp.touch()
    _npm_ready = True


def run_peer(
    name: str, kubeconfig: str, timeout: float = TIMEOUT_S, rss_cap_mb: float = RSS_CAP_MB
) -> dict[str, Any]:
    """One sync of one peer in a fresh child: `{"seconds", "rss_mb", "peak_rss_mb", ...}`."""
    if name == "kubectl":
        # Timed from outside (process start included, a few ms for a Go binary); a one-shot
        # list's peak RSS is its RSS after the list.
        seconds, _, peak = spawn(name, _kubectl_argv(kubeconfig), REPO, timeout, rss_cap_mb)
        out = {"seconds": seconds, "wall_s": seconds, "rss_mb": peak, "peak_rss_mb": peak}
        return {**out, "rss_kind": "peak"}
    if name == "client-node":
        ensure_node_packages()
        node = shutil.which("node") or "node"
        argv = [node, "--expose-gc", f"--max-old-space-size={int(rss_cap_mb)}"]
        argv += [str(HERE / "client_node.mjs"), kubeconfig]
        wall, stdout, peak = spawn(name, argv, HERE, timeout, rss_cap_mb)
    elif name in PY_MODULES:
        argv = [sys.executable, "-m", "bench.peers.runner", name, kubeconfig]
        wall, stdout, peak = spawn(name, argv, REPO, timeout, rss_cap_mb)
    else:
        raise PeerFailed(f"unknown peer {name!r}")
    result = _last_json(stdout, name)
    result["peak_rss_mb"] = peak
    result["wall_s"] = wall  # the child's start and imports included: what a budget spends
    return result


def child(name: str, kubeconfig: str) -> dict[str, Any]:
    module = importlib.import_module(PY_MODULES[name])
    before = rss_after_gc_mb()  # interpreter + the client's imports
    result = module.sync(kubeconfig)
    if inspect.iscoroutine(result):
        result = asyncio.run(result)
    out: dict[str, Any] = result
    out["rss_mb"] = rss_after_gc_mb()  # with the peer's store still referenced
    out["rss_before_mb"] = before
    out.pop("_keep", None)
    return out


def main() -> None:
    name, kubeconfig = sys.argv[1], sys.argv[2]
    print(orjson.dumps(child(name, kubeconfig)).decode(), flush=True)


if __name__ == "__main__":
    main()
