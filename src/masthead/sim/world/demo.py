"""The `demo` scenario's hand-written company: named teams and apps, and one of each failure
a newcomer should see (crash loop, image pull back-off, unschedulable, OOM kills, a failed
CronJob run, a NotReady node, a namespace stuck Terminating, a Pending PVC, Helm releases)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from masthead.sim.world import apps as A
from masthead.sim.world.apps import App, container, log_shipper
from masthead.sim.world.events import core_event, involved
from masthead.sim.world.helm import Release, Revision, release_secrets
from masthead.sim.world.ids import rfc3339

if TYPE_CHECKING:
    from masthead.sim.world.builder import WorldBuilder

NAMESPACES = {
    "ingress-nginx": "platform",
    "cert-manager": "platform",
    "monitoring": "sre",
    "payments": "payments",
    "checkout": "storefront",
    "catalog": "storefront",
    "data": "data",
    "staging": "storefront",
    "platform-tools": "platform",
}
TERMINATING = "legacy-billing"


def _api(ns: str, name: str, image: str, replicas: int, **kw: Any) -> App:
    port = kw.pop("port", 8080)
    c = container(
        kw.pop("cname", "api"),
        image,
        port=port,
        cpu=kw.pop("cpu", "200m"),
        memory=kw.pop("memory", "256Mi"),
        env=kw.pop("env", (("LOG_FORMAT", "json"),)),
        probe_path=kw.pop("probe", "/healthz"),
        config_mount=True,
        env_from=(f"{name}-config", f"{name}-credentials"),
    )
    containers = [c, log_shipper()] if kw.pop("sidecar", False) else [c]
    return App(
        ns,
        name,
        containers,
        replicas=replicas,
        team=NAMESPACES.get(ns, "platform"),
        port=port,
        volumes=[{"name": "config", "configMap": {"name": f"{name}-config"}}],
        **kw,
    )


def demo_apps() -> list[App]:
    return [
        _api(
            "ingress-nginx",
            "ingress-nginx-controller",
            "registry.k8s.io/ingress-nginx/controller:v1.11.3",
            2,
            port=80,
            cname="controller",
            probe="/healthz",
            pdb=True,
            age_days=180,
        ),
        _api(
            "cert-manager",
            "cert-manager",
            "quay.io/jetstack/cert-manager-controller:v1.16.2",
            1,
            port=9402,
            cname="cert-manager-controller",
            probe=None,
            age_days=170,
        ),
        _api(
            "cert-manager",
            "cert-manager-webhook",
            "quay.io/jetstack/cert-manager-webhook:v1.16.2",
            1,
            port=10250,
            cname="cert-manager-webhook",
            probe="/livez",
            age_days=170,
        ),
        _api(
            "monitoring",
            "grafana",
            "docker.io/grafana/grafana:11.3.1",
            1,
            port=3000,
            cname="grafana",
            probe="/api/health",
            ingress_host="grafana.acme.io",
            age_days=160,
        ),
        _api(
            "monitoring",
            "kube-state-metrics",
            "registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.14.0",
            1,
            port=8080,
            cname="kube-state-metrics",
            age_days=160,
        ),
        _api(
            "payments",
            "payments-api",
            "ghcr.io/acme/payments-api:v2.15.0",
            3,
            hpa=(3, 10),
            pdb=True,
            ingress_host="pay.acme.io",
            memory="512Mi",
            sidecar=True,
        ),
        _api(
            "payments",
            "fraud-scorer",
            "ghcr.io/acme/fraud-scorer:v1.9.1",
            2,
            failure=A.CRASH_LOOP,
            cname="scorer",
        ),
        _api(
            "payments",
            "ledger-worker",
            "ghcr.io/acme/ledger-worker:1.5.0",
            2,
            failure=A.OOM_RESTARTS,
            cname="worker",
            port=None,
            memory="512Mi",
        ),
        _api(
            "checkout",
            "checkout-api",
            "ghcr.io/acme/checkout-api:v3.1.4",
            3,
            hpa=(3, 12),
            pdb=True,
            ingress_host="shop.acme.io",
        ),
        _api(
            "checkout",
            "cart-service",
            "ghcr.io/acme/cart-service:v2.0.0",
            3,
            failure=A.IMAGE_PULL,
            revisions=3,
        ),
        _api(
            "checkout",
            "frontend",
            "registry.acme.io/web/frontend:2024.12.1",
            3,
            port=3000,
            cname="web",
            probe="/api/health",
            ingress_host="www.acme.io",
            hpa=(3, 8),
        ),
        _api("catalog", "catalog-api", "ghcr.io/acme/catalog-api:v1.9.0", 2, pdb=True),
        _api(
            "catalog",
            "search-indexer",
            "ghcr.io/acme/search-indexer:1.4.2",
            1,
            failure=A.OOM_NOW,
            cname="indexer",
            port=None,
            memory="1Gi",
        ),
        _api(
            "data",
            "ml-trainer",
            "ghcr.io/acme/ml-trainer:0.8.0",
            1,
            failure=A.PENDING,
            cname="trainer",
            port=None,
            cpu="48",
            memory="192Gi",
        ),
        _api("staging", "checkout-api", "ghcr.io/acme/checkout-api:v3.2.0-rc2", 1),
        _api("staging", "payments-api", "ghcr.io/acme/payments-api:v2.16.0-rc1", 1),
        _api(
            "platform-tools",
            "argocd-server",
            "quay.io/argoproj/argocd:v2.13.2",
            1,
            cname="argocd-server",
            probe="/healthz",
            ingress_host="argocd.acme.io",
        ),
        _api("team-a", "todo-api", "ghcr.io/acme/todo-api:v0.4.1", 2),
        _api(
            "team-b", "wiki", "docker.io/library/nginx:1.27.3", 1, port=80, cname="nginx", probe="/"
        ),
        _api(
            "team-c", "sandbox", "docker.io/library/python:3.12-slim", 1, port=None, cname="shell"
        ),
    ]


def stateful_apps() -> list[App]:
    pg = container(
        "postgres",
        "docker.io/bitnami/postgresql:16.4.0-debian-12-r14",
        port=5432,
        cpu="500m",
        memory="1Gi",
        probe_path=None,
        env=(("POSTGRESQL_DATABASE", "acme"),),
    )
    redis = container(
        "redis",
        "docker.io/bitnami/redis:7.4.1-debian-12-r0",
        port=6379,
        cpu="100m",
        memory="256Mi",
        probe_path=None,
    )
    prom = container(
        "prometheus",
        "quay.io/prometheus/prometheus:v2.55.1",
        port=9090,
        cpu="500m",
        memory="2Gi",
        probe_path="/-/ready",
    )
    return [
        App(
            "data",
            "postgres",
            [pg],
            replicas=3,
            kind="StatefulSet",
            port=5432,
            revisions=1,
            age_days=150,
            storage="100Gi",
            config=False,
            team="data",
        ),
        App(
            "catalog",
            "redis-master",
            [redis],
            replicas=1,
            kind="StatefulSet",
            port=6379,
            revisions=1,
            age_days=90,
            storage="8Gi",
            config=False,
            team="storefront",
            manager="helm",
        ),
        App(
            "monitoring",
            "prometheus",
            [prom],
            replicas=1,
            kind="StatefulSet",
            port=9090,
            revisions=1,
            age_days=160,
            storage="50Gi",
            config=False,
            team="sre",
        ),
    ]


def helm_releases(b: WorldBuilder) -> list[Release]:
    day = 86400
    nginx_manifest = (
        "---\n# Source: ingress-nginx/templates/controller-serviceaccount.yaml\napiVersion: v1\n"
        "kind: ServiceAccount\nmetadata:\n  name: ingress-nginx\n  namespace: ingress-nginx\n"
        "---\n# Source: ingress-nginx/templates/controller-deployment.yaml\napiVersion: apps/v1\n"
        "kind: Deployment\nmetadata:\n  name: ingress-nginx-controller\n"
        "  namespace: ingress-nginx\nspec:\n  replicas: 2\n  template:\n    spec:\n"
        "      containers:\n        - name: controller\n"
        "          image: registry.k8s.io/ingress-nginx/controller:v{app_version}\n"
    )
    redis_manifest = (
        "---\n# Source: redis/templates/master/application.yaml\napiVersion: apps/v1\n"
        "kind: StatefulSet\nmetadata:\n  name: redis-master\n  namespace: catalog\nspec:\n"
        "  replicas: 1\n  template:\n    spec:\n      containers:\n        - name: redis\n"
        "          image: docker.io/bitnami/redis:{app_version}-debian-12-r0\n"
    )
    return [
        Release(
            "ingress-nginx",
            "ingress-nginx",
            "ingress-nginx",
            "Ingress controller for Kubernetes using NGINX as a reverse proxy and load balancer",
            {
                "controller": {
                    "replicaCount": 1,
                    "image": {"registry": "registry.k8s.io"},
                    "service": {"type": "LoadBalancer"},
                }
            },
            nginx_manifest,
            "The ingress-nginx controller has been installed.\nIt may take a few minutes for the "
            "load balancer IP to be available.\n",
            (
                Revision(
                    1,
                    "superseded",
                    b.ago(180 * day),
                    "Install complete",
                    "4.10.1",
                    "1.10.1",
                    {"controller": {"replicaCount": 2}},
                ),
                Revision(
                    2,
                    "deployed",
                    b.ago(40 * day),
                    "Upgrade complete",
                    "4.11.3",
                    "1.11.3",
                    {"controller": {"replicaCount": 2, "metrics": {"enabled": True}}},
                ),
            ),
        ),
        Release(
            "redis",
            "catalog",
            "redis",
            "Redis(R) is an open source, advanced key-value store.",
            {"architecture": "replication", "auth": {"enabled": True}, "master": {"count": 1}},
            redis_manifest,
            "** Please be patient while the chart is being deployed **\n",
            (
                Revision(
                    1,
                    "superseded",
                    b.ago(90 * day),
                    "Install complete",
                    "19.6.4",
                    "7.2.5",
                    {"architecture": "standalone"},
                ),
                Revision(
                    2,
                    "failed",
                    b.ago(9 * day),
                    'Upgrade "redis" failed: context deadline exceeded',
                    "20.3.0",
                    "7.4.1",
                    {"architecture": "standalone", "master": {"persistence": {"size": "2Gi"}}},
                ),
                Revision(
                    3,
                    "deployed",
                    b.ago(8 * day),
                    "Upgrade complete",
                    "20.3.0",
                    "7.4.1",
                    {"architecture": "standalone", "master": {"persistence": {"size": "8Gi"}}},
                ),
            ),
        ),
    ]


def build_demo(b: WorldBuilder) -> None:
    for ns, team in NAMESPACES.items():
        b.ensure_namespace(ns, {"team": team})
    for ns in ("team-a", "team-b", "team-c"):
        b.ensure_namespace(ns, {"team": "growth"})
    b.curated_ns = [ns for ns in NAMESPACES if ns not in ("ingress-nginx", "cert-manager")]
    for app in demo_apps():
        b.ensure_namespace(app.namespace)
        b.app(app)
    for app in stateful_apps():
        b.app(app)
    # A claim that cannot be provisioned: its StorageClass does not exist.
    b.volume(
        "data", "exports-scratch", "500Gi", b.ago(7200), storage_class="premium-rwx", bound=False
    )
    pvc_uid = b.ids.uid("PersistentVolumeClaim", "data", "exports-scratch")
    b.event(
        core_event(
            b.ids,
            "data",
            involved("PersistentVolumeClaim", "data", "exports-scratch", pvc_uid, "v1"),
            "ProvisioningFailed",
            'storageclass.storage.k8s.io "premium-rwx" not found',
            first=b.ago(7200),
            last=b.ago(15),
            count=481,
            warning=True,
            component="persistentvolume-controller",
        )
    )
    b.cronjob(
        "data",
        "nightly-backup",
        "0 2 * * *",
        "ghcr.io/acme/pg-backup:2.3.0",
        ["ok", "ok", "ok"],
        every=86400,
    )
    b.cronjob(
        "payments",
        "reconcile",
        "*/30 * * * *",
        "ghcr.io/acme/reconciler:1.1.0",
        ["ok", "error", "ok"],
        every=1800,
    )
    c = container(
        "import",
        "ghcr.io/acme/etl-import:3.0.2",
        port=None,
        cpu="500m",
        memory="512Mi",
        limit_factor=1,
        probe_path=None,
    )
    b.job(
        "data",
        "etl-import-2024-q4",
        {
            "metadata": {"labels": {"app.kubernetes.io/name": "etl-import"}},
            "spec": {
                "backoffLimit": 0,
                "template": {
                    "metadata": {"labels": {"app.kubernetes.io/name": "etl-import"}},
                    "spec": {"containers": [c], "restartPolicy": "Never"},
                },
            },
        },
        None,
        b.ago(5400),
        "oom",
    )
    for rel in helm_releases(b):
        for secret in release_secrets(b.ids, rel):
            b.put("", "secrets", secret)
    _terminating_namespace(b)


def _terminating_namespace(b: WorldBuilder) -> None:
    """A namespace deleted 2 days ago, held by a Certificate whose controller finalizer nobody
    removes (the CRD step adds the Certificate, see WorldBuilder._crds)."""
    name = TERMINATING
    created = b.ago(86400 * 400)
    deleted = rfc3339(b.ago(86400 * 2))
    t = rfc3339(b.ago(86400 * 2 - 5))
    b.namespace(name, {"team": "payments"}, content=False)
    ns = b.registry.get(b.info("", "namespaces"), "", name)
    ns["metadata"]["deletionTimestamp"] = deleted
    ns["metadata"]["creationTimestamp"] = rfc3339(created)
    ns["status"] = {
        "phase": "Terminating",
        "conditions": [
            {
                "type": "NamespaceDeletionDiscoveryFailure",
                "status": "False",
                "lastTransitionTime": t,
                "reason": "ResourcesDiscovered",
                "message": "All resources successfully discovered",
            },
            {
                "type": "NamespaceDeletionGroupVersionParsingFailure",
                "status": "False",
                "lastTransitionTime": t,
                "reason": "ParsedGroupVersions",
                "message": "All legacy kube types successfully parsed",
            },
            {
                "type": "NamespaceDeletionContentFailure",
                "status": "False",
                "lastTransitionTime": t,
                "reason": "ContentDeleted",
                "message": "All content successfully deleted, may be waiting on finalization",
            },
            {
                "type": "NamespaceContentRemaining",
                "status": "True",
                "lastTransitionTime": t,
                "reason": "SomeResourcesRemain",
                "message": "Some resources are remaining: certificates.cert-manager.io has 1 "
                "resource instances",
            },
            {
                "type": "NamespaceFinalizersRemaining",
                "status": "True",
                "lastTransitionTime": t,
                "reason": "SomeFinalizersRemain",
                "message": "Some content in the namespace has finalizers remaining: "
                "finalizer.acme.io/certificate-cleanup in 1 resource instances",
            },
        ],
    }
    b.registry.put_prepared(b.info("", "namespaces"), ns)
    b.terminating.add(name)
