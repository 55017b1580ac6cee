"""Answer the commonest question, the team of an org as known now, with the least planning.

``team_now`` (sql/macros.sql) is the projection's answer for any DuckDB client.
``Timeline.team`` asks the same question through ``sql/read/team_rows.sql``:
the same rows, before the one-per-person pick, ordered so that each person's
first row is the one the pick keeps.  Keeping it here is a walk over the rows;
in DuckDB it was an ordered ``first()`` and a macro expansion that cost more to
plan than to run (a third of the call).  The role and the org's name as of the
window come from the first two entries of ``members``' lists, kept as plain
columns; a row whose lists hold more sends the question to ``team_now``.
tests/test_team_now.py holds the two to the same rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from . import _sqlfiles as sqlfiles
from ._rowdict import row_dict
from .dates import DateValue

__all__ = ["first_per_person", "params", "sql"]


def sql() -> str:
    """Return the query (``sql/read/team_rows.sql``: not part of the projection's fingerprint)."""
    return sqlfiles.text("read/team_rows")


def params(org: str, window: DateValue) -> dict[str, str]:
    """Bind *org* and the first and last day of *window* (open ends as +-infinity)."""
    return {
        "org": org,
        "lo": window.lo.isoformat() if window.lo else "-infinity",
        "hi": window.hi.isoformat() if window.hi else "infinity",
    }


def first_per_person(
    names: list[str], rows: Iterable[tuple[Any, ...]]
) -> list[dict[str, Any]] | None:
    """Return each person's first row of *rows* (columns *names*) as a dict.

    The person is the first column and ``lists`` the last: the dicts leave it
    out, and if a row kept has it set the answer is None, because that row's
    role or org name needs the lists (the caller then asks ``team_now``).
    Picking on the tuples and building dicts only for the rows kept took half
    the time of building every row's dict first and then picking (9.6 -> 4.5
    ms for 4,167 rows); the dicts are made as :mod:`timeline._rowdict` makes them.
    """
    make = row_dict(tuple(names[:-1]))  # every column but `lists`
    seen: set[str] = set()
    kept = []
    for row in rows:
        if row[0] not in seen:
            if row[-1]:
                return None
            seen.add(row[0])
            kept.append(make(row))
    return kept
