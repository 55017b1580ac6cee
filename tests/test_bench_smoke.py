"""Run the benchmark end to end at a tiny size: every report row appears (no timing asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from benchmarks.generate import generate
from benchmarks.run import expected_rows
from timeline.verify import verify

ROOT = Path(__file__).resolve().parent.parent


def test_generated_log_is_valid(tmp_path: Path) -> None:
    """A generated log passes the full verify: chain, codec, commit markers, the append rules."""
    log = generate(3_000, tmp_path / "g.jsonl", seed=3)
    report = verify(log)
    assert report.events == 3_000
    text = log.read_text()
    for kind in ("EventRetracted", "OrgFounded", '"parent"', '"occurred":"[..', '"occurred":"['):
        assert kind in text, kind


def test_generator_is_seeded(tmp_path: Path) -> None:
    """The same seed gives the same bytes; another seed another history."""
    a = generate(500, tmp_path / "a.jsonl", seed=1).read_bytes()
    b = generate(500, tmp_path / "b.jsonl", seed=1).read_bytes()
    c = generate(500, tmp_path / "c.jsonl", seed=2).read_bytes()
    assert a == b != c


def test_bench_smoke_produces_every_row(tmp_path: Path) -> None:
    """``python -m benchmarks.run`` at 2k events, one repetition, prints every row."""
    out = tmp_path / "report.json"
    cmd = [
        sys.executable,
        "-m",
        "benchmarks.run",
        "--size",
        "2000",
        "--reps",
        "1",
        "--catchup",
        "1,10",
        "--batch",
        "50",
        "--workdir",
        str(tmp_path / "work"),
        "--json",
        str(out),
    ]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
    report = json.loads(out.read_text())
    keys = [row["key"] for row in report["rows"]]
    assert keys == expected_rows([1, 10])
    for row in report["rows"]:
        if "skipped" in row:
            assert row["key"] == "peer", row  # only when the bench extra is absent
            continue
        assert row["seconds"] > 0, row
        assert row["label"] in done.stdout
    assert "ours/floor" in done.stdout


def test_summary_keeps_each_steps_median() -> None:
    """A measurement's named parts (the replay's steps) are summarised part by part."""
    from benchmarks.run import _summary

    runs = [
        {"seconds": s, "rss_mb": r, "steps": {"load": s / 2, "members": m}}
        for s, r, m in ((3.0, 10, 0.5), (1.0, 30, 0.7), (2.0, 20, 0.6))
    ]
    row = _summary("replay", "replay", runs)
    assert row["seconds"] == 2.0 and row["rss_mb"] == 30
    assert row["steps"] == {"load": 1.0, "members": 0.6}


def test_cli_tasks_run_the_package_the_task_imported(tmp_path: Path) -> None:
    """The ``timeline`` commands the cli tasks time import the package the task itself
    imported, even when ``$PYTHONPATH`` names another tree (an A/B against a worktree)."""
    import argparse
    import os

    import timeline
    from benchmarks import tasks

    other = tmp_path / "other"
    (other / "timeline").mkdir(parents=True)
    (other / "timeline" / "__init__.py").write_text("raise ImportError('the other tree')\n")
    before = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = str(other)
    try:
        args = argparse.Namespace(org="org-1", work=tmp_path)
        _, env = tasks._cli_team(args, tmp_path / "log.jsonl", tmp_path / "db.duckdb")
    finally:
        if before is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = before
    probe = "import timeline; print(timeline.__file__)"
    found = subprocess.run(
        [sys.executable, "-c", probe], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert found.returncode == 0, found.stderr
    assert Path(found.stdout.strip()).resolve() == Path(timeline.__file__).resolve()
    assert str(other) in env["PYTHONPATH"]  # the caller's path is kept, after the package's


def test_a_task_without_a_count_of_its_own_asks_for_one(tmp_path: Path) -> None:
    """A task given no usable ``--count`` stops with a usage error (exit 2), not a traceback."""
    log, db = str(tmp_path / "l.jsonl"), str(tmp_path / "p.duckdb")
    for argv, message in [
        (["naive", "--log", log, "--db", db], "naive needs --count"),
        (["queries", "--log", log, "--db", db, "--count", "0"], "must be at least 1, not 0"),
    ]:
        proc = subprocess.run(
            [sys.executable, "-m", "benchmarks.tasks", *argv],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 2, argv
        assert message in proc.stderr and "Traceback" not in proc.stderr
        assert proc.stdout == ""


def test_the_team_task_asks_its_questions_twice_and_reports_both(tmp_path: Path) -> None:
    """The team task asks the same questions a second time on the same connection; the
    report shows that pass beside the first, which alone is judged."""
    import argparse

    from benchmarks import report, tasks

    log = generate(2_000, tmp_path / "g.jsonl", seed=3)
    args = argparse.Namespace(log=log, db=tmp_path / "g.duckdb", count=7, seed=7)
    row = {"key": "team", **tasks.queries(args)}
    assert row["again_seconds"] > 0 and row["again_p95"] >= row["again_seconds"]
    assert "the same questions again: median" in report._detail(row, {"team": row})
