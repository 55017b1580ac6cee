"""Turn a plain input dict into a :class:`Fact` without cattrs, when it is plainly valid.

Structuring a line through cattrs, building the attrs event and serialising it
back cost about 30 µs here, most of the append path's time.  This fast path
checks a plain dict against a function generated per event type from the
event classes (their fields, annotations, defaults and validators), the way
cattrs generates its own, and writes the canonical data text directly.

The contract, held by a Hypothesis property (``tests/test_append_fast.py``):
:func:`fast_fact` returns exactly the fact the reference path
(:func:`timeline.codec.draft_from_obj`, then :func:`timeline.codec.fact_from_draft`)
makes, or ``None``.  It never accepts what the reference refuses; on anything
unusual (a wrong type, a str subclass, an invalid value, an unknown field) it
says ``None`` and the reference decides, so every error message still comes
from cattrs and the validators.  The rules themselves are not restated: the
attrs validators of :mod:`timeline.events`, and ``__attrs_post_init__`` by
building the object, are run as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from . import events
from ._facts import Fact, quote
from .dates import DateValue
from .events import DRAFT_KEYS, REF_KIND, TYPES, WITH_OCCURRED

__all__ = ["DEFINED_BY", "FAST", "REF_KIND", "SOURCES", "fast_fact"]

#: The field whose slug each defining type adds (validate._defines).
DEFINED_BY = {
    "SourceAdded": ("source", "source"),
    "PersonAdded": ("person", "person"),
    "OrgFounded": ("org", "org"),
    "PaperPublished": ("paper", "paper"),
}
#: The field naming the event a type retracts.
TARGET = {"EventRetracted": "event"}

# The annotations the fast path structures as codec's hooks do; any other leaves the type
# to cattrs.  Compared once resolved: cattrs resolves them in place when it first
# structures a class, so the strings are gone by then.
STR, OPT_STR, STRS, OPT_DATE = "str", "str | None", "tuple[str, ...]", "DateValue | None"
SHAPES: dict[object, str] = {str: STR, str | None: OPT_STR, tuple[str, ...]: STRS}
SHAPES[DateValue | None] = OPT_DATE
SLUG_VALIDATORS = (events._slug, events._opt_slug, events._slugs)
CHEAP_VALIDATORS = (*SLUG_VALIDATORS, events._text, events._opt_text, events._texts)
#: Verdicts remembered per costly validator (pendulum parses a duration in about 20 µs)
#: and for date values, before the memory is cleared.
MEMO_LIMIT = 1 << 16

Fast = Callable[[dict[str, Any], dict[str, Any]], Fact | None]


def _remembering(check: Callable[[Any, Any, Any], Any], attr: Any) -> Callable[[Any], bool]:
    """Wrap a costly validator: say whether a value passes, remembering the verdict."""
    memo: dict[object, bool] = {}

    def valid(value: object) -> bool:
        ok = memo.get(value)
        if ok is None:
            try:
                check(None, attr, value)
                ok = True
            except Exception:  # any refusal: the reference path will word it
                ok = False
            if len(memo) >= MEMO_LIMIT:
                memo.clear()
            memo[value] = ok
        return ok

    return valid


#: Tell whether a text is a valid date value, remembering the verdict.
_date_ok = _remembering(lambda _inst, _attr, text: DateValue.parse(text), None)


def _field_code(i: int, f: Any, env: dict[str, Any]) -> list[str] | None:
    """Return the lines that check field *f* into ``v{i}`` and write it into ``t{i}``."""
    shape = SHAPES.get(f.type)
    required = f.default is attrs.NOTHING
    if f.converter is not None or f.name == "type":
        return None
    if shape == STR and required:
        head = [f"v{i} = data.get({f.name!r})", f"if type(v{i}) is not str:", "    return None"]
    elif shape in (OPT_STR, OPT_DATE) and f.default is None:
        if shape == OPT_DATE and f.validator is not None:
            return None  # it would want the DateValue: leave the type to cattrs
        test = f"type(v{i}) is not str" + (f" or not date_ok(v{i})" if shape == OPT_DATE else "")
        head = [
            f"v{i} = data.get({f.name!r})",
            f"if v{i} is None:",
            f"    t{i} = ''",
            f"elif {test}:",
            "    return None",
            "else:",
        ]
    elif shape == STRS and (required or f.default == ()):
        # cattrs refuses null for a list; only a missing optional one is its default ()
        missing = (
            ["    return None"]
            if required
            else [
                f"    if {f.name!r} in data:",
                "        return None",
                f"    v{i} = ()",
            ]
        )
        head = [
            f"v{i} = data.get({f.name!r})",
            f"if v{i} is None:",
            *missing,
            f"elif type(v{i}) is not list or any(type(x) is not str for x in v{i}):",
            "    return None",
            "else:",
            f"    v{i} = tuple(v{i})",  # a copy: the caller's list may change after the append
        ]
    else:
        return None
    body: list[str] = []
    if f.validator is not None:
        if f.validator in CHEAP_VALIDATORS:
            env[f"c{i}"], env[f"a{i}"] = f.validator, f
            body.append(f"c{i}(None, a{i}, v{i})")  # raises: caught below
        else:
            env[f"c{i}"] = _remembering(f.validator, f)
            body += [f"if not c{i}(v{i}):", "    return None"]
    prefix = repr("," + quote(f.name) + ":")
    if shape == STRS:
        body.append(f"t{i} = {prefix} + '[' + ','.join(map(quote, v{i})) + ']' if v{i} else ''")
    else:
        body.append(f"t{i} = {prefix} + quote(v{i})")
    if shape in (STR, STRS):
        return head + body
    return head + ["    " + line for line in body]


def _compile(tag: str, cls: type) -> tuple[Fast, str] | None:
    """Generate the fast function for *cls*; None if a field is beyond the fast path."""
    fields = attrs.fields(attrs.resolve_types(cls))
    env: dict[str, Any] = {"Fact": Fact, "quote": quote, "date_ok": _date_ok, "cls": cls}
    env["new"] = tuple.__new__  # Fact._make without its length check: a microsecond less
    env["names"] = frozenset(f.name for f in fields)
    index = {f.name: i for i, f in enumerate(fields)}
    dated = [
        "    if type(occurred) is not str or not date_ok(occurred):",
        "        return None",
    ]
    lines = [
        "def fast(obj, data):",
        "    if not data.keys() <= names:",
        "        return None",
        "    event_id, source, occurred = obj.get('id'), obj.get('source'), obj.get('occurred')",
        "    if event_id is not None and type(event_id) is not str:",
        "        return None",
        "    if source is not None and type(source) is not str:",
        "        return None",
        *(
            dated
            if tag in WITH_OCCURRED
            else ["    if occurred is not None:", "        return None"]
        ),
        "    try:",
    ]
    for f in sorted(fields, key=lambda f: f.name):  # canonical JSON writes keys sorted
        code = _field_code(index[f.name], f, env)
        if code is None:
            return None
        lines += ["        " + line for line in code]
    if hasattr(cls, "__attrs_post_init__"):  # its rules, run on the real object
        args = ", ".join(
            f"{f.name}=None if v{i} is None else DateValue.parse(v{i})"
            if SHAPES.get(f.type) == OPT_DATE
            else f"{f.name}=v{i}"
            for i, f in enumerate(fields)
        )
        env["DateValue"] = DateValue
        lines.append(f"        cls({args})")
    lines += ["    except Exception:", "        return None"]  # the reference words it
    defines = DEFINED_BY.get(tag)
    refs: list[str] = []
    for i, f in enumerate(fields):
        if f.validator not in SLUG_VALIDATORS or (defines and f.name == defines[1]):
            continue
        if f.name not in REF_KIND:
            return None
        kind = REF_KIND[f.name]
        if SHAPES.get(f.type) == STRS:
            refs.append(f"*[({kind!r}, x) for x in v{i}]")
        elif f.default is None:
            refs.append(f"*((({kind!r}, v{i}),) if v{i} is not None else ())")
        else:
            refs.append(f"({kind!r}, v{i})")
    # One tuple display (the source first): concatenating tuples costs more.
    named = "".join(ref + ", " for ref in refs)
    refs_code = f"(('source', source), {named}) if source is not None else ({named})"
    text = " + ".join(f"t{i}" for _, i in sorted(index.items()))
    defined = f"({defines[0]!r}, v{index[defines[1]]})" if defines else "None"
    target = f"v{index[TARGET[tag]]}" if tag in TARGET else "None"
    lines += [
        "    return new(Fact, (",
        f"        {tag!r}, event_id, occurred, source,",
        f"        '{{' + ({text})[1:] + '}}',",
        f"        {refs_code},",
        f"        {defined}, {target}))",
    ]
    source = "\n".join(lines) + "\n"
    exec(compile(source, f"<timeline fast path {tag}>", "exec"), env)
    return env["fast"], source


def _compile_all() -> tuple[dict[str, Fast], dict[str, str]]:
    fast: dict[str, Fast] = {}
    sources: dict[str, str] = {}
    for tag, cls in TYPES.items():
        compiled = _compile(tag, cls)
        if compiled is not None:
            fast[tag], sources[tag] = compiled
    return fast, sources


#: The generated function of each type the fast path covers, and its source (to read).
FAST, SOURCES = _compile_all()


def fast_fact(obj: object) -> Fact | None:
    """Return the fact for input *obj* if it is a plainly valid event, else None."""
    if type(obj) is not dict or not obj.keys() <= DRAFT_KEYS:
        return None
    tag, data = obj.get("type"), obj.get("data")
    if type(tag) is not str or type(data) is not dict:
        return None
    fast = FAST.get(tag)
    return None if fast is None else fast(obj, data)
