"""The codec: pinned type tags, strict structuring, lossless round-trips."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from timeline import events as ev
from timeline.codec import EventDecodeError, draft_from_obj, draft_to_obj, line_hash

GOLDEN_TAGS = {
    "SourceAdded",
    "PersonAdded",
    "OrgFounded",
    "OrgRenamed",
    "OrgMerged",
    "PersonJoined",
    "PersonLeft",
    "RoleChanged",
    "LeadershipChanged",
    "PaperPublished",
    "EventRetracted",
}


def test_type_tags_are_pinned() -> None:
    """The "type" written for each class is fixed; renaming a class cannot change the log."""
    assert {cls.__name__: tag for cls, tag in ev.TAGS.items()} == {t: t for t in GOLDEN_TAGS}


slugs = st.from_regex(r"[a-z0-9][a-z0-9-]{0,12}", fullmatch=True)
names = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=20).filter(
    str.strip
)
dates = st.sampled_from(
    ["2024", "2024-08", "2024-08-15", "[2023-01..2023-04]", "[..2023-02]", "[2019-06..]"]
)
event_objs = st.one_of(
    st.builds(
        lambda s, t: {"type": "SourceAdded", "data": {"source": s, "title": t}}, slugs, names
    ),
    st.builds(
        lambda p, n, a: {"type": "PersonAdded", "data": {"person": p, "name": n, "aliases": a}},
        slugs,
        names,
        st.lists(names, min_size=1, max_size=3),
    ),
    st.builds(
        lambda o, n, d, f: {
            "type": "OrgFounded",
            "occurred": d,
            "data": {"org": o, "name": n, "founders": f},
        },
        slugs,
        names,
        dates,
        st.lists(slugs, min_size=1, max_size=3, unique=True),
    ),
    st.builds(
        lambda p, o, d, r: {
            "type": "PersonJoined",
            "occurred": d,
            "data": {"person": p, "org": o, "role": r},
        },
        slugs,
        slugs,
        dates,
        names,
    ),
    st.builds(
        lambda p, o, d, t: {
            "type": "PersonLeft",
            "occurred": d,
            "source": "src",
            "data": {"person": p, "org": o, "tenure": t},
        },
        slugs,
        slugs,
        dates,
        st.sampled_from(["P6Y7M", "P5Y", "P3M", "P1Y2M3D"]),
    ),
    st.builds(
        lambda o, t, a: {
            "type": "LeadershipChanged",
            "occurred": "2025-05",
            "data": {"org": o, "title": t, "incoming": a},
        },
        slugs,
        names,
        slugs,
    ),
    st.builds(
        lambda p, t, a: {
            "type": "PaperPublished",
            "occurred": "2023-02-27",
            "id": "x.1",
            "data": {"paper": p, "title": t, "authors": a},
        },
        slugs,
        names,
        st.lists(slugs, min_size=1, max_size=5, unique=True),
    ),
    st.builds(
        lambda e, r: {"type": "EventRetracted", "data": {"event": e, "reason": r}}, slugs, names
    ),
)


@given(event_objs)
def test_input_objects_round_trip(obj: dict) -> None:
    """Structuring then unstructuring an input object gives it back unchanged."""
    assert draft_to_obj(draft_from_obj(obj)) == {
        k: obj[k] for k in ("type", "id", "occurred", "source", "data") if k in obj
    }


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        ({"type": "Nope", "data": {}}, "unknown type 'Nope'"),
        ({"type": "PersonAdded", "data": {"person": "a"}}, "data.name: required field missing"),
        ({"type": "PersonAdded", "data": {"person": "a", "name": "A", "x": 1}}, "unknown field"),
        ({"type": "PersonAdded", "data": {"person": "A B", "name": "A"}}, "is not a slug"),
        ({"type": "PersonAdded", "data": {"person": "a", "name": 3}}, "expected a string"),
        ({"type": "PersonAdded", "data": {"person": "a", "name": "A\x07"}}, "control character"),
        ({"type": "PersonAdded", "extra": 1, "data": {}}, "unknown field(s) extra"),
        ({"type": "PersonJoined", "data": {"person": "a", "org": "b"}}, "occurred: required"),
        (
            {"type": "PersonJoined", "occurred": "2021-04-31", "data": {"person": "a", "org": "b"}},
            "April 2021 has 30 days",
        ),
        (
            {"type": "PersonAdded", "occurred": "2021", "data": {"person": "a", "name": "A"}},
            "has no date",
        ),
        (
            {
                "type": "PersonLeft",
                "occurred": "2021",
                "data": {"person": "a", "org": "b", "tenure": "six years"},
            },
            "ISO 8601",
        ),
        (
            {"type": "PersonJoined", "occurred": 2021, "data": {"person": "a", "org": "b"}},
            "a date value is a string",
        ),
        ([1, 2], "expected a JSON object"),
    ],
)
def test_strict_boundary_names_the_problem(obj: object, message: str) -> None:
    """Every malformed input object is refused with a message naming the field and problem."""
    with pytest.raises(EventDecodeError) as info:
        draft_from_obj(obj)
    assert message in str(info.value)


def test_hash_covers_every_field_but_itself() -> None:
    """Changing any field of a line, prev included, changes its hash."""
    line = {
        "seq": 1,
        "id": "a",
        "type": "PersonAdded",
        "recorded": "2025-01-01T00:00:00.000000Z",
        "data": {"person": "a", "name": "A"},
        "prev": "0" * 64,
    }
    base = line_hash(line)
    assert line_hash({**line, "hash": "whatever"}) == base
    for key, value in [("seq", 2), ("prev", "1" * 64), ("data", {"person": "a", "name": "B"})]:
        assert line_hash({**line, key: value}) != base
