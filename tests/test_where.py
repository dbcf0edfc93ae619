"""``--where`` finds a place or an admin unit under any of its spellings, the same in ``events``,
``timeline``, the API and alerts (issue 17).

Over the real seed database (its provinces stored as ACLED spells them: "Idleb", "Hama"), through
the real command line in fresh processes, the API's test client and the alerts' own matching; the
expected events are read from the database with plain SQL, not through the code under test.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from conftest import run_cli
from sqlalchemy import insert, update

from warwatch.alerts import Watch, add_alert, evaluate
from warwatch.store import Store
from warwatch.store.places import keys, matching_values, names_in, same_name, unit_spellings, variants
from warwatch.store.query import EventQuery, search_events
from warwatch.store.schema import events

WIDE = {"COLUMNS": "250"}
EVENT_ID = re.compile(r"\b([A-Z]{3}\d+)\b")


def rows(db: Path, sql: str, *args: object) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, args).fetchall()


def ids_where(db: Path, condition: str, *args: object) -> set[str]:
    """The live events' ids whose row meets a plain SQL condition."""
    return {r[0] for r in rows(db, f"SELECT event_id_cnty FROM events WHERE merged_into IS NULL AND ({condition})",
                               *args)}


def cli_ids(db: Path, *args: str) -> set[str]:
    done = run_cli("events", "--db", str(db), *args, env=WIDE, check=True)
    found = set(EVENT_ID.findall(done.stdout))
    if found:
        assert f"{len(found)} event(s)" in done.stdout
    return found


def store_ids(db: Path, where: str) -> set[str]:
    with Store(db) as store:
        return {r.event_id_cnty for r in store.events(where=where)}


@pytest.fixture(scope="module")
def idleb(seed_db: Path) -> set[str]:
    found = ids_where(seed_db, "admin1 = 'Idleb'")
    assert found and found != ids_where(seed_db, "1 = 1"), "the seeds no longer hold Idleb events apart"
    return found


@pytest.fixture(scope="module")
def hama(seed_db: Path) -> set[str]:
    found = ids_where(seed_db, "admin1 = 'Hama'")
    assert found
    return found


# --- the command line --------------------------------------------------------------------------------


def test_events_where_idlib_lists_the_idleb_events(seed_db, idleb):
    assert cli_ids(seed_db, "--where", "Idlib") == idleb


@pytest.mark.parametrize("spelling", ["Idleb", "idlib", "IDLIB", "Edlib", "Idlib Governorate", "idleb province"])
def test_other_spellings_of_idlib_find_the_same_events(spelling, seed_db, idleb):
    assert store_ids(seed_db, spelling) == idleb


def test_hamah_syria_and_kabul(seed_db, hama):
    assert cli_ids(seed_db, "--where", "Hamah") == hama
    assert cli_ids(seed_db, "--where", "Syria") == ids_where(seed_db, "1 = 1")
    kabul = run_cli("events", "--db", str(seed_db), "--where", "Kabul", env=WIDE, check=True)
    assert EVENT_ID.findall(kabul.stdout) == []


def test_a_district_and_a_town_under_another_spelling(seed_db):
    # the seeds' district "Al Ma'ra" is Ma'arrat al-Nu'man's; its town "Khan Shaykhun" is also written Sheikhoun
    assert store_ids(seed_db, "al-Ma'ra") == ids_where(seed_db, "admin2 = 'Al Ma''ra'") != set()
    assert store_ids(seed_db, "Khan Sheikhoun") == ids_where(seed_db, "location = 'Khan Shaykhun'") != set()
    # the old substring test still holds: part of a name, any case
    assert store_ids(seed_db, "kafr") == ids_where(seed_db, "location LIKE '%kafr%'") != set()


@pytest.mark.parametrize("short", ["I", "Id", "a", "Al", "S", "Sy", "'", "-"])
def test_one_or_two_letters_do_not_match_every_event(short, seed_db):
    found = store_ids(seed_db, short)
    assert found != ids_where(seed_db, "1 = 1")
    assert found == set()  # no seed place is named with one or two letters


def test_every_stored_spelling_finds_its_own_events(seed_db):
    """No regression of the exact match: each stored location, admin2 and admin1 value as written."""
    with Store(seed_db) as store:
        for column in ("location", "admin2", "admin1"):
            for (value,) in rows(seed_db, f"SELECT DISTINCT {column} FROM events WHERE {column} IS NOT NULL"):
                expected = ids_where(seed_db, f"{column} = ?", value)
                assert expected <= {r.event_id_cnty for r in store.events(where=value)}, (column, value)
                assert expected <= {r.event_id_cnty for r in store.events(where=value.upper())}, (column, value)


def test_timeline_where_takes_any_spelling(seed_db, idleb, hama):
    for spelling, wanted in (("Idlib", idleb), ("Hamah", hama)):
        done = run_cli("timeline", "--db", str(seed_db), "--where", spelling, "--json", check=True)
        days = json.loads(done.stdout)
        assert {e["event_id"] for day in days for e in day["events"]} == wanted
    kabul = run_cli("timeline", "--db", str(seed_db), "--where", "Kabul", "--json", check=True)
    assert json.loads(kabul.stdout) == []


# --- the API: every event endpoint takes ``where`` ----------------------------------------------------


def test_api_where_gives_the_cli_events(client, seed_db, idleb):
    listed = client.get("/api/events", params={"where": "Idlib", "limit": 1000}).json()
    assert {e["event_id"] for e in listed["events"]} == idleb == cli_ids(seed_db, "--where", "Idlib")
    assert listed["total"] == len(idleb)
    points = client.get("/api/events/points", params={"where": "Idlib"}).json()
    assert {p[0] for p in points["points"]} == ids_where(seed_db, "admin1 = 'Idleb' AND latitude IS NOT NULL")
    daily = client.get("/api/stats/daily", params={"where": "Idleb"}).json()
    assert daily["total"]["events"] == len(idleb)
    exported = list(csv.DictReader(io.StringIO(client.get("/api/events.csv", params={"where": "idlib"}).text)))
    assert {r["event_id_cnty"] for r in exported} == ids_where(seed_db, "admin1 = 'Idleb' AND event_date IS NOT NULL")
    with_other = client.get("/api/events", params={"where": "Hamah", "min_fatalities": 1}).json()
    assert {e["event_id"] for e in with_other["events"]} == ids_where(seed_db, "admin1 = 'Hama' AND fatalities >= 1")
    assert client.get("/api/events", params={"where": "x" * 201}).status_code == 422
    assert client.get("/api/events", params={"where": "Kabul"}).json()["total"] == 0


def test_event_query_where_matches_the_store(seed_db):
    with Store(seed_db) as store, store.engine.connect() as conn:
        for spelling in ("Idlib", "Hamah", "Syria", "Khan Sheikhoun", "Id", "Kabul"):
            page = search_events(conn, EventQuery(where=spelling, limit=None))
            assert {r.event_id_cnty for r in page.records} == store_ids(seed_db, spelling), spelling


# --- alerts ---------------------------------------------------------------------------------------------


def test_an_alert_where_idlib_matches_the_idleb_events(seed_copy, idleb):
    with Store(seed_copy) as store:
        add_alert(store, "Idlib", Watch.checked(where="Idlib"), webhook="https://example.org/hook")
        with store.engine.connect() as conn:
            assert {code for (code,) in conn.execute(
                Watch.checked(where="Idlib").matching(conn).with_only_columns(events.c.event_id_cnty))} == idleb
        report = evaluate(store)
    # one notification per matching event: msg_<alert>_<event id>_1
    assert {m.split("_")[2] for m in report.matched} == idleb


# --- the rule itself ---------------------------------------------------------------------------------------


def test_the_matching_rule():
    def finds(query: str, stored: str) -> bool:
        return any(names_in(q, keys(stored)) for q in variants(query))

    assert finds("Idlib", "Idleb") and finds("Idleb", "Idlib") and finds("Hamah", "Hama")
    assert finds("Idlib", "Idleb governorate")  # the query's words, a run of the name's (key of 4+ letters)
    assert finds("Maarat al-Numan", "Ma'arrat al-Nu'man") and finds("Khan Sheikhoun", "Khan Shaykhun town")
    assert finds("Hama", "Hama countryside")  # the old substring
    assert not finds("Hamah", "Tall Hama")  # a 3-letter key ("ham") must equal the whole name's
    assert not finds("Village 12", "Village 112")  # the phonetic key merges doubled digits; numbers do not
    assert not finds("Id", "Idleb") and not finds("I", "Idleb") and finds("Id", "ID")
    assert same_name(keys("Hama"), keys("HAMAH")) and not same_name(keys("Idlib"), keys("Idlib city"))
    # the first-level units' other names (the gazetteer's admin1.json), for admin1 values only
    halab = variants("Halab")
    assert matching_values({"Aleppo", "Idleb"}, halab, unit_spellings(halab)) == ["Aleppo"]
    assert matching_values({"Aleppo"}, halab) == []
    rif = variants("Rif Dimashq")
    assert matching_values({"Rural Damascus", "Damascus"}, rif, unit_spellings(rif)) == ["Rural Damascus"]


def _add_event(conn, location: str, admin1: str | None = None, country: str | None = "SY") -> None:
    moment = datetime(2024, 1, 1)
    conn.execute(insert(events).values(event_type="Battles", sub_event_type="Armed clash", location=location,
                                       admin1=admin1, country=country, created_at=moment, updated_at=moment))


def test_places_stored_since_the_last_query_are_found(seed_copy):
    """The stored places are kept on a connection between queries: a write, on it or on another, is seen."""
    with Store(seed_copy) as store, store.engine.connect() as reader:
        assert search_events(reader, EventQuery(where="Tall Salhab")).total == 1
        assert search_events(reader, EventQuery(where="Tell Kalakh")).total == 0
        with store.engine.begin() as other:  # another connection commits
            _add_event(other, "Tall Kalakh", "Homs")
        # (the reader's transaction reads one snapshot of the database; its next one sees the new row)
        assert search_events(reader, EventQuery(where="Tell Kalakh")).total == 0
        reader.commit()
        assert search_events(reader, EventQuery(where="Tell Kalakh")).total == 1
        _add_event(reader, "Mhardeh village", "Hama")  # this connection writes
        assert search_events(reader, EventQuery(where="mhardeh")).total == 1
        reader.execute(update(events).where(events.c.location == "Tall Kalakh").values(location="Renamed"))
        assert search_events(reader, EventQuery(where="Tell Kalakh")).total == 0
        reader.rollback()


def test_names_with_quotes_and_wildcards_are_matched_literally(tmp_path):
    """The stored spellings are written into the SQL: quotes, %, _ and backslashes stay themselves."""
    names = ["Qal'at al-Madiq", "100% Village", "Under_score", "Back\\slash", "Zero"]
    with Store(tmp_path / "odd.db") as store:
        with store.engine.begin() as conn:
            for name in names:
                _add_event(conn, name)
        for name in names:
            assert [r.location for r in store.events(where=name)] == [name]
        assert [r.location for r in store.events(where="qalat al madiq")] == ["Qal'at al-Madiq"]
