"""Hold an input event in the form the append path needs: what it names, and its written data.

A :class:`Fact` is what validation, the write cache and the writer need of
one event, computed once: its envelope, the canonical JSON text of its
``data`` (exactly as it will be written), the slugs it names and defines, and
the event it retracts.  Two producers make facts, and must agree byte for
byte: the reference (cattrs structuring, then :func:`timeline.codec.fact_from_draft`)
and the fast path for plain dicts (:mod:`timeline._fastpath`).

This module needs neither cattrs nor the event classes, so an append whose
lines all take the fast path never imports the converter.
"""

from __future__ import annotations

import hashlib
from json.encoder import encode_basestring
from typing import NamedTuple

from ._hashing import canonical

__all__ = ["EventDecodeError", "Fact", "content_text", "digest_of", "fact_digest", "quote"]

#: Serialise one string as canonical JSON does (``ensure_ascii=False``): the C escaper.
quote = encode_basestring


class EventDecodeError(ValueError):
    """A dict that is not an event; the message names the field and the fix."""


class Fact(NamedTuple):
    """One validated input event: envelope, canonical data text, and what it refers to.

    A named tuple, not an attrs class: a batch makes one per line, and a tuple
    is built several times faster.
    """

    type: str
    id: str | None
    occurred: str | None
    source: str | None
    data: str  # canonical JSON of the data object, optional fields at their default left out
    refs: tuple[tuple[str, str], ...]  # (kind, slug) named, in validate._refs order
    defines: tuple[str, str] | None  # (kind, slug) added, as validate._defines says
    target: str | None  # the id an EventRetracted names


def _opt(value: str | None) -> str:
    return "null" if value is None else quote(value)


def content_text(fact: Fact) -> str:
    """Return the canonical JSON of what *fact* says: type, occurred, source and data.

    The same text as ``canonical({"type": ..., "occurred": ..., "source": ...,
    "data": ...})``, keys sorted, built without re-serialising the data.
    """
    return (
        f'{{"data":{fact.data},"occurred":{_opt(fact.occurred)},'
        f'"source":{_opt(fact.source)},"type":{quote(fact.type)}}}'
    )


def fact_digest(fact: Fact) -> str:
    """Hash what *fact* says (its content digest, as codec.content_digest does for a draft)."""
    return hashlib.sha256(content_text(fact).encode()).hexdigest()


def digest_of(type_: str, occurred: str | None, source: str | None, data: object) -> str:
    """Hash an event's content given as plain values (as the projection holds it)."""
    body = {"type": type_, "occurred": occurred, "source": source, "data": data}
    return hashlib.sha256(canonical(body)).hexdigest()
