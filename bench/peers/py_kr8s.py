"""`kr8s`: its async API, `api.get("pods", namespace=kr8s.ALL)` into `Pod` objects. kr8s
pages at a fixed `limit=100` (not settable through `get`), so it makes 5× the requests of
the others. Its watch yields only on events: list only (`watch: false`).

Simulator gap: kr8s checks the server version with `GET /version/` (trailing slash), which
real API servers answer but the simulator 404s. The check is wrapped so that this one 404
is tolerated (it costs the same single request); every other error still fails the peer,
and the result says whether the workaround was needed (`version_check_404`).
"""

from __future__ import annotations

import time
from typing import Any

import kr8s  # type: ignore[import-not-found, unused-ignore]
import kr8s.asyncio  # type: ignore[import-not-found, unused-ignore]
from kr8s._api import Api  # type: ignore[import-not-found, unused-ignore]
from kr8s._exceptions import ServerError  # type: ignore[import-not-found, unused-ignore]

from bench.peers.common import CONTEXT

_workaround_used = False
_original_check = Api._check_version


async def _tolerant_check(self: Api) -> None:
    global _workaround_used
    try:
        await _original_check(self)
    except ServerError as e:
        response = e.response
        if response is None or response.status_code != 404 or response.url.path != "/version/":
            raise
        _workaround_used = True


Api._check_version = _tolerant_check  # type: ignore[method-assign, unused-ignore]


async def sync(kubeconfig: str) -> dict[str, Any]:
    start = time.perf_counter()
    api = await kr8s.asyncio.api(kubeconfig=kubeconfig, context=CONTEXT)
    store: dict[str, Any] = {}
    pod: Any
    async for pod in api.get("pods", namespace=kr8s.ALL):
        store[f"{pod.namespace}/{pod.name}"] = pod
    seconds = time.perf_counter() - start
    objects = len(store)
    return {
        "seconds": seconds,
        "objects": objects,
        "pages": -(-objects // 100),
        "watch": False,
        "version_check_404": _workaround_used,
        "_keep": store,
    }
