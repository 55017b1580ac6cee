"""Generate a seeded synthetic history as a committed log: stored lines, hash chain, commit markers.

The shape follows what the engine meets in practice, scaled up: about ten events
per person, one org per thousand events (a third of them units of an earlier
org), dates at every precision (YYYY, YYYY-MM, YYYY-MM-DD, [A..B], [..B]),
about one event in ten recorded out of occurred order, and about one in two
hundred retracted later.  People and orgs are always added before they are
named, so every line would also pass the append validator.

Lines are written directly in the stored form (rather than through
``Timeline.append``) so that a million events take seconds, not minutes, in
the canonical form the engine writes (:func:`timeline._hashing.stamp`).

    python -m benchmarks.generate 1000000 /tmp/bench-1m.jsonl --seed 7
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from timeline._hashing import stamp

__all__ = ["Draft", "History", "append_drafts", "generate", "main"]

GENESIS = "0" * 64
BATCH = 1000  # lines per committed batch, as a bulk importer would write them
ROLES = ("engineer", "researcher", "manager", "scientist", "intern")
TITLES = ("head", "cto", "chief-scientist")
EPOCH = date(1990, 1, 1)
SPAN_DAYS = 35 * 365


@dataclass
class Draft:
    """One input event (the form ``Timeline.append`` takes), before the log stamps it."""

    type: str
    data: dict[str, Any]
    occurred: str | None = None
    source: str | None = None

    def as_input(self) -> dict[str, Any]:
        """Return the input-line object for ``Timeline.append``."""
        obj: dict[str, Any] = {"type": self.type, "data": self.data}
        if self.occurred is not None:
            obj["occurred"] = self.occurred
        if self.source is not None:
            obj["source"] = self.source
        return obj


def _date_value(rng: random.Random, day: date) -> str:
    """Render *day* at a random precision; the mix is roughly what news articles give."""
    roll = rng.random()
    if roll < 0.40:
        return day.isoformat()
    if roll < 0.70:
        return day.isoformat()[:7]
    if roll < 0.85:
        return day.isoformat()[:4]
    if roll < 0.95:
        lo = day - timedelta(days=rng.randint(0, 60))
        return f"[{lo.isoformat()}..{day.isoformat()[:7]}]"
    return f"[..{day.isoformat()[:7]}]"


@dataclass
class History:
    """The generator's state: what exists so far, so later events only name known things."""

    rng: random.Random
    org_prefix: str = "org-"
    orgs: list[str] = field(default_factory=list)
    people: int = 0
    retractable: list[str] = field(default_factory=list)

    def new_org(self) -> Draft:
        """Found a new org, a unit of an earlier one a third of the time."""
        slug = f"{self.org_prefix}{len(self.orgs) + 1}"
        data: dict[str, Any] = {"org": slug, "name": f"Org {len(self.orgs) + 1}"}
        if self.orgs and self.rng.random() < 0.33:
            data["parent"] = self.rng.choice(self.orgs)
        self.orgs.append(slug)
        founded = EPOCH + timedelta(days=self.rng.randint(0, 3650))
        return Draft("OrgFounded", data, occurred=founded.isoformat()[:4])

    def person_story(self, budget: int) -> list[Draft]:
        """Add one person and about *budget* - 1 career events for them, in occurred order."""
        rng = self.rng
        self.people += 1
        person = f"p{self.people}"
        events = [Draft("PersonAdded", {"person": person, "name": f"Person {self.people}"})]
        day = EPOCH + timedelta(days=rng.randint(0, SPAN_DAYS // 2))
        while len(events) < budget:
            org = rng.choice(self.orgs)
            joined = {"person": person, "org": org}
            if rng.random() < 0.5:
                joined["role"] = rng.choice(ROLES)
            events.append(Draft("PersonJoined", joined, occurred=_date_value(rng, day)))
            day += timedelta(days=rng.randint(30, 1500))
            if len(events) < budget and rng.random() < 0.25:
                role = {"person": person, "org": org, "role": rng.choice(ROLES)}
                events.append(Draft("RoleChanged", role, occurred=_date_value(rng, day)))
                day += timedelta(days=rng.randint(30, 400))
            if len(events) < budget and rng.random() < 0.05:
                title = {"org": org, "title": rng.choice(TITLES), "incoming": person}
                events.append(Draft("LeadershipChanged", title, occurred=_date_value(rng, day)))
            if len(events) < budget and rng.random() < 0.9:
                left = {"person": person, "org": org}
                events.append(Draft("PersonLeft", left, occurred=_date_value(rng, day)))
                day += timedelta(days=rng.randint(1, 200))
        # About one event in ten is learned after a later one: swap neighbours.
        for i in range(2, len(events)):
            if rng.random() < 0.1:
                events[i - 1], events[i] = events[i], events[i - 1]
        return events

    def retraction(self) -> Draft | None:
        """Retract a random earlier membership event, or None if there is none left."""
        if not self.retractable:
            return None
        index = self.rng.randrange(len(self.retractable))
        target = self.retractable[index]
        self.retractable[index] = self.retractable[-1]
        self.retractable.pop()
        return Draft("EventRetracted", {"event": target, "reason": "a later source disagrees"})


def append_drafts(
    out: BinaryIO,
    drafts: Iterator[Draft],
    *,
    seq: int = 0,
    prev: str = GENESIS,
    start: datetime,
    history: History | None = None,
) -> tuple[int, str]:
    """Stamp *drafts* as committed batches of :data:`BATCH` lines; return (last seq, last hash)."""
    rng = random.Random(seq)
    recorded_at = start
    pending: list[Draft] = []

    def flush() -> None:
        nonlocal seq, prev, recorded_at
        recorded = recorded_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        recorded_at += timedelta(seconds=37)
        lines = []
        for index, draft in enumerate(pending):
            seq += 1
            obj: dict[str, Any] = {
                "seq": seq,
                "id": f"e{seq}-{rng.getrandbits(40):010x}",
                "type": draft.type,
            }
            if draft.occurred is not None:
                obj["occurred"] = draft.occurred
            obj["recorded"] = recorded
            if draft.source is not None:
                obj["source"] = draft.source
            obj["data"] = draft.data
            if index == len(pending) - 1:
                obj["commit"] = True
            obj["prev"] = prev
            prev, line = stamp(obj)
            lines.append(line)
            if history is not None and draft.type in ("PersonJoined", "PersonLeft"):
                history.retractable.append(obj["id"])
        out.write(b"".join(lines))
        pending.clear()

    for draft in drafts:
        pending.append(draft)
        if len(pending) == BATCH:
            flush()
    if pending:
        flush()
    return seq, prev


def generate(n: int, path: Path, seed: int = 7, org_prefix: str = "org-") -> Path:
    """Write a committed log of *n* events to *path* (replacing it); return the path.

    The orgs are *org_prefix* followed by their number (``org-1``, ``org-2``, ...).
    """
    history = History(random.Random(seed), org_prefix)
    tmp = path.with_name(path.name + ".partial")
    with open(tmp, "wb") as out:
        append_drafts(
            out,
            _drafts_for(history, n),
            start=datetime(2024, 1, 1, tzinfo=UTC),
            history=history,
        )
    tmp.replace(path)
    return path


def _drafts_for(history: History, n: int) -> Iterator[Draft]:
    """Yield *n* valid input events, an org first in every thousand."""
    made = 0
    next_org_at = 0
    while made < n:
        if made >= next_org_at:
            next_org_at += 1000
            made += 1
            yield history.new_org()
            continue
        for draft in history.person_story(min(n - made, history.rng.randint(8, 12))):
            if made >= n:
                return
            made += 1
            yield draft
            # A retraction names an id stamped in an earlier batch: drafts are drawn
            # lazily, so those ids are known by the time it is made.
            if made < n and history.rng.random() < 0.005:
                retraction = history.retraction()
                if retraction is not None:
                    made += 1
                    yield retraction


def main(argv: list[str] | None = None) -> int:
    """Write a synthetic log from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("events", type=int)
    parser.add_argument("path", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--org-prefix",
        default="org-",
        help="what every org's slug starts with (default org-); a long one such as"
        " acme-corporation- gives orgs whose slugs share their first 12 bytes",
    )
    args = parser.parse_args(argv)
    generate(args.events, args.path, args.seed, args.org_prefix)
    print(f"wrote {args.events} events to {args.path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
