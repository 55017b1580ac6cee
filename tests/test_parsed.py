"""SQL parsed once per process (timeline/_parsed.py): the same answers, one parse per text."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import duckdb
import pytest

from timeline import _parsed


class Counting:
    """A connection that counts the texts it parses."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.parsed: list[str] = []

    def extract_statements(self, sql: str) -> list[Any]:
        self.parsed.append(sql)
        return self.con.extract_statements(sql)

    def execute(self, sql: Any, params: Any = None) -> duckdb.DuckDBPyConnection:
        return self.con.execute(sql, params)


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    _parsed._kept.clear()
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT range AS n FROM range(10)")
    yield con
    con.close()
    _parsed._kept.clear()


def test_a_text_is_parsed_once_and_each_call_binds_its_own_params(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """The second call with the same text parses nothing, and answers for its own params."""
    counting = Counting(con)
    sql = "SELECT count(*) FROM t WHERE n < $below"
    first = _parsed.execute(counting, sql, {"below": 3}).fetchall()  # type: ignore[arg-type]
    second = _parsed.execute(counting, sql, {"below": 7}).fetchall()  # type: ignore[arg-type]
    assert (first, second) == ([(3,)], [(7,)])
    assert counting.parsed == [sql]


def test_a_parsed_text_serves_another_connection(con: duckdb.DuckDBPyConnection) -> None:
    """A statement parsed on one connection runs on another, against that one's tables."""
    sql = "SELECT sum(n) FROM t"
    assert _parsed.execute(con, sql).fetchall() == [(45,)]
    other = duckdb.connect()
    try:
        other.execute("CREATE TABLE t AS SELECT 5 AS n")
        assert _parsed.execute(other, sql).fetchall() == [(5,)]
    finally:
        other.close()


def test_several_statements_run_as_execute_runs_them_and_are_not_kept(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """A text of two statements runs both, returns the last's rows, and is parsed each time."""
    sql = "INSERT INTO t VALUES (100); SELECT max(n) FROM t"
    assert _parsed.execute(con, sql).fetchall() == [(100,)]
    assert con.execute("SELECT count(*) FROM t").fetchall() == [(11,)]
    assert sql not in _parsed._kept


def test_a_text_duckdb_cannot_parse_raises_its_parser_error(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """Unparsable SQL raises DuckDB's ParserException, as execute would, and is not kept."""
    with pytest.raises(duckdb.ParserException):
        _parsed.execute(con, "SELEKT 1")
    assert not _parsed._kept


def test_the_memory_of_parsed_texts_is_bounded(
    con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past LIMIT texts the memory starts afresh, and every text still answers."""
    monkeypatch.setattr(_parsed, "LIMIT", 3)
    answers = [_parsed.execute(con, f"SELECT {i}").fetchall() for i in range(7)]
    assert answers == [[(i,)] for i in range(7)]
    assert len(_parsed._kept) <= 3


def test_threads_running_one_parsed_text_each_get_their_own_answer(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """Eight threads run one kept statement on their own cursors with their own params."""
    sql = "SELECT count(*) FROM t WHERE n < $below"
    _parsed.execute(con, sql, {"below": 1})
    answers: dict[int, Any] = {}

    def ask(below: int) -> None:
        cursor = con.cursor()
        try:
            params = {"below": below}
            answers[below] = [_parsed.execute(cursor, sql, params).fetchall() for _ in range(50)]
        finally:
            cursor.close()

    threads = [threading.Thread(target=ask, args=(b,)) for b in range(2, 10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == {b: [[(b,)]] * 50 for b in range(2, 10)}
