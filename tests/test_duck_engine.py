"""Which DuckDB module the engine runs on: the compiled core, or the package as a fallback."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import duckdb
import pytest

from timeline import _duck


def test_engine_is_the_compiled_core_holding_the_packages_own_objects() -> None:
    """engine() is ``_duckdb``, and each name it uses is the package's very object."""
    core = _duck.engine()
    assert core.__name__ == "_duckdb"
    for name in _duck.ENGINE_NAMES:
        assert getattr(core, name) is getattr(duckdb, name), name


def test_engine_falls_back_to_the_package_without_the_core(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With no importable ``_duckdb``, the engine is the ``duckdb`` package."""
    monkeypatch.setitem(sys.modules, "_duckdb", None)  # import now raises ImportError
    assert _duck.engine.__wrapped__() is duckdb


def test_engine_falls_back_to_the_package_when_the_core_lacks_a_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A ``_duckdb`` without one of the names the engine uses is passed over."""
    monkeypatch.setitem(sys.modules, "_duckdb", types.ModuleType("_duckdb"))
    assert _duck.engine.__wrapped__() is duckdb


def test_a_reader_opened_through_the_engine_is_a_duckdb_connection(tmp_path: Path) -> None:
    """open_reader gives a ``duckdb.DuckDBPyConnection`` whose errors are ``duckdb.Error``."""
    path = tmp_path / "p.duckdb"
    duckdb.connect(str(path)).close()
    con = _duck.open_reader(path)
    try:
        assert isinstance(con, duckdb.DuckDBPyConnection)
        with pytest.raises(duckdb.Error):
            con.execute("SELECT * FROM no_such_table")
    finally:
        con.close()
