"""The store, API and CLI on a real PostgreSQL server give what they give on SQLite.

The seed articles are ingested once per session into each database (``seed_db``, ``pg_seed_db``);
exports must then be identical byte for byte (the ingest time stamps aside), every filter must
select the same events in the same order, and the API must answer the same JSON. Free-text search
goes through pg_trgm on PostgreSQL and FTS5 on SQLite: the same answers. Two ingests into one
PostgreSQL database at once serialise on an advisory lock and lose and duplicate nothing.
The server: $WARWATCH_TEST_PG_URL, or a throwaway cluster (tests/postgres.py); no mock.
"""

from __future__ import annotations

import json
import re
import subprocess
from datetime import date
from pathlib import Path

import pytest
from conftest import SAMPLES, WARWATCH, run_cli
from postgres import wait_for
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool

from warwatch.errors import StoreError
from warwatch.store import Store
from warwatch.store.backup import pg_tool
from warwatch.store.lock import ADVISORY_KEY, WriterLock
from warwatch.store.migrations import MIGRATIONS, SENTENCE_TRIGRAMS, applied
from warwatch.store.query import EventQuery, facets, search_events

#: what differs between two ingests of the same articles: when they ran
_STAMPS = re.compile(r'("(?:\w+_at|timestamp)": ?)("[^"]*"|\d+)')


def masked(text_out: str) -> str:
    """An export with its ingest time stamps blanked (ACLED's last column; the JSON's stamps)."""
    if text_out.startswith("event_id_cnty,"):
        return "\n".join(re.sub(r",\d{9,11}$", ",T", line) for line in text_out.splitlines())
    return _STAMPS.sub(r'\1"T"', text_out)


def test_migrations_are_the_same_on_both(pg_url, tmp_path):
    with Store(pg_url) as pg, Store(tmp_path / "w.db") as lite, pg.engine.connect() as a, lite.engine.connect() as b:
        assert applied(a) == applied(b) == [m.name for m in MIGRATIONS]
        tables_pg, tables_lite = inspect(a), inspect(b)
        names = sorted(n for n in tables_lite.get_table_names() if not n.startswith("mentions_fts"))
        assert sorted(tables_pg.get_table_names()) == names
        for name in names:
            columns = [c["name"] for c in tables_lite.get_columns(name)]
            assert [c["name"] for c in tables_pg.get_columns(name)] == columns
        # text search through pg_trgm: the extension and the GIN trigram index of migration 8
        assert a.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).first()
        assert a.execute(text("SELECT indexdef FROM pg_indexes WHERE indexname = :n"),
                         {"n": SENTENCE_TRIGRAMS}).scalar_one().endswith("USING gin (sentence_text gin_trgm_ops)")
    with Store(pg_url) as again, again.engine.connect() as conn:  # opening again migrates nothing
        assert applied(conn) == [m.name for m in MIGRATIONS]


@pytest.fixture(scope="module")
def lite_export(seed_db):
    """The CLI's export of the session's SQLite seeds in a format, run once per format: the reference that
    the exports from PostgreSQL are held to here and after the ingests below (a fresh process each time
    would read the same file again)."""
    done: dict[str, str] = {}

    def export(fmt: str) -> str:
        if fmt not in done:
            done[fmt] = run_cli("export", "--format", fmt, "--db", str(seed_db), check=True).stdout
        return done[fmt]

    return export


@pytest.mark.parametrize("fmt", ["acled", "json", "geojson"])
def test_exports_are_identical(fmt, lite_export, pg_seed_db):
    lite = lite_export(fmt)
    pg = run_cli("export", "--format", fmt, "--db", pg_seed_db, check=True).stdout
    assert lite.count("\n") > 5
    assert masked(pg) == masked(lite)


FILTERS = [
    {}, {"where": "idleb"}, {"where": "IDLEB"}, {"where": "Idleb"}, {"where": "idlib"},
    {"where": "hAMA"}, {"where": "syria"}, {"where": "Hamah"}, {"where": "Idlib governorate"}, {"where": "Id"},
    {"where": "ma'ra"}, {"where": "100%_"}, {"event_type": "battles"}, {"event_type": "AIR/DRONE STRIKE"},
    {"since": date(2018, 9, 8)}, {"until": date(2018, 9, 8)},
    {"since": date(2018, 9, 8), "until": date(2018, 9, 8)},
    {"grade": "single-source"}, {"grade": "CORROBORATED"}, {"unlocated": False}, {"undated": True}, {"limit": 3},
]


@pytest.mark.parametrize("kwargs", FILTERS, ids=[json.dumps(f, default=str) for f in FILTERS])
def test_store_filters_select_the_same_events(kwargs, seed_db, pg_seed_db):
    with Store(seed_db) as lite, Store(pg_seed_db) as pg:
        expected = [(r.event_id_cnty, r.location, r.fatalities) for r in lite.events(**kwargs)]
        assert [(r.event_id_cnty, r.location, r.fatalities) for r in pg.events(**kwargs)] == expected
    if kwargs.get("where", "").lower() in ("idleb", "hama", "idlib", "hamah"):
        assert expected


QUERIES = [
    EventQuery(), EventQuery(text="killed"), EventQuery(text="KILLED"), EventQuery(text="Barrel Bomb"),
    EventQuery(text="syr5"), EventQuery(text="100%_"), EventQuery(text="ab"),
    EventQuery(text="qalaat", admin1=("hama",)),
    EventQuery(admin1=("HAMA",)), EventQuery(event_type=("Explosions/Remote violence",)),
    EventQuery(event_type=("air/drone strike",)), EventQuery(sub_event_type=("Armed clash",)),
    EventQuery(bbox=(36.0, 35.0, 37.0, 36.5)), EventQuery(min_fatalities=1), EventQuery(min_fatalities=4),
    EventQuery(grade=("corroborated",)), EventQuery(actor=("russia")), EventQuery(country=("sy",)),
    EventQuery(since=date(2018, 1, 1), until=date(2018, 12, 31), sort="-fatalities"),
    EventQuery(sort="location"), EventQuery(sort="-admin1"), EventQuery(sort="actor1"), EventQuery(sort="grade"),
    EventQuery(sort="-event_date", offset=4, limit=4), EventQuery(text="the", sort="-id", limit=5),
    EventQuery(where="Idlib"), EventQuery(where="hamah", min_fatalities=1), EventQuery(where="Al Ma'ra", sort="-id"),
]


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: repr({k: v for k, v in vars(q).items()
                                                               if v not in ((), None, 0, 50, "event_date")}))
def test_api_queries_select_the_same_events(query, seed_db, pg_seed_db):
    with Store(seed_db) as lite, Store(pg_seed_db) as pg, lite.engine.connect() as a, pg.engine.connect() as b:
        expected = search_events(a, query)
        found = search_events(b, query)
        assert ([r.event_id_cnty for r in found.records], found.total) == \
            ([r.event_id_cnty for r in expected.records], expected.total)
        if query == EventQuery():
            assert facets(b) == facets(a)


API_PATHS = [
    "/api/events?limit=1000", "/api/events?q=Maharda", "/api/events?q=KILLED&sort=-fatalities",
    "/api/events?admin1=hama&sort=location", "/api/events?bbox=36,35,37,36.5&min_fatalities=1",
    "/api/events?since=2018-09-08&until=2018-09-08&event_type=Shelling/artillery/missile%20attack",
    "/api/events?grade=corroborated", "/api/events?actor=russia", "/api/events/points", "/api/stats/daily",
    "/api/facets", "/api/events/syr5", "/api/events/SYR1", "/api/events.csv", "/api/events.geojson", "/api/articles/1",
    "/api/events/SYR999999", "/api/events?where=Idlib", "/api/events/points?where=Hamah",
    "/api/stats/daily?where=syria",
]


@pytest.fixture(scope="module")
def both_clients(seed_db, pg_seed_db):
    from fastapi.testclient import TestClient

    from warwatch.serve.api import create_app

    with TestClient(create_app(seed_db, tiles=None)) as lite, TestClient(create_app(pg_seed_db, tiles=None)) as pg:
        yield lite, pg


@pytest.mark.parametrize("path", API_PATHS)
def test_the_api_answers_the_same(path, both_clients):
    lite, pg = both_clients
    expected, found = lite.get(path), pg.get(path)
    assert found.status_code == expected.status_code
    assert masked(found.text) == masked(expected.text)


def test_cli_commands_work_on_a_url(pg_seed_db, seed_db):
    pg = run_cli("events", "--where", "IDLEB", "--db", pg_seed_db, check=True).stdout
    assert pg == run_cli("events", "--where", "IDLEB", "--db", str(seed_db), check=True).stdout and "SYR" in pg
    assert "Al Jazeera" in run_cli("articles", "--db", pg_seed_db, check=True).stdout
    assert "Khan Shaykhun" in run_cli("show", "syr5", "--db", pg_seed_db, check=True).stdout
    # $WARWATCH_DB names the database as --db does
    assert run_cli("events", "--where", "IDLEB", env={"WARWATCH_DB": pg_seed_db}, check=True).stdout == pg


def test_where_takes_any_spelling_on_both(pg_url, tmp_path):
    """``where`` writes the stored spellings into the SQL: quotes, %, _ and backslashes matched as themselves,
    and every spelling finds the same events on both databases."""
    from datetime import datetime

    from sqlalchemy import insert

    from warwatch.store.schema import events

    names = [("Qal'at al-Madiq", "Hama"), ("100% Village", "Idleb"), ("Under_score", "Idleb"),
             ("Back\\slash", "Halab"), ("Khan Shaykhun", "Idleb")]
    moment = datetime(2024, 1, 1)
    with Store(pg_url) as pg, Store(tmp_path / "w.db") as lite:
        for store in (pg, lite):
            with store.engine.begin() as conn:
                conn.execute(insert(events), [{"event_type": "Battles", "location": name, "admin1": admin1,
                                               "country": "SY", "created_at": moment, "updated_at": moment}
                                              for name, admin1 in names])
        for where in [n for n, _ in names] + ["Idlib", "Aleppo", "Hamah", "Khan Sheikhoun", "qalat", "%", "_", "I"]:
            found = [r.location for r in pg.events(where=where)]
            assert found == [r.location for r in lite.events(where=where)], where
            if where in dict(names):
                assert where in found
        assert [r.location for r in pg.events(where="Aleppo")] == ["Back\\slash"]  # admin1 "Halab" is Aleppo


def _manifest(path: Path, lines: range) -> Path:
    rows = (SAMPLES / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    picked = []
    for i in lines:
        row = json.loads(rows[i])
        row["path"] = str(SAMPLES / row["path"])
        picked.append(json.dumps(row))
    path.write_text("\n".join(picked) + "\n", encoding="utf-8")
    return path


def test_reprocess_keeps_the_event_ids_and_ids_go_on_as_on_sqlite(pg_url, lite_export, tmp_path):
    """Reprocess on a URL; then ingest more: new rows take the ids SQLite would give (no sequence left behind)."""
    first, rest = _manifest(tmp_path / "first.jsonl", range(0, 3)), _manifest(tmp_path / "rest.jsonl", range(2, 5))
    run_cli("ingest", "--db", pg_url, "--manifest", str(first), check=True)
    before = masked(run_cli("export", "--format", "json", "--db", pg_url, check=True).stdout)
    done = run_cli("reprocess", "--db", pg_url, check=True)
    assert masked(run_cli("export", "--format", "json", "--db", pg_url, check=True).stdout) == before, done.stderr
    run_cli("ingest", "--db", pg_url, "--manifest", str(rest), check=True)
    # these two runs store what one run over the five seeds stores (the session's SQLite seeds)
    assert masked(run_cli("export", "--format", "acled", "--db", pg_url, check=True).stdout) == \
        masked(lite_export("acled"))


def test_an_article_that_fails_leaves_no_gap_in_the_ids(pg_url, tmp_path):
    """A rolled-back article uses up no id: the next article's rows and its event id are SQLite's."""
    from conftest import article

    from warwatch.models import Evidence, Mention, Place

    place = Place(text="Hass", name="Hass", lat=35.6161, lon=36.59066, country="SY", admin1="Idlib",
                  admin2="Maarrat al-Numan", geo_precision=1, gazetteer_id="wof:1259369953")
    results = {}
    for db in (pg_url, str(tmp_path / "w.db")):
        with Store(db) as store:
            for doc, runner_up in (("000", {"not json": object()}), ("002", None)):
                art = article(doc, published=date(2018, 9, 8))
                evidence = Evidence(start=0, end=len(art.title), text=art.title)
                mention = Mention("Battles", "Armed clash", evidence=evidence, place=Place(**{
                    **vars(place), "runner_up": runner_up}), event_date=date(2018, 9, 8))
                if runner_up is not None:
                    with pytest.raises(StoreError):
                        store.add_article(art, [mention])
                else:
                    done = store.add_article(art, [mention])
            results[db] = (done.article_id, done.events, store.articles_count())
    assert results[pg_url] == results[str(tmp_path / "w.db")] == (1, ["SYR1"], 1)


def _advisory_holders(url: str) -> int:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND classid::bigint = :a AND objid::bigint = :b"), {"a": ADVISORY_KEY[0], "b": ADVISORY_KEY[1]})
                .scalar_one())
    finally:
        engine.dispose()


def test_two_ingests_at_once_lose_and_duplicate_nothing(pg_url, lite_export, tmp_path):
    """Two `warwatch ingest` processes over overlapping inputs into one database: the second waits for the
    first, nothing is stored twice or lost, and the events and their ids are those of one run in order."""
    one, two = _manifest(tmp_path / "one.jsonl", range(0, 3)), _manifest(tmp_path / "two.jsonl", range(2, 5))
    Store(pg_url).close()  # migrated first: the lock is what is tested, not the migrations
    first = subprocess.Popen([*WARWATCH, "ingest", "--db", pg_url, "--manifest", str(one)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for(lambda: _advisory_holders(pg_url) == 1 or first.poll() is not None)
        second = subprocess.Popen([*WARWATCH, "ingest", "--db", pg_url, "--manifest", str(two)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        out_two = second.communicate(timeout=300)
        out_one = first.communicate(timeout=300)
    finally:
        first.kill()
    assert first.returncode == 0, out_one[1]
    assert second.returncode == 0, out_two[1]
    assert "1 already stored" in out_two[1], out_two[1]
    engine = create_engine(pg_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            hashes = list(conn.execute(text("SELECT content_hash FROM articles ORDER BY id")).scalars())
    finally:
        engine.dispose()
    assert len(hashes) == len(set(hashes)) == 5
    # one run over the five in order (the session's SQLite seeds): the same events under the same ids
    pg = masked(run_cli("export", "--format", "acled", "--db", pg_url, check=True).stdout)
    assert pg == masked(lite_export("acled"))


def test_the_writer_lock_waits_then_gives_up(pg_url):
    Store(pg_url).close()
    told = []
    with WriterLock(pg_url, wait=0):
        with pytest.raises(StoreError, match=r"another ingest .*pid \d+.* still writing"):
            WriterLock(pg_url, wait=0.5, on_wait=told.append).__enter__()
        assert len(told) == 1 and told[0] is not None
    with WriterLock(pg_url, wait=0):  # released on exit
        pass


def test_backup_dumps_with_pg_dump(pg_seed_db, tmp_path):
    if pg_tool("pg_dump") is None:
        pytest.skip("no pg_dump")
    out = tmp_path / "seeds.dump"
    done = run_cli("backup", "--db", pg_seed_db, str(out))
    assert done.returncode == 0, done.stderr
    assert "5 article(s)" in done.stderr
    listed = subprocess.run([pg_tool("pg_restore") or "pg_restore", "--list", str(out)], capture_output=True,
                            text=True, check=True).stdout
    assert "TABLE DATA public events" in listed and "TABLE DATA public articles" in listed
    again = run_cli("backup", "--db", pg_seed_db, str(out))
    assert again.returncode == 2 and "exists" in again.stderr
