"""First-level admin units (governorates, provinces, oblasts, states), country names, and the
words of news text that are never place names.

Held in memory (a few thousand rows): context words such as "northern Hama" or "Idlib
countryside" are matched against them for every toponym.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache

from warwatch.geocode.fold import ascii_fold, fold, skeleton
from warwatch.geocode.index import CURRENT, DATA_DIR
from warwatch.geocode.matching import Matcher, plain, same_letters, similarity

#: second- and third-level units, coded to their seat: "Majzar district", "Kyauktaw township"
#: (toponym detection reads the same words after a name)
DISTRICT_WORDS = ("district", "township", "raion", "rayon", "county", "locality", "tehsil", "woreda", "lga",
                  "subdistrict", "sub-district", "nahiya", "qada", "cercle")
_DISTRICT = {*DISTRICT_WORDS, "districts", "circle"}
#: other admin units: what the name names is a region
_UNIT = {"province", "provinces", "governorate", "governorates", "oblast", "region", "regions", "state",
         "municipality", "division", "wilayat", "wilaya", "tract", "hromada", "department", "prefecture",
         "commune", "zone"}
_NEAR = {"countryside", "outskirts", "suburbs", "suburb", "vicinity", "environs", "area", "areas",
         "surroundings", "outskirt", "periphery"}
_KIND = {"city", "town", "village", "villages", "towns", "hamlet"}
_DIRECTION = {"north", "south", "east", "west", "northern", "southern", "eastern", "western", "central",
              "northwest", "northeast", "southwest", "southeast", "northwestern", "northeastern",
              "southwestern", "southeastern", "north-western", "north-eastern", "south-western",
              "south-eastern", "rural", "upper", "lower", "greater", "eastern-rural", "western-rural"}
_NEAR_LEAD = re.compile(
    r"^(?:(?:an?|the)\s+)?(?:areas?\s+(?:near|around)|near|around|outskirts\s+of|countryside\s+of|"
    r"vicinity\s+of|outside|environs\s+of|surroundings\s+of)\s+(?:the\s+)?", re.I)
_KIND_LEAD = re.compile(r"^(?:the\s+)?(?:town|village|city|hamlet|settlement)\s+of\s+", re.I)
_UNIT_LEAD = re.compile(r"^(?:the\s+)?(?:province|governorate|region|oblast|state)\s+of\s+", re.I)
_DISTRICT_LEAD = re.compile(r"^(?:the\s+)?(?:district|township|county|raion)\s+of\s+", re.I)


@lru_cache(maxsize=1)
def _not_places() -> frozenset[str]:
    with open(DATA_DIR / "not_places.json", encoding="utf-8") as handle:
        data = json.load(handle)
    return frozenset(ascii_fold(w) for group in data["words"].values() for w in group)


def is_not_place(name: str) -> bool:
    """True for words that are never toponyms in news text ("Reuters", "Thursday", "Army")."""
    return ascii_fold(name) in _not_places()


def split_qualifier(text: str) -> tuple[str, str | None]:
    """("southern Idlib" → "Idlib", "region"), ("Idlib countryside" → "Idlib", "near"),
    ("Majzar district" → "Majzar", "district")."""
    text = " ".join(text.replace("’", "'").split())
    hint = None
    if _NEAR_LEAD.match(text):
        text, hint = _NEAR_LEAD.sub("", text), "near"
    elif _UNIT_LEAD.match(text):
        text, hint = _UNIT_LEAD.sub("", text), "region"
    elif _DISTRICT_LEAD.match(text):
        text, hint = _DISTRICT_LEAD.sub("", text), "district"
    text = _KIND_LEAD.sub("", text)
    words = text.split()
    if words and words[0].lower() == "the":
        words = words[1:]
    while len(words) > 1:
        last = words[-1].lower()
        if last in _DISTRICT:
            hint = hint or "district"
        elif last in _UNIT:
            hint = hint or "region"
        elif last in _NEAR:
            hint = hint or "near"
        elif last not in _KIND:
            break
        words.pop()
        if words[-1].lower().endswith("'s"):
            words[-1] = words[-1][:-2]
    while len(words) > 1 and words[0].lower().rstrip(",") in _DIRECTION:
        words.pop(0)
        hint = hint or "region"
        if words and words[0].lower() == "of":
            words.pop(0)
    return " ".join(words), hint


@dataclass(frozen=True)
class RegionInfo:
    """One first-level unit: ACLED's admin1 spelling, display name, centroid, capital place."""

    id: int
    country: str
    admin1: str
    name: str
    lat: float
    lon: float
    capital: int | None
    status: int


class RegionTable:
    """Region and country names, in memory."""

    def __init__(self, matcher: Matcher) -> None:
        self._info = {r[0]: RegionInfo(*r) for r in matcher.rows(
            "SELECT id, country, admin1, name, lat, lon, capital, status FROM region", ())}
        self._own = {rid: {fold(r.name), fold(r.admin1)} for rid, r in self._info.items()}
        self._by_fold: dict[str, list[int]] = {}
        self._labels: dict[tuple[str, int], list[str]] = {}
        for key, rid, label in matcher.rows("SELECT fold, region, label FROM region_name", ()):
            self._by_fold.setdefault(key, []).append(rid)
            self._labels.setdefault((key, rid), []).append(label)
        self._skel = {key: skeleton(key) for key in self._by_fold}
        # fuzzy matching only against plain English-alphabet names: a region's alternates in
        # fifty languages ("Crimêye", "Krimeya") would match anything
        self._ascii = {key for (key, _rid), labels in self._labels.items() if any(lb.isascii() for lb in labels)}
        # fuzzy candidates by the first two letters of their skeleton, so that a miss does not
        # compare against every region name of the world
        self._by_skel2: dict[str, list[str]] = {}
        for key in self._by_fold:
            if key in self._ascii:
                self._by_skel2.setdefault(self._skel[key][:2], []).append(key)
        self._found: dict[tuple, tuple[int, float, str] | None] = {}
        self._countries: dict[str, list[tuple[str, str]]] = {}
        self._country_names: dict[str, str] = {}
        for key, iso, label in matcher.rows("SELECT fold, iso, label FROM country_name", ()):
            self._countries.setdefault(key, []).append((iso, label))
            self._country_names.setdefault(iso, label)

    def info(self, rid: int) -> RegionInfo:
        """The region with this id."""
        return self._info[rid]

    def _rank(self, ids: list[int], country: str | None, key: str | None = None) -> list[int]:
        ids = [i for i in ids if country is None or self._info[i].country == country]
        # the unit whose own name it is first ("Panjshir" is also an old name of Parwan, which
        # held it until 2004), then current records, then the dense gazetteers' (WOF, positive
        # ids) before GeoNames'
        return sorted(set(ids), key=lambda i: (key is not None and key not in self._own[i],
                                               self._info[i].status != CURRENT, i < 0, i))

    def find(self, name: str, country: str | None = None, *, fuzzy: bool = True,
             whole: bool = False) -> tuple[int, float, str] | None:
        """(region id, similarity, reason) of the unit called ``name``, or None; ``whole``:
        the name as given only ("West Darfur"), not what is left without its qualifiers."""
        asked = (name, country, fuzzy, whole)
        if asked not in self._found:
            if len(self._found) > 100_000:
                self._found.clear()
            self._found[asked] = self._find(name, country, fuzzy=fuzzy, whole=whole)
        return self._found[asked]

    def spelled(self, name: str, rid: int) -> bool:
        """Is ``name`` one of the unit's names letter for letter ("Luhansk"), not only by its
        fold key ("Luhanske", a village)?"""
        return any(same_letters(name, label) for label in self._labels.get((fold(name), rid), ()))

    def _find(self, name: str, country: str | None, *, fuzzy: bool, whole: bool) -> tuple[int, float, str] | None:
        core, _ = split_qualifier(name)
        for text in dict.fromkeys((name,) if whole else (name, core)):
            key = fold(text)
            ids = self._rank(self._by_fold.get(key, []), country, key)
            # short names, GeoNames' units and others' names for a unit must agree letter for
            # letter ("Hass" is not "Hesse"; "Rashad" is not Raqqa's old name "Ar Rashid")
            ids = [i for i in ids if (len(key) > 4 and i > 0 and key in self._own[i])
                   or any(same_letters(text, label) for label in self._labels[key, i])]
            if ids:
                label = max(self._labels[key, ids[0]], key=lambda lb: similarity(plain(text), plain(lb)))
                return ids[0], 1.0, f"province name '{label}'"
        key = fold(core)
        if not fuzzy or len(key) < 6:
            return None
        best: tuple[float, int] | None = None
        skel = skeleton(key)
        for other in self._by_skel2.get(skel[:2], ()):
            ids = self._by_fold[other]
            ranked = self._rank(ids, country)
            if not ranked or (country is None and ranked[0] < 0):
                continue  # fuzzy matches of GeoNames' units only when the country is known
            sim = similarity(key, other)
            if sim >= 0.88 and (best is None or sim > best[0]):
                best = (sim, ranked[0])
        if best is None:
            return None
        return best[1], min(best[0], 0.94), f"province name close to '{self._info[best[1]].name}'"

    def countries_of(self, name: str) -> set[str]:
        """Countries that have a first-level unit called exactly ``name`` ("Sool": {"SO"},
        "Sucre": {"BO", "CO", "EC", "VE"}); letter for letter for short and GeoNames names."""
        out: set[str] = set()
        core, _ = split_qualifier(name)
        for text in dict.fromkeys((name, core)):
            key = fold(text)
            for rid in self._by_fold.get(key, ()):
                # letter for letter; for WOF's fifty-language alternates, the plain ones only:
                # "As-Saan" is not Shan's Turkish "Şan" (GeoNames names are official: "Paraná")
                labels = [lb for lb in self._labels[key, rid] if rid < 0 or lb.isascii() or not text.isascii()]
                if (len(key) > 4 and rid > 0 and key in self._own[rid]) or any(same_letters(text, lb) for lb in labels):
                    out.add(self._info[rid].country)
            if out:
                break
        return out

    def country(self, name: str) -> str | None:
        """ISO2 code of a country name ("Syria", "DR Congo"), or None; letter for letter, so
        that "Douma" is not "Dominica"."""
        name = split_qualifier(name)[0] or name
        for iso, label in self._countries.get(fold(name), ()):
            if same_letters(name, label):
                return iso
        return None

    def country_name(self, iso: str) -> str | None:
        """The English name of a country."""
        return self._country_names.get(iso)
