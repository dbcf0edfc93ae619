"""Scaling out: one process against Dask workers on the same corpus, with identical output.

The corpus is the seed articles and the seven dev clusters (``../shared/eval/clusters``), 47 articles,
optionally each repeated under a new headline (``--copies``). The same manifest goes through
``warwatch.pipeline.ingest`` (a) in one process (its defaults: spaCy in two processes from 33
articles on, on a machine with two cores or more) and (b) with ``workers=2`` (a LocalCluster of two
worker processes, one thread each), alternating, into fresh SQLite files. Two ratios of wall times
(one process ÷ Dask: above 1, Dask is faster):

* **cold**, as the command runs: (a) loads spaCy and the gazetteer in the process, (b) starts the
  cluster and loads them on each worker;
* **warm**: (a) with a pipeline loaded before the clock starts, (b) on a cluster started (and its
  workers loaded) before it, reached by address as ``--scheduler`` does.

Every run's ACLED export must equal the first one's, row for row (timestamps left out).

    python bench/scale.py [--copies 1] [--rounds 3] [--workers 2] [--out docs/benchmarks.md]

Then PostgreSQL against SQLite (``measure_postgres``: ingest and API p95 ratios, identical exports; left
out when no PostgreSQL binaries are found) and the relevance gate on a realistic mix (``measure_gate``:
its rates, its cost against spaCy's parse, articles per core per day and the cores GDELT's daily volume
would need).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "src" / "warwatch" / "samples"
CLUSTERS = ROOT.parent / "shared" / "eval" / "clusters"
HEADING = "## Scale"


def corpus(folder: Path, copies: int = 1) -> Path:
    """A manifest of the seeds and every dev cluster (absolute paths, their published dates); copies past
    the first are new files whose headline is numbered, so none is skipped as a duplicate."""
    lines = []
    for source in [SAMPLES, *sorted(p for p in CLUSTERS.iterdir() if (p / "manifest.jsonl").exists())]:
        for line in (source / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            path = source / entry["path"]
            for n in range(copies):
                if n:
                    copy = folder / f"{n:03d}_{source.name}_{path.name}"
                    copy.write_text(f"Reprint {n}: " + path.read_text(encoding="utf-8"), encoding="utf-8")
                    path = copy
                lines.append(json.dumps({**entry, "path": str(path)}))
    manifest = folder / "manifest.jsonl"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return manifest


def acled(db: Path) -> list[dict[str, str]]:
    """The ACLED export's rows (the dated events), but the time each was written."""
    from warwatch.serve.export import acled_row
    from warwatch.store import Store

    with Store(db) as store:
        return [{k: v for k, v in acled_row(r).items() if k != "timestamp"} for r in store.events() if r.event_date]


def _timed(manifest: Path, db: Path, **options: object) -> tuple[float, int, list[dict[str, str]]]:
    from warwatch.pipeline import ingest

    start = time.perf_counter()
    report = ingest([], db=db, manifest=manifest, **options)  # type: ignore[arg-type]
    seconds = time.perf_counter() - start
    if report.failures:
        raise SystemExit(f"ingest failed on {len(report.failures)} article(s): {report.failures[0]}")
    return seconds, report.stored, acled(db)


def measure_dask(copies: int = 1, rounds: int = 3, workers: int = 2) -> dict:
    """One process against ``workers`` Dask workers, cold and warm (see the module's docstring)."""
    import logging

    from distributed import Client, LocalCluster

    from warwatch.pipeline import Pipeline

    times: dict[str, list[float]] = {"one_cold": [], "dask_cold": [], "one_warm": [], "dask_warm": []}
    reference: list[dict[str, str]] | None = None
    identical = True
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        manifest = corpus(folder, copies)
        # the gazetteer index exists before the first run: building it is no part of either side
        Pipeline()
        runs = 0

        def run(kind: str, **options: object) -> None:
            nonlocal reference, identical, runs, stored
            runs += 1
            seconds, stored, rows = _timed(manifest, folder / f"{kind}{runs}.db", **options)
            times[kind].append(seconds)
            if reference is None:
                reference = rows
            identical = identical and rows == reference
            print(f"  {kind}: {seconds:.1f} s, {stored} articles, {len(rows)} rows", file=sys.stderr)

        stored = 0
        for _ in range(rounds):
            # cold: a fresh process would load spaCy; here load_nlp's cache is cleared instead
            from warwatch.extract.nlp import load_nlp

            load_nlp.cache_clear()
            run("one_cold", pipeline=None)
            run("dask_cold", workers=workers)
        pipeline = Pipeline()
        pipeline.nlp  # noqa: B018 - loaded before the clock starts
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                          silence_logs=logging.ERROR) as cluster, Client(cluster, set_as_default=False) as client:
            from warwatch.distribute import Extractor

            client.register_plugin(Extractor(), name="warwatch-extractor")  # workers loaded before the clock
            rss = client.run(lambda: __import__("psutil").Process().memory_info().rss)
            for _ in range(rounds):
                run("one_warm", pipeline=pipeline)
                run("dask_warm", scheduler=cluster.scheduler_address)
    medians = {kind: statistics.median(values) for kind, values in times.items()}
    return {
        "articles": stored, "rows": len(reference or []), "rounds": rounds, "workers": workers, "copies": copies,
        "identical": identical, "seconds": medians,
        "cold_ratio": medians["one_cold"] / medians["dask_cold"],
        "warm_ratio": medians["one_warm"] / medians["dask_warm"],
        "worker_rss_mb": max(rss.values()) / 2**20,
    }


def _pg_cluster():  # type: ignore[no-untyped-def]
    """A throwaway PostgreSQL cluster as the tests start one (tests/postgres.py), but durable: fsync and
    synchronous commit on, as SQLite's WAL with synchronous=NORMAL is durable too."""
    sys.path.insert(0, str(ROOT / "tests"))
    import postgres

    folder = postgres.bindir()
    if folder is None:
        return None, None
    cluster = postgres.Cluster(folder)
    return cluster, cluster.start(durable=True)


#: what the API answers most: the dashboard's list, its map, filters, one event, free text
API_PATHS = ("/api/events?limit=50", "/api/events/points", "/api/events?event_type=Battles",
             "/api/events?since=2019-01-01&until=2023-12-31", "/api/events?q=killed", "/api/events?min_fatalities=5",
             "/api/stats/daily", "/api/facets", "/api/events?sort=-fatalities")


def _p95(client, paths: list[str], requests: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for i in range(requests):
        path = paths[i % len(paths)]
        start = time.perf_counter()
        answer = client.get(path)
        times.append(time.perf_counter() - start)
        if answer.status_code != 200:
            raise SystemExit(f"{path}: {answer.status_code} {answer.text[:200]}")
    return statistics.quantiles(times, n=20)[-1]


def measure_postgres(rounds: int = 3, requests: int = 400) -> dict | None:
    """SQLite against PostgreSQL as the store: the same ingest (pipeline loaded before the clock), and the
    API's p95 over the same requests, alternating; the ACLED exports must be identical."""
    from fastapi.testclient import TestClient

    from warwatch.pipeline import Pipeline
    from warwatch.serve.api import create_app

    cluster, server = _pg_cluster()
    if cluster is None:
        print("  PostgreSQL: no initdb/pg_ctl found, left out", file=sys.stderr)
        return None
    times: dict[str, list[float]] = {"sqlite": [], "postgres": []}
    p95: dict[str, list[float]] = {"sqlite": [], "postgres": []}
    identical, stored, rows = True, 0, 0
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            manifest = corpus(folder)
            pipeline = Pipeline()
            pipeline.nlp  # noqa: B018 - loaded before the clock starts
            reference = None
            for r in range(rounds):
                dbs = {"sqlite": str(folder / f"s{r}.db"), "postgres": server.database("bench")}
                for kind, db in dbs.items():
                    seconds, stored, found = _timed(manifest, db, pipeline=pipeline)  # type: ignore[arg-type]
                    times[kind].append(seconds)
                    reference = reference if reference is not None else found
                    identical = identical and found == reference
                    rows = len(found)
                    print(f"  {kind} ingest: {seconds:.1f} s", file=sys.stderr)
                paths = list(API_PATHS)
                with TestClient(create_app(dbs["sqlite"], tiles=None)) as one, \
                        TestClient(create_app(dbs["postgres"], tiles=None)) as two:
                    paths += [f"/api/events/{e['event_id']}" for e in one.get("/api/events?limit=5").json()["events"]]
                    for client in (one, two):
                        _p95(client, paths, 40)  # warm: connections, caches
                    for kind, client in (("sqlite", one), ("postgres", two)):
                        p95[kind].append(_p95(client, paths, requests))
                    print(f"  API p95: sqlite {p95['sqlite'][-1] * 1000:.1f} ms, postgres "
                          f"{p95['postgres'][-1] * 1000:.1f} ms", file=sys.stderr)
    finally:
        server.drop_all()
        cluster.stop()
    seconds = {k: statistics.median(v) for k, v in times.items()}
    tail = {k: statistics.median(v) for k, v in p95.items()}
    return {"articles": stored, "rows": rows, "rounds": rounds, "requests": requests, "identical": identical,
            "seconds": seconds, "p95_ms": {k: v * 1000 for k, v in tail.items()},
            "ingest_ratio": seconds["postgres"] / seconds["sqlite"], "p95_ratio": tail["postgres"] / tail["sqlite"]}


#: GDELT's daily volume of news articles, as GDELT describes its own intake
GDELT_DAILY = 730_000


def measure_gate(conflict_share: int = 10) -> dict | None:
    """The gate on a realistic mix (one conflict article in ``conflict_share``): its pass and reject rates,
    its cost against spaCy's parse, and articles per core per day through the whole ingest, gate on and off."""
    sys.path.insert(0, str(ROOT / "bench"))
    import relevance

    from warwatch.pipeline import Pipeline

    negatives, conflict = relevance.negatives(), relevance.conflict_articles()
    wanted = len(negatives) // (conflict_share - 1)
    chosen = conflict[:wanted]
    items = [*chosen, *negatives]
    neg_pass, _ = relevance.rates(negatives)
    con_pass, _ = relevance.rates(conflict)
    cost = relevance.cost_ratio([i.text for i in items][:60], repeat=10)
    out: dict = {"mix": len(items), "conflict": len(chosen), "negatives_rejected": 1 - neg_pass,
                 "conflict_passed": con_pass, "gate_ms": cost["gate_ms"], "parse_ms": cost["parse_ms"],
                 "cost_ratio": cost["ratio"], "cores": os.cpu_count() or 1}
    pipeline = Pipeline()
    pipeline.nlp  # noqa: B018 - loaded before the clock starts
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        manifest = folder / "mix.jsonl"
        with manifest.open("w", encoding="utf-8") as handle:
            for n, item in enumerate(items):
                path = folder / f"{n:04d}.txt"
                path.write_text(item.text if not item.title else f"{item.title}\n\n{item.text}", encoding="utf-8")
                handle.write(json.dumps({"path": path.name, "published": "2024-05-01"}) + "\n")
        for gate, keep in (("on", False), ("off", True)):
            seconds, stored, _ = _timed(manifest, folder / f"gate-{gate}.db", pipeline=pipeline, keep_irrelevant=keep)
            per_core_day = stored / seconds * 86400 / out["cores"]
            out[gate] = {"seconds": seconds, "articles": stored, "per_core_day": per_core_day,
                         "gdelt_cores": GDELT_DAILY / per_core_day}
            print(f"  gate {gate}: {stored} articles in {seconds:.1f} s", file=sys.stderr)
    return out


def markdown(results: dict) -> str:
    """The "## Scale" section of docs/benchmarks.md."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=ROOT).stdout.strip() or "unknown"
    lines = [HEADING, "", f"`python bench/scale.py --out docs/benchmarks.md` ({date.today().isoformat()}, commit "
             f"{commit}, Python {platform.python_version()}, {os.cpu_count()} CPUs). See docs/scale.md."]
    dask = results.get("dask")
    if dask:
        s = dask["seconds"]
        lines += [
            "", "### Dask", "",
            f"The seeds and the seven dev clusters ({dask['articles']} articles"
            + (f", each {dask['copies']} times under a new headline" if dask["copies"] > 1 else "")
            + f", {dask['rows']} ACLED rows), ingested into fresh SQLite files in one process and with "
            f"`--workers {dask['workers']}` (a LocalCluster of {dask['workers']} processes, one thread each), "
            f"alternating, {dask['rounds']} rounds, medians. Ratio: one process's wall time ÷ Dask's (above 1, "
            "Dask is faster).",
            "",
            "| run | one process (s) | Dask (s) | ratio |",
            "|---|---:|---:|---:|",
            f"| cold: spaCy and the gazetteer loaded in the run, the cluster started in it | "
            f"{s['one_cold']:.1f} | {s['dask_cold']:.1f} | **{dask['cold_ratio']:.2f}** |",
            f"| warm: loaded before the clock, the cluster already running (`--scheduler`) | "
            f"{s['one_warm']:.1f} | {s['dask_warm']:.1f} | **{dask['warm_ratio']:.2f}** |",
            "",
            "Output identical to one process's (the ACLED export, row for row, every run): "
            f"**{'yes' if dask['identical'] else 'NO'}**. A worker's memory after loading: "
            f"{dask['worker_rss_mb']:.0f} MB.",
        ]
        if (os.cpu_count() or 1) <= dask["workers"]:
            lines[-1] += (" On this machine one process already parses in two spaCy processes (from 33 articles on), "
                          "on the same cores the workers would use: the ratio says what Dask costs or saves here, "
                          "not what more cores or machines would give.")
    pg = results.get("postgres")
    if pg:
        lines += [
            "", "### PostgreSQL", "",
            f"The same {pg['articles']} articles ingested into a fresh SQLite file and a fresh PostgreSQL database "
            "(a local cluster on a Unix socket, fsync on), the pipeline loaded before the clock, alternating, "
            f"{pg['rounds']} rounds, medians; then the API's p95 over {pg['requests']} requests on each (the "
            "dashboard's list, map points, filters, free text, single events). Ratio: PostgreSQL ÷ SQLite "
            "(above 1, PostgreSQL is slower).",
            "",
            "| measure | SQLite | PostgreSQL | ratio |",
            "|---|---:|---:|---:|",
            f"| ingest (s) | {pg['seconds']['sqlite']:.1f} | {pg['seconds']['postgres']:.1f} | "
            f"**{pg['ingest_ratio']:.2f}** |",
            f"| API p95 (ms) | {pg['p95_ms']['sqlite']:.1f} | {pg['p95_ms']['postgres']:.1f} | "
            f"**{pg['p95_ratio']:.2f}** |",
            "",
            f"ACLED exports identical ({pg['rows']} rows, timestamps left out): "
            f"**{'yes' if pg['identical'] else 'NO'}**.",
        ]
    gate = results.get("gate")
    if gate:
        on, off = gate["on"], gate["off"]
        lines += [
            "", "### Relevance gate and articles per core per day", "",
            f"Gate: ordinary news rejected {gate['negatives_rejected']:.1%} (the 199 of eval/negatives), conflict "
            f"articles let through {gate['conflict_passed']:.1%} (seeds and dev clusters); "
            f"{gate['gate_ms']:.2f} ms an article against {gate['parse_ms']:.1f} ms for spaCy's parse: "
            f"**{gate['cost_ratio']:.0f}× cheaper**.",
            "",
            f"A realistic mix, one conflict article in ten: {gate['conflict']} conflict articles and "
            f"{gate['mix'] - gate['conflict']} ordinary ones, the whole ingest (read, gate, parse, geocode, fuse, "
            f"store) in one process on {gate['cores']} cores, the pipeline loaded before the clock. GDELT reads "
            f"about {GDELT_DAILY:,} articles a day.",
            "",
            "| gate | seconds | articles per core per day | cores for GDELT's daily volume |",
            "|---|---:|---:|---:|",
            f"| on (default) | {on['seconds']:.1f} | {on['per_core_day']:,.0f} | **{on['gdelt_cores']:.1f}** |",
            f"| off (`--keep-irrelevant`) | {off['seconds']:.1f} | {off['per_core_day']:,.0f} | "
            f"{off['gdelt_cores']:.1f} |",
            "",
            "Fetching the pages is not counted; a store shared by many writers is one writer at a time (see "
            "docs/scale.md), so the cores are Dask workers feeding one writer per database.",
        ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=1, help="each article this many times (new headlines)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, help=f"write (or replace) the '{HEADING}' section of this Markdown file")
    args = parser.parse_args()
    if not CLUSTERS.exists():
        sys.exit(f"{CLUSTERS} is missing: the shared evaluation data must sit beside the repository")
    results = {"dask": measure_dask(args.copies, args.rounds, args.workers),
               "postgres": measure_postgres(), "gate": measure_gate()}
    section = markdown(results)
    print(section)
    if args.out:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from sections import write_section

        write_section(args.out, HEADING, section)
    return 0 if results["dask"]["identical"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
