"""Shared by the feeds tests: a cluster session on the simulator, waiting helpers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import replace

from masthead.cluster import ClusterSession, SinkFactory
from masthead.kube.kubeconfig import load_kubeconfig
from masthead.kube.sink import MemorySink
from masthead.kube.tuning import Tuning
from masthead.sim.app import Simulator
from tests.kube.kubesim import FAST

TUNING: Tuning = replace(FAST, access_recheck_interval=5.0)


def session(
    sim: Simulator,
    sink_factory: SinkFactory = lambda r, ns: MemorySink(),
    context: str = "admin",
) -> ClusterSession:
    assert sim.kubeconfig_path is not None
    entry = load_kubeconfig([sim.kubeconfig_path]).entry(context)
    return ClusterSession(entry, TUNING, sink_factory)


async def eventually(pred: Callable[[], bool], timeout: float = 10.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or pred}")
        await asyncio.sleep(0.02)
