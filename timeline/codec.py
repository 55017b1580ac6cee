"""Convert between log lines (JSON) and event objects with the one cattrs converter.

The converter is built once, here, and never the global one.  It is strict at
the boundary: unknown keys are refused, types are checked, and every message
says which field is wrong.  Leaf hooks (date values, tuples) are registered
before the tagged union so that union members pick them up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import cattrs
from cattrs.strategies import configure_tagged_union

from . import _facts
from ._facts import EventDecodeError, Fact
from ._hashing import GENESIS, canonical, line_hash
from .dates import DateValue
from .errors import BadDateError
from .events import DRAFT_KEYS, TAGS, TYPES, WITH_OCCURRED, Draft, Event, EventRetracted, Stored

__all__ = [
    "GENESIS",
    "UPCASTERS",
    "EventDecodeError",
    "canonical",
    "content_digest",
    "converter",
    "digest_of",
    "draft_from_obj",
    "draft_to_obj",
    "fact_from_draft",
    "line_hash",
    "stored_from_obj",
    "stored_to_obj",
]

STORED_KEYS = frozenset(
    {"seq", "id", "type", "occurred", "recorded", "source", "data", "commit", "prev", "hash"}
)


def _build_converter() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=True)

    def structure_date(value: Any, _: type) -> DateValue:
        return DateValue.parse(value)

    def structure_str(value: Any, _: type) -> str:
        if not isinstance(value, str):
            raise ValueError(f"expected a string, got {type(value).__name__}")
        return value

    def structure_tuple(value: Any, _: type) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise ValueError(f"expected a list of strings, got {type(value).__name__}")
        return tuple(structure_str(item, str) for item in value)

    conv.register_structure_hook(DateValue, structure_date)
    conv.register_unstructure_hook(DateValue, lambda d: d.text)
    conv.register_structure_hook(str, structure_str)
    str_tuple = tuple[str, ...]
    conv.register_structure_hook_func(lambda t: t == str_tuple, structure_tuple)
    conv.register_unstructure_hook_func(lambda t: t == str_tuple, list)
    configure_tagged_union(Event, conv, tag_generator=TAGS.__getitem__, tag_name="type")
    return conv


converter = _build_converter()

#: Pure dict -> dict functions that bring an older stored line up to format v1.
#: Each looks at the line and returns it unchanged when it does not apply.
UPCASTERS: tuple[Callable[[dict[str, Any]], dict[str, Any]], ...] = ()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, cattrs.BaseValidationError):
        messages = cattrs.transform_error(exc, path="data", format_exception=_format_leaf)
        return "; ".join(_path_first(m) for m in messages)
    return str(exc)


def _path_first(message: str) -> str:
    # cattrs says "problem @ data.name"; people read "data.name: problem" more easily.
    text, _, path = message.rpartition(" @ ")
    if not text:
        return message
    if path == "data":
        return f"data.{text}" if ":" in text.split(" ")[0] else f"data: {text}"
    return f"{path}: {text}"


def _format_leaf(exc: BaseException, type_: Any) -> str:
    if isinstance(exc, cattrs.ForbiddenExtraKeysError):
        return f"unknown field(s) {', '.join(sorted(exc.extra_fields))}"
    if isinstance(exc, KeyError):
        return "required field missing"
    if isinstance(exc, (ValueError, TypeError)):
        return str(exc)
    return f"invalid value ({exc})"


def _structure_event(type_: object, data: object) -> Event:
    if not isinstance(type_, str) or type_ not in TYPES:
        known = ", ".join(sorted(TYPES))
        raise EventDecodeError(f"unknown type {type_!r} (known types: {known})")
    if not isinstance(data, dict):
        raise EventDecodeError("data: must be a JSON object")
    if "type" in data:
        raise EventDecodeError("data: unknown field(s) type")
    try:
        return converter.structure({"type": type_, **data}, Event)  # type: ignore[arg-type]
    except (cattrs.BaseValidationError, ValueError, TypeError) as exc:
        raise EventDecodeError(_describe(exc)) from None


def _occurred(type_: str, obj: dict[str, Any]) -> DateValue | None:
    value = obj.get("occurred")
    if type_ in WITH_OCCURRED:
        if value is None:
            raise EventDecodeError(f"occurred: required for {type_} (a date such as '2024-08')")
        try:
            return DateValue.parse(value)
        except BadDateError as exc:
            raise EventDecodeError(f"occurred: {exc}") from None
    if value is not None:
        raise EventDecodeError(f"occurred: {type_} has no date; remove the field")
    return None


def _opt_str(obj: dict[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if value is not None and not isinstance(value, str):
        raise EventDecodeError(f"{key}: expected a string, got {type(value).__name__}")
    return value


def draft_from_obj(obj: object) -> Draft:
    """Structure one input object (``type``, ``occurred``, ``data``, ``id``, ``source``)."""
    if not isinstance(obj, dict):
        raise EventDecodeError("expected a JSON object per line")
    extra = set(obj) - DRAFT_KEYS
    if extra:
        raise EventDecodeError(
            f"unknown field(s) {', '.join(sorted(extra))} "
            f"(allowed: {', '.join(sorted(DRAFT_KEYS))})"
        )
    for key in ("type", "data"):
        if key not in obj:
            raise EventDecodeError(f"{key}: required field missing")
    event = _structure_event(obj["type"], obj["data"])
    return Draft(
        event=event,
        id=_opt_str(obj, "id"),
        occurred=_occurred(obj["type"], obj),
        source=_opt_str(obj, "source"),
    )


def _event_data(event: Event) -> dict[str, Any]:
    data: dict[str, Any] = converter.unstructure(event, Event)
    data.pop("type")
    # Optional fields at their default are left out, so lines stay short and stable.
    return {k: v for k, v in data.items() if v is not None and v != []}


def draft_to_obj(draft: Draft) -> dict[str, Any]:
    """Unstructure a draft into the input form (the inverse of :func:`draft_from_obj`)."""
    obj: dict[str, Any] = {"type": draft.type}
    if draft.id is not None:
        obj["id"] = draft.id
    if draft.occurred is not None:
        obj["occurred"] = draft.occurred.text
    if draft.source is not None:
        obj["source"] = draft.source
    obj["data"] = _event_data(draft.event)
    return obj


def content_digest(draft: Draft | Stored) -> str:
    """Hash what an event says (type, occurred, source, data), not where or when it was logged."""
    occurred = draft.occurred.text if draft.occurred else None
    return digest_of(draft.type, occurred, draft.source, _event_data(draft.event))


def digest_of(type_: str, occurred: str | None, source: str | None, data: object) -> str:
    """Hash an event's content given as plain values (as the projection holds it)."""
    return _facts.digest_of(type_, occurred, source, data)


def fact_from_draft(draft: Draft | Stored) -> Fact:
    """Return what the append path needs of *draft*: the reference for the fast path's facts."""
    from .validate import _defines, _refs

    ev = draft.event
    return Fact(
        type=draft.type,
        id=draft.id,
        occurred=draft.occurred.text if draft.occurred else None,
        source=draft.source,
        data=canonical(_event_data(ev)).decode(),
        refs=tuple(_refs(draft)),
        defines=_defines(draft),
        target=ev.event if isinstance(ev, EventRetracted) else None,
    )


def stored_to_obj(stored: Stored) -> dict[str, Any]:
    """Unstructure a stored event into its line object, keys in the documented order."""
    obj: dict[str, Any] = {"seq": stored.seq, "id": stored.id, "type": stored.type}
    if stored.occurred is not None:
        obj["occurred"] = stored.occurred.text
    obj["recorded"] = stored.recorded
    if stored.source is not None:
        obj["source"] = stored.source
    obj["data"] = _event_data(stored.event)
    obj["prev"] = stored.prev
    obj["hash"] = stored.hash
    return obj


def stored_from_obj(obj: object) -> Stored:
    """Structure one committed line object, after the upcasters; raise EventDecodeError."""
    if not isinstance(obj, dict):
        raise EventDecodeError("expected a JSON object")
    for upcast in UPCASTERS:
        obj = upcast(obj)
    extra = set(obj) - STORED_KEYS
    if extra:
        raise EventDecodeError(f"unknown field(s) {', '.join(sorted(extra))}")
    missing = {"seq", "id", "type", "recorded", "data", "prev", "hash"} - set(obj)
    if missing:
        raise EventDecodeError(f"missing field(s) {', '.join(sorted(missing))}")
    if not isinstance(obj["seq"], int) or isinstance(obj["seq"], bool):
        raise EventDecodeError("seq: expected an integer")
    for key in ("id", "recorded", "prev", "hash"):
        if not isinstance(obj[key], str):
            raise EventDecodeError(f"{key}: expected a string")
    return Stored(
        seq=obj["seq"],
        id=obj["id"],
        event=_structure_event(obj["type"], obj["data"]),
        recorded=obj["recorded"],
        occurred=_occurred(obj["type"], obj),
        source=_opt_str(obj, "source"),
        prev=obj["prev"],
        hash=obj["hash"],
    )
