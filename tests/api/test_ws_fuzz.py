"""The live socket under garbage: generated JSON and non-JSON text, binary frames, a wrong type
for every field, unknown ops, oversized messages, 10 000 subscriptions on one socket, rapid
subscribe/unsubscribe. Every bad message gets an error frame (naming the field where there is
one), never a 5xx, and the socket — and every other socket — keeps working."""

from __future__ import annotations

import asyncio
import string
from collections.abc import Iterator
from typing import Any

import aiohttp
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from masthead.api.context import LiveTuning
from tests.api.harness import BEARER, Live, ThreadedServer, live_socket, served

SUBSCRIBE = {"op": "subscribe", "sub": "s1", "cluster": "admin", "view": "namespaces"}
LOGS = {"op": "logs", "sub": "l1", "cluster": "admin", "target": {"namespace": "a", "pod": "p"}}
OPS = ["subscribe", "window", "query", "unsubscribe", "ping", "logs"]


async def error(live: Live, timeout: float = 5.0) -> dict[str, Any]:
    frame = await live.next(lambda f: f["type"] == "error", timeout)
    err: dict[str, Any] = frame["error"]
    return err


async def alive(live: Live, t: int) -> None:
    """A ping is answered: the socket reads and writes."""
    await live.send(op="ping", t=t)
    await live.next(lambda f: f == {"type": "heartbeat", "t": t})


async def subscribes(live: Live, sub: str, seq: int) -> dict[str, Any]:
    await live.send(**{**SUBSCRIBE, "sub": sub, "seq": seq})
    return await live.page(sub, seq=seq)


# A wrong value for every field of every op → the parameter its error frame names.
WRONG_FIELDS: list[tuple[dict[str, Any], str, int]] = [
    ({"op": 5}, "op", 400),
    ({"op": "explode"}, "op", 400),
    ({"op": "subscribe"}, "sub", 400),
    ({**SUBSCRIBE, "sub": 5}, "sub", 400),
    ({**SUBSCRIBE, "sub": ""}, "sub", 400),
    ({**SUBSCRIBE, "cluster": 5}, "cluster", 400),
    ({**SUBSCRIBE, "cluster": "nowhere"}, "cluster", 404),
    ({**SUBSCRIBE, "view": ["pods"]}, "view", 400),
    ({**SUBSCRIBE, "view": "nope"}, "view", 404),
    ({**SUBSCRIBE, "view": "browse/core"}, "view", 400),
    ({**SUBSCRIBE, "view": "browse/core/v1/nothings"}, "resource", 404),
    ({**SUBSCRIBE, "query": "name"}, "query", 400),
    ({**SUBSCRIBE, "query": {"sort": {"a": 1}}}, "query.sort", 400),
    ({**SUBSCRIBE, "query": {"sort": "nope"}}, "query.sort", 400),
    ({**SUBSCRIBE, "query": {"desc": "maybe"}}, "query.desc", 400),
    ({**SUBSCRIBE, "query": {"selector": "a in ("}}, "query.selector", 400),
    ({**SUBSCRIBE, "query": {"limit": 5}}, "query.limit", 400),
    ({**SUBSCRIBE, "query": {"bogus": 1}}, "query.bogus", 400),
    ({**SUBSCRIBE, "window": 5}, "window", 400),
    ({**SUBSCRIBE, "window": {"offset": "1"}}, "window.offset", 400),
    ({**SUBSCRIBE, "window": {"offset": -1}}, "window.offset", 400),
    ({**SUBSCRIBE, "window": {"limit": True}}, "window.limit", 400),
    ({**SUBSCRIBE, "window": {"limit": 10**6}}, "window.limit", 400),
    ({**SUBSCRIBE, "window": {"size": 1}}, "window", 400),
    ({**SUBSCRIBE, "seq": "1"}, "seq", 400),
    ({"op": "window", "sub": "missing", "window": {"offset": 0}}, "sub", 404),
    ({"op": "query", "sub": "missing", "query": {}}, "sub", 404),
    ({"op": "unsubscribe", "sub": None}, "sub", 400),
    ({**LOGS, "cluster": None}, "cluster", 400),
    ({**LOGS, "target": 5}, "target", 400),
    ({**LOGS, "target": {"namespace": 5}}, "target.namespace", 400),
    ({**LOGS, "target": {"namespace": "team-a", "pod": "a", "selector": "b"}}, "target.pod", 400),
    ({**LOGS, "target": {"namespace": "team-a", "workload": 5}}, "target.workload", 400),
    ({**LOGS, "options": []}, "options", 400),
    (
        {**LOGS, "options": {"tail": "x"}},
        "options.tail",
        400,
    ),
    (
        {**LOGS, "options": {"bogus": 1}},
        "options.bogus",
        400,
    ),
    (
        {**LOGS, "options": {"regex": "("}},
        "options.regex",
        400,
    ),
    (
        {**LOGS, "options": {"since": []}},
        "options.since",
        400,
    ),
]


async def test_a_wrong_value_for_every_field_is_named_and_the_socket_keeps_working() -> None:
    async with served(connect=("admin",)) as s, live_socket(s) as live:
        for msg, param, code in WRONG_FIELDS:
            await live.send(**msg)
            err = await error(live)
            assert (err["code"], err.get("details", {}).get("parameter")) == (code, param), msg
            assert err["message"], msg
        # Not JSON, not an object, binary: an error frame each, no field to name.
        for raw in ("{", "[1, 2]", '"subscribe"', "null"):
            await live.ws.send_str(raw)
            assert (await error(live))["code"] == 400
        await live.ws.send_bytes(b"\x00\xff" * 10)
        assert "JSON text" in (await error(live))["message"]
        await alive(live, 1)
        await subscribes(live, "good", 2)
        await live.page("good", total=s.sim.store.count(("", "namespaces")))


async def test_oversized_messages() -> None:
    assert (LiveTuning().max_message, LiveTuning().max_frame) == (64 * 1024, 1024 * 1024)
    tuning = LiveTuning(max_message=4096, max_frame=64 * 1024)  # the same, smaller
    async with served(connect=("admin",), live=tuning) as s:
        async with live_socket(s) as other, live_socket(s) as live:
            await subscribes(other, "o", 1)
            # Over the op limit, under the frame limit: an error frame, the socket stays.
            await live.ws.send_str(" " * 5000)
            err = await error(live)
            assert err["code"] == 400 and err["details"] == {"limit": 4096}
            await alive(live, 2)
            # Over the frame limit: aiohttp closes this socket with 1009 without reading it all.
            await live.ws.send_str("x" * (65 * 1024))
            msg = await live.ws.receive(timeout=5)
            assert msg.type is aiohttp.WSMsgType.CLOSE, msg
            assert live.ws.close_code == aiohttp.WSCloseCode.MESSAGE_TOO_BIG
            # The other socket and a new one work.
            await alive(other, 3)
            await other.send(op="window", sub="o", window={"offset": 1, "limit": 5}, seq=4)
            assert (await other.page("o", seq=4))["offset"] == 1
        async with live_socket(s) as fresh:
            await subscribes(fresh, "n", 5)


async def test_ten_thousand_subscriptions_hit_the_cap_with_a_clear_error() -> None:
    tuning = LiveTuning()
    cap = tuning.max_subscriptions
    n = 10_000
    async with served(connect=("admin",), live=tuning) as s, live_socket(s) as live:
        before = (await s.diagnostics())["live"]["frames_dropped"]
        for i in range(n):
            await live.send(**{**SUBSCRIBE, "sub": f"s{i}", "window": {"offset": 0, "limit": 1}})
        await live.send(op="ping", t=99)
        paged: set[str] = set()
        refused = 0
        while True:
            frame = await live.next(timeout=30)
            if frame == {"type": "heartbeat", "t": 99}:
                break
            if frame["type"] == "page":
                paged.add(frame["sub"])
            elif frame["type"] == "error":
                err = frame["error"]
                assert err["code"] == 429 and err["reason"] == "TooManySubscriptions", err
                assert err["details"] == {"parameter": "sub", "limit": cap}
                refused += 1
        diag = await s.diagnostics()
        assert diag["live"]["subscriptions"] == cap
        # Every refusal was sent, or dropped at the control-frame cap and counted.
        dropped = diag["live"]["frames_dropped"] - before
        assert refused >= 1 and refused + dropped >= n - cap
        # The first `cap` got pages (late ones may still be coming); room comes back.
        await live.next(lambda f: f["type"] == "page" and f["sub"] == f"s{cap - 1}", 10)
        await live.send(op="unsubscribe", sub="s0")
        await subscribes(live, "after", 7)


async def test_rapid_subscribe_unsubscribe_leaves_nothing_behind() -> None:
    async with served(connect=("admin",)) as s, live_socket(s) as live:
        for i in range(300):
            await live.send(**{**SUBSCRIBE, "view": "pods", "seq": i})
            await live.send(op="unsubscribe", sub="s1")
        await live.send(**{**SUBSCRIBE, "sub": "last"})
        # The first frame may come before the source's first sync: wait for the full one.
        await live.page("last", total=s.sim.store.count(("", "namespaces")))
        diag = await s.diagnostics()
        assert diag["live"]["subscriptions"] == 1
        # One listener on the admin tables (the "last" window): none leaked.
        assert diag["tables"]["admin"]["listeners"] == 1


# ---------------------------------------------------------------------------- generated garbage
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
FIELD_VALUES = {
    "op": st.sampled_from([*OPS, "", "SUBSCRIBE"]) | JSON,
    "sub": st.sampled_from(["s1", "s2", ""]) | JSON,
    "cluster": st.sampled_from(["admin", "nowhere", ""]) | JSON,
    "view": st.sampled_from(["pods", "namespaces", "browse/core/v1/pods", "browse/x"]) | JSON,
    "query": st.fixed_dictionaries(
        {},
        optional={
            k: JSON | st.text(string.printable, max_size=10)
            for k in ("sort", "q", "desc", "selector", "namespace", "facet.status")
        },
    )
    | JSON,
    "window": st.fixed_dictionaries({}, optional={"offset": JSON, "limit": JSON}) | JSON,
    "seq": st.integers(-(2**63), 2**63 - 1) | JSON,
    "t": JSON,
    "target": st.fixed_dictionaries(
        {}, optional={k: JSON for k in ("namespace", "pod", "selector", "workload")}
    )
    | JSON,
    "options": st.fixed_dictionaries(
        {}, optional={k: JSON for k in ("tail", "follow", "regex", "since")}
    )
    | JSON,
}
OP_MESSAGES = st.fixed_dictionaries(
    {"op": FIELD_VALUES["op"]}, optional={k: v for k, v in FIELD_VALUES.items() if k != "op"}
)
# A well-formed envelope (known op, existing sub, real cluster) with generated fields: these
# get past the first checks into each op's own validation.
ENVELOPED = st.fixed_dictionaries(
    {
        "op": st.sampled_from(OPS),
        "sub": st.sampled_from(["s1", "s2", "l1"]),
        "cluster": st.just("admin"),
    },
    optional={k: v for k, v in FIELD_VALUES.items() if k not in ("op", "sub", "cluster")},
)
MESSAGES = (
    ENVELOPED.map(lambda m: ("text", orjson.dumps(m).decode()))
    | ENVELOPED.map(lambda m: ("text", orjson.dumps(m).decode()))
    | OP_MESSAGES.map(lambda m: ("text", orjson.dumps(m).decode()))
    | JSON.map(lambda v: ("text", orjson.dumps(v).decode()))
    | st.text(max_size=200).map(lambda t: ("text", t))
    | st.binary(max_size=200).map(lambda b: ("binary", b))
)


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedServer]:
    srv = ThreadedServer(connect=("admin",))
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


async def _garbage_then_valid(base: str, messages: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    async with (
        aiohttp.ClientSession(headers=BEARER) as http,
        http.ws_connect(base + "/api/v1/live") as ws,
    ):
        live = Live(ws)
        for sub in ("s1", "s2"):  # windows for the generated window / query ops to act on
            await live.send(**{**SUBSCRIBE, "sub": sub, "view": "pods"})
        for kind, data in messages:
            if kind == "binary":
                await ws.send_bytes(data)
            else:
                await ws.send_str(data)
        await alive(live, -7)
        # A subscribe after the garbage still gets its page (a fresh sub id: the garbage may
        # have left windows open under its own ids).
        await subscribes(live, "\0valid", 424242)
        return live.frames


@given(st.lists(MESSAGES, min_size=1, max_size=6))
@settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_generated_garbage_gets_error_frames_and_never_breaks_the_socket(
    server: ThreadedServer, messages: list[tuple[str, Any]]
) -> None:
    frames = asyncio.run(_garbage_then_valid(server.base, messages))
    for f in frames:
        assert f["type"] in ("error", "page", "cluster", "heartbeat", "logs"), f
        if f["type"] == "error":
            err = f["error"]
            assert 400 <= err["code"] < 500 and err["message"], err
