"""`python-kubernetes`: the official client, as its informer-style users do it — paged
`list_pod_for_all_namespaces(limit=500, _continue=…)` into its model objects (V1Pod), a
namespace/name store, then a watch opened from the list's resourceVersion (until the API
answers the watch request)."""

from __future__ import annotations

import time
from typing import Any

from kubernetes import client, config

from bench.peers.common import CONTEXT, PAGE


def sync(kubeconfig: str) -> dict[str, Any]:
    start = time.perf_counter()
    api_client = config.new_client_from_config(  # type: ignore[no-untyped-call, unused-ignore]
        config_file=kubeconfig, context=CONTEXT
    )
    v1 = client.CoreV1Api(api_client)
    store: dict[str, Any] = {}
    cont: str | None = None
    pages = 0
    while True:
        page: Any = v1.list_pod_for_all_namespaces(limit=PAGE, _continue=cont)
        pages += 1
        for pod in page.items:
            store[f"{pod.metadata.namespace}/{pod.metadata.name}"] = pod
        cont = page.metadata._continue
        if not cont:
            break
    watch: Any = v1.list_pod_for_all_namespaces(
        watch=True,
        resource_version=page.metadata.resource_version,
        allow_watch_bookmarks=True,
        timeout_seconds=300,
        _preload_content=False,
    )
    seconds = time.perf_counter() - start
    watch.close()
    api_client.close()
    return {
        "seconds": seconds,
        "objects": len(store),
        "pages": pages,
        "watch": True,
        "_keep": store,
    }
