"""One incident told by several outlets is one event; distinct incidents stay apart (issue 11).

Kinds tested here, each on reports written to the pattern of real wire copy (no dev text):
undated articles joining the dated event of their incident (and staying apart when the choice
is not clear), one incident dated a day apart by two outlets, spellings of one unlocated name,
tolls that rise during the day, and undated events kept out of the ACLED table.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import date, timedelta
from pathlib import Path

from conftest import run_cli

from warwatch.fuse.cluster import cluster, fuse_stream
from warwatch.fuse.summary import SourceReport, estimates
from warwatch.fuse.units import Unit, compatible, date_range, name_keys, similar_names
from warwatch.models import Article, Evidence, Mention, Place, Toponym
from warwatch.serve.export import export_acled, export_json
from warwatch.store import Store

DAY = date(2019, 5, 2)
AIR = ("Explosions/Remote violence", "Air/drone strike")
SHELL = ("Explosions/Remote violence", "Shelling/artillery/missile attack")
SYRIA = "Military Forces of Syria (2000-)"
TOWN = {"lat": 35.5, "lon": 36.55, "gid": "wof:1", "names": name_keys("Kafr Tahtani")}


def unit(rid: int, *, article: int | None = None, day: date | None = DAY, kind: tuple[str, str] = AIR,
         actor1: str | None = SYRIA, seen: date | None = None, weapons: tuple[str, ...] = (),
         targets: tuple[str, ...] = (), tolls: tuple[int, int] | None = None, admin1: str = "dlb",
         country: str = "SY", **place: object) -> Unit:
    lo, hi = date_range(day, 1)
    where = {"lat": None, "lon": None, "gid": None, "names": frozenset()} | place
    return Unit(rid=rid, order=(f"{article or rid:04d}", rid), articles=frozenset({article or rid}),
                event_type=kind[0], sub_event_type=kind[1], lo=lo, hi=hi, precision=1,
                lat=where["lat"], lon=where["lon"], gp=1 if where["lat"] is not None else None,  # type: ignore[arg-type]
                gid=where["gid"], names=where["names"], admin1=admin1, country=country,  # type: ignore[arg-type]
                actor1=actor1, actor2=None, confidence=0.6, weapons=frozenset(weapons),
                targets=frozenset(targets), tolls=tolls, seen=seen.toordinal() if seen else None)


def partition(events: list[list[Unit]]) -> set[frozenset[int]]:
    return {frozenset(u.rid for u in e) for e in events}


def articles_by_event(db: Path) -> set[frozenset[int]]:
    """The stored events as sets of the articles behind them."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT event_id, article_id FROM reports").fetchall()
    out: dict[int, set[int]] = {}
    for event_id, article_id in rows:
        out.setdefault(event_id, set()).add(article_id)
    return {frozenset(a) for a in out.values()}


# --- one incident dated a day apart --------------------------------------------------------------

def test_a_day_apart_fuses_only_when_the_incident_evidence_agrees() -> None:
    wed = unit(1, weapons=("barrel bomb",), tolls=(21, 21), **TOWN)
    # "overnight" in another outlet: the next day, the same weapon or a toll close to it
    assert compatible(wed, unit(2, day=DAY + timedelta(days=1), weapons=("barrel bomb",), **TOWN))
    assert compatible(wed, unit(3, day=DAY + timedelta(days=1), tolls=(23, 23), **TOWN))
    # the place alone, a far-off toll, or two days apart: another incident
    assert not compatible(wed, unit(4, day=DAY + timedelta(days=1), **TOWN))
    assert not compatible(wed, unit(5, day=DAY + timedelta(days=1), tolls=(2, 2), **TOWN))
    assert not compatible(wed, unit(6, day=DAY + timedelta(days=2), weapons=("barrel bomb",), **TOWN))
    # another village a few km away is another place, whatever the weapon
    other = TOWN | {"lat": 35.53, "gid": "wof:2", "names": name_keys("Kafr Fawqani")}
    assert not compatible(wed, unit(7, day=DAY + timedelta(days=1), weapons=("barrel bomb",), **other))


def test_one_article_telling_two_days_apart_keeps_them_apart() -> None:
    # article 1: the town struck on Monday and again on Tuesday, with the same weapon
    monday = unit(1, article=1, weapons=("shells",), kind=SHELL, **TOWN)
    tuesday = unit(2, article=1, day=DAY + timedelta(days=1), weapons=("shells",), kind=SHELL, **TOWN)
    # another outlet reports only Tuesday's strike, and one dates Monday's to Tuesday ("overnight")
    other = unit(3, article=2, day=DAY + timedelta(days=1), weapons=("shells",), kind=SHELL, **TOWN)
    events = cluster([monday, tuesday, other])
    assert partition(events) == {frozenset({1}), frozenset({2, 3})}
    # without the article that tells them apart, the two outlets' reports are one incident
    lone = unit(4, article=3, weapons=("shells",), kind=SHELL, **TOWN)
    assert partition(cluster([lone, other])) == {frozenset({3, 4})}
    # and in every order, also streamed
    streamed = [e for part in fuse_stream(sorted([monday, tuesday, other], key=lambda u: u.lo)) for e in part]
    assert partition(streamed) == {frozenset({1}), frozenset({2, 3})}


# --- spellings -----------------------------------------------------------------------------------

def test_spellings_of_one_unlocated_name_are_one_place() -> None:
    spellings = ["Nam Hpai Hkyet", "Namhpai Hkyet", "Nan Hpai Hket", "Nan Hpai Hket IDP camp"]
    units = [unit(k, article=k, names=name_keys(s), admin1="kchn", country="MM", actor1=None)
             for k, s in enumerate(spellings, start=1)]
    for a in units:
        for b in units:
            assert a is b or similar_names(a, b) or a.names & b.names, (a.names, b.names)
    assert partition(cluster(units)) == {frozenset({1, 2, 3, 4})}
    # another province, or another short name, is not the same place
    far = unit(9, article=9, names=name_keys("Nan Hpai Hket"), admin1="shn", country="MM", actor1=None)
    assert not compatible(units[0], far)
    assert not similar_names(unit(10, names=name_keys("Hpakant"), admin1="kchn"),
                             unit(11, names=name_keys("Hpakan Gyi"), admin1="kchn"))


def test_an_unlocated_place_meets_another_outlets_report_of_its_landmark() -> None:
    # "a camp in Tel Hamra near Qarya" (both unknown to the gazetteer) and "the attack on Qarya camp"
    camp = unit(1, names=name_keys("Tel Hamra"))
    camp.landmarks = name_keys("Qarya")
    other = unit(2, names=name_keys("Qarya camp"))
    for order in ([camp, other], [other, camp]):
        assert partition(cluster(order)) == {frozenset({1, 2})}
    # a located report of the landmark is told apart by its coordinates: the landmark does not reach it
    located = unit(3, names=name_keys("Qarya"), lat=35.5, lon=36.55, gid="wof:9")
    assert partition(cluster([camp, located])) == {frozenset({1}), frozenset({3})}
    # a short name goes by its letters: the same spelling meets, another does not
    assert name_keys("Laya") == {"=laya"} and not name_keys("Laya") & name_keys("Loya")


def test_two_located_villages_struck_the_same_day_stay_apart() -> None:
    near = TOWN | {"lat": 35.53, "gid": "wof:2", "names": name_keys("Kafr Tahtani Gharbi")}
    a, b = unit(1, article=1, **TOWN), unit(2, article=1, **near)
    c, d = unit(3, article=2, **TOWN), unit(4, article=2, **near)
    assert partition(cluster([a, b, c, d])) == {frozenset({1, 3}), frozenset({2, 4})}


# --- undated articles ----------------------------------------------------------------------------

def test_an_undated_report_joins_the_one_dated_event_of_its_incident() -> None:
    dated = unit(1, **TOWN)
    undated = unit(2, day=None, seen=DAY + timedelta(days=2), **TOWN)
    for order in ([dated, undated], [undated, dated]):
        assert partition(cluster(order)) == {frozenset({1, 2})}
    # first seen more than a week after the event, or before it: it stays undated
    late = unit(3, day=None, seen=DAY + timedelta(days=9), **TOWN)
    early = unit(4, day=None, seen=DAY - timedelta(days=1), **TOWN)
    assert partition(cluster([dated, late, early])) == {frozenset({1}), frozenset({3}), frozenset({4})}
    # another type family or another place: no
    battle = unit(5, day=None, seen=DAY, kind=("Protests", "Peaceful protest"), **TOWN)
    assert partition(cluster([dated, battle])) == {frozenset({1}), frozenset({5})}


def test_an_undated_report_that_two_events_fit_alike_stays_undated() -> None:
    monday = unit(1, article=1, **TOWN)
    tuesday = unit(2, article=1, day=DAY + timedelta(days=1), **TOWN)
    undated = unit(3, article=2, day=None, seen=DAY + timedelta(days=3), **TOWN)
    assert partition(cluster([monday, tuesday, undated])) == {frozenset({1}), frozenset({2}), frozenset({3})}


def test_an_undated_report_that_two_events_fit_goes_where_the_evidence_agrees() -> None:
    # two strikes on the town in one week; the undated report names the hospital that one of them hit
    monday = unit(1, article=1, targets=("hospital",), tolls=(9, 9), **TOWN)
    tuesday = unit(2, article=1, day=DAY + timedelta(days=1), targets=("market",), **TOWN)
    undated = unit(3, article=2, day=None, seen=DAY + timedelta(days=3), targets=("hospital",), **TOWN)
    for order in ([monday, tuesday, undated], [undated, tuesday, monday]):
        assert partition(cluster(order)) == {frozenset({1, 3}), frozenset({2})}
    # a toll of the same dead does it too; a generic target ("residential area") does not
    by_toll = unit(4, article=3, day=None, seen=DAY + timedelta(days=3), tolls=(9, 11), **TOWN)
    assert partition(cluster([monday, tuesday, by_toll])) == {frozenset({1, 4}), frozenset({2})}
    vague = unit(5, article=4, day=None, seen=DAY + timedelta(days=3), targets=("residential area",), **TOWN)
    assert partition(cluster([monday, tuesday, vague])) == {frozenset({1}), frozenset({2}), frozenset({5})}


def test_an_undated_report_joins_only_an_event_of_its_own_type() -> None:
    # types of one family meet only when both are dated to the same day; an undated report has no
    # day, so a clash statement is no report of the week's air strike on the town
    strike = unit(1, article=1, targets=("market",), **TOWN)
    clash = unit(2, article=2, day=None, seen=DAY + timedelta(days=1), kind=("Battles", "Armed clash"),
                 actor1=SYRIA, **TOWN)
    clash.actor2 = "Rapid Support Forces"
    clash.confidence = 0.9  # the more confident: taken first among the undated, it would block its sibling
    raid = unit(3, article=2, day=None, seen=DAY + timedelta(days=1), **TOWN)
    for order in ([strike, clash, raid], [raid, clash, strike]):
        assert partition(cluster(order)) == {frozenset({1, 3}), frozenset({2})}


def test_an_undated_article_leaves_its_event_when_its_run_turns_out_newer(tmp_path: Path) -> None:
    """An undated article was first seen when the newest dated article of its run was published;
    a later article of the run may move that day past the window. Article by article, the store
    must then give what fusing everything at once gives."""
    db = tmp_path / "run.db"

    def partition_of_articles() -> set[frozenset[int]]:
        return articles_by_event(db)

    with Store(db) as store:
        text = "Warplanes struck Kafr Tahtani, killing four people."
        store.add_article(Article(text=text, outlet="A", published=DAY), [_placed(text, "Kafr Tahtani", DAY, 4)])
        text = "Jets bombed Kafr Tahtani, rescuers said, and four people died."
        store.add_article(Article(text=text, outlet="B"), [_placed(text, "Kafr Tahtani", None, 4)])
        # first seen on DAY (the newest of its run): one incident
        assert partition_of_articles() == {frozenset({1, 2})}
        # a month later in the same run: the undated article was first seen then, too late to join
        later = DAY + timedelta(days=30)
        text = "A strike hit Kafr Fawqani, killing two people."
        mention = _placed(text, "Kafr Fawqani", later, 2)
        mention.place = Place(text="Kafr Fawqani", name="Kafr Fawqani", lat=36.2, lon=36.9, country="SY",
                              admin1="Idlib", geo_precision=1, gazetteer_id="wof:9")
        store.add_article(Article(text=text, outlet="C", published=later), [mention])
        one_by_one = partition_of_articles()
        store.refuse()
        assert partition_of_articles() == one_by_one == {frozenset({1}), frozenset({2}), frozenset({3})}


def test_a_dated_article_moves_the_day_of_an_undated_one_whose_run_it_tops(tmp_path: Path) -> None:
    """A run is the hour around an undated article: a later-dated article stored further off is
    no part of it, and does not keep a dated article that tops the run from moving its day."""
    db = tmp_path / "window.db"

    def partition_of_articles() -> set[frozenset[int]]:
        return articles_by_event(db)

    def elsewhere(day: date, name: str, lat: float) -> tuple[Article, list[Mention]]:
        text = f"A strike hit {name}, killing two people."
        mention = _placed(text, name, day, 2)
        mention.place = Place(text=name, name=name, lat=lat, lon=36.9, country="SY", admin1="Idlib",
                              geo_precision=1, gazetteer_id=f"wof:{name}")
        return Article(text=text, outlet=name, published=day), [mention]

    with Store(db) as store:
        store.add_article(*elsewhere(DAY + timedelta(days=40), "Kafr Fawqani", 36.2))  # 1: newest, long before
        text = "Warplanes struck Kafr Tahtani, killing four people."
        store.add_article(Article(text=text, outlet="A", published=DAY), [_placed(text, "Kafr Tahtani", DAY, 4)])
        text = "Jets bombed Kafr Tahtani, rescuers said, and four people died."
        store.add_article(Article(text=text, outlet="B"), [_placed(text, "Kafr Tahtani", None, 4)])
        # stored 1.9 hours, 36 and 30 minutes ago: article 1 is no part of the undated article's run
        with sqlite3.connect(db) as conn:
            for article_id, minutes in ((1, 114), (2, 36), (3, 30)):
                conn.execute("UPDATE articles SET ingested_at = datetime(ingested_at, ?) WHERE id = ?",
                             (f"-{minutes} minutes", article_id))
        store.refuse()
        assert partition_of_articles() == {frozenset({1}), frozenset({2, 3})}
        # now a month later, elsewhere: the undated article's run now reaches past its event's week
        store.add_article(*elsewhere(DAY + timedelta(days=30), "Kafr Wustani", 36.3))
        one_by_one = partition_of_articles()
        store.refuse()
        assert partition_of_articles() == one_by_one == {frozenset({1}), frozenset({2}), frozenset({3}),
                                                         frozenset({4})}


# --- tolls ---------------------------------------------------------------------------------------

def _mention(sentence: str, fatalities: int | None, rising: bool = False) -> Mention:
    return Mention(event_type=AIR[0], sub_event_type=AIR[1], evidence=Evidence(0, len(sentence), sentence),
                   fatalities=fatalities, fatalities_rising=rising)


def test_a_toll_that_rose_supersedes_the_earlier_counts() -> None:
    reports = [
        SourceReport([_mention("At least 21 people were killed in the strike, officials said.", 21)], 1, "a"),
        SourceReport([_mention("The strike killed 22 people, medics said.", 22)], 2, "b"),
        SourceReport([_mention("By evening the death toll had risen to 26, the ministry said.", 26)], 3, "c"),
    ]
    figures = estimates(reports)
    assert figures["low"] == 26 and figures["high"] == 26
    # the extractor's flag does the same without the words
    flagged = [*reports[:2], SourceReport([_mention("Twenty-five are now dead.", 25, rising=True)], 3, "c")]
    assert estimates(flagged)["low"] == 25
    # without a risen figure the lowest stands, and 0 never wins over a positive figure
    assert estimates(reports[:2])["low"] == 21
    zero = SourceReport([_mention("There were no casualties, the army said.", 0)], 4, "d")
    assert estimates([*reports[:2], zero])["low"] == 21
    # a war's total in the same event is not the incident's toll
    war = SourceReport([_mention("The war has killed more than 300,000 people since 2011.", 300000)], 5, "e")
    assert estimates([reports[1], war])["low"] == 22 and estimates([reports[1], war])["high"] == 22


# --- the ACLED table and the JSON export ---------------------------------------------------------

def _placed(sentence: str, name: str, day: date | None, fatalities: int) -> Mention:
    start = sentence.index(name)
    place = Place(text=name, name=name, lat=35.5, lon=36.55, country="SY", admin1="Idlib", geo_precision=1,
                  gazetteer_id="wof:1")
    return Mention(event_type=AIR[0], sub_event_type=AIR[1], evidence=Evidence(0, len(sentence), sentence),
                   toponym=Toponym(name, start, start + len(name)), place=place, event_date=day,
                   fatalities=fatalities, actor1=SYRIA, confidence=0.7)


def test_an_event_no_source_dates_is_no_acled_row(tmp_path: Path) -> None:
    text = "Warplanes struck Kafr Tahtani, killing four people."
    with Store(tmp_path / "undated.db") as store:
        store.add_article(Article(text=text, outlet="Some Outlet"), [_placed(text, "Kafr Tahtani", None, 4)])
        out = io.StringIO()
        assert export_acled(store, out) == 0
        assert list(csv.DictReader(io.StringIO(out.getvalue()))) == []
        out = io.StringIO()
        export_json(store, out)
        data = json.loads(out.getvalue())
        events = data["events"] if isinstance(data, dict) else data
        assert len(events) == 1 and events[0]["event_date"] is None


# --- end to end: ingest order does not matter ----------------------------------------------------

REPORTS = {
    "wire.txt": ("Warplanes strike village in Idlib\n\nSyrian government warplanes struck the village of "
                 "Kafr Nabl in southern Idlib on Tuesday, killing five civilians, the Syrian Observatory for "
                 "Human Rights said.\n", "Wire One", "2019-05-01"),
    "daily.txt": ("Air strikes kill civilians in Kafr Nabl\n\nFive civilians were killed on Tuesday when "
                  "government jets bombed Kafr Nabl in Idlib province, rescuers said.\n", "Daily Two", "2019-05-01"),
    "undated.txt": ("Village bombed\n\nGovernment warplanes bombed the village of Kafr Nabl in Idlib, killing "
                    "five civilians, according to local rescuers.\n", "Weekly Three", None),
}


def _ingest(folder: Path, order: list[str], db: Path) -> list[dict]:
    lines = []
    for name in order:
        _, outlet, published = REPORTS[name]
        lines.append(json.dumps({"path": name, "outlet": outlet} | ({"published": published} if published else {})))
    manifest = folder / f"manifest-{db.stem}.jsonl"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run_cli("ingest", "--db", str(db), "--manifest", str(manifest), check=True)
    out = folder / f"{db.stem}.json"
    run_cli("export", "--db", str(db), "--format", "json", "--output", str(out), check=True)
    data = json.loads(out.read_text(encoding="utf-8"))
    return data["events"] if isinstance(data, dict) else data


def test_an_undated_article_joins_its_incident_in_any_ingest_order(tmp_path: Path, cache_dir: Path) -> None:
    for name, (text, _, _) in REPORTS.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    first = _ingest(tmp_path, ["undated.txt", "wire.txt", "daily.txt"], tmp_path / "first.db")
    last = _ingest(tmp_path, ["wire.txt", "daily.txt", "undated.txt"], tmp_path / "last.db")

    def shape(events: list[dict]) -> list[tuple]:
        return sorted((e["event_date"], e["location"], sorted(a["outlet"] for a in e["sources"])) for e in events)

    assert shape(first) == shape(last)
    assert all(e["event_date"] is not None for e in first), shape(first)
    nabl = [e for e in first if e["location"] and "Nabl" in e["location"]]
    assert len(nabl) == 1 and nabl[0]["event_date"] == "2019-04-30"
    # the undated article is one of the event's independent sources, and its report took the date
    assert {a["outlet"] for a in nabl[0]["sources"]} == {"Wire One", "Daily Two", "Weekly Three"}
    assert nabl[0]["n_sources"] == 3


def _strike(text: str, day: date, *, weapon: str | None = None, confidence: float = 0.6) -> Mention:
    name = "Kafr Tahtani"
    m = _placed(text, name, day, 0)
    m.fatalities, m.weapon, m.confidence = None, weapon, confidence
    return m


def test_when_two_events_merge_the_older_id_survives(tmp_path: Path) -> None:
    monday, tuesday = DAY, DAY + timedelta(days=1)
    with Store(tmp_path / "merge.db") as store:
        # Monday's barrel bomb (one outlet), then Tuesday's strike at the town (two outlets, no weapon
        # named): two events, the older with fewer reports
        text = "Helicopters dropped barrel bombs on Kafr Tahtani."
        store.add_article(Article(text=text, outlet="A", published=monday),
                          [_strike(text, monday, weapon="barrel bomb")])
        older = store.events()[0].event_id_cnty
        for outlet in ("B", "C"):
            text = f"Kafr Tahtani was struck from the air, {outlet} reported."
            store.add_article(Article(text=text, outlet=outlet, published=tuesday), [_strike(text, tuesday)])
        assert len(store.events()) == 2
        newer = next(e.event_id_cnty for e in store.events() if e.event_id_cnty != older)
        # an outlet dating the barrel bomb to Tuesday ("overnight") is the most confident seed and
        # ties the two together: one event, under the older id; the newer id redirects to it
        text = "Barrel bombs hit Kafr Tahtani overnight, killing civilians."
        store.add_article(Article(text=text, outlet="D", published=tuesday),
                          [_strike(text, tuesday, weapon="barrel bomb", confidence=0.9)])
        events = store.events()
        assert [e.event_id_cnty for e in events] == [older]
        moved = store.event(newer)
        assert moved is not None and moved.event_id_cnty == older
