"""The set-based verify and the line-by-line verify agree on every log, good or bad."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from _faults import read_lines, records, small_log
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import timeline
from timeline._hashing import canonical, line_hash
from timeline.events import TAGS
from timeline.verify import verify

#: Values that break, or nearly break, one rule or another.
ODD: list[Any] = [
    0,
    1,
    -1,
    True,
    False,
    None,
    1.5,
    2**70,
    [],
    ["ana", "ana"],
    ["ana"],
    ["ANA"],
    {},
    {"a": 1},
    "",
    " ",
    "\u3000",
    "x\x01y",
    "x\x85y",
    "x\ny",
    "Ana",
    "ana",
    "bo",
    "zed",
    "ANA",
    "a" * 201,
    "n" * 2001,
    "2024-02-30",
    "2024-13",
    "[2024..2023]",
    "[..]",
    "2024",
    "[2019-06..]",
    "0000",
    "\u0662\u0660\u0662\u0664",
    "P1Y",
    "PX",
    "P",
    "2025-05-26T12:00:00.000000Z",
    "2020-01-01T00:00:00.000000Z",
    "2025-05-26T12:00:00Z",
    "2025-05-26T24:00:00.000000Z",
    "0999-01-01T00:00:00.000000Z",
    "9999-12-31T23:59:59.999999Z",
    "back\\slash",
    'say "hi"',
    "j-ana",
    "lead-1",
    "src-a",
    "a:b",
    "0" * 64,
    "é",
    "\U0001f600",
]
DATA_KEYS = [
    "person",
    "org",
    "name",
    "role",
    "source",
    "title",
    "url",
    "published",
    "aliases",
    "parent",
    "founders",
    "tenure",
    "into",
    "outgoing",
    "incoming",
    "paper",
    "authors",
    "event",
    "reason",
    "type",
    "bogus",
]
TOP_KEYS = [
    "seq",
    "id",
    "type",
    "occurred",
    "recorded",
    "source",
    "commit",
    "prev",
    "hash",
    "data",
    "extra",
]
# every pinned tag, and one no version knows
TYPES = [*TAGS.values(), "Nope"]
_MISSING = object()

_base: list[dict[str, Any]] = []


def _base_records(tmp_path: Path) -> list[dict[str, Any]]:
    if not _base:
        _base.extend(records(small_log(tmp_path)))
    return json.loads(json.dumps(_base))


def _chained(objs: list[dict[str, Any]], path: Path) -> Path:
    """Write *objs* to *path* as canonical lines, each hash chained anew to the one before."""
    prev = "0" * 64
    for o in objs:
        o["prev"] = prev
        o.pop("hash")
        o["hash"] = prev = line_hash(o)
    path.write_bytes(b"".join(canonical(o) + b"\n" for o in objs))
    return path


def _outcome(path: Path, from_seq: int, method: str) -> tuple[Any, ...]:
    try:
        r = verify(path, from_seq=from_seq, method=method)
    except timeline.LogCorruptError as exc:
        return ("bad", exc.line, exc.message)
    return ("ok", r.events, r.checked, r.first_checked, r.last_seq, r.last_hash)


@st.composite
def _logs(draw: st.DrawFn, objs: list[dict[str, Any]]) -> bytes:
    for _ in range(draw(st.integers(0, 3))):
        i = draw(st.integers(0, len(objs) - 1))
        what = draw(st.sampled_from(["data"] * 3 + ["top", "type", "retract", "dup-id", "move"]))
        value = draw(st.sampled_from([*ODD, _MISSING]))
        if what == "data" and isinstance(objs[i].get("data"), dict):
            key = draw(st.sampled_from(DATA_KEYS))
            objs[i]["data"].pop(key, None) if value is _MISSING else objs[i]["data"].update(
                {key: value}
            )
        elif what == "top":
            key = draw(st.sampled_from(TOP_KEYS))
            objs[i].pop(key, None) if value is _MISSING else objs[i].update({key: value})
        elif what == "type":
            objs[i]["type"] = draw(st.sampled_from(TYPES))
        elif what == "retract":
            target = draw(st.sampled_from([o.get("id") for o in objs] + ["nowhere"]))
            objs.insert(
                i + 1,
                {
                    **objs[-1],
                    "type": "EventRetracted",
                    "id": f"r{i}-{len(objs)}",
                    "data": {"event": target, "reason": "wrong"},
                },
            )
            objs[i + 1].pop("occurred", None)
        elif what == "dup-id":
            objs[i]["id"] = objs[draw(st.integers(0, len(objs) - 1))].get("id")
        else:
            j = draw(st.integers(0, len(objs) - 1))
            objs.insert(j, objs.pop(i))
    if draw(st.integers(0, 4)) > 0:  # re-chain: every hash and prev made consistent again
        prev = "0" * 64
        for seq, obj in enumerate(objs, 1):
            if draw(st.integers(0, 9)) > 0:
                obj["seq"] = seq
            obj["prev"] = prev
            obj.pop("hash", None)
            obj["hash"] = prev = line_hash(obj)
        for obj in objs[:-1]:
            obj.pop("commit", None)
        objs[-1]["commit"] = True
    lines = []
    for obj in objs:
        form = draw(st.sampled_from(["canonical"] * 6 + ["spaced", "ascii", "unsorted"]))
        if form == "canonical":
            lines.append(canonical(obj) + b"\n")
        else:
            text = json.dumps(obj, ensure_ascii=form == "ascii", sort_keys=form != "unsorted")
            lines.append(text.encode() + b"\n")
    for _ in range(draw(st.integers(0, 1))):
        i = draw(st.integers(0, len(lines) - 1))
        edit = draw(st.sampled_from(["swap", "delete", "copy", "tear", "garbage", "flip", "crlf"]))
        j = draw(st.integers(0, len(lines) - 1))
        if edit == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        elif edit == "delete" and len(lines) > 1:
            del lines[i]
        elif edit == "copy":
            lines.insert(j, lines[i])
        elif edit == "tear":
            lines[-1] = lines[-1][: draw(st.integers(0, len(lines[-1]) - 1))]
        elif edit == "garbage":
            lines.insert(i, draw(st.sampled_from([b"\n", b"[]\n", b"{}\n", b"\xff\xfe\n", b"x"])))
        elif edit == "flip":
            k = draw(st.integers(0, len(lines[i]) - 2))
            lines[i] = lines[i][:k] + bytes([lines[i][k] ^ 1]) + lines[i][k + 1 :]
        else:
            lines[i] = lines[i][:-1] + b"\r\n"
    return b"".join(lines)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_fast_and_line_by_line_verify_agree(tmp_path: Path, data: st.DataObject) -> None:
    """On a mutated log, both verifies pass or fail alike: same first bad line, same message."""
    log = tmp_path / "m.jsonl"
    log.write_bytes(data.draw(_logs(_base_records(tmp_path))))
    from_seq = data.draw(st.integers(1, 16))
    assert _outcome(log, from_seq, "sql") == _outcome(log, from_seq, "python")


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_streamed_reading_agrees_with_line_by_line_verify(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: st.DataObject
) -> None:
    """A log read by the CSV reader, as a large one is, is judged as line by line."""
    monkeypatch.setattr("timeline._verify_sql.WHOLE", 0)
    log = tmp_path / "m.jsonl"
    log.write_bytes(data.draw(_logs(_base_records(tmp_path))))
    from_seq = data.draw(st.integers(1, 16))
    assert _outcome(log, from_seq, "sql") == _outcome(log, from_seq, "python")


#: Per kind of data field, the values nearest to its rule.
NEAR = {
    "text": [
        "",
        " ",
        "\u3000",
        "\u2028",
        "x\x85y",
        "x\x7fy",
        "x\x01y",
        "n" * 2000,
        "n" * 2001,
        "back\\slash",
        'say "hi"',
        "\U0001f600",
        5,
        None,
        ["a"],
    ],
    "slug": [
        "ana",
        "bo",
        "zed",
        "ANA",
        "a-",
        "-a",
        "a" * 200,
        "a" * 201,
        "a_b",
        "é",
        "",
        5,
        None,
        "acme",
        "lab",
        "newco",
        "a",
    ],
    "list": [
        [],
        ["ana", "ana"],
        ["ana"],
        ["bo", "cy"],
        ["ANA"],
        ["zed"],
        "ana",
        [5],
        [None],
        ["n" * 2001],
        ["\u3000"],
        ["x\x85y"],
    ],
    "date": [
        "2024-02-29",
        "2023-02-29",
        "2024-13",
        "[2024..2023]",
        "[..]",
        "[..2024]",
        "0000",
        "0001",
        "\u0662\u0660\u0662\u0664",
        "2024-1",
        2024,
        None,
    ],
    "duration": ["P1Y", "PX", "P", "P1W", "PT1H", "P1Y2M3D", "1Y", 5, None],
}
FIELD_KIND = {
    "name": "text",
    "role": "text",
    "title": "text",
    "url": "text",
    "reason": "text",
    "event": "text",
    "person": "slug",
    "org": "slug",
    "source": "slug",
    "parent": "slug",
    "into": "slug",
    "outgoing": "slug",
    "incoming": "slug",
    "paper": "slug",
    "aliases": "list",
    "founders": "list",
    "authors": "list",
    "published": "date",
    "tenure": "duration",
}


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_verifies_agree_on_one_field_near_its_rule(tmp_path: Path, data: st.DataObject) -> None:
    """One data field set to a value at the edge of its rule, the log re-chained canonically:
    both verifies give the same outcome."""
    objs = _base_records(tmp_path)
    obj = data.draw(st.sampled_from(objs))
    key = data.draw(st.sampled_from(sorted(FIELD_KIND)))
    obj["data"][key] = data.draw(st.sampled_from(NEAR[FIELD_KIND[key]]))
    log = _chained(objs, tmp_path / "f.jsonl")
    assert _outcome(log, 1, "sql") == _outcome(log, 1, "python")


def test_lines_in_an_older_key_order_still_verify(tmp_path: Path) -> None:
    """A log written before lines were canonical (other key order, spaces) verifies the same."""
    path = small_log(tmp_path)
    lines = [json.dumps(json.loads(raw)).encode() + b"\n" for raw in read_lines(path)]
    path.write_bytes(b"".join(lines))
    assert _outcome(path, 1, "sql") == _outcome(path, 1, "python")
    assert _outcome(path, 1, "sql")[0] == "ok"


def test_invalid_utf8_is_reported_at_its_line(tmp_path: Path) -> None:
    """A committed line that is not UTF-8 is reported at that line, as the line check does."""
    path = small_log(tmp_path)
    lines = read_lines(path)
    lines[5] = lines[5].replace(b'"name":"', b'"name":"\xff', 1)
    path.write_bytes(b"".join(lines))
    fast = _outcome(path, 1, "sql")
    assert fast[:2] == ("bad", 6) and fast == _outcome(path, 1, "python")


def test_broken_json_before_non_ascii_text_is_reported_at_its_line(tmp_path: Path) -> None:
    """Garbage before a line with non-ASCII text: DuckDB's error quotes it cut mid-character,
    and verify still names the line, as the line check does (found by the property)."""
    path = small_log(tmp_path)
    lines = read_lines(path)
    assert not lines[1].isascii()  # Ana \u00c1vila, with a Telugu alias
    lines[1] = b"x" + lines[1]
    path.write_bytes(b"".join(lines))
    fast = _outcome(path, 1, "sql")
    assert fast[:2] == ("bad", 2) and fast == _outcome(path, 1, "python")


def test_a_line_flagged_by_sql_alone_is_an_internal_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the SQL scan refuses a line the line checker accepts, verify says so; it never passes."""
    from timeline import _verify_sql

    path = small_log(tmp_path)
    monkeypatch.setattr(_verify_sql.Scan, "first_bad", lambda self, final: 3)
    with pytest.raises(RuntimeError, match=r":3: the set-based verify refused"):
        verify(path)


def test_unknown_method_is_refused(tmp_path: Path) -> None:
    """``verify(method=...)`` takes 'sql' or 'python' only."""
    with pytest.raises(ValueError, match="method"):
        verify(small_log(tmp_path), method="fast")


def test_a_seq_beyond_64_bits_falls_back_to_the_line_check(tmp_path: Path) -> None:
    """A line whose seq does not fit 64 bits is judged as the line-by-line check judges it."""
    path = small_log(tmp_path)
    objs = records(path)
    objs[3]["seq"] = 2**70
    objs[3]["hash"] = line_hash({k: v for k, v in objs[3].items() if k != "hash"})
    lines = read_lines(path)
    lines[3] = canonical(objs[3]) + b"\n"
    path.write_bytes(b"".join(lines))
    fast = _outcome(path, 1, "sql")
    assert fast[:2] == ("bad", 4) and "seq" in fast[2] and fast == _outcome(path, 1, "python")


def test_bytes_appended_after_the_size_was_taken_are_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """verify checks the prefix whose size it took under the lock, not what a writer adds."""
    import contextlib
    import os
    from collections.abc import Iterator

    from timeline.log import EventLog

    path = small_log(tmp_path)
    committed = path.read_bytes()
    (tmp_path / "at-lock-time").write_bytes(committed)

    @contextlib.contextmanager
    def locked(self: EventLog, *, exclusive: bool) -> Iterator[int]:
        fd = os.open(tmp_path / "at-lock-time", os.O_RDONLY)  # the log as the lock saw it
        try:
            yield fd
        finally:
            os.close(fd)

    monkeypatch.setattr(EventLog, "locked", locked)
    path.write_bytes(committed + b'{"seq": 15, "id": "half a line')  # a writer, meanwhile
    report = verify(path)
    assert (report.size, report.events) == (len(committed), 14)
    assert _outcome(path, 1, "sql") == _outcome(path, 1, "python")


def test_a_memory_limit_too_small_for_the_scan_falls_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When DuckDB runs out of memory under TIMELINE_MEMORY_LIMIT, verify checks line by line."""
    import duckdb

    from timeline import _verify_sql

    def no_memory(*args: object) -> None:
        raise duckdb.OutOfMemoryException("failed to allocate")

    path = small_log(tmp_path)
    monkeypatch.setattr(_verify_sql.Scan, "_load", no_memory)
    seen: list[int] = []
    assert verify(path, progress=seen.append).events == 14
    assert sum(seen) == path.stat().st_size


def test_a_retraction_before_from_frees_only_the_last_line_with_its_id(tmp_path: Path) -> None:
    """Two unchecked lines share an id: a retraction of it frees only the later one's slug."""
    objs = _base_records(tmp_path)
    assert [o["type"] for o in objs[:2]] == ["SourceAdded", "PersonAdded"]
    objs[1]["id"] = objs[0]["id"]  # the source's line and the person's share an id
    retraction = {**objs[1], "type": "EventRetracted", "id": "r-shared"}
    retraction["data"] = {"event": objs[0]["id"], "reason": "wrong"}
    objs.insert(2, retraction)
    for obj in objs:  # one committed batch, chained anew
        obj.pop("commit", None)
        obj.pop("hash", None)
    objs[-1]["commit"] = True
    prev = "0" * 64
    for seq, obj in enumerate(objs, 1):
        obj.update(seq=seq, prev=prev)
        obj["hash"] = prev = line_hash(obj)
    log = tmp_path / "shared.jsonl"
    log.write_bytes(b"".join(canonical(o) + b"\n" for o in objs))
    # Lines 1-3 are before --from: the person's slug is freed, the source's stays.
    outcome = _outcome(log, 4, "python")
    assert outcome[0] == "bad" and "unknown person 'ana'" in outcome[2], outcome
    assert _outcome(log, 4, "sql") == outcome


@pytest.mark.parametrize(("field", "adder"), [("person", "PersonAdded"), ("org", "OrgFounded")])
def test_a_bad_slug_in_canonical_lines_is_reported_at_its_first_line(
    tmp_path: Path, field: str, adder: str
) -> None:
    """A slug that breaks the rule, added and then named in canonical lines among lines
    whose slugs keep it, is reported where it is added by both verifies (slugs are judged
    once per distinct value in the set-based one; no other rule refuses these lines)."""
    objs = _base_records(tmp_path)
    added = next(i for i, o in enumerate(objs) if o["type"] == adder)
    slug = objs[added]["data"][field]
    named = [i for i, o in enumerate(objs) if o["data"].get(field) == slug and i != added]
    assert named  # the slug is named again later
    for i in (added, *named):
        objs[i]["data"][field] = "Not_A_Slug"
    log = _chained(objs, tmp_path / "slug.jsonl")
    outcome = _outcome(log, 1, "sql")
    assert outcome[:2] == ("bad", added + 1) and "is not a slug" in outcome[2], outcome
    assert outcome == _outcome(log, 1, "python")
