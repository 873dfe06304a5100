"""The results file every benchmark writes (see ../shared/design/benchmarks.md)."""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def summary(values: list[float]) -> dict[str, float | int]:
    return {
        "median": round(statistics.median(values), 4),
        "min": round(min(values), 4),
        "max": round(max(values), 4),
        "runs": len(values),
    }


@dataclass
class Figure:
    id: str
    scenario: str
    unit: str
    masthead: list[float] = field(default_factory=list)
    peers: dict[str, list[float] | str] = field(default_factory=dict)
    higher_is_better: bool = False
    failed: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "scenario": self.scenario, "unit": self.unit}
        if self.failed or not self.masthead:
            out["masthead"] = {"failed": self.failed or "no runs"}
        else:
            out["masthead"] = summary(self.masthead)
        peers: dict[str, Any] = {}
        ratio: dict[str, float] = {}
        for name, vals in self.peers.items():
            if isinstance(vals, str):
                peers[name] = {"failed": vals}
                continue
            s = summary(vals)
            peers[name] = s
            if self.masthead and s["median"]:
                ratio[name] = round(statistics.median(self.masthead) / s["median"], 3)
        if peers:
            out["peers"] = peers
        if ratio:
            out["ratio"] = ratio
        return out


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def write_results(
    figures: list[Figure], directory: Path = RESULTS_DIR, run: dict[str, Any] | None = None
) -> Path:
    """`run`: how the run went (bench/run.py: mode, each module's budget and seconds)."""
    directory.mkdir(parents=True, exist_ok=True)
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    doc: dict[str, Any] = {
        "commit": _commit(),
        "started": started,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "figures": [f.to_json() for f in figures],
    }
    if run is not None:
        doc["run"] = run
    data = orjson.dumps(doc, option=orjson.OPT_INDENT_2)
    path = directory / f"{started.replace(':', '')}.json"
    path.write_bytes(data)
    shutil.copyfile(path, directory / "latest.json")
    return path


def markdown_table(figures: list[Figure]) -> str:
    rows = [
        "| id | scenario | unit | masthead (median, min–max, runs) | peers | ratio |",
        "|---|---|---|---|---|---|",
    ]
    for f in figures:
        j = f.to_json()
        m = j["masthead"]
        ms = m.get("failed") or f"{m['median']} ({m['min']}–{m['max']}, {m['runs']})"
        peers = "; ".join(
            f"{k}: {v.get('failed') or v['median']}" for k, v in j.get("peers", {}).items()
        )
        ratio = "; ".join(f"{k}: {v}" for k, v in j.get("ratio", {}).items())
        rows.append(f"| {f.id} | {f.scenario} | {f.unit} | {ms} | {peers} | {ratio} |")
    return "\n".join(rows)
