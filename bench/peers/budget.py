"""A time budget per contender over all its runs (bench/peer_sync.py, bench/sync_all.py).

A contender's next run is allowed while its time so far plus its last run fits the budget (a
run takes about as long as the one before); the run itself is killed past what is left of
the budget (`run_peer`'s timeout), so one contender never costs more than its budget."""

from __future__ import annotations


class ContenderBudget:
    def __init__(self, budget_s: float | None, run_budget_s: float) -> None:
        self.budget_s = budget_s  # None: no budget over the runs, only run_budget_s per run
        self.run_budget_s = run_budget_s
        self.spent: dict[str, list[float]] = {}
        self.stopped: set[str] = set()  # another run would pass the budget

    def next_run_s(self, name: str) -> float | None:
        """Seconds the contender's next run may take; None: its budget is spent."""
        runs = self.spent.get(name, [])
        if self.budget_s is None:
            return self.run_budget_s
        used = sum(runs)
        if runs and used + runs[-1] > self.budget_s:
            self.stopped.add(name)
            return None
        return min(self.run_budget_s, self.budget_s - used)

    def ran(self, name: str, seconds: float) -> None:
        self.spent.setdefault(name, []).append(seconds)
