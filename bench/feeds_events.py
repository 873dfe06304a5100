"""Event history figures: events ingested per second into SQLite (core/v1 dicts through
`EventsHistory.record`, the path a `HistorySink` takes, until committed) and the p95 latency of
history queries over 1M rows (quick: 100k).

Ids: `events.history.ingest_per_s` (one run per fill chunk), `events.history.query.p95`
(mixed: newest page of the cluster, of a namespace, warnings of a namespace, one object's
events, a page after an id) and one figure per query shape.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench.results_format import Figure
from masthead.feeds.events_history import EventFilter, EventsHistory, HistoryTuning
from masthead.persist.db import Database

CLUSTER = "bench"
NAMESPACES = 50
OBJECTS = 20_000
CHUNKS = 5
ROUNDS = 3  # query rounds, a p95 each


def _event(i: int, rng: random.Random) -> dict[str, Any]:
    obj = rng.randrange(OBJECTS)
    ns = f"ns-{obj % NAMESPACES}"
    warning = rng.random() < 0.1
    return {
        "kind": "Event",
        "apiVersion": "v1",
        "metadata": {
            "name": f"pod-{obj}.{i:x}",
            "namespace": ns,
            "uid": f"event-{i}",
            "creationTimestamp": "2026-05-01T09:55:00Z",
            "resourceVersion": str(i),
        },
        "involvedObject": {
            "kind": "Pod",
            "namespace": ns,
            "name": f"pod-{obj}",
            "uid": f"pod-uid-{obj}",
            "fieldPath": "spec.containers{app}",
        },
        "reason": "BackOff" if warning else "Pulled",
        "message": f"Back-off restarting failed container app in pod pod-{obj}"
        if warning
        else f'Successfully pulled image "registry/app:{obj % 97}" in 1.2s',
        "source": {"component": "kubelet", "host": f"node-{obj % 300}"},
        "firstTimestamp": "2026-05-01T09:55:00Z",
        "lastTimestamp": "2026-05-01T10:00:00Z",
        "count": 1 + i % 3,
        "type": "Warning" if warning else "Normal",
        "eventTime": None,
        "reportingComponent": "kubelet",
        "reportingInstance": f"node-{obj % 300}",
    }


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]


async def _measure(rows: int, queries: int) -> dict[str, Any]:
    rng = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="masthead-bench-events-") as tmp:
        db = await Database.open(Path(tmp))
        history = EventsHistory(db, HistoryTuning(max_rows=rows * 2, prune_interval=3600))
        await history.start()
        rates: list[float] = []
        per_chunk = rows // CHUNKS
        i = 0
        for _ in range(CHUNKS):
            batch = [_event(i + k, rng) for k in range(per_chunk)]
            i += per_chunk
            started = time.perf_counter()
            for n, e in enumerate(batch):
                history.record(CLUSTER, e)
                if n % 5000 == 4999:
                    await asyncio.sleep(0)  # let commit callbacks run, as a live loop would
            await history.flush()
            rates.append(per_chunk / (time.perf_counter() - started))
        newest = await history.latest_id(CLUSTER)

        shapes: dict[str, Callable[[], Awaitable[object]]] = {
            "newest": lambda: history.query(EventFilter(CLUSTER), limit=100),
            "namespace": lambda: history.query(
                EventFilter(CLUSTER, namespace=f"ns-{rng.randrange(NAMESPACES)}"), limit=100
            ),
            "namespace_warnings": lambda: history.query(
                EventFilter(CLUSTER, namespace=f"ns-{rng.randrange(NAMESPACES)}", type="Warning"),
                limit=100,
            ),
            "object": lambda: history.query(
                EventFilter(CLUSTER, involved_uid=f"pod-uid-{rng.randrange(OBJECTS)}"),
                limit=100,
            ),
            "after_id": lambda: history.query(
                EventFilter(CLUSTER),
                after_id=rng.randrange(max(1, newest)),
                limit=100,
                newest_first=False,
            ),
        }
        # The queries in ROUNDS rounds, a p95 each: a figure's spread, at no extra cost.
        times: dict[str, list[list[float]]] = {name: [] for name in shapes}
        for _ in range(ROUNDS):
            for name in shapes:
                times[name].append([])
            for _ in range(queries // ROUNDS):
                for name, q in shapes.items():
                    started = time.perf_counter()
                    await q()
                    times[name][-1].append((time.perf_counter() - started) * 1000)
        stats = history.as_dict()
        await history.close()
        await db.close()
    return {"rates": rates, "times": times, "stats": stats}


def run(mode: str) -> list[Figure]:
    rows = 100_000 if mode == "quick" else 1_000_000
    queries = 60 if mode == "quick" else 200
    result = asyncio.run(_measure(rows, queries))
    scenario = f"{rows // 1000}k-event-rows"
    figures = [
        Figure(
            "events.history.ingest_per_s",
            scenario,
            "events/s",
            masthead=[round(r) for r in result["rates"]],
            higher_is_better=True,
        ),
        Figure(
            "events.history.query.p95",
            scenario,
            "ms",
            masthead=[
                round(_p95([x for rounds in result["times"].values() for x in rounds[r]]), 3)
                for r in range(ROUNDS)
            ],
        ),
    ]
    for name, rounds in result["times"].items():
        p95s = [round(_p95(t), 3) for t in rounds]
        figures.append(Figure(f"events.history.query.p95.{name}", scenario, "ms", masthead=p95s))
    return figures


if __name__ == "__main__":
    import sys

    from bench.results_format import markdown_table

    print(markdown_table(run(sys.argv[1] if len(sys.argv) > 1 else "quick")))
