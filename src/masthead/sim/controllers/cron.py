"""Standard 5-field cron schedules (minute hour day-of-month month day-of-week, with ranges,
steps, lists, names and the @hourly-style macros), evaluated in UTC like a CronJob without
`timeZone`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    )
}
_DAYS = {d: i for i, d in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])}


class CronError(ValueError):
    pass


def _field(text: str, lo: int, hi: int, names: dict[str, int]) -> tuple[set[int], bool]:
    """Values of one field, and whether it was restricted (not `*`)."""
    out: set[int] = set()
    star = text in ("*", "?")
    for part in text.split(","):
        rng, _, step_s = part.partition("/")
        step = int(step_s) if step_s else 1
        if step <= 0:
            raise CronError(f"invalid step in {part!r}")
        if rng in ("*", "?"):
            a, b = lo, hi
        elif "-" in rng:
            a_s, b_s = rng.split("-", 1)
            a, b = _value(a_s, names), _value(b_s, names)
        else:
            a = _value(rng, names)
            b = hi if step_s else a
        if a < lo or b > hi or a > b:
            raise CronError(f"value out of range in {part!r}")
        out.update(range(a, b + 1, step))
    return out, not star


def _value(s: str, names: dict[str, int]) -> int:
    s = s.strip().lower()
    if s in names:
        return names[s]
    if not s.isdigit():
        raise CronError(f"invalid value {s!r}")
    return int(s)


class Schedule:
    def __init__(self, spec: str) -> None:
        text = MACROS.get(spec.strip(), spec.strip())
        if text.startswith("TZ=") or text.startswith("CRON_TZ="):
            text = text.split(None, 1)[1] if " " in text else ""
        parts = text.split()
        if len(parts) != 5:
            raise CronError(f"expected exactly 5 fields, found {len(parts)}: {spec}")
        self.minutes, _ = _field(parts[0], 0, 59, {})
        self.hours, _ = _field(parts[1], 0, 23, {})
        self.dom, self.dom_restricted = _field(parts[2], 1, 31, {})
        self.months, _ = _field(parts[3], 1, 12, _MONTHS)
        dow, self.dow_restricted = _field(parts[4].replace("7", "0"), 0, 6, _DAYS)
        self.dow = dow

    def _day_ok(self, d: datetime) -> bool:
        dom_ok = d.day in self.dom
        dow_ok = (d.isoweekday() % 7) in self.dow
        if self.dom_restricted and self.dow_restricted:
            return dom_ok or dow_ok
        return dom_ok and dow_ok

    def next_after(self, t: float) -> float:
        """The first scheduled time strictly after `t` (epoch seconds)."""
        d = datetime.fromtimestamp(t, UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
        limit = d + timedelta(days=366 * 5)
        while d < limit:
            if d.month not in self.months:
                d = (d.replace(day=1) + timedelta(days=32)).replace(day=1, hour=0, minute=0)
                continue
            if not self._day_ok(d):
                d = (d + timedelta(days=1)).replace(hour=0, minute=0)
                continue
            if d.hour not in self.hours:
                d = (d + timedelta(hours=1)).replace(minute=0)
                continue
            if d.minute not in self.minutes:
                d += timedelta(minutes=1)
                continue
            return d.timestamp()
        raise CronError("no time matches the schedule within 5 years")
