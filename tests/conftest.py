"""Shared fixtures: small real histories replayed into a fresh log per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import timeline

FIXTURES = Path(__file__).parent / "fixtures"
RECORDED = "2025-05-26T12:00:00Z"


def fixture_lines(name: str) -> list[str]:
    """Return the input lines of ``tests/fixtures/<name>``."""
    return (FIXTURES / name).read_text(encoding="utf-8").splitlines()


@pytest.fixture
def empty_log(tmp_path: Path) -> Iterator[timeline.Timeline]:
    """An initialised, empty log in a temporary folder."""
    with timeline.open(tmp_path / "log.jsonl") as tl:
        tl.init()
        yield tl


@pytest.fixture
def small(empty_log: timeline.Timeline) -> timeline.Timeline:
    """The small fixture history (``tests/fixtures/small.jsonl``), recorded at one instant."""
    empty_log.append(fixture_lines("small.jsonl"), recorded_at=RECORDED)
    return empty_log
