"""Catch-up keeps every projected table exactly as a full replay would build it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

import timeline
from benchmarks.generate import generate
from benchmarks.tasks import new_events

RECORDED = "2030-01-01T00:00:00Z"


def _tables(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY 1"
            ).fetchall()
        ]
        return {n: con.execute(f"FROM {n} ORDER BY ALL").fetchall() for n in names}
    finally:
        con.close()


def _same_as_replay(tl: timeline.Timeline, tmp: Path) -> None:
    assert tl.sync().action in ("incremental", "none")
    fresh = tmp / "fresh.duckdb"
    fresh.unlink(missing_ok=True)
    with timeline.Timeline(tl.log.path, fresh) as other:
        assert other.sync().action == "rebuild"
    ours, replayed = _tables(tl.projection.db_path), _tables(fresh)
    assert ours.keys() == replayed.keys()
    for name in ours:
        extra = sorted({repr(r) for r in ours[name]} ^ {repr(r) for r in replayed[name]})[:4]
        assert ours[name] == replayed[name], (name, extra)


def test_catch_up_matches_replay(tmp_path: Path) -> None:
    """Raw committed lines, then appended batches with new people, retractions and roles."""
    full = generate(3_000, tmp_path / "full.jsonl", seed=11).read_bytes().splitlines(True)
    log = tmp_path / "log.jsonl"
    log.write_bytes(b"".join(full[:2_000]))
    with timeline.open(log, tmp_path / "log.duckdb") as tl:
        assert tl.sync().action == "rebuild"
        with open(log, "ab") as fh:  # a second writer's committed batch
            fh.write(b"".join(full[2_000:]))
        assert tl.sync().action == "incremental"
        _same_as_replay(tl, tmp_path)

        tl.append(new_events(tl.projection.db_path, 300, 5, "x"), recorded_at=RECORDED)
        person = tl.rows(
            "SELECT id, data->>'person' AS p FROM events"
            " WHERE type = 'PersonAdded' AND retracted_at IS NULL LIMIT 1"
        )[0]
        role = tl.rows("SELECT id FROM roles WHERE type = 'RoleChanged' LIMIT 1")[0]
        tl.append(
            [
                {"type": "EventRetracted", "data": {"event": person["id"], "reason": "twin"}},
                {"type": "EventRetracted", "data": {"event": role["id"], "reason": "wrong"}},
            ],
            recorded_at=RECORDED,
        )
        _same_as_replay(tl, tmp_path)  # the person is gone, one role fewer
        tl.append(
            [
                {"type": "PersonAdded", "data": {"person": person["p"], "name": "Re Added"}},
                {
                    "type": "RoleChanged",
                    "occurred": "2020",
                    "data": {"person": person["p"], "org": "org-1", "role": "lead"},
                },
            ],
            recorded_at=RECORDED,
        )
        assert tl.sync().action == "incremental"
        assert tl.rows("SELECT name FROM people WHERE person = $p", {"p": person["p"]}) == [
            {"name": "Re Added"}
        ]
        _same_as_replay(tl, tmp_path)


def test_catch_up_of_orgs_matches_replay(tmp_path: Path) -> None:
    """New orgs, units, renamings and a retracted renaming, each caught up by key."""
    log = generate(2_000, tmp_path / "log.jsonl", seed=12)
    with timeline.open(log, tmp_path / "log.duckdb") as tl:
        assert tl.sync().action == "rebuild"
        tl.append(
            [
                {
                    "id": "r1",
                    "type": "OrgRenamed",
                    "occurred": "2001",
                    "data": {"org": "org-1", "name": "First Name"},
                },
                {
                    "id": "r2",
                    "type": "OrgRenamed",
                    "occurred": "2003",
                    "data": {"org": "org-1", "name": "Second Name"},
                },
                {
                    "type": "OrgFounded",
                    "occurred": "2002",
                    "data": {"org": "unit-a", "name": "Unit A", "parent": "org-2"},
                },
            ],
            recorded_at=RECORDED,
        )
        _same_as_replay(tl, tmp_path)
        assert tl.rows("SELECT name FROM orgs WHERE org = 'org-1'") == [{"name": "Second Name"}]
        tl.append(
            [{"type": "EventRetracted", "data": {"event": "r2", "reason": "misread"}}],
            recorded_at=RECORDED,
        )
        _same_as_replay(tl, tmp_path)
        assert tl.rows("SELECT name FROM orgs WHERE org = 'org-1'") == [{"name": "First Name"}]


def test_catch_up_of_leadership_matches_replay(tmp_path: Path) -> None:
    """A new leadership change and the retraction of an old one and of a leave, caught up."""
    log = generate(2_000, tmp_path / "log.jsonl", seed=13)
    with timeline.open(log, tmp_path / "log.duckdb") as tl:
        assert tl.sync().action == "rebuild"
        old = tl.rows(
            "SELECT id, data->>'org' AS org, data->>'incoming' AS person FROM events"
            " WHERE type = 'LeadershipChanged' AND retracted_at IS NULL ORDER BY seq LIMIT 1"
        )[0]
        leave = tl.rows(
            "SELECT id FROM events WHERE type = 'PersonLeft' AND retracted_at IS NULL"
            " ORDER BY seq DESC LIMIT 1"
        )[0]
        tl.append(
            [
                {
                    "type": "LeadershipChanged",
                    "occurred": "2030",
                    "data": {"org": old["org"], "title": "CEO", "outgoing": old["person"]},
                },
                {"type": "EventRetracted", "data": {"event": old["id"], "reason": "wrong"}},
                {"type": "EventRetracted", "data": {"event": leave["id"], "reason": "stayed"}},
            ],
            recorded_at=RECORDED,
        )
        _same_as_replay(tl, tmp_path)


def test_catch_up_of_a_merge_matches_replay(tmp_path: Path) -> None:
    """A merge, then its retraction, move the merged org's members in and out by key."""
    from test_org_merged import BASE, MERGE

    with timeline.open(tmp_path / "log.jsonl", tmp_path / "log.duckdb") as tl:
        tl.init()
        tl.append(BASE, recorded_at=RECORDED)
        before = tl.team("corp", "2023")
        tl.append([MERGE], recorded_at=RECORDED)
        _same_as_replay(tl, tmp_path)
        assert {r["person"] for r in tl.team("corp", "2023")} == {"ana", "di", "ed"}
        tl.append(
            [{"type": "EventRetracted", "data": {"event": "merge", "reason": "fell through"}}],
            recorded_at=RECORDED,
        )
        _same_as_replay(tl, tmp_path)
        assert tl.team("corp", "2023") == before


def test_catch_up_of_a_pair_touched_twice_matches_replay(tmp_path: Path) -> None:
    """One batch with a leave, a role change and a renaming of the org, all of one pair.

    The pair's rows are replaced for its new edge and again for the other two: its
    member stints must be written once, from the new edges, not also from the old rows.
    """
    log = generate(2_000, tmp_path / "log.jsonl", seed=14)
    with timeline.open(log, tmp_path / "log.duckdb") as tl:
        assert tl.sync().action == "rebuild"
        pair = tl.rows(
            "SELECT person, org FROM stints WHERE track = 'member' AND \"left\" IS NULL"
            " AND joined IS NOT NULL ORDER BY person, org LIMIT 1"
        )[0]
        before = tl.rows(
            "SELECT count(*) AS n FROM stints WHERE person = $p", {"p": pair["person"]}
        )
        tl.append(
            [
                {"type": "PersonLeft", "occurred": "2029", "data": pair},
                {"type": "RoleChanged", "occurred": "2028", "data": {**pair, "role": "chief"}},
                {
                    "type": "OrgRenamed",
                    "occurred": "2027",
                    "data": {"org": pair["org"], "name": "N"},
                },
            ],
            recorded_at=RECORDED,
        )
        _same_as_replay(tl, tmp_path)
        assert (
            tl.rows("SELECT count(*) AS n FROM stints WHERE person = $p", {"p": pair["person"]})
            == before
        )
