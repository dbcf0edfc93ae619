"""Scoring a gazetteer candidate against what the article says around its toponym.

The terms add up small, explained amounts (``Candidate.why``): the province, district, township
or sub-district named in context; the country; the distance to the article's other places;
population; and what kind of record it is (a unit, a hamlet, a village known only by its unit,
a point inferred by file order, a deprecated record). :mod:`warwatch.geocode.geocoder` matches
names, builds the :class:`Context` and chooses among the scored candidates.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from warwatch.geocode.fold import fold
from warwatch.geocode.index import DENSE, DEPRECATED, INFERRED_POINT, NOT_CURRENT, UNIT_POINT, km
from warwatch.geocode.matching import EXACT
from warwatch.models import Candidate

OTHER_DISTRICT = 0.15  # a village in another district of the province than the one named...
CITY = 100_000  # people: a town this big spans several districts
DISTRICT_REACH_KM = 40  # ...this near the named district's centre (further: never chosen)
UNIT_TYPES = ("county", "localadmin")  # the districts and townships of the gazetteers
SEAT_KM = 35  # a district's seat lies this near the district's point (its centre or seat)
PLACETYPE_PENALTY = {"neighbourhood": 0.05, "campus": 0.10, "county": 0.10, "localadmin": 0.05,
                     # known by name and unit only: a place with its own point of that name wins
                     "village": 0.20}
#: a list's lesser settlement classes rank below villages and towns: a hamlet or a farm of one
#: name is rarely the place a report means, and OSM's "locality" is a named spot, often unpeopled
KIND_PENALTY = {"hamlet": 0.04, "isolated_dwelling": 0.10, "locality": 0.06}
INFERRED = 0.04  # a point joined to its name by file order (OCHA): below a confirmed one


@dataclass
class Context:
    """What the words said next to a toponym name: provinces, districts, countries, units."""

    regions: dict[int, str] = field(default_factory=dict)  # region id → the word that named it
    counties: dict[int, str] = field(default_factory=dict)
    countries: set[str] = field(default_factory=set)
    admin1: set[str] = field(default_factory=set)  # fold keys of the words ("Shan-North")
    #: fold keys of the words without their unit word ("Myinmu township" → "Myinmu"): a
    #: settlement list's third-level unit (MIMU's township, OCHA's sub-district) may be named
    units: set[str] = field(default_factory=set)
    #: the towns a district or township named in context is called after ("Shwegu township")
    seats: list[tuple[float, float]] = field(default_factory=list)


def score_candidate(cand: Candidate, p: tuple, tier: int, ctx: Context, anchors: list[tuple[float, float]],
                    country: str | None, *, place_of: Callable[[int], tuple],
                    near_context: Callable[[tuple, dict[int, str]], bool]) -> None:
    """Add the context terms to ``cand.score`` and their reasons to ``cand.why``.

    ``p`` is the candidate's index row (``geocoder._PLACE_SQL``), ``tier`` its match tier,
    ``anchors`` the points of the article's other places; ``place_of`` reads an index row by id,
    ``near_context`` says whether a place lies just across a context province's border.
    """
    score, why = cand.score, cand.why
    if ctx.regions:
        if p[6] in ctx.regions:
            score += 0.30
            why.append(f"in {cand.admin1}, named in context ('{ctx.regions[p[6]]}')")
        elif near_context(p, ctx.regions):
            score -= 0.05
            why.append("just outside the province named in context")
        else:
            score -= 0.40
            why.append("outside the province(s) named in context: " + ", ".join(ctx.regions.values()))
    if ctx.counties and p[7] in ctx.counties:
        score += 0.10
        why.append(f"in {cand.admin2}, named in context")
    elif ctx.counties and p[7] is not None and p[11] != "county" and cand.population < CITY:
        # (a city spans districts: "Mogadishu-Hodan (Hodan, Banadir)")
        # "Hisn al Ghurabah (Bayhan, Shabwah)": a namesake in another district of the province
        # is never chosen; next door to it, the text (or the gazetteer's district) may be off
        named = [place_of(c) for c in ctx.counties if place_of(c)[6] == p[6]]
        if named:
            words = "', '".join(dict.fromkeys(ctx.counties.values()))
            if min(km(p[8], p[9], c[8], c[9]) for c in named) > DISTRICT_REACH_KM:
                score -= 0.40
                why.append(f"outside the district named in context ('{words}')")
            else:
                score -= OTHER_DISTRICT
                why.append(f"in {cand.admin2}, next to the district named in context ('{words}')")
        elif len(ctx.regions) > 1 and p[6] in ctx.regions:
            # "(As Sawadiyah, Al Bayda) ... between Marib and Al Bayda": the province of the
            # district named is the one that places it
            score -= OTHER_DISTRICT
            why.append(f"in {cand.admin1}, not the province of the district named in context")
    if cand.admin1 and fold(cand.admin1) in ctx.admin1 and fold(cand.admin1) != fold(
            ctx.regions.get(p[6], "")):  # ACLED's split units: "Shan-North", "Bago-West"
        score += 0.10
        why.append(f"in {cand.admin1}, named in context")
    if ctx.countries and not ctx.regions:
        if p[3] in ctx.countries:
            score += 0.05
        else:
            score -= 0.30
            why.append("outside the country named in context")
    in_unit = bool(p[15]) and p[11] not in UNIT_TYPES and fold(p[15]) in ctx.units
    if in_unit:
        # "Kan Pyar village (Myinmu township, Sagaing district)": of the namesakes, the one the
        # list puts in the township named; that says more than the distance to a town of its name
        score += 0.10
        why.append(f"in {p[15]}, named in context")
    elif ctx.seats and p[11] != "county":
        # a village of the township or district named next to it lies near its seat
        d = min(km(p[8], p[9], lat, lon) for lat, lon in ctx.seats)
        if d < 50:
            score += 0.12 * (1 - d / 50)
            why.append(f"{d:.0f} km from the seat of a district named in context")
        elif d > 100 and cand.population < 20000:
            score -= 0.08
            why.append(f"{d:.0f} km from the district named in context")
    if anchors and p[17] != UNIT_POINT:
        # (a village coded to its unit's centre: how far it lies from the rest is not known)
        d = min(km(p[8], p[9], lat, lon) for lat, lon in anchors)
        if d < 120:  # the closer to the article's other places, the likelier
            score += 0.15 * (1 - d / 120)
            why.append(f"{d:.0f} km from another place of the article")
        elif d > 150 and cand.population < 20000:
            # a village far from everything else the article names: more likely a namesake
            score -= 0.15
            why.append(f"{d:.0f} km from the article's other places")
    if country is None and not ctx.countries and p[3] in DENSE:
        score += 0.03  # a prior for the conflict countries of the dense gazetteers
    if cand.population and cand.placetype not in UNIT_TYPES and tier == EXACT:
        # (a district's people are not a town's; and a big namesake may not turn a loose
        # spelling into a confident match: "Sokoura" is not Ségou, "spelling close to Segoukoro")
        score += 0.12 * min(1.0, math.log10(cand.population + 1) / 6)
        why.append(f"population {cand.population:,}")
    if cand.placetype in PLACETYPE_PENALTY and not (in_unit and cand.placetype == "village"):
        # (a village known by its unit, the unit named in context: the text says which namesake)
        score -= PLACETYPE_PENALTY[cand.placetype]
        why.append(f"a {cand.placetype}, not a town")
    if p[16] in KIND_PENALTY and p[11] == "locality":
        score -= KIND_PENALTY[p[16]]
        why.append(f"a {p[16].replace('_', ' ')}, not a village or town")
    if p[17] == INFERRED_POINT:
        score -= INFERRED
        why.append("point inferred (joined to the name by file order)")
    if p[12] == NOT_CURRENT:
        score -= 0.05
        why.append("record not current")
    elif p[12] == DEPRECATED:
        score -= 0.15
        why.append("deprecated record")
    cand.score = round(score, 4)
