"""The settlement lists merged into the gazetteer index (issue 13), with real names from each.

Expected points are the places' real positions (or, for a village the list gives no point, the
unit it is coded to), never read back from the index under test. The lists themselves are read
from ../shared/data/gazetteer, the same files the packaged copies were trimmed from.
"""

from __future__ import annotations

import csv
import gzip

import pytest
from conftest import require_shared, run_cli

from warwatch.geocode import Geocoder
from warwatch.geocode.index import km
from warwatch.models import Place, Toponym


@pytest.fixture(scope="module")
def geo(cache_dir) -> Geocoder:
    return Geocoder()


def place_of(geo: Geocoder, text: str, context: list[str], country: str | None) -> Place:
    return geo.resolve(Toponym(text, 0, len(text), context=context), country=country)


def near(place: Place, lat: float, lon: float, limit: float = 5.0) -> bool:
    return place.located and km(place.lat, place.lon, lat, lon) <= limit


def test_an_ocha_spelling_is_found_and_keeps_its_p_code(geo):
    # "Ftireh" (Jabal al-Zawiya, Idlib): OCHA's spelling, absent from WOF and GeoNames
    place = place_of(geo, "Ftireh", ["Idleb"], "SY")
    assert near(place, 35.62, 36.49) and place.geo_precision == 1
    (cand,) = [c for c in geo.candidates("Ftireh", context=["Idleb"], country="SY", limit=1)]
    assert cand.source == "ocha-syria" and cand.pcode == "C4070"
    assert any("point inferred" in w for w in cand.why)  # OCHA's point joined by file order ranks lower


def test_the_same_place_in_two_sources_is_one_candidate(geo):
    # "Ein Issa" is OCHA's name and a WOF alternate name of `Ayn `Isa: one place, both sources
    place = place_of(geo, "Ein Issa", ["Ar-Raqqa"], "SY")
    assert near(place, 36.385, 38.86)
    cands = geo.candidates("Ein Issa", context=["Ar-Raqqa"], country="SY", limit=10)
    towns = [c for c in cands if c.placetype == "locality" and km(c.lat, c.lon, 36.385, 38.86) < 5]
    assert len(towns) == 1 and towns[0].source == "wof+ocha-syria"


def test_a_village_the_list_codes_to_its_unit_is_chosen_when_the_unit_is_named(geo):
    # "Tawileh (Tal Tamer, Al Hasakeh)": OCHA has it in Tal Tamer sub-district without a point;
    # WOF's Tawil and Tawilah lie in other sub-districts, 100 and 45 km off
    place = place_of(geo, "Tawileh", ["Al Hasakeh", "Tal Tamer"], "SY")
    assert place.name == "Tawileh" and place.geo_precision == 2 and place.admin1 == "Al-Hasakeh"
    assert near(place, 36.65, 40.37, limit=15)  # Tal Tamer


def _mimu_row(name: str, township: str) -> dict[str, str]:
    path = require_shared("data", "gazetteer", "mm_mimu_places.tsv.gz")
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return next(r for r in csv.DictReader(handle, delimiter="\t")
                    if r["name_eng"] == name and r["township_eng"] == township)


def test_a_mimu_village_by_its_township_in_latin_and_myanmar_script(geo):
    # "Kan Pyar village (Myinmu township, Sagaing region)": three Kan Pyars in Sagaing; the one of
    # the township named, a few km north-east of Myinmu
    place = place_of(geo, "Kan Pyar", ["Sagaing region", "Myinmu township"], "MM")
    assert near(place, 21.93, 95.58, limit=15) and place.gazetteer_id.startswith("mimu:")
    row = _mimu_row("Kan Pyar", "Myinmu")
    assert place.gazetteer_id == f"mimu:{row['pcode']}"
    # the same village as a Myanmar-language report writes it
    script = place_of(geo, row["name_mmr"], ["Sagaing region", "Myinmu township"], "MM")
    assert script.gazetteer_id == place.gazetteer_id


def test_a_somali_place_from_openstreetmap(geo):
    # "Hawo-Cabdi" (Afgooye, Lower Shabelle): the Hawa Abdi camp on the Afgooye road, OSM's only
    place = place_of(geo, "Hawo-Cabdi", ["Lower Shabelle", "Afgooye"], "SO")
    assert near(place, 2.09, 45.18) and place.gazetteer_id.startswith("osm-africa:")
    # Mogadishu's districts come from OSM too (ACLED's "Mogadishu - Hodan")
    hodan = place_of(geo, "Mogadishu - Hodan", ["Banadir"], "SO")
    assert near(hodan, 2.04, 45.31, limit=3) and hodan.admin1 == "Banadir"


def test_a_yemeni_village_by_its_district_is_coded_to_the_district(geo):
    # "Bani Hasan (Abs, Hajjah)": the list knows the village only by uzla and district
    place = place_of(geo, "Bani Hasan", ["Hajjah", "Abs"], "YE")
    assert place.located and place.text == "Bani Hasan" and place.name == "Bani Hasan"
    assert place.geo_precision == 2 and place.admin1 == "Hajjah" and place.admin2 == "Abs"
    assert place.gazetteer_id.startswith("yemen-villages:")
    assert near(place, 16.05, 43.15, limit=25)  # in Abs district, never at Yemen's centroid


@pytest.mark.parametrize("word", ["Village", "Camp", "Army", "Police", "Monday", "Friday", "Market", "School"])
def test_common_words_that_lists_hold_as_places_are_not_places(geo, word):
    assert geo.lookup(word) == []
    assert not place_of(geo, word, [], None).located


def test_a_users_list_adds_places_and_removing_it_takes_them_away(cache_dir, tmp_path, monkeypatch):
    """The whole path: `gazetteer add` layers the list over the packaged index, `geocode` finds its
    rows (a hamlet below a village of the same name; a row without a point at its district), and
    `gazetteer remove` takes them away again."""
    monkeypatch.setenv("WARWATCH_DATA", str(tmp_path / "data"))
    # names no packaged gazetteer holds (checked below), in districts it does
    listing = tmp_path / "hdx_villages.tsv"
    listing.write_text(
        "name\talt_names\tlat\tlon\tcountry\tadmin1\tadmin2\tpcode\tkind\n"
        "Qurac Dhuuban\tQurac Dhooban\t2.2105\t45.0521\tSO\tLower Shabelle\tAfgooye\tSO1101X01\thamlet\n"
        "Qurac Dhuuban\t\t2.4400\t45.5602\tSO\tMiddle Shabelle\tBalcad\tSO1201X07\tvillage\n"
        "Buulo Dhiinle\t\t\t\tSO\tLower Shabelle\tAfgooye\tSO1101X02\tvillage\n",
        encoding="utf-8")
    before = run_cli("geocode", "Qurac Dhuuban", "--country", "SO")
    assert before.returncode != 0 and "no place called 'Qurac Dhuuban'" in before.stderr
    added = run_cli("gazetteer", "add", str(listing), "--source", "hdx-test", "--licence", "CC BY-IGO")
    assert added.returncode == 0, added.stderr
    found = run_cli("geocode", "Qurac Dhuuban", "--country", "SO", env={"COLUMNS": "250"})
    assert found.returncode == 0 and "hdx-test" in found.stdout
    # the village first, the hamlet of the same name below it
    assert "Balcad" in found.stdout and "a hamlet, not a village or town" in found.stdout
    assert found.stdout.index("Balcad") < found.stdout.index("Afgooye"), found.stdout
    coded = run_cli("geocode", "Buulo Dhiinle", "--context", "Lower Shabelle", "--country", "SO",
                    env={"COLUMNS": "250"})
    assert "Afgooye" in coded.stdout and "coded to its unit" in coded.stdout
    listed = run_cli("gazetteer", "list", env={"COLUMNS": "250"})
    assert "hdx-test" in listed.stdout and "CC BY-IGO" in listed.stdout
    assert run_cli("gazetteer", "remove", "hdx-test").returncode == 0
    after = run_cli("geocode", "Qurac Dhuuban", "--country", "SO")
    assert after.returncode != 0 and "no place called" in after.stderr
