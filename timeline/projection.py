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
import re
import tempfile
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrs import define

from ._locks import flock
from .log import EventLog, Tail

if TYPE_CHECKING:
    import duckdb

__all__ = ["Projection", "SyncResult", "default_db_path", "schema_version"]

log = logging.getLogger("timeline")


@functools.cache
def schema_version() -> int:
    """Fingerprint the projection's SQL: a cache built by other SQL is rebuilt, never reused."""
    digest = hashlib.sha256()
    for path in sorted(resources.files("timeline").joinpath("sql").iterdir(), key=lambda p: p.name):
        if path.name.endswith(".sql"):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return int(digest.hexdigest()[:7], 16)  # 28 bits: fits the INTEGER column


def _sql(name: str) -> str:
    return (resources.files("timeline") / "sql" / f"{name}.sql").read_text(encoding="utf-8")


#: Derived tables that a catch-up updates by key (sql/derive_catchup.sql) instead of rebuilding.
INCREMENTAL = frozenset({"people", "roles", "org_names", "orgs", "org_links", "role_changes"})


def _run(
    con: duckdb.DuckDBPyConnection,
    name: str,
    params: dict[str, Any] | None = None,
    skip: frozenset[str] = frozenset(),
) -> None:
    """Run the statements of ``sql/<name>.sql`` one by one, each with the params it names.

    Statements that create a table named in *skip* are left out.
    """
    for statement in re.split(r";\s*\n", _sql(name)):
        body = "\n".join(ln for ln in statement.splitlines() if not ln.lstrip().startswith("--"))
        if not body.strip():
            continue
        created = re.match(r"\s*CREATE OR REPLACE TABLE (\w+)", body)
        if created and created.group(1) in skip:
            continue
        used = {k: v for k, v in (params or {}).items() if f"${k}" in body}
        con.execute(body, used)


def default_db_path(log_path: Path) -> Path:
    """Put the cache beside the log, or in the user's cache folder where that is not writable."""
    beside = log_path.with_name(log_path.name + ".duckdb")
    if os.access(log_path.parent, os.W_OK) and (not beside.exists() or os.access(beside, os.W_OK)):
        return beside
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "timeline"
    base.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(str(log_path.resolve()).encode()).hexdigest()[:16]
    return base / f"{log_path.stem}-{digest}.duckdb"


@define
class SyncResult:
    """What a sync did: ``none``, ``incremental`` or ``rebuild``, and how many events it read."""

    action: str
    events: int
    last_seq: int


def _memory_settings(con: duckdb.DuckDBPyConnection) -> None:
    limit = os.environ.get("TIMELINE_MEMORY_LIMIT")
    if limit:
        con.execute("SET memory_limit = $limit", {"limit": limit})
    con.execute("SET preserve_insertion_order = false")


class Projection:
    """The DuckDB projection of one log."""

    def __init__(self, log: EventLog, db_path: Path | None = None) -> None:
        self.log = log
        self.db_path = Path(db_path) if db_path else default_db_path(log.path)
        self.lock_path = self.db_path.with_name(self.db_path.name + ".lock")

    # -- reading the checkpoint --------------------------------------------------------

    def _checkpoint(self, *, quiet: bool = False) -> tuple[int, int, str] | None:
        """Return (log_size, last_seq, last_hash) of the cache, or None if it is unusable."""
        import duckdb

        if not self.db_path.exists():
            return None
        try:
            # The same configuration as the query connections: DuckDB refuses a second
            # connection to a file with another configuration in one process.
            con = self.connect_read()
        except duckdb.Error as exc:
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
        import duckdb

        try:
            row = con.execute(
                "SELECT schema_version, log_size, last_seq, last_hash FROM _checkpoint"
            ).fetchone()
        except duckdb.Error:
            return None
        if row is None or row[0] != schema_version():
            return None
        return int(row[1]), int(row[2]), str(row[3])

    def committed_tail(self) -> Tail | None:
        """Read the log's committed tail under a shared lock; None if it needs recovery."""
        with self.log.locked(exclusive=False) as fd:
            return self.log.tail(fd) if self.log.is_clean(fd) else None

    def _plan(self, tail: Tail, *, quiet: bool = False) -> tuple[str, int, int]:
        """Decide what a sync must do; return (action, offset to read from, seq before it)."""
        point = self._checkpoint(quiet=quiet)
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
                return self._sync_locked(self.log.tail(fd))
        with self.log.locked(exclusive=True) as fd:
            self.log.recover(fd)
            return self._sync_locked(self.log.tail(fd))

    def sync_locked(self, tail: Tail) -> SyncResult:
        """Sync while the caller already holds the log's lock and knows its tail."""
        return self._sync_locked(tail)

    def _sync_locked(self, tail: Tail) -> SyncResult:
        # Most syncs find nothing to do: decide that under a shared lock, so readers
        # holding the projection open do not block each other.
        with flock(self.lock_path, exclusive=False):
            if self._plan(tail, quiet=True)[0] == "none":
                return SyncResult("none", 0, tail.seq)
        with flock(self.lock_path, exclusive=True):
            action, offset, after = self._plan(tail)
            if action == "none":
                return SyncResult("none", 0, tail.seq)
            if action == "incremental":
                try:
                    self._catch_up(offset, after, tail)
                    return SyncResult("incremental", tail.seq - after, tail.seq)
                except Exception as exc:  # any failure falls back to the safe path
                    log.warning("%s: catch-up failed (%s); rebuilding", self.db_path, exc)
            self._rebuild(tail)
            return SyncResult("rebuild", tail.seq, tail.seq)

    def rebuild(self) -> SyncResult:
        """Replay the whole log into a fresh projection."""
        with self.log.locked(exclusive=False) as fd:
            tail = self.log.tail(fd)
            with flock(self.lock_path, exclusive=True):
                self._rebuild(tail)
        return SyncResult("rebuild", tail.seq, tail.seq)

    def _rebuild(self, tail: Tail) -> None:
        import duckdb

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
            con = duckdb.connect(str(tmp))
            try:
                _memory_settings(con)
                _run(con, "schema")
                _run(con, "macros_base")
                if tail.size:
                    _run(con, "load", {"path": str(self.log.path)})
                    con.execute(
                        "UPDATE events SET retracted_at = r.recorded FROM (SELECT data->>'event'"
                        " AS target, recorded FROM events WHERE type = 'EventRetracted') r"
                        " WHERE events.id = r.target"
                    )
                _run(con, "edge_index")
                con.execute(
                    "CREATE TABLE stints AS FROM tl_stints('infinity'::TIMESTAMP, false)"
                    " ORDER BY org, s_lo"
                )
                _run(con, "derive")
                _run(con, "macros")
                self._write_checkpoint(con, tail)
                con.execute("CHECKPOINT")
            finally:
                con.close()
            with contextlib.suppress(FileNotFoundError):
                os.unlink(str(self.db_path) + ".wal")
            os.replace(tmp, self.db_path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            with contextlib.suppress(FileNotFoundError):
                os.unlink(str(tmp) + ".wal")

    def _catch_up(self, offset: int, after: int, tail: Tail) -> None:
        import duckdb

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
            con = duckdb.connect(str(self.db_path))
            try:
                _memory_settings(con)
                con.execute("BEGIN TRANSACTION")
                _run(con, "load", {"path": chunk.name})
                loaded = con.execute(
                    "SELECT count(*), min(seq), max(seq) FROM events WHERE seq > $after",
                    {"after": after},
                ).fetchone()
                assert loaded is not None
                if loaded[0] != tail.seq - after or (loaded[0] and loaded[1] != after + 1):
                    raise ValueError(f"expected seq {after + 1}..{tail.seq}, read {loaded}")
                _run(con, "catchup", {"after": after})
                _run(con, "derive", skip=INCREMENTAL)
                _run(con, "derive_catchup", {"after": after})
                self._write_checkpoint(con, tail)
                con.execute("COMMIT")
            finally:
                con.close()

    @staticmethod
    def _write_checkpoint(con: duckdb.DuckDBPyConnection, tail: Tail) -> None:
        con.execute("DELETE FROM _checkpoint")
        con.execute(
            "INSERT INTO _checkpoint VALUES ($v, $size, $seq, $hash)",
            {"v": schema_version(), "size": tail.size, "seq": tail.seq, "hash": tail.hash},
        )

    # -- reading -------------------------------------------------------------------------

    def connect_read(self, *, files: bool = False) -> duckdb.DuckDBPyConnection:
        """Open a read-only connection: queries on it cannot change the projection.

        Unless *files* is set (``export`` only), it cannot touch other files
        either: no COPY TO, no read_csv of the log or anything else, no ATTACH,
        and the setting is locked so SQL cannot turn it back on.
        """
        import duckdb

        config: dict[str, str | bool | int | float | list[str]] = (
            {} if files else {"enable_external_access": False, "lock_configuration": True}
        )
        return duckdb.connect(str(self.db_path), read_only=True, config=config)


def _hash_of(line: bytes) -> str | None:
    try:
        obj: Any = json.loads(line)
    except ValueError:
        return None
    return obj.get("hash") if isinstance(obj, dict) else None
