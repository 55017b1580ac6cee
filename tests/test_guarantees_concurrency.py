"""Guarantee 3: parallel writers never interleave, lose or duplicate; readers see whole batches."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from _faults import RECORDED, cli, people, records, small_log

import timeline
from timeline.verify import verify

WRITERS = 4
#: Each writer appends these batches in turn: single events and batches of several sizes.
SIZES = (1, 150, 1, 40, 1, 300)

WRITER = """
import json, sys
import timeline
path, writer, sizes = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
with timeline.open(path) as tl:
    for batch, size in enumerate(sizes):
        tag = f"w{writer}b{batch}"
        tl.append([json.dumps({"type": "PersonAdded",
                               "data": {"person": f"{tag}-{i}", "name": f"P {i}"}})
                   for i in range(size)])
"""

READER = """
import json, sys, pathlib
import timeline
path, stop = sys.argv[1], pathlib.Path(sys.argv[2])
with timeline.open(path) as tl:
    while True:
        done = stop.exists()
        rows = tl.rows("SELECT split_part(data->>'person', '-', 1) AS tag, count(*) AS n"
                       " FROM events WHERE type = 'PersonAdded' AND data->>'person' LIKE 'w%'"
                       " GROUP BY tag")
        print(json.dumps({r["tag"]: r["n"] for r in rows}), flush=True)
        if done:
            break
"""


def _expected() -> dict[str, int]:
    return {f"w{w}b{b}": size for w in range(WRITERS) for b, size in enumerate(SIZES)}


def test_concurrent_writers_give_contiguous_whole_batches(tmp_path: Path) -> None:
    """Writers appending at once: seq contiguous, each batch's lines adjacent, none lost or
    duplicated; a reader querying meanwhile only ever sees whole batches."""
    path = small_log(tmp_path)
    stop = tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(path), str(stop)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), str(w), json.dumps(SIZES)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(WRITERS)
    ]
    for proc in writers:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    stop.touch()
    out, err = reader.communicate(timeout=60)
    assert reader.returncode == 0, err

    expected = _expected()
    snapshots = [json.loads(line) for line in out.splitlines()]
    assert len(snapshots) >= 2
    for seen in snapshots:
        for tag, n in seen.items():
            assert n == expected[tag], f"reader saw {n} of batch {tag}'s {expected[tag]} events"
    assert snapshots[-1] == expected

    seqs: dict[str, list[int]] = defaultdict(list)
    objs = records(path)
    for obj in objs:
        if obj["type"] == "PersonAdded" and obj["data"]["person"].startswith("w"):
            seqs[obj["data"]["person"].split("-")[0]].append(obj["seq"])
    assert {tag: len(s) for tag, s in seqs.items()} == expected
    for tag, s in seqs.items():
        assert s == list(range(s[0], s[0] + len(s))), f"batch {tag} was interleaved"
    assert [o["seq"] for o in objs] == list(range(1, len(objs) + 1))
    assert verify(path).last_seq == len(objs)


def test_racing_expect_seq_lets_exactly_one_writer_win(tmp_path: Path) -> None:
    """Writers racing with the same ``--expect-seq``: one appends, the rest exit 1 with a
    conflict message and no traceback."""
    path = small_log(tmp_path)
    seq = records(path)[-1]["seq"]
    inputs = []
    for w in range(WRITERS):
        batch = tmp_path / f"batch{w}.jsonl"
        batch.write_text("\n".join(people(f"race{w}", 20)) + "\n", encoding="utf-8")
        inputs.append(batch)
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "timeline.cli",
                "--log",
                str(path),
                "append",
                str(batch),
                "--expect-seq",
                str(seq),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for batch in inputs
    ]
    results = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in procs]
    codes = sorted(code for code, _ in results)
    assert codes == [0] + [1] * (WRITERS - 1), results
    for code, err in results:
        if code == 1:
            assert f"expected the log to end at seq {seq}, but it ends at {seq + 20}" in err
            assert "Traceback" not in err
    assert verify(path).last_seq == seq + 20


def test_stale_expect_seq_raises_conflict_error(tmp_path: Path) -> None:
    """An append expecting an older end raises ConflictError carrying expected and actual seq."""
    path = small_log(tmp_path)
    before = path.read_bytes()
    with timeline.open(path) as tl, pytest.raises(timeline.ConflictError) as err:
        tl.append(people("late", 2), recorded_at=RECORDED, expect_seq=3)
    assert (err.value.expected, err.value.actual) == (3, 14)
    assert isinstance(err.value, RuntimeError)
    assert path.read_bytes() == before


def test_cli_conflict_exits_1_with_message(tmp_path: Path) -> None:
    """``append --expect-seq`` with a stale seq exits 1, explains, and writes nothing."""
    path = small_log(tmp_path)
    before = path.read_bytes()
    batch = tmp_path / "b.jsonl"
    batch.write_text(people("x", 1)[0] + "\n", encoding="utf-8")
    result = cli("append", str(batch), "--expect-seq", "2", log=path)
    assert result.exit_code == 1
    assert "error: expected the log to end at seq 2, but it ends at 14" in result.stderr
    assert "Traceback" not in result.stderr and path.read_bytes() == before
