"""team_now, and ``Timeline.team``'s fast path (team_rows.sql and a pick in Python), give
team_as_of's rows, column for column."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_org_merged import BASE, MERGE

import timeline
from benchmarks.generate import generate
from timeline import _team
from timeline._resources import bundled_log
from timeline.dates import DateValue

WINDOWS = (
    *(str(year) for year in range(2012, 2027, 2)),
    *(f"{year}-{month:02d}" for year in (2021, 2024) for month in range(1, 13, 2)),
    "2023-06",
    "2025-05",
    "2024-08-15",
    "2021-10-28",
    "[2022-05..2022-07]",
    "[..2019]",
    "[2024-06..]",
    "[..2030]",
)


def _both(tl: timeline.Timeline, org: str, as_of: str) -> tuple[list[tuple], list[tuple]]:
    """Return the rows of team_now and of team_as_of, after checking Timeline.team's."""
    fast = tl.rows("FROM team_now($org, $lo, $hi)", _team.params(org, DateValue.parse(as_of)))
    full = tl.rows("FROM team_as_of($org, $as_of)", {"org": org, "as_of": as_of})
    picked = tl.team(org, as_of)
    assert [tuple(r.items()) for r in picked] == [tuple(r.items()) for r in fast], (org, as_of)
    return [tuple(r.items()) for r in fast], [tuple(r.items()) for r in full]


def test_bundled_dataset_every_org_every_window(tmp_path: Path) -> None:
    """On the bundled log (units, renames, role changes, retractions) the rows are identical."""
    log = tmp_path / "meta.jsonl"
    log.write_bytes(bundled_log().read_bytes())
    with timeline.open(log) as tl:
        orgs = [r["org"] for r in tl.rows("SELECT org FROM orgs ORDER BY org")]
        compared = 0
        for org in orgs:
            for as_of in WINDOWS:
                fast, full = _both(tl, org, as_of)
                assert fast == full, (org, as_of)
                compared += len(full)
        assert compared > 500  # the windows do meet people


@pytest.mark.parametrize("seed", [3, 29])
def test_generated_history_every_org(tmp_path: Path, seed: int) -> None:
    """On generated histories (units, role changes, retractions, out-of-order facts) too."""
    log = generate(20_000, tmp_path / "log.jsonl", seed=seed)
    with timeline.open(log) as tl:
        orgs = [r["org"] for r in tl.rows("SELECT org FROM orgs ORDER BY org")]
        assert tl.rows("SELECT count(*) AS n FROM org_closure")[0]["n"] > 0  # units exist
        compared = 0
        for org in orgs:
            for as_of in ("1999", "2008-03", "2016-02-29", "2023", "[2010..2012]", "[2020-06..]"):
                fast, full = _both(tl, org, as_of)
                assert fast == full, (org, as_of)
                compared += len(full)
        assert compared > 1000


@pytest.mark.parametrize(
    "as_of", ["2021", "2022-05", "2022-06", "2022-06-15", "2022-07", "2023", "[2022..]"]
)
def test_merged_org_counts_the_same(tmp_path: Path, as_of: str) -> None:
    """Across a merge (OrgMerged) the fast path counts merged members from the merge date on."""
    with timeline.open(tmp_path / "log.jsonl") as tl:
        tl.init()
        tl.append([json.dumps(x) for x in [*BASE, MERGE]], recorded_at="2025-01-01T00:00:00Z")
        for org in ("corp", "lab", "lab-x"):
            fast, full = _both(tl, org, as_of)
            assert fast == full, org


def test_a_leave_and_a_join_in_one_year_show_the_later_stint(tmp_path: Path) -> None:
    """A leave of unknown start, then a rejoin, both in one year: both paths show the rejoin.

    The two stints tie on status, latest possible start and org; the pick used to be
    whichever DuckDB met first.
    """
    with timeline.open(tmp_path / "log.jsonl") as tl:
        tl.init()
        tl.append(
            [
                {"type": "PersonAdded", "data": {"person": "x", "name": "X"}},
                {"type": "OrgFounded", "occurred": "2000", "data": {"org": "o", "name": "O"}},
                {"type": "PersonLeft", "occurred": "2019", "data": {"person": "x", "org": "o"}},
                {"type": "PersonJoined", "occurred": "2019", "data": {"person": "x", "org": "o"}},
            ],
            recorded_at="2025-01-01T00:00:00Z",
        )
        assert len(tl.rows("FROM stints")) == 2
        for _ in range(5):
            for rows in (tl.team("o", "2019"), tl.team("o", "2019", known_at="2025-02-01")):
                assert [(r["joined"], r["left"]) for r in rows] == [("2019", None)]
