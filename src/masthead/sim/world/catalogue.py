"""Realistic names, images, labels and resource sizes for generated worlds.

Archetypes fix a workload's *shape* (containers, ports, env names, probes): pods of one shape
share their managedFields structure, which the builder computes once per shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Archetype:
    key: str
    image: str  # repository without tag; the tag is chosen per workload
    tags: tuple[str, ...]
    port: int | None
    cpu: tuple[str, ...]  # request choices
    memory: tuple[str, ...]
    limit_factor: int = 2
    env: tuple[tuple[str, str], ...] = ()
    command: tuple[str, ...] = ()
    probe_path: str | None = "/healthz"
    tier: str = "backend"
    sidecar: bool = False  # adds a log-shipper sidecar container
    config_mount: bool = True


ARCHETYPES: tuple[Archetype, ...] = (
    Archetype(
        "java-api",
        "ghcr.io/acme/{app}",
        ("v2.14.3", "v2.15.0", "v3.0.1", "v3.1.4"),
        8080,
        ("250m", "500m"),
        ("768Mi", "1Gi"),
        env=(("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=75"), ("SPRING_PROFILES_ACTIVE", "prod")),
        probe_path="/actuator/health",
    ),
    Archetype(
        "go-api",
        "ghcr.io/acme/{app}",
        ("v1.8.2", "v1.9.0", "v1.9.1", "v2.0.0"),
        8080,
        ("50m", "100m", "200m"),
        ("64Mi", "128Mi", "256Mi"),
        env=(("LOG_FORMAT", "json"), ("GOMAXPROCS", "2")),
    ),
    Archetype(
        "node-web",
        "registry.acme.io/web/{app}",
        ("2024.11.3", "2024.12.1", "2025.01.7"),
        3000,
        ("100m", "200m"),
        ("256Mi", "512Mi"),
        env=(("NODE_ENV", "production"), ("PORT", "3000")),
        probe_path="/api/health",
        tier="frontend",
    ),
    Archetype(
        "python-worker",
        "ghcr.io/acme/{app}",
        ("1.4.0", "1.4.2", "1.5.0"),
        None,
        ("100m", "250m", "500m"),
        ("256Mi", "512Mi", "1Gi"),
        env=(("CELERY_CONCURRENCY", "4"), ("PYTHONUNBUFFERED", "1")),
        command=("celery", "-A", "app", "worker", "--loglevel=INFO"),
        probe_path=None,
        tier="worker",
    ),
    Archetype(
        "nginx",
        "docker.io/library/nginx",
        ("1.25.4-alpine", "1.27.2-alpine", "1.27.3"),
        80,
        ("50m", "100m"),
        ("64Mi", "128Mi"),
        probe_path="/",
        tier="frontend",
    ),
    Archetype(
        "redis",
        "docker.io/bitnami/redis",
        ("7.2.4-debian-12-r9", "7.4.1-debian-12-r0"),
        6379,
        ("100m", "250m"),
        ("128Mi", "256Mi"),
        env=(("ALLOW_EMPTY_PASSWORD", "no"),),
        probe_path=None,
        tier="cache",
        config_mount=False,
    ),
    Archetype(
        "rust-gateway",
        "ghcr.io/acme/{app}",
        ("0.31.0", "0.32.2"),
        9000,
        ("100m", "200m"),
        ("64Mi", "128Mi"),
        env=(("RUST_LOG", "info"),),
        probe_path="/ready",
        tier="edge",
        sidecar=True,
    ),
)

APP_WORDS = (
    "checkout",
    "cart",
    "catalog",
    "search",
    "payments",
    "billing",
    "invoices",
    "ledger",
    "accounts",
    "auth",
    "sessions",
    "profile",
    "notifications",
    "mailer",
    "sms",
    "webhooks",
    "orders",
    "shipping",
    "inventory",
    "pricing",
    "recommendations",
    "reviews",
    "media",
    "thumbnails",
    "exports",
    "reports",
    "analytics",
    "events",
    "audit",
    "gateway",
    "frontend",
    "admin",
    "scheduler",
    "fraud",
    "risk",
    "kyc",
    "ledger-sync",
    "feature-flags",
    "geo",
    "currency",
    "tax",
    "coupons",
    "loyalty",
    "support",
    "chat",
    "status",
    "docs",
)
APP_SUFFIXES = ("api", "worker", "web", "consumer", "service", "sync", "gateway", "cache")
TEAMS = (
    "payments",
    "growth",
    "platform",
    "data",
    "identity",
    "storefront",
    "fulfilment",
    "sre",
)
ENVIRONMENTS = ("prod", "staging", "dev", "qa")

ZONES = ("eu-west-1a", "eu-west-1b", "eu-west-1c")


@dataclass(frozen=True)
class InstanceType:
    name: str
    cpu: int
    memory_gi: int
    pods: int = 110


INSTANCE_TYPES = (
    InstanceType("m6i.2xlarge", 8, 32),
    InstanceType("m6i.4xlarge", 16, 64),
    InstanceType("r6i.2xlarge", 8, 64),
    InstanceType("c6i.4xlarge", 16, 32),
)
CONTROL_PLANE_TYPE = InstanceType("m6i.xlarge", 4, 16)

KUBELET_VERSION = "v1.31.4"
CONTAINERD_VERSION = "containerd://1.7.23"
KERNEL = "6.1.119-129.201.amzn2023.x86_64"
OS_IMAGE = "Amazon Linux 2023.6.20241212"

# Images a node typically has pulled (shown in node.status.images).
NODE_IMAGES = (
    ("registry.k8s.io/kube-proxy", "v1.31.4", 30_212_224),
    ("docker.io/calico/node", "v3.28.2", 118_734_811),
    ("docker.io/calico/cni", "v3.28.2", 94_530_112),
    ("quay.io/prometheus/node-exporter", "v1.8.2", 12_133_459),
    ("registry.k8s.io/coredns/coredns", "v1.11.3", 18_562_039),
    ("registry.k8s.io/pause", "3.10", 320_368),
    ("docker.io/library/nginx", "1.27.3", 72_955_450),
    ("docker.io/bitnami/redis", "7.4.1-debian-12-r0", 45_100_201),
    ("ghcr.io/acme/checkout-api", "v3.1.4", 212_554_991),
    ("ghcr.io/acme/payments-api", "v2.15.0", 198_211_004),
    ("registry.acme.io/web/frontend", "2024.12.1", 88_101_456),
    ("docker.io/fluent/fluent-bit", "3.1.9", 36_877_125),
)


@dataclass(frozen=True)
class CrdSpec:
    group: str
    kind: str
    plural: str
    singular: str
    short: tuple[str, ...] = ()
    namespaced: bool = True
    version: str = "v1"
    columns: tuple[tuple[str, str, str], ...] = ()  # (name, type, jsonPath)
    categories: tuple[str, ...] = field(default=())


KNOWN_CRDS = (
    CrdSpec(
        "cert-manager.io",
        "Certificate",
        "certificates",
        "certificate",
        ("cert", "certs"),
        columns=(
            ("Ready", "string", '.status.conditions[?(@.type=="Ready")].status'),
            ("Secret", "string", ".spec.secretName"),
        ),
        categories=("cert-manager",),
    ),
    CrdSpec(
        "monitoring.coreos.com",
        "ServiceMonitor",
        "servicemonitors",
        "servicemonitor",
        ("smon",),
        categories=("prometheus-operator",),
    ),
    CrdSpec(
        "argoproj.io",
        "Rollout",
        "rollouts",
        "rollout",
        ("ro",),
        version="v1alpha1",
        columns=(
            ("Desired", "integer", ".spec.replicas"),
            ("Current", "integer", ".status.replicas"),
        ),
    ),
    CrdSpec(
        "externaldns.k8s.io",
        "DNSEndpoint",
        "dnsendpoints",
        "dnsendpoint",
        version="v1alpha1",
    ),
)

# A kube-root-ca.crt body of realistic size (a self-signed CA certificate, not a real key).
ROOT_CA_PEM = (
    "-----BEGIN CERTIFICATE-----\n"
    + "\n".join(
        ("MIIDBTCCAe2gAwIBAgIIQ0hZs2q3d1EwDQYJKoZIhvcNAQELBQAwFTETMBEGA1UE" * 17)[i : i + 64]
        for i in range(0, 17 * 64, 64)
    )
    + "\n-----END CERTIFICATE-----\n"
)
