"""ACLED's derived columns for every event type: disorder_type, inter1/inter2/interaction and
civilian_targeting, in the rule tables and through the real store and exports; the actor-code rules
checked against the actor/inter pairs of ACLED's own 2022 and 2020 samples (read at run time from
../shared, never copied)."""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections import Counter
from pathlib import Path

import pytest
from conftest import require_shared
from typed_events import EVENTS, store_typed

from warwatch.serve.export import export_acled, export_geojson, export_json
from warwatch.store import Store, acled

# The floors sit a little under what the rules reach (2022: 0.994 of actor mentions, 0.970 of
# distinct actor names; 2020, which the rules were not written from: 0.994 and 0.967).
FLOORS = {"acled_global_sample_2022H1.csv.gz": (0.985, 0.95),
          "acled_global_sample_2020AprMay.csv.gz": (0.985, 0.95)}


@pytest.fixture(scope="module")
def typed_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return store_typed(tmp_path_factory.mktemp("typed") / "typed.db")


def test_the_taxonomy_is_acleds_six_types_and_25_sub_types() -> None:
    tree = acled.taxonomy()
    assert list(tree) == ["Battles", "Explosions/Remote violence", "Violence against civilians", "Protests",
                          "Riots", "Strategic developments"]
    assert sum(len(subs) for subs in tree.values()) == 25
    for kind, subs in tree.items():
        assert acled.resolve_type(kind.upper()) == ("event_type", kind)
        for sub in subs:
            assert acled.resolve_type(f"  {sub.lower()} ") == ("sub_event_type", sub)
            assert acled.event_type_of(sub) == kind
    assert acled.resolve_type("explosions / remote  violence") == ("event_type", "Explosions/Remote violence")
    assert acled.resolve_type("protest") is None and acled.resolve_type("") is None
    assert "Protests" in acled.unknown_type_message("protest")


@pytest.mark.parametrize(("kind", "sub", "expected"), [
    ("Battles", "Armed clash", "Political violence"),
    ("Explosions/Remote violence", "Grenade", "Political violence"),
    ("Violence against civilians", "Sexual violence", "Political violence"),
    ("Protests", "Peaceful protest", "Demonstrations"),
    ("Protests", "Protest with intervention", "Demonstrations"),
    ("Protests", "Excessive force against protesters", "Political violence; Demonstrations"),
    ("Riots", "Violent demonstration", "Demonstrations"),
    ("Riots", "Mob violence", "Political violence"),
    ("Strategic developments", "Agreement", "Strategic developments"),
    ("Strategic developments", "Looting/property destruction", "Strategic developments"),
])
def test_disorder_type(kind: str, sub: str, expected: str) -> None:
    assert acled.disorder_type(kind, sub) == expected
    assert acled.disorder_type(kind.lower(), sub.upper()) == expected


def test_disorder_types_agree_with_the_2022_sample() -> None:
    """Every (type, sub-type) of the sample gets the sample's disorder_type, but for the two
    documented differences: the sample's old spelling "Demostrations", and Excessive force
    against protesters, which current ACLED codes as both (acled_types.json says why)."""
    path = require_shared("data", "events", "acled_global_sample_2022H1.csv.gz")
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        seen = Counter((r["event_type"], r["sub_event_type"], r["disorder_type"]) for r in csv.DictReader(handle))
    assert len({(k, s) for k, s, _ in seen}) >= 20
    for (kind, sub, theirs), _n in seen.items():
        ours = acled.disorder_type(kind, sub)
        if sub == "Excessive force against protesters":
            assert ours == "Political violence; Demonstrations"
        else:
            assert ours == theirs.replace("Demostrations", "Demonstrations"), (kind, sub)


@pytest.mark.parametrize(("actor", "iso2", "code"), [
    ("Protesters (Kenya)", "KE", 6),
    ("Rioters (India)", "IN", 5),
    ("Civilians (Ukraine)", "UA", 7),
    ("Unidentified Armed Group (Nigeria)", "NG", 3),
    ("Unidentified Gang (Mexico)", "MX", 3),
    ("Police Forces of Sudan (2019-)", "SD", 1),
    ("Police Forces of Sudan (2019-)", "TD", 8),  # in Chad: an external force
    ("Military Forces of Russia (2000-) Air Force", "UA", 8),
    ("Military Forces of the Philippines (2016-2022)", "PH", 1),
    ("Military Forces of the Democratic Republic of Congo (2019-)", "CD", 1),
    ("Government of Kenya", "KE", 1),
    ("Military Forces of Artsakh (2007-)", "AZ", 1),  # a de facto state in the territory it holds
    ("Fulani Ethnic Militia (Nigeria)", "NG", 4),
    ("Darfur Communal Militia (Sudan)", "SD", 4),
    ("Al Shabaab", "SO", 2),
    ("Islamic State (Syria)", "SY", 2),
    ("Naxal-Maoist Rebels (India)", "IN", 2),
    ("Wagner Group", "ML", 8),
    ("MINUSMA: United Nations Multidimensional Integrated Stabilization Mission in Mali (2013-)", "ML", 8),
    ("People's Defense Force - Magway", "MM", 3),
])
def test_inter_code_families(actor: str, iso2: str, code: int) -> None:
    assert acled.inter_code(actor, iso2) == code


def test_interaction_and_no_second_actor() -> None:
    assert acled.interaction(6, 0) == 60 and acled.interaction(6, None) == 60
    assert acled.interaction(7, 1) == 17 and acled.interaction(8, 8) == 88
    assert acled.interaction(None, 1) is None


def test_civilian_targeting_rule() -> None:
    rule = acled.civilian_targeting
    assert rule("Violence against civilians", "Attack", False, 0) == "Civilian targeting"
    assert rule("Protests", "Excessive force against protesters", False, 1) == "Civilian targeting"
    assert rule("Explosions/Remote violence", "Air/drone strike", True, 0) == "Civilian targeting"
    assert rule("Explosions/Remote violence", "Air/drone strike", False, 7) == "Civilian targeting"
    assert rule("Explosions/Remote violence", "Air/drone strike", False, 2) is None
    assert rule("Riots", "Mob violence", False, 7) == "Civilian targeting"
    assert rule("Riots", "Violent demonstration", True, 7) is None
    # non-violent or not aimed at civilians, whatever the extractor flagged
    assert rule("Strategic developments", "Arrests", True, 7) is None
    assert rule("Battles", "Armed clash", True, 7) is None
    assert rule("Protests", "Peaceful protest", True, 0) is None


def _pairs(path: Path) -> list[tuple[str, int, str | None]]:
    """(actor name, ACLED's inter code, the event country's alpha-2) for every actor of every row."""
    by_name = {c.name: c.iso2 for c in acled.countries().values()}
    by_name.update({c.geonames_name: c.iso2 for c in acled.countries().values() if c.geonames_name not in by_name})
    out = []
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            for actor, code in ((row["actor1"], row["inter1"]), (row["actor2"], row["inter2"])):
                if actor and code:
                    out.append((actor, int(float(code)), by_name.get(row["country"])))
    return out


@pytest.mark.parametrize("sample", sorted(FLOORS))
def test_inter_rules_agree_with_acleds_coding(sample: str) -> None:
    pairs = _pairs(require_shared("data", "events", sample))
    assert len(pairs) > 5000
    hits = [acled.inter_code(actor, iso2) == code for actor, code, iso2 in pairs]
    by_name: dict[tuple[str, str | None], bool] = {}
    for (actor, _code, iso2), hit in zip(pairs, hits, strict=True):
        by_name[(actor, iso2)] = by_name.get((actor, iso2), True) and hit
    mentions, names = sum(hits) / len(hits), sum(by_name.values()) / len(by_name)
    floor_mentions, floor_names = FLOORS[sample]
    assert mentions >= floor_mentions, f"{sample}: {mentions:.4f} of actor mentions coded as ACLED codes them"
    assert names >= floor_names, f"{sample}: {names:.4f} of distinct actor names coded as ACLED codes them"
    # the families the product writes itself are right on every row of the sample
    for actor, code, iso2 in pairs:
        if actor.split(" (")[0] in {"Protesters", "Rioters", "Civilians"} or actor.startswith("Unidentified Armed"):
            assert acled.inter_code(actor, iso2) == code, actor


def test_csv_columns_for_every_event_type(typed_db: Path) -> None:
    with Store(typed_db) as store:
        out = io.StringIO()
        assert export_acled(store, out) == len(EVENTS)
    rows = {r["sub_event_type"]: r for r in csv.DictReader(io.StringIO(out.getvalue()))}
    assert {r["event_type"] for r in rows.values()} == set(acled.taxonomy())
    for e in EVENTS:
        row = rows[e.sub_event_type]
        got = (row["event_type"], row["disorder_type"], row["actor1"], row["actor2"], row["inter1"], row["inter2"],
               row["interaction"], row["civilian_targeting"])
        assert got == (e.event_type, e.disorder_type, e.actor1, e.actor2 or "", str(e.inter1), str(e.inter2),
                       str(e.interaction), e.civilian_targeting), e.sub_event_type


def test_json_and_geojson_carry_the_same_columns(typed_db: Path) -> None:
    with Store(typed_db) as store:
        as_json, as_geo = io.StringIO(), io.StringIO()
        export_json(store, as_json)
        export_geojson(store, as_geo)
    items = {i["sub_event_type"]: i for i in json.loads(as_json.getvalue())}
    features = {f["properties"]["sub_event_type"]: f["properties"] for f in json.loads(as_geo.getvalue())["features"]}
    for e in EVENTS:
        for found in (items[e.sub_event_type], features[e.sub_event_type]):
            assert found["disorder_type"] == e.disorder_type
            assert (found["inter1"], found["inter2"], found["interaction"]) == (e.inter1, e.inter2, e.interaction)
            assert found["civilian_targeting"] == (e.civilian_targeting or None)
