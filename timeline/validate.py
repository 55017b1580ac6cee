"""Check a batch of drafts against what the log already holds, before anything is written.

The rules are the log's referential integrity: what an event names (people,
orgs, sources, earlier events) must be added before it, in the log or earlier
in the batch; what it defines must not exist yet; a retraction names a live
event.  An ``id`` that exists with the same content is a safe retry (skipped);
with other content it is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Protocol

from attrs import frozen

from .codec import content_digest
from .events import (
    Draft,
    EventRetracted,
    LeadershipChanged,
    OrgFounded,
    OrgMerged,
    OrgRenamed,
    PaperPublished,
    PersonAdded,
    PersonJoined,
    PersonLeft,
    RoleChanged,
    SourceAdded,
)

__all__ = ["Known", "LoggedEvent", "Problem", "check_batch"]

ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,199}")
KINDS = ("person", "org", "source", "paper")


@frozen
class Problem:
    """Why one input line was refused."""

    line: int
    message: str


@frozen
class LoggedEvent:
    """What validation needs to know of an event already in the log."""

    digest: str
    type: str
    retracted: bool


class Known(Protocol):
    """What the log holds, asked in bulk (the projection answers)."""

    def existing(self, kind: str, keys: set[str]) -> set[str]:
        """Return those of *keys* that exist as *kind* (person, org, source, paper)."""
        ...

    def events(self, ids: set[str]) -> dict[str, LoggedEvent]:
        """Return the logged events among *ids*."""
        ...


def _refs(draft: Draft) -> Iterable[tuple[str, str]]:
    """Yield (kind, key) for everything *draft* refers to."""
    ev = draft.event
    if draft.source is not None:
        yield "source", draft.source
    if isinstance(ev, (PersonJoined, PersonLeft, RoleChanged)):
        yield "person", ev.person
        yield "org", ev.org
    elif isinstance(ev, OrgFounded):
        if ev.parent is not None:
            yield "org", ev.parent
        for person in ev.founders:
            yield "person", person
    elif isinstance(ev, OrgRenamed):
        yield "org", ev.org
    elif isinstance(ev, OrgMerged):
        yield "org", ev.org
        yield "org", ev.into
    elif isinstance(ev, LeadershipChanged):
        yield "org", ev.org
        for maybe in (ev.outgoing, ev.incoming):
            if maybe is not None:
                yield "person", maybe
    elif isinstance(ev, PaperPublished):
        for person in ev.authors:
            yield "person", person


def _defines(draft: Draft) -> tuple[str, str] | None:
    ev = draft.event
    if isinstance(ev, SourceAdded):
        return "source", ev.source
    if isinstance(ev, PersonAdded):
        return "person", ev.person
    if isinstance(ev, OrgFounded):
        return "org", ev.org
    if isinstance(ev, PaperPublished):
        return "paper", ev.paper
    return None


def check_batch(
    drafts: list[tuple[int, Draft]], known: Known
) -> tuple[list[tuple[int, Draft]], list[Problem]]:
    """Validate *drafts* (line number, draft); return those to write and the problems."""
    wanted: dict[str, set[str]] = {kind: set() for kind in KINDS}
    ids: set[str] = set()
    for _, draft in drafts:
        for kind, key in _refs(draft):
            wanted[kind].add(key)
        defined = _defines(draft)
        if defined:
            wanted[defined[0]].add(defined[1])
        if draft.id is not None:
            ids.add(draft.id)
        if isinstance(draft.event, EventRetracted):
            ids.add(draft.event.event)
    have = {kind: known.existing(kind, keys) if keys else set() for kind, keys in wanted.items()}
    logged = dict(known.events(ids)) if ids else {}

    problems: list[Problem] = []
    accepted: list[tuple[int, Draft]] = []
    batch_ids: dict[str, str] = {}
    for line, draft in drafts:
        if draft.id is not None:
            digest = content_digest(draft)  # only an id can meet its earlier self
            if not ID.fullmatch(draft.id):
                problems.append(
                    Problem(
                        line,
                        f"id: {draft.id!r} is not a valid id "
                        "(letters, digits, '.', '_', ':', '-'; at most 200)",
                    )
                )
                continue
            seen = logged.get(draft.id)
            if seen is not None or draft.id in batch_ids:
                same = (seen.digest if seen is not None else batch_ids[draft.id]) == digest
                if not same:
                    problems.append(
                        Problem(
                            line,
                            f"id {draft.id!r} already exists with other "
                            "content; to correct an event, retract it and append "
                            "a new one",
                        )
                    )
                continue  # identical content: a safe retry, nothing to write
        message = _check_one(draft, have, logged)
        if message:
            problems.append(Problem(line, message))
            continue
        defined = _defines(draft)
        if defined:
            have[defined[0]].add(defined[1])
        if draft.id is not None:
            batch_ids[draft.id] = digest
            logged[draft.id] = LoggedEvent(digest, draft.type, retracted=False)
        if isinstance(draft.event, EventRetracted):
            target = logged[draft.event.event]
            logged[draft.event.event] = LoggedEvent(target.digest, target.type, retracted=True)
        accepted.append((line, draft))
    return accepted, problems


def _check_one(
    draft: Draft,
    have: dict[str, set[str]],
    logged: dict[str, LoggedEvent],
) -> str | None:
    defined = _defines(draft)
    if defined and defined[1] in have[defined[0]]:
        kind, key = defined
        return f"{kind} {key!r} was already added; pick another slug, or retract the earlier event"
    missing = [f"{kind} {key!r}" for kind, key in _refs(draft) if key not in have[kind]]
    if missing:
        first = missing[0].split(" ")[0]
        adder = {"person": "PersonAdded", "org": "OrgFounded", "source": "SourceAdded"}[first]
        return (
            f"unknown {', '.join(dict.fromkeys(missing))}: add it first "
            f"(e.g. a {adder} event earlier in the log or the batch)"
        )
    ev = draft.event
    if isinstance(ev, EventRetracted):
        target = logged.get(ev.event)
        if target is None:
            return f"retracts unknown event {ev.event!r}"
        if target.type == "EventRetracted":
            return f"event {ev.event!r} is a retraction; retractions cannot be retracted"
        if target.retracted:
            return f"event {ev.event!r} is already retracted"
    return None
