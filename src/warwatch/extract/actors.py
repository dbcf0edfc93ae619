"""Actors of a sentence, normalised to ACLED-style names from the lexicon.

State forces are built from a demonym and a force noun ("Syrian army helicopters",
"Russian jets", "jets believed to be Russian") or from generic terms ("regime forces", "the
army") read against the story's country. Named groups come from patterns. An actor is marked
*attributed* when the text only believes or suspects it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from spacy.tokens import Span

from warwatch.extract.lexicon import load, phrase_regex
from warwatch.wordkey import word_key

# ", police said." at the end of a clause: the police are the source of the report, not a party
_SOURCE_ONLY = re.compile(r"^,\s*(?:the\s+)?police\s+(?:said|say|says|told|reported)\b", re.I)
_NOT_AN_ACTOR = re.compile(
    r"[-‐](held|controlled|run|dominated|backed|led|linked|affiliated|aligned|majority|based|style)\b|"
    r"\s+(officials?|sources?|commanders?|spokesm[ae]n|spokeswoman|representatives?|leaders?|activists?|media)\b|"
    # "the last rebel stronghold", "rebel territory": where they are, not what they did
    r"\s+(strongholds?|enclaves?|territory|territories|bastions?|heartland)\b",
    re.I,
)


@dataclass
class ActorRef:
    """An actor named in a sentence."""

    name: str
    kind: str  # "state", "rebel", "civilians", "protesters"
    text: str
    start: int  # offsets in the article text
    end: int
    attributed: bool = False
    country: str | None = None


# the words between a people and its force ("Syrian government forces") are adjectives and nouns:
# "marched in Khartoum against military rule" names no Sudanese force
_NOT_FUNCTION = (r"(?!(?:against|in|on|at|of|for|with|by|from|to|over|near|after|before|under|into|as|the|a|an|"
                 r"said|says|say|was|were|is|are|has|have|had)\b)")


@lru_cache(maxsize=1)
def _patterns() -> dict:
    lex = load("actors")
    countries = lex["countries"]
    demonym = r"(?P<dem>" + "|".join(sorted(map(re.escape, countries), key=len, reverse=True)) + r")"
    nouns = r"(?P<noun>" + "|".join(sorted(map(re.escape, lex["state_nouns"]), key=len, reverse=True)) + r")"
    police = r"(?P<police>" + "|".join(sorted(map(re.escape, lex["police_nouns"]), key=len, reverse=True)) + r")"
    return {
        "countries": countries,
        # "Syrian army helicopters", "Russian and Syrian jets", "Syrian government forces"
        "state": re.compile(
            rf"\b{demonym}(?:\s+and\s+(?P<dem2>\w+))?(?![-‐]\w)(?:\s+{_NOT_FUNCTION}[\w-]+){{0,2}}?\s+{nouns}\b", re.I
        ),
        "police": re.compile(rf"\b{demonym}(?![-‐]\w)(?:\s+[\w-]+){{0,1}}?\s+{police}\b", re.I),
        # "jets believed to be Russian"
        "believed": re.compile(
            rf"\b{nouns}\s+(?:(?:were|was|are|is)\s+)?(?:believed|thought|suspected|said|presumed)\s+to\s+(?:be|have\s+been)\s+{demonym}\b",
            re.I,
        ),
        "government": phrase_regex(lex["government_terms"]),
        "groups": [
            (
                re.compile(_with_members(g), re.I if not g["pattern"].isupper() else 0),
                g["name"],
                g["kind"],
                g.get("home"),
            )
            for g in lex["groups"]
        ],
        "civilians": re.compile(lex["civilians"], re.I),
        "protesters": re.compile(lex["protesters"], re.I),
        "attribution": phrase_regex(lex["attribution"]),
        "suffix": lex["military_suffix"],
    }


_MEMBERS = (
    r"(?:\s+(?:(?:rebel|armed|separatist)\s+)?(?:militants?|fighters?|insurgents?|members?|militiam[ae]n|gunmen|"
    r"combatants|elements|forces|troops))?"
)


def _with_members(group: dict) -> str:
    """A named group's pattern, taking "militants", "fighters" ... after the name with it, so that
    "JNIM militants" is JNIM and not also an unidentified armed group."""
    if "{country}" in group["name"]:
        return group["pattern"]
    return f"(?:{group['pattern']}){_MEMBERS}"


def group_patterns() -> list[tuple[re.Pattern[str], str, str, str | None]]:
    """Named groups: (pattern, ACLED name, kind, the country it fights in or None)."""
    return _patterns()["groups"]


def military(country: str) -> str:
    """ACLED's name for a country's armed forces."""
    return f"Military Forces of {country}{_patterns()['suffix'].get(country, '')}"


_STATE_FORCES = re.compile(
    r"^(?P<force>(?:Military|Police) Forces of (?P<country>[A-Z][\w ]+?))(?P<suffix> \(\d{4}-(?:\d{4})?\).*)?$")


def with_era(name: str | None, when: date | None) -> str | None:
    """A state force's name with the period of the government in power on ``when`` (ACLED's
    convention, lexicons/eras.json): a 2015 strike is by "Military Forces of United States
    (2009-2017)", not by today's government. Other actors, and undated events, are unchanged."""
    if not name or when is None:
        return name
    m = _STATE_FORCES.match(name)
    if m is None:
        return name
    suffix = None
    for first, period in _eras().get(m["country"], ()):
        if when >= first:
            suffix = period
    return m["force"] + suffix if suffix is not None else name


@lru_cache(maxsize=1)
def _eras() -> dict[str, list[tuple[date, str]]]:
    """lexicons/eras.json with its days parsed once (``with_era`` runs for every mention)."""
    return {country: [(date.fromisoformat(first), suffix) for first, suffix in periods]
            for country, periods in load("eras")["periods"].items()}


def police(country: str) -> str:
    return f"Police Forces of {country}{_patterns()['suffix'].get(country, '')}"


def _attributed(text: str, start: int, end: int) -> bool:
    window = text[max(0, start - 40) : end + 40]
    return bool(_patterns()["attribution"].search(window))


def find_actors(sent: Span, story_country: str | None) -> list[ActorRef]:
    """Actors named in the sentence, in text order, without overlaps (longest first)."""
    p = _patterns()
    text, base = sent.text, sent.start_char
    found: list[ActorRef] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, name: str, kind: str, country: str | None, attributed: bool | None = None) -> None:
        if any(s < end and start < e for s, e in taken):
            return
        source_only = kind == "state" and _SOURCE_ONLY.search(text[max(0, start - 2) : end + 12])
        if _NOT_AN_ACTOR.match(text[end:]) or source_only:
            return  # "rebel-held Idlib", "a rebel official said": a description or a source, not a party
        taken.append((start, end))
        att = _attributed(text, start, end) if attributed is None else attributed
        found.append(ActorRef(name, kind, text[start:end], base + start, base + end, att, country))

    for m in p["believed"].finditer(text):
        # word_key, not lower(): the patterns are case-insensitive (see warwatch.wordkey)
        country = p["countries"][word_key(m.group("dem"))]
        add(m.start(), m.end(), military(country), "state", country, True)
    for regex, name, kind, _home in p["groups"]:
        for m in regex.finditer(text):
            add(m.start(), m.end(), name.replace("{country}", story_country or "International"), kind, story_country)
    for m in p["state"].finditer(text):
        countries = [p["countries"][word_key(m.group("dem"))]]
        second = word_key(m.group("dem2") or "")
        if second in p["countries"]:
            countries.append(p["countries"][second])
        for country in countries:
            found_start = m.start() if country == countries[0] else m.start("dem2")
            add(
                found_start,
                m.end()
                if len(countries) == 1
                else found_start + len(m.group("dem2") if country != countries[0] else m.group("dem")),
                military(country),
                "state",
                country,
            )
    for m in p["police"].finditer(text):
        country = p["countries"][word_key(m.group("dem"))]
        add(m.start(), m.end(), police(country), "state", country)
    if story_country:
        for m in p["government"].finditer(text):
            force = police if "police" in m.group(0).lower() else military
            add(m.start(), m.end(), force(story_country), "state", story_country)
    # a capital or country as the subject of a sentence stands for its government ("Damascus stepped up")
    for token in sent:
        word = token.lower_
        if word in p["countries"] and token.dep_ in ("nsubj", "nsubjpass") and token.pos_ == "PROPN":
            country = p["countries"][word]
            add(token.idx - base, token.idx - base + len(token.text), military(country), "state", country)
    for regex, kind in ((p["civilians"], "civilians"), (p["protesters"], "protesters")):
        for m in regex.finditer(text):
            label = "Civilians" if kind == "civilians" else "Protesters"
            add(m.start(), m.end(), f"{label} ({story_country or 'International'})", kind, story_country, False)
    found.sort(key=lambda a: a.start)
    return found
