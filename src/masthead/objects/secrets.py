"""Secret values: hidden in every object read (byte lengths only), decoded on explicit reveal.

A revealed value is UTF-8 text when it decodes as such (and holds no control characters other
than whitespace), else base64 — so binary keys (keystores, images) survive the JSON trip.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from typing import Any

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_WHITESPACE = frozenset("\t\n\r")


def redact_secret(obj: dict[str, Any]) -> None:
    """Values → their byte length; the annotation that repeats them goes."""
    for field in ("data", "stringData"):
        values = obj.get(field)
        if isinstance(values, dict):
            obj[field] = {k: _length(v, field == "data") for k, v in values.items()}
    annotations = (obj.get("metadata") or {}).get("annotations")
    if isinstance(annotations, dict):
        annotations.pop(LAST_APPLIED, None)


def _length(value: Any, b64: bool) -> int:
    if not isinstance(value, str):
        return 0
    if b64:
        try:
            return len(base64.b64decode(value, validate=True))
        except (binascii.Error, ValueError):
            return len(value)
    return len(value.encode())


def revealed_value(raw: bytes) -> dict[str, str]:
    """`{"value", "encoding": "text" | "base64"}` of one decoded value."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and all(c.isprintable() or c in _WHITESPACE for c in text):
        return {"value": text, "encoding": "text"}
    return {"value": base64.b64encode(raw).decode("ascii"), "encoding": "base64"}


class UnknownKeys(KeyError):
    def __init__(self, keys: list[str]) -> None:
        super().__init__(keys)
        self.keys = keys


def reveal(secret: dict[str, Any], keys: Iterable[str] | None = None) -> dict[str, dict[str, str]]:
    """The Secret's values, decoded (all, or `keys`; an unknown key raises `UnknownKeys`)."""
    data = secret.get("data")
    values: dict[str, bytes] = {}
    if isinstance(data, dict):
        for k, v in data.items():
            if isinstance(v, str):
                try:
                    values[k] = base64.b64decode(v, validate=True)
                except (binascii.Error, ValueError):
                    values[k] = v.encode()
    string_data = secret.get("stringData")  # never returned by a server, but tolerated
    if isinstance(string_data, dict):
        for k, v in string_data.items():
            if isinstance(v, str):
                values[k] = v.encode()
    if keys is not None:
        wanted = list(dict.fromkeys(keys))
        missing = [k for k in wanted if k not in values]
        if missing:
            raise UnknownKeys(missing)
        values = {k: values[k] for k in wanted}
    return {k: revealed_value(v) for k, v in values.items()}
