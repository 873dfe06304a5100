"""`python -m masthead.sim --history-seconds S`: the watch history's time window the running
simulator reports in `/_sim/state`; a negative S is refused with a message naming the flag."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.sim.sim_process import SIM, START_S, sim_process


async def test_history_seconds_sets_the_window_the_simulator_reports(tmp_path: Path) -> None:
    async with sim_process(tmp_path, "--history-seconds", "12.5") as sim:
        state = await sim.get_json("/_sim/state")
    assert state["historySeconds"] == 12.5
    assert state["historySize"] == 102_400


def test_negative_history_seconds_is_refused() -> None:
    done = subprocess.run(
        [*SIM, "--history-seconds", "-1"], capture_output=True, text=True, timeout=START_S
    )
    assert done.returncode == 2
    assert "--history-seconds: must be >= 0" in done.stderr
