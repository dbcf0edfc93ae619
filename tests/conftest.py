"""Shared fixtures: the real spaCy pipeline, a real SQLite file built from the seed articles, and a real
PostgreSQL server (tests/postgres.py) with the same seeds ingested into it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from postgres import Cluster, Server, bindir, describe, unavailable, unavailable_now

from warwatch.models import Article, Evidence, Toponym

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "src" / "warwatch" / "samples"


def article(doc: str, published: date | None = None, outlet: str | None = None) -> Article:
    """A seed article as ingest reads it: the first line is the title, offsets are into the whole text."""
    path = next(SAMPLES.glob(f"{doc}_*.txt"))
    raw = path.read_text(encoding="utf-8")
    return Article(text=raw, title=raw.split("\n", 1)[0], published=published, outlet=outlet,
                   path=str(path), doc_id=path.stem)


def sentence(art: Article, start_words: str) -> Evidence:
    """The sentence of the article that starts with these words, with its offsets."""
    start = art.text.index(start_words)
    end = re.compile(r"[.!?](?=\s|$)").search(art.text, start).end()
    return Evidence(start=start, end=end, text=art.text[start:end])


def toponym(art: Article, ev: Evidence, name: str) -> Toponym:
    """The first occurrence of ``name`` in (or after the start of) the sentence."""
    start = art.text.index(name, ev.start)
    return Toponym(text=name, start=start, end=start + len(name))


# The evaluation material (scorer, gold, dev clusters) lives in ../shared beside the checkout, never at
# an absolute path, so the floors run wherever the two folders sit side by side (CI included).
SHARED = ROOT.parent / "shared"
WARWATCH = [sys.executable, "-m", "warwatch.cli"]


def require_shared(*parts: str) -> Path:
    """The path ``SHARED/parts``; where it is missing the test skips, except under CI=true where it fails.

    Call it inside a test or fixture (not at import time): a silent skip in CI would hide a floor that
    no longer runs, which is why CI turns the skip into a failure.
    """
    path = SHARED.joinpath(*parts)
    if not path.exists():
        message = (f"{path} is missing: the shared evaluation data is expected at {SHARED} "
                   "(a folder named 'shared' beside the repository)")
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; CI=true, so the floors that need it must not skip", pytrace=False)
        pytest.skip(message)
    return path


def run_cli(*args: str, env: dict | None = None, check: bool = False) -> subprocess.CompletedProcess:
    """Run the real command line in a fresh process, as a user would."""
    full_env = {**os.environ, **(env or {})}
    result = subprocess.run([*WARWATCH, *args], capture_output=True, text=True, env=full_env, timeout=300)
    if check and result.returncode != 0:
        raise AssertionError(f"warwatch {' '.join(args)} failed: {result.stderr}")
    return result


@pytest.fixture(scope="session")
def cache_dir() -> Path:
    """The user's own cache ($WARWATCH_CACHE, else the XDG cache): the gazetteer index is named by a hash
    of its data and building code, so one built by an earlier run (or by warwatch itself) is reused
    only when it is the same, and only the first run of a checkout pays the ~70 s build."""
    from warwatch.config import cache_dir as user_cache

    path = user_cache()
    os.environ["WARWATCH_CACHE"] = str(path)
    return path


@pytest.fixture(scope="session")
def pipeline(cache_dir: Path):
    from warwatch.pipeline import Pipeline

    return Pipeline()


@pytest.fixture(scope="session")
def seed_db(tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> Path:
    """The five bundled seed articles ingested through the CLI with their manifest."""
    db = tmp_path_factory.mktemp("seeds") / "seeds.db"
    run_cli("ingest", "--db", str(db), "--manifest", str(SAMPLES / "manifest.jsonl"), check=True)
    return db


@pytest.fixture(scope="session")
def mixed_db(tmp_path_factory: pytest.TempPathFactory, seed_db: Path) -> Path:
    """The seed database plus a report whose village no gazetteer holds (tests/data/unplaced): the
    seeds all resolve, and the "unlocated" filters need an event without coordinates."""
    db = tmp_path_factory.mktemp("mixed") / "mixed.db"
    shutil.copy(seed_db, db)
    run_cli("ingest", "--db", str(db), "--manifest", str(ROOT / "tests" / "data" / "unplaced" / "manifest.jsonl"),
            check=True)
    from warwatch.store import Store

    with Store(db) as store:
        unlocated = [r for r in store.events() if not r.located]
    assert [r.location for r in unlocated] == ["Maaret al-Naasan"], "the unplaced village has been placed"
    return db


@pytest.fixture()
def seed_copy(seed_db: Path, tmp_path: Path) -> Path:
    """A private copy of the seed database, for tests that write."""
    target = tmp_path / "seeds.db"
    shutil.copy(seed_db, target)
    return target


@pytest.fixture(scope="module")
def client(seed_db: Path):
    """The API over the seed store, read-only and with no tiles."""
    from fastapi.testclient import TestClient

    from warwatch.serve.api import create_app

    with TestClient(create_app(seed_db, tiles=None)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def mixed_client(mixed_db: Path):
    """The API over the seed store plus one unlocated event (``mixed_db``)."""
    from fastapi.testclient import TestClient

    from warwatch.serve.api import create_app

    with TestClient(create_app(mixed_db, tiles=None)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def mixed_stored(mixed_db: Path):
    """The events of ``mixed_db`` as the store lists them."""
    from warwatch.store import Store

    with Store(mixed_db) as store:
        return store.events()


@pytest.fixture(scope="module")
def stored(seed_db: Path):
    """The seed events as the store itself lists them (the reference the API is checked against)."""
    from warwatch.store import Store

    with Store(seed_db) as store:
        return store.events()


# --- PostgreSQL (see tests/postgres.py) ---------------------------------------------------------------


def pytest_report_header(config: pytest.Config) -> str:
    return describe()


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    reasons = {str(report.longrepr[2]) for report in terminalreporter.stats.get("skipped", [])
               if isinstance(report.longrepr, tuple) and str(report.longrepr[2]).startswith("Skipped: PostgreSQL:")}
    for reason in sorted(reasons):
        terminalreporter.write_line(reason.removeprefix("Skipped: "), yellow=True)


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server: $WARWATCH_TEST_PG_URL's, or a throwaway cluster for this session."""
    url = os.environ.get("WARWATCH_TEST_PG_URL")
    if url:
        server = Server(admin_url=url)
        yield server
        server.drop_all()
        return
    folder = bindir()
    if folder is None:
        unavailable_now(unavailable())
    cluster = Cluster(folder)
    try:
        server = cluster.start()
    except (RuntimeError, OSError, subprocess.SubprocessError) as error:
        cluster.stop()
        unavailable_now(f"cannot start a throwaway cluster from {folder}: {error}")
    try:
        yield server
    finally:
        cluster.stop()


@pytest.fixture()
def pg_url(pg_server: Server) -> str:
    """The SQLAlchemy URL of a new, empty PostgreSQL database."""
    return pg_server.database()


@pytest.fixture(scope="session")
def pg_seed_db(pg_server: Server, cache_dir: Path) -> str:
    """``seed_db`` on PostgreSQL: the seed articles ingested through the CLI into a database of their own."""
    url = pg_server.database("seeds")
    run_cli("ingest", "--db", url, "--manifest", str(SAMPLES / "manifest.jsonl"), check=True)
    return url


@pytest.fixture
def web():
    """A real HTTP server on 127.0.0.1 whose routes the test sets (tests/webserver.py)."""
    from webserver import WebServer

    with WebServer() as server:
        yield server
