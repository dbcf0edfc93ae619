"""``warwatch backup``: a consistent copy of a real SQLite store, taken while a writer is busy,
that passes SQLite's integrity check and serves the same events."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import time
import warnings
from pathlib import Path

import httpx
import pytest
from conftest import SAMPLES, WARWATCH, run_cli
from served import serving

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's test client warns about its httpx transport
    from fastapi.testclient import TestClient

from warwatch.errors import InputError
from warwatch.serve.api import create_app
from warwatch.store.backup import backup, check, sqlite_file

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def listed(db: Path) -> list[dict]:
    """Every event the API lists over ``db``, with all its fields."""
    with TestClient(create_app(db, tiles=None)) as client:
        body = client.get("/api/events", params={"limit": 1000, "sort": "event_date"}).json()
    assert body["total"] == len(body["events"])
    return body["events"]


def integrity(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [row[0] for row in conn.execute("PRAGMA integrity_check")]


def whole_articles(db: Path) -> dict[str, tuple[int, int, int]]:
    """Per article (by content hash): its reports, mentions and claims."""
    with sqlite3.connect(db) as conn:
        return {row[0]: row[1:] for row in conn.execute(
            "SELECT a.content_hash,"
            " (SELECT count(*) FROM reports r WHERE r.article_id = a.id),"
            " (SELECT count(*) FROM mentions m WHERE m.article_id = a.id),"
            " (SELECT count(*) FROM claims c WHERE c.article_id = a.id) FROM articles a")}


def test_a_backup_passes_the_integrity_check_and_serves_the_same_events(seed_db, tmp_path):
    out = tmp_path / "copy.db"
    done = run_cli("backup", "--db", str(seed_db), str(out))
    assert done.returncode == 0, done.stderr
    original = listed(seed_db)
    assert len(original) >= 10
    # one line: the file, its size and what it holds
    [line] = done.stderr.strip().splitlines()
    assert str(out) in line and f"{out.stat().st_size:,} bytes" in line
    assert f"5 article(s), {len(original)} event(s)" in line
    assert integrity(out) == ["ok"]
    assert listed(out) == original  # ids and every field
    assert whole_articles(out) == whole_articles(seed_db)
    with TestClient(create_app(out, tiles=None)) as client:
        first = original[0]["event_id"]
        assert client.get(f"/api/events/{first}").json() == TestClient(create_app(seed_db, tiles=None)).get(
            f"/api/events/{first}").json()


def test_a_writer_holding_its_transaction_neither_blocks_the_backup_nor_leaks_into_it(seed_copy, tmp_path):
    """A half-written article (its row in, its mentions not yet) inside an open write transaction:
    the backup goes ahead and holds the store as it was at the last commit."""
    before = whole_articles(seed_copy)
    writer = sqlite3.connect(seed_copy, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO articles (content_hash, title, text, ingested_at) "
                       "VALUES ('half-written', 'Half', 'Jets struck.', '2024-01-01 00:00:00')")
        during = backup(seed_copy, tmp_path / "during.db")
        assert during.articles == len(before)
        assert whole_articles(tmp_path / "during.db") == before
        writer.execute("COMMIT")
    finally:
        writer.close()
    after = backup(seed_copy, tmp_path / "after.db")
    assert after.articles == len(before) + 1 and "half-written" in whole_articles(tmp_path / "after.db")


def article_folder(folder: Path, copies: int) -> Path:
    """The seed articles, each ``copies`` times under another title: distinct texts, so each is stored."""
    folder.mkdir()
    for k in range(copies):
        for sample in sorted(SAMPLES.glob("*.txt")):
            title, rest = sample.read_text(encoding="utf-8").split("\n", 1)
            (folder / f"v{k}_{sample.name}").write_text(f"{title} (update {k})\n{rest}", encoding="utf-8")
    return folder


def test_backups_taken_while_an_ingest_writes_hold_only_whole_articles(seed_copy, tmp_path):
    # 15 new articles, each stored in a transaction of its own: commits enough for backups to fall between
    # (the copies are taken back to back, each in milliseconds), and every one is checked whole below
    folder = article_folder(tmp_path / "articles", copies=3)
    start = len(whole_articles(seed_copy))
    ingest = subprocess.Popen([*WARWATCH, "ingest", "--db", str(seed_copy), "--published", "2018-09-10",
                               str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    backups: list[tuple[Path, int]] = []
    try:
        while ingest.poll() is None and len(backups) < 60:
            out = tmp_path / f"backup-{len(backups)}.db"
            n = backup(seed_copy, out).articles
            if n == start and backups:  # nothing stored yet (the pipeline loads): one such copy is enough
                out.unlink()
                time.sleep(0.05)
                continue
            backups.append((out, n))  # back to back while the ingest stores
    finally:
        _, errors = ingest.communicate(timeout=300)
    assert ingest.returncode == 0, errors
    final = whole_articles(seed_copy)
    assert len(final) == start + 15
    during = [(path, n) for path, n in backups if n > start]
    assert during, "no backup was taken after the ingest's first commit"
    for path, n in backups:
        assert integrity(path) == ["ok"], path
        assert check(path)[0] == n
        copy = whole_articles(path)
        # each article in the copy has all the reports, mentions and claims it has at the end: whole
        assert copy == {h: final[h] for h in copy}, path
    # a server started on a backup taken mid-ingest answers, over what that backup holds
    path, n = during[0]
    with serving("--db", str(path)) as server:
        answer = httpx.get(server.url + "/api/events", params={"limit": 1}, timeout=30)
    assert answer.status_code == 200 and answer.json()["total"] >= 1


def test_force_replaces_the_file_in_one_rename(seed_db, tmp_path):
    out = tmp_path / "b.db"
    out.write_bytes(b"an older backup")
    with pytest.raises(InputError, match="exists"):
        backup(seed_db, out)
    assert out.read_bytes() == b"an older backup"
    done = run_cli("backup", "--db", str(seed_db), str(out), "--force")
    assert done.returncode == 0, done.stderr
    assert integrity(out) == ["ok"] and check(out)[0] == 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.db"]  # no partial file left behind


@pytest.mark.parametrize(("what", "message"), [
    ("missing database", "no database at"),
    ("missing folder", "does not exist"),
    ("existing file", "exists: give another name, or --force"),
    ("not a database", "is not a SQLite database"),
    ("PostgreSQL", "pg_dump"),
])
def test_bad_paths_are_one_line_errors(what, message, seed_db, tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database at all\n" * 100)
    db, out = {
        "missing database": (str(tmp_path / "nope.db"), tmp_path / "b.db"),
        "missing folder": (str(seed_db), tmp_path / "no" / "such" / "b.db"),
        "existing file": (str(seed_db), junk),
        "not a database": (str(junk), tmp_path / "b.db"),
        "PostgreSQL": ("postgresql+psycopg://warwatch@db.internal/warwatch", tmp_path / "b.db"),
    }[what]
    done = run_cli("backup", "--db", db, str(out))
    # a PostgreSQL URL goes to pg_dump: with no server there, a store error (3)
    assert done.returncode == (3 if what == "PostgreSQL" else 2), done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("error: ") and message in line and "Traceback" not in done.stderr
    assert not (tmp_path / "b.db").exists() and junk.read_text().startswith("not a database")
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


def test_database_urls():
    assert sqlite_file("sqlite:///relative/w.db") == Path("relative/w.db")
    assert sqlite_file("sqlite:////abs/w.db") == Path("/abs/w.db")
    assert sqlite_file("warwatch.db") == Path("warwatch.db")
    for url in ("postgresql://u@h/db", "postgres://h/db", "postgresql+psycopg://u:p@h:5432/db"):
        with pytest.raises(InputError, match="pg_dump"):
            sqlite_file(url)
    with pytest.raises(InputError, match="mysql"):
        sqlite_file("mysql+pymysql://h/db")
    with pytest.raises(InputError, match="in-memory"):
        sqlite_file("sqlite://")


def test_a_backup_of_a_backup_copies_a_file_at_rest(seed_db, tmp_path):
    first = backup(seed_db, tmp_path / "one.db")
    shutil.copy(first.path, tmp_path / "plain.db")
    second = backup(tmp_path / "plain.db", tmp_path / "two.db")
    assert (second.articles, second.events) == (first.articles, first.events)
    assert listed(second.path) == listed(seed_db)
