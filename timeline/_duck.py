"""Open the projection's DuckDB connections, configured the one way each use needs.

Writers (a replay, a catch-up) attach the file with small row groups and a memory
cap; catch-ups attach it to an instance the process keeps, as appends do, read-only,
to look up what they validate against.  Readers open it read-only and, unless
asked, without access to other files.
"""

from __future__ import annotations

import functools
import importlib
import os
import threading
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "DEFAULT_MEMORY_LIMIT",
    "ROW_GROUP_SIZE",
    "WAL_CHECKPOINT",
    "close_catch_up",
    "engine",
    "memory_limit",
    "open_catch_up",
    "open_lookup",
    "open_reader",
    "open_writer",
]

#: DuckDB's memory cap unless $TIMELINE_MEMORY_LIMIT says otherwise: past it, work spills
#: to disk, which keeps a 10M-event replay near 1.6 GB of RSS (3.3 GB uncapped).
DEFAULT_MEMORY_LIMIT = "1.5GB"

#: Rows per row group in the files the projection writes.  DuckDB's default (122,880)
#: let a team question on one org read a quarter of a 1M log's `members` table; at
#: 8,192 it reads one or two groups, with no measurable cost to a replay (the file
#: grows by about half).
ROW_GROUP_SIZE = 8192

#: WAL size past which a catch-up's COMMIT checkpoints the projection (DuckDB's default is 16 MiB).
WAL_CHECKPOINT = os.environ.get("TIMELINE_WAL_CHECKPOINT", "4MiB")


#: What the engine uses of DuckDB's module (tests/test_duck_engine.py checks the core has it).
ENGINE_NAMES = (
    "connect",
    "DuckDBPyConnection",
    "Error",
    "ConversionException",
    "InvalidInputException",
    "OutOfMemoryException",
)


@functools.cache
def engine() -> ModuleType:
    """Return DuckDB's compiled module, loaded without the ``duckdb`` package's Python layer.

    ``import duckdb`` takes 130-150 ms here: the package's Python layer (its relational
    API, and importlib.metadata to look up its own version) costs three times what its
    compiled core does.  That core, ``_duckdb``, is the module the package itself
    imports and re-exports; it loads in about 40 ms, and a warm ``timeline team`` run
    took 218-246 ms instead of 283-307.  The engine needs only ``connect`` and the
    exception classes, the very same objects either way, so a caller catching
    ``duckdb.Error`` still catches ours.  If a DuckDB release stops shipping the core
    under that name, or without one of them, this falls back to the package.
    """
    try:
        core = importlib.import_module("_duckdb")
    except ImportError:
        return importlib.import_module("duckdb")
    if all(hasattr(core, name) for name in ENGINE_NAMES):
        return core
    return importlib.import_module("duckdb")


def memory_limit() -> str:
    """Return the memory limit for DuckDB work (``$TIMELINE_MEMORY_LIMIT``, else the default)."""
    return os.environ.get("TIMELINE_MEMORY_LIMIT") or DEFAULT_MEMORY_LIMIT


def open_writer(path: Path) -> duckdb.DuckDBPyConnection:
    """Open the projection file *path* read-write (creating it if missing), for a replay."""
    # The row group size is an ATTACH option only (not kept in the file), hence an
    # in-memory connection with the file attached and made the default catalog.
    con: duckdb.DuckDBPyConnection = engine().connect()
    try:
        _configure(con, path)
        _attach(con, path)
    except BaseException:
        con.close()
        raise
    return con


def open_catch_up(path: Path) -> duckdb.DuckDBPyConnection:
    """Attach the projection file *path* read-write for a catch-up (`close_catch_up` ends it).

    A DuckDB instance costs 18-25 ms to start here, a fifth of a small catch-up; so
    the process keeps one (`_instance`) and attaches the file to it for each
    catch-up (3 ms), on a connection of its own, so that no temp table outlives the
    catch-up.  Between catch-ups the file is detached: other processes and this
    one's readers open it as usual.  Catch-ups in one process take turns on it.
    """
    return _lend(path, None)


def open_lookup(path: Path) -> duckdb.DuckDBPyConnection:
    """Attach the projection file *path* read-only to the kept instance (`close_catch_up` ends it).

    For an append's questions to the projection (which slugs and event ids exist):
    attaching takes about 7 ms where a reader of its own, started and closed, took
    about 40, and the instance is then running for the catch-up that follows the
    append.  Only the library's own SQL runs here, so this instance, unlike a
    reader's, may keep its access to other files.  The caller holds the projection's
    shared lock, as a reader does.
    """
    return _lend(path, "READ_ONLY")


def _lend(path: Path, options: str | None) -> duckdb.DuckDBPyConnection:
    """Attach *path* (see `_attach`) on a new cursor of the kept instance, taking its lease."""
    _lease.acquire()
    try:
        con = _instance(path).cursor()
    except BaseException:
        _lease.release()
        raise
    try:
        # The progress bar is per connection; the memory cap is read again, as a new
        # instance would.
        con.execute("SET enable_progress_bar = false")
        con.execute("SET memory_limit = $limit", {"limit": memory_limit()})
        _attach(con, path, options)
    except BaseException:
        close_catch_up(con)
        raise
    return con


def close_catch_up(con: duckdb.DuckDBPyConnection) -> None:
    """Detach the file `open_catch_up` or `open_lookup` attached to *con*, and close *con*.

    If the detach fails the instance is dropped, so that no later catch-up or reader
    in this process meets the file still attached.
    """
    try:
        con.execute("USE memory")
        con.execute("DETACH DATABASE IF EXISTS projection")
    except BaseException:
        con.close()
        _forget()
        raise
    else:
        con.close()
    finally:
        _lease.release()


#: This process's catch-up instance: (the resolved path of its file, the instance), or None.
_kept: tuple[str, duckdb.DuckDBPyConnection] | None = None
#: Held from open_catch_up to close_catch_up: the kept instance serves one catch-up at a time.
_lease = threading.Lock()


def _after_fork() -> None:
    """Start a forked child afresh: the parent's instance (its threads did not come along)
    and its lock are not the child's, so the child starts its own and never closes theirs."""
    global _kept, _lease
    _kept = None
    _lease = threading.Lock()


os.register_at_fork(after_in_child=_after_fork)


def _instance(path: Path) -> duckdb.DuckDBPyConnection:
    """Return this process's catch-up instance for *path*, starting it if needed.

    One instance is kept, for the last file caught up (its spill folder is beside the
    file, and an instance setting): a process that works on one projection, the
    common case, starts one; a process going through many keeps one instance, and
    its threads, alive, not one per file.
    """
    global _kept
    key = str(path.resolve())
    if _kept is not None and _kept[0] == key:
        return _kept[1]
    _forget()
    instance: duckdb.DuckDBPyConnection = engine().connect()
    try:
        _configure(instance, path)
        # A catch-up's COMMIT makes it durable in the WAL; checkpointing that into the
        # file on every detach cost 50-90 ms at 1M events (each touched table's last
        # row group rewritten, then fsynced).  So detaching leaves the WAL, and
        # DuckDB checkpoints at a COMMIT once it passes wal_autocheckpoint; a reader
        # replays the WAL when it connects (measured: +10 ms per read-only connect
        # for an 804 kB WAL).
        instance.execute("PRAGMA disable_checkpoint_on_shutdown")
        instance.execute("SET wal_autocheckpoint = $size", {"size": WAL_CHECKPOINT})
    except BaseException:
        instance.close()
        raise
    _kept = (key, instance)
    return instance


def _forget() -> None:
    """Close and drop the kept instance, if there is one."""
    global _kept
    if _kept is not None:
        _kept[1].close()
        _kept = None


def _configure(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Set what every writer on *path* needs: where to spill, how much memory, no bar."""
    # Spill beside the file, as a plain connect would, not in the working folder.
    con.execute("SET temp_directory = $dir", {"dir": str(path) + ".tmp"})
    con.execute("SET memory_limit = $limit", {"limit": memory_limit()})
    con.execute("SET preserve_insertion_order = false")
    # DuckDB's own progress bar writes to stdout, which is the commands' data.
    con.execute("SET enable_progress_bar = false")


def _attach(con: duckdb.DuckDBPyConnection, path: Path, options: str | None = None) -> None:
    """Attach *path* as `projection` and use it: with *options*, or as a writer."""
    quoted = str(path).replace("'", "''")
    options = options or f"ROW_GROUP_SIZE {ROW_GROUP_SIZE}"  # read now: tests lower it
    con.execute(f"ATTACH '{quoted}' AS projection ({options})")
    con.execute("USE projection")


def open_reader(path: Path, *, files: bool = False) -> duckdb.DuckDBPyConnection:
    """Open *path* read-only: queries on it cannot change the projection.

    Unless *files* is set (``export`` only), it cannot touch other files either:
    no COPY TO, no read_csv of the log or anything else, no ATTACH, and SQL
    cannot turn that back on.
    """
    config: dict[str, str | bool | int | float | list[str]] = (
        {} if files else {"enable_external_access": False}
    )
    con: duckdb.DuckDBPyConnection = engine().connect(str(path), read_only=True, config=config)
    # DuckDB's own progress bar writes to stdout, which is the commands' data.  (The
    # configuration is not locked for this: DuckDB itself refuses to turn external
    # access back on while the database is open, and connections of one process
    # share the database, so a lock would stop the next connection's SET.)
    con.execute("SET enable_progress_bar = false")
    return con
