"""Hash log lines in their canonical form (kept apart from the codec: reads need no cattrs)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

__all__ = ["GENESIS", "canonical", "line_hash"]

#: The ``prev`` of the first line.
GENESIS = "0" * 64


def canonical(obj: object) -> bytes:
    """Serialise *obj* canonically: sorted keys, no spaces, UTF-8 (the form that is hashed)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def line_hash(obj: dict[str, Any]) -> str:
    """Hash a line object without its ``hash`` field; ``prev`` is inside, which chains the lines."""
    body = {k: v for k, v in obj.items() if k != "hash"}
    return hashlib.sha256(canonical(body)).hexdigest()
