"""`python -m masthead.sim --history-bytes N`: the histories' byte cap the running simulator
reports in `/_sim/state`; a negative N is refused with a message naming the flag."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.sim.sim_process import SIM, START_S, sim_process


async def test_history_bytes_sets_the_cap_the_simulator_reports(tmp_path: Path) -> None:
    async with sim_process(tmp_path, "--history-bytes", "5000000") as sim:
        state = await sim.get_json("/_sim/state")
    assert state["historyBytesCap"] == 5_000_000


def test_history_bytes_is_in_the_help() -> None:
    done = subprocess.run([*SIM, "--help"], capture_output=True, text=True, timeout=START_S)
    assert done.returncode == 0
    assert "--history-bytes BYTES" in done.stdout


def test_negative_history_bytes_is_refused() -> None:
    done = subprocess.run(
        [*SIM, "--history-bytes", "-1"], capture_output=True, text=True, timeout=START_S
    )
    assert done.returncode == 2
    assert "--history-bytes: must be >= 0" in done.stderr
