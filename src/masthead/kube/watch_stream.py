"""Reading a watch response: our own line splitting, an inactivity watchdog, and detection of
clock jumps (laptop suspend, SIGSTOP) that leave a connection dead without a FIN.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import aiohttp

from masthead.kube.codec import Line
from masthead.kube.errors import KubeError, StreamError
from masthead.kube.stats import RequestStats
from masthead.kube.tuning import Tuning


class WatchStalled(KubeError):
    """No bytes for longer than the watchdog allows."""


class ClockJumped(KubeError):
    """Time passed that the event loop did not see: the connection may be dead."""


class LineSplitter:
    """Splits a byte stream into newline-terminated lines, bounded by `max_line` bytes.

    A line that lies whole inside one chunk is handed out as a memoryview of that chunk, not a
    copy: a WatchList of 100k pods is ~500 MB, and `bytes.split` copying all of it cost a tenth
    of the sync's decode time. Only a line cut by a chunk boundary is joined (its pieces are
    kept apart until its newline arrives, so a long line costs one join, not one copy per
    chunk). A view keeps its chunk alive: decode the lines of a read before the next one.
    """

    def __init__(self, max_line: int) -> None:
        self.max_line = max_line
        self._parts: list[Line] = []  # the unfinished line, as it arrived
        self._pending = 0

    def feed(self, chunk: bytes) -> list[Line]:
        last = chunk.rfind(b"\n")
        if last < 0:
            if chunk:
                self._parts.append(chunk)
                self._pending += len(chunk)
            if self._pending > self.max_line:
                raise StreamError(f"watch event larger than {self.max_line} bytes")
            return []
        view = memoryview(chunk)
        find = chunk.find
        lines: list[Line] = []
        start = 0
        if self._parts:  # the line cut by the last chunk's end: only it is joined
            end = find(b"\n")
            self._parts.append(view[:end])
            joined = b"".join(self._parts)
            self._parts.clear()
            if joined:
                lines.append(joined)
            start = end + 1
        while start <= last:
            end = find(b"\n", start)
            if end > start:  # blank lines (keepalives) are dropped
                lines.append(view[start:end])
            start = end + 1
        rest = len(chunk) - start  # after the final newline: the start of the next line
        if rest:
            self._parts.append(view[start:])
        self._pending = rest
        return lines

    @property
    def pending(self) -> int:
        return self._pending


@dataclass(slots=True)
class Clocks:
    """Monotonic and wall clocks; injectable so the jump detector can be tested."""

    monotonic: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time


class ClockJumpDetector:
    """Compares how much wall-clock and monotonic time passed between checks.

    - Wall clock ran ahead of monotonic: the machine was suspended (Linux's monotonic clock
      stops during suspend).
    - Monotonic ran far past the check interval: this process was stopped or starved.
    Either way the TCP connection may be half-open; reconnecting is cheap, waiting for the
    watchdog is not.
    """

    def __init__(self, tuning: Tuning, clocks: Clocks) -> None:
        self.threshold = tuning.clock_jump_threshold
        self.interval = tuning.clock_check_interval
        self.clocks = clocks
        self._mono = clocks.monotonic()
        self._wall = clocks.wall()

    def check(self) -> float | None:
        """The unexplained seconds since the last check, if over the threshold."""
        mono, wall = self.clocks.monotonic(), self.clocks.wall()
        d_mono, d_wall = mono - self._mono, wall - self._wall
        self._mono, self._wall = mono, wall
        jump = max(abs(d_wall - d_mono), d_mono - self.interval)
        return jump if jump > self.threshold else None


async def watch_lines(
    resp: aiohttp.ClientResponse,
    tuning: Tuning,
    stats: RequestStats,
    clocks: Clocks,
) -> AsyncIterator[list[Line]]:
    """Yield the complete lines of each read, as a list, until the server closes the stream
    cleanly (one iteration per read, not per line: a WatchList is 100k lines).

    Raises `WatchStalled` after `tuning.watchdog` seconds without bytes and `ClockJumped` when
    the clocks disagree; both mean "reconnect from the last resourceVersion".
    """
    splitter = LineSplitter(tuning.max_event_bytes)
    detector = ClockJumpDetector(tuning, clocks)
    wake = min(tuning.watchdog, tuning.clock_check_interval)
    last_bytes = clocks.monotonic()
    content = resp.content
    arrived = content.total_bytes  # what the connection had delivered at the last read
    while True:
        chunk: bytes | None
        try:
            async with asyncio.timeout(wake):
                chunk = await content.readany()
        except TimeoutError:
            chunk = None
        jump = detector.check()
        if jump is not None:
            raise ClockJumped(f"{jump:.0f} s unaccounted for (suspend or stopped process)")
        if chunk is None:
            if content.total_bytes != arrived or content.is_eof():
                # Bytes (or the end) came while the loop was held: when it ran again the read
                # and the expired timer were due in one turn, and the timer's cancellation won.
                continue  # the next read returns them at once: the connection is not silent
            if clocks.monotonic() - last_bytes >= tuning.watchdog:
                raise WatchStalled(f"no bytes for {tuning.watchdog:g} s")
            continue
        if not chunk:
            if splitter.pending:
                raise StreamError("watch stream ended inside an event")
            return
        last_bytes = clocks.monotonic()
        arrived = content.total_bytes
        stats.bytes_received += len(chunk)
        lines = splitter.feed(chunk)
        if lines:
            yield lines
