"""Acceptance tests of the bundled Meta/Llama dataset (``events/meta.jsonl``).

The bundled log is built from ``events/inputs/meta/*.jsonl``, each batch appended with its
own ``--recorded-at`` (see ``events/inputs/meta/README.md`` and ``docs/dataset.md``).  These
tests read it through the public Python API only: ``Timeline.team``, ``Timeline.leaders``,
``Timeline.person`` and ``Timeline.events``.  Departures and flows are computed here from
the visible events, so that they check the data, not a query.
"""

from __future__ import annotations

import json
import re
import statistics
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

import timeline
from timeline import DateValue

#: The batches of the bundled log, in order, with the ``--recorded-at`` each was appended with.
BATCHES = (
    ("01-article.jsonl", "2025-05-26T12:00:00Z"),
    ("02-sources.jsonl", "2025-06-15T00:00:00Z"),
    ("03-corrections.jsonl", "2025-06-20T00:00:00Z"),
    ("04-pineau-cohere.jsonl", "2025-11-30T00:00:00Z"),
)

#: The end of the article's publication day: the log as it stood when only the article was in.
ARTICLE_KNOWN_AT = "2025-05-26T23:59:59Z"
#: After the sources and corrections, before Pineau's move to Cohere was reported.
BEFORE_COHERE_KNOWN_AT = "2025-06-30T00:00:00Z"

#: The 14 authors of "LLaMA: Open and Efficient Foundation Language Models", in paper order.
LLAMA_AUTHORS = (
    "hugo-touvron",
    "thibaut-lavril",
    "gautier-izacard",
    "xavier-martinet",
    "marie-anne-lachaux",
    "timothee-lacroix",
    "baptiste-roziere",
    "naman-goyal",
    "eric-hambro",
    "faisal-azhar",
    "aurelien-rodriguez",
    "armand-joulin",
    "edouard-grave",
    "guillaume-lample",
)

#: The three authors still at Meta when the article appeared.
STAYED = frozenset({"hugo-touvron", "xavier-martinet", "faisal-azhar"})

#: The eleven who left: the month the article gives (as a date value) and the tenure it reports.
LEFT_PER_ARTICLE = {
    "naman-goyal": ("2025-02", "P6Y7M"),
    "baptiste-roziere": ("2024-08", "P5Y1M"),
    "aurelien-rodriguez": ("2024-07", "P2Y7M"),
    "eric-hambro": ("2023-11", "P3Y3M"),
    "timothee-lacroix": ("2023-06", "P8Y5M"),
    "marie-anne-lachaux": ("2023-06", "P5Y"),
    "thibaut-lavril": ("2023-06", "P4Y5M"),
    "armand-joulin": ("2023-05", "P8Y8M"),
    "gautier-izacard": ("2023-03", "P3Y2M"),
    "edouard-grave": ("2023-02", "P7Y2M"),
    "guillaume-lample": ("[2023-01..2023-04]", "P7Y"),
}
#: The same after the corrections: only Izacard's month moves (a 2023 report), not his tenure.
LEFT_NOW = {**LEFT_PER_ARTICLE, "gautier-izacard": ("2023-04", "P3Y2M")}

#: Expected statuses of the authors in Meta's team (authors absent from a mapping are absent).
META_2025_05 = {person: "definite" for person in STAYED}
META_2024_08 = {**META_2025_05, "naman-goyal": "definite", "baptiste-roziere": "definite"}
#: In January 2023 all 14 were there; the three who stayed have an unknown start (on or before
#: the paper's announcement, 2023-02-24), so they are only possible members that month.
META_2023_01 = {
    person: ("possible" if person in STAYED else "definite") for person in LLAMA_AUTHORS
}

#: The five authors at Mistral as of the article.
MISTRAL_FIVE = frozenset(
    {
        "baptiste-roziere",
        "timothee-lacroix",
        "marie-anne-lachaux",
        "thibaut-lavril",
        "guillaume-lample",
    }
)

#: The first employer after Meta of each author who left, in the article and now.
NEXT_EMPLOYER_PER_ARTICLE = {
    "naman-goyal": "thinking-machines-lab",
    "baptiste-roziere": "mistral",
    "aurelien-rodriguez": "cohere",
    "eric-hambro": "anthropic",
    "timothee-lacroix": "mistral",
    "marie-anne-lachaux": "mistral",
    "thibaut-lavril": "mistral",
    "armand-joulin": "google-deepmind",
    "gautier-izacard": "microsoft-ai",
    "edouard-grave": "kyutai",
    "guillaume-lample": "mistral",
}
#: Corrections: Izacard went to Inflection first (The Information / a 2023 report), Joulin
#: to Apple first (The Information, August 2023).
NEXT_EMPLOYER_NOW = {
    **NEXT_EMPLOYER_PER_ARTICLE,
    "gautier-izacard": "inflection",
    "armand-joulin": "apple",
}

TELUGU = re.compile(r"[\u0C00-\u0C7F]")
DURATION = re.compile(r"P(?:(\d+)Y)?(?:(\d+)M)?")


# -- fixtures and helpers ------------------------------------------------------------------


@pytest.fixture(scope="module")
def tl(bundled: timeline.Timeline) -> timeline.Timeline:
    """The bundled log (conftest's ``bundled``), read under the name these tests use."""
    return bundled


def inputs_dir() -> Path:
    """Return the folder of the input batches, beside the bundled log (checkout or wheel)."""
    return timeline.bundled_log().parent / "inputs" / "meta"


def statuses(rows: list[dict[str, Any]], people: Any = LLAMA_AUTHORS) -> dict[str, str]:
    """Map each of *people* found in team *rows* to its status."""
    wanted = set(people)
    return {row["person"]: row["status"] for row in rows if row["person"] in wanted}


def when(timestamp: str) -> datetime:
    """Parse a log or known-at timestamp (RFC 3339, ``Z``) into an aware datetime."""
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).astimezone(UTC)


def visible_events(tl: timeline.Timeline, known_at: str | None = None) -> list[dict[str, Any]]:
    """Return the events as the log stood at *known_at*: recorded by then, not retracted by then."""
    events = tl.events()
    cutoff = when(known_at) if known_at else None
    retracted_at = {
        e["data"]["event"]: when(e["recorded"]) for e in events if e["type"] == "EventRetracted"
    }
    seen = []
    for e in events:
        if cutoff is not None and when(e["recorded"]) > cutoff:
            continue
        gone = retracted_at.get(e["id"])
        if gone is not None and (cutoff is None or gone <= cutoff):
            continue
        seen.append(e)
    return seen


def months(duration: str) -> int:
    """Return the whole months of an ISO 8601 duration of years and months (``P6Y7M`` -> 79)."""
    match = DURATION.fullmatch(duration)
    assert match, duration
    return int(match[1] or 0) * 12 + int(match[2] or 0)


def meta_departures(
    tl: timeline.Timeline, known_at: str | None = None
) -> dict[str, tuple[str, str]]:
    """Map each author who left Meta in 2023-01..2025-12 to (occurred, tenure)."""
    period_lo, period_hi = date(2023, 1, 1), date(2025, 12, 31)
    found: dict[str, tuple[str, str]] = {}
    for e in visible_events(tl, known_at):
        data = e["data"]
        if e["type"] != "PersonLeft" or data["org"] != "meta":
            continue
        if data["person"] not in LLAMA_AUTHORS:
            continue
        value = DateValue.parse(e["occurred"])
        assert value.lo is not None and value.hi is not None
        if period_lo <= value.lo and value.hi <= period_hi:
            assert data["person"] not in found, f"two departures for {data['person']}"
            found[data["person"]] = (e["occurred"], data["tenure"])
    return found


def next_employers(tl: timeline.Timeline, known_at: str | None = None) -> dict[str, str]:
    """Map each author who left Meta to the org of their earliest join outside Meta and FAIR."""
    joins: dict[str, list[tuple[date, date, str]]] = {}
    meta_units = {"meta"}
    visible = visible_events(tl, known_at)
    for e in visible:
        if e["type"] == "OrgFounded" and e["data"].get("parent") in meta_units:
            meta_units.add(e["data"]["org"])
    for e in visible:
        data = e["data"]
        if e["type"] == "PersonJoined" and data["org"] not in meta_units:
            value = DateValue.parse(e["occurred"])
            lo = value.lo or date.min
            hi = value.hi or date.max
            joins.setdefault(data["person"], []).append((lo, hi, data["org"]))
    return {person: min(joins[person])[2] for person in meta_departures(tl, known_at)}


# -- the log and its inputs -----------------------------------------------------------------


def test_bundled_log_is_the_input_batches_appended_in_order(tl: timeline.Timeline) -> None:
    """The bundled log holds exactly the input batches' events, stamped with their recorded-at."""
    logged = tl.events()
    expected: list[tuple[dict[str, Any], datetime]] = []
    for name, batch_recorded_at in BATCHES:
        for line in (inputs_dir() / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                expected.append((json.loads(line), when(batch_recorded_at)))
    assert len(logged) == len(expected)
    for got, (want, recorded_at) in zip(logged, expected, strict=True):
        assert got["id"] == want["id"]
        assert got["type"] == want["type"]
        assert got["occurred"] == want.get("occurred")
        assert got["source"] == want.get("source")
        assert got["data"] == want["data"]
        assert when(got["recorded"]) == recorded_at


def test_every_event_but_a_source_cites_a_source_added_before_it(tl: timeline.Timeline) -> None:
    """Every event other than SourceAdded cites the slug of a source added earlier in the log."""
    sources: set[str] = set()
    for e in tl.events():
        if e["type"] == "SourceAdded":
            sources.add(e["data"]["source"])
        else:
            assert e["source"] in sources, e["id"]


def test_input_ids_are_explicit_and_unique() -> None:
    """Every input line has an explicit id, and no id is used twice across the batches."""
    ids = []
    for name, _ in BATCHES:
        for line in (inputs_dir() / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                ids.append(json.loads(line)["id"])
    assert all(ids)
    assert len(ids) == len(set(ids))


def test_corrections_retract_only_dated_claims_recorded_before_them(tl: timeline.Timeline) -> None:
    """Each retraction targets an earlier dated event, never a source, person or org."""
    events = tl.events()
    by_id = {e["id"]: e for e in events}
    retractions = [e for e in events if e["type"] == "EventRetracted"]
    assert retractions
    for r in retractions:
        target = by_id[r["data"]["event"]]
        assert target["seq"] < r["seq"]
        assert target["occurred"] is not None
        assert when(r["recorded"]) > when(ARTICLE_KNOWN_AT)


# -- people and the paper -------------------------------------------------------------------


def test_paper_lists_the_fourteen_authors_in_order(tl: timeline.Timeline) -> None:
    """The LLaMA paper is recorded once, with its 14 authors in the paper's order."""
    papers = [e for e in tl.events(type="PaperPublished") if e["data"]["paper"] == "llama-2023"]
    assert len(papers) == 1
    assert tuple(papers[0]["data"]["authors"]) == LLAMA_AUTHORS


def test_each_author_has_an_accented_name_and_a_telugu_alias(tl: timeline.Timeline) -> None:
    """Every author's record keeps the name's accents and a Telugu spelling from the article."""
    names = {}
    for person in LLAMA_AUTHORS:
        record = tl.person(person)
        names[person] = record["name"]
        assert any(TELUGU.search(alias) for alias in record["aliases"]), person
    assert names["baptiste-roziere"] == "Baptiste Rozière"
    assert names["timothee-lacroix"] == "Timothée Lacroix"
    assert names["aurelien-rodriguez"] == "Aurélien Rodriguez"
    assert "హ్యూగో టూవ్రోన్" in tl.person("hugo-touvron")["aliases"]


# -- the article's claims, as we know them now ---------------------------------------------


def test_meta_as_of_2025_05_keeps_only_three_authors(tl: timeline.Timeline) -> None:
    """As of May 2025, Touvron, Martinet and Azhar are the only authors at Meta, all definite."""
    assert statuses(tl.team("meta", as_of="2025-05")) == META_2025_05


def test_meta_as_of_2024_08_adds_goyal_and_roziere_not_rodriguez(tl: timeline.Timeline) -> None:
    """As of August 2024, Goyal and Rozière (who left that month) are there, Rodriguez is not."""
    assert statuses(tl.team("meta", as_of="2024-08")) == META_2024_08


def test_meta_as_of_2023_01_has_all_fourteen_authors(tl: timeline.Timeline) -> None:
    """As of January 2023 all 14 authors are at Meta (the three with unknown start as possible)."""
    assert statuses(tl.team("meta", as_of="2023-01")) == META_2023_01


def test_roziere_left_during_august_2024(tl: timeline.Timeline) -> None:
    """Rozière is definite for August 2024, possible for 2024-08-15 and absent for September."""
    assert statuses(tl.team("meta", as_of="2024-08"))["baptiste-roziere"] == "definite"
    assert statuses(tl.team("meta", as_of="2024-08-15"))["baptiste-roziere"] == "possible"
    assert "baptiste-roziere" not in statuses(tl.team("meta", as_of="2024-09"))


def test_mistral_as_of_2025_05_has_the_five(tl: timeline.Timeline) -> None:
    """As of May 2025, Rozière, Lacroix, Lachaux, Lavril and Lample are among Mistral's members."""
    found = statuses(tl.team("mistral", as_of="2025-05"))
    assert set(found) == MISTRAL_FIVE
    assert set(found.values()) == {"definite"}


def test_fair_is_led_by_pineau_as_of_2025_01(tl: timeline.Timeline) -> None:
    """As of January 2025, Joelle Pineau alone is head of FAIR."""
    rows = tl.leaders("fair", as_of="2025-01")
    assert [(r["person"], r["title"], r["status"]) for r in rows] == [
        ("joelle-pineau", "head", "definite")
    ]


def test_fair_is_led_by_fergus_as_of_2025_06(tl: timeline.Timeline) -> None:
    """As of June 2025, Robert Fergus alone is head of FAIR."""
    rows = tl.leaders("fair", as_of="2025-06")
    assert [(r["person"], r["title"], r["status"]) for r in rows] == [
        ("robert-fergus", "head", "definite")
    ]


def test_fair_was_founded_by_lecun_who_led_it_until_2018(tl: timeline.Timeline) -> None:
    """FAIR, a unit of Meta, was headed by Yann LeCun from its founding in December 2013 to 2018."""
    assert [r["person"] for r in tl.leaders("fair", as_of="2016")] == ["yann-lecun"]
    assert tl.leaders("fair", as_of="2020") == []
    assert "yann-lecun" in statuses(tl.team("meta", as_of="2014"), people={"yann-lecun"})


def test_departures_2023_to_2025_are_eleven_with_736_months(tl: timeline.Timeline) -> None:
    """Eleven authors left Meta in 2023-2025; tenures sum to 736 months (mean 66.9, median 61)."""
    found = meta_departures(tl)
    assert found == LEFT_NOW
    tenures = [months(tenure) for _, tenure in found.values()]
    assert sum(tenures) == 736
    assert round(statistics.mean(tenures), 1) == 66.9
    assert statistics.median(tenures) == 61
    assert statistics.mean(tenures) > 60  # the article's "over five years"


def test_five_authors_went_from_meta_to_mistral(tl: timeline.Timeline) -> None:
    """Mistral is the next employer after Meta of exactly five authors."""
    nxt = next_employers(tl)
    assert nxt == NEXT_EMPLOYER_NOW
    assert {p for p, org in nxt.items() if org == "mistral"} == MISTRAL_FIVE


def test_lacroix_cofounded_mistral_before_his_last_month_at_meta(tl: timeline.Timeline) -> None:
    """Lacroix's stints overlap: he is a member of both Meta and Mistral in May 2023."""
    assert statuses(tl.team("meta", as_of="2023-05"))["timothee-lacroix"] == "definite"
    assert statuses(tl.team("mistral", as_of="2023-05"))["timothee-lacroix"] == "definite"


# -- the article's view (--known-at its publication day) -----------------------------------


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [("2025-05", META_2025_05), ("2024-08", META_2024_08), ("2023-01", META_2023_01)],
)
def test_article_view_of_meta_matches_the_article(
    tl: timeline.Timeline, as_of: str, expected: dict[str, str]
) -> None:
    """Known at the article's publication day, Meta's team of authors is as the article says."""
    rows = tl.team("meta", as_of=as_of, known_at=ARTICLE_KNOWN_AT)
    assert statuses(rows) == expected


def test_article_view_of_mistral_has_the_five_and_not_mensch(tl: timeline.Timeline) -> None:
    """Known at the article's day, Mistral has the five authors; Mensch came in a later batch."""
    article = statuses(
        tl.team("mistral", as_of="2025-05", known_at=ARTICLE_KNOWN_AT),
        people=[*LLAMA_AUTHORS, "arthur-mensch"],
    )
    now = statuses(tl.team("mistral", as_of="2025-05"), people=["arthur-mensch"])
    assert set(article) == MISTRAL_FIVE
    assert now == {"arthur-mensch": "definite"}


def test_article_view_of_departures_and_flows(tl: timeline.Timeline) -> None:
    """Known at the article's day, the 11 departures and next employers are the article's own."""
    assert meta_departures(tl, ARTICLE_KNOWN_AT) == LEFT_PER_ARTICLE
    tenures = [months(t) for _, t in meta_departures(tl, ARTICLE_KNOWN_AT).values()]
    assert sum(tenures) == 736
    nxt = next_employers(tl, ARTICLE_KNOWN_AT)
    assert nxt == NEXT_EMPLOYER_PER_ARTICLE
    assert sum(org == "mistral" for org in nxt.values()) == 5


def test_pineau_led_fair_since_2017_per_article_but_since_2023_now(tl: timeline.Timeline) -> None:
    """Pineau heads FAIR from 2017 in the article's view ("eight years"), from early 2023 now."""
    article = tl.leaders("fair", as_of="2020", known_at=ARTICLE_KNOWN_AT)
    assert [(r["person"], r["status"]) for r in article] == [("joelle-pineau", "definite")]
    assert tl.leaders("fair", as_of="2020") == []
    assert [r["person"] for r in tl.leaders("fair", as_of="2024")] == ["joelle-pineau"]


def test_article_view_of_fair_in_2025(tl: timeline.Timeline) -> None:
    """Known at the article's day, Pineau heads FAIR in January 2025 and Fergus in June 2025."""
    jan = tl.leaders("fair", as_of="2025-01", known_at=ARTICLE_KNOWN_AT)
    jun = tl.leaders("fair", as_of="2025-06", known_at=ARTICLE_KNOWN_AT)
    assert {r["person"]: r["status"] for r in jan}["joelle-pineau"] == "definite"
    assert [(r["person"], r["status"]) for r in jun] == [("robert-fergus", "definite")]


def test_izacard_left_in_march_per_article_but_april_now(tl: timeline.Timeline) -> None:
    """Izacard is gone from Meta by April 2023 in the article's view, and there that month now."""
    article = statuses(tl.team("meta", as_of="2023-04", known_at=ARTICLE_KNOWN_AT))
    now = statuses(tl.team("meta", as_of="2023-04"))
    assert "gautier-izacard" not in article
    assert now["gautier-izacard"] == "definite"


def test_joulin_went_to_apple_before_google_deepmind(tl: timeline.Timeline) -> None:
    """Joulin may be at Google DeepMind in June 2023 per the article; now he is at Apple first."""
    article = statuses(tl.team("google-deepmind", as_of="2023-06", known_at=ARTICLE_KNOWN_AT))
    assert article == {"armand-joulin": "possible"}
    assert statuses(tl.team("google-deepmind", as_of="2023-06")) == {}
    assert statuses(tl.team("apple", as_of="2023-08")) == {"armand-joulin": "definite"}


def test_fergus_joined_fair_in_2014_as_co_founder_per_article_not_now(
    tl: timeline.Timeline,
) -> None:
    """Fergus joined FAIR in 2014 as "co-founder" per the article, as "research scientist" now."""

    def fergus(known_at: str | None) -> dict[str, Any]:
        rows = tl.team("fair", as_of="2016", known_at=known_at)
        return next(r for r in rows if r["person"] == "robert-fergus")

    assert fergus(ARTICLE_KNOWN_AT)["role"] == "co-founder"
    assert fergus(None)["role"] == "research scientist"
    assert fergus(None)["joined"] == "2014"


def test_pineau_joins_cohere_only_in_the_november_batch(tl: timeline.Timeline) -> None:
    """Pineau's move to Cohere is unknown in June 2025 and known from the November batch on."""
    before = statuses(
        tl.team("cohere", as_of="2025-11", known_at=BEFORE_COHERE_KNOWN_AT),
        people={"joelle-pineau"},
    )
    now = statuses(tl.team("cohere", as_of="2025-11"), people={"joelle-pineau"})
    assert before == {}
    assert now == {"joelle-pineau": "definite"}
    assert "joelle-pineau" not in statuses(
        tl.team("meta", as_of="2025-06"), people={"joelle-pineau"}
    )


# -- the article's figures through the named queries (`timeline query`) -------------------


def _query(log: Path, name: str, **params: str) -> list[dict[str, Any]]:
    from click.testing import CliRunner

    from timeline.cli import main

    args = ["--log", str(log), "query", name, "--format", "json"]
    for key, value in params.items():
        args += ["--param", f"{key}={value}"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


@pytest.mark.parametrize("known_at", [None, ARTICLE_KNOWN_AT])
def test_named_query_departures_gives_eleven_and_mean_66_9(
    tl: timeline.Timeline, known_at: str | None
) -> None:
    """`query departures_summary` on the LLaMA authors: 11 left Meta, mean 66.9, median 61."""
    extra = {"known_at": known_at} if known_at else {}
    (row,) = _query(
        tl.log.path,
        "departures_summary",
        org="meta",
        **{"from": "2023-01"},
        to="2025-12",
        paper="llama-2023",
        **extra,
    )
    assert (row["count"], row["mean_months"], row["median_months"]) == (11, 66.9, 61.0)
    rows = _query(
        tl.log.path,
        "departures",
        org="meta",
        **{"from": "2023-01"},
        to="2025-12",
        paper="llama-2023",
    )
    assert sum(r["tenure_months"] for r in rows) == 736


def test_named_query_flows_meta_to_mistral_is_five(tl: timeline.Timeline) -> None:
    """`query flows` from Meta to Mistral lists exactly the five authors who went there."""
    rows = _query(
        tl.log.path, "flows", from_org="meta", to_org="mistral", **{"from": "2023"}, to="2025"
    )
    assert {r["person"] for r in rows} == set(MISTRAL_FIVE)


def test_named_query_paper_whereabouts_lists_every_author(tl: timeline.Timeline) -> None:
    """`query paper_whereabouts` as of 2025-05 places every author, the three at Meta definite."""
    rows = _query(tl.log.path, "paper_whereabouts", paper="llama-2023", as_of="2025-05")
    assert {r["person"] for r in rows} == set(LLAMA_AUTHORS)
    at_meta = {r["person"] for r in rows if r["org"] == "meta" and r["status"] == "definite"}
    assert at_meta == {"hugo-touvron", "xavier-martinet", "faisal-azhar"}


def test_meta_in_2016_is_facebook_with_the_name_it_had_then(tl: timeline.Timeline) -> None:
    """A 2016 query for `meta` finds the people at Facebook and names the org as it was then."""
    rows = tl.team("meta", as_of="2016")
    at_meta = {r["person"]: r["org_name"] for r in rows if r["org"] == "meta"}
    assert at_meta["armand-joulin"] == "Facebook"
    assert set(at_meta.values()) == {"Facebook"}
    assert {r["org_name"] for r in tl.team("meta", as_of="2024-08") if r["org"] == "meta"} == {
        "Meta"
    }
