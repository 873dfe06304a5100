"""Integer query parameters, checked once: a clear 400 naming the parameter for text, values
out of range, and anything SQLite cannot hold (ids and times go into queries as int64)."""

from __future__ import annotations

from typing import overload

from aiohttp import web

from masthead.api.errors import bad_parameter

# SQLite INTEGER is a signed 64-bit value: a larger id would raise OverflowError in the query.
INT64_MAX = 2**63 - 1


def parse_int(raw: str, name: str, low: int = 0, high: int = INT64_MAX) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise bad_parameter(name, f"{name} must be an integer, got {raw!r}") from None
    if not low <= value <= high:
        raise bad_parameter(name, f"{name} must be between {low} and {high}, got {value}")
    return value


@overload
def int_param(
    request: web.Request, name: str, default: int, low: int = 0, high: int = INT64_MAX
) -> int: ...


@overload
def int_param(
    request: web.Request, name: str, default: None, low: int = 0, high: int = INT64_MAX
) -> int | None: ...


def int_param(
    request: web.Request, name: str, default: int | None, low: int = 0, high: int = INT64_MAX
) -> int | None:
    """`?name=`: `default` when absent; present, it must be an integer in range (an empty
    value too is refused, as the pages' `offset=` and `limit=` are)."""
    raw = request.query.get(name)
    if raw is None:
        return default
    return parse_int(raw, name, low, high)
