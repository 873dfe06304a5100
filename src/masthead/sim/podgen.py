"""Realistic pod objects in bulk (3–5 KB of JSON each, managedFields included) for benchmarks
and large worlds. Deterministic for a given index, so runs are comparable.
"""

from __future__ import annotations

import uuid
from typing import Any

from masthead.sim.fieldsets import field_values
from masthead.sim.store import ObjectStore

IMAGES = (
    "registry.k8s.io/nginx-slim:0.27",
    "docker.io/library/redis:7.2.4",
    "ghcr.io/acme/checkout-api:v3.14.2",
    "quay.io/prometheus/node-exporter:v1.8.1",
    "docker.io/bitnami/postgresql:16.2.0",
)
POD_KEY = ("", "pods")
# Pods per ReplicaSet: consecutive indexes share one (name prefix, pod-template-hash, owner uid,
# labels), as a Deployment's pods do; a generator with one ReplicaSet per pod would measure a
# cluster that does not exist (100k ReplicaSets for 100k pods).
REPLICAS = 4


def pod_namespace(i: int, namespaces: int) -> str:
    """The namespace of pod `i` when spread over `namespaces`: a ReplicaSet's pods share one."""
    return f"ns-{(i // REPLICAS) % namespaces:03d}"


def realistic_pod(
    i: int, namespace: str, node: str, created: str = "2026-11-01T10:00:00Z"
) -> dict[str, Any]:
    group = i // REPLICAS
    app = f"svc-{group % 997}"
    template_hash = f"{(group * 7919) % 100000:05d}f9c"
    rs = f"{app}-{template_hash}"
    name = f"{rs}-{(i * 2654435761) & 0xFFFFF:05x}"  # odd multiplier: distinct in a group
    uid = str(uuid.UUID(int=(i + 1) * 0x9E3779B97F4A7C15 % (1 << 128)))
    image = IMAGES[i % len(IMAGES)]
    ip = f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"
    container = {
        "name": "app",
        "image": image,
        "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
        "env": [
            {"name": "LOG_LEVEL", "value": "info"},
            {
                "name": "POD_NAME",
                "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}},
            },
        ],
        "resources": {
            "limits": {"cpu": "500m", "memory": "512Mi"},
            "requests": {"cpu": "100m", "memory": "128Mi"},
        },
        "volumeMounts": [
            {
                "name": "kube-api-access-x7k2p",
                "readOnly": True,
                "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
            }
        ],
        "livenessProbe": {
            "httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"},
            "timeoutSeconds": 1,
            "periodSeconds": 10,
            "successThreshold": 1,
            "failureThreshold": 3,
        },
        "readinessProbe": {
            "httpGet": {"path": "/ready", "port": 8080, "scheme": "HTTP"},
            "timeoutSeconds": 1,
            "periodSeconds": 5,
            "successThreshold": 1,
            "failureThreshold": 3,
        },
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
        "imagePullPolicy": "IfNotPresent",
    }
    f_container: dict[str, Any] = {
        ".": {},
        "f:env": {".": {}, 'k:{"name":"LOG_LEVEL"}': {".": {}, "f:name": {}, "f:value": {}}},
        "f:image": {},
        "f:imagePullPolicy": {},
        "f:name": {},
        "f:ports": {
            ".": {},
            'k:{"containerPort":8080,"protocol":"TCP"}': {
                ".": {},
                "f:containerPort": {},
                "f:name": {},
                "f:protocol": {},
            },
        },
        "f:resources": {
            ".": {},
            "f:limits": {".": {}, "f:cpu": {}, "f:memory": {}},
            "f:requests": {".": {}, "f:cpu": {}, "f:memory": {}},
        },
        "f:terminationMessagePath": {},
        "f:terminationMessagePolicy": {},
    }
    return {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {
            "name": name,
            "generateName": rs + "-",
            "namespace": namespace,
            "uid": uid,
            "resourceVersion": "1",
            "generation": 1,
            "creationTimestamp": created,
            "labels": {
                "app.kubernetes.io/name": app,
                "pod-template-hash": template_hash,
                "tier": ("web", "api", "worker")[group % 3],
            },
            "annotations": {
                "kubectl.kubernetes.io/restartedAt": created,
                "prometheus.io/scrape": "true",
            },
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": rs,
                    "uid": str(uuid.UUID(int=(group + 7) * 0x51ED27 % (1 << 128))),
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
            "managedFields": [
                {
                    "manager": "kube-controller-manager",
                    "operation": "Update",
                    "apiVersion": "v1",
                    "time": created,
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {
                        "f:metadata": {
                            "f:generateName": {},
                            "f:labels": {
                                ".": {},
                                "f:app.kubernetes.io/name": {},
                                "f:pod-template-hash": {},
                                "f:tier": {},
                            },
                            "f:ownerReferences": {".": {}, f'k:{{"uid":"{uid}"}}': {}},
                        },
                        "f:spec": {
                            "f:containers": {'k:{"name":"app"}': f_container},
                            "f:dnsPolicy": {},
                            "f:enableServiceLinks": {},
                            "f:restartPolicy": {},
                            "f:schedulerName": {},
                            "f:securityContext": {},
                            "f:terminationGracePeriodSeconds": {},
                        },
                    },
                },
                {
                    "manager": "kubelet",
                    "operation": "Update",
                    "apiVersion": "v1",
                    "time": created,
                    "fieldsType": "FieldsV1",
                    "subresource": "status",
                    "fieldsV1": {
                        "f:status": {
                            "f:conditions": {
                                'k:{"type":"Ready"}': {
                                    ".": {},
                                    "f:lastProbeTime": {},
                                    "f:lastTransitionTime": {},
                                    "f:status": {},
                                    "f:type": {},
                                }
                            },
                            "f:containerStatuses": {},
                            "f:hostIP": {},
                            "f:phase": {},
                            "f:podIP": {},
                            "f:podIPs": {".": {}, f'k:{{"ip":"{ip}"}}': {".": {}, "f:ip": {}}},
                            "f:startTime": {},
                        }
                    },
                },
            ],
        },
        "spec": {
            "volumes": [
                {
                    "name": "kube-api-access-x7k2p",
                    "projected": {
                        "sources": [
                            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                            {
                                "configMap": {
                                    "name": "kube-root-ca.crt",
                                    "items": [{"key": "ca.crt", "path": "ca.crt"}],
                                }
                            },
                        ],
                        "defaultMode": 420,
                    },
                }
            ],
            "containers": [container],
            "restartPolicy": "Always",
            "terminationGracePeriodSeconds": 30,
            "dnsPolicy": "ClusterFirst",
            "serviceAccountName": "default",
            "serviceAccount": "default",
            "nodeName": node,
            "securityContext": {},
            "schedulerName": "default-scheduler",
            "tolerations": [
                {
                    "key": "node.kubernetes.io/not-ready",
                    "operator": "Exists",
                    "effect": "NoExecute",
                    "tolerationSeconds": 300,
                },
                {
                    "key": "node.kubernetes.io/unreachable",
                    "operator": "Exists",
                    "effect": "NoExecute",
                    "tolerationSeconds": 300,
                },
            ],
            "priority": 0,
            "enableServiceLinks": True,
            "preemptionPolicy": "PreemptLowerPriority",
        },
        "status": {
            "phase": "Running",
            "conditions": [
                {"type": t, "status": "True", "lastProbeTime": None, "lastTransitionTime": created}
                for t in (
                    "PodReadyToStartContainers",
                    "Initialized",
                    "Ready",
                    "ContainersReady",
                    "PodScheduled",
                )
            ],
            "hostIP": f"192.168.{(i >> 8) & 255}.{i & 255}",
            "hostIPs": [{"ip": f"192.168.{(i >> 8) & 255}.{i & 255}"}],
            "podIP": ip,
            "podIPs": [{"ip": ip}],
            "startTime": created,
            "containerStatuses": [
                {
                    "name": "app",
                    "state": {"running": {"startedAt": created}},
                    "lastState": {},
                    "ready": True,
                    "restartCount": i % 4,
                    "image": image,
                    "imageID": image.split(":")[0] + "@sha256:" + f"{i:064x}"[-64:],
                    "containerID": f"containerd://{uid.replace('-', '')}{i:032x}"[:77],
                    "started": True,
                }
            ],
            "qosClass": "Burstable",
        },
    }


def load_pods(store: ObjectStore, n: int, namespaces: int = 50, nodes: int = 100) -> None:
    """Insert `n` pods straight into storage (no admission): a fast, realistic bulk load."""

    def fields(obj: Any) -> Any:
        return field_values("", "pods", obj)

    for i in range(n):
        store.put(
            POD_KEY, realistic_pod(i, pod_namespace(i, namespaces), f"node-{i % nodes:04d}"), fields
        )
