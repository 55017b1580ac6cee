"""Turn input lines into drafts, and accepted drafts into stored lines (the append path).

The only per-event Python in the engine lives here: decoding and structuring
each input line, and stamping each accepted event with seq, id, recorded and
the hash chain.  Everything else about an append (locking, validation, the
write) is in :mod:`timeline.api` and :mod:`timeline.log`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sized
from typing import TYPE_CHECKING, Any

from .errors import InvalidEventError

if TYPE_CHECKING:
    from .events import Draft
    from .log import Tail
    from .projection import Progress

__all__ = ["MAX_LINE", "PROGRESS_EVERY", "encode", "parse_lines"]

MAX_LINE = 1 << 20  # one event per line; a megabyte is far beyond any real fact
PROGRESS_EVERY = 1000  # lines between progress reports on long appends


def parse_lines(
    lines: Iterable[str | bytes | dict[str, Any]],
    name: str | None,
    progress: Progress | None = None,
) -> list[tuple[int, Draft]]:
    from .codec import EventDecodeError, draft_from_obj

    drafts: list[tuple[int, Draft]] = []
    problems: list[tuple[int, str]] = []
    total = len(lines) if isinstance(lines, Sized) else 0
    for number, raw in enumerate(lines, start=1):
        if progress is not None and number % PROGRESS_EVERY == 0:
            progress("parsed", number, max(total, number))
        try:
            obj = raw if isinstance(raw, dict) else _decode(raw)
            if obj is None:
                continue
            drafts.append((number, draft_from_obj(obj)))
        except EventDecodeError as exc:
            problems.append((number, str(exc)))
    if problems:
        raise InvalidEventError(problems, path=name)
    if not drafts:
        raise InvalidEventError([(0, "no events in the input")], path=name)
    return drafts


def _decode(raw: str | bytes) -> object:
    from .codec import EventDecodeError

    if len(raw) > MAX_LINE:
        raise EventDecodeError(f"line is longer than {MAX_LINE} bytes; one event per line")
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise EventDecodeError(f"not UTF-8 ({exc.reason} at byte {exc.start})") from None
    if not raw.strip():
        return None
    try:
        return json.loads(raw, parse_constant=_no_constant)
    except RecursionError:
        raise EventDecodeError("JSON nested too deeply") from None
    except ValueError as exc:
        raise EventDecodeError(f"not valid JSON: {exc}") from None


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not valid JSON")


def encode(
    accepted: list[tuple[int, Draft]], tail: Tail, recorded: str, progress: Progress | None = None
) -> tuple[bytes, list[tuple[str, Draft]], str]:
    """Stamp drafts with seq, id, recorded and the hash chain.

    Return the bytes to write, (id, draft) of each line, and the last hash.
    """
    from ._hashing import stamp
    from .codec import content_digest, draft_to_obj

    out: list[bytes] = []
    written: list[tuple[str, Draft]] = []
    prev, seq = tail.hash, tail.seq
    for index, (_, draft) in enumerate(accepted):
        if progress is not None and index % PROGRESS_EVERY == 0:
            progress("encoded", index, len(accepted))
        seq += 1
        obj = draft_to_obj(draft)
        obj["seq"] = seq
        obj["id"] = draft.id or f"e{seq}-{content_digest(draft)[:10]}"
        obj["recorded"] = recorded
        if index == len(accepted) - 1:
            obj["commit"] = True
        obj["prev"] = prev
        prev, line = stamp(obj)
        out.append(line)
        written.append((obj["id"], draft))
    if progress is not None:
        progress("encoded", len(accepted), len(accepted))
    return b"".join(out), written, prev
