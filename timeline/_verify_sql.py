"""Find the first bad line of a log with set-based SQL in an in-memory DuckDB.

The checks of :class:`timeline._verify_python.Checker` are restated as
queries over every line at once (``sql/verify/*.sql``).  The per-type codec
rules are generated here from the event classes in :mod:`timeline.events`,
and values with a grammar of their own (date values, durations, unusual
timestamps) are checked by the Python parsers once per distinct value, so
each rule keeps one source.  The scan only answers "which line fails first";
:mod:`timeline.verify` asks the Python checker what is wrong with it.
"""

from __future__ import annotations

import functools
import json
import os
import re
import tempfile
import threading
from collections.abc import Iterator
from hashlib import sha256
from importlib import resources
from pathlib import Path
from typing import Any

import attrs
import duckdb

from . import events
from ._hashing import _HASH, _HASH_MEMBER, _ID, GENESIS
from ._verify_python import Checker, check_timestamp, hash_matches
from .dates import DateValue
from .errors import LogCorruptError
from .events import SLUG, TYPES, WITH_OCCURRED
from .validate import ID, KINDS

__all__ = ["BadText", "Resized", "Scan", "Unsupported", "connect"]

#: The kind of key each slug field names (validate._refs and _defines say the same).
REF_KIND = {
    "person": "person",
    "founders": "person",
    "outgoing": "person",
    "incoming": "person",
    "authors": "person",
    "org": "org",
    "parent": "org",
    "into": "org",
    "source": "source",
    "paper": "paper",
}
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
_LISTS = {"slugs", "texts"}


class Unsupported(Exception):
    """A line the scan cannot hold (an integer beyond 64 bits, a lone surrogate)."""


class Resized(Exception):
    """The file no longer holds exactly the committed prefix that was measured."""


class BadText(Exception):
    """The file is not UTF-8 throughout."""


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


def _rebuild(enc: str, encl: str) -> str:
    """Return SQL that writes parsed line ``j`` back in canonical form (hash included)."""

    def opt(key: str, value: str) -> str:
        return f"CASE WHEN {value} IS NOT NULL THEN concat(',\"{key}\":', {enc}({value})) END"

    members = ", ".join(
        f'CASE WHEN j.data."{k}" IS NOT NULL THEN concat(\',"{k}":\', '
        f'{encl if v in _LISTS else enc}(j.data."{k}")) END'
        for k, v in FIELDS.items()
    )
    return (
        f"""concat(CASE WHEN j.commit THEN '{{"commit":true,' ELSE '{{' END, """
        f"""CASE WHEN j.data IS NOT NULL THEN concat('"data":{{', """
        f"""substr(concat('', {members}), 2), '}},') END, """
        f"""'"hash":', {enc}(j.hash), ',"id":', {enc}(j.id), {opt("occurred", "j.occurred")}, """
        f"""',"prev":', {enc}(j.prev), ',"recorded":', {enc}(j.recorded), """
        f"""',"seq":', j.seq::VARCHAR, {opt("source", "j.source")}, """
        f"""',"type":', {enc}(j.type), '}}')"""
    )


def _keys(parts: list[tuple[str, str, str]]) -> str:
    """Return a UNION ALL of (n, kind, key) over ``ev``, one part per (kind, expr, where)."""
    return " UNION ALL ".join(
        f"SELECT n, {KINDS.index(kind)} AS kind, {expr} AS key FROM ev WHERE {where}"
        for kind, expr, where in parts
    )


@functools.cache
def _markers() -> dict[str, str]:
    def q(name: str) -> str:
        return f'j.data."{name}"'

    struct = {
        "commit": "BOOLEAN",
        "data": {k: ["VARCHAR"] if v in _LISTS else "VARCHAR" for k, v in FIELDS.items()},
        **{k: "VARCHAR" for k in ("hash", "id", "occurred", "prev", "recorded", "source")},
        "seq": "BIGINT",
        "type": "VARCHAR",
    }
    per_type = []
    for tag, cls in TYPES.items():
        names = {f.name: f.default is attrs.NOTHING for f in attrs.fields(cls)}
        terms = [f"{q(k)} IS NOT NULL" for k, required in names.items() if required]
        terms += [f"{q(k)} IS NULL" for k in FIELDS if k not in names]
        if tag in POST_INIT:
            terms.append(f"({POST_INIT[tag].replace('d.', 'j.data.')})")
        per_type.append(f"WHEN '{tag}' THEN {' AND '.join(terms)}")
    checks = {"slug": "v_slug", "slugs": "v_slugs", "text": "v_text", "texts": "v_texts"}
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
        "REBUILD_ESCAPED": _rebuild("v_enc", "v_encl"),
        "REBUILD_PLAIN": _rebuild("v_plain", "v_plainl"),
        "CODEC": f"coalesce({codec}, false)",
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


def _statements(name: str, markers: dict[str, str]) -> Iterator[str]:
    text = (resources.files("timeline") / "sql" / "verify" / f"{name}.sql").read_text("utf-8")
    for key, value in markers.items():
        text = text.replace(f"@{key}@", value)
    for statement in re.split(r";\s*\n", text):
        body = "\n".join(ln for ln in statement.splitlines() if not ln.lstrip().startswith("--"))
        if body.strip():
            yield body


def connect() -> duckdb.DuckDBPyConnection:
    """Open the in-memory database a scan runs in, under the projection's memory limit."""
    con = duckdb.connect(":memory:")
    limit = os.environ.get("TIMELINE_MEMORY_LIMIT")
    if limit:
        con.execute("SET memory_limit = $limit", {"limit": limit})
    con.execute("SET preserve_insertion_order = false")
    return con


class Scan:
    """The lines of one log (or of its first lines) loaded and parsed in DuckDB."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, path: Path, size: int, from_seq: int
    ) -> None:
        self.con, self.path, self.size, self.from_seq = con, path, size, from_seq
        self.markers = _markers()
        # The hash of every line is checked on its bytes in a thread meanwhile (DuckDB
        # runs without the GIL, and splitting the file into lines uses one core).
        self._hashes: list[list[int]] = []
        self._worker = threading.Thread(
            target=lambda: self._hashes.append(hash_mismatches(path, size, from_seq))
        )
        self._worker.start()
        try:
            self._load()
        except BaseException:
            self._worker.join()
            raise

    def _load(self) -> None:
        try:
            self._run("lines", {"path": str(self.path)})
        except (duckdb.ConversionException, duckdb.InvalidInputException) as exc:
            if "utf8" in str(exc).lower().replace("-", ""):
                raise BadText from None
            raise
        count, chars = self._one("SELECT count(*), coalesce(sum(strlen(line)), 0) FROM lines")
        if chars + count - 1 != self.size:
            raise Resized
        last = self._one("SELECT line FROM lines WHERE n = $n", {"n": count})
        self.ends_with_newline = last is not None and last[0] == ""
        if self.ends_with_newline:  # the empty string after the final newline is no line
            self.con.execute("DELETE FROM lines WHERE n = $n", {"n": count})
            count -= 1
        self.total = count

    def _run(
        self, name: str, params: dict[str, Any] | None = None, markers: dict[str, str] | None = None
    ) -> list[Any]:
        results = []
        for body in _statements(name, {**self.markers, **(markers or {})}):
            used = {k: v for k, v in (params or {}).items() if f"${k}" in body}
            result = self.con.execute(body, used)
            results.append(None if body.lstrip().startswith("CREATE") else result.fetchone())
        return results

    def _one(self, sql: str, params: dict[str, Any] | None = None) -> Any:
        return self.con.execute(sql, params or {}).fetchone()

    def parse(self) -> int | None:
        """Parse every line; check the irregular ones in Python; return a codec failure."""
        try:
            self._run("macros")
            try:  # TRY costs a third of the parse: only a log with broken JSON needs it
                self._run("parse", markers={"TRY": ""})
            except duckdb.InvalidInputException:
                self._run("parse", markers={"TRY": "TRY"})
        finally:
            self._worker.join()
        if not self._hashes:
            raise RuntimeError("verify: the hash check stopped early")
        failed, fixed, fixed_bad = self._fix(self.from_seq)
        bad = sorted((set(self._hashes[0]) - fixed) | fixed_bad)
        self.con.execute(
            "CREATE OR REPLACE TEMP TABLE hash_bad AS SELECT unnest($b) AS n", {"b": bad}
        )
        self._values()
        self._run("keys")
        return failed

    def _fix(self, from_seq: int) -> tuple[int | None, set[int], set[int]]:
        """Decode the lines SQL could not read as canonical with the Python codec.

        Return the first line the codec refuses (lines after it do not matter),
        the lines decoded here, and those of them whose hash is wrong.
        """
        checker = Checker(self.path, from_seq)
        rows: list[dict[str, Any]] = []
        fixed: set[int] = set()
        fixed_bad: set[int] = set()
        failed = None
        cur = self.con.execute(
            "SELECT l.n, l.line FROM lines l JOIN ev USING (n) WHERE NOT ev.regular ORDER BY l.n"
        )
        while failed is None and (batch := cur.fetchmany(10_000)):
            for n, line in batch:
                try:
                    obj, stored = checker.decode(n, line.encode("utf-8") + b"\n")
                except LogCorruptError:
                    failed = n
                    break
                rows.append(_record(n, obj, stored))
                fixed.add(n)
                if n >= from_seq and not hash_matches(obj):
                    fixed_bad.add(n)
        if rows:
            self._update(rows)
        return failed, fixed, fixed_bad

    def _update(self, rows: list[dict[str, Any]]) -> None:
        """Put the Python reading of the irregular lines into ``ev``."""
        lists = {k for k in KEPT if FIELDS[k] in _LISTS}
        columns = {
            "n": "BIGINT",
            "seq": "BIGINT",
            **{k: "VARCHAR" for k in ("id", "type", "recorded", "prev", "hash", "source")},
            "commit_true": "BOOLEAN",
            "commit_bad": "BOOLEAN",
            **{f"d_{k}": "VARCHAR[]" if k in lists else "VARCHAR" for k in KEPT},
        }
        with tempfile.TemporaryDirectory(prefix="timeline-verify-") as folder:
            scratch = Path(folder) / "fix.jsonl"
            with open(scratch, "w", encoding="utf-8") as fh:
                for row in rows:
                    fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            spec = ", ".join(f"{k}: '{v}'" for k, v in columns.items())
            self.con.execute(
                "CREATE OR REPLACE TEMP TABLE fix AS SELECT * FROM read_json($p, "
                f"format = 'newline_delimited', columns = {{{spec}}})",
                {"p": str(scratch)},
            )
        sets = ", ".join(f"{k} = f.{k}" for k in columns if k != "n")
        self.con.execute(
            f"UPDATE ev SET codec_ok = true, occurred = NULL, {sets} FROM fix f WHERE ev.n = f.n"
        )

    def _values(self) -> None:
        """Check each distinct date value, duration and unusual timestamp once, in Python."""
        self.con.execute("CREATE OR REPLACE TEMP TABLE bad_values (kind VARCHAR, v VARCHAR)")
        wanted = {
            "date": "SELECT occurred FROM ev UNION SELECT d_published FROM ev",
            "duration": "SELECT DISTINCT d_tenure FROM ev",
            # the usual form is proved in SQL; anything else is asked of Python
            "recorded": "SELECT v FROM (SELECT DISTINCT recorded AS v FROM ev) WHERE NOT ("
            "regexp_full_match(v, '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
            "[.][0-9]{6}Z') AND v >= '1000' "
            "AND try_strptime(v, '%Y-%m-%dT%H:%M:%S.%fZ') IS NOT NULL)",
        }
        bad = []
        for kind, sql in wanted.items():
            for (value,) in self.con.execute(sql).fetchall():
                if value is not None and not _accepts(kind, value):
                    bad.append((kind, value))
        if bad:
            self.con.executemany("INSERT INTO bad_values VALUES (?, ?)", bad)

    def first_bad(self, final: bool) -> int | None:
        """Return the first line that fails a check, or None when every line passes."""
        found = [row[0] for row in self._run("checks", {"from": self.from_seq}) if row]
        if self.total and not self.ends_with_newline:
            found.append(self.total)  # torn
        if final and self.total:
            (commit,) = self._one("SELECT commit_true FROM ev WHERE n = $n", {"n": self.total})
            if not commit:
                found.append(self.total)
        return min((n for n in found if n is not None), default=None)

    def line(self, n: int) -> bytes:
        """Return line *n* as it is in the file (with its newline unless it is torn)."""
        (text,) = self._one("SELECT line FROM lines WHERE n = $n", {"n": n})
        torn = n == self.total and not self.ends_with_newline
        return str(text).encode("utf-8") + (b"" if torn else b"\n")

    def state(self, n: int) -> tuple[int, str, str]:
        """Return (seq, hash, recorded) of line *n*, as the checker holds them after it."""
        if n < 1:
            return 0, GENESIS, ""
        seq, last_hash, recorded = self._one(
            "SELECT seq, hash, recorded FROM ev WHERE n = $n", {"n": n}
        )
        return int(seq), str(last_hash), str(recorded)

    def defined(self, keys: list[tuple[str, str]], before: int) -> list[tuple[str, str]]:
        """Return those of *keys* (kind, key) that lines before *before* add."""
        rows = self.con.execute(
            "SELECT DISTINCT kind, key FROM defs WHERE n < $b AND list_contains($k, key)",
            {"b": before, "k": [key for _, key in keys]},
        ).fetchall()
        found = {(KINDS[kind], key) for kind, key in rows}
        return [k for k in keys if k in found]

    def logged(self, event_id: str, before: int) -> tuple[int, bool] | None:
        """Return the last line before *before* with id *event_id*, and if it is retracted."""
        (last,) = self._one(
            "SELECT max(n) FROM ev WHERE id = $i AND n < $b", {"i": event_id, "b": before}
        )
        if last is None:
            return None
        (retracted,) = self._one(
            "SELECT count(*) > 0 FROM ev WHERE type = 'EventRetracted' AND d_event = $i "
            "AND n > $l AND n < $b",
            {"i": event_id, "l": last, "b": before},
        )
        return last, retracted


def _accepts(kind: str, value: str) -> bool:
    try:
        if kind == "date":
            DateValue.parse(value)
        elif kind == "duration":
            events._duration(None, _TENURE, value)
        else:
            check_timestamp(value)
    except (ValueError, TypeError):
        return False
    return True


_TENURE = attrs.fields(events.PersonLeft).tenure


def _record(n: int, obj: dict[str, Any], stored: events.Stored) -> dict[str, Any]:
    """Return what the scan keeps of a line the Python codec accepted."""
    ev = stored.event
    row: dict[str, Any] = {
        "n": n,
        "seq": stored.seq,
        "id": stored.id,
        "type": stored.type,
        "recorded": stored.recorded,
        "prev": stored.prev,
        "hash": stored.hash,
        "source": stored.source,
        "commit_true": obj.get("commit") is True,
        "commit_bad": "commit" in obj and obj["commit"] is not True,
    }
    for key in KEPT:
        value = getattr(ev, key, None)
        # its dates and durations were checked by the codec already
        row[f"d_{key}"] = None if FIELDS[key] in ("date", "duration") else value
    if not -(2**63) <= stored.seq < 2**63:
        raise Unsupported(f"line {n}: seq {stored.seq} does not fit 64 bits")
    try:
        json.dumps(row, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise Unsupported(f"line {n}: a lone surrogate") from None
    return row


def hash_mismatches(path: Path, size: int, from_line: int) -> list[int]:
    """Return the lines (from *from_line* on) whose bytes do not hash to their ``hash``.

    A canonical line holds the hashed bytes once its hash member is cut out
    (the layout of :func:`timeline._hashing.unstamp`, spelled out here because
    this loop is the hot path); any other line is listed too, and its hash is
    then checked by the codec (Scan._fix).  Python's OpenSSL hashes faster
    than DuckDB's sha256, and this runs in a thread beside the scan.
    """
    bad: list[int] = []
    number, rest, left = 0, b"", size
    with open(path, "rb") as fh:
        while left > 0:
            chunk = fh.read(min(1 << 24, left))
            if not chunk:
                break
            left -= len(chunk)
            lines = (rest + chunk).split(b"\n")
            rest = lines.pop()
            for line in lines:
                number += 1
                if number < from_line:
                    continue
                at = line.rfind(_HASH)
                end = at + _HASH_MEMBER  # just after the member's closing quote
                if at < 0 or line[end - 1 : end + len(_ID)] != b'"' + _ID:
                    bad.append(number)
                    continue
                digest = sha256(line[:at])
                digest.update(line[end:])
                if digest.hexdigest().encode() != line[at + len(_HASH) : end - 1]:
                    bad.append(number)
    if rest:
        bad.append(number + 1)  # a torn line, reported as such
    return bad
