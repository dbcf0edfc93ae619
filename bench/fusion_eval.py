"""Fusion against real coded events: multi-source clusters built from UCDP GED, ingested in several orders.

UCDP GED rows (``../shared/data/events/ucdp_ged_sample1000_with_text.csv.gz``, CC BY 4.0, UCDP;
Sundberg & Melander 2013) give real incidents: date, place (coordinates and a description),
the two sides, deaths as low / best / high, and the outlets that reported them. The rows carry
only headlines, not article text, so each outlet's article is written here from the row, in the
phrasing news reports use: the place named as the nearest gazetteer village, the date relative
to the publication date ("on Saturday", "yesterday"), each outlet with its own death toll (low,
best or high), its own claimant, sometimes its own weapon ("shells" where another says "air
strikes"). On top of that come the hard cases:

- **twins**: a second incident of the same kind on the same day at another village 3-12 km away,
  reported in the same articles ("two strikes a village apart stay two events");
- **next day**: the same place hit again two days later (a different incident);
- **copies**: reprints of an article under another outlet's header, and spun rewrites;
- **denials**: a side denying the attack (the event must be graded ``contested``).

Everything is written under /tmp (the texts are derived from UCDP rows; nothing is committed).
Each cluster is extracted once, then stored in several ingest orders (manifest order, reversed,
shuffled) through :class:`warwatch.store.Store`, and the fused events are compared with the
gold incidents through their evidence sentences:

- over-split: gold incidents whose sentences ended up in more than one event (extra events);
- over-merged: events holding sentences of more than one gold incident;
- B-cubed precision / recall of the sentence partition, and ``score.py`` P / R / F1;
- grades: incidents with 2+ independent outlets graded corroborated, copies not counted;
- order independence: the partition of sentences into events is the same in every order.

    python bench/fusion_eval.py [--events 120] [--orders 3] [--seed 4] [--out docs/fusion.md]
"""

from __future__ import annotations

import argparse
import copy
import csv
import gzip
import json
import math
import random
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
UCDP = SHARED / "data" / "events" / "ucdp_ged_sample1000_with_text.csv.gz"
SCORE = SHARED / "eval" / "score.py"
GAZ = ROOT / "src" / "warwatch" / "geocode" / "data"
ISO = {"Syria": "SY", "Yemen (North Yemen)": "YE", "Iraq": "IQ", "Afghanistan": "AF", "Sudan": "SD",
       "Somalia": "SO", "Myanmar (Burma)": "MM", "Ukraine": "UA"}
CAPITALS = {"SY": "BEIRUT", "YE": "ADEN", "IQ": "BAGHDAD", "AF": "KABUL", "SD": "KHARTOUM",
            "SO": "MOGADISHU", "MM": "YANGON", "UA": "KYIV"}
OUTLETS = {
    "SY": ["Reuters", "Agence France-Presse", "Al Jazeera English", "Syrian Observatory for Human Rights",
           "Enab Baladi", "Asharq Al-Awsat"],
    "YE": ["Reuters", "Associated Press", "Al Jazeera English", "Yemen Monitor", "The National", "Xinhua"],
    "IQ": ["Reuters", "Associated Press", "Rudaw", "Kurdistan 24", "Shafaq News", "Xinhua"],
    "AF": ["Reuters", "Pajhwok Afghan News", "TOLOnews", "Khaama Press", "Xinhua", "Associated Press"],
    "SD": ["Reuters", "Sudan Tribune", "Radio Dabanga", "Associated Press", "Al Jazeera English", "Xinhua"],
    "SO": ["Reuters", "Garowe Online", "Hiiraan Online", "Radio Dalsan", "Associated Press", "Xinhua"],
    "MM": ["Reuters", "The Irrawaddy", "Myanmar Now", "Radio Free Asia", "Associated Press", "Mizzima"],
    "UA": ["Reuters", "Kyiv Independent", "Ukrainska Pravda", "Associated Press", "Interfax-Ukraine", "TASS"],
}
AGGREGATORS = ["newsnow24.net", "worldnewsera.com", "dailyhunt-world.com", "headlines-today.org"]
ACTORS = {  # UCDP side -> how reports name it
    "Government of Syria": ["Syrian government forces", "regime forces", "the Syrian army"],
    "Syrian insurgents": ["rebels", "opposition fighters", "rebel factions"],
    "IS": ["Islamic State militants", "ISIS fighters"], "SDF": ["the Syrian Democratic Forces", "SDF fighters"],
    "Government of Afghanistan": ["Afghan security forces", "Afghan forces"],
    "Taleban": ["Taliban fighters", "the Taliban"],
    "Government of Iraq": ["Iraqi forces", "Iraqi security forces"],
    "Government of Somalia": ["Somali troops", "Somali government forces"], "Al-Shabaab": ["al-Shabaab militants"],
    "Government of Yemen (North Yemen)": ["Yemeni government forces", "pro-government forces"],
    "Forces of the Presidential Leadership Council": ["Houthi rebels", "the Houthis"],
    "Government of Ukraine": ["Ukrainian forces", "Ukrainian troops"],
    "Government of Russia (Soviet Union)": ["Russian forces", "Russian troops"],
    "DPR": ["pro-Russian separatists"], "LPR": ["pro-Russian separatists"],
    "United Armed Forces of Novorossiya": ["pro-Russian separatists", "separatist fighters"],
    "Government of Myanmar (Burma)": ["the Myanmar military", "junta troops"],
    "NUG": ["People's Defence Force fighters"], "Government of Sudan": ["the Sudanese army", "Sudanese troops"],
    "SLM/A": ["Sudan Liberation Movement rebels"], "SRF": ["rebels of the Sudan Revolutionary Front"],
}
AIR = {"SY": ("warplanes", "air strikes"), "YE": ("coalition warplanes", "air strikes"),
       "UA": ("artillery", "shelling"), "MM": ("military jets", "air strikes"), "SO": ("drones", "drone strikes"),
       "IQ": ("warplanes", "air strikes"), "AF": ("aircraft", "air strikes"), "SD": ("warplanes", "air strikes")}
CLAIMANTS = ["a local official", "residents", "a medical source", "a monitoring group", "police", "local media"]
NUMBERS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]
KIND = {"battle": ("Battles", "Armed clash"), "remote": ("Explosions/Remote violence", None),
        "vac": ("Violence against civilians", "Attack")}


# --- the gazetteer (the package's own copy) ----------------------------------------------------

def localities(iso: str) -> list[tuple[str, float, float, str]]:
    """(name, lat, lon, province) of the current localities of one country's gazetteer."""
    admin = json.loads((GAZ / "admin1.json").read_text(encoding="utf-8")).get(iso, {})
    out = []
    with gzip.open(GAZ / f"wof_{iso}.tsv.gz", "rt", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if row["placetype"] != "locality" or row["is_current"] == "0" or row["deprecated"]:
                continue
            name = row["name"]
            # plain village names: "Markaz-e Hukumat-e ..." (a district seat) is not what reports say
            if not name or not name.replace(" ", "").replace("-", "").replace("'", "").isalpha() \
                    or len(name.split()) > 3 or name.startswith("Markaz"):
                continue
            province = admin.get(row["region_id"], {}).get("acled") or ""
            out.append((name, float(row["lat"]), float(row["lon"]), province))
    return out


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in km."""
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(b[1] - a[1]) / 2) ** 2
    return 12742.0 * math.asin(min(1.0, math.sqrt(h)))


# --- gold incidents -----------------------------------------------------------------------------

def incidents(n: int, rng: random.Random) -> list[dict]:
    """Gold incidents: UCDP rows placed at their nearest gazetteer village, plus twins and repeats."""
    with gzip.open(UCDP, "rt", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["country"] in ISO and r["where_prec"] in ("1", "2")
                and r["date_prec"] == "1" and r["side_a"] in ACTORS and r["side_b"] in (*ACTORS, "Civilians")]
    by_country: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_country[ISO[r["country"]]].append(r)
    # every war, not only Syria's 170 rows: an equal share per country
    share = max(4, n // len(by_country))
    picked = [r for rows_ in by_country.values() for r in rng.sample(rows_, min(share, len(rows_)))]
    places = {iso: localities(iso) for iso in by_country}
    names_count = {iso: Counter(p[0] for p in ps) for iso, ps in places.items()}
    gold: list[dict] = []
    for r in picked:
        iso = ISO[r["country"]]
        point = (float(r["latitude"]), float(r["longitude"]))
        near = sorted((km(point, p[1:3]), p) for p in places[iso] if names_count[iso][p[0]] == 1
                      and abs(p[1] - point[0]) < 0.2 and abs(p[2] - point[1]) < 0.2)
        if not near or near[0][0] > 8.0:
            continue
        village = near[0][1]
        kind = "vac" if r["type_of_violence"] == "3" else (
            "remote" if r["type_of_violence"] == "1" and rng.random() < 0.5 else "battle")
        low, best, high = (max(1, int(r[k] or 0)) for k in ("low", "best", "high"))
        outlets = [o for o in r["source_office"].split(";") if o and o not in ("-1", "No source")][:2]
        event = {"ucdp": r["id"], "iso": iso, "date": date.fromisoformat(r["date_start"]), "kind": kind,
                 "a": r["side_a"], "b": r["side_b"], "place": village, "low": low, "best": best,
                 "high": max(high, best), "sources": max(1, min(4, int(r["number_of_sources"] or 1))),
                 "outlets": outlets, "headline": r["source_headline"].split(";")[0]}
        gold.append(event)
        roll = rng.random()
        if roll < 0.35:  # a twin: same kind, same day, another village a few km away
            twins = [p for d, p in near[1:] if 3.0 <= km(village[1:3], p[1:3]) <= 12.0]
            if twins:
                gold.append({**event, "ucdp": r["id"] + "-twin", "place": rng.choice(twins),
                             "low": max(1, low // 2), "best": max(1, best // 2), "high": max(1, high // 2),
                             "twin_of": len(gold) - 1})
        elif roll < 0.45:  # the same place hit again two days later
            gold.append({**event, "ucdp": r["id"] + "-later", "date": event["date"] + timedelta(days=2),
                         "low": 1, "best": 2, "high": 3})
    for i, g in enumerate(gold):
        g["id"] = f"G{i:03d}"
        g["sources"] = max(g["sources"], 2 if rng.random() < 0.7 else 1)
        g["denied"] = g["kind"] != "battle" and rng.random() < 0.12
    return gold


# --- articles -----------------------------------------------------------------------------------

def _num(n: int, rng: random.Random) -> str:
    return NUMBERS[n] if n < len(NUMBERS) and rng.random() < 0.5 else str(n)


def _when(day: date, published: date, rng: random.Random) -> str:
    if day == published and rng.random() < 0.3:
        return "today" if rng.random() < 0.5 else f"on {WEEKDAYS[day.weekday()]}"
    if published - day == timedelta(days=1) and rng.random() < 0.4:
        return "yesterday" if rng.random() < 0.5 else f"late on {WEEKDAYS[day.weekday()]}"
    if rng.random() < 0.5:
        return f"on {WEEKDAYS[day.weekday()]}"
    return f"on {day.day} {MONTHS[day.month - 1]}"


def sentence(g: dict, figure: int, published: date, rng: random.Random, twin: bool = False) -> str:
    """One outlet's report of an incident, in one of the ways news reports put it."""
    name, _, _, province = g["place"]
    a, b = rng.choice(ACTORS[g["a"]]), rng.choice(ACTORS.get(g["b"], ["civilians"]))
    n, when, who = _num(figure, rng), _when(g["date"], published, rng), rng.choice(CLAIMANTS)
    where = f"the village of {name}" if rng.random() < 0.5 else name
    region = f"{province} province" if province and rng.random() < 0.6 else (province or "the area")
    if g["kind"] == "battle":
        options = [
            f"Clashes between {a} and {b} in {where} in {region} {when} left {n} people dead, {who} said.",
            f"At least {n} fighters were killed {when} in fighting between {a} and {b} in {name}, {region}.",
            f"{a[0].upper() + a[1:]} fought {b} in {where} {when}, and {n} were killed, according to {who}.",
        ]
    elif g["kind"] == "remote":
        craft, strikes = AIR[g["iso"]]
        options = [
            f"{strikes[0].upper() + strikes[1:]} by {a} killed {n} civilians in {where} in {region} {when}, "
            f"{who} said.",
            f"At least {n} people were killed when {craft} struck {name} in {region} {when}, {who} said.",
            f"Shells fired by {a} hit {where} {when}, killing {n} people, according to {who}.",
        ]
    else:
        options = [
            f"Gunmen from {a.removeprefix('the ')} killed {n} civilians in {where} in {region} {when}, {who} said.",
            f"{n[0].upper() + n[1:]} villagers were shot dead by {a} in {name}, {region}, {when}.",
        ]
    text = rng.choice(options)
    if twin:
        first = text.split(" ", 1)[0]
        lower = first in ("At", "Clashes", "Shells", "Gunmen", "Air", "Drone", "Shelling")
        text = "In a separate attack, " + (text[0].lower() + text[1:] if lower else text)
    return text


def articles(gold: list[dict], rng: random.Random) -> list[dict]:
    """Articles (dicts with text, outlet, published, and which sentence reports which incident)."""
    plan: dict[tuple, list[int]] = defaultdict(list)  # (iso, published, outlet) -> incidents
    for i, g in enumerate(gold):
        pool = list(dict.fromkeys(g["outlets"] + rng.sample(OUTLETS[g["iso"]], len(OUTLETS[g["iso"]]))))
        if "twin_of" in g:  # twins appear in the articles that report the first incident
            chosen = [key for key, members in plan.items() if g["twin_of"] in members]
            for key in chosen[: max(1, g["sources"])]:
                plan[key].append(i)
            continue
        for outlet in pool[: g["sources"]]:
            published = g["date"] + timedelta(days=rng.choice((0, 1, 1)))
            plan[(g["iso"], published, outlet)].append(i)
    out = []
    for (iso, published, outlet), members in sorted(plan.items(), key=lambda kv: (kv[0][1], kv[0][0], kv[0][2])):
        paras, spans = [], []
        for i in members:
            g = gold[i]
            figure = rng.choice((g["low"], g["best"], g["high"]))
            paras.append(sentence(g, figure, published, rng, twin="twin_of" in g))
            spans.append((paras[-1], g["id"]))
            if g["denied"] and rng.random() < 0.5:
                side = rng.choice(ACTORS[g["a"]])
                paras.append(f"{side[0].upper() + side[1:]} denied carrying out the attack on {g['place'][0]}.")
                spans.append((paras[-1], g["id"]))
        # what independent outlets add around the facts: their own background and caveats
        paras.append(rng.choice([
            "The war has killed hundreds of thousands of people and displaced millions.",
            "Fighting in the area has intensified in recent weeks, aid groups said.",
            "The United Nations has called for an immediate ceasefire.",
            "Humanitarian agencies say access to the area remains limited.",
            "Thousands of families have fled the area since the start of the year.",
        ]))
        paras.append(rng.choice([
            f"{outlet} could not independently verify the reports.",
            f"The figures could not be confirmed independently, {outlet} said.",
            f"Officials did not respond to requests for comment from {outlet}.",
            "Communications with the area were cut for much of the day.",
        ]))
        title = gold[members[0]]["headline"] or f"Deaths reported in {gold[members[0]]['place'][3]}"
        body = f"{CAPITALS[iso]} ({outlet}) - " + "\n\n".join(paras)
        out.append({"text": f"{title}\n\n{body}\n", "outlet": outlet, "published": published, "spans": spans})
        roll = rng.random()
        if roll < 0.15:  # a reprint under an aggregator's header
            site = rng.choice(AGGREGATORS)
            out.append({"text": f"{site} | World news\n\n{title}\n\n{body}\n", "outlet": site,
                        "published": published + timedelta(days=rng.choice((0, 1))), "spans": spans, "copy": True})
        elif roll < 0.25:  # a spun rewrite: other words, same facts
            spun = body.replace(" - ", " -- ", 1).replace(" said.", " reported.").replace("At least", "No fewer than") \
                .replace("the village of", "the town of").replace("killed", "left dead")
            site = rng.choice(AGGREGATORS)
            spun_spans = [(s.replace(" said.", " reported.").replace("At least", "No fewer than")
                           .replace("the village of", "the town of").replace("killed", "left dead"), gid)
                          for s, gid in spans]
            out.append({"text": f"{title}\n\n{spun}\n", "outlet": site, "published": published,
                        "spans": spun_spans, "copy": True})
    return out


def write_corpus(gold: list[dict], docs: list[dict], folder: Path) -> tuple[Path, Path]:
    """The articles as text files with a manifest, and the gold incidents in score.py's format."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "manifest.jsonl").open("w", encoding="utf-8") as f:
        for k, d in enumerate(docs):
            d["path"] = f"{k:04d}.txt"
            (folder / d["path"]).write_text(d["text"], encoding="utf-8")
            f.write(json.dumps({"path": d["path"], "published": d["published"].isoformat(),
                                "outlet": d["outlet"]}) + "\n")
    events = []
    for g in gold:
        name, lat, lon, _ = g["place"]
        kind = KIND[g["kind"]]
        events.append({"id": g["id"], "status": "required", "date": g["date"].isoformat(), "event_type": kind[0],
                       "location": {"names": [name], "lat": lat, "lon": lon}, "fatalities": g["low"],
                       "doc": "x", "docs": []})
    (folder / "gold.json").write_text(json.dumps({"name": "fusion-eval", "events": events}, indent=1),
                                      encoding="utf-8")
    return folder / "manifest.jsonl", folder / "gold.json"


# --- ingest and measure -------------------------------------------------------------------------

def _norm(text: str) -> str:
    return " ".join(text.split())


def gold_of(spans: list[tuple[str, str]], evidence: str) -> str | None:
    """The incident a sentence reports: the generated sentence that contains it (or it contains)."""
    e = _norm(evidence)
    for s, gid in spans:
        s = _norm(s)
        if e and (e in s or s in e or (len(e) > 40 and e[:40] in s)):
            return gid
    return None


def extract(manifest: Path) -> list[tuple]:
    """Every article of the manifest with its placed mentions (extracted once, stored many times)."""
    from warwatch.ingest import IngestFailure, collect
    from warwatch.pipeline import Pipeline

    items = [a for a in collect(manifest=manifest) if not isinstance(a, IngestFailure)]
    return Pipeline().process_batch(items)  # as ingest does: the batch is each other's theatre


def fuse(extracted: list[tuple], order: list[int], db: Path) -> list:
    """Store the articles in this order (ingest-time fusion); the events with their details."""
    from warwatch.store import Store

    with Store(db) as store:
        for k in order:
            article, mentions = extracted[k]
            store.add_article(copy.deepcopy(article), copy.deepcopy(mentions))
        records = store.events()
        details = store.event_details(records)
        if db.with_suffix(".csv").parent.exists():
            from warwatch.serve.export import export_acled

            with db.with_suffix(".csv").open("w", encoding="utf-8", newline="") as f:
                export_acled(store, f, records=records)
    return details


def measure(details: list, docs_by_path: dict[str, dict], gold: list[dict]) -> dict:
    """Over-splitting, over-merging, B-cubed, grades, and the partition (for order comparisons)."""
    gold_by_id = {g["id"]: g for g in gold}
    events_of: dict[str, set[int]] = defaultdict(set)
    members: dict[int, Counter] = {}
    partition = set()
    unmatched_sentences = 0
    grades: Counter = Counter()
    for k, d in enumerate(details):
        found: Counter = Counter()
        keys = set()
        for m in d.mentions:
            doc = docs_by_path.get(Path(m.article.path or "").name)
            gid = gold_of(doc["spans"], m.sentence.text) if doc else None
            keys.add((doc["text"] if doc else m.article.path, m.sentence.start))
            if gid is None:
                unmatched_sentences += 1
                continue
            found[gid] += 1
            events_of[gid].add(k)
        partition.add(frozenset(keys))
        members[k] = found
        if len(found) == 1:
            gid = next(iter(found))
            g = gold_by_id[gid]
            expected = "contested" if g["denied"] else None
            grades[(d.grade, g["n_independent"], expected)] += 1
    split = {gid: len(ev) for gid, ev in events_of.items() if len(ev) > 1}
    merged = {k: c for k, c in members.items() if len(c) > 1}
    # B-cubed over incidents' sentences
    prec = rec = total = 0.0
    size_gold: Counter = Counter()
    for c in members.values():
        size_gold.update(c)
    for c in members.values():
        n = sum(c.values())
        for gid, cnt in c.items():
            prec += cnt * cnt / n
            rec += cnt * cnt / size_gold[gid]
            total += cnt
    return {"gold": len(gold), "found": len(events_of), "events": len(details),
            "events_with_gold": sum(1 for c in members.values() if c),
            "over_split": len(split), "extra_events": sum(v - 1 for v in split.values()),
            "over_merged": len(merged), "bcubed_p": prec / total if total else 1.0,
            "bcubed_r": rec / total if total else 1.0, "stray_sentences": unmatched_sentences,
            "grades": grades, "partition": partition,
            "split_examples": sorted(split)[:8], "merged_examples": [dict(c) for c in list(merged.values())[:5]]}


def independent(gold: list[dict], docs: list[dict]) -> None:
    """How many independent outlets report each incident (copies do not count)."""
    outlets: dict[str, set[str]] = defaultdict(set)
    for d in docs:
        if d.get("copy"):
            continue
        for _, gid in d["spans"]:
            outlets[gid].add(d["outlet"])
    for g in gold:
        g["n_independent"] = len(outlets[g["id"]])


def score(gold_path: Path, csv_path: Path) -> dict:
    """score.py's precision / recall / F1 of an ACLED export."""
    out = subprocess.run([sys.executable, str(SCORE), str(gold_path), str(csv_path), "--json"],
                         capture_output=True, text=True, check=False)
    try:
        data = json.loads(out.stdout)
    except json.JSONDecodeError:
        return {}
    return {k: data.get(k) for k in ("precision", "recall", "f1")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=120, help="UCDP incidents to draw (before twins)")
    parser.add_argument("--orders", type=int, default=3, help="ingest orders to compare")
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--dir", type=Path, default=None, help="where to write the corpus (default: a /tmp folder)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    gold = incidents(args.events, rng)
    docs = articles(gold, rng)
    independent(gold, docs)
    folder = args.dir or Path(tempfile.mkdtemp(prefix="warwatch-fusion-eval-"))
    manifest, gold_path = write_corpus(gold, docs, folder)
    print(f"corpus: {folder} ({len(gold)} incidents in {Counter(g['iso'] for g in gold)}, "
          f"{len(docs)} articles, {sum(1 for d in docs if d.get('copy'))} copies)")
    extracted = extract(manifest)
    docs_by_path = {d["path"]: d for d in docs}
    n = len(extracted)
    orders = [list(range(n)), list(range(n))[::-1]]
    for k in range(max(0, args.orders - 2)):
        shuffled = list(range(n))
        random.Random(100 + k).shuffle(shuffled)
        orders.append(shuffled)
    results = []
    for k, order in enumerate(orders[: args.orders]):
        db = folder / f"order{k}.db"
        db.unlink(missing_ok=True)
        details = fuse(extracted, order, db)
        r = measure(details, docs_by_path, gold)
        r.update(score(gold_path, db.with_suffix(".csv")))
        results.append(r)
        print(f"order {k}: {r['events']} events ({r['events_with_gold']} with gold sentences) for "
              f"{r['found']}/{r['gold']} incidents found; over-split {r['over_split']} (+{r['extra_events']}), "
              f"over-merged {r['over_merged']}; B-cubed P {r['bcubed_p']:.3f} R {r['bcubed_r']:.3f}; "
              f"score.py P {r.get('precision')} R {r.get('recall')} F1 {r.get('f1')}; stray sentences "
              f"{r['stray_sentences']}")
    same = all(r["partition"] == results[0]["partition"] for r in results)
    print(f"order independent: {same}")
    g = results[0]["grades"]
    single = sum(v for (grade, ind, exp), v in g.items() if ind == 1 and exp is None)
    single_ok = sum(v for (grade, ind, exp), v in g.items() if ind == 1 and exp is None and grade == "single_source")
    multi = sum(v for (grade, ind, exp), v in g.items() if ind >= 2 and exp is None)
    multi_ok = sum(v for (grade, ind, exp), v in g.items() if ind >= 2 and exp is None and grade == "corroborated")
    denied = sum(v for (grade, ind, exp), v in g.items() if exp == "contested")
    denied_ok = sum(v for (grade, ind, exp), v in g.items() if exp == "contested" and grade == "contested")
    print(f"grades (events holding one incident): single-source {single_ok}/{single}, corroborated "
          f"{multi_ok}/{multi}, contested where an article denies it {denied_ok}/{denied} "
          f"(a denial is in about half of the reporting articles)")
    print("over-split examples:", results[0]["split_examples"], "over-merged:", results[0]["merged_examples"])
    if args.json:
        keep = [{k: v for k, v in r.items() if k not in ("partition", "grades")} for r in results]
        args.json.write_text(json.dumps({"orders": keep, "order_independent": same,
                                         "grades": {"single": [single_ok, single], "corroborated": [multi_ok, multi],
                                                    "contested": [denied_ok, denied]}}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
