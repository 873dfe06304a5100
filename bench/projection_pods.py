"""Pod projection at intake: decode + project throughput and memory per 100k projected rows.

    python -m bench.projection_pods [--pods 100000] [--runs 5]

The input is what a LIST of realistic pods (sim.podgen: 3-5 KB each, managedFields included)
puts on the wire: pages of 500 as JSON bytes, built before anything is timed.

- `decode.pods.objects_per_s`: pages → PodRows through `ProjectionCodec(PODS)` (msgspec
  partial decode + kubectl status logic + interning), against the peer `orjson-dicts`, a plain
  `orjson.loads` of the same pages into dicts. Both run with the collector paused, as the
  reflector does during a sync, and drop each page's result before the next, so the figure is
  the decode work alone; runs are interleaved.
- `rss.per_100k_pods` (scenario `100k-pods-projected`): tracemalloc'd bytes of the rows the
  codec keeps (interner caches included) and then of a `Table` with the pod columns'
  indexes and the sorted index of the default sort (name) a view opens with, scaled to 100k
  pods. Sorted indexes of other columns are built on a page's first sort by them, the per-row
  text by the first search: `with_text_mb_per_100k` is the table once a search ran,
  `all_sorts_mb_per_100k` with every sortable column's index built as well.
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc
from typing import Any

import orjson

from bench.results_format import Figure
from masthead.sim.podgen import pod_namespace, realistic_pod
from masthead.store.projection import Interner, PodRow, ProjectionCodec
from masthead.store.projection.pods import PODS
from masthead.store.table import Table

PAGE = 500
NAMESPACES = 500
NODES = 2000


def list_pages(pods: int) -> list[bytes]:
    pages = []
    for start in range(0, pods, PAGE):
        items = [
            realistic_pod(i, pod_namespace(i, NAMESPACES), f"node-{i % NODES:04d}")
            for i in range(start, min(start + PAGE, pods))
        ]
        for item in items:  # list items carry neither kind nor apiVersion
            del item["kind"], item["apiVersion"]
        more = start + PAGE < pods
        doc = {
            "kind": "PodList",
            "apiVersion": "v1",
            "metadata": {"resourceVersion": "1000", "continue": "next" if more else ""},
            "items": items,
        }
        pages.append(orjson.dumps(doc))
    return pages


def time_projection(pages: list[bytes]) -> float:
    codec = ProjectionCodec(PODS, Interner())
    gc.disable()
    try:
        start = time.perf_counter()
        for page in pages:
            codec.decode_list(page)
        return time.perf_counter() - start
    finally:
        gc.enable()


def time_orjson(pages: list[bytes]) -> float:
    gc.disable()
    try:
        start = time.perf_counter()
        for page in pages:
            orjson.loads(page)
        return time.perf_counter() - start
    finally:
        gc.enable()


def measure_memory(pages: list[bytes], pods: int) -> dict[str, float]:
    gc.collect()
    tracemalloc.start()
    codec = ProjectionCodec(PODS, Interner())
    rows: list[PodRow] = []
    for page in pages:
        rows.extend(codec.decode_list(page).items)
    rows_bytes = tracemalloc.get_traced_memory()[0]
    table: Table[PodRow] = Table(PODS.columns)
    table.replace(rows)
    del rows  # the table holds them now: only its dict and indexes remain on top
    table.sorted_index("name")
    total_bytes = tracemalloc.get_traced_memory()[0]
    table.search_text(["svc"])  # the per-row text is built by the first search
    text_bytes = tracemalloc.get_traced_memory()[0]
    for column in PODS.columns:
        if column.sortable:
            table.sorted_index(column.id)
    all_sorts_bytes = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    scale = 100_000 / pods / 2**20
    assert len(table) == pods
    return {
        "rows_mb_per_100k": round(rows_bytes * scale, 1),
        "indexes_mb_per_100k": round((total_bytes - rows_bytes) * scale, 1),
        "total_mb_per_100k": round(total_bytes * scale, 1),
        "with_text_mb_per_100k": round(text_bytes * scale, 1),
        "all_sorts_mb_per_100k": round(all_sorts_bytes * scale, 1),
    }


def measure(pods: int = 100_000, runs: int = 5) -> dict[str, Any]:
    pages = list_pages(pods)
    wire_mb = sum(map(len, pages)) / 2**20
    projected: list[float] = []
    plain: list[float] = []
    for _ in range(runs):  # interleaved, so drift hits both alike
        projected.append(pods / time_projection(pages))
        plain.append(pods / time_orjson(pages))
    memory = measure_memory(pages, pods)
    return {
        "pods": pods,
        "wire_mb": round(wire_mb, 1),
        "projected_objects_per_s": [round(v) for v in projected],
        "orjson_objects_per_s": [round(v) for v in plain],
        "memory": memory,
    }


def run(mode: str) -> list[Figure]:
    pods = 100_000
    result = measure(pods, 3 if mode == "quick" else 5)
    scenario = f"{pods // 1000}k-podgen-pods"
    return [
        Figure(
            "decode.pods.objects_per_s",
            scenario,
            "objects/s",
            masthead=result["projected_objects_per_s"],
            peers={"orjson-dicts": result["orjson_objects_per_s"]},
            higher_is_better=True,
        ),
        Figure(
            "rss.per_100k_pods",
            "100k-pods-projected",
            "MB",
            masthead=[result["memory"]["total_mb_per_100k"]],
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pods", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(orjson.dumps(measure(args.pods, args.runs), option=orjson.OPT_INDENT_2).decode())


if __name__ == "__main__":
    main()
