"""Live frames on the wire: deflate only where it pays, and one page's frames for two equal
windows are the same bytes but for their own `sub` and `seq`."""

from __future__ import annotations

import orjson
import pytest

from masthead.api.context import LiveTuning
from tests.api.harness import Live, live_socket, served
from tests.api.test_live import POD_QUERY


@pytest.mark.parametrize(("compress", "negotiated"), [(None, 0), (True, 15), (False, 0)])
async def test_deflate_only_when_asked_or_in_cluster(
    compress: bool | None, negotiated: int
) -> None:
    # The client offers permessage-deflate, as browsers do; loopback serving declines it.
    async with (
        served(connect=("admin",), live=LiveTuning(compress=compress)) as s,
        s.http.ws_connect(s.base + "/api/v1/live", compress=15) as ws,
    ):
        assert ws.compress == negotiated
        live = Live(ws)
        await live.subscribe("s", query=POD_QUERY, seq=3)
        frame = await live.page("s", seq=3)
        assert frame["total"] == s.sim.store.count(("", "pods")) and frame["rows"]


async def test_equal_windows_get_one_encoding_with_their_own_sub_and_seq() -> None:
    async with served(connect=("admin",)) as s, live_socket(s) as live:
        window = {"offset": 0, "limit": 5}
        await live.subscribe("a", query=POD_QUERY, window=window)
        a = await live.settled("a", await live.page("a"))
        shared = (await s.diagnostics())["live"]["pages_shared"]
        await live.subscribe("b", query=POD_QUERY, window=window, seq=7)
        b = await live.page("b", seq=7)
        assert (await s.diagnostics())["live"]["pages_shared"] == shared + 1
        assert (a["sub"], a.get("seq"), b["sub"], b["seq"]) == ("a", None, "b", 7)
        assert {k: v for k, v in a.items() if k != "sub"} == {
            k: v for k, v in b.items() if k not in ("sub", "seq")
        }
        # The spliced text is valid JSON in the protocol's key order.
        text = next(r for r in live.raw if '"sub":"b"' in r)
        assert list(orjson.loads(text)) == [
            "type",
            "sub",
            "version",
            "total",
            "offset",
            "rows",
            "sources",
            "warnings",
            "truncated",
            "seq",
        ]
