"""Where masthead's memory goes (issue 8): `GET /api/v1/diagnostics/memory`.

Always: the process's RSS, what glibc's malloc holds (in use / free in its arenas), CPython's
allocated blocks and the trims so far — cheap reads. With `MASTHEAD_TRACEMALLOC=<frames>` (1–64)
in masthead's environment, tracemalloc runs from app creation and the answer adds what grew by
file:line (or by call path) since the last `?mark=1`, and object counts by type. Tracing is a
diagnostics-only switch: tracemalloc costs ~2× in allocation time and memory, and counting
every object holds the loop like a full collection, so neither runs on the normal path.
"""

from __future__ import annotations

import gc
import os
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from aiohttp import web

from masthead.api.context import context_of
from masthead.api.errors import bad_parameter, json_response
from masthead.api.params import int_param
from masthead.env_int import bounded_int_from_env
from masthead.kube.memtrim import STATS as MEMORY_RELEASES
from masthead.kube.memtrim import malloc_usage
from masthead.malloc_trimmer import rss_mb

ENV = "MASTHEAD_TRACEMALLOC"
MAX_FRAMES = 64
MAX_TOP = 200
Grouping = Literal["lineno", "filename", "traceback"]
GROUPINGS: tuple[Grouping, ...] = ("lineno", "filename", "traceback")
# tracemalloc's own bookkeeping and the import system's: not masthead's memory.
_IGNORED = (
    tracemalloc.Filter(False, tracemalloc.__file__),
    tracemalloc.Filter(False, "<frozen importlib._bootstrap>"),
    tracemalloc.Filter(False, "<frozen importlib._bootstrap_external>"),
    tracemalloc.Filter(False, "<unknown>"),
)


def frames_from_env(environ: Mapping[str, str] = os.environ) -> int:
    """The frames asked by `MASTHEAD_TRACEMALLOC` (0: off). A value that is not an integer
    in [0, MAX_FRAMES] is refused at start, naming the variable, rather than ignored."""
    return bounded_int_from_env(environ, ENV, MAX_FRAMES)


def type_counts() -> Counter[str]:
    """Live objects the collector tracks, by type name (containers and instances; ints and
    strings are not tracked and show up only in the allocation statistics). Objects frozen
    after a sync (kube/gcpause.py) are not listed by the collector: `frozen` counts them."""
    return Counter(type(o).__name__ for o in gc.get_objects())


@dataclass
class MemoryTrace:
    """One baseline at a time (a snapshot plus the type counts): what the next answer diffs
    against. The snapshot is the only thing held, replaced by each mark."""

    frames: int
    _baseline: tracemalloc.Snapshot | None = field(default=None, init=False)
    _baseline_types: Counter[str] = field(default_factory=Counter, init=False)
    _marked_at: float = field(default=0.0, init=False)
    _marked_rss: float = field(default=0.0, init=False)

    _started: bool = field(default=False, init=False)

    def start(self) -> None:
        if self.frames and not tracemalloc.is_tracing():
            tracemalloc.start(self.frames)
            self._started = True

    def stop(self) -> None:
        """Stop what `start` started (an app in a test process must not leave it tracing)."""
        if self._started:
            tracemalloc.stop()
            self._started = False
            self._baseline = None

    @property
    def tracing(self) -> bool:
        return self.frames > 0 and tracemalloc.is_tracing()

    def mark(self) -> None:
        self._baseline = _snapshot()
        self._baseline_types = type_counts()
        self._marked_at = time.monotonic()
        self._marked_rss = rss_mb()

    def report(self, top: int, group: Grouping) -> dict[str, object]:
        """What grew since the mark (or what is held, before any mark)."""
        current, peak = tracemalloc.get_traced_memory()
        snap = _snapshot()
        types = type_counts()
        out: dict[str, object] = {
            "frames": self.frames,
            "traced_mb": round(current / 1e6, 1),
            "traced_peak_mb": round(peak / 1e6, 1),
            "group": group,
            "frozen": gc.get_freeze_count(),
        }
        if self._baseline is None:
            stats = snap.statistics(group)[:top]
            out["since_mark"] = None
            out["top"] = [_stat(s.traceback, s.size, s.count, s.size, s.count) for s in stats]
            out["types"] = [{"type": t, "count": n, "diff": n} for t, n in types.most_common(top)]
            return out
        diffs = snap.compare_to(self._baseline, group)[:top]
        out["since_mark"] = {
            "seconds": round(time.monotonic() - self._marked_at, 1),
            "rss_mb_then": round(self._marked_rss, 1),
        }
        out["top"] = [_stat(d.traceback, d.size_diff, d.count_diff, d.size, d.count) for d in diffs]
        grown = Counter(types)
        grown.subtract(self._baseline_types)
        out["types"] = [
            {"type": t, "count": types[t], "diff": n}
            for t, n in sorted(grown.items(), key=lambda kv: -abs(kv[1]))[:top]
        ]
        return out


def _snapshot() -> tracemalloc.Snapshot:
    return tracemalloc.take_snapshot().filter_traces(_IGNORED)


def _stat(
    tb: tracemalloc.Traceback, size_diff: int, count_diff: int, size: int, count: int
) -> dict[str, object]:
    return {
        "where": [f"{f.filename}:{f.lineno}" for f in tb],
        "size_kb_diff": round(size_diff / 1e3, 1),
        "count_diff": count_diff,
        "size_kb": round(size / 1e3, 1),
        "count": count,
    }


def _grouping(raw: str) -> Grouping:
    for group in GROUPINGS:
        if raw == group:
            return group
    raise bad_parameter("group", f"group must be one of {', '.join(GROUPINGS)}, got {raw!r}")


MEMORY_TRACE: web.AppKey[MemoryTrace] = web.AppKey("masthead.memory_trace", MemoryTrace)


async def memory(request: web.Request) -> web.Response:
    """`GET /api/v1/diagnostics/memory[?mark=1][&top=N][&group=lineno|filename|traceback]`."""
    trace = request.app[MEMORY_TRACE]
    top = int_param(request, "top", 30, 1, MAX_TOP)
    group = _grouping(request.query.get("group", "lineno"))
    mark = request.query.get("mark", "0")
    if mark not in ("0", "1"):
        raise bad_parameter("mark", f"mark must be 0 or 1, got {mark!r}")
    if mark == "1" and not trace.tracing:
        raise bad_parameter("mark", f"mark needs tracing: start masthead with {ENV}=<frames>")
    body: dict[str, object] = {
        "rss_mb": round(rss_mb(), 1),
        "malloc_mb": malloc_usage(),
        "python_blocks": sys.getallocatedblocks(),
        "memory_releases": MEMORY_RELEASES.as_dict(),
        "periodic_trims": context_of(request).malloc_trimmer.as_dict(),
        "traced": trace.report(top, group) if trace.tracing else None,
    }
    if mark == "1":
        trace.mark()
        body["marked"] = True
    return json_response(body)
