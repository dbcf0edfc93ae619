"""``warwatch reprocess``: stored articles read again, events fused again, ids kept, changes reported.

Each test builds a real database, changes it as an older release would have left it (its mentions
edited in SQL, then the store's own rebuild of reports and events from the mentions), reprocesses
it with the real pipeline, and checks the summary and that the export equals a fresh ingest's.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
from datetime import date, timedelta
from pathlib import Path

from conftest import SAMPLES, require_shared, run_cli
from sqlalchemy import insert, select, update

from warwatch.pipeline import Pipeline
from warwatch.reprocess import Change, reprocess
from warwatch.serve.export import export_acled
from warwatch.store import Store
from warwatch.store.schema import events, mentions, reports


def _dump(db: Path) -> list[str]:
    """Every row of every table (the full-text index aside: it is derived from mentions)."""
    with sqlite3.connect(db) as conn:
        return [line for line in conn.iterdump() if "mentions_fts" not in line]


def _acled(db: Path, *, ids: bool = True) -> list[dict[str, str]]:
    """The ACLED export's rows without the timestamp column (the time a row last changed)."""
    out = io.StringIO()
    with Store(db) as store:
        export_acled(store, out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    for row in rows:
        del row["timestamp"]
        if not ids:
            del row["event_id_cnty"]
    return rows if ids else sorted(rows, key=lambda r: json.dumps(r, sort_keys=True))


def _sql(db: Path, *statements: tuple[str, tuple]) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA foreign_keys=ON")
        for statement, args in statements:
            conn.execute(statement, args)


def _rebuild(db: Path) -> None:
    """Reports and events made again from the (edited) mentions: a database as the old release left it."""
    with Store(db) as store:
        store.refuse(rebuild=True)


def _event_pk(db: Path, name: str) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT id FROM events WHERE event_id_cnty = ?", (name,)).fetchone()[0]


def _names(db: Path) -> dict[int, str]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT id, event_id_cnty FROM events WHERE merged_into IS NULL").fetchall())


def test_unchanged_pipeline_changes_nothing(seed_copy: Path, tmp_path: Path) -> None:
    before = _dump(seed_copy)
    exports = {}
    for fmt in ("acled", "json", "geojson"):
        exports[fmt] = run_cli("export", "--format", fmt, "--db", str(seed_copy), check=True).stdout
    done = run_cli("reprocess", "--db", str(seed_copy), check=True)
    assert ("5 of 5 article(s) reprocessed, 0 skipped, 0 dated from their URL; 19 event(s) kept, 0 added, "
            "0 removed, 0 merged") in done.stderr
    assert "What changed" not in done.stdout
    assert _dump(seed_copy) == before  # every row, every id, every timestamp
    for fmt, text in exports.items():
        assert run_cli("export", "--format", fmt, "--db", str(seed_copy), check=True).stdout == text


def test_changes_are_reported_and_undone(seed_db: Path, seed_copy: Path, pipeline: Pipeline) -> None:
    """Re-dated, re-placed, re-typed, toll changed: each reported on its event, whose id stays."""
    fresh = _acled(seed_db)
    moved = json.dumps({"text": "Elsewhere", "name": "Aleppo", "lat": 36.2, "lon": 37.16, "country": "SY",
                        "admin1": "Aleppo", "geo_precision": 1, "gazetteer_id": "test:1"})
    _sql(seed_copy,
         ("UPDATE mentions SET event_date = ? WHERE event_id = ?", (date(2018, 9, 1), _event_pk(seed_copy, "SYR9"))),
         ("UPDATE mentions SET place = ? WHERE event_id = ?", (moved, _event_pk(seed_copy, "SYR17"))),
         ("UPDATE mentions SET event_type = 'Battles', sub_event_type = 'Armed clash' WHERE event_id = ?",
          (_event_pk(seed_copy, "SYR1"),)),
         ("UPDATE mentions SET fatalities = 99 WHERE event_id = ?", (_event_pk(seed_copy, "SYR10"),)))
    _rebuild(seed_copy)
    old = {r["event_id_cnty"]: r for r in _acled(seed_copy)}
    assert old["SYR9"]["event_date"] == "2018-09-01" and old["SYR17"]["location"] == "Aleppo"
    assert old["SYR1"]["event_type"] == "Battles" and old["SYR10"]["fatalities"] == "99"

    report = reprocess(seed_copy, pipeline=pipeline)
    assert report.reprocessed == 5 and not report.failures
    assert report.redated == [Change("SYR9", "2018-09-01", "2018-09-07")]
    assert [(c.event, c.before.split(",")[0], c.after.split(",")[0]) for c in report.replaced] == \
        [("SYR17", "Aleppo", "Kansafrah")]
    assert report.retyped == [Change("SYR1", "Battles / Armed clash", "Explosions/Remote violence / Air/drone strike")]
    assert report.tolls == [Change("SYR10", "99", "20")]
    assert not (report.added or report.removed or report.merged) and report.kept == 19
    assert _acled(seed_copy) == fresh  # the same ids, the same rows as a fresh ingest


def test_added_and_removed(seed_db: Path, seed_copy: Path, pipeline: Pipeline) -> None:
    """An incident the old release missed is added; one it read in no sentence of today's is removed."""
    missed = _event_pk(seed_copy, "SYR13")
    with sqlite3.connect(seed_copy) as conn:
        fake = conn.execute("SELECT id, article_id FROM mentions WHERE event_id = ?",
                            (_event_pk(seed_copy, "SYR16"),)).fetchone()
        columns = [r[1] for r in conn.execute("PRAGMA table_info(mentions)") if r[1] not in ("id",)]
    listed = ", ".join(columns)
    # the old release also read an event in the title line, where this one reads none
    copied = listed.replace("sentence_start", "0").replace("sentence_end", "5").replace("toponym_start", "1")
    _sql(seed_copy,
         ("DELETE FROM claims WHERE event_id = ?", (missed,)),
         ("DELETE FROM mentions WHERE event_id = ?", (missed,)),
         ("DELETE FROM reports WHERE event_id = ?", (missed,)),
         ("DELETE FROM events WHERE id = ?", (missed,)),
         (f"INSERT INTO mentions ({listed}) SELECT {copied} FROM mentions WHERE id = ?", (fake[0],)),
         ("UPDATE mentions SET event_date = '2019-08-01', toponym_text = 'Nowhere', place = NULL"
          " WHERE sentence_start = 0 AND article_id = ?", (fake[1],)))
    with Store(seed_copy) as store:
        # the copied mention sits in SYR16's report: give it a report and an event of its own, as
        # an old release would have stored it
        with store.engine.begin() as conn:
            row = conn.execute(select(mentions).where(mentions.c.sentence_start == 0)).one()
            report = conn.execute(select(reports).where(reports.c.id == row.report_id)).one()
            values = {k: v for k, v in report._mapping.items() if k != "id"}
            new_report = conn.execute(insert(reports).values(**dict(values, ordinal=9))).inserted_primary_key[0]
            conn.execute(update(mentions).where(mentions.c.id == row.id).values(report_id=new_report))
            event = conn.execute(select(events).where(events.c.id == report.event_id)).one()
            ev = {k: v for k, v in event._mapping.items() if k not in ("id", "event_id_cnty")}
            new_event = conn.execute(insert(events).values(**ev)).inserted_primary_key[0]
            conn.execute(update(reports).where(reports.c.id == new_report).values(event_id=new_event))
            conn.execute(update(mentions).where(mentions.c.id == row.id).values(event_id=new_event))
        store.refuse(rebuild=True)
    names = _names(seed_copy)
    assert "SYR13" not in names.values() and len(names) == 19
    invented = names[new_event]

    report = reprocess(seed_copy, pipeline=pipeline)
    assert report.removed == [invented]
    assert len(report.added) == 1 and report.added[0] not in _names(seed_db).values()  # a new id
    assert not report.merged and report.kept == 18
    assert _acled(seed_copy, ids=False) == _acled(seed_db, ids=False)
    with Store(seed_copy) as store:
        assert store.event(invented) is None


def test_split_event_merges_back(tmp_path: Path, pipeline: Pipeline) -> None:
    """An old release that told one incident as two events: reprocessing merges them back, the
    older id survives and the other redirects to it."""
    cluster_a = require_shared("eval", "clusters", "A")
    fresh_db = tmp_path / "fresh.db"
    run_cli("ingest", "--db", str(fresh_db), "--manifest", str(cluster_a / "manifest.jsonl"), check=True)
    db = tmp_path / "old.db"
    shutil.copy(fresh_db, db)
    with sqlite3.connect(db) as conn:
        event_id, name, count = conn.execute(
            "SELECT r.event_id, e.event_id_cnty, COUNT(DISTINCT r.article_id) AS n FROM reports r JOIN events e"
            " ON e.id = r.event_id WHERE r.follows IS NULL GROUP BY r.event_id ORDER BY n DESC, r.event_id LIMIT 1"
        ).fetchone()  # (a copy's report follows its original's wherever that goes: it cannot split off)
        assert count >= 2, "cluster A has an event told by two independent articles or more"
        report_id, day = conn.execute("SELECT id, event_date FROM reports WHERE event_id = ? AND event_date IS NOT"
                                      " NULL ORDER BY id DESC LIMIT 1", (event_id,)).fetchone()
    later = date.fromisoformat(day) + timedelta(days=40)
    _sql(db, ("UPDATE mentions SET event_date = ? WHERE report_id = ?", (later, report_id)))
    _rebuild(db)
    names = _names(db)
    split = names[max(names)]
    assert name in names.values() and len(names) == len(_names(fresh_db)) + 1

    done = run_cli("reprocess", "--db", str(db), check=True)
    assert "1 merged" in done.stderr and f"{split}" in done.stdout
    assert _acled(db) == _acled(fresh_db)
    shown = run_cli("show", split, "--db", str(db), check=True).stdout
    assert name in shown  # the merged id still resolves, to the survivor


class _FailsOn(Pipeline):
    """The real pipeline, with a fault injected into one article (as a bug in extraction would)."""

    def __init__(self, pipeline: Pipeline, doc_id: str) -> None:
        self.__dict__.update(pipeline.__dict__)
        self.doc_id = doc_id

    def _extract(self, article, doc):  # type: ignore[no-untyped-def]
        if article.doc_id == self.doc_id:
            raise RuntimeError("extraction broke")
        return super()._extract(article, doc)


def test_failing_article_is_reported_and_kept(seed_db: Path, seed_copy: Path, pipeline: Pipeline) -> None:
    _sql(seed_copy, ("UPDATE mentions SET fatalities = 99 WHERE event_id = ?", (_event_pk(seed_copy, "SYR10"),)),
         ("UPDATE mentions SET fatalities = 77 WHERE event_id = ?", (_event_pk(seed_copy, "SYR17"),)))
    _rebuild(seed_copy)
    seen: list[object] = []
    bad = next(SAMPLES.glob("002_*.txt")).stem  # the article of SYR10
    report = reprocess(seed_copy, pipeline=_FailsOn(pipeline, bad), on_article=seen.append)
    assert [f.source for f in report.failures] == [bad] and "extraction broke" in report.failures[0].message
    assert report.reprocessed == 4 and len(seen) == 5
    assert report.tolls == [Change("SYR17", "77", "4")]  # the others are read again
    rows = {r["event_id_cnty"]: r for r in _acled(seed_copy)}
    assert rows["SYR10"]["fatalities"] == "99"  # the failed article keeps what it had
    assert [r for r in _acled(seed_copy) if r["event_id_cnty"] != "SYR10"] == \
        [r for r in _acled(seed_db) if r["event_id_cnty"] != "SYR10"]


def test_undated_article_takes_its_url_date(seed_db: Path, seed_copy: Path, pipeline: Pipeline) -> None:
    """An article an older release stored undated is dated from its URL, as ingest now reads it."""
    with sqlite3.connect(seed_copy) as conn:
        article_id, day = conn.execute("SELECT id, published FROM articles ORDER BY id LIMIT 1 OFFSET 2").fetchone()
    url = "https://news.example.org/{}/{}/{}/strikes-in-hama".format(*day.split("-"))
    _sql(seed_copy, ("UPDATE articles SET published = NULL, url = ? WHERE id = ?", (url, article_id)))
    report = reprocess(seed_copy, pipeline=pipeline)
    assert report.dated == 1 and report.reprocessed == 5
    with sqlite3.connect(seed_copy) as conn:
        assert conn.execute("SELECT published FROM articles WHERE id = ?", (article_id,)).fetchone()[0] == day
    assert _acled(seed_copy) == _acled(seed_db)


def test_reprocess_needs_a_database(tmp_path: Path) -> None:
    done = run_cli("reprocess", "--db", str(tmp_path / "none.db"))
    assert done.returncode != 0 and "no database" in done.stderr
    empty = tmp_path / "empty.db"
    Store(empty).close()
    done = run_cli("reprocess", "--db", str(empty), check=True)
    assert "0 of 0 article(s) reprocessed" in done.stderr


def test_events_undated(seed_copy: Path, tmp_path: Path) -> None:
    """Events that no source dates are listed on their own; the dated ones are not among them."""
    page = tmp_path / "undated.txt"
    page.write_text("Shelling hits village\n\nGovernment forces shelled the village of Kafr Nabudah in the "
                    "northern Hama countryside, killing three civilians, a monitor said.\n", encoding="utf-8")
    run_cli("ingest", "--db", str(seed_copy), str(page), check=True)
    with Store(seed_copy) as store:
        undated = store.events(undated=True)
        dated = store.events(undated=False)
        every = store.events()
    assert undated and all(e.event_date is None for e in undated)
    assert all(e.event_date is not None for e in dated) and len(dated) + len(undated) == len(every)
    listed = run_cli("events", "--undated", "--db", str(seed_copy), check=True).stdout
    assert all(e.event_id_cnty in listed for e in undated)
    assert not any(e.event_id_cnty in listed.split() for e in dated)

    from fastapi.testclient import TestClient

    from warwatch.serve.api import create_app

    with TestClient(create_app(seed_copy, tiles=None)) as client:
        page = client.get("/api/events", params={"undated": "true"}).json()
        assert page["total"] == len(undated)
        assert sorted(e["event_id"] for e in page["events"]) == sorted(e.event_id_cnty for e in undated)
        page = client.get("/api/events", params={"undated": "false", "limit": 1000}).json()
        assert page["total"] == len(dated) and all(e["event_date"] for e in page["events"])


def test_dev_clusters_unchanged(tmp_path: Path, pipeline: Pipeline) -> None:
    """On every dev cluster (copies, undated pages, many outlets), reprocessing with the pipeline that
    built the database changes no row: incremental fusion at ingest and the store-wide fusion of
    reprocess must agree."""
    from warwatch.pipeline import ingest

    clusters = sorted(p for p in require_shared("eval", "clusters").iterdir() if (p / "manifest.jsonl").is_file())
    assert clusters, "no dev clusters with a manifest"
    # all of them in one database, as one ingest: one pipeline run, and clusters that share a war meet
    lines = []
    for cluster in clusters:
        for line in (cluster / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
            if line.strip():
                entry = json.loads(line)
                entry["path"] = str(cluster / entry["path"])
                lines.append(json.dumps(entry))
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = tmp_path / "clusters.db"
    assert ingest([], db=db, manifest=manifest, pipeline=pipeline).stored == len(lines)
    before = _dump(db)
    report = reprocess(db, pipeline=pipeline)
    assert report.reprocessed == len(lines) and not report.changed and not report.failures
    assert _dump(db) == before
