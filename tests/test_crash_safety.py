"""Crash safety: an ingest killed at any moment, or stopped by a signal, loses nothing stored, stores
nothing twice or by halves, and once run again leaves the same event table as a run never stopped.

Real processes and real signals: ``warwatch ingest`` runs as a user starts it, is sent SIGKILL
(to its whole process group, spaCy's workers included) at random moments, and the SQLite file is
then opened as any other program would open it.
"""

from __future__ import annotations

import random
import signal
import time
from pathlib import Path

import pytest
from reliability import (
    KILLS,
    LARGE,
    articles_and_mentions,
    check_after_crash,
    corpus,
    export_rows,
    kill_group,
    record,
    run_ingest,
    start_ingest,
    wait_for_articles,
)

from warwatch.pipeline import BATCH_SIZE


@pytest.fixture(scope="module")
def articles(tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> Path:
    return corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory, articles: Path) -> tuple[list[str], dict[str, int], float]:
    """The export and the mentions per article of one run never stopped, and how long it took."""
    db = tmp_path_factory.mktemp("whole") / "whole.db"
    began = time.monotonic()
    run_ingest(db, articles)
    took = time.monotonic() - began
    return export_rows(db), articles_and_mentions(db), took


def test_an_ingest_killed_at_random_moments_resumes_to_the_same_table(tmp_path, articles, uninterrupted):
    rows, whole, _took = uninterrupted
    db, log = tmp_path / "killed.db", tmp_path / "ingest.log"
    rng = random.Random(14)
    held: list[int] = []  # articles the file held after each kill
    rounds = 0  # runs taken to the end, each checked against the uninterrupted one

    def round_done() -> None:
        nonlocal rounds
        assert check_after_crash(db, whole) == len(whole)
        assert export_rows(db) == rows
        rounds += 1
        for path in [db, *db.parent.glob(db.name + "-*")]:
            path.unlink()

    now = 0
    while len(held) < KILLS:
        proc = start_ingest(db, articles, log=log)
        # half the kills while it reads and parses (nothing stored yet by this run), half while it stores
        left = len(whole) - now
        goal = (now + rng.randrange(1, left - 1)) if left > 2 and rng.random() < 0.5 else 0
        if goal:
            wait_for_articles(db, proc, goal)
            time.sleep(rng.uniform(0, 0.05))
        else:
            time.sleep(rng.uniform(0.2, 3.0))
        if proc.poll() is not None:  # it got to the end first: this round is over, the next starts afresh
            assert proc.returncode == 0, log.read_text(errors="replace")
            round_done()
            now = 0
            continue
        kill_group(proc)
        now = check_after_crash(db, whole)
        held.append(now)
    run_ingest(db, articles)  # the same command again, to the end
    round_done()
    record("sigkill", kills=len(held), rounds=rounds, articles=len(whole), events=len(rows) - 1, held_at_kills=held,
           rows_lost=0, export_identical=True)


#: The stops each test makes in turn on one database, each run after the first being the same command run
#: again, resuming where the previous stop left it. The small profile stops twice in one test: SIGTERM
#: to the process (as a service manager stops it), then Ctrl-C to the whole group on the resumed run,
#: then runs it to the end. That is both signals' paths, each checked as the large profile checks it
#: (exit status, message, database whole), and a resume after each, for one uninterrupted resume and
#: export fewer than two tests would cost. The large profile also stops a fresh run with each alone.
STOPS = [(signal.SIGTERM,), (signal.SIGINT,), (signal.SIGTERM, signal.SIGINT)] if LARGE else [
    (signal.SIGTERM, signal.SIGINT)]


@pytest.mark.parametrize("signals", STOPS, ids=lambda sigs: "-then-".join(signal.Signals(s).name for s in sigs))
def test_a_signal_stops_between_articles_saying_how_far_it_got(tmp_path, articles, uninterrupted, signals):
    rows, whole, _took = uninterrupted
    db = tmp_path / "stopped.db"
    held = 0  # articles the file holds: none before the first run
    for run, sig in enumerate(signals):
        # more than two batches to read: the run parses in spaCy's worker processes, which Ctrl-C reaches too
        assert len(whole) - held > 2 * BATCH_SIZE, f"only {len(whole) - held} article(s) left to read"
        log = tmp_path / f"ingest-{run}.log"
        proc = start_ingest(db, articles, log=log)
        assert wait_for_articles(db, proc, held + 1) > held, "the ingest ended before it stored a new article"
        if sig == signal.SIGINT:
            kill_group(proc, sig)  # Ctrl-C in a terminal reaches the whole group
        else:
            proc.send_signal(sig)  # `kill PID`, as a service manager stops it
            proc.wait(timeout=120)
        said = log.read_text(errors="replace")
        assert proc.returncode == 128 + sig, said
        assert "Traceback" not in said
        name = "SIGTERM" if sig == signal.SIGTERM else "Ctrl-C"
        assert f"stopped by {name} after storing" in said and "run the same command again" in said
        assert f", {held} already stored" in said  # a run resumed: what the last stop left is not read again
        stopped_at = check_after_crash(db, whole)
        assert held < stopped_at < len(whole)
        held = stopped_at
    again = run_ingest(db, articles)
    assert f", {held} already stored" in again.stderr
    assert export_rows(db) == rows
    if len(signals) == 1:
        record(f"signal_{name}", stopped_after=held, articles=len(whole), rows_lost=0, export_identical=True)
