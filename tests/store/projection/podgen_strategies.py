"""Hypothesis strategies for pods in every state kubectl's STATUS column distinguishes:
init containers (classic and sidecar) waiting, running or terminated, regular containers
waiting (CrashLoopBackOff, ImagePullBackOff, ContainerCreating...), terminated (Completed,
Error, OOMKilled, signals, bare exit codes), deletion in progress, NodeLost, scheduling gates."""

from __future__ import annotations

import uuid
from typing import Any

from hypothesis import strategies as st

EPOCH = 1_790_000_000  # creation times and terminations are placed around this instant

WAITING_REASONS = (
    "",
    "ContainerCreating",
    "PodInitializing",
    "CrashLoopBackOff",
    "ImagePullBackOff",
    "ErrImagePull",
    "CreateContainerConfigError",
)
TERMINATED_REASONS = (
    "",
    "Completed",
    "Error",
    "OOMKilled",
    "ContainerCannotRun",
    "DeadlineExceeded",
)
PHASES = ("Pending", "Running", "Succeeded", "Failed", "Unknown", "")


def rfc3339(seconds: int) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


times = st.integers(EPOCH - 400_000, EPOCH).map(rfc3339)


@st.composite
def terminated(draw: st.DrawFn) -> dict[str, Any]:
    t: dict[str, Any] = {"exitCode": draw(st.sampled_from((0, 0, 1, 2, 137, 143)))}
    reason = draw(st.sampled_from(TERMINATED_REASONS))
    if reason:
        t["reason"] = reason
    if draw(st.booleans()):
        t["signal"] = draw(st.sampled_from((0, 9, 15)))
    if draw(st.booleans()):
        t["finishedAt"] = draw(times)
        t["startedAt"] = t["finishedAt"]
    return t


@st.composite
def state(draw: st.DrawFn) -> dict[str, Any]:
    which = draw(st.sampled_from(("waiting", "running", "terminated", "none")))
    if which == "waiting":
        reason = draw(st.sampled_from(WAITING_REASONS))
        return {"waiting": {"reason": reason} if reason else {}}
    if which == "running":
        return {"running": {"startedAt": draw(times)}}
    if which == "terminated":
        return {"terminated": draw(terminated())}
    return {}


@st.composite
def container_status(draw: st.DrawFn, name: str) -> dict[str, Any]:
    cs: dict[str, Any] = {
        "name": name,
        "state": draw(state()),
        "ready": draw(st.booleans()),
        "restartCount": draw(st.sampled_from((0, 0, 1, 3, 17))),
        "image": "img",
        "imageID": "",
    }
    if draw(st.booleans()):
        cs["lastState"] = draw(
            st.sampled_from(({}, None)) | st.builds(lambda t: {"terminated": t}, terminated())
        )
    if draw(st.booleans()):
        cs["started"] = draw(st.booleans())
    return cs


@st.composite
def pods(draw: st.DrawFn, index: int = 0) -> dict[str, Any]:
    n_init = draw(st.integers(0, 3))
    n_containers = draw(st.integers(1, 3))
    init_specs = []
    for i in range(n_init):
        spec: dict[str, Any] = {"name": f"init-{i}", "image": "img"}
        if draw(st.booleans()):
            spec["restartPolicy"] = "Always"  # a sidecar
        init_specs.append(spec)
    containers = [
        {
            "name": f"c-{i}",
            "image": "img",
            "resources": draw(
                st.sampled_from(
                    (
                        {},
                        {"requests": {"cpu": "100m", "memory": "64Mi"}},
                        {
                            "requests": {"cpu": "250m", "memory": "1Gi"},
                            "limits": {"cpu": "1", "memory": "2Gi"},
                        },
                    )
                )
            ),
        }
        for i in range(n_containers)
    ]
    status: dict[str, Any] = {"phase": draw(st.sampled_from(PHASES))}
    if draw(st.integers(0, 5)) == 0:
        status["reason"] = draw(
            st.sampled_from(("NodeLost", "Evicted", "UnexpectedAdmissionError"))
        )
    conditions = []
    for ctype in draw(
        st.lists(
            st.sampled_from(("Initialized", "Ready", "ContainersReady", "PodScheduled")),
            unique=True,
        )
    ):
        cond = {"type": ctype, "status": draw(st.sampled_from(("True", "False")))}
        if ctype == "PodScheduled" and draw(st.integers(0, 4)) == 0:
            cond["reason"] = "SchedulingGated"
        conditions.append(cond)
    if conditions:
        status["conditions"] = conditions
    # Statuses for a prefix of the init containers (the kubelet reports them in order), and
    # for any subset of the regular ones.
    shown_init = draw(st.integers(0, n_init))
    if shown_init:
        status["initContainerStatuses"] = [
            draw(container_status(f"init-{i}")) for i in range(shown_init)
        ]
    if draw(st.integers(0, 5)):
        status["containerStatuses"] = [
            draw(container_status(f"c-{i}"))
            for i in range(n_containers)
            if draw(st.booleans()) or i == 0
        ]
    if n_containers >= 2 and draw(st.integers(0, 5)) == 0:
        # One container finished, another still runs: Running, NotReady or the error.
        status["containerStatuses"] = [
            {
                "name": "c-0",
                "state": {"terminated": {"exitCode": 0, "reason": "Completed"}},
                "ready": False,
                "restartCount": 0,
            },
            {
                "name": "c-1",
                "state": {"running": {"startedAt": draw(times)}},
                "ready": True,
                "restartCount": draw(st.sampled_from((0, 2))),
            },
        ]
    if draw(st.booleans()):
        status["podIP"] = f"10.0.0.{index % 250}"
        status["podIPs"] = [{"ip": status["podIP"]}]
    metadata: dict[str, Any] = {
        "name": f"pod-{index}",
        "namespace": "default",
        "uid": str(uuid.UUID(int=index + 1)),
        "resourceVersion": "1",
        "creationTimestamp": rfc3339(EPOCH - 500_000),
    }
    if draw(st.integers(0, 4)) == 0:
        metadata["deletionTimestamp"] = draw(times)
        metadata["deletionGracePeriodSeconds"] = 30
    spec_doc: dict[str, Any] = {"containers": containers}
    if init_specs:
        spec_doc["initContainers"] = init_specs
    if draw(st.booleans()):
        spec_doc["nodeName"] = f"node-{index % 7}"
    return {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": metadata,
        "spec": spec_doc,
        "status": status,
    }
