"""The analyst questions (queries/*.sql) answered on the analyst fixture history.

The fixture (tests/fixtures/analyst.jsonl) is one org, acme, with two units
(acme-ai, acme-gen), a rival with a unit, and brise, a start-up founded by two
acme people.  It is recorded on 2025-02-01; a correction retracting Sam's
(wrong) departure is recorded on 2025-06-01.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from conftest import fixture_lines

import timeline
from timeline.analysis import EXPORT_TABLES
from timeline.queries import find_query

BEFORE_CORRECTION = "2025-03-01"


@pytest.fixture(scope="module")
def tl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[timeline.Timeline]:
    """The analyst history and its later correction, in a fresh log (read-only in tests)."""
    path = tmp_path_factory.mktemp("analyst") / "log.jsonl"
    with timeline.open(path) as opened:
        opened.init()
        opened.append(fixture_lines("analyst.jsonl"), recorded_at="2025-02-01T00:00:00Z")
        opened.append(fixture_lines("analyst_correction.jsonl"), recorded_at="2025-06-01T00:00:00Z")
        yield opened


def people(rows: list[dict[str, object]]) -> list[object]:
    """Return the person column of *rows*, in order."""
    return [r["person"] for r in rows]


# -- departures, hires, attrition --------------------------------------------------------


def test_departures_list_leaves_in_the_period_with_tenure_in_months(tl) -> None:
    """Departures from acme in 2023..2025 are the five leaves from its units, oldest first."""
    rows = tl.query("departures", org="acme", from_="2023-01", to="2025-12")
    assert people(rows) == ["tom", "ana", "lea", "zoe", "raj", "mei"]
    tom = rows[0]
    assert (tom["left"], tom["tenure"], tom["tenure_months"]) == ("[2023-03..2023-04]", "P4Y7M", 55)
    assert rows[3]["tenure_months"] is None  # zoe's tenure was not reported


def test_departures_mean_and_median_are_over_the_reported_tenures(tl) -> None:
    """mean_months and median_months summarise the tenures of the rows (55, 86, 50, 79, 48)."""
    rows = tl.query("departures", org="acme", from_="2023-01", to="2025-12")
    assert {(r["mean_months"], r["median_months"]) for r in rows} == {(63.6, 55.0)}


def test_departures_summary_agrees_with_the_rows(tl) -> None:
    """departures_summary counts the departures rows and repeats their mean and median."""
    summary = tl.query("departures_summary", org="acme", from_="2023-01", to="2025-12")
    assert summary == [
        {"count": 6, "definite": 6, "with_tenure": 5, "mean_months": 63.6, "median_months": 55.0}
    ]


def test_move_between_units_is_not_a_departure(tl) -> None:
    """Mei left acme-ai for acme-gen in 2023-02: not a departure from acme, but from acme-ai."""
    assert "mei" not in people(tl.query("departures", org="acme", from_="2023-02", to="2023-02"))
    assert people(tl.query("departures", org="acme-ai", from_="2023-02", to="2023-02")) == ["mei"]


def test_leave_that_only_overlaps_the_period_is_possible(tl) -> None:
    """Zoe left in [2023-11..2024-02]: a possible departure in 2023, not a definite one."""
    rows = {r["person"]: r for r in tl.query("departures", org="acme", from_="2023", to="2023")}
    assert rows["zoe"]["status"] == "possible"
    assert rows["lea"]["status"] == "definite"


def test_departures_known_at_includes_a_later_retracted_leave(tl) -> None:
    """Sam's leave counts as the log stood before its retraction, and not now."""
    before = tl.query("departures", org="acme", from_="2024", to="2024", known_at=BEFORE_CORRECTION)
    now = tl.query("departures", org="acme", from_="2024", to="2024")
    assert "sam" in people(before)
    assert "sam" not in people(now)


def test_departures_of_a_papers_authors_only(tl) -> None:
    """paper= keeps the departures of that paper's authors (Sam is no author of model-x)."""
    rows = tl.query(
        "departures",
        org="acme",
        from_="2024",
        to="2024",
        paper="model-x",
        known_at=BEFORE_CORRECTION,
    )
    assert people(rows) == ["zoe", "raj"]


def test_hires_skip_moves_between_units_and_count_returns(tl) -> None:
    """Hires of acme in 2023..2024: Sam, Ian and Kai's return, not Mei's move to acme-gen."""
    rows = tl.query("hires", org="acme", from_="2023", to="2024")
    assert people(rows) == ["sam", "ian", "kai"]
    assert rows[2]["role"] == "staff engineer"


def test_attrition_is_departures_over_mean_headcount_per_year(tl) -> None:
    """Attrition of acme: 3 leaves in 2023 over a mean of 61/12 definite members."""
    rows = tl.query("attrition", org="acme", from_="2023-01", to="2024-06")
    y2023, y2024 = rows
    assert (y2023["year"], y2023["months"], y2023["departures"], y2023["possible_departures"]) == (
        2023,
        12,
        3,
        1,
    )
    assert y2023["mean_headcount"] == pytest.approx(61 / 12, abs=0.01)
    assert y2023["attrition"] == pytest.approx(3 / (61 / 12), abs=0.001)
    assert (y2024["months"], y2024["departures"]) == (6, 1)
    assert y2024["attrition"] == pytest.approx(1 / (28 / 6) * 2, abs=0.001)  # annualised


# -- headcount and diff ------------------------------------------------------------------


def test_headcount_counts_definite_and_possible_members_per_month(tl) -> None:
    """Tom's leave in [2023-03..2023-04] makes him possible in April; Sam joined in March."""
    rows = {r["month"]: r for r in tl.query("headcount", org="acme", from_="2023-02", to="2023-05")}
    assert list(rows) == ["2023-02", "2023-03", "2023-04", "2023-05"]
    assert (rows["2023-03"]["definite"], rows["2023-03"]["possible"]) == (7, 0)
    assert (rows["2023-04"]["definite"], rows["2023-04"]["possible"]) == (6, 1)
    assert rows["2023-04"]["total"] == 7


def test_headcount_has_a_row_for_a_month_with_nobody(tl) -> None:
    """Months before anyone joined brise are rows with zero members."""
    rows = tl.query("headcount", org="brise", from_="2023-03", to="2023-05")
    assert [(r["month"], r["definite"]) for r in rows] == [
        ("2023-03", 0),
        ("2023-04", 0),
        ("2023-05", 1),
    ]


def test_headcount_refuses_an_open_range(tl) -> None:
    """An unbounded period has no monthly series: a QueryError, not an endless answer."""
    with pytest.raises(timeline.QueryError, match="bounded"):
        tl.query("headcount", org="acme", from_="[..2023]", to="2024")


def test_diff_names_who_joined_left_and_moved(tl) -> None:
    """Between 2023-01 and 2024-06: three joined, four left, Mei moved between units."""
    rows = {r["person"]: r for r in tl.query("diff", org="acme", from_="2023-01", to="2024-06")}
    changes = {p: r["change"] for p, r in rows.items()}
    assert changes == {
        "ian": "joined",
        "kai": "joined",
        "sam": "joined",
        "ana": "left",
        "lea": "left",
        "tom": "left",
        "zoe": "left",
        "mei": "moved",
    }
    assert rows["tom"]["left"] == "[2023-03..2023-04]"
    assert (rows["mei"]["org_from"], rows["mei"]["org_to"]) == ("acme-ai", "acme-gen")


def test_diff_marks_an_uncertain_change_as_maybe(tl) -> None:
    """Zoe is definite in 2023-10 but only possible in 2024-01: 'maybe left'."""
    rows = {r["person"]: r for r in tl.query("diff", org="acme", from_="2023-10", to="2024-01")}
    assert rows["zoe"]["change"] == "maybe left"


# -- flows -------------------------------------------------------------------------------


def test_flows_follow_leavers_to_their_next_employer(tl) -> None:
    """Tom, Ana and Lea went from acme to brise; founding brise counts as joining it."""
    rows = tl.query("flows", from_org="acme", to_org="brise", from_="2023", to="2025")
    assert people(rows) == ["tom", "ana", "lea"]
    how = {r["person"]: (r["to_unit"], r["joined"], r["how"]) for r in rows}
    assert how["ana"] == ("brise", "2023-04-28", "founded")
    assert how["lea"] == ("brise", "2023-09", "joined")


def test_flows_window_limits_how_long_after_the_leave(tl) -> None:
    """Mei joined brise 14 months after leaving acme-gen: only with window_months >= 14."""
    default = tl.query("flows", from_org="acme", to_org="brise", from_="2023", to="2025")
    wide = tl.query(
        "flows", from_org="acme", to_org="brise", from_="2023", to="2025", window_months=14
    )
    assert "mei" not in people(default)
    assert "mei" in people(wide)


def test_flows_to_an_org_include_its_units(tl) -> None:
    """Raj joined rival-lab, a unit of rival: a flow from acme to rival."""
    rows = tl.query("flows", from_org="acme", to_org="rival", from_="2024", to="2024")
    assert [(r["person"], r["to_unit"]) for r in rows] == [("raj", "rival-lab")]


def test_flows_overlap_allows_a_start_before_the_leave(tl) -> None:
    """Ana founded brise (2023-04-28) before her leave month (2023-05); overlap 0 drops her."""
    rows = tl.query(
        "flows", from_org="acme", to_org="brise", from_="2023", to="2025", overlap_months=0
    )
    assert "ana" not in people(rows)
    assert "tom" in people(rows)


def test_flow_matrix_counts_departures_per_destination(tl) -> None:
    """From acme in 2023..2025: 3 to brise, 1 to rival-lab, 2 with no next employer known."""
    rows = tl.query("flow_matrix", from_org="acme", from_="2023", to="2025")
    assert [(r["to_org"], r["people"]) for r in rows] == [("brise", 3), (None, 2), ("rival-lab", 1)]
    assert rows[0]["persons"] == "ana, lea, tom"


# -- whereabouts, leadership, names ------------------------------------------------------


def test_paper_whereabouts_in_author_order(tl) -> None:
    """As of 2024-08 each model-x author is at their org then, in author order."""
    rows = tl.query("paper_whereabouts", paper="model-x", as_of="2024-08")
    assert [(r["position"], r["person"], r["org"]) for r in rows] == [
        (1, "tom", "brise"),
        (2, "ana", None),
        (3, "lea", "brise"),
        (4, "raj", "rival-lab"),
        (5, "zoe", None),
        (6, "mei", "acme-gen"),
    ]
    assert rows[0]["role"] == "cto"


def test_paper_whereabouts_role_as_of_the_date(tl) -> None:
    """Ana was a research scientist in 2019 and research director (RoleChanged) by 2021."""

    def role(as_of: str) -> object:
        rows = tl.query("paper_whereabouts", paper="model-x", as_of=as_of)
        return next(r["role"] for r in rows if r["person"] == "ana")

    assert role("2019") == "research scientist"
    assert role("2021") == "research director"


def test_paper_whereabouts_keeps_the_status(tl) -> None:
    """In 2023-04 Tom's leave range makes him only a possible member of acme-ai."""
    rows = tl.query("paper_whereabouts", paper="model-x", as_of="2023-04")
    assert (rows[0]["person"], rows[0]["status"]) == ("tom", "possible")


def test_cohort_whereabouts_in_the_order_given(tl) -> None:
    """A comma-separated list (spaces ignored) gives one row per person, in that order."""
    rows = tl.query("cohort_whereabouts", people="raj, lea ,sam", as_of="2024-08")
    assert [(r["person"], r["org"]) for r in rows] == [
        ("raj", "rival-lab"),
        ("lea", "brise"),
        ("sam", "acme-gen"),
    ]


def test_whereabouts_name_the_org_as_it_was_called_then(tl) -> None:
    """Kai was at acme in 2012, when it was still called Acme Corp; Ian joined 'Acme' in 2024."""
    then = tl.query("cohort_whereabouts", people="kai", as_of="2012")
    now = tl.query("cohort_whereabouts", people="ian", as_of="2024-06")
    assert (then[0]["org"], then[0]["org_name"]) == ("acme", "Acme Corp")
    assert (now[0]["org"], now[0]["org_name"]) == ("acme", "Acme")


def test_leadership_as_of_a_date(tl) -> None:
    """In 2023-05 the head of acme-ai changed from Ana to Raj: both held it some day."""
    rows = tl.query("leadership", org="acme-ai", as_of="2023-05")
    assert [(r["person"], r["status"]) for r in rows] == [("ana", "definite"), ("raj", "definite")]


def test_title_history_lists_holders_in_order(tl) -> None:
    """The head of acme-ai: Ana from 2018, Raj from 2023-05, Kai from 2024-06 (current)."""
    rows = tl.query("title_history", org="acme-ai", title="head")
    assert [(r["person"], r["since"], r["until"]) for r in rows] == [
        ("ana", "2018", "2023-05"),
        ("raj", "2023-05", "2024-06"),
        ("kai", "2024-06", None),
    ]
    assert rows[0]["since_source"] == "wiki"


def test_org_name_as_of_follows_renames(tl) -> None:
    """acme was 'Acme Corp' in 2016 and 'Acme' after its 2021-10-28 rename."""
    assert [r["name"] for r in tl.query("org_name_as_of", org="acme", as_of="2016")] == [
        "Acme Corp"
    ]
    assert [r["name"] for r in tl.query("org_name_as_of", org="acme", as_of="2022")] == ["Acme"]
    both = tl.query("org_name_as_of", org="acme", as_of="2021")
    assert [(r["name"], r["status"]) for r in both] == [
        ("Acme Corp", "definite"),
        ("Acme", "definite"),
    ]


def test_team_with_sources_names_the_join_and_leave_sources(tl) -> None:
    """team(with_sources=True) adds source slug, title and url of the join and the leave."""
    rows = {r["person"]: r for r in tl.team("acme", "2023-06", with_sources=True)}
    assert (rows["lea"]["join_source"], rows["lea"]["leave_source_url"]) == (
        "news",
        "https://example.org/news",
    )
    assert rows["sam"]["leave_source"] is None
    plain = tl.team("acme", "2023-06")
    assert [r["person"] for r in plain] == list(rows)


# -- search and export -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("ávila", "ana"),
        ("AVILA", "ana"),
        ("lefevre", "tom"),
        ("Zoe Novak", "zoe"),
        ("రావు", "raj"),
        ("లెఫెవ్రే", "tom"),
        ("acme corp", "acme"),
        ("rival lab", "rival-lab"),
    ],
)
def test_search_ignores_case_and_accents_in_any_script(tl, text: str, slug: str) -> None:
    """Search finds the person or org by name, alias (Telugu too), former name or slug."""
    assert [r["slug"] for r in tl.search(text)] == [slug]


def test_search_keeps_the_vowel_signs_of_other_scripts(tl) -> None:
    """'రావు' (Rao) must not match 'రవి' (Ravi): only Latin-like text loses its marks."""
    assert "ravi" not in [r["slug"] for r in tl.search("రావు")]
    assert [r["slug"] for r in tl.search("రవి")] == ["ravi"]


def test_search_says_what_matched(tl) -> None:
    """Each hit names the spelling that matched: here the former org name."""
    assert tl.search("acme corp") == [
        {"kind": "org", "slug": "acme", "name": "Acme", "matched": "Acme Corp"}
    ]


def test_search_refuses_empty_text(tl) -> None:
    """Blank text would match everything: it is a QueryError instead."""
    with pytest.raises(timeline.QueryError):
        tl.search("  ")


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export_writes_every_projection_table(tl, tmp_path: Path, fmt: str) -> None:
    """export writes one file per table, holding as many rows as the table."""
    written = tl.export(tmp_path / "out", fmt)
    assert [w["table"] for w in written] == list(EXPORT_TABLES)
    reader = "read_parquet" if fmt == "parquet" else "read_csv"
    con = duckdb.connect()
    for item in written:
        read = con.execute(f"SELECT count(*) FROM {reader}($p)", {"p": item["path"]}).fetchall()
        table = tl.rows(f"SELECT count(*) AS n FROM {item['table']}")[0]["n"]
        assert read[0][0] == item["rows"] == table


# -- parameters --------------------------------------------------------------------------


def test_query_rejects_unknown_slugs(tl) -> None:
    """A misspelt org or person is a NotFoundError naming it, not an empty answer."""
    with pytest.raises(timeline.NotFoundError, match="'acmee'"):
        tl.query("departures", org="acmee", from_="2023", to="2024")
    with pytest.raises(timeline.NotFoundError, match="'nobody'"):
        tl.query("cohort_whereabouts", people="ana,nobody", as_of="2024")


def test_query_rejects_bad_values(tl) -> None:
    """Dates, known_at and month counts are checked before DuckDB runs anything."""
    with pytest.raises(timeline.BadDateError):
        tl.query("hires", org="acme", from_="2023-13", to="2024")
    with pytest.raises(timeline.BadDateError):
        tl.query("hires", org="acme", from_="2023", to="2024", known_at="yesterday")
    with pytest.raises(timeline.QueryError, match="window_months"):
        tl.query(
            "flows",
            from_org="acme",
            to_org="brise",
            from_="2023",
            to="2024",
            window_months="a year",
        )


def test_query_binds_a_mapping_like_the_cli(tl) -> None:
    """Parameters given as a mapping (as the CLI does) equal the keyword form."""
    given = {"org": "acme", "from": "2023", "to": "2024"}
    assert tl.query("hires", given) == tl.query("hires", org="acme", from_="2023", to="2024")


def test_named_query_runs_through_rows_too(tl) -> None:
    """A named query's SQL and binding run unchanged through Timeline.rows."""
    named = find_query("hires")
    rows = tl.rows(named.sql, named.bind({"org": "acme", "from": "2023", "to": "2024"}))
    assert people(rows) == ["sam", "ian", "kai"]
