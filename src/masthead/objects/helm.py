"""Helm v3 release Secrets (kubernetes-api.md §10): decode `data.release` — the API's base64,
Helm's base64, gzip (when it starts with 1f 8b 08), JSON — and summarise the release.

Decompression is bounded: a payload that inflates past `max_bytes` stops there and raises
`ReleaseTooLarge` (a Secret holds at most ~1 MiB, but gzip can inflate it a thousandfold).
"""

from __future__ import annotations

import base64
import binascii
import zlib
from collections.abc import Iterable
from typing import Any

import orjson

RELEASE_TYPE = "helm.sh/release.v1"
MAX_RELEASE_BYTES = 32 * 1024 * 1024
_GZIP = b"\x1f\x8b\x08"
_CHUNK = 256 * 1024


class ReleaseError(ValueError):
    """The Secret is not a decodable Helm release."""


class ReleaseTooLarge(ReleaseError):
    pass


def is_release(secret: dict[str, Any]) -> bool:
    return secret.get("type") == RELEASE_TYPE


def _gunzip(data: bytes, max_bytes: int) -> bytes:
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = bytearray()
    pending = data
    while pending:
        out += d.decompress(pending, _CHUNK)
        if len(out) > max_bytes:
            raise ReleaseTooLarge(f"the release inflates past {max_bytes} bytes")
        pending = d.unconsumed_tail
    out += d.flush()
    if len(out) > max_bytes:
        raise ReleaseTooLarge(f"the release inflates past {max_bytes} bytes")
    return bytes(out)


def decode_release(secret: dict[str, Any], max_bytes: int = MAX_RELEASE_BYTES) -> dict[str, Any]:
    """The release JSON of a `helm.sh/release.v1` Secret as read from the API."""
    if not is_release(secret):
        raise ReleaseError(f"not a Helm release: type is {secret.get('type')!r}")
    value = (secret.get("data") or {}).get("release")
    if not isinstance(value, str) or not value:
        raise ReleaseError("the Secret has no data.release")
    try:
        inner = base64.b64decode(base64.b64decode(value, validate=True), validate=True)
    except (binascii.Error, ValueError) as e:
        raise ReleaseError(f"data.release is not base64 of base64: {e}") from None
    try:
        raw = _gunzip(inner, max_bytes) if inner[:3] == _GZIP else inner
    except zlib.error as e:
        raise ReleaseError(f"data.release does not gunzip: {e}") from None
    if len(raw) > max_bytes:
        raise ReleaseTooLarge(f"the release is larger than {max_bytes} bytes")
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError as e:
        raise ReleaseError(f"the release is not JSON: {e}") from None
    if not isinstance(doc, dict):
        raise ReleaseError("the release is not a JSON object")
    return doc


def _meta(doc: dict[str, Any]) -> dict[str, Any]:
    chart = doc.get("chart") or {}
    meta = chart.get("metadata") if isinstance(chart, dict) else None
    return meta if isinstance(meta, dict) else {}


def _info(doc: dict[str, Any]) -> dict[str, Any]:
    info = doc.get("info")
    return info if isinstance(info, dict) else {}


def revision_of(doc: dict[str, Any]) -> dict[str, Any]:
    """One line of `helm history`."""
    meta, info = _meta(doc), _info(doc)
    name, version = meta.get("name", ""), meta.get("version", "")
    return {
        "revision": doc.get("version"),
        "status": info.get("status", ""),
        "updated": info.get("last_deployed"),
        "description": info.get("description", ""),
        "chart": f"{name}-{version}" if name else "",
        "appVersion": meta.get("appVersion", ""),
    }


def release_summary(doc: dict[str, Any], others: Iterable[dict[str, Any]] = ()) -> dict[str, Any]:
    """What the helm view shows of `doc`; `others`: every revision's release (any order, `doc`
    itself may be among them), listed newest first."""
    meta, info = _meta(doc), _info(doc)
    chart = doc.get("chart") if isinstance(doc.get("chart"), dict) else {}
    by_revision = {d.get("version"): revision_of(d) for d in (*others, doc)}
    revisions = sorted(by_revision.values(), key=lambda r: _int(r["revision"]), reverse=True)
    return {
        "name": doc.get("name", ""),
        "namespace": doc.get("namespace", ""),
        "chart": {
            "name": meta.get("name", ""),
            "version": meta.get("version", ""),
            "appVersion": meta.get("appVersion", ""),
            "description": meta.get("description", ""),
        },
        "status": info.get("status", ""),
        "revision": doc.get("version"),
        "firstDeployed": info.get("first_deployed"),
        "lastDeployed": info.get("last_deployed"),
        "revisions": revisions,
        "manifest": doc.get("manifest", ""),
        "values": doc.get("config") or {},
        "defaultValues": (chart or {}).get("values") or {},
        "notes": info.get("notes", ""),
    }


def _int(v: Any) -> int:
    return v if isinstance(v, int) else -1


def latest_releases(rows: Iterable[Any]) -> list[dict[str, Any]]:
    """`helm list -A` from Secret rows (no decoding: the system labels say it all): the highest
    `version` per (namespace, release name), sorted by namespace and name."""
    best: dict[tuple[str, str], tuple[int, Any]] = {}
    for row in rows:
        labels = row.labels
        if getattr(row, "type", "") != RELEASE_TYPE or labels.get("owner") != "helm":
            continue
        try:
            version = int(labels.get("version", ""))
        except ValueError:
            continue
        key = (row.namespace, labels.get("name", ""))
        if key[1] and (key not in best or version > best[key][0]):
            best[key] = (version, row)
    out = []
    for (namespace, name), (version, row) in sorted(best.items()):
        modified = row.labels.get("modifiedAt") or row.labels.get("createdAt")
        out.append(
            {
                "name": name,
                "namespace": namespace,
                "revision": version,
                "status": row.labels.get("status", ""),
                "updated": int(modified) if modified and modified.isdigit() else None,
                "secret": row.name,
            }
        )
    return out
