"""Build logs, break them on purpose, and run the CLI, for the guarantee tests."""

from __future__ import annotations

import atexit
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from random import Random
from typing import Any

from click.testing import CliRunner, Result

import timeline
from timeline.cli import main
from timeline.log import EventLog

RECORDED = "2025-05-26T12:00:00Z"
SMALL = Path(__file__).parent / "fixtures" / "small.jsonl"

#: Run in a child process: append one batch of *n* new people tagged *tag* to the log.
APPEND_SNIPPET = """
import json, sys
import timeline, timeline._ingest
path, tag, n, pad = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
if len(sys.argv) > 5:  # lines per chunk handed to the writing thread
    timeline._ingest.FLUSH_EVERY = int(sys.argv[5])
name = "\\N{GLOBE WITH MERIDIANS}" * pad
lines = [json.dumps({"type": "PersonAdded",
                     "data": {"person": f"{tag}-{i}", "name": f"{tag} {i} {name}"}})
         for i in range(n)]
with timeline.open(path) as tl:
    tl.append(lines, recorded_at="2025-05-26T12:00:00Z")
"""


def people(tag: str, n: int) -> list[str]:
    """Return *n* input lines, each adding a new person whose slug starts with *tag*."""
    return [
        json.dumps({"type": "PersonAdded", "data": {"person": f"{tag}-{i}", "name": f"P {i}"}})
        for i in range(n)
    ]


_template: list[Path] = []


def small_log(tmp_path: Path) -> Path:
    """Create a log holding the small fixture history (and its projection); return its path.

    The history is appended through the API once per test process and copied after that.
    """
    if not _template:
        folder = Path(tempfile.mkdtemp(prefix="timeline-template-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        with timeline.open(folder / "log.jsonl") as tl:
            tl.init()
            tl.append(SMALL.read_text(encoding="utf-8").splitlines(), recorded_at=RECORDED)
            tl.sync()
        _template.append(folder / "log.jsonl")
    path = tmp_path / "log.jsonl"
    shutil.copyfile(_template[0], path)
    shutil.copyfile(_template[0].with_name("log.jsonl.duckdb"), path.with_name("log.jsonl.duckdb"))
    return path


def read_lines(path: Path) -> list[bytes]:
    """Return the log's lines, each with its newline."""
    return path.read_bytes().splitlines(keepends=True)


def write_lines(path: Path, lines: list[bytes]) -> None:
    """Overwrite the file with *lines* (behind the engine's back)."""
    path.write_bytes(b"".join(lines))


def records(path: Path) -> list[dict[str, Any]]:
    """Return the log's lines as JSON objects."""
    return [json.loads(line) for line in read_lines(path)]


def committed_end(data: bytes) -> int:
    """Return the offset just after the last line carrying the commit marker (0 if none)."""
    end = 0
    pos = 0
    for line in data.splitlines(keepends=True):
        pos += len(line)
        if line.endswith(b"\n"):
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if isinstance(obj, dict) and obj.get("commit") is True:
                end = pos
    return end


def is_clean(path: Path) -> bool:
    """Tell whether the log ends with a committed batch (under its shared lock)."""
    log = EventLog(path)
    with log.locked(exclusive=False) as fd:
        return log.is_clean(fd)


def cli(*args: str, log: Path | None = None, input: bytes | str | None = None) -> Result:
    """Run the timeline CLI in-process with stdout and stderr kept apart."""
    prefix = ["--log", str(log)] if log is not None else []
    return CliRunner().invoke(main, [*prefix, *args], input=input, catch_exceptions=False)


def start_append(
    path: Path, tag: str, n: int, pad: int = 1, flush_every: int | None = None
) -> subprocess.Popen[bytes]:
    """Start a child process that appends a batch of *n* people to the log at *path*.

    *flush_every* sets the lines per chunk that the batch's writer thread gets.
    """
    chunks = [] if flush_every is None else [str(flush_every)]
    return subprocess.Popen(
        [sys.executable, "-c", APPEND_SNIPPET, str(path), tag, str(n), str(pad), *chunks],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def kill_during_write(proc: subprocess.Popen[bytes], path: Path, rng: Random) -> None:
    """SIGKILL *proc* once the log starts growing, after a random extra delay of up to 0.3 ms.

    A 2 MB batch is written in well under a millisecond, so a longer delay mostly lands
    after the write.  The poll sleeps between looks so that the child keeps the CPU it needs.
    """
    start = path.stat().st_size
    while proc.poll() is None and path.stat().st_size == start:
        time.sleep(0.0002)
    time.sleep(rng.uniform(0, 0.0003))
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def kill_at_random(proc: subprocess.Popen[bytes], rng: Random, longest: float) -> None:
    """SIGKILL *proc* after a random delay of up to *longest* seconds (it may finish first)."""
    deadline = rng.uniform(0, longest)
    try:
        proc.wait(timeout=deadline)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()


def wait_for(predicate: Any, limit: float = 30.0) -> None:
    """Spin until *predicate()* holds; fail the test instead of hanging past *limit* seconds."""
    deadline = time.monotonic() + limit
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("the condition never held")
        time.sleep(0.005)
