"""`masthead sim --bulk-pods N`: the simulator process serves N more pods (podgen's bulk load),
listed over real HTTP with the admin token of the kubeconfig it writes; a negative N is refused
with a message naming the flag."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import aiohttp
import yaml

SIM = [sys.executable, "-m", "masthead.cli", "sim", "--http", "--controllers", "none"]
START_S = 60


async def test_bulk_pods_are_served(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    proc = await asyncio.create_subprocess_exec(
        *SIM,
        "--bulk-pods",
        "250",
        "--kubeconfig-out",
        str(kubeconfig),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        assert proc.stdout is not None
        lines = []
        async with asyncio.timeout(START_S):
            while line := (await proc.stdout.readline()).decode():
                lines.append(line)
                if "kubectl --kubeconfig" in line:
                    break
        assert "masthead sim: 250 bulk pods loaded\n" in lines, lines
        config = yaml.safe_load(kubeconfig.read_text())
        server = config["clusters"][0]["cluster"]["server"]
        token = next(u["user"]["token"] for u in config["users"] if u["name"] == "admin")
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{server}/api/v1/pods", headers={"Authorization": f"Bearer {token}"}) as r,
        ):
            assert r.status == 200
            items = (await r.json())["items"]
        assert len(items) == 250
        assert len({(p["metadata"]["namespace"], p["metadata"]["name"]) for p in items}) == 250
    finally:
        proc.terminate()
        await proc.wait()


def test_negative_bulk_pods_is_refused() -> None:
    done = subprocess.run(
        [*SIM, "--bulk-pods", "-1"], capture_output=True, text=True, timeout=START_S
    )
    assert done.returncode == 2
    assert "--bulk-pods: must be >= 0" in done.stderr
