"""Hash log lines in their canonical form (kept apart from the codec: reads need no cattrs).

Lines are written in canonical form themselves, ``hash`` included at its sorted
place (right before ``id``).  Cutting the ``hash`` member out of such a line
gives back the exact bytes that were hashed, so a verifier can check a line
by hashing its bytes, without parsing and re-serialising it (:func:`unstamp`).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

__all__ = ["GENESIS", "canonical", "line_hash", "stamp", "unstamp"]

#: The ``prev`` of the first line.
GENESIS = "0" * 64

_ID = b',"id":"'
_HASH = b',"hash":"'
_HASH_MEMBER = len(_HASH) + 64 + 1  # ,"hash":"<64 hex>"


def canonical(obj: object) -> bytes:
    """Serialise *obj* canonically: sorted keys, no spaces, UTF-8 (the form that is hashed)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def line_hash(obj: dict[str, Any]) -> str:
    """Hash a line object without its ``hash`` field; ``prev`` is inside, which chains the lines."""
    body = {k: v for k, v in obj.items() if k != "hash"}
    return hashlib.sha256(canonical(body)).hexdigest()


def stamp(body: dict[str, Any]) -> tuple[str, bytes]:
    """Hash a stored line's *body* (no ``hash``, an ``id``); return the hash and the line's bytes.

    The line is the canonical form of body plus hash.  Members after ``data``
    are scalars whose strings escape every quote, so the last ``,"id":"`` is
    the top-level one and ``hash`` goes right before it.
    """
    text = canonical(body)
    digest = hashlib.sha256(text).hexdigest()
    cut = text.rfind(_ID)
    return digest, b"".join((text[:cut], _HASH, digest.encode(), b'"', text[cut:], b"\n"))


def unstamp(line: bytes) -> tuple[bytes, str] | None:
    """Split a canonical line into (the bytes that were hashed, the claimed hash).

    Return None when the line is not in the form :func:`stamp` writes (a line
    from an older writer, or a damaged one): the caller then parses it.
    """
    line = line.rstrip(b"\n")
    cut = line.rfind(_HASH)
    end = cut + _HASH_MEMBER
    if cut < 0 or line[end - 1 : end] != b'"' or line[end : end + len(_ID)] != _ID:
        return None
    return line[:cut] + line[end:], line[cut + len(_HASH) : end - 1].decode("ascii", "replace")
