"""Guarantee 7: queries run on a read-only connection with bound parameters."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from _faults import cli, small_log

import timeline

WRITES = [
    "DELETE FROM events",
    "UPDATE events SET id = 'x'",
    "INSERT INTO people SELECT * FROM people",
    "DROP TABLE events",
    "CREATE TABLE x (a INT)",
    "CREATE OR REPLACE MACRO team_as_of(a, b) AS 1",
    "ATTACH ':memory:' AS other",
]


def _state(tl: timeline.Timeline) -> tuple[object, ...]:
    return (
        tl.rows("SELECT count(*) AS n FROM events")[0]["n"],
        tl.rows("SELECT count(*) AS n FROM duckdb_tables()")[0]["n"],
        tl.rows("SELECT list(id ORDER BY seq) AS ids FROM events")[0]["ids"],
    )


@pytest.mark.parametrize("sql", WRITES[:-1])
def test_writing_statement_fails_and_changes_nothing(tmp_path: Path, sql: str) -> None:
    """A statement that would change the projection raises QueryError; the data is unchanged."""
    path = small_log(tmp_path)
    db = path.with_name(path.name + ".duckdb")
    with timeline.open(path) as tl:
        before = _state(tl)
        stamp = db.stat().st_mtime_ns
        with pytest.raises(timeline.QueryError) as err:
            tl.rows(sql)
        assert "read-only" in str(err.value)
        assert _state(tl) == before
    assert db.stat().st_mtime_ns == stamp


def test_attach_cannot_open_a_writable_database(tmp_path: Path) -> None:
    """ATTACH, which would give a query somewhere to write, is refused on the read connection."""
    path = small_log(tmp_path)
    with timeline.open(path) as tl, pytest.raises(timeline.QueryError):
        tl.rows(WRITES[-1])


def test_parameter_values_are_data_not_sql(tmp_path: Path) -> None:
    """A value like ``'); DROP TABLE events; --`` is bound as data: it matches nothing and
    drops nothing."""
    path = small_log(tmp_path)
    hostile = "'); DROP TABLE events; --"
    with timeline.open(path) as tl:
        before = _state(tl)
        assert tl.rows("SELECT * FROM people WHERE person = $p", {"p": hostile}) == []
        assert tl.events(person=hostile) == []
        assert tl.rows("SELECT $p AS v", {"p": hostile}) == [{"v": hostile}]
        assert _state(tl) == before


def test_cli_query_binds_hostile_parameter(tmp_path: Path) -> None:
    """``timeline query search -p text='...DROP...'`` treats the value as data; nothing changes."""
    path = small_log(tmp_path)
    hostile = "x'); DROP TABLE events; --"
    result = cli("query", "search", "-p", f"text={hostile}", "--format", "json", log=path)
    assert result.exit_code == 0 and result.stdout.strip() == "[]"
    result = cli("log", "--person", hostile, log=path)
    assert result.exit_code == 0 and result.stdout == ""
    with timeline.open(path) as tl:
        assert tl.rows("SELECT count(*) AS n FROM events")[0]["n"] == 14


def test_failed_query_reports_cleanly_in_cli(tmp_path: Path) -> None:
    """A QueryError surfaces in the CLI as one message and exit 1, no traceback."""
    path = small_log(tmp_path)
    result = cli("person", "'); DROP TABLE people; --", log=path)
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert "unknown person" in result.stderr


def test_readers_draw_no_duckdb_progress_bar_and_cannot_regain_file_access(
    tmp_path: Path,
) -> None:
    """Each reader (two at once in one process) has DuckDB's stdout progress bar off, and SQL
    cannot turn external file access back on."""
    path = small_log(tmp_path)
    with timeline.open(path) as tl:
        tl.sync()
        first, second = tl.projection.connect_read(), tl.projection.connect_read()
        try:
            for con in (first, second):
                setting = con.execute("SELECT current_setting('enable_progress_bar')").fetchone()
                assert setting == (False,)
                with pytest.raises(duckdb.Error, match="external access"):
                    con.execute("SET enable_external_access = true")
        finally:
            first.close()
            second.close()
