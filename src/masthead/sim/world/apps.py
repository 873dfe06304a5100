"""What an application is before it becomes objects: `App` (a Deployment or StatefulSet with
its Service, config, autoscaling and failure mode) and the container specs of archetypes."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from typing import Any

from masthead.sim.world.catalogue import ARCHETYPES, Archetype

# Failure modes a generated app can be in (as a real cluster shows them in status).
CRASH_LOOP = "crashloop"
IMAGE_PULL = "imagepull"  # a rollout stuck on a bad tag: new pod ImagePullBackOff, old ones up
OOM_RESTARTS = "oom-restarts"  # running again after OOMKilled restarts
OOM_NOW = "oom-now"  # just OOM-killed, restart pending
PENDING = "pending"  # requests more than any node has: Unschedulable
FAILURES = (CRASH_LOOP, IMAGE_PULL, OOM_RESTARTS, OOM_NOW, PENDING)


@dataclass
class App:
    namespace: str
    name: str
    containers: list[dict[str, Any]]
    replicas: int = 2
    shape: str = ""
    team: str = "platform"
    part_of: str = ""
    kind: str = "Deployment"  # or StatefulSet
    failure: str = ""
    revisions: int = 2
    age_days: float = 60.0
    port: int | None = 8080
    ingress_host: str | None = None
    hpa: tuple[int, int] | None = None
    pdb: bool = False
    config: bool = True
    manager: str = "helm"
    volumes: list[dict[str, Any]] = field(default_factory=list)
    pod_extra: dict[str, Any] = field(default_factory=dict)
    storage: str | None = None  # StatefulSet volumeClaimTemplate size
    annotations: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.shape:
            self.shape = f"{self.namespace}/{self.name}"
        if not self.part_of:
            self.part_of = self.name.split("-")[0]


def checksum(*parts: str) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()


def container(
    name: str,
    image: str,
    *,
    port: int | None = 8080,
    cpu: str = "100m",
    memory: str = "128Mi",
    limit_factor: int = 2,
    env: tuple[tuple[str, str], ...] = (),
    command: tuple[str, ...] = (),
    probe_path: str | None = "/healthz",
    config_mount: bool = False,
    env_from: tuple[str, ...] = (),
    hardened: bool = False,
) -> dict[str, Any]:
    c: dict[str, Any] = {"name": name, "image": image}
    if command:
        c["command"] = list(command)
    if port:
        c["ports"] = [{"name": "http", "containerPort": port, "protocol": "TCP"}]
    if env_from:
        c["envFrom"] = [
            {"configMapRef": {"name": n}} if i == 0 else {"secretRef": {"name": n}}
            for i, n in enumerate(env_from)
        ]
    c["env"] = [{"name": k, "value": v} for k, v in env] + [
        {
            "name": "POD_NAME",
            "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}},
        },
    ]
    cpu_m = int(cpu[:-1]) if cpu.endswith("m") else int(cpu) * 1000
    mem = memory
    lim_mem = f"{int(mem[:-2]) * limit_factor}{mem[-2:]}" if mem[-2:] in ("Mi", "Gi") else mem
    c["resources"] = {
        "limits": {"cpu": f"{cpu_m * limit_factor}m", "memory": lim_mem},
        "requests": {"cpu": cpu, "memory": memory},
    }
    if config_mount:
        c["volumeMounts"] = [{"name": "config", "readOnly": True, "mountPath": "/etc/app"}]
    if probe_path and port:
        c["livenessProbe"] = {
            "httpGet": {"path": probe_path, "port": "http"},
            "initialDelaySeconds": 10,
            "periodSeconds": 10,
            "failureThreshold": 3,
        }
        c["readinessProbe"] = {"httpGet": {"path": probe_path, "port": "http"}, "periodSeconds": 5}
    elif port:
        c["readinessProbe"] = {"tcpSocket": {"port": port}, "periodSeconds": 10}
    if hardened:
        c["securityContext"] = {
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
        }
    return c


def log_shipper() -> dict[str, Any]:
    return {
        "name": "fluent-bit",
        "image": "docker.io/fluent/fluent-bit:3.1.9",
        "resources": {
            "limits": {"cpu": "100m", "memory": "64Mi"},
            "requests": {"cpu": "10m", "memory": "32Mi"},
        },
    }


def archetype_app(
    rng: random.Random, namespace: str, name: str, arch: Archetype, replicas: int, team: str
) -> App:
    tag = rng.choice(arch.tags)
    image = arch.image.format(app=name) + ":" + tag
    cname = {"frontend": "web", "worker": "worker", "cache": "redis", "edge": "gateway"}.get(
        arch.tier, "api"
    )
    main = container(
        cname,
        image,
        port=arch.port,
        cpu=rng.choice(arch.cpu),
        memory=rng.choice(arch.memory),
        limit_factor=arch.limit_factor,
        env=arch.env,
        command=arch.command,
        probe_path=arch.probe_path,
        config_mount=arch.config_mount,
        env_from=(f"{name}-config", f"{name}-credentials"),
        hardened=arch.key in ("go-api", "rust-gateway"),
    )
    containers = [main, log_shipper()] if arch.sidecar else [main]
    return App(
        namespace=namespace,
        name=name,
        containers=containers,
        replicas=replicas,
        shape=f"arch/{arch.key}",
        team=team,
        revisions=rng.choice((1, 2, 2, 3, 4)),
        age_days=rng.uniform(3, 400),
        port=arch.port,
        hpa=(replicas, replicas * 3) if rng.random() < 0.2 else None,
        pdb=replicas > 1 and rng.random() < 0.3,
        config=arch.config_mount,
        manager=rng.choice(("helm", "argocd-controller", "kubectl-client-side-apply")),
        volumes=[{"name": "config", "configMap": {"name": f"{name}-config"}}]
        if arch.config_mount
        else [],
    )


def pick_archetype(rng: random.Random) -> Archetype:
    return ARCHETYPES[rng.randrange(len(ARCHETYPES))]
