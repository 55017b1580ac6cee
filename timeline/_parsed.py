"""Run SQL parsed once per process: DuckDB then only binds, plans and runs it.

``execute`` with a text parses it on every call, and DuckDB 2.0's parser took
0.4-0.9 ms of the team question's 3-4 ms at 1M events.  ``execute`` also takes
a statement that ``extract_statements`` parsed, which it copies before binding,
so one parse serves every later call, on any connection.  The parameters are
still bound by name, as with a text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

__all__ = ["LIMIT", "execute"]

#: Texts whose parse is kept; past it the memory starts afresh (the package's own SQL is
#: about 70 statements; the rest is what callers of ``Timeline.rows`` ask).
LIMIT = 512

_kept: dict[str, Any] = {}


def execute(
    con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None
) -> duckdb.DuckDBPyConnection:
    """Run *sql* on *con* with named *params*, parsing it only the first time it is seen.

    A text of several statements is parsed to count them, then run as ``execute``
    runs it: only a single statement is kept.  A text DuckDB cannot parse raises its error, as
    ``execute`` would.
    """
    statement = _kept.get(sql)
    if statement is None:
        statements = con.extract_statements(sql)
        if len(statements) != 1:
            return con.execute(sql, params or {})
        statement = statements[0]
        if len(_kept) >= LIMIT:
            _kept.clear()
        _kept[sql] = statement
    return con.execute(statement, params or {})
