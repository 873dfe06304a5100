"""Query engine at 100k pod-like rows: page latency, memory, upsert throughput.

    python -m bench.store_query [--rows 100000] [--runs 50]

Prints JSON: p50/p95/max per query in ms (text searches of every shape the UI sends; a
search after each 100 watch changes; `facet_counts` asks for facet counts, which pages never
do), table memory per 100k rows (tracemalloc: the rows, then the table's own indexes with the
default sort's (name) sorted index; `with_text` once a search built the per-row text;
`all_sorts` with every sortable column's as well), the one-off cost of building a sorted index
on a column's first sort, bulk load time and sustained upsert rate.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import msgspec
import orjson

from masthead.selectors import parse_label_selector
from masthead.store.columns import Column
from masthead.store.query import Query, query_table
from masthead.store.table import Table

NAMESPACES = 500
NODES = 500
PODS_PER_REPLICASET = 20
STATUSES = ("Running", "Pending", "CrashLoopBackOff", "Completed", "Error")
STATUS_WEIGHTS = (0.90, 0.04, 0.03, 0.02, 0.01)
TIERS = ("web", "db", "cache")


class BenchPod(msgspec.Struct, frozen=True):
    uid: str
    namespace: str
    name: str
    labels: dict[str, str]
    node: str | None
    owner_uids: tuple[str, ...]
    status: str
    ready: str
    restarts: int
    created: float
    ip: str | None


COLUMNS: tuple[Column[BenchPod], ...] = (
    Column(id="name", title="Name", type="string", key=lambda p: p.name),
    Column(id="namespace", title="Namespace", type="string", key=lambda p: p.namespace, facet=True),
    Column(id="ready", title="Ready", type="string", key=lambda p: p.ready),
    Column(
        id="status", title="Status", type="string", key=lambda p: p.status, facet=True, text=True
    ),
    Column(id="restarts", title="Restarts", type="int", key=lambda p: p.restarts),
    Column(id="age", title="Age", type="time", key=lambda p: p.created),
    Column(id="ip", title="IP", type="string", key=lambda p: p.ip, text=True),
    Column(id="node", title="Node", type="string", key=lambda p: p.node, facet=True, text=True),
)


def make_pods(count: int, rng: random.Random) -> list[BenchPod]:
    """Rows as a projection should build them: unique strings (uid, name, ip) fresh per row,
    repeated ones (namespace, node, label keys and values, owner) interned, and the identical
    label maps and owner tuples of one ReplicaSet's pods shared (rows are immutable)."""
    nodes = [f"node-{n:04d}" for n in range(NODES)]
    pods = []
    shared: tuple[str, dict[str, str], tuple[str, ...], str, str] | None = None
    for i in range(count):
        rs = i // PODS_PER_REPLICASET
        if i % PODS_PER_REPLICASET == 0 or shared is None:
            app = sys.intern(f"svc-{rs // NAMESPACES:03d}")
            template_hash = sys.intern(f"{rs * 2654435761 % 16**10:010x}")
            labels = {"app": app, "pod-template-hash": template_hash, "tier": TIERS[rs % 3]}
            ns = sys.intern(f"team-{rs % NAMESPACES:03d}")
            shared = (ns, labels, (f"rs-{rs:08x}",), app, template_hash)
        ns, labels, owners, app, template_hash = shared
        status = rng.choices(STATUSES, STATUS_WEIGHTS)[0]
        pending = status == "Pending"
        pods.append(
            BenchPod(
                uid=f"{i:08x}-5a2e-4c1b-9d3f-{rng.getrandbits(48):012x}",
                namespace=ns,
                name=f"{app}-{template_hash}-{rng.getrandbits(25):05x}",
                labels=labels,
                node=None if pending else rng.choice(nodes),
                owner_uids=owners,
                status=status,
                ready="0/1" if status != "Running" else "1/1",
                restarts=0 if rng.random() < 0.8 else rng.randrange(1, 60),
                created=1_760_000_000.0 + rng.random() * 86_400 * 30,
                ip=None if pending else f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}",
            )
        )
    return pods


def timed(fn: Callable[[], Any], runs: int) -> dict[str, float]:
    """Wall time, and the thread's CPU time: on a machine shared with other jobs the wall time
    also counts the waits for a core, the CPU time does not."""
    samples, cpu = [], []
    for _ in range(runs):
        start, cpu_start = time.perf_counter(), time.thread_time()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
        cpu.append((time.thread_time() - cpu_start) * 1000)
    samples.sort()
    cpu.sort()
    return {
        "p50_ms": round(statistics.median(samples), 3),
        "p95_ms": _p95(samples),
        "max_ms": round(samples[-1], 3),
        "cpu_p95_ms": _p95(cpu),
        "runs": runs,
    }


def _p95(ordered: list[float]) -> float:
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 3)


def measure_memory(
    count: int, rng: random.Random
) -> tuple[list[BenchPod], Table[BenchPod], dict[str, float]]:
    gc.collect()
    tracemalloc.start()
    pods = make_pods(count, rng)
    rows_bytes = tracemalloc.get_traced_memory()[0]
    table = Table(COLUMNS)
    table.replace(pods)
    table.sorted_index("name")
    total_bytes = tracemalloc.get_traced_memory()[0]
    # The first search builds the per-row text and the distinct values' texts (a term no row
    # holds reads all of them).
    table.search_text(["no-such-row"])
    text_bytes = tracemalloc.get_traced_memory()[0]
    for column in COLUMNS:
        if column.sortable:
            table.sorted_index(column.id)
    all_sorts_bytes = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    per_100k = 100_000 / count / 2**20
    return (
        pods,
        table,
        {
            "rows_mb_per_100k": round(rows_bytes * per_100k, 1),
            "indexes_mb_per_100k": round((total_bytes - rows_bytes) * per_100k, 1),
            "total_mb_per_100k": round(total_bytes * per_100k, 1),
            "with_text_mb_per_100k": round(text_bytes * per_100k, 1),
            "all_sorts_mb_per_100k": round(all_sorts_bytes * per_100k, 1),
        },
    )


def measure_queries(
    table: Table[BenchPod], runs: int, rng: random.Random
) -> dict[str, dict[str, float]]:
    namespaces = [f"team-{i:03d}" for i in range(NAMESPACES)]

    def query(**kwargs: Any) -> Callable[[], Any]:
        return lambda: query_table(table, Query(**kwargs))

    def varied(make: Callable[[], Query]) -> Callable[[], Any]:
        return lambda: query_table(table, make())

    return {
        "sort_name": timed(query(sort="name"), runs),
        "sort_name_desc": timed(query(sort="name", desc=True), runs),
        "sort_restarts": timed(query(sort="restarts", desc=True), runs),
        "sort_age": timed(query(sort="age"), runs),
        "deep_offset": timed(query(sort="name", offset=90_000), runs),
        "deep_offset_desc_restarts": timed(query(sort="restarts", desc=True, offset=50_000), runs),
        "namespace": timed(
            varied(lambda: Query(sort="name", namespaces=frozenset(rng.sample(namespaces, 3)))),
            runs,
        ),
        "namespace_sort_restarts": timed(
            varied(
                lambda: Query(
                    sort="restarts", desc=True, namespaces=frozenset(rng.sample(namespaces, 3))
                )
            ),
            runs,
        ),
        "facet_status": timed(
            query(sort="age", facets={"status": frozenset({"CrashLoopBackOff"})}), runs
        ),
        "selector": timed(
            varied(
                lambda: Query(
                    sort="name",
                    label_selector=parse_label_selector(f"app=svc-{rng.randrange(10):03d}"),
                )
            ),
            runs,
        ),
        # How the UI counts a status value: a page of no rows.
        "facet_value_count": timed(
            query(sort="name", limit=0, facets={"status": frozenset({"Running"})}), runs
        ),
        "facet_counts": timed(
            query(sort="age", facets={"status": frozenset({"Running"})}, count_facets=True), runs
        ),
        # Text: one term in 10 % of names (and an `app` label), in name order and by age.
        "text": timed(
            varied(lambda: Query(sort="name", text=f"svc-{rng.randrange(10):03d}")), runs
        ),
        "text_sort_age": timed(
            varied(lambda: Query(sort="age", desc=True, text=f"svc-{rng.randrange(10):03d}")),
            runs,
        ),
        "text_common": timed(query(sort="name", text="running"), runs),  # a status: 90 %
        "text_every_row": timed(query(sort="name", text="svc"), runs),
        "text_none": timed(query(sort="name", text="nothing-holds-this"), runs),
        "text_two_terms": timed(query(sort="name", text="team-01 crash"), runs),
        "text_ip_prefix": timed(
            varied(lambda: Query(sort="name", text=f"10.{rng.randrange(2)}.{rng.randrange(256)}.")),
            runs,
        ),
        "text_namespace_sort_restarts": timed(
            varied(
                lambda: Query(
                    sort="restarts",
                    desc=True,
                    text="web",
                    namespaces=frozenset(rng.sample(namespaces, 3)),
                )
            ),
            runs,
        ),
    }


def measure_text_under_churn(
    table: Table[BenchPod], pods: list[BenchPod], rounds: int, rng: random.Random
) -> dict[str, float]:
    """A search after every 100 watch changes, one of them a pod of a new ReplicaSet (a new
    pod-template-hash label value, so the distinct label texts are read again): the cost of
    keeping the search's indexes current under churn, as a query sees it."""
    current = {p.uid: p for p in pods}
    uids = list(current)
    samples = []
    for round_ in range(rounds):
        for _ in range(99):
            old = current[rng.choice(uids)]
            new = msgspec.structs.replace(
                old, status=rng.choice(("Running", "CrashLoopBackOff")), restarts=old.restarts + 1
            )
            table.upsert(new)
            current[new.uid] = new
        old = current[rng.choice(uids)]
        template_hash = f"{rng.getrandbits(40):010x}"
        table.upsert(
            msgspec.structs.replace(
                old,
                uid=f"churn-{round_:06d}",
                name=f"{old.labels['app']}-{template_hash}-{rng.getrandbits(25):05x}",
                labels={**old.labels, "pod-template-hash": template_hash},
            )
        )
        text = f"svc-{rng.randrange(10):03d}"
        start = time.perf_counter()
        query_table(table, Query(sort="name", text=text))
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {
        "p50_ms": round(statistics.median(samples), 3),
        "p95_ms": _p95(samples),
        "max_ms": round(samples[-1], 3),
        "runs": rounds,
    }


def measure_upserts(
    table: Table[BenchPod], pods: list[BenchPod], changes: int, rng: random.Random
) -> dict[str, float]:
    """Watch churn: status and restarts of random pods change (the common MODIFIED event)."""
    current = {p.uid: p for p in pods}
    uids = list(current)
    longest = 0.0
    start = time.perf_counter()
    for _ in range(changes):
        old = current[rng.choice(uids)]
        new = msgspec.structs.replace(
            old, status=rng.choice(("Running", "CrashLoopBackOff")), restarts=old.restarts + 1
        )
        t0 = time.perf_counter()
        table.upsert(new)
        longest = max(longest, time.perf_counter() - t0)
        current[new.uid] = new
    elapsed = time.perf_counter() - start
    return {
        "changes_per_s": round(changes / elapsed),
        "longest_upsert_ms": round(longest * 1000, 3),
    }


def run(rows: int = 100_000, runs: int = 50) -> dict[str, Any]:
    rng = random.Random(42)
    pods, table, memory = measure_memory(rows, rng)
    started = time.perf_counter()
    fresh = Table(COLUMNS)
    fresh.replace(pods)
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    fresh.sorted_index("name")
    first_sort_s = time.perf_counter() - started
    started = time.perf_counter()
    fresh.search_text(["no-such-row"])
    first_search_s = time.perf_counter() - started
    del fresh
    # What the app does after an initial sync (architecture.md §2.2): the loaded rows leave the
    # collector's generations, so a query's temporary sets do not trigger full collections.
    gc.freeze()
    queries = measure_queries(table, runs, rng)
    queries["text_under_churn"] = measure_text_under_churn(table, pods, runs, rng)
    upserts = measure_upserts(table, pods, 20_000, rng)
    return {
        "rows": rows,
        "namespaces": NAMESPACES,
        "queries": queries,
        "memory": memory,
        "bulk_load_s": round(load_s, 3),
        "first_sort_build_s": round(first_sort_s, 3),
        "first_search_s": round(first_search_s, 3),  # builds the per-row text
        "upserts": upserts,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    print(orjson.dumps(run(args.rows, args.runs), option=orjson.OPT_INDENT_2).decode())


if __name__ == "__main__":
    main()
