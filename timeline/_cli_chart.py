"""The ``timeline chart`` command: draw a team, flows or headcount chart of an org.

Registered on the command group by :mod:`timeline.cli`; the charts themselves
(:mod:`timeline.charts`, and its optional dependencies) are imported only when the
command runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from ._cli_support import check_date, known_option

if TYPE_CHECKING:
    from . import api

__all__ = ["CHARTS", "chart"]

CHARTS = ("team", "flows", "headcount")


@click.command()
@click.argument("kind", type=click.Choice(CHARTS))
@click.argument("org")
@click.option(
    "--from",
    "start",
    required=True,
    callback=check_date,
    metavar="DATE",
    help="Start of the period drawn (a date value).",
)
@click.option(
    "--to",
    "end",
    required=True,
    callback=check_date,
    metavar="DATE",
    help="End of the period drawn (a date value).",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="The file to write: .html (opens offline), .svg or .png.",
)
@click.option(
    "--as-of",
    callback=check_date,
    metavar="DATE",
    help="team only: shade this date's window on the chart.",
)
@known_option
@click.pass_obj
def chart(
    tl: api.Timeline,
    kind: str,
    org: str,
    start: str,
    end: str,
    output: str,
    as_of: str | None,
    known_at: str | None,
) -> None:
    """Draw a KIND chart of ORG from --from to --to (needs: pip install 'timeline[charts]').

    \b
    team       a row per person, a bar per stint, the uncertain part of each
               start and end faded; papers and leadership changes marked
    flows      where the people who left ORG in the period went next
    headcount  members per month: definite as a line, possible as a band
    """
    from . import charts

    if as_of is not None and kind != "team":
        raise click.UsageError("--as-of goes with the team chart only")
    drawn: Any
    if kind == "team":
        drawn = charts.team_chart(tl, org, start, end, as_of=as_of, known_at=known_at)
    elif kind == "flows":
        drawn = charts.flows_chart(tl, org, start, end, known_at=known_at)
    else:
        drawn = charts.headcount_chart(tl, org, start, end, known_at=known_at)
    click.echo(f"wrote {charts.save(drawn, output)}", err=True)
