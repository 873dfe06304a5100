"""Kubernetes resource quantities (`100m`, `128Mi`, `1.5`, `1e3`) as integers.

Every suffix of `resource.Quantity` is read: decimal `n u m "" k M G T P E`, binary
`Ki Mi Gi Ti Pi Ei` and exponents (`1e3`, `2E-3`). Values are exact (Fraction) and rounded up
like `Quantity.MilliValue()` / `Value()`: 0.1m of CPU is 1 millicore. Results are cached,
because a cluster's pods repeat a handful of request and limit strings.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

_DECIMAL = {
    "n": Fraction(1, 10**9),
    "u": Fraction(1, 10**6),
    "m": Fraction(1, 1000),
    "": Fraction(1),
    "k": Fraction(10**3),
    "M": Fraction(10**6),
    "G": Fraction(10**9),
    "T": Fraction(10**12),
    "P": Fraction(10**15),
    "E": Fraction(10**18),
}
_BINARY = {
    "Ki": Fraction(2**10),
    "Mi": Fraction(2**20),
    "Gi": Fraction(2**30),
    "Ti": Fraction(2**40),
    "Pi": Fraction(2**50),
    "Ei": Fraction(2**60),
}
_SCALES = {**_DECIMAL, **_BINARY}
_QUANTITY = re.compile(
    r"(?P<number>[+-]?(?:\d+\.?\d*|\.\d+))"
    r"(?:(?P<exponent>[eE][+-]?\d+)|(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?"
)
_INTEGER = re.compile(r"(\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?")
_CACHE_LIMIT = 4096
_cache: dict[str | int | float, Fraction | None] = {}


def parse_quantity(value: str | int | float) -> Fraction | None:
    """The exact value of a quantity; None when it is not one."""
    found = _cache.get(value, False)
    if found is not False:
        return found  # type: ignore[return-value]
    result = _parse(value)
    if len(_cache) >= _CACHE_LIMIT:
        _cache.clear()  # bounded: unusual values must not grow the cache forever
    _cache[value] = result
    return result


def _parse(value: str | int | float) -> Fraction | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return Fraction(value) if math.isfinite(value) else None
    m = _QUANTITY.fullmatch(value.strip())
    if m is None:
        return None
    digits, exponent = m.group("number", "exponent")
    if exponent:
        return Fraction(digits) * Fraction(10) ** int(exponent[1:])
    scale = _SCALES[m.group("suffix") or ""]
    if digits.isdigit():  # the usual `137803227n` / `1592576Ki`: no decimal string to parse
        return Fraction(int(digits) * scale.numerator, scale.denominator)
    return Fraction(digits) * scale


def integer_form(value: object) -> tuple[int, int] | None:
    """An unsigned integer with an optional suffix (`137803227n`, `1592576Ki`, `250m`) as
    (numerator, denominator) of its exact value, with no Fraction and no cache: for values
    seen once, as metrics-server's usage figures, which would only evict the cached requests
    and limits. None for any other form (decimals, exponents, signs, numbers)."""
    m = _INTEGER.fullmatch(value) if isinstance(value, str) else None
    if m is None:
        return None
    scale = _SCALES[m[2] or ""]
    return int(m[1]) * scale.numerator, scale.denominator


# The rounded results too: a sync converts each pod's requests and limits, and a Fraction
# multiply plus ceil per value was a tenth of the pod projection's time.
_milli_cache: dict[str | int | float, int | None] = {}
_int_cache: dict[str | int | float, int | None] = {}


def _rounded(
    value: str | int | float, cache: dict[str | int | float, int | None], scale: int
) -> int | None:
    if value.__class__ is bool:  # True == 1 as a dict key: never let it share 1's entry
        return None
    found = cache.get(value, False)
    if found is not False:
        return found
    q = parse_quantity(value)
    result = None if q is None else math.ceil(q * scale)
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[value] = result
    return result


def milli_value(value: str | int | float | None) -> int | None:
    """`Quantity.MilliValue()`: thousandths, rounded up (CPU in millicores)."""
    if value is None:
        return None
    return _rounded(value, _milli_cache, 1000)


def int_value(value: str | int | float | None) -> int | None:
    """`Quantity.Value()`: rounded up (memory and storage in bytes, pod counts)."""
    if value is None:
        return None
    return _rounded(value, _int_cache, 1)
