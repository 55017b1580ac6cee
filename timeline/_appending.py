"""Append a batch to a :class:`~timeline.api.Timeline`'s log: validate it against a cache, write it.

:meth:`Timeline.append <timeline.api.Timeline.append>` hands over to :func:`append`
here, so that a read never imports the write path.  The batch is parsed
before the log's lock is taken; under the exclusive lock, it is validated
against the Timeline's write cache (:mod:`timeline._known`), which asks the
projection only about what it does not hold, then stamped, hashed and written
at the end, in order (a large batch in chunks, on a thread, while the rest is
encoded: :class:`timeline.log.BatchWriter`).  The cache then follows the log's
new end, for the next append.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from . import _duck
from ._locks import take
from .dates import format_timestamp, now_utc, parse_timestamp
from .errors import ConflictError, InvalidEventError

if TYPE_CHECKING:
    import duckdb

    from ._known import ProjectionKnown, WriteCache
    from .api import AppendResult, Timeline
    from .log import Tail
    from .projection import Progress

__all__ = ["PARTIAL_BATCH", "append"]

T = TypeVar("T")

#: A first append of at most this many events validates against a partial cache, which
#: looks up only the slugs it names (``_known``): loading every slug costs 0.5 s at 10M.
PARTIAL_BATCH = 1000


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Hold off Python's cyclic garbage collector for the length of a batch; then restore it.

    A batch makes a few objects per event and frees almost none of them before it
    is written, so the collector's generational passes keep walking a heap that
    only grows: on a batch of 100,000 events they took about a third of the
    append's time.  The objects an append makes hold no reference cycles, and
    reference counting still frees them; a cycle made meanwhile (an exception's
    traceback) is collected once the collector runs again.  Left disabled if it was.

    On the way out, what the batch left (the write cache keeps a fact per event)
    is moved to the oldest generation unexamined, by freezing and unfreezing:
    otherwise the first young collection after the batch walks it all (75 ms
    after a batch of 100,000, 0.75 µs an event) and the next one walks it again,
    only to find no garbage.  A later full collection examines it as it does
    every long-lived object.  Skipped if the application froze objects itself,
    which an unfreeze would hand back to the collector.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        if enabled:
            gc.enable()


@_gc_paused()
def append(
    tl: Timeline,
    lines: Iterable[str | bytes | dict[str, Any]],
    *,
    recorded_at: str | datetime | None,
    expect_seq: int | None,
    name: str | None,
    progress: Progress | None,
) -> AppendResult:
    """Append a batch of events to *tl*'s log, all or nothing (see ``Timeline.append``)."""
    from ._ingest import encode, parse_lines
    from ._known import CachedKnown
    from .api import AppendResult
    from .validate import check_facts

    drafts = parse_lines(lines, name, progress)
    at = parse_timestamp(recorded_at) if isinstance(recorded_at, str) else recorded_at
    with tl.log.locked(exclusive=True) as fd:
        tl.log.recover(fd)
        tail = tl.log.tail(fd)
        if expect_seq is not None and expect_seq != tail.seq:
            raise ConflictError(
                f"expected the log to end at seq {expect_seq}, but it ends at {tail.seq}; "
                "someone appended first: re-read and retry",
                expected=expect_seq,
                actual=tail.seq,
            )
        recorded = _recorded(at, tail)
        lookup = _Lookup(tl)
        try:
            cache = _write_cache(tl, tail, lookup, small=len(drafts) <= PARTIAL_BATCH)
            tl._cache = None  # restored once written
            own = {fact.id for _, fact in drafts if fact.id is not None}
            known = CachedKnown(
                cache,
                lambda ids, digests: _ask(lookup, tail, cache, lambda k: k.events(ids, digests)),
                own,
                lambda kind, keys: _ask(lookup, tail, cache, lambda k: k.existing(kind, keys)),
            )
            accepted, problems = check_facts(drafts, known)
        finally:
            lookup.close()  # not held past the validation
        if progress is not None:
            progress("validated", len(drafts), len(drafts))
        if problems:
            tl._cache = cache
            raise InvalidEventError([(p.line, p.message) for p in problems], path=name)
        if not accepted:
            tl._cache = cache
            return AppendResult(0, len(drafts), None, tail.seq, None)
        with tl.log.batch(fd) as batch:
            rest, written, last_hash = encode(accepted, tail, recorded, progress, batch.write)
            batch.finish(rest)
        last_seq = tail.seq + len(written)
        point = (batch.end, last_seq, last_hash)
        if cache.advance(written, known.seen, point):
            tl._cache = cache
    return AppendResult(
        len(accepted), len(drafts) - len(accepted), tail.seq + 1, last_seq, recorded
    )


class _Lookup:
    """Where an append's questions to the projection go (which slugs and event ids exist).

    The Timeline's own reader serves if it stands at a point the cache can use.
    Otherwise the projection is attached read-only to the process's kept DuckDB
    instance (:func:`timeline._duck.open_lookup`: about 7 ms, against 40 for a
    reader of its own), under the projection's shared lock, once an append at most
    unless it must be caught up first; that instance then also serves the
    catch-up that follows the append.
    """

    def __init__(self, tl: Timeline) -> None:
        self.tl = tl
        self.con: duckdb.DuckDBPyConnection | None = None
        self._lock_fd: int | None = None

    def at(self, points: set[tuple[int, int, str]]) -> duckdb.DuckDBPyConnection | None:
        """Return a connection on the projection if it stands at one of *points*, else None."""
        tl = self.tl
        if tl._con is not None:
            if tl.projection.checkpoint_of(tl._con) in points:
                return tl._con
            tl.close()  # a reader behind (or unusable) only holds the projection's lock
        if self.con is None and not self._open():
            return None
        assert self.con is not None
        if tl.projection.checkpoint_of(self.con) in points:
            return self.con
        self.close()
        return None

    def caught_up(self, tail: Tail) -> duckdb.DuckDBPyConnection:
        """Catch the projection up to *tail* (under the log's lock); return a connection on it."""
        self.close()
        self.tl.close()
        self.tl.projection.sync_locked(tail)
        self._attach()
        assert self.con is not None
        return self.con

    def _open(self) -> bool:
        """Attach the projection if there is one and DuckDB reads it; say whether it did."""
        if not self.tl.projection.db_path.exists():
            return False
        try:
            self._attach()
        except _duck.engine().Error:
            self.close()  # unreadable: the caller's catch-up rebuilds it
            return False
        return True

    def _attach(self) -> None:
        self._lock_fd = take(self.tl.projection.lock_path, exclusive=False)
        self.con = _duck.open_lookup(self.tl.projection.db_path)

    def close(self) -> None:
        """Detach the projection and release its lock, if this holds them."""
        try:
            if self.con is not None:
                con, self.con = self.con, None
                _duck.close_catch_up(con)
        finally:
            if self._lock_fd is not None:
                fd, self._lock_fd = self._lock_fd, None
                os.close(fd)


def _write_cache(tl: Timeline, tail: Tail, lookup: _Lookup, *, small: bool) -> WriteCache:
    """Return what appends validate against, reloaded if the log moved under us.

    Must hold the log's exclusive lock (so *tail* stays the end).  The first
    append of this Timeline, if *small*, gets a partial cache (see
    :mod:`timeline._known`); the next one completes it.  A load leaves *lookup*
    open: validation may look event ids up on it.
    """
    from ._known import WriteCache

    cache, tl._cache = tl._cache, None
    if cache is not None and cache.point == tail.point:
        if not cache.complete:
            con = lookup.at(cache.points)
            if con is None:  # no projection stands at one of its ends: reload
                return _load_cache(tail, lookup)
            cache.complete_from(con)
        return cache
    first, tl._appended = not tl._appended, True
    if small and first:
        return WriteCache.partial(tail.point)
    return _load_cache(tail, lookup)


def _load_cache(tail: Tail, lookup: _Lookup) -> WriteCache:
    """Load a complete cache from the projection, caught up to *tail* if it is not."""
    from ._known import WriteCache

    con = lookup.at({tail.point})
    if con is None:  # catch up first (opening a writer costs 40-90 ms, so only then)
        con = lookup.caught_up(tail)
    return WriteCache.load(con, tail.point)


def _ask(
    lookup: _Lookup, tail: Tail, cache: WriteCache, question: Callable[[ProjectionKnown], T]
) -> T:
    """Put validation's *question* to the projection (which events, which slugs exist).

    A projection current at any end the cache has followed answers as one caught
    up to *tail* would (see ``WriteCache.points``), so it is read as it stands:
    catching it up after a batch of 10,000 costs about 0.5 s.  Otherwise it is
    caught up first.
    """
    from ._known import ProjectionKnown

    con = lookup.at(cache.points)
    return question(ProjectionKnown(con if con is not None else lookup.caught_up(tail)))


def _recorded(at: datetime | None, tail: Tail) -> str:
    """Return the batch's recorded time: *at*, or now; never earlier than the log's last."""
    if at is None:
        text = format_timestamp(now_utc())
        return max(text, tail.recorded) if tail.recorded else text
    text = format_timestamp(at)
    if tail.recorded and parse_timestamp(tail.recorded) > at:
        raise ConflictError(
            f"--recorded-at {text} is earlier than the log's last recorded time "
            f"{tail.recorded}; recorded times never decrease along the log"
        )
    return text
