"""Questions as known at a past time compute the stints of the orgs or people they ask about.

``tl_stints(known_at, false, orgs := [...], persons := [...])`` (sql/macros_base.sql)
windows only the edges of the listed orgs and people.  These tests replay the bundled
Meta/Llama history, whose batches were recorded at four times and which retracts and
corrects earlier claims, and hold the filtered stints to the unfiltered ones at each of
those times.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

import timeline

#: Before, at and after each batch of the bundled log was recorded (tests/test_dataset.py).
KNOWN_AT = (
    "2025-05-26T11:59:59Z",
    "2025-05-26T23:59:59Z",
    "2025-06-15T00:00:00Z",
    "2025-06-20T00:00:00Z",
    "2025-06-30T00:00:00Z",
    "2025-11-30T00:00:00Z",
    "2030-01-01T00:00:00Z",
)


@pytest.fixture(scope="module")
def tl(bundled: timeline.Timeline) -> timeline.Timeline:
    """The bundled log (conftest's ``bundled``)."""
    return bundled


def _orgs(tl: timeline.Timeline) -> list[str]:
    return [r["org"] for r in tl.rows("SELECT org FROM orgs ORDER BY org")]


def _people(tl: timeline.Timeline) -> list[str]:
    return [r["person"] for r in tl.rows("SELECT person FROM people ORDER BY person")]


def _sorted(rows: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True, default=str) for r in rows)


def _window_rows(tl: timeline.Timeline, sql: str, params: dict[str, Any]) -> list[int]:
    """Run EXPLAIN ANALYZE of *sql*; return the rows each window operator produced."""
    (plan,) = tl.rows(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
    counts: list[int] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "WINDOW":
                counts.append(int(node["intermediate_rows"]))
            node = list(node.values())
        if isinstance(node, list):
            for child in node:
                walk(child)

    walk(json.loads(plan["explain_value"]))
    return counts


def _each_alone(tl: timeline.Timeline, param: str, column: str, values: list[str]) -> None:
    """Assert that at every known_at each value's stints, computed with ``param := [value]``,
    are its rows (by *column*) of the stints computed for all."""
    for known_at in KNOWN_AT:
        every = tl.rows("FROM tl_stints(tl_known($k), false) ORDER BY ALL", {"k": known_at})
        for value in values:
            alone = tl.rows(
                f"FROM tl_stints(tl_known($k), false, {param} := [$v])",
                {"k": known_at, "v": value},
            )
            mine = [r for r in every if r[column] == value]
            assert _sorted(alone) == _sorted(mine), (known_at, value)


def test_stints_of_some_orgs_are_those_orgs_stints_of_all(tl: timeline.Timeline) -> None:
    """At every time a batch was recorded, each org's stints computed for it alone are its
    rows of the stints computed for every org."""
    orgs = _orgs(tl)
    assert len(orgs) > 5
    _each_alone(tl, "orgs", "org", orgs)


def test_stints_of_some_people_are_those_peoples_stints_of_all(tl: timeline.Timeline) -> None:
    """At every time a batch was recorded, each person's stints computed for them alone are
    their rows of the stints computed for everyone."""
    people = _people(tl)
    assert len(people) > 10
    _each_alone(tl, "persons", "person", people)


def test_both_filters_keep_the_stints_that_pass_both(tl: timeline.Timeline) -> None:
    """Given orgs and persons, the stints kept are those of one of the orgs and one of the
    people."""
    people, kept_any = _people(tl), 0
    for known_at in KNOWN_AT:
        every = tl.rows("FROM tl_stints(tl_known($k), false) ORDER BY ALL", {"k": known_at})
        both = tl.rows(
            "FROM tl_stints(tl_known($k), false, orgs := ['meta', 'mistral'], persons := $p)",
            {"k": known_at, "p": people[::2]},
        )
        kept = [r for r in every if r["org"] in ("meta", "mistral") and r["person"] in people[::2]]
        assert _sorted(both) == _sorted(kept), known_at
        kept_any += len(kept)
    assert kept_any  # the log knows such stints at some of those times


def test_questions_as_known_then_answer_as_before(tl: timeline.Timeline) -> None:
    """A team, its sources and its markers as known at a past time are the rows the
    unfiltered stints give (team_as_of read with the tree's stints from all orgs')."""
    reference = (
        "WITH t AS (FROM org_tree_since($org, tl_known($k))) "
        "SELECT s.*, t.since_lo, t.since_hi "
        "FROM tl_stints(tl_known($k), false) s JOIN t USING (org)"
    )
    for known_at in KNOWN_AT:
        for org in ("meta", "fair", "mistral", "google-deepmind"):
            params = {"org": org, "k": known_at}
            filtered = tl.rows("FROM tree_stints($org, $k)", params)
            assert _sorted(filtered) == _sorted(tl.rows(reference, params)), (known_at, org)


def test_a_question_as_known_then_windows_only_its_trees_edges(tl: timeline.Timeline) -> None:
    """`team --known-at` on one org windows only the edges of its tree: the stints window
    sees as many rows as the tree has visible edges, not every edge of the log."""
    known_at = "2025-06-30T00:00:00Z"
    params = {"org": "meta", "k": known_at}
    tree_edges = tl.rows(
        "SELECT count(*) AS n FROM tl_edges(tl_known($k), false) "
        "WHERE org IN (SELECT org FROM org_tree_since($org, $k))",
        params,
    )[0]["n"]
    (every,) = tl.rows("SELECT count(*) AS n FROM tl_edges(tl_known($k), false)", {"k": known_at})
    all_edges = every["n"]
    assert 0 < tree_edges < all_edges
    question = "FROM team_as_of($org, '2024-08', known_at := $k)"
    windows = _window_rows(tl, question, params)
    assert windows and max(windows) <= tree_edges, (windows, tree_edges, all_edges)


def test_leaders_as_known_then_answer_as_from_every_stint(tl: timeline.Timeline) -> None:
    """Who held each title as known at a past time, and the title history then, are the
    rows the unfiltered stints give (the same question over every org's stints)."""
    leaders = tl.rows("SELECT DISTINCT org FROM leader_stints ORDER BY org")
    orgs = [r["org"] for r in leaders]
    assert orgs  # the bundled log names leaders (FAIR's hand-over)
    reference = (
        "WITH w AS (SELECT tl_lo($as_of) AS w_lo, tl_hi($as_of) AS w_hi) "
        "SELECT s.org, s.title, s.person, coalesce(p.name, s.person) AS name, "
        "tl_status(s_lo, s_hi, e_lo, e_hi, w_lo, w_hi) AS status, "
        's.joined AS since, s."left" AS until '
        "FROM tl_stints(tl_known($k), false) s CROSS JOIN w LEFT JOIN people p USING (person) "
        "WHERE s.track = 'leader' AND s.org = $org AND s_lo <= w_hi AND e_hi >= w_lo"
    )
    history = (
        'SELECT s.title, s.person, s.joined AS since, s."left" AS until '
        "FROM tl_stints(tl_known($k), false) s WHERE s.track = 'leader' AND s.org = $org"
    )
    for known_at in KNOWN_AT:
        for org in orgs:
            for as_of in ("2023", "2025-05", "[2015..2026]"):
                params = {"org": org, "as_of": as_of, "k": known_at}
                asked = tl.rows("FROM leaders_as_of($org, $as_of, known_at := $k)", params)
                assert _sorted(asked) == _sorted(tl.rows(reference, params)), params
            titles = tl.query("title_history", org=org, known_at=known_at)
            kept = ("title", "person", "since", "until")
            got = [{k: r[k] for k in kept} for r in titles]
            want = tl.rows(history, {"org": org, "k": known_at})
            assert _sorted(got) == _sorted(want), (known_at, org)


def test_leaders_as_known_then_window_only_the_orgs_edges(tl: timeline.Timeline) -> None:
    """`leaders --known-at` on one org windows only that org's edges, not every edge.

    leaders_as_of passes no `orgs` list: its `s.org = org_slug` filters a partition
    key of the window, and DuckDB moves it below the window (a tree's orgs, an IN
    over a subquery, stay above it; hence tree_stints' list).
    """
    known_at = "2025-06-30T00:00:00Z"
    params = {"org": "fair", "k": known_at}
    (mine,) = tl.rows(
        "SELECT count(*) AS n FROM tl_edges(tl_known($k), false) WHERE org = $org", params
    )
    (every,) = tl.rows("SELECT count(*) AS n FROM tl_edges(tl_known($k), false)", {"k": known_at})
    assert 0 < mine["n"] < every["n"]
    windows = _window_rows(tl, "FROM leaders_as_of($org, '2024', known_at := $k)", params)
    assert windows and max(windows) <= mine["n"], (windows, mine["n"], every["n"])
