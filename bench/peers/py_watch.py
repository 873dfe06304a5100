"""`python-kubernetes` watching pods the way its users do: `watch.Watch().stream(
list_pod_for_all_namespaces)`, re-opened from the last resourceVersion when the connection
breaks (the client itself gives up on a reset), re-listed on 410.

    python -m bench.peers.py_watch KUBECONFIG

Lists pods in pages of 500, then watches from the list's resourceVersion (an informer's
pattern). Prints one JSON line per event of interest, with the wall clock: `{"ready": t}` after
each full list, `{"reconnect": t, "error": …}`, and `{"added": name, "t": t}` for pods
whose name starts with `bench-mark-` (the recovery benchmark's markers). Runs until killed.
"""

from __future__ import annotations

import sys
import time
from typing import Any

import orjson
from kubernetes import client, config, watch
from kubernetes.client.exceptions import ApiException

from bench.peers.common import CONTEXT, PAGE

MARK_PREFIX = "bench-mark-"
RETRY_PAUSE_S = 0.1  # between a failed watch and the next attempt (no tight loop while down)


def say(doc: dict[str, Any]) -> None:
    sys.stdout.write(orjson.dumps(doc).decode() + "\n")
    sys.stdout.flush()


def list_rv(v1: Any) -> str:
    """Page through every pod (as an informer's initial list does); the list's RV. A marker
    in the list counts as seen: after a 410 the re-list, not the watch, brings it."""
    cont: str | None = None
    while True:
        page = v1.list_pod_for_all_namespaces(limit=PAGE, _continue=cont)
        for pod in page.items:
            if (pod.metadata.name or "").startswith(MARK_PREFIX):
                say({"added": pod.metadata.name, "t": time.time()})
        cont = page.metadata._continue
        if not cont:
            return str(page.metadata.resource_version)


def main(kubeconfig: str) -> None:
    api_client = config.new_client_from_config(  # type: ignore[no-untyped-call, unused-ignore]
        config_file=kubeconfig, context=CONTEXT
    )
    v1 = client.CoreV1Api(api_client)
    rv = ""
    while True:
        w: Any = watch.Watch()  # type: ignore[no-untyped-call, unused-ignore]
        try:
            if not rv:
                rv = list_rv(v1)
                say({"ready": time.time()})
            stream = w.stream(
                v1.list_pod_for_all_namespaces,
                resource_version=rv,
                allow_watch_bookmarks=True,
                timeout_seconds=300,
            )
            for ev in stream:
                if ev["type"] == "ERROR":
                    continue
                meta = ev["object"].metadata
                rv = meta.resource_version or rv
                if ev["type"] == "ADDED" and (meta.name or "").startswith(MARK_PREFIX):
                    say({"added": meta.name, "t": time.time()})
        except ApiException as e:
            if e.status == 410:
                rv = ""  # expired: list again, then watch from the new list
            say({"reconnect": time.time(), "error": f"{e.status} {e.reason}"})
            time.sleep(RETRY_PAUSE_S)
        except Exception as e:  # urllib3 resets and refusals: what a drop or an outage raises
            say({"reconnect": time.time(), "error": type(e).__name__})
            time.sleep(RETRY_PAUSE_S)


if __name__ == "__main__":
    main(sys.argv[1])
