"""The kubelets of every node: pod lifecycle from bound to Running, and what goes wrong.

Per pod: Pulling → Pulled → Created → Started → Running and Ready, with hostIP, podIP and
containerStatuses; crash loops (restartCount, lastState, CrashLoopBackOff with exponential
back-off), OOMKilled, completion (Succeeded/Failed for batch pods), image pull errors
(ErrImagePull, then ImagePullBackOff), readiness failures, and graceful termination (Killing,
containers terminated before the registry removes the pod). What a container does comes from
the pod's annotations (see `behaviour`).

In-memory state is kept only while a pod has a timed step ahead; a pod at rest is re-adopted
from its stored status, so 100k running pods cost nothing here.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
from dataclasses import dataclass, field
from typing import Any

from masthead.sim.clone import clone
from masthead.sim.controllers.behaviour import (
    COMPLETE,
    CRASHLOOP,
    FAIL,
    IMAGE_PULL,
    OOM,
    container_behaviours,
    full_image,
    image_is_bad,
)
from masthead.sim.controllers.events import NORMAL, WARNING
from masthead.sim.controllers.nodeinfo import NodeInfo
from masthead.sim.controllers.objects import (
    BEHAVIOUR,
    NODE_STATE,
    NODES,
    PODS,
    READY,
    RUN_SECONDS,
    Obj,
    rfc3339,
    set_condition,
)
from masthead.sim.controllers.runtime import Controller
from masthead.sim.controllers.settings import KUBELET
from masthead.sim.managedfields import record_update
from masthead.sim.registry import WriteContext
from masthead.sim.store import DELETED, WatchEvent

COMPONENT = "kubelet"
# Container states of the simulated runtime.
NEW = "new"
PULLING = "pulling"
ERR_PULL = "errimagepull"
PULL_BACKOFF = "pullbackoff"
STARTING = "starting"
RUNNING = "running"
CRASH_BACKOFF = "crashbackoff"
TERMINATED = "terminated"

_EXITS = {
    CRASHLOOP: (1, "Error"),
    FAIL: (1, "Error"),
    OOM: (137, "OOMKilled"),
    COMPLETE: (0, "Completed"),
}


@dataclass(slots=True)
class CState:
    name: str
    image: str
    behaviour: str
    state: str = NEW
    restarts: int = 0
    started_at: str = ""
    terminated: Obj | None = None
    last: Obj | None = None
    next_at: float = 0.0
    pull_failures: int = 0
    container_id: str = ""
    image_id: str = ""
    waiting_message: str = ""


@dataclass(slots=True)
class PodRuntime:
    uid: str
    containers: list[CState] = field(default_factory=list)
    killing: bool = False


def _sha(*parts: str) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()


class Kubelet(Controller):
    name = KUBELET

    def setup(self) -> None:
        self.runtimes: dict[tuple[str, str], PodRuntime] = {}
        self._ip_next: dict[str, int] = {}
        self.handlers[PODS.storage_key] = self._on_pod
        self.handlers[NODES.storage_key] = self._on_node
        self._loop = asyncio.get_running_loop()

    def _on_pod(self, ev: WatchEvent) -> None:
        s = ev.obj
        key = (s.namespace, s.name)
        if ev.type == DELETED:
            self.runtimes.pop(key, None)
            return
        if s.fields.get("spec.nodeName"):
            self.queue.add(key)

    def _on_node(self, ev: WatchEvent) -> None:
        # A node coming back (its kubelet "restarts") resyncs its pods.
        if ev.type == DELETED or ev.prev is None:
            return
        was_down = NODE_STATE.encode() in ev.prev.raw
        if was_down and NODE_STATE.encode() not in ev.obj.raw:
            for p in self.ctx.pods.on_node(ev.obj.name):
                self.queue.add((p.namespace, p.name))

    def initial_sync(self) -> None:
        for s in self.store.iter_objects(PODS.storage_key):
            if not s.fields.get("spec.nodeName"):
                continue
            if (
                s.fields.get("status.phase") == "Pending"
                or b"sim.masthead.io/" in s.raw
                or b'"deletionTimestamp"' in s.raw
            ):
                self.queue.add((s.namespace, s.name))

    # ------------------------------------------------------------------ sync
    def sync(self, item: Any) -> None:
        ns, name = item
        cur = self.store.get(PODS.storage_key, ns, name)
        if cur is None:
            self.runtimes.pop(item, None)
            return
        pod = cur.decode()
        spec = pod.get("spec") or {}
        node = self.ctx.nodes.get(spec.get("nodeName", ""))
        if node is None or NODE_STATE in (node.raw["metadata"].get("annotations") or {}):
            return  # no such node, or its kubelet is down
        status = pod.get("status") or {}
        if status.get("phase") in ("Succeeded", "Failed") and not pod["metadata"].get(
            "deletionTimestamp"
        ):
            self.runtimes.pop(item, None)
            return
        rt = self.runtimes.get(item)
        if rt is None or rt.uid != cur.uid:
            rt = self._adopt(pod)
            self.runtimes[item] = rt
        now = self._loop.time()
        if pod["metadata"].get("deletionTimestamp"):
            self._kill(pod, rt, node)
        else:
            for c in rt.containers:
                steps = 0
                while c.next_at and c.next_at <= now and steps < 8:
                    self._advance(pod, rt, c, node, now)
                    steps += 1
        self._write_status(pod, rt, node)
        pending = [c.next_at for c in rt.containers if c.next_at]
        if pending:
            self.queue.add_after(item, max(0.0, min(pending) - now) + 0.001)
        elif not rt.killing:
            self.runtimes.pop(item, None)

    # ------------------------------------------------------------------ state machine
    def _adopt(self, pod: Obj) -> PodRuntime:
        spec = pod.get("spec") or {}
        containers = spec.get("containers") or []
        behaviours = container_behaviours(
            (pod["metadata"].get("annotations") or {}),
            [c["name"] for c in containers],
            spec.get("restartPolicy", "Always"),
        )
        statuses = {
            s.get("name"): s for s in (pod.get("status") or {}).get("containerStatuses") or []
        }
        # Without an explicit behaviour, a container adopted in a failure state keeps failing
        # the same way (a world built with CrashLoopBackOff pods stays that way).
        explicit = BEHAVIOUR in (pod["metadata"].get("annotations") or {})
        rt = PodRuntime(uid=pod["metadata"]["uid"])
        phase = (pod.get("status") or {}).get("phase", "")
        now = self._loop.time()
        for c in containers:
            cs = CState(name=c["name"], image=c.get("image", ""), behaviour=behaviours[c["name"]])
            st = statuses.get(c["name"])
            if st is None and phase == "Running":
                # A world built without container statuses: its containers already run.
                cs.state = RUNNING
                cs.started_at = (pod.get("status") or {}).get("startTime", "")
                cs.image_id = f"{full_image(cs.image).rsplit(':', 1)[0]}@sha256:{_sha(cs.image)}"
                cs.container_id = "containerd://" + _sha(pod["metadata"]["uid"], cs.name, "0")
                run = self._run_time(pod, cs)
                cs.next_at = now + run if run is not None else 0.0
                rt.containers.append(cs)
                continue
            if st is None:
                cs.next_at = now
                rt.containers.append(cs)
                continue
            cs.restarts = int(st.get("restartCount") or 0)
            cs.container_id = st.get("containerID", "")
            cs.image_id = st.get("imageID", "")
            cs.last = (st.get("lastState") or {}).get("terminated")
            state = st.get("state") or {}
            if "running" in state:
                cs.state = RUNNING
                cs.started_at = state["running"].get("startedAt", "")
                run = self._run_time(pod, cs)
                cs.next_at = now + run if run is not None else 0.0
            elif "terminated" in state:
                cs.terminated = state["terminated"]
                if not explicit and self._restarts(pod, int(cs.terminated.get("exitCode", 0))):
                    cs.behaviour = _failure_behaviour(cs.terminated)
                cs.state = TERMINATED
                if self._restarts(pod, int(cs.terminated.get("exitCode", 0))):
                    cs.state = CRASH_BACKOFF
                    cs.next_at = now + self._backoff(max(cs.restarts, 1))
            else:
                reason = (state.get("waiting") or {}).get("reason", "")
                if reason == "CrashLoopBackOff":
                    if not explicit:
                        cs.behaviour = _failure_behaviour(cs.last or {})
                    cs.state = CRASH_BACKOFF
                    cs.waiting_message = (state.get("waiting") or {}).get("message", "")
                    cs.next_at = now + self._backoff(max(cs.restarts, 1))
                elif reason in ("ImagePullBackOff", "ErrImagePull"):
                    if not explicit:
                        cs.behaviour = IMAGE_PULL
                    cs.state = PULL_BACKOFF
                    cs.pull_failures = 1
                    cs.waiting_message = (state.get("waiting") or {}).get("message", "")
                    cs.next_at = now + self._backoff(1)
                else:
                    cs.next_at = now
            rt.containers.append(cs)
        return rt

    def _backoff(self, n: int) -> float:
        return float(
            min(self.settings.backoff_base * (2 ** max(n - 1, 0)), self.settings.backoff_max)
        )

    def _run_time(self, pod: Obj, c: CState) -> float | None:
        if c.behaviour not in _EXITS:
            return None
        given = (pod["metadata"].get("annotations") or {}).get(RUN_SECONDS)
        if given:
            try:
                return float(given)
            except ValueError:
                pass
        return (
            self.settings.complete_after if c.behaviour == COMPLETE else self.settings.crash_after
        )

    def _restarts(self, pod: Obj, exit_code: int) -> bool:
        policy = (pod.get("spec") or {}).get("restartPolicy", "Always")
        return policy == "Always" or (policy == "OnFailure" and exit_code != 0)

    def _event(
        self, pod: Obj, node: NodeInfo, c: CState | None, type_: str, reason: str, msg: str
    ) -> None:
        self.recorder.record(
            pod, type_, reason, msg, component=COMPONENT, host=node.name,
            field_path=f"spec.containers{{{c.name}}}" if c is not None else None,
        )  # fmt: skip

    def _advance(self, pod: Obj, rt: PodRuntime, c: CState, node: NodeInfo, now: float) -> None:
        t = self.now()
        img = c.image
        if c.state in (NEW, PULL_BACKOFF):
            c.state = PULLING
            c.next_at = now + self.settings.pull_delay
            self._event(pod, node, c, NORMAL, "Pulling", f'Pulling image "{img}"')
        elif c.state == PULLING:
            if c.behaviour == IMAGE_PULL or image_is_bad(img):
                c.pull_failures += 1
                ref = full_image(img)
                err = (
                    f'rpc error: code = NotFound desc = failed to pull and unpack image "{ref}": '
                    f'failed to resolve reference "{ref}": {ref}: not found'
                )
                c.state = ERR_PULL
                c.waiting_message = err
                c.next_at = now + self.settings.start_delay
                self._event(pod, node, c, WARNING, "Failed", f'Failed to pull image "{img}": {err}')
                self._event(pod, node, c, WARNING, "Failed", "Error: ErrImagePull")
                return
            c.image_id = f"{full_image(img).rsplit(':', 1)[0]}@sha256:{_sha(img)}"
            took = 0.5 + (int(_sha(img)[:4], 16) % 3000) / 1000
            size = 10_000_000 + int(_sha(img)[4:10], 16) % 200_000_000
            self._event(
                pod, node, c, NORMAL, "Pulled",
                f'Successfully pulled image "{img}" in {took:.3f}s ({took:.3f}s including '
                f"waiting). Image size: {size} bytes.",
            )  # fmt: skip
            self._create(pod, c, node, now)
        elif c.state == ERR_PULL:
            c.state = PULL_BACKOFF
            c.waiting_message = f'Back-off pulling image "{img}": ErrImagePull: {c.waiting_message}'
            c.next_at = now + self._backoff(c.pull_failures)
            self._event(pod, node, c, NORMAL, "BackOff", f'Back-off pulling image "{img}"')
            self._event(pod, node, c, WARNING, "Failed", "Error: ImagePullBackOff")
        elif c.state == STARTING:
            c.state = RUNNING
            c.started_at = rfc3339(t)
            run = self._run_time(pod, c)
            c.next_at = now + run if run is not None else 0.0
            self._event(pod, node, c, NORMAL, "Started", f"Started container {c.name}")
        elif c.state == RUNNING:
            code, reason = _EXITS.get(c.behaviour, (0, "Completed"))
            c.terminated = {
                "exitCode": code,
                "reason": reason,
                "startedAt": c.started_at,
                "finishedAt": rfc3339(t),
                "containerID": c.container_id,
            }
            if self._restarts(pod, code):
                c.restarts += 1
                c.last = c.terminated
                c.terminated = None
                c.state = CRASH_BACKOFF
                delay = self._backoff(c.restarts)
                meta = pod["metadata"]
                pod_ref = f"{meta['name']}_{meta['namespace']}({meta['uid']})"
                c.waiting_message = (
                    f"back-off {_go_duration(delay)} restarting failed container={c.name} "
                    f"pod={pod_ref}"
                )
                c.next_at = now + delay
                self._event(
                    pod, node, c, WARNING, "BackOff",
                    f"Back-off restarting failed container {c.name} in pod {pod_ref}",
                )  # fmt: skip
            else:
                c.state = TERMINATED
                c.next_at = 0.0
        elif c.state == CRASH_BACKOFF:
            self._event(
                pod, node, c, NORMAL, "Pulled",
                f'Container image "{img}" already present on machine',
            )  # fmt: skip
            self._create(pod, c, node, now)
        else:
            c.next_at = 0.0

    def _create(self, pod: Obj, c: CState, node: NodeInfo, now: float) -> None:
        c.container_id = "containerd://" + _sha(pod["metadata"]["uid"], c.name, str(c.restarts))
        if not c.image_id:
            c.image_id = f"{full_image(c.image).rsplit(':', 1)[0]}@sha256:{_sha(c.image)}"
        c.state = STARTING
        c.next_at = now + self.settings.start_delay
        self._event(pod, node, c, NORMAL, "Created", f"Created container: {c.name}")

    def _kill(self, pod: Obj, rt: PodRuntime, node: NodeInfo) -> None:
        if rt.killing:
            return
        rt.killing = True
        t = rfc3339(self.now())
        for c in rt.containers:
            c.next_at = 0.0
            if c.state in (RUNNING, STARTING):
                self._event(pod, node, c, NORMAL, "Killing", f"Stopping container {c.name}")
                c.terminated = {
                    "exitCode": 0,
                    "reason": "Completed",
                    "startedAt": c.started_at or t,
                    "finishedAt": t,
                    "containerID": c.container_id,
                }
                c.state = TERMINATED

    # ------------------------------------------------------------------ status
    def _pod_ip(self, node: NodeInfo) -> str:
        n = self._ip_next.get(node.name, 0)
        self._ip_next[node.name] = n + 1
        if node.pod_cidr:
            try:
                net = ipaddress.ip_network(node.pod_cidr, strict=False)
                return str(net.network_address + 2 + n % max(net.num_addresses - 3, 1))
            except ValueError:
                pass
        h = int(_sha(node.name)[:4], 16)
        return f"10.{244 + (h >> 8) % 8}.{h & 255}.{2 + n % 250}"

    def _write_status(self, pod: Obj, rt: PodRuntime, node: NodeInfo) -> None:
        meta = pod["metadata"]
        old = pod.get("status") or {}
        status = clone(old)
        t = rfc3339(self.now())
        annotations = meta.get("annotations") or {}
        probe_ok = annotations.get(READY, "true").lower() != "false"
        by_name = {s.get("name"): s for s in old.get("containerStatuses") or []}
        statuses: list[Obj] = []
        for c in rt.containers:
            st: Obj = {"name": c.name}
            if c.state in (NEW, PULLING, STARTING) and not c.restarts:
                st["state"] = {"waiting": {"reason": "ContainerCreating"}}
            elif c.state in (ERR_PULL, PULL_BACKOFF):
                reason = "ErrImagePull" if c.state == ERR_PULL else "ImagePullBackOff"
                st["state"] = {"waiting": {"reason": reason, "message": c.waiting_message}}
            elif c.state == CRASH_BACKOFF or (c.state in (PULLING, STARTING) and c.restarts):
                st["state"] = {
                    "waiting": {"reason": "CrashLoopBackOff", "message": c.waiting_message}
                }
            elif c.state == RUNNING:
                st["state"] = {"running": {"startedAt": c.started_at}}
            else:
                st["state"] = {"terminated": dict(c.terminated or {})}
            st["lastState"] = {"terminated": c.last} if c.last else {}
            st["ready"] = c.state == RUNNING and probe_ok and not rt.killing
            st["restartCount"] = c.restarts
            st["image"] = c.image
            st["imageID"] = c.image_id
            if c.container_id:
                st["containerID"] = c.container_id
            st["started"] = c.state == RUNNING
            merged = dict(by_name.get(c.name) or {})
            merged.update(st)
            if not c.container_id:
                merged.pop("containerID", None)
            statuses.append({k: merged[k] for k in _CS_ORDER if k in merged} | merged)
        states = [c.state for c in rt.containers]
        terminal = bool(states) and all(s == TERMINATED for s in states) and not rt.killing
        ever_ran = any(c.started_at or c.restarts for c in rt.containers)
        if terminal:
            ok = all((c.terminated or {}).get("exitCode") == 0 for c in rt.containers)
            phase = "Succeeded" if ok else "Failed"
        elif ever_ran or rt.killing:
            phase = old.get("phase", "Running") if rt.killing else "Running"
        else:
            phase = "Pending"
        status["phase"] = phase
        unready = [s["name"] for s in statuses if not s["ready"]]
        conds = status.get("conditions") or []
        conds = set_condition(conds, "PodReadyToStartContainers", "True", t)
        conds = set_condition(conds, "Initialized", "True", t, probe_time=True)
        if terminal:
            conds = set_condition(conds, "Ready", "False", t, "PodCompleted", probe_time=True)
            conds = set_condition(
                conds, "ContainersReady", "False", t, "PodCompleted", probe_time=True
            )
        elif unready:
            msg = f"containers with unready status: [{' '.join(unready)}]"
            conds = set_condition(
                conds, "Ready", "False", t, "ContainersNotReady", msg, probe_time=True
            )
            conds = set_condition(
                conds, "ContainersReady", "False", t, "ContainersNotReady", msg, probe_time=True
            )
        else:
            conds = set_condition(conds, "Ready", "True", t, probe_time=True)
            conds = set_condition(conds, "ContainersReady", "True", t, probe_time=True)
        status["conditions"] = _order_conditions(conds)
        host_ip = node.host_ip or _node_ip(node.name)
        status["hostIP"] = host_ip
        status["hostIPs"] = [{"ip": host_ip}]
        if not status.get("podIP"):
            ip = _host_network_ip(pod, host_ip) or self._pod_ip(node)
            status["podIP"] = ip
            status["podIPs"] = [{"ip": ip}]
        status.setdefault("startTime", t)
        status["containerStatuses"] = statuses
        ordered = {k: status[k] for k in _STATUS_ORDER if k in status} | status
        if ordered == old:
            return
        if meta.get("deletionTimestamp"):
            # The registry removes an object with deletionTimestamp and no finalizers on any
            # update; the kubelet's last status must not end the grace period early.
            new = clone(pod)
            new["status"] = ordered
            record = record_update(
                pod, new, manager="kubelet", api_version="v1", time=t, subresource="status"
            )
            self.registry.put_prepared(PODS, record)
            return
        pod["status"] = ordered
        self.registry.update(
            PODS,
            meta["namespace"],
            meta["name"],
            pod,
            WriteContext("kubelet"),
            subresource="status",
        )


_CS_ORDER = (
    "name",
    "state",
    "lastState",
    "ready",
    "restartCount",
    "image",
    "imageID",
    "containerID",
    "started",
)
_STATUS_ORDER = (
    "observedGeneration", "phase", "conditions", "hostIP", "hostIPs", "podIP", "podIPs",
    "startTime", "initContainerStatuses", "containerStatuses", "qosClass",
)  # fmt: skip
_COND_ORDER = (
    "PodReadyToStartContainers",
    "Initialized",
    "Ready",
    "ContainersReady",
    "PodScheduled",
)


def _failure_behaviour(terminated: Obj) -> str:
    return OOM if terminated.get("reason") == "OOMKilled" else CRASHLOOP


def _order_conditions(conds: list[Obj]) -> list[Obj]:
    rank = {t: i for i, t in enumerate(_COND_ORDER)}
    return sorted(conds, key=lambda c: rank.get(c.get("type", ""), len(rank)))


def _node_ip(name: str) -> str:
    h = int(_sha(name)[:6], 16)
    return f"10.0.{(h >> 8) & 255}.{h & 255}"


def _host_network_ip(pod: Obj, host_ip: str) -> str:
    return host_ip if (pod.get("spec") or {}).get("hostNetwork") else ""


def _go_duration(seconds: float) -> str:
    """Go's time.Duration String() for whole and fractional seconds: 10s, 1m20s, 5m0s, 100ms."""
    if seconds < 1:
        return f"{round(seconds * 1000)}ms"
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    m, s = divmod(s, 60)
    if m < 60:
        return f"{m}m{s}s"
    h, m = divmod(m, 60)
    return f"{h}h{m}m{s}s"
