"""The simulator as a separate process started from its command line (`python -m masthead.sim`),
for tests of its flags: started until it prints its kubectl hint, stopped on exit."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import yaml

SIM = [sys.executable, "-m", "masthead.sim", "--http", "--controllers", "none"]
START_S = 60


@dataclass
class SimProcess:
    lines: list[str]  # what it printed up to its kubectl hint
    server: str
    token: str  # the admin context's

    async def get_json(self, path: str) -> Any:
        async with (
            aiohttp.ClientSession() as session,
            session.get(
                f"{self.server}{path}", headers={"Authorization": f"Bearer {self.token}"}
            ) as r,
        ):
            assert r.status == 200, (path, r.status)
            return await r.json()


@contextlib.asynccontextmanager
async def sim_process(tmp_path: Path, *flags: str) -> AsyncIterator[SimProcess]:
    kubeconfig = tmp_path / "kubeconfig"
    proc = await asyncio.create_subprocess_exec(
        *SIM,
        *flags,
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
        config = yaml.safe_load(kubeconfig.read_text())
        server = config["clusters"][0]["cluster"]["server"]
        token = next(u["user"]["token"] for u in config["users"] if u["name"] == "admin")
        yield SimProcess(lines, server, token)
    finally:
        proc.terminate()
        await proc.wait()
