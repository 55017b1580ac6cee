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
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from .dates import format_timestamp, now_utc, parse_timestamp
from .errors import ConflictError, InvalidEventError

if TYPE_CHECKING:
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
        reader = tl._con  # the caller's reader, if any, is left as it is
        try:
            cache = _write_cache(tl, tail, small=len(drafts) <= PARTIAL_BATCH)
            tl._cache = None  # restored once written
            own = {fact.id for _, fact in drafts if fact.id is not None}
            known = CachedKnown(
                cache,
                lambda ids, digests: _ask(tl, tail, cache, lambda k: k.events(ids, digests)),
                own,
                lambda kind, keys: _ask(tl, tail, cache, lambda k: k.existing(kind, keys)),
            )
            accepted, problems = check_facts(drafts, known)
        finally:
            if tl._con is not None and tl._con is not reader:
                tl.close()  # one this append opened is not held past it
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


def _write_cache(tl: Timeline, tail: Tail, *, small: bool) -> WriteCache:
    """Return what appends validate against, reloaded if the log moved under us.

    Must hold the log's exclusive lock (so *tail* stays the end).  The first
    append of this Timeline, if *small*, gets a partial cache (see
    :mod:`timeline._known`); the next one completes it.  A load leaves its
    reader open: validation may look event ids up on it.
    """
    from ._known import WriteCache

    cache, tl._cache = tl._cache, None
    if cache is not None and cache.point == tail.point:
        if not cache.complete:
            con = tl._reader_at(cache.points)
            if con is None:  # no projection stands at one of its ends: reload
                return _load_cache(tl, tail)
            cache.complete_from(con)
        return cache
    first, tl._appended = not tl._appended, True
    if small and first:
        return WriteCache.partial(tail.point)
    return _load_cache(tl, tail)


def _load_cache(tl: Timeline, tail: Tail) -> WriteCache:
    """Load a complete cache from the projection, caught up to *tail* if it is not."""
    from ._known import WriteCache

    con = tl._reader_at({tail.point})
    if con is None:  # catch up first (opening a writer costs 40-90 ms, so only then)
        tl.projection.sync_locked(tail)
        con = tl._open_reader()
    return WriteCache.load(con, tail.point)


def _ask(
    tl: Timeline, tail: Tail, cache: WriteCache, question: Callable[[ProjectionKnown], T]
) -> T:
    """Put validation's *question* to the projection (which events, which slugs exist).

    A projection current at any end the cache has followed answers as one caught
    up to *tail* would (see ``WriteCache.points``), so it is read as it stands:
    catching it up after a batch of 10,000 costs about 0.5 s.  Otherwise it is
    caught up first.
    """
    from ._known import ProjectionKnown

    con = tl._reader_at(cache.points)
    if con is not None:
        return question(ProjectionKnown(con))
    with tl._caught_up(tail) as con:
        return question(ProjectionKnown(con))


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
