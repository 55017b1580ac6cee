"""What a read command imports: start-up is most of its time, so the write path stays out."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import timeline

#: Modules of the write path (parsing and validating input events) and its dependencies.
WRITE_PATH = (
    "cattrs",
    "pendulum",
    "timeline.codec",
    "timeline.events",
    "timeline.validate",
    "timeline._ingest",
    "timeline._verify_sql",
    "queue",  # the large append's writer thread (timeline.log.BatchWriter)
)

#: Run in a fresh interpreter: import or run something, then print the loaded modules.
PROBE = """
import json, sys
{body}
print(json.dumps(sorted(sys.modules)))
"""


def _loaded(body: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(body=body)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return set(json.loads(out.splitlines()[-1]))


def test_importing_the_cli_loads_neither_duckdb_nor_the_write_path() -> None:
    """``import timeline.cli`` leaves DuckDB, the Timeline object and the codec unimported."""
    loaded = _loaded("import timeline.cli")
    assert not loaded & {*WRITE_PATH, "duckdb", "timeline.api", "timeline.projection"}


def test_importing_the_package_imports_its_names_on_first_use() -> None:
    """``import timeline`` is cheap; ``timeline.Timeline`` then imports the API."""
    assert "timeline.api" not in _loaded("import timeline")
    assert "timeline.api" in _loaded("import timeline; timeline.Timeline")
    assert set(timeline.__all__) <= set(dir(timeline))


def _loaded_by_command(tmp_path: Path, args: list[str], expected: str) -> set[str]:
    """Run ``timeline ARGS --format jsonl`` on a copy of the bundled log, in a fresh
    interpreter whose projection is already built; return the modules it loaded."""
    log = tmp_path / "meta.jsonl"
    shutil.copyfile(timeline.bundled_log(), log)
    run = (
        "from click.testing import CliRunner\n"
        "from timeline.cli import main\n"
        f"r = CliRunner().invoke(main, ['--log', {str(log)!r}, *{args!r}, '--format', 'jsonl'])\n"
        "assert r.exit_code == 0, r.output\n"
        f"assert {expected!r} in r.output"
    )
    _loaded(run)  # the first run builds the projection
    return _loaded(run)


def test_team_command_loads_no_write_path_module(tmp_path: Path) -> None:
    """``timeline team`` imports no codec, cattrs, pendulum, attrs, queue or duckdb package."""
    loaded = _loaded_by_command(
        tmp_path, ["team", "meta", "--as-of", "2024-08"], "baptiste-roziere"
    )
    # DuckDB's compiled core only: its package's Python layer costs about 100 ms more.
    assert "_duckdb" in loaded
    assert "duckdb" not in loaded
    # attrs too (about 20 ms of start-up): the read path's value classes are dataclasses.
    assert not loaded & {*WRITE_PATH, "attr", "attrs"}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["leaders", "fair", "--as-of", "2025-06"], "robert-fergus"),
        (["team", "mistral", "--as-of", "1990"], ""),  # no one: the org's existence is checked
    ],
)
def test_questions_that_check_an_org_exists_load_no_write_path_module(
    tmp_path: Path, args: list[str], expected: str
) -> None:
    """``timeline leaders``, and a ``team`` question with no one in it, which both check that
    the org exists, import no codec, rules, attrs or event classes either."""
    assert not _loaded_by_command(tmp_path, args, expected) & {*WRITE_PATH, "attr", "attrs"}


def test_replay_query_and_verify_never_import_the_duckdb_package(tmp_path: Path) -> None:
    """A replay, a team question and a verify run on DuckDB's compiled core alone."""
    log = tmp_path / "meta.jsonl"
    shutil.copyfile(timeline.bundled_log(), log)
    loaded = _loaded(
        "from timeline import Timeline, verify\n"
        f"with Timeline({str(log)!r}) as tl:\n"
        "    tl.replay()\n"
        "    assert tl.team('meta', '2024-08')\n"
        f"assert verify.verify({str(log)!r}).events"
    )
    assert "_duckdb" in loaded
    assert "duckdb" not in loaded
