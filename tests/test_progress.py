"""Long appends report progress to a callback; the CLI draws it on a terminal only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import timeline
from timeline import cli

RECORDED = "2025-05-26T12:00:00Z"


def _people(n: int) -> list[str]:
    return [
        json.dumps({"type": "PersonAdded", "data": {"person": f"p{i}", "name": f"P {i}"}})
        for i in range(n)
    ]


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "log.jsonl"
    with timeline.open(path) as tl:
        tl.init()
    return path


def test_append_reports_each_step_up_to_the_total(log: Path) -> None:
    """A 2,500-line append reports parsing every 1,000 lines, validation, then encoding to 2,500."""
    calls: list[tuple[str, int, int]] = []
    with timeline.open(log) as tl:
        tl.append(_people(2500), recorded_at=RECORDED, progress=lambda *a: calls.append(a))
    assert calls[:2] == [("parsed", 1000, 2500), ("parsed", 2000, 2500)]
    assert ("validated", 2500, 2500) in calls
    assert calls[-1] == ("encoded", 2500, 2500)
    steps = [step for step, _, _ in calls]
    assert steps.index("validated") < steps.index("encoded")


def test_cli_append_draws_no_bar_when_stderr_is_not_a_terminal(log: Path, tmp_path: Path) -> None:
    """Piped stderr gets the one summary line, no carriage returns or escape codes."""
    batch = tmp_path / "batch.jsonl"
    batch.write_text("\n".join(_people(1500)) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli.main, ["--log", str(log), "append", str(batch)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr == "appended 1500 event(s), seq 1..1500\n"


def test_cli_append_draws_a_bar_on_a_terminal_and_clears_it(
    log: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a terminal the bar is redrawn in place, then cleared before the summary."""
    monkeypatch.setattr(cli, "_terminal", lambda: True)
    batch = tmp_path / "batch.jsonl"
    batch.write_text("\n".join(_people(1500)) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli.main, ["--log", str(log), "append", str(batch)])
    assert result.exit_code == 0, result.stderr
    assert "1000/1500 parsed" in result.stderr
    assert "1500/1500 encoded" in result.stderr
    # (click strips the erase-line code when the test stream is no real terminal)
    assert result.stderr.endswith("\rappended 1500 event(s), seq 1..1500\n")
    assert result.stdout == ""
