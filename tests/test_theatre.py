"""The theatre: other reports of the period choose between namesakes the text leaves open.

Places and coordinates are real (Donbas front line, 2020); the report sentences are written in
the style of the OSCE SMM's daily reports, which name a village and nothing else.
"""

from __future__ import annotations

from datetime import date

import pytest

from warwatch.geocode import Geocoder
from warwatch.geocode.index import km
from warwatch.geocode.theatre import Theatre
from warwatch.models import Article, Place, Toponym
from warwatch.pipeline import ingest

# Viktorivka, Volnovakha district (the OSCE's "near Viktorivka"); namesakes in Odesa, Luhansk...
VIKTORIVKA = (47.635, 37.809)
# reports of the same weeks with their province named: around Volnovakha (Styla 8 km, Novolaspa 9 km,
# Dokuchaievsk 16 km from Viktorivka)
NEARBY = [
    "On 1 May 2020, shelling damaged houses in Dokuchaievsk, Donetsk region. No casualties were reported.",
    "On 2 May 2020, Russia-backed armed formations shelled Styla, Donetsk region, wounding a civilian.",
    "On 2 May 2020, a school in Novolaspa, Donetsk region, was damaged by shelling. No casualties were reported.",
    "On 3 May 2020, a house was hit by shelling in Volnovakha, Donetsk region. No casualties were reported.",
]
ONE_LINER = "On 2 May 2020, the OSCE SMM observed a total of 8 explosions involving unknown weapons near Viktorivka."
# a front line far from Kyiv region (each place reported five times)
FRONT = [("UA", 48.14, 37.74, "Avdiivka"), ("UA", 48.33, 38.05, "Horlivka"), ("UA", 47.10, 37.55, "Mariupol"),
         ("UA", 48.63, 38.38, "Popasna"), ("UA", 48.70, 38.53, "Zolote")] * 5


@pytest.fixture(scope="module")
def geo(cache_dir) -> Geocoder:
    return Geocoder()


def near(place: Place, lat: float, lon: float, limit: float = 5.0) -> bool:
    return place.located and km(place.lat, place.lon, lat, lon) <= limit


def test_support_counts_points_within_the_radius_of_the_country_but_not_the_name_itself():
    theatre = Theatre([("UA", 47.60, 37.50, "Volnovakha"), ("UA", 47.75, 37.68, "Dokuchaievsk"),
                       ("UA", 46.48, 30.73, "Odesa"), ("RU", 47.62, 37.80, "Across the border"),
                       ("UA", 47.64, 37.81, "Viktorivka")])
    assert theatre.support("UA", *VIKTORIVKA) == 3  # Volnovakha 23 km, Dokuchaievsk 16 km, itself
    assert theatre.support("UA", *VIKTORIVKA, exclude="Viktorivka") == 2  # a name never vouches for itself
    assert theatre.support("UA", *VIKTORIVKA, radius=600) == 4  # Odesa is 470 km off
    assert theatre.support("SY", *VIKTORIVKA) == 0
    assert theatre.in_country("UA") == 4 and not Theatre()


def test_the_theatre_chooses_the_namesake_where_the_other_reports_are(geo):
    toponym = Toponym("Viktorivka", 0, 10, "near", [])
    theatre = Theatre([("UA", 47.60, 37.50, "Volnovakha"), ("UA", 47.75, 37.68, "Dokuchaievsk"),
                       ("UA", 47.72, 37.58, "Novotroitske")])
    place = geo.resolve(toponym, country="UA", theatre=theatre)
    assert near(place, *VIKTORIVKA), place
    assert not near(geo.resolve(toponym, country="UA"), *VIKTORIVKA)  # without it, a namesake elsewhere


def test_a_far_village_is_left_unlocated_rather_than_guessed(geo):
    # "near Bohuslavske" (Luhansk; not in the gazetteer): the only candidate, a district in
    # Kyiv region 500 km from every report of the period, is a namesake, not a guess to map
    toponym = Toponym("Bohuslavske", 0, 11, "near", [])
    assert geo.resolve(toponym, country="UA").located  # alone, the close name is taken...
    assert not geo.resolve(toponym, country="UA", theatre=Theatre(FRONT)).located  # ...not with the theatre
    # a name that passes on its own nowhere is not made a place by the theatre either
    assert not geo.resolve(Toponym("Takihi", 0, 6, None, []), country="UA", theatre=Theatre(FRONT)).located


def test_the_province_named_still_outranks_the_theatre(geo):
    # "Vasylivka, Zaporizhzhia": the theatre in Donetsk does not move it out of the province named
    place = geo.resolve(Toponym("Vasylivka", 0, 9, None, ["Zaporizhzhia"]), country="UA", theatre=Theatre(FRONT))
    assert place.located and place.admin1 and place.admin1.startswith("Zapor")


def test_a_batch_places_its_one_liners_from_its_other_reports_in_any_order(pipeline):
    articles = [Article(text=t, published=date(2020, 5, 3), outlet="OSCE SMM") for t in [*NEARBY, ONE_LINER]]
    forward = pipeline.process_batch(articles)
    backward = pipeline.process_batch(articles[::-1])
    one = [m.place for a, ms in forward if a.text == ONE_LINER for m in ms]
    assert one and all(near(p, *VIKTORIVKA) for p in one), one
    places = {a.text: [(m.place.lat, m.place.lon) for m in ms] for a, ms in forward}
    assert places == {a.text: [(m.place.lat, m.place.lon) for m in ms] for a, ms in backward}


def test_a_later_ingest_draws_on_the_reports_already_stored(tmp_path, pipeline):
    db = tmp_path / "store.db"
    first = tmp_path / "first"
    first.mkdir()
    for i, text in enumerate(NEARBY):
        (first / f"{i}.txt").write_text(text, encoding="utf-8")
    assert ingest([first], db=db, published=date(2020, 5, 3), pipeline=pipeline).stored == len(NEARBY)
    second = tmp_path / "osce.txt"
    second.write_text(ONE_LINER, encoding="utf-8")
    assert ingest([second], db=db, published=date(2020, 5, 3), pipeline=pipeline).stored == 1

    import json
    import sqlite3

    con = sqlite3.connect(db)
    try:
        rows = con.execute("SELECT m.place FROM mentions m JOIN articles a ON a.id = m.article_id"
                           " WHERE a.text LIKE '%OSCE SMM observed%'").fetchall()
    finally:
        con.close()
    places = [json.loads(r[0]) for r in rows]
    assert places and all(p["lat"] and km(p["lat"], p["lon"], *VIKTORIVKA) <= 5 for p in places), places


def test_geocode_command_weighs_namesakes_by_a_store(tmp_path, cache_dir):
    from conftest import run_cli

    folder = tmp_path / "reports"
    folder.mkdir()
    for i, text in enumerate(NEARBY):
        (folder / f"{i}.txt").write_text(text, encoding="utf-8")
    db = tmp_path / "store.db"
    assert run_cli("ingest", str(folder), "--db", str(db), "--published", "2020-05-03").returncode == 0
    env = {"COLUMNS": "250"}
    plain = run_cli("geocode", "Viktorivka", "--country", "UA", "--limit", "3", env=env)
    weighed = run_cli("geocode", "Viktorivka", "--country", "UA", "--limit", "3", "--db", str(db),
                      "--date", "2020-05-02", env=env)
    assert plain.returncode == 0 and weighed.returncode == 0, weighed.stderr
    assert "other report(s) of the period" not in plain.stdout
    winner = weighed.stdout.split("wins:")[0].splitlines()
    first = next(line for line in winner if line.lstrip("│ ").startswith("1 "))
    assert "Donetsk" in first and "47.6351" in first
    assert "3 other report(s) of the period placed within 25 km" in weighed.stdout.replace("\n", " ").replace("│", "")
    bad = run_cli("geocode", "Viktorivka", "--db", str(db), "--date", "May 2020")
    assert bad.returncode != 0 and "Traceback" not in bad.stderr and len(bad.stderr.strip().splitlines()) == 1


def test_a_report_adds_its_first_pass_place_to_the_theatre_and_a_resumed_run_places_alike(tmp_path, pipeline):
    """What a stored report adds to the theatre is where it was placed before the theatre weighed in
    (the place every report of a batch adds to the others): so a run stopped after any article and run
    again gives each report the place one run never stopped gives it."""
    from warwatch.store import Store
    from warwatch.store.placed import stored_places

    folder = tmp_path / "reports"
    folder.mkdir()
    for i, text in enumerate([ONE_LINER, *NEARBY]):
        (folder / f"{i}.txt").write_text(text, encoding="utf-8")

    def places(db):
        with Store(db) as store:
            return {(r.location, r.latitude, r.longitude) for r in store.events()}, list(stored_places(store))

    whole = tmp_path / "whole.db"
    ingest([folder], db=whole, published=date(2020, 5, 3), pipeline=pipeline)
    events, theatre = places(whole)
    # the one-liner's own place is Viktorivka near the others; what it adds to the theatre is its first pass
    assert any(loc == "Viktorivka" and km(lat, lon, *VIKTORIVKA) <= 5 for loc, lat, lon in events), events
    alone = pipeline.geocoder.resolve(Toponym("Viktorivka", 0, 10, "near", []), country="UA")
    assert not near(alone, *VIKTORIVKA)
    assert next(p for ps in theatre for p in ps if p.text == "Viktorivka").lat == alone.lat
    for stop_after in range(1, 5):
        db = tmp_path / f"stopped{stop_after}.db"
        stored: list[object] = []
        report = ingest([folder], db=db, published=date(2020, 5, 3), pipeline=pipeline, on_article=stored.append,
                        should_stop=lambda done=stored, n=stop_after: len(done) >= n)
        assert report.interrupted and report.stored == stop_after
        again = ingest([folder], db=db, published=date(2020, 5, 3), pipeline=pipeline)
        assert again.duplicates == stop_after and again.stored == 5 - stop_after
        assert places(db) == (events, theatre)
