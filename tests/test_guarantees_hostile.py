"""Guarantee 5: hostile input is refused with the line named, and the log is left untouched."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from _faults import RECORDED, cli, people, small_log
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import timeline
from timeline.events import TAGS

GOOD = people("ok", 2)
# every pinned tag, and one no version knows
TYPES = [*TAGS.values(), "Bogus"]
FIELDS = [
    "person",
    "name",
    "org",
    "source",
    "title",
    "role",
    "tenure",
    "aliases",
    "authors",
    "paper",
    "event",
    "reason",
    "parent",
    "founders",
    "incoming",
    "outgoing",
    "url",
    "x",
]

#: Inputs that must be refused, each with a word the refusal must contain.
HOSTILE: dict[str, tuple[bytes, str]] = {
    "malformed JSON": (b'{"type": "PersonAdded", "data": {', "JSON"),
    "trailing garbage": (b'{"type": "PersonAdded", "data": {}} x', "JSON"),
    "not an object": (b"[1, 2, 3]", "object"),
    "wrong type of type": (b'{"type": 7, "data": {}}', "type"),
    "wrong type of name": (b'{"type": "PersonAdded", "data": {"person": "z", "name": 5}}', "name"),
    "aliases not a list": (
        b'{"type": "PersonAdded", "data": {"person": "z", "name": "Z", "aliases": "Q"}}',
        "aliases",
    ),
    "huge integer": (
        b'{"type": "PersonAdded", "data": {"person": "z", "name": ' + b"9" * 5000 + b"}}",
        "JSON",
    ),
    "huge float": (b'{"type": "PersonAdded", "data": {"person": "z", "name": 1e999}}', "name"),
    "NaN": (b'{"type": "PersonAdded", "data": {"person": "z", "name": NaN}}', "JSON"),
    "deep nesting": (
        b'{"type": "PersonAdded", "data": {"person": "z", "name": '
        + b"[" * 100_000
        + b"]" * 100_000
        + b"}}",
        "deep",
    ),
    "raw control character": (
        b'{"type": "PersonAdded", "data": {"person": "z", "name": "a\x01"}}',
        "JSON",
    ),
    "escaped control character": (
        b'{"type": "PersonAdded", "data": {"person": "z", "name": "a\\u0007b"}}',
        "control",
    ),
    "lone surrogate": (
        b'{"type": "PersonAdded", "data": {"person": "z", "name": "\\ud800"}}',
        "control",
    ),
    "NUL in slug": (
        b'{"type": "PersonAdded", "data": {"person": "z\\u0000", "name": "Z"}}',
        "slug",
    ),
    "invalid UTF-8": (
        b'{"type": "PersonAdded", "data": {"person": "z", "name": "\xff\xfe"}}',
        "UTF-8",
    ),
    "10 MB line": (
        b'{"type": "PersonAdded", "data": {"person": "z", "name": "' + b"a" * 10_000_000 + b'"}}',
        "longer",
    ),
    "long slug": (
        b'{"type": "PersonAdded", "data": {"person": "' + b"a" * 500_000 + b'", "name": "Z"}}',
        "slug",
    ),
    "unknown top-level field": (
        b'{"type": "PersonAdded", "data": {"person": "z", "name": "Z"}, "seq": 1}',
        "seq",
    ),
    "unknown data field": (
        b'{"type": "PersonAdded", "data": {"person": "z", "name": "Z", "age": 3}}',
        "age",
    ),
    "invalid month": (
        b'{"type": "OrgFounded", "occurred": "2024-13", "data": {"org": "z", "name": "Z"}}',
        "occurred",
    ),
    "invalid day": (
        b'{"type": "OrgFounded", "occurred": "2023-02-29", "data": {"org": "z", "name": "Z"}}',
        "occurred",
    ),
    "date of wrong type": (
        b'{"type": "OrgFounded", "occurred": 2024, "data": {"org": "z", "name": "Z"}}',
        "occurred",
    ),
    "unknown reference": (
        b'{"type": "PersonJoined", "occurred": "2024", "data": {"person": "q", "org": "nowhere"}}',
        "unknown",
    ),
}
LIMIT = 4000  # a refusal names the problem; it does not echo megabytes of input back


def _batch(bad: bytes, at: int = 1, good: list[str] = GOOD) -> list[bytes]:
    lines = [line.encode() for line in good]
    return [*lines[:at], bad, *lines[at:]]


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_api_refuses_hostile_line(tmp_path: Path, case: str) -> None:
    """Each hostile line makes append raise InvalidEventError naming line 2; the log is
    byte-for-byte unchanged."""
    bad, word = HOSTILE[case]
    path = small_log(tmp_path)
    before = path.read_bytes()
    with timeline.open(path) as tl, pytest.raises(timeline.InvalidEventError) as err:
        tl.append(_batch(bad), recorded_at=RECORDED, name="batch.jsonl")
    assert err.value.line == 2
    assert str(err.value).startswith("batch.jsonl:2: ") and word in str(err.value)
    assert len(str(err.value)) < LIMIT
    assert path.read_bytes() == before


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_cli_refuses_hostile_line(tmp_path: Path, case: str) -> None:
    """Each hostile line in an input file makes ``append`` exit 1 naming ``file:2:`` on stderr,
    with no traceback, and the log unchanged."""
    bad, _ = HOSTILE[case]
    path = small_log(tmp_path)
    before = path.read_bytes()
    batch = tmp_path / "in.jsonl"
    batch.write_bytes(b"\n".join(_batch(bad)) + b"\n")
    result = cli("append", str(batch), "--recorded-at", RECORDED, log=path)
    assert result.exit_code == 1
    assert f"{batch}:2: " in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr) < LIMIT
    assert path.read_bytes() == before


def test_cli_names_stdin_lines(tmp_path: Path) -> None:
    """Hostile input on stdin is named ``<stdin>:N:``."""
    path = small_log(tmp_path)
    before = path.read_bytes()
    result = cli("append", "-", log=path, input=b"\n".join(_batch(b"{nope", at=2)) + b"\n")
    assert result.exit_code == 1 and "<stdin>:3: not valid JSON" in result.stderr
    assert path.read_bytes() == before


def test_empty_input_is_refused(tmp_path: Path) -> None:
    """An input with no events (only blank lines) is refused, not silently accepted."""
    path = small_log(tmp_path)
    before = path.read_bytes()
    result = cli("append", "-", log=path, input=b"\n  \n")
    assert result.exit_code == 1 and "no events" in result.stderr
    assert path.read_bytes() == before


def _containers(inner: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    return st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    _containers,
    max_leaves=12,
)
_eventish = st.fixed_dictionaries(
    {"type": st.sampled_from(TYPES), "data": st.dictionaries(st.sampled_from(FIELDS), _json)},
    optional={
        "occurred": _json | st.sampled_from(["2024", "2024-02-30", "[2020..2019]"]),
        "id": _json,
        "source": _json,
    },
)
_line = st.one_of(
    st.binary(max_size=120),
    st.text(max_size=120).map(str.encode),
    _json.map(lambda v: json.dumps(v).encode()),
    _eventish.map(lambda v: json.dumps(v).encode()),
)


_examples = itertools.count()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(bad=_line, at=st.integers(0, len(GOOD)))
def test_fuzzed_line_is_refused_or_appended_whole(tmp_path: Path, bad: bytes, at: int) -> None:
    """Any line among valid ones either appends the whole batch or raises InvalidEventError
    naming it, with the log unchanged; never another exception."""
    path = tmp_path / "log.jsonl"
    if not path.exists():
        small_log(tmp_path)
    before = path.read_bytes()
    good = people(f"ok{next(_examples)}", 2)  # fresh people, so earlier examples never clash
    batch = _batch(bad.replace(b"\n", b" ").replace(b"\r", b" "), at, good)
    try:
        with timeline.open(path) as tl:
            tl.append(batch, recorded_at=RECORDED)
    except timeline.InvalidEventError as exc:
        assert path.read_bytes() == before
        assert exc.line == at + 1, str(exc)
    else:
        assert path.read_bytes().startswith(before) and len(path.read_bytes()) > len(before)
