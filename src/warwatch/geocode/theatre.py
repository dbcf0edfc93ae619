"""Where the fighting is: a spatial prior for choosing between namesakes.

A name like "Serhiivka" or "Tawileh" fits a dozen villages; a one-line report ("the SMM
observed 38 explosions near Serhiivka") names no province to tell them apart. An analyst
would pick the one on the front line, where the other reports of the same weeks are. The
theatre is that knowledge: the points of the places that other reports of the period placed
with confidence (not ambiguous, to a town or near one), and :meth:`Theatre.support` counts
those within :data:`RADIUS_KM` of a candidate.

The count says nothing about a name by itself: points of the very name being resolved are
left out (``exclude``), so that a guess repeated over many reports cannot vouch for itself.
"""

from __future__ import annotations

import copy
import math
from collections import defaultdict
from collections.abc import Iterable

from warwatch.geocode.fold import fold
from warwatch.geocode.index import km
from warwatch.models import Candidate, Place

RADIUS_KM = 25.0
THEATRE = 0.15  # the most that other reports of the period near a candidate may add
THEATRE_FULL = 10  # reports near a candidate that earn all of it, unless another has more
THEATRE_FAR_KM = 100  # a village with no report of the period this near...
THEATRE_STRONG = 20  # ...in a country with this many reports placed is likely a namesake
THEATRE_FAR = 0.20  # what that costs it (when the text names no province)
_CELL = 0.5  # degrees: 25 km around a point always lies in the 3×3 cells around its own (below 60° N)


class Theatre:
    """Confidently placed points of a period, per country, on a grid for radius counts."""

    def __init__(self, points: Iterable[tuple[str | None, float, float, str]] = ()) -> None:
        self._grid: dict[tuple[str, int, int], list[tuple[float, float, str]]] = defaultdict(list)
        self._count: dict[str, int] = {}
        self.size = 0
        for country, lat, lon, name in points:
            self.add(country, lat, lon, name)

    def add(self, country: str | None, lat: float, lon: float, name: str) -> None:
        """One confidently placed report of ``name`` at (lat, lon)."""
        if not country:
            return
        self._grid[(country, _cell(lat), _cell(lon))].append((lat, lon, fold(name)))
        self._count[country] = self._count.get(country, 0) + 1
        self.size += 1

    def add_places(self, places: Iterable[Place]) -> None:
        """The confident places of one report: located, to a town or near one (geo_precision 1
        or 2), not ambiguous; each once."""
        seen: set[tuple[float, float]] = set()
        for p in places:
            if (p.lat is None or p.lon is None or p.ambiguous or p.geo_precision not in (1, 2)
                    or (p.lat, p.lon) in seen):
                continue
            seen.add((p.lat, p.lon))
            self.add(p.country, p.lat, p.lon, p.text)

    def support(self, country: str | None, lat: float, lon: float, *, exclude: str = "",
                radius: float = RADIUS_KM) -> int:
        """How many points of ``country`` lie within ``radius`` km of (lat, lon), those of the
        name ``exclude`` left out."""
        if not country or not self.size:
            return 0
        skip, row, col = fold(exclude), _cell(lat), _cell(lon)
        reach = max(1, math.ceil(radius / RADIUS_KM))
        n = 0
        for dr in range(-reach, reach + 1):
            for dc in range(-reach, reach + 1):
                for plat, plon, name in self._grid.get((country, row + dr, col + dc), ()):
                    if name != skip and km(lat, lon, plat, plon) <= radius:
                        n += 1
        return n

    def in_country(self, country: str | None) -> int:
        """How many points the theatre holds in ``country``."""
        return self._count.get(country or "", 0)

    def copy(self) -> Theatre:
        """A theatre with the same points that can grow apart from this one."""
        other = Theatre()
        other._grid = defaultdict(list, {key: list(points) for key, points in self._grid.items()})
        other._count = dict(self._count)
        other.size = self.size
        return other

    def __bool__(self) -> bool:
        return self.size > 0


def _cell(degrees: float) -> int:
    return math.floor(degrees / _CELL)


def rerank(ranked: list[tuple[Candidate, int]], theatre: Theatre, name: str, *,
           province_named: bool, accept: float) -> list[tuple[Candidate, int]]:
    """The candidates re-ranked with the support of other reports of the period nearby; only
    candidates that passed on their own are here, and those below ``accept`` after it are dropped.

    The best supported earns THEATRE (all of it from THEATRE_FULL reports on), the others a
    share on a log scale (of two namesakes near the front, the one where the fighting is wins;
    one report nearby is weak evidence and earns a little). A village far from every report of the
    period, in a country where many were placed and with no province named, is more likely a
    namesake of a place the gazetteer lacks: it may drop below ACCEPT and stay unlocated.
    """
    support = [theatre.support(c.country, c.lat, c.lon, exclude=name) for c, _t in ranked]
    scale = math.log1p(max([THEATRE_FULL, *support]))
    out = []
    for (cand, tier), n in zip(ranked, support, strict=True):
        small = cand.population < 20000 or cand.placetype == "county"  # a district: its people are not a town's
        far = (not n and not province_named and cand.placetype != "region" and small
               and theatre.in_country(cand.country) >= THEATRE_STRONG
               and not theatre.support(cand.country, cand.lat, cand.lon, exclude=name, radius=THEATRE_FAR_KM))
        if n or far:
            cand = copy.deepcopy(cand)  # the cached candidates are shared
            if n:
                cand.score = round(cand.score + THEATRE * math.log1p(n) / scale, 4)
                cand.why.append(f"{n} other report(s) of the period placed within {RADIUS_KM:.0f} km")
            else:
                cand.score = round(cand.score - THEATRE_FAR, 4)
                cand.why.append(f"no other report of the period within {THEATRE_FAR_KM} km")
        if cand.score >= accept:
            out.append((cand, tier))
    out.sort(key=lambda ct: (-ct[0].score, ct[1]))
    return out


__all__ = ["RADIUS_KM", "Theatre", "rerank"]
