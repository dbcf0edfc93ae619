"""Latency of GET /api/events over 100k events, per filter combination, through the ASGI app in process.

Generates a synthetic but realistic store (events spread over 13 years and 20 regions, a
sentence and a source article behind each event) straight into the store's tables of a temporary
SQLite file, then times each filter set with FastAPI's test client (no network, no server), after
one warm-up request. Reports p50/p95 per filter set, the map's points endpoint, and what the
dashboard fetches when it opens (its map read from the points endpoint against the GeoJSON export it
used before, timed in turn in the same process). With --out, replaces (or appends) the "REST API"
section of a Markdown file, leaving its other sections alone.

    python bench/api_latency.py [--events 100000] [--repeat 40] [--loads 5] [--out docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sqlite3
import statistics
import tempfile
import time
import warnings
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import insert

#: p95 budget of the issue: GET /api/events under 100 ms over 100k events with filters
BUDGET_MS = 100.0

TYPES = [  # (event type, sub-event types, weight)
    ("Explosions/Remote violence", ["Air/drone strike", "Shelling/artillery/missile attack",
                                    "Remote explosive/landmine/IED"], 45),
    ("Battles", ["Armed clash", "Government regains territory", "Non-state actor overtakes territory"], 25),
    ("Violence against civilians", ["Attack", "Abduction/forced disappearance"], 15),
    ("Protests", ["Peaceful protest", "Protest with intervention"], 8),
    ("Riots", ["Violent demonstration", "Mob violence"], 3),
    ("Strategic developments", ["Arrests", "Looting/property destruction", "Agreement"], 4),
]
REGIONS = [  # (admin1, lat, lon) around which events fall
    ("Idlib", 35.9, 36.6), ("Aleppo", 36.2, 37.2), ("Hama", 35.2, 36.7), ("Homs", 34.7, 36.9),
    ("Rif Dimashq", 33.6, 36.5), ("Damascus", 33.5, 36.3), ("Dar'a", 32.7, 36.1), ("Deir ez-Zor", 35.3, 40.1),
    ("Ar-Raqqa", 35.9, 39.0), ("Al-Hasakeh", 36.5, 40.7), ("Lattakia", 35.6, 35.9), ("Tartous", 34.9, 35.9),
    ("As-Sweida", 32.7, 36.6), ("Quneitra", 33.1, 35.8), ("Sanaa", 15.4, 44.2), ("Taizz", 13.6, 44.0),
    ("Hodeidah", 14.8, 42.9), ("Ninewa", 36.3, 43.1), ("Anbar", 33.4, 43.3), ("Donetsk", 48.0, 37.8),
]
ACTORS = ["Military Forces of Syria (2000-)", "Military Forces of Russia (2000-)", "Rebel Forces (Syria)",
          "HTS: Hayat Tahrir al-Sham", "Islamic State (Syria)", "SDF: Syrian Democratic Forces",
          "Military Forces of Turkey (2016-)", "Civilians (Syria)", "Unidentified Armed Group (Syria)"]
GRADES = ["single_source", "corroborated", "contested", "single_source"]
TARGETS = ["hospital", "school", "market", "mosque", "bakery", None, None, None]
FILTERS = {  # name -> query parameters
    "no filter (default order)": {},
    "newest first": {"sort": "-event_date"},
    "one month + event type": {"since": "2018-09-01", "until": "2018-09-30", "event_type": "Battles"},
    "bbox (Idlib) + min fatalities 5": {"bbox": "36.0,35.5,37.0,36.5", "min_fatalities": 5},
    "admin1 + deadliest first": {"admin1": "Aleppo", "sort": "-fatalities"},
    "actor + since + sub-type": {"actor": "Russia", "since": "2019-01-01", "sub_event_type": "Air/drone strike"},
    "free text": {"q": "hospital"},
    "free text, a word in most sentences": {"q": "killed"},
    "grade + year": {"grade": "corroborated", "since": "2020-01-01", "until": "2020-12-31"},
    "all filters at once": {"since": "2016-01-01", "until": "2019-12-31", "bbox": "35.5,34.5,38.0,37.0",
                            "admin1": "Idlib", "event_type": "Explosions/Remote violence", "actor": "Syria",
                            "min_fatalities": 1, "q": "killed"},
    "deep page (offset 50000)": {"offset": 50000},
}
#: timed like FILTERS, outside the budget: the exact count on request, the map's points
EXTRA = {
    "free text in most sentences, exact total": ("/api/events", {"q": "killed", "exact_total": "true"}),
    "map points, the 5,000 deadliest": ("/api/events/points", {"limit": 5000, "sort": "-fatalities"}),
    "map points, every located event": ("/api/events/points", {}),
    "map points, free text": ("/api/events/points", {"q": "hospital"}),
}
#: what the dashboard fetches when it opens (no filter, newest first): (path, parameters, fetched before,
#: fetched now). Its map (the 5,000 deadliest events) came from the GeoJSON export; it reads points now
FIRST_LOAD = [
    ("/api/config", {}, True, True),
    ("/api/facets", {}, True, True),
    ("/api/events", {"sort": "-event_date", "offset": 0, "limit": 50}, True, True),
    ("/api/stats/daily", {}, True, True),
    ("/api/events.geojson", {"limit": 5000, "sort": "-fatalities"}, True, False),
    ("/api/events/points", {"limit": 5000, "sort": "-fatalities"}, False, True),
]


def generate(db: Path, n_events: int, seed: int = 7) -> None:
    """n_events synthetic events, one mention (sentence) each, one article per ~5 events."""
    from warwatch.store import Store
    from warwatch.store.schema import articles, events, mentions

    rng = random.Random(seed)
    start, days = date(2012, 1, 1), 13 * 365
    stamp = datetime(2024, 1, 1)
    weights = [w for _, _, w in TYPES]
    with Store(db) as store, store.engine.begin() as conn:
        n_articles = max(1, n_events // 5)
        conn.execute(insert(articles), [{
            "id": i + 1, "content_hash": f"{i:064x}", "doc_id": f"doc{i}", "title": f"Report {i}",
            "text": "Synthetic article text.", "published": start + timedelta(days=rng.randrange(days)),
            "outlet": rng.choice(["Al Jazeera", "Reuters", "SOHR", "Enab Baladi", "AFP"]), "url": None,
            "ingested_at": stamp} for i in range(n_articles)])
        batch_e: list[dict] = []
        batch_m: list[dict] = []
        for i in range(1, n_events + 1):
            etype, subs, _ = rng.choices(TYPES, weights)[0]
            admin1, lat, lon = rng.choice(REGIONS)
            actor1, actor2 = rng.sample(ACTORS, 2)
            dead = None if rng.random() < 0.4 else int(rng.expovariate(0.25))
            target = rng.choice(TARGETS)
            place = f"Village {rng.randrange(3000)}"
            day = None if rng.random() < 0.01 else start + timedelta(days=rng.randrange(days))
            located = rng.random() > 0.03
            sentence = (f"{actor1} {etype.lower()} hit {place} in {admin1}"
                        f"{' near a ' + target if target else ''}, {dead or 'no one'} killed, monitors said.")
            batch_e.append({
                "id": i, "event_id_cnty": f"SYR{i}", "event_date": day, "time_precision": 1, "event_type": etype,
                "sub_event_type": rng.choice(subs), "actor1": actor1, "actor2": actor2,
                "civilian_targeting": actor2.startswith("Civilians"), "country": "SY", "admin1": admin1,
                "admin2": None, "location": place,
                "latitude": lat + rng.uniform(-0.5, 0.5) if located else None,
                "longitude": lon + rng.uniform(-0.5, 0.5) if located else None,
                "geo_precision": 1 if located else None, "place_text": place, "ambiguous": False,
                "fatalities": dead, "injuries": None, "weapon": None, "target": target, "actor_attributed": False,
                "confidence": 0.7, "notes": sentence, "created_at": stamp, "updated_at": stamp})
            # every row names the same columns: an executemany takes its columns from the first row
            if "grade" in events.c:  # once fusion grades events
                batch_e[-1]["grade"] = rng.choices(GRADES, [50, 35, 10, 5])[0]
            if "merged_into" in events.c:  # and fuses some into others: those are not listed
                batch_e[-1]["merged_into"] = rng.randrange(1, i) if i > 1 and rng.random() < 0.02 else None
            batch_m.append({
                "article_id": rng.randrange(1, n_articles + 1), "event_id": i, "ordinal": 0, "event_type": etype,
                "sub_event_type": batch_e[-1]["sub_event_type"], "event_date": day, "time_precision": 1,
                "sentence_start": 0, "sentence_end": len(sentence), "sentence_text": sentence,
                "actor_attributed": False, "civilian_targeting": False, "confidence": 0.7, "denials": "[]"})
            if len(batch_e) == 10_000:
                conn.execute(insert(events), batch_e)
                conn.execute(insert(mentions), batch_m)
                batch_e, batch_m = [], []
        if batch_e:
            conn.execute(insert(events), batch_e)
            conn.execute(insert(mentions), batch_m)
    with sqlite3.connect(db) as raw:
        raw.execute("ANALYZE")


Row = tuple[str, int, float, float, float, float]
#: (request, p50 ms, bytes, fetched before, fetched now)
LoadRow = tuple[str, float, int, bool, bool]


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def time_requests(client, path: str, params: dict, repeat: int) -> tuple[int, float, float, float, float]:
    """(matching events, p50 ms, p95 ms, max ms, p95 CPU ms) of one request, after one warm-up.

    "Matching" is a listing's total, or the number of points a points request answers.
    """
    first = client.get(path, params=params)  # warm-up: caches, prepared statements
    first.raise_for_status()
    times, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        response = client.get(path, params=params)
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        response.raise_for_status()
    body = first.json()
    return (body["total"] if "total" in body else len(body["points"]), statistics.median(times), p95(times),
            max(times), p95(cpu))


def measure(db: Path, repeat: int, loads: int) -> tuple[list[Row], list[Row], list[LoadRow]]:
    """Filter sets, extra requests (each: matching events, p50, p95, max and p95 CPU ms) and the first load.

    CPU time is the process's (all threads: the test client runs the app in another one): what a
    request costs when it has a core to itself, whatever else the machine is doing. The first load's
    requests are timed in turn, ``loads`` times, the map both ways each time: the ratio of the two
    holds on a machine whose speed varies.
    """
    from fastapi.testclient import TestClient

    from warwatch.serve.api import create_app

    rows, extra = [], []
    with TestClient(create_app(db, tiles=None)) as client:
        for name, params in FILTERS.items():
            rows.append((name, *time_requests(client, "/api/events", params, repeat)))
        for name, (path, params) in EXTRA.items():
            extra.append((name, *time_requests(client, path, params, repeat)))
        for path, params, _, _ in FIRST_LOAD:  # warm-up
            client.get(path, params=params).raise_for_status()
        times: list[list[float]] = [[] for _ in FIRST_LOAD]
        size = [0] * len(FIRST_LOAD)
        for _ in range(loads):
            for i, (path, params, _, _) in enumerate(FIRST_LOAD):
                t0 = time.perf_counter()
                response = client.get(path, params=params)
                times[i].append((time.perf_counter() - t0) * 1000)
                response.raise_for_status()
                size[i] = len(response.content)
    load = [(path + ("?" + urlencode(params) if params else ""), statistics.median(times[i]), size[i], before, now)
            for i, (path, params, before, now) in enumerate(FIRST_LOAD)]
    return rows, extra, load


def report(rows: list[Row], extra: list[Row], load: list[LoadRow], n_events: int, repeat: int, loads: int) -> str:
    lines = [
        "## REST API",
        "",
        f"`python bench/api_latency.py --events {n_events} --repeat {repeat} --loads {loads}` — GET /api/events"
        " (page of 50, with its total: exact up to 10,000, a lower bound past it) through the ASGI app in process"
        f" (FastAPI test client, no network), over a generated SQLite store of {n_events:,} events (one evidence"
        f" sentence each); {repeat} timed requests per filter set after one warm-up.",
        f"Machine: {os.cpu_count()} CPUs (load average {os.getloadavg()[0]:.1f} at the end: other work shares"
        f" them), Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {date.today().isoformat()}."
        f" Budget: p95 ≤ {BUDGET_MS:.0f} ms.",
        "",
        "| filters | matching | p50 ms | p95 ms | max ms | p95 CPU ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    lines += [_row(r) for r in rows]
    worst, worst_cpu = max(r[3] for r in rows), max(r[5] for r in rows)
    verdict = lambda ms: "within" if ms <= BUDGET_MS else "OVER"  # noqa: E731
    lines += ["", f"Worst p95: {worst:.1f} ms wall-clock ({verdict(worst)} the budget), {worst_cpu:.1f} ms of CPU"
              f" ({verdict(worst_cpu)} the budget).", "",
              "Outside the budget: the exact count on request (`exact_total=true`) and the map's"
              " `/api/events/points` (\"matching\": the points answered).", "",
              "| request | matching | p50 ms | p95 ms | max ms | p95 CPU ms |", "|---|---:|---:|---:|---:|---:|"]
    lines += [_row(r) for r in extra]
    ms = lambda rows: sum(r[1] for r in rows)  # noqa: E731
    before, now = [r for r in load if r[3]], [r for r in load if r[4]]
    lines += ["", f"The dashboard's first load: each request it makes when it opens, timed in turn {loads} times"
              " (p50 ms); its map came from the GeoJSON export before, from the points endpoint now.", "",
              "| request | ms | bytes | before | now |", "|---|---:|---:|:-:|:-:|"]
    lines += [f"| `{path}` | {p50:.1f} | {size:,} | {'✓' if b else ''} | {'✓' if n else ''} |"
              for path, p50, size, b, n in load]
    lines += [f"| **all, before** | **{ms(before):.0f}** | **{sum(r[2] for r in before):,}** | | |",
              f"| **all, now** | **{ms(now):.0f}** | **{sum(r[2] for r in now):,}** | | |", "",
              f"The first load now takes {ms(now) / ms(before):.2f}× the time it took; the map alone"
              f" {load[-1][1] / load[-2][1]:.3f}× the time and {load[-1][2] / load[-2][2]:.3f}× the bytes."]
    return "\n".join(lines) + "\n"


def _row(r: Row) -> str:
    name, total, p50, high, top, cpu = r
    return f"| {name} | {total:,} | {p50:.1f} | {high:.1f} | {top:.1f} | {cpu:.1f} |"


def write_section(path: Path, section: str) -> None:
    """This script's section of a Markdown file, the others kept."""
    from sections import write_section as write

    write(path, "## REST API", section)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--loads", type=int, default=5, help="times the dashboard's first load is timed")
    parser.add_argument("--out", type=Path, default=None, help="write the REST API section into this Markdown file")
    args = parser.parse_args()
    warnings.simplefilter("ignore", DeprecationWarning)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        t0 = time.perf_counter()
        generate(db, args.events)
        print(f"generated {args.events:,} events in {time.perf_counter() - t0:.1f} s")
        rows, extra, load = measure(db, args.repeat, args.loads)
    section = report(rows, extra, load, args.events, args.repeat, args.loads)
    print(section)
    if args.out:
        write_section(args.out, section)
        print(f"wrote the REST API section of {args.out}")


if __name__ == "__main__":
    main()
