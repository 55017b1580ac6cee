"""Find the files that ship with the package: the bundled logs and the named queries.

In a wheel they live in ``timeline/_data``; in a source checkout they are the
top-level ``events/`` and ``queries/`` folders the wheel is built from.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["bundled_log", "data_dir"]

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the folder *name* (``events`` or ``queries``) wherever this install keeps it."""
    installed = _PACKAGE / "_data" / name
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / name


def bundled_log() -> Path:
    """Return the path of the bundled Meta/Llama log."""
    return data_dir("events") / "meta.jsonl"
