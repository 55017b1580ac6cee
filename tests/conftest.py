"""Shared fixtures: small real histories replayed into a fresh log per test."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

import timeline

# The property tests draw the same examples on every run unless asked otherwise, so a
# CI run (and the landing that waits on it) never hinges on a new random draw, and a
# failure is reproduced by running the suite again.  HYPOTHESIS_PROFILE=explore draws
# new examples each run, as Hypothesis does by default, and keeps what fails in
# .hypothesis/.  Neither has a deadline: these tests replay logs and time nothing.
settings.register_profile("repeat", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("explore", deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeat"))

FIXTURES = Path(__file__).parent / "fixtures"
RECORDED = "2025-05-26T12:00:00Z"


def fixture_lines(name: str) -> list[str]:
    """Return the input lines of ``tests/fixtures/<name>``."""
    return (FIXTURES / name).read_text(encoding="utf-8").splitlines()


def world_lines(
    people: tuple[str, ...], orgs: tuple[tuple[str, str | None], ...]
) -> list[dict[str, object]]:
    """Return input objects adding source ``s``, *people*, and *orgs* as (slug, parent)."""
    lines: list[dict[str, object]] = [
        {"id": "s", "type": "SourceAdded", "data": {"source": "s", "title": "S"}}
    ]
    lines += [{"type": "PersonAdded", "data": {"person": p, "name": p.title()}} for p in people]
    for year, (org, parent) in enumerate(orgs, start=2000):
        data: dict[str, object] = {"org": org, "name": org.title()}
        if parent is not None:
            data["parent"] = parent
        lines.append({"type": "OrgFounded", "occurred": str(year), "data": data})
    return lines


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[timeline.Timeline]:
    """The bundled log, copied to a temporary folder so that its DuckDB cache is written there."""
    copy = tmp_path_factory.mktemp("bundled") / "meta.jsonl"
    shutil.copyfile(timeline.bundled_log(), copy)
    with timeline.open(copy) as opened:
        yield opened


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
