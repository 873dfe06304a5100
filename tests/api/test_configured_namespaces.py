"""`--namespaces CONTEXT=a,b`: a user who cannot list namespaces gets every configured one."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import aiohttp
import pytest

from masthead.cli import _context_namespaces
from masthead.server import Server, ServerConfig
from masthead.sim.app import SimConfig, Simulator
from tests.api.harness import BEARER, TOKEN, TUNING, eventually_async


def test_the_flag_parses_and_names_itself_when_wrong() -> None:
    assert _context_namespaces("restricted= team-a, team-b,") == (
        "restricted",
        ("team-a", "team-b"),
    )
    for bad in ("restricted", "=team-a", "restricted=", "restricted= , "):
        with pytest.raises(argparse.ArgumentTypeError, match="--namespaces"):
            _context_namespaces(bad)


async def test_configured_namespaces_are_tried_for_a_restricted_user() -> None:
    allowed = ("team-a", "team-b", "team-c")  # the restricted user's grants in the simulator
    async with Simulator(SimConfig(scenario="demo", controllers=frozenset())) as sim:
        assert sim.kubeconfig_path is not None
        with tempfile.TemporaryDirectory() as data:
            server = Server(
                ServerConfig(
                    kubeconfigs=[sim.kubeconfig_path],
                    token=TOKEN,
                    connect=("restricted",),
                    tuning=TUNING,
                    data_dir=Path(data),
                    web_dist=None,
                    namespaces={"restricted": [*allowed, "kube-system"]},
                )
            )
            base = await server.start()
            try:
                async with aiohttp.ClientSession(headers=BEARER) as http:
                    root = base.split("/?")[0] + "/api/v1/clusters/restricted"

                    async def connected() -> bool:
                        async with http.get(root) as r:
                            return (await r.json())["state"] in ("ready", "degraded")

                    await eventually_async(connected, 20)
                    async with http.get(root + "/views/pods", params={"limit": "1000"}) as r:
                        assert r.status == 200
                        page = await r.json()
            finally:
                await server.stop()
    sources = {s["id"]: s["state"] for s in page["sources"] if s["id"] != "metrics"}
    assert {f"pods@{ns}" for ns in allowed} <= set(sources)
    assert sources["pods@kube-system"] == "forbidden"
    expected = sum(1 for o in sim.store.iter_objects(("", "pods")) if o.namespace in allowed)
    assert page["total"] == expected > 0
    assert {r["namespace"] for r in page["rows"]} <= set(allowed)
