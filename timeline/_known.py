"""Answer validation's questions for appends: from the projection, or from memory.

A :class:`Timeline` that appends keeps a :class:`WriteCache`: every slug the
log defines (loaded once from the projection) plus what its own appends
added since.  While the log still ends where this process left it, the next
append validates against memory alone, without catching the projection up
or opening it; that is what makes a single durable append cost about one
``fdatasync``.  Any other writer moves the log's end, and the cache is then
reloaded from a caught-up projection.

A small first append starts from a *partial* cache instead: it asks the
projection about the slugs it names and remembers the answers, because loading
every slug costs 50 ms at 1M events and 0.5 s at 10M, and a command-line
append is its process's only one.  The next append completes the cache.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from operator import attrgetter, itemgetter
from typing import TYPE_CHECKING

from . import _parsed
from ._facts import Fact, digest_of, fact_digest
from ._slugs import TABLES, existing
from .validate import KINDS, LoggedEvent

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "UNKNOWN",
    "CachedKnown",
    "ProjectionKnown",
    "WriteCache",
]

#: Event types that define a slug: retracting one removes the slug from the projection.
DEFINING = frozenset({"PersonAdded", "OrgFounded", "SourceAdded", "PaperPublished"})
#: The digest of an event looked up for its type and state alone; never compared, because
#: :class:`CachedKnown` reads the digest of every id the batch itself carries.
UNKNOWN = ""
#: Events a cache remembers before it is dropped (and reloaded from the caught-up
#: projection, which then holds them): a long-lived writer's memory stays bounded.
MAX_ADDED = 200_000


class ProjectionKnown:
    """Answer validation's questions from the projection, in bulk."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def existing(self, kind: str, keys: set[str]) -> set[str]:
        """Return those of *keys* that the projection lists as *kind*."""
        return existing(self.con, kind, keys)

    def every_slug(self) -> None:
        """Say that the slugs are not held in memory: each is asked for (``existing``)."""
        return None

    def events(self, ids: set[str], digests: set[str] | None = None) -> dict[str, LoggedEvent]:
        """Return the logged events among *ids*.

        With *digests*, only those ids get their content digest, the others
        :data:`UNKNOWN`: a retraction needs its target's type and state, not its
        content, and reading the data column is most of the query (100 ids at
        1M events, here: 30-95 ms with it, 10-18 ms without).
        """
        found: dict[str, LoggedEvent] = {}
        full = ids if digests is None else ids & digests
        if full:
            rows = _parsed.execute(
                self.con,
                "SELECT id, type, occurred, source, data, retracted_at IS NOT NULL FROM events"
                " WHERE id IN (SELECT unnest($ids))",
                {"ids": sorted(full)},
            ).fetchall()
            for r in rows:
                digest = digest_of(r[1], r[2], r[3], json.loads(r[4]))
                found[r[0]] = LoggedEvent(digest, r[1], bool(r[5]))
        if len(full) < len(ids):
            rows = _parsed.execute(
                self.con,
                "SELECT id, type, retracted_at IS NOT NULL FROM events"
                " WHERE id IN (SELECT unnest($ids))",
                {"ids": sorted(ids - full)},
            ).fetchall()
            found.update((r[0], LoggedEvent(UNKNOWN, r[1], bool(r[2]))) for r in rows)
        return found


class WriteCache:
    """What the log held after this process's last append: its end, every slug, new events."""

    def __init__(
        self, point: tuple[int, int, str], keys: dict[str, set[str]], *, complete: bool = True
    ) -> None:
        self.point = point
        self.keys = keys
        # A partial cache holds the slugs looked up so far, and those found missing.
        self.complete = complete
        self.absent: dict[str, set[str]] = {kind: set() for kind in KINDS}
        # Events appended through this cache (id -> fact), which of them were retracted
        # since, and retraction marks on older events; digests are computed only if an
        # id comes back.
        self.added: dict[str, Fact] = {}
        self.added_retracted: set[str] = set()
        self.marked: dict[str, LoggedEvent] = {}
        # Every end the log had while this cache followed it.  A projection current
        # at any of them answers for every event id the cache does not hold: events
        # since then are all in ``added``, retractions of older ones in ``marked``.
        self.points: set[tuple[int, int, str]] = {point}

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection, point: tuple[int, int, str]) -> WriteCache:
        """Read every slug from a projection that is current at *point*."""
        return cls(point, {kind: _column(con, kind, TABLES[kind]) for kind in KINDS})

    @classmethod
    def partial(cls, point: tuple[int, int, str]) -> WriteCache:
        """Start a cache at *point* that knows no slug yet: each is looked up when named."""
        return cls(point, {kind: set() for kind in KINDS}, complete=False)

    def complete_from(self, con: duckdb.DuckDBPyConnection) -> None:
        """Load every slug from a projection current at one of :attr:`points`."""
        for kind in KINDS:  # what this cache's appends defined since is already in keys
            self.keys[kind] |= _column(con, kind, TABLES[kind])
            self.absent[kind].clear()
        self.complete = True

    def existing(
        self, kind: str, keys: set[str], lookup: Callable[[str, set[str]], set[str]]
    ) -> set[str]:
        """Return those of *keys* that exist as *kind*; *lookup* asks about unknown ones."""
        present = keys & self.keys[kind]
        if self.complete:
            return present
        unknown = keys - present - self.absent[kind]
        if unknown:
            found = lookup(kind, unknown)
            self.keys[kind] |= found
            self.absent[kind] |= unknown - found
            present |= found
        return present

    def advance(
        self,
        written: list[tuple[str, Fact]],
        seen: dict[str, LoggedEvent],
        point: tuple[int, int, str],
    ) -> bool:
        """Record a written batch ((id, fact) in log order); say whether the cache stays valid.

        *seen* holds what validation looked up of older events (``CachedKnown.seen``),
        among them every event the batch retracts that this cache did not add.
        Retracting a slug's definition makes the cache invalid: which slug went away
        is in the retracted event's data, which only the projection has.  So does
        holding more than :data:`MAX_ADDED` events.  The walks over the batch are
        C iterators: a Python loop per event cost a batch of 100,000 about 60 ms.
        """
        added, marked = self.added, self.marked
        added.update(written)
        facts = list(map(itemgetter(1), written))
        for kind, slug in filter(None, map(_DEFINES, facts)):
            self.keys[kind].add(slug)
            self.absent[kind].discard(slug)
        # A batch's events come after what they retract, so every target is in `added`
        # by now if this cache wrote it, and in `seen` otherwise.
        for target_id in filter(None, map(_TARGET, facts)):
            ours = added.get(target_id)
            if ours is not None:
                if ours.type in DEFINING:
                    return False
                self.added_retracted.add(target_id)
                continue
            target = seen[target_id]
            if target.type in DEFINING:
                return False
            marked[target_id] = LoggedEvent(target.digest, target.type, True)
        self.point = point
        self.points.add(point)
        return len(added) <= MAX_ADDED


_DEFINES, _TARGET = attrgetter("defines"), attrgetter("target")


def _column(con: duckdb.DuckDBPyConnection, kind: str, table: str) -> set[str]:
    """Read a slug column as a set.

    Joined into one string by DuckDB and split in Python: half the time of a
    row per slug (100,000 people: 45 against 90-140 ms here).  A slug holding the
    separator could only come from a log that bypassed validation; then rows.
    """
    text, odd = con.execute(
        f"SELECT string_agg({kind}, chr(10)), bool_or(contains({kind}, chr(10))) FROM {table}"
    ).fetchone() or (None, None)
    if odd:
        return {r[0] for r in con.execute(f"SELECT {kind} FROM {table}").fetchall()}
    return set(text.split("\n")) if text is not None else set()


class CachedKnown:
    """Answer from a :class:`WriteCache`; ask the projection (*lookup*) for older event ids,
    and (*slugs*) for the slugs a partial cache does not know yet.

    *own* are the batch's own ids: only an id can meet its earlier self, so only
    they need a digest (``lookup(ids, digests)`` reads content for *digests* alone).
    """

    def __init__(
        self,
        cache: WriteCache,
        lookup: Callable[[set[str], set[str]], dict[str, LoggedEvent]],
        own: set[str],
        slugs: Callable[[str, set[str]], set[str]],
    ) -> None:
        self.cache = cache
        self.lookup = lookup
        self.own = own
        self.slugs = slugs
        self.seen: dict[str, LoggedEvent] = {}

    def existing(self, kind: str, keys: set[str]) -> set[str]:
        """Return those of *keys* that exist as *kind* (a partial cache asks *slugs*)."""
        return self.cache.existing(kind, keys, self.slugs)

    def every_slug(self) -> dict[str, set[str]] | None:
        """Return the cache's sets of every slug if it is complete; else None."""
        return self.cache.keys if self.cache.complete else None

    def events(self, ids: set[str]) -> dict[str, LoggedEvent]:
        """Return the logged events among *ids*, remembered in :attr:`seen` for the cache."""
        found: dict[str, LoggedEvent] = {}
        added, retracted = self.cache.added, self.cache.added_retracted
        for i in ids & added.keys():
            found[i] = LoggedEvent(fact_digest(added[i]), added[i].type, i in retracted)
        marked = self.cache.marked
        for i in (ids - found.keys()) & marked.keys():
            if marked[i].digest != UNKNOWN or i not in self.own:
                found[i] = marked[i]
        rest = ids - found.keys()
        if rest:
            for i, event in self.lookup(rest, rest & self.own).items():
                mark = marked.get(i)  # our retraction of it, which the projection may lack
                found[i] = event if mark is None else LoggedEvent(event.digest, mark.type, True)
        self.seen.update(found)
        return found
