"""Free text through the trigram index, totals counted up to a cap, and the map's points endpoint.

The index may only change how fast free text is answered, never what: each needle is checked
with the index and without it, against Python's reading of SQLite's LIKE, on a new database and
on one migrated from the schema before the index. A listing's count stops past a cap and then
says so; below the cap, and where the indexes count for free, totals are exact as before.
"""

from __future__ import annotations

import importlib.util
import sqlite3
import string
import warnings
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select, text, update

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's test client warns about its httpx transport
    from fastapi.testclient import TestClient

from warwatch.serve.api import create_app
from warwatch.store import Store, search
from warwatch.store.db import sqlite_engine
from warwatch.store.migrations import MIGRATIONS, SENTENCE_INDEX, migrate
from warwatch.store.query import COUNT_CAP, EventQuery, count_capped, search_events
from warwatch.store.schema import articles, events, mentions

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

STAMP = datetime(2024, 1, 1)
#: punctuation, case, scripts and folds where a full-text index could disagree with LIKE
SENTENCES = [
    "Shelling hit Ma'arrat al-Nu'man in southern Idlib, killing 4.",
    "Airstrikes on MAARRAT AL-NUMAN were reported; 100%_ of homes damaged.",
    "قصف الطيران الحربي مدينة معرة النعمان في ريف إدلب الجنوبي",
    "Clashes near İdlib's eastern edge, the Turkish spelling with a dotted capital I.",
    "An ÉCOLE in Saraqib was bombed.",
    "The école in Binnish had been empty since March.",
    'Witnesses said "the market" was hit twice, AND NEAR the mosque (again).',
    "Drone strike on a car near al-Bab — three killed.",
    "KILLED: two fighters; killed: one civilian.",
    "Groupe armé a attaqué Kafr Nabudah; évacuation à l'hôpital.",
]
NEEDLES = [
    "Ma'arrat", "ma'arrat", "MAARRAT", "Nu'man", "arrat al-", "معرة", "معرة النعمان", "إدلب", "İdlib", "idlib",
    "IDLIB", "école", "ÉCOLE", "École", "100%_", "%_", '"the market"', 'market" was', "AND NEAR", "NEAR(", "(again)",
    "al-Bab — three", "—", "killed", "KILLED:", "ed: o", "hôpital", "HÔPITAL", "l'h", "a*", "x", "ab", "zzz", "s wer",
    "SYR3",
]
_ASCII = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def like(needle: str, sentence: str) -> bool:
    """SQLite's LIKE '%needle%': ASCII letters match either case, nothing else is folded."""
    return needle.translate(_ASCII) in sentence.translate(_ASCII)


def add_sentences(engine, sentences: list[str], first: int = 1) -> None:
    """One event per sentence (ids from ``first``, event ids SYR<id>), each with that evidence sentence."""
    with engine.begin() as conn:
        if conn.execute(select(articles.c.id).where(articles.c.id == 1)).first() is None:
            conn.execute(insert(articles).values(id=1, content_hash="h1", title="t", text="t", ingested_at=STAMP))
        for pk, sentence in enumerate(sentences, start=first):
            conn.execute(insert(events).values(id=pk, event_id_cnty=f"SYR{pk}", event_type="Battles", latitude=35.0,
                                               longitude=36.0 + pk / 100, created_at=STAMP, updated_at=STAMP))
            conn.execute(insert(mentions).values(id=pk, article_id=1, event_id=pk, ordinal=0, event_type="Battles",
                                                 sentence_start=0, sentence_end=len(sentence),
                                                 sentence_text=sentence))


def found(conn, needle: str, *, index: bool) -> list[int]:
    """The ids of the mentions whose sentence holds the needle, with the index or by a scan."""
    test = search.sentence_test(conn, needle, index=index)
    return list(conn.execute(select(mentions.c.id).where(test).order_by(mentions.c.id)).scalars())


def assert_index_agrees_with_like(db: Path) -> None:
    with Store(db) as store, store.engine.connect() as conn:
        assert search.has_index(conn)
        sentences = dict(conn.execute(select(mentions.c.id, mentions.c.sentence_text)).all())
        for needle in NEEDLES:
            wanted = [pk for pk, sentence in sorted(sentences.items()) if like(needle, sentence)]
            assert found(conn, needle, index=True) == wanted, needle
            assert found(conn, needle, index=False) == wanted, needle
        # the index is really asked: a rare needle of three characters or more goes through it
        assert search.use_index(conn, "Ma'arrat") and search.use_index(conn, "معرة")
        assert not search.use_index(conn, "ab")  # no trigram in two characters: scanned
        assert not search.use_index(conn, "killed")  # in most sentences here: scanned


def test_the_index_and_the_scan_find_the_same_sentences(tmp_path: Path):
    db = tmp_path / "new.db"
    with Store(db) as store:
        add_sentences(store.engine, SENTENCES)
    assert_index_agrees_with_like(db)


def test_free_text_through_the_api_is_the_same_with_and_without_the_index(tmp_path: Path, monkeypatch):
    db = tmp_path / "api.db"
    with Store(db) as store:
        add_sentences(store.engine, SENTENCES)
    app = TestClient(create_app(db, tiles=None))
    for needle in [*NEEDLES, "  Ma'arrat  ", "syr3"]:
        wanted = sorted(f"SYR{n}" for n, s in enumerate(SENTENCES, start=1)
                        if like(needle.strip(), s) or f"SYR{n}" == needle.strip().upper())
        for index in (True, False):
            monkeypatch.setattr(search, "use_index", lambda conn, needle, index=index: index)
            for params in ({}, {"event_type": "battles"}, {"sort": "-fatalities"}):
                body = app.get("/api/events", params={"q": needle, "limit": 1000, **params}).json()
                assert sorted(e["event_id"] for e in body["events"]) == wanted, (needle, index, params)
                assert body["total"] == len(wanted) and body["total_capped"] is False
            points = app.get("/api/events/points", params={"q": needle}).json()
            assert sorted(p[0] for p in points["points"]) == wanted, (needle, index)


def test_a_database_from_before_the_index_gets_it_and_keeps_it_in_step(tmp_path: Path):
    db = tmp_path / "old.db"
    engine = sqlite_engine(db)
    assert migrate(engine, MIGRATIONS[:4])[-1] == "0004_map_indexes"
    add_sentences(engine, SENTENCES)
    engine.dispose()
    assert_index_agrees_with_like(db)  # opening the store built the index over the stored sentences
    with sqlite3.connect(db) as raw:
        names = [r[0] for r in raw.execute("SELECT name FROM schema_migrations ORDER BY version")]
    assert names == [m.name for m in MIGRATIONS] and names[4] == "0005_sentence_index"

    def indexed(conn, needle: str) -> set[int]:
        query = text(f"SELECT rowid FROM {SENTENCE_INDEX} WHERE {SENTENCE_INDEX} MATCH :q")
        return set(conn.execute(query, {"q": f'"{needle}"'}).scalars())

    with Store(db) as store:
        # the triggers: an insert, an update of the text and a delete (cascading from the article) reach the index
        add_sentences(store.engine, ["Barrel bombs fell on Kafr Zita at dawn."], first=len(SENTENCES) + 1)
        with store.engine.begin() as conn:
            assert indexed(conn, "Kafr Zita") == {len(SENTENCES) + 1}
            conn.execute(update(mentions).where(mentions.c.id == 1).values(sentence_text="Shelling hit Kafranbel."))
            assert indexed(conn, "Ma'arrat") == set() and indexed(conn, "Kafranbel") == {1}
            assert found(conn, "Ma'arrat", index=True) == [] and found(conn, "kafranbel", index=True) == [1]
            # applied again, the migration changes nothing (and the index still matches its sentences)
            MIGRATIONS[4].apply(conn)
            conn.execute(text(f"INSERT INTO {SENTENCE_INDEX}({SENTENCE_INDEX}) VALUES ('integrity-check')"))
            conn.execute(delete(mentions))
            conn.execute(delete(events))
            conn.execute(delete(articles))
            assert indexed(conn, "Kafr Zita") == set() and indexed(conn, "Kafranbel") == set()
            conn.execute(text(f"INSERT INTO {SENTENCE_INDEX}({SENTENCE_INDEX}) VALUES ('integrity-check')"))


def test_without_the_index_free_text_is_scanned(tmp_path: Path, monkeypatch):
    """An SQLite without FTS5's trigram tokenizer: no index is made and every needle is still found."""
    from warwatch.store import migrations

    monkeypatch.setattr(migrations, "sqlite_trigram", lambda conn: False)
    db = tmp_path / "plain.db"
    with Store(db) as store:
        add_sentences(store.engine, SENTENCES)
        with store.engine.connect() as conn:
            assert not search.has_index(conn)
            assert conn.execute(text("SELECT name FROM sqlite_master WHERE name LIKE 'mentions_fts%'")).all() == []
            for needle in NEEDLES:
                wanted = [n for n, s in enumerate(SENTENCES, start=1) if like(needle, s)]
                assert found(conn, needle, index=True) == wanted, needle  # asked for the index, falls back


# --- totals: exact up to a cap, a flagged lower bound past it ------------------------------


def _bench():
    spec = importlib.util.spec_from_file_location("api_latency", Path(__file__).parents[1] / "bench/api_latency.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory):
    """400 events of the benchmark's generator (every sentence says "killed"), and the store's list of them."""
    db = tmp_path_factory.mktemp("synthetic") / "synthetic.db"
    _bench().generate(db, 400, seed=11)
    with Store(db) as store:
        return db, store.events()


def ids(body: dict) -> list[str]:
    return [e["event_id"] for e in body["events"]]


def test_a_total_past_the_cap_is_a_lower_bound_and_says_so(synthetic):
    db, everything = synthetic
    app = TestClient(create_app(db, tiles=None, count_cap=100))
    get = lambda **params: app.get("/api/events", params=params).json()  # noqa: E731
    killed = [r.event_id_cnty for r in sorted(everything, key=lambda r: (r.event_date is None, r.event_date, r.id))
              if "killed" in r.notes]
    assert len(killed) == len(everything) > 300
    capped = get(q="killed")
    assert (capped["total"], capped["total_capped"]) == (100, True)
    exact = get(q="killed", exact_total="true")
    assert (exact["total"], exact["total_capped"]) == (len(killed), False)
    assert ids(capped) == ids(exact) == killed[:50]  # the cap changes the count, never the events
    # a page beyond the cap raises the bound to what it has seen; a page that ends early knows the total
    deep = get(q="killed", offset=150, limit=50)
    assert (deep["total"], deep["total_capped"]) == (200, True) and ids(deep) == killed[150:200]
    last = get(q="killed", offset=len(killed) - 10, limit=50)
    assert (last["total"], last["total_capped"]) == (len(killed), False) and ids(last) == killed[-10:]
    # below the cap every total is exact, as it always was
    for params, keep in (({"admin1": "Aleppo"}, lambda r: r.admin1 == "Aleppo"),
                         ({"q": "hospital"}, lambda r: "hospital" in r.notes),
                         ({"min_fatalities": 8}, lambda r: (r.fatalities or 0) >= 8)):
        wanted = sum(keep(r) for r in everything)
        assert 0 < wanted <= 100, params
        assert (get(**params)["total"], get(**params)["total_capped"]) == (wanted, False), params
    # counts the indexes give for free (no filter), or that one pass gives anyway (actor), stay exact
    assert (get()["total"], get()["total_capped"]) == (len(everything), False)
    syria = sum("Syria" in " ".join(filter(None, (r.actor1, r.actor2))) for r in everything)
    assert syria > 100 and (get(actor="Syria")["total"], get(actor="Syria")["total_capped"]) == (syria, False)


def test_the_library_counts_exactly_unless_given_a_cap(synthetic):
    db, everything = synthetic
    with Store(db) as store, store.engine.connect() as conn:
        assert count_capped(conn, EventQuery(text="killed"), 100) == (100, False)
        assert count_capped(conn, EventQuery(text="killed"), 1000) == (len(everything), True)
        aleppo = sum(r.admin1 == "Aleppo" for r in everything)
        assert count_capped(conn, EventQuery(admin1=("aleppo",)), aleppo) == (aleppo, True)
        assert count_capped(conn, EventQuery(admin1=("aleppo",)), aleppo - 1) == (aleppo - 1, False)
        page = search_events(conn, EventQuery(text="killed"))
        assert (page.total, page.total_capped) == (len(everything), False)
    assert TestClient(create_app(db, tiles=None)).app.state.count_cap == COUNT_CAP == 10_000
    with pytest.raises(ValueError, match="count_cap"):
        create_app(db, count_cap=0)


# --- the map's points ---------------------------------------------------------------------


# (the `client` and `stored` fixtures: conftest)


def test_points_are_the_located_matches_in_five_columns(mixed_client, mixed_stored):
    client, stored = mixed_client, mixed_stored  # (the seeds and one event without coordinates)
    body = client.get("/api/events/points").json()
    assert body["fields"] == ["event_id", "latitude", "longitude", "event_type", "fatalities"]
    located = {r.event_id_cnty: r for r in stored if r.located}
    assert sorted(p[0] for p in body["points"]) == sorted(located)
    for event_id, lat, lon, event_type, fatalities in body["points"]:
        r = located[event_id]
        assert (lat, lon) == (round(r.latitude, 5), round(r.longitude, 5))
        assert (event_type, fatalities) == (r.event_type, r.fatalities)
        assert fatalities is None or type(fatalities) is int  # not 4.0: the JSON says 4
    assert body["unlocated"] == len(stored) - len(located) >= 1 and body["truncated"] is False
    assert [p[0] for p in body["points"]] == sorted(located, key=lambda e: located[e].id)  # default order: id

    def listed(**params) -> list[str]:
        return ids(client.get("/api/events", params={**params, "located": "true", "limit": 1000}).json())

    # a limit keeps the first in the asked order: the deadliest, as the dashboard's map asks
    top = client.get("/api/events/points", params={"limit": 3, "sort": "-fatalities"}).json()
    assert [p[0] for p in top["points"]] == listed(sort="-fatalities")[:3] and top["truncated"] is True
    # the filters are the listing's
    for params in ({"event_type": "Battles"}, {"q": "killed"}, {"min_fatalities": 4}, {"bbox": "36,35,37,36.5"}):
        got = client.get("/api/events/points", params=params).json()
        assert sorted(p[0] for p in got["points"]) == sorted(listed(**params)), params
    unlocated = client.get("/api/events/points", params={"located": "false"}).json()
    assert unlocated["points"] == [] and unlocated["unlocated"] == len(stored) - len(located)
    assert client.get("/api/events/points", params={"limit": 0}).status_code == 422
    # "points" is this endpoint, not an event id; events are still found by id
    assert client.get("/api/events/" + stored[0].event_id_cnty).json()["event_id"] == stored[0].event_id_cnty


def test_points_weigh_a_fraction_of_the_geojson(client):
    points = client.get("/api/events/points").content
    geojson = client.get("/api/events.geojson").content
    assert len(points) * 5 < len(geojson)
