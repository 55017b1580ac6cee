"""The DuckDB projection: a disposable cache that catches up incrementally."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import duckdb
from conftest import RECORDED

import timeline


def test_catch_up_reads_only_new_events(small) -> None:
    """After an append, the next sync reads just the new events, not the whole log."""
    small.sync()
    small.append(
        ['{"type":"PersonAdded","data":{"person":"dee","name":"Dee"}}'], recorded_at=RECORDED
    )
    result = small.sync()
    assert (result.action, result.events, result.last_seq) == ("incremental", 1, 15)
    assert small.sync().action == "none"


def test_deleted_projection_is_rebuilt(small) -> None:
    """Deleting the DuckDB file loses nothing: the next question rebuilds it."""
    expected = small.team("acme", "2024-08")
    small.close()
    small.projection.db_path.unlink()
    assert small.team("acme", "2024-08") == expected


def test_macros_work_without_the_package(small) -> None:
    """Any DuckDB client opened on the file can run team_as_of without timeline."""
    small.sync()
    small.close()
    con = duckdb.connect(str(small.projection.db_path), read_only=True)
    rows = con.execute("SELECT person, status FROM team_as_of('acme', '2024-08')").fetchall()
    con.close()
    assert sorted(rows) == [("ana", "definite"), ("cy", "definite")]


def test_incremental_equals_full_replay(small) -> None:
    """Catching up batch by batch gives the same stints as a replay from scratch."""
    small.append(
        [
            '{"type":"EventRetracted","data":{"event":"j-cy","reason":"x"}}',
            '{"type":"PersonJoined","occurred":"2022","data":{"person":"cy","org":"lab"}}',
        ]
    )
    query = "SELECT * EXCLUDE (stint_no) FROM stints ORDER BY ALL"
    incremental = small.rows(query)
    small.replay()
    assert small.rows(query) == incremental


def test_cache_goes_to_user_cache_when_log_folder_is_read_only(tmp_path, monkeypatch) -> None:
    """Where the log's folder is not writable, the projection lives in the user's cache folder."""
    from pathlib import Path

    from timeline import projection

    log = tmp_path / "ro" / "log.jsonl"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    real_access = projection.os.access
    monkeypatch.setattr(
        projection.os,
        "access",
        lambda p, mode: False if Path(p) == log.parent else real_access(p, mode),
    )
    path = projection.default_db_path(log)
    assert path.parent == tmp_path / "cache" / "timeline" and path.suffix == ".duckdb"
    assert projection.default_db_path(tmp_path / "log.jsonl") == tmp_path / "log.jsonl.duckdb"


def test_user_sql_cannot_write_or_read_other_files(small, tmp_path) -> None:
    """SQL on the read connection can neither COPY to a file, read one, nor re-enable that."""
    import pytest

    from timeline import QueryError

    target = tmp_path / "out.csv"
    attempts = [
        f"COPY (SELECT 1) TO '{target}'",
        f"SELECT * FROM read_csv('{small.log.path}')",
        f"ATTACH '{tmp_path / 'other.duckdb'}' AS other",
        "SET enable_external_access = true",
    ]
    before = small.log.path.read_bytes()
    for sql in attempts:
        with pytest.raises(QueryError):
            small.rows(sql)
    assert not target.exists() and small.log.path.read_bytes() == before
    assert small.rows("SELECT count(*) AS n FROM events") == [{"n": 14}]


def test_cache_built_by_other_sql_is_rebuilt(small) -> None:
    """A projection whose SQL fingerprint differs from this version's is replayed, not reused."""
    small.sync()
    small.close()
    con = duckdb.connect(str(small.projection.db_path))
    con.execute("UPDATE _checkpoint SET schema_version = schema_version + 1")
    con.close()
    assert small.sync().action == "rebuild"
    assert small.sync().action == "none"


def test_cache_built_under_another_duckdb_release_is_rebuilt(small, monkeypatch) -> None:
    """A projection written under another DuckDB release is replayed, not reused: the
    root keys it stores come from that release's functions."""
    from timeline import _duck
    from timeline.projection import schema_version

    small.sync()
    small.close()
    written = schema_version()
    monkeypatch.setattr(_duck.engine(), "__version__", "0.0.1", raising=False)
    schema_version.cache_clear()
    try:
        assert schema_version() != written
        assert small.sync().action == "rebuild"
        assert small.sync().action == "none"
    finally:
        monkeypatch.undo()
        schema_version.cache_clear()
    assert schema_version() == written


def test_rebuild_reports_each_step_then_done(small) -> None:
    """A rebuild calls its progress callback before each step and once when done."""
    calls: list[tuple[str, int, int]] = []
    small.close()
    small.projection.rebuild(lambda step, done, total: calls.append((step, done, total)))
    total = calls[0][2]
    assert [done for _, done, _ in calls] == list(range(total + 1))
    assert calls[-1] == ("done", total, total) and all(t == total for _, _, t in calls)
    assert "stints" in [step for step, _, _ in calls]


def test_catch_up_is_visible_to_a_new_reader_before_any_checkpoint(small) -> None:
    """A catch-up's changes, left in DuckDB's WAL, are what the next connection reads."""
    small.sync()
    small.append(
        ['{"type":"PersonAdded","data":{"person":"dee","name":"Dee"}}'], recorded_at=RECORDED
    )
    assert small.sync().action == "incremental"
    small.close()
    assert small.projection.db_path.with_name(small.projection.db_path.name + ".wal").exists()
    con = duckdb.connect(str(small.projection.db_path), read_only=True)
    try:
        names = con.execute("SELECT name FROM people WHERE person = 'dee'").fetchall()
    finally:
        con.close()
    assert names == [("Dee",)]


def test_replay_stores_stints_by_org_and_members_by_root(small) -> None:
    """After a replay leadership stints are stored in org order and members in root key
    order, each root's rows together."""
    heads = [("newco", "bo"), ("acme", "ana"), ("newco", "cy")]
    small.append(
        [
            {
                "type": "LeadershipChanged",
                "occurred": "2024",
                "data": {"org": o, "title": "ceo", "incoming": p},
            }
            for o, p in heads
        ]
    )
    small.replay()
    orgs = [r["org"] for r in small.rows("SELECT org FROM leader_stints ORDER BY rowid")]
    members = small.rows("SELECT root_key, root FROM members ORDER BY rowid")
    keys = [r["root_key"] for r in members]
    runs = [root for root, _ in itertools.groupby(r["root"] for r in members)]
    assert orgs == sorted(orgs) and len(set(orgs)) == 3
    assert keys == sorted(keys) and len(runs) == len(set(runs)) > 1


def test_replay_writes_small_row_groups(tmp_path: Path) -> None:
    """A replay writes row groups of ROW_GROUP_SIZE rows, not DuckDB's 122,880."""
    from benchmarks.generate import generate
    from timeline._duck import ROW_GROUP_SIZE

    with timeline.open(generate(20_000, tmp_path / "log.jsonl", seed=5)) as tl:
        tl.sync()
        groups = tl.rows(
            "SELECT count(DISTINCT row_group_id) AS n, max(row_group_id) AS last"
            " FROM pragma_storage_info('events')"
        )[0]
    assert groups["n"] == -(-20_000 // ROW_GROUP_SIZE) == groups["last"] + 1


def _shared_prefix_log(tmp_path: Path, monkeypatch) -> Path:
    """Write a 20,000-event log of 20 orgs whose slugs share their first 22 bytes, to be
    projected in row groups of 2,048 rows (many row groups from a small log)."""
    from benchmarks.generate import generate
    from timeline import _duck

    monkeypatch.setattr(_duck, "ROW_GROUP_SIZE", 2048)
    return generate(20_000, tmp_path / "log.jsonl", seed=3, org_prefix="acme-corporation-unit-")


def _row_groups_read(
    tl: timeline.Timeline, explain: str, params: dict[str, Any]
) -> list[tuple[int, int]]:
    """Run EXPLAIN ANALYZE *explain*; return (row groups read, row groups) of each scan."""
    import re

    (plan,) = tl.rows(explain, params)
    found = re.findall(r"Row Groups Scanned: (\d+) / (\d+)", plan["explain_value"])
    assert found, plan["explain_value"]
    return [(int(a), int(b)) for a, b in found]


def test_a_team_question_reads_only_its_orgs_row_groups_whatever_the_slugs(
    tmp_path: Path, monkeypatch
) -> None:
    """Orgs whose slugs share their first 12 bytes (all that DuckDB's zone maps keep of a
    text) are still told apart: a team question on any one reads one or two row groups."""
    from timeline import _team

    scanned: dict[str, tuple[int, int]] = {}
    with timeline.open(_shared_prefix_log(tmp_path, monkeypatch)) as tl:
        orgs = [r["org"] for r in tl.rows("SELECT org FROM orgs ORDER BY org")]
        for org in orgs:
            params = {"org": org, "lo": "-infinity", "hi": "infinity"}  # no date pruning
            (found,) = _row_groups_read(tl, "EXPLAIN ANALYZE " + _team.sql(), params)
            scanned[org] = found
    assert len(orgs) == 20 and all(total >= 5 for _, total in scanned.values()), scanned
    assert all(1 <= read <= 2 for read, _ in scanned.values()), scanned


def test_an_org_trees_stints_are_read_from_their_own_row_groups(
    tmp_path: Path, monkeypatch
) -> None:
    """The analyst questions' stints of an org's tree (tree_stints) are found through the
    orgs' keys: `members` is read in at most two row groups per org of the tree."""
    with timeline.open(_shared_prefix_log(tmp_path, monkeypatch)) as tl:
        trees = tl.rows(
            "SELECT o.org, (SELECT count(*) FROM org_tree_since(o.org, NULL)) AS n FROM orgs o"
        )
        total = tl.rows(
            "SELECT count(DISTINCT row_group_id) AS n FROM pragma_storage_info('members')"
        )
        for tree in trees:
            found = _row_groups_read(
                tl, "EXPLAIN ANALYZE FROM tree_stints($org, NULL)", {"org": tree["org"]}
            )
            # the scan of members (leader_stints, the other one, is a single row group)
            read = [a for a, b in found if b == total[0]["n"]]
            assert len(read) == 1 and read[0] <= 2 * tree["n"], (tree, found)
    assert total[0]["n"] >= 5 and max(t["n"] for t in trees) > 1


def test_replay_in_ranges_of_roots_writes_the_same_tables(tmp_path: Path, monkeypatch) -> None:
    """A replay that sorts `members` one root key at a time writes every table alike."""
    from test_projection_catchup import _tables

    import timeline._steps as steps
    from benchmarks.generate import generate

    log = generate(3_000, tmp_path / "log.jsonl", seed=21)
    with timeline.open(log, tmp_path / "one.duckdb") as tl:
        tl.replay()
        rows = tl.rows("SELECT count(*) AS n FROM members")[0]["n"]
        distinct = tl.rows("SELECT count(DISTINCT root) AS n FROM members")[0]["n"]
    ranges: list[list[tuple[int | None, int | None]]] = []
    split = steps.member_ranges

    def recorded(con: duckdb.DuckDBPyConnection) -> list[tuple[int | None, int | None]]:
        ranges.append(split(con))
        return ranges[-1]

    monkeypatch.setattr(steps, "MEMBER_SORT_ROWS", 1)  # a range per root
    monkeypatch.setattr(steps, "member_ranges", recorded)
    with timeline.open(log, tmp_path / "ranges.duckdb") as tl:
        tl.replay()
        keys = [r["root_key"] for r in tl.rows("SELECT root_key FROM members ORDER BY rowid")]
    assert len(ranges) == 1 and len(ranges[0]) == distinct > 1, ranges
    assert keys == sorted(keys) and len(keys) == rows
    assert _tables(tmp_path / "ranges.duckdb") == _tables(tmp_path / "one.duckdb")


def _count_instances(monkeypatch) -> list[int]:
    """Count the DuckDB instances the engine starts from now on."""
    started: list[int] = []
    engine = timeline._duck.engine()
    real = engine.connect

    def connect(*args, **kwargs):
        started.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "connect", connect)
    return started


def _add(tl: timeline.Timeline, person: str) -> None:
    tl.append(
        [f'{{"type":"PersonAdded","data":{{"person":"{person}","name":"{person.title()}"}}}}'],
        recorded_at=RECORDED,
    )


def test_catch_ups_in_one_process_share_one_duckdb_instance(small, monkeypatch) -> None:
    """A process's second catch-up of a projection starts no DuckDB instance; it attaches."""
    small.sync()
    _add(small, "dee")
    assert small.sync().action == "incremental"
    started = _count_instances(monkeypatch)
    _add(small, "eve")
    assert small.sync().action == "incremental"
    assert started == []
    assert {r["person"] for r in small.rows("FROM people")} >= {"dee", "eve"}


def test_a_catch_up_leaves_the_file_detached(small) -> None:
    """After a catch-up its instance holds no file: a read-write connect of it works."""
    small.sync()
    _add(small, "dee")
    assert small.sync().action == "incremental"
    small.close()
    kept = timeline._duck._kept
    assert kept is not None and kept[0] == str(small.projection.db_path.resolve())
    attached = kept[1].execute("SELECT database_name FROM duckdb_databases()").fetchall()
    assert ("projection",) not in attached
    con = duckdb.connect(str(small.projection.db_path))  # another configuration: refused if held
    con.close()


def test_an_appends_lookups_start_the_instance_its_catch_up_then_uses(small, monkeypatch) -> None:
    """An append that asks the projection attaches it, read-only and only while it validates,
    to the process's kept instance; the catch-up after it starts no instance of its own."""
    small.sync()
    small.close()
    timeline._duck._forget()  # as in a fresh process
    started = _count_instances(monkeypatch)
    with timeline.open(small.log.path) as fresh:
        _add(fresh, "dee")  # a first append asks the projection whether `dee` exists
        assert len(started) == 1
        kept = timeline._duck._kept
        assert kept is not None and kept[0] == str(fresh.projection.db_path.resolve())
        attached = kept[1].execute("SELECT database_name FROM duckdb_databases()").fetchall()
        assert ("projection",) not in attached
        assert fresh.sync().action == "incremental"
        assert len(started) == 1
    con = duckdb.connect(str(small.projection.db_path))  # another configuration: refused if held
    con.close()


def test_an_instance_from_before_a_fork_is_not_reused(small, monkeypatch) -> None:
    """After the fork hook (as in a child), a catch-up starts its own instance, not closing
    the parent's."""
    small.sync()
    _add(small, "dee")
    small.sync()
    parent = timeline._duck._kept
    monkeypatch.setattr(timeline._duck, "_lease", timeline._duck._lease)  # restored after
    timeline._duck._after_fork()  # what os.fork runs in the child
    started = _count_instances(monkeypatch)
    _add(small, "eve")
    assert small.sync().action == "incremental"
    assert len(started) == 1
    assert parent is not None and timeline._duck._kept is not None
    assert timeline._duck._kept[1] is not parent[1]
    assert parent[1].execute("SELECT 1").fetchall() == [(1,)]  # the parent's is left open
    parent[1].close()


def test_threads_catching_up_two_projections_take_turns_on_the_kept_instance(
    tmp_path: Path,
) -> None:
    """Two threads catching up two projections at once each catch up, never rebuilding."""
    import threading

    from conftest import fixture_lines

    tls = []
    for name in ("a", "b"):
        tl = timeline.open(tmp_path / f"{name}.jsonl")
        tl.init()
        tl.append(fixture_lines("small.jsonl"), recorded_at=RECORDED)
        tls.append(tl)
    for tl in tls:
        tl.sync()
    errors: list[BaseException] = []
    actions: list[str] = []

    def work(tl: timeline.Timeline, prefix: str) -> None:
        try:
            for i in range(6):
                _add(tl, f"{prefix}{i}")
                actions.append(tl.sync().action)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(tl, p)) for tl, p in zip(tls, "xy", strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert actions == ["incremental"] * 12  # a failed catch-up would fall back to a rebuild
    for tl, prefix in zip(tls, "xy", strict=True):
        people = {r["person"] for r in tl.rows("FROM people")}
        assert {f"{prefix}{i}" for i in range(6)} <= people
        tl.close()


def test_a_failed_catch_up_detaches_before_the_rebuild(small, monkeypatch) -> None:
    """A catch-up that fails midway falls back to a rebuild, leaving no file attached."""
    small.sync()
    _add(small, "dee")

    def broken(*args, **kwargs):
        raise RuntimeError("midway")

    monkeypatch.setattr(timeline.projection.Projection, "_catch_up", broken)
    assert small.sync().action == "rebuild"
    kept = timeline._duck._kept
    assert kept is not None
    attached = kept[1].execute("SELECT database_name FROM duckdb_databases()").fetchall()
    assert ("projection",) not in attached
    assert "dee" in {r["person"] for r in small.rows("FROM people")}
