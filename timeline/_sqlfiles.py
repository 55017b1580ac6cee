"""Read the package's SQL files: one statement at a time, with its comment lines.

The projection (``sql/*.sql``) and verify (``sql/verify/*.sql``) keep their SQL
in files run statement by statement; this is the one place that reads and
splits them, and binds each statement only the parameters it names.
"""

from __future__ import annotations

import functools
import re
from importlib import resources
from typing import Any

__all__ = ["bound", "statements", "text"]


@functools.cache
def text(name: str) -> str:
    """Return ``sql/<name>.sql`` (*name* may hold a folder: ``verify/parse``)."""
    return (resources.files("timeline") / "sql" / f"{name}.sql").read_text(encoding="utf-8")


def statements(sql: str) -> list[tuple[str, list[str]]]:
    """Split *sql* at ``;`` line ends into (body without comment lines, its comment lines)."""
    out = []
    for statement in re.split(r";\s*\n", sql):
        lines = statement.splitlines()
        comments = [ln.strip() for ln in lines if ln.lstrip().startswith("--")]
        body = "\n".join(ln for ln in lines if not ln.lstrip().startswith("--"))
        if body.strip():
            out.append((body, comments))
    return out


def bound(body: str, params: dict[str, Any] | None) -> dict[str, Any]:
    """Return those of *params* that *body* names (``$name``): DuckDB refuses extra ones."""
    return {k: v for k, v in (params or {}).items() if f"${k}" in body}
