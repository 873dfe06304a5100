"""core/v1 <-> events.k8s.io/v1 conversion reproduces the recorded reads of 09-events."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from masthead.sim.eventconv import core_to_events_v1, events_v1_to_core
from tests.conftest import exchange, load_fixture


def _body(name: str) -> dict[str, Any]:
    body: dict[str, Any] = exchange(load_fixture("09-events"), name)["response"]["body"]
    return body


def test_core_event_read_through_events_v1() -> None:
    got = core_to_events_v1(_body("create core/v1 Event ev-core"))
    # json.dumps compares key order too: upstream writes Go struct order.
    assert json.dumps(got) == json.dumps(_body("get ev-core via events.k8s.io/v1"))


def test_events_v1_event_read_through_core() -> None:
    got = events_v1_to_core(_body("create events.k8s.io/v1 Event ev-new"))
    assert json.dumps(got) == json.dumps(_body("get ev-new via core/v1"))


def test_reverse_directions_reproduce_the_originals() -> None:
    core = _body("create core/v1 Event ev-core")
    assert json.dumps(events_v1_to_core(_body("get ev-core via events.k8s.io/v1"))) == json.dumps(
        core
    )
    new = _body("create events.k8s.io/v1 Event ev-new")
    assert json.dumps(core_to_events_v1(_body("get ev-new via core/v1"))) == json.dumps(new)


def test_list_items_match_after_dropping_type_fields() -> None:
    core_items = _body("list core/v1 events")["items"]
    v1_items = _body("list events.k8s.io/v1 events")["items"]
    converted = [core_to_events_v1(i) for i in core_items]
    for item in converted:
        del item["kind"], item["apiVersion"]
    assert json.dumps(converted) == json.dumps(v1_items)


TEXT = st.text(alphabet="abcxyz-", min_size=1, max_size=8)
CORE_EVENTS = st.fixed_dictionaries(
    {"metadata": st.fixed_dictionaries({"name": TEXT, "namespace": TEXT})},
    optional={
        "involvedObject": st.fixed_dictionaries({"kind": TEXT, "name": TEXT}),
        "reason": TEXT,
        "message": TEXT,
        "source": st.fixed_dictionaries({}, optional={"component": TEXT, "host": TEXT}),
        "firstTimestamp": TEXT,
        "lastTimestamp": TEXT,
        "count": st.integers(1, 10),
        "type": st.sampled_from(["Normal", "Warning"]),
        "eventTime": TEXT,
        "series": st.fixed_dictionaries({"count": st.integers(1, 9), "lastObservedTime": TEXT}),
        "action": TEXT,
        "related": st.fixed_dictionaries({"kind": TEXT, "name": TEXT}),
        "reportingComponent": TEXT,
        "reportingInstance": TEXT,
    },
)


@given(CORE_EVENTS)
def test_round_trip_keeps_every_core_field(event: dict[str, Any]) -> None:
    back = events_v1_to_core(core_to_events_v1(event))
    filled = {k: val for k, val in back.items() if k not in ("kind", "apiVersion")}
    for key, value in event.items():
        assert filled[key] == value
    # Zero values upstream always writes appear when the field was not given.
    assert back["reportingComponent"] == event.get("reportingComponent", "")
    assert back["eventTime"] == event.get("eventTime")
