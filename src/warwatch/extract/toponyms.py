"""Find the place names of a sentence and what the sentence says around them.

Reporters' village names are unknown to spaCy's NER (it tags "Qalaat al-Madiq" a PERSON and
"Kabaneh" an ORG), so a capitalised name counts as a toponym when the words around it say it is
a place ("the village of X", "X and Y villages", "near X", "including X" after "towns") or when
NER calls it a place and the gazetteer knows it. Province names next to a village ("in southern
Idlib", "Idlib countryside") are context for that village, not places of their own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from spacy.tokens import Span

from warwatch.extract.countries import is_capital, is_country_word
from warwatch.extract.lexicon import load, phrase_regex
from warwatch.geocode.regions import DISTRICT_WORDS, is_not_place
from warwatch.models import Candidate, Toponym

# "al-Habeet", "Jisr al-Shaghour", "Al Habit": a lower-case article needs its hyphen, so that
# "known as Kabaneh" does not become a name "as Kabaneh"
_ARTICLE = (
    r"(?:(?:al|el|as|ash|ad|ar|az|at|an|ez|es|adh|ath|bin|ibn|abu|umm)[-‐]|(?:Al|El|As|Ash|Ad|Ar|Az|At|An|Ez|Es)[-‐ ])"
)
_WORD = r"[A-Z][\w'’ʿʾ]+"
# inside a name the article may stand alone: "Qalat al Madiq"
_INNER = r"(?:(?:al|el|as|ash|ad|ar|az|at|an|ez|es|bin|ibn|abu|umm|Al|El|As|Ash|Ad|Ar|Az|At|An|Ez|Es)[-‐ ])"
# the Persian ezafe and its kin: "Qal'ah-ye Zal", "Darabad-e Pa'in", "Qala i Naw"
_EZAFE = r"(?:(?:ye|e|i|ul|ud|us)[-‐ ])"
# and the Romance ones: "Feira de Santana", "Amatlan de los Reyes", "San Juan del Sur"
_ROMANCE = r"(?:(?:de|da|do|dos|das|del|di|du|des)\s+(?:(?:la|las|los|le)\s+)?)"
# a one-letter last part after a hyphen: "Chaung-U"
NAME = re.compile(
    rf"(?<![\w-])(?:{_ARTICLE})?{_WORD}(?:(?:[-‐ ]|\s)(?:{_INNER}|{_ROMANCE}|{_EZAFE})?['’ʿ]?{_WORD}){{0,3}}"
    r"(?:[-‐][A-Z](?![\w-]))?"
)
_NOT_PLACE_LABELS = {
    "NORP",
    "DATE",
    "TIME",
    "CARDINAL",
    "ORDINAL",
    "MONEY",
    "PERCENT",
    "QUANTITY",
    "LANGUAGE",
    "WORK_OF_ART",
    "EVENT",
    "LAW",
}
_KIND = (
    r"(?:village|villages|town|towns|city|cities|hamlet|hamlets|area|areas|district|districts|neighbou?rhoods?|suburbs?|"
    r"camp|outskirts|countryside|region|province|provinces|governorate|oblast|raion|rayon|hromada|state|county|"
    r"sub-county|municipality|base|airport|air base|airbase|checkpoint|hill|height|mountain|valley|settlement|locality|"
    r"vicinity|kebele|woreda|township|ward|commune|colonia|barangay|tehsil|quarter|sector|zone|axis|road|highway|"
    r"bridge|market|island|port)"
)
# ACLED-style notes name the admin units in brackets: "in Opume (Ogbia, Bayelsa)", "Al Alam military
# camp (Jardan, Shabwah)", also after a remark in brackets: "Hays (coded to district level) (Al
# Hudaydah)", "Me Tha Na village (coded as Me Tha Na village) (Hpa-An township, Kayin state)"
_ADMIN_AFTER = re.compile(r"^(?:\s+[\w-]+){0,2}?\s*\((?P<first>[^()]{1,80})\)(?:\s*\((?P<second>[A-Z][^()]{1,80})\))?")
_CUE_BEFORE = re.compile(
    r"""(?:\b(?:village|town|city|hamlet|area|district|neighbou?rhood|suburb|camp|outskirts|vicinity|countryside
            |province|region|governorate|municipality)s?\s+of\s+(?:the\s+)?$
        |\b(?:in|on|at|near|around|outside|inside|into|towards|toward|hit|struck|targeted|targeting|shelled|bombed
            |pounded|raided|attacked|stormed|captured|seized|retook|entered|including|known\ as|east\ of|west\ of
            |north\ of|south\ of|between|from)\s+(?:the\s+)?(?:[\w-]+\s+){0,2}$
        |\b(?:of|and|,)\s+$)""",
    re.I | re.X,
)
_STRONG_BEFORE = re.compile(
    r"""\b(?:village|town|city|hamlet|area|district|neighbou?rhood|suburb|camp|outskirts|vicinity|countryside
            |municipality|locality|settlement|commune|township|county|ward|kebele|woreda|barangay|colonia)s?
            \s+of\s+(?:the\s+)?$
        |\b(?:near|outside|including|known\ as|(?:east|west|north|south)(?:ern)?\ of)
            \s+(?:the\s+)?(?:[\w-]+\s+){0,1}$""",
    re.I | re.X,
)
_CUE_AFTER = re.compile(rf"^\s*(?:[\w-]+\s+)?{_KIND}\b", re.I)
_NEAR_BEFORE = re.compile(
    r"""\b(?:near|nearby|close\ to|outside|around|outskirts\ of|vicinity\ of|an\ area\ near|areas\ near|edge\ of
        |(?:east|west|north|south|northeast|northwest|southeast|southwest)(?:ern)?\ of
        |(?:\d+|a\ few|several)\s+(?:km|kilometres|kilometers|miles)\s+(?:\w+\s+)?(?:from|of))
        \s+(?:the\s+(?:\w+\s+)?(?:town|village|city)\s+of\s+)?$""",
    re.I | re.X,
)
_NEAR_AFTER = re.compile(
    r"^(?:'s|’s)?\s+(?:countryside|outskirts|suburbs|environs|vicinity|surroundings|rural areas)\b", re.I
)
_REGION_BEFORE = re.compile(
    r"""\b(?:(?:north|south|east|west|central|northern|southern|eastern|western|north-?western|north-?eastern
            |south-?western|south-?eastern|rural|upper|lower|greater|neighbou?ring)\s+(?:parts?\ of\s+)?
        |province\ of\s+(?:the\s+)?|governorate\ of\s+|region\ of\s+|countryside\ of\s+
        |(?:mountainous|restive|embattled|rebel-held|opposition-held|government-held)\s+province\ of\s+)$""",
    re.I | re.X,
)
_REGION_AFTER = re.compile(
    r"^(?:'s|’s)?\s+(?:province|provinces|governorate|governorates|region|oblast|state|district|countryside)\b", re.I
)
_UNIT_AFTER = re.compile(
    r"^(?:'s|’s)?\s+(?:province|governorate|region|oblast|state)\b(?!\s+(?:media|forces|TV))", re.I)
# a district or township, coded to its seat: "Majzar district (Marib)", "the district of Chora"
_DISTRICT_AFTER = re.compile(
    rf"^(?:'s|’s)?\s+(?:{'|'.join(map(re.escape, DISTRICT_WORDS))})\b"
    r"(?!\s+(?:head|chief|governor|police|council|court|officials?|administrator|commissioner|authorit))",
    re.I)
# ("Al Amadiya district of Duhok": Duhok is the province)
_DISTRICT_BEFORE = re.compile(r"\b(?:the|in|a|its)\s+(?:district|township|raion|county)\s+of\s+$", re.I)
_DATELINE = re.compile(r"^\s*[A-Z][\w'’ -]{0,40},\s+[A-Z][\w ]{0,30}?\s+[–—-]\s")  # short: a dateline, not a sentence
# a wire dateline: "NIAMEY, Niger (AP) —", "CAIRO (AP) -", "VINNYTSIA, Ukraine, July 14 (Reuters):",
# "KABUL, Afghanistan —": where the reporter files from, which is often not where anything happened
WIRE_DATELINE = re.compile(
    r"^\s*[A-Z][A-Z .'’-]{2,30}(?:,\s*[A-Z][\w .'’-]{1,30}){0,2}\s*"
    r"(?:\((?:[A-Z][\w.&' -]{1,40})\)\s*(?:[-–—:]+|\s)|[-–—]+)\s"
)
# "268 kilometres southwest of the capital, Kyiv", "about 150 km (93 miles) north of Solhan": a
# place this far off is a landmark to find another by, not where the event was
_FAR_REFERENCE = re.compile(
    r"\b(?P<n>\d[\d,.]*)\s*(?:km|kilometres|kilometers|miles|mi)\b(?:\s*\([^)]{0,30}\))?"
    r"(?:\s+[\w-]+){0,2}\s+(?:of|from)\s+(?:the\s+(?:[\w-]+\s+){0,2}?(?:capital|city|town)?,?\s*)?$",
    re.I,
)
#: a landmark further than this is a reference point; nearer, the event was "near" it (geo_precision 2)
FAR_REFERENCE_KM = 25
# a capital stands for its government ("Moscow denied", "talks between Moscow and Kyiv") unless
# the words before it put something there: "missiles hit Kyiv", "in the capital, Khartoum"
_CAPITAL_CUE = re.compile(
    r"""\b(?:in|on|at|near|around|outside|inside|into|across|over|toward|towards|hit|struck|targeted|targeting
        |shelled|bombed|pounded|raided|attacked|stormed|captured|seized|entered|city\ of|outskirts\ of|suburbs?\ of
        |parts\ of|districts?\ of|fringes\ of|edge\ of
        |(?:north|south|east|west|northeast|northwest|southeast|southwest)(?:ern)?
            \ (?:(?:parts?|fringes|edge|outskirts)\ )?of)
        \s+(?:the\s+)?(?:(?:[\w-]+\s+){0,2}capital,?\s+)?(?:[\w-]+\s+)?$""",
    re.I | re.X,
)
_CITY_APPOSITION = re.compile(r"^,\s+(?:a|an|the|another)\s+(?:[\w-]+\s+){0,2}(?:city|town|village|port|capital)\b",
                              re.I)
# between a place and a second name: "X, a city on the river, south of Y", "X, 20 km north of Y"
_LANDMARK_BETWEEN = re.compile(
    r"^,[^.;()]{0,80}?\b(?:north|south|east|west|northeast|northwest|southeast|southwest)(?:ern)?\s+of\s+"
    r"(?:the\s+)?(?:(?:[\w-]+\s+){0,2}capital,?\s+)?$", re.I)
# where an institution sits, said of a capital: "the defence ministry in Kabul", "officials in Khartoum"
_SEAT_BEFORE = re.compile(
    r"\b(?:ministry|ministries|government|officials?|authorities|embassy|embassies|parliament|headquarters|"
    r"spokes(?:man|woman|person)|diplomats?|leaders?|leadership|regime|junta|administration|presidency|palace)"
    r"(?:\s+of\s+[\w ]{1,30}?)?\s+in\s+(?:the\s+)?(?:capital,?\s+)?$", re.I)
# a person's title or role just before the name: "President Omar al-Bashir", "spokesman Zabihullah
# Mujahid", "Col. Brian Tribus" (the name may run on from a first name the pattern already passed)
_TITLE_BEFORE = re.compile(
    r"\b(?:President|Prime\s+Minister|Minister|Gen\.?|General|Lt\.?|Col\.?|Colonel|Maj\.?|Major|Commander"
    r"|Mr\.?|Mrs\.?|Ms\.?|Dr\.?|Sheikh|King|Prince|Emir|Imam|Bishop|Senator|Governor|Mayor|spokes(?:man|woman|person)"
    r"|leader|ousted|former\s+president|strongman|dictator|warlord)\s+(?:[A-Z][\w.'’-]*\s+){0,2}$")
# "a reporter in Damascus said": where someone speaks from
_SPEAKS_AFTER = re.compile(r"^\s*,?\s*(?:said|says|told|reported|reports|announced|stated|confirmed|added)\b", re.I)
# the name is part of an organisation's: "the Emergency Group South of the Belt", "Kachin
# Independence Army", "the Kyiv Independent": whose name, not where
_ORG_WORDS = (
    r"(?:Group|Committee|Council|Network|Observatory|Association|Union|Ministry|Agency|Commission|Federation|Coalition"
    r"|Organi[sz]ation|Society|Institute|Foundation|Authority|Directorate|Bureau|Department|Court|Tribunal|Bank"
    r"|Company|Corporation|News|Times|Post|Independent|Radio|Television|Army|Front|Movement|Party|Brigades?|Militia"
    r"|Battalion|Regiment|Division|Corps|Service|Services|Initiative|Watch|Campaign)"
)
# ("the Zionist Union in Tel Aviv", "militia in Donetsk": "in" says where the organisation is, so only
# "of" and "for" continue its name)
_ORG_BEFORE = re.compile(rf"\b{_ORG_WORDS}(?:\s+[A-Z][\w'’-]*){{0,3}}\s+(?:of|for)\s+(?:the\s+)?$")
_ORG_AFTER = re.compile(rf"^(?:\s+[A-Z][\w'’-]+){{0,2}}\s+{_ORG_WORDS}\b")
# "casualties poured into the nearby Bashair hospital": where the wounded were taken, unless it was hit
_FACILITY_AFTER = re.compile(
    r"^\s+(?:(?:teaching|university|general|military|field|district|city)\s+)?(?:hospital|clinic|"
    r"medical cent(?:er|re)|health cent(?:er|re)|morgue)\b", re.I)
_HIT_BEFORE = re.compile(
    r"\b(?:hit|struck|strikes?|bomb\w*|shell\w*|attack\w*|target\w*|raid\w*|stormed|damaged)\b", re.I)
_STOP = {
    "the",
    "a",
    "an",
    "on",
    "in",
    "at",
    "he",
    "she",
    "they",
    "it",
    "we",
    "i",
    "but",
    "and",
    "or",
    "if",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "president",
    "minister",
    "mr",
    "mrs",
    "ms",
    "dr",
    "maj",
    "gen",
    "col",
    "sheikh",
    "idp",
    "idps",
}


class PlaceIndex(Protocol):
    """What toponym detection needs from a gazetteer."""

    def lookup(self, name: str, *, country: str | None = None) -> list[Candidate]: ...

    def region(self, name: str, *, country: str | None = None) -> Candidate | None: ...

    def region_countries(self, name: str) -> frozenset[str]: ...


@dataclass
class Found:
    """A toponym and its role in the sentence."""

    toponym: Toponym
    #: "place" (where something happened), "region" (a province-level name), "excluded"
    role: str
    known: bool
    reason: str = ""


@lru_cache(maxsize=1)
def _not_place_cue() -> re.Pattern[str]:
    return phrase_regex(load("modality")["not_places_before"])


@lru_cache(maxsize=1)
def _country_words() -> frozenset[str]:
    return frozenset(load("actors")["countries"])


@lru_cache(maxsize=1)
def _claimant_patterns() -> list[re.Pattern[str]]:
    return [re.compile(p, re.I) for p, _ in load("claimants")["entries"][:6]]


def _is_claimant(name: str) -> bool:
    return any(p.fullmatch(name) or p.fullmatch(name.removeprefix("The ")) for p in _claimant_patterns())


def _trim(name: str) -> str:
    words = name.split()
    while words and words[0].lower() in _STOP:
        words = words[1:]
    while words and words[-1].lower() in _STOP:
        words = words[:-1]
    return " ".join(words)


def find_toponyms(sent: Span, places: PlaceIndex, country: str | None, doc_text: str | None = None) -> list[Found]:
    """Candidate toponyms of the sentence with their qualifier, context and role.

    ``doc_text`` is the whole article's text, when the caller has it: spaCy rebuilds ``doc.text``
    from every token on each access, and a sentence may need it name after name."""
    text, base = sent.text, sent.start_char
    ents = {(e.start_char - base, e.end_char - base): e.label_ for e in sent.ents}
    spans: list[tuple[int, int, str]] = []
    for m in NAME.finditer(text):
        name = _trim(re.sub(r"(?:'s|’s)$", "", m.group(0)))
        owner = re.match(r"^(.+?)(?:'s|’s)\s+(.+)$", name)
        if owner and (owner.group(1).lower() in _country_words() or is_country_word(owner.group(1))
                      or places.region(owner.group(1), country=country) is not None):
            name = owner.group(2)  # "Syria's Idlib province", "the Sahel's Yagha province": the latter is the place
        if not name or len(name) < 3:
            continue
        start = m.start() + m.group(0).find(name)
        spans.append((start, start + len(name), name))
    spans = _join_acled_parts(spans, text, places, country)
    dateline = _DATELINE.match(text) or WIRE_DATELINE.match(text)
    if dateline:
        # "Antakya, Turkey – ...": where the reporter files from, not where anything happened
        spans = [s for s in spans if s[0] >= dateline.end()]
    out: list[Found] = []
    accepted_end = -99
    for start, end, name in spans:
        if name.lower() in _STOP:
            continue
        if is_country_word(name):
            continue  # a country, its people or a world region ("in central Ukraine", "Sudanese activists")
        if name.lower() in _country_words() and not places.lookup(name, country=country):
            continue  # a word the actor lexicon reads as a country ("Assad"); a capital is a place too ("in Kyiv")
        if is_not_place(name):
            continue  # "Houthi maintenance camp": whose camp, not where
        lead = max(0, start - 8)
        rural = re.search(r"\b[Rr]ural\s+$", text[lead:start])
        if rural and _own_unit(places, f"Rural {name}", name):
            # "near Tanf in rural Damascus": the governorate Rural Damascus, not the capital
            start, name = lead + rural.start(), f"Rural {name}"
        if _is_claimant(name):
            continue  # "The White Helmets said": a source, not a place
        if all(re.fullmatch(_KIND, w, re.I) or w.lower() in _STOP for w in name.split()):
            continue  # "Villages and towns …": a capitalised common noun
        before, after = text[:start], text[end:]
        far = _FAR_REFERENCE.search(before[-80:])
        if far and float(far["n"].replace(",", "") or 0) > FAR_REFERENCE_KM:
            continue  # "Tadaryat, about 150 km north of Solhan": Solhan is the landmark
        if accepted_end >= 0 and out and _LANDMARK_BETWEEN.match(text[accepted_end:start]):
            # "Kremenchuk, another city along the river, south of Kyiv", "Toto area, north of
            # Tabit": the landmark, where the place before it is coded when the gazetteer lacks it
            host = out[-1].toponym
            host.bearings = list(dict.fromkeys([*host.bearings, name]))
            continue
        if _ORG_BEFORE.search(before[-60:]) or _ORG_AFTER.match(after):
            continue  # "Kachin Independence Army", "Emergency Group South of the Belt": a name's part
        label = next((lab for (s, e), lab in ents.items() if s <= start < e or start <= s < end), None)
        # NER takes many a village for a nationality ("Ftireh town" NORP): then the words around
        # it must say it is a place, as they must for a name it does not know
        norp = label == "NORP" and not _DEMONYM.search(name) and places.region(name) is None
        if label in _NOT_PLACE_LABELS and not norp and not (label == "NORP" and places.region(name)):
            continue
        if _TITLE_BEFORE.search(before[-60:]) and not _STRONG_BEFORE.search(before[-40:]):
            continue  # "ousted President Omar al-Bashir", "Gen. Abdel Fattah Burhan": a person
        tokens = [t for t in sent if start <= t.idx - base < end]
        proper = any(t.pos_ == "PROPN" for t in tokens)
        if before.count("(") > before.count(")"):
            continue  # inside brackets: the admin units of the name before them, context not a place
        # (the brackets may fall in the next "sentence": spaCy ends one at "(coded to district level)")
        if doc_text is None:
            doc_text = sent.doc.text
        bracket = _admin_bracket(doc_text[base + end:base + end + 200], places, country)
        province_after = _province_after(after, places, country)
        strong = bool(_STRONG_BEFORE.search(before[-40:]) or _CUE_AFTER.match(after) or bracket or province_after
                      or _near_a_named_place(after))
        if norp and not strong:
            continue
        medium = bool(_CUE_BEFORE.search(before[-60:]))
        # "Latamneh and Kafr Zeita", "Kafr Sejnah and Hazareen": a name joined to a place just found
        joined = (
            start - accepted_end <= 7
            and re.fullmatch(r"\s*(?:,|and|or|,\s*and)\s*", text[accepted_end:start] if accepted_end >= 0 else "x")
            is not None
        )
        region = places.region(name, country=country)
        if region is None and country and (_REGION_BEFORE.search(before[-40:]) or _REGION_AFTER.match(after)
                                           or not places.lookup(name, country=country)):
            # the story's country may be wrong ("Saida" is also an Algerian province): a province
            # said as one ("in Ar Raqqa countryside"), or one the story's country has no place
            # called, is context whatever its country
            region = places.region(name)
        # a joined "City - District" is known by its city (see _join_acled_parts)
        known = region is not None or " - " in name or bool(places.lookup(name, country=country))
        if region is None and _UNIT_AFTER.match(after) and not known:
            # "in the Sahel's Yagha province": an admin unit the gazetteer lacks is context, not a place
            out.append(Found(Toponym(name, base + start, base + end, "region", []), "region", False))
            continue
        if not (strong or joined or (known and (medium or label in ("GPE", "LOC", "FAC")))):
            continue
        # a capital said for its government ("Moscow denied") is a place only where the words
        # around it say so ("in Kyiv"), and then the city, not its province
        capital = is_capital(name)  # (countries and peoples were left out above)
        if capital and (not (_CAPITAL_CUE.search(before[-60:]) or strong) or _SEAT_BEFORE.search(before[-60:])
                        or _SPEAKS_AFTER.match(after)):
            continue  # "Moscow denied", "the defence ministry in Kabul said": a government, not a place
        if not (proper or known or joined):
            continue  # "Villages and towns …": a capitalised common noun, not a name
        if name.isupper() and len(name) <= 4 and not strong:
            continue  # "ANA official", "SDF fighters": an organisation, even if a village shares its letters
        if name.isupper() and not known and not strong:
            continue  # an acronym (SOHR, UOSSM) is an organisation unless the text says it is a place
        qualifier = None
        if _NEAR_BEFORE.search(before[-60:]) or _NEAR_AFTER.match(after):
            qualifier = "near"
        # "New York, Donetsk": a name followed by its province is a town, whatever else it names
        district = bool(_DISTRICT_AFTER.match(after) or _DISTRICT_BEFORE.search(before[-25:]))
        # "Balkh district" is the district, not the province of the same name
        # ("in Punta Arenas (Bolivar)": a name followed by its bracketed units is a town too,
        # unless the words say province)
        # "Vinnytsia, Ukraine": a name said with its country is the town (datelines, captions);
        # "Dnipro, a major city on the Dnieper": so is one the text calls a town
        a_town = bool((m := _COUNTRY_AFTER.match(after)) and is_country_word(m.group(1))) or bool(
            _CITY_APPOSITION.match(after))
        is_region = (region is not None and not capital and not province_after and not district
                     and not a_town) and (
            bool(_REGION_BEFORE.search(before[-40:]) or _REGION_AFTER.match(after))
            or (not bracket and not re.match(r"^\s+(?:city|town|village)\b", after)
                and not re.search(r"\b(?:city|town|village|hamlet) of\s+$", before[-20:]))
        )
        if is_region and _NEAR_AFTER.match(after) and not _REGION_AFTER.match(after):
            is_region = False  # "Idlib countryside": near the city (ACLED geo_precision 2)
        if is_region and qualifier != "near":
            qualifier = "region"
        elif district and qualifier is None:
            qualifier = "district"
        toponym = Toponym(name, base + start, base + end, qualifier, [])
        if bracket:
            toponym.context = [a.strip() for a in bracket.split(",") if a.strip()][::-1]
        named = _COUNTRY_AFTER.match(after)
        if named and named.group(1).lower() in _country_words():
            toponym.context.append(named.group(1))  # "Peshawar city, Pakistan": the country
        if (_not_place_cue().search(before[-45:]) or _FACILITY_AFTER.match(after)) and not _HIT_BEFORE.search(
            before[-45:]
        ):
            out.append(Found(toponym, "excluded", known, "treated, fled or based there"))
            continue
        accepted_end = end
        out.append(Found(toponym, "region" if is_region else "place", known))
    # admin units named in the sentence are context for its villages, and so are the bracketed
    # units of another place of the sentence ("near Hmat Taing village, Katha township (Katha
    # district, Sagaing region)"): after the place's own
    regions = [f.toponym.text for f in out if f.role == "region"]
    bracketed = [c for f in out if f.role == "place" for c in f.toponym.context]
    for f in out:
        if f.role == "place":
            f.toponym.context = list(dict.fromkeys([*f.toponym.context, *regions, *bracketed]))
    return out


_COUNTRY_AFTER = re.compile(
    r"^(?:\s+(?:city|town|village|district|province|region))?,\s+([A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)?)\b"
)
_COMMA_UNIT = re.compile(r"^,\s+((?:[A-Z][\w'’-]+)(?:\s+[A-Z][\w'’-]+){0,2})")
_DEMONYM = re.compile(r"(?:ish|ian|ians|ese|ite|ites|ic|is)$", re.I)


_NEAR_NAME_AFTER = re.compile(
    r"^\s+(?:near|outside|close\s+to|not\s+far\s+from)\s+(?:the\s+(?:town|city|village)\s+of\s+)?"
    r"((?:[A-Z][\w'’-]+)(?:\s+[A-Z][\w'’-]+){0,2})")


def _near_a_named_place(after: str) -> bool:
    """ "a camp in Mon Lai Hket near Laiza": a name placed by a town named beside it is a place,
    known to the gazetteer or not."""
    m = _NEAR_NAME_AFTER.match(after)
    return m is not None and not is_country_word(m.group(1)) and m.group(1).lower() not in _STOP


def _own_unit(places: PlaceIndex, name: str, bare: str) -> bool:
    """Is ``name`` ("Rural Damascus") a province other than the one ``bare`` names ("Damascus")?"""
    unit = places.region(name)
    return unit is not None and unit != places.region(bare)


def _admin_bracket(after: str, places: PlaceIndex, country: str | None) -> str | None:
    """The admin units bracketed right after a name ("(Ogbia, Bayelsa)"), past one remark in
    brackets; not an acronym ("Relief Organisations (UOSSM)") or a remark ("(Kurdish name)")."""
    found = _ADMIN_AFTER.match(after)
    if not found:
        return None
    for text in (found["first"], found["second"]):
        if text and text[0].isupper() and (
                "," in text or places.region(text, country=country) is not None or places.region(text) is not None):
            return text
    return None


def _province_after(after: str, places: PlaceIndex, country: str | None) -> bool:
    """ "in Verkhnyokamianka, Luhansk", "near Bakhmut, Donetsk region": a name followed by its
    province is a place, known to the gazetteer or not."""
    m = _COMMA_UNIT.match(after)
    if m is None:
        return False
    unit = m.group(1)
    return places.region(unit, country=country) is not None or places.region(unit) is not None


def _join_acled_parts(spans: list[tuple[int, int, str]], text: str, places: PlaceIndex,
                      country: str | None) -> list[tuple[int, int, str]]:
    """ACLED's "City - District" names ("Donetsk - Kirovskyi", "Mogadishu - Heliwa") as one
    toponym, when the first part is a known place: the geocoder places the district, else the
    city. A dash between a dateline and the story ("KYIV - Russian forces") is left alone."""
    out: list[tuple[int, int, str]] = []
    for span in spans:
        # not across a closing quote: "... in North Darfur' - Spokesman" is a headline's attribution
        if (out and text[out[-1][1]:span[0]] == " - " and span[2].split()[0].lower() not in _STOP
                and not text[out[-1][0]:out[-1][1]].endswith(("'", "’"))):
            first = out[-1]
            if places.region(first[2], country=country) is not None or places.lookup(first[2], country=country):
                out[-1] = (first[0], span[1], f"{first[2]} - {span[2]}")
                continue
        out.append(span)
    return out


def merge_context(found: Sequence[Found], extra: Sequence[str]) -> None:
    """Add article-level context (e.g. the province the story is about) after the sentence's own."""
    for f in found:
        for name in extra:
            if name not in f.toponym.context:
                f.toponym.context.append(name)
