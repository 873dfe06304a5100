"""Where the event loop stalls (issue 5): a diagnostics-only lag locator.

`api/loop_lag.py` says how late the loop runs; this says what held it. With
`MASTHEAD_STALL_TRACE=<ms>` in masthead's environment, a callback on the loop stamps a
heartbeat and a watchdog thread checks it: once the heartbeat is late by more than the
threshold the loop is stalled, and the watchdog samples the main thread's stack
(`sys._current_frames()`) every few milliseconds until the heartbeat moves again. Samples are
counted by the innermost frame plus the innermost masthead frames (the code to change), so a
stall of 300 ms sampled every 5 ms weighs ~60 in its stack's count. Garbage collections are
timed too (a `gc.callbacks` pair): a gen-2 pass over a 100k-row table holds the loop like any
other synchronous work, and a sample taken during one is labelled with its generation. A
collection holds the GIL from start to end, so the watchdog's sample lands at its end (in the
callback): a long pause weighs one sample, and its length is in `gc`.

Everything is bounded: at most `max_stacks` distinct stacks (later new ones are counted in
`dropped_samples`), the last `keep_stalls` stalls and `keep_collections` slow collections.
Off by default: sampling takes the GIL from the loop for a few microseconds per sample, and
the callbacks run on every collection.
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import CodeType, FrameType

from masthead.env_int import bounded_int_from_env

ENV = "MASTHEAD_STALL_TRACE"
MAX_THRESHOLD_MS = 10_000
# A frame is masthead's when its file is under the package's directory.
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_MASTHEAD_FRAMES = 4  # innermost masthead frames in a stack's key


def threshold_from_env(environ: Mapping[str, str] = os.environ) -> float:
    """The stall threshold asked by `MASTHEAD_STALL_TRACE`, in seconds (0: off). A value that
    is not an integer in [0, MAX_THRESHOLD_MS] is refused at start, naming the variable."""
    return bounded_int_from_env(environ, ENV, MAX_THRESHOLD_MS, "ms") / 1000


def _where(frame: FrameType) -> str:
    code = frame.f_code
    path = code.co_filename
    if path.startswith(_PACKAGE_DIR):
        path = "masthead/" + path[len(_PACKAGE_DIR) :]
    else:
        path = os.path.basename(path)
    return f"{path}:{frame.f_lineno} {code.co_name}"


def gc_callback_codes() -> frozenset[CodeType]:
    """The code of every `gc.callbacks` entry: during a collection the loop's thread may be in
    any of them (ours, or a library's such as hypothesis's), and none of them is the holder."""
    codes = set()
    for callback in list(gc.callbacks):
        function = getattr(callback, "__func__", callback)
        code = getattr(function, "__code__", None)
        if isinstance(code, CodeType):
            codes.add(code)
    return frozenset(codes)


def stack_key(frame: FrameType | None, skip: frozenset[CodeType] = frozenset()) -> tuple[str, ...]:
    """The innermost frame (whoever's it is: a library call can be the time sink) and then
    the innermost masthead frames, innermost first; frames running `skip` code (the gc
    callbacks, during a collection) are passed over."""
    # The locator's own frames (its gc callback, where a collection hands the GIL over) are
    # not the holder: the frames under them are.
    while frame is not None and (frame.f_code.co_filename == __file__ or frame.f_code in skip):
        frame = frame.f_back
    if frame is None:
        return ("<no frame>",)
    key = [_where(frame)]
    f: FrameType | None = frame.f_back
    while f is not None and len(key) <= _MASTHEAD_FRAMES:
        if f.f_code.co_filename.startswith(_PACKAGE_DIR):
            key.append(_where(f))
        f = f.f_back
    return tuple(key)


@dataclass
class GcTimes:
    """Collections by generation: how many, their total and longest pause."""

    count: list[int] = field(default_factory=lambda: [0, 0, 0])
    total_s: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    max_s: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])

    def record(self, generation: int, seconds: float) -> None:
        self.count[generation] += 1
        self.total_s[generation] += seconds
        self.max_s[generation] = max(self.max_s[generation], seconds)

    def as_dict(self) -> list[dict[str, object]]:
        return [
            {
                "generation": g,
                "collections": self.count[g],
                "total_ms": round(self.total_s[g] * 1000, 3),
                "max_ms": round(self.max_s[g] * 1000, 3),
            }
            for g in range(3)
        ]


@dataclass
class StallTrace:
    threshold: float  # seconds; 0: off
    sample_every: float = 0.005
    max_stacks: int = 200
    keep_stalls: int = 100
    keep_collections: int = 100
    stalls: int = 0
    stalled_s: float = 0.0
    longest_s: float = 0.0
    samples: int = 0
    dropped_samples: int = 0  # samples of a new stack once max_stacks are held
    gc: GcTimes = field(default_factory=GcTimes)
    _stacks: Counter[tuple[str, ...]] = field(default_factory=Counter, init=False)
    _recent: deque[dict[str, object]] = field(init=False)
    _slow_gc: deque[dict[str, object]] = field(init=False)
    _beat: float = field(default=0.0, init=False)
    _gc_started: float = field(default=0.0, init=False)
    _gc_generation: int = field(default=-1, init=False)  # the main thread's, while it collects
    _main: int = field(default=0, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _stop: threading.Event = field(default_factory=threading.Event, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)
    _handle: asyncio.TimerHandle | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self._recent = deque(maxlen=self.keep_stalls)
        self._slow_gc = deque(maxlen=self.keep_collections)

    @property
    def enabled(self) -> bool:
        return self.threshold > 0

    @property
    def _beat_every(self) -> float:
        # Often enough that a late beat is a stall of about the threshold, not of a period.
        return max(0.001, self.threshold / 4)

    def start(self) -> None:
        """On the running loop: the heartbeat, the watchdog and the collector's callbacks."""
        if not self.enabled or self._thread is not None:
            return
        loop = asyncio.get_running_loop()
        main = self._main = threading.get_ident()
        self._beat = time.monotonic()
        self._handle = loop.call_later(self._beat_every, self._heartbeat, loop)
        gc.callbacks.append(self._on_gc)
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._watch, args=(main,), name="stall trace", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join()
        self._thread = None
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)

    def _heartbeat(self, loop: asyncio.AbstractEventLoop) -> None:
        self._beat = time.monotonic()
        self._handle = loop.call_later(self._beat_every, self._heartbeat, loop)

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
            if threading.get_ident() == self._main:
                self._gc_generation = info["generation"]
            return
        seconds = time.perf_counter() - self._gc_started
        generation = info["generation"]
        # No lock here: a collection starts inside any allocation, also one made while this
        # thread holds `_lock` (answering, sampling), and the lock is not reentrant. Numbers
        # and a deque's append are safe under the GIL, and collections never overlap.
        self.gc.record(generation, seconds)
        if seconds >= self.threshold:
            self._slow_gc.append(
                {
                    "at": round(time.time(), 3),
                    "generation": generation,
                    "ms": round(seconds * 1000, 3),
                    "collected": info.get("collected", 0),
                    "thread": threading.current_thread().name,
                }
            )
        # Cleared last: a collection holds the GIL throughout, so the watchdog's sample of it
        # lands in this callback (the first bytecode after it) and must still see its label.
        self._gc_generation = -1

    def _watch(self, main: int) -> None:
        stall_beat = 0.0  # the heartbeat a stall in progress waits behind (0: none)
        stall_samples: Counter[tuple[str, ...]] = Counter()
        while not self._stop.wait(self.sample_every):
            beat = self._beat
            late = time.monotonic() - beat - self._beat_every
            if stall_beat and beat != stall_beat:  # the loop ran again: the stall is over
                self._end_stall(stall_beat, stall_samples)
                stall_beat, stall_samples = 0.0, Counter()
            if late <= self.threshold:
                continue
            stall_beat = beat
            generation = self._gc_generation
            skip = gc_callback_codes() if generation >= 0 else frozenset()
            key = stack_key(sys._current_frames().get(main), skip)
            if generation >= 0:
                key = (f"<gc generation {generation}>", *key)
            stall_samples[key] += 1
            self._sample(key)

    def _sample(self, key: tuple[str, ...]) -> None:
        with self._lock:
            self.samples += 1
            if key in self._stacks or len(self._stacks) < self.max_stacks:
                self._stacks[key] += 1
            else:
                self.dropped_samples += 1

    def _end_stall(self, beat: float, samples: Counter[tuple[str, ...]]) -> None:
        # The heartbeat was due at beat + period; it ran at the new beat (at most a sample
        # period ago).
        seconds = max(0.0, self._beat - beat - self._beat_every)
        top = samples.most_common(1)[0][0] if samples else ("<not sampled>",)
        with self._lock:
            self.stalls += 1
            self.stalled_s += seconds
            self.longest_s = max(self.longest_s, seconds)
            self._recent.append(
                {
                    "at": round(time.time() - seconds, 3),
                    "ms": round(seconds * 1000, 1),
                    "samples": sum(samples.values()),
                    "top": list(top),
                }
            )

    def as_dict(self, top: int) -> dict[str, object]:
        with self._lock:
            stacks = self._stacks.most_common(top)
            return {
                "enabled": self.enabled,
                "threshold_ms": round(self.threshold * 1000, 3),
                "sample_every_ms": round(self.sample_every * 1000, 3),
                "stalls": self.stalls,
                "stalled_ms": round(self.stalled_s * 1000, 1),
                "longest_ms": round(self.longest_s * 1000, 1),
                "samples": self.samples,
                "dropped_samples": self.dropped_samples,
                "stacks_held": len(self._stacks),
                "top": [
                    {"samples": n, "share": round(n / max(1, self.samples), 4), "where": list(k)}
                    for k, n in stacks
                ],
                "recent": list(self._recent)[-top:],
                "gc": self.gc.as_dict(),
                "slow_collections": list(self._slow_gc)[-top:],
                # No gc.get_freeze_count(): it walks every frozen object (~0.5 s at 4 M) while
                # holding the lock the sampler needs: a stall the locator itself would cause.
            }

    def reset(self) -> None:
        """Forget what was counted (the next answers cover a window the caller chose)."""
        with self._lock:
            self.stalls = self.samples = self.dropped_samples = 0
            self.stalled_s = self.longest_s = 0.0
            self._stacks.clear()
            self._recent.clear()
            self._slow_gc.clear()
            self.gc = GcTimes()
