"""LIST: resourceVersion semantics, limit/continue paging with opaque tokens, selectors.

Past snapshots (Exact lists, continue tokens) are reconstructed from the resource's event
history, so a token stays valid exactly as long as its resourceVersion is inside the history
window — the simulator's equivalent of etcd compaction.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import orjson

from masthead.selectors import FieldSelector, LabelSelector
from masthead.sim import errors
from masthead.sim.errors import ApiError
from masthead.sim.store import ObjectStore, ResourceStore, Stored, TooOldError

# Upstream waits this long for a too-new resourceVersion before answering 504.
TOO_LARGE_RV_WAIT = 3.0

LIST_TOO_OLD = "The resourceVersion for the provided list is too old."
CONTINUE_TOO_OLD = (
    "The provided continue parameter is too old to display a consistent list result. You can "
    "start a new list without the continue parameter, or use the continue token in this "
    "response to retrieve the remainder of the results. Continuing with the provided token "
    "results in an inconsistent list - objects that were created, modified, or deleted between "
    "the time the first chunk was returned and now may show up in the list."
)


def list_options_invalid(field: str, message: str, reason: str = "FieldValueForbidden") -> ApiError:
    prefix = "Forbidden: " if reason == "FieldValueForbidden" else "Invalid value: "
    return ApiError(
        422,
        "Invalid",
        f'ListOptions.meta.k8s.io "" is invalid: {field}: {prefix}{message}',
        {
            "group": "meta.k8s.io",
            "kind": "ListOptions",
            "causes": [{"reason": reason, "message": prefix + message, "field": field}],
        },
    )


def too_large_rv(requested: int, current: int) -> ApiError:
    return ApiError(
        504,
        "Timeout",
        f"Timeout: Too large resource version: {requested}, current: {current}",
        {
            "causes": [
                {"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}
            ],
            "retryAfterSeconds": 1,
        },
        retry_after=1,
    )


def encode_continue(rv: int, start: str) -> str:
    raw = orjson.dumps({"v": "meta.k8s.io/v1", "rv": rv, "start": start + "\u0000"})
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_continue(token: str) -> tuple[int, str]:
    """Returns (rv, key suffix to start after). Errors use upstream's wording."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError) as e:
        raise errors.bad_request(f"invalid continue token: {e}") from None
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        first = raw[:1]
        ch = first.decode("latin-1") if first else ""
        shown = ch if ch.isprintable() and ch.isascii() else f"\\u{ord(ch):04x}" if ch else ""
        raise errors.bad_request(
            "invalid continue token: continue key is not valid: invalid character "
            f"'{shown}' looking for beginning of value"
        ) from None
    if not isinstance(data, dict) or data.get("v") != "meta.k8s.io/v1":
        raise errors.bad_request(
            "invalid continue token: continue key is not valid: incorrect encoded start "
            "resourceVersion (version meta.k8s.io/v1)"
        )
    rv = data.get("rv")
    start = data.get("start")
    if not isinstance(rv, int) or not isinstance(start, str) or not start.endswith("\u0000"):
        raise errors.bad_request("invalid continue token: continue key is not valid: invalid start")
    return rv, start[:-1].lstrip("/")


@dataclass
class ListRequest:
    namespace: str | None
    labels: LabelSelector | None
    fields: FieldSelector | None
    limit: int
    continue_token: str
    resource_version: str
    rv_match: str


@dataclass
class ListResult:
    rv: int
    items: list[Stored]
    continue_token: str
    remaining: int | None


def parse_list_request(
    q: Mapping[str, str],
    namespace: str | None,
    labels: LabelSelector | None,
    fields: FieldSelector | None,
) -> ListRequest:
    if _truthy(q.get("sendInitialEvents", "")):
        raise list_options_invalid("sendInitialEvents", "sendInitialEvents is forbidden for list")
    limit_s = q.get("limit", "")
    try:
        limit = int(limit_s) if limit_s else 0
    except ValueError:
        raise errors.bad_request(
            f'limit: Invalid value: "{limit_s}": must be a valid integer'
        ) from None
    return ListRequest(
        namespace=namespace,
        labels=labels,
        fields=fields,
        limit=max(0, limit),
        continue_token=q.get("continue", ""),
        resource_version=q.get("resourceVersion", ""),
        rv_match=q.get("resourceVersionMatch", ""),
    )


def _truthy(v: str) -> bool:
    return v in ("1", "t", "T", "true", "TRUE", "True")


def _parse_rv(s: str) -> int:
    try:
        n = int(s)
    except ValueError:
        raise errors.bad_request(f'invalid resource version "{s}"') from None
    if n < 0:
        raise errors.bad_request(f'invalid resource version "{s}"')
    return n


async def run_list(store: ObjectStore, key: tuple[str, str], req: ListRequest) -> ListResult:
    rs = store.resource(key)
    if req.continue_token:
        if req.resource_version not in ("",):
            raise errors.bad_request(
                "specifying resource version is not allowed when using continue"
            )
        if req.rv_match:
            raise list_options_invalid(
                "resourceVersionMatch",
                "resourceVersionMatch is forbidden when continue is provided",
            )
        rv, after = decode_continue(req.continue_token)
        prefix = "" if req.namespace is None else req.namespace + "/"
        start = prefix + after + "\u0000"
        if rv == -1:
            return _page(rs, None, store.rv, req, start)
        if rv < rs.list_floor:
            fresh = encode_continue(-1, after)
            raise ApiError(410, "Expired", CONTINUE_TOO_OLD, metadata={"continue": fresh})
        return _page(rs, rv, rv, req, start)
    if req.rv_match and not req.resource_version:
        raise list_options_invalid(
            "resourceVersionMatch",
            "resourceVersionMatch is forbidden unless resourceVersion is provided",
        )
    if req.rv_match not in ("", "Exact", "NotOlderThan"):
        raise list_options_invalid(
            "resourceVersionMatch",
            f'"{req.rv_match}": supported values: "Exact", "NotOlderThan", ""',
            reason="FieldValueNotSupported",
        )
    if req.rv_match == "Exact" and req.resource_version == "0":
        raise list_options_invalid(
            "resourceVersionMatch",
            'resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
        )
    if req.resource_version == "":
        return _page(rs, None, store.rv, req, "")
    rv = _parse_rv(req.resource_version)
    if rv == 0:
        # Served from the watch cache: `limit` is ignored (fixture 04).
        return _page(rs, None, store.rv, req, "", ignore_limit=True)
    exact = req.rv_match == "Exact" or (req.rv_match == "" and req.limit > 0)
    if rv > store.rv and not await store.wait_for_rv(rv, TOO_LARGE_RV_WAIT):
        raise too_large_rv(rv, store.rv)
    if exact:
        if rv < rs.list_floor:
            raise errors.expired(LIST_TOO_OLD)
        return _page(rs, rv, rv, req, "")
    return _page(rs, None, store.rv, req, "")


def _matches(req: ListRequest, s: Stored) -> bool:
    if req.labels is not None and not req.labels.matches(s.labels):
        return False
    return req.fields is None or req.fields.matches(s.fields)


def _page(
    rs: ResourceStore,
    snapshot_rv: int | None,
    list_rv: int,
    req: ListRequest,
    start: str,
    ignore_limit: bool = False,
) -> ListResult:
    prefix = "" if req.namespace is None else req.namespace + "/"
    try:
        it: Iterator[tuple[str, Stored]] = rs.snapshot_items(snapshot_rv, start, prefix)
        limit = 0 if ignore_limit else req.limit
        filtered = req.labels is not None or req.fields is not None
        items: list[Stored] = []
        last_key = ""
        token = ""
        remaining: int | None = None
        for k, s in it:
            if limit and len(items) >= limit:
                # More exists after the page: hand out a token to continue after `last_key`.
                token = encode_continue(list_rv, "/" + last_key[len(prefix) :])
                if not filtered:
                    remaining = _remaining_after(rs, last_key, prefix)
                break
            if _matches(req, s):
                items.append(s)
                last_key = k
        return ListResult(list_rv, items, token, remaining)
    except TooOldError:
        raise errors.expired(LIST_TOO_OLD) from None


def _remaining_after(rs: ResourceStore, key: str, prefix: str) -> int:
    """Objects after `key` (within `prefix`), counted on the index: an estimate, as upstream's
    remainingItemCount is, when writes happened since the snapshot."""
    objects = rs.objects
    end = objects.bisect_left(prefix + "\U0010ffff") if prefix else len(objects)
    return max(0, int(end) - int(objects.bisect_right(key)))


def list_body(kind: str, api_version: str, result: ListResult, *, strip_type: bool) -> bytes:
    """The JSON list, joined from stored bytes (built-in items carry no kind/apiVersion)."""
    meta: dict[str, object] = {"resourceVersion": str(result.rv)}
    if result.continue_token:
        meta["continue"] = result.continue_token
    if result.remaining is not None:
        meta["remainingItemCount"] = result.remaining
    head = orjson.dumps({"kind": kind + "List", "apiVersion": api_version, "metadata": meta})
    parts = [head[:-1], b',"items":[']
    if strip_type:
        parts.append(b",".join(_strip_type(s.raw) for s in result.items))
    else:
        parts.append(b",".join(s.raw for s in result.items))
    parts.append(b"]}")
    return b"".join(parts)


def _strip_type(raw: bytes) -> bytes:
    # Stored bytes start with {"kind":"X","apiVersion":"Y", — cut those two members.
    i = raw.find(b',"metadata":')
    if raw.startswith(b'{"kind":') and i > 0:
        return b"{" + raw[i + 1 :]
    return raw
