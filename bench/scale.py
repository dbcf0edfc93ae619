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

The PostgreSQL and relevance-gate parts of this benchmark are stubs (``measure_postgres``,
``measure_gate``): they return None and are left out of the section until written.
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


def measure_postgres() -> dict | None:
    """PostgreSQL against SQLite as the store: to be written (the coordinator's part)."""
    return None


def measure_gate() -> dict | None:
    """The relevance gate's share of the scaled-out run: to be written (the coordinator's part)."""
    return None


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
    if results.get("postgres"):
        lines += ["", "### PostgreSQL", "", "(the coordinator's part)"]
    if results.get("gate"):
        lines += ["", "### Relevance gate", "", "(the coordinator's part)"]
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
