"""The set-based verify drops the text of regular committed lines once they are parsed.

The table of every line is a third of the scan's memory; an error that must
quote a dropped line reads it back from the file (``_verify_sql._line_at``).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from _faults import RECORDED, people, read_lines, records, small_log, write_lines

import timeline
from timeline._hashing import stamp
from timeline._verify_sql import Scan, _line_at, connect
from timeline.verify import verify


def _kept(path: Path) -> list[int]:
    size = path.stat().st_size
    with tempfile.TemporaryDirectory() as folder:
        con = connect(Path(folder))
        try:
            scan = Scan(con, path, size, 1)
            scan.parse()
            return [n for (n,) in con.execute("SELECT n FROM kept ORDER BY n").fetchall()]
        finally:
            con.close()


def test_line_at_returns_each_line_as_in_the_file(tmp_path: Path) -> None:
    """Every line comes back byte for byte, a torn last line without a newline."""
    path = tmp_path / "f.jsonl"
    lines = [b"a\n", b"\n", b"\xc3\xa9t\xc3\xa9\n", b"torn"]
    path.write_bytes(b"".join(lines))
    size = path.stat().st_size
    assert [_line_at(path, size, n) for n in range(1, 5)] == lines
    assert _line_at(path, 4, 3) == b"\xc3"  # never past the committed size


def test_scan_keeps_only_the_last_line_of_a_clean_log(tmp_path: Path) -> None:
    """After parsing a canonical, committed log the scan holds one line's text: the last."""
    path = small_log(tmp_path)
    assert _kept(path) == [len(read_lines(path))]


def test_scan_keeps_irregular_lines_and_the_uncommitted_end(tmp_path: Path) -> None:
    """Lines in another key order and those after the last commit marker keep their text."""
    path = small_log(tmp_path)
    with timeline.open(path) as tl:
        tl.append(people("more", 3), recorded_at=RECORDED)  # a second batch, a second commit
    lines = read_lines(path)
    obj = json.loads(lines[2])
    lines[2] = json.dumps(dict(reversed(obj.items())), ensure_ascii=False).encode() + b"\n"
    last = json.loads(lines[-1])
    del last["commit"]  # the end of the log is now after the previous commit marker
    lines[-1] = json.dumps(last, ensure_ascii=False).encode() + b"\n"
    write_lines(path, lines)
    commits = [i for i, r in enumerate(records(path), 1) if r.get("commit")]
    assert commits[-1] == len(lines) - 3  # the small log's own marker
    assert _kept(path) == [3, len(lines) - 2, len(lines) - 1, len(lines)]


def test_error_on_a_dropped_line_quotes_it_from_the_file(tmp_path: Path) -> None:
    """A rule broken by a regular committed line is explained as by the line-by-line pass."""
    path = small_log(tmp_path)
    objs = records(path)
    objs[4]["id"] = objs[3]["id"]  # a duplicate id, re-chained so only the rule breaks
    prev = "0" * 64
    out = []
    for obj in objs:
        obj["prev"] = prev
        obj.pop("hash")
        prev, line = stamp(obj)  # the canonical line, as a writer stamps it
        out.append(line)
    write_lines(path, out)
    errors = []
    for method in ("sql", "python"):
        with pytest.raises(timeline.LogCorruptError) as err:
            verify(path, method=method)
        errors.append((err.value.line, err.value.message))
    assert errors[0] == errors[1] and errors[0][0] == 5
