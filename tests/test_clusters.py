"""ClusterRegistry: every context an idle session with a stable id, and kubeconfig files watched
live — contexts added, removed (sessions closed) and changed (sessions replaced, reopened)."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from masthead.cluster import ClusterState
from masthead.clusters import ClusterRegistry, RegistryChange
from masthead.kube.freshness import SourceState
from masthead.sim.app import SimConfig, Simulator
from tests.kube.kubesim import FAST, eventually

TUNING = replace(FAST, kubeconfig_poll_interval=0.02, access_recheck_interval=0.5)


def sim_config(sim: Simulator) -> dict[str, Any]:
    assert sim.kubeconfig_path is not None
    doc: dict[str, Any] = yaml.safe_load(sim.kubeconfig_path.read_text())
    return doc


def write(path: Path, doc: dict[str, Any]) -> None:
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


def with_context(doc: dict[str, Any], name: str, like: str, **changes: str) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    ctx = copy.deepcopy(next(c for c in out["contexts"] if c["name"] == like))
    ctx["name"] = name
    ctx["context"].update(changes)
    out["contexts"].append(ctx)
    return out


def without_context(doc: dict[str, Any], name: str) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    out["contexts"] = [c for c in out["contexts"] if c["name"] != name]
    return out


@asynccontextmanager
async def registry(
    paths: Sequence[Path], extra: Sequence[Path] = (), **kw: Any
) -> AsyncIterator[tuple[ClusterRegistry, list[RegistryChange]]]:
    reg = ClusterRegistry(paths, extra, TUNING, **kw)
    changes: list[RegistryChange] = []
    reg.subscribe(changes.append)
    await reg.start()
    try:
        yield reg, changes
    finally:
        await reg.close()


async def test_every_context_is_an_idle_session_with_a_stable_id(tmp_path: Path) -> None:
    async with Simulator(SimConfig()) as sim:
        path = tmp_path / "config"
        write(path, with_context(sim_config(sim), "team/prod east", like="admin"))
        async with registry([path]) as (reg, _):
            ids = list(reg.sessions)
            assert ids[:2] == ["admin", "restricted"]
            odd = reg.get("team/prod east")
            assert odd.id == ids[2] and odd.id.startswith("team-prod-east-")
            assert all(s.state is ClusterState.IDLE for s in reg.sessions.values())
            assert all(sum(s.stats.requests.values()) == 0 for s in reg.sessions.values())
            assert reg.current is reg.get("admin")
            await reg.reload()  # nothing changed: the same sessions
            assert reg.get("team/prod east") is odd and reg.sessions["admin"] is reg.get("admin")


async def test_contexts_added_and_removed_apply_live(tmp_path: Path) -> None:
    async with Simulator(SimConfig()) as sim:
        path = tmp_path / "config"
        doc = sim_config(sim)
        write(path, doc)
        async with registry([path]) as (reg, changes):
            restricted = reg.get("restricted")
            pods = await restricted.ensure_source("pods")
            await pods.sources["team-a"].freshness.wait_for(lambda f: f.state == "live", 10)
            write(path, with_context(doc, "second", like="admin"))
            await eventually(lambda: "second" in reg.sessions, 5, "context added")
            assert changes[-1] == RegistryChange(added=("second",))
            assert reg.sessions["second"].state is ClusterState.IDLE

            write(path, without_context(with_context(doc, "second", like="admin"), "restricted"))
            await eventually(lambda: "restricted" not in reg.sessions, 5, "context removed")
            assert changes[-1] == RegistryChange(removed=("restricted",))
            # The removed session was closed: no reflector, no open watch.
            assert restricted.state is ClusterState.IDLE
            assert restricted.stats.watches_open == 0 and restricted.resources == []


async def test_changed_context_gets_a_fresh_session_reopened_with_its_sources(
    tmp_path: Path,
) -> None:
    async with Simulator(SimConfig()) as sim:
        path = tmp_path / "config"
        doc = sim_config(sim)
        write(path, doc)
        async with registry([path], namespaces={"restricted": ["team-b"]}) as (reg, changes):
            old = reg.get("restricted")
            await old.ensure_source("pods")
            await old.wait_for(lambda s: s.state is ClusterState.READY, 10)
            moved = copy.deepcopy(doc)
            for c in moved["contexts"]:
                if c["name"] == "restricted":
                    c["context"]["namespace"] = "team-c"
            write(path, moved)
            await eventually(lambda: reg.get("restricted") is not old, 5, "context changed")
            assert changes[-1] == RegistryChange(changed=("restricted",))
            assert old.state is ClusterState.IDLE
            new = reg.get("restricted")
            assert new.id == "restricted" and new.entry.namespace == "team-c"
            await new.wait_for(lambda s: s.state is ClusterState.READY, 10)
            (pods,) = new.resources
            # The new context namespace plus the configured one, kept across the reload.
            assert sorted(k or "" for k in pods.sources) == ["team-b", "team-c"]
            assert all(s.freshness.current.state is SourceState.LIVE for s in pods.sources.values())


async def test_extra_directory_gains_a_file(tmp_path: Path) -> None:
    async with Simulator(SimConfig()) as sim:
        main = tmp_path / "config"
        write(main, without_context(sim_config(sim), "restricted"))
        extra = tmp_path / "more"
        extra.mkdir()
        async with registry([main], [extra]) as (reg, _):
            assert list(reg.sessions) == ["admin"]
            write(extra / "jane.yaml", without_context(sim_config(sim), "admin"))
            await eventually(lambda: "restricted" in reg.sessions, 5, "file picked up")
            assert reg.sessions["restricted"].entry.source == extra / "jane.yaml"
            (extra / "jane.yaml").unlink()
            await eventually(lambda: "restricted" not in reg.sessions, 5, "file removed")


async def test_unparsable_file_keeps_the_sessions(tmp_path: Path) -> None:
    async with Simulator(SimConfig()) as sim:
        path = tmp_path / "config"
        write(path, sim_config(sim))
        async with registry([path]) as (reg, _):
            before = reg.sessions
            path.write_text("contexts: [unclosed\n")
            await eventually(lambda: reg.last_error != "", 5, "error seen")
            assert reg.sessions == before and "not valid YAML" in reg.last_error
            write(path, with_context(sim_config(sim), "third", like="admin"))
            await eventually(lambda: "third" in reg.sessions, 5, "recovered")
            assert reg.last_error == ""
            assert reg.sessions["admin"] is before["admin"]
