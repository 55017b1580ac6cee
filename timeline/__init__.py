"""Reconstruct who was where, and when, from an append-only log of dated facts.

>>> import timeline
>>> with timeline.open(timeline.bundled_log()) as tl:      # doctest: +SKIP
...     tl.team("meta", as_of="2024-08")

The names below are imported on first use (PEP 562), so ``import timeline.cli``
or ``timeline.verify`` pays only for the modules that command needs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

#: Where each public name lives: (module, name there).
_WHERE = {
    "AppendResult": ("api", "AppendResult"),
    "Timeline": ("api", "Timeline"),
    "open": ("api", "open_timeline"),
    "DateValue": ("dates", "DateValue"),
    "bundled_log": ("_resources", "bundled_log"),
    **{name: ("errors", name) for name in __all__ if name.endswith("Error")},
}


def __getattr__(name: str) -> Any:
    """Import a public name on first use and keep it in the package's namespace."""
    try:
        module, attr = _WHERE[name]
    except KeyError:
        raise AttributeError(f"module 'timeline' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f".{module}", __name__), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
