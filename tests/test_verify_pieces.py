"""Verify reads a log of any size in bounded memory.

A log larger than `_verify_sql.WHOLE` is split into lines by DuckDB's CSV reader:
read as one value, a 10M-event log (3.2 GB) needed more than the memory limit and
sent verify to the line-by-line check.  The reader's lines must be exactly the
file's, numbered as the file numbers them, or the one-value reading decides
(tests/test_verify_agreement.py runs the mutated logs through both).  A log that
is not UTF-8 throughout has its UTF-8 prefix found and copied a chunk at a time.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from _faults import small_log
from hypothesis import given
from hypothesis import strategies as st

from timeline._verify_sql import Scan, connect, copy_prefix, utf8_prefix
from timeline.errors import LogCorruptError
from timeline.verify import verify


def _lines(
    path: Path, monkeypatch: pytest.MonkeyPatch, size: int | None = None
) -> tuple[list[tuple[int, str]], bool]:
    """Scan *path* (its first *size* bytes) as a large log: return the scan's (n, line)
    rows and whether the CSV reading held."""
    monkeypatch.setattr("timeline._verify_sql.WHOLE", 0)
    kept: list[bool] = []
    streamed = Scan._load_streamed

    def spy(scan: Scan) -> bool:
        kept.append(streamed(scan))
        return kept[-1]

    monkeypatch.setattr(Scan, "_load_streamed", spy)
    with tempfile.TemporaryDirectory() as folder:
        con = connect(Path(folder))
        try:
            scan = Scan(con, path, size or path.stat().st_size, 1)
            rows = con.execute(
                "SELECT n, line FROM lines WHERE n <= $t ORDER BY n", {"t": scan.total}
            )
            return rows.fetchall(), kept == [True]
        finally:
            con.close()


def test_streamed_lines_are_the_files_lines_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CSV reader's lines of a well-formed log are its lines, numbered from 1."""
    path = small_log(tmp_path)
    rows, streamed = _lines(path, monkeypatch)
    assert streamed
    assert rows == list(enumerate(path.read_text(encoding="utf-8").split("\n")[:-1], start=1))


@pytest.mark.parametrize(
    "odd", [b"\n", b"\r\n", b"{}\r\n", b"x\x01y\n", b"\xef\xbb\xbf{}\n", b"\xff\xfe\n"]
)
def test_odd_lines_of_a_large_log_are_read_exactly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, odd: bytes
) -> None:
    """An empty line, a carriage return, the delimiter, a BOM: the scan's lines are the file's.

    (Where the CSV reader's reading differs, the one-value reading replaces it.)
    """
    path = small_log(tmp_path)
    content = path.read_bytes()
    lines = content.split(b"\n")
    path.write_bytes(b"\n".join(lines[:3]) + b"\n" + odd + b"\n".join(lines[3:]))
    if odd == b"\xff\xfe\n":  # not UTF-8: verify reads up to it, and reports it
        monkeypatch.setattr("timeline._verify_sql.WHOLE", 0)
        with pytest.raises(LogCorruptError) as caught:
            verify(path)
        assert caught.value.line == 4
        return
    rows, _ = _lines(path, monkeypatch)
    expected = path.read_bytes().decode().split("\n")[:-1]
    assert rows == list(enumerate(expected, start=1))


def test_verify_of_a_large_log_reports_the_bad_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the CSV reader, a bad line is reported with its line number in the file."""
    path = small_log(tmp_path)
    lines = path.read_bytes().split(b"\n")
    lines[9] = lines[9].replace(b'"seq":10', b'"seq":11')
    path.write_bytes(b"\n".join(lines))
    monkeypatch.setattr("timeline._verify_sql.WHOLE", 0)
    with pytest.raises(LogCorruptError) as caught:
        verify(path)
    assert caught.value.line == 10


def test_a_large_log_appended_to_meanwhile_is_read_up_to_its_measured_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lines appended after verify measured the log are not in the scan (nor a fallback)."""
    path = small_log(tmp_path)
    measured = path.read_bytes()
    with path.open("ab") as fh:  # an append after the size was taken
        fh.write(measured.split(b"\n")[0] + b"\n")
    rows, streamed = _lines(path, monkeypatch, len(measured))
    assert streamed
    assert rows == list(enumerate(measured.decode().split("\n")[:-1], start=1))


def _reference_prefix(data: bytes) -> int:
    """The whole-bytes reading of utf8_prefix: decode once, cut at the last newline."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return data.rfind(b"\n", 0, exc.start) + 1
    return len(data)


@given(
    data=st.lists(
        st.sampled_from([b"\n", b"ab", b"\xc3\xa9", b"\xe2\x82\xac", b"\xf0\x9f\x98\x80", b"\xff"]),
        max_size=40,
    ).map(b"".join),
    chunk=st.integers(min_value=1, max_value=9),
    cut_char=st.booleans(),
)
def test_utf8_prefix_reads_in_chunks_as_a_whole_decode_would(
    data: bytes, chunk: int, cut_char: bool
) -> None:
    """Chunk by chunk, the UTF-8 prefix ends where decoding the whole would have it end."""
    if cut_char and data.endswith(b"\xf0\x9f\x98\x80"):
        data = data[:-2]  # a character cut by the end of the bytes read
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "log.jsonl"
        path.write_bytes(data + b"\xff more after the size")
        assert utf8_prefix(path, len(data), chunk) == (_reference_prefix(data), len(data))


def test_utf8_prefix_of_a_file_that_shrank_reads_what_is_there(tmp_path: Path) -> None:
    """A file shorter than the measured size is read to its end, not past it."""
    path = tmp_path / "log.jsonl"
    path.write_bytes(b"a\nb\n")
    assert utf8_prefix(path, 10, 3) == (4, 4)


def test_copy_prefix_copies_exactly_the_first_bytes(tmp_path: Path) -> None:
    """The copy holds the first *size* bytes of the log, whatever its chunk size."""
    path, copy = tmp_path / "log.jsonl", tmp_path / "copy.jsonl"
    path.write_bytes(bytes(range(256)) * 9000)
    copy_prefix(path, 2_000_003, copy)
    assert copy.read_bytes() == path.read_bytes()[:2_000_003]


def test_a_large_log_that_is_not_utf8_is_never_read_as_one_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CSV reader's refusal of bad UTF-8 goes straight to the prefix check.

    (At 10M events the one-value reading would run out of memory, and verify
    would fall back to the line-by-line check.)
    """
    path = small_log(tmp_path)
    lines = path.read_bytes().split(b"\n")
    lines[5] = lines[5].replace(b'"data":{', b'"data":{"x":"\xff",', 1)
    path.write_bytes(b"\n".join(lines))
    monkeypatch.setattr("timeline._verify_sql.WHOLE", 0)
    run = Scan._run

    def no_whole_value(scan: Scan, name: str, *args: Any, **kwargs: Any) -> list[Any]:
        assert name != "lines", "the log was read as one value"
        return run(scan, name, *args, **kwargs)

    monkeypatch.setattr(Scan, "_run", no_whole_value)
    with pytest.raises(LogCorruptError) as caught:
        verify(path)
    assert caught.value.line == 6
