"""`lightkube`: `Client.list(Pod, namespace="*", chunk_size=500)` into its dataclass models.
Its watch is a generator that sends the request only when iterated and yields only on an
event, so "watch open" cannot be observed on an idle cluster: list only (`watch: false`)."""

from __future__ import annotations

import time
from typing import Any

from lightkube import Client, KubeConfig  # type: ignore[import-not-found, unused-ignore]
from lightkube.resources.core_v1 import Pod  # type: ignore[import-not-found, unused-ignore]

from bench.peers.common import CONTEXT, PAGE


def sync(kubeconfig: str) -> dict[str, Any]:
    start = time.perf_counter()
    cfg = KubeConfig.from_file(kubeconfig).get(context_name=CONTEXT)
    kube = Client(config=cfg)
    store: dict[str, Any] = {}
    items = kube.list(Pod, namespace="*", chunk_size=PAGE)
    for pod in items:
        assert pod.metadata is not None
        store[f"{pod.metadata.namespace}/{pod.metadata.name}"] = pod
    seconds = time.perf_counter() - start
    objects = len(store)
    return {
        "seconds": seconds,
        "objects": objects,
        "pages": -(-objects // PAGE),
        "watch": False,
        "resource_version": items.resourceVersion,
        "_keep": store,
    }
