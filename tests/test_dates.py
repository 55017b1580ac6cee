"""Date values keep their precision; Python and SQL agree on their bounds."""

from __future__ import annotations

import contextlib
from datetime import date

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timeline._sqlfiles import text as sql_text
from timeline.dates import DateValue, parse_duration, parse_timestamp
from timeline.errors import BadDateError


@pytest.mark.parametrize(
    ("text", "lo", "hi"),
    [
        ("2024", date(2024, 1, 1), date(2024, 12, 31)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2024-08-15", date(2024, 8, 15), date(2024, 8, 15)),
        ("[2023-01..2023-04]", date(2023, 1, 1), date(2023, 4, 30)),
        ("[..2023-02-24]", None, date(2023, 2, 24)),
        ("[2019-06..]", date(2019, 6, 1), None),
    ],
)
def test_bounds_of_each_form(text: str, lo: date | None, hi: date | None) -> None:
    """Each date form has the inclusive day bounds the log format documents."""
    value = DateValue.parse(text)
    assert (value.lo, value.hi, value.text) == (lo, hi, text)


@pytest.mark.parametrize(
    "text",
    [
        "2021-04-31",
        "2023-02-29",
        "2024-13",
        "2024-00",
        "24",
        "2024-8",
        "[..]",
        "[2024..2023]",
        "2024-08-15T00:00",
        "",
        "[2024-01..2024-02",
        "0000",
    ],
)
def test_impossible_or_malformed_dates_are_refused(text: str) -> None:
    """An impossible day, a bad month or a malformed range raises BadDateError (a ValueError)."""
    with pytest.raises(BadDateError) as info:
        DateValue.parse(text)
    assert isinstance(info.value, ValueError)


def test_month_is_not_its_first_day() -> None:
    """'2024-08' means some day of August, not 1 August (unlike pendulum.parse)."""
    value = DateValue.parse("2024-08")
    assert not value.precise and value.hi == date(2024, 8, 31)


def test_shift_moves_both_bounds_by_calendar_months() -> None:
    """Deriving a join from a departure and a tenure moves each bound by whole months."""
    assert DateValue.parse("2024-08").shift(months=-61).text == "[2019-07-01..2019-07-31]"


def test_durations_and_timestamps() -> None:
    """ISO durations become months and days; a bare date as known-at means the end of that day."""
    assert parse_duration("P6Y7M") == (79, 0)
    assert (
        parse_timestamp("2025-05-26", end_of_day=True)
        .isoformat()
        .startswith("2025-05-26T23:59:59.999999")
    )
    assert parse_timestamp("2025-05-26T12:00:00+02:00").hour == 10
    with pytest.raises(BadDateError):
        parse_duration("6 years")
    with pytest.raises(BadDateError):
        parse_timestamp("yesterday")


singles = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)).flatmap(
    lambda d: st.sampled_from([f"{d.year}", f"{d.year}-{d.month:02d}", d.isoformat()])
)
values = st.one_of(
    singles,
    singles.map(lambda s: f"[..{s}]"),
    singles.map(lambda s: f"[{s}..]"),
    st.tuples(singles, singles).map(lambda ab: f"[{min(ab)}..{max(ab)}]"),
)


@settings(max_examples=50, deadline=None)
@given(st.lists(values, min_size=1, max_size=20))
def test_sql_macros_agree_with_python(texts: list[str]) -> None:
    """tl_lo/tl_hi in DuckDB give the same bounds as DateValue.parse for every form."""
    parsed = []
    for text in texts:
        try:
            parsed.append(DateValue.parse(text))
        except BadDateError:
            continue  # e.g. [2024..2024-01] ends before it starts: not a value
    con = duckdb.connect()
    con.execute("CREATE TABLE events (seq BIGINT, recorded TIMESTAMP, retracted_at TIMESTAMP)")
    con.execute("CREATE TABLE _affected (person VARCHAR, org VARCHAR)")
    con.execute(sql_text("macros_base").split("-- Events as the log stood")[0])
    for value in parsed:
        lo, hi = con.execute("SELECT tl_lo($v), tl_hi($v)", {"v": value.text}).fetchone()
        assert (None if lo == date.min else lo) == value.lo
        assert (None if hi == date.max else hi) == value.hi


@given(values)
def test_text_round_trips(text: str) -> None:
    """A parsed date value keeps its text exactly."""
    with contextlib.suppress(BadDateError):
        assert DateValue.parse(text).text == text
