"""Offer the :class:`Timeline` object that Python users and the CLI share.

Data flows one way: input line -> codec -> validate -> log -> projection ->
query -> rows.  Reads go through a read-only DuckDB connection that is kept
open (with a shared lock on the projection) until :meth:`Timeline.close`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import _duck, _parsed, _team
from ._locks import flock, take
from ._resources import bundled_log
from ._rowdict import row_dict
from ._slugs import existing
from .dates import DateValue, format_timestamp, parse_timestamp
from .errors import NotFoundError, QueryError
from .log import EventLog
from .projection import Progress, Projection, SyncResult

if TYPE_CHECKING:
    import duckdb

    from ._known import WriteCache

__all__ = ["AppendResult", "Timeline", "open_timeline"]


@dataclass(frozen=True, slots=True)
class AppendResult:
    """What an append wrote: how many events, their seq range, and the retries skipped."""

    appended: int
    skipped: int
    first_seq: int | None
    last_seq: int
    recorded: str | None


def open_timeline(log: Path | str | None = None, db: Path | str | None = None) -> Timeline:
    """Open the log at *log* (default: ``$TIMELINE_LOG``, else the bundled dataset)."""
    path = log or os.environ.get("TIMELINE_LOG") or bundled_log()
    return Timeline(Path(path), Path(db) if db else None)


class Timeline:
    """One event log and its DuckDB projection."""

    def __init__(self, log_path: Path, db_path: Path | None = None) -> None:
        self.log = EventLog(log_path)
        self.projection = Projection(self.log, db_path)
        self._con: duckdb.DuckDBPyConnection | None = None
        self._lock_fd: int | None = None
        self._seen: tuple[int, int] | None = None
        # The checkpoint this Timeline's last reader found, and the projection's files then
        self._stood: (
            tuple[tuple[int, int, str] | None, tuple[tuple[int, int, int] | None, ...]] | None
        ) = None
        self._cache: WriteCache | None = None
        self._appended = False  # an append got a cache (the first one may get a partial one)

    def __repr__(self) -> str:
        return f"Timeline({str(self.log.path)!r})"

    def __enter__(self) -> Timeline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the read connection and release the projection's shared lock."""
        if self._con is not None:
            self._con.close()
            self._con = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    # -- writing -------------------------------------------------------------------------

    def init(self) -> None:
        """Create the (empty) log; refuse to overwrite one."""
        self.log.init()

    def append(
        self,
        lines: Iterable[str | bytes | dict[str, Any]],
        *,
        recorded_at: str | datetime | None = None,
        expect_seq: int | None = None,
        name: str | None = None,
        progress: Progress | None = None,
    ) -> AppendResult:
        """Append a batch of events, all or nothing.

        *lines* are JSON texts (or dicts) with ``type``, ``occurred``, ``data`` and
        optional ``id`` and ``source``; *name* is how errors name the input.
        *progress* is called as ``progress(step, done, total)`` while lines are
        parsed, validated and encoded.
        """
        from ._appending import append  # reads never load the write path

        return append(
            self,
            lines,
            recorded_at=recorded_at,
            expect_seq=expect_seq,
            name=name,
            progress=progress,
        )

    # -- projection ----------------------------------------------------------------------

    def sync(self) -> SyncResult:
        """Bring the projection up to date with the log."""
        self.close()
        return self.projection.sync()

    def replay(self) -> SyncResult:
        """Rebuild the projection from scratch."""
        self.close()
        return self.projection.rebuild()

    def _fresh(self) -> bool:
        try:
            st = os.stat(self.log.path)
        except FileNotFoundError:
            self.log.require()
            raise
        return self._con is not None and self._seen == (st.st_size, st.st_mtime_ns)

    def _open_reader(self) -> duckdb.DuckDBPyConnection:
        lock_fd = take(self.projection.lock_path, exclusive=False)
        try:
            self._con = self.projection.connect_read()
        except BaseException:
            os.close(lock_fd)
            raise
        self._lock_fd = lock_fd
        return self._con

    def _open_current(self, log_mtime: int) -> bool:
        """Open the reader if the projection already matches the log; say whether it did.

        Most reads find the cache current: one connection then serves both the check
        and the query.  The log's tail is read (and its lock released) before the
        projection's lock is taken, keeping the lock order of writers.  *log_mtime*
        is the log's st_mtime_ns, read before its tail.
        """
        tail = self.projection.committed_tail()
        if tail is None or not self.projection.db_path.exists():
            return False
        files = self.projection.files_state()
        # Only a sync helps when the projection is surely or likely behind, so no reader
        # is opened to find that out (a DuckDB instance and the WAL's replay: about 50 ms
        # at 1M events).  Surely: nothing wrote to it since this Timeline's last reader
        # found it behind this tail.  Likely, for a first read: the log was written after
        # the projection's files were (as after `timeline append`); a wrong guess costs
        # a sync that finds nothing to do, never a wrong answer.
        if self._stood is None:
            if log_mtime > max((f[2] for f in files if f is not None), default=log_mtime):
                return False
        elif self._stood[1] == files and self._stood[0] != tail.point:
            return False
        try:
            con = self._open_reader()
        except _duck.engine().Error:
            self.close()
            return False
        point = self.projection.checkpoint_of(con)
        self._stood = (point, files)
        if point == tail.point:
            return True
        self.close()
        return False

    @contextmanager
    def _reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        if not self._fresh():
            self.close()
            st = os.stat(self.log.path)
            if not self._open_current(st.st_mtime_ns):
                self.projection.sync()
                files = self.projection.files_state()
                self._stood = (self.projection.checkpoint_of(self._open_reader()), files)
            self._seen = (st.st_size, st.st_mtime_ns)
        assert self._con is not None
        yield self._con

    @contextmanager
    def file_writer(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Yield a read-only connection that may write files, for ``export`` alone."""
        with self._reader():
            pass  # bring the projection up to date
        self.close()  # DuckDB allows one configuration per file in a process
        with flock(self.projection.lock_path, exclusive=False):
            con = self.projection.connect_read(files=True)
            try:
                yield con
            finally:
                con.close()

    def rows(self, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run read-only *sql* with named *params* on the projection; return dict rows."""
        names, rows = self._tuples(sql, params)
        return list(map(row_dict(tuple(names)), rows))

    def _tuples(
        self, sql: str, params: dict[str, Any] | None = None
    ) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Run read-only *sql* with named *params*; return the column names and the rows."""
        with self._reader() as con:
            try:
                cur = _parsed.execute(con, sql, params)
            except _duck.engine().Error as exc:
                raise QueryError(str(exc).splitlines()[0]) from None
            return [d[0] for d in cur.description or ()], cur.fetchall()

    # -- questions -----------------------------------------------------------------------

    def team(
        self, org: str, as_of: str, known_at: str | None = None, *, with_sources: bool = False
    ) -> list[dict[str, Any]]:
        """List who was in *org* (or a unit below it) at some day of *as_of*.

        *with_sources* adds the source slug, title and url of each row's join and leave.
        """
        window = DateValue.parse(as_of)
        if with_sources:
            self.require("org", org)
            return self.query("team_sources", org=org, as_of=as_of, known_at=known_at)
        if known_at is None:  # the common question: planned and scanned far less
            params = _team.params(org, window)
            picked = _team.first_per_person(*self._tuples(_team.sql(), params))
            # None: a stint changed role, or the org its name, more than twice (_team)
            rows = self.rows("FROM team_now($org, $lo, $hi)", params) if picked is None else picked
        else:
            rows = self.rows(
                "FROM team_as_of($org, $as_of, known_at := $known)",
                {"org": org, "as_of": as_of, "known": _known(known_at)},
            )
        if not rows:
            self.require("org", org)
        return rows

    def leaders(
        self, org: str, as_of: str, known_at: str | None = None, title: str | None = None
    ) -> list[dict[str, Any]]:
        """List who held each title at *org* at some day of *as_of*."""
        DateValue.parse(as_of)
        self.require("org", org)
        rows = self.rows(
            "FROM leaders_as_of($org, $as_of, known_at := $known)",
            {"org": org, "as_of": as_of, "known": _known(known_at)},
        )
        return [r for r in rows if title is None or r["title"] == title]

    def query(
        self, name: str, params: Mapping[str, Any] | None = None, /, **kwargs: Any
    ) -> list[dict[str, Any]]:
        """Run the named query *name* (``queries/NAME.sql``) with its parameters bound by name.

        Give parameters as a mapping or as keywords (``from_=`` for ``from``); ``None``
        leaves an optional one unset.  Dates, ``known_at`` and slugs are checked first.
        """
        from .analysis import run_query

        return run_query(self, name, {**(params or {}), **kwargs})

    def search(self, text: str) -> list[dict[str, Any]]:
        """Find people and orgs by name, alias or slug: any case, accents or script."""
        from .analysis import search

        return search(self, text)

    def export(self, directory: Path | str, fmt: str = "parquet") -> list[dict[str, Any]]:
        """Write each projection table to *directory* as Parquet or CSV (DuckDB ``COPY``)."""
        from .analysis import export

        return export(self, directory, fmt)

    def person(self, person: str) -> dict[str, Any]:
        """Return a person's record: name, aliases, stints, roles, with sources."""
        found = self.rows("FROM people WHERE person = $p", {"p": person})
        if not found:
            raise NotFoundError(
                "person", person, "find slugs with `timeline log --type PersonAdded`"
            )
        record = found[0]
        record["stints"] = self.rows(
            'SELECT s.track, s.org, s.title, s.joined, s."left", s.role, s.tenure,'
            " j.source AS join_source, l.source AS leave_source"
            " FROM stints s LEFT JOIN events j ON j.id = s.join_id"
            " LEFT JOIN events l ON l.id = s.leave_id"
            " WHERE s.person = $p ORDER BY s.s_lo, s.org",
            {"p": person},
        )
        record["roles"] = self.rows(
            "SELECT org, role, occurred, source FROM roles WHERE person = $p ORDER BY lo, seq",
            {"p": person},
        )
        return record

    def events(
        self,
        *,
        type: str | None = None,
        person: str | None = None,
        org: str | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        """List the logged events, oldest first, optionally filtered."""
        rows = self.rows(
            "SELECT seq, id, type, occurred, strftime(recorded, '%Y-%m-%dT%H:%M:%S.%fZ')"
            " AS recorded, source, data, retracted_at IS NOT NULL AS retracted FROM events"
            " WHERE ($type IS NULL OR type = $type)"
            " AND ($person IS NULL OR $person IN (data->>'person', data->>'incoming',"
            "      data->>'outgoing') OR list_contains((data->'authors')::VARCHAR[], $person))"
            " AND ($org IS NULL OR $org IN (data->>'org', data->>'parent'))"
            " ORDER BY seq LIMIT $limit",
            {"type": type, "person": person, "org": org, "limit": limit},
        )
        for row in rows:
            row["data"] = json.loads(row["data"])
        return rows

    def require(self, kind: str, *keys: str) -> None:
        """Raise :class:`NotFoundError` for the first of *keys* that is no *kind* in the log.

        *kind* is ``person``, ``org``, ``source`` or ``paper``.
        """
        with self._reader() as con:
            found = existing(con, kind, set(keys))
        for key in keys:
            if key not in found:
                raise NotFoundError(kind, key, HINTS[kind])


def _known(known_at: str | None) -> str | None:
    if known_at is None:
        return None
    return format_timestamp(parse_timestamp(known_at, end_of_day=True))


#: How to find a slug of each kind when one is unknown.
HINTS = {
    "org": "list them with `timeline log --type OrgFounded`, or `timeline search NAME`",
    "paper": "list them with `timeline log --type PaperPublished`",
    "person": "find slugs with `timeline search NAME`",
    "source": "list them with `timeline log --type SourceAdded`",
}
