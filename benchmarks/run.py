"""Measure timeline against the floor, a naive loader and the eventsourcing peer, on one file.

Each measurement runs in its own interpreter (see :mod:`benchmarks.tasks`);
this module repeats it, keeps the median and the peak RSS, and prints one
table with the ratios and the targets.  The generated log is cached per
size and seed, so a second run starts measuring at once.

    python -m benchmarks.run --size 1m            # or: just bench 1m
    python -m benchmarks.run --size 2k --reps 1   # the CI smoke run
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.generate import generate

__all__ = ["SIZES", "Row", "expected_rows", "main", "measure"]

SIZES = {
    "smoke": 2_000,
    "2k": 2_000,
    "10k": 10_000,
    "100k": 100_000,
    "1m": 1_000_000,
    "10m": 10_000_000,
}
NAIVE_CAP = 10_000  # per-event INSERTs cost ms each: measure this many, extrapolate
QUERIES = 100
KNOWN_QUERIES = 20  # each computes its tree's stints from the events
CLI_RUNS = 10


def parse_size(text: str) -> int:
    """Read a size as a name (smoke, 10k, 1m) or a plain number of events."""
    return SIZES.get(text.lower()) or int(text.replace("_", ""))


#: One line of the report: key, label, median seconds and whatever else was measured.
Row = dict[str, Any]


def _task(
    name: str,
    args: argparse.Namespace,
    *,
    log: Path,
    db: Path,
    count: int | None = None,
    seed: int = 7,
) -> dict[str, Any]:
    """Run ``benchmarks.tasks <name>`` in a child; return its JSON plus its own peak RSS."""
    cmd = [
        sys.executable,
        "-m",
        "benchmarks.tasks",
        name,
        "--log",
        str(log),
        "--db",
        str(db),
        "--work",
        str(args.workdir),
        *(["--count", str(count)] if count is not None else []),
        "--seed",
        str(seed),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, cwd=Path(__file__).parent.parent)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise RuntimeError(f"{name} failed with exit code {proc.returncode}")
    result: dict[str, Any] = json.loads(out)
    result["rss_mb"] = usage.ru_maxrss / 1024  # kilobytes on Linux
    # CPU time moves less than wall time when other jobs share the machine.
    result["cpu_seconds"] = usage.ru_utime + usage.ru_stime
    return result


def _progress(text: str) -> None:
    if sys.stderr.isatty():
        print(f"\r\033[K{text}", end="", file=sys.stderr, flush=True)


def measure(key: str, label: str, reps: int, run: Callable[[], dict[str, Any]]) -> Row:
    """Run *run* *reps* times; keep the median of every number and the highest RSS."""
    results = []
    for rep in range(reps):
        _progress(f"{label} ({rep + 1}/{reps})")
        results.append(run())
    return _summary(key, label, results)


def measure_interleaved(
    reps: int, *tasks: tuple[str, str, Callable[[], dict[str, Any]]]
) -> list[Row]:
    """Measure *tasks* in turn within each repetition, so a busy spell hits them alike."""
    results: list[list[dict[str, Any]]] = [[] for _ in tasks]
    for rep in range(reps):
        for (_, label, run), done in zip(tasks, results, strict=True):
            _progress(f"{label} ({rep + 1}/{reps})")
            done.append(run())
    return [
        _summary(key, label, done) for (key, label, _), done in zip(tasks, results, strict=True)
    ]


def _summary(key: str, label: str, results: list[dict[str, Any]]) -> Row:
    if "skipped" in results[0]:
        return dict(key=key, label=label, skipped=results[0]["skipped"])
    row: Row = {"key": key, "label": label, "runs": len(results)}
    for name in results[0]:
        values = [r[name] for r in results]
        if isinstance(values[0], dict):  # named parts (the replay's steps): each its median
            row[name] = {k: statistics.median(v[k] for v in values) for k in values[0]}
        else:
            row[name] = max(values) if name == "rss_mb" else statistics.median(values)
    return row


def expected_rows(catchup: list[int]) -> list[str]:
    """List the report's row keys, in order, for the given catch-up sizes."""
    return [
        "floor",
        "replay",
        "naive",
        "peer",
        "team",
        "team_known",
        "cli_team",
        *(f"catchup_{k}" for k in catchup),
        "append_batch",
        "append_single",
        "verify",
    ]


def _cli(args: argparse.Namespace, log: Path, db: Path) -> dict[str, Any]:
    """Time ``timeline team`` end to end (``benchmarks.tasks cli``: fresh interpreters)."""
    row = _task("cli", args, log=log, db=db, count=CLI_RUNS)
    row.pop("rss_mb", None)  # the harness's, not the command's
    return row


def run_all(args: argparse.Namespace) -> tuple[list[Row], dict[str, Any]]:
    """Generate (or reuse) the log and measure every row of the report."""
    n = args.events
    args.workdir.mkdir(parents=True, exist_ok=True)
    log = args.workdir / f"bench-{n}-s{args.seed}.jsonl"
    if not log.exists():
        _progress(f"generating {n:,} events")
        start = time.perf_counter()
        generate(n, log, args.seed)
        gen_seconds = time.perf_counter() - start
    else:
        gen_seconds = None
    db = args.workdir / f"bench-{n}-s{args.seed}.duckdb"
    floor_db = args.workdir / "floor.duckdb"
    big_reps = 1 if n >= 1_000_000 else args.reps  # the slow comparisons, at the big sizes
    # The floor and the replay alternate; the last replay leaves the warm
    # projection every later task starts from.
    if args.only is not None and not args.only & {"floor", "replay"}:
        _task("replay", args, log=log, db=db)  # the warm projection the catch-ups start from
        rows: list[Row] = []
    else:
        rows = measure_interleaved(
            args.reps,
            (
                "floor",
                "floor: read_json + CTAS stints",
                lambda: _task("floor", args, log=log, db=floor_db),
            ),
            (
                "replay",
                "replay (Projection.rebuild)",
                lambda: _task("replay", args, log=log, db=db),
            ),
        )
    catchups = [
        measure(
            f"catchup_{k}",
            f"catch-up after appending {k:,}",
            args.reps,
            functools.partial(_task, "catchup", args, log=log, db=db, count=k),
        )
        for k in (args.catchup if args.only is None or "catchup" in args.only else [])
    ]
    if args.only is not None:
        # floor and replay go together: the replay's row is read as a ratio to the floor.
        rows += catchups
        _progress("")
        return rows, _meta(args, log, gen_seconds)
    rows += [
        measure(
            "naive",
            f"naive: json.loads + INSERT each (first {min(n, NAIVE_CAP):,})",
            big_reps,
            lambda: _task(
                "naive", args, log=log, db=args.workdir / "naive.duckdb", count=min(n, NAIVE_CAP)
            ),
        ),
        measure(
            "peer",
            "peer: eventsourcing + SQLite, write + read",
            big_reps,
            lambda: _task("peer", args, log=log, db=db, count=n),
        ),
        measure(
            "team",
            f"team as-of, in-process ({QUERIES} queries)",
            args.reps,
            lambda: _task("queries", args, log=log, db=db, count=QUERIES),
        ),
        measure(
            "team_known",
            f"team as known then, in-process ({KNOWN_QUERIES} queries)",
            args.reps,
            lambda: _task("known", args, log=log, db=db, count=KNOWN_QUERIES),
        ),
        measure(
            "cli_team",
            f"CLI team, warm (median of {CLI_RUNS})",
            args.reps,
            lambda: _cli(args, log, db),
        ),
    ]
    rows += catchups
    batch = min(args.batch, max(100, n // 10))
    append_row = measure(
        "append_batch",
        f"append one batch of {batch:,}",
        args.reps,
        lambda: _task("append", args, log=log, db=db, count=batch),
    )
    rows.append(append_row)
    rows.append(
        Row(
            key="append_single",
            label="append 1 event, durable (median of 20)",
            seconds=append_row.get("single"),
            first_single=append_row.get("first_single"),
            rss_mb=append_row.get("rss_mb"),
            runs=append_row.get("runs"),
        )
    )
    rows.append(
        measure(
            "verify",
            "verify the whole log",
            1 if n >= 1_000_000 else args.reps,
            lambda: _task("verify", args, log=log, db=db),
        )
    )
    _progress("")
    if "naive" in (by_key := {r["key"]: r for r in rows}) and "events" in by_key["naive"]:
        naive = by_key["naive"]
        naive["measured_seconds"] = naive["seconds"]
        naive["seconds"] = naive["seconds"] * n / naive["events"]
    return rows, _meta(args, log, gen_seconds)


def _meta(args: argparse.Namespace, log: Path, gen_seconds: float | None) -> dict[str, Any]:
    """Describe the run: size, seed, machine and versions."""
    return {
        "events": args.events,
        "seed": args.seed,
        "reps": args.reps,
        "log_bytes": log.stat().st_size,
        "generate_seconds": gen_seconds,
        "cpus": os.cpu_count(),
        "duckdb": _version("duckdb"),
        "eventsourcing": _version("eventsourcing"),
        "python": sys.version.split()[0],
        "load": os.getloadavg()[0],
    }


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "absent"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark at the size given on the command line; print and save the report."""
    from benchmarks.report import render

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="smoke", help="smoke, 10k, 100k, 1m, 10m or a number")
    parser.add_argument("--reps", type=int, default=3, help="runs per measurement (median)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--catchup",
        default="1,100,10000",
        help="comma-separated numbers of events to append before a catch-up",
    )
    parser.add_argument("--batch", type=int, default=10_000, help="events in the batched append")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=Path(os.environ.get("TIMELINE_BENCH_DIR", "/tmp/timeline-bench")),
        help="where the generated logs and projections are kept",
    )
    parser.add_argument("--json", type=Path, help="also write the rows and metadata here")
    parser.add_argument(
        "--only",
        help="measure only these rows (comma-separated: floor, replay, catchup); floor and"
        " replay are measured together, and a catch-up alone still replays once first",
    )
    args = parser.parse_args(argv)
    args.events = parse_size(args.size)
    args.catchup = [int(k) for k in args.catchup.split(",") if k]
    if args.only is not None:
        args.only = {k.strip() for k in args.only.split(",") if k.strip()}
        unknown = args.only - {"floor", "replay", "catchup"}
        if unknown:
            parser.error(f"--only: unknown rows {', '.join(sorted(unknown))}")
    rows, meta = run_all(args)
    text = render(rows, meta)
    sys.stdout.write(text)
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
