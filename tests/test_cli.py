"""The CLI through CliRunner: exit codes, data on stdout, messages on stderr."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, RECORDED

from timeline.cli import main


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def log(tmp_path: Path, runner: CliRunner) -> Path:
    path = tmp_path / "log.jsonl"
    assert runner.invoke(main, ["--log", str(path), "init"]).exit_code == 0
    result = runner.invoke(
        main,
        ["--log", str(path), "append", "--recorded-at", RECORDED, str(FIXTURES / "small.jsonl")],
    )
    assert result.exit_code == 0, result.stderr
    assert "appended 14 event(s), seq 1..14" in result.stderr
    return path


def test_team_json_rows(runner: CliRunner, log: Path) -> None:
    """team --format json prints rows with person, name, status, joined, left on stdout."""
    result = runner.invoke(
        main, ["--log", str(log), "team", "acme", "--as-of", "2024-08", "--format", "json"]
    )
    assert result.exit_code == 0 and result.stderr == ""
    rows = json.loads(result.stdout)
    ana = next(r for r in rows if r["person"] == "ana")
    assert ana | {} == ana and ana["status"] == "definite" and ana["left"] == "2024-08"
    assert ana["name"] == "Ana Ávila"


def test_team_csv_and_table(runner: CliRunner, log: Path) -> None:
    """csv has a header row; table aligns columns for people to read."""
    out = runner.invoke(
        main, ["--log", str(log), "team", "acme", "--as-of", "2024-08", "--format", "csv"]
    ).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["person"] for r in rows} == {"ana", "cy"}
    table = runner.invoke(main, ["--log", str(log), "team", "acme", "--as-of", "2024-08"]).stdout
    assert table.splitlines()[0].split()[:4] == ["person", "name", "org", "status"]


def test_known_at_gives_the_old_answer(runner: CliRunner, log: Path) -> None:
    """--known-at answers as the log stood then, ignoring a later retraction."""
    retract = '{"type":"EventRetracted","data":{"event":"l-ana","reason":"wrong"}}\n'
    result = runner.invoke(
        main,
        ["--log", str(log), "append", "--recorded-at", "2025-06-01T00:00:00Z", "-"],
        input=retract,
    )
    assert result.exit_code == 0, result.stderr
    args = ["--log", str(log), "team", "acme", "--as-of", "2025-01", "--format", "jsonl"]
    now = [json.loads(x)["person"] for x in runner.invoke(main, args).stdout.splitlines()]
    then = [
        json.loads(x)["person"]
        for x in runner.invoke(main, [*args, "--known-at", "2025-05-26"]).stdout.splitlines()
    ]
    assert "ana" in now and "ana" not in then


def test_bad_batch_exits_1_with_line_on_stderr(runner: CliRunner, log: Path) -> None:
    """An invalid line: exit 1, 'file:line: problem' on stderr, nothing on stdout, no traceback."""
    bad = '{"type":"PersonAdded","data":{"person":"dee","name":"Dee"}}\n{"type":"Oops"}\n'
    before = log.read_bytes()
    result = runner.invoke(main, ["--log", str(log), "append", "-"], input=bad)
    assert result.exit_code == 1
    assert "<stdin>:2: data: required field missing" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert log.read_bytes() == before


def test_usage_errors_exit_2(runner: CliRunner, log: Path) -> None:
    """A malformed --as-of or a missing option is a usage error: exit 2."""
    result = runner.invoke(main, ["--log", str(log), "team", "acme", "--as-of", "2024-13"])
    assert result.exit_code == 2 and "month 13 does not exist" in result.stderr
    assert runner.invoke(main, ["--log", str(log), "team", "acme"]).exit_code == 2


def test_unknown_org_and_missing_log_exit_1(runner: CliRunner, log: Path, tmp_path: Path) -> None:
    """Asking for an unknown org, or using a log that does not exist, exits 1 with a hint."""
    result = runner.invoke(main, ["--log", str(log), "team", "nope", "--as-of", "2024"])
    assert result.exit_code == 1 and "unknown org 'nope'" in result.stderr
    result = runner.invoke(
        main, ["--log", str(tmp_path / "none.jsonl"), "team", "x", "--as-of", "2024"]
    )
    assert result.exit_code == 1 and "no such log" in result.stderr and "init" in result.stderr


def test_expect_seq_conflict_exits_1(runner: CliRunner, log: Path) -> None:
    """--expect-seq with a stale seq is refused with exit 1 and both seqs named."""
    line = '{"type":"PersonAdded","data":{"person":"dee","name":"Dee"}}\n'
    result = runner.invoke(
        main, ["--log", str(log), "append", "--expect-seq", "2", "-"], input=line
    )
    assert result.exit_code == 1 and "expected the log to end at seq 2" in result.stderr


def test_log_env_var_and_log_command(runner: CliRunner, log: Path) -> None:
    """TIMELINE_LOG selects the log; `log --type` prints matching events as JSON lines."""
    result = runner.invoke(main, ["log", "--type", "PersonLeft"], env={"TIMELINE_LOG": str(log)})
    assert result.exit_code == 0
    assert [json.loads(x)["id"] for x in result.stdout.splitlines()] == ["l-ana", "l-bo"]


def test_person_career(runner: CliRunner, log: Path) -> None:
    """person prints every stint with its sources."""
    result = runner.invoke(main, ["--log", str(log), "person", "ana", "--format", "json"])
    record = json.loads(result.stdout)[0]
    assert [s["org"] for s in record["stints"]] == ["acme", "newco"]
    assert record["stints"][0]["join_source"] == "a"


def test_help_explains_every_command(runner: CliRunner) -> None:
    """--help lists the commands, and each command's help explains its options."""
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("init", "append", "replay", "team", "person", "query", "log"):
        assert command in result.stdout
    assert "--known-at" in runner.invoke(main, ["team", "--help"]).stdout


def test_query_list_and_unknown_query(runner: CliRunner, log: Path) -> None:
    """query --list lists named queries; an unknown name exits 1 with a hint."""
    assert runner.invoke(main, ["--log", str(log), "query", "--list"]).exit_code == 0
    result = runner.invoke(main, ["--log", str(log), "query", "no-such-query"])
    assert result.exit_code == 1 and "unknown query" in result.stderr


def test_no_color_when_piped(runner: CliRunner, log: Path) -> None:
    """Output to a pipe carries no ANSI colour codes."""
    out = runner.invoke(main, ["--log", str(log), "team", "acme", "--as-of", "2024"]).stdout
    assert "\x1b[" not in out


def test_person_jsonl_is_one_record_per_line(runner: CliRunner, log: Path) -> None:
    """person --format jsonl prints the career as one JSON object on one line."""
    result = runner.invoke(main, ["--log", str(log), "person", "ana", "--format", "jsonl"])
    (line,) = result.stdout.splitlines()
    assert json.loads(line)["name"] == "Ana Ávila"


def test_person_csv_keeps_stdout_machine_readable(runner: CliRunner, log: Path) -> None:
    """person --format csv prints only CSV on stdout; the name heading goes to stderr."""
    result = runner.invoke(main, ["--log", str(log), "person", "ana", "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["org"] for r in rows] == ["acme", "newco"]
    assert "Ana Ávila (ana)" in result.stderr
