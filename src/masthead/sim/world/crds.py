"""CustomResourceDefinitions (real-world ones from cert-manager, prometheus-operator, Argo
Rollouts, external-dns, then synthetic ones) and custom resources of them."""

from __future__ import annotations

from typing import Any

from masthead.sim.world.catalogue import KNOWN_CRDS, CrdSpec
from masthead.sim.world.ids import rfc3339


def crd_specs(n: int) -> list[CrdSpec]:
    out = list(KNOWN_CRDS[:n])
    for i in range(len(out), n):
        kind = f"Widget{i}"
        out.append(
            CrdSpec(
                "platform.acme.io",
                kind,
                f"widget{i}s",
                f"widget{i}",
                version="v1beta1",
                columns=(("Phase", "string", ".status.phase"),),
            )
        )
    return out


def crd_object(spec: CrdSpec, uid: str, created: float) -> dict[str, Any]:
    open_object = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    names: dict[str, Any] = {
        "plural": spec.plural,
        "singular": spec.singular,
        "kind": spec.kind,
        "listKind": f"{spec.kind}List",
    }
    if spec.short:
        names["shortNames"] = list(spec.short)
    if spec.categories:
        names["categories"] = list(spec.categories)
    version: dict[str, Any] = {
        "name": spec.version,
        "served": True,
        "storage": True,
        "schema": {
            "openAPIV3Schema": {
                "type": "object",
                "description": f"{spec.kind} is the Schema for the {spec.plural} API.",
                "properties": {
                    "apiVersion": {"type": "string"},
                    "kind": {"type": "string"},
                    "metadata": {"type": "object"},
                    "spec": open_object,
                    "status": open_object,
                },
            }
        },
        "subresources": {"status": {}},
    }
    if spec.columns:
        version["additionalPrinterColumns"] = [
            {"name": n, "type": t, "jsonPath": p} for n, t, p in spec.columns
        ] + [{"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}]
    return {
        "kind": "CustomResourceDefinition",
        "apiVersion": "apiextensions.k8s.io/v1",
        "metadata": {
            "name": f"{spec.plural}.{spec.group}",
            "uid": uid,
            "generation": 1,
            "creationTimestamp": rfc3339(created),
            "labels": {"app.kubernetes.io/managed-by": "Helm"},
            "annotations": {"controller-gen.kubebuilder.io/version": "v0.16.5"},
        },
        "spec": {
            "group": spec.group,
            "names": names,
            "scope": "Namespaced" if spec.namespaced else "Cluster",
            "versions": [version],
            "conversion": {"strategy": "None"},
        },
        "status": {"acceptedNames": {"plural": "", "kind": ""}, "storedVersions": [spec.version]},
    }


def custom_resource(
    spec: CrdSpec, namespace: str, name: str, uid: str, created: float, app: str, ready: bool
) -> dict[str, Any]:
    ts = rfc3339(created)
    body: dict[str, Any]
    status: dict[str, Any]
    if spec.kind == "Certificate":
        body = {
            "secretName": f"{name}-tls",
            "dnsNames": [f"{app}.acme.io"],
            "issuerRef": {"kind": "ClusterIssuer", "name": "letsencrypt-prod"},
            "privateKey": {"algorithm": "ECDSA", "rotationPolicy": "Always"},
        }
        cond = {
            "type": "Ready",
            "status": "True" if ready else "False",
            "lastTransitionTime": ts,
            "observedGeneration": 1,
            "reason": "Ready" if ready else "DoesNotExist",
            "message": "Certificate is up to date and has not expired"
            if ready
            else "Issuing certificate as Secret does not exist",
        }
        status = {"conditions": [cond]}
        if ready:
            status["notAfter"] = rfc3339(created + 90 * 86400)
            status["renewalTime"] = rfc3339(created + 60 * 86400)
    elif spec.kind == "ServiceMonitor":
        body = {
            "selector": {"matchLabels": {"app.kubernetes.io/name": app}},
            "endpoints": [{"port": "http", "path": "/metrics", "interval": "30s"}],
        }
        status = {}
    elif spec.kind == "Rollout":
        body = {"replicas": 3, "strategy": {"canary": {"steps": [{"setWeight": 20}]}}}
        status = {"replicas": 3, "phase": "Healthy" if ready else "Degraded"}
    elif spec.kind == "DNSEndpoint":
        body = {
            "endpoints": [
                {"dnsName": f"{app}.acme.io", "recordType": "A", "targets": ["203.0.113.10"]}
            ]
        }
        status = {"observedGeneration": 1}
    else:
        body = {"size": "medium", "owner": app}
        status = {"phase": "Ready" if ready else "Provisioning"}
    obj: dict[str, Any] = {
        "apiVersion": f"{spec.group}/{spec.version}",
        "kind": spec.kind,
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": uid,
            "generation": 1,
            "creationTimestamp": ts,
            "labels": {"app.kubernetes.io/name": app},
        },
        "spec": body,
    }
    if status:
        obj["status"] = status
    return obj
