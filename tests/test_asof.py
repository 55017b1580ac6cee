"""As-of semantics: the DuckDB projection against a tiny reference model (Hypothesis)."""

from __future__ import annotations

import json
import tempfile
from datetime import date
from pathlib import Path

from conftest import world_lines
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import timeline
from timeline.dates import DateValue

PEOPLE = ("ana", "bo", "cy")
ORGS = ("acme", "lab")  # lab is a unit of acme
MIN, MAX = date.min, date.max


@st.composite
def date_values(draw: st.DrawFn) -> str:
    """Draw a date value text in any supported precision."""
    year = draw(st.integers(2020, 2022))
    month = draw(st.integers(1, 12))
    day = draw(st.integers(1, 28))
    single = [f"{year}", f"{year}-{month:02d}", f"{year}-{month:02d}-{day:02d}"]
    kind = draw(st.sampled_from(["single", "range", "before", "after"]))
    if kind == "single":
        return draw(st.sampled_from(single))
    if kind == "before":
        return f"[..{draw(st.sampled_from(single))}]"
    if kind == "after":
        return f"[{draw(st.sampled_from(single))}..]"
    start = f"{year}-{month:02d}"
    end_month = draw(st.integers(month, 12))
    return f"[{start}..{year}-{end_month:02d}]"


edges = st.lists(
    st.tuples(
        st.sampled_from(PEOPLE),
        st.sampled_from(ORGS),
        st.sampled_from(["PersonJoined", "PersonLeft"]),
        date_values(),
    ),
    max_size=10,
)


def _bounds(text: str) -> tuple[date, date]:
    value = DateValue.parse(text)
    return value.lo or MIN, value.hi or MAX


def model_team(
    events: list[tuple[int, str, str, str, str]], orgs: set[str], as_of: str
) -> dict[str, str]:
    """Compute {person: status} by the spec, one event at a time (the reference model)."""
    w_lo, w_hi = _bounds(as_of)
    best: dict[str, str] = {}
    pairs = {(p, o) for _, p, o, _, _ in events if o in orgs}
    for person, org in pairs:
        mine = [
            (*_bounds(occ), seq, kind) for seq, p, o, kind, occ in events if (p, o) == (person, org)
        ]
        stints, opened = [], None
        for lo, hi, _seq, kind in sorted(mine):
            if kind == "PersonJoined":
                opened = opened or (lo, hi)
            elif opened:
                stints.append((*opened, lo, hi))
                opened = None
            else:
                stints.append((MIN, hi, lo, hi))
        if opened:
            stints.append((*opened, MAX, MAX))
        for s_lo, s_hi, e_lo, e_hi in stints:
            if s_hi <= w_hi and e_lo >= w_lo:
                best[person] = "definite"
            elif s_lo <= w_hi and e_hi >= w_lo:
                best.setdefault(person, "possible")
    return best


def _setup_lines() -> list[str]:
    return [json.dumps(x) for x in world_lines(PEOPLE, (("acme", None), ("lab", "acme")))]


def _edge_line(ident: str, person: str, org: str, kind: str, occurred: str) -> str:
    return json.dumps(
        {
            "id": ident,
            "type": kind,
            "occurred": occurred,
            "source": "s",
            "data": {"person": person, "org": org},
        }
    )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    first=edges,
    second=edges,
    retract=st.sets(st.integers(0, 9)),
    windows=st.lists(date_values(), min_size=1, max_size=4),
)
def test_team_matches_reference_model(first, second, retract, windows) -> None:
    """team() equals the reference model, now and as known before a later batch of corrections."""
    with tempfile.TemporaryDirectory() as tmp, timeline.open(Path(tmp) / "log.jsonl") as tl:
        tl.init()
        tl.append(_setup_lines(), recorded_at="2025-01-01T00:00:00Z")
        batch1 = [(i + 100, *edge) for i, edge in enumerate(first)]
        if batch1:
            tl.append(
                [_edge_line(f"a{seq}", *edge) for seq, *edge in batch1],
                recorded_at="2025-02-01T00:00:00Z",
            )
        retracted = {seq for seq, *_ in batch1 if seq - 100 in retract}
        batch2 = [(i + 200, *edge) for i, edge in enumerate(second)]
        lines2 = [
            json.dumps(
                {"type": "EventRetracted", "data": {"event": f"a{seq}", "reason": "corrected"}}
            )
            for seq in sorted(retracted)
        ]
        lines2 += [_edge_line(f"b{seq}", *edge) for seq, *edge in batch2]
        if lines2:
            tl.append(lines2, recorded_at="2025-03-01T00:00:00Z")
        now = [e for e in batch1 if e[0] not in retracted] + batch2
        for as_of in windows:
            for org, tree in (("acme", {"acme", "lab"}), ("lab", {"lab"})):
                got = {r["person"]: r["status"] for r in tl.team(org, as_of)}
                assert got == model_team(now, tree, as_of)
                before = {
                    r["person"]: r["status"] for r in tl.team(org, as_of, known_at="2025-02-15")
                }
                assert before == model_team(batch1, tree, as_of)


def test_departure_month_is_definite_for_the_month_possible_for_a_day(small) -> None:
    """Who left in 2024-08 is definite for 2024-08, possible for 2024-08-15, absent after."""

    def status(as_of: str) -> str | None:
        rows = {r["person"]: r for r in small.team("acme", as_of)}
        return rows["ana"]["status"] if "ana" in rows else None

    assert status("2024-08") == "definite"
    assert status("2024-08-15") == "possible"
    assert status("2024-09") is None


def test_team_includes_units_of_the_org(small) -> None:
    """The team of an org includes the members of its units (lab is inside acme)."""
    assert "cy" in {r["person"] for r in small.team("acme", "2024-01")}
    assert {r["org"] for r in small.team("acme", "2024-01")} == {"acme", "lab"}


def test_leave_without_join_is_a_stint_of_unknown_start(small) -> None:
    """A departure whose join is unknown makes its person possible at any earlier date."""
    rows = {r["person"]: r for r in small.team("lab", "2010")}
    assert rows["bo"]["status"] == "possible"
    assert rows["bo"]["joined"] is None


def test_row_says_whether_the_leave_falls_in_the_window(small) -> None:
    """A team row carries the stint's date values as written and whether it ended within W."""
    row = next(r for r in small.team("acme", "2024-08") if r["person"] == "ana")
    assert (row["joined"], row["left"], row["left_in_window"]) == (
        "[2019-06..2019-08]",
        "2024-08",
        True,
    )
    assert row["role"] == "scientist"


def test_retraction_is_ignored_before_it_was_recorded(small) -> None:
    """A retracted departure stops counting from the retraction's recorded time on."""
    small.append(
        ['{"type":"EventRetracted","data":{"event":"l-ana","reason":"wrong"}}'],
        recorded_at="2025-06-01T00:00:00Z",
    )
    assert "ana" in {r["person"] for r in small.team("acme", "2025-01")}
    before = small.team("acme", "2025-01", known_at="2025-05-31")
    assert "ana" not in {r["person"] for r in before}


def test_retraction_caught_up_later_hides_the_edge_as_known_from_then(small) -> None:
    """A retraction that a catch-up applies to an edge already projected hides it as known later."""
    assert "ana" not in {r["person"] for r in small.team("acme", "2025-01")}
    small.append(
        ['{"type":"EventRetracted","data":{"event":"l-ana","reason":"wrong"}}'],
        recorded_at="2025-06-01T00:00:00Z",
    )
    assert small.sync().action == "incremental"
    later = small.team("acme", "2025-01", known_at="2025-06-02")
    assert "ana" in {r["person"] for r in later}


def test_leaders_as_of(small) -> None:
    """A leadership change hands the title over: before it the old head, after it the new one."""
    assert [r["person"] for r in small.leaders("lab", "2024")] == ["cy"]
    assert [r["person"] for r in small.leaders("lab", "2025-06")] == ["bo"]
