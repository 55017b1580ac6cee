"""Reading again after the log moved: how many DuckDB connections it takes, and what it sees."""

from __future__ import annotations

import os

import pytest
from conftest import RECORDED

import timeline


def _add(tl: timeline.Timeline, person: str) -> None:
    tl.append(
        [f'{{"type":"PersonAdded","data":{{"person":"{person}","name":"{person.title()}"}}}}'],
        recorded_at=RECORDED,
    )


def _count(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list[int]:
    """Count the calls of *owner*.*name* from now on."""
    calls: list[int] = []
    real = getattr(owner, name)

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return calls


def _newer_than_projection(tl: timeline.Timeline) -> None:
    """Make the log's mtime later than the projection files', if it is not."""
    written = max(f[2] for f in tl.projection.files_state() if f is not None)
    st = os.stat(tl.log.path)
    if st.st_mtime_ns <= written:
        os.utime(tl.log.path, ns=(st.st_atime_ns, written + 1))


def _people(tl: timeline.Timeline) -> set[str]:
    return {r["person"] for r in tl.rows("FROM people")}


def test_a_read_after_this_timeline_appended_opens_one_reader(small, monkeypatch) -> None:
    """The projection this Timeline saw behind the log is caught up, then read: one reader."""
    small.team("acme", "2024-08")
    _add(small, "dee")
    readers = _count(monkeypatch, timeline.projection.Projection, "connect_read")
    assert "dee" in _people(small)
    assert len(readers) == 1


def test_a_projection_caught_up_elsewhere_is_read_without_a_sync(small, monkeypatch) -> None:
    """After another Timeline appended and caught up, this one reads the projection as it is."""
    small.team("acme", "2024-08")
    small.close()  # its reader's shared lock would keep the other one from catching up
    with timeline.open(small.log.path, small.projection.db_path) as other:
        _add(other, "dee")
        assert other.sync().action == "incremental"
    syncs = _count(monkeypatch, timeline.projection.Projection, "sync")
    assert "dee" in _people(small)
    assert syncs == []


def test_a_projection_written_behind_our_back_is_checked_again(small, monkeypatch) -> None:
    """If the files changed since this Timeline's reader saw them, a read checks them first."""
    small.team("acme", "2024-08")
    _add(small, "dee")
    small.close()
    with timeline.open(small.log.path, small.projection.db_path) as other:
        _add(other, "eve")
        assert other.sync().action == "incremental"
    _add(small, "fay")  # behind again, but not where this Timeline last saw it
    readers = _count(monkeypatch, timeline.projection.Projection, "connect_read")
    assert {"dee", "eve", "fay"} <= _people(small)
    assert len(readers) == 2  # the check, then the read after the catch-up


def test_a_first_read_after_an_append_elsewhere_goes_straight_to_the_sync(
    small, monkeypatch
) -> None:
    """A fresh Timeline, after another appended without catching up (as `timeline append`
    does), finds the log newer than the projection: it catches up, then opens one reader."""
    small.team("acme", "2024-08")
    small.close()
    with timeline.open(small.log.path, small.projection.db_path) as other:
        _add(other, "dee")
    _newer_than_projection(small)  # as it is, unless a coarse clock gave both one tick
    readers = _count(monkeypatch, timeline.projection.Projection, "connect_read")
    syncs = _count(monkeypatch, timeline.projection.Projection, "sync")
    with timeline.open(small.log.path, small.projection.db_path) as fresh:
        assert "dee" in _people(fresh)
    assert (len(syncs), len(readers)) == (1, 1)


def test_a_first_read_of_a_current_projection_opens_one_reader_and_no_sync(
    small, monkeypatch
) -> None:
    """A fresh Timeline whose projection was written after the log's last write reads it
    as it is."""
    _add(small, "dee")
    assert small.sync().action == "incremental"
    small.close()
    readers = _count(monkeypatch, timeline.projection.Projection, "connect_read")
    syncs = _count(monkeypatch, timeline.projection.Projection, "sync")
    with timeline.open(small.log.path, small.projection.db_path) as fresh:
        assert "dee" in _people(fresh)
    assert (len(syncs), len(readers)) == (0, 1)


def test_a_wrong_guess_costs_a_sync_not_a_wrong_answer(small, monkeypatch) -> None:
    """A log touched after a current projection (a crash's recovery, a copy) looks newer:
    the first read syncs, finds nothing to do, and reads the same rows."""
    before = small.team("acme", "2024-08")
    small.close()
    _newer_than_projection(small)  # with nothing new in it
    syncs = _count(monkeypatch, timeline.projection.Projection, "sync")
    with timeline.open(small.log.path, small.projection.db_path) as fresh:
        assert fresh.team("acme", "2024-08") == before
    assert len(syncs) == 1


def test_a_touched_log_costs_one_sync_not_one_per_process(small, monkeypatch) -> None:
    """Once a sync has found a touched log's projection current, the next process's first
    read trusts it: one reader, no sync."""
    before = small.team("acme", "2024-08")
    small.close()
    _newer_than_projection(small)  # with nothing new in it
    with timeline.open(small.log.path, small.projection.db_path) as first:
        first.team("acme", "2024-08")  # syncs, and finds nothing to do
    readers = _count(monkeypatch, timeline.projection.Projection, "connect_read")
    syncs = _count(monkeypatch, timeline.projection.Projection, "sync")
    with timeline.open(small.log.path, small.projection.db_path) as second:
        assert second.team("acme", "2024-08") == before
    assert (len(syncs), len(readers)) == (0, 1)
