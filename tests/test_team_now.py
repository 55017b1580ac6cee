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


def _renamed_and_promoted(renames: int, promotions: int) -> list[dict[str, object]]:
    """One org renamed *renames* times and one stint that changed role *promotions* times."""
    events: list[dict[str, object]] = [
        {"type": "PersonAdded", "data": {"person": "x", "name": "X"}},
        {"type": "PersonAdded", "data": {"person": "y", "name": "Y"}},
        {"type": "OrgFounded", "occurred": "2000", "data": {"org": "o", "name": "O 0"}},
        {"type": "PersonJoined", "occurred": "2001", "data": {"person": "x", "org": "o"}},
        {
            "type": "PersonJoined",
            "occurred": "2001-06",
            "data": {"person": "y", "org": "o", "role": "intern"},
        },
    ]
    events += [
        {
            "type": "OrgRenamed",
            "occurred": f"{2002 + 2 * i}",
            "data": {"org": "o", "name": f"O {i + 1}"},
        }
        for i in range(renames)
    ]
    events += [
        {
            "type": "RoleChanged",
            "occurred": f"{2003 + 2 * i}-03",
            "data": {"person": "y", "org": "o", "role": f"level {i + 1}"},
        }
        for i in range(promotions)
    ]
    return events


@pytest.mark.parametrize(("renames", "promotions"), [(0, 0), (1, 2), (2, 1), (1, 3), (3, 0)])
def test_role_and_name_from_the_kept_entries_or_the_lists(
    tmp_path: Path, renames: int, promotions: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fast path reads a stint's role and the org's name from the first two entries of
    their lists, asks team_now when either list holds more, and matches team_as_of always."""
    with timeline.open(tmp_path / "log.jsonl") as tl:
        tl.init()
        tl.append(_renamed_and_promoted(renames, promotions), recorded_at="2025-01-01T00:00:00Z")
        asked: list[str] = []
        rows = tl.rows

        def counted(sql: str, *args: object, **kwargs: object) -> list[dict[str, object]]:
            asked.append(sql)
            return rows(sql, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(tl, "rows", counted)
        seen = set()
        for year in range(2000, 2012):
            for as_of in (str(year), f"{year}-02", f"{year}-03", f"[{year}-02..{year}-04]"):
                fast, full = _both(tl, "o", as_of)
                assert fast == full, as_of
                seen |= {(r[-2][1], r[-1][1]) for r in full}  # (role, org_name)
        lists = tl.rows(
            "SELECT max(coalesce(len(more_roles), (role1 IS NOT NULL)::INT"
            "                    + (role2 IS NOT NULL)::INT)) AS r,"
            "       max(coalesce(len(more_names), (name1 IS NOT NULL)::INT"
            "                    + (name2 IS NOT NULL)::INT)) AS n FROM members"
        )[0]
        assert (lists["r"], lists["n"]) == (promotions, renames + 1)
    # every role and every name shows up in some window
    assert {role for role, _ in seen} >= {"intern", *(f"level {i + 1}" for i in range(promotions))}
    assert {name for _, name in seen} == {f"O {i}" for i in range(renames + 1)}
    fell_back = [sql for sql in asked if "team_now" in sql and "$lo" in sql]
    # _both asks team_now itself once per window: more than that is Timeline.team's fallback
    windows = 12 * 4
    assert (len(fell_back) > windows) == (renames > 1 or promotions > 2)
