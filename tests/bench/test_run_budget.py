"""bench/run.py's time budgets: the plan fits each mode's total, `--dry-plan` runs nothing, a
module past its hang limit is stopped with its whole process group; the per-contender budget
of bench/peers/budget.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from bench.peers.budget import ContenderBudget

from bench import run

REPO = Path(__file__).resolve().parents[2]
BENCH_RUN = (sys.executable, "-m", "bench.run")


@pytest.mark.parametrize("mode", ["full", "quick", "smoke"])
def test_every_module_of_a_mode_has_a_budget_and_they_fit_its_total(mode: str) -> None:
    modules = {
        "full": set(run.BENCHMARKS),
        "quick": set(run.BENCHMARKS) - run.QUICK_SKIP,
        "smoke": set(run.SMOKE),
    }[mode]
    budgets = run.BUDGET_S[mode]
    assert set(budgets) == modules
    assert all(b > 0 for b in budgets.values())
    assert sum(budgets.values()) <= run.TOTAL_BUDGET_S[mode]
    assert run.TOTAL_BUDGET_S["full"] == 30 * 60 and run.TOTAL_BUDGET_S["quick"] == 6 * 60


def test_dry_plan_lists_every_module_with_its_budget_and_the_sum_and_runs_nothing(
    tmp_path: Path,
) -> None:
    out = subprocess.run(
        [*BENCH_RUN, "--mode", "full", "--dry-plan", "--results-dir", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    for name, budget in run.BUDGET_S["full"].items():
        assert f"{name} " in out and f" {budget:.0f} s" in out, name
    total = sum(run.BUDGET_S["full"].values())
    assert f"sum {total:.0f} s" in " ".join(out.split())
    assert "fits the 30 min budget" in out
    assert "at its quick size" in out  # FULL_AS_QUICK modules say so
    assert not list(tmp_path.iterdir())  # no results written


def test_an_unknown_module_is_named_in_the_error(tmp_path: Path) -> None:
    out = subprocess.run(
        [*BENCH_RUN, "--mode", "full", "--only", "nope", "--dry-plan"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2
    assert "--only: no benchmark module nope" in out.stderr


@pytest.mark.slow
def test_a_module_past_its_hang_limit_is_stopped_with_its_simulator_and_masthead() -> None:
    # sync_all's smoke starts a simulator and a masthead within seconds (a minute on a busy
    # machine); its 1 s budget stops it while they run, or start.
    done = run.run_isolated("sync_all", "smoke", 1.0)
    assert done.stopped
    [fig] = done.figures
    assert fig.id == "bench.sync_all" and fig.failed is not None
    assert fig.failed.startswith("stopped past ") and "(its budget 1 s ×" in fig.failed
    with pytest.raises(ProcessLookupError):  # nothing of its process group is left
        os.killpg(done.pgid, 0)


@pytest.mark.slow
def test_a_module_run_in_its_process_writes_its_figures_and_the_run_record(
    tmp_path: Path,
) -> None:
    subprocess.run(
        [*BENCH_RUN, "--smoke", "--only", "warm_start", "--results-dir", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        timeout=300,
        check=True,
    )
    doc = orjson.loads((tmp_path / "latest.json").read_bytes())
    [module] = doc["run"]["modules"]
    assert (
        module["name"] == "warm_start" and module["budget_s"] == run.BUDGET_S["smoke"]["warm_start"]
    )
    assert 0 < module["seconds"] < 300 and module["figures"] == len(doc["figures"]) > 0
    assert module["over_budget"] == (module["seconds"] > module["budget_s"])
    assert module["stopped"] is False
    assert doc["run"]["mode"] == "smoke" and len(doc["run"]["load_avg_start"]) == 3


def test_a_contender_runs_again_only_while_its_next_run_fits_its_budget() -> None:
    b = ContenderBudget(60.0, 45.0)
    assert b.next_run_s("a") == 45.0  # the per-run cap below what is left
    b.ran("a", 25.0)
    assert b.next_run_s("a") == 35.0  # 25 + 25 fits 60: what is left
    b.ran("a", 25.0)
    assert b.next_run_s("a") is None  # 50 + 25 > 60
    assert b.stopped == {"a"}
    assert b.next_run_s("b") == 45.0  # budgets are per contender
    unbounded = ContenderBudget(None, 90.0)
    for _ in range(5):
        unbounded.ran("a", 80.0)
    assert unbounded.next_run_s("a") == 90.0 and not unbounded.stopped
