"""Check a log line by line in Python: the reference the set-based verify is held to.

Every message ``verify`` prints comes from :class:`Checker` here: the SQL scan
(:mod:`timeline._verify_sql`) only finds the first bad line, and this checker,
given the state the lines before it leave, says what is wrong with it.
:func:`verify_lines` is the whole check in one linear pass (``method="python"``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from attrs import frozen

from .codec import GENESIS, EventDecodeError, content_digest, line_hash, stored_from_obj
from .dates import format_timestamp, parse_timestamp
from .errors import BadDateError, LogCorruptError
from .events import Draft, EventRetracted, Stored
from .validate import KINDS, LoggedEvent, _defines, check_batch

__all__ = ["RECOVER", "RESTORE", "Checker", "MemoryKnown", "VerifyReport", "verify_lines"]

#: The recovery path for each kind of problem, shown as the error's hint.
RESTORE = (
    "committed lines are never edited: restore the log from a backup or the VCS "
    "(e.g. `git checkout -- LOG`), then run `timeline verify` again"
)
RECOVER = "run `timeline recover`: it moves the unfinished end to <log>.quarantine"


@frozen
class VerifyReport:
    """What a successful verify checked: lines, seq range, and the hash the log ends with."""

    path: str
    size: int
    events: int
    checked: int
    first_checked: int | None
    last_seq: int
    last_hash: str


class MemoryKnown:
    """Answer validation's questions from what earlier lines of the log defined."""

    def __init__(self) -> None:
        self.keys: dict[str, set[str]] = {kind: set() for kind in KINDS}
        # id -> (draft, retracted).  The content digest is computed only when a later
        # line asks for the id (a repeated id or a retraction), not once per line.
        self.logged: dict[str, tuple[Draft, bool]] = {}

    def existing(self, kind: str, keys: set[str]) -> set[str]:
        """Return those of *keys* that an earlier line added as *kind*."""
        return keys & self.keys[kind]

    def every_slug(self) -> dict[str, set[str]]:
        """Return every slug earlier lines added, by kind (all of them are in memory)."""
        return self.keys

    def events(self, ids: set[str]) -> dict[str, LoggedEvent]:
        """Return the earlier events among *ids*."""
        found = {}
        for i in ids & self.logged.keys():
            draft, retracted = self.logged[i]
            found[i] = LoggedEvent(content_digest(draft), draft.type, retracted)
        return found

    def add(self, draft: Draft, event_id: str) -> None:
        """Record what one accepted line defines, its id, and what it retracts."""
        defined = _defines(draft)
        if defined is not None:
            self.keys[defined[0]].add(defined[1])
        self.logged[event_id] = (draft, False)
        ev = draft.event
        # (a line before --from is not checked, so what it retracts may be missing)
        if isinstance(ev, EventRetracted) and ev.event in self.logged:
            target = self.logged[ev.event][0]
            self.logged[ev.event] = (target, True)
            # As in the projection: a retracted definition frees its slug.
            undefined = _defines(target)
            if undefined is not None:
                self.keys[undefined[0]].discard(undefined[1])


def lines_of(path: Path, size: int) -> Iterator[tuple[int, bytes]]:
    """Yield (bytes read so far, raw line) for the first *size* bytes of *path*."""
    done = 0
    with open(path, "rb") as fh:
        while done < size:
            raw = fh.readline(size - done)
            if not raw:
                return
            done += len(raw)
            yield done, raw


def check_timestamp(text: str) -> datetime:
    """Parse a stored ``recorded``, which must be in the log's one form (UTC, microseconds, Z)."""
    at = parse_timestamp(text)
    if format_timestamp(at) != text:
        raise BadDateError(text, "not in the log's form YYYY-MM-DDTHH:MM:SS.ffffffZ")
    return at


def draft_of(stored: Stored) -> Draft:
    """Return what a stored line says, without its place in the log."""
    return Draft(event=stored.event, id=stored.id, occurred=stored.occurred, source=stored.source)


class Checker:
    """The state carried from one line to the next."""

    def __init__(self, path: Path, from_seq: int) -> None:
        self.path = path
        self.from_seq = from_seq
        self.known = MemoryKnown()
        self.seq = 0
        self.hash = GENESIS
        self.recorded = ""
        self.recorded_at: datetime | None = None
        self.commit = True
        self.checked = 0

    def fail(self, number: int, message: str, hint: str = RESTORE) -> LogCorruptError:
        return LogCorruptError(message, path=self.path, line=number, hint=hint)

    def decode(self, number: int, raw: bytes) -> tuple[dict[str, Any], Stored]:
        """Parse one line and structure it with the strict codec; raise at the first problem."""
        obj = self._parse(number, raw)
        try:
            return obj, stored_from_obj(obj)
        except (EventDecodeError, BadDateError) as exc:
            raise self.fail(number, f"not a valid event: {exc}") from None

    def line(self, number: int, raw: bytes, last: bool) -> None:
        """Check one line; lines before ``from_seq`` only teach the keys they define."""
        checking = number >= self.from_seq
        if not raw.endswith(b"\n"):
            raise self.fail(number, "the last line is incomplete (a torn write)", RECOVER)
        obj, stored = self.decode(number, raw)
        if checking:
            self._envelope(number, obj)
        self.seq, self.hash = stored.seq, stored.hash
        if not checking:
            self.recorded, self.recorded_at = stored.recorded, None
        self.commit = obj.get("commit") is True
        draft = draft_of(stored)
        if checking:
            accepted, problems = check_batch([(number, draft)], self.known)
            if problems:
                raise self.fail(number, f"breaks a rule of the log: {problems[0].message}")
            if not accepted:
                raise self.fail(number, f"id {stored.id!r} is used by an earlier line")
            self.checked += 1
        self.known.add(draft, stored.id)
        if last and not self.commit:
            raise self.fail(
                number, "the log ends without a commit marker (an unfinished append)", RECOVER
            )

    def _parse(self, number: int, raw: bytes) -> dict[str, Any]:
        try:
            obj = json.loads(raw)
        except RecursionError:
            raise self.fail(number, "not valid JSON: nested too deeply") from None
        except ValueError as exc:  # includes invalid UTF-8
            raise self.fail(number, f"not valid JSON: {exc}") from None
        if not isinstance(obj, dict):
            raise self.fail(number, "not a JSON object")
        return obj

    def _envelope(self, number: int, obj: dict[str, Any]) -> None:
        if obj["seq"] != self.seq + 1:
            raise self.fail(
                number,
                f"seq {obj['seq']} where {self.seq + 1} was expected "
                "(a line was removed, reordered or inserted)",
            )
        if "commit" in obj and obj["commit"] is not True:
            raise self.fail(number, "commit: must be true when present")
        if number > 1 and obj["prev"] != self.hash:
            raise self.fail(
                number,
                "prev does not match the hash of the line before "
                "(a line was removed, reordered or inserted)",
            )
        if number == 1 and obj["prev"] != GENESIS:
            raise self.fail(number, "prev of the first line must be 64 zeros")
        if not hash_matches(obj):
            raise self.fail(number, "hash does not match the line's content (it was edited)")
        try:
            recorded = check_timestamp(obj["recorded"])
            before = self.recorded_at or (check_timestamp(self.recorded) if self.recorded else None)
        except BadDateError as exc:
            raise self.fail(number, f"recorded: {exc}") from None
        if before is not None and recorded < before:
            raise self.fail(
                number,
                f"recorded {obj['recorded']} is earlier than the line before ({self.recorded})",
            )
        self.recorded, self.recorded_at = obj["recorded"], recorded


def hash_matches(obj: dict[str, Any]) -> bool:
    """Tell whether a parsed line's ``hash`` is the hash of its canonical form."""
    try:
        return bool(line_hash(obj) == obj["hash"])
    except UnicodeEncodeError:  # a lone surrogate (\ud800) has no UTF-8 form to hash
        return False


def verify_lines(
    path: Path, size: int, from_seq: int, progress: Callable[[int], None] | None
) -> VerifyReport:
    """Check the first *size* bytes of *path* one line at a time (the reference verify)."""
    checker = Checker(path, from_seq)
    number, before = 0, 0
    first: int | None = None
    for done, raw in lines_of(path, size):
        number += 1
        checker.line(number, raw, last=done == size)
        if first is None and number >= from_seq:
            first = number
        if progress is not None:
            progress(done - before)
            before = done
    return VerifyReport(str(path), size, number, checker.checked, first, checker.seq, checker.hash)
