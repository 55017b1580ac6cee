"""Guarantee 6: a lost, damaged or stale DuckDB projection never gives a wrong answer."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from random import Random

import pytest
from _faults import RECORDED, people, read_lines, records, small_log, write_lines

import timeline
from timeline.codec import line_hash

BIG = 30_000


@pytest.fixture(scope="module")
def big_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A log of 30 000 events (built once per module; tests copy it)."""
    path = tmp_path_factory.mktemp("big") / "log.jsonl"
    with timeline.open(path) as tl:
        tl.init()
        for half in range(2):
            tl.append(people(f"h{half}", BIG // 2), recorded_at=RECORDED)
    return path


def _answers(path: Path) -> tuple[int, list[dict[str, object]]]:
    with timeline.open(path) as tl:
        count = tl.rows("SELECT count(*) AS n FROM events")[0]["n"]
        return count, tl.team("acme", "2020")


def _db(path: Path) -> Path:
    return path.with_name(path.name + ".duckdb")


def test_deleted_projection_is_rebuilt(tmp_path: Path) -> None:
    """With the .duckdb file deleted, the next query rebuilds it and answers correctly."""
    path = small_log(tmp_path)
    expected = _answers(path)
    _db(path).unlink()
    assert _answers(path) == expected


@pytest.mark.parametrize("damage", ["truncate-half", "truncate-empty", "garbage"])
def test_damaged_projection_is_rebuilt(tmp_path: Path, damage: str) -> None:
    """A truncated or garbage .duckdb file is replaced by a rebuild; answers stay right."""
    path = small_log(tmp_path)
    expected = _answers(path)
    db = _db(path)
    data = db.read_bytes()
    if damage == "truncate-half":
        db.write_bytes(data[: len(data) // 2])
    elif damage == "truncate-empty":
        db.write_bytes(b"")
    else:
        db.write_bytes(Random(6).randbytes(len(data)))
    assert _answers(path) == expected


def test_replay_killed_half_way_leaves_a_working_projection(tmp_path: Path, big_log: Path) -> None:
    """SIGKILL a ``timeline replay`` mid-rebuild, several times: the next command answers right
    and no half-built file is left behind for good."""
    path = tmp_path / "log.jsonl"
    shutil.copy(big_log, path)
    shutil.copy(_db(big_log), _db(path))
    rng = Random(7)
    for _ in range(4):
        proc = subprocess.Popen(
            [sys.executable, "-m", "timeline.cli", "--log", str(path), "replay"],
            stderr=subprocess.DEVNULL,
        )
        while proc.poll() is None and not list(tmp_path.glob("log.jsonl.duckdb.*.tmp*")):
            time.sleep(0.001)
        time.sleep(rng.uniform(0, 0.25))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        with timeline.open(path) as tl:
            assert tl.rows("SELECT count(*) AS n FROM events")[0]["n"] == BIG
            assert len(tl.events(person="h1-14999")) == 1
    with timeline.open(path) as tl:
        tl.replay()
    assert not list(tmp_path.glob("*.tmp*"))


def _rechain(objs: list[dict[str, object]]) -> list[bytes]:
    prev = "0" * 64
    out = []
    for obj in objs:
        obj["prev"] = prev
        obj["hash"] = prev = line_hash(obj)
        out.append(json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode() + b"\n")
    return out


def test_same_length_rewrite_triggers_rebuild(tmp_path: Path) -> None:
    """A log rewritten to the same length but other content (re-chained) is fully replayed."""
    path = small_log(tmp_path)
    with timeline.open(path) as tl:
        assert tl.person("bo")["name"] == "Bo Berg"
    size = path.stat().st_size
    objs = records(path)
    objs[2]["data"]["name"] = "Bo Borg"
    write_lines(path, _rechain(objs))
    assert path.stat().st_size == size
    with timeline.open(path) as tl:
        assert tl.sync().action == "rebuild"
        assert tl.person("bo")["name"] == "Bo Borg"


def test_rewritten_earlier_line_then_growth_triggers_rebuild(tmp_path: Path) -> None:
    """A log whose earlier line was rewritten and which then grew is replayed in full, not
    caught up from the old checkpoint."""
    path = small_log(tmp_path)
    with timeline.open(path) as tl:
        tl.sync()
    objs = records(path)
    objs[2]["data"]["name"] = "Bo Borg"
    write_lines(path, _rechain(objs))
    with timeline.open(path) as tl:
        result = tl.append(people("new", 3), recorded_at=RECORDED)
        assert result.appended == 3
        assert tl.person("bo")["name"] == "Bo Borg"
        assert len(tl.events()) == len(read_lines(path))


def test_growth_is_caught_up_incrementally(tmp_path: Path) -> None:
    """A log that only grew is caught up from the checkpoint, not replayed."""
    path = small_log(tmp_path)
    with timeline.open(path) as tl:
        tl.sync()
        tl.append(people("more", 2), recorded_at=RECORDED)
    with timeline.open(path) as tl:
        assert tl.sync().action in ("none", "incremental")
        assert len(tl.events()) == len(read_lines(path))
