"""What the reliability tests share: the profile (small in ``make test``, large in ``make reliability``),
a corpus of real articles, a running ingest, and checks of a database after a crash.

``WARWATCH_PROFILE=large`` selects the large profile. With ``WARWATCH_RELIABILITY_OUT=FILE`` set, each
test adds its figures (kills survived, rows lost, requests answered...) to that JSON file, which
``bench/reliability.py`` turns into the table of docs/reliability.md.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from conftest import SAMPLES, WARWATCH, require_shared

LARGE = os.environ.get("WARWATCH_PROFILE", "small") == "large"
#: SIGKILLs at random moments of an ingest, each followed by a check of the database
KILLS = 20 if LARGE else 3


def record(name: str, **figures: object) -> None:
    """Add a test's figures to the reliability report, when one is being written."""
    out = os.environ.get("WARWATCH_RELIABILITY_OUT")
    if not out:
        return
    path = Path(out)
    found = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    found[name] = {"profile": "large" if LARGE else "small", **figures}
    path.write_text(json.dumps(found, indent=2, sort_keys=True), encoding="utf-8")


def corpus(folder: Path) -> Path:
    """Real articles in folders with their manifests: the seven dev clusters and the seeds (47
    articles, some undated); the large profile adds the 199 ordinary news articles of the
    negatives set (246)."""
    clusters = require_shared("eval", "clusters")
    for cluster in sorted(p for p in clusters.iterdir() if p.is_dir()):
        target = folder / cluster.name
        target.mkdir(parents=True)
        for f in cluster.iterdir():
            if f.suffix in (".txt", ".jsonl"):
                shutil.copy(f, target / f.name)
    shutil.copytree(SAMPLES, folder / "seeds", ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    if LARGE:
        negatives = require_shared("eval", "negatives")
        shutil.copytree(negatives, folder / "negatives")
    return folder


def start_ingest(db: Path, *inputs: Path | str, log: Path, extra: tuple[str, ...] = ()) -> subprocess.Popen:
    """``warwatch ingest`` in its own process group (so that a kill can reach spaCy's workers too)."""
    handle = log.open("ab")
    return subprocess.Popen([*WARWATCH, "ingest", "--db", str(db), *extra, *map(str, inputs)],
                            stdout=handle, stderr=handle, start_new_session=True, env={**os.environ})


def run_ingest(db: Path, *inputs: Path | str) -> subprocess.CompletedProcess:
    result = subprocess.run([*WARWATCH, "ingest", "--db", str(db), *map(str, inputs)], capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return result


def export_rows(db: Path) -> list[str]:
    """The ACLED export, without its timestamp column (when a row was written, not what it says)."""
    result = subprocess.run([*WARWATCH, "export", "--format", "acled", "--db", str(db)], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    header = lines[0].split(",")
    assert header[-1] == "timestamp"
    return [line.rsplit(",", 1)[0] for line in lines]


def articles_and_mentions(db: Path) -> dict[str, int]:
    """content hash → number of mentions stored for it, read without the library (what is on disk)."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT a.content_hash, COUNT(m.id) FROM articles a "
                            "LEFT JOIN mentions m ON m.article_id = a.id GROUP BY a.id").fetchall()
    return dict(rows)


def check_after_crash(db: Path, whole: dict[str, int]) -> int:
    """The database after a crash: it passes SQLite's integrity check, holds no article twice, and every
    article it holds is whole (as many mentions as the uninterrupted run stored for it). Returns how
    many articles it holds."""
    if not db.exists():
        return 0
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        total, distinct = conn.execute("SELECT COUNT(*), COUNT(DISTINCT content_hash) FROM articles").fetchone()
    assert total == distinct, "an article is stored twice"
    stored = articles_and_mentions(db)
    half = {h: n for h, n in stored.items() if whole.get(h) != n}
    assert not half, f"{len(half)} article(s) stored without all their mentions"
    return total


def wait_for_articles(db: Path, proc: subprocess.Popen, at_least: int, timeout: float = 300) -> int:
    """Poll the database (read-only, as another program would) until it holds ``at_least`` articles."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
                n = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
            if n >= at_least:
                return n
        except sqlite3.OperationalError:
            pass  # not created or not migrated yet
        time.sleep(0.02)
    return -1


def kill_group(proc: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)
    proc.wait(timeout=60)


PYTHON = sys.executable
