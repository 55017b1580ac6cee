"""Render measured rows as a Markdown table, with ratios and the targets of issue #5.

Targets are stated for 1M events (and replay also for 10M); at other sizes the
table shows them for reference but does not judge them, because fixed costs
(interpreter start, opening DuckDB) dominate small logs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["TARGETS", "judge", "render"]

Check = Callable[[dict[str, Any], dict[str, dict[str, Any]], int], bool | None]


def _replay(row: dict[str, Any], rows: dict[str, dict[str, Any]], n: int) -> bool | None:
    ratio = row["seconds"] / rows["floor"]["seconds"]
    if n == 1_000_000:
        return bool(ratio <= 1.5 and row["seconds"] <= 2.5)
    if n == 10_000_000:
        return bool(row["seconds"] <= 15 and row["rss_mb"] <= 2048)
    return None


def _at_1m(test: Callable[[dict[str, Any]], bool]) -> Check:
    return lambda row, _rows, n: test(row) if n == 1_000_000 else None


#: key -> (what the issue asks, how to judge a row against it)
TARGETS: dict[str, tuple[str, Check]] = {
    "replay": ("1M: <= 1.5x floor and <= 2.5 s; 10M: <= 15 s, RSS <= 2 GB", _replay),
    "team": ("1M: p95 <= 5 ms", _at_1m(lambda r: r["p95"] <= 0.005)),
    "cli_team": ("<= 300 ms", lambda r, _rows, _n: r["seconds"] <= 0.3),
    # Judged on the steady state, the large warm batch, when the row has one.
    "append_batch": (
        "1M: >= 100k events/s (the large warm batch)",
        _at_1m(lambda r: r.get("large_rate", r["rate"]) >= 100_000),
    ),
    "append_single": ("1M: median <= 1 ms", _at_1m(lambda r: r["seconds"] <= 0.001)),
    "verify": ("1M: <= 5 s", _at_1m(lambda r: r["seconds"] <= 5)),
}
for _k in (1, 100, 10_000):
    TARGETS[f"catchup_{_k}"] = ("1M: <= 100 ms", _at_1m(lambda r: r["seconds"] <= 0.1))


def _time(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds >= 1:
        return f"{seconds:,.2f} s"
    return f"{seconds * 1000:,.1f} ms"


def _detail(row: dict[str, Any], rows: dict[str, dict[str, Any]]) -> str:
    key, ours = row["key"], rows.get("replay", {}).get("seconds")
    if key == "replay" and "floor" in rows:
        return f"ours/floor {row['seconds'] / rows['floor']['seconds']:.2f}x"
    if key == "naive" and ours:
        return (
            f"naive/ours {row['seconds'] / ours:,.0f}x (extrapolated from "
            f"{_time(row['measured_seconds'])} for {row['events']:,.0f})"
        )
    if key == "peer" and ours:
        return (
            f"peer/ours {row['seconds'] / ours:,.1f}x (write {_time(row['write_seconds'])},"
            f" read {_time(row['read_seconds'])})"
        )
    if key in ("team", "team_known"):
        text = f"p95 {_time(row['p95'])}, {row['rows']:.0f} rows on average"
        if "again_p95" in row:
            text += (
                f"; the same questions again: median {_time(row['again_seconds'])},"
                f" p95 {_time(row['again_p95'])}"
            )
        return text
    if key.startswith("catchup_"):
        text = f"the append itself {_time(row['append_seconds'])}"
        if "again_seconds" in row:
            text += f"; a second catch-up in the same process {_time(row['again_seconds'])}"
        return text
    if key == "append_batch":
        text = f"{row['rate']:,.0f} events/s (first batch: loads the slugs)"
        if "warm_rate" in row:
            text += f"; warm {row['warm_rate']:,.0f} events/s"
        if "large_rate" in row:
            text += f"; warm {row['large_count']:,.0f}: {row['large_rate']:,.0f} events/s"
        return text
    if key == "append_single" and row.get("first_single") is not None:
        return f"the first append of a fresh Timeline {_time(row['first_single'])}"
    if key == "verify":
        return f"{row['events']:,.0f} lines"
    return ""


def judge(rows: Sequence[dict[str, Any]], n: int) -> dict[str, bool | None]:
    """Say for each row with a target whether it is met (None: not judged at this size)."""
    by_key = {r["key"]: r for r in rows}
    verdicts: dict[str, bool | None] = {}
    for row in rows:
        target = TARGETS.get(row["key"])
        if target and "skipped" not in row and row.get("seconds") is not None:
            verdicts[row["key"]] = target[1](row, by_key, n)
    return verdicts


def render(rows: Sequence[dict[str, Any]], meta: dict[str, Any]) -> str:
    """Return the report as Markdown: a header line and one table row per measurement."""
    by_key = {r["key"]: r for r in rows}
    verdicts = judge(rows, meta["events"])
    lines = [
        f"{meta['events']:,} events ({meta['log_bytes'] / 1e6:,.0f} MB), seed {meta['seed']}, "
        f"median of {meta['reps']}, {meta['cpus']} CPUs, duckdb {meta['duckdb']}, "
        f"eventsourcing {meta['eventsourcing']}, Python {meta['python']}",
        "",
        "| measure | median | detail | peak RSS | target | met |",
        "|---|---:|---|---:|---|---|",
    ]
    for row in rows:
        target = TARGETS.get(row["key"], ("", None))[0]
        verdict = {True: "yes", False: "**no**", None: ""}[verdicts.get(row["key"])]
        if "skipped" in row:
            lines.append(f"| {row['label']} | skipped | {row['skipped']} | | {target} | |")
            continue
        rss = f"{row['rss_mb']:,.0f} MB" if row.get("rss_mb") else ""
        lines.append(
            f"| {row['label']} | {_time(row.get('seconds'))} | "
            f"{_detail(row, by_key)} | {rss} | {target} | {verdict} |"
        )
    return "\n".join(lines) + "\n"
