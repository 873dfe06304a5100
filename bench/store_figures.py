"""Query-engine figures (store.query at 100k rows) in the shared results format."""

from __future__ import annotations

from bench import store_query
from bench.results_format import Figure

# Stable figure ids (benchmarks.md) -> the engine benchmark's query names.
QUERY_FIGURES = {
    "query.p95.sort_name": "sort_name",
    "query.p95.sort_restarts": "sort_restarts",
    "query.p95.deep_offset": "deep_offset",
    "query.p95.namespace": "namespace",
    "query.p95.text": "text",
}


def run(mode: str) -> list[Figure]:
    rows = 100_000
    runs = 20 if mode == "quick" else 50
    result = store_query.run(rows, runs)
    scenario = f"{rows // 1000}k-synthetic-pod-rows"
    figures = [
        Figure(fid, scenario, "ms", masthead=[result["queries"][name]["p95_ms"]])
        for fid, name in QUERY_FIGURES.items()
    ]
    figures.append(
        Figure(
            "rss.per_100k_pods",
            scenario,
            "MB",
            masthead=[result["memory"]["total_mb_per_100k"]],
        )
    )
    return figures
