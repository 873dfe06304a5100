"""Pods as a real cluster shows them: spec after admission (service-account token volume,
default tolerations, priority), kubelet status for each life state (running, crash loop,
image pull back-off, unschedulable, OOM-killed, completed, failed, on a NotReady node) and the
managedFields of the controller that created them and the kubelet that reports on them.

Each owner's pods share one `PodProto` (encoded containers/volumes/managedFields with
placeholders), so building a pod is a few dict inserts and byte replacements.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import orjson

from masthead.sim.world import fieldsets
from masthead.sim.world.fieldsets import FieldsCache, fill
from masthead.sim.world.ids import Ids, rfc3339

SA_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
NOT_READY_TAINT = "node.kubernetes.io/not-ready"
UNREACHABLE_TAINT = "node.kubernetes.io/unreachable"
SYSTEM_PRIORITIES = {"system-node-critical": 2000001000, "system-cluster-critical": 2000000000}

# Go field order of PodSpec (what the apiserver serialises).
POD_SPEC_ORDER = (
    "volumes",
    "initContainers",
    "containers",
    "ephemeralContainers",
    "restartPolicy",
    "terminationGracePeriodSeconds",
    "activeDeadlineSeconds",
    "dnsPolicy",
    "nodeSelector",
    "serviceAccountName",
    "serviceAccount",
    "automountServiceAccountToken",
    "nodeName",
    "hostNetwork",
    "hostPID",
    "hostIPC",
    "shareProcessNamespace",
    "securityContext",
    "imagePullSecrets",
    "hostname",
    "subdomain",
    "affinity",
    "schedulerName",
    "tolerations",
    "hostAliases",
    "priorityClassName",
    "priority",
    "dnsConfig",
    "readinessGates",
    "runtimeClassName",
    "enableServiceLinks",
    "preemptionPolicy",
    "overhead",
    "topologySpreadConstraints",
    "setHostnameAsFQDN",
    "os",
    "hostUsers",
    "schedulingGates",
    "resourceClaims",
    "resources",
)

RUNNING = "running"
CRASH_LOOP = "crashloop"
IMAGE_PULL = "imagepull"
UNSCHEDULABLE = "unschedulable"
SUCCEEDED = "succeeded"
FAILED = "failed"
OOM_KILLED = "oomkilled"  # terminated by the OOM killer just now, restart pending
NODE_LOST = "nodelost"  # running on a node that stopped reporting
CREATING = "creating"


@dataclass(frozen=True)
class PodState:
    kind: str = RUNNING
    restarts: int = 0
    # lastState.terminated of the main container: (reason, exitCode), e.g. ("OOMKilled", 137).
    last: tuple[str, int] | None = None
    # Seconds before the epoch the current container state began (restart, crash, kill).
    since: float = 0.0
    # Scheduler message (UNSCHEDULABLE) or terminated reason (FAILED).
    message: str = ""
    exit_code: int = 1

    @property
    def key(self) -> str:
        return f"{self.kind}/{'last' if self.last else ''}"


@dataclass(frozen=True)
class PodNode:
    name: str
    host_ip: str
    pod_ip: str


@dataclass
class PodProto:
    """Everything the pods of one owner share."""

    shape: str
    labels: dict[str, str]
    annotations: dict[str, str] | None
    owner: dict[str, Any] | None
    containers: bytes  # with @@SA@@ for the token volume's suffix
    volumes: bytes
    spec_rest: dict[str, Any]  # the other spec fields, in PodSpec order, nodeName excluded
    container_images: list[tuple[str, str]]  # (name, image)
    mounts: list[list[dict[str, Any]]]  # per container, for containerStatuses[].volumeMounts
    kcm_entry: bytes
    qos: str
    manager: str


def _qos(containers: list[dict[str, Any]]) -> str:
    reqs = [(c.get("resources") or {}).get("requests") or {} for c in containers]
    lims = [(c.get("resources") or {}).get("limits") or {} for c in containers]
    if not any(r.keys() & {"cpu", "memory"} for r in reqs + lims):
        return "BestEffort"
    for req, lim in zip(reqs, lims, strict=True):
        for res in ("cpu", "memory"):
            if res not in lim or req.get(res, lim[res]) != lim[res]:
                return "Burstable"
    return "Guaranteed"


def _token_volume(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "projected": {
            "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {
                    "configMap": {
                        "name": "kube-root-ca.crt",
                        "items": [{"key": "ca.crt", "path": "ca.crt"}],
                    }
                },
                {
                    "downwardAPI": {
                        "items": [
                            {
                                "path": "namespace",
                                "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
                            }
                        ]
                    }
                },
            ],
            "defaultMode": 420,
        },
    }


def make_proto(
    cache: FieldsCache,
    shape: str,
    template: dict[str, Any],
    owner: dict[str, Any] | None,
    generate_name: str,
    manager: str = "kube-controller-manager",
) -> PodProto:
    """Prepare the pods of one owner from its (defaulted) pod template."""
    tmeta = template.get("metadata") or {}
    tspec = template["spec"]
    labels = dict(tmeta.get("labels") or {})
    annotations = dict(tmeta.get("annotations") or {}) or None
    # What the controller POSTs (defaulted, before admission): its managedFields entry.
    posted_meta: dict[str, Any] = {"generateName": generate_name, "labels": labels}
    if annotations:
        posted_meta["annotations"] = annotations
    if owner is not None:
        posted_meta["ownerReferences"] = [{**owner, "uid": fieldsets.OWNER}]
    posted = {"kind": "Pod", "apiVersion": "v1", "metadata": posted_meta, "spec": tspec}
    kcm = cache.entry(("pod", shape, manager), posted, manager=manager, api_version="v1")
    if owner is not None:
        kcm = kcm.replace(fieldsets.OWNER.encode(), owner["uid"].encode())
    # Admission: service-account token volume, default tolerations, priority.
    sa = tspec.get("serviceAccountName") or "default"
    automount = tspec.get("automountServiceAccountToken") is not False
    token = "kube-api-access-@@SA@@"
    volumes = list(tspec.get("volumes") or [])
    containers = []
    mounts = []
    for c in tspec["containers"]:
        c2 = dict(c)
        vm = list(c.get("volumeMounts") or [])
        if automount:
            vm.append({"name": token, "readOnly": True, "mountPath": SA_MOUNT_PATH})
        if vm:
            # Keep Go field order: volumeMounts sits right after resources.
            c2 = {}
            for k, v in c.items():
                if k != "volumeMounts":
                    c2[k] = v
                if k == "resources":
                    c2["volumeMounts"] = vm
            c2.setdefault("volumeMounts", vm)
        containers.append(c2)
        mounts.append(
            [
                {"name": m["name"], "mountPath": m["mountPath"]}
                | ({"readOnly": True, "recursiveReadOnly": "Disabled"} if m.get("readOnly") else {})
                for m in vm
            ]
        )
    if automount:
        volumes.append(_token_volume(token))
    tolerations = list(tspec.get("tolerations") or [])
    for key in (NOT_READY_TAINT, UNREACHABLE_TAINT):
        if not any(
            t.get("key", "") in (key, "") and t.get("effect", "") in ("NoExecute", "")
            for t in tolerations
        ):
            tolerations.append(
                {"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}
            )
    extra: dict[str, Any] = {
        "serviceAccountName": sa,
        "serviceAccount": sa,
        "tolerations": tolerations,
        "priority": SYSTEM_PRIORITIES.get(tspec.get("priorityClassName", ""), 0),
        "enableServiceLinks": tspec.get("enableServiceLinks", True),
        "preemptionPolicy": "PreemptLowerPriority",
    }
    rest: dict[str, Any] = {}
    for k in POD_SPEC_ORDER:
        if k in ("volumes", "containers"):
            continue
        if k == "nodeName":
            rest[k] = None  # position marker, filled per pod
        elif k in extra:
            rest[k] = extra[k]
        elif k in tspec:
            rest[k] = tspec[k]
    return PodProto(
        shape=shape,
        labels=labels,
        annotations=annotations,
        owner=owner,
        containers=orjson.dumps(containers),
        volumes=orjson.dumps(volumes),
        spec_rest=rest,
        container_images=[(c["name"], c["image"]) for c in tspec["containers"]],
        mounts=mounts,
        kcm_entry=kcm,
        qos=_qos(tspec["containers"]),
        manager=manager,
    )


def image_id(image: str) -> str:
    repo = image.rsplit(":", 1)[0] if ":" in image.rsplit("/", 1)[-1] else image
    return f"{repo}@sha256:{hashlib.sha256(image.encode()).hexdigest()}"


def _cond(typ: str, status: bool, at: str, reason: str = "", message: str = "") -> dict[str, Any]:
    c: dict[str, Any] = {"type": typ, "status": "True" if status else "False"}
    c["lastProbeTime"] = None
    c["lastTransitionTime"] = at
    if reason:
        c["reason"] = reason
    if message:
        c["message"] = message
    return c


class PodFactory:
    def __init__(self, ids: Ids, cache: FieldsCache, epoch: float) -> None:
        self.ids = ids
        self.cache = cache
        self.epoch = epoch

    def container_id(self, *parts: str) -> str:
        return "containerd://" + self.ids.hex(64, "cid", *parts)

    def build(
        self,
        proto: PodProto,
        namespace: str,
        name: str,
        created: float,
        node: PodNode | None,
        state: PodState,
        *,
        generate_name: str | None = None,
        fill_values: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """One pod of `proto`; `fill_values` replace further @@PLACEHOLDERS@@ in its volumes
        and containers (a StatefulSet pod's claim name)."""
        uid = self.ids.uid("Pod", namespace, name)
        ts_created = rfc3339(created)
        meta: dict[str, Any] = {"name": name}
        if generate_name is not None:
            meta["generateName"] = generate_name
        meta["namespace"] = namespace
        meta["uid"] = uid
        meta["creationTimestamp"] = ts_created
        meta["labels"] = proto.labels
        if proto.annotations:
            meta["annotations"] = proto.annotations
        if proto.owner is not None:
            meta["ownerReferences"] = [proto.owner]
        sa_suffix = self.ids.suffix(5, namespace, name, "sa")
        spec: dict[str, Any] = {
            "volumes": fill(proto.volumes, sa=sa_suffix, **(fill_values or {})),
            "containers": fill(proto.containers, sa=sa_suffix),
        }
        for k, v in proto.spec_rest.items():
            if k == "nodeName":
                if node is not None and state.kind != UNSCHEDULABLE:
                    spec[k] = node.name
            else:
                spec[k] = v
        status, entry = self._status(proto, namespace, name, uid, created, node, state, sa_suffix)
        managed = [fill(proto.kcm_entry, time=ts_created)]
        if entry is not None:
            managed.append(entry)
        meta["managedFields"] = managed
        return {"kind": "Pod", "apiVersion": "v1", "metadata": meta, "spec": spec, "status": status}

    def _status(
        self,
        proto: PodProto,
        ns: str,
        name: str,
        uid: str,
        created: float,
        node: PodNode | None,
        st: PodState,
        sa_suffix: str,
    ) -> tuple[dict[str, Any], orjson.Fragment | None]:
        k = st.kind
        scheduled_at = created + 1
        started_at = created + 4
        t_sched, t_start = rfc3339(scheduled_at), rfc3339(started_at)
        since = rfc3339(self.epoch - st.since) if st.since else t_start
        status: dict[str, Any]
        if k == UNSCHEDULABLE or node is None:
            status = {
                "phase": "Pending",
                "conditions": [
                    _cond("PodScheduled", False, rfc3339(created), "Unschedulable", st.message)
                ],
                "qosClass": proto.qos,
            }
            raw = self.cache.entry(
                ("pod-sched", "unschedulable"),
                {"kind": "Pod", "apiVersion": "v1", "metadata": {}, "status": status},
                before={"kind": "Pod", "apiVersion": "v1", "metadata": {}, "status": {}},
                manager="kube-scheduler",
                api_version="v1",
                subresource="status",
            )
            return status, fill(raw, time=rfc3339(created))
        ready = k in (RUNNING,)
        done = k in (SUCCEEDED, FAILED)
        main = proto.container_images[0]
        if k == IMAGE_PULL:
            phase = "Pending"
        elif k == SUCCEEDED:
            phase = "Succeeded"
        elif k == FAILED:
            phase = "Failed"
        elif k == CREATING:
            phase = "Pending"
        else:
            phase = "Running"
        unready = [main[0]] if not ready and not done else []
        if k == CREATING:
            unready = [c for c, _ in proto.container_images]
        conds = [
            _cond("PodReadyToStartContainers", k not in (CREATING,) and not done, t_start),
            _cond("Initialized", True, t_sched, "PodCompleted" if done else ""),
        ]
        if done:
            why = "PodCompleted" if k == SUCCEEDED else "PodFailed"
            conds += [
                _cond("Ready", False, since, why),
                _cond("ContainersReady", False, since, why),
            ]
        elif k == NODE_LOST:
            conds += [_cond("Ready", False, since), _cond("ContainersReady", True, t_start)]
        elif unready:
            msg = f"containers with unready status: [{' '.join(unready)}]"
            conds += [
                _cond("Ready", False, since, "ContainersNotReady", msg),
                _cond("ContainersReady", False, since, "ContainersNotReady", msg),
            ]
        else:
            conds += [_cond("Ready", True, since), _cond("ContainersReady", True, since)]
        conds.append(_cond("PodScheduled", True, t_sched))
        statuses = []
        for i, (cname, image) in enumerate(proto.container_images):
            cs = self._container_status(proto, i, ns, name, uid, cname, image, st, t_start, since)
            cs["volumeMounts"] = [
                {**m, "name": m["name"].replace("@@SA@@", sa_suffix)} for m in proto.mounts[i]
            ]
            statuses.append(cs)
        status = {"phase": phase, "conditions": conds}
        status["hostIP"] = node.host_ip
        status["hostIPs"] = [{"ip": node.host_ip}]
        if k != CREATING:
            status["podIP"] = node.pod_ip
            status["podIPs"] = [{"ip": node.pod_ip}]
        status["startTime"] = t_sched
        status["containerStatuses"] = statuses
        status["qosClass"] = proto.qos
        raw = self.cache.entry(
            ("pod-kubelet", proto.shape, st.key),
            {"kind": "Pod", "apiVersion": "v1", "metadata": {}, "status": _placeholders(status)},
            before={
                "kind": "Pod",
                "apiVersion": "v1",
                "metadata": {},
                "status": {"phase": "Pending", "qosClass": proto.qos},
            },
            manager="kubelet",
            api_version="v1",
            subresource="status",
        )
        return status, fill(raw, time=since, pod_ip=node.pod_ip, host_ip=node.host_ip)

    def _container_status(
        self,
        proto: PodProto,
        i: int,
        ns: str,
        name: str,
        uid: str,
        cname: str,
        image: str,
        st: PodState,
        t_start: str,
        since: str,
    ) -> dict[str, Any]:
        k = st.kind
        is_main = i == 0
        restarts = st.restarts if is_main else 0
        cid = self.container_id(ns, name, cname, str(restarts))
        state: dict[str, Any]
        last: dict[str, Any] = {}
        ready = False
        started = False
        img_id = image_id(image)
        if is_main and st.last is not None:
            reason, code = st.last
            prev = self.container_id(ns, name, cname, str(max(restarts - 1, 0)))
            last = {
                "terminated": {
                    "exitCode": code,
                    "reason": reason,
                    "startedAt": t_start,
                    "finishedAt": since,
                    "containerID": prev,
                }
            }
        if not is_main and k not in (SUCCEEDED, FAILED, IMAGE_PULL, CREATING):
            state = {"running": {"startedAt": t_start}}
            ready = started = True
        elif k in (RUNNING, NODE_LOST):
            state = {"running": {"startedAt": since}}
            ready = started = True
        elif k == CRASH_LOOP:
            state = {
                "waiting": {
                    "reason": "CrashLoopBackOff",
                    "message": f"back-off 5m0s restarting failed container={cname} "
                    f"pod={name}_{ns}({uid})",
                }
            }
        elif k == IMAGE_PULL and is_main:
            state = {
                "waiting": {
                    "reason": "ImagePullBackOff",
                    "message": f'Back-off pulling image "{image}"',
                }
            }
            img_id = ""
        elif k == OOM_KILLED:
            state = {
                "terminated": {
                    "exitCode": 137,
                    "reason": "OOMKilled",
                    "startedAt": t_start,
                    "finishedAt": since,
                    "containerID": cid,
                }
            }
        elif k in (SUCCEEDED, FAILED):
            code = 0 if k == SUCCEEDED else st.exit_code
            reason = "Completed" if k == SUCCEEDED else (st.message or "Error")
            state = {
                "terminated": {
                    "exitCode": code,
                    "reason": reason,
                    "startedAt": t_start,
                    "finishedAt": since,
                    "containerID": cid,
                }
            }
        else:  # creating, or a sidecar of a pod whose main container cannot start
            state = {
                "waiting": {"reason": "ContainerCreating" if k == CREATING else "PodInitializing"}
            }
            img_id = ""
        cs: dict[str, Any] = {"name": cname, "state": state, "lastState": last, "ready": ready}
        cs["restartCount"] = restarts
        cs["image"] = image
        cs["imageID"] = img_id
        if "waiting" not in state or restarts or k == CRASH_LOOP:
            cs["containerID"] = cid
        cs["started"] = started
        return cs


def _placeholders(status: dict[str, Any]) -> dict[str, Any]:
    """The status with its IPs replaced by placeholders (they appear in managedFields keys)."""
    out = dict(status)
    if "podIPs" in out:
        out["podIPs"] = [{"ip": fieldsets.POD_IP}]
        out["podIP"] = fieldsets.POD_IP
    if "hostIPs" in out:
        out["hostIPs"] = [{"ip": fieldsets.HOST_IP}]
        out["hostIP"] = fieldsets.HOST_IP
    return out
