"""Define the event types of log format v1 and the envelope every stored event wears.

Events are immutable attrs classes holding only their ``data`` fields; the
envelope (:class:`Stored`) adds ``seq``, ``id``, ``occurred``, ``recorded``,
``source`` and the hash chain.  The ``type`` tag of each class is pinned in
:data:`TAGS`: renaming a class must never change what is written to a log.
"""

from __future__ import annotations

import re
from typing import Any

from attrs import field, frozen

from .dates import DateValue, parse_duration

__all__ = [
    "DRAFT_KEYS",
    "REF_KIND",
    "TAGS",
    "WITH_OCCURRED",
    "Draft",
    "Event",
    "EventRetracted",
    "LeadershipChanged",
    "OrgFounded",
    "OrgMerged",
    "OrgRenamed",
    "PaperPublished",
    "PersonAdded",
    "PersonJoined",
    "PersonLeft",
    "RoleChanged",
    "SourceAdded",
    "Stored",
]

SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")
MAX_TEXT = 2000  # a name or title longer than this is a mistake, not a name
# Unicode categories Cc (C0, DEL, C1 controls) and Cs (lone surrogates), as one regex:
# checking each character's category in Python costs a microsecond per character.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def _slug(_inst: object, attr: Any, value: Any) -> None:
    if not isinstance(value, str) or not SLUG.fullmatch(value) or len(value) > 200:
        raise ValueError(
            f"{attr.name}: {value!r} is not a slug (lowercase a-z, 0-9 and '-', "
            "starting with a letter or digit, e.g. 'baptiste-roziere')"
        )


def _opt_slug(inst: object, attr: Any, value: Any) -> None:
    if value is not None:
        _slug(inst, attr, value)


def _slugs(inst: object, attr: Any, value: Any) -> None:
    for item in value:
        _slug(inst, attr, item)
    if len(set(value)) != len(value):
        raise ValueError(f"{attr.name}: lists the same slug twice")


def _check_text(name: str, value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name}: must be a non-empty string")
    if len(value) > MAX_TEXT:
        raise ValueError(f"{name}: longer than {MAX_TEXT} characters")
    if CONTROL.search(value):
        raise ValueError(f"{name}: contains a control character")


def _text(_inst: object, attr: Any, value: Any) -> None:
    _check_text(attr.name, value)


def _opt_text(_inst: object, attr: Any, value: Any) -> None:
    if value is not None:
        _check_text(attr.name, value)


def _texts(_inst: object, attr: Any, value: Any) -> None:
    for item in value:
        _check_text(attr.name, item)


def _duration(_inst: object, attr: Any, value: Any) -> None:
    if value is not None:
        try:
            parse_duration(value)
        except ValueError as exc:
            raise ValueError(f"{attr.name}: {exc}") from None


@frozen(kw_only=True)
class SourceAdded:
    """A source that other events cite: an article, a paper, a derivation."""

    source: str = field(validator=_slug)
    title: str = field(validator=_text)
    url: str | None = field(default=None, validator=_opt_text)
    published: DateValue | None = None


@frozen(kw_only=True)
class PersonAdded:
    """A person, with their name and other spellings of it."""

    person: str = field(validator=_slug)
    name: str = field(validator=_text)
    aliases: tuple[str, ...] = field(default=(), validator=_texts)


@frozen(kw_only=True)
class OrgFounded:
    """An organisation that came into being, optionally inside a parent."""

    org: str = field(validator=_slug)
    name: str = field(validator=_text)
    parent: str | None = field(default=None, validator=_opt_slug)
    founders: tuple[str, ...] = field(default=(), validator=_slugs)


@frozen(kw_only=True)
class OrgRenamed:
    """An organisation that took a new name (Facebook became Meta)."""

    org: str = field(validator=_slug)
    name: str = field(validator=_text)


@frozen(kw_only=True)
class OrgMerged:
    """An organisation absorbed into another: from this date on its people count as the other's.

    Extension 1 of log format v1 (see docs/log-format.md, "Extensions").
    """

    org: str = field(validator=_slug)
    into: str = field(validator=_slug)

    def __attrs_post_init__(self) -> None:
        if self.org == self.into:
            raise ValueError("an org cannot merge into itself")


@frozen(kw_only=True)
class PersonJoined:
    """A person who joined an organisation, optionally in a role."""

    person: str = field(validator=_slug)
    org: str = field(validator=_slug)
    role: str | None = field(default=None, validator=_opt_text)


@frozen(kw_only=True)
class PersonLeft:
    """A person's last day at an organisation, optionally with the tenure reported."""

    person: str = field(validator=_slug)
    org: str = field(validator=_slug)
    tenure: str | None = field(default=None, validator=_duration)


@frozen(kw_only=True)
class RoleChanged:
    """A person who took a new role at an organisation they belong to."""

    person: str = field(validator=_slug)
    org: str = field(validator=_slug)
    role: str = field(validator=_text)


@frozen(kw_only=True)
class LeadershipChanged:
    """A title at an organisation passing from one person to another."""

    org: str = field(validator=_slug)
    title: str = field(validator=_text)
    outgoing: str | None = field(default=None, validator=_opt_slug)
    incoming: str | None = field(default=None, validator=_opt_slug)

    def __attrs_post_init__(self) -> None:
        if self.outgoing is None and self.incoming is None:
            raise ValueError("a leadership change needs an outgoing or an incoming person")
        if self.outgoing == self.incoming:
            raise ValueError("outgoing and incoming are the same person")


@frozen(kw_only=True)
class PaperPublished:
    """A paper and its authors in order."""

    paper: str = field(validator=_slug)
    title: str = field(validator=_text)
    authors: tuple[str, ...] = field(validator=_slugs)
    url: str | None = field(default=None, validator=_opt_text)

    def __attrs_post_init__(self) -> None:
        if not self.authors:
            raise ValueError("authors: a paper needs at least one author")


@frozen(kw_only=True)
class EventRetracted:
    """A correction: an earlier event is no longer believed, from this event's recording on."""

    event: str = field(validator=_text)
    reason: str = field(validator=_text)


Event = (
    SourceAdded
    | PersonAdded
    | OrgFounded
    | OrgRenamed
    | OrgMerged
    | PersonJoined
    | PersonLeft
    | RoleChanged
    | LeadershipChanged
    | PaperPublished
    | EventRetracted
)

#: The ``type`` written to the log for each class.  Pinned: never derive it from ``__name__``.
TAGS: dict[type, str] = {
    SourceAdded: "SourceAdded",
    PersonAdded: "PersonAdded",
    OrgFounded: "OrgFounded",
    OrgRenamed: "OrgRenamed",
    OrgMerged: "OrgMerged",
    PersonJoined: "PersonJoined",
    PersonLeft: "PersonLeft",
    RoleChanged: "RoleChanged",
    LeadershipChanged: "LeadershipChanged",
    PaperPublished: "PaperPublished",
    EventRetracted: "EventRetracted",
}
TYPES: dict[str, type] = {tag: cls for cls, tag in TAGS.items()}

#: Types whose events happened at a date (``occurred`` required); the others must not have one.
WITH_OCCURRED = frozenset(
    {
        "OrgFounded",
        "OrgRenamed",
        "OrgMerged",
        "PersonJoined",
        "PersonLeft",
        "RoleChanged",
        "LeadershipChanged",
        "PaperPublished",
    }
)

#: The kind of key each slug field refers to (validate._refs checks the same fields;
#: tests/test_append_fast.py holds the two together).
REF_KIND = {
    "person": "person",
    "founders": "person",
    "outgoing": "person",
    "incoming": "person",
    "authors": "person",
    "org": "org",
    "parent": "org",
    "into": "org",
}


#: The members of an input line (a draft): ``type`` and ``data`` required, the others optional.
DRAFT_KEYS = frozenset({"id", "type", "occurred", "source", "data"})


@frozen(kw_only=True)
class Draft:
    """An event as a writer submits it, before the log stamps it."""

    event: Event
    id: str | None = None
    occurred: DateValue | None = None
    source: str | None = None

    @property
    def type(self) -> str:
        return TAGS[type(self.event)]


@frozen(kw_only=True)
class Stored:
    """An event as the log holds it: the draft plus its place, time and hash chain."""

    seq: int
    id: str
    event: Event
    recorded: str
    occurred: DateValue | None = None
    source: str | None = None
    prev: str
    hash: str

    @property
    def type(self) -> str:
        return TAGS[type(self.event)]
