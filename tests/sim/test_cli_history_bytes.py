"""`python -m masthead.sim --history-bytes N`: the histories' byte cap the running simulator
reports in `/_sim/state`; a negative N is refused with a message naming the flag."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import aiohttp
import yaml

SIM = [sys.executable, "-m", "masthead.sim", "--http", "--controllers", "none"]
START_S = 60


async def test_history_bytes_sets_the_cap_the_simulator_reports(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    proc = await asyncio.create_subprocess_exec(
        *SIM,
        "--history-bytes",
        "5000000",
        "--kubeconfig-out",
        str(kubeconfig),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        assert proc.stdout is not None
        async with asyncio.timeout(START_S):
            while line := (await proc.stdout.readline()).decode():
                if "kubectl --kubeconfig" in line:
                    break
        config = yaml.safe_load(kubeconfig.read_text())
        server = config["clusters"][0]["cluster"]["server"]
        token = next(u["user"]["token"] for u in config["users"] if u["name"] == "admin")
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{server}/_sim/state", headers={"Authorization": f"Bearer {token}"}) as r,
        ):
            assert r.status == 200
            state = await r.json()
        assert state["historyBytesCap"] == 5_000_000
    finally:
        proc.terminate()
        await proc.wait()


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
