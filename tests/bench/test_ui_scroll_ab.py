"""bench/ui_scroll_ab.py: its variants come from the command line whole or not at all, its
figures put the candidate's runs against each peer's, and the `--web-dist` flag it serves
bundles through makes masthead serve that directory, swapped in place between page loads."""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from bench.stack import MASTHEAD_BIN, URL_RE, _read_line
from bench.ui_scroll_ab import Variant, figures, parse_pair, variants_of


def bundle(root: Path, name: str) -> Path:
    dist = root / name
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text(f"<!doctype html><title>{name}</title>")
    return dist


def test_variants_are_bundles_then_styles_on_the_first_bundle(tmp_path: Path) -> None:
    new, base = bundle(tmp_path, "new"), bundle(tmp_path, "base")
    got = variants_of([f"new={new}", f"base={base}"], ["noclip=.vt-cell{overflow:visible}"])
    assert got == [
        Variant("new", new),
        Variant("base", base),
        Variant("noclip", new, ".vt-cell{overflow:visible}"),
    ]


def test_a_bad_variant_is_refused_naming_it(tmp_path: Path) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="--bundle wants LABEL=VALUE"):
        parse_pair("no-equals-sign", "--bundle")
    with pytest.raises(SystemExit, match=r"--bundle empty: no index\.html"):
        variants_of([f"empty={tmp_path}"], [])
    dist = bundle(tmp_path, "a")
    with pytest.raises(SystemExit, match="labels must differ"):
        variants_of([f"a={dist}"], ["a=body{}"])


def test_figures_put_the_candidate_against_each_peer() -> None:
    def run(p95: float, share: float) -> dict[str, Any]:
        return {"work": {"p50": 5.0, "p95": p95, "max": 30.0}, "dropped": {"share": share}}

    runs = {"new": [run(14.0, 0.001), run(16.0, 0.0)], "base": [run(20.0, 0.002), run(22.0, 0.0)]}
    args = argparse.Namespace(world="small", churn=1000.0, seconds=20.0, rounds=2)
    by_id = {f.id: f.to_json() for f in figures(args, runs)}
    p95 = by_id["ui.ab.frame.work.p95"]
    assert p95["masthead"]["median"] == 15.0
    assert p95["peers"]["base"]["median"] == 21.0
    assert p95["ratio"]["base"] == pytest.approx(15.0 / 21.0, abs=0.001)
    assert by_id["ui.ab.frame.dropped_pct"]["masthead"]["max"] == 0.1
    assert "candidate new" in p95["scenario"]


def test_masthead_serves_the_web_dist_it_is_given_swapped_in_place(tmp_path: Path) -> None:
    one, two = bundle(tmp_path, "one"), bundle(tmp_path, "two")
    current = tmp_path / "current"
    current.symlink_to(one)
    with tempfile.TemporaryDirectory() as data:
        argv = [str(MASTHEAD_BIN), "--demo", "--no-browser", "--port", "0", "--token", "t"]
        argv += ["--data-dir", data, "--web-dist", str(current)]
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            base = _read_line(proc, URL_RE, "masthead").group(1)

            def index() -> str:
                request = urllib.request.Request(f"{base}/", headers={"Authorization": "Bearer t"})
                with urllib.request.urlopen(request, timeout=10) as r:
                    return str(r.read().decode())

            assert "<title>one</title>" in index()
            swap = tmp_path / "next"
            swap.symlink_to(two)
            swap.replace(current)
            assert "<title>two</title>" in index()
        finally:
            proc.terminate()
            proc.wait(timeout=20)
