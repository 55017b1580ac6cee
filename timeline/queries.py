"""Load the named queries in ``queries/*.sql`` and bind their parameters by name.

Each file holds one query.  Its header says what it answers and which
parameters it takes::

    -- Where the authors of a paper are as of a date.
    -- params: paper, as_of, known_at?

A ``?`` marks an optional parameter (bound as NULL when not given).  Values are
always bound, never formatted into the SQL.
"""

from __future__ import annotations

import re
from pathlib import Path

from attrs import frozen

from ._resources import data_dir
from .errors import NotFoundError, QueryError

__all__ = ["NamedQuery", "find_query", "list_queries"]

NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")


@frozen
class NamedQuery:
    """One ``queries/NAME.sql`` file: its description, parameters and SQL."""

    name: str
    description: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    sql: str

    @classmethod
    def load(cls, path: Path) -> NamedQuery:
        """Read *path* and parse its header."""
        text = path.read_text(encoding="utf-8")
        header = [ln[2:].strip() for ln in text.splitlines() if ln.startswith("--")]
        description = next((h for h in header if not h.startswith("params:")), "")
        params = next((h[len("params:") :] for h in header if h.startswith("params:")), "")
        names = [p.strip() for p in params.split(",") if p.strip()]
        return cls(
            name=path.stem,
            description=description,
            required=tuple(n for n in names if not n.endswith("?")),
            optional=tuple(n[:-1] for n in names if n.endswith("?")),
            sql=text.strip().rstrip(";"),
        )

    def bind(self, given: dict[str, str]) -> dict[str, str | None]:
        """Check *given* against the declared parameters; return the full binding."""
        missing = [n for n in self.required if n not in given]
        unknown = [n for n in given if n not in self.required + self.optional]
        if missing or unknown:
            parts = []
            if missing:
                parts.append(f"missing --param {', '.join(missing)}")
            if unknown:
                parts.append(f"unknown parameter(s) {', '.join(unknown)}")
            declared = ", ".join([*self.required, *(n + "?" for n in self.optional)]) or "none"
            raise QueryError(f"query {self.name}: {'; '.join(parts)} (takes: {declared})")
        binding: dict[str, str | None] = dict.fromkeys(self.optional)
        binding.update(given)
        return binding


def list_queries() -> list[NamedQuery]:
    """Return every named query that ships with the package, by name."""
    return [NamedQuery.load(p) for p in sorted(data_dir("queries").glob("*.sql"))]


def find_query(name: str) -> NamedQuery:
    """Return the named query *name*."""
    path = data_dir("queries") / f"{name}.sql"
    if not NAME.fullmatch(name) or not path.is_file():
        raise NotFoundError("query", name, "list them with `timeline query --list`")
    return NamedQuery.load(path)
