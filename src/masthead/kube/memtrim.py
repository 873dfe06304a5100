"""Giving freed memory back to the OS after a relist.

A relist of a large source holds the old rows and the newly decoded ones at once (plus the
decoded pages and the replace's dict); once the replace is done the new copies of unchanged
rows and the containers are freed, but glibc's malloc keeps the freed chunks in its heap and
the process's RSS stays at the high-water mark. `malloc_trim(0)` returns the free pages of
every arena to the OS (`madvise(MADV_DONTNEED)` on whole free pages, not only the heap's top).
CPython's small-object allocator frees its arenas by itself once they are empty; this covers
what it asked of malloc (dict and list tables, bytes of decoded pages, anything > 512 bytes).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


def _libc_function(name: str) -> Any:
    """glibc's function `name`, or None where there is none (musl, macOS)."""
    lib = ctypes.util.find_library("c")
    if lib is None:
        return None
    try:
        return getattr(ctypes.CDLL(lib), name)
    except (OSError, AttributeError):
        return None


def _load_malloc_trim() -> Callable[[int], int] | None:
    fn = _libc_function("malloc_trim")
    if fn is None:
        return None
    fn.argtypes = [ctypes.c_size_t]
    fn.restype = ctypes.c_int
    trim: Callable[[int], int] = fn
    return trim


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def _load_mallinfo2() -> Callable[[], _MallInfo2] | None:
    fn = _libc_function("mallinfo2")  # glibc >= 2.33
    if fn is None:
        return None
    fn.argtypes = []
    fn.restype = _MallInfo2
    info: Callable[[], _MallInfo2] = fn
    return info


_malloc_trim = _load_malloc_trim()
_mallinfo2 = _load_mallinfo2()


def malloc_usage() -> dict[str, float] | None:
    """What glibc's malloc holds, MB (None without mallinfo2): `heap` (its arenas, from the
    system), `in_use` and `free` of those (free chunks it keeps: what a trim may hand back),
    `mmapped` (large blocks, each returned when freed). CPython's small-object arenas are
    mmapped by CPython itself and are in none of these."""
    if _mallinfo2 is None:
        return None
    m = _mallinfo2()
    return {
        "heap": round(m.arena / 1e6, 1),
        "in_use": round(m.uordblks / 1e6, 1),
        "free": round(m.fordblks / 1e6, 1),
        "mmapped": round(m.hblkhd / 1e6, 1),
    }


@dataclass(slots=True)
class TrimStats:
    """Process-wide: how often memory was handed back and what it cost (diagnostics)."""

    trims: int = 0
    seconds: float = 0.0
    available: bool = _malloc_trim is not None

    def as_dict(self) -> dict[str, object]:
        return {
            "trims": self.trims,
            "seconds": round(self.seconds, 3),
            "available": self.available,
        }


STATS = TrimStats()


def trim_malloc() -> bool:
    """Hand malloc's free pages back to the OS (ctypes lets go of the GIL meanwhile); False
    where malloc_trim is not available."""
    if _malloc_trim is None:
        return False
    _malloc_trim(0)
    return True


def release_freed_memory() -> bool:
    """Collect unreachable cycles, then hand malloc's free pages back to the OS; whether
    malloc_trim ran (False where it is not available: only the collection happened)."""
    start = time.perf_counter()
    gc.collect()
    trimmed = trim_malloc()
    STATS.trims += 1
    STATS.seconds += time.perf_counter() - start
    return trimmed
