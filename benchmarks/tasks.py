"""Run one measured task in this process and print its timings as one JSON object on stdout.

Every task runs in a fresh interpreter started by :mod:`benchmarks.run`, so its
peak RSS (taken by the parent with ``os.wait4``) is its own and no cache from
an earlier task survives.  Times are wall-clock seconds from ``perf_counter``.

    python -m benchmarks.tasks replay --log L --db D
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["TASKS", "main"]

COLUMNS = (
    "{seq: 'BIGINT', id: 'VARCHAR', type: 'VARCHAR', occurred: 'VARCHAR', recorded: 'VARCHAR',"
    " source: 'VARCHAR', data: 'JSON', prev: 'VARCHAR', hash: 'VARCHAR', commit: 'BOOLEAN'}"
)


def _fresh(path: Path) -> None:
    for name in (path, Path(f"{path}.wal"), Path(f"{path}.lock")):
        name.unlink(missing_ok=True)


def floor(args: argparse.Namespace) -> dict[str, Any]:
    """Load the log with bare DuckDB and materialise stints with one window query."""
    import duckdb

    _fresh(args.db)
    start = time.perf_counter()
    con = duckdb.connect(str(args.db))
    con.execute("SET preserve_insertion_order = false")
    con.execute(
        f"CREATE TABLE events AS FROM read_json($p, format = 'newline_delimited', "
        f"columns = {COLUMNS})",
        {"p": str(args.log)},
    )
    # The simplest stint: a join paired with the next edge of the same (person, org).
    con.execute(
        """CREATE TABLE stints AS
        SELECT person, org, occurred AS joined, next_occurred AS "left" FROM (
            SELECT data->>'person' AS person, data->>'org' AS org, type, occurred,
                   lead(occurred) OVER (PARTITION BY data->>'person', data->>'org'
                                        ORDER BY occurred, seq) AS next_occurred
            FROM events WHERE type IN ('PersonJoined', 'PersonLeft'))
        WHERE type = 'PersonJoined'"""
    )
    con.execute("CHECKPOINT")
    con.close()
    return {"seconds": time.perf_counter() - start}


def replay(args: argparse.Namespace) -> dict[str, Any]:
    """Rebuild the projection from scratch with ``Projection.rebuild``; time each step too.

    ``steps`` holds the seconds from each step's start to the next one's, taken
    from the rebuild's progress callback (as ``timeline replay`` draws its bar).
    """
    from timeline import Timeline

    _fresh(args.db)
    marks: list[tuple[str, float]] = []
    start = time.perf_counter()
    with Timeline(args.log, args.db) as tl:
        tl.close()  # what Timeline.replay does, with the progress callback
        tl.projection.rebuild(lambda step, _done, _total: marks.append((step, time.perf_counter())))
    seconds = time.perf_counter() - start
    steps = {step: round(t1 - t0, 3) for (step, t0), (_, t1) in itertools.pairwise(marks)}
    return {"seconds": seconds, "steps": steps}


def _workcopy(args: argparse.Namespace) -> tuple[Path, Path]:
    """Copy the log and its warm projection aside, so a task that appends leaves them intact."""
    work = args.work / "scratch"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    log, db = work / args.log.name, work / args.db.name
    shutil.copyfile(args.log, log)
    shutil.copyfile(args.db, db)
    # A catch-up's last changes may still be in DuckDB's WAL: without it the copy is
    # behind the log, and the task's append would first catch it up.
    wal = args.db.with_name(args.db.name + ".wal")
    copies = [log, db]
    if wal.exists():
        copies.append(db.with_name(db.name + ".wal"))
        shutil.copyfile(wal, copies[-1])
    # On disk before the task starts its clock: else the task's first fsync of a copy
    # (an append's fdatasync of the log; a catch-up's COMMIT, once DuckDB wrote row
    # groups to the file) also writes out the rest of the copy, 170-320 MB at 1M.
    for path in copies:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    return log, db


def _sample(db: Path, count: int) -> tuple[list[str], list[str], list[str]]:
    """Return some existing people, orgs and live membership event ids, in a seeded order."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        people = [
            r[0]
            for r in con.execute(
                "SELECT person FROM people ORDER BY hash(person) LIMIT $n", {"n": count}
            ).fetchall()
        ]
        orgs = [r[0] for r in con.execute("SELECT org FROM orgs ORDER BY org").fetchall()]
        ids = [
            r[0]
            for r in con.execute(
                "SELECT id FROM events WHERE type = 'PersonJoined' AND retracted_at IS NULL"
                " ORDER BY hash(id) LIMIT $n",
                {"n": max(1, count // 100)},
            ).fetchall()
        ]
    finally:
        con.close()
    return people, orgs, ids


def new_events(db: Path, count: int, seed: int, tag: str) -> list[dict[str, Any]]:
    """Make *count* valid input events about existing people and orgs (and a few new people)."""
    rng = random.Random(seed)
    people, orgs, ids = _sample(db, max(count, 10))
    out: list[dict[str, Any]] = []
    while len(out) < count:
        roll = rng.random()
        day = f"{rng.randint(1995, 2025)}-{rng.randint(1, 12):02d}"
        if roll < 0.05:
            person = f"{tag}-{len(out)}"
            out.append({"type": "PersonAdded", "data": {"person": person, "name": person}})
            people.append(person)
        elif roll < 0.06 and ids:
            out.append(
                {
                    "type": "EventRetracted",
                    "data": {"event": ids.pop(), "reason": "benchmark correction"},
                }
            )
        else:
            kind = "PersonJoined" if roll < 0.55 else "PersonLeft"
            data = {"person": rng.choice(people), "org": rng.choice(orgs)}
            out.append({"type": kind, "occurred": day, "data": data})
    return out


def catchup(args: argparse.Namespace) -> dict[str, Any]:
    """Append K events to a warm 1M-style log, then time the sync that catches up.

    That is the first catch-up of a fresh process.  ``again_seconds`` times a
    second one in the same process, after K more events: it reuses the DuckDB
    instance the first one started (``timeline._duck.open_catch_up``).
    """
    from timeline import Timeline

    log, db = _workcopy(args)
    events = new_events(db, 2 * args.count, args.seed, "cu")
    with Timeline(log, db) as tl:
        start = time.perf_counter()
        tl.append(events[: args.count])
        appended = time.perf_counter() - start
        start = time.perf_counter()
        result = tl.sync()
        seconds = time.perf_counter() - start
        start = time.perf_counter()
        tl.sync()
        noop = time.perf_counter() - start
        tl.append(events[args.count :])
        start = time.perf_counter()
        again = tl.sync()
        again_seconds = time.perf_counter() - start
    assert result.action == again.action == "incremental", (result, again)
    return {
        "seconds": seconds,
        "append_seconds": appended,
        "noop_sync_seconds": noop,
        "again_seconds": again_seconds,
    }


def rounds(args: argparse.Namespace) -> dict[str, Any]:
    """Append one event and ask ``team``, *count* times (default 20) on one ``Timeline``.

    What an application following the news does: each question after an append
    catches the projection up first.  Not part of ``benchmarks.run``; run it alone.
    """
    from timeline import Timeline

    log, db = _workcopy(args)
    events = new_events(db, args.count, args.seed, "rd")
    appends, asks = [], []
    with Timeline(log, db) as tl:
        org = args.org
        tl.team(org, "2010")
        for event in events:
            start = time.perf_counter()
            tl.append([event])
            asked = time.perf_counter()
            tl.team(org, "2010")
            appends.append(asked - start)
            asks.append(time.perf_counter() - asked)
    return {
        "seconds": statistics.median(asks),
        "max": max(asks),
        "append_seconds": statistics.median(appends),
    }


def naive(args: argparse.Namespace) -> dict[str, Any]:
    """Load the first *count* lines with json.loads and one DuckDB INSERT per event."""
    import duckdb

    _fresh(args.db)
    start = time.perf_counter()
    con = duckdb.connect(str(args.db))
    con.execute(
        "CREATE TABLE events (seq BIGINT, id VARCHAR, type VARCHAR, occurred VARCHAR,"
        " recorded VARCHAR, source VARCHAR, data JSON, prev VARCHAR, hash VARCHAR)"
    )
    done = 0
    # One transaction: with autocommit every INSERT is its own fsynced commit,
    # about 8 ms each here, which would measure the disk rather than the approach.
    con.execute("BEGIN TRANSACTION")
    with open(args.log, "rb") as fh:
        for line in fh:
            if done == args.count:
                break
            o = json.loads(line)
            con.execute(
                "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    o["seq"],
                    o["id"],
                    o["type"],
                    o.get("occurred"),
                    o["recorded"],
                    o.get("source"),
                    json.dumps(o["data"]),
                    o["prev"],
                    o["hash"],
                ],
            )
            done += 1
    con.execute("COMMIT")
    con.execute("CHECKPOINT")
    con.close()
    return {"seconds": time.perf_counter() - start, "events": done}


def peer(args: argparse.Namespace) -> dict[str, Any]:
    """Write the log's events with ``eventsourcing`` (SQLite) and read them all back."""
    try:
        from benchmarks.peer import write_and_read
    except ImportError:  # the bench extra is not installed (plain CI)
        return {"skipped": "eventsourcing is not installed (pip install '.[bench]')"}
    return write_and_read(args.log, args.work / "peer.sqlite", args.count)


def queries(args: argparse.Namespace) -> dict[str, Any]:
    """Ask ``Timeline.team`` 100 varied as-of questions on a warm projection."""
    return _ask_team(args, known=False)


def known(args: argparse.Namespace) -> dict[str, Any]:
    """Ask ``Timeline.team`` varied as-of questions as known at a time the log was written.

    Each question also draws ``known_at`` between the first and the last event's
    ``recorded``: stints as known then are computed from the events, not read
    from ``members`` (sql/macros.sql, ``tree_stints``).
    """
    return _ask_team(args, known=True)


def _ask_team(args: argparse.Namespace, *, known: bool) -> dict[str, Any]:
    """Ask the questions, then the same ones again on the same connection.

    The first pass is what is judged: each question is likely the process's first
    read of its org's rows.  The second (``again_*``) finds those rows in DuckDB's
    buffers: what a long-lived process asking about the same orgs sees.
    """
    from timeline import Timeline

    rng = random.Random(args.seed)
    with Timeline(args.log, args.db) as tl:
        orgs = [r["org"] for r in tl.rows("SELECT org FROM orgs ORDER BY org")]
        (span,) = tl.rows(
            "SELECT epoch(min(recorded))::BIGINT AS lo, epoch(max(recorded))::BIGINT AS hi"
            " FROM events"
        )
        tl.team(orgs[0], "2010")  # opens the read connection; not what is measured
        questions = []
        for _ in range(args.count):
            year = rng.randint(1995, 2024)
            as_of = rng.choice(
                [
                    f"{year}",
                    f"{year}-{rng.randint(1, 12):02d}",
                    f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                    f"[{year}-03..{year}-09]",
                ]
            )
            org = rng.choice(orgs)
            known_at = None
            if known:
                moment = datetime.fromtimestamp(rng.randint(span["lo"], span["hi"]), UTC)
                known_at = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
            questions.append((org, as_of, known_at))
        passes = []
        for _ in range(2):
            times, rows = [], 0
            for org, as_of, known_at in questions:
                start = time.perf_counter()
                rows += len(tl.team(org, as_of, known_at=known_at))
                times.append(time.perf_counter() - start)
            times.sort()
            passes.append((times, rows))
    (times, rows), (again, _) = passes
    return {
        "seconds": statistics.median(times),
        "p95": times[int(len(times) * 0.95) - 1],
        "rows": rows / len(times),
        "again_seconds": statistics.median(again),
        "again_p95": again[int(len(again) * 0.95) - 1],
    }


def append(args: argparse.Namespace) -> dict[str, Any]:
    """Append one event through a fresh Timeline, then batches and single events through another.

    ``first_single`` is the one event, as ``timeline append`` appends it (a
    first small append validates against a partial cache).  The batches are
    cold K, warm K and warm 10K, then come 20 single events.  The first batch
    (``seconds``, ``rate``) pays for the first append of a ``Timeline``:
    catching the projection up and loading every slug.  The
    second (``warm_*``) validates against memory; its retractions still read
    their targets from the projection.  The third (``large_*``) is ten times
    larger, still warm.  All come from one stream of events, so no retraction
    repeats another.
    """
    from timeline import Timeline

    log, db = _workcopy(args)
    large = 10 * args.count
    events = new_events(db, 2 * args.count + large + 22, args.seed, "ab")
    cold, warm = events[: args.count], events[args.count : 2 * args.count]
    big, singles, first = events[2 * args.count : -22], events[-22:-1], events[-1]
    # A fresh Timeline appending one event, as `timeline append` does (without imports).
    with Timeline(log, db) as tl:
        start = time.perf_counter()
        tl.append([first])
        first_single = time.perf_counter() - start
        tl.sync()  # so the cold batch starts from a current projection, as before
    seconds: list[float] = []
    with Timeline(log, db) as tl:
        for batch in (cold, warm, big):
            start = time.perf_counter()
            tl.append(batch)
            seconds.append(time.perf_counter() - start)
        times = []
        for event in singles:
            start = time.perf_counter()
            tl.append([event])
            times.append(time.perf_counter() - start)
    single = statistics.median(times[1:])  # the first one may look up a retraction's target
    return {
        "seconds": seconds[0],
        "rate": args.count / seconds[0],
        "warm_seconds": seconds[1],
        "warm_rate": args.count / seconds[1],
        "large_count": large,
        "large_seconds": seconds[2],
        "large_rate": large / seconds[2],
        "single": single,
        "first_single": first_single,
    }


def verify(args: argparse.Namespace) -> dict[str, Any]:
    """Check the whole log with ``timeline.verify`` (chain, codec and rules)."""
    try:
        from timeline.verify import verify as check
    except ImportError:
        return {"skipped": "timeline.verify is not available"}
    start = time.perf_counter()
    report = check(args.log)
    return {"seconds": time.perf_counter() - start, "events": report.events}


def cli(args: argparse.Namespace) -> dict[str, Any]:
    """Run ``timeline team`` on a warm projection *count* times (default 10); report medians.

    Each run is a fresh interpreter, as a shell user starts it, so the figure is
    mostly start-up: imports, opening the projection, one query, printing.  The
    modules' bytecode is cached (in a folder under *work*), as a wheel install or
    any Python without $PYTHONDONTWRITEBYTECODE has it: without a cache, every run
    compiles the package again (about 50 ms here).
    """
    import subprocess

    cmd, env = _cli_team(args, args.log, args.db)
    # Warm: the projection is synced, the bytecode cached.
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    walls, cpus = [], []
    for _ in range(args.count):
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        walls.append(time.perf_counter() - start)
        cpus.append(usage.ru_utime + usage.ru_stime)
        if status != 0:
            raise RuntimeError(f"{' '.join(cmd)} exited with status {status}")
    return {"seconds": statistics.median(walls), "cpu": statistics.median(cpus)}


def _cli_team(args: argparse.Namespace, log: Path, db: Path) -> tuple[list[str], dict[str, str]]:
    """Return the ``timeline team`` command the CLI tasks time, and its environment.

    The command runs the ``timeline`` package this task imported (its folder comes
    first on ``$PYTHONPATH``), not whichever one is installed: a task run from an
    older tree's folder then times that tree's commands too.
    """
    import timeline

    exe = Path(sys.executable).with_name("timeline")
    cmd = [str(exe), "--log", str(log), "--db", str(db), "team", args.org]
    cmd += ["--as-of", "2010-06", "--format", "jsonl"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(args.work / "pycache")
    source = str(Path(timeline.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (source, env.get("PYTHONPATH")) if p)
    return cmd, env


def cliafter(args: argparse.Namespace) -> dict[str, Any]:
    """Run ``timeline append`` of one event, then time ``timeline team``, *count* times (8).

    What a shell user following the news sees: each question comes from a fresh
    interpreter right after another one appended, so it finds the projection
    behind and catches it up first.  On copies of the log and projection.
    Not part of ``benchmarks.run``; run it alone.
    """
    import subprocess

    log, db = _workcopy(args)
    cmd, env = _cli_team(args, log, db)
    subprocess.run(cmd, check=True, capture_output=True, env=env)  # warm, as `cli`
    append = [cmd[0], "--log", str(log), "--db", str(db), "append", "-"]
    walls = []
    for event in new_events(db, args.count, args.seed, "ca"):
        line = json.dumps(event) + "\n"
        subprocess.run(append, input=line.encode(), check=True, capture_output=True, env=env)
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
        walls.append(time.perf_counter() - start)
    return {"seconds": statistics.median(walls), "max": max(walls)}


TASKS: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "floor": floor,
    "replay": replay,
    "catchup": catchup,
    "naive": naive,
    "rounds": rounds,
    "peer": peer,
    "queries": queries,
    "known": known,
    "append": append,
    "verify": verify,
    "cli": cli,
    "cliafter": cliafter,
}


#: What ``--count`` is when not given, for the tasks that have a count of their own
#: (benchmarks.run passes its own; floor, replay and verify read the whole log).
DEFAULT_COUNT = {
    "append": 10_000,
    "catchup": 100,
    "cli": 10,
    "cliafter": 8,
    "known": 20,
    "queries": 100,
    "rounds": 20,
}
#: The tasks that read the first ``--count`` lines of the log, and have no count of their own.
NEEDS_COUNT = ("naive", "peer")


def _positive(text: str) -> int:
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


def main(argv: list[str] | None = None) -> int:
    """Run the task named on the command line; print its result as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("task", choices=sorted(TASKS))
    parser.add_argument("--log", type=Path, required=True)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")))
    parser.add_argument(
        "--count",
        type=_positive,
        help="how many events, questions or runs (per task: "
        + ", ".join(f"{task} {n:,}" for task, n in sorted(DEFAULT_COUNT.items()))
        + f"; {' and '.join(NEEDS_COUNT)}: that many lines of the log)",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--org", default="org-1", help="the org the cli, cliafter and rounds tasks ask about"
    )
    args = parser.parse_args(argv)
    if args.count is None:
        if args.task in NEEDS_COUNT:
            parser.error(f"{args.task} needs --count (how many lines of the log)")
        args.count = DEFAULT_COUNT.get(args.task, 0)  # 0: the task reads no count
    result = TASKS[args.task](args)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
