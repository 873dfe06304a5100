"""`make bench` / `make bench-quick`: run every benchmark, write results JSON and a table."""

from __future__ import annotations

import argparse

from bench import kube_sync, sim_bench, store_figures
from bench.results_format import Figure, markdown_table, write_results


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--mode", choices=("quick", "full"), default="quick")
    args = p.parse_args()
    figures: list[Figure] = []
    figures += sim_bench.run(args.mode)
    figures += store_figures.run(args.mode)
    sync_figures, _ = kube_sync.run(20_000 if args.mode == "quick" else 100_000, 3)
    figures += sync_figures
    path = write_results(figures)
    print(markdown_table(figures))
    print(f"\nresults: {path}")


if __name__ == "__main__":
    main()
