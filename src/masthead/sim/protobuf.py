"""Decode the Kubernetes protobuf request bodies that kubectl's typed clients send.

kubectl's typed-client commands (`kubectl auth can-i`, `kubectl auth can-i --list`) POST review
objects as `application/vnd.kubernetes.protobuf`. The simulator only decodes protobuf for the
authorization review kinds below (SelfSubjectAccessReview, SelfSubjectRulesReview,
SubjectAccessReview, LocalSubjectAccessReview); any other kind is answered 415. Responses stay
JSON: clients decode by the response Content-Type.

The body is the apimachinery envelope: the magic `k8s\\x00`, then a `runtime.Unknown` message
(k8s.io/apimachinery/pkg/runtime/generated.proto):

    message Unknown   { TypeMeta typeMeta = 1; bytes raw = 2;
                        string contentEncoding = 3; string contentType = 4; }
    message TypeMeta  { string apiVersion = 1; string kind = 2; }

`raw` holds the object itself, decoded here with a small wire-format reader and the field numbers
of k8s.io/api/authorization/v1/generated.proto (and ObjectMeta's first fields from
k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto). Unknown fields are skipped; empty strings
are omitted, as Go's `omitempty` JSON would.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from masthead.sim import errors

MAGIC = b"k8s\x00"

# Wire types.
_VARINT, _I64, _LEN, _I32 = 0, 1, 2, 5


class _Field:
    """One message field: its JSON name; a nested table for messages, else a string."""

    __slots__ = ("json", "message", "repeated")

    def __init__(self, json: str, message: _Table | None = None, *, repeated: bool = False) -> None:
        self.json = json
        self.message = message
        self.repeated = repeated


_Table = dict[int, _Field]

OBJECT_META: _Table = {1: _Field("name"), 2: _Field("generateName"), 3: _Field("namespace")}
# 8 fieldSelector and 9 labelSelector are not decoded.
RESOURCE_ATTRIBUTES: _Table = {
    1: _Field("namespace"),
    2: _Field("verb"),
    3: _Field("group"),
    4: _Field("version"),
    5: _Field("resource"),
    6: _Field("subresource"),
    7: _Field("name"),
}
NON_RESOURCE_ATTRIBUTES: _Table = {1: _Field("path"), 2: _Field("verb")}
SELF_SUBJECT_ACCESS_REVIEW_SPEC: _Table = {
    1: _Field("resourceAttributes", RESOURCE_ATTRIBUTES),
    2: _Field("nonResourceAttributes", NON_RESOURCE_ATTRIBUTES),
}
# 5 extra (map<string, ExtraValue>) is not decoded.
SUBJECT_ACCESS_REVIEW_SPEC: _Table = {
    1: _Field("resourceAttributes", RESOURCE_ATTRIBUTES),
    2: _Field("nonResourceAttributes", NON_RESOURCE_ATTRIBUTES),
    3: _Field("user"),
    4: _Field("groups", repeated=True),
    6: _Field("uid"),
}
SELF_SUBJECT_RULES_REVIEW_SPEC: _Table = {1: _Field("namespace")}

# Status (field 3) is server-filled; requests carry none worth reading.
KINDS: dict[str, _Table] = {
    "SelfSubjectAccessReview": {
        1: _Field("metadata", OBJECT_META),
        2: _Field("spec", SELF_SUBJECT_ACCESS_REVIEW_SPEC),
    },
    "SelfSubjectRulesReview": {
        1: _Field("metadata", OBJECT_META),
        2: _Field("spec", SELF_SUBJECT_RULES_REVIEW_SPEC),
    },
    "SubjectAccessReview": {
        1: _Field("metadata", OBJECT_META),
        2: _Field("spec", SUBJECT_ACCESS_REVIEW_SPEC),
    },
    "LocalSubjectAccessReview": {
        1: _Field("metadata", OBJECT_META),
        2: _Field("spec", SUBJECT_ACCESS_REVIEW_SPEC),
    },
}

_UNKNOWN: _Table = {
    1: _Field("typeMeta", {1: _Field("apiVersion"), 2: _Field("kind")}),
    3: _Field("contentEncoding"),
    4: _Field("contentType"),
}


class ProtobufError(ValueError):
    """Malformed wire data."""


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise ProtobufError("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift >= 64:
            raise ProtobufError("varint too long")


def _fields(buf: bytes) -> Iterator[tuple[int, int, int | bytes]]:
    """Yield (field number, wire type, value) for each field; LEN values are bytes."""
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        value: int | bytes
        if wire == _VARINT:
            value, pos = _varint(buf, pos)
        elif wire == _I64:
            value, pos = int.from_bytes(buf[pos : pos + 8], "little"), pos + 8
        elif wire == _I32:
            value, pos = int.from_bytes(buf[pos : pos + 4], "little"), pos + 4
        elif wire == _LEN:
            size, pos = _varint(buf, pos)
            value, pos = buf[pos : pos + size], pos + size
        else:
            raise ProtobufError(f"unsupported wire type {wire}")
        if pos > len(buf):
            raise ProtobufError("truncated field")
        yield number, wire, value


def _message(buf: bytes, table: _Table) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for number, wire, value in _fields(buf):
        field = table.get(number)
        if field is None or wire != _LEN:
            continue  # unknown or not a string/message field: skip
        assert isinstance(value, bytes)
        if field.message is not None:
            # A later occurrence of a message field merges into the earlier one.
            out.setdefault(field.json, {}).update(_message(value, field.message))
            continue
        text = value.decode("utf-8")
        if field.repeated:
            out.setdefault(field.json, []).append(text)
        elif text:
            out[field.json] = text
        else:
            out.pop(field.json, None)
    return out


def decode_protobuf(kind: str, raw: bytes) -> dict[str, Any]:
    """Decode a `application/vnd.kubernetes.protobuf` body of `kind` into its JSON-shaped dict.

    Only the authorization review kinds in `KINDS` are decoded; any other kind, or an envelope
    whose `raw` is content-encoded, raises 415 Unsupported Media Type. A body without the
    `k8s\\x00` magic or with malformed wire data is a 400 Bad Request.
    """
    table = KINDS.get(kind)
    if table is None:
        raise errors.unsupported_media_type()
    if not raw.startswith(MAGIC):
        raise errors.bad_request("provided data does not appear to be a protobuf message")
    try:
        envelope = _message(raw[len(MAGIC) :], _UNKNOWN)
        if envelope.get("contentEncoding"):
            raise errors.unsupported_media_type()
        payload = b""
        for number, wire, value in _fields(raw[len(MAGIC) :]):
            if number == 2 and wire == _LEN:
                assert isinstance(value, bytes)
                payload = value
        body = _message(payload, table)
    except (ProtobufError, UnicodeDecodeError) as e:
        raise errors.bad_request(f"unable to decode {kind} from protobuf: {e}") from e
    type_meta = envelope.get("typeMeta", {})
    obj: dict[str, Any] = {}
    if "apiVersion" in type_meta:
        obj["apiVersion"] = type_meta["apiVersion"]
    obj["kind"] = type_meta.get("kind", kind)
    obj["metadata"] = body.pop("metadata", {})
    obj.update(body)
    return obj
