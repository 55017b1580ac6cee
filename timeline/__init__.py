"""Reconstruct who was where, and when, from an append-only log of dated facts.

>>> import timeline
>>> with timeline.open(timeline.bundled_log()) as tl:      # doctest: +SKIP
...     tl.team("meta", as_of="2024-08")
"""

from __future__ import annotations

from ._resources import bundled_log
from .api import AppendResult, Timeline
from .api import open_timeline as open
from .dates import DateValue
from .errors import (
    BadDateError,
    ConflictError,
    InvalidEventError,
    LogCorruptError,
    LogExistsError,
    LogMissingError,
    NotFoundError,
    QueryError,
    TimelineError,
)

__all__ = [
    "AppendResult",
    "BadDateError",
    "ConflictError",
    "DateValue",
    "InvalidEventError",
    "LogCorruptError",
    "LogExistsError",
    "LogMissingError",
    "NotFoundError",
    "QueryError",
    "Timeline",
    "TimelineError",
    "bundled_log",
    "open",
]
