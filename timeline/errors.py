"""Exceptions raised by timeline.

Every error derives from :class:`TimelineError` and also from the builtin that
matches it, so callers can catch either.  Each carries the data a program needs
to react (``line``, ``path``, ``expected`` …) besides the message a person reads.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "BadDateError",
    "ConflictError",
    "InvalidEventError",
    "LogCorruptError",
    "LogExistsError",
    "LogMissingError",
    "NotFoundError",
    "QueryError",
    "TimelineError",
]


class TimelineError(Exception):
    """Base class of every error timeline raises on purpose."""

    hint: str = ""

    def __str__(self) -> str:
        text = super().__str__()
        return f"{text}\n  hint: {self.hint}" if self.hint else text


class BadDateError(TimelineError, ValueError):
    """A date value or timestamp that cannot be parsed or does not exist."""

    def __init__(self, value: str, reason: str) -> None:
        super().__init__(f"invalid date {value!r}: {reason}")
        self.value = value
        self.reason = reason


class InvalidEventError(TimelineError, ValueError):
    """Input lines that are not valid events; the whole batch is refused.

    ``problems`` lists ``(line, message)`` pairs; ``path`` names the input.
    """

    hint = "fix the line(s) and append the batch again; nothing was written"
    shown = 20

    def __init__(self, problems: list[tuple[int, str]], *, path: str | None = None) -> None:
        where = path or "<input>"
        lines = [f"{where}:{line}: {_clip(message)}" for line, message in problems[: self.shown]]
        if len(problems) > self.shown:
            lines.append(f"... and {len(problems) - self.shown} more problem(s)")
        super().__init__("\n".join(lines))
        self.problems = problems
        self.path = path

    @property
    def line(self) -> int:
        """The first refused line."""
        return self.problems[0][0]


def _clip(message: str, limit: int = 400) -> str:
    """Shorten a message that quotes a huge input value, keeping its start and its end."""
    if len(message) <= limit:
        return message
    cut = len(message) - limit
    return f"{message[: limit // 2]}…({cut} characters cut)…{message[-limit // 2 :]}"


class ConflictError(TimelineError, RuntimeError):
    """The log is not in the state the writer expected (``--expect-seq``, duplicate id)."""

    def __init__(self, message: str, *, expected: int | None = None, actual: int | None = None):
        super().__init__(message)
        self.expected = expected
        self.actual = actual


class LogCorruptError(TimelineError, ValueError):
    """A committed line of the log fails a check (JSON, seq, recorded, hash chain, rules)."""

    def __init__(self, message: str, *, path: Path | str, line: int, hint: str = "") -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.message = message
        self.path = str(path)
        self.line = line
        if hint:
            self.hint = hint


class LogExistsError(TimelineError, FileExistsError):
    """``init`` was asked to create a log that already exists."""

    hint = "choose another path, or append to the existing log"

    def __init__(self, path: Path | str) -> None:
        super().__init__(f"{path}: a log already exists here; refusing to overwrite it")
        self.path = str(path)


class LogMissingError(TimelineError, FileNotFoundError):
    """The log file does not exist."""

    hint = "create it with `timeline --log PATH init`, or check --log / TIMELINE_LOG"

    def __init__(self, path: Path | str) -> None:
        super().__init__(f"{path}: no such log")
        self.path = str(path)


class NotFoundError(TimelineError, LookupError):
    """A person, org or named query that the log or package does not know."""

    def __init__(self, kind: str, key: str, hint: str = "") -> None:
        super().__init__(f"unknown {kind} {key!r}")
        self.kind = kind
        self.key = key
        if hint:
            self.hint = hint


class QueryError(TimelineError, ValueError):
    """A named or ad-hoc query that failed: bad parameters, or SQL that DuckDB refused."""
