"""Helm v3 release Secrets exactly as Helm's Secret driver stores them (kubernetes-api.md §10):
`sh.helm.release.v1.<name>.v<rev>`, type helm.sh/release.v1, system labels, and
data.release = base64(gzip(JSON(release))) (which the API base64-encodes once more)."""

from __future__ import annotations

import base64
import gzip
from dataclasses import dataclass
from typing import Any

import orjson

from masthead.sim.world.ids import Ids, rfc3339

ZERO_TIME = "0001-01-01T00:00:00Z"


@dataclass(frozen=True)
class Revision:
    version: int
    status: str  # deployed | superseded | failed | ...
    deployed_at: float
    description: str
    chart_version: str
    app_version: str
    config: dict[str, Any]


@dataclass(frozen=True)
class Release:
    name: str
    namespace: str
    chart: str
    chart_description: str
    values: dict[str, Any]  # the chart's default values
    manifest: str  # rendered manifest (`{rev}` replaced by the revision's app version)
    notes: str
    revisions: tuple[Revision, ...]


def encode_release(doc: dict[str, Any]) -> str:
    """Helm's encodeRelease: JSON, gzip (mtime 0, like Go's writer), base64."""
    return base64.b64encode(gzip.compress(orjson.dumps(doc), compresslevel=9, mtime=0)).decode()


def decode_release(data_value: str) -> dict[str, Any]:
    """What a reader of the raw API does with `data.release` (both base64 layers, gunzip)."""
    inner = base64.b64decode(base64.b64decode(data_value))
    if inner[:3] == b"\x1f\x8b\x08":
        inner = gzip.decompress(inner)
    out: dict[str, Any] = orjson.loads(inner)
    return out


def release_doc(rel: Release, rev: Revision) -> dict[str, Any]:
    first = rel.revisions[0].deployed_at
    manifest = rel.manifest.replace("{app_version}", rev.app_version)
    return {
        "name": rel.name,
        "info": {
            "first_deployed": rfc3339(first),
            "last_deployed": rfc3339(rev.deployed_at),
            "deleted": ZERO_TIME,
            "description": rev.description,
            "status": rev.status,
            "notes": rel.notes,
        },
        "chart": {
            "metadata": {
                "name": rel.chart,
                "version": rev.chart_version,
                "description": rel.chart_description,
                "apiVersion": "v2",
                "appVersion": rev.app_version,
                "type": "application",
            },
            "lock": None,
            "templates": [
                {
                    "name": "templates/deployment.yaml",
                    "data": base64.b64encode(manifest.encode()).decode(),
                },
                {
                    "name": "templates/NOTES.txt",
                    "data": base64.b64encode(rel.notes.encode()).decode(),
                },
            ],
            "values": rel.values,
            "schema": None,
            "files": [
                {
                    "name": "README.md",
                    "data": base64.b64encode(f"# {rel.chart}\n".encode()).decode(),
                }
            ],
        },
        "config": rev.config,
        "manifest": manifest,
        "version": rev.version,
        "namespace": rel.namespace,
    }


def release_secrets(ids: Ids, rel: Release) -> list[dict[str, Any]]:
    out = []
    for rev in rel.revisions:
        name = f"sh.helm.release.v1.{rel.name}.v{rev.version}"
        payload = encode_release(release_doc(rel, rev))
        ts = rfc3339(rev.deployed_at)
        labels = {
            "modifiedAt": str(int(rev.deployed_at + 40)),
            "name": rel.name,
            "owner": "helm",
            "status": rev.status,
            "version": str(rev.version),
            "createdAt": str(int(rev.deployed_at)),
        }
        out.append(
            {
                "kind": "Secret",
                "apiVersion": "v1",
                "metadata": {
                    "name": name,
                    "namespace": rel.namespace,
                    "uid": ids.uid("Secret", rel.namespace, name),
                    "creationTimestamp": ts,
                    "labels": dict(sorted(labels.items())),
                    "managedFields": [
                        {
                            "manager": "helm",
                            "operation": "Update",
                            "apiVersion": "v1",
                            "time": rfc3339(rev.deployed_at + 40),
                            "fieldsType": "FieldsV1",
                            "fieldsV1": {
                                "f:data": {".": {}, "f:release": {}},
                                "f:metadata": {
                                    "f:labels": {
                                        ".": {},
                                        **{f"f:{k}": {} for k in sorted(labels)},
                                    }
                                },
                                "f:type": {},
                            },
                        }
                    ],
                },
                # The Kubernetes layer of base64 on top of Helm's own.
                "data": {"release": base64.b64encode(payload.encode()).decode()},
                "type": "helm.sh/release.v1",
            }
        )
    return out
