"""Article-level passes over the places and mentions the sentences gave.

Inside a sentence: a place named only as a landmark of the one before it ("a camp in X near Y")
and a neighbourhood, street or administrative unit next to its town are details of one event, not
events of their own. Across the article, after the sentence loop: a province-level report is kept
only when the article names no village at all (or becomes the village's it leads to), sub-localities
are dropped when something else is named, and denials are attached to the mentions they deny.
"""

from __future__ import annotations

import re
from dataclasses import replace

from warwatch.extract.extraction import Extraction
from warwatch.extract.lexicon import load
from warwatch.extract.toponyms import Found
from warwatch.models import Mention, Toponym

_SEPARATE = re.compile(
    r"^\W*(in an? (?:separate|second|further|other|unrelated) \w+|separately|meanwhile|elsewhere|in another)\b", re.I)


# "a camp in Mon Lai Hket near Laiza", "Solhan, 15 km from Sebba": the second name says where the
# first is, it is not a second event
_LANDMARK_AFTER_PLACE = re.compile(
    r"^[^.;]{0,60}?\b(?:near|close\s+to|outside|just\s+outside|on\s+the\s+outskirts\s+of|not\s+far\s+from"
    r"|(?:north|south|east|west|northeast|northwest|southeast|southwest)(?:ern)?\s+of)\s+"
    r"(?:the\s+)?(?:(?:town|city|village)\s+of\s+)?$", re.I)


def _without_landmarks(places: list[Found], text: str) -> list[Found]:
    """Drop a place named only to say where the place before it lies; it becomes that place's
    fallback (an unlocated village is coded near its landmark, at geo_precision 2)."""
    kept: list[Found] = []
    for f in places:
        between = text[kept[-1].toponym.end:f.toponym.start] if kept else ""
        if kept and _LANDMARK_AFTER_PLACE.match(between) and not re.search(r"\b(?:and|or|as well as)\b", between):
            host = kept[-1].toponym
            host.landmarks = list(dict.fromkeys([*host.landmarks, f.toponym.text]))
            host.context = list(dict.fromkeys([*host.context, *f.toponym.context]))
            continue
        kept.append(f)
    return kept


_SUBLOCALITY_AFTER = re.compile(
    r"^\s+(?:neighbou?rhoods?|communit(?:y|ies)|favelas?|streets?|st\.|roads?|avenues?|boulevards?|wards?|"
    r"quarters?|colonias?|barrios?|sectors?|blocks?|markets?|compounds?|junctions?|roundabouts?|bridges?)\b",
    re.I,
)
_SUBLOCALITY_NAME = re.compile(
    r"^(?:colonia|barrio|barangay|fraccionamiento|avenida|rua|calle)\s|\sneighbou?rhood$", re.I
)
# "Djongue-Ouro, Fakala Commune", "Kyan Thar village of Kale township": the unit the place just
# named lies in is its context, not a second event
_CONTAINER_BEFORE = re.compile(r"[\w)]\s*(?:,|\bof|\bin)\s+(?:the\s+)?$")
_CONTAINER_AFTER = re.compile(r"^\s+(?:communes?|municipality|township|district|county|LGA|woreda|tehsil)\b", re.I)
_CONTAINER_NAME = re.compile(r"\s(?:communes?|municipality|township|district|county|LGA|woreda|tehsil)$", re.I)
_SUBLOCALITY_BEFORE = re.compile(
    r"\b(?:colonia|barrio|barangay|fraccionamiento|avenida|rua|calle)\s+(?:[\w'-]+\s+){0,3}(?:de\s+|del\s+)?$", re.I
)


def _sublocal(toponym: Toponym, text: str) -> bool:
    return bool(
        _SUBLOCALITY_AFTER.match(text[toponym.end : toponym.end + 30])
        or _SUBLOCALITY_NAME.search(toponym.text)
        or (
            bool(_CONTAINER_AFTER.match(text[toponym.end : toponym.end + 20]) or _CONTAINER_NAME.search(toponym.text))
            and bool(_CONTAINER_BEFORE.search(text[max(0, toponym.start - 12) : toponym.start]))
        )
        or _SUBLOCALITY_BEFORE.search(text[max(0, toponym.start - 20) : toponym.start])
    )


def _drop_sublocalities(extraction: Extraction, text: str) -> None:
    """"... in Caucaia, in the Arianopolis neighborhood": a neighbourhood, street or market inside
    the place the event is coded to is a detail of that event, not an event of its own. Kept only
    when the article names nothing else."""

    keep = [m for m in extraction.mentions if m.toponym is None or not _sublocal(m.toponym, text)]
    if keep:
        extraction.mentions = keep


#: a province-level report is the village's when the village is named this close after it
_REHOME_CHARS = 600
_UNNAMED_PLACE = re.compile(
    r"\b(?:in|on|at|near)\s+an?\s+(?:[\w-]+\s+)?(?:village|town|hamlet|camp|market|settlement)\b[^.;]{0,40}$", re.I)


def _keep_regions_only_when_alone(extraction: Extraction) -> None:
    """A province-level mention in an article that names villages summarises them: drop it.

    When one village alone is named just after it ("gunmen killed 100 civilians in a village in
    the Sahel region. ... the attack took place in Solhan village"), the province-level sentence
    was about that village: it becomes a mention there, so its figures and actors are kept.
    """
    villages = [m for m in extraction.mentions if m.toponym and m.toponym.qualifier != "region"]
    if not villages:
        return
    kept: list[Mention] = []
    for m in extraction.mentions:
        # "in a village in the north of Tillaberi province": an unnamed village, placed by its province
        unnamed = m.toponym is not None and m.toponym.qualifier == "near" and bool(
            _UNNAMED_PLACE.search(m.evidence.text[:max(0, m.toponym.start - m.evidence.start)]))
        if m.toponym is None or (m.toponym.qualifier != "region" and not unnamed):
            kept.append(m)
            continue
        after = [v for v in villages if 0 < v.evidence.start - m.evidence.start <= _REHOME_CHARS
                 and v.event_type == m.event_type and (v.event_date == m.event_date or m.date_text is None)
                 and v.toponym is not m.toponym and v.toponym.qualifier != "near"  # type: ignore[union-attr]
                 and not _SEPARATE.search(v.evidence.text)]  # "In a separate attack, ...": another incident
        names = {v.toponym.text for v in after}  # type: ignore[union-attr]
        if unnamed and len(names) != 1:
            kept.append(m)  # no village to give it to: it stays near its province
            continue
        if len(names) == 1 and (m.fatalities is not None or m.injuries is not None):
            # an undated lead takes the day the village's sentence gives
            when = (m.event_date, m.time_precision) if m.date_text else (after[0].event_date, after[0].time_precision)
            kept.append(replace(m, toponym=after[0].toponym, event_date=when[0], time_precision=when[1],
                                date_text=m.date_text or after[0].date_text))
    extraction.mentions = sorted(kept, key=lambda x: x.evidence.start)


def _attach_denials(extraction: Extraction) -> None:
    """Attach each denial to the mentions whose actor or weapon it denies (all, if it names neither)."""
    countries = load("actors")["countries"]
    for denial in extraction.denials:
        # "denied carrying out the attack on Kandlay": the place it names says which event
        at_place = [m for m in extraction.mentions if m.toponym and m.toponym.text in denial.text]
        if at_place:
            for m in at_place:
                m.denials.append(denial)
            continue
        words = re.findall(r"[\w.]+", denial.text.lower())
        named = {countries[w] for w in words if w in countries}
        weapon = "barrel bomb" if "barrel" in words else None
        for m in extraction.mentions:
            if (
                (named and any(f"Forces of {c}" in (m.actor1 or "") for c in named))
                or (weapon and m.weapon == weapon)
                or (not named and not weapon)
            ):
                m.denials.append(denial)
