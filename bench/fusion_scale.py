"""Fusion at scale: a million synthetic reports clustered into events, with time and peak memory.

The reports are made up but shaped like the real thing: five years of days, ~20,000 villages in
three war zones (many a few km apart), incidents reported by one to six sources, each report
placing the incident at the village, "near" it, under an unlocated spelling of its name, or
only at province level, and dating it to the day, the week or the month. They stream into
:func:`warwatch.fuse.cluster.fuse_stream` in date order, as the store feeds it; nothing but the
current weeks is held in memory.

Measured: (a) generating the reports alone, (b) generating and fusing them; fusion's cost is
(b) − (a). Peak memory is the process's maximum resident set size after each pass. Quality is
pairwise precision/recall of the fused events against the incidents the reports were drawn
from (province-level and week/month reports are vague on purpose, so recall is not 1).

    python bench/fusion_scale.py [--reports 1000000] [--store 20000] [--out docs/benchmarks.md]

``--store N`` also times the store path on N reports: ingest-time fusion (``Store.add_article``
one article at a time, as ``warwatch ingest`` does) and a full ``Store.refuse()``.
"""

from __future__ import annotations

import argparse
import gc
import heapq
import math
import os
import platform
import random
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from warwatch.fuse.cluster import fuse_stream
from warwatch.fuse.units import Unit, date_range, name_keys

ROOT = Path(__file__).resolve().parents[1]
START = date(2018, 1, 1).toordinal()
DAYS = 5 * 365
ZONES = (("SY", 32.5, 37.0, 35.7, 42.0), ("YE", 12.8, 17.5, 42.6, 49.0), ("UA", 46.0, 50.5, 30.0, 40.0))
TYPES = (("Explosions/Remote violence", "Air/drone strike"),
         ("Explosions/Remote violence", "Shelling/artillery/missile attack"),
         ("Battles", "Armed clash"), ("Violence against civilians", "Attack"))
ACTORS = ("Military Forces of Syria (2000-)", "Military Forces of Russia (2000-)", "Rebel Forces",
          "Houthis", "Military Forces of Ukraine (2019-)", "Unidentified Armed Group")


def rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def villages(rng: random.Random, n: int = 20000) -> list[tuple]:
    """(id, country, admin1, lat, lon, name): clustered, so that neighbours are a few km apart."""
    out = []
    for i in range(n):
        country, lat0, lat1, lon0, lon1 = ZONES[i % len(ZONES)]
        hub = random.Random(i // 40)
        # 40 villages around each hub, within ~15 km: dense front-line countryside
        lat = hub.uniform(lat0, lat1) + rng.gauss(0, 0.07)
        lon = hub.uniform(lon0, lon1) + rng.gauss(0, 0.07)
        admin1 = f"{country}-{int((lat - lat0) // 1.2)}-{int((lon - lon0) // 1.5)}"
        out.append((f"v{i}", country, admin1, lat, lon, f"Kafr Village{i}"))
    return out


def reports(n: int, seed: int = 7, stats: dict | None = None) -> Iterator[tuple[Unit, int]]:
    """``n`` synthetic reports as (unit, incident id), sorted by their first day; ``stats`` gets the
    number of incidents and of report pairs that share an incident."""
    stats = {} if stats is None else stats
    stats.update(incidents=0, pairs=0)
    rng = random.Random(seed)
    places = villages(rng)
    per_day = n / DAYS
    pending: list[tuple[int, int, Unit, int]] = []
    made = rid = incident = article = 0
    for day in range(START, START + DAYS):
        quota = int(per_day * (day - START + 1)) - made
        while quota > 0:
            incident += 1
            pid, country, admin1, lat, lon, name = places[rng.randrange(len(places))]
            kind = TYPES[rng.randrange(len(TYPES))]
            actor = ACTORS[rng.randrange(len(ACTORS))]
            sources = min(quota, 1 + int(rng.expovariate(1.1)))
            stats["incidents"] += 1
            stats["pairs"] += sources * (sources - 1) // 2
            for _ in range(sources):
                rid += 1
                article += 1
                roll = rng.random()
                precision = 1 if roll < 0.9 else (2 if roll < 0.97 else 3)
                lo, hi = date_range(date.fromordinal(day), precision)
                where = rng.random()
                u_lat, u_lon, gp, gid, names = lat, lon, 1, pid, name_keys(name)
                if where < 0.10:  # "near" the village
                    gp, gid = 2, None
                elif where < 0.15:  # unlocated spelling
                    u_lat = u_lon = gp = gid = None
                elif where < 0.20:  # province only
                    u_lat, u_lon, gp, gid, names = round(lat, 0), round(lon, 0), 3, f"a:{admin1}", frozenset()
                unit = Unit(rid=rid, order=(f"{article:08d}", 0), articles=frozenset({article}),
                            event_type=kind[0], sub_event_type=kind[1], lo=lo, hi=hi, precision=precision,
                            lat=u_lat, lon=u_lon, gp=gp, gid=gid, names=names, admin1=admin1,
                            country=country, actor1=actor if rng.random() < 0.8 else None, actor2=None,
                            confidence=round(rng.uniform(0.4, 0.9), 2))
                heapq.heappush(pending, (lo, rid, unit, incident))
            made += sources
            quota -= sources
        # a report is at most a month wide: whatever starts 32 days before today is final
        while pending and pending[0][0] < day - 32:
            _, _, unit, inc = heapq.heappop(pending)
            yield unit, inc
    while pending:
        _, _, unit, inc = heapq.heappop(pending)
        yield unit, inc


def fuse(n: int) -> dict:
    """Time generating alone, then generating and fusing; score the events against the incidents."""
    load = os.getloadavg()[0]
    gc.collect()
    start = time.perf_counter()
    count = sum(1 for _ in reports(n))
    generate = time.perf_counter() - start
    rss_generate = rss_mb()

    truth: dict[int, int] = {}
    stats: dict = {}

    def units() -> Iterator[Unit]:
        for unit, incident in reports(n, stats=stats):
            truth[unit.rid] = incident
            yield unit

    events = same_event = same_both = 0
    start = time.perf_counter()
    for component in fuse_stream(units()):
        for event in component:
            events += 1
            same_event += len(event) * (len(event) - 1) // 2
            seen: dict[int, int] = {}
            for u in event:
                inc = truth.pop(u.rid)
                seen[inc] = seen.get(inc, 0) + 1
            same_both += sum(k * (k - 1) // 2 for k in seen.values())
    total = time.perf_counter() - start
    same_incident = stats["pairs"]
    return {"reports": count, "incidents": stats["incidents"], "events": events, "generate_s": generate,
            "total_s": total, "fuse_s": total - generate, "rss_generate_mb": rss_generate,
            "rss_fuse_mb": rss_mb(), "load_before": load,
            "pair_precision": same_both / same_event if same_event else 1.0,
            "pair_recall": same_both / same_incident if same_incident else 1.0}


def _sentence(u: Unit) -> str:
    return f"Report {u.rid} says Village{u.gid} Province{u.admin1} was hit on day {u.lo} by Actor{u.actor1}."


def store_path(n: int) -> dict:
    """Ingest-time fusion through the store (one article per report group) and a full refuse."""
    from warwatch.models import Article, Evidence, Mention, Place, Toponym
    from warwatch.store import Store

    articles: dict[int, list[Unit]] = {}
    for unit, _ in reports(n, seed=11):
        articles.setdefault(next(iter(unit.articles)) // 3, []).append(unit)
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "bench.db") as store:
        start = time.perf_counter()
        for key, units in sorted(articles.items()):
            # distinct texts (names and numbers of their own), as independent reports are
            text = " ".join(_sentence(u) for u in units)
            found, offset = [], 0
            for u in units:
                sentence = _sentence(u)
                ev = Evidence(offset, offset + len(sentence), sentence)
                offset += len(sentence) + 1
                place = Place(text=f"Village {u.rid}", name=f"Village {u.gid}", lat=u.lat, lon=u.lon,
                              country=u.country, admin1=u.admin1, geo_precision=u.gp, gazetteer_id=u.gid)
                found.append(Mention(u.event_type, u.sub_event_type, evidence=ev,
                                     toponym=Toponym(place.text, ev.start, ev.start + 5), place=place,
                                     event_date=date.fromordinal((u.lo + u.hi) // 2), time_precision=u.precision,
                                     actor1=u.actor1, confidence=u.confidence))
            store.add_article(Article(text=text, title=f"report {key}", doc_id=str(key)), found)
        ingest = time.perf_counter() - start
        start = time.perf_counter()
        store.refuse()
        refuse = time.perf_counter() - start
        events = len(store.events())
    return {"store_reports": n, "store_articles": len(articles), "store_ingest_s": ingest,
            "store_refuse_s": refuse, "store_events": events}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--store", type=int, default=0, help="also time the store path on this many reports")
    parser.add_argument("--out", type=Path, default=None, help="write the results under '## Fusion' here")
    args = parser.parse_args()
    result = fuse(args.reports)
    for key, value in result.items():
        print(f"{key:18} {value:.3f}" if isinstance(value, float) else f"{key:18} {value}")
    stored = store_path(args.store) if args.store else None
    if stored:
        for key, value in stored.items():
            print(f"{key:18} {value:.3f}" if isinstance(value, float) else f"{key:18} {value}")
    if args.out:
        write_section(args.out, result, stored)


def write_section(path: Path, r: dict, stored: dict | None) -> None:
    """Replace (or add) the "## Fusion" section of the benchmarks file, leaving the others alone."""
    cpu = platform.processor() or platform.machine()
    lines = [
        "## Fusion", "",
        f"`python bench/fusion_scale.py --reports {r['reports']}"
        + (f" --store {stored['store_reports']}" if stored else "") + "` on this machine "
        f"({cpu}, {math.ceil(os.cpu_count() or 1)} cores, Python {platform.python_version()}), "
        f"{date.today().isoformat()}; the machine is shared, load average {r['load_before']:.1f} when it started "
        "(timings scale with it).", "",
        "| what | value |", "|---|---|",
        f"| synthetic reports (5 years, 20,000 villages, 1-6 sources per incident) | {r['reports']:,} |",
        f"| incidents they report | {r['incidents']:,} |",
        f"| events after fusion | {r['events']:,} |",
        f"| fusion time (generating the reports excluded) | {r['fuse_s']:.1f} s |",
        f"| generating + fusing | {r['total_s']:.1f} s (generating alone {r['generate_s']:.1f} s) |",
        f"| peak memory (max RSS), generating alone / generating + fusing | "
        f"{r['rss_generate_mb']:.0f} MiB / {r['rss_fuse_mb']:.0f} MiB |",
        f"| pairwise precision / recall against the incidents | {r['pair_precision']:.3f} / {r['pair_recall']:.3f} |",
    ]
    if stored:
        rate = stored["store_articles"] / stored["store_ingest_s"] if stored["store_ingest_s"] else 0.0
        lines += [
            f"| store: {stored['store_reports']:,} reports in {stored['store_articles']:,} articles, "
            f"added one by one with ingest-time fusion | {stored['store_ingest_s']:.1f} s ({rate:.0f} articles/s) |",
            f"| store: full `Store.refuse()` of those | {stored['store_refuse_s']:.1f} s |",
        ]
    lines += ["", "Fusion streams the reports by date and blocks them by (day, 0.1° grid cell / name / "
              "province); memory holds the open weeks only, so it stays flat as the number of reports grows.", ""]
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n\n"
    start = text.find("## Fusion")
    if start >= 0:
        end = text.find("\n## ", start + 1)
        text = text[:start] + "\n".join(lines) + (text[end + 1:] if end >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + "\n".join(lines)
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
