"""The append path's fast path decides, words errors and writes bytes exactly as the reference.

The reference is the append path as it was before the fast path: every line
decoded with ``json.loads``, structured through cattrs into a draft, checked
with ``check_batch`` and stamped with ``draft_to_obj`` and ``_hashing.stamp``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import timeline
from timeline import _fastpath, _ingest
from timeline._facts import fact_digest
from timeline._hashing import stamp
from timeline.codec import (
    EventDecodeError,
    content_digest,
    draft_from_obj,
    draft_to_obj,
    fact_from_draft,
)
from timeline.errors import InvalidEventError
from timeline.events import TAGS, TYPES, Draft
from timeline.log import Tail
from timeline.validate import LoggedEvent, check_batch, check_facts

RECORDED = "2025-05-26T12:00:00.000000Z"


class Str(str):
    """A str subclass: cattrs takes it, the fast path leaves it to cattrs."""


SLUGS = ["ann", "bob", "acme", "lab", "s", "new-1", "Bad", "-x", "", "x" * 201, "a b", "é"]
TEXTS = ["Ann", 'Ünïcødé ✓ "q" \\ /', " ", "", "a\x00b", "a\x85b", "x" * 2001, "\ud800", "ok"]
DATES = ["2024", "2024-08", "2024-08-15", "[2023-01..2023-04]", "[..2023-02]", "[2019-06..]"]
DATES += ["2024-02-30", "[2020..2019]", "[..]", "24", "2024-13", "0000", ""]
DURATIONS = ["P6Y7M", "P1D", "P2W", "PT5H", "P", "6Y", "Px"]
ODD: list[Any] = [None, 5, 1.5, True, [], ["ann"], ["ann", "ann"], [1], {"x": 1}, ("ann",)]
ODD += [Str("ann"), Str("Ann")]
IDS = ["j1", "j2", "e1-0000000000", "bad id", "", "a" * 201]

odd = st.sampled_from(ODD)
slug = st.one_of(st.sampled_from(SLUGS), st.text(max_size=4))
text = st.one_of(st.sampled_from(TEXTS), st.text(max_size=6))


def _value(name: str) -> st.SearchStrategy[Any]:
    """Draw a value for data field *name*: mostly of its kind, sometimes anything."""
    if name in ("founders", "authors"):
        kind = st.lists(slug, max_size=3)
    elif name == "aliases":
        kind = st.lists(text, max_size=3)
    elif name == "published":
        kind = st.sampled_from(DATES)
    elif name == "tenure":
        kind = st.sampled_from(DURATIONS)
    elif name in _fastpath.REF_KIND or name in ("source", "paper"):
        kind = slug
    else:
        kind = text
    return st.one_of(kind, kind, kind, odd)


def _reference_fact(obj: object) -> Any:
    try:
        return fact_from_draft(draft_from_obj(obj))
    except EventDecodeError as exc:
        return ("refused", str(exc))


slugs_ok = st.from_regex(r"[a-z0-9][a-z0-9-]{0,12}", fullmatch=True)
texts_ok = st.text(min_size=1, max_size=12).filter(
    lambda t: bool(t.strip()) and not _has_control(t)
)


def _has_control(t: str) -> bool:
    from timeline.events import CONTROL

    return CONTROL.search(t) is not None


def _valid_value(f: Any) -> st.SearchStrategy[Any]:
    if f.name in ("founders", "authors"):
        return st.lists(slugs_ok, min_size=1, max_size=3, unique=True)
    if f.name == "aliases":
        return st.lists(texts_ok, max_size=3)
    if f.name == "published":
        return st.sampled_from(DATES[:6])
    if f.name == "tenure":
        return st.sampled_from(DURATIONS[:3])
    if f.validator in _fastpath.SLUG_VALIDATORS:
        return slugs_ok
    return texts_ok


@st.composite
def valid_objs(draw: st.DrawFn) -> dict[str, Any]:
    """Draw an input object that cattrs accepts."""
    tag = draw(st.sampled_from(sorted(TYPES)))
    data = {
        f.name: draw(_valid_value(f))
        for f in attrs.fields(TYPES[tag])
        if f.default is attrs.NOTHING or draw(st.booleans())
    }
    if tag == "OrgMerged":
        data["into"] = data["org"] + "-x"
    if tag == "LeadershipChanged":
        data["incoming"] = data.get("outgoing", "x") + "-in"
    obj: dict[str, Any] = {"type": tag, "data": data}
    if tag in _fastpath.WITH_OCCURRED:
        obj["occurred"] = draw(st.sampled_from(DATES[:6]))
    if draw(st.booleans()):
        obj["source"] = draw(slugs_ok)
    if draw(st.booleans()):
        obj["id"] = draw(st.sampled_from(IDS[:3]))
    return obj


@st.composite
def input_objs(draw: st.DrawFn) -> Any:
    """Draw an input object: a valid event, bent in none, one or two places."""
    obj: Any = draw(valid_objs())
    for _ in range(draw(st.sampled_from([0, 1, 1, 1, 2]))):
        data = obj.get("data")
        where = draw(st.sampled_from(["field", "field", "field", "drop", "extra", "envelope"]))
        if where == "field" and isinstance(data, dict):
            tag = obj.get("type")
            names = [f.name for f in attrs.fields(TYPES[tag])] if tag in TYPES else ["x"]
            name = draw(st.sampled_from(names))
            data[name] = draw(_value(name))
        elif where == "drop" and isinstance(data, dict) and data:
            del data[draw(st.sampled_from(sorted(data)))]
        elif where == "extra" and isinstance(data, dict):
            data[draw(st.sampled_from(["type", "extra", "Person"]))] = "x"
        else:
            key = draw(st.sampled_from(["type", "data", "occurred", "source", "id", "seq"]))
            if draw(st.integers(0, 4)):
                obj[key] = draw(_ENVELOPE[key])
            else:
                obj.pop(key, None)
    return obj


_ENVELOPE: dict[str, st.SearchStrategy[Any]] = {
    "type": st.one_of(st.sampled_from(sorted(TYPES)), st.sampled_from(["Nope", 3, None])),
    "data": st.one_of(st.just({}), st.sampled_from([None, [], "data"])),
    "occurred": st.one_of(st.sampled_from(DATES), odd),
    "source": st.one_of(st.sampled_from(["s", "s2", "Bad"]), odd),
    "id": st.one_of(st.sampled_from(IDS), odd),
    "seq": st.just(1),
}


@settings(max_examples=1500, deadline=None)
@given(input_objs())
@example({"type": "PaperPublished", "occurred": "2024", "data": {"paper": "p", "title": "T"}})
@example({"type": "OrgMerged", "occurred": "2024", "data": {"org": "acme", "into": "acme"}})
@example({"type": "LeadershipChanged", "occurred": "2024", "data": {"org": "a", "title": "T"}})
@example({"type": "PersonAdded", "data": {"person": "ann", "name": "Ann", "aliases": None}})
@example({"type": "PersonJoined", "occurred": None, "data": {"person": "ann", "org": "acme"}})
@example({"type": "PersonAdded", "occurred": None, "data": {"person": "ann", "name": "A"}})
def test_fast_fact_is_the_reference_fact_or_abstains(obj: Any) -> None:
    """fast_fact never accepts what cattrs refuses, and what it accepts is the reference's fact."""
    fact = _fastpath.fast_fact(obj)
    if fact is not None:
        assert fact == _reference_fact(obj)


@settings(max_examples=400, deadline=None)
@given(valid_objs())
def test_fast_fact_takes_every_plain_valid_event(obj: dict[str, Any]) -> None:
    """A plain valid event takes the fast path; its fact and digest are the reference's."""
    draft = draft_from_obj(obj)
    fact = _fastpath.fast_fact(obj)
    assert fact == fact_from_draft(draft)
    assert fact_digest(fact) == content_digest(draft)


def test_every_type_has_a_fast_path_and_the_verify_rules_agree() -> None:
    """Each event type is covered, and the slug kinds match what verify checks in SQL."""
    from timeline._verify_rules import DEFINED_BY, REF_KIND

    assert set(_fastpath.FAST) == set(TAGS.values())
    assert _fastpath.REF_KIND.items() <= REF_KIND.items()
    assert {t: f for t, (_, f) in _fastpath.DEFINED_BY.items()} == DEFINED_BY


_SOURCES = """
import json, sys
if sys.argv[1] == "resolved":
    from timeline.codec import draft_from_obj
    draft_from_obj({"type": "OrgRenamed", "occurred": "2024", "data": {"org": "a", "name": "A"}})
    import attrs
    from timeline.events import TYPES
    for cls in TYPES.values():
        attrs.resolve_types(cls)  # as cattrs does for each class it structures
from timeline import _fastpath
print(json.dumps(_fastpath.SOURCES))
"""


def test_the_fast_path_is_generated_alike_before_and_after_cattrs_resolves_types() -> None:
    """Imported before or after cattrs has resolved the annotations, every type gets one code."""
    import subprocess
    import sys

    def sources(order: str) -> dict[str, str]:
        done = subprocess.run(
            [sys.executable, "-c", _SOURCES, order], capture_output=True, text=True, check=True
        )
        return dict(json.loads(done.stdout))

    first = sources("first")
    assert first == sources("resolved")
    assert set(first) == set(TAGS.values())


# -- whole batches: decode, check, encode -------------------------------------------------


class Known:
    """What a small log holds: people ann and bob, org acme, source s, events j1 and r1."""

    def __init__(self) -> None:
        self.keys = {"person": {"ann", "bob"}, "org": {"acme"}, "source": {"s"}, "paper": set()}
        joined = {
            "type": "PersonJoined",
            "occurred": "2010",
            "data": {"person": "ann", "org": "acme"},
        }
        self.logged = {
            "j1": LoggedEvent(content_digest(draft_from_obj(joined)), "PersonJoined", False),
            "j2": LoggedEvent("0" * 64, "PersonJoined", True),
            "r1": LoggedEvent("0" * 64, "EventRetracted", False),
        }

    def existing(self, kind: str, keys: set[str]) -> set[str]:
        """Return those of *keys* the log holds as *kind*."""
        return keys & self.keys[kind]

    def events(self, ids: set[str]) -> dict[str, LoggedEvent]:
        """Return the logged events among *ids*."""
        return {i: self.logged[i] for i in ids if i in self.logged}

    def every_slug(self) -> None:
        """Hold no slug in memory: the rules ask ``existing`` about each."""
        return None


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not valid JSON")


def _reference_decode(raw: str | bytes) -> object:
    """Decode a line as the append path did before (json.loads per line)."""
    if len(raw) > _ingest.MAX_LINE:
        raise EventDecodeError(f"line is longer than {_ingest.MAX_LINE} bytes; one event per line")
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise EventDecodeError(f"not UTF-8 ({exc.reason} at byte {exc.start})") from None
    if not raw.strip():
        return None
    try:
        return json.loads(raw, parse_constant=_no_constant)
    except RecursionError:
        raise EventDecodeError("JSON nested too deeply") from None
    except ValueError as exc:
        raise EventDecodeError(f"not valid JSON: {exc}") from None


def _reference_append(lines: list[Any], tail: Tail) -> Any:
    """Run lines through the append path as it was before the fast path."""
    drafts: list[tuple[int, Draft]] = []
    problems: list[tuple[int, str]] = []
    for number, raw in enumerate(lines, start=1):
        try:
            obj = raw if isinstance(raw, dict) else _reference_decode(raw)
            if obj is None:
                continue
            drafts.append((number, draft_from_obj(obj)))
        except EventDecodeError as exc:
            problems.append((number, str(exc)))
    if problems:
        return ("refused", problems)
    if not drafts:
        return ("refused", [(0, "no events in the input")])
    accepted, refused = check_batch(drafts, Known())
    if refused:
        return ("invalid", [(p.line, p.message) for p in refused])
    out, prev, seq = [], tail.hash, tail.seq
    for index, (_, draft) in enumerate(accepted):
        seq += 1
        obj = draft_to_obj(draft)
        obj["seq"] = seq
        obj["id"] = draft.id or f"e{seq}-{content_digest(draft)[:10]}"
        obj["recorded"] = RECORDED
        if index == len(accepted) - 1:
            obj["commit"] = True
        obj["prev"] = prev
        prev, line = stamp(obj)
        out.append(line)
    return ("written", b"".join(out), prev)


def _fast_append(lines: list[Any], tail: Tail) -> Any:
    """Run lines through today's append path (fast path, facts, assembled lines)."""
    try:
        facts = _ingest.parse_lines(lines, None)
    except InvalidEventError as exc:
        return ("refused", exc.problems)
    accepted, refused = check_facts(facts, Known())
    if refused:
        return ("invalid", [(p.line, p.message) for p in refused])
    payload, _, last = _ingest.encode(accepted, tail, RECORDED)
    return ("written", payload, last)


def _as_line(obj: Any, form: int) -> Any:
    if form == 0:
        return obj
    if form == 1:
        return json.dumps(obj, ensure_ascii=False, default=str)
    return json.dumps(obj, default=str).encode()


raw_lines = st.sampled_from(
    [
        *["", "   ", "NaN", '{"type": Infinity}', "\ufeff{}", "[1, 2]", "{", "[" * 3000, '"x"'],
        *[b"\xff{}", b"\xef\xbb\xbf{}", "{}" + " " * _ingest.MAX_LINE, '{"type": "X"} x'],
    ]
)
batches = st.lists(
    st.one_of(
        st.builds(_as_line, st.one_of(valid_objs(), input_objs()), st.integers(0, 2)),
        raw_lines,
    ),
    min_size=1,
    max_size=6,
)
tails = st.sampled_from([Tail(0, 0, "0" * 64, ""), Tail(900, 41, "ab" * 32, RECORDED)])


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches, tails)
def test_a_batch_is_refused_or_written_exactly_as_the_reference_does(
    lines: list[Any], tail: Tail
) -> None:
    """Same problems (line numbers and messages), or the same bytes and last hash."""
    assert _fast_append(lines, tail) == _reference_append(lines, tail)


# -- through Timeline.append -------------------------------------------------------------


def _append_all(path: Path, batches: list[list[Any]]) -> list[Any]:
    outcomes: list[Any] = []
    with timeline.open(path) as tl:
        tl.init()
        for batch in batches:
            try:
                outcomes.append(tl.append(batch, recorded_at=RECORDED))
            except InvalidEventError as exc:
                outcomes.append(str(exc))
    return outcomes


def test_appends_write_the_same_log_with_and_without_the_fast_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A history of batches (valid, invalid, retries, retractions) gives one log either way."""
    world = [
        {"id": "s", "type": "SourceAdded", "data": {"source": "s", "title": 'Ünï "S"'}},
        {"type": "PersonAdded", "data": {"person": "ann", "name": "Ann", "aliases": ["アン"]}},
        {
            "type": "OrgFounded",
            "occurred": "2001",
            "source": "s",
            "data": {"org": "acme", "name": "A"},
        },
    ]
    joined = {
        "id": "j1",
        "type": "PersonJoined",
        "occurred": "2010-05",
        "data": {"person": "ann", "org": "acme"},
    }
    batches: list[list[Any]] = [
        world,
        [
            joined,
            json.dumps(
                {
                    "type": "PersonLeft",
                    "occurred": "2012",
                    "data": {"person": "ann", "org": "acme", "tenure": "P2Y"},
                }
            ),
        ],
        [joined],  # a retry: skipped
        [{**joined, "occurred": "2011"}],  # same id, other content: refused
        [{"type": "EventRetracted", "data": {"event": "j1", "reason": "wrong"}}],
        [{"type": "EventRetracted", "data": {"event": "j1", "reason": "again"}}],  # refused
        [
            {
                "type": "PersonJoined",
                "occurred": "2024-02-30",
                "data": {"person": "ann", "org": "acme"},
            }
        ],
        [b'{"type": "PersonJoined", "occurred": "2010", "data": {"person": "zed", "org": "acme"}}'],
        [
            {
                "type": "PaperPublished",
                "occurred": "2023",
                "data": {"paper": "p", "title": "T", "authors": ["ann"]},
            }
        ],
    ]
    fast = _append_all(tmp_path / "fast.jsonl", batches)
    monkeypatch.setattr(_ingest, "fast_fact", lambda obj: None)
    reference = _append_all(tmp_path / "reference.jsonl", batches)
    assert [str(o) for o in reference] == [str(o) for o in fast]
    fast_bytes = (tmp_path / "fast.jsonl").read_bytes()
    assert fast_bytes == (tmp_path / "reference.jsonl").read_bytes()
    assert fast_bytes.count(b"\n") == 7


def test_an_older_event_retracted_then_resent_is_judged_by_its_content(tmp_path: Path) -> None:
    """A retraction reads only its target's state; a later retry of its id meets its content."""
    path = tmp_path / "log.jsonl"
    world = [
        {"type": "PersonAdded", "data": {"person": "ann", "name": "Ann"}},
        {"type": "OrgFounded", "occurred": "2001", "data": {"org": "acme", "name": "A"}},
    ]
    joined = {"id": "j1", "type": "PersonJoined", "occurred": "2010", "data": {"person": "ann"}}
    joined["data"]["org"] = "acme"
    retract = {"type": "EventRetracted", "data": {"event": "j1", "reason": "wrong"}}
    with timeline.open(path) as tl:
        tl.init()
        tl.append([*world, joined], recorded_at=RECORDED)
    with timeline.open(path) as tl:  # a new cache: j1 is known to the projection alone
        assert tl.append([retract, joined], recorded_at=RECORDED).skipped == 1
        assert tl.append([joined], recorded_at=RECORDED).skipped == 1
        with pytest.raises(InvalidEventError, match="'j1' already exists with other content"):
            tl.append([{**joined, "occurred": "2011"}], recorded_at=RECORDED)
        with pytest.raises(InvalidEventError, match="'j1' is already retracted"):
            tl.append([retract], recorded_at=RECORDED)
    with timeline.open(path) as tl:
        tl.append(
            [{"type": "PersonAdded", "data": {"person": "bob", "name": "B"}}], recorded_at=RECORDED
        )
        with pytest.raises(InvalidEventError, match="'j1' is already retracted"):
            tl.append([retract], recorded_at=RECORDED)
        assert tl.append([joined], recorded_at=RECORDED).skipped == 1
