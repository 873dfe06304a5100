"""Integer settings read from environment variables, refused by name when out of range."""

from __future__ import annotations

from collections.abc import Mapping


def bounded_int_from_env(
    environ: Mapping[str, str], name: str, maximum: int, unit: str = ""
) -> int:
    """`name`'s value as an integer in [0, maximum] (unset or blank: 0). Anything else raises
    ValueError naming the variable, so a mistyped setting stops the start rather than being
    ignored."""
    raw = environ.get(name, "").strip()
    if not raw:
        return 0
    expected = f"{name} must be an integer in [0, {maximum}]" + (f" ({unit})" if unit else "")
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{expected}, got {raw!r}") from None
    if not 0 <= value <= maximum:
        raise ValueError(f"{expected}, got {value}")
    return value
