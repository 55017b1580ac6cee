"""Run timeline from the shell: a thin click layer over :class:`timeline.Timeline`.

Data goes to stdout, messages to stderr.  Exit 0 on success, 1 when timeline
refuses (invalid input, conflict, corrupt log), 2 for a usage error.

Start-up time is most of a read command's time, so this module imports only
click and the small helpers in :mod:`timeline._cli_support`; the rest (the
``Timeline`` object, DuckDB, the write path) is imported by the commands that
use it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ._cli_chart import chart
from ._cli_support import (
    Group,
    check_date,
    check_timestamp,
    emit,
    format_option,
    input_lines,
    known_option,
    param_option,
    parse_params,
    progress_line,
    setup_logging,
)

# The tests replace this to pretend stderr is a terminal.
from ._cli_support import terminal as _terminal

if TYPE_CHECKING:
    from . import api

__all__ = ["main"]


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--log",
    "log_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="TIMELINE_LOG",
    show_envvar=True,
    help="The JSONL event log (default: the bundled Meta/Llama dataset).",
)
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The DuckDB projection file (default: <log>.duckdb, or the user cache).",
)
@click.option("-q", "--quiet", is_flag=True, help="Print no warnings.")
@click.version_option(package_name="timeline")
@click.pass_context
def main(ctx: click.Context, log_path: Path | None, db_path: Path | None, quiet: bool) -> None:
    """Reconstruct who was where, and when, from an append-only log of dated facts.

    Every hire, departure, founding and leadership change is an immutable event in
    a JSONL log; the log is projected into DuckDB so that questions such as "who
    was on Meta's team as of 2024-08?" are SQL.

    \b
    Examples:
      timeline team meta --as-of 2024-08
      timeline team meta --as-of 2024-08 --known-at 2025-05-26 --format json
      timeline --log my.jsonl init && timeline --log my.jsonl append events.jsonl
    """
    from .api import open_timeline

    setup_logging(quiet)
    tl = open_timeline(log_path, db_path)
    ctx.obj = tl
    ctx.call_on_close(tl.close)


@main.command()
@click.pass_obj
def init(tl: api.Timeline) -> None:
    """Create an empty log at --log (refuses to overwrite one)."""
    tl.init()
    click.echo(f"created {tl.log.path}", err=True)


@main.command()
@click.argument("file", type=click.Path(allow_dash=True, dir_okay=False))
@click.option(
    "--recorded-at",
    callback=check_timestamp,
    metavar="T",
    help="When the log learned these facts (RFC 3339; default: now). Must not be "
    "earlier than the log's last recorded time.",
)
@click.option(
    "--expect-seq",
    type=click.IntRange(min=0),
    metavar="N",
    help="Refuse the batch unless the log currently ends at seq N.",
)
@click.pass_obj
def append(tl: api.Timeline, file: str, recorded_at: str | None, expect_seq: int | None) -> None:
    """Append the events in FILE ('-' for stdin), one JSON object per line.

    \b
    Each line: {"type": ..., "occurred": ..., "data": {...}, "id": ..., "source": ...}
    (id and source optional).  The batch is all or nothing: any invalid line
    refuses the whole batch, names the line, and leaves the log unchanged.
    Re-appending an id with identical content is a safe no-op.
    """
    if file != "-" and not Path(file).is_file():
        raise click.BadParameter(f"{file}: no such file", param_hint="FILE")
    shown = _terminal()
    try:
        result = tl.append(
            list(input_lines(file)),
            recorded_at=recorded_at,
            expect_seq=expect_seq,
            name=file if file != "-" else "<stdin>",
            progress=progress_line() if shown else None,
        )
    finally:
        if shown:
            click.echo("\r\033[K", err=True, nl=False)  # the summary or error replaces the bar
    if result.appended:
        click.echo(
            f"appended {result.appended} event(s), seq {result.first_seq}.."
            f"{result.last_seq}" + (f"; {result.skipped} already logged" if result.skipped else ""),
            err=True,
        )
    else:
        click.echo(f"nothing to append: all {result.skipped} event(s) already logged", err=True)


@main.command()
@click.pass_obj
def replay(tl: api.Timeline) -> None:
    """Rebuild the DuckDB projection from the whole log."""
    shown = _terminal()
    tl.close()
    try:
        result = tl.projection.rebuild(progress_line() if shown else None)
    finally:
        if shown:
            click.echo("\r\033[K", err=True, nl=False)  # the summary or error replaces the bar
    click.echo(f"replayed {result.events} event(s) into {tl.projection.db_path}", err=True)


@main.command()
@click.argument("org")
@click.option(
    "--as-of",
    required=True,
    callback=check_date,
    metavar="DATE",
    help="A date value: 2024, 2024-08, 2024-08-15, or a range like [2023-01..2023-04].",
)
@click.option(
    "--with-sources",
    is_flag=True,
    help="Add the source (slug, title, url) of each row's join and leave.",
)
@known_option
@format_option
@click.pass_obj
def team(
    tl: api.Timeline, org: str, as_of: str, with_sources: bool, known_at: str | None, fmt: str
) -> None:
    """List who was in ORG (or a unit inside it) on some day of --as-of.

    'definite' means a member whatever the exact dates; 'possible' means the
    imprecise dates allow it but do not prove it.
    """
    emit(tl.team(org, as_of, known_at, with_sources=with_sources), fmt)


@main.command()
@click.argument("org")
@click.option("--as-of", required=True, callback=check_date, metavar="DATE", help="A date value.")
@click.option("--title", help="Only this title (e.g. head).")
@known_option
@format_option
@click.pass_obj
def leaders(
    tl: api.Timeline, org: str, as_of: str, title: str | None, known_at: str | None, fmt: str
) -> None:
    """List who held each title at ORG on some day of --as-of."""
    emit(tl.leaders(org, as_of, known_at, title), fmt)


@main.command()
@click.argument("person")
@format_option
@click.pass_obj
def person(tl: api.Timeline, person: str, fmt: str) -> None:
    """Show PERSON's career: every stint and role, with its sources."""
    record = tl.person(person)
    if fmt in ("json", "jsonl"):
        emit([record], fmt)  # one record: the person with their stints and roles nested
        return
    # table/csv print the stints, the rows a person reads; the header names whose they are
    click.echo(f"{record['name']} ({record['person']})", err=fmt == "csv")
    if record["aliases"]:
        click.echo(f"also: {', '.join(record['aliases'])}", err=fmt == "csv")
    emit(record["stints"], fmt)


@main.command(name="log")
@click.option("--type", "type_", help="Only events of this type (e.g. PersonLeft).")
@click.option("--person", help="Only events about this person.")
@click.option("--org", help="Only events about this org.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many events.")
@format_option(default="jsonl")
@click.pass_obj
def log_(
    tl: api.Timeline,
    type_: str | None,
    person: str | None,
    org: str | None,
    limit: int | None,
    fmt: str,
) -> None:
    """Print the logged events, oldest first (retracted ones are marked)."""
    emit(tl.events(type=type_, person=person, org=org, limit=limit), fmt)


@main.command()
@click.argument("name", required=False)
@param_option("A parameter of the query, bound by name (repeatable).")
@click.option("--list", "list_", is_flag=True, help="List the named queries and their parameters.")
@format_option
@click.pass_obj
def query(
    tl: api.Timeline, name: str | None, params: tuple[str, ...], list_: bool, fmt: str
) -> None:
    """Run the named query NAME (see --list) on a read-only connection.

    \b
    Examples:
      timeline query departures -p org=meta -p from=2023-01 -p to=2025-12
      timeline query flows -p from_org=meta -p to_org=mistral -p from=2023 -p to=2025
    """
    from .queries import list_queries

    if list_:
        emit(
            [
                {
                    "name": q.name,
                    "params": ", ".join([*q.required, *(o + "?" for o in q.optional)]),
                    "description": q.description,
                }
                for q in list_queries()
            ],
            fmt,
        )
        return
    if name is None:
        raise click.UsageError("give a query NAME, or --list to see them")
    emit(tl.query(name, parse_params(params)), fmt)


@main.command()
@click.argument("text")
@format_option
@click.pass_obj
def search(tl: api.Timeline, text: str, fmt: str) -> None:
    """Find people and orgs whose name, alias or slug contains TEXT.

    Case and accents do not matter ('roziere' finds Rozière); aliases in any
    script match too.  Prints kind, slug, name and the spelling that matched.
    """
    emit(tl.search(text), fmt)


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["parquet", "csv"]),
    default="parquet",
    show_default=True,
    help="File format of the tables.",
)
@click.pass_obj
def export(tl: api.Timeline, directory: Path, fmt: str) -> None:
    """Write each projection table to DIRECTORY as TABLE.parquet or TABLE.csv.

    The tables: events, stints (a view), people, orgs, org_names, sources,
    papers, paper_authors, roles.  Files of the same name are overwritten.
    """
    for item in tl.export(directory, fmt):
        click.echo(f"wrote {item['rows']} row(s) to {item['path']}", err=True)


@main.command(name="sql")
@click.argument("statement")
@param_option("A parameter, bound by name: write $K in the SQL (repeatable).")
@format_option
@click.pass_obj
def sql_(tl: api.Timeline, statement: str, params: tuple[str, ...], fmt: str) -> None:
    """Run an ad-hoc SQL STATEMENT ('-' for stdin) on a read-only connection to the projection.

    \b
    Example:
      timeline sql 'SELECT person, org FROM stints WHERE org = $org' -p org=meta
    """
    text = sys.stdin.read() if statement == "-" else statement
    emit(tl.rows(text, parse_params(params)), fmt)


@main.command(name="verify")
@click.option(
    "--from",
    "from_seq",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    metavar="N",
    help="Check from seq N on (earlier lines are only read for the "
    "keys they define and the hash before N).",
)
@click.pass_obj
def verify_(tl: api.Timeline, from_seq: int) -> None:
    """Check the log: JSON, fields, seq, recorded, hash chain, commit marker, rules.

    Names the first bad line as PATH:LINE and exits 1; prints a summary otherwise.
    """
    from .verify import verify

    if _terminal():
        with click.progressbar(
            length=tl.log.path.stat().st_size, label="verifying", file=sys.stderr
        ) as bar:
            report = verify(tl.log.path, from_seq, bar.update)
    else:
        report = verify(tl.log.path, from_seq)
    click.echo(
        f"ok: {report.events} event(s), checked {report.checked} from seq "
        f"{report.first_checked or '-'}, last seq {report.last_seq}, "
        f"last hash {report.last_hash}"
    )


@main.command()
@click.pass_obj
def recover(tl: api.Timeline) -> None:
    """Move what an interrupted append left after the last commit to <log>.quarantine."""
    from .verify import recover as run

    report = run(tl.log.path)
    if report.bytes:
        click.echo(
            f"quarantined {report.bytes} byte(s) ({report.lines} line(s)) of an "
            f"interrupted append to {report.quarantine}",
            err=True,
        )
    else:
        click.echo(f"{tl.log.path}: clean, nothing to recover", err=True)


# The chart command lives in its own module (it is long, and only it needs the charts).
main.add_command(chart)


if __name__ == "__main__":  # pragma: no cover
    main()
