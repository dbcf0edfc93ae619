"""Turn an article's sentences into event mentions: one per incident per place.

Per sentence: find triggers and keep those that report something that happened; find the
places, actors, figures, claimant and date; then emit one :class:`Mention` per place. Across
sentences: a follow-up sentence with no place of its own ("The shelling killed two men") adds
its figures to the incident just reported; a province-level report is kept only when the
article names no village at all; denials are attached to the mentions they deny.

The parts live next door: :mod:`~warwatch.extract.classify` (what kind of event a sentence reports),
:mod:`~warwatch.extract.story` (the story's country),
:mod:`~warwatch.extract.perpetrator` (who did it), :mod:`~warwatch.extract.settle` (the passes over
places and mentions) and :mod:`~warwatch.extract.extraction` (what is read, per sentence and article).
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta
from functools import lru_cache

from spacy.tokens import Doc

from warwatch.extract.actors import ActorRef, find_actors, military, with_era
from warwatch.extract.classify import (
    _AT_PROTEST,
    _DEVELOPMENT,
    _EXPELLED,
    _TAKEN,
    _TALLIED,
    _classify,
    _crowd_actors,
    _passive,
    _subject_party,
    _target,
    _unread_place,
)
from warwatch.extract.countries import countries_named
from warwatch.extract.dates import DateRef, find_dates
from warwatch.extract.extraction import Extraction, _Sentence
from warwatch.extract.lexicon import load, phrase_regex
from warwatch.extract.nonevent import NonEventGate
from warwatch.extract.numbers import read_toll
from warwatch.extract.perpetrator import (
    _PRONOUNS,
    _choose_actor,
    _pronoun_subject,
)
from warwatch.extract.settle import (
    _CONTAINER_NAME,
    _SEPARATE,
    _attach_denials,
    _drop_sublocalities,
    _keep_regions_only_when_alone,
    _sublocal,
    _without_landmarks,
)
from warwatch.extract.story import _iso2, story_country
from warwatch.extract.toponyms import Found, PlaceIndex, find_toponyms
from warwatch.extract.triggers import STRONG, Trigger, find_triggers
from warwatch.models import COUNTRY_ONLY, Article, Evidence, Mention, Toponym

# the names other code and the tests import from here, though they now live next door
__all__ = ["Extraction", "extract_mentions", "story_country"]

_HISTORY_LIMIT = timedelta(days=30)
# "The attack comes five days after a similar attack on Chasiv Yar", "came a week after 32 were
# killed in Omdurman": what follows is an earlier incident, that many days before this one
_GAP_AFTER = re.compile(
    r"\b(?:comes?|came|coming|was|is)\s+(?:about\s+|nearly\s+|just\s+|only\s+|barely\s+|some\s+|roughly\s+)?"
    r"(?P<n>a|one|two|three|four|five|six|seven|eight|nine|ten|\d{1,2}|several|a\s+few)?\s*(?P<unit>days?|weeks?)\s+after\b",
    re.I,
)
# "U.S. forces conducted an air strike in the city": the one town the article has named
_THE_TOWN = re.compile(r"\b(?:in|on|at|near|inside|outside|across)\s+the\s+(?:city|town|village|area|camp|district)\b"
                       r"(?!\s+of\b)", re.I)
_NUMBER_WORDS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                 "nine": 9, "ten": 10}
# the incident just reported, taken up again: "The attack took place ...", "the massacre in X"
_ANAPHOR = re.compile(
    r"\b(?:the|this|that)\s+(?:(?:deadly|latest|overnight|night|dawn|morning|evening|weekend)\s+)?"
    r"(?:attack|assault|raid|massacre|strike|air\s?strike|bombing|shelling|killings?|ambush|explosion|blast)\b",
    re.I,
)
# a photo caption describes a picture, often an old one ("FILE PHOTO: Smoke rises ... May 1, 2023"):
# the body reports the incident with its own words and date, so a caption is no report of its own
# and no sentence follows on from it
_CAPTION = re.compile(
    r"""^\W*(?:FILE\ PHOTO|FILE\b|File\ photo|In\ this\ (?:photo|image|picture|handout)|This\ (?:photo|image)
        |Photo:|PHOTO:|Pictured:|Image:)
        |\((?:AP|AFP|Reuters|EPA)\ Photo|\bvia\ (?:AP|AFP|Reuters)\)|\bREUTERS\s*/|\bAFP\s+via\s+Getty
        |,\ (?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,\ )?
           (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\ \d{1,2},\ \d{4}\.\s*(?:\(.*\))?\s*$""",
    re.X,
)


_OFFICIAL_CLAIMANTS = {"State media", "Military sources"}
@lru_cache(maxsize=1)
def _cues() -> dict[str, re.Pattern[str]]:
    mod = load("modality")
    return {
        "aggregate": phrase_regex(mod["aggregate"]),
        "history": phrase_regex(mod["history"]),
        "generic": phrase_regex(mod["generic_anaphors"]),
        "claimant": [(re.compile(p, re.I), name) for p, name in load("claimants")["entries"]],
    }


def _claimant(text: str) -> str | None:
    for regex, name in _cues()["claimant"]:
        if regex.search(text):
            return name
    return None



def _aggregate(text: str) -> bool:
    """A running total ("26 killed since the beginning of the month"), not one incident."""
    for m in _cues()["aggregate"].finditer(text):
        before = text[max(0, m.start() - 40) : m.start()].lower()
        if m.group(0).lower().startswith("since") and re.search(
            r"(first time|heaviest|worst|biggest|fiercest|deadliest|largest|most intense)\b", before
        ):
            continue
        return True
    return False



def _event_date(s: _Sentence, triggers: list[Trigger]) -> DateRef | None:
    """The sentence's own date for its event: the strongest date not cut off by after/since."""
    usable = []
    for d in s.dates:
        if d.barrier is not None:
            # "hit Kabaneh … after a similar raid on Tuesday": Tuesday dates the raid, not the hit
            subtree = {t.i for t in s.span.doc[d.barrier].subtree}
            if not triggers or any(t.token.i not in subtree for t in triggers):
                continue
        usable.append(d)
    if not usable:
        return None
    return max(usable, key=lambda d: (d.strength, -d.start))


def _anchor(s: _Sentence, found: Found, triggers: list[Trigger]) -> Trigger | None:
    """The trigger that governs a place: the first one met walking up the tree from the name."""
    doc = s.span.doc
    tokens = [t for t in s.span if found.toponym.start <= t.idx < found.toponym.end]
    if not tokens:
        return None
    by_index = {t.token.i: t for t in triggers}
    node, steps = tokens[-1], 0
    while steps < 12:
        if node.i in by_index:
            return by_index[node.i]
        for child in node.children:
            if child.i in by_index and child.dep_ in ("nsubj", "nsubjpass", "dobj", "compound", "amod"):
                return by_index[child.i]
        if node.head.i == node.i:
            return None
        node, steps = node.head, steps + 1
    del doc
    return None


def extract_mentions(article: Article, doc: Doc, places: PlaceIndex) -> Extraction:
    """Event mentions of one article (toponyms found; places not yet resolved)."""
    # with no publication date, only dates that give their own year can be trusted
    undated = article.published is None
    published = article.published or date.today()
    article_text = doc.text  # built from the tokens on every access: read it once
    country = story_country(doc, places)
    iso2 = _iso2().get(country or "")
    sentences: list[_Sentence] = []
    anchor: date | None = None
    for i, span in enumerate(doc.sents):
        if not span.text.strip():
            continue
        dates = find_dates(span, published, anchor)
        for d in dates:
            if d.precision == 1:
                anchor = d.value
        sentences.append(
            _Sentence(
                span, i, find_triggers(span), find_toponyms(span, places, iso2, article_text),
                find_actors(span, country), dates,
            )
        )
    # the article's dominant form of violence types generic sentences ("targeted towns")
    subs = Counter(
        t.sub_event_type
        for s in sentences
        for t in s.triggers
        # strategic developments (a deployment, an arrest) are no form of violence to type "targeted" by
        if t.modality == "event" and t.kind in (STRONG - {"development"}) | {"air"} and t.sub_event_type
    )
    context_sub = subs.most_common(1)[0][0] if subs else None
    nonevents = NonEventGate(article, sentences)  # disasters, accidents, sport, markets, crime, diplomacy
    extraction = Extraction([], country, iso2, named_countries=countries_named(article_text))
    narrative: date | None = None
    main_date: date | None = None
    previous: _Sentence | None = None
    previous_actor: list[ActorRef] = []
    named_so_far: list[Found] = []  # the village-level places named before the sentence at hand
    said_before: tuple[int, date] | None = None  # the last day a sentence said, and which sentence
    # an article that names a place anywhere is not coded to its country: its incident may be told
    # with no place in one sentence and placed in another ("... in northern Myanmar. The attack
    # happened in Laiza"), and a country-level row beside the placed one would be the same incident twice
    named_anywhere = any(f.role in ("place", "region") for s in sentences for f in s.places)
    placeless_used = False  # an article that names no place yields one event, from its first report
    for n, s in enumerate(sentences):
        text = s.span.text
        evidence = Evidence(s.span.start_char, s.span.end_char, text.strip())
        named_before = list(named_so_far)
        named_so_far.extend(f for f in s.places if f.role == "place")
        # "the assailants arrived on the night of June 4-5 ... They first attacked workers at a
        # mine": the day said in the sentence just before dates an event sentence that says none
        carried = said_before[1] if said_before is not None and said_before[0] == s.index - 1 else None
        said = [d for d in s.dates if d.precision == 1 and (d.absolute or not undated)
                and published - _HISTORY_LIMIT <= d.value <= published + timedelta(days=1)]
        said_before = (s.index, said[0].value) if said else None
        if any(t.modality == "denied" for t in s.triggers):
            extraction.denials.append(evidence)
            continue
        if nonevents.drops(s):
            previous = None
            continue
        if _CAPTION.search(text):
            previous = None
            continue
        # what the next sentences say happened at a protest counts when they speak of the crowd or
        # who met it ("Police fired tear gas"), not of its grievance ("He was arrested in March")
        after = " ".join(x.span.text for x in sentences[n + 1 : n + 3] if _AT_PROTEST.search(x.span.text))
        kind = _classify(s.triggers, s.span, context_sub, after)
        if (kind is None and previous is not None and previous.mentions and s.places
                and _ANAPHOR.search(text) and any(t.modality == "event" for t in s.triggers)):
            # "... killed 100 civilians in a village in the Sahel region. The attack took place on
            # Friday in Solhan village": the incident just reported, now placed (and dated)
            first = previous.mentions[0]
            kind = (first.event_type, first.sub_event_type, first.weapon)
        # a tally of arrests over days, or protests across a country, is how such events are
        # reported (ACLED codes them); for violence a running total is no incident
        if kind is None or (_aggregate(text) and kind[1] not in _TALLIED):
            previous = None if kind is None and not s.places else previous
            remembered = _choose_actor(s, [t for t in s.triggers if t.kind in ("air", "specific", "bombard")])
            if remembered and s.triggers:
                previous_actor = remembered  # "raids by jets believed to be Russian" names who flies the jets
            continue
        real = [t for t in s.triggers if t.modality == "event"]
        own = _event_date(s, real)
        if undated and own is not None and not own.absolute:
            own = None
        if _SEPARATE.search(text):
            narrative = main_date
        # a development's day ("agreed to a truce on August 31") is no thread for the violence told
        # after it: only violent incidents carry their date to the sentences that follow
        if (own is not None and own.precision == 1 and own.value >= published - _HISTORY_LIMIT
                and kind[0] != _DEVELOPMENT):
            narrative = own.value
            main_date = main_date or own.value
        when: date | None = own.value if own else (narrative or carried or (None if undated else published))
        precision = own.precision if own else 1
        if own and own.precision == 4:
            continue  # only a year: history, not an incident
        if own is None and _cues()["history"].search(text):
            continue
        if when is not None and not undated and when > published + timedelta(days=1):
            continue  # a forecast, not an event
        # history keeps its own date: "4 April 2017" (time_precision 1), "last December" (3); only a
        # month is known for the latter, so it is coded to the month's first day as ACLED does
        s.is_event = True
        event_type, sub, weapon = kind
        actors = _choose_actor(s, real)
        claimant = _claimant(text)
        if (
            not actors
            and claimant in _OFFICIAL_CLAIMANTS
            and country
            and any(
                c.dep_ in ("nsubj", "nsubjpass") and c.lower_ in _PRONOUNS for t in real for c in t.token.head.children
            )
            | any(c.dep_ == "nsubj" and c.lower_ in _PRONOUNS for t in real for c in t.token.children)
        ):
            # "state media … said it targeted 'terrorist groups'": the army speaking of itself
            actors = [
                ActorRef(military(country), "state", claimant, s.span.start_char, s.span.start_char, False, country)
            ]
        if not actors and previous_actor and weapon in (None, "air strike", "barrel bomb", "shelling", "drone"):
            actors = previous_actor
            inherited = True
        else:
            inherited = False
        if not actors and weapon == "barrel bomb" and country == "Syria":
            # barrel bombs are dropped by the Syrian air force's helicopters: attributed, not confirmed
            actors = [
                ActorRef(military("Syria"), "state", "barrel bomb", s.span.start_char, s.span.start_char, True, "Syria")
            ]
        if sub == "territory":
            # who took the ground: the party of the verb of taking, not one it took it from
            # ("regained control of the village after driving out HTS fighters")
            taking = next((t for t in real if t.kind == "territory"), None)
            takers = (_subject_party(s, taking) or _choose_actor(s, [taking]) if taking is not None else []) or actors
            sub = (
                "Government regains territory"
                if takers and takers[0].kind == "state"
                else "Non-state actor overtakes territory"
            )
            if taking is not None and taking.phrase in _EXPELLED and _passive(taking):
                # "the Al-Nusra Front terrorists were pushed back from ...": the subject lost the ground
                losers = _subject_party(s, taking)
                if losers:
                    takers = [a for a in actors if a.kind != losers[0].kind][:1]
                    if not takers and losers[0].kind != "state" and country:
                        # ground won back from a named group, by forces left unnamed: the state's
                        at = s.span.start_char
                        takers = [ActorRef(military(country), "state", "", at, at, True, country)]
                    actors = [*takers, losers[0]]
                    sub = ("Non-state actor overtakes territory" if losers[0].kind == "state"
                           else "Government regains territory")
            if takers:
                actors = [takers[0], *(a for a in actors if a.name != takers[0].name)]
        if event_type in ("Protests", "Riots"):
            actors = _crowd_actors(event_type, sub, actors, country)
        if sub == "Arrests" and actors and actors[0].kind != "state":
            # ACLED: only the state arrests; an armed group that detains people abducts them
            event_type, sub = "Violence against civilians", "Abduction/forced disappearance"
        toll = read_toll(s.span)
        target, civilian_target = _target(text)
        victims = [a for a in s.actors if a.kind == "civilians"]
        civilian = event_type == "Violence against civilians" or civilian_target or bool(victims and toll.killed)
        actor1 = actors[0] if actors else None
        # two sides: a battle's, or the crowd and who met it (police at a protest, a mob's victims)
        sides = event_type in ("Battles", "Protests", "Riots")
        actor2 = actors[1] if len(actors) > 1 and sides else None
        assoc = actors[1].name if len(actors) > 1 and not sides else None
        if actor2 is None and civilian and victims:
            actor2 = victims[0]
        # "Kurdish security forces known as Asayesh": a name the actor lexicon knows is a party, not a place
        s.places = [
            f
            for f in s.places
            if not any(a.start <= f.toponym.start < a.end for a in s.actors if a.kind in ("state", "rebel"))
        ]
        village_places = [f for f in s.places if f.role == "place"]
        # a neighbourhood or street next to its town is a detail of the one event, not a second one
        details = [f for f in village_places if _sublocal(f.toponym, article_text)]
        if details and len(details) < len(village_places):
            village_places = [f for f in village_places if f not in details]
            units = [_CONTAINER_NAME.sub("", d.toponym.text) for d in details]
            for f in village_places:  # "Prom area of Panjgur district": the district tells the geocoder where
                f.toponym.context = list(dict.fromkeys([*f.toponym.context, *units]))
                f.toponym.within = list(dict.fromkeys([*f.toponym.within, *units]))
        village_places = _without_landmarks(village_places, article_text)
        region_places = [f for f in s.places if f.role == "region"]
        targets = village_places or region_places
        if not targets and _THE_TOWN.search(text) and len({f.toponym.text for f in named_before}) == 1:
            # "an attack in the northern city of Kunduz ... forces conducted an air strike in the
            # city at 2:15 a.m.": the one place the article has named so far
            targets = [named_before[0]]
        confidence = 0.4 + (0.15 if own else 0) + (0.15 if actor1 and not inherited else 0) + (0.1 if claimant else 0)
        confidence -= 0.15 if actor1 and actor1.attributed else 0
        if (
            not targets
            and previous is not None
            and previous.mentions
            and len({m.toponym.text for m in previous.mentions}) == 1
        ):
            # a follow-up sentence with no place: "The shelling killed two men and wounded five others."
            specific = any(t.kind in STRONG for t in real)
            campaign = re.search(r"\bthe\s+(?:[\w-]+\s+)?(?:" + _cues()["generic"].pattern + ")", text, re.I)
            same_day = own is None or own.value == previous.mentions[0].event_date
            if (toll.killed is not None or toll.injured is not None or specific) and not campaign and same_day:
                base = previous.mentions[0]
                follow = Mention(
                    event_type=base.event_type,
                    sub_event_type=base.sub_event_type,
                    evidence=evidence,
                    toponym=base.toponym,
                    event_date=base.event_date if own is None else when,
                    time_precision=base.time_precision,
                    date_text=own.text if own else base.date_text,
                    actor1=actor1.name if actor1 else base.actor1,
                    actor2=actor2.name if actor2 else base.actor2,
                    assoc_actor1=assoc or base.assoc_actor1,
                    actor_attributed=actor1.attributed if actor1 else base.actor_attributed,
                    actor_text=actor1.text if actor1 else base.actor_text,
                    weapon=base.weapon or weapon,
                    target=target or base.target,
                    fatalities=toll.killed,
                    fatalities_text=toll.killed_text,
                    injuries=toll.injured,
                    injuries_text=toll.injured_text,
                    civilian_targeting=base.civilian_targeting or civilian,
                    claimant=claimant or base.claimant,
                    confidence=confidence,
                )
                s.mentions.append(follow)
                extraction.mentions.append(follow)
            previous = None
            continue
        if (not targets and not placeless_used and not named_anywhere
                and (any(t.kind in STRONG for t in real) or any(a.kind in ("state", "rebel") for a in s.actors))):
            # an article that names no place we can read ("Police fired tear gas at students in the
            # capital"): its incident is still an event, but only a named form of violence or an
            # armed party makes it one ("Gaines died before it was over" is no incident). A place
            # named but unknown to the toponym finder stays its name, unlocated; with none, the
            # event is coded to the story's country
            placeless_used = True
            unread = _unread_place(s.span)
            top = (Toponym(unread.text, unread.start_char, unread.end_char) if unread is not None else
                   Toponym(country or "", s.span.start_char, s.span.start_char, qualifier=COUNTRY_ONLY))
            targets = [Found(top, "place", False, "named, not read" if unread is not None else "no place named")]
        shared = len(targets) > 1
        gap = _GAP_AFTER.search(text) if own is None else None
        for found in targets:
            found_when, found_precision = when, precision
            if gap is not None and when is not None and found.toponym.start >= s.span.start_char + gap.end():
                if not gap["n"] or not (gap["n"].lower() in _NUMBER_WORDS or gap["n"].isdigit()):
                    continue  # "came days after the Taliban seized Kunduz": an earlier incident, day unknown
                n = _NUMBER_WORDS.get(gap["n"].lower()) or int(gap["n"])
                weeks = gap["unit"].lower().startswith("week")
                found_when = when - timedelta(days=n * (7 if weeks else 1))
                found_precision = 2 if weeks else 1  # "a week after" is a week's precision
                said = [d for d in s.dates if d.precision == 1 and d.start >= s.span.start_char + gap.end()]
                if said:  # "came a week after another strike killed 20 on Sept 2": its own day
                    found_when, found_precision = said[0].value, 1
            anchor_trigger = _anchor(s, found, real)
            if anchor_trigger is not None and event_type not in ("Protests", "Riots") and sub not in _TAKEN:
                own_actors = _choose_actor(s, [anchor_trigger])
                subject = _pronoun_subject(anchor_trigger)
                if subject and claimant in _OFFICIAL_CLAIMANTS and country:
                    # "state media … said it targeted 'terrorist groups' in … Kfr Nabouda": the army itself
                    own_actors = [
                        ActorRef(
                            military(country), "state", claimant, s.span.start_char, s.span.start_char, False, country
                        )
                    ]
                if (own_actors and own_actors[0].kind != (actor1.kind if actor1 else None)) or (
                    own_actors and actor1 and own_actors[0].name != actor1.name and subject
                ):
                    actor1 = own_actors[0]
            mention = Mention(
                event_type=event_type,
                sub_event_type=sub,
                evidence=evidence,
                toponym=found.toponym,
                event_date=found_when,
                time_precision=found_precision,
                date_text=own.text if own else (gap.group(0) if gap is not None and found_when != when else None),
                actor1=actor1.name if actor1 else None,
                # one party is not both sides (the side an actor was taken from, named twice)
                actor2=actor2.name if actor2 and (actor1 is None or actor2.name != actor1.name) else None,
                assoc_actor1=assoc,
                actor_attributed=bool(actor1 and actor1.attributed),
                actor_text=actor1.text if actor1 else None,
                weapon=weapon,
                target=target,
                # a toll given for several places at once cannot be split honestly
                fatalities=None if shared else toll.killed,
                fatalities_text=None if shared else toll.killed_text,
                injuries=None if shared else toll.injured,
                injuries_text=None if shared else toll.injured_text,
                civilian_targeting=civilian,
                claimant=claimant,
                confidence=round(confidence, 2),
            )
            s.mentions.append(mention)
            extraction.mentions.append(mention)
        previous = s if s.mentions else None
        if actor1 is not None:
            previous_actor = actors
    for m in extraction.mentions:  # state forces carry the era of the event's date
        m.actor1, m.actor2 = with_era(m.actor1, m.event_date), with_era(m.actor2, m.event_date)
        m.assoc_actor1 = with_era(m.assoc_actor1, m.event_date)
    _keep_regions_only_when_alone(extraction)
    _drop_sublocalities(extraction, article_text)
    _attach_denials(extraction)
    return extraction
