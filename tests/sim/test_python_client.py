"""The official `kubernetes` Python client (v37) against the simulator (kubernetes-api.md A.8).

The client is synchronous; the simulator runs on its own loop in a background thread
(kubectl_env.SimThread), so tests call the client directly and share one simulator.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from kubernetes import client, config, watch
from kubernetes.client.exceptions import ApiException

from masthead.sim.app import SimConfig

from .kubectl_env import SimThread

pytestmark = [pytest.mark.slow]


@pytest.fixture(scope="module")
def api() -> Iterator[client.ApiClient]:
    # Short bookmark period so a 3 s watch with allowWatchBookmarks sees at least one.
    with SimThread(SimConfig(https=True, bookmark_period=0.5)) as sim:
        assert sim.kubeconfig_path is not None
        api_client = config.new_client_from_config(  # type: ignore[no-untyped-call]
            config_file=str(sim.kubeconfig_path), context="admin"
        )
        with api_client:
            yield api_client


@pytest.fixture
def v1(api: client.ApiClient) -> Any:
    return client.CoreV1Api(api)


def make_pod(name: str, labels: dict[str, str]) -> client.V1Pod:
    return client.V1Pod(
        metadata=client.V1ObjectMeta(name=name, labels=labels),
        spec=client.V1PodSpec(containers=[client.V1Container(name="main", image="nginx")]),
    )


def counting(func: Callable[..., Any], calls: list[dict[str, Any]]) -> Callable[..., Any]:
    """Wrap an API method (keeping its docstring, which Watch reads) to record each call."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls.append(dict(kwargs))
        return func(*args, **kwargs)

    return wrapper


def test_list_pods_for_all_namespaces_paginates(v1: Any) -> None:
    names = [f"page-{i}" for i in range(7)]
    for name in names:
        v1.create_namespaced_pod("team-a", make_pod(name, {"suite": "paging"}))

    pages: list[list[str]] = []
    remaining: list[int | None] = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"limit": 2, "label_selector": "suite=paging"}
        if token:
            kwargs["_continue"] = token
        resp = v1.list_pod_for_all_namespaces(**kwargs)
        pages.append([p.metadata.name for p in resp.items])
        remaining.append(resp.metadata.remaining_item_count)
        token = resp.metadata._continue
        if not token:
            break
        assert len(pages) < 10, "pagination does not terminate"

    assert [len(p) for p in pages] == [2, 2, 2, 1]
    assert sorted(n for page in pages for n in page) == names
    # Upstream omits remainingItemCount when the list has a label or field selector.
    assert remaining == [None, None, None, None]
    total = len(v1.list_pod_for_all_namespaces().items)
    assert total >= 7
    unfiltered = v1.list_pod_for_all_namespaces(limit=2)
    assert len(unfiltered.items) == 2
    assert unfiltered.metadata.remaining_item_count == total - 2
    assert unfiltered.metadata._continue
    first = v1.list_pod_for_all_namespaces(limit=2, label_selector="suite=paging")
    assert first.items[0].metadata.namespace == "team-a"
    assert first.items[0].spec.containers[0].image == "nginx"


def test_watch_stream_sees_added_modified_deleted_and_bookmarks(v1: Any) -> None:
    rv = v1.list_namespaced_config_map("team-a").metadata.resource_version

    def mutate() -> None:
        body = client.V1ConfigMap(metadata=client.V1ObjectMeta(name="watched"), data={"a": "1"})
        v1.create_namespaced_config_map("team-a", body)
        v1.patch_namespaced_config_map("watched", "team-a", {"data": {"a": "2"}})
        v1.delete_namespaced_config_map("watched", "team-a")

    writer = threading.Thread(target=mutate)
    writer.start()
    events: list[tuple[str, str, dict[str, str] | None]] = []
    bookmark_rvs: list[int] = []
    w: Any = watch.Watch()  # type: ignore[no-untyped-call]
    try:
        for ev in w.stream(
            v1.list_namespaced_config_map,
            "team-a",
            resource_version=rv,
            allow_watch_bookmarks=True,
            timeout_seconds=3,
        ):
            if ev["type"] == "BOOKMARK":
                bookmark_rvs.append(int(ev["raw_object"]["metadata"]["resourceVersion"]))
                if events and events[-1][0] == "DELETED":
                    w.stop()
                continue
            obj: Any = ev["object"]
            assert obj.__class__.__name__ == "V1ConfigMap"
            events.append((ev["type"], obj.metadata.name, obj.data))
    finally:
        writer.join(10)

    assert events == [
        ("ADDED", "watched", {"a": "1"}),
        ("MODIFIED", "watched", {"a": "2"}),
        ("DELETED", "watched", {"a": "2"}),
    ]
    assert bookmark_rvs, "no BOOKMARK within timeout_seconds=3 (bookmark_period=0.5)"
    # The client remembers the newest resourceVersion it saw (events and bookmarks alike).
    assert int(w.resource_version) >= max(bookmark_rvs) > int(rv)


def test_watch_410_with_timeout_seconds_raises_without_retry(v1: Any) -> None:
    v1.create_namespaced_config_map(
        "team-b", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="gone"))
    )
    calls: list[dict[str, Any]] = []
    func = counting(v1.list_namespaced_config_map, calls)
    w: Any = watch.Watch()  # type: ignore[no-untyped-call]
    with pytest.raises(ApiException) as exc:
        for _ in w.stream(func, "team-b", resource_version="1", timeout_seconds=3):
            pass
    # v37 disables its retry when timeout_seconds is given: the ERROR event is raised at once.
    assert exc.value.status == 410
    assert exc.value.reason.startswith("Expired: too old resource version: 1 (")
    assert len(calls) == 1


def test_watch_410_resumes_once_then_raises(v1: Any) -> None:
    calls: list[dict[str, Any]] = []
    func = counting(v1.list_namespaced_config_map, calls)
    w: Any = watch.Watch()  # type: ignore[no-untyped-call]
    with pytest.raises(ApiException) as exc:
        for _ in w.stream(func, "team-b", resource_version="1"):
            pass
    # The first 410 ERROR makes v37 re-open the watch (from the same, still-expired, RV);
    # the second one is raised.
    assert exc.value.status == 410
    assert len(calls) == 2
    assert [c["resource_version"] for c in calls] == ["1", "1"]
    assert all(c["watch"] is True for c in calls)


def test_patch_deployment_with_dict_and_with_list(api: client.ApiClient) -> None:
    apps = client.AppsV1Api(api)
    dep = client.V1Deployment(
        metadata=client.V1ObjectMeta(name="pyweb"),
        spec=client.V1DeploymentSpec(
            replicas=1,
            selector=client.V1LabelSelector(match_labels={"app": "pyweb"}),
            template=client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(labels={"app": "pyweb"}),
                spec=client.V1PodSpec(
                    containers=[
                        client.V1Container(name="web", image="nginx:1"),
                        client.V1Container(name="sidecar", image="busybox"),
                    ]
                ),
            ),
        ),
    )
    apps.create_namespaced_deployment("team-a", dep)

    # A dict is sent as a strategic merge patch: containers merge by name.
    smp = {
        "spec": {
            "replicas": 2,
            "template": {"spec": {"containers": [{"name": "web", "image": "nginx:2"}]}},
        }
    }
    got: Any = apps.patch_namespaced_deployment("pyweb", "team-a", smp)
    assert got.spec.replicas == 2
    assert [(c.name, c.image) for c in got.spec.template.spec.containers] == [
        ("web", "nginx:2"),
        ("sidecar", "busybox"),
    ]
    assert got.metadata.generation == 2

    # A list is sent as a JSON patch.
    ops: list[dict[str, Any]] = [
        {"op": "test", "path": "/spec/replicas", "value": 2},
        {"op": "replace", "path": "/spec/replicas", "value": 5},
        {"op": "remove", "path": "/spec/template/spec/containers/1"},
    ]
    got = apps.patch_namespaced_deployment("pyweb", "team-a", ops)
    assert got.spec.replicas == 5
    assert [c.name for c in got.spec.template.spec.containers] == ["web"]
    read: Any = apps.read_namespaced_deployment("pyweb", "team-a")
    assert read.spec.replicas == 5
    assert read.metadata.resource_version == got.metadata.resource_version

    failing = [{"op": "test", "path": "/spec/replicas", "value": 99}]
    with pytest.raises(ApiException) as exc:
        apps.patch_namespaced_deployment("pyweb", "team-a", failing)
    assert exc.value.status == 422
    assert apps.read_namespaced_deployment("pyweb", "team-a").spec.replicas == 5
