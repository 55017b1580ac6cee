"""The analyst commands from the shell: query, search, export, sql and team --with-sources.

Each test checks the exit code, stdout (data) and stderr (messages) separately.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import FIXTURES

from timeline.cli import main
from timeline.queries import list_queries

MINE = (
    "attrition",
    "cohort_whereabouts",
    "departures",
    "departures_summary",
    "diff",
    "flow_matrix",
    "flows",
    "headcount",
    "hires",
    "leadership",
    "org_name_as_of",
    "paper_whereabouts",
    "search",
    "team_sources",
    "title_history",
)


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A log holding the analyst history, built through the CLI."""
    path = tmp_path_factory.mktemp("cli") / "log.jsonl"
    assert run(path, "init").exit_code == 0
    result = run(
        path, "append", str(FIXTURES / "analyst.jsonl"), "--recorded-at", "2025-02-01T00:00:00Z"
    )
    assert result.exit_code == 0, result.stderr
    return path


def run(log: Path, *args: str, input: str | None = None) -> Result:
    """Invoke ``timeline --log LOG ARGS...``."""
    return CliRunner().invoke(main, ["--log", str(log), *args], input=input)


def test_query_list_shows_every_analyst_query_with_its_params(log: Path) -> None:
    """--list prints each named query with its parameters and description."""
    result = run(log, "query", "--list", "--format", "json")
    assert result.exit_code == 0 and result.stderr == ""
    listed = {q["name"]: q for q in json.loads(result.stdout)}
    assert set(MINE) <= set(listed)
    assert listed["flows"]["params"] == (
        "from_org, to_org, from, to, window_months?, overlap_months?, paper?, known_at?"
    )
    assert all(listed[name]["description"] for name in MINE)


def test_query_prints_rows_as_json(log: Path) -> None:
    """query departures --format json prints the rows on stdout and nothing on stderr."""
    result = run(
        log,
        "query",
        "departures",
        "-p",
        "org=acme",
        "-p",
        "from=2023-01",
        "-p",
        "to=2025-12",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    rows = json.loads(result.stdout)
    assert [r["person"] for r in rows][:3] == ["tom", "ana", "lea"]
    assert rows[0]["tenure_months"] == 55


def test_query_known_at_is_a_parameter(log: Path) -> None:
    """-p known_at= answers as the log stood then: before the history was recorded, nothing."""
    result = run(
        log,
        "query",
        "hires",
        "-p",
        "org=acme",
        "-p",
        "from=2023",
        "-p",
        "to=2024",
        "-p",
        "known_at=2025-01-31",
        "--format",
        "jsonl",
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""


def test_query_with_a_missing_parameter_fails_with_a_message(log: Path) -> None:
    """A missing required parameter exits 1 and names it on stderr; stdout stays empty."""
    result = run(log, "query", "flows", "-p", "from_org=acme")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "missing --param to_org, from, to" in result.stderr


def test_query_with_an_unknown_org_fails_with_a_hint(log: Path) -> None:
    """An unknown org exits 1 with the slug and a hint on stderr."""
    result = run(log, "query", "headcount", "-p", "org=acmee", "-p", "from=2023", "-p", "to=2023")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "unknown org 'acmee'" in result.stderr and "hint:" in result.stderr


def test_query_with_a_bad_date_fails(log: Path) -> None:
    """An impossible date exits 1 and says why."""
    result = run(log, "query", "diff", "-p", "org=acme", "-p", "from=2023-02-30", "-p", "to=2024")
    assert result.exit_code == 1
    assert "February 2023 has 28 days" in result.stderr


def test_headcount_as_csv(log: Path) -> None:
    """headcount --format csv has a header and one line per month."""
    result = run(
        log,
        "query",
        "headcount",
        "-p",
        "org=acme",
        "-p",
        "from=2023-03",
        "-p",
        "to=2023-04",
        "--format",
        "csv",
    )
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["month"], r["definite"], r["possible"]) for r in rows] == [
        ("2023-03", "7", "0"),
        ("2023-04", "6", "1"),
    ]


def test_search_prints_kind_slug_name_and_match(log: Path) -> None:
    """search with a Telugu alias prints the person it belongs to."""
    result = run(log, "search", "రాజ్", "--format", "json")
    assert result.exit_code == 0 and result.stderr == ""
    assert json.loads(result.stdout) == [
        {"kind": "person", "slug": "raj", "name": "Raj Rao", "matched": "రాజ్ రావు"}
    ]


def test_search_without_a_hit_prints_no_rows(log: Path) -> None:
    """A search that finds nothing succeeds with '(no rows)'."""
    result = run(log, "search", "nobody at all")
    assert (result.exit_code, result.stdout) == (0, "(no rows)\n")


def test_team_with_sources_adds_source_columns(log: Path) -> None:
    """team --with-sources adds join_/leave_ source slug, title and url columns."""
    result = run(log, "team", "acme", "--as-of", "2023-06", "--with-sources", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {
        "join_source",
        "join_source_title",
        "join_source_url",
        "leave_source",
        "leave_source_title",
        "leave_source_url",
    } <= set(rows[0])
    lea = next(r for r in rows if r["person"] == "lea")
    assert lea["join_source_title"] == "Where the Acme authors went"


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export_writes_files_and_reports_on_stderr(log: Path, tmp_path: Path, fmt: str) -> None:
    """export DIR writes TABLE.<fmt> per table; the report goes to stderr, stdout is empty."""
    result = run(log, "export", "--format", fmt, str(tmp_path / "out"))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        f"{t}.{fmt}"
        for t in (
            "events",
            "stints",
            "people",
            "orgs",
            "org_names",
            "sources",
            "papers",
            "paper_authors",
            "roles",
        )
    )
    assert f"to {tmp_path / 'out' / 'people'}.{fmt}" in result.stderr


def test_export_to_a_file_path_is_refused(log: Path, tmp_path: Path) -> None:
    """export onto an existing file exits with a usage error and writes nothing."""
    target = tmp_path / "file"
    target.write_text("x")
    result = run(log, "export", str(target))
    assert result.exit_code != 0
    assert target.read_text() == "x"


def test_sql_binds_parameters_by_name(log: Path) -> None:
    """sql runs ad-hoc SQL with -p values bound as $name."""
    result = run(
        log,
        "sql",
        "SELECT person FROM stints WHERE org = $org ORDER BY person",
        "-p",
        "org=brise",
        "--format",
        "jsonl",
    )
    assert result.exit_code == 0, result.stderr
    assert [json.loads(x)["person"] for x in result.stdout.splitlines()] == ["lea", "mei", "tom"]


def test_sql_reads_the_statement_from_stdin(log: Path) -> None:
    """sql - reads the statement from stdin."""
    result = run(log, "sql", "-", "--format", "csv", input="SELECT count(*) AS n FROM people")
    assert (result.exit_code, result.stdout) == (0, "n\n10\n")


def test_sql_cannot_change_the_projection(log: Path) -> None:
    """The connection is read-only: a write exits 1 with DuckDB's reason."""
    result = run(log, "sql", "DELETE FROM people")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "read-only" in result.stderr
    assert (
        run(log, "sql", "SELECT count(*) AS n FROM people", "--format", "csv").stdout == "n\n10\n"
    )


def test_every_named_query_is_documented() -> None:
    """docs/queries.md has a section per named query, with its parameters and an example."""
    doc = (Path(__file__).parents[1] / "docs" / "queries.md").read_text(encoding="utf-8")
    for query in list_queries():
        if query.name not in MINE:
            continue
        assert f"## `{query.name}`" in doc
        assert f"timeline query {query.name}" in doc


@pytest.mark.parametrize("query", list_queries(), ids=lambda q: q.name)
def test_declared_parameters_are_the_ones_the_sql_uses(query) -> None:
    """The params header lists exactly the $names in the SQL (DuckDB refuses any mismatch)."""
    body = "\n".join(ln for ln in query.sql.splitlines() if not ln.lstrip().startswith("--"))
    used = set(re.findall(r"\$([a-z_][a-z0-9_]*)", body))
    assert used == {*query.required, *query.optional}


@pytest.mark.parametrize("query", list_queries(), ids=lambda q: q.name)
def test_every_query_runs_on_the_fixture(log: Path, query) -> None:
    """Each named query runs with its required parameters set to plausible fixture values."""
    values = {
        "org": "acme",
        "from_org": "acme",
        "to_org": "brise",
        "paper": "model-x",
        "people": "ana,tom",
        "as_of": "2023",
        "from": "2023-01",
        "to": "2024-06",
        "text": "acme",
        "title": "head",
    }
    if not set(query.required) <= set(values):
        pytest.skip(f"no fixture value for a parameter of {query.name}")
    args = [a for name in query.required for a in ("-p", f"{name}={values[name]}")]
    result = run(log, "query", query.name, *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert isinstance(json.loads(result.stdout), list)
