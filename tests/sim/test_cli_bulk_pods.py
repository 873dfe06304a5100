"""`masthead sim --bulk-pods N`: the simulator process serves N more pods (podgen's bulk load),
listed over real HTTP with the admin token of the kubeconfig it writes; a negative N is refused
with a message naming the flag."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.sim.sim_process import SIM, START_S, sim_process


async def test_bulk_pods_are_served(tmp_path: Path) -> None:
    async with sim_process(tmp_path, "--bulk-pods", "250") as sim:
        assert "masthead sim: 250 bulk pods loaded\n" in sim.lines, sim.lines
        items = (await sim.get_json("/api/v1/pods"))["items"]
    assert len(items) == 250
    assert len({(p["metadata"]["namespace"], p["metadata"]["name"]) for p in items}) == 250


def test_negative_bulk_pods_is_refused() -> None:
    done = subprocess.run(
        [*SIM, "--bulk-pods", "-1"], capture_output=True, text=True, timeout=START_S
    )
    assert done.returncode == 2
    assert "--bulk-pods: must be >= 0" in done.stderr
