"""The geocoder: toponyms of an article → gazetteer places, with ACLED's geo_precision.

"A wrong village is worse than no village": a name is placed only when the gazetteer has it
(exactly, or by a transliteration-tolerant match), inside the admin units the sentence names
when it names any, and inside the story's country when that is known. Otherwise the place
comes back unlocated (``Place(text=...)``), never as a country centroid.

Scores add up small, explained terms (``Candidate.why``): name similarity (0..1; exact fold
matches 0.88-1.0, skeleton and fuzzy matches at most 0.94), +0.30 inside a province named in
context, -0.40 outside it (such a candidate is never chosen), up to +0.15 near the article's
other places (-0.15 for a village more than 150 km from all of them), small terms for
population, placetype and deprecated records. A place is resolved only with a score of at
least :data:`ACCEPT`; a runner-up more than 10 km away and within :data:`AMBIGUOUS_GAP` of it
makes the result ``ambiguous``.

With no country (neither the story's nor a province in context), only exact names are
placed: letter for letter, or long names of the dense gazetteers, or names near the article's
other places. Namesakes in two countries with nothing to choose between them, or a loose
spelling that fits two places far apart, stay unlocated: no coin tosses.
:meth:`Geocoder.context_country` tells the country that the provinces (or GeoNames districts,
or a country's name) said next to a place name.

Precision (ACLED geo_precision): 1 for a town; 2 for "near X", "X countryside", "outskirts of
X", part of a town's area, or a district ("Majzar district", coded to its seat: the town of its
name nearest the district's point); 3 for a province ("southern Idlib", "Hama province",
"Rural Damascus"), coded to the provincial capital as ACLED does. A bare name that
is both a province and its capital ("Idlib", "Kharkiv") is the town (same point, precision 1).
"""

from __future__ import annotations

import copy
import math
import re
import sqlite3
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

from warwatch.geocode.fold import ascii_fold, fold, has_arabic, skeleton, words
from warwatch.geocode.index import (
    UNIT_POINT,
    WOF_MAX_ID,
    ensure_index,
    km,
)
from warwatch.geocode.matching import EXACT, SKELETON, Hit, Matcher, same_letters, similarity
from warwatch.geocode.regions import RegionTable, is_not_place, split_qualifier
from warwatch.geocode.scoring import CITY, SEAT_KM, UNIT_TYPES, Context, score_candidate
from warwatch.geocode.theatre import Theatre, rerank
from warwatch.models import Candidate, Place, Toponym

ACCEPT = 0.85  # lowest score a place may be resolved with
SHORT_LOOSE = 0.80  # a three-letter fold key matched by other letters ("Dir" ~ "Daraa")
TOWN_OF_PART = 0.25  # "Sanaa - As Siyana" placed at Sanaa: behind the district itself, whatever its people
AMBIGUOUS_GAP = 0.08  # a runner-up this close (and > 10 km away) makes the choice ambiguous
_TOWN_WORD = re.compile(r"\s(?:city|town)$", re.I)
_CITY_PART = re.compile(r"([A-Z][^\W\d_]+)-([A-Z][^\W\d_]+)")
_PLACE_SQL = ("SELECT id, gid, name, country, admin1, admin2, region, county, lat, lon, population,"
              " placetype, status, source, pcode, admin3, kind, point FROM place")
class Geocoder:
    """Gazetteer lookups and toponym resolution over the packaged index (see module docs)."""

    def __init__(self, index_path: Path | None = None) -> None:
        self.path = ensure_index(index_path)
        self._con = sqlite3.connect(f"file:{self.path}?mode=ro&immutable=1", uri=True,
                                    check_same_thread=False)
        self._match = Matcher(self._con)
        self.regions = RegionTable(self._match)
        # per-instance caches: a warm geocoder answers repeated names without SQL
        self._places: dict[int, tuple] = {}  # place rows, fetched in batches
        self._gid_pid: dict[str, int] = {}  # gazetteer id → index id, of the candidates made
        self._lookup = lru_cache(maxsize=100_000)(self._lookup_uncached)
        self._cands = lru_cache(maxsize=100_000)(self._candidates_uncached)
        self._resolve = lru_cache(maxsize=100_000)(self._resolve_uncached)
        self._ctx = lru_cache(maxsize=10_000)(self._context_uncached)
        self._anchor = lru_cache(maxsize=50_000)(self._anchor_uncached)
        self._region = lru_cache(maxsize=10_000)(self.regions.find)
        self._region_countries = lru_cache(maxsize=10_000)(self._countries_of)
        self._admin2 = lru_cache(maxsize=10_000)(self._admin2_uncached)

    # pickling (Dask workers): ship the path, reopen on the other side
    def __getstate__(self) -> dict:
        return {"index_path": self.path}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["index_path"])  # type: ignore[misc]

    # ------------------------------------------------------------------ public API

    def lookup(self, name: str, *, country: str | None = None) -> list[Candidate]:
        """Entries whose name or alternate name matches ``name`` after transliteration folding.

        No context scoring and no fuzzy matching, so that common English words and person
        names are not taken for villages by luck; best-known (most populous) first.
        """
        return [copy.deepcopy(c) for c in self._lookup(name.strip(), country)]

    def candidates(self, name: str, *, context: Sequence[str] = (), country: str | None = None,
                   limit: int = 5, theatre: Theatre | None = None) -> list[Candidate]:
        """Scored candidates, best first, each with ``Candidate.why`` reasons (with the
        ``theatre``'s support too, when given)."""
        ranked = self._cands(name.strip(), tuple(context), country, ())
        if theatre:
            named = bool(self._ctx(tuple(context), country).regions)
            core = split_qualifier(name.strip())[0] or name.strip()
            ranked = rerank(ranked, theatre, core, province_named=named, accept=-math.inf)
        return [copy.deepcopy(c) for c, _tier in ranked[:limit]]

    def resolve(self, toponym: Toponym, *, country: str | None = None,
                article_places: Sequence[str] = (), theatre: Theatre | None = None) -> Place:
        """Best place for a toponym of an article, with ACLED geo_precision (see module docs).

        ``toponym.context`` holds admin names said next to it, ``article_places`` the article's
        other toponyms, ``country`` the story's ISO2 country when known, ``theatre`` where other
        reports of the period were placed (a prior between candidates that pass on their own).
        An unresolvable name gives ``Place(text=...)`` with everything else None.
        """
        others = tuple(sorted({p for p in article_places if p and fold(p) != fold(toponym.text)}))
        args = (toponym.text.strip(), toponym.qualifier, tuple(toponym.context), country, others)
        if theatre:  # the theatre changes from batch to batch: not worth caching
            return self._resolve_uncached(*args, theatre=theatre)
        return copy.copy(self._resolve(*args))

    def context_country(self, words: Sequence[str], *, prefer: str | None = None,
                        districts: bool = True) -> str | None:
        """The one country whose provinces (or, with ``districts``, GeoNames districts) the words
        name ("Laas Caanood", "Sool" → "SO"), or None when they name none, or units of several
        countries ("Sucre", or "Idlib" and "Sool"). A word that is a unit's name in several
        countries says nothing, unless one of them is ``prefer`` (the story's country)."""
        found: set[str] = set()
        for word in words:
            named = self.regions.country(word) if word else None
            if named:  # "Peshawar city, Pakistan"
                found.add(named)
                continue
            if word and not is_not_place(word):
                countries = (self._region_countries(word.strip()) if districts
                             else frozenset(self.regions.countries_of(word.strip())))
                if prefer in countries:
                    return prefer
                if len(countries) == 1:
                    found |= countries
        return found.pop() if len(found) == 1 else None

    def region(self, name: str, *, country: str | None = None) -> Candidate | None:
        """The first-level admin unit called ``name`` ("Idlib", "Hasakah", "Kharkiv"), placetype
        "region", at the point ACLED codes it to (the provincial capital, else the centroid)."""
        if is_not_place(name):
            return None
        found = self._region(name.strip(), country)
        return self._region_candidate(*found) if found else None

    def region_countries(self, name: str) -> frozenset[str]:
        """The countries with a first-level unit called exactly ``name`` ("San Salvador": the
        Bahamas and El Salvador)."""
        return frozenset(self.regions.countries_of(name.strip()))

    # ------------------------------------------------------------------ internals

    def _fetch(self, ids: Iterable[int]) -> None:
        """Load the place rows of ``ids`` not yet in memory, a few hundred per query."""
        missing = [i for i in dict.fromkeys(ids) if i not in self._places]
        if len(self._places) > 300_000:
            self._places.clear()
        for start in range(0, len(missing), 500):
            chunk = missing[start:start + 500]
            sql = _PLACE_SQL + f" WHERE id IN ({','.join('?' * len(chunk))})"
            for row in self._match.rows(sql, tuple(chunk)):
                self._places[row[0]] = row

    def _place(self, pid: int) -> tuple:
        row = self._places.get(pid)
        if row is None:  # (another thread may have just emptied the dict)
            row = self._match.rows(_PLACE_SQL + " WHERE id = ?", (pid,))[0]
            self._places[pid] = row
        return row

    def _candidate(self, hit: Hit) -> Candidate:
        p = self._place(hit.place)
        self._gid_pid[p[1]] = p[0]
        why = [hit.how] + ([f"coded to its unit ({p[5] or p[15] or p[4]}): the list gives no point"]
                           if p[17] == UNIT_POINT else [])
        return Candidate(name=p[2], lat=p[8], lon=p[9], country=p[3], admin1=p[4], admin2=p[5],
                         population=p[10] or 0, gazetteer_id=p[1], placetype=p[11], score=round(hit.sim, 4),
                         source=p[13] or "", pcode=p[14], why=why, label=hit.label)

    def _region_candidate(self, rid: int, sim: float, how: str) -> Candidate:
        r = self.regions.info(rid)
        cap = self._place(r.capital) if r.capital else None
        lat, lon = (cap[8], cap[9]) if cap else (r.lat, r.lon)
        where = f"coded to the provincial capital {cap[2]}" if cap else "coded to the region's centroid"
        gid = f"wof:{rid}" if rid > 0 else f"gn-admin1:{r.country}:{r.admin1}"
        return Candidate(name=r.name, lat=lat, lon=lon, country=r.country, admin1=r.admin1,
                         admin2=cap[5] if cap else None, gazetteer_id=gid, placetype="region",
                         score=round(sim, 4), why=[how, where])

    def _lookup_uncached(self, name: str, country: str | None) -> list[Candidate]:
        if len("".join(ascii_fold(name).split())) < 3:
            return []
        if is_not_place(name):
            return []
        hits = self._match.exact(name, country or self.regions.country(name), strict=True)
        self._fetch(hits)
        out = [self._candidate(h) for h in hits.values()]
        # (a sub-district or township named after its seat comes after the seat: "Kafr Zeita" is
        # the town before it is the unit)
        out.sort(key=lambda c: (c.placetype in UNIT_TYPES, -c.score, -c.population, c.placetype != "locality"))
        return out

    def _context_uncached(self, words: tuple[str, ...], country: str | None) -> Context:
        ctx = Context()
        for word in words:
            # an admin name the extractor put in context may be a common word ("Bay", Somalia)
            # only where the story's country is known
            if not word or (is_not_place(word) and not country):
                continue
            ctx.admin1.add(fold(word))
            unit = fold(split_qualifier(word)[0] or word)
            several = self.regions.countries_of(word) if country is None else set()
            if len(several) > 1:
                # "Amazonas" (Brazil, Colombia, Peru, Venezuela) with no country known: any of them
                for iso in sorted(several):
                    if (found := self.regions.find(word, iso, fuzzy=False)) is not None:
                        ctx.regions.setdefault(found[0], word)
                        ctx.countries.add(iso)
                continue
            found = self.regions.find(word, country, fuzzy=False)
            if not found and country:  # "Veracruz de Ignacio de la Llave": the first words
                parts = word.split()
                found = next((f for n in range(len(parts) - 1, 0, -1)
                              if (f := self.regions.find(" ".join(parts[:n]), country, fuzzy=False))), None)
            if found:
                ctx.regions.setdefault(found[0], word)
                ctx.countries.add(self.regions.info(found[0]).country)
                # ("Idlib": the province, not the sub-district of its capital that shares its name)
                continue
            ctx.units.add(unit)
            districts = self._admin2(word, country)
            if 0 < len({r for _c, r in districts}) <= 3:  # a GeoNames district: its province
                for iso, rid in districts:
                    ctx.regions.setdefault(rid, word)
                    ctx.countries.add(iso)
                continue
            core = split_qualifier(word)[0]
            hits = self._match.exact(core, country)
            self._fetch(hits)
            counties = [p for p in hits if self._place(p)[11] == "county"]
            for cid in counties:
                ctx.counties.setdefault(cid, word)
            towns = [self._place(p) for p, h in hits.items() if h.sim >= 0.95 and self._place(p)[11] == "locality"]
            if 0 < len(towns) <= 3:
                ctx.seats += [(t[8], t[9]) for t in towns]
            iso = self.regions.country(core)
            if iso:
                ctx.countries.add(iso)
        return ctx

    def _countries_of(self, word: str) -> frozenset[str]:
        """Countries with a province, else with a (GeoNames) district, called ``word``."""
        found = self.regions.countries_of(word)
        return frozenset(found or {iso for iso, _rid in self._admin2(word, None)})

    def _admin2_uncached(self, word: str, country: str | None) -> tuple[tuple[str, int], ...]:
        """(country, province id) of the GeoNames districts called ``word`` ("Baabda district")."""
        core = split_qualifier(word)[0] or word
        if len(fold(core)) < 3 or is_not_place(core):
            return ()
        extra, args = (" AND country = ?", (country,)) if country else ("", ())
        rows = self._match.rows("SELECT country, region, label FROM admin2 WHERE fold = ?" + extra,
                                (fold(core), *args))
        return tuple(sorted({(iso, rid) for iso, rid, label in rows if same_letters(core, label)}))

    def _anchor_uncached(self, name: str, country: str | None) -> tuple[tuple[float, float], ...]:
        """Where another toponym of the article may be: its few exact matches (none if many)."""
        hits = self._match.exact(name, country, strict=True)
        if not hits or len(hits) > 4:
            return ()
        self._fetch(hits)
        return tuple((self._place(h)[8], self._place(h)[9]) for h in hits)

    def _is_city(self, name: str, country: str | None) -> bool:
        """Is ``name`` exactly the name of a town of CITY people or more?"""
        hits = self._match.exact(name, country, strict=True)
        self._fetch(hits)
        return any((self._place(h)[10] or 0) >= CITY for h in hits)

    def _near_context(self, p: tuple, regions: dict[int, str]) -> bool:
        """A place just across the border of a context province (reporters round to provinces)."""
        ids = [r for r in regions if self.regions.info(r).country == p[3]]
        if not ids:
            return False
        qs = ",".join("?" * len(ids))
        rows = self._match.rows(
            "SELECT 1 FROM place WHERE lat BETWEEN ? AND ? AND lon BETWEEN ? AND ?"
            f" AND region IN ({qs}) LIMIT 1",
            (p[8] - 0.1, p[8] + 0.1, p[9] - 0.12, p[9] + 0.12, *ids),
        )
        return bool(rows)

    def _candidates_uncached(self, name: str, context: tuple[str, ...], country: str | None,
                             others: tuple[str, ...]) -> list[tuple[Candidate, int]]:
        """Scored candidates with their match tier (exact, skeleton, fuzzy), best first."""
        if not name or is_not_place(name):
            return []
        # "Upper Dir", "East Jerusalem" are names; "southern Idlib", "Idlib countryside" are not
        core = split_qualifier(name)[0] or name
        if core != name and self._match.exact(name, country):
            core = name
        # a country's name ("Lebanon", "Jordan") is never a namesake town abroad
        country = country or self.regions.country(core)
        if country is None:
            # "Kansarfa (Idlib countryside)": the province named says the country, and a namesake
            # abroad ("Konsirefe", Guinea) would only hide the close spelling at home
            named = {self.regions.info(rid).country for rid in self._ctx(context, None).regions}
            country = next(iter(named)) if len(named) == 1 else None
        parts = _CITY_PART.fullmatch(core)
        if parts and not self._match.exact(core, country) and self._is_city(parts[1], country):
            core = f"{parts[1]} - {parts[2]}"  # "Mogadishu-Hodan": ACLED's "City - District" unspaced
        town_of: dict[int, tuple] = {}  # a part of town's row, in its town's province
        if " - " in core:  # ACLED-style "Kharkiv - Saltivskyi": the part of town, else the town
            head, _, tail = core.partition(" - ")
            hits = self._match.fuzzy(head, country, self._match.exact(head, country))
            self._fetch(hits)
            towns = [self._place(h) for h in hits]
            parts = self._match.exact(tail, country)
            self._fetch(parts)
            parts = {p: h for p, h in parts.items()
                     if any(km(self._place(p)[8], self._place(p)[9], t[8], t[9]) < 25 for t in towns)}
            # a part of town lies in its town's province, whatever a list's admin chain says near
            # the border ("Dharkeynley", Mogadishu's district, put in Lower Shabelle by the nearest village)
            for pid in parts:
                row = self._place(pid)
                town = min(towns, key=lambda t: km(row[8], row[9], t[8], t[9]))
                if town[3] == row[3]:
                    town_of[pid] = (*row[:4], town[4], town[5], town[6], town[7], *row[8:])
            # the part of town first; the town itself stays a candidate behind it (a district the
            # gazetteer lacks, or one outside the province named in context)
            for hit in hits.values():
                hit.sim -= TOWN_OF_PART
                hit.how = f"the town of '{core}': {hit.how}"
            hits = {**hits, **parts}
        else:
            # a fold key of three letters ("dar") is shared by too many names ("Dir", "Daraa"):
            # there the letters must agree as well
            hits = self._match.exact(core, country)
            if len(fold(core)) <= 3:
                strict = self._match.exact(core, country, strict=True)
                for pid, hit in hits.items():
                    if pid not in strict:  # a loose short match needs support from context
                        hit.sim, hit.tier = min(hit.sim, SHORT_LOOSE), SKELETON
            hits = self._match.fuzzy(core, country, hits)
        ctx = self._ctx(context, country)
        # another spelling of this very name ("Laiza Town" beside "Laiza") vouches for nothing: its
        # loose matches would support this name's own loose matches
        anchors = [a for o in others if not _same_name(o, core) for a in self._anchor(o, country)]
        self._fetch(hits)
        out = []
        for hit in hits.values():
            cand = self._candidate(hit)
            row = self._place(hit.place)
            if hit.place in town_of:
                row = town_of[hit.place]
                cand.admin1, cand.admin2 = row[4], row[5]
            score_candidate(cand, row, hit.tier, ctx, anchors, country,
                            place_of=self._place, near_context=self._near_context)
            out.append((cand, hit.tier))
        out.sort(key=lambda ct: (-ct[0].score, ct[1]))
        return _dedupe(out)

    def _resolve_uncached(self, text: str, qualifier: str | None, context: tuple[str, ...],
                          country: str | None, others: tuple[str, ...], theatre: Theatre | None = None) -> Place:
        unlocated = Place(text=text)
        core, hint = split_qualifier(text)
        if not core or is_not_place(core):
            return unlocated
        if core != text and any(same_letters(text, h.label) for h in self._match.exact(text, country).values()):
            # "Upper Dir" is a town, not the upper part of one; "Majzar District" is still a district
            # (letter for letter: "Laiza Town" is not "Lathton", whose sound key it shares)
            core, hint = text, hint if hint == "district" else None
        qualifier = qualifier or hint
        ctx = self._ctx(context, country)
        # with neither the story's country nor a province in context, only a name the gazetteer
        # has as such: a close spelling anywhere on earth is a guess ("Boocame" ~ "Bokiyma")
        loose_ok = country is not None or bool(ctx.regions)
        ranked = self._accepted(core, context, country, others)
        if not loose_ok and ranked:
            # an exact name, letter for letter but for a long name of the dense gazetteers (a
            # short key shared by vowel classes alone, "Boocame" and "Bokiyma", is chance), or
            # any name near the article's other places
            strict: set[int] = set()
            for part in dict.fromkeys((core, *core.split(" - "))):  # "Al-Hasakeh - Al Ghazal": either part
                long_key = len(fold(part)) >= 6
                hits = self._match.exact(part, None)
                self._fetch(hits)
                # (a village only a settlement list holds needs its country said: OSM and the other
                # lists hold a letter-for-letter namesake of many a village abroad, "Bongori", Chad)
                strict |= {pid for pid, hit in hits.items()
                           if (same_letters(part, hit.label) and (pid < WOF_MAX_ID or self._place(pid)[10]))
                           or (long_key and 0 < pid < WOF_MAX_ID)}
            ranked = [(c, t) for c, t in ranked if (t == EXACT and _pid(c, self._gid_pid) in strict)
                      or any(w.endswith("from another place of the article") for w in c.why)]
        if theatre:
            ranked = rerank(ranked, theatre, core, province_named=bool(ctx.regions), accept=ACCEPT)
        if qualifier == "district":
            # "Majzar district": ACLED codes a district to its seat, the town it is named after
            bare = split_qualifier(text)[0] or core  # (the gazetteer may know "Majzar District")
            pool = ranked if bare == core else ranked + self._accepted(bare, context, country, others)
            # a district of that name: not one that has it among its alternate names (Kabul's
            # district is also called "Khost" somewhere), however many reports lie near it
            key = skeleton(fold(bare))
            unit = next((c for c, _t in pool if c.placetype in UNIT_TYPES and skeleton(fold(c.name)) == key), None)
            if unit is not None:
                return _place_from(text, self._seat(bare, unit, pool), precision=2)
        whole = self.regions.find(text, country, fuzzy=False, whole=True) if core != text else None
        if whole is not None and qualifier != "district" and (not ctx.regions or whole[0] in ctx.regions):
            # "West Darfur", "Rural Damascus": a province named as a whole
            return _place_from(text, self._region_candidate(*whole), precision=3)
        # "Al Bayda City", "Taiz town": the town, never the province of its name; a town of the
        # bare name before a district the gazetteer calls "Kandahar City"
        said_town = _TOWN_WORD.search(text) is not None
        if said_town and core == text:  # (else core is the bare name, its towns already ranked)
            bare = _TOWN_WORD.sub("", text)
            towns = [(c, t) for c, t in self._accepted(bare, context, country, others) if c.placetype == "locality"]
            ranked = sorted(towns + ranked, key=lambda ct: (-ct[0].score, ct[1]))
        region = (self._region_for(text, core, country, context, ranked)
                  if qualifier != "district" and not said_town else None)
        if region is not None:
            town = next((c for c, t in ranked if t == EXACT and c.placetype == "locality"), None)
            capital = town is not None and km(town.lat, town.lon, region.lat, region.lon) < 10
            no_capital = "centroid" in region.why[-1]  # GeoNames' units: the town is the better point
            # "Idlib" alone is the city (coded where the province would be); "Kunar" the province
            if qualifier == "region" or town is None or not (
                    capital or no_capital or town.population >= 50000):
                return _place_from(text, region, precision=3)
        if not ranked:
            iso = self.regions.country(core)
            if iso:  # a country: known, but never placed at its centroid
                return Place(text=text, name=self.regions.country_name(iso), country=iso)
            return unlocated
        best, tier = ranked[0]
        part_of_town = best.why[0].startswith("the town of")  # a district coded to its town
        broad = (qualifier in ("near", "region", "district") or best.placetype in ("county", "village")
                 or part_of_town)
        precision = 2 if broad else 1
        place = _place_from(text, best, precision)
        runner = next((c for c, t in ranked[1:] if t <= tier and km(c.lat, c.lon, best.lat, best.lon) > 10
                       and not _unit_and_seat(c, best)), None)
        if runner is not None and runner.score >= best.score - AMBIGUOUS_GAP:
            if (runner.country != best.country and country is None and not ctx.countries
                    and not (best.population >= CITY > runner.population)):
                # namesakes in two countries, and nothing says which: a coin toss (but a city is
                # what a report names bare: "Goma", not the Filipino village)
                return unlocated
            if tier != EXACT:
                # a loose spelling that fits two places far apart is more likely a third the
                # gazetteer lacks ("Karker" ~ "Qarqur" or "Qarqarava", both 40-60 km off)
                return unlocated
            place.ambiguous = True
            place.runner_up = {"name": runner.name, "lat": runner.lat, "lon": runner.lon,
                               "admin1": runner.admin1, "score": runner.score}
        return place

    def _accepted(self, name: str, context: tuple[str, ...], country: str | None,
                  others: tuple[str, ...]) -> list[tuple[Candidate, int]]:
        """The candidates that may be chosen: good enough, and not outside the units named."""
        return [(c, t) for c, t in self._cands(name, context, country, others)
                if c.score >= ACCEPT and not any(w.startswith("outside the") for w in c.why)]

    def _seat(self, core: str, unit: Candidate, ranked: list[tuple[Candidate, int]]) -> Candidate:
        """The seat of a district: the town of its name nearest its point ("Baqim as Suq" for
        Baqim district, not the village Baqim 10 km off), else the district's own point."""
        towns = [c for c, _t in ranked if c.placetype == "locality"]
        head = words(core)
        for pid, hit in self._match.prefix(core, unit.country).items():
            if words(hit.label)[:len(head)] == head and self._place(pid)[11] == "locality":
                towns.append(self._candidate(hit))  # "Baqim as Suq": the district's name, then more
        near = [(km(c.lat, c.lon, unit.lat, unit.lon), c) for c in towns
                if (c.country, c.admin1) == (unit.country, unit.admin1)]
        near = [(d, c) for d, c in near if d <= SEAT_KM]
        if not near:
            return unit
        d, seat = min(near, key=lambda dc: dc[0])
        seat = copy.deepcopy(seat)
        seat.admin2 = seat.admin2 or unit.name
        seat.why.append(f"the seat of {unit.name} district, {d:.0f} km from its centre")
        return seat

    def _region_for(self, text: str, core: str, country: str | None, context: tuple[str, ...],
                    ranked: list[tuple[Candidate, int]]) -> Candidate | None:
        """The province a toponym names (exactly), if it fits the story's country and context."""
        found = self.regions.find(text, country, fuzzy=False) if text != core else None
        found = found or self.regions.find(core, country, fuzzy=False)
        if found is None:
            return None
        if not self.regions.spelled(text, found[0]) and not self.regions.spelled(core, found[0]) and any(
                c.placetype == "locality" and same_letters(core, c.name) for c, t in ranked if t == EXACT):
            return None  # "Luhanske" is a village; only its fold key is the Luhansk province's
        region = self._region_candidate(*found)
        ctx = self._ctx(context, country)
        if ctx.regions and found[0] not in ctx.regions:
            return None  # "Donetskyi" in Luhansk is not the Donetsk province
        if country is None and ctx.countries and region.country not in ctx.countries:
            return None
        if (country is None and not ctx.countries and ranked and ranked[0][1] == EXACT
                and ranked[0][0].country != region.country):
            return None  # a foreign province's namesake is no reason to leave the town
        return region


def _pid(cand: Candidate, known: dict[str, int]) -> int | None:
    """The index id of a candidate's place (WOF ids positive, GeoNames ids negative, the
    settlement lists' from the geocoder's record of the candidates it made)."""
    kind, _, num = (cand.gazetteer_id or "").partition(":")
    if kind in ("wof", "gn") and num.isdigit():
        return int(num) if kind == "wof" else -int(num)
    return known.get(cand.gazetteer_id or "")


def _place_from(text: str, cand: Candidate, precision: int) -> Place:
    # a place the gazetteer knows in Arabic script only (Yemen's villages) keeps the report's
    # spelling as its name: the table is read in the report's letters
    name = text if has_arabic(cand.name) and not has_arabic(text) else cand.name
    return Place(text=text, name=name, lat=cand.lat, lon=cand.lon, country=cand.country,
                 admin1=cand.admin1, admin2=cand.admin2, geo_precision=precision,
                 gazetteer_id=cand.gazetteer_id, score=cand.score)


def _dedupe(ranked: list[tuple[Candidate, int]], limit: int = 100) -> list[tuple[Candidate, int]]:
    """Drop duplicate records of one place (same name key within 3 km): keep the best; the
    first ``limit`` kept are all anyone reads."""
    kept: list[tuple[Candidate, int]] = []
    seen: dict[str, list[Candidate]] = {}
    for cand, tier in ranked:
        # a district and its town of one name are two places ("Majzar district" is coded to the town)
        same = seen.setdefault(skeleton(fold(cand.name)) + (":unit" if cand.placetype in UNIT_TYPES else ""), [])
        if any(km(k.lat, k.lon, cand.lat, cand.lon) < 3 for k in same):
            continue
        same.append(cand)
        kept.append((cand, tier))
        if len(kept) >= limit:
            break
    return kept


__all__ = ["Geocoder", "is_not_place"]


def _unit_and_seat(one: Candidate, other: Candidate) -> bool:
    """A sub-district or township and the town of its name inside it: one place named twice, not
    two namesakes that make a choice ambiguous ("Khan Shaykhun" and its sub-district)."""
    if (one.placetype in UNIT_TYPES) == (other.placetype in UNIT_TYPES):
        return False
    return (one.country == other.country and similarity(fold(one.name), fold(other.name)) >= 0.85
            and km(one.lat, one.lon, other.lat, other.lon) <= SEAT_KM)


def _same_name(one: str, other: str) -> bool:
    """One name said twice: the same letters, or one the other plus a word ("Laiza Town")."""
    a, b = (re.sub(r"[^a-z]", "", ascii_fold(x).lower()) for x in (one, other))
    return bool(a and b) and (a == b or (min(len(a), len(b)) >= 4 and (a.startswith(b) or b.startswith(a))))

