"""Open the projection's DuckDB connections, configured the one way each use needs.

Writers (a replay, a catch-up) attach the file with small row groups and a memory
cap; readers open it read-only and, unless asked, without access to other files.
"""

from __future__ import annotations

import functools
import importlib
import os
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "DEFAULT_MEMORY_LIMIT",
    "ROW_GROUP_SIZE",
    "WAL_CHECKPOINT",
    "engine",
    "memory_limit",
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


def open_writer(path: Path, *, catch_up: bool) -> duckdb.DuckDBPyConnection:
    """Open the projection file *path* read-write (creating it if missing).

    *catch_up* leaves DuckDB's WAL on close instead of checkpointing (see below).
    """
    # The row group size is an ATTACH option only (not kept in the file), hence an
    # in-memory connection with the file attached and made the default catalog.
    con: duckdb.DuckDBPyConnection = engine().connect()
    try:
        quoted = str(path).replace("'", "''")
        con.execute(f"ATTACH '{quoted}' AS projection (ROW_GROUP_SIZE {ROW_GROUP_SIZE})")
        con.execute("USE projection")
        # Spill beside the file, as a plain connect would, not in the working folder.
        con.execute("SET temp_directory = $dir", {"dir": str(path) + ".tmp"})
        con.execute("SET memory_limit = $limit", {"limit": memory_limit()})
        con.execute("SET preserve_insertion_order = false")
        # DuckDB's own progress bar writes to stdout, which is the commands' data.
        con.execute("SET enable_progress_bar = false")
        if catch_up:
            # A catch-up's COMMIT makes it durable in the WAL; checkpointing that into
            # the file on every close cost 50-90 ms at 1M events (each touched table's
            # last row group rewritten, then fsynced).  So close leaves the WAL, and
            # DuckDB checkpoints at a COMMIT once it passes wal_autocheckpoint; a reader
            # replays the WAL when it connects (measured: +10 ms per read-only connect
            # for an 804 kB WAL).
            con.execute("PRAGMA disable_checkpoint_on_shutdown")
            con.execute("SET wal_autocheckpoint = $size", {"size": WAL_CHECKPOINT})
    except BaseException:
        con.close()
        raise
    return con


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
