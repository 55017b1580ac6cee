"""Properties of the analyst queries on random histories (Hypothesis).

The monthly `headcount` must agree with `team_as_of` month by month, and the
`departures_summary` must summarise exactly the `departures` rows.
"""

from __future__ import annotations

import json
import statistics
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from conftest import world_lines
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import timeline

PEOPLE = ("ana", "bo", "cy", "di")
ORGS = ("acme", "lab", "other")  # lab is a unit of acme


@st.composite
def date_values(draw: st.DrawFn) -> str:
    """Draw a date value in 2020..2021 at any precision, or a one-of range."""
    year = draw(st.integers(2020, 2021))
    month = draw(st.integers(1, 12))
    day = draw(st.integers(1, 28))
    kind = draw(st.sampled_from(["year", "month", "day", "range", "before"]))
    if kind == "year":
        return f"{year}"
    if kind == "month":
        return f"{year}-{month:02d}"
    if kind == "day":
        return f"{year}-{month:02d}-{day:02d}"
    if kind == "before":
        return f"[..{year}-{month:02d}]"
    end = draw(st.integers(month, 12))
    return f"[{year}-{month:02d}..{year}-{end:02d}]"


@st.composite
def tenures(draw: st.DrawFn) -> str | None:
    """Draw a reported tenure (P#Y#M, P#Y or P#M) or none."""
    years, months = draw(st.integers(0, 9)), draw(st.integers(0, 11))
    form = draw(st.sampled_from(["ym", "y", "m", "none"]))
    return {"ym": f"P{years}Y{months}M", "y": f"P{years}Y", "m": f"P{months}M", "none": None}[form]


edges = st.lists(
    st.tuples(
        st.sampled_from(PEOPLE),
        st.sampled_from(ORGS),
        st.sampled_from(["PersonJoined", "PersonLeft"]),
        date_values(),
        tenures(),
    ),
    max_size=12,
)


def _lines(
    history: list[tuple[str, str, str, str, str | None]], merge: str | None = None
) -> list[str]:
    lines = world_lines(PEOPLE, (("acme", None), ("lab", "acme"), ("other", None)))
    for i, (person, org, kind, occurred, tenure) in enumerate(history):
        data: dict[str, object] = {"person": person, "org": org}
        if kind == "PersonLeft" and tenure is not None:
            data["tenure"] = tenure
        lines.append(
            {"id": f"e{i}", "type": kind, "occurred": occurred, "source": "s", "data": data}
        )
    if merge is not None:
        lines.append(
            {"type": "OrgMerged", "occurred": merge, "data": {"org": "other", "into": "acme"}}
        )
    return [json.dumps(x) for x in lines]


@contextmanager
def history_log(
    history: list[tuple[str, str, str, str, str | None]], merge: str | None = None
) -> Iterator[timeline.Timeline]:
    """Yield a fresh log holding *history* (and, if given, other merging into acme then)."""
    with tempfile.TemporaryDirectory() as tmp, timeline.open(Path(tmp) / "log.jsonl") as tl:
        tl.init()
        tl.append(_lines(history, merge), recorded_at="2025-01-01T00:00:00Z")
        yield tl


def _months(start: int, count: int) -> list[str]:
    """Return *count* months from month number *start* (0 = 2020-01)."""
    return [f"{2020 + (start + i) // 12}-{(start + i) % 12 + 1:02d}" for i in range(count)]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    history=edges,
    start=st.integers(0, 23),
    count=st.integers(1, 4),
    org=st.sampled_from(["acme", "lab"]),
    merge=st.none() | date_values(),
)
def test_headcount_agrees_with_team_as_of_each_month(history, start, count, org, merge) -> None:
    """For every month, headcount's definite/possible counts are team_as_of's row counts.

    Sometimes `other` merges into acme (OrgMerged), so merged members count too.
    """
    months = _months(start, count)
    with history_log(history, merge) as tl:
        rows = tl.query("headcount", org=org, from_=months[0], to=months[-1])
        assert [r["month"] for r in rows] == months
        for row in rows:
            team = tl.team(org, row["month"])
            assert row["definite"] == sum(r["status"] == "definite" for r in team)
            assert row["possible"] == sum(r["status"] == "possible" for r in team)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=edges, org=st.sampled_from(["acme", "lab", "other"]))
def test_departures_summary_summarises_the_departure_rows(history, org) -> None:
    """count, definite, mean and median of the summary are those of the departures rows."""
    with history_log(history) as tl:
        rows = tl.query("departures", org=org, from_="2020", to="2021")
        (summary,) = tl.query("departures_summary", org=org, from_="2020", to="2021")
        months = [r["tenure_months"] for r in rows if r["tenure_months"] is not None]
        assert summary["count"] == len(rows)
        assert summary["definite"] == sum(r["status"] == "definite" for r in rows)
        assert summary["with_tenure"] == len(months)
        if months:
            assert abs(summary["mean_months"] - statistics.mean(months)) <= 0.05 + 1e-9
            assert summary["median_months"] == statistics.median(months)
            assert {r["mean_months"] for r in rows} == {summary["mean_months"]}
        else:
            assert summary["mean_months"] is None
