"""`kubernetes-asyncio`: the same as python-kubernetes with the asyncio client (models
V1Pod), paged at 500, then a watch opened from the list's resourceVersion."""

from __future__ import annotations

import time
from typing import Any

from kubernetes_asyncio import client, config  # type: ignore[import-not-found, unused-ignore]

from bench.peers.common import CONTEXT, PAGE


async def sync(kubeconfig: str) -> dict[str, Any]:
    start = time.perf_counter()
    api_client = await config.new_client_from_config(config_file=kubeconfig, context=CONTEXT)
    store: dict[str, Any] = {}
    pages = 0
    async with api_client:
        v1 = client.CoreV1Api(api_client)
        cont: Any = None  # the generated signature says str, None means first page
        while True:
            page: Any = await v1.list_pod_for_all_namespaces(limit=PAGE, _continue=cont)
            pages += 1
            for pod in page.items:
                store[f"{pod.metadata.namespace}/{pod.metadata.name}"] = pod
            cont = page.metadata._continue
            if not cont:
                break
        watch: Any = await v1.list_pod_for_all_namespaces(
            watch=True,
            resource_version=page.metadata.resource_version,
            allow_watch_bookmarks=True,
            timeout_seconds=300,
            _preload_content=False,
        )
        seconds = time.perf_counter() - start
        watch.close()
    return {
        "seconds": seconds,
        "objects": len(store),
        "pages": pages,
        "watch": True,
        "_keep": store,
    }
