"""`floor`: fetch every page of pods (limit 500) and discard the bytes — pure transfer."""

from __future__ import annotations

import ssl
import time
from typing import Any

import aiohttp

from bench.peers.common import PAGE, admin_endpoint
from bench.sim_bench import CONTINUE_RE, ITEM_RE


async def sync(kubeconfig: str) -> dict[str, Any]:
    start = time.perf_counter()
    url, token, ca = admin_endpoint(kubeconfig)
    ctx = ssl.create_default_context(cadata=ca.decode())
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    n = pages = 0
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0, ssl=ctx)) as s:
        cont = ""
        while True:
            params = {"limit": str(PAGE)}
            if cont:
                params["continue"] = cont
            async with s.get(f"{url}/api/v1/pods", params=params, headers=headers) as r:
                r.raise_for_status()
                body = await r.read()
            pages += 1
            n += len(ITEM_RE.findall(body))
            m = CONTINUE_RE.search(body, 0, 2048)
            cont = m.group(1).decode() if m else ""
            if not cont:
                break
    return {"seconds": time.perf_counter() - start, "objects": n, "pages": pages, "watch": False}
