"""schemathesis against masthead + the simulator: every documented operation, inputs generated
from the OpenAPI document (bounded, derandomized), checked for no 5xx and for answers the
document allows (status code, content type, body schema); generated invalid input (wrong
types, values out of range or enum, missing required fields) must get a 4xx.

The server runs on its own event loop in a thread: schemathesis calls it synchronously with
`requests`. Actions run for real against the throwaway simulator world. The two SSE streams
(endless by design), the WebSocket upgrade (tests/api/test_ws_fuzz.py fuzzes the socket) and
disconnect (tests/api/test_pages.py) are left out here.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from masthead.api import openapi
from tests.api.harness import BEARER, ThreadedServer, served

CLUSTERS = ["admin", "restricted"]
# Endless by design, or (disconnect) taking the cluster away from every later case: a 503
# `ClusterNotConnected` then is the documented answer, not a server error.
SKIPPED = ("/events/stream", "/logs/stream", "/api/v1/live", "/disconnect")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,  # generated bad input (wrong type, out of range) gets a 4xx
]


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedServer]:
    srv = ThreadedServer(connect=tuple(CLUSTERS))
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


def fuzzable(doc: dict[str, Any]) -> dict[str, Any]:
    """The served document, narrowed to what this run can exercise: the connected clusters
    (random ids would all stop at the 404), without the `SKIPPED` paths."""
    doc = copy.deepcopy(doc)
    doc["paths"] = {p: v for p, v in doc["paths"].items() if not p.endswith(SKIPPED)}
    for item in doc["paths"].values():
        for param in item.get("parameters", []):
            if param["name"] == "cluster" and param["in"] == "path":
                param["schema"] = {"type": "string", "enum": CLUSTERS}
    return doc


# The document as this process builds it (test_openapi checks the server serves the same).
schema = schemathesis.openapi.from_dict(fuzzable(openapi.document()))


@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_per_the_document(case: schemathesis.Case, server: ThreadedServer) -> None:
    case.call_and_validate(base_url=server.base, headers=BEARER, checks=CHECKS, timeout=30)


# ---------------------------------------------------------------------------- regressions
HUGE = str(2**67)  # past SQLite's int64: once an OverflowError in the query, a 500


async def test_bad_parameters_found_by_fuzzing_are_named() -> None:
    async with served(connect=("admin",)) as s:
        for path, params, headers, name in (
            ("/api/v1/audit", {"before": HUGE}, {}, "before"),
            ("/api/v1/audit", {"limit": "0"}, {}, "limit"),
            ("/api/v1/clusters/admin/events", {"before": HUGE}, {}, "before"),
            ("/api/v1/clusters/admin/events", {"limit": "x"}, {}, "limit"),
            ("/api/v1/clusters/admin/events/stream", {}, {"Last-Event-ID": HUGE}, "Last-Event-ID"),
            ("/api/v1/clusters/admin/events/stream", {"lastEventId": "-1"}, {}, "Last-Event-ID"),
            ("/api/v1/clusters/admin/events", {"type": "AAA"}, {}, "type"),  # once a 200
            ("/api/v1/clusters/admin/events", {"before": ""}, {}, "before"),  # once a 200
            ("/api/v1/clusters/admin/events/stream", {"type": "warning"}, {}, "type"),
        ):
            status, body, _ = await s.get(path, params=params, headers=headers)
            assert status == 400, (path, params, body)
            assert body["error"]["details"]["parameter"] == name, body
        status, body, _ = await s.get("/api/v1/audit", params={"before": str(2**63 - 1)})
        assert status == 200 and body == {"items": [], "next": None}
