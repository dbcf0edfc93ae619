"""Turn an article's sentences into event mentions: one per incident per place.

Per sentence: find triggers and keep those that report something that happened; find the
places, actors, figures, claimant and date; then emit one :class:`Mention` per place. Across
sentences: a follow-up sentence with no place of its own ("The shelling killed two men") adds
its figures to the incident just reported; a province-level report is kept only when the
article names no village at all; denials are attached to the mentions they deny.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache

from spacy.tokens import Doc, Span, Token

from warwatch.extract.actors import ActorRef, find_actors, group_patterns, military, with_era
from warwatch.extract.countries import countries_named
from warwatch.extract.countries import fold as fold_country
from warwatch.extract.dates import DateRef, find_dates
from warwatch.extract.lexicon import load, phrase_regex
from warwatch.extract.numbers import read_toll
from warwatch.extract.toponyms import Found, PlaceIndex, find_toponyms
from warwatch.extract.triggers import STRONG, Trigger, find_triggers, has_attack_verb
from warwatch.models import Article, Evidence, Mention, Toponym

# which sub-event type wins when a sentence names several forms of violence
_PRIORITY = [
    "Chemical weapon",
    "Suicide bomb",
    "Remote explosive/landmine/IED",
    "Air/drone strike",
    "Shelling/artillery/missile attack",
    "Grenade",
    "Armed clash",
    "territory",
    "Attack",
    "Abduction/forced disappearance",
    "Sexual violence",
    "Peaceful protest",
    "Violent demonstration",
    "Mob violence",
    "Arrests",
]
_SEPARATE = re.compile(
    r"^\W*(in an? (?:separate|second|further|other|unrelated) \w+|separately|meanwhile|elsewhere|in another)\b", re.I)
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
@lru_cache(maxsize=1)
def _iso2() -> dict[str, str]:
    """ACLED country name → ISO 3166 alpha-2, from the country table the exports use too."""
    import json
    from importlib import resources

    table = json.loads(resources.files("warwatch.store").joinpath("acled_countries.json").read_text("utf-8"))
    return {row["country"]: iso for iso, row in table["countries"].items()}


_PRONOUNS = {"it", "we", "they"}
_MILITARY_VICTIMS = re.compile(
    r"\b(soldiers?|troops|servicem[ae]n|military (base|post|position|convoy|checkpoint|patrol|camp)s?|army (base|post|"
    r"position|checkpoint|patrol)s?|checkpoints?|police (station|post|officers|checkpoint|patrol)s?|policem[ae]n|"
    r"fighters|militants|militiam[ae]n|insurgents|rebels|terrorists|jihadists|gendarmes?|personnel|(security|armed|"
    r"government|rebel) forces|positions|bases?|patrols?|convoys?|barracks|outposts?)\b",
    re.I,
)
_CIVILIAN_VICTIMS = re.compile(
    r"\b(civilians?|villagers|residents|farmers|wom[ae]n|m[ae]n|children|child|boy|girl|famil(y|ies)|worshippers|"
    r"passengers|displaced|shepherds?|students|person|people|individuals?|traders?|merchants?|businessm[ae]n|"
    r"leaders?|pastoralists?|herders?|journalists?|teachers?|doctors?|drivers?|fishermen|workers?|victims?)\b",
    re.I,
)
_OFFICIAL_CLAIMANTS = {"State media", "Military sources"}
_SMALL_ARMS = re.compile(
    r"\b(?:small arms|(?:heavy |large-calibre |large-caliber )?machine[- ]?guns?|automatic (?:weapons|rifles)|rifles|"
    r"IFVs?|infantry fighting vehicles?)\b",
    re.I,
)
_OFF_DUTY = re.compile(r"\boff[- ]duty\b", re.I)
# "Airstrikes also were reported in Kremenchuk": strikes said to have happened, with no verb of attack
_REPORTED = re.compile(r"\b(?:was|were|has been|have been)\s+(?:also\s+)?(?:reported|carried out|conducted|launched)\b",
                       re.I)
_SPEECH_VERBS = {"say", "tell", "report", "announce", "state", "add", "confirm", "claim", "write", "post"}


def _victims(sent: Span, words: re.Pattern[str]) -> bool:
    """The sentence names such people as targets, not as the ones who attack: "FARDC soldiers
    killed a man" has soldiers, but as the subject; "killed two soldiers" has them as victims."""
    base = sent.start_char
    for match in words.finditer(sent.text):
        token = next((t for t in sent if t.idx - base >= match.start()), None)
        if token is None:
            continue
        token = _noun_head(token)
        if token.dep_ in ("nsubj", "appos") or (token.dep_ == "conj" and token.head.dep_ == "nsubj"):
            continue  # the attackers
        return True
    return False


@dataclass
class Extraction:
    """What the extractor read from one article."""

    mentions: list[Mention]
    #: the story's country (ACLED name) and its ISO2 code, when the article makes it clear
    country: str | None = None
    iso2: str | None = None
    denials: list[Evidence] = field(default_factory=list)
    #: ISO2 codes of every country the article names (by name, people or capital)
    named_countries: frozenset[str] = frozenset()


@dataclass
class _Sentence:
    """Everything read from one sentence, before mentions are made."""

    span: Span
    index: int
    triggers: list[Trigger]
    places: list[Found]
    actors: list[ActorRef]
    dates: list[DateRef]
    is_event: bool = False
    mentions: list[Mention] = field(default_factory=list)


@lru_cache(maxsize=1)
def _cues() -> dict[str, re.Pattern[str]]:
    mod = load("modality")
    return {
        "aggregate": phrase_regex(mod["aggregate"]),
        "history": phrase_regex(mod["history"]),
        "generic": phrase_regex(mod["generic_anaphors"]),
        "claimant": [(re.compile(p, re.I), name) for p, name in load("claimants")["entries"]],
        "targets": [(re.compile(p, re.I), name, civ) for p, name, civ in load("targets")["entries"]],
    }


def story_country(doc: Doc, places: PlaceIndex) -> str | None:
    """The country the article is about: where its named places are, then which country it names.

    A country's name ("in Syria", "Syria's Idlib") counts more than its demonym, since reports
    about Syria say "Russian jets" as often as "Syrian". Each capitalised name that the gazetteer
    places in exactly one country votes for that country.
    """
    countries = load("actors")["countries"]
    names = {iso: name for name, iso in _iso2().items()}
    votes: Counter[str] = Counter()
    text = doc.text  # built from the tokens on every access: read it once
    # "BEIRUT (Agence France-Presse) -": where the wire files from, and whose wire it is
    datelines = [m.span() for m in _WIRE_DATELINE.finditer(text)]
    text = _blank(text, datelines)
    first: dict[str, int] = {}  # where each country is first named as a country or a people
    for token in doc:
        name = countries.get(token.lower_)
        if name is None and not token.text.isascii():
            name = countries.get(fold_country(token.text))  # "Burkinabè"
        if not name or any(s <= token.idx < e for s, e in datelines):
            continue
        first.setdefault(name, token.idx)
        if token.pos_ != "PROPN":
            votes[name] += 0.5  # "Russian jets" says who flies, not where
        elif token.dep_ in ("pobj", "poss") or token.head.lower_ in ("in", "across", "inside", "of"):
            votes[name] += 3  # "in Syria", "Syria's Idlib province"
        else:
            votes[name] += 1
    said: dict[str, str | None] = {}
    for ent in doc.ents:
        if any(s <= ent.start_char < e for s, e in datelines):
            continue
        if (ent.label_ in ("GPE", "LOC", "FAC", "ORG", "PERSON") and ent.text.lower() not in countries
                and ent.text not in said):
            # a name votes once however often it is said: the village a story is about is
            # named in every paragraph, and a namesake abroad ("Solhan" is also Turkish)
            # would outvote the country the text names
            said[ent.text] = _country_of_name(ent.text, places)
            if said[ent.text]:
                votes[names.get(said[ent.text], said[ent.text])] += 2
    for regex, _name, _kind, home in group_patterns():
        if home and regex.search(text):
            # "TTP militants", "Al Shabaab": groups that fight in one country; more telling than a
            # village that only one country's gazetteer happens to have ("Sokoura": Mali's is missing)
            votes[home] += 3
    for match in _country_names().finditer(text):
        votes[_iso2_names()[match.group(0).lower()]] += 2  # "Burkina Faso", "Democratic Republic of Congo"
        first.setdefault(_iso2_names()[match.group(0).lower()], match.start())
    for after_comma in (*_AFTER_COMMA.finditer(text), *_IN_PROVINCE.finditer(text)):
        # "shelled Kobzartsi, Mykolaiv", "in Tulua (Valle del Cauca)", "in Karak area in Dar'a":
        # a province after a place
        if len(places.region_countries(after_comma.group(1))) > 1:
            continue  # "Nejapa, San Salvador": a unit of El Salvador and of the Bahamas
        region = places.region(after_comma.group(1))
        if region is not None:
            votes[names.get(region.country, region.country)] += 2
    for bracket in _ADMIN_BRACKET.finditer(text):
        # ACLED-style "(Laas Caanood, Sool)", "(Bourzanga, Bam)": the last unit is a province
        units = [u.strip() for u in bracket.group(1).split(",") if u.strip()]
        if not units or len(places.region_countries(units[-1])) > 1:
            continue  # a province of several countries says nothing
        region = places.region(units[-1])
        if region is not None:
            votes[names.get(region.country, region.country)] += 3
    top = votes.most_common(2)
    if len(top) == 2 and top[0][1] == top[1][1]:
        # a tie between countries the text names ("in Burkina Faso ... the borders with Mali"):
        # the one named first is the story's, as a lead names it; a tie of place names alone
        # ("Nejapa" votes Mexico, "San Salvador" El Salvador) is no coin toss
        tied = [c for c, n in votes.items() if n == top[0][1]]
        if all(c in first for c in tied):
            return min(tied, key=lambda c: first[c])
        return None
    return top[0][0] if top else None


_WIRE_DATELINE = re.compile(
    r"(?m)^[ \t]*[A-Z][A-Z .'’-]{2,30}(?:,[ \t]*[A-Za-z .]{2,30})?[ \t]*(?:\([^)\n]{2,60}\))?[ \t]*[-–—]+[ \t]"
)


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """The text with these spans blanked out (offsets kept)."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def _country_of_name(name: str, places: PlaceIndex) -> str | None:
    """The one country a name places the story in: a province ("Aleppo", "Morelos"), or a place
    name found exactly in one country only."""
    if name.isupper() and len(name) <= 6:
        return None  # "NAF", "SDF": an acronym, not the village that happens to share its letters
    # only exact names vote: a fuzzy match ("Boocame" ~ "Bokiyma") says nothing of the country
    exact = [c for c in places.lookup(name)[:10] if c.score >= 0.97]
    region = places.region(name)
    if region is not None:
        # "Gaza" is a province of Mozambique and a city of 400,000 in Palestine, "Santa Catarina"
        # a Brazilian state and a Mexican city: it says nothing; "San Salvador" is a province of
        # the Bahamas and of El Salvador, whose capital it is: El Salvador
        units = places.region_countries(name) or {region.country}
        cities = {c.country for c in exact if c.population >= 100_000 and c.score >= 0.99}  # its own name
        if len(units & cities) == 1:
            return next(iter(units & cities))
        return None if cities or len(units) > 1 else region.country
    found = {c.country for c in exact}
    return found.pop() if len(found) == 1 else None


@lru_cache(maxsize=1)
def _iso2_names() -> dict[str, str]:
    """ACLED country names by their lower-case form, but those the actor lexicon counts already."""
    known = load("actors")["countries"]
    return {name.lower(): name for name in _iso2() if name.lower() not in known}


@lru_cache(maxsize=1)
def _country_names() -> re.Pattern[str]:
    # capitalised only: "Chad" and "Niger" are countries, "chad" and "niger" are not
    names = sorted(_iso2_names().values(), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(map(re.escape, names)) + r")\b")


_AFTER_COMMA = re.compile(r"\w, ((?:[A-Z][\w'’-]+)(?: [A-Z][\w'’-]+){0,2})(?= region| oblast| province|[.,;)]|$)")
_IN_PROVINCE = re.compile(
    r"\b[A-Z][\w'’-]+(?: (?:area|town|village|city|district|countryside))? in "
    r"((?:[A-Z][\w'’-]+)(?: [A-Z][\w'’-]+){0,2})(?![\w'’-])")
_ADMIN_BRACKET = re.compile(r"\(([A-Z][^()]{1,80})\)")


def _claimant(text: str) -> str | None:
    for regex, name in _cues()["claimant"]:
        if regex.search(text):
            return name
    return None


def _target(text: str) -> tuple[str | None, bool]:
    for regex, name, civilian in _cues()["targets"]:
        if regex.search(text):
            return name, civilian
    return None, False


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


def _classify(triggers: list[Trigger], sent: Span, context_sub: str | None) -> tuple[str, str, str | None] | None:
    """(event type, sub-event type, weapon) of the sentence's realis triggers, or None."""
    real = [t for t in triggers if t.modality == "event"]
    strong = [t for t in real if t.kind in STRONG]
    air = [t for t in real if t.kind == "air"]
    generic = [t for t in real if t.kind in ("generic", "casualty")]
    protest = next((t for t in strong if t.kind == "protest"), None)
    if protest is not None and all(t.event_type in (None, "Battles", "Protests", "Riots") for t in strong):
        return _protest_kind(protest, sent.text)  # "protesters clashed with police": a riot, not a battle
    if strong:
        best = min(strong, key=lambda t: _PRIORITY.index(t.sub_event_type) if t.sub_event_type in _PRIORITY else 99)
        if best.kind == "bombard" and air:
            best = air[0]
        weapon = next(
            (
                t.weapon
                for t in strong
                if t.weapon and t.weapon not in ("shelling", "air strike") and t.sub_event_type == best.sub_event_type
            ),
            best.weapon,
        )
        if any(t.weapon == "barrel bomb" for t in real):
            weapon = "barrel bomb"
        if best.kind == "protest":
            return _protest_kind(best, sent.text)
        if best.sub_event_type in ("Shelling/artillery/missile attack", "Grenade") and _SMALL_ARMS.search(sent.text):
            # ACLED: heavy weapons fired together with small arms at an armed enemy make an armed clash
            return "Battles", "Armed clash", weapon
        return best.event_type or "Explosions/Remote violence", best.sub_event_type or "", weapon
    if air and (generic or has_attack_verb(sent) or any(t.phrase == "barrel" for t in air)
                or _REPORTED.search(sent.text)):
        weapon = "barrel bomb" if any(t.weapon == "barrel bomb" for t in air) else air[0].weapon
        return "Explosions/Remote violence", "Air/drone strike", weapon
    if generic:
        if any(t.event_type == "Explosions/Remote violence" for t in generic) or context_sub in (
            "Air/drone strike",
            "Shelling/artillery/missile attack",
        ):
            return "Explosions/Remote violence", context_sub or "", None
        # an attack or a killing with no weapon named: on armed men it is a battle, on civilians an attack
        if generic:
            off_duty = bool(_OFF_DUTY.search(sent.text))  # ACLED: off-duty soldiers and police are civilians
            if _victims(sent, _MILITARY_VICTIMS) and not off_duty:
                return "Battles", "Armed clash", None
            if _victims(sent, _CIVILIAN_VICTIMS) or off_duty or any(t.kind == "casualty" for t in generic):
                # someone killed, with no armed party said to be fighting back: an attack on civilians
                return "Violence against civilians", "Attack", None
        return None
    return None


@lru_cache(maxsize=1)
def _protest_cues() -> dict[str, re.Pattern[str]]:
    cues = load("triggers")["protest_modifiers"]
    return {k: re.compile(v, re.I) for k, v in cues.items() if not k.startswith("_")}


def _protest_kind(trigger: Trigger, text: str) -> tuple[str, str, None]:
    """ACLED's protest and riot sub-types from what the sentence says happened at it."""
    cues = _protest_cues()
    if trigger.event_type == "Riots":
        return "Riots", trigger.sub_event_type or "Violent demonstration", None
    if cues["excessive_force"].search(text):
        return "Protests", "Excessive force against protesters", None
    if cues["violent"].search(text):
        return "Riots", "Violent demonstration", None
    if cues["intervention"].search(text):
        return "Protests", "Protest with intervention", None
    return "Protests", "Peaceful protest", None


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


# the side whose ground was hit, not the attacker: "the headquarters of the KIA", "KIA-controlled"
_VICTIM_SIDE_BEFORE = re.compile(
    r"\b(?:(?:headquarters|stronghold|bastion|base|bases|camp|camps|territory|positions?|areas?|outposts?)\s+of"
    r"|(?:controlled|held|run|administered|besieged)\s+by)\s+(?:the\s+)?(?:[\w' -]{2,50}\(\s*)?$", re.I)
_VICTIM_SIDE_AFTER = re.compile(r"^\s*[-‐]\s*(?:controlled|held|run|administered)\b", re.I)


def _pronoun_subject(trigger: Trigger) -> bool:
    """True when the trigger's clause has a pronoun for a subject ("it targeted", "we hit")."""
    verb = trigger.token if trigger.token.pos_ in ("VERB", "AUX") else trigger.token.head
    return any(c.dep_ in ("nsubj", "nsubjpass") and c.lower_ in _PRONOUNS for c in verb.children)


def _noun_head(token: Token) -> Token:
    """"police" in "a police checkpoint" → "checkpoint"."""
    while token.dep_ in ("compound", "amod") and token.head.i != token.i:
        token = token.head
    return token


def _does_something_else(s: _Sentence, actor: ActorRef, heads: list[Token]) -> bool:
    """The actor is the subject of a verb with no attack under it ("the raids came a day after
    Russia rejected a call for a ceasefire"): it did that, not the attack."""
    for t in s.span:
        if actor.start <= t.idx < actor.end and t.dep_ in ("nsubj", "nsubjpass") and t.head.pos_ == "VERB":
            verb = t.head
            if heads and all(_behind_barrier(h, verb) for h in heads):
                # "Jaish al-Islam agreed to leave Douma, hours after a chemical attack": the attack
                # is what came before the group's own act, not something it did
                return True
            if verb.lemma_.lower() in _SPEECH_VERBS and any(
                c.dep_ in ("ccomp", "parataxis") and any(
                    g.dep_ in ("nsubj", "nsubjpass") and g.lower_ not in _PRONOUNS and g.lower_ not in ("its", "their")
                    for g in c.children)
                for c in verb.children
            ):
                # "Ukraine's air force said missiles hit a factory": who speaks, not who fired
                # ("Russia said it hit" keeps Russia: the pronoun is the speaker)
                return True
            return bool(heads) and verb not in heads and not any(h in verb.subtree for h in heads)
    return False


_BARRIERS = {"after", "before", "since", "following", "amid", "despite"}


def _behind_barrier(head: Token, verb: Token) -> bool:
    """The trigger hangs from the verb through "after/before/since ...": another, earlier act."""
    node, steps = head, 0
    while node.i != verb.i and node.head.i != node.i and steps < 10:
        if node.lower_ in _BARRIERS or any(c.lower_ in _BARRIERS and c.dep_ in ("mark", "prep", "advmod")
                                           for c in node.children):
            return node.head.i == verb.i or verb in node.ancestors
        node, steps = node.head, steps + 1
    return False


def _choose_actor(s: _Sentence, triggers: list[Trigger]) -> list[ActorRef]:
    """Perpetrators named in the sentence, most likely first."""
    heads = [t.token for t in triggers]
    text, base = s.span.text, s.span.start_char  # (doc.text is rebuilt from the tokens on each access)
    parties = [a for a in s.actors if a.kind in ("state", "rebel") and not _does_something_else(s, a, heads)
               and not _VICTIM_SIDE_BEFORE.search(text[max(0, a.start - base - 40):max(0, a.start - base)])
               and not _VICTIM_SIDE_AFTER.match(text[a.end - base:a.end - base + 15])]
    if not parties:
        return []

    def rank(actor: ActorRef) -> tuple[int, int]:
        doc = s.span.doc
        tokens = [t for t in s.span if actor.start <= t.idx < actor.end]
        near = min((abs(t.i - h.i) for t in tokens for h in heads), default=99)
        subject = any(
            t.dep_ in ("nsubj", "nsubjpass", "pobj", "compound", "amod", "poss") and t.head in heads for t in tokens
        ) or any(  # "Russian forces engaged in an offensive": the subject of the verb that governs it
            t.dep_ == "nsubj" and t.head.pos_ == "VERB" and any(t.head in (h.head, h.head.head) for h in heads)
            for t in tokens
        )
        agent = any(t.head.lower_ == "by" for t in tokens)
        victim = any(_noun_head(t).head.lower_ in ("on", "against", "targeting", "at") for t in tokens)
        score = 0 if subject or agent or near <= 2 else 1 if tokens and heads and tokens[0].i < heads[0].i else 2
        del doc
        return (score + (3 if victim else 0), actor.start)

    ordered = sorted(parties, key=rank)
    if ordered and rank(ordered[0])[0] >= 3:
        return []  # "a grenade was thrown at a police checkpoint": the only party named is the target
    unique: list[ActorRef] = []
    for a in ordered:
        if all(a.name != u.name for u in unique):
            unique.append(a)
    return unique


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
                span, i, find_triggers(span), find_toponyms(span, places, iso2), find_actors(span, country), dates
            )
        )
    # the article's dominant form of violence types generic sentences ("targeted towns")
    subs = Counter(
        t.sub_event_type
        for s in sentences
        for t in s.triggers
        if t.modality == "event" and t.kind in STRONG | {"air"} and t.sub_event_type
    )
    context_sub = subs.most_common(1)[0][0] if subs else None
    extraction = Extraction([], country, iso2, named_countries=countries_named(article_text))
    narrative: date | None = None
    main_date: date | None = None
    previous: _Sentence | None = None
    previous_actor: list[ActorRef] = []
    named_so_far: list[Found] = []  # the village-level places named before the sentence at hand
    said_before: tuple[int, date] | None = None  # the last day a sentence said, and which sentence
    for s in sentences:
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
        if _CAPTION.search(text):
            previous = None
            continue
        kind = _classify(s.triggers, s.span, context_sub)
        if (kind is None and previous is not None and previous.mentions and s.places
                and _ANAPHOR.search(text) and any(t.modality == "event" for t in s.triggers)):
            # "... killed 100 civilians in a village in the Sahel region. The attack took place on
            # Friday in Solhan village": the incident just reported, now placed (and dated)
            first = previous.mentions[0]
            kind = (first.event_type, first.sub_event_type, first.weapon)
        if kind is None or _aggregate(text):
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
        if own is not None and own.precision == 1 and own.value >= published - _HISTORY_LIMIT:
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
            sub = (
                "Government regains territory"
                if actors and actors[0].kind == "state"
                else "Non-state actor overtakes territory"
            )
        toll = read_toll(s.span)
        target, civilian_target = _target(text)
        victims = [a for a in s.actors if a.kind == "civilians"]
        civilian = event_type == "Violence against civilians" or civilian_target or bool(victims and toll.killed)
        actor1 = actors[0] if actors else None
        actor2 = actors[1] if len(actors) > 1 and event_type == "Battles" else None
        assoc = actors[1].name if len(actors) > 1 and event_type != "Battles" else None
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
            if anchor_trigger is not None:
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
                actor2=actor2.name if actor2 else None,
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
