"""Settlement lists beyond Who's On First and GeoNames, merged into the index (see :mod:`.build`).

The packaged lists (``data/``, see ATTRIBUTION.md): OCHA's Syrian communities (P-codes, some
points inferred), MIMU's Myanmar villages and wards (English and Myanmar script), OpenStreetMap
settlements of 53 African countries, and Yemen's villages (Arabic names, district, no points);
and the lists users add with ``warwatch gazetteer add`` (:mod:`.sources`).

More names must not mean more namesakes. A record is the same place as one already indexed
when they share a name key in one country and lie within :data:`MERGE_KM` (:data:`TOWN_MERGE_KM`
for towns): the record's names, P-code and source are added to that place, and it stays one
candidate. Otherwise it becomes a new place, in the province its list names (mapped onto the
index's provinces) and with the district of the nearest located place of that province.

A record without a point (Yemen's villages, a third of OCHA's and MIMU's) is coded to the point
of the unit its list puts it in (sub-district, township, district), placetype ``village`` with
``point`` = UNIT_POINT: the geocoder gives it geo_precision 2, as ACLED codes a village it cannot
find to its district; it is never placed at a country centroid. Such a record is dropped when a
place of its name is already known near that unit (the real point wins).
"""

from __future__ import annotations

import csv
import gzip
import math
import re
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Protocol

from warwatch.geocode.fold import burmese_key, consonant_key, fold, has_arabic, has_myanmar, name_keys
from warwatch.geocode.index import (
    ALT,
    ARABIC,
    BURMESE,
    CONSONANTS,
    CURRENT,
    DATA_DIR,
    INFERRED_POINT,
    OWN_POINT,
    PRIMARY,
    UNIT_POINT,
    km,
)

MERGE_KM = 3.0  # one name key, this near: one place seen by two lists
TOWN_MERGE_KM = 8.0  # towns and cities: lists put their point at different ends of town
UNIT_MERGE_KM = 30.0  # a village coded to its unit is dropped when its name is known this near
ADMIN_KM = 30.0  # the nearest located place of the province, this near, lends its district
BLOCK = 10**12  # index ids: each list gets a block above WOF's ids
SOURCE_BLOCK = {"ocha-syria": 3, "mimu": 4, "osm-africa": 5, "yemen-villages": 6}
USER_BLOCK = 7  # user lists: 7·10^12 + k·10^9 + row
TOWNS = frozenset({"city", "town"})
#: a list's place classes that are parts of a town, not towns (placetype "neighbourhood")
PARTS = frozenset({"suburb", "neighbourhood", "quarter", "ward"})
_CELL = 20  # admin grid cells of 1/20 degree (about 5.5 km)
_RINGS = 6  # rings of cells searched around a point: ADMIN_KM and a little more


class Builder(Protocol):
    """What the merger needs of the index builder (build._Builder)."""

    names: list[tuple]

    def add_names(self, place: int, country: str, labels: Iterable[tuple[str, int]],
                  spellings: bool = False) -> None: ...

    def flush(self) -> None: ...


@dataclass
class Record:
    """One row of a settlement list, as the merger takes it."""

    source: str
    local_id: str
    name: str
    labels: list[tuple[str, int]]  # every name with its kind (the name itself PRIMARY)
    country: str
    lat: float | None = None
    lon: float | None = None
    kind: str = "village"  # the list's class: city, town, village, hamlet, ward, community...
    pcode: str | None = None
    admin1: str | None = None  # the list's own admin names: hints mapped onto the index's units
    admin2: str | None = None
    admin3: str | None = None
    point: int = OWN_POINT
    population: int = 0
    consonants: bool = False  # index the consonant key of the Arabic names (no Latin spelling)
    county: int | None = None  # for a unit-coded record: the index's district it is coded to
    unit: bool = False  # an admin unit (a township, a sub-district), at its centre: never merged


@dataclass
class SourceCount:
    rows: int = 0
    places: int = 0
    merged: int = 0
    dropped: list[str] = field(default_factory=list)


@cache
def _ring_cells(ring: int) -> tuple[tuple[int, int], ...]:
    """The grid offsets at Chebyshev distance ``ring``, row by row (the order ties are met in): the
    edge only, not the whole square (an index build asks this for every place it adds)."""
    return tuple((dr, dc) for dr in range(-ring, ring + 1)
                 for dc in (range(-ring, ring + 1) if abs(dr) == ring else ((-ring, ring) if ring else ())))


class Merger:
    """Adds records to an index being built, merging those of places already there."""

    def __init__(self, con: sqlite3.Connection, builder: Builder) -> None:
        self.con = con
        self._builder = builder
        self._names = builder.names  # the builder's pending name rows
        self._keys: dict[str, dict[str, list[int]]] = {}  # country → fold key → place ids
        self._points: dict[int, tuple[float, float, int | None]] = {}  # place → lat, lon, county
        self._grid: dict[str, dict[tuple[int, int], list[tuple]]] = {}
        self._updates: dict[int, tuple[set[str], str | None]] = {}
        self.counts: dict[str, SourceCount] = defaultdict(SourceCount)
        self._rows: list[tuple] = []
        self._memo: dict[tuple, object] = {}

    # ---------------------------------------------------------------- what the index holds

    def _country(self, cc: str) -> dict[str, list[int]]:
        if cc in self._keys:
            return self._keys[cc]
        if not self._keys:  # one pass over the index, on first use
            for pid, cc2, lat, lon, county, region, admin1, admin2, placetype in self.con.execute(
                    "SELECT id, country, lat, lon, county, region, admin1, admin2, placetype FROM place"):
                self._points[pid] = (lat, lon, county)
                if placetype == "locality" and region is not None:
                    self._grid.setdefault(cc2, defaultdict(list))[(int(lat * _CELL), int(lon * _CELL))].append(
                        (lat, lon, region, county, admin1, admin2))
            for key, pid, cc2 in self.con.execute(
                    "SELECT n.fold, n.place, n.country FROM name n JOIN place p ON p.id = n.place"
                    " WHERE p.placetype IN ('locality', 'neighbourhood', 'campus', 'village')"):
                self._keys.setdefault(cc2, defaultdict(list))[key].append(pid)
        if cc not in self._keys:
            self._keys[cc] = defaultdict(list)
            self._grid[cc] = defaultdict(list)
        return self._keys[cc]

    def region(self, cc: str, name: str | None) -> tuple[int, str] | None:
        """The index's province (id, ACLED's name) that a list's admin1 names: "Shan (North)"
        is Shan, "Al-Hasakeh" Hasakah."""
        if (cc, name) not in self._memo:
            self._memo[(cc, name)] = self._region(cc, name)
        return self._memo[(cc, name)]

    def _region(self, cc: str, name: str | None) -> tuple[int, str] | None:
        for label in _unit_labels(name):
            row = self.con.execute(
                "SELECT r.id, r.admin1 FROM region_name n JOIN region r ON r.id = n.region"
                " WHERE n.fold = ? AND n.country = ? ORDER BY r.status LIMIT 1", (fold(label), cc)).fetchone()
            if row:
                return row[0], row[1]
        return None

    def county(self, cc: str, name: str | None, region: int | None) -> tuple | None:
        """The index's district (a WOF county) that a list's admin2 names, in ``region`` when given:
        (id, name, admin1, region, lat, lon)."""
        if (cc, name, region) not in self._memo:
            self._memo[(cc, name, region)] = self._county(cc, name, region)
        return self._memo[(cc, name, region)]

    def _county(self, cc: str, name: str | None, region: int | None) -> tuple | None:
        labels = _unit_labels(name)
        if name and has_arabic(name):  # WOF's Arabic name of a Yemeni district: "مديرية رصد"
            labels.append("مديرية " + name)
        for label in labels:
            rows = self.con.execute(
                "SELECT DISTINCT p.id, p.name, p.admin1, p.region, p.lat, p.lon FROM name n"
                " JOIN place p ON p.id = n.place WHERE n.fold = ? AND p.country = ? AND p.placetype = 'county'",
                (fold(label), cc)).fetchall()
            inside = [r for r in rows if region is None or r[3] == region]
            if len(inside) == 1 or (inside and region is not None):
                return inside[0]
        return None

    def _admin(self, cc: str, lat: float, lon: float, region: tuple[int, str] | None) -> tuple:
        """(region id, county id, admin1, admin2) of the nearest located place (of ``region`` when
        the list names one) within ADMIN_KM; else the list's province alone."""
        grid = self._grid.get(cc, {})
        row, col = int(lat * _CELL), int(lon * _CELL)
        scale = math.cos(math.radians(lat)) ** 2
        best, best_d2 = None, (ADMIN_KM / 111.2) ** 2  # squared degrees, longitude scaled
        for ring in range(_RINGS + 1):  # outwards, ring by ring, until no nearer one can be
            if best is not None and ring > 1 and (ring - 1) / _CELL > math.sqrt(best_d2):
                break
            for dr, dc in _ring_cells(ring):
                for cand in grid.get((row + dr, col + dc), ()):
                    if region is not None and cand[2] != region[0]:
                        continue
                    d2 = (lat - cand[0]) ** 2 + scale * (lon - cand[1]) ** 2
                    if d2 < best_d2:
                        best, best_d2 = cand, d2
        if best is not None:
            return best[2], best[3], best[4], best[5]
        if region is not None:
            return region[0], None, region[1], None
        return None, None, None, None

    # ---------------------------------------------------------------- adding

    def add(self, rec: Record, pid: int) -> bool:
        """Merge ``rec`` into a place already indexed, or add it as place ``pid``; True if added."""
        count = self.counts[rec.source]
        count.rows += 1
        keys = self._country(rec.country)
        folds = {name_keys(label)[0] for label, _kind in rec.labels} - {""}
        if rec.lat is None or rec.lon is None:
            count.dropped.append(rec.name)
            return False
        if rec.unit:
            return self._insert(rec, pid, "localadmin", folds, None)
        reach = UNIT_MERGE_KM if rec.point == UNIT_POINT else TOWN_MERGE_KM if rec.kind in TOWNS else MERGE_KM
        twin, twin_d = None, reach
        for key in folds:
            for other in keys.get(key, ()):
                olat, olon, ocounty = self._points[other]
                d = km(rec.lat, rec.lon, olat, olon)
                if rec.point == UNIT_POINT and rec.county is not None and ocounty == rec.county:
                    d = 0.0  # the same district: the name is known there
                if d <= twin_d:
                    twin, twin_d = other, d
        if twin is not None:
            count.merged += 1
            if rec.point == UNIT_POINT:
                return False  # the place's own point is known: the unit's point adds nothing
            sources, pcode = self._updates.get(twin, (set(), None))
            sources.add(rec.source)
            self._updates[twin] = (sources, pcode or rec.pcode)
            self._builder.add_names(twin, rec.country, [(label, ALT if kind == PRIMARY else kind)
                                                    for label, kind in rec.labels], spellings=True)
            for key in folds:
                if twin not in keys[key]:
                    keys[key].append(twin)
            return False
        placetype = ("village" if rec.point == UNIT_POINT else "neighbourhood" if rec.kind in PARTS
                     else "locality")
        return self._insert(rec, pid, placetype, folds, keys)

    def _insert(self, rec: Record, pid: int, placetype: str, folds: set[str],
                keys: dict[str, list[int]] | None) -> bool:
        """A new place; its name keys join ``keys`` (not a unit's: no village merges into it)."""
        count = self.counts[rec.source]
        region_hint = self.region(rec.country, rec.admin1)
        if rec.point == UNIT_POINT:
            region, county = (region_hint[0] if region_hint else None), rec.county
            admin1, admin2 = (region_hint[1] if region_hint else rec.admin1), rec.admin2
        elif (named := self.county(rec.country, rec.admin2, region_hint[0] if region_hint else None)) is not None:
            # the district the list names (MIMU's, OCHA's): the nearest place may lie across a border
            county, admin2, admin1, region = named[0], named[1], named[2], named[3]
        else:
            region, county, admin1, admin2 = self._admin(rec.country, rec.lat, rec.lon, region_hint)
            admin1, admin2 = admin1 or rec.admin1, admin2 or rec.admin2
        self._rows.append((pid, f"{rec.source}:{rec.local_id}", rec.name, rec.country, admin1, admin2, region,
                           county, rec.lat, rec.lon, rec.population, placetype, CURRENT, rec.source, rec.pcode,
                           rec.admin3, rec.kind, rec.point))
        self._builder.add_names(pid, rec.country, rec.labels, spellings=True)
        if rec.country == "MM":  # Myanmar's syllable and voicing variants (see fold.burmese_key)
            extra = {burmese_key(label) for label, kind in rec.labels if not has_myanmar(label)} - {""}
            self._names.extend((key, None, pid, BURMESE, rec.country, rec.name) for key in sorted(extra))
        if rec.consonants:
            extra = {consonant_key(label) for label, _kind in rec.labels if has_arabic(label)}
            self._names.extend((key, None, pid, CONSONANTS, rec.country, label)
                               for key, label in sorted((k, rec.name) for k in extra if len(k) >= 6))
        self._points[pid] = (rec.lat, rec.lon, county)
        for key in folds if keys is not None else ():
            keys[key].append(pid)
        count.places += 1
        if len(self._rows) >= 20000:
            self.flush()
        return True

    def flush(self) -> None:
        self.con.executemany("INSERT INTO place VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", self._rows)
        self._rows.clear()
        self._builder.flush()

    def finish(self) -> None:
        """Write what is pending: new places, and the sources and P-codes lent to places merged."""
        self.flush()
        for pid, (sources, pcode) in self._updates.items():
            row = self.con.execute("SELECT source, pcode FROM place WHERE id = ?", (pid,)).fetchone()
            if row is None:
                continue
            merged = "+".join(dict.fromkeys([*row[0].split("+"), *sorted(sources)]))
            self.con.execute("UPDATE place SET source = ?, pcode = ? WHERE id = ?", (merged, row[1] or pcode, pid))
        self._updates.clear()
        self.con.executemany("INSERT OR REPLACE INTO source VALUES (?,?,?,?)",
                             [(name, c.rows, c.places, c.merged) for name, c in sorted(self.counts.items())])


def _unit_labels(name: str | None) -> list[str]:
    """"Shan (North)" → ["Shan (North)", "Shan"]; "Al-Hasakeh" → ["Al-Hasakeh"]."""
    if not name:
        return []
    out = [name]
    bare = re.sub(r"\s*\([^)]*\)\s*", " ", name).strip()
    if bare and bare != name:
        out.append(bare)
    return out


def read_tsv(name: str) -> Iterator[dict[str, str]]:
    with gzip.open(DATA_DIR / name, "rt", encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle, delimiter="\t")


def _centroids(points: Iterable[tuple[str, float, float]]) -> dict[str, tuple[float, float]]:
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for key, lat, lon in points:
        acc = sums[key]
        acc[0], acc[1], acc[2] = acc[0] + lat, acc[1] + lon, acc[2] + 1
    return {key: (a / n, b / n) for key, (a, b, n) in sums.items()}


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


# ---------------------------------------------------------------------------- the packaged lists

_SUFFIX = re.compile(r"\s*\((?:ne|nh|neighbourhood)\)\s*$", re.I)  # OCHA's "Al Askari (ne)"
_NUMBERED_WARD = re.compile(r"^(?:No\b|Ward\b|\W*\d)", re.I)  # MIMU's "No (1) Ward": no name to report
_LATIN_PART = re.compile(r"[A-Za-z\u00c0-\u024f][A-Za-z\u00c0-\u024f' .\-]*[A-Za-z\u00c0-\u024f.]|[A-Za-z]")
_ARABIC_PART = re.compile(r"[\u0600-\u06ff][\u0600-\u06ff\s]*")


def ocha_syria(merger: Merger, next_id: Callable[[], int]) -> None:
    """OCHA's communities: confirmed points first, then inferred ones (which merge into, or rank
    below, the confirmed), then those without a point, coded to their sub-district's centre (the
    mean of its located communities), else to their district."""
    rows = list(read_tsv("ocha_SY.tsv.gz"))
    centre = _centroids((r["adm3_pcode"], float(r["lat"]), float(r["lon"])) for r in rows if r["lat"])
    order = {"ocha_point_confirmed_by_osm": 0, "ocha_point_by_file_order": 1, "": 2}
    _units(merger, next_id, "ocha-syria", "SY", "subdistrict", rows, "adm3_pcode", "adm3_name", "adm1_name",
           "adm2_name", centre)
    for r in sorted(rows, key=lambda r: order.get(r["coord_method"], 2)):
        name = _SUFFIX.sub("", r["name_en"]).strip()
        labels = [(name, PRIMARY)] + ([(r["name_en"], ALT)] if name != r["name_en"] else [])
        rec = Record("ocha-syria", r["pcode"], name, labels, "SY", _float(r["lat"]), _float(r["lon"]),
                     "community" if r["kind"] == "community" else "neighbourhood", r["pcode"], r["adm1_name"],
                     r["adm2_name"], r["adm3_name"])
        if r["coord_method"] == "ocha_point_by_file_order":
            rec.point = INFERRED_POINT
        elif not r["lat"]:
            _code_to_unit(merger, rec, centre.get(r["adm3_pcode"]))
        merger.add(rec, next_id())


def mimu_myanmar(merger: Merger, next_id: Callable[[], int]) -> None:
    """MIMU's villages and wards, English and Myanmar script; those without a point coded to
    their township's centre (the mean of its located villages)."""
    rows = list(read_tsv("mimu_MM.tsv.gz"))
    centre = _centroids((r["township_pcode"], float(r["lat"]), float(r["lon"])) for r in rows if r["lat"])
    _units(merger, next_id, "mimu", "MM", "township", rows, "township_pcode", "township_eng", "state_eng",
           "district_eng", centre)
    for r in sorted(rows, key=lambda r: not r["lat"]):
        if r["kind"] == "ward" and _NUMBERED_WARD.match(r["name_eng"]):
            continue
        labels = [(r["name_eng"], PRIMARY)] + ([(r["name_mmr"], ALT)] if r["name_mmr"] else [])
        rec = Record("mimu", r["pcode"], r["name_eng"], labels, "MM", _float(r["lat"]), _float(r["lon"]),
                     r["kind"], r["pcode"], r["state_eng"], r["district_eng"], r["township_eng"])
        if not r["lat"]:
            _code_to_unit(merger, rec, centre.get(r["township_pcode"]))
        merger.add(rec, next_id())


def osm_africa(merger: Merger, next_id: Callable[[], int]) -> None:
    """OpenStreetMap settlements of Africa (2019): the English name first, then the local one,
    whose Latin and Arabic halves ("Muqdisho مقديشو") are two names."""
    for r in read_tsv("osm_africa.tsv.gz"):
        if not r["lat"] or not r["lon"]:
            continue
        local = r["name"]
        parts = [m.group(0).strip() for m in _LATIN_PART.finditer(local)] if not local.isascii() else [local]
        parts += [m.group(0).strip() for m in _ARABIC_PART.finditer(local)]
        names = [n for n in dict.fromkeys([r["name_en"], *parts]) if n and len(n) > 1]
        if not names:
            continue
        labels = [(names[0], PRIMARY)] + [(n, ARABIC if has_arabic(n) else ALT) for n in names[1:]]
        cc = r["country"]
        if cc == "SN/GM":  # the joint extract: the Gambia is the river's strip
            cc = "GM" if 13.05 < float(r["lat"]) < 13.83 and -16.85 < float(r["lon"]) < -13.79 else "SN"
        rec = Record("osm-africa", r["osm_node_id"], names[0], labels, cc, float(r["lat"]), float(r["lon"]),
                     r["place"], population=int(float(r["population"])) if r["population"].replace(".", "").isdigit()
                     else 0)
        merger.add(rec, next_id())


def yemen_villages(merger: Merger, next_id: Callable[[], int]) -> None:
    """Yemen's villages and uzlas (the sub-districts reports name as places: "Bani Hasan (Abs,
    Hajjah)"), known by Arabic name, district and governorate only: each coded to its district's
    point, once per district and name; matched from Latin spellings by their consonants
    (fold.consonant_key), the machine English of the list being no reporter's."""
    seen: set[tuple[str, str]] = set()
    for r in read_tsv("ye_villages.tsv.gz"):
        region = merger.region("YE", r["gov_ar"]) or merger.region("YE", r["gov_en"])
        county = (merger.county("YE", r["district_ar"], region[0] if region else None)
                  or merger.county("YE", r["district_en"], region[0] if region else None))
        for name, kind, local in ((r["village_ar"].strip(), "village", r["village_id"]),
                                  (r["uzla_ar"].strip(), "uzla", f"uzla:{r['village_id']}")):
            if not name or (r["district_ar"], fold(name)) in seen:
                continue
            seen.add((r["district_ar"], fold(name)))
            rec = Record("yemen-villages", local, name, [(name, ARABIC)], "YE", kind=kind,
                         admin1=region[1] if region else r["gov_en"],
                         admin3=(r["uzla_ar"] or None) if kind == "village" else None, consonants=True)
            if county is not None:
                rec.lat, rec.lon, rec.point, rec.county = county[4], county[5], UNIT_POINT, county[0]
                rec.admin1, rec.admin2 = county[2], county[1]
            merger.add(rec, next_id())  # (without a district: counted, and dropped)


def _units(merger: Merger, next_id: Callable[[], int], source: str, cc: str, kind: str, rows: list[dict[str, str]],
           code: str, name: str, admin1: str, admin2: str, centre: dict[str, tuple[float, float]]) -> None:
    """A list's third-level units (MIMU's townships, OCHA's sub-districts) at the centre of their
    located places: "Kyunsu township" is coded to the seat of its name nearest that centre (see
    Geocoder._seat), and "village (Myinmu township)" prefers the namesake in it."""
    seen: set[str] = set()
    for r in rows:
        if r[code] in seen or r[code] not in centre or not r[name]:
            continue
        seen.add(r[code])
        lat, lon = centre[r[code]]
        merger.add(Record(source, r[code], r[name], [(r[name], PRIMARY)], cc, lat, lon, kind, r[code],
                          r[admin1], r[admin2], admin3=r[name], unit=True), next_id())


def _code_to_unit(merger: Merger, rec: Record, centre: tuple[float, float] | None) -> None:
    """Give a record without a point that of its unit: the list's own centre, else the index's
    district of the name the list gives."""
    region = merger.region(rec.country, rec.admin1)
    county = merger.county(rec.country, rec.admin2, region[0] if region else None)
    own_centre = centre is not None
    if centre is None and county is not None:
        centre = (county[4], county[5])
    if centre is None:
        return
    rec.lat, rec.lon = centre
    rec.point = UNIT_POINT
    if county is not None:
        rec.admin2, rec.admin1 = county[1], county[2] or rec.admin1
        # coded to the district itself: a place of its name anywhere in the district is it; coded
        # to a finer unit's centre, only one near that centre is (see Merger.add)
        rec.county = None if own_centre else county[0]


PACKAGED_LISTS: tuple[tuple[str, Callable[[Merger, Callable[[], int]], None]], ...] = (
    ("ocha-syria", ocha_syria), ("mimu", mimu_myanmar), ("osm-africa", osm_africa),
    ("yemen-villages", yemen_villages),
)


def load_packaged(merger: Merger, progress: Callable[[str], None] | None = None) -> None:
    """Merge every packaged list into the index, in the order above (finer lists first)."""
    for source, loader in PACKAGED_LISTS:
        if progress:
            progress(source)
        counter = iter(range(SOURCE_BLOCK[source] * BLOCK, (SOURCE_BLOCK[source] + 1) * BLOCK))
        loader(merger, lambda counter=counter: next(counter))
    merger.finish()


# ---------------------------------------------------------------------------- the users' lists

def load_user(merger: Merger, progress: Callable[[str], None] | None = None) -> None:
    """Merge the lists users added (``warwatch gazetteer add``), each in its own id block. A row
    without a point is coded to the district its admin2 names (geo_precision 2); one whose
    district the index does not know is counted and left out, never put at a coarser point."""
    from warwatch.geocode.sources import read_user_rows, user_sources

    for k, source in enumerate(user_sources()):
        if progress:
            progress(source.name)
        base = USER_BLOCK * BLOCK + k * 10**9
        for i, row in enumerate(read_user_rows(source)):
            labels = [(row.name, PRIMARY)] + [(a, ARABIC if has_arabic(a) else ALT) for a in row.alt_names]
            rec = Record(source.name, row.pcode or str(i + 1), row.name, labels, row.country, row.lat, row.lon,
                         row.kind, row.pcode, row.admin1, row.admin2)
            if row.lat is None:
                region = merger.region(row.country, row.admin1)
                county = merger.county(row.country, row.admin2, region[0] if region else None)
                if county is not None:
                    rec.lat, rec.lon, rec.point, rec.county = county[4], county[5], UNIT_POINT, county[0]
                    rec.admin1, rec.admin2 = county[2] or row.admin1, county[1]
            merger.add(rec, base + i)
    merger.finish()
