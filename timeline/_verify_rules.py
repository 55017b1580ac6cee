"""Restate the codec's per-type rules as SQL for the set-based verify.

The rules are generated from the event classes in :mod:`timeline.events`
(their fields, defaults and validators), so a new field or type is checked
in SQL without a second copy of its rules; only what attrs cannot say (the
``__attrs_post_init__`` checks, and what kind of key a slug field names) is
written out here.  :func:`markers` fills the ``@NAME@`` holes of
``sql/verify/*.sql``; :func:`statements` reads those files.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator

import attrs

from . import _sqlfiles as sqlfiles
from . import events
from ._hashing import GENESIS
from .events import SLUG, TYPES, WITH_OCCURRED
from .validate import ID, KINDS

__all__ = ["FIELDS", "KEPT", "LISTS", "markers", "statements"]

#: The kind of key each slug field names: the references, and the fields that define
#: a source or a paper (validate._refs and _defines say the same).
REF_KIND = {**events.REF_KIND, "source": "source", "paper": "paper"}
#: The data field whose slug each defining type adds.
DEFINED_BY = {"SourceAdded": "source", "PersonAdded": "person", "OrgFounded": "org"}
DEFINED_BY["PaperPublished"] = "paper"
#: The ``__attrs_post_init__`` rules of events.py, over the parsed data ``d``.
POST_INIT = {
    "OrgMerged": 'd."org" <> d."into"',
    "LeadershipChanged": '(d."outgoing" IS NOT NULL OR d."incoming" IS NOT NULL) '
    'AND d."outgoing" IS DISTINCT FROM d."incoming"',
    "PaperPublished": 'len(d."authors") > 0',
}
_VALIDATORS = {
    events._slug: "slug",
    events._opt_slug: "slug",
    events._slugs: "slugs",
    events._text: "text",
    events._opt_text: "text",
    events._texts: "texts",
    events._duration: "duration",
}
LISTS = {"slugs", "texts"}


def _field_kinds() -> dict[str, str]:
    kinds: dict[str, str] = {}
    for cls in TYPES.values():
        for f in attrs.fields(cls):
            kind = _VALIDATORS.get(f.validator) or ("date" if "DateValue" in str(f.type) else "")
            if not kind or kinds.setdefault(f.name, kind) != kind:
                raise TypeError(f"verify cannot check {cls.__name__}.{f.name} in SQL")
            if kind in ("slug", "slugs") and f.name not in REF_KIND:
                raise TypeError(f"verify does not know what {cls.__name__}.{f.name} names")
    return dict(sorted(kinds.items()))


FIELDS = _field_kinds()


def _re2(pattern: str) -> str:
    """Spell a character-class pattern with RE2 escapes, so SQL text holds no raw controls."""
    return "".join(c if c in "[]-" else f"\\x{{{ord(c):x}}}" for c in pattern)


#: The data columns ``ev`` keeps: what the rules ask about, and values Python checks.
KEPT = sorted({*REF_KIND, "event", "published", "tenure"} & set(FIELDS))


def _rebuild(plain: bool) -> str:
    """Return SQL that writes parsed line ``j`` back in canonical form (hash included).

    *plain* is for a line without a backslash, whose strings hold no quote:
    their JSON form is the text in quotes.  One flat ``concat`` costs half of
    nested ``||`` and macros, and this runs on every line.
    """

    def enc(expr: str) -> str:
        return f"'\"', {expr}, '\"'" if plain else f"v_enc({expr})"

    def member(key: str, expr: str, kind: str = "") -> str:
        value = f"v_plainl({expr})" if plain else f"v_encl({expr})"
        if kind not in LISTS:
            value = enc(expr)
        return f"CASE WHEN {expr} IS NOT NULL THEN concat(',\"{key}\":', {value}) END"

    members = ", ".join(member(k, f'j.data."{k}"', v) for k, v in FIELDS.items())
    return (
        f"""concat(CASE WHEN j.commit THEN '{{"commit":true,' ELSE '{{' END, """
        f"""CASE WHEN j.data IS NOT NULL THEN concat('"data":{{', """
        f"""substr(concat({members}), 2), '}},') END, """
        f"""'"hash":', {enc("j.hash")}, ',"id":', {enc("j.id")}, """
        f"""{member("occurred", "j.occurred")}, ',"prev":', {enc("j.prev")}, """
        f"""',"recorded":', {enc("j.recorded")}, ',"seq":', j.seq::VARCHAR, """
        f"""{member("source", "j.source")}, ',"type":', {enc("j.type")}, '}}')"""
    )


def _keys(parts: list[tuple[str, str, str]]) -> str:
    """Return a UNION ALL of (n, kind, key) over ``ev``, one part per (kind, expr, where)."""
    return " UNION ALL ".join(
        f"SELECT n, {KINDS.index(kind)} AS kind, {expr} AS key FROM ev WHERE {where}"
        for kind, expr, where in parts
    )


@functools.cache
def markers() -> dict[str, str]:
    def q(name: str) -> str:
        return f'j.data."{name}"'

    struct = {
        "commit": "BOOLEAN",
        "data": {k: ["VARCHAR"] if v in LISTS else "VARCHAR" for k, v in FIELDS.items()},
        **{k: "VARCHAR" for k in ("hash", "id", "occurred", "prev", "recorded", "source")},
        "seq": "BIGINT",
        "type": "VARCHAR",
    }
    # Which data fields a line has, one bit each (`mask`, parse.sql): a type's rule is
    # then two integer tests, where a test of each field cost 0.4 s per million lines.
    if len(FIELDS) > 62:
        raise TypeError("verify keeps one bit per data field in a BIGINT: too many fields")
    bit = {k: 1 << i for i, k in enumerate(FIELDS)}
    every = (1 << len(FIELDS)) - 1
    per_type = []
    for tag, cls in TYPES.items():
        names = {f.name: f.default is attrs.NOTHING for f in attrs.fields(cls)}
        required = sum(bit[k] for k, needed in names.items() if needed)
        foreign = every & ~sum(bit[k] for k in names)
        terms = [f"mask & {required} = {required}", f"mask & {foreign} = 0"]
        if tag in POST_INIT:
            terms.append(f"({POST_INIT[tag].replace('d.', 'j.data.')})")
        per_type.append(f"WHEN '{tag}' THEN {' AND '.join(terms)}")
    # A single slug is checked once per distinct value, in Python (Scan._values): kept
    # as a column, it repeats on most lines, and its regex on each cost 0.3 s per million.
    slugs = [k for k, v in FIELDS.items() if v == "slug"]
    checks = {"slugs": "v_slugs", "text": "v_text", "texts": "v_texts"}
    values = [f"({q(k)} IS NULL OR {checks[v]}({q(k)}))" for k, v in FIELDS.items() if v in checks]
    dated = ", ".join(f"'{t}'" for t in sorted(WITH_OCCURRED))
    codec = " AND ".join(
        [
            "j.data IS NOT NULL",
            f"(j.occurred IS NOT NULL) = (j.type IN ({dated}))",
            f"CASE j.type {' '.join(per_type)} ELSE false END",
            *values,
        ]
    )
    defs = [(REF_KIND[f], f"d_{f}", f"type = '{t}'") for t, f in DEFINED_BY.items()]
    refs = [("source", "source", "source IS NOT NULL")]
    for k, v in FIELDS.items():
        definers = ", ".join(f"'{t}'" for t, f in DEFINED_BY.items() if f == k)
        if v == "slug":
            where = f"d_{k} IS NOT NULL" + (f" AND type NOT IN ({definers})" if definers else "")
            refs.append((REF_KIND[k], f"d_{k}", where))
        elif v == "slugs":
            refs.append((REF_KIND[k], f"unnest(d_{k})", f"d_{k} IS NOT NULL"))
    # str.strip() removes what str.isspace() calls space; SQL's trim() knows only ' '.
    # (No space lies outside the BMP; scanning all of Unicode costs 0.4 s.)
    blank = "[" + "".join(chr(i) for i in range(0x10000) if chr(i).isspace()) + "]"
    control = events.CONTROL.pattern.replace("\ud800-\udfff", "")  # UTF-8 cannot hold them
    return {
        "STRUCT": json.dumps(struct, separators=(",", ":")),
        "PRESENT": " AND ".join(
            f"j.{k} IS NOT NULL" for k in ("seq", "id", "recorded", "prev", "hash", "type")
        ),
        "REBUILD_ESCAPED": _rebuild(plain=False),
        "REBUILD_PLAIN": _rebuild(plain=True),
        "CODEC": f"coalesce({codec}, false)",
        "MASK": " + ".join(f"({q(k)} IS NOT NULL)::BIGINT * {bit[k]}" for k in FIELDS),
        "SLUG_VALUES": " UNION ".join(f"SELECT d_{k} FROM ev" for k in slugs),
        "BAD_SLUGS": " OR ".join(
            f"d_{k} IN (SELECT v FROM bad_values WHERE kind = 'slug')" for k in slugs
        ),
        "DATA_COLUMNS": ", ".join(f"{q(k)} AS d_{k}" for k in KEPT),
        "DEFS": _keys(defs),
        "REFS": _keys(refs),
        "SLUG": SLUG.pattern,
        "ID": ID.pattern,
        "BLANK": _re2(blank) + "*",
        "MAX_TEXT": str(events.MAX_TEXT),
        "CONTROL": _re2(control),
        "GENESIS": GENESIS,
    }


def statements(name: str, markers: dict[str, str]) -> Iterator[str]:
    """Yield the statements of ``sql/verify/<name>.sql`` with each ``@MARKER@`` filled in."""
    text = sqlfiles.text(f"verify/{name}")
    for key, value in markers.items():
        text = text.replace(f"@{key}@", value)
    for body, _ in sqlfiles.statements(text):
        yield body
