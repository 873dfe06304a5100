"""A socket that reads nothing (issue 8, found with bench/ws_load.py): its send queue stays
bounded (one pending page per subscription, latest wins) and other sockets keep getting frames
— but masthead still builds every page for it and throws the previous one away, work no one
will ever see. Timing is too noisy on shared cores to show the cost (bench/ws_load.py's A/B
p95 ratio was 2.4 once on the demo world with 10 clients, 1.04 on `small` with 20), so the
test counts the discarded builds instead."""

from __future__ import annotations

import asyncio

from masthead.sim.churn import Churn
from tests.api.harness import Live, eventually_async, live_socket, served

WINDOW = {"offset": 0, "limit": 500}
QUERIES: tuple[dict[str, object], ...] = (
    {"sort": "name"},
    {"sort": "restarts", "desc": 1},
    {"sort": "age", "desc": 1},
)


async def _subscribe(live: Live, sub: str, query: dict[str, object]) -> None:
    await live.send(
        op="subscribe", sub=sub, cluster="admin", view="pods", query=query, window=WINDOW
    )


async def unread_socket_state() -> tuple[dict[str, int], int]:
    """Churn for a while with one reading and one unread socket; the unread socket's
    diagnostics (pending, sent, dropped) and the frames the reading one got."""
    async with served(connect=("admin",)) as s, live_socket(s) as reader:
        churn = Churn(s.sim, 200.0, duration=30.0, seed=3)
        churn.start()
        try:
            async with s.http.ws_connect(s.base + "/api/v1/live") as unread:
                for i, q in enumerate(QUERIES):
                    await unread.send_json(
                        {
                            "op": "subscribe",
                            "sub": f"u{i}",
                            "cluster": "admin",
                            "view": "pods",
                            "query": q,
                            "window": WINDOW,
                        }
                    )
                    await _subscribe(reader, f"r{i}", q)

                async def backed_up() -> bool:
                    live = (await s.diagnostics())["live"]
                    return any(x["pending"] >= len(QUERIES) for x in live["sockets"])

                await eventually_async(backed_up, 20)
                got = 0
                async with asyncio.timeout(10):
                    while got < 20:  # the reader is served meanwhile
                        await reader.page(sub="r0", timeout=5)
                        got += 1
                live = (await s.diagnostics())["live"]
                slow = max(live["sockets"], key=lambda x: x["pending"])
        finally:
            await churn.stop()
    return slow, got


async def test_an_unread_socket_is_bounded_and_others_are_served() -> None:
    slow, got = await unread_socket_state()
    assert slow["pending"] <= len(QUERIES) and got == 20


async def test_an_unread_socket_costs_no_discarded_page_builds() -> None:
    slow, _ = await unread_socket_state()
    assert slow["dropped"] == 0, slow
