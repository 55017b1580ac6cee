"""Hash log lines in their canonical form (kept apart from the codec: reads need no cattrs).

Lines are written in canonical form themselves, ``hash`` included at its sorted
place (right before ``id``).  Cutting the ``hash`` member out of such a line
gives back the exact bytes that were hashed, so a verifier can check a line
by hashing its bytes, without parsing and re-serialising it (the set-based
verify does, in ``sql/verify/parse.sql``; the constants below describe the layout).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

__all__ = ["GENESIS", "HASH_KEY", "HASH_MEMBER", "ID_KEY", "canonical", "line_hash", "stamp"]

#: The ``prev`` of the first line.
GENESIS = "0" * 64

#: How the members around the hash open in a canonical line, and the hash member's length.
ID_KEY = b',"id":"'
HASH_KEY = b',"hash":"'
HASH_MEMBER = len(HASH_KEY) + 64 + 1  # ,"hash":"<64 hex>"


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
    cut = text.rfind(ID_KEY)
    return digest, b"".join((text[:cut], HASH_KEY, digest.encode(), b'"', text[cut:], b"\n"))
