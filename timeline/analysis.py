"""Answer the analyst questions: named queries with checked parameters, search, export.

The questions themselves are SQL files in ``queries/`` (see docs/queries.md);
this module checks what a caller passes before DuckDB sees it, so that a typo
in a date or a slug is a clear :class:`~timeline.errors.TimelineError` rather
than an empty answer or a DuckDB message:

* date parameters (``as_of``, ``from``, ``to``) must be date values;
* ``known_at`` must be a timestamp or a date (normalised as for ``team``);
* month counts (``window_months``, ``overlap_months``) must be whole numbers >= 0;
* slugs (``org``, ``from_org``, ``to_org``, ``paper``, ``people``) must exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .dates import DateValue, format_timestamp, parse_timestamp
from .errors import QueryError
from .queries import find_query

if TYPE_CHECKING:
    from .api import Timeline

__all__ = ["EXPORT_FORMATS", "EXPORT_TABLES", "export", "run_query", "search"]

DATE_PARAMS = frozenset({"as_of", "from", "to"})
MONTH_PARAMS = frozenset({"window_months", "overlap_months"})
#: Parameter name -> the kind of slug it must name.
SLUG_PARAMS = {
    "org": "org",
    "from_org": "org",
    "to_org": "org",
    "paper": "paper",
    "people": "person",
}

#: The projection tables `export` writes, in dependency order.
EXPORT_TABLES = (
    "events",
    "stints",
    "people",
    "orgs",
    "org_names",
    "sources",
    "papers",
    "paper_authors",
    "roles",
)
EXPORT_FORMATS = ("parquet", "csv")


def _text(name: str, value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise QueryError(f"parameter {name}: expected text, got {type(value).__name__}")
    return str(value)


def check_params(params: Mapping[str, Any]) -> dict[str, str]:
    """Return *params* as text with ``None`` dropped; raise for malformed values.

    A trailing underscore is dropped from a name, so that Python callers can
    write ``from_="2023-01"`` for the ``from`` parameter.
    """
    out: dict[str, str] = {}
    for raw_name, value in params.items():
        if value is None:
            continue
        name = raw_name[:-1] if raw_name.endswith("_") else raw_name
        text = _text(name, value)
        if name in DATE_PARAMS:
            DateValue.parse(text)
        elif name == "known_at":
            text = format_timestamp(parse_timestamp(text, end_of_day=True))
        elif name in MONTH_PARAMS and not (text.isascii() and text.isdigit()):
            raise QueryError(f"parameter {name}: expected a whole number of months, got {text!r}")
        out[name] = text
    return out


def _require_slugs(tl: Timeline, params: Mapping[str, str]) -> None:
    for name, kind in SLUG_PARAMS.items():
        if name not in params:
            continue
        wanted = (
            [s.strip() for s in params[name].split(",")] if name == "people" else [params[name]]
        )
        wanted = [s for s in wanted if s]
        if not wanted:
            raise QueryError(f"parameter {name}: give at least one slug")
        tl.require(kind, *wanted)


def run_query(tl: Timeline, name: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Run the named query *name* with *params* (checked, then bound by name)."""
    named = find_query(name)
    given = check_params(params)
    binding = named.bind(given)
    _require_slugs(tl, given)
    return tl.rows(named.sql, binding)


def search(tl: Timeline, text: str) -> list[dict[str, Any]]:
    """Find people and orgs whose name, alias or slug contains *text*, ignoring case and accents."""
    if not isinstance(text, str) or not text.strip():
        raise QueryError("search: give some text to look for")
    return run_query(tl, "search", {"text": text.strip()})


def export(tl: Timeline, directory: Path | str, fmt: str = "parquet") -> list[dict[str, Any]]:
    """Write each projection table to *directory* as ``TABLE.parquet`` or ``TABLE.csv``.

    Uses DuckDB's ``COPY`` on a read-only connection; returns one row per
    table with its path and row count.  Existing files of the same name are
    overwritten; nothing else in *directory* is touched.
    """
    if fmt not in EXPORT_FORMATS:
        raise QueryError(f"export: format {fmt!r} is not one of {', '.join(EXPORT_FORMATS)}")
    folder = Path(directory)
    if folder.exists() and not folder.is_dir():
        raise QueryError(f"export: {folder} exists and is not a directory")
    folder.mkdir(parents=True, exist_ok=True)
    options = "FORMAT parquet, COMPRESSION zstd" if fmt == "parquet" else "FORMAT csv, HEADER true"
    written = []
    with tl.file_writer() as con:
        for table in EXPORT_TABLES:
            path = folder / f"{table}.{fmt}"
            quoted = str(path.resolve()).replace("'", "''")
            # A COPY target cannot be a bound parameter; the path is quoted, the table is ours.
            row = con.execute(f"COPY (FROM {table}) TO '{quoted}' ({options})").fetchone()
            written.append({"table": table, "rows": row[0] if row else None, "path": str(path)})
    return written
