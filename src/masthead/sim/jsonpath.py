"""The subset of Kubernetes JSONPath that CRD `additionalPrinterColumns` use.

Mirrors `k8s.io/client-go/util/jsonpath` as the apiserver runs it for printer columns: missing
keys are allowed (they yield no result), an error anywhere yields no result, and only the first
result feeds the cell. Supported: `.field`, `['field']`, `[n]`, `[a:b:c]`, `[*]`, `.*` and
filters `[?(@.a.b == "x")]` with `==`, `!=`, `<`, `>`, `<=`, `>=` or bare existence. Recursive
descent (`..`) and unions are not supported and make the path invalid.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

__all__ = ["JSONPath", "JSONPathError", "format_value", "parse"]


class JSONPathError(ValueError):
    """The expression is not in the supported subset (CRD validation would refuse it)."""


@dataclass(frozen=True, slots=True)
class _Field:
    name: str


@dataclass(frozen=True, slots=True)
class _Wildcard:
    pass


@dataclass(frozen=True, slots=True)
class _Slice:
    start: int | None
    end: int | None
    step: int | None
    # `[n]` is the slice `[n:n+1]`, except that n+1 == 0 must not wrap to the end.
    single: bool


@dataclass(frozen=True, slots=True)
class _Filter:
    left: tuple[_Step, ...]
    op: str
    right: tuple[_Step, ...] | Any


_Step = _Field | _Wildcard | _Slice | _Filter


class _EvalError(Exception):
    pass


_IDENT = re.compile(r"[A-Za-z0-9_\-/$]+")
_INT = re.compile(r"-?\d+")
_OPERATORS = ("==", "!=", "<=", ">=", "<", ">")


@dataclass(frozen=True, slots=True)
class JSONPath:
    source: str
    steps: tuple[_Step, ...]

    def find(self, obj: Any) -> list[Any]:
        """All values the path selects; empty when a key is missing or evaluation fails."""
        try:
            return _eval(self.steps, [obj])
        except _EvalError:
            return []


def parse(expr: str) -> JSONPath:
    """Parse a printer-column path such as `.status.conditions[?(@.type=="Ready")].status`."""
    text = expr.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    steps, rest = _parse_steps(text, stop="")
    if rest:
        raise JSONPathError(f"unrecognized character in {expr!r} at {rest!r}")
    return JSONPath(expr, steps)


def _parse_steps(text: str, stop: str) -> tuple[tuple[_Step, ...], str]:
    steps: list[_Step] = []
    if text.startswith("$"):
        text = text[1:]
    while text and not (stop and text[0] in stop):
        if text.startswith(".."):
            raise JSONPathError("recursive descent is not supported")
        if text.startswith(".*"):
            steps.append(_Wildcard())
            text = text[2:]
        elif text.startswith("."):
            m = _IDENT.match(text, 1)
            if m is None:
                raise JSONPathError(f"invalid field at {text!r}")
            steps.append(_Field(m.group()))
            text = text[m.end() :]
        elif text.startswith("["):
            step, text = _parse_bracket(text)
            steps.append(step)
        else:
            break
    return tuple(steps), text


def _parse_bracket(text: str) -> tuple[_Step, str]:
    if text.startswith("[?("):
        return _parse_filter(text)
    end = text.find("]")
    if end < 0:
        raise JSONPathError("unclosed [")
    inner, rest = text[1:end].strip(), text[end + 1 :]
    if inner == "*":
        return _Wildcard(), rest
    if len(inner) >= 2 and inner[0] == inner[-1] and inner[0] in "'\"":
        return _Field(inner[1:-1]), rest
    parts = inner.split(":")
    if len(parts) > 3 or not all(p.strip() == "" or _INT.fullmatch(p.strip()) for p in parts):
        raise JSONPathError(f"invalid array index {inner!r}")
    nums = [int(p) if p.strip() else None for p in parts]
    if len(nums) == 1:
        if nums[0] is None:
            raise JSONPathError("empty array index")
        return _Slice(nums[0], nums[0] + 1, None, single=True), rest
    return _Slice(nums[0], nums[1], nums[2] if len(nums) == 3 else None, single=False), rest


def _parse_filter(text: str) -> tuple[_Step, str]:
    body = text[3:].lstrip()
    if not body.startswith("@"):
        raise JSONPathError("a filter must start with @")
    left, body = _parse_steps(body[1:], stop=" =!<>)")
    body = body.lstrip()
    if body.startswith(")"):
        return _Filter(left, "exists", None), _close_filter(body)
    op = next((o for o in _OPERATORS if body.startswith(o)), None)
    if op is None:
        raise JSONPathError(f"invalid filter at {body!r}")
    body = body[len(op) :].lstrip()
    right: tuple[_Step, ...] | Any
    if body.startswith("@"):
        right, body = _parse_steps(body[1:], stop=" )")
    else:
        right, body = _parse_literal(body)
    return _Filter(left, op, right), _close_filter(body.lstrip())


def _parse_literal(body: str) -> tuple[Any, str]:
    if body[:1] in "'\"":
        end = body.find(body[0], 1)
        if end < 0:
            raise JSONPathError("unterminated string in filter")
        return body[1:end], body[end + 1 :]
    m = re.match(r"-?\d+(\.\d+)?([eE][-+]?\d+)?|true|false", body)
    if m is None:
        raise JSONPathError(f"invalid filter value at {body!r}")
    token = m.group()
    value: Any
    if token in ("true", "false"):
        value = token == "true"
    elif m.group(1) or m.group(2):
        value = float(token)
    else:
        value = int(token)
    return value, body[m.end() :]


def _close_filter(body: str) -> str:
    if not body.startswith(")]"):
        raise JSONPathError("unclosed filter")
    return body[2:]


def _eval(steps: tuple[_Step, ...], values: list[Any]) -> list[Any]:
    for step in steps:
        if isinstance(step, _Field):
            values = [v[step.name] for v in values if isinstance(v, dict) and step.name in v]
        elif isinstance(step, _Wildcard):
            values = [x for v in values if v is not None for x in _children(v)]
        elif isinstance(step, _Slice):
            values = [x for v in values if v is not None for x in _slice(v, step)]
        else:
            values = [x for v in values for x in _filter(v, step)]
    return values


def _children(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, list):
        return list(value)
    return []


def _slice(value: Any, s: _Slice) -> list[Any]:
    if not isinstance(value, list):
        raise _EvalError("not an array")
    n = len(value)
    start = 0 if s.start is None else s.start
    if start < 0:
        start += n
    end = n if s.end is None else s.end
    if end < 0 or (s.single and end == 0):
        end += n
    if start == end:
        return []
    if not (0 <= start < n) or not (0 <= end <= n) or start > end:
        raise _EvalError("array index out of bounds")
    step = 1 if s.step is None else s.step
    if step <= 0:
        raise _EvalError("step must be > 0")
    return value[start:end:step]


def _filter(value: Any, f: _Filter) -> list[Any]:
    if not isinstance(value, list):
        raise _EvalError("not an array")
    out = []
    for item in value:
        lefts = _eval(f.left, [item])
        if f.op == "exists":
            if lefts:
                out.append(item)
            continue
        rights = _eval(f.right, [item]) if isinstance(f.right, tuple) else [f.right]
        if not lefts or not rights:
            continue
        if len(lefts) > 1 or len(rights) > 1:
            raise _EvalError("can only compare one element at a time")
        if _compare(lefts[0], f.op, rights[0]):
            out.append(item)
    return out


def _kind(v: Any) -> str:
    # Go's text/template compares only values of the same basic kind.
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float"
    if isinstance(v, str):
        return "string"
    return "other"


def _compare(left: Any, op: str, right: Any) -> bool:
    kind = _kind(left)
    if kind != _kind(right) or kind == "other":
        raise _EvalError("incompatible types for comparison")
    if op == "==":
        return bool(left == right)
    if op == "!=":
        return bool(left != right)
    if kind == "bool":
        raise _EvalError("invalid type for comparison")
    ordered = {"<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right}
    return bool(ordered[op])


def format_value(value: Any) -> str:
    """How jsonpath prints one result: JSON for maps and lists, Go's `fmt.Print` otherwise."""
    if isinstance(value, dict | list):
        text = json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
        # encoding/json escapes HTML-sensitive characters.
        return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    if value is None:
        return "<no value>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _go_float(value)
    return str(value)


def _go_float(x: float) -> str:
    # fmt's %v for float64 is %g with the shortest digits: an exponent below 1e-4 and from 1e6 up.
    if math.isnan(x) or math.isinf(x):
        return "NaN" if math.isnan(x) else ("+Inf" if x > 0 else "-Inf")
    if x == 0:
        return "-0" if math.copysign(1.0, x) < 0 else "0"
    sign, digit_tuple, exp = Decimal(repr(x)).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0") or "0"
    point = len(digit_tuple) + int(exp)  # position of the decimal point within the digits
    exponent = point - 1
    prefix = "-" if sign else ""
    if exponent < -4 or exponent >= 6:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{prefix}{mantissa}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"
    if point <= 0:
        return f"{prefix}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return prefix + digits + "0" * (point - len(digits))
    return f"{prefix}{digits[:point]}.{digits[point:]}"
