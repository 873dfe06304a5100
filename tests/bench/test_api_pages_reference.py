"""bench/api_pages_reference.py: the reference watch's lines, their pairing with frame arrivals,
and the child process itself against a simulator (its monotonic times comparable with ours)."""

from __future__ import annotations

import time

import aiohttp
import pytest
from bench.api_pages_large import MARKER_NAMESPACE, marker_pods, set_restarts
from bench.api_pages_reference import (
    Arrival,
    Marker,
    ReferenceProcess,
    arrival_line,
    pair,
    parse_arrival,
)
from bench.peers.common import admin_endpoint

from masthead.sim.app import SimConfig, Simulator


def test_an_event_line_round_trips_uid_restarts_version_and_time_in_its_namespace() -> None:
    event = (
        b'{"type":"MODIFIED","object":{"metadata":{"uid":"u-1","namespace":"kube-system",'
        b'"resourceVersion":"812"},'
        b'"status":{"containerStatuses":[{"restartCount":1000004},{"restartCount":2}]}}}'
    )
    line = arrival_line(event, 12345.678901234, "kube-system")
    assert line is not None
    assert parse_arrival(line + "\n") == Arrival("u-1", 1000006, "812", 12345.678901234)
    assert arrival_line(event, 1.0, "kube") is None  # another namespace's pod: no line


def test_markers_pair_with_their_first_arrival_and_negatives_are_counted() -> None:
    arrivals = {
        ("a", 7): Arrival("a", 7, "10", 100.030),
        ("b", 8): Arrival("b", 8, "11", 101.050),
        ("c", 9): Arrival("c", 9, "12", 102.200),  # later than its frame: negative
    }
    markers = [
        Marker("a", 7, written=100.000, shown=100.045),
        Marker("b", 8, written=101.000, shown=101.150),
        Marker("c", 9, written=102.000, shown=102.190),
        Marker("d", 10, written=103.000, shown=103.100),  # never seen by the reference
        Marker("a", 8, written=104.000, shown=104.100),  # same pod, another marker: unseen
    ]
    paired = pair(markers, arrivals)
    assert paired.hop_ms == pytest.approx([30.0, 50.0, 200.0])
    assert paired.own_ms == pytest.approx([15.0, 100.0, -10.0])
    assert paired.unpaired == 2 and paired.negative == 1
    assert "3 pairs" in paired.summary() and "1 negative (min -10.0 ms)" in paired.summary()


async def test_the_child_reports_a_status_change_on_the_shared_monotonic_clock() -> None:
    async with Simulator(SimConfig(scenario="demo", controllers=frozenset())) as sim:
        assert sim.kubeconfig_path is not None
        url, token, _ = admin_endpoint(str(sim.kubeconfig_path))
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        async with aiohttp.ClientSession(
            base_url=url, headers=headers, connector=aiohttp.TCPConnector(ssl=False)
        ) as http:
            pods, version = await marker_pods(http)
            assert pods
            reference = ReferenceProcess()
            await reference.start(url, token, MARKER_NAMESPACE, version)
            everything = (await (await http.get("/api/v1/pods")).json())["items"]
            elsewhere = next(
                p
                for p in everything
                if p["metadata"]["namespace"] != MARKER_NAMESPACE
                and (p.get("status") or {}).get("containerStatuses")
            )
            try:
                other = await set_restarts(http, elsewhere, 777)  # before the marker: not kept
                written = time.monotonic()
                uid = await set_restarts(http, pods[0], 4242)
                assert uid is not None
                marker = Marker(uid, 4242, written, time.monotonic())
                await reference.settle([marker], timeout=10)
            finally:
                await reference.stop()
            seen = reference.arrivals[(uid, 4242)]
            assert written <= seen.at <= time.monotonic()
            assert int(seen.resource_version) > int(version)
            assert pair([marker], reference.arrivals).unpaired == 0
            assert other is not None and all(a.uid != other for a in reference.arrivals.values())
