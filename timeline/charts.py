"""Draw an org's people over time as Vega-Lite charts (altair), saved as HTML, SVG or PNG.

The data come from named queries (``stints``, ``markers``, ``flow_matrix``,
``headcount``); this module only maps columns to marks.  Altair and vl-convert
are an optional extra (``pip install 'timeline[charts]'``): HTML is written with
the Vega libraries inlined, so a chart opens with no network.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import TimelineError
from .queries import find_query

if TYPE_CHECKING:
    import altair

    from .api import Timeline

__all__ = ["ChartError", "flows_chart", "headcount_chart", "save", "team_chart"]

SUFFIXES = (".html", ".svg", ".png")
FADED = 0.3  # opacity of the part of a bar whose dates are uncertain


class ChartError(TimelineError, RuntimeError):
    """A chart that cannot be drawn: the charts extra is missing, or nothing to draw."""


def _altair() -> Any:
    try:
        import altair
        import vl_convert  # noqa: F401  (altair needs it for inline HTML, SVG and PNG)
    except ImportError:
        raise ChartError(
            "charts need the optional libraries altair and vl-convert-python; "
            "install them with: pip install 'timeline[charts]'"
        ) from None
    return altair


def _rows(tl: Timeline, name: str, **params: str | None) -> list[dict[str, Any]]:
    query = find_query(name)
    given = {k: v for k, v in params.items() if v is not None}
    rows = tl.rows(query.sql, query.bind(given))
    for row in rows:  # Vega-Lite wants ISO strings for temporal fields
        for key, value in row.items():
            if hasattr(value, "isoformat"):
                row[key] = value.isoformat()
    return rows


def team_chart(
    tl: Timeline,
    org: str,
    start: str,
    end: str,
    *,
    as_of: str | None = None,
    known_at: str | None = None,
) -> altair.LayerChart:
    """Draw one row per person, a bar per stint, its uncertain start and end faded."""
    alt = _altair()
    tl.require("org", org)
    stints = _rows(tl, "stints", org=org, **{"from": start, "to": end}, known_at=known_at)
    if not stints:
        raise ChartError(f"no one was in {org!r} between {start} and {end}")
    markers = _rows(tl, "markers", org=org, **{"from": start, "to": end}, known_at=known_at)
    order = list(dict.fromkeys(r["name"] for r in stints))
    base = alt.Chart(alt.Data(values=stints)).encode(
        y=alt.Y("name:N", sort=order, title=None),
        color=alt.Color("org:N", title="org"),
        tooltip=["name:N", "org:N", "joined:N", "left:N", "role:N"],
    )
    layers = [
        base.mark_bar(opacity=FADED).encode(x=alt.X("s_lo:T", title=None), x2="s_hi:T"),
        base.mark_bar().encode(x="s_hi:T", x2="e_lo:T"),
        base.mark_bar(opacity=FADED).encode(x="e_lo:T", x2="e_hi:T"),
    ]
    if markers:
        layers.append(
            alt.Chart(alt.Data(values=markers))
            .mark_rule(strokeDash=[4, 3])
            .encode(
                x="day:T",
                stroke=alt.Stroke(
                    "kind:N", title="event", scale=alt.Scale(range=["#444444", "#c0392b"])
                ),
                tooltip=["kind:N", "occurred:N", "label:N"],
            )
        )
    if as_of is not None:
        from .dates import DateValue

        window = DateValue.parse(as_of)
        lo = (window.lo or window.hi).isoformat()  # type: ignore[union-attr]
        hi = (window.hi or window.lo).isoformat()  # type: ignore[union-attr]
        layers.append(
            alt.Chart(alt.Data(values=[{"lo": lo, "hi": hi, "as_of": as_of}]))
            .mark_rect(opacity=0.15, color="black")
            .encode(x="lo:T", x2="hi:T", tooltip=["as_of:N"])
        )
    title = f"{org}: people from {start} to {end}" + (f", as of {as_of}" if as_of else "")
    drawn: altair.LayerChart = alt.layer(*layers).properties(
        title=title, width=700, height=max(120, 22 * len(order))
    )
    return drawn


def flows_chart(
    tl: Timeline, org: str, start: str, end: str, *, known_at: str | None = None
) -> altair.Chart:
    """Draw where the people who left *org* in the period went next, a bar per destination."""
    alt = _altair()
    tl.require("org", org)
    rows = _rows(tl, "flow_matrix", from_org=org, **{"from": start, "to": end}, known_at=known_at)
    for row in rows:
        row["to_org"] = row["to_org"] or "(unknown)"
    if not rows:
        raise ChartError(f"no departures from {org!r} between {start} and {end}")
    drawn: altair.Chart = (
        alt.Chart(alt.Data(values=rows))
        .mark_bar()
        .encode(
            x=alt.X("people:Q", title="people"),
            y=alt.Y("to_org:N", sort="-x", title="next employer"),
            tooltip=["to_org:N", "people:Q"],
        )
        .properties(title=f"Where {org}'s people went, {start} to {end}", width=600)
    )
    return drawn


def headcount_chart(
    tl: Timeline, org: str, start: str, end: str, *, known_at: str | None = None
) -> altair.LayerChart:
    """Draw the monthly headcount: definite members as a line, possible ones as a band above."""
    alt = _altair()
    tl.require("org", org)
    rows = _rows(tl, "headcount", org=org, **{"from": start, "to": end}, known_at=known_at)
    base = alt.Chart(alt.Data(values=rows)).encode(x=alt.X("month:T", title=None))
    band = base.mark_area(opacity=FADED).encode(
        y=alt.Y("definite:Q", title="members"),
        y2="total:Q",
        tooltip=["month:N", "definite:Q", "possible:Q"],
    )
    line = base.mark_line(point=True).encode(y="definite:Q")
    drawn: altair.LayerChart = alt.layer(band, line).properties(
        title=f"{org}: members per month (line definite, band possible)", width=700
    )
    return drawn


def save(chart: altair.TopLevelMixin, path: Path | str) -> Path:
    """Write *chart* to *path*; the suffix (.html, .svg, .png) picks the format."""
    _altair()
    target = Path(path)
    if target.suffix not in SUFFIXES:
        raise ChartError(f"{target}: the file name must end in {', '.join(SUFFIXES)}")
    if target.suffix == ".html":
        chart.save(str(target), format="html", inline=True)
    else:
        chart.save(str(target))
    return target
