"""Exports read back: ACLED CSV with csv.DictReader, JSON with json.loads, GeoJSON; and the scorer."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from conftest import article, require_shared, sentence, toponym

import warwatch
from warwatch.models import Article, Mention, Place
from warwatch.serve.export import ACLED_COLUMNS, export_acled, export_geojson, export_json
from warwatch.store import Store

SAMPLES = Path(warwatch.__file__).parent / "samples"
SYRIA = "Military Forces of Syria (2000-)"
SHELLING = ("Explosions/Remote violence", "Shelling/artillery/missile attack")
AIR = ("Explosions/Remote violence", "Air/drone strike")

QALAAT = Place(text="Qalaat al-Madiq", name="Qal`at al Madiq", lat=35.41465, lon=36.39085, country="SY",
               admin1="Hama", admin2="As-Suqaylabiyah", geo_precision=1, gazetteer_id="wof:1276435799")
HASS = Place(text="Hass", name="Hass", lat=35.6161, lon=36.59066, country="SY", admin1="Idlib",
             geo_precision=1, gazetteer_id="wof:1259369953", ambiguous=True,
             runner_up={"name": "Jafrat al Hass", "score": 0.4})




def seed_mentions(art: Article) -> list[Mention]:
    """Hand-made mentions for two gold events of article 002: Hass (S08) and Qalaat al-Madiq (S09)."""
    s_hass = sentence(art, "One hospital in the village of Hass")
    s_q1 = sentence(art, "According to Abd al-Kareem")
    s_q2 = sentence(art, "The shelling killed two men")
    q_top = toponym(art, s_q1, "Qalaat al-Madiq")
    day = date(2018, 9, 8)
    return [
        Mention(*AIR, evidence=s_hass, toponym=toponym(art, s_hass, "Hass"), place=HASS, event_date=day,
                actor1=SYRIA, actor_attributed=True, weapon="barrel bomb", target="hospital",
                civilian_targeting=True, denials=[sentence(art, "Although Qamishli")]),
        Mention(*SHELLING, evidence=s_q1, toponym=q_top, place=QALAAT, event_date=day, actor1=SYRIA,
                claimant="White Helmets"),
        Mention(*SHELLING, evidence=s_q2, toponym=q_top, place=QALAAT, event_date=day, fatalities=2,
                fatalities_text="two men", injuries=5, claimant="White Helmets"),
    ]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """Article 002 (two events) and article 004 with one unlocated event, in a real SQLite file."""
    a2 = article("002", date(2018, 9, 8), "Al Jazeera")
    a4 = article("004", date(2019, 5, 2), None)
    s = sentence(a4, "A war monitor and activists")
    unplaced = Mention(*AIR, evidence=s, toponym=toponym(a4, s, "Kansarfa"), event_date=date(2019, 5, 2))
    with Store(tmp_path / "w.db") as opened:
        opened.add_article(a4, [unplaced])  # stored first, exported last: the order is by date
        opened.add_article(a2, seed_mentions(a2))
        yield opened


def test_acled_csv_round_trip(store: Store) -> None:
    out = io.StringIO()
    assert export_acled(store, out) == 3
    reader = csv.DictReader(io.StringIO(out.getvalue()))
    assert reader.fieldnames == ACLED_COLUMNS
    rows = list(reader)
    assert [r["location"] for r in rows] == ["Hass", "Qal`at al Madiq", "Kansarfa"]
    hass, qalaat, kansarfa = rows
    assert qalaat["event_id_cnty"].startswith("SYR") and qalaat["event_date"] == "2018-09-08"
    assert (qalaat["year"], qalaat["time_precision"], qalaat["geo_precision"]) == ("2018", "1", "1")
    assert qalaat["disorder_type"] == "Political violence" and qalaat["event_type"] == SHELLING[0]
    assert qalaat["sub_event_type"] == SHELLING[1] and qalaat["actor1"] == SYRIA
    assert (qalaat["inter1"], qalaat["interaction"]) == ("1", "10")
    assert (qalaat["iso"], qalaat["region"], qalaat["country"]) == ("760", "Middle East", "Syria")
    assert (qalaat["admin1"], qalaat["admin2"]) == ("Hama", "As-Suqaylabiyah")
    assert (qalaat["latitude"], qalaat["longitude"]) == ("35.4147", "36.3909")
    assert qalaat["fatalities"] == "2" and qalaat["source"] == "Al Jazeera"
    assert qalaat["notes"].startswith("On 8 September 2018, ") and "killed two men" in qalaat["notes"]
    assert qalaat["civilian_targeting"] == "" and hass["civilian_targeting"] == "Civilian targeting"
    assert abs(int(qalaat["timestamp"]) - time.time()) < 3600
    # no figure reported: ACLED codes 0, never a blank; unlocated: blank coordinates
    assert hass["fatalities"] == "0" and kansarfa["fatalities"] == "0"
    assert kansarfa["event_id_cnty"].startswith("XXX")
    assert (kansarfa["latitude"], kansarfa["longitude"], kansarfa["iso"]) == ("", "", "")
    assert kansarfa["source"] == "004_a4b19aa4bc454938"  # no outlet: the document id


def test_json_keeps_what_acled_has_no_column_for(store: Store) -> None:
    out = io.StringIO()
    assert export_json(store, out) == 3
    items = json.loads(out.getvalue())
    hass, qalaat, kansarfa = items
    assert set(ACLED_COLUMNS) <= set(qalaat)
    assert qalaat["fatalities"]["low"] == qalaat["fatalities"]["best"] == qalaat["fatalities"]["high"] == 2
    assert [(r["figure"], r["source"], r["claimant"]) for r in qalaat["fatalities"]["reported"]] == [
        (2, "Al Jazeera", "White Helmets")]
    assert hass["fatalities"] == {"reported": [], "low": None, "best": None, "high": None}
    assert qalaat["injuries"] == 5 and hass["weapon"] == "barrel bomb" and hass["target"] == "hospital"
    assert hass["actor_attributed"] is True and qalaat["actor_attributed"] is False
    assert hass["ambiguous"] is True and hass["runner_up"]["name"] == "Jafrat al Hass"
    assert [d["text"][:17] for d in hass["denials"]] == ["Although Qamishli"]
    text = article("002", date(2018, 9, 8), "Al Jazeera").text
    for claim in qalaat["claims"]:
        assert text[claim["start"]:claim["end"]] == claim["sentence"]
        assert claim["source"] == "Al Jazeera"
        assert claim["article_id"] in {s["id"] for s in qalaat["sources"]}
    source = qalaat["sources"][0]
    assert source["published"] == "2018-09-08" and source["title"].startswith("After Tehran talks")
    toll = next(c for c in qalaat["claims"] if c["field"] == "fatalities")
    assert toll["sentence"].startswith("The shelling killed") and toll["claimant"] == "White Helmets"
    assert [e["text"][:12] for e in qalaat["evidence"]] == ["According to", "The shelling"]
    assert kansarfa["latitude"] is None and kansarfa["sources"][0]["doc_id"] == "004_a4b19aa4bc454938"


def test_geojson_points_are_lon_lat(store: Store) -> None:
    out = io.StringIO()
    assert export_geojson(store, out) == 2
    collection = json.loads(out.getvalue())
    assert collection["type"] == "FeatureCollection" and collection["unlocated"] == 1
    qalaat = next(f for f in collection["features"] if f["properties"]["location"] == "Qal`at al Madiq")
    assert qalaat["geometry"] == {"type": "Point", "coordinates": [36.39085, 35.41465]}
    assert qalaat["properties"]["fatalities"] == 2 and qalaat["properties"]["country"] == "Syria"
    assert qalaat["properties"]["event_date"] == "2018-09-08"


def test_empty_store_exports(tmp_path: Path) -> None:
    with Store(tmp_path / "empty.db") as empty:
        out = io.StringIO()
        assert export_acled(empty, out) == 0
        assert out.getvalue().strip() == ",".join(ACLED_COLUMNS)
        out = io.StringIO()
        assert export_json(empty, out) == 0 and json.loads(out.getvalue()) == []


def test_the_scorer_reads_our_csv(store: Store, tmp_path: Path) -> None:
    scorer, gold = require_shared("eval", "score.py"), require_shared("eval", "gold", "seeds.json")
    path = tmp_path / "pred.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        export_acled(store, out)
    done = subprocess.run([sys.executable, str(scorer), str(gold), str(path), "--json",
                           "--docs", "002_a8106be745b31416"], capture_output=True, text=True, check=True)
    result = json.loads(done.stdout)
    found = {row["gold"]: row for row in result["events"] if row["matched"]}
    assert set(found) == {"S08", "S09"}
    for row in found.values():
        assert row["checks"] and all(row["checks"].values()), row
    assert found["S09"]["predicted"]["fatalities"] == "2"
