"""Append: stamping, the hash chain, and all-or-nothing refusal of bad batches."""

from __future__ import annotations

import gc
import itertools
import json

import pytest
from conftest import RECORDED

import timeline
from timeline.codec import GENESIS, line_hash


def _lines(tl: timeline.Timeline) -> list[dict]:
    return [json.loads(x) for x in tl.log.path.read_text(encoding="utf-8").splitlines()]


def test_append_stamps_seq_recorded_and_chains_hashes(small) -> None:
    """Stored lines get contiguous seq, the recorded time, and a hash chained to the line before."""
    lines = _lines(small)
    assert [x["seq"] for x in lines] == list(range(1, 15))
    assert {x["recorded"] for x in lines} == {"2025-05-26T12:00:00.000000Z"}
    assert lines[0]["prev"] == GENESIS
    for before, after in itertools.pairwise(lines):
        assert after["prev"] == before["hash"] == line_hash(before)
    assert [x.get("commit") for x in lines] == [None] * 13 + [True]


def test_generated_ids_are_unique(empty_log) -> None:
    """Events appended without an id get a unique generated one."""
    empty_log.append(
        [
            '{"type":"SourceAdded","data":{"source":"a","title":"A"}}',
            '{"type":"SourceAdded","data":{"source":"b","title":"B"}}',
        ]
    )
    ids = [x["id"] for x in _lines(empty_log)]
    assert len(set(ids)) == 2


BAD = [
    ("not json", "not valid JSON"),
    ('{"type":"Nope","data":{}}', "unknown type"),
    ('{"type":"PersonAdded","data":{"person":"zed"}}', "required field missing"),
    ('{"type":"PersonAdded","data":{"person":"zed","name":"Z","age":3}}', "unknown field"),
    (
        '{"type":"PersonJoined","occurred":"2021-04-31","data":{"person":"ana","org":"acme"}}',
        "30 days",
    ),
    ('{"type":"PersonAdded","data":{"person":"Zed","name":"Z"}}', "not a slug"),
    (
        '{"type":"PersonJoined","occurred":"2021","data":{"person":"nobody","org":"acme"}}',
        "unknown person 'nobody'",
    ),
    (
        '{"type":"PersonJoined","occurred":"2021","data":{"person":"ana","org":"nowhere"}}',
        "unknown org 'nowhere'",
    ),
    (
        '{"type":"PersonJoined","occurred":"2021","source":"nosuch","data":{"person":"ana",'
        '"org":"acme"}}',
        "unknown source 'nosuch'",
    ),
    ('{"type":"EventRetracted","data":{"event":"missing","reason":"r"}}', "unknown event"),
    ('{"type":"PersonAdded","data":{"person":"ana","name":"Again"}}', "already added"),
    (
        '{"id":"j-ana","type":"PersonJoined","occurred":"2020","data":{"person":"ana","org":"acme"}}',
        "already exists with other content",
    ),
]


@pytest.mark.parametrize(("bad", "message"), BAD)
def test_one_bad_line_refuses_the_whole_batch(small, bad: str, message: str) -> None:
    """A batch with one invalid line is refused, naming the line, and the log is unchanged."""
    before = small.log.path.read_bytes()
    good = '{"type":"PersonAdded","data":{"person":"dee","name":"Dee"}}'
    with pytest.raises(timeline.InvalidEventError) as info:
        small.append([good, bad, good.replace("dee", "eve")], name="batch.jsonl")
    assert "batch.jsonl:2: " in str(info.value) and message in str(info.value)
    assert info.value.line == 2
    assert small.log.path.read_bytes() == before


def test_retracting_twice_is_refused(small) -> None:
    """An event can be retracted once; a second retraction, even in the same batch, is refused."""
    retract = '{"type":"EventRetracted","data":{"event":"l-ana","reason":"wrong"}}'
    with pytest.raises(timeline.InvalidEventError, match="already retracted"):
        small.append([retract, retract])
    small.append([retract])
    with pytest.raises(timeline.InvalidEventError, match="already retracted"):
        small.append([retract])


def test_references_may_be_defined_earlier_in_the_same_batch(empty_log) -> None:
    """A batch may add a person and refer to them in a later line."""
    result = empty_log.append(
        [
            '{"type":"PersonAdded","data":{"person":"ana","name":"Ana"}}',
            '{"type":"OrgFounded","occurred":"2020","data":{"org":"acme","name":"Acme"}}',
            '{"type":"PersonLeft","occurred":"2024-08","data":{"person":"ana","org":"acme"}}',
        ]
    )
    assert (result.appended, result.last_seq) == (3, 3)


def test_identical_retry_is_a_no_op(small) -> None:
    """Appending events whose ids exist with identical content writes nothing."""
    before = small.log.path.read_bytes()
    from conftest import fixture_lines

    result = small.append(fixture_lines("small.jsonl"))
    assert (result.appended, result.skipped) == (0, 14)
    assert small.log.path.read_bytes() == before


def test_expect_seq_refuses_a_stale_writer(small) -> None:
    """--expect-seq N refuses the batch unless the log ends at seq N."""
    line = '{"type":"PersonAdded","data":{"person":"dee","name":"Dee"}}'
    with pytest.raises(timeline.ConflictError) as info:
        small.append([line], expect_seq=3)
    assert (info.value.expected, info.value.actual) == (3, 14)
    assert small.append([line], expect_seq=14).last_seq == 15


def test_recorded_at_never_goes_back(small) -> None:
    """A --recorded-at earlier than the log's last recorded time is refused."""
    line = '{"type":"PersonAdded","data":{"person":"dee","name":"Dee"}}'
    with pytest.raises(timeline.ConflictError, match="earlier than"):
        small.append([line], recorded_at="2025-01-01T00:00:00Z")
    assert small.append([line], recorded_at=RECORDED).recorded == "2025-05-26T12:00:00.000000Z"


def test_init_refuses_to_overwrite(small) -> None:
    """init on an existing log raises LogExistsError (a FileExistsError) and keeps the log."""
    before = small.log.path.read_bytes()
    with pytest.raises(FileExistsError):
        small.init()
    assert small.log.path.read_bytes() == before


def test_overlapping_stints_at_different_orgs_are_valid(small) -> None:
    """A person may join a new org before their last day at the old one."""
    small.append(
        ['{"type":"PersonJoined","occurred":"2024-06","data":{"person":"ana","org":"newco"}}']
    )
    orgs = {r["org"] for r in small.team("newco", "2024-07")} | {
        r["org"] for r in small.team("acme", "2024-07")
    }
    assert orgs == {"acme", "newco", "lab"}


def test_an_append_pauses_the_garbage_collector_and_restores_it(empty_log) -> None:
    """The cyclic collector is off while a batch is read, and on again after it, kept or refused."""
    seen: list[bool] = []

    def lines(source: str):
        seen.append(gc.isenabled())
        yield f'{{"type":"SourceAdded","data":{{"source":"{source}","title":"T"}}}}'

    assert gc.isenabled()
    empty_log.append(lines("a"))
    with pytest.raises(timeline.InvalidEventError):
        empty_log.append(lines("a"))  # the slug exists: refused
    assert seen == [False, False]
    assert gc.isenabled()


def test_an_append_leaves_a_disabled_collector_disabled(empty_log) -> None:
    """An application that turned the collector off finds it off after an append."""
    gc.disable()
    try:
        empty_log.append(['{"type":"SourceAdded","data":{"source":"a","title":"A"}}'])
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_an_append_leaves_no_object_frozen(empty_log) -> None:
    """The objects an append keeps are handed back to the collector, none left frozen."""
    assert gc.get_freeze_count() == 0
    empty_log.append(['{"type":"SourceAdded","data":{"source":"a","title":"A"}}'])
    assert gc.get_freeze_count() == 0
    assert gc.get_count()[0] < 100  # the batch's objects left the youngest generation


def test_an_append_keeps_what_the_application_froze_frozen(empty_log) -> None:
    """Objects an application froze (say before forking workers) stay frozen across an append."""
    # A first append first: it may start the process's DuckDB instance for this log's
    # projection, closing an earlier test's, whose objects would then leave the count.
    empty_log.append(['{"type":"SourceAdded","data":{"source":"b","title":"B"}}'])
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        empty_log.append(['{"type":"SourceAdded","data":{"source":"a","title":"A"}}'])
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
