"""In-article grouping: the mentions of one article that describe one incident become one event.

An article often reports an incident over several sentences ("the town of Qalaat al-Madiq was
targeted with more than 150 shells. The shelling killed two men and wounded five others"). The
extractor emits one :class:`Mention` per sentence; :func:`group_mentions` puts those of the same
place, day and event type together and :func:`summarise` turns a group into one row's worth of
event fields. Fusion across articles is a separate step that works on stored events.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable
from datetime import date

from warwatch.fuse.units import skeleton
from warwatch.models import Mention

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")

#: the longest note kept, in characters; ACLED notes are a few sentences at most
NOTE_LIMIT = 400


def fold(text: str | None) -> str:
    """Case-, accent- and space-folded text, so "Qalaat  al-Madiq" and "qalaat al-madiq" agree."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return re.sub(r"\s+", " ", text).strip()


def _position(m: Mention) -> tuple[int, int]:
    """Where a mention stands in the article: its sentence, then its toponym."""
    return (m.evidence.start, m.toponym.start if m.toponym else -1)


def _names(m: Mention) -> set[str]:
    """Folded names a mention's place goes by: the toponym as written and the gazetteer name."""
    names = {fold(m.toponym.text) if m.toponym else ""}
    if m.place is not None:
        names |= {fold(m.place.text), fold(m.place.name)}
    return names - {""}


def _place_key(m: Mention) -> Hashable:
    place = m.place
    if place is not None and place.located:
        if place.gazetteer_id:
            return ("id", place.gazetteer_id)
        return ("xy", round(place.lat or 0.0, 4), round(place.lon or 0.0, 4))
    text = m.toponym.text if m.toponym else (place.text if place else "")
    return ("name", fold(text))


def group_mentions(mentions: list[Mention]) -> list[list[Mention]]:
    """Group the mentions of ONE article: same place, same event_date, same event_type → one group.

    A place is the same when both are located with the same gazetteer_id, else when the folded
    toponym texts agree; an unlocated mention whose toponym names a located group's place joins
    that group (the geocoder may resolve a name in one sentence and not in another), and a
    province-level mention joins a finer place in that province that the same sentence reports. Groups come
    in article order (by their first sentence), mentions within a group likewise, so the result
    does not depend on the order the extractor emitted them in.
    """
    ordered = [m for _, m in sorted(enumerate(mentions), key=lambda im: (_position(im[1]), im[0]))]
    keys = [(_place_key(m), m.event_date, m.event_type) for m in ordered]
    # the names each located place goes by, per (place, date, type)
    located: dict[Hashable, set[str]] = {}
    for m, key in zip(ordered, keys, strict=True):
        if key[0][0] != "name":
            located.setdefault(key, set()).update(_names(m))
    groups: dict[Hashable, list[Mention]] = {}
    for m, key in zip(ordered, keys, strict=True):
        if key[0][0] == "name" and key[0][1]:
            key = next((k for k, names in located.items() if k[1:] == key[1:] and key[0][1] in names), key)
        else:
            key = _qualified(m, ordered, keys) or key
        groups.setdefault(key, []).append(m)
    return list(groups.values())


def _province(m: Mention) -> bool:
    return m.place is not None and m.place.located and (m.place.geo_precision or 1) >= 3


#: what stands between a place and the province that qualifies it: "Muqdisho, Banadir", "X in Y"
_APPOSITION = re.compile(r"^\s*(?:,|in|in the|of)?\s*$")
_UNIT_WORDS = re.compile(r"\b(?:province|governorate|region|oblast|state|district)\b", re.I)


def _names_province(m: Mention, other: Mention) -> bool:
    """Is ``m``'s toponym the province of ``other``'s place, written right after it?"""
    a, b, place = other.toponym, m.toponym, other.place
    if a is None or b is None or place is None or not place.admin1 or not a.end <= b.start:
        return False
    between = m.evidence.text[a.end - m.evidence.start:b.start - m.evidence.start]
    return bool(_APPOSITION.match(between)) and skeleton(_UNIT_WORDS.sub("", b.text)) == skeleton(place.admin1)


def _qualified(m: Mention, ordered: list[Mention], keys: list[tuple]) -> Hashable | None:
    """The group of a finer place that the same sentence reports, the same day and type, when this
    mention only names that place's province: "fighting in Muqdisho, Banadir" or "Nazl Hikmat Bayk,
    Baghdad" is one incident at the village, not a second one at the province or its capital."""
    for other, key in zip(ordered, keys, strict=True):
        place = other.place
        if (other is m or other.evidence.start != m.evidence.start or place is None or not place.located
                or (place.geo_precision or 1) >= 3 or key[1:] != (m.event_date, m.event_type)):
            continue
        inside = m.place is not None and fold(place.admin1) == fold(m.place.admin1) \
            and fold(place.country) == fold(m.place.country)
        if (_province(m) and inside) or _names_province(m, other):
            return key
    return None


def _first(group: list[Mention], attr: str) -> Mention | None:
    return next((m for m in group if getattr(m, attr)), None)


def _highest(values: list[int | None]) -> int | None:
    """The highest figure reported; None when none was (0 is a figure: "no casualties")."""
    figures = [v for v in values if v is not None]
    return max(figures) if figures else None


def summarise(group: list[Mention]) -> dict:
    """Event fields (the column names of the ``events`` table) for one group of mentions.

    sub_event_type, actors, weapon and target come from the first mention that has them;
    fatalities and injuries are the highest figure reported within the article; civilian
    targeting if any mention says so; the actor counts as attributed only if every actor
    claim is ("jets believed to be Russian"); confidence is the best of the group's.
    """
    if not group:
        raise ValueError("summarise() needs at least one mention")
    head = group[0]
    sub = _first(group, "sub_event_type")
    a1, a2 = _first(group, "actor1"), _first(group, "actor2")
    # the finest place (a province named beside its village does not displace it)
    located = min((m for m in group if m.place is not None and m.place.located),
                  key=lambda m: m.place.geo_precision or 1, default=None)  # type: ignore[union-attr]
    placed = located or next((m for m in group if m.place is not None), None)
    place = placed.place if placed is not None else None
    named = placed if placed is not None and placed.toponym else _first(group, "toponym")
    toponym = named.toponym if named is not None else None
    actor_claims = [m for m in group if m.actor1 or m.actor2]
    fields = {
        "event_date": head.event_date,
        "time_precision": min(m.time_precision for m in group),
        "event_type": head.event_type,
        "sub_event_type": sub.sub_event_type if sub else "",
        "actor1": a1.actor1 if a1 else None,
        "assoc_actor_1": a1.assoc_actor1 if a1 else None,
        "actor2": a2.actor2 if a2 else None,
        "assoc_actor_2": a2.assoc_actor2 if a2 else None,
        "civilian_targeting": any(m.civilian_targeting for m in group),
        "country": place.country if place else None,
        "admin1": place.admin1 if place else None,
        "admin2": place.admin2 if place else None,
        "location": (place.name if place and place.name else None) or (toponym.text if toponym else None),
        "latitude": place.lat if place else None,
        "longitude": place.lon if place else None,
        "geo_precision": place.geo_precision if place else None,
        "gazetteer_id": place.gazetteer_id if place else None,
        "place_text": (toponym.text if toponym else None) or (place.text if place else None),
        "ambiguous": bool(place and place.ambiguous),
        "runner_up": place.runner_up if place else None,
        "fatalities": _highest([m.fatalities for m in group]),
        "injuries": _highest([m.injuries for m in group]),
        "weapon": next((m.weapon for m in group if m.weapon), None),
        "target": next((m.target for m in group if m.target), None),
        "actor_attributed": bool(actor_claims) and all(m.actor_attributed for m in actor_claims),
        "confidence": max(m.confidence for m in group),
    }
    fields["notes"] = build_note(group, fields["event_date"], fields["time_precision"])
    return fields


# --- ACLED-style notes -------------------------------------------------------------------------

_DASHES = re.compile(r"\s*[—–]\s*[^—–]{1,140}?\s*[—–]\s*")
_DATELINE = re.compile(r"^[A-Z][\w'.-]*(?:,? [A-Z][\w'.-]*){0,3}\s+[—–-]{1,2}\s+")
_LEAD_SAID = re.compile(
    r"^[A-Z][^,.;:\"“”]{0,60}? (?:(?:said|says|say|reported)(?: on \w+day)?(?: that)?"
    r"|told [A-Z][\w ]{0,30}? that) (?=\S)")
#: "On Friday, ..." when the note already starts with the date
_LEAD_DAY = re.compile(r"^(?:(?:earlier|later|early|late) )?on \w+day,? ", re.I)
_TAIL_SAID = re.compile(r",\s*(?:according to [^,.]{1,90}|[\w' -]{1,60} (?:said|say|says|reported))\s*\.?$")
_PRONOUN = re.compile(r"^(?:they|it|he|she|we|i|there)\b", re.I)
_LOWER_FIRST = {"the", "according", "a", "an", "one", "two", "three", "four", "five", "six", "seven",
                "eight", "nine", "ten", "several", "at", "some", "many", "dozens", "hundreds", "more", "jets",
                "rebel", "rebels", "local", "residents", "government", "regime", "villages", "towns"}


def clean_sentence(text: str) -> str:
    """A sentence trimmed the way a coder writes a note: no dateline, dash asides or attribution."""
    text = re.sub(r"\s+", " ", text).strip()
    text = _DATELINE.sub("", text)
    text = _DASHES.sub(" ", text)
    lead = _LEAD_SAID.match(text)
    # "Rebels said they mounted ..." keeps its subject: stripping would leave a bare pronoun
    if lead and not _PRONOUN.match(text[lead.end():]):
        rest = text[lead.end():]
        text = rest[:1].upper() + rest[1:]
    text = _TAIL_SAID.sub("", text).rstrip(" ,;:")
    return text if text.endswith((".", "!", "?", "\"", "”")) else text + "."


def format_date(day: date, time_precision: int = 1) -> str:
    """ACLED's date phrase: "On 9 September 2018", "Around 9 September 2018 (week of)"."""
    words = f"{day.day} {MONTHS[day.month - 1]} {day.year}"
    if time_precision == 2:
        return f"Around {words} (week of)"
    if time_precision >= 3:
        return f"Around {words} (month of)"
    return f"On {words}"


def _from_place(m: Mention) -> str:
    """The sentence without a leading "According to X, a Y of Z, ..." that ends before the place."""
    text = m.evidence.text
    if text.startswith("According to ") and m.toponym is not None:
        cut = text.rfind(", ", 0, max(0, m.toponym.start - m.evidence.start))
        if cut > 0:
            text = text[cut + 2:]
    return text


def build_note(group: list[Mention], event_date: date | None, time_precision: int = 1) -> str:
    """A short ACLED-style note: the date, then the group's sentences (in article order), trimmed."""
    seen: list[str] = []
    for m in sorted(group, key=_position):
        sentence = clean_sentence(_from_place(m))
        if sentence not in seen:
            seen.append(sentence)
    body = " ".join(seen)
    if event_date is not None:
        body = _LEAD_DAY.sub("", body)
        first = body.split(" ", 1)[0]
        if first.lower() in _LOWER_FIRST:
            body = body[:1].lower() + body[1:]
        body = f"{format_date(event_date, time_precision)}, {body}"
    if len(body) > NOTE_LIMIT:
        body = body[:NOTE_LIMIT].rsplit(" ", 1)[0].rstrip(",;:") + " ..."
    return body
