"""Render rows for people (an aligned table) or programs (json, jsonl, csv)."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

__all__ = ["FORMATS", "render"]

FORMATS = ("table", "json", "jsonl", "csv")


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(_plain(value))


def render(rows: Sequence[dict[str, Any]], fmt: str, *, color: bool = False) -> str:
    """Return *rows* as text in *fmt* (one of :data:`FORMATS`)."""
    if fmt == "json":
        return json.dumps(list(rows), ensure_ascii=False, indent=2, default=_plain) + "\n"
    if fmt == "jsonl":
        # one encoder for every row: json.dumps would build one per call
        encode = json.JSONEncoder(ensure_ascii=False, default=_plain).encode
        return "".join([f"{line}\n" for line in map(encode, rows)])
    columns = list(rows[0]) if rows else []
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([_cell(r[c]) for c in columns] for r in rows)
        return buf.getvalue()
    if not rows:
        return "(no rows)\n"
    cells = [[_cell(r[c]) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    head = "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()
    if color and "NO_COLOR" not in os.environ:
        head = f"\x1b[1m{head}\x1b[0m"
    body = [
        "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    return "\n".join([head, *body]) + "\n"
