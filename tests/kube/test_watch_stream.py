"""Line splitting, the clock-jump detector and the watchdog of a held loop."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from masthead.kube.codec import Line
from masthead.kube.errors import StreamError
from masthead.kube.stats import RequestStats
from masthead.kube.tuning import Tuning
from masthead.kube.watch_stream import ClockJumpDetector, Clocks, LineSplitter, watch_lines


@given(
    st.lists(st.binary(min_size=1, max_size=30).filter(lambda b: b"\n" not in b), max_size=20),
    st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=10),
)
def test_lines_survive_any_chunking(lines: list[bytes], cuts: list[int]) -> None:
    data = b"".join(ln + b"\n" for ln in lines)
    s = LineSplitter(1 << 20)
    out: list[bytes] = []
    pos, i = 0, 0
    while pos < len(data):
        n = cuts[i % len(cuts)]
        out += s.feed(data[pos : pos + n])
        pos += n
        i += 1
    assert out == lines and s.pending == 0


def test_a_line_inside_one_chunk_is_a_view_of_it_and_a_cut_line_is_joined() -> None:
    s = LineSplitter(1 << 20)
    chunk = b'{"a":1}\n\n{"b":2}\n{"c"'
    first = s.feed(chunk)
    assert first == [b'{"a":1}', b'{"b":2}']  # the blank keepalive line dropped
    assert all(isinstance(ln, memoryview) and ln.obj is chunk for ln in first)
    assert s.pending == 4
    second = s.feed(b':3}\n{"d":4}\n')
    assert second == [b'{"c":3}', b'{"d":4}'] and s.pending == 0
    assert isinstance(second[0], bytes)  # the cut line: its two pieces joined once


def test_oversized_line_is_an_error() -> None:
    s = LineSplitter(10)
    assert s.feed(b"0123456789") == []
    with pytest.raises(StreamError):
        s.feed(b"x")


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_clock_jump_detector_sees_suspend_and_stalls_not_normal_time() -> None:
    mono, wall = Clock(), Clock()
    d = ClockJumpDetector(
        Tuning(clock_check_interval=5, clock_jump_threshold=10), Clocks(mono, wall)
    )
    mono.t += 5
    wall.t += 5
    assert d.check() is None  # normal passage of time
    wall.t += 3600  # suspended: wall clock moved, monotonic did not
    assert d.check() == pytest.approx(3600)
    mono.t += 60
    wall.t += 60  # process stopped for a minute (SIGSTOP): loop missed 55 s of checks
    assert d.check() == pytest.approx(55)
    mono.t += 4
    wall.t += 4
    assert d.check() is None


def _serve_two_lines(server: socket.socket, go: threading.Event, sent: threading.Event) -> None:
    """A watch answered by another thread: one line, then (on `go`) a second, then the end."""
    conn, _ = server.accept()
    with conn:
        request = b""
        while b"\r\n\r\n" not in request:
            request += conn.recv(4096)
        conn.sendall(b'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n{"n":1}\n')
        go.wait(10)
        conn.sendall(b'{"n":2}\n')
        sent.set()
        go.wait(10)


async def _next(batches: AsyncIterator[list[Line]]) -> list[bytes]:
    return [bytes(line) for line in await anext(batches)]


async def test_bytes_that_arrived_while_the_loop_was_held_are_read_not_a_stall() -> None:
    """A held loop (a long synchronous step, a starved process) finds, when it runs again, both
    the socket readable and the read's timer expired, and runs the timer's cancellation after
    the bytes were buffered: the watchdog must count bytes that arrived, not bytes read."""
    go, sent = threading.Event(), threading.Event()
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        thread = threading.Thread(target=_serve_two_lines, args=(server, go, sent), daemon=True)
        thread.start()
        tuning = Tuning(bookmark_period=0.1, clock_check_interval=0.1)  # watchdog 0.3 s
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/") as resp,
        ):
            batches = watch_lines(resp, tuning, RequestStats(), Clocks())
            assert await _next(batches) == [b'{"n":1}']
            second = asyncio.create_task(_next(batches))
            await asyncio.sleep(0.02)  # the generator waits in its read
            go.set()
            assert sent.wait(5)
            time.sleep(0.5)  # noqa: ASYNC251 - the loop held past the watchdog
            assert await second == [b'{"n":2}']
        thread.join(5)
