"""Guarantee 4: any edit of a committed line is detected by ``verify``, at the right line."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _faults import RECORDED, cli, people, read_lines, records, small_log, write_lines

import timeline
from timeline.codec import line_hash
from timeline.verify import verify


def _problem(path: Path) -> timeline.LogCorruptError:
    with pytest.raises(timeline.LogCorruptError) as err:
        verify(path)
    return err.value


def _tampered(tmp_path: Path, edit: Callable[[list[bytes]], None]) -> timeline.LogCorruptError:
    """Build the small log, apply *edit* to its lines, and return what verify reports."""
    path = small_log(tmp_path)
    lines = read_lines(path)
    edit(lines)
    write_lines(path, lines)
    return _problem(path)


def _rehash(obj: dict[str, object]) -> bytes:
    obj["hash"] = line_hash(obj)
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def _rechained(objs: list[dict[str, Any]]) -> list[bytes]:
    """Chain *objs* anew from genesis (as a forger would) and return their lines."""
    prev = "0" * 64
    out = []
    for obj in objs:
        obj["prev"] = prev
        obj.pop("hash", None)
        out.append(_rehash(obj))
        prev = str(obj["hash"])
    return out


def test_verify_accepts_a_clean_log_and_prints_a_summary(tmp_path: Path) -> None:
    """A clean log verifies: exit 0, a stdout summary with event count, last seq and hash."""
    path = small_log(tmp_path)
    last = records(path)[-1]
    result = cli("verify", log=path)
    assert result.exit_code == 0
    assert f"{len(read_lines(path))} event(s)" in result.stdout
    assert f"last seq {last['seq']}" in result.stdout and last["hash"] in result.stdout
    assert result.stderr == ""  # no progress bar when stderr is not a terminal


def test_verify_accepts_an_empty_log(tmp_path: Path) -> None:
    """An empty log verifies, ending at seq 0 with the genesis hash."""
    with timeline.open(tmp_path / "log.jsonl") as tl:
        tl.init()
    report = verify(tmp_path / "log.jsonl")
    assert (report.events, report.last_seq, report.last_hash) == (0, 0, "0" * 64)


def test_edited_character_is_detected(tmp_path: Path) -> None:
    """Changing one character of a committed line's data (no rehash) fails at that line."""

    def edit(lines: list[bytes]) -> None:
        lines[6] = lines[6].replace(b'"name":"', b'"name":"X', 1)

    problem = _tampered(tmp_path, edit)
    assert problem.line == 7 and "hash" in problem.message


def test_deleted_line_is_detected(tmp_path: Path) -> None:
    """Deleting a committed line fails at the line that took its place."""

    def edit(lines: list[bytes]) -> None:
        del lines[4]

    problem = _tampered(tmp_path, edit)
    assert problem.line == 5 and "seq" in problem.message


def test_swapped_lines_are_detected(tmp_path: Path) -> None:
    """Swapping two committed lines fails at the first of them."""

    def edit(lines: list[bytes]) -> None:
        lines[3], lines[8] = lines[8], lines[3]

    assert _tampered(tmp_path, edit).line == 4


def test_inserted_line_is_detected(tmp_path: Path) -> None:
    """Inserting a copy of a committed line fails at the inserted line."""

    def edit(lines: list[bytes]) -> None:
        lines.insert(3, lines[2])

    assert _tampered(tmp_path, edit).line == 4


def test_broken_json_is_detected(tmp_path: Path) -> None:
    """A committed line that is no longer JSON fails at that line."""

    def edit(lines: list[bytes]) -> None:
        lines[9] = lines[9][:-5] + b"\n"

    problem = _tampered(tmp_path, edit)
    assert problem.line == 10 and "JSON" in problem.message


def test_rehashed_edit_breaks_the_chain_at_the_next_line(tmp_path: Path) -> None:
    """An edit whose own hash was recomputed is caught by the next line's ``prev``."""

    def edit(lines: list[bytes]) -> None:
        obj = json.loads(lines[2])
        obj["data"]["name"] = "Someone Else"
        lines[2] = _rehash(obj)

    problem = _tampered(tmp_path, edit)
    assert problem.line == 4 and "prev" in problem.message


def test_rewritten_chain_still_breaks_a_domain_rule(tmp_path: Path) -> None:
    """A fully re-chained log whose event names an unknown person fails the rules at that line."""
    path = small_log(tmp_path)
    objs = records(path)
    bad = next(o for o in objs if o["type"] == "PersonJoined")
    bad["data"]["person"] = "nobody"
    write_lines(path, _rechained(objs))
    problem = _problem(path)
    assert problem.line == bad["seq"] and "unknown person 'nobody'" in problem.message


def test_duplicate_id_is_detected(tmp_path: Path) -> None:
    """A rechained line that reuses an earlier id is reported at that line."""
    path = small_log(tmp_path)
    objs = records(path)
    objs[-1]["id"] = objs[0]["id"]
    objs[-1]["hash"] = line_hash(objs[-1])
    write_lines(path, [*read_lines(path)[:-1], _rehash(objs[-1])])
    problem = _problem(path)
    assert problem.line == len(objs)


def test_decreasing_recorded_is_detected(tmp_path: Path) -> None:
    """A line recorded before the line above it fails at that line."""
    path = small_log(tmp_path)
    objs = records(path)
    objs[-1]["recorded"] = "2020-01-01T00:00:00.000000Z"
    write_lines(path, [*read_lines(path)[:-1], _rehash(objs[-1])])
    problem = _problem(path)
    assert problem.line == len(objs) and "recorded" in problem.message


def test_first_line_must_chain_from_genesis(tmp_path: Path) -> None:
    """A first line whose prev is not 64 zeros fails at line 1."""
    path = small_log(tmp_path)
    objs = records(path)
    objs[0]["prev"] = "1" * 64
    write_lines(path, [_rehash(objs[0]), *read_lines(path)[1:]])
    assert _problem(path).line == 1


def test_missing_commit_marker_at_the_end_is_reported(tmp_path: Path) -> None:
    """A log whose last line lacks ``commit`` is an unfinished append; the hint says recover."""
    path = small_log(tmp_path)
    objs = records(path)
    del objs[-1]["commit"]
    write_lines(path, [*read_lines(path)[:-1], _rehash(objs[-1])])
    problem = _problem(path)
    assert problem.line == len(objs) and "timeline recover" in problem.hint


def test_torn_last_line_is_reported(tmp_path: Path) -> None:
    """A log ending in half a line is reported at that line with the recover hint."""
    path = small_log(tmp_path)
    path.write_bytes(path.read_bytes() + b'{"seq": 15, "id"')
    problem = _problem(path)
    assert problem.line == 15 and "timeline recover" in problem.hint


def test_unknown_field_in_a_line_is_reported(tmp_path: Path) -> None:
    """A committed line with a field the codec does not know fails at that line."""
    path = small_log(tmp_path)
    objs = records(path)
    objs[0]["extra"] = 1
    write_lines(path, [_rehash(objs[0]), *read_lines(path)[1:]])
    problem = _problem(path)
    assert problem.line == 1 and "extra" in problem.message


def test_cli_names_the_bad_line_on_stderr(tmp_path: Path) -> None:
    """``timeline verify`` prints ``path:line: problem`` on stderr and exits 1, no traceback."""
    path = small_log(tmp_path)
    lines = read_lines(path)
    lines[6] = lines[6].replace(b'"name":"', b'"name":"X', 1)
    write_lines(path, lines)
    result = cli("verify", log=path)
    assert result.exit_code == 1
    assert f"{path}:7: " in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_from_checks_only_later_lines(tmp_path: Path) -> None:
    """``--from N`` skips the hash check of lines before N but still checks from N on."""
    path = small_log(tmp_path)
    lines = read_lines(path)
    lines[1] = lines[1].replace(b'"name":"', b'"name":"X', 1)  # line 2: hash broken
    write_lines(path, lines)
    assert cli("verify", log=path).exit_code == 1
    result = cli("verify", "--from", "3", log=path)
    assert result.exit_code == 0 and "checked 12 from seq 3" in result.stdout
    lines[5] = lines[5].replace(b'"name":"', b'"name":"X', 1)
    write_lines(path, lines)
    assert _from_line(path, 3) == 6


def _from_line(path: Path, from_seq: int) -> int:
    with pytest.raises(timeline.LogCorruptError) as err:
        verify(path, from_seq=from_seq)
    return err.value.line


def test_from_still_knows_earlier_keys(tmp_path: Path) -> None:
    """Rules checked after ``--from N`` see people added before N (no false unknowns)."""
    path = small_log(tmp_path)
    with timeline.open(path) as tl:
        tl.append(
            [
                json.dumps(
                    {
                        "type": "PersonJoined",
                        "occurred": "2024-01",
                        "source": "a",
                        "data": {"person": "ana", "org": "acme"},
                    }
                )
            ],
            recorded_at=RECORDED,
        )
    assert verify(path, from_seq=len(read_lines(path))).checked == 1


def test_verify_reports_progress_in_bytes(tmp_path: Path) -> None:
    """The progress callback is told every byte read, once."""
    path = small_log(tmp_path)
    with timeline.open(path) as tl:
        tl.append(people("more", 50), recorded_at=RECORDED)
    seen: list[int] = []
    verify(path, progress=seen.append)
    assert sum(seen) == path.stat().st_size


def test_retracting_a_retracted_event_is_detected(tmp_path: Path) -> None:
    """A re-chained log that retracts the same event twice fails the rules at the second one."""
    path = small_log(tmp_path)
    objs = records(path)
    last = objs[-1]
    for n in (1, 2):
        objs.append(
            {
                "seq": last["seq"] + n,
                "id": f"r{n}",
                "type": "EventRetracted",
                "recorded": last["recorded"],
                "data": {"event": "j-cy", "reason": "wrong"},
                "commit": True,
            }
        )
    for obj in objs[:-1]:
        obj.pop("commit", None)
    objs[-1]["commit"] = True
    write_lines(path, _rechained(objs))
    problem = _problem(path)
    assert problem.line == len(objs) and "already retracted" in problem.message


def test_verify_of_a_missing_log_exits_1(tmp_path: Path) -> None:
    """``timeline verify`` on a path with no log says so and exits 1."""
    result = cli("verify", log=tmp_path / "none.jsonl")
    assert result.exit_code == 1 and "no such log" in result.stderr


def _drain(fd: int) -> bytes:
    """Read a pseudo-terminal until its other end is closed, then close it."""
    out = b""
    try:
        while chunk := os.read(fd, 4096):
            out += chunk
    except OSError:  # EIO: the other end is closed and everything was read
        pass
    finally:
        os.close(fd)
    return out


def test_progress_goes_to_a_terminal_stderr_only(tmp_path: Path) -> None:
    """With stderr on a terminal, the progress bar is drawn there and stdout holds only the
    summary."""
    path = small_log(tmp_path)
    leader, follower = pty.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "timeline.cli", "--log", str(path), "verify"],
            stdout=subprocess.PIPE,
            stderr=follower,
            timeout=60,
            check=False,
        )
    finally:
        os.close(follower)
    drawn = _drain(leader)
    assert proc.returncode == 0
    assert proc.stdout.decode().startswith("ok: 14 event(s)")
    assert b"verifying" in drawn


def _retracted_person_log(tmp_path: Path) -> Path:
    """Append: add x (id a) and org o; retract a; add x again; x joins o."""
    path = tmp_path / "log.jsonl"

    def line(obj: dict[str, object]) -> str:
        return json.dumps(obj)

    with timeline.open(path) as tl:
        tl.init()
        tl.append(
            [
                line({"id": "a", "type": "PersonAdded", "data": {"person": "x", "name": "X"}}),
                line({"type": "OrgFounded", "occurred": "2000", "data": {"org": "o", "name": "O"}}),
            ],
            recorded_at=RECORDED,
        )
        tl.append([line({"type": "EventRetracted", "data": {"event": "a", "reason": "no"}})])
        tl.append([line({"type": "PersonAdded", "data": {"person": "x", "name": "X2"}})])
        joined = {"person": "x", "org": "o"}
        tl.append([line({"type": "PersonJoined", "occurred": "2001", "data": joined})])
    return path


@pytest.mark.parametrize("method", ["sql", "python"])
def test_slug_freed_by_a_retraction_can_be_added_again(tmp_path: Path, method: str) -> None:
    """What append accepts verify accepts: a retracted PersonAdded frees its slug for a new one."""
    path = _retracted_person_log(tmp_path)
    assert verify(path, method=method).events == 5


@pytest.mark.parametrize("method", ["sql", "python"])
def test_slug_of_a_retracted_definition_is_unknown_to_later_lines(
    tmp_path: Path, method: str
) -> None:
    """A line naming a person whose PersonAdded was retracted (and not re-added) is refused."""
    path = _retracted_person_log(tmp_path)
    lines = read_lines(path)
    # Drop the re-add and rechain what follows, as a careless rewrite would.
    del lines[3]
    objs = [json.loads(x) for x in lines]
    for seq, obj in enumerate(objs, start=1):
        obj["seq"] = seq
    write_lines(path, _rechained(objs))
    with pytest.raises(timeline.errors.LogCorruptError) as err:
        verify(path, method=method)
    assert err.value.line == 4
    assert "unknown person 'x'" in str(err.value)
