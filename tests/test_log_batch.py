"""A large batch is written in chunks on a thread: the same bytes, in order, or nothing at all."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path
from unittest import mock

import pytest
from _faults import RECORDED, people, small_log
from hypothesis import given, settings
from hypothesis import strategies as st

import timeline
from timeline import _ingest
from timeline._facts import Fact
from timeline.log import EventLog, Tail
from timeline.verify import verify


def _facts(n: int) -> list[tuple[int, Fact]]:
    return _ingest.parse_lines(people("p", n), None)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 40), every=st.integers(1, 12))
def test_chunks_handed_over_and_the_rest_are_the_whole_batch(n: int, every: int) -> None:
    """encode's chunks, then what it returns, are byte for byte the batch encoded in one piece,
    and no chunk holds the batch's last line (its commit marker)."""
    facts = _facts(n)
    tail = Tail(0, 0, "0" * 64, "")
    whole, ids, last = _ingest.encode(facts, tail, RECORDED)
    chunks: list[bytes] = []
    with mock.patch.object(_ingest, "FLUSH_EVERY", every):
        rest, ids_chunked, last_chunked = _ingest.encode(facts, tail, RECORDED, None, chunks.append)
    assert b"".join(chunks) + rest == whole
    assert (ids_chunked, last_chunked) == (ids, last)
    assert all(chunk.count(b"\n") == every for chunk in chunks)
    assert rest.rstrip(b"\n").rsplit(b"\n", 1)[-1].startswith(b'{"commit":true,')


@settings(max_examples=10, deadline=None)
@given(n=st.integers(2, 30), every=st.integers(1, 7))
def test_an_append_in_chunks_writes_the_log_an_append_in_one_piece_writes(
    n: int, every: int
) -> None:
    """Appending through the chunk-writing thread leaves the same bytes as one write, and the
    log verifies."""
    logs = []
    with tempfile.TemporaryDirectory() as folder:
        for name, size in (("one", 1 << 30), ("chunked", every)):
            (Path(folder) / name).mkdir()
            path = small_log(Path(folder) / name)
            with mock.patch.object(_ingest, "FLUSH_EVERY", size), timeline.open(path) as tl:
                tl.append(people("c", n), recorded_at=RECORDED)
            verify(path)
            logs.append(path.read_bytes())
    assert logs[0] == logs[1]


def test_a_failed_chunk_write_leaves_the_log_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write that fails mid-batch (a full disk) raises, cuts the log back to its old end, and
    the next append succeeds."""
    path = small_log(tmp_path)
    before = path.read_bytes()
    real_pwrite, calls = os.pwrite, []

    def pwrite(fd: int, data: bytes, offset: int) -> int:
        calls.append(offset)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_pwrite(fd, data, offset)

    monkeypatch.setattr(_ingest, "FLUSH_EVERY", 10)
    monkeypatch.setattr(os, "pwrite", pwrite)
    with timeline.open(path) as tl:
        with pytest.raises(OSError, match="No space"):
            tl.append(people("f", 100), recorded_at=RECORDED)
        assert len(calls) == 3  # two chunks written, the third failed, no more were tried
        assert path.read_bytes() == before
        monkeypatch.setattr(os, "pwrite", real_pwrite)
        assert tl.append(people("g", 30), recorded_at=RECORDED).appended == 30
    verify(path)


def test_an_error_after_chunks_were_handed_over_cuts_them_back(tmp_path: Path) -> None:
    """If the batch's maker fails after some chunks went to the writer, the log is cut back."""
    path = small_log(tmp_path)
    before = path.read_bytes()
    log = EventLog(path)
    with log.locked(exclusive=True) as fd, pytest.raises(KeyError), log.batch(fd) as batch:
        batch.write(b'{"x":1}\n' * 1000)
        batch.write(b'{"x":2}\n' * 1000)
        raise KeyError("the encoder failed")
    assert path.read_bytes() == before


def test_a_batch_without_its_last_lines_is_refused_and_cut_back(tmp_path: Path) -> None:
    """A batch whose writer is never given its last (committing) lines is not kept."""
    path = small_log(tmp_path)
    before = path.read_bytes()
    log = EventLog(path)
    with (
        log.locked(exclusive=True) as fd,
        pytest.raises(RuntimeError, match="finish"),
        log.batch(fd) as batch,
    ):
        batch.write(b'{"x":1}\n')
    assert path.read_bytes() == before
