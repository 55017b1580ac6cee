"""Run the peer: the ``eventsourcing`` library with its SQLite recorder, on the same events.

Each person and org of the log becomes an aggregate; each log line becomes one
domain event of the aggregate it is about (PersonAdded and OrgFounded create
it).  Events are saved 1,000 at a time (the batch size of the generated log),
then the whole notification log is read back and mapped to domain events,
which is the peer's equivalent of a full replay.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

__all__ = ["Subject", "write_and_read"]

SAVE_EVERY = 1000
PAGE = 10_000


class Subject(Aggregate):
    """A person or an org, holding how many facts the log states about it."""

    @staticmethod
    def create_id(key: str) -> uuid.UUID:
        """Derive the aggregate id from the slug, so a lookup needs no index."""
        return uuid.uuid5(uuid.NAMESPACE_URL, key)

    @event("Created")
    def __init__(self, key: str) -> None:
        self.key = key
        self.facts = 0

    @event("Stated")
    def state(self, kind: str, occurred: str | None, data: dict[str, Any]) -> None:
        """Record one fact about this subject."""
        self.facts += 1


def _key(obj: dict[str, Any]) -> str:
    data = obj["data"]
    for field in ("person", "incoming", "outgoing", "org", "source", "paper"):
        if field in data:
            return f"{field}:{data[field]}"
    return "log:retractions"


def write_and_read(log: Path, db: Path, count: int) -> dict[str, Any]:
    """Save the first *count* lines of *log* as aggregate events in *db*; read them back."""
    for name in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        name.unlink(missing_ok=True)
    app: Application[uuid.UUID] = Application(
        env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(db)}
    )
    subjects: dict[str, Subject] = {}
    pending: dict[str, Subject] = {}
    written = 0
    start = time.perf_counter()
    with open(log, "rb") as fh:
        for line in fh:
            if written >= count:
                break
            obj = json.loads(line)
            key = _key(obj)
            subject = subjects.get(key)
            if subject is None:
                subject = subjects[key] = Subject(key)
                if obj["type"] in ("PersonAdded", "OrgFounded"):
                    pending[key] = subject
                    written += 1
                    continue
            subject.state(obj["type"], obj.get("occurred"), obj["data"])
            pending[key] = subject
            written += 1
            if written % SAVE_EVERY == 0:
                app.save(*pending.values())
                pending.clear()
    if pending:
        app.save(*pending.values())
    write_seconds = time.perf_counter() - start

    start = time.perf_counter()
    read = 0
    position: int | None = None
    while True:
        page = app.recorder.select_notifications(
            start=position, limit=PAGE, inclusive_of_start=position is None
        )
        for notification in page:
            app.mapper.to_domain_event(notification)
        read += len(page)
        if len(page) < PAGE:
            break
        position = page[-1].id
    read_seconds = time.perf_counter() - start
    app.close()
    return {
        "seconds": write_seconds + read_seconds,
        "write_seconds": write_seconds,
        "read_seconds": read_seconds,
        "events": read,
    }
