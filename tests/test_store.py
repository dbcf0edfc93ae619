"""The store and in-article grouping, on real SQLite files and sentences of the seed articles."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from conftest import article, sentence, toponym
from sqlalchemy import inspect, text

import warwatch
from warwatch.errors import StoreError
from warwatch.fuse.group import group_mentions, summarise
from warwatch.models import Article, Mention, Place
from warwatch.store import Store
from warwatch.store.db import sqlite_engine
from warwatch.store.migrations import MIGRATIONS, Migration, migrate

SAMPLES = Path(warwatch.__file__).parent / "samples"
SYRIA = "Military Forces of Syria (2000-)"
REBELS = "Rebel Forces"

QALAAT = Place(text="Qalaat al-Madiq", name="Qal`at al Madiq", lat=35.41465, lon=36.39085, country="SY",
               admin1="Hama", admin2="As-Suqaylabiyah", geo_precision=1, gazetteer_id="wof:1276435799",
               score=0.92)
HASS = Place(text="Hass", name="Hass", lat=35.6161, lon=36.59066, country="SY", admin1="Idlib",
             admin2="Maarrat al-Numan", geo_precision=1, gazetteer_id="wof:1259369953", score=0.7,
             ambiguous=True,
             runner_up={"name": "Jafrat al Hass", "gazetteer_id": "wof:1225928409", "score": 0.4})
SALHAB = Place(text="Salhab", name="Tall Salhab", lat=35.25884, lon=36.38461, country="SY", admin1="Hama",
               admin2="As-Suqaylabiyah", geo_precision=1, gazetteer_id="wof:1276569211")




def a002() -> Article:
    return article("002", date(2018, 9, 8), "Al Jazeera")


def qalaat_mentions(art: Article) -> list[Mention]:
    """Qalaat al-Madiq in two sentences: the place and the shells, then the toll."""
    s1 = sentence(art, "According to Abd al-Kareem")
    s2 = sentence(art, "The shelling killed two men")
    top = toponym(art, s1, "Qalaat al-Madiq")
    kind = ("Explosions/Remote violence", "Shelling/artillery/missile attack")
    return [
        Mention(*kind, evidence=s1, toponym=top, place=QALAAT, event_date=date(2018, 9, 8), actor1=SYRIA,
                weapon="shells", claimant="White Helmets", confidence=0.7),
        Mention(*kind, evidence=s2, toponym=top, place=QALAAT, event_date=date(2018, 9, 8), fatalities=2,
                fatalities_text="two men", injuries=5, injuries_text="five others", claimant="White Helmets",
                confidence=0.8),
    ]


def hass_mention(art: Article) -> Mention:
    s = sentence(art, "One hospital in the village of Hass")
    return Mention("Explosions/Remote violence", "Air/drone strike", evidence=s,
                   toponym=toponym(art, s, "Hass"), place=HASS, event_date=date(2018, 9, 8), actor1=SYRIA,
                   weapon="barrel bomb", target="hospital", civilian_targeting=True, confidence=0.6)


def salhab_mention(art: Article) -> Mention:
    s = sentence(art, "Rebel factions in northern Hama")
    return Mention("Explosions/Remote violence", "Shelling/artillery/missile attack", evidence=s,
                   toponym=toponym(art, s, "Salhab"), place=SALHAB, event_date=date(2018, 9, 8),
                   actor1=REBELS, actor2=SYRIA, fatalities=0, fatalities_text="no reported casualties",
                   claimant="SOHR")


def count(db: Path, table: str) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_two_sentences_of_one_incident_become_one_event(tmp_path: Path) -> None:
    art = a002()
    with Store(tmp_path / "w.db") as store:
        result = store.add_article(art, qalaat_mentions(art))
        assert result.created and len(result.events) == 1
        assert re.fullmatch(r"SYR\d+", result.events[0])
        detail = store.event(result.events[0])
    assert detail is not None
    assert (detail.fatalities, detail.injuries) == (2, 5)
    assert (detail.location, detail.admin1, detail.country) == ("Qal`at al Madiq", "Hama", "SY")
    assert detail.place_text == "Qalaat al-Madiq" and detail.actor1 == SYRIA and detail.weapon == "shells"
    assert detail.sources == ["Al Jazeera"] and detail.n_sources == 1
    assert [a.title for a in detail.articles] == [art.title]
    sentences = [m.sentence for m in detail.mentions]
    assert [s.text[:20] for s in sentences] == ["According to Abd al-", "The shelling killed "]
    for s in sentences:
        assert art.text[s.start:s.end] == s.text
    toll = [c for c in detail.claims if c.field == "fatalities"]
    assert [(c.value, c.quote, c.claimant) for c in toll] == [("2", "two men", "White Helmets")]
    assert art.text[toll[0].sentence_start:toll[0].sentence_end].startswith("The shelling killed two men")
    fields = {c.field for c in detail.claims}
    assert fields == {"actor1", "date", "weapon", "location", "fatalities", "injuries"}
    assert detail.notes.startswith("On 8 September 2018, ")
    assert "more than 150 shells" in detail.notes and "killed two men" in detail.notes


def test_stored_mentions_come_back_as_they_went_in(tmp_path: Path) -> None:
    art = a002()
    sent = [*qalaat_mentions(art), hass_mention(art)]
    sent[2].denials = [sentence(art, "Although Qamishli")]
    with Store(tmp_path / "w.db") as store:
        result = store.add_article(art, sent)
        back = [m.to_mention() for e in result.events for m in store.event(e).mentions]
    assert sorted(back, key=lambda m: m.evidence.start) == sorted(sent, key=lambda m: m.evidence.start)


def test_readding_an_article_stores_nothing_twice(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    art = a002()
    with Store(db) as store:
        first = store.add_article(art, [*qalaat_mentions(art), hass_mention(art)])
    counts = {t: count(db, t) for t in ("articles", "events", "mentions", "claims")}
    assert counts["articles"] == 1 and counts["events"] == 2 and counts["mentions"] == 3
    with Store(db) as store:  # a new process: nothing is remembered but the file
        assert store.has_article(art.content_hash)
        # the same report with different white space is the same content
        again = store.add_article(replace(art, text=art.text.replace(" ", "  ")), qalaat_mentions(art))
        assert again.created is False and again.article_id == first.article_id
        assert again.events == first.events
        assert store.articles_count() == 1
    assert {t: count(db, t) for t in counts} == counts


def test_a_failure_mid_article_leaves_no_partial_rows(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    good, bad = a002(), article("004", date(2019, 5, 2), "Al Jazeera")
    s1 = sentence(bad, "A war monitor and activists")
    s2 = sentence(bad, "Syrian state media, quoting")
    kansarfa = Place(text="Kansarfa", name="Kansafrah", lat=35.659, lon=36.486, country="SY", admin1="Idlib",
                     geo_precision=1, gazetteer_id="wof:1")
    # the second group (a later event) carries a value JSON cannot hold: the first is already written
    broken = Place(text="Kfr Nabouda", name="Kafr Nabudah", lat=35.432, lon=36.494, country="SY",
                   admin1="Hama", geo_precision=1, gazetteer_id="wof:2", runner_up={"why": {object()}})
    mentions = [
        Mention("Explosions/Remote violence", "Air/drone strike", evidence=s1,
                toponym=toponym(bad, s1, "Kansarfa"), place=kansarfa, event_date=date(2019, 5, 2),
                fatalities=4),
        Mention("Explosions/Remote violence", "Shelling/artillery/missile attack", evidence=s2,
                toponym=toponym(bad, s2, "Kfr Nabouda"), place=broken, event_date=date(2019, 5, 2),
                actor1=SYRIA),
    ]
    with Store(db) as store:
        store.add_article(good, qalaat_mentions(good))
        before = {t: count(db, t) for t in ("articles", "events", "mentions", "claims")}
        with pytest.raises(StoreError, match="cannot store article 004_"):
            store.add_article(bad, mentions)
        assert {t: count(db, t) for t in before} == before
        assert not store.has_article(bad.content_hash)
        assert store.event(store.events()[0].event_id_cnty).fatalities == 2
        # nothing of the failed attempt is in the way of storing it properly
        mentions[1].place = replace(broken, runner_up=None)
        assert len(store.add_article(bad, mentions).events) == 2


def test_event_filters(tmp_path: Path) -> None:
    a2, a4 = a002(), article("004", date(2019, 5, 2), "Al Jazeera")
    s = sentence(a4, "A war monitor and activists")
    unplaced = Mention("Explosions/Remote violence", "Air/drone strike", evidence=s,
                       toponym=toponym(a4, s, "Kansarfa"), event_date=date(2019, 5, 2), fatalities=4)
    with Store(tmp_path / "w.db") as store:
        store.add_article(a2, [*qalaat_mentions(a2), hass_mention(a2), salhab_mention(a2)])
        store.add_article(a4, [unplaced])

        def places(**kw: object) -> list[str | None]:
            return [e.location for e in store.events(**kw)]

        # by date, then in the order stored (events of one article in article order)
        assert places() == ["Hass", "Qal`at al Madiq", "Tall Salhab", "Kansarfa"]
        assert places(since=date(2019, 1, 1)) == ["Kansarfa"]
        assert places(until=date(2018, 12, 31)) == ["Hass", "Qal`at al Madiq", "Tall Salhab"]
        assert places(event_type="air/drone STRIKE") == ["Hass", "Kansarfa"]
        assert len(places(event_type="Explosions/Remote violence")) == 4
        assert places(event_type="Battles") == []
        assert places(where="hama") == ["Qal`at al Madiq", "Tall Salhab"]
        assert places(where="madiq") == ["Qal`at al Madiq"]
        assert places(where="Maarrat") == ["Hass"]
        assert places(where="syria") == ["Hass", "Qal`at al Madiq", "Tall Salhab"]  # country name
        assert places(where="%") == []  # a LIKE wildcard is a character like any other
        assert places(unlocated=True) == ["Kansarfa"]
        assert len(places(unlocated=False)) == 3
        assert places(limit=2) == ["Hass", "Qal`at al Madiq"]
        kansarfa = store.events(unlocated=True)[0]
        assert kansarfa.event_id_cnty.startswith("XXX") and kansarfa.sources == [a4.outlet]
        assert store.event(kansarfa.event_id_cnty.lower()).location == "Kansarfa"
        assert store.event("SYR999999") is None


def test_grouping_within_an_article() -> None:
    art = a002()
    q1, q2 = qalaat_mentions(art)
    hass, salhab = hass_mention(art), salhab_mention(art)
    groups = group_mentions([salhab, q2, hass, q1])
    # article order, whatever order the extractor gave
    assert [[m.evidence.start for m in g] for g in groups] == [[hass.evidence.start],
                                                               [q1.evidence.start, q2.evidence.start],
                                                               [salhab.evidence.start]]
    # another day or another type at the same place is another event
    later = replace(q2, event_date=date(2018, 9, 9))
    assert len(group_mentions([q1, later])) == 2
    assert len(group_mentions([q1, replace(q2, event_type="Battles")])) == 2
    # an unlocated mention of a located place joins it; two unlocated ones group by folded name
    loose = replace(q2, place=None, toponym=replace(q2.toponym, text="QALAAT  al-Madiq"))
    assert len(group_mentions([q1, loose])) == 1
    assert [len(g) for g in group_mentions([q2, replace(q1, place=None)])] == [2]  # first unlocated
    assert len(group_mentions([replace(q1, place=None), loose])) == 1
    assert summarise([salhab])["fatalities"] == 0  # "no reported casualties" is a figure
    assert summarise([q1])["fatalities"] is None


def test_summary_fields() -> None:
    art = a002()
    q1, q2 = qalaat_mentions(art)
    q1 = replace(q1, actor_attributed=True, confidence=0.4)
    fields = summarise([q1, replace(q2, fatalities=1, actor1="Military Forces of Russia (2000-)")])
    assert fields["fatalities"] == 1 and fields["actor1"] == SYRIA and fields["confidence"] == 0.8
    assert fields["actor_attributed"] is False  # one actor claim is not a mere belief
    assert summarise([q1, q2])["actor_attributed"] is True  # the only actor claim is attributed
    hass = summarise([hass_mention(art)])
    assert hass["civilian_targeting"] and hass["ambiguous"] and hass["runner_up"]["name"] == "Jafrat al Hass"
    assert hass["notes"] == ("On 8 September 2018, one hospital in the village of Hass in southern Idlib was "
                             "destroyed by a barrel bomb dropped from a helicopter.")


def test_migrations_upgrade_an_old_database(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    engine = sqlite_engine(db)
    assert migrate(engine, MIGRATIONS[:1]) == [MIGRATIONS[0].name]
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO articles (content_hash, title, text, ingested_at) "
                          "VALUES ('abc', 'old', 'kept', '2020-01-01 00:00:00')"))
        assert "ix_events_event_date" not in {i["name"] for i in inspect(conn).get_indexes("events")}
    engine.dispose()
    with Store(db) as store:
        assert store.has_article("abc") and store.articles_count() == 1
        art = a002()
        assert store.add_article(art, qalaat_mentions(art)).created
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT version, name FROM schema_migrations ORDER BY version").fetchall()
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert rows == [(i + 1, m.name) for i, m in enumerate(MIGRATIONS)]
    assert {"ix_events_event_date", "ix_events_event_type", "ix_events_admin1", "ix_events_country",
            "ix_articles_content_hash", "ix_mentions_event_id"} <= indexes


def test_a_failed_migration_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    Store(db).close()

    def broken(conn) -> None:  # type: ignore[no-untyped-def]
        conn.execute(text("CREATE TABLE half_done (x INTEGER)"))
        raise RuntimeError("disk on fire")

    engine = sqlite_engine(db)  # the store's engine: BEGIN is ours, so DDL is transactional
    with pytest.raises(RuntimeError):
        migrate(engine, [*MIGRATIONS, Migration("9999_broken", broken)])
    with engine.connect() as conn:
        assert not inspect(conn).has_table("half_done")
        assert conn.execute(text("SELECT count(*) FROM schema_migrations")).scalar() == len(MIGRATIONS)
        conn.execute(text("INSERT INTO schema_migrations VALUES (99, '9999_from_the_future', '2030-01-01')"))
        conn.commit()
    engine.dispose()
    with pytest.raises(StoreError, match="9999_from_the_future"):
        Store(db)


def test_bad_paths_raise_store_error(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database, just some notes that must survive\n" * 20)
    before = notes.read_bytes()
    with pytest.raises(StoreError) as failure:
        Store(notes)
    assert "notes.txt" in str(failure.value) and "\n" not in str(failure.value)
    assert notes.read_bytes() == before
    with pytest.raises(StoreError, match="does not exist"):
        Store(tmp_path / "missing" / "w.db")
    with pytest.raises(StoreError, match="folder"):
        Store(tmp_path)


def test_memory_store_urls_and_articles_without_events(tmp_path: Path) -> None:
    art = a002()
    with Store(":memory:") as store:
        store.add_article(art, qalaat_mentions(art))
        assert len(store.events()) == 1
    quiet = article("001", date(2018, 9, 9))
    with Store(f"sqlite:///{tmp_path / 'u.db'}") as store:
        assert store.add_article(quiet, []).events == []
        assert store.add_article(quiet, []).created is False
        assert store.articles_count() == 1 and store.events() == []
    assert count(tmp_path / "u.db", "articles") == 1
