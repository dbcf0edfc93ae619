"""Which country an article is about, read from the whole text before its sentences are.

Country names and peoples, gazetteer names found in one country only, armed groups that fight in
one country, and provinces named after a place ("Kobzartsi, Mykolaiv") each vote; a wire's
dateline ("BEIRUT (AFP) -") says where the agency files from, not where the story is.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from spacy.tokens import Doc

from warwatch.extract.actors import group_patterns
from warwatch.extract.countries import fold as fold_country
from warwatch.extract.lexicon import load
from warwatch.extract.toponyms import PlaceIndex
from warwatch.geocode.matching import same_letters


@lru_cache(maxsize=1)
def _iso2() -> dict[str, str]:
    """ACLED country name → ISO 3166 alpha-2, from the country table the exports use too."""
    import json
    from importlib import resources

    table = json.loads(resources.files("warwatch.store").joinpath("acled_countries.json").read_text("utf-8"))
    return {row["country"]: iso for iso, row in table["countries"].items()}


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
    # only exact names vote: a fuzzy match ("Boocame" ~ "Bokiyma") says nothing of the country, nor
    # a sound key shared with a hamlet abroad ("Gaines" ~ "Ganessé", Burkina Faso): one of its names
    # letter for letter (the lists of villages hold a namesake of almost any surname); a close spelling in
    # another country still makes it ambiguous ("Samsung": "Sam Sung" and "Samseung")
    exact = [c for c in places.lookup(name)[:10] if c.score >= 0.97]
    cities = {c.country for c in exact if c.population >= 100_000 and c.score >= 0.99}  # its own name
    region = places.region(name)
    if region is not None:
        # "Gaza" is a province of Mozambique and a city of 400,000 in Palestine, "Santa Catarina"
        # a Brazilian state and a Mexican city: it says nothing; "San Salvador" is a province of
        # the Bahamas and of El Salvador, whose capital it is: El Salvador
        units = places.region_countries(name) or {region.country}
        if len(units & cities) == 1:
            return next(iter(units & cities))
        return None if cities or len(units) > 1 else region.country
    if len(cities) == 1:
        return cities.pop()  # "Kampala": the capital, not the hamlets of its name in Congo and Burkina Faso
    found = {c.country for c in exact}
    letter_for_letter = any(same_letters(name, c.label or c.name) for c in exact)
    return found.pop() if len(found) == 1 and letter_for_letter else None


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
