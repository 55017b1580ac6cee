"""Turn input lines into facts, and accepted facts into stored lines (the append path).

The only per-event Python in the engine lives here: decoding and structuring
each input line, and stamping each accepted event with seq, id, recorded and
the hash chain.  Everything else about an append (locking, validation, the
write) is in :mod:`timeline.api` and :mod:`timeline.log`.

A plain line takes the fast path (:mod:`timeline._fastpath`); any other goes
through cattrs, which also words every error.  Both give a :class:`Fact`
whose data is already canonical JSON, so a stored line is assembled from
strings rather than serialised again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sized
from typing import TYPE_CHECKING, Any

from ._facts import EventDecodeError, Fact, quote
from ._fastpath import fast_fact
from ._hashing import canonical
from .errors import InvalidEventError

if TYPE_CHECKING:
    from .log import Tail
    from .projection import Progress

__all__ = ["FLUSH_EVERY", "MAX_LINE", "PROGRESS_EVERY", "encode", "parse_lines"]

MAX_LINE = 1 << 20  # one event per line; a megabyte is far beyond any real fact
PROGRESS_EVERY = 1000  # lines between progress reports on long appends
#: Lines per chunk a large batch hands to its writer while the rest is encoded (about 1 MB).
FLUSH_EVERY = 4096


def parse_lines(
    lines: Iterable[str | bytes | dict[str, Any]],
    name: str | None,
    progress: Progress | None = None,
) -> list[tuple[int, Fact]]:
    """Decode and structure each line; raise InvalidEventError naming every bad line."""
    facts: list[tuple[int, Fact]] = []
    problems: list[tuple[int, str]] = []
    total = len(lines) if isinstance(lines, Sized) else 0
    for number, raw in enumerate(lines, start=1):
        if progress is not None and number % PROGRESS_EVERY == 0:
            progress("parsed", number, max(total, number))
        try:
            obj = raw if isinstance(raw, dict) else _decode(raw)
            if obj is None:
                continue
            fact = fast_fact(obj)
            facts.append((number, fact if fact is not None else _reference(obj)))
        except EventDecodeError as exc:
            problems.append((number, str(exc)))
    if problems:
        raise InvalidEventError(problems, path=name)
    if not facts:
        raise InvalidEventError([(0, "no events in the input")], path=name)
    return facts


def _reference(obj: object) -> Fact:
    """Structure *obj* through cattrs: the path that words every error."""
    from .codec import draft_from_obj, fact_from_draft

    return fact_from_draft(draft_from_obj(obj))


def _decode(raw: str | bytes) -> object:
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
        # json.loads(raw, parse_constant=...) builds a decoder per call (3 µs here);
        # one decoder serves them all.  loads' own refusal of a BOM is kept.
        if raw.startswith("\ufeff"):
            return json.loads(raw, parse_constant=_no_constant)
        return _DECODER.decode(raw)
    except RecursionError:
        raise EventDecodeError("JSON nested too deeply") from None
    except ValueError as exc:
        raise EventDecodeError(f"not valid JSON: {exc}") from None


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not valid JSON")


_DECODER = json.JSONDecoder(parse_constant=_no_constant)


def encode(
    accepted: list[tuple[int, Fact]],
    tail: Tail,
    recorded: str,
    progress: Progress | None = None,
    flush: Callable[[bytes], None] | None = None,
) -> tuple[bytes, list[tuple[str, Fact]], str]:
    """Stamp facts with seq, id, recorded and the hash chain.

    Return the bytes to write, (id, fact) of each line, and the last hash.
    Given *flush*, hand it the bytes of every FLUSH_EVERY lines as they are made
    (never the last line's, which commits the batch): the bytes returned are then
    only what follows them.
    Each line is the canonical form of its object (keys sorted: commit, data,
    hash, id, occurred, prev, recorded, seq, source, type), assembled from
    the fact's canonical data text; ``tests/test_append_fast.py`` holds it
    byte for byte to :func:`timeline._hashing.stamp` of the object.
    """
    out: list[str] = []
    written: list[tuple[str, Fact]] = []
    sha256 = hashlib.sha256
    recorded_json = quote(recorded)
    seq, last, digest = tail.seq, len(accepted) - 1, tail.hash
    # The log's last hash is written as JSON writes it, whatever the tail held.
    prev = canonical(tail.hash).decode()
    every = FLUSH_EVERY if flush is not None else 0
    for index, (_, fact) in enumerate(accepted):
        if progress is not None and index % PROGRESS_EVERY == 0:
            progress("encoded", index, len(accepted))
        seq += 1
        data, occurred, source, type_json = fact.data, fact.occurred, fact.source, quote(fact.type)
        occurred_json = "null" if occurred is None else quote(occurred)
        source_json = "null" if source is None else quote(source)
        event_id = fact.id
        if not event_id:  # content_text(fact), inlined: this loop runs once per line
            content = f'{{"data":{data},"occurred":{occurred_json},"source":{source_json}'
            content += f',"type":{type_json}}}'
            event_id = f"e{seq}-{sha256(content.encode()).hexdigest()[:10]}"
        head = f'{{"commit":true,"data":{data},' if index == last else f'{{"data":{data},'
        occurred_member = "" if occurred is None else f',"occurred":{occurred_json}'
        source_member = "" if source is None else f',"source":{source_json}'
        rest = (
            f'"id":{quote(event_id)}{occurred_member},"prev":{prev},"recorded":{recorded_json}'
            f',"seq":{seq}{source_member},"type":{type_json}}}'
        )
        digest = sha256((head + rest).encode()).hexdigest()
        out.append(f'{head}"hash":"{digest}",{rest}\n')
        written.append((event_id, fact))
        prev = f'"{digest}"'
        if len(out) == every and index != last and flush is not None:
            flush("".join(out).encode())
            out.clear()
    if progress is not None:
        progress("encoded", len(accepted), len(accepted))
    return "".join(out).encode(), written, digest
