"""Appends through one Timeline validate against memory, and decide exactly as a fresh one would."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import timeline
from timeline import _known
from timeline.errors import InvalidEventError

RECORDED = "2025-05-26T12:00:00Z"


def _line(
    type_: str, data: dict[str, Any], id_: str | None = None, occurred: str | None = None
) -> str:
    obj: dict[str, Any] = {"type": type_, "data": data}
    if id_ is not None:
        obj["id"] = id_
    if occurred is not None:
        obj["occurred"] = occurred
    return json.dumps(obj)


def _add(person: str, id_: str | None = None) -> str:
    return _line("PersonAdded", {"person": person, "name": person.title()}, id_)


def _org(org: str, id_: str | None = None) -> str:
    return _line("OrgFounded", {"org": org, "name": org.title()}, id_, "2001")


def _join(person: str, org: str, id_: str | None = None) -> str:
    return _line("PersonJoined", {"person": person, "org": org}, id_, "2010-05")


def _retract(target: str, id_: str | None = None) -> str:
    return _line("EventRetracted", {"event": target, "reason": "wrong"}, id_)


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "log.jsonl"
    with timeline.open(path) as tl:
        tl.init()
        tl.append([_org("acme"), _add("ann")], recorded_at=RECORDED)
    return path


def test_appends_leave_the_projection_to_the_next_read(log: Path) -> None:
    """After the first append, further appends neither catch the projection up nor write it."""
    with timeline.open(log) as tl:
        tl.append([_add("bob")], recorded_at=RECORDED)
        tl.sync()
        synced = tl.projection.db_path.stat().st_mtime_ns
        tl.append([_add("cid")], recorded_at=RECORDED)
        tl.append([_join("cid", "acme")], recorded_at=RECORDED)
        assert tl.projection.db_path.stat().st_mtime_ns == synced
        assert [r["person"] for r in tl.team("acme", "2010-06")] == ["cid"]


def test_a_first_small_append_looks_up_its_slugs_instead_of_loading_all(
    log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Timeline's first small append reads no slug list; its second one loads them all."""
    lists: list[str] = []
    column = _known._column

    def spy(con: Any, kind: str, table: str) -> set[str]:
        lists.append(kind)
        return column(con, kind, table)

    monkeypatch.setattr(_known, "_column", spy)
    with timeline.open(log) as tl:
        with pytest.raises(InvalidEventError, match="zed"):
            tl.append([_join("ann", "acme"), _join("zed", "acme")], recorded_at=RECORDED)
        assert lists == []
        assert tl._cache is not None and not tl._cache.complete
        tl.append([_add("zed"), _join("zed", "acme")], recorded_at=RECORDED)
        assert sorted(lists) == sorted(_known.KINDS)
        assert tl._cache is not None and tl._cache.complete


def test_a_partial_cache_keeps_what_its_append_defined(log: Path) -> None:
    """A slug the first (partial) append defined is known once the cache is completed."""
    with timeline.open(log) as tl:
        tl.append([_add("zed"), _org("lab")], recorded_at=RECORDED)
        tl.append([_join("zed", "lab")], recorded_at=RECORDED)
        with pytest.raises(InvalidEventError, match="nobody"):
            tl.append([_join("nobody", "lab")], recorded_at=RECORDED)
    with timeline.open(log) as tl:
        assert [r["person"] for r in tl.team("lab", "2010-06")] == ["zed"]


def test_an_append_over_an_unreadable_projection_rebuilds_it_then_validates(log: Path) -> None:
    """An append whose projection file DuckDB cannot read rebuilds it, then decides as usual."""
    with timeline.open(log) as tl:
        tl.sync()
        tl.projection.db_path.write_bytes(b"not a database" * 1000)
    with timeline.open(log) as tl:
        with pytest.raises(InvalidEventError, match="ann"):
            tl.append([_add("ann")], recorded_at=RECORDED)  # already added: refused
        tl.append([_join("ann", "acme")], recorded_at=RECORDED)
        assert [r["person"] for r in tl.team("acme", "2010-06")] == ["ann"]


def test_a_first_large_append_loads_every_slug(log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A first batch of more than PARTIAL_BATCH events validates against a complete cache."""
    monkeypatch.setattr("timeline._appending.PARTIAL_BATCH", 1)
    with timeline.open(log) as tl:
        tl.append([_add("bob"), _join("bob", "acme")], recorded_at=RECORDED)
        assert tl._cache is not None and tl._cache.complete


def test_another_writers_append_is_seen_before_validating(log: Path) -> None:
    """A slug another Timeline added in between is known to the next append of the first one."""
    with timeline.open(log) as first, timeline.open(log) as second:
        first.append([_add("bob")], recorded_at=RECORDED)
        second.append([_org("initech")], recorded_at=RECORDED)
        first.append([_join("bob", "initech")], recorded_at=RECORDED)
        with pytest.raises(InvalidEventError, match="already added"):
            first.append([_org("initech")], recorded_at=RECORDED)


def test_retracted_person_is_unknown_and_can_be_added_again(log: Path) -> None:
    """Retracting a PersonAdded through the same Timeline makes the slug unknown, then free."""
    with timeline.open(log) as tl:
        tl.append([_add("bob", id_="add-bob")], recorded_at=RECORDED)
        tl.append([_retract("add-bob")], recorded_at=RECORDED)
        with pytest.raises(InvalidEventError, match="unknown person 'bob'"):
            tl.append([_join("bob", "acme")], recorded_at=RECORDED)
        assert tl.append([_add("bob")], recorded_at=RECORDED).appended == 1


def test_a_refused_batch_leaves_no_slug_behind(log: Path) -> None:
    """What a refused batch would have added stays unknown to the same Timeline's next append."""
    with timeline.open(log) as tl:
        tl.append([_add("bob")], recorded_at=RECORDED)
        tl.append([_add("cid")], recorded_at=RECORDED)  # the cache now holds every slug
        assert tl._cache is not None and tl._cache.complete
        with pytest.raises(InvalidEventError, match="unknown person 'zed'"):
            tl.append([_add("dan"), _org("dyn"), _join("zed", "acme")], recorded_at=RECORDED)
        with pytest.raises(InvalidEventError, match="unknown person 'dan', org 'dyn'"):
            tl.append([_join("dan", "dyn")], recorded_at=RECORDED)
        assert tl.append([_add("dan"), _org("dyn")], recorded_at=RECORDED).appended == 2


def test_event_appended_earlier_cannot_be_retracted_twice(log: Path) -> None:
    """A retraction of an event this Timeline appended is remembered between appends."""
    with timeline.open(log) as tl:
        tl.append([_join("ann", "acme", id_="j1")], recorded_at=RECORDED)
        tl.append([_retract("j1")], recorded_at=RECORDED)
        with pytest.raises(InvalidEventError, match="already retracted"):
            tl.append([_retract("j1")], recorded_at=RECORDED)


def test_resent_id_is_a_no_op_and_changed_content_is_refused(log: Path) -> None:
    """An id this Timeline appended comes back: same content is skipped, other content refused."""
    with timeline.open(log) as tl:
        tl.append([_join("ann", "acme", id_="j1")], recorded_at=RECORDED)
        assert tl.append([_join("ann", "acme", id_="j1")], recorded_at=RECORDED).skipped == 1
        with pytest.raises(InvalidEventError, match="already exists with other content"):
            tl.append([_line("PersonLeft", {"person": "ann", "org": "acme"}, "j1", "2011")])


def test_a_cache_holding_too_many_events_is_dropped_and_decisions_stay_right(
    log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past MAX_ADDED events the cache is dropped; a retry of a dropped event is still a no-op."""
    from timeline import _known

    monkeypatch.setattr(_known, "MAX_ADDED", 2)
    with timeline.open(log) as tl:
        tl.append([_join("ann", "acme", id_=f"j{i}") for i in range(3)], recorded_at=RECORDED)
        assert tl._cache is None
        assert tl.append([_join("ann", "acme", id_="j0")], recorded_at=RECORDED).skipped == 1
        tl.append([_retract("j1")], recorded_at=RECORDED)
        with pytest.raises(InvalidEventError, match="already retracted"):
            tl.append([_retract("j1")], recorded_at=RECORDED)


# -- a property: one long-lived Timeline decides every batch as a fresh one does -------------

PEOPLE = ("ann", "bob", "cid", "dan")
ORGS = ("acme", "init")
SEEDED = [_org("acme"), _add("ann"), _add("bob")]  # cid, dan and init are left to add
IDS = ("i1", "i2")

joins = st.builds(
    _join, st.sampled_from(PEOPLE), st.sampled_from(ORGS), st.none() | st.sampled_from(IDS)
)
lines = st.one_of(
    joins,
    joins,
    st.builds(_retract, st.sampled_from(IDS)),
    st.builds(_add, st.sampled_from(PEOPLE), st.none() | st.sampled_from(IDS)),
    st.builds(_org, st.sampled_from(ORGS), st.none() | st.sampled_from(IDS)),
)
batches = st.lists(st.lists(lines, min_size=1, max_size=3), min_size=1, max_size=6)


def _outcome(tl: timeline.Timeline, batch: list[str]) -> object:
    try:
        result = tl.append(batch, recorded_at=RECORDED)
    except InvalidEventError as exc:
        return ("refused", str(exc))
    return ("ok", result.appended, result.skipped)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches)
@example([[_join("ann", "acme", "i1")], [_retract("i1")], [_retract("i1")]])
@example([[_add("cid", "i1")], [_retract("i1")], [_join("cid", "acme")], [_add("cid")]])
def test_cached_appends_decide_as_fresh_timelines_do(batches: list[list[str]]) -> None:
    """Any sequence of batches: the same accept/refuse decisions, and the same log bytes."""
    with tempfile.TemporaryDirectory() as tmp:
        kept_path, fresh_path = Path(tmp, "kept.jsonl"), Path(tmp, "fresh.jsonl")
        for path in (kept_path, fresh_path):
            with timeline.open(path) as tl:
                tl.init()
                tl.append(SEEDED, recorded_at=RECORDED)
        with timeline.open(kept_path) as kept:
            for batch in batches:
                with timeline.open(fresh_path) as fresh:
                    expected = _outcome(fresh, batch)
                assert _outcome(kept, batch) == expected
        assert kept_path.read_bytes() == fresh_path.read_bytes()
