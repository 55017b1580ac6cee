"""Guarantee 1: an append is on disk (file fsynced) before it returns; init fsyncs the folder."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from _faults import RECORDED, people, small_log

import timeline
from timeline import _ingest


class _Recorder:
    """Record the order of writes to and fsyncs (or fdatasyncs) of the log, by fd target."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, log: Path) -> None:
        self.log = log
        self.calls: list[tuple[str, str]] = []
        real_fsync, real_pwrite = os.fsync, os.pwrite

        def fsync(fd: int) -> None:
            self.calls.append(("fsync", self._what(fd)))
            real_fsync(fd)

        def pwrite(fd: int, data: bytes, offset: int) -> int:
            self.calls.append(("pwrite", self._what(fd)))
            return real_pwrite(fd, data, offset)

        monkeypatch.setattr(os, "fsync", fsync)
        monkeypatch.setattr(os, "pwrite", pwrite)
        real_fdatasync = getattr(os, "fdatasync", None)
        if real_fdatasync is not None:  # appends use it where the OS has it

            def fdatasync(fd: int) -> None:
                self.calls.append(("fsync", self._what(fd)))
                real_fdatasync(fd)

            monkeypatch.setattr(os, "fdatasync", fdatasync)

    def _what(self, fd: int) -> str:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            return f"dir:{st.st_ino == os.stat(self.log.parent).st_ino}"
        return "log" if st.st_ino == os.stat(self.log).st_ino else "other"


@pytest.mark.parametrize("flush_every", [None, 2])
def test_append_fsyncs_the_log_after_its_last_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flush_every: int | None
) -> None:
    """The batch's bytes are written and then the log file is fsynced, before append returns;
    also when its leading lines are written in chunks by the writing thread."""
    path = small_log(tmp_path)
    if flush_every is not None:
        monkeypatch.setattr(_ingest, "FLUSH_EVERY", flush_every)
    recorder = _Recorder(monkeypatch, path)
    with timeline.open(path) as tl:
        tl.append(people("d", 5), recorded_at=RECORDED)
    on_log = [call for call in recorder.calls if call[1] == "log"]
    assert on_log.count(("pwrite", "log")) == (1 if flush_every is None else 3)
    last_write = max(i for i, call in enumerate(on_log) if call[0] == "pwrite")
    assert ("fsync", "log") in on_log[last_write + 1 :]


def test_refused_append_writes_and_syncs_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refused batch never reaches the log file: no write to it at all."""
    path = small_log(tmp_path)
    recorder = _Recorder(monkeypatch, path)
    with timeline.open(path) as tl, pytest.raises(timeline.InvalidEventError):
        tl.append(['{"type": "PersonAdded", "data": {}}'], recorded_at=RECORDED)
    assert ("pwrite", "log") not in recorder.calls


def test_init_fsyncs_the_new_file_and_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Creating a log fsyncs the empty file and then the folder that holds its name."""
    path = tmp_path / "log.jsonl"
    calls: list[str] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        st = os.fstat(fd)
        calls.append(
            "dir"
            if stat.S_ISDIR(st.st_mode) and st.st_ino == os.stat(tmp_path).st_ino
            else "file"
            if stat.S_ISREG(st.st_mode)
            else "other"
        )
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with timeline.open(path) as tl:
        tl.init()
    assert calls == ["file", "dir"]


def test_recover_syncs_the_quarantine_before_truncating(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Recovery fsyncs the quarantine copy before it cuts the log, and then fsyncs the log."""
    path = small_log(tmp_path)
    good = path.read_bytes()
    path.write_bytes(good + b'{"seq": 15, "id": "torn')
    order: list[str] = []
    real_fsync, real_ftruncate = os.fsync, os.ftruncate

    def fsync(fd: int) -> None:
        name = "log" if os.fstat(fd).st_ino == os.stat(path).st_ino else "quarantine"
        order.append(f"fsync {name}")
        real_fsync(fd)

    def ftruncate(fd: int, length: int) -> None:
        order.append("truncate log")
        real_ftruncate(fd, length)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "ftruncate", ftruncate)
    from timeline.verify import recover

    recover(path)
    assert order == ["fsync quarantine", "truncate log", "fsync log"]
    assert path.read_bytes() == good
