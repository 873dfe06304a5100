"""Structural validation of custom resources against their CRD's openAPIV3Schema.

Covers what CRD authors rely on most (type, required, enum, numeric bounds, string length,
pattern, array sizes) with the apiextensions-apiserver's cause wording, so a bad custom
resource gets the same 422 a real server sends.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from masthead.sim import errors

Obj = dict[str, Any]

_JSON_TYPE = {str: "string", bool: "boolean", int: "integer", float: "number", list: "array"}


def _json_type(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, dict):
        return "object"
    return _JSON_TYPE.get(type(v), "string")


def _go(v: Any) -> str:
    """A value as upstream prints it in `Invalid value: ...`."""
    if isinstance(v, str):
        return orjson.dumps(v).decode()
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dict | list):
        return orjson.dumps(v).decode()
    return str(v)


def _type_ok(want: str, v: Any) -> bool:
    got = _json_type(v)
    if want == "number":
        return got in ("number", "integer")
    if want == "integer" and isinstance(v, float):
        return v.is_integer()
    return got == want


def validate_against_schema(schema: Obj, obj: Obj) -> list[dict[str, str]]:
    """Causes for every violation below the top level (apiVersion/kind/metadata are not
    checked here: the generic object validation covers them)."""
    causes: list[dict[str, str]] = []
    props = schema.get("properties") or {}
    for key, sub in props.items():
        if key in ("apiVersion", "kind", "metadata") or key not in obj:
            continue
        _walk(sub, obj[key], key, causes)
    for key in schema.get("required") or []:
        if key not in obj and key not in ("apiVersion", "kind", "metadata"):
            causes.append(errors.cause("FieldValueRequired", "Required value", key))
    return causes


def _walk(schema: Obj, v: Any, path: str, causes: list[dict[str, str]]) -> None:
    if v is None:
        if not schema.get("nullable"):
            want = schema.get("type")
            if want:
                causes.append(
                    errors.cause(
                        "FieldValueTypeInvalid",
                        f'Invalid value: "null": {path} in body must be of type {want}: "null"',
                        path,
                    )
                )
        return
    want = schema.get("type")
    if schema.get("x-kubernetes-int-or-string"):
        if not isinstance(v, int | str) or isinstance(v, bool):
            causes.append(
                errors.cause(
                    "FieldValueTypeInvalid",
                    f'Invalid value: "{_json_type(v)}": {path} in body must be of type '
                    f'integer,string: "{_json_type(v)}"',
                    path,
                )
            )
        return
    if want and not _type_ok(want, v):
        got = _json_type(v)
        causes.append(
            errors.cause(
                "FieldValueTypeInvalid",
                f'Invalid value: "{got}": {path} in body must be of type {want}: "{got}"',
                path,
            )
        )
        return
    enum = schema.get("enum")
    if enum is not None and v not in enum:
        supported = ", ".join(_go(e) for e in enum)
        causes.append(
            errors.cause(
                "FieldValueNotSupported",
                f"Unsupported value: {_go(v)}: supported values: {supported}",
                path,
            )
        )
    if isinstance(v, int | float) and not isinstance(v, bool):
        _bounds(schema, v, path, causes)
    if isinstance(v, str):
        _string(schema, v, path, causes)
    if isinstance(v, list):
        _array(schema, v, path, causes)
    if isinstance(v, dict):
        _object(schema, v, path, causes)


def _bounds(schema: Obj, v: float, path: str, causes: list[dict[str, str]]) -> None:
    lo, hi = schema.get("minimum"), schema.get("maximum")
    if lo is not None and (v < lo or (schema.get("exclusiveMinimum") and v == lo)):
        rel = "greater than" if schema.get("exclusiveMinimum") else "greater than or equal to"
        causes.append(
            errors.cause(
                "FieldValueInvalid",
                f"Invalid value: {_go(v)}: {path} in body should be {rel} {_go(lo)}",
                path,
            )
        )
    if hi is not None and (v > hi or (schema.get("exclusiveMaximum") and v == hi)):
        rel = "less than" if schema.get("exclusiveMaximum") else "less than or equal to"
        causes.append(
            errors.cause(
                "FieldValueInvalid",
                f"Invalid value: {_go(v)}: {path} in body should be {rel} {_go(hi)}",
                path,
            )
        )


def _string(schema: Obj, v: str, path: str, causes: list[dict[str, str]]) -> None:
    mx, mn = schema.get("maxLength"), schema.get("minLength")
    if mx is not None and len(v) > mx:
        causes.append(
            errors.cause(
                "FieldValueTooLong",
                f"Too long: may not be more than {mx} bytes",
                path,
            )
        )
    if mn is not None and len(v) < mn:
        causes.append(
            errors.cause(
                "FieldValueInvalid",
                f"Invalid value: {_go(v)}: {path} in body should be at least {mn} chars long",
                path,
            )
        )
    pattern = schema.get("pattern")
    if pattern is not None:
        try:
            ok = re.search(pattern, v) is not None
        except re.error:
            ok = True  # a pattern Python cannot compile is not held against the object
        if not ok:
            causes.append(
                errors.cause(
                    "FieldValueInvalid",
                    f"Invalid value: {_go(v)}: {path} in body should match '{pattern}'",
                    path,
                )
            )


def _array(schema: Obj, v: list[Any], path: str, causes: list[dict[str, str]]) -> None:
    mx, mn = schema.get("maxItems"), schema.get("minItems")
    if mx is not None and len(v) > mx:
        causes.append(
            errors.cause(
                "FieldValueTooMany", f"Too many: {len(v)}: must have at most {mx} items", path
            )
        )
    if mn is not None and len(v) < mn:
        causes.append(
            errors.cause(
                "FieldValueInvalid",
                f"Invalid value: {len(v)}: {path} in body should have at least {mn} items",
                path,
            )
        )
    items = schema.get("items")
    if isinstance(items, dict):
        for i, item in enumerate(v):
            _walk(items, item, f"{path}[{i}]", causes)


def _object(schema: Obj, v: Obj, path: str, causes: list[dict[str, str]]) -> None:
    props = schema.get("properties") or {}
    extra = schema.get("additionalProperties")
    for key, item in v.items():
        sub = f"{path}.{key}"
        if key in props:
            _walk(props[key], item, sub, causes)
        elif isinstance(extra, dict):
            _walk(extra, item, sub, causes)
    for key in schema.get("required") or []:
        if key not in v:
            causes.append(errors.cause("FieldValueRequired", "Required value", f"{path}.{key}"))
