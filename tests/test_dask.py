"""The per-article pass on Dask workers (``--workers``, ``--scheduler``): the same store as one process.

One LocalCluster of two worker processes serves the module (each worker loads spaCy once, a few
seconds): the library is pointed at it by address, as ``--scheduler`` does.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import sys
from pathlib import Path

import cloudpickle
import pytest
from conftest import SAMPLES, require_shared, run_cli

from warwatch.distribute import loads
from warwatch.pipeline import Pipeline, ingest
from warwatch.serve.export import acled_row
from warwatch.store import Store

# the fault injected on the workers is defined here: sent by value, as workers cannot import tests
cloudpickle.register_pickle_by_value(sys.modules[__name__])

CLUSTERS = ("douma-2018", "mung-lai-hkyet-2023")  # a town's namesakes, and a village placed by its landmark


@pytest.fixture(scope="module")
def dask_client(cache_dir: Path):
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster, Client(cluster, set_as_default=False) as client:
        yield client


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One manifest of the seed articles and two dev clusters (one batch: each other's theatre)."""
    lines = []
    for folder in (SAMPLES, *(require_shared("eval", "clusters", name) for name in CLUSTERS)):
        for line in (folder / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            entry["path"] = str(folder / entry["path"])
            lines.append(json.dumps(entry))
    manifest = tmp_path_factory.mktemp("corpus") / "manifest.jsonl"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return manifest


@pytest.fixture(scope="module")
def one_process(corpus: Path, pipeline: Pipeline, tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("one") / "one.db"
    report = ingest([], db=db, manifest=corpus, pipeline=pipeline)
    assert report.stored == 17 and not report.failures
    return db


def _acled(db: Path) -> list[dict[str, str]]:
    """The ACLED export's rows, but the time each was written."""
    with Store(db) as store:
        return [{k: v for k, v in acled_row(r).items() if k != "timestamp"} for r in store.events() if r.event_date]


def _events(db: Path) -> list[dict]:
    with Store(db) as store:
        return [{k: v for k, v in dataclasses.asdict(r).items() if k not in ("id", "created_at", "updated_at")}
                for r in store.events()]


def test_workers_store_what_one_process_stores(dask_client, corpus: Path, one_process: Path, tmp_path: Path) -> None:
    db = tmp_path / "dask.db"
    report = ingest([], db=db, manifest=corpus, scheduler=dask_client.scheduler.address)
    assert report.stored == 17 and not report.failures
    assert _acled(db) == _acled(one_process) and len(_acled(db)) > 20
    assert _events(db) == _events(one_process)
    # each worker loaded spaCy and the gazetteer once, for every task it ran
    assert sorted(dask_client.run(loads).values()) == [1, 1]


def _break_on(doc_id: str) -> None:
    """On a worker: extraction raises for one article, as a bug would."""
    from warwatch.pipeline import Pipeline

    original = Pipeline._extract

    def broken(self, article, doc):  # type: ignore[no-untyped-def]
        if article.doc_id == doc_id:
            raise RuntimeError("extraction broke")
        return original(self, article, doc)

    broken.original = original  # type: ignore[attr-defined]
    Pipeline._extract = broken  # type: ignore[method-assign]


def _mend() -> None:
    from warwatch.pipeline import Pipeline

    Pipeline._extract = getattr(Pipeline._extract, "original", Pipeline._extract)  # type: ignore[method-assign]


def test_article_failing_on_a_worker_costs_only_itself(dask_client, tmp_path: Path) -> None:
    bad = next(SAMPLES.glob("002_*.txt")).stem
    dask_client.run(_break_on, bad)
    try:
        report = ingest([], db=tmp_path / "w.db", manifest=SAMPLES / "manifest.jsonl",
                        scheduler=dask_client.scheduler.address)
    finally:
        dask_client.run(_mend)
    assert [f.source for f in report.failures] == [str(SAMPLES / f"{bad}.txt")]
    assert "cannot extract events: RuntimeError: extraction broke" in report.failures[0].message
    assert report.stored == 4 and report.events


def test_stop_between_articles_then_resume(dask_client, seed_db: Path, tmp_path: Path) -> None:
    db, seen = tmp_path / "s.db", []
    address = dask_client.scheduler.address
    report = ingest([], db=db, manifest=SAMPLES / "manifest.jsonl", scheduler=address, on_article=seen.append,
                    should_stop=lambda: len(seen) >= 2)
    assert report.interrupted and report.stored == 2
    again = ingest([], db=db, manifest=SAMPLES / "manifest.jsonl", scheduler=address)
    assert again.stored == 3 and again.duplicates == 2
    assert _acled(db) == _acled(seed_db)


def test_workers_option_runs_a_local_cluster(seed_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    run_cli("ingest", "--db", str(db), "--manifest", str(SAMPLES / "manifest.jsonl"), "--workers", "1", check=True)
    assert _acled(db) == _acled(seed_db)


def test_unreachable_scheduler_is_one_line(tmp_path: Path) -> None:
    done = run_cli("ingest", "--db", str(tmp_path / "x.db"), "--manifest", str(SAMPLES / "manifest.jsonl"),
                   "--scheduler", "tcp://127.0.0.1:9", env={"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"})
    assert done.returncode == 2
    assert done.stderr.strip().startswith("error: cannot use the Dask scheduler at tcp://127.0.0.1:9: ")
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_workers_and_scheduler_exclude_each_other(tmp_path: Path) -> None:
    done = run_cli("ingest", "--db", str(tmp_path / "x.db"), "--manifest", str(SAMPLES / "manifest.jsonl"),
                   "--workers", "2", "--scheduler", "tcp://127.0.0.1:8786")
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
    assert "give one of them" in done.stderr
