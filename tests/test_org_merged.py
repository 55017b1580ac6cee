"""OrgMerged (extension 1 of log format v1): a merged org's people count as the successor's.

History: lab (founded 2015, unit lab-x inside it) merges into corp in 2022-06.
Ana is at lab from 2018 on; Bo left lab in 2021; Cy left lab in
[2022-05..2022-07], around the merge; Di joined lab-x in 2023; Ed is at corp.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import timeline
from timeline.cli import main

BASE = [
    {"id": "s", "type": "SourceAdded", "data": {"source": "s", "title": "Mergers weekly"}},
    *(
        {"type": "PersonAdded", "data": {"person": p, "name": p.title()}}
        for p in ("ana", "bo", "cy", "di", "ed")
    ),
    {"type": "OrgFounded", "occurred": "2010", "data": {"org": "corp", "name": "Corp"}},
    {"type": "OrgFounded", "occurred": "2015", "data": {"org": "lab", "name": "Lab"}},
    {
        "type": "OrgFounded",
        "occurred": "2016",
        "data": {"org": "lab-x", "name": "Lab X", "parent": "lab"},
    },
    {"type": "PersonJoined", "occurred": "2018", "data": {"person": "ana", "org": "lab"}},
    {"type": "PersonJoined", "occurred": "2016", "data": {"person": "bo", "org": "lab"}},
    {"type": "PersonLeft", "occurred": "2021", "data": {"person": "bo", "org": "lab"}},
    {"type": "PersonJoined", "occurred": "2019", "data": {"person": "cy", "org": "lab"}},
    {
        "type": "PersonLeft",
        "occurred": "[2022-05..2022-07]",
        "data": {"person": "cy", "org": "lab"},
    },
    {"type": "PersonJoined", "occurred": "2023-02", "data": {"person": "di", "org": "lab-x"}},
    {"type": "PersonJoined", "occurred": "2012", "data": {"person": "ed", "org": "corp"}},
]
MERGE = {
    "id": "merge",
    "type": "OrgMerged",
    "occurred": "2022-06",
    "source": "s",
    "data": {"org": "lab", "into": "corp"},
}


@pytest.fixture
def merged(tmp_path: Path) -> Iterator[timeline.Timeline]:
    """The history above, with the merge recorded a month after the rest."""
    with timeline.open(tmp_path / "log.jsonl") as tl:
        tl.init()
        tl.append([json.dumps(x) for x in BASE], recorded_at="2025-01-01T00:00:00Z")
        tl.append([json.dumps(MERGE)], recorded_at="2025-02-01T00:00:00Z")
        yield tl


def team(tl: timeline.Timeline, org: str, as_of: str, **kw: str) -> dict[str, str]:
    """Return {person: status} of *org*'s team as of *as_of*."""
    return {r["person"]: r["status"] for r in tl.team(org, as_of, **kw)}


def test_merged_members_count_for_the_successor_from_the_merge_on(merged) -> None:
    """After 2022-06 Ana (lab) and Di (lab-x, a unit of lab) are in corp's team; before, not."""
    assert team(merged, "corp", "2022-01") == {"ed": "definite"}
    assert team(merged, "corp", "2023-06") == {
        "ana": "definite",
        "di": "definite",
        "ed": "definite",
    }


def test_merge_month_itself_is_definite(merged) -> None:
    """In the merge month Ana is certainly in corp on some day of it."""
    assert team(merged, "corp", "2022-06")["ana"] == "definite"


def test_a_day_before_the_merge_could_be_within_its_month(merged) -> None:
    """On 2022-06-10 the merge (some day of 2022-06) may or may not have happened yet."""
    assert team(merged, "corp", "2022-06-10")["ana"] == "possible"


def test_someone_who_left_before_the_merge_never_counts(merged) -> None:
    """Bo left lab in 2021: never in corp's team."""
    assert "bo" not in team(merged, "corp", "[2015..2025]")


def test_a_leave_around_the_merge_is_possible(merged) -> None:
    """Cy left lab in [2022-05..2022-07]: maybe after the merge, so possible for 2022-06..07."""
    assert team(merged, "corp", "[2022-06..2022-07]")["cy"] == "possible"
    assert "cy" not in team(merged, "corp", "2022-09")


def test_the_merged_org_keeps_its_own_history(merged) -> None:
    """lab's own team is unchanged by the merge."""
    assert team(merged, "lab", "2023-06") == {"ana": "definite", "di": "definite"}


def test_merge_is_invisible_before_it_was_recorded(merged) -> None:
    """As the log stood before the merge was recorded, corp is only Ed."""
    assert team(merged, "corp", "2023-06", known_at="2025-01-15") == {"ed": "definite"}


def test_headcount_and_hires_follow_the_merge(merged) -> None:
    """corp's headcount grows at the merge; Di's 2023 join at lab-x is a corp hire, Ana is not."""
    rows = merged.query("headcount", org="corp", from_="2022-05", to="2022-07")
    assert [r["definite"] for r in rows] == [1, 2, 2]
    assert [r["person"] for r in merged.query("hires", org="corp", from_="2018", to="2024")] == [
        "di"
    ]


def test_merge_into_itself_or_an_unknown_org_is_refused(merged) -> None:
    """An org cannot merge into itself, nor into an org the log does not know."""
    bad = [
        {**MERGE, "id": "m2", "data": {"org": "lab", "into": "lab"}},
        {**MERGE, "id": "m3", "data": {"org": "lab", "into": "nowhere"}},
    ]
    for line in bad:
        with pytest.raises(timeline.InvalidEventError):
            merged.append([json.dumps(line)])


def test_merge_from_the_command_line(tmp_path: Path) -> None:
    """An OrgMerged line appended with the CLI changes `timeline team` for the successor."""
    log = tmp_path / "log.jsonl"
    runner = CliRunner()
    base = "\n".join(json.dumps(x) for x in BASE)
    assert runner.invoke(main, ["--log", str(log), "init"]).exit_code == 0
    assert runner.invoke(main, ["--log", str(log), "append", "-"], input=base).exit_code == 0
    result = runner.invoke(main, ["--log", str(log), "append", "-"], input=json.dumps(MERGE))
    assert result.exit_code == 0, result.stderr
    assert "appended 1 event(s)" in result.stderr
    shown = runner.invoke(
        main, ["--log", str(log), "team", "corp", "--as-of", "2024", "--format", "jsonl"]
    )
    assert shown.exit_code == 0 and shown.stderr == ""
    assert [json.loads(x)["person"] for x in shown.stdout.splitlines()] == ["ana", "di", "ed"]
