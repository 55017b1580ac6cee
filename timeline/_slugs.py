"""Tell which slugs the projection lists: the one question reads and appends both ask.

Apart from :mod:`timeline._known` (the append's caches, which import the batch
rules and with them attrs and the event classes) so that a read which must say
that an org does not exist (``Timeline.require``: every ``leaders`` question, a
``team`` question with no one in it) loads none of the write path: about 30 ms
of a command's start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import _parsed

if TYPE_CHECKING:
    import duckdb

__all__ = ["TABLES", "existing"]

#: The projection table that lists each kind of slug (its column is named after the kind).
TABLES = {"person": "people", "org": "orgs", "source": "sources", "paper": "papers"}


def existing(con: duckdb.DuckDBPyConnection, kind: str, keys: set[str]) -> set[str]:
    """Return those of *keys* that the projection on *con* lists as *kind*."""
    table = TABLES[kind]  # an unknown kind stops here: only these four names reach the SQL
    rows = _parsed.execute(
        con,
        f"SELECT {kind} FROM {table} WHERE {kind} IN (SELECT unnest($keys))",
        {"keys": sorted(keys)},
    ).fetchall()
    return {r[0] for r in rows}
