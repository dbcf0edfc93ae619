"""The REST API over a real SQLite file built from the seed articles (FastAPI's test client, no server)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
import warnings
from pathlib import Path

import pytest

with warnings.catch_warnings():
    # starlette's test client warns about its httpx transport; nothing this suite can act on
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from hypothesis import HealthCheck, given, settings

from warwatch.errors import StoreError
from warwatch.serve.api import create_app
from warwatch.serve.export import ACLED_COLUMNS
from warwatch.store import Store
from warwatch.store.query import has_grade

try:
    import schemathesis
    from schemathesis.checks import positive_data_acceptance
except ImportError:  # a dev dependency: the fuzzing test is left out without it
    schemathesis = None

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

TOKEN = "s3cret-token"


# (the `client` and `stored` fixtures, over the seed store: conftest)


def ids(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [e["event_id"] for e in response.json()["events"]]


# --- listing and filters ------------------------------------------------------------------


def test_lists_every_seed_event_with_its_fields(client, stored):
    body = client.get("/api/events", params={"limit": 1000}).json()
    assert body["total"] == len(stored) == len(body["events"]) >= 10
    assert {e["event_id"] for e in body["events"]} == {r.event_id_cnty for r in stored}
    first = body["events"][0]
    for key in ("event_date", "event_type", "sub_event_type", "actor1", "admin1", "location", "latitude",
                "longitude", "fatalities", "sources", "n_sources", "grade"):
        assert key in first
    dates = [e["event_date"] for e in body["events"] if e["event_date"]]
    assert dates == sorted(dates)  # default order: by date, oldest first


def test_pagination_covers_everything_once(client, stored):
    seen = []
    for offset in range(0, len(stored), 4):
        body = client.get("/api/events", params={"limit": 4, "offset": offset, "sort": "-event_date"}).json()
        assert body["total"] == len(stored) and body["offset"] == offset and body["limit"] == 4
        seen += [e["event_id"] for e in body["events"]]
    assert sorted(seen) == sorted(r.event_id_cnty for r in stored)
    assert len(seen) == len(set(seen))
    assert client.get("/api/events", params={"offset": 10_000}).json() == {
        "total": len(stored), "total_capped": False, "offset": 10_000, "limit": 50, "sort": "event_date",
        "events": []}


def test_sort_by_fatalities_puts_unknown_figures_last_both_ways(client, stored):
    for sort in ("fatalities", "-fatalities"):
        figures = [e["fatalities"] for e in client.get("/api/events", params={"sort": sort}).json()["events"]]
        known = [f for f in figures if f is not None]
        assert figures[:len(known)] == known and all(f is None for f in figures[len(known):])
        assert known == sorted(known, reverse=sort.startswith("-"))
        assert len(known) >= 3


def test_date_type_and_region_filters(client, stored):
    in_2018 = {r.event_id_cnty for r in stored if r.event_date and r.event_date.year == 2018}
    assert set(ids(client.get("/api/events", params={"since": "2018-01-01", "until": "2018-12-31"}))) == in_2018
    battles = {r.event_id_cnty for r in stored if r.event_type == "Battles"}
    assert battles and set(ids(client.get("/api/events", params={"event_type": "battles"}))) == battles
    air = {r.event_id_cnty for r in stored if r.sub_event_type == "Air/drone strike"}
    assert set(ids(client.get("/api/events", params={"sub_event_type": "AIR/DRONE STRIKE"}))) == air
    region = stored[0].admin1
    wanted = {r.event_id_cnty for r in stored if r.admin1 == region}
    assert set(ids(client.get("/api/events", params={"admin1": region.lower()}))) == wanted
    two = {r.event_id_cnty for r in stored if r.admin1 in ("Hama", "Idleb")}
    assert set(ids(client.get("/api/events", params=[("admin1", "Hama"), ("admin1", "Idleb")]))) == two
    assert ids(client.get("/api/events", params={"admin1": "Nowhere"})) == []


def test_actor_fatalities_bbox_located_and_text_filters(client, stored):
    actors = lambda r: " | ".join(a or "" for a in (r.actor1, r.actor2, r.assoc_actor_1, r.assoc_actor_2))  # noqa: E731
    russia = {r.event_id_cnty for r in stored if "Russia" in actors(r)}
    assert russia and set(ids(client.get("/api/events", params={"actor": "russia"}))) == russia
    deadly = {r.event_id_cnty for r in stored if (r.fatalities or 0) >= 4}
    assert deadly and set(ids(client.get("/api/events", params={"min_fatalities": 4}))) == deadly
    # a box around Idlib and Hama (west,south,east,north) holds the western events, not Qamishli
    box = {r.event_id_cnty for r in stored if r.located and 35 <= r.latitude <= 36.5 and 36 <= r.longitude <= 37}
    got = set(ids(client.get("/api/events", params={"bbox": "36,35,37,36.5"})))
    assert box and got == box and len(got) < len(stored)
    unlocated = {r.event_id_cnty for r in stored if not r.located}
    assert set(ids(client.get("/api/events", params={"located": "false"}))) == unlocated
    # free text matches the evidence sentence as the source wrote it ("Maharda", geocoded "Muhradah")
    maharda = ids(client.get("/api/events", params={"q": "maharda"}))
    assert [e for e in maharda] == [r.event_id_cnty for r in stored if r.location == "Muhradah"]
    one = stored[3].event_id_cnty
    assert ids(client.get("/api/events", params={"q": one.lower()})) == [one]
    assert ids(client.get("/api/events", params={"q": "100%_"})) == []  # % and _ are literal


def test_grade_filter(client, seed_copy: Path):
    """With graded events the filter keeps that grade; without a grade column it is ignored."""
    with Store(seed_copy) as store:
        events = store.events()
    app = TestClient(create_app(seed_copy, tiles=None))
    if not has_grade():
        assert app.get("/api/events", params={"grade": "corroborated"}).json()["total"] == len(events)
        return
    chosen = events[2].event_id_cnty
    with sqlite3.connect(seed_copy) as db:
        db.execute("UPDATE events SET grade = 'test_grade' WHERE event_id_cnty = ?", (chosen,))
        graded = dict(db.execute("SELECT event_id_cnty, grade FROM events"))
    assert ids(app.get("/api/events", params={"grade": "TEST_GRADE"})) == [chosen]
    contested = {e for e, g in graded.items() if g == "contested"}
    assert set(ids(app.get("/api/events", params=[("grade", "contested"), ("grade", "test_grade")]))) == (
        contested | {chosen})
    ordered = [e["grade"] for e in app.get("/api/events", params={"sort": "grade"}).json()["events"]]
    assert [g for g in ordered if g] == sorted(g for g in ordered if g)
    assert app.get("/api/events/" + chosen).json()["grade"] == "test_grade"


def test_an_event_fused_into_another_is_not_listed_and_its_id_leads_to_the_survivor(seed_copy: Path):
    with Store(seed_copy) as store:
        events = store.events()
    gone, kept = events[0], events[1]
    with sqlite3.connect(seed_copy) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(events)")]
        if "merged_into" not in columns:
            pytest.skip("this store has no fusion yet (no merged_into column)")
        db.execute("UPDATE events SET merged_into = ? WHERE id = ?", (kept.id, gone.id))
    app = TestClient(create_app(seed_copy, tiles=None))
    body = app.get("/api/events", params={"limit": 1000}).json()
    assert body["total"] == len(events) - 1
    assert gone.event_id_cnty not in {e["event_id"] for e in body["events"]}
    assert app.get("/api/events/" + gone.event_id_cnty).json()["event_id"] == kept.event_id_cnty
    assert sum(d["events"] for d in app.get("/api/stats/daily").json()["days"]) <= len(events) - 1
    facets = app.get("/api/facets").json()
    assert facets["total"] == len(events) - 1
    for name in ("event_type", "sub_event_type", "admin1"):
        counted = {v["value"]: v["count"] for v in facets[name]}
        assert counted.get(getattr(gone, name), 0) == sum(getattr(r, name) == getattr(gone, name) for r in events) - 1


# --- one event, one article ---------------------------------------------------------------


def test_event_detail_has_sources_claims_and_sentences_that_point_into_the_article(client, stored):
    deadly = next(r for r in stored if r.fatalities)
    e = client.get(f"/api/events/{deadly.event_id_cnty.lower()}").json()  # any case
    assert e["event_id"] == deadly.event_id_cnty
    assert e["articles"] and e["evidence"] and e["claims"]
    assert e["fatality_estimates"]["reported"][0]["figure"] == deadly.fatalities
    assert {c["field"] for c in e["claims"]} >= {"fatalities", "location"}
    for sentence in e["evidence"]:
        article = client.get(f"/api/articles/{sentence['article_id']}").json()
        # offsets count code points in the article text, as the page highlights them
        assert article["text"][sentence["start"]:sentence["end"]].strip() == sentence["text"].strip()
        assert deadly.event_id_cnty in article["events"]
        assert any(m["start"] == sentence["start"] and m["kind"] == "evidence" for m in article["mentions"])


def test_article_endpoint(client, stored):
    article = client.get("/api/articles/1").json()
    assert article["id"] == 1 and article["text"] and article["source"]
    assert set(article["events"]) <= {r.event_id_cnty for r in stored}
    assert client.get("/api/articles/999999").status_code == 404


# --- statistics and exports ---------------------------------------------------------------


def test_daily_stats_add_up_to_the_filtered_events(client, stored):
    body = client.get("/api/stats/daily").json()
    dated = [r for r in stored if r.event_date]
    assert sum(d["events"] for d in body["days"]) == len(dated)
    assert body["undated"]["events"] == len(stored) - len(dated)
    assert sum(d["fatalities"] for d in body["days"]) == sum(r.fatalities or 0 for r in dated)
    for day in body["days"]:
        assert sum(c["events"] for c in day["by_type"].values()) == day["events"]
    assert [d["date"] for d in body["days"]] == sorted(d["date"] for d in body["days"])
    filtered = client.get("/api/stats/daily", params={"event_type": "Battles"}).json()
    assert filtered["event_types"] == ["Battles"]
    assert filtered["total"]["events"] == sum(r.event_type == "Battles" for r in stored)


def test_csv_has_acled_columns_and_the_same_filters(client, stored):
    response = client.get("/api/events.csv", params={"admin1": "Hama"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert list(rows[0].keys()) == ACLED_COLUMNS
    assert sorted(r["event_id_cnty"] for r in rows) == sorted(s.event_id_cnty for s in stored if s.admin1 == "Hama")
    everything = list(csv.DictReader(io.StringIO(client.get("/api/events.csv").text)))
    assert len(everything) == len(stored)


def test_geojson_has_the_located_filtered_events(client, stored):
    response = client.get("/api/events.geojson", params={"min_fatalities": 1})
    assert response.headers["content-type"].startswith("application/geo+json")
    body = response.json()
    wanted = {r.event_id_cnty for r in stored if r.located and (r.fatalities or 0) >= 1}
    assert {f["id"] for f in body["features"]} == wanted
    lon, lat = body["features"][0]["geometry"]["coordinates"]
    assert 30 < lat < 38 and 35 < lon < 43  # GeoJSON order is [longitude, latitude]


def test_facets_and_config(client, stored):
    facets = client.get("/api/facets").json()
    assert facets["total"] == len(stored)
    assert sum(v["count"] for v in facets["event_type"]) == len(stored)
    config = client.get("/api/config").json()
    assert config["tiles"] is None and config["ingest"] is False
    assert client.get(config["boundaries"]["url"]).json()["type"] == "FeatureCollection"


# --- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize("params", [
    {"since": "yesterday"}, {"until": "2019-02-30"}, {"since": "2019-01-01", "until": "2018-01-01"},
    {"bbox": "1,2,3"}, {"bbox": "a,b,c,d"}, {"bbox": "36,40,37,35"}, {"bbox": "200,0,210,1"},
    {"min_fatalities": "-1"}, {"min_fatalities": "many"}, {"limit": "0"}, {"limit": "-3"},
    {"offset": "-5"}, {"sort": "password"}, {"sort": "--fatalities"}, {"located": "perhaps"}, {"q": "x" * 500},
])
def test_bad_filter_values_are_422_with_a_message(client, params):
    for path in ("/api/events", "/api/events.csv", "/api/events.geojson", "/api/stats/daily"):
        response = client.get(path, params=params)
        if path == "/api/stats/daily" and set(params) <= {"limit", "offset", "sort"}:
            assert response.status_code == 200  # the daily statistics take no page or order
            continue
        assert response.status_code == 422, (path, params, response.text)
        body = response.json()
        assert isinstance(body["message"], str) and body["message"]
        assert isinstance(body["detail"], list) and body["detail"][0]["loc"]


def test_a_page_holds_at_most_1000_events(client):
    assert client.get("/api/events", params={"limit": 1001}).status_code == 422
    assert client.get("/api/events.csv", params={"limit": 1001}).status_code == 200  # exports have no page size


def test_not_found_and_wrong_method_are_json(client):
    for path in ("/api/events/SYR999999", "/api/articles/424242", "/api/nothing"):
        response = client.get(path)
        assert response.status_code == 404 and "message" in response.json()
    assert "SYR999999" in client.get("/api/events/SYR999999").json()["message"]
    assert client.get("/api/articles/abc").status_code == 422
    # an event id is an ISO3 code and a number: "points" is the map's route, "abc" no id at all
    assert client.get("/api/events/abc").status_code == 422
    assert "points" in client.get("/api/events/points").json()
    assert client.get("/api/articles/99999999999999999999999").status_code == 422
    assert client.post("/api/events").status_code == 405
    assert client.get("/events/NOPE").status_code == 404
    assert client.get("/articles/0").status_code == 404


# --- read-only unless asked, and then only with the token ---------------------------------


def test_read_only_by_default(client, seed_db: Path, tmp_path: Path):
    before = seed_db.read_bytes()
    response = client.post("/api/ingest", content=b'{"text": "x"}')
    assert response.status_code == 404
    for method in ("put", "delete", "patch"):
        assert getattr(client, method)("/api/events/SYR1").status_code == 405
    assert seed_db.read_bytes() == before
    with pytest.raises(ValueError, match="token"):
        create_app(seed_db, allow_ingest=True)
    with pytest.raises(StoreError, match="no database"):
        create_app(tmp_path / "missing.db")


def test_ingest_needs_the_token_and_stores_articles(seed_copy: Path, pipeline):
    app = TestClient(create_app(seed_copy, allow_ingest=True, token=TOKEN, tiles=None, pipeline=pipeline))
    article = {"id": "api-1", "title": "Shelling in Kafr Zita", "published": "2019-06-02", "outlet": "Test Wire",
               "url": "https://example.org/kafr-zita",
               "text": "Government forces shelled the town of Kafr Zita in northern Hama on Saturday, killing "
                       "three civilians, the Syrian Observatory for Human Rights said."}
    body = (json.dumps(article) + "\n").encode()
    assert app.post("/api/ingest", content=body).status_code == 401
    assert app.post("/api/ingest", content=body).headers["www-authenticate"] == "Bearer"
    assert app.post("/api/ingest", content=body, headers={"Authorization": "Bearer nope"}).status_code == 403
    assert app.post("/api/ingest", content=body, headers={"Authorization": "Basic " + TOKEN}).status_code == 401
    auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/x-ndjson"}
    done = app.post("/api/ingest", content=body, headers=auth)
    assert done.status_code == 200, done.text
    result = done.json()
    assert result["stored"] == 1 and result["events"] and result["failures"] == []
    event = app.get(f"/api/events/{result['events'][0]}").json()
    assert event["articles"][0]["url"] == "https://example.org/kafr-zita"
    again = app.post("/api/ingest", content=body, headers=auth).json()
    assert again["stored"] == 0 and again["duplicates"] == 1
    # a bad line is reported, the others are stored; a line naming a server file is not read as one
    mixed = b'not json\n{"path": "/etc/passwd", "text": "Jets struck Kafr Nabudah on Monday, killing two."}\n'
    report = app.post("/api/ingest", content=mixed, headers=auth).json()
    assert report["failures"][0]["source"] == "request:1"
    assert app.post("/api/ingest", content=b"\n\n", headers=auth).status_code == 422
    assert app.post("/api/ingest", content=b"\xff\xfe", headers=auth).status_code == 422


# --- the pages and the headers ------------------------------------------------------------


def test_pages_assets_docs_and_security_headers(client, stored):
    home = client.get("/")
    assert home.status_code == 200 and "text/html" in home.headers["content-type"]
    csp = home.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "object-src 'none'" in csp
    assert home.headers["x-content-type-options"] == "nosniff"
    assert "http" not in home.text.replace("http://www.w3.org", "")  # nothing from another host
    assert client.get(f"/events/{stored[0].event_id_cnty}").status_code == 200
    assert client.get("/articles/1").status_code == 200
    assert client.get("/static/vendor/leaflet/leaflet.js").status_code == 200
    assert "BSD" in client.get("/static/vendor/leaflet/LICENSE").text
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs.text
    schema = client.get("/openapi.json").json()
    assert {"/api/events", "/api/events/{event_id}", "/api/articles/{article_id}", "/api/stats/daily",
            "/api/events.csv", "/api/events.geojson", "/api/events/points"} <= set(schema["paths"])
    assert "/api/ingest" not in schema["paths"]


def test_tile_layer_is_configurable_and_allowed_by_the_policy(seed_db: Path):
    app = TestClient(create_app(seed_db, tiles="https://{s}.tiles.example.org/{z}/{x}/{y}.png",
                                tiles_attribution="Example tiles"))
    config = app.get("/api/config").json()
    assert config["tiles"] == {"url": "https://{s}.tiles.example.org/{z}/{x}/{y}.png",
                               "attribution": "Example tiles"}
    assert "https://*.tiles.example.org" in app.get("/").headers["content-security-policy"]
    default = TestClient(create_app(seed_db)).get("/api/config").json()
    assert "openstreetmap" in default["tiles"]["url"]


# --- the query planner gives the same answers whichever plan it picks ---------------------


def test_every_plan_agrees_with_a_plain_filter(tmp_path: Path, monkeypatch):
    """Synthetic events (the benchmark's generator): each filter, sort and page against Python's answer."""
    import importlib.util

    from warwatch.store import query

    spec = importlib.util.spec_from_file_location("api_latency", Path(__file__).parents[1] / "bench/api_latency.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    db = tmp_path / "synthetic.db"
    bench.generate(db, 1500, seed=3)
    with Store(db) as store:
        everything = store.events()
    app = TestClient(create_app(db, tiles=None))
    cases = [
        ({}, lambda r: True),
        ({"since": "2015-01-01", "until": "2016-12-31"}, lambda r: r.event_date and 2015 <= r.event_date.year <= 2016),
        ({"admin1": "aleppo"}, lambda r: r.admin1 == "Aleppo"),
        ({"actor": "russia", "since": "2019-01-01"},
         lambda r: "Russia" in (r.actor1 or "") + (r.actor2 or "") and r.event_date and r.event_date.year >= 2019),
        ({"q": "hospital"}, lambda r: "hospital" in (r.notes or "")),
        ({"q": "hospital", "admin1": "Idlib"}, lambda r: "hospital" in (r.notes or "") and r.admin1 == "Idlib"),
        ({"min_fatalities": 3, "bbox": "36,35,37.5,36.5"},
         lambda r: (r.fatalities or 0) >= 3 and r.located and 35 <= r.latitude <= 36.5 and 36 <= r.longitude <= 37.5),
    ]
    # never / always walk the sort column's index; free text probed per event or scanned once
    for walk_rows, probe_rows in ((0, 0), (10**9, 10**9), (0, 10**9), (10**9, 0)):
        monkeypatch.setattr(query, "WALK_ROWS", walk_rows)
        monkeypatch.setattr(query, "PROBE_ROWS", probe_rows)
        for params, keep in cases:
            wanted = [r for r in everything if keep(r)]
            for sort, key in (("event_date", lambda r: (r.event_date is None, r.event_date, r.id)),
                              ("-fatalities", lambda r: (r.fatalities is None, -(r.fatalities or 0), -r.id))):
                expected = [r.event_id_cnty for r in sorted(wanted, key=key)]
                got = []
                for offset in (0, 40, 80):
                    body = app.get("/api/events", params={**params, "sort": sort, "offset": offset,
                                                          "limit": 40}).json()
                    assert body["total"] == len(wanted), (walk_rows, probe_rows, params)
                    got += [e["event_id"] for e in body["events"]]
                assert got == expected[:120], (walk_rows, probe_rows, params, sort)


@pytest.fixture(scope="module")
def api_schema(seed_db: Path):
    if schemathesis is None:
        pytest.skip("schemathesis is not installed")
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(seed_db, tiles=None))


@pytest.mark.parametrize("path", ["/api/events", "/api/events.csv", "/api/events.geojson", "/api/events/points",
                                  "/api/events/{event_id}", "/api/articles/{article_id}", "/api/stats/daily",
                                  "/api/facets", "/api/config"])
def test_schema_fuzzing(api_schema, path):
    """schemathesis: requests generated from the OpenAPI schema get no 5xx, and documented answers."""
    operation = api_schema[path]["GET"]

    @given(case=operation.as_strategy())
    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def fuzz(case):
        # every check but "schema-valid data is accepted": a schema cannot say since <= until, or that a
        # bbox's numbers are degrees, and the API rightly answers those with a 422
        case.call_and_validate(excluded_checks=[positive_data_acceptance])

    fuzz()


def test_a_missing_or_broken_database_gives_json_errors(seed_copy: Path, tmp_path: Path):
    broken = tmp_path / "broken.db"
    shutil.copy(seed_copy, broken)
    app = TestClient(create_app(broken, tiles=None), raise_server_exceptions=False)
    with sqlite3.connect(broken) as db:
        db.execute("DROP TABLE claims")
    response = app.get("/api/events/SYR1")
    assert response.status_code == 503 and "cannot read" in response.json()["message"]


@pytest.fixture(scope="module")
def typed_client(tmp_path_factory: pytest.TempPathFactory):
    """The API over a store holding events of all six ACLED event types (the store's write path)."""
    from typed_events import store_typed

    db = store_typed(tmp_path_factory.mktemp("typed") / "typed.db")
    with TestClient(create_app(db, tiles=None)) as test_client:
        yield test_client


def test_type_filter_takes_event_and_sub_event_types(typed_client) -> None:
    from typed_events import EVENTS

    def towns(**params) -> set[str]:
        response = typed_client.get("/api/events", params=params)
        assert response.status_code == 200, response.text
        return {e["location"] for e in response.json()["events"]}

    assert towns(event_type="protests") == {"Nairobi", "Omdurman"}
    assert towns(event_type="Mob violence") == {"Kolkata"}
    assert towns(event_type=["Riots", "Arrests"]) == {"Patna", "Kolkata", "Istanbul"}
    assert towns(event_type="Riots", sub_event_type="Violent demonstration") == {"Patna"}
    assert towns(sub_event_type="agreement") == {"Goma"}
    assert towns() == {e.town for e in EVENTS}
    protests = typed_client.get("/api/events.csv", params={"event_type": "Protests"}).text
    rows = list(csv.DictReader(io.StringIO(protests)))
    assert {(r["location"], r["disorder_type"], r["interaction"]) for r in rows} == {
        ("Nairobi", "Demonstrations", "60"), ("Omdurman", "Political violence; Demonstrations", "16")}


def test_facets_list_all_six_types_with_their_sub_types(typed_client) -> None:
    types = typed_client.get("/api/facets").json()["types"]
    assert [t["value"] for t in types] == ["Battles", "Explosions/Remote violence", "Violence against civilians",
                                           "Protests", "Riots", "Strategic developments"]
    assert sum(len(t["sub_event_types"]) for t in types) == 25
    counts = {t["value"]: t["count"] for t in types}
    assert counts["Strategic developments"] == 3 and counts["Riots"] == 2
    riots = next(t for t in types if t["value"] == "Riots")["sub_event_types"]
    assert riots == [{"value": "Violent demonstration", "count": 1}, {"value": "Mob violence", "count": 1}]
    # a type the database holds none of is listed with 0
    strategic = next(t for t in types if t["value"] == "Strategic developments")["sub_event_types"]
    assert {"value": "Disrupted weapons use", "count": 0} in strategic
    stats = typed_client.get("/api/stats/daily").json()
    assert stats["event_types"] == [t["value"] for t in types]  # ACLED's order: the bars stack the same way


def test_event_detail_carries_acleds_derived_columns(typed_client) -> None:
    listed = typed_client.get("/api/events", params={"event_type": "Arrests"}).json()["events"]
    assert len(listed) == 1 and listed[0]["civilian_targeting"] is False  # an arrest is not an attack
    mob = typed_client.get("/api/events", params={"event_type": "Mob violence"}).json()["events"][0]
    assert mob["civilian_targeting"] is True
    detail = typed_client.get(f"/api/events/{mob['event_id']}").json()
    assert detail["acled"]["disorder_type"] == "Political violence"
    assert (detail["acled"]["inter1"], detail["acled"]["inter2"], detail["acled"]["interaction"]) == (5, 7, 57)
    assert detail["acled"]["civilian_targeting"] == "Civilian targeting"
