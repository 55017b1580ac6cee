"""Guarantee 2: a writer killed during an append never leaves a half batch in the log."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from random import Random

import pytest
from _faults import (
    RECORDED,
    cli,
    committed_end,
    is_clean,
    kill_at_random,
    kill_during_write,
    people,
    read_lines,
    records,
    small_log,
    start_append,
)

import timeline
from timeline.log import EventLog
from timeline.verify import recover, verify

BATCH = 1000  # lines of ~2 kB make a batch one ~2 MB write: long enough to be killed inside
ROUNDS = 14


def _batch_sizes(path: Path) -> Counter[str]:
    """Count the people of each killed-writer batch (their slugs are '<tag>-<i>')."""
    return Counter(
        r["data"]["person"].split("-")[0]
        for r in records(path)
        if r["type"] == "PersonAdded" and r["data"]["person"].startswith("k")
    )


def test_sigkill_during_append_leaves_whole_batches(tmp_path: Path) -> None:
    """Kill writers with SIGKILL at random moments: recovery quarantines exactly the unfinished
    tail, verify passes, every batch is wholly present or absent, and the next append works.
    Every other writer writes its batch in chunks of 100 lines from its writing thread."""
    path = small_log(tmp_path)
    quarantine = tmp_path / "log.jsonl.quarantine"
    rng = Random(4)
    outcomes: Counter[str] = Counter()
    for round_ in range(ROUNDS):
        chunks = 100 if round_ % 2 else None
        proc = start_append(path, f"k{round_}", BATCH, pad=500, flush_every=chunks)
        if round_ % 3 == 2:
            kill_at_random(proc, rng, longest=2.5)
        else:
            kill_during_write(proc, path, rng)
        data = path.read_bytes()
        cut = committed_end(data)
        q_before = quarantine.read_bytes() if quarantine.exists() else b""
        if cut == len(data):
            outcomes["clean"] += 1
        else:
            outcomes["torn"] += 1
            assert not is_clean(path)
            report = recover(path) if round_ % 2 else None
            if report is None:  # the CLI path
                assert cli("recover", log=path).exit_code == 0
            tail = data[cut:]
            assert path.read_bytes() == data[:cut]
            assert quarantine.read_bytes() == q_before + tail + (
                b"" if tail.endswith(b"\n") else b"\n"
            )
        sizes = _batch_sizes(path)
        assert set(sizes.values()) <= {BATCH}, sizes
    verify(path)
    assert outcomes["torn"] >= 1, f"no kill landed inside a write: {outcomes}"
    with timeline.open(path) as tl:
        result = tl.append(people("after", 3), recorded_at=RECORDED)
        assert result.appended == 3
    assert verify(path).last_seq == result.last_seq


def _committed(tmp_path: Path) -> tuple[Path, bytes]:
    path = small_log(tmp_path)
    return path, path.read_bytes()


def _uncommitted_lines(path: Path, n: int) -> list[bytes]:
    """Make *n* chained lines that continue the log but carry no commit marker."""
    from timeline.codec import line_hash

    last = records(path)[-1]
    out, prev = [], last["hash"]
    for i in range(n):
        seq = last["seq"] + 1 + i
        obj = {
            "seq": seq,
            "id": f"x{seq}",
            "type": "PersonAdded",
            "recorded": last["recorded"],
            "data": {"person": f"torn-{i}", "name": "T"},
            "prev": prev,
        }
        obj["hash"] = prev = line_hash(obj)
        out.append(json.dumps(obj, separators=(",", ":")).encode() + b"\n")
    return out


def test_recover_quarantines_a_partial_last_line(tmp_path: Path) -> None:
    """A log ending in half a line has that half moved to the quarantine file, newline added."""
    path, good = _committed(tmp_path)
    torn = _uncommitted_lines(path, 1)[0][:37]
    path.write_bytes(good + torn)
    report = recover(path)
    assert (report.bytes, path.read_bytes()) == (len(torn), good)
    assert (tmp_path / "log.jsonl.quarantine").read_bytes() == torn + b"\n"


def test_recover_quarantines_complete_lines_without_commit_marker(tmp_path: Path) -> None:
    """Whole, well-hashed lines after the last commit marker (an unfinished batch) are moved."""
    path, good = _committed(tmp_path)
    tail = b"".join(_uncommitted_lines(path, 3))
    path.write_bytes(good + tail)
    report = recover(path)
    assert (report.lines, path.read_bytes()) == (3, good)
    assert (tmp_path / "log.jsonl.quarantine").read_bytes() == tail


def test_recover_quarantines_full_lines_and_a_torn_one(tmp_path: Path) -> None:
    """Complete uncommitted lines followed by a torn one are all moved, in order."""
    path, good = _committed(tmp_path)
    lines = _uncommitted_lines(path, 3)
    tail = lines[0] + lines[1] + lines[2][:20]
    path.write_bytes(good + tail)
    recover(path)
    assert path.read_bytes() == good
    assert (tmp_path / "log.jsonl.quarantine").read_bytes() == tail + b"\n"


def test_recover_leaves_garbage_in_the_middle_for_verify(tmp_path: Path) -> None:
    """Garbage between committed lines is not quarantined: recover moves only the torn end, and
    verify reports the garbage with its line number."""
    path, _ = _committed(tmp_path)
    lines = read_lines(path)
    lines.insert(5, b"garbage\n")
    middle = b"".join(lines)
    torn = _uncommitted_lines(path, 1)[0][:10]
    path.write_bytes(middle + torn)
    assert recover(path).bytes == len(torn)
    assert path.read_bytes() == middle
    with pytest.raises(timeline.LogCorruptError) as err:
        verify(path)
    assert err.value.line == 6


def test_recover_refuses_a_damaged_uncommitted_line(tmp_path: Path) -> None:
    """A bad line between the last commit and a torn end is not a torn write: it is reported."""
    path, good = _committed(tmp_path)
    lines = _uncommitted_lines(path, 2)
    bad = lines[0].replace(b'"T"', b'"U"')  # its own hash no longer holds
    path.write_bytes(good + bad + lines[1][:15])
    with pytest.raises(timeline.LogCorruptError) as err:
        recover(path)
    assert err.value.line == len(read_lines(path)) - 1
    assert not (tmp_path / "log.jsonl.quarantine").exists()


def test_recover_leaves_a_clean_log_alone(tmp_path: Path) -> None:
    """Recovering a clean log moves nothing and creates no quarantine file."""
    path, good = _committed(tmp_path)
    result = cli("recover", log=path)
    assert result.exit_code == 0 and "nothing to recover" in result.stderr
    assert path.read_bytes() == good and not (tmp_path / "log.jsonl.quarantine").exists()


def test_append_after_a_torn_tail_recovers_first(tmp_path: Path) -> None:
    """An append to a log with a torn end quarantines the end, then appends after the commit."""
    path, good = _committed(tmp_path)
    path.write_bytes(good + _uncommitted_lines(path, 1)[0][:30])
    with timeline.open(path) as tl:
        result = tl.append(people("next", 2), recorded_at=RECORDED)
    assert result.first_seq == len(read_lines(tmp_path / "log.jsonl")) - 1
    assert path.read_bytes().startswith(good)
    assert verify(path).last_seq == result.last_seq


def test_tail_refuses_an_uncommitted_end(tmp_path: Path) -> None:
    """Reading the tail of a log whose end lacks a commit marker fails until it is recovered."""
    path, good = _committed(tmp_path)
    path.write_bytes(good + b"".join(_uncommitted_lines(path, 1)))
    log = EventLog(path)
    with log.locked(exclusive=False) as fd, pytest.raises(timeline.LogCorruptError):
        log.tail(fd)


def test_cli_recover_reports_damage_and_exits_1(tmp_path: Path) -> None:
    """``timeline recover`` on a damaged uncommitted end exits 1 naming the line, no traceback."""
    path, good = _committed(tmp_path)
    lines = _uncommitted_lines(path, 2)
    path.write_bytes(good + lines[0].replace(b'"T"', b'"U"') + lines[1][:15])
    result = cli("recover", log=path)
    assert result.exit_code == 1
    assert f"{path}:15: a line after the last committed batch is damaged" in result.stderr
    assert "Traceback" not in result.stderr
