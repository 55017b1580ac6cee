"""Support the click commands of :mod:`timeline.cli`: shared options, output, progress.

Kept apart from the commands so ``cli.py`` reads as the list of commands.  It
imports nothing heavier than click: each command imports what it needs when
it runs, so a read such as ``timeline team`` never loads the write path
(cattrs, the event classes, the codec).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import click

from ._output import FORMATS
from .errors import BadDateError, TimelineError

if TYPE_CHECKING:
    from .projection import Progress

__all__ = [
    "Group",
    "check_date",
    "check_timestamp",
    "emit",
    "format_option",
    "input_lines",
    "known_option",
    "param_option",
    "parse_params",
    "progress_line",
    "setup_logging",
    "terminal",
]


class Group(click.Group):
    """Turn timeline's own errors into one clear message on stderr and exit 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TimelineError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(1)


def setup_logging(quiet: bool) -> None:
    """Send timeline's warnings to stderr, or only its errors when *quiet*."""
    logger = logging.getLogger("timeline")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("warning: %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.ERROR if quiet else logging.WARNING)


def check_date(_ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Check an option's date value (a click callback); refuse it as a usage error."""
    from .dates import DateValue

    if value is None:
        return None
    try:
        DateValue.parse(value)
    except BadDateError as exc:
        raise click.BadParameter(str(exc), param=param) from None
    return value


def check_timestamp(_ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Check an option's RFC 3339 timestamp (a click callback); refuse it as a usage error."""
    from .dates import parse_timestamp

    if value is None:
        return None
    try:
        parse_timestamp(value)
    except BadDateError as exc:
        raise click.BadParameter(str(exc), param=param) from None
    return value


def format_option(
    f: Callable[..., Any] | None = None, *, default: str = "table"
) -> Callable[..., Any]:
    """Add --format (default *default*); usable bare or as ``format_option(default=...)``."""
    option = click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default=default,
        show_default=True,
        help="How to print rows: an aligned table for people, json/jsonl/csv for programs.",
    )
    return option(f) if f is not None else option


def known_option(f: Callable[..., Any]) -> Callable[..., Any]:
    """Add --known-at, which answers as the log stood at a time."""
    return click.option(
        "--known-at",
        callback=check_timestamp,
        metavar="T",
        help="Answer as the log stood at T (RFC 3339 timestamp, or a date meaning the end of "
        "that day): later events and retractions are ignored.",
    )(f)


def param_option(text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Add the repeatable ``--param K=V`` option with help *text*."""
    return click.option("--param", "-p", "params", multiple=True, metavar="K=V", help=text)


def parse_params(values: tuple[str, ...]) -> dict[str, str]:
    """Turn ``K=V`` option values into a dict; refuse one without ``=`` as a usage error."""
    out: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{item!r}: expected k=v", param_hint="--param")
        out[key] = value
    return out


def emit(rows: list[dict[str, Any]], fmt: str) -> None:
    """Print *rows* to stdout in *fmt*."""
    from ._output import render

    click.echo(render(rows, fmt, color=sys.stdout.isatty()), nl=False)


def input_lines(path: str) -> Iterator[bytes]:
    """Yield the lines of the file at *path*, or of stdin for ``-``."""
    stream = sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115
    with stream:
        yield from stream


def terminal() -> bool:
    """Tell whether stderr is a terminal: progress bars are drawn only there."""
    return sys.stderr.isatty()


def progress_line() -> Progress:
    """Return a progress callback that redraws one stderr line: bar, count, step, seconds.

    The caller clears the line when the work ends (with its summary or its error).
    """
    import time

    start = time.monotonic()

    def progress(step: str, done: int, total: int) -> None:
        bar = "#" * (20 * done // total) if total else ""
        click.echo(
            f"\r\033[K[{bar:<20}] {done}/{total} {step} ({time.monotonic() - start:.1f} s)",
            err=True,
            nl=False,
        )

    return progress
