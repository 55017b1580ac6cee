"""Project the log into a DuckDB file: full replay, incremental catch-up, read connections.

The DuckDB file is a cache.  Its ``_checkpoint`` row remembers how much of the
log it holds (size, last seq, last hash).  Each sync compares that with the log:
equal means nothing to do; a log that only grew (the line at the checkpoint
still has the remembered hash) means read just the new bytes; anything else
(missing, garbage, other schema, a log rewritten behind its back) means a full
replay into a fresh file that replaces the old one only once complete.
"""

from __future__ import annotations

import contextlib
import functools
import glob
import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import _duck, _parsed
from ._locks import LockTimeoutError, flock
from ._steps import CATCHUP_SKIP, rebuild_steps, run, statements
from .log import EventLog, Tail

if TYPE_CHECKING:
    import duckdb

__all__ = ["Progress", "Projection", "SyncResult", "default_db_path", "schema_version"]

log = logging.getLogger("timeline")


@functools.cache
def schema_version() -> int:
    """Fingerprint the projection's SQL and the DuckDB release that runs it.

    A cache built by other SQL, or under another release, is rebuilt, never reused:
    what it stores comes from that release's functions (``members.root_key`` is
    ``md5_number_upper`` of a slug, which the questions compute again), and a
    release that computed one differently would make them miss their rows.
    """
    digest = hashlib.sha256()
    digest.update(str(getattr(_duck.engine(), "__version__", "")).encode() + b"\0")
    for path in sorted(resources.files("timeline").joinpath("sql").iterdir(), key=lambda p: p.name):
        if path.name.endswith(".sql"):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return int(digest.hexdigest()[:7], 16)  # 28 bits: fits the INTEGER column


def default_db_path(log_path: Path) -> Path:
    """Put the cache beside the log, or in the user's cache folder where that is not writable."""
    beside = log_path.with_name(log_path.name + ".duckdb")
    if os.access(log_path.parent, os.W_OK) and (not beside.exists() or os.access(beside, os.W_OK)):
        return beside
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "timeline"
    base.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(str(log_path.resolve()).encode()).hexdigest()[:16]
    return base / f"{log_path.stem}-{digest}.duckdb"


@dataclass(slots=True)
class SyncResult:
    """What a sync did: ``none``, ``incremental`` or ``rebuild``, and how many events it read."""

    action: str
    events: int
    last_seq: int


#: A progress callback, for a rebuild's steps and an append's lines: (step, done, total).
Progress = Callable[[str, int, int], None]


class Projection:
    """The DuckDB projection of one log."""

    def __init__(self, log: EventLog, db_path: Path | None = None) -> None:
        self.log = log
        self.db_path = Path(db_path) if db_path else default_db_path(log.path)
        self.lock_path = self.db_path.with_name(self.db_path.name + ".lock")
        self.wal_path = self.db_path.with_name(self.db_path.name + ".wal")

    # -- reading the checkpoint --------------------------------------------------------

    def _checkpoint(self, *, quiet: bool = False) -> tuple[int, int, str] | None:
        """Return (log_size, last_seq, last_hash) of the cache, or None if it is unusable."""
        if not self.db_path.exists():
            return None
        try:
            # The same configuration as the query connections: DuckDB refuses a second
            # connection to a file with another configuration in one process.
            con = self.connect_read()
        except _duck.engine().Error as exc:
            if not quiet:
                log.warning("%s: unreadable projection (%s); rebuilding it", self.db_path, exc)
            return None
        try:
            return self.checkpoint_of(con)
        finally:
            con.close()

    @staticmethod
    def checkpoint_of(con: duckdb.DuckDBPyConnection) -> tuple[int, int, str] | None:
        """Read (log_size, last_seq, last_hash) on *con*; None if unusable or from other SQL."""
        try:
            row = con.execute(
                "SELECT schema_version, log_size, last_seq, last_hash FROM _checkpoint"
            ).fetchone()
        except _duck.engine().Error:
            return None
        if row is None or row[0] != schema_version():
            return None
        return int(row[1]), int(row[2]), str(row[3])

    def files_state(self) -> tuple[tuple[int, int, int] | None, ...]:
        """Return (inode, size, mtime) of the file and of its WAL (None where missing).

        Every write to the projection changes one of them, so while they stand still
        the checkpoint does too.  (Reads, which open it read-only, change nothing.)
        """
        out: list[tuple[int, int, int] | None] = []
        for path in (self.db_path, self.wal_path):
            try:
                st = os.stat(path)
            except FileNotFoundError:
                out.append(None)
            else:
                out.append((st.st_ino, st.st_size, st.st_mtime_ns))
        return tuple(out)

    def committed_tail(self) -> Tail | None:
        """Read the log's committed tail under a shared lock; None if it needs recovery."""
        with self.log.locked(exclusive=False) as fd:
            return self.log.tail(fd) if self.log.is_clean(fd) else None

    def _plan(
        self, tail: Tail, *, quiet: bool = False, con: duckdb.DuckDBPyConnection | None = None
    ) -> tuple[str, int, int]:
        """Decide what a sync must do; return (action, offset to read from, seq before it).

        The checkpoint is read on *con* if given, else on a connection of its own.
        """
        point = self._checkpoint(quiet=quiet) if con is None else self.checkpoint_of(con)
        if point is None:
            return "rebuild", 0, 0
        size, seq, last_hash = point
        if point == tail.point:
            return "none", size, seq
        if size < tail.size:
            line = self.log.line_ending_at(size) if size else None
            if size == 0 or (line is not None and _hash_of(line) == last_hash):
                return "incremental", size, seq
        if not quiet:
            log.warning("%s: the log changed behind the projection; rebuilding it", self.log.path)
        return "rebuild", 0, 0

    # -- syncing -----------------------------------------------------------------------

    def sync(self) -> SyncResult:
        """Bring the projection up to date with the committed log."""
        with self.log.locked(exclusive=False) as fd:
            if self.log.is_clean(fd):
                return self.sync_locked(self.log.tail(fd))
        with self.log.locked(exclusive=True) as fd:
            self.log.recover(fd)
            return self.sync_locked(self.log.tail(fd))

    def sync_locked(self, tail: Tail) -> SyncResult:
        """Sync while the caller already holds the log's lock and knows its tail."""
        result = self._sync_locked(tail)
        if result.action == "none":
            self._date_after_log()
        return result

    def _date_after_log(self) -> None:
        """Date the projection's file no earlier than the log's, when it is current.

        A log written without new events (touched, copied, or cut back to its last
        commit by a recovery) looks newer than its projection, and every process's
        first read then syncs to find nothing (``Timeline._open_current``), about
        30 ms each, until the projection is next written.  The caller holds the log's
        lock, so its mtime stands still meanwhile.  Only the file's times change.
        """
        try:
            log_ns = os.stat(self.log.path).st_mtime_ns
            files = [f for f in self.files_state() if f is not None]
            if files and log_ns > max(f[2] for f in files):
                now = max(time.time_ns(), log_ns)
                os.utime(self.db_path, ns=(now, now))
        except OSError:  # a projection this process may not touch: the next read syncs, as before
            pass

    def _sync_locked(self, tail: Tail) -> SyncResult:
        # With no reader about, take the projection at once: one read-write connection
        # then serves the checkpoint and the catch-up (opening one costs 20-60 ms here).
        try:
            with flock(self.lock_path, exclusive=True, timeout=0):
                return self._sync_exclusive(tail)
        except LockTimeoutError:
            pass
        # Readers hold it: most syncs then find nothing to do, so decide that under a
        # shared lock, and wait for the readers only if there is something to do.
        with flock(self.lock_path, exclusive=False):
            if self._plan(tail, quiet=True)[0] == "none":
                return SyncResult("none", 0, tail.seq)
        with flock(self.lock_path, exclusive=True):
            return self._sync_exclusive(tail)

    def _sync_exclusive(self, tail: Tail) -> SyncResult:
        """Sync under the projection's exclusive lock."""
        con = self._connect_write()
        if con is not None:
            try:
                action, offset, after = self._plan(tail, con=con)
                if action == "none":
                    return SyncResult("none", 0, tail.seq)
                if action == "incremental":
                    try:
                        self._catch_up(con, offset, after, tail)
                        return SyncResult("incremental", tail.seq - after, tail.seq)
                    except Exception as exc:  # any failure falls back to the safe path
                        log.warning("%s: catch-up failed (%s); rebuilding", self.db_path, exc)
            finally:
                _duck.close_catch_up(con)
        self._rebuild(tail)
        return SyncResult("rebuild", tail.seq, tail.seq)

    def _connect_write(self) -> duckdb.DuckDBPyConnection | None:
        """Open the projection read-write, or return None if there is none or it is unusable."""
        if not self.db_path.exists():
            return None
        try:
            return _duck.open_catch_up(self.db_path)
        except _duck.engine().Error as exc:
            log.warning("%s: unreadable projection (%s); rebuilding it", self.db_path, exc)
            return None

    def rebuild(self, progress: Progress | None = None) -> SyncResult:
        """Replay the whole log into a fresh projection.

        *progress*, if given, is called as ``progress(step, done, total)`` before each
        step of the rebuild and once at the end (``done == total``).
        """
        with self.log.locked(exclusive=False) as fd:
            tail = self.log.tail(fd)
            with flock(self.lock_path, exclusive=True):
                self._rebuild(tail, progress)
        return SyncResult("rebuild", tail.seq, tail.seq)

    def _rebuild(self, tail: Tail, progress: Progress | None = None) -> None:
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        # We hold the exclusive projection lock, so any temp file is a killed rebuild's leftover.
        for stale in self.db_path.parent.glob(glob.escape(self.db_path.name) + ".*.tmp*"):
            with contextlib.suppress(FileNotFoundError):
                stale.unlink()
        fd, tmp_name = tempfile.mkstemp(
            prefix=self.db_path.name + ".", suffix=".tmp", dir=self.db_path.parent
        )
        os.close(fd)
        tmp = Path(tmp_name)
        tmp.unlink()  # DuckDB wants to create the file itself
        try:
            con = _duck.open_writer(tmp)
            try:
                steps = rebuild_steps(con, str(self.log.path), nonempty=bool(tail.size))
                steps.append(("checkpoint", lambda: self._finish(con, tail)))
                for done, (step, run) in enumerate(steps):
                    if progress:
                        progress(step, done, len(steps))
                    run()
            finally:
                con.close()
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.wal_path)
            os.replace(tmp, self.db_path)
            if progress:
                progress("done", len(steps), len(steps))
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            with contextlib.suppress(FileNotFoundError):
                os.unlink(str(tmp) + ".wal")

    def _finish(self, con: duckdb.DuckDBPyConnection, tail: Tail) -> None:
        self._write_checkpoint(con, tail)
        con.execute("CHECKPOINT")

    def _catch_up(
        self, con: duckdb.DuckDBPyConnection, offset: int, after: int, tail: Tail
    ) -> None:
        with tempfile.NamedTemporaryFile(suffix=".jsonl", dir=self.db_path.parent) as chunk:
            with open(self.log.path, "rb") as src:
                src.seek(offset)
                remaining = tail.size - offset
                while remaining:
                    block = src.read(min(remaining, 1 << 20))
                    if not block:
                        raise OSError("the log shrank while it was read")
                    chunk.write(block)
                    remaining -= len(block)
            chunk.flush()
            con.execute("BEGIN TRANSACTION")
            try:
                # The load statement, returning what it loaded: one statement fewer than
                # counting the new events afterwards.
                ((load, _, _),) = statements("load")
                loaded = _parsed.execute(con, load + " RETURNING seq, type", {"path": chunk.name})
                touched = self._touched(con, loaded.fetchall(), after, tail)
                params = {"after": after}
                run(con, "catchup", params, touched=touched)
                run(con, "derive", skip=CATCHUP_SKIP, touched=touched)
                run(con, "derive_catchup", params, touched=touched)
                run(con, "members_catchup", params, touched=touched)
                self._write_checkpoint(con, tail)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise

    @staticmethod
    def _touched(
        con: duckdb.DuckDBPyConnection, loaded: list[tuple[int, str]], after: int, tail: Tail
    ) -> frozenset[str]:
        """Check the (seq, type) of the events just loaded, apply their retractions.

        Return the types touched: the new events' types, the retracted events' types,
        and those again as ``retracted:TYPE``.  The retracted events are left in the
        ``_retracted`` temp table for the catch-up SQL.
        """
        seqs = sorted(seq for seq, _ in loaded)
        if seqs != list(range(after + 1, tail.seq + 1)):
            span = f"{seqs[0]}..{seqs[-1]}" if seqs else "none"
            raise ValueError(f"expected seq {after + 1}..{tail.seq}, read {len(seqs)}: {span}")
        touched = {type_ for _, type_ in loaded}
        if "EventRetracted" in touched:
            # One lookup by id, then by seq.  An id the append generated begins with its
            # seq, so for a few targets events.id's zone maps skip most row groups (one
            # target at 1M events: 7 of 123); looking them up by that seq was no faster.
            _parsed.execute(
                con,
                "CREATE TEMP TABLE _retracted AS"
                " SELECT e.* REPLACE (r.recorded AS retracted_at) FROM events e"
                " JOIN (SELECT data->>'event' AS target, recorded FROM events"
                "       WHERE seq > $after AND type = 'EventRetracted') r ON e.id = r.target"
                " QUALIFY row_number() OVER (PARTITION BY e.seq ORDER BY r.recorded) = 1",
                {"after": after},
            )
            _parsed.execute(
                con,
                "UPDATE events SET retracted_at = r.retracted_at FROM _retracted r"
                " WHERE events.seq = r.seq",
            )
            row = _parsed.execute(con, "SELECT list(DISTINCT type) FROM _retracted").fetchone()
            retracted = set(row[0] or ()) if row else set()
            touched |= retracted | {f"retracted:{t}" for t in retracted}
        return frozenset(touched)

    @staticmethod
    def _write_checkpoint(con: duckdb.DuckDBPyConnection, tail: Tail) -> None:
        _parsed.execute(con, "DELETE FROM _checkpoint")
        _parsed.execute(
            con,
            "INSERT INTO _checkpoint VALUES ($v, $size, $seq, $hash)",
            {"v": schema_version(), "size": tail.size, "seq": tail.seq, "hash": tail.hash},
        )

    # -- reading -------------------------------------------------------------------------

    def connect_read(self, *, files: bool = False) -> duckdb.DuckDBPyConnection:
        """Open a read-only connection (see :func:`timeline._duck.open_reader`)."""
        return _duck.open_reader(self.db_path, files=files)


def _hash_of(line: bytes) -> str | None:
    try:
        obj: Any = json.loads(line)
    except ValueError:
        return None
    return obj.get("hash") if isinstance(obj, dict) else None
