"""Run the projection's SQL files, and list the steps of a replay.

Each ``sql/<name>.sql`` file runs statement by statement; its ``-- needs:`` and
``-- unless:`` lines let a catch-up skip what the events it read cannot have
changed.  A replay's steps are named for its progress bar.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import _parsed
from . import _sqlfiles as sqlfiles

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "CATCHUP_SKIP",
    "INCREMENTAL",
    "MEMBER_SORT_ROWS",
    "member_ranges",
    "rebuild_steps",
    "run",
    "statements",
]

#: Derived tables that a catch-up updates by key (sql/derive_catchup.sql) instead of rebuilding.
INCREMENTAL = frozenset({"people", "org_names", "orgs", "org_links", "role_changes"})
#: Rows of `members` a replay sorts at a time (sql/member_ranges.sql).  One sort of all
#: 6.8M rows at 10M events spilled past the memory limit: 36.6 s, against 21.9 s in four
#: ranges (20.6 s in three, 23.5 s in two).  A 1M replay (666k rows) sorts once.
MEMBER_SORT_ROWS = 2_000_000
#: What a catch-up leaves out of derive.sql: the tables above, and the `roles` view
#: (over `edges` and `role_changes`, current without a catch-up's help).
CATCHUP_SKIP = INCREMENTAL | {"roles"}


@functools.cache
def statements(name: str) -> list[tuple[str, list[frozenset[str]], frozenset[str]]]:
    """Split ``sql/<name>.sql`` into (statement, ``-- needs:`` sets, ``-- unless:`` types)."""

    def types(comments: list[str], prefix: str) -> list[frozenset[str]]:
        return [frozenset(c.split(":", 1)[1].split()) for c in comments if c.startswith(prefix)]

    return [
        (body, types(comments, "-- needs:"), frozenset().union(*types(comments, "-- unless:")))
        for body, comments in sqlfiles.statements(sqlfiles.text(name))
    ]


def run(
    con: duckdb.DuckDBPyConnection,
    name: str,
    params: dict[str, Any] | None = None,
    skip: frozenset[str] = frozenset(),
    touched: frozenset[str] | None = None,
) -> None:
    """Run the statements of ``sql/<name>.sql`` one by one, each with the params it names.

    Statements that create (or replace) a table or view named in *skip* are left out, and so, when
    *touched* (the event types a catch-up read) is given, are those whose
    ``-- needs:`` lines it does not meet (each line lists types of which one must
    have been touched) or whose ``-- unless:`` lines name a touched type.
    """
    for body, needs, unless in statements(name):
        created = re.match(r"\s*CREATE OR REPLACE (?:TEMP )?(?:TABLE|VIEW) (\w+)", body)
        if created and created.group(1) in skip:
            continue
        if touched is not None and (
            not all(types & touched for types in needs) or unless & touched
        ):
            continue
        _parsed.execute(con, body, sqlfiles.bound(body, params))


def rebuild_steps(
    con: duckdb.DuckDBPyConnection, log_path: str, *, nonempty: bool
) -> list[tuple[str, Callable[[], None]]]:
    """List the named steps that fill a fresh projection on *con* from the log at *log_path*."""

    def schema() -> None:
        run(con, "schema")
        run(con, "macros_base")

    def load() -> None:
        run(con, "load", {"path": log_path})
        con.execute(
            "UPDATE events SET retracted_at = r.recorded FROM (SELECT data->>'event'"
            " AS target, recorded FROM events WHERE type = 'EventRetracted') r"
            " WHERE events.id = r.target"
        )

    def stints() -> None:
        # Every stint once, in a temp table: the member stints go into `members` (its
        # rows for their own org), the leadership stints into `leader_stints`, ordered
        # by org so that a question on one org (leaders_as_of) skips most row groups.
        con.execute("CREATE TEMP TABLE _stints AS FROM tl_stints('infinity'::TIMESTAMP, false)")
        con.execute("INSERT INTO leader_stints FROM _stints WHERE track = 'leader' ORDER BY org")

    def members() -> None:
        run(con, "members")
        con.execute("DROP TABLE _stints")
        for lo, hi in member_ranges(con):
            con.execute(
                "INSERT INTO members"
                " FROM tl_member_rows('_member_base', $lo, $hi) ORDER BY root_key",
                {"lo": lo, "hi": hi},
            )

    return [
        ("schema", schema),
        *([("load events", load)] if nonempty else []),
        ("edges", lambda: run(con, "edges")),
        ("stints", stints),
        ("derived tables", lambda: run(con, "derive")),
        ("members", members),
        ("macros", lambda: run(con, "macros")),
    ]


def member_ranges(con: duckdb.DuckDBPyConnection) -> list[tuple[int | None, int | None]]:
    """Split a replay's root keys into [lo, hi) ranges of about MEMBER_SORT_ROWS `members` rows.

    The first range is open below and the last above, so every row falls in one.
    """
    ((sql, _, _),) = statements("member_ranges")
    bounds = [row[0] for row in con.execute(sql, {"rows": MEMBER_SORT_ROWS}).fetchall()]
    return list(zip([None, *bounds[1:]], [*bounds[1:], None], strict=True))
