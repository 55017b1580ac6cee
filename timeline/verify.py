"""Check a whole log: JSON, strict codec, seq, recorded, hash chain, commit markers, rules.

:func:`verify` reads the committed prefix of the log (its size is taken under
the shared lock, so a writer is never caught half-way) and raises
:class:`~timeline.errors.LogCorruptError` naming the first line that fails a
check.  The checks run set-based in DuckDB (:mod:`timeline._verify_sql`),
which finds that line; the line-by-line checker (:mod:`timeline._verify_python`),
resumed just before it, says what is wrong, so every message has one author.
``method="python"`` runs the line-by-line checker over the whole log instead.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from attrs import frozen

from ._duck import engine
from ._verify_python import RECOVER, RESTORE, Checker, MemoryKnown, VerifyReport, draft_of
from ._verify_python import verify_lines as _verify_lines
from ._verify_sql import (
    BadText,
    Resized,
    Scan,
    Unsupported,
    connect,
    copy_prefix,
    line_from,
    utf8_prefix,
)
from .errors import LogCorruptError
from .events import EventRetracted
from .log import EventLog
from .validate import _defines, _refs

__all__ = [
    "RECOVER",
    "RESTORE",
    "MemoryKnown",
    "RecoverReport",
    "VerifyReport",
    "recover",
    "verify",
]


class _Progress:
    """Report a share of the log's bytes per finished phase; never more than the total."""

    def __init__(self, callback: Callable[[int], None] | None, size: int) -> None:
        self.callback, self.size, self.done = callback, size, 0

    def reach(self, share: float) -> None:
        target = int(self.size * share)
        if self.callback is not None and target > self.done:
            self.callback(target - self.done)
        self.done = max(self.done, target)

    def resumed(self) -> Callable[[int], None] | None:
        """Return a callback for a fresh pass that skips what was already reported."""
        if self.callback is None:
            return None
        seen = [0]

        def forward(step: int) -> None:
            seen[0] += step
            self.reach(seen[0] / self.size if self.size else 1.0)

        return forward


def verify(
    log_path: Path | str,
    from_seq: int = 1,
    progress: Callable[[int], None] | None = None,
    method: str = "sql",
) -> VerifyReport:
    """Check every line of the log at *log_path*; raise LogCorruptError at the first bad one.

    *from_seq* > 1 checks seq, recorded, prev/hash and the rules only from that
    line on; earlier lines are still decoded (the rules need what they define,
    the chain needs the last hash before *from_seq*).  *progress* is called
    with a number of bytes as the work advances; the calls add up to the log's
    size.  *method* is ``"sql"`` (set-based) or ``"python"`` (line by line).
    """
    if from_seq < 1:
        raise ValueError("from_seq starts at 1")
    if method not in ("sql", "python"):
        raise ValueError(f"method is 'sql' or 'python', not {method!r}")
    log = EventLog(log_path)
    with log.locked(exclusive=False) as fd:
        size = os.fstat(fd).st_size
    if method == "python":
        return _verify_lines(log.path, size, from_seq, progress)
    bar = _Progress(progress, size)
    try:
        with tempfile.TemporaryDirectory(prefix="timeline-verify-") as folder:
            return _verify_sql(log.path, size, from_seq, bar, Path(folder))
    except (Unsupported, engine().OutOfMemoryException):
        # a line too odd for the scan, or a memory limit below what it needs: the
        # line-by-line check holds one line at a time
        return _verify_lines(log.path, size, from_seq, bar.resumed())


def _verify_sql(path: Path, size: int, from_seq: int, bar: _Progress, folder: Path) -> VerifyReport:
    con = connect(folder)
    try:
        try:
            scan = Scan(con, path, size, from_seq)
        except (Resized, BadText):
            return _verify_prefix(path, size, from_seq, bar, folder)
        bar.reach(0.3)
        _raise_first(scan, path, from_seq, final=True, bar=bar)
        bar.reach(1.0)
        return _report(scan, path, size, from_seq)
    finally:
        con.close()


def _report(scan: Scan, path: Path, size: int, from_seq: int) -> VerifyReport:
    """Return what a passed scan checked: lines, the seq range, the hash the log ends with."""
    seq, last_hash, _ = scan.state(scan.total)
    first = from_seq if from_seq <= scan.total else None
    checked = max(0, scan.total - from_seq + 1)
    return VerifyReport(str(path), size, scan.total, checked, first, seq, last_hash)


def _verify_prefix(
    path: Path, size: int, from_seq: int, bar: _Progress, folder: Path
) -> VerifyReport:
    """Check a log DuckDB cannot read whole: one that grew meanwhile, or one not UTF-8.

    The committed bytes are copied up to the first line that is not UTF-8 and
    that copy is scanned; if it passes, the line-by-line checker judges the
    line that stopped the copy.  The file is read a chunk at a time, never whole.
    """
    cut, end = utf8_prefix(path, size)
    copy = folder / "prefix.jsonl"
    copy_prefix(path, cut, copy)
    con = connect(folder)
    try:
        scan = Scan(con, copy, cut, from_seq)
        bar.reach(0.3)
        final = cut == end
        _raise_first(scan, path, from_seq, final=final, bar=bar)
        if not final:
            raw = line_from(path, cut, end)
            number = scan.total + 1
            raise _explain(scan, path, from_seq, number, raw, last=cut + len(raw) == end)
        bar.reach(1.0)
        return _report(scan, path, size, from_seq)
    finally:
        con.close()


def _raise_first(scan: Scan, path: Path, from_seq: int, final: bool, bar: _Progress) -> None:
    """Raise the error of the first bad line the scan finds, if any."""
    failed = scan.parse()
    bar.reach(0.8)
    first = scan.first_bad(final)
    if failed is not None and (first is None or failed < first):
        first = failed
    if first is not None:
        last = final and first == scan.total
        raise _explain(scan, path, from_seq, first, scan.line(first), last)


def _explain(
    scan: Scan, path: Path, from_seq: int, number: int, raw: bytes, last: bool
) -> LogCorruptError:
    """Resume the line-by-line checker just before line *number*; return its error there."""
    checker = Checker(path, from_seq)
    checker.seq, checker.hash, checker.recorded = scan.state(number - 1)
    _seed(checker, scan, number, raw)
    try:
        checker.line(number, raw, last=last)
    except LogCorruptError as exc:
        return exc
    raise RuntimeError(
        f"{path}:{number}: the set-based verify refused this line but the line-by-line "
        "check accepts it; this is a bug in timeline (`verify(..., method='python')` "
        "checks the log line by line)"
    )


def _seed(checker: Checker, scan: Scan, number: int, raw: bytes) -> None:
    """Teach the checker what the lines before *number* define, as far as that line asks."""
    try:
        _, stored = checker.decode(number, raw)
    except LogCorruptError:
        return  # the line fails before any rule is asked
    draft = draft_of(stored)
    wanted = list(_refs(draft))
    defined = _defines(draft)
    if defined:
        wanted.append(defined)
    for kind, key in scan.defined(wanted, number):
        checker.known.keys[kind].add(key)
    ids = {stored.id}
    if isinstance(stored.event, EventRetracted):
        ids.add(stored.event.event)
    for event_id in ids:
        found = scan.logged(event_id, number)
        if found is not None:
            line, retracted = found
            _, earlier = checker.decode(line, scan.line(line))
            checker.known.logged[event_id] = (draft_of(earlier), retracted)


@frozen
class RecoverReport:
    """What :func:`recover` moved aside: bytes and lines, and where they went."""

    bytes: int
    lines: int
    quarantine: str


def recover(log_path: Path | str) -> RecoverReport:
    """Under the exclusive lock, move an interrupted append's end to ``<log>.quarantine``.

    A clean log is left untouched; a damaged committed line raises
    LogCorruptError (that is not a torn write, so nothing is moved).
    """
    log = EventLog(log_path)
    with log.locked(exclusive=True) as fd:
        before = log.quarantine.stat().st_size if log.quarantine.exists() else 0
        moved = log.recover(fd)
        log.tail(fd)
    lines = 0
    if moved:
        with open(log.quarantine, "rb") as q:
            q.seek(before)
            lines = q.read().count(b"\n")
    return RecoverReport(moved, lines, str(log.quarantine))
