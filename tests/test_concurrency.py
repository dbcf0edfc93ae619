"""Concurrent use: the web app keeps answering while an ingest writes, and a second ingest into the
same database waits for the first on a lock that the operating system releases when its holder dies.

Real processes: ``warwatch serve`` on 127.0.0.1 and ``warwatch ingest`` as a user runs them, the
database a real SQLite file. No timing is asserted here; the large profile records the latency.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import statistics
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from conftest import SAMPLES, WARWATCH
from reliability import (
    LARGE,
    articles_and_mentions,
    check_after_crash,
    corpus,
    kill_group,
    record,
    start_ingest,
)

ENDPOINTS = ["/api/events?limit=100", "/api/events/points", "/api/stats/daily", "/api/facets",
             "/api/events.csv", "/api/events?q=killed&sort=-fatalities"]


@pytest.fixture(scope="module")
def articles(tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> Path:
    return corpus(tmp_path_factory.mktemp("corpus"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _sample(client: httpx.Client, rounds: int, answers: list[tuple[int, str, float]]) -> None:
    for _ in range(rounds):
        for path in ENDPOINTS:
            began = time.perf_counter()
            response = client.get(path)
            answers.append((response.status_code, response.text[:2000], time.perf_counter() - began))


def _p95(answers: list[tuple[int, str, float]]) -> float:
    return statistics.quantiles([t for _s, _b, t in answers], n=20)[-1]


def test_the_web_app_keeps_answering_while_an_ingest_writes(tmp_path, seed_db, articles):
    db = tmp_path / "busy.db"
    db.write_bytes(seed_db.read_bytes())
    port = _free_port()
    server_log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen([*WARWATCH, "serve", "--db", str(db), "--port", str(port), "--tiles", "none"],
                              stdout=server_log, stderr=server_log, start_new_session=True)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            for _ in range(300):
                try:
                    if client.get("/api/config").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            idle: list[tuple[int, str, float]] = []
            _sample(client, 10 if LARGE else 2, idle)
            ingest = start_ingest(db, articles, log=tmp_path / "ingest.log")
            busy: list[tuple[int, str, float]] = []
            while ingest.poll() is None:
                _sample(client, 1, busy)
            assert ingest.returncode == 0, (tmp_path / "ingest.log").read_text(errors="replace")
            after = client.get("/api/events?limit=1000").json()
    finally:
        kill_group(server, signal.SIGTERM)
    said = (tmp_path / "serve.log").read_text(errors="replace")
    assert len(busy) >= len(ENDPOINTS), "the ingest ended before the server was asked anything"
    failed = [(status, body[:200]) for status, body, _t in idle + busy if status != 200]
    assert not failed, failed
    assert not any("locked" in body for _s, body, _t in busy)
    assert "locked" not in said and "Traceback" not in said
    assert after["total"] > len(idle and [1])  # what the ingest stored is served
    ratio = _p95(busy) / _p95(idle)
    record("serve_during_ingest", requests=len(busy), errors=0, locked=0, p95_idle_ms=round(_p95(idle) * 1000, 1),
           p95_busy_ms=round(_p95(busy) * 1000, 1), p95_ratio=round(ratio, 2))
    if LARGE:
        assert ratio <= 2.0, f"p95 under ingest is {ratio:.1f}× the idle p95"


def _lock_holder(db: Path, proc: subprocess.Popen, timeout: float = 120) -> int:
    """The pid written in the lock file once ``proc`` holds the writer lock."""
    lock = Path(f"{db}.lock")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        text = lock.read_text() if lock.exists() else ""
        if text.strip() == str(proc.pid):
            return proc.pid
        time.sleep(0.02)
    raise AssertionError("the first ingest never took the lock")


def _alive_in_group(pgid: int) -> list[int]:
    """Processes of a process group that are still running (not zombies waiting to be reaped)."""
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            alive.append(int(entry.name))
    return alive


def test_a_second_ingest_waits_for_the_first_and_gives_up_after_its_wait(tmp_path, articles):
    db = tmp_path / "shared.db"
    first = start_ingest(db, articles, log=tmp_path / "first.log")
    try:
        pid = _lock_holder(db, first)
        impatient = subprocess.run([*WARWATCH, "ingest", "--db", str(db), "--wait", "1",
                                    "--manifest", str(SAMPLES / "manifest.jsonl")],
                                   capture_output=True, text=True, timeout=120)
        patient = start_ingest(db, "--manifest", str(SAMPLES / "manifest.jsonl"), log=tmp_path / "second.log",
                               extra=("--wait", "300"))
        patient.wait(timeout=300)
        first.wait(timeout=300)
    finally:
        kill_group(first)
    assert impatient.returncode == 3, impatient.stderr
    assert f"another ingest (pid {pid}) is still writing to this database" in impatient.stderr
    assert "Traceback" not in impatient.stderr
    assert impatient.stderr.strip().splitlines()[-1].startswith("error: another ingest")  # one line, at the end
    said = (tmp_path / "second.log").read_text(errors="replace")
    assert first.returncode == 0 and patient.returncode == 0, said
    assert f"another ingest (pid {pid}) is writing to {db}: waiting for it" in said
    assert "0 article(s) stored, 5 already stored" in said  # the seeds are in the corpus: stored once
    stored = articles_and_mentions(db)
    assert check_after_crash(db, stored) == len(stored)


def test_the_lock_dies_with_its_holder_and_so_do_its_workers(tmp_path, articles):
    db = tmp_path / "orphaned.db"
    first = start_ingest(db, articles, log=tmp_path / "first.log")
    _lock_holder(db, first)
    time.sleep(2)  # into its parse: spaCy's two workers are running
    os.kill(first.pid, signal.SIGKILL)  # `kill -9 PID`: the main process only, as a user would
    first.wait(timeout=60)
    deadline = time.monotonic() + 30
    while _alive_in_group(first.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive_in_group(first.pid), "spaCy's workers outlived the ingest that forked them"
    assert Path(f"{db}.lock").exists()  # the file stays; the lock on it went with its holder
    # the next ingest takes the lock at once and stores what it is given: the five seeds (what the killed one
    # stored of them before it died, if anything, counted as already stored) are enough to show it
    seeds = articles / "seeds"
    second = subprocess.run([*WARWATCH, "ingest", "--db", str(db), "--wait", "5", str(seeds)],
                            capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    assert "waiting for it" not in second.stderr
    done = re.search(r"(\d+) article\(s\) stored, (\d+) already stored, 0 skipped", second.stderr)
    assert done and int(done[1]) + int(done[2]) == sum(1 for _ in seeds.glob("*.txt")) == 5, second.stderr
    stored = articles_and_mentions(db)
    assert check_after_crash(db, stored) == len(stored) >= 5


def test_an_ingest_request_waits_a_little_for_the_writer_then_answers_503(seed_copy, pipeline, monkeypatch):
    """The web app's ingest takes the same writer lock: while another ingest holds the database, a
    request is answered 503 after a short wait, not kept open, and nothing is stored twice."""
    import json
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from warwatch.serve import api
    from warwatch.store.lock import WriterLock

    monkeypatch.setattr(api, "INGEST_WAIT", 0.5)
    token = "a-long-enough-test-token-0123456789"
    client = TestClient(api.create_app(seed_copy, allow_ingest=True, token=token, tiles=None, pipeline=pipeline))
    body = json.dumps({"title": "Shelling in Idlib", "text": "Shelling killed three people in Maarat al-Numan, "
                       "Idlib, on Monday, activists said.", "published": "2018-09-10"})
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson"}
    with WriterLock(seed_copy, wait=0):  # another writer, in another thread of this process or elsewhere
        busy = client.post("/api/ingest", content=body, headers=headers)
    assert busy.status_code == 503 and "another ingest" in busy.json()["message"], busy.text
    done = client.post("/api/ingest", content=body, headers=headers)
    assert done.status_code == 200 and done.json()["stored"] == 1, done.text
