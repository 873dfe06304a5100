"""A simulator running on its own event loop in a background thread, for blocking clients.

kubectl (a subprocess) and the `kubernetes` Python client are synchronous; with the simulator
served from another thread they can be called directly from plain (non-async) tests, and one
simulator can be shared by all tests of a module.
"""

from __future__ import annotations

import asyncio
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from masthead.sim.app import SimConfig, Simulator

VENV_KUBECTL = Path(sys.executable).parent / "kubectl"
KUBECTLS = [
    pytest.param(shutil.which("kubectl"), id="kubectl-system"),
    pytest.param(str(VENV_KUBECTL) if VENV_KUBECTL.exists() else None, id="kubectl-venv"),
]


class SimThread:
    """Runs a Simulator on a private event loop in a daemon thread."""

    def __init__(self, config: SimConfig | None = None) -> None:
        self.config = config or SimConfig(https=True)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True, name="sim")
        self.sim: Simulator | None = None

    def call(self, coro: Any, timeout: float = 30) -> Any:
        fut: Future[Any] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return fut.result(timeout)

    async def _cancel_leftovers(self) -> None:
        """Cancel handlers of connections whose clients were killed (e.g. `kubectl get -w`)."""
        me = asyncio.current_task()
        tasks = [t for t in asyncio.all_tasks() if t is not me]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def __enter__(self) -> Simulator:
        self.thread.start()
        sim = Simulator(self.config)
        self.call(sim.start())
        self.sim = sim
        return sim

    def __exit__(self, *exc: object) -> None:
        if self.sim is not None:
            self.call(self.sim.stop())
        self.call(self._cancel_leftovers())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@dataclass
class Result:
    code: int
    out: str
    err: str


class Kubectl:
    """Blocking kubectl runner bound to one binary, the simulator's kubeconfig and a cache dir."""

    def __init__(self, binary: str, kubeconfig: Path, cache_dir: str, context: str = "admin"):
        self.binary = binary
        self.kubeconfig = kubeconfig
        self.cache_dir = cache_dir
        self.context = context

    def as_context(self, context: str) -> Kubectl:
        return Kubectl(self.binary, self.kubeconfig, self.cache_dir, context)

    @property
    def base(self) -> list[str]:
        return [
            self.binary,
            f"--kubeconfig={self.kubeconfig}",
            f"--cache-dir={self.cache_dir}",
            f"--context={self.context}",
        ]

    def __call__(self, *args: str, stdin: str | None = None, timeout: float = 30) -> Result:
        p = subprocess.run(
            [*self.base, *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return Result(p.returncode, p.stdout, p.stderr)

    def ok(self, *args: str, stdin: str | None = None) -> str:
        """Run and require exit 0 with empty stderr; returns stdout."""
        r = self(*args, stdin=stdin)
        assert (r.code, r.err) == (0, ""), (args, r)
        return r.out

    def background(self, *args: str) -> LineReader:
        proc = subprocess.Popen(
            [*self.base, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        return LineReader(proc)


class LineReader:
    """Reads a background process's stdout line by line with timeouts."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.lines: queue.Queue[str | None] = queue.Queue()
        self._t = threading.Thread(target=self._pump, daemon=True)
        self._t.start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def read_until(self, pred: Callable[[str], bool], timeout: float = 15) -> list[str]:
        """Collect lines until one satisfies `pred`; fails on EOF or timeout."""
        seen: list[str] = []
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                line = self.lines.get(timeout=max(left, 0.01))
            except queue.Empty:
                raise AssertionError(f"timed out waiting; lines so far: {seen}") from None
            if line is None:
                err = self.proc.stderr.read() if self.proc.stderr else ""
                raise AssertionError(f"process ended; lines: {seen}; stderr: {err}")
            seen.append(line)
            if pred(line):
                return seen

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture(scope="module")
def sim_thread() -> Iterator[tuple[SimThread, Simulator]]:
    st = SimThread()
    with st as sim:
        yield st, sim


@pytest.fixture(scope="module", params=KUBECTLS)
def kubectl(request: pytest.FixtureRequest) -> Iterator[Kubectl]:
    """One simulator per kubectl binary per module, shared by that module's tests."""
    binary = request.param
    if binary is None:
        pytest.skip("kubectl binary not installed")
    with SimThread() as sim, tempfile.TemporaryDirectory(prefix="kubectl-cache-") as cache:
        assert sim.kubeconfig_path is not None
        yield Kubectl(binary, sim.kubeconfig_path, cache)
