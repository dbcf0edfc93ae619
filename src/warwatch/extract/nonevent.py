"""What is no ACLED event, however warlike its words: disasters, accidents, launches, sport, markets,
ordinary crime, courts and diplomacy.

Trigger words are shared with ordinary news: a storm "hit land", shares "rocketed", a golfer "shot a
61", an explosion "ripped through" a coal mine, a vaccination campaign "targets" children. ACLED
codes political violence, demonstrations and strategic developments, all of them done by political
or armed actors; none of the above is one. Two checks, both read from ``lexicons/nonevents.json``:

* a sentence with a cue of a non-event kind (a quake, a crash, a rocket stage, a price war, a
  burglary, a summit) and none of the kind's overrides (an armed or political actor, a weapon of
  war, or either, as the lexicon says per kind) reports no event;
* an article whose lead (title and first sentences) is about such a subject and that says little of
  armed actors or weapons anywhere reports no event from a sentence that names no armed actor:
  "Only five of the 159 injured were seriously hurt" in a derailment story is no attack.

A photo caption in the agencies' style ("Activists take part in ..., Friday, Nov. 21, 2025, in
Belem, Brazil.") describes a picture, not a report, and yields nothing either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from spacy.tokens import Span

from warwatch.extract.extraction import _Sentence
from warwatch.extract.lexicon import load
from warwatch.models import Article

# how much of an article is its lead: the title and this many first sentences
_LEAD_SENTENCES = 3
# the lead names at least this many cues of non-event kinds ...
_LEAD_CUES = 2
# ... and the whole article names armed actors or weapons no more than this share of its cues
_CONFLICT_SHARE = 0.5
# an agency photo caption: "... , Friday, Nov. 21, 2025, in Belem, Brazil." at the end of a sentence
_CAPTION = re.compile(
    r",\s(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,\s)"
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s\d{1,2},\s\d{4}"
    r"(?:,\s(?:in|at|near|outside)\s[^.]{1,80})?\.\s*(?:\([^)]*\))?\s*$"
)

# an actor's name followed by one of these is a place named after it
_A_PLACE = re.compile(r"\s+(?:Base|Station|Academy|Museum|Hospital|Stadium)\b")


@dataclass(frozen=True)
class _Group:
    """One kind of non-event: its cues and what overrides them."""

    name: str
    cues: re.Pattern[str]
    lead: re.Pattern[str] | None  # words that only say what an article is about
    armed_override: bool  # an armed actor makes the sentence an event again
    weapons_override: bool  # so does a weapon of war
    weapon_needs: re.Pattern[str] | None  # ... but only beside one of these (a gang, not a lone robber)


@lru_cache(maxsize=1)
def _lexicon() -> tuple[list[_Group], re.Pattern[str], re.Pattern[str]]:
    lex = load("nonevents")
    groups = [
        _Group(
            name,
            _alternation(g["cues"]),
            _alternation(g["lead_cues"]) if g.get("lead_cues") else None,
            g["override"] != "weapon",
            g["override"] != "armed",
            _alternation(g["weapon_needs"]) if g.get("weapon_needs") else None,
        )
        for name, g in lex["groups"].items()
        if not name.startswith("_")
    ]
    return groups, _alternation(lex["armed"]["cues"]), _alternation(lex["weapons"]["cues"])


def _alternation(cues: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{c})" for c in cues), re.I)


def nonevent_kind(text: str, armed_actor: bool = False) -> str | None:
    """The non-event kind a sentence reports ("disaster", "sport" ...), or None.

    None also when an override stands in the sentence: "a landmine explosion killed three
    soldiers" names a mine explosion and soldiers, and stays an event. ``armed_actor`` says that
    the actor reader found a military or armed group the lexicon's words do not know by name.
    """
    groups, armed, weapons = _lexicon()
    actor = armed_actor or armed.search(text) is not None
    weapon = weapons.search(text) is not None
    for group in groups:
        armed_weapon = weapon and group.weapons_override and (
            group.weapon_needs is None or group.weapon_needs.search(text) is not None
        )
        if group.cues.search(text) and not (actor and group.armed_override) and not armed_weapon:
            return group.name
    return None


def is_caption(text: str) -> bool:
    """An agency photo caption ending in its weekday, date and place."""
    return _CAPTION.search(text.strip()) is not None


#: a cue word that ends a proper name is that name's, not the topic's: "the former chairman of
#: the Manaw Company was shot dead" is a killing, not business news
_IN_A_NAME = re.compile(r"\b(?:[A-Z][\w'-]+ )+(?:Company|Firm)\b")


def _without_names(text: str) -> str:
    """The text with the names that end in a cue word blanked, unless it is in Title Case (a
    headline capitalises every word: "Tech Company Shares Fall" is business news)."""
    long_words = re.findall(r"\b[^\W\d_]{4,}\b", text)
    if long_words and sum(w[0].isupper() for w in long_words) >= 0.6 * len(long_words):
        return text
    return _IN_A_NAME.sub(" ", text)


def _cue_count(text: str) -> tuple[int, int]:
    """(non-event cues, armed-actor and weapon cues) named in the text."""
    groups, armed, weapons = _lexicon()
    nonevent = sum(len(g.cues.findall(text)) + (len(g.lead.findall(text)) if g.lead else 0) for g in groups)
    return nonevent, len(armed.findall(text)) + len(weapons.findall(text))


def nonevent_topic(title: str, sentences: list[Span]) -> bool:
    """True when the article is about a non-event: its lead says so and the rest does not contradict it."""
    title, texts = _without_names(title), [_without_names(s.text) for s in sentences]
    lead = " ".join([title, *texts[:_LEAD_SENTENCES]])
    lead_cues, lead_conflict = _cue_count(lead)
    if lead_cues < _LEAD_CUES or lead_conflict >= lead_cues:
        return False
    cues, conflict = _cue_count(" ".join([title, *texts]))
    return conflict <= _CONFLICT_SHARE * cues


class NonEventGate:
    """Decides, per sentence of one article, whether it reports no ACLED event at all."""

    def __init__(self, article: Article, sentences: list[_Sentence]) -> None:
        self.topic = nonevent_topic(article.title or "", [s.span for s in sentences])
        # spaCy builds a doc's text from its tokens on every access: read it once per article
        self.doc_text = sentences[0].span.doc.text if sentences else ""

    def drops(self, sentence: _Sentence) -> bool:
        """True when the sentence must yield no mention."""
        if not any(t.modality == "event" for t in sentence.triggers):
            return False  # nothing to report, and nothing to cut off from the sentence before it
        text = sentence.span.text
        # police alone are no armed party: they attend road crashes and burglaries as much as riots;
        # nor is an unnamed gang by its name alone (organised crime is no ACLED event; a gang that
        # fights with firearms is one, through the crime group's weapon_needs); and
        # "Vandenberg Air Force Base" is a place, not the air force
        doc_text = self.doc_text
        armed_actor = any(
            (a.kind == "rebel" or (a.kind == "state" and not a.name.startswith("Police")))
            and not a.name.startswith("Unidentified Gang")
            and not _A_PLACE.match(doc_text, a.end)
            for a in sentence.actors
        )
        if is_caption(text) or nonevent_kind(text, armed_actor) is not None:
            return True
        # in a story about a quake or a crash, only a sentence naming an armed actor can report an
        # event; a gang that fights with firearms is one ("shot dead by members of a drug gang")
        groups, armed, weapons = _lexicon()
        gang = weapons.search(text) and any(g.weapon_needs and g.weapon_needs.search(text) for g in groups)
        return self.topic and not (armed_actor or armed.search(text) or gang)
