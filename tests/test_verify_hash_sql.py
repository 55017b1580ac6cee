"""The set-based verify checks each regular line's hash on its bytes, in DuckDB.

A regular (canonical) line without its ``,"hash":"…"`` member is the hashed
text, so ``sql/verify/parse.sql`` cuts that member out and hashes the rest.
These tests pin the cases where cutting could go wrong.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from _faults import RECORDED, read_lines, records, small_log, write_lines

import timeline
from timeline._hashing import canonical, line_hash
from timeline.verify import verify

METHODS = ["sql", "python"]


def _chained(objs: list[dict[str, Any]], start: int) -> list[bytes]:
    """Re-chain *objs* from index *start* on (each prev the hash before it); return lines."""
    for i in range(start, len(objs)):
        objs[i]["prev"] = objs[i - 1]["hash"]
        objs[i].pop("hash")
        objs[i]["hash"] = line_hash(objs[i])
    return [canonical(obj) + b"\n" for obj in objs]


def _error(path: Path, method: str) -> timeline.LogCorruptError:
    with pytest.raises(timeline.LogCorruptError) as err:
        verify(path, method=method)
    return err.value


@pytest.mark.parametrize("method", METHODS)
def test_a_hash_member_longer_than_the_digest_is_refused(tmp_path: Path, method: str) -> None:
    """A canonical line whose hash is its true digest plus one character fails at that line."""
    path = small_log(tmp_path)
    objs = records(path)
    body = {k: v for k, v in objs[5].items() if k != "hash"}
    objs[5]["hash"] = line_hash(body) + "0"  # the digest is a prefix of the member
    write_lines(path, _chained(objs, 6))
    problem = _error(path, method)
    assert problem.line == 6 and "hash does not match" in problem.message


@pytest.mark.parametrize("method", METHODS)
def test_a_quoted_hash_key_inside_a_name_is_not_the_hash_member(
    tmp_path: Path, method: str
) -> None:
    """A name holding the text of a hash member (escaped in JSON) verifies as a good line."""
    path = small_log(tmp_path)
    forged = '","hash":"' + "0" * 64 + '","id":"x'
    with timeline.open(path) as tl:
        line = {"type": "PersonAdded", "data": {"person": "q", "name": forged}}
        tl.append([json.dumps(line)], recorded_at=RECORDED)
    assert verify(path, method=method).events == len(read_lines(path))


@pytest.mark.parametrize("method", METHODS)
def test_a_wrong_hash_in_a_rewritten_line_is_found_after_an_odd_line(
    tmp_path: Path, method: str
) -> None:
    """Lines in another key order do not shift which line a wrong hash is reported at."""
    path = small_log(tmp_path)
    objs = records(path)
    lines = _chained(objs, 1)
    # line 3 in reverse key order: valid, but checked by the codec rather than on its bytes
    lines[2] = json.dumps(dict(reversed(objs[2].items())), separators=(",", ":")).encode() + b"\n"
    claimed = str(objs[7]["hash"])
    wrong = ("1" if claimed[0] != "1" else "2") + claimed[1:]
    lines[7] = lines[7].replace(claimed.encode(), wrong.encode(), 1)  # its own hash member
    write_lines(path, lines)
    problem = _error(path, method)
    assert problem.line == 8 and "hash does not match" in problem.message
