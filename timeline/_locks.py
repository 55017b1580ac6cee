"""Take advisory file locks with a deadline, so a busy file gives a clear error, not a hang."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import TimelineError

__all__ = ["LockTimeoutError", "flock", "take"]

DEFAULT_TIMEOUT = float(os.environ.get("TIMELINE_LOCK_TIMEOUT", "60"))


class LockTimeoutError(TimelineError, TimeoutError):
    """Another process held a lock for longer than the deadline."""

    hint = (
        "another timeline process is using this file; wait for it, or raise TIMELINE_LOCK_TIMEOUT"
    )

    def __init__(self, path: Path, seconds: float) -> None:
        super().__init__(f"{path}: still locked by another process after {seconds:g} s")
        self.path = str(path)
        self.seconds = seconds


def acquire(fd: int, path: Path, *, exclusive: bool, timeout: float | None = None) -> None:
    """Lock *fd*, polling until *timeout* seconds have passed."""
    mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
    limit = DEFAULT_TIMEOUT if timeout is None else timeout
    deadline = time.monotonic() + limit
    delay = 0.001
    while True:
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise LockTimeoutError(path, limit) from None
            time.sleep(delay)
            delay = min(delay * 2, 0.05)


def take(path: Path, *, exclusive: bool, timeout: float | None = None) -> int:
    """Lock *path* (created if missing); return the descriptor whose closing releases it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        acquire(fd, path, exclusive=exclusive, timeout=timeout)
    except BaseException:
        os.close(fd)
        raise
    return fd


@contextmanager
def flock(path: Path, *, exclusive: bool, timeout: float | None = None) -> Iterator[int]:
    """Hold a lock on *path* (created if missing) for the duration of the block."""
    fd = take(path, exclusive=exclusive, timeout=timeout)
    try:
        yield fd
    finally:
        os.close(fd)
