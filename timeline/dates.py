"""Parse date values that keep their precision, and RFC 3339 timestamps.

A date value is what a source said: ``2024`` (some day that year), ``2024-08``
(some day that month), ``2024-08-15``, or a one-of range in EDTF set notation,
``[2023-01..2023-04]``, ``[..2023-02]``, ``[2019-06..]``.  Each has inclusive
day bounds ``[lo, hi]``; an open end is ``None`` (minus or plus infinity).

Concrete days are plain :class:`datetime.date`: a precision is never stored in
a datetime, because ``2024-08`` is not 1 August.  The same bounds are computed
in SQL by the projection (``tl_lo``/``tl_hi`` macros); a property test keeps
the two in step.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from .errors import BadDateError

__all__ = ["DateValue", "format_timestamp", "parse_duration", "parse_timestamp"]

_SINGLE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_RANGE = re.compile(r"\[([0-9-]*)\.\.([0-9-]*)\]")


def _single_bounds(text: str) -> tuple[date, date]:
    m = _SINGLE.fullmatch(text)
    if not m:
        raise BadDateError(text, "expected YYYY, YYYY-MM or YYYY-MM-DD")
    year = int(m[1])
    if year < 1:
        raise BadDateError(text, "year 0000 does not exist")
    if m[2] is None:
        return date(year, 1, 1), date(year, 12, 31)
    month = int(m[2])
    if not 1 <= month <= 12:
        raise BadDateError(text, f"month {m[2]} does not exist")
    last = calendar.monthrange(year, month)[1]
    if m[3] is None:
        return date(year, month, 1), date(year, month, last)
    day = int(m[3])
    if not 1 <= day <= last:
        raise BadDateError(text, f"{calendar.month_name[month]} {year} has {last} days")
    return date(year, month, day), date(year, month, day)


@dataclass(frozen=True, slots=True)
class DateValue:
    """A date as a source gave it: the text, and the inclusive day bounds it allows."""

    text: str
    lo: date | None
    hi: date | None

    @classmethod
    def parse(cls, text: str) -> DateValue:
        """Parse *text*; raise :class:`BadDateError` for a malformed or impossible date."""
        if not isinstance(text, str):
            raise BadDateError(repr(text), "a date value is a string such as '2024-08'")
        m = _RANGE.fullmatch(text)
        if m is None:
            lo, hi = _single_bounds(text)
            return cls(text, lo, hi)
        start, end = m[1], m[2]
        if not start and not end:
            raise BadDateError(text, "a range needs at least one end: [A..B], [..B] or [A..]")
        first = _single_bounds(start)[0] if start else None
        last = _single_bounds(end)[1] if end else None
        if first is not None and last is not None and first > last:
            raise BadDateError(text, "the range ends before it starts")
        return cls(text, first, last)

    @property
    def precise(self) -> bool:
        """Tell whether the value names one day."""
        return self.lo is not None and self.lo == self.hi

    def shift(self, months: int = 0, days: int = 0) -> DateValue:
        """Return the range this value allows moved by a calendar offset (for derived dates)."""
        import pendulum

        def move(d: date | None) -> date | None:
            if d is None:
                return None
            moved = pendulum.date(d.year, d.month, d.day).add(months=months, days=days)
            return date(moved.year, moved.month, moved.day)

        lo, hi = move(self.lo), move(self.hi)
        return DateValue(_range_text(lo, hi), lo, hi)

    def __str__(self) -> str:
        return self.text


def _range_text(lo: date | None, hi: date | None) -> str:
    if lo is not None and lo == hi:
        return lo.isoformat()
    return f"[{lo.isoformat() if lo else ''}..{hi.isoformat() if hi else ''}]"


def parse_duration(text: str) -> tuple[int, int]:
    """Parse an ISO 8601 duration of years, months and days; return (months, days)."""
    import pendulum

    if not isinstance(text, str) or not text.startswith("P"):
        raise BadDateError(str(text), "expected an ISO 8601 duration such as P6Y7M")
    try:
        parsed = pendulum.parse(text)
    except Exception as exc:  # pendulum raises its own ParserError
        raise BadDateError(text, "expected an ISO 8601 duration such as P6Y7M") from exc
    if not isinstance(parsed, pendulum.Duration):
        raise BadDateError(text, "expected an ISO 8601 duration such as P6Y7M")
    return parsed.years * 12 + parsed.months, parsed.remaining_days + parsed.weeks * 7


def parse_timestamp(text: str, *, end_of_day: bool = False) -> datetime:
    """Parse an RFC 3339 timestamp, or a bare date, into an aware UTC datetime.

    A bare date means its first instant, or with *end_of_day* its last one
    (``--known-at 2025-05-26`` includes what was learned that day).
    """
    if not isinstance(text, str) or not text:
        raise BadDateError(
            repr(text), "expected an RFC 3339 timestamp such as 2025-05-26T12:00:00Z"
        )
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        day = _single_bounds(text)[0]
        at = time.max if end_of_day else time.min
        return datetime.combine(day, at, tzinfo=UTC)
    if not re.fullmatch(
        r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})", text
    ):
        raise BadDateError(text, "expected an RFC 3339 timestamp such as 2025-05-26T12:00:00Z")
    try:
        parsed = datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    except ValueError as exc:
        raise BadDateError(text, str(exc)) from exc
    return parsed.astimezone(UTC)


def format_timestamp(at: datetime) -> str:
    """Format an aware datetime as the log's RFC 3339 UTC form (microseconds, ``Z``)."""
    utc = at.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now_utc() -> datetime:
    """Return the current instant, truncated to microseconds, in UTC."""
    return datetime.now(UTC)


ONE_DAY = timedelta(days=1)
