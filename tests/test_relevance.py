"""The relevance gate (issue: a cheap test before spaCy of whether an article can hold an event).

Its rates are held to the floors in tests/relevance_floors.json: ordinary news rejected, conflict articles,
CASE 2021 snippets and ACLED notes of all six event types let through (bench/relevance.py reads the
corpora from ../shared at run time; nothing of them is copied here). Then the gate in the pipeline, through
the real command line: a rejected article is stored unparsed with its reason, listed by ``warwatch articles
--rejected``, the source of no event, nobody's original, and read by ``reprocess --keep-irrelevant``.

The sentences written here are invented to the pattern of the news they stand for.
"""

from __future__ import annotations

import importlib.util
import json
import sqlite3
import sys
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest
from conftest import ROOT, SAMPLES, require_shared, run_cli

from warwatch.extract.lexicon import load
from warwatch.extract.relevance import Gate, expand, judge, words
from warwatch.ingest import collect
from warwatch.models import Article

FLOORS = json.loads(Path(__file__).with_name("relevance_floors.json").read_text(encoding="utf-8"))
#: rich folds nothing at this width: a table row is one line
WIDE = {"COLUMNS": "400"}

MATCH_REPORT = (
    "Rovers crushed City 4-0 at the Riverside on Saturday to go top of the league. The home side's attack tore "
    "through a tired defence from the kick-off, and their striker fired home a low shot after eight minutes. City "
    "battled back before half-time, but a second blast from twenty yards killed the game off. The manager said his "
    "squad had fought for every ball and deserved the three points. The fans stayed long after the final whistle to "
    "salute the team, who face a difficult trip to the champions next weekend before the cup tie in midweek. Their "
    "keeper, back after injury, made two fine saves and was named man of the match."
)
PRICE_WAR = (
    "Supermarkets fired the latest shots in the price war on Monday as the country's biggest grocer cut the price of "
    "bread, milk and eggs. Shares in the chain fell 3 percent as investors weighed the cost of the battle for "
    "customers, and analysts said rivals would have to follow within days. The discounters have won market share for "
    "two years, and the big chains have answered with loyalty schemes and price cuts. Consumers are the winners for "
    "now, one analyst said, but profits across the sector will suffer in the quarter. The grocer's chief executive "
    "said it would keep prices low for as long as it takes."
)
STRIKE_REPORT = (
    "Government forces shelled the village of Kafr Ruma on Tuesday, killing four civilians, among them two children, "
    "the local council said. The shelling began at dawn and went on for three hours, destroying a school and several "
    "houses. Rebels in the area fired rockets at an army post in response, a monitoring group said. Residents fled "
    "towards the border, where camps are already full. Neither side commented on the reports, and the death toll "
    "could rise, medics said, as several of the wounded were in a critical condition."
)
#: one weak cue ("gathered") among ordinary words: enough in a brief, not in a long article
BRIEF = "On Tuesday, about 200 teachers gathered outside the education ministry to demand higher pay."
FILLER = (
    "The council published its budget for the coming year on Monday. Spending on libraries and parks will rise by "
    "two percent, and the leisure centre will open on Sundays from the spring. The mayor said the town had balanced "
    "its books without cutting services, and that the new bus routes would start in April. Residents can comment on "
    "the plans online until the end of the month, and a public meeting will be held in the town hall. "
)


def bench() -> ModuleType:
    """bench/relevance.py, loaded from its file as the other tests load bench modules."""
    spec = importlib.util.spec_from_file_location("relevance_bench", ROOT / "bench" / "relevance.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


# --- the scorer -----------------------------------------------------------------------------------

def test_every_group_of_the_lexicon_says_why_and_no_phrase_is_in_two_groups() -> None:
    lexicon = load("relevance")
    assert lexicon["_about"].strip() and 0 < lexicon["short"]["threshold"] <= lexicon["threshold"]
    for kind in ("cues", "figurative", "contexts"):
        for name, group in lexicon[kind].items():
            assert group["_about"].strip(), name
            assert group["terms"] and all(t == t.lower() and words(t.rstrip("+")) for t in group["terms"]), name
    assert all(0 < g["weight"] <= lexicon["threshold"] for g in lexicon["cues"].values())
    assert all(0 < g["damping"] < 1 and g["min_words"] >= 2 for g in lexicon["contexts"].values())
    Gate(lexicon)  # raises on a phrase listed in two groups


def test_a_plus_stands_for_the_inflections_of_the_last_word() -> None:
    assert ("air", "strikes") in expand("air strike+") and ("air", "strike") in expand("air strike+")
    assert ("shelling",) in expand("shell+") and ("seizing",) in expand("seize+")
    assert expand("price war") == [("price", "war")]


def test_a_conflict_report_passes_on_its_cues() -> None:
    verdict = judge(STRIKE_REPORT)
    assert verdict.relevant and "shelled" in verdict.reason


def test_war_words_in_a_match_report_or_a_price_war_are_rejected_with_the_reason() -> None:
    assert min(len(words(MATCH_REPORT)), len(words(PRICE_WAR))) > load("relevance")["short"]["words"]
    match = judge(MATCH_REPORT)
    assert not match.relevant and "sport" in match.reason, match
    prices = judge(PRICE_WAR)
    assert not prices.relevant and "'price war'" in prices.reason and "markets" in prices.reason, prices


def test_one_weak_cue_is_enough_in_a_brief_but_not_in_a_long_article() -> None:
    assert judge(BRIEF).relevant
    assert not judge(FILLER * 2 + BRIEF).relevant  # a long article needs two kinds of cue in one sentence
    assert judge(FILLER * 2 + "Police arrested twelve of the teachers who gathered outside the ministry.").relevant


def test_the_title_counts_when_the_text_does_not_begin_with_it() -> None:
    assert judge(FILLER * 2, title="Gunmen kill three at a checkpoint").relevant


def test_the_month_of_march_is_no_march() -> None:
    assert not judge(FILLER * 2 + "In March the workers will move to the new depot, the council said.").relevant
    assert judge("Thousands of workers joined the march to the parliament on Sunday.").relevant


# --- the rates, against the floors -----------------------------------------------------------------

@pytest.fixture(scope="module")
def corpora() -> ModuleType:
    module = bench()
    for needed in (module.NEGATIVES, module.SEEDS, module.CLUSTERS, module.EVENTS):
        require_shared(*needed.relative_to(ROOT.parent / "shared").parts)
    return module


def _misses(verdicts: list, want: bool) -> str:
    return "\n".join(f"  {item.name} ({item.kind}): {v.reason}" for item, v in verdicts if v.relevant != want)


def test_ordinary_news_is_rejected_and_every_conflict_article_let_through(corpora: ModuleType) -> None:
    negatives = corpora.negatives()
    assert len(negatives) == 199
    passed, verdicts = corpora.rates(negatives)
    assert 1 - passed >= FLOORS["negatives_rejected"] >= 0.80, _misses(verdicts, False)
    hard = [(item, v) for item, v in verdicts if item.kind == "hard_negative"]
    assert len(hard) == 40
    assert sum(not v.relevant for _, v in hard) / len(hard) >= FLOORS["hard_rejected"], _misses(hard, False)
    conflict = corpora.conflict_articles()
    assert len(conflict) == 47
    passed, verdicts = corpora.rates(conflict)
    assert passed >= FLOORS["conflict_passed"] >= 0.99, _misses(verdicts, True)


def test_case2021_snippets_of_acled_types_are_let_through(corpora: ModuleType) -> None:
    snippets = corpora.case_snippets()
    assert len(snippets) > 800
    passed, verdicts = corpora.rates(snippets)
    assert passed >= FLOORS["case_passed"] >= 0.99, _misses(verdicts, True)


def test_acled_notes_of_all_six_event_types_are_let_through(corpora: ModuleType) -> None:
    notes = corpora.acled_notes()
    passed, verdicts = corpora.rates(notes)
    assert passed >= FLOORS["notes_passed"] >= 0.99, _misses(verdicts[:2000], True)
    kinds = {item.kind for item, _ in verdicts}
    assert kinds == set(corpora.ACLED_TYPES) == set(FLOORS["notes_passed_by_type"])
    for kind in sorted(kinds):
        mine = [(item, v) for item, v in verdicts if item.kind == kind]
        rate = sum(v.relevant for _, v in mine) / len(mine)
        assert rate >= FLOORS["notes_passed_by_type"][kind], f"{kind}: {rate:.4f}\n" + _misses(mine[:3000], True)


# --- the gate in the pipeline, through the command line --------------------------------------------

def _manifest(folder: Path, negatives: int) -> tuple[Path, list[str]]:
    """The bundled seeds and the first ``negatives`` ordinary articles of each topic, in one manifest
    (absolute paths); and the negatives' paths."""
    shared = require_shared("eval", "negatives")
    lines = [json.loads(x) for x in (SAMPLES / "manifest.jsonl").read_text(encoding="utf-8").splitlines() if x]
    for line in lines:
        line["path"] = str(SAMPLES / line["path"])
    taken: dict[str, int] = {}
    chosen = []
    for raw in (shared / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(raw)
        if taken.get(entry["topic"], 0) < negatives:
            taken[entry["topic"]] = taken.get(entry["topic"], 0) + 1
            entry["path"] = str(shared / entry["path"])
            chosen.append(entry)
    manifest = folder / "manifest.jsonl"
    manifest.write_text("".join(json.dumps(x) + "\n" for x in [*lines, *chosen]), encoding="utf-8")
    return manifest, [x["path"] for x in chosen]


def _rows(db: Path, sql: str, *args: object) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, args).fetchall()


def _listed(output: str) -> set[int]:
    """The article ids of ``warwatch articles``' table."""
    return {int(cells[1]) for line in output.splitlines()
            if line.startswith("│") and (cells := [c.strip() for c in line.split("│")])[1].isdigit()}


def test_rejected_articles_are_stored_unparsed_listed_and_read_again_on_request(tmp_path: Path) -> None:
    manifest, negatives = _manifest(tmp_path, negatives=2)
    db = tmp_path / "gate.db"
    done = run_cli("ingest", "--db", str(db), "--manifest", str(manifest), check=True)
    stored = _rows(db, "SELECT id, path, rejected FROM articles ORDER BY id")
    rejected = {i: (path, why) for i, path, why in stored if why is not None}
    assert len(stored) == 5 + len(negatives)
    assert {path for path, _ in rejected.values()} <= set(negatives)  # never a seed
    assert len(rejected) >= len(negatives) / 2, "the gate let most of the ordinary news through"
    assert f"; {len(rejected)} of the stored not about armed conflict" in done.stderr, done.stderr
    # what the pipeline stored is the gate's own verdict on the article as ingest read it, reason and all
    verdicts = {a.path: judge(a.text, a.title) for a in collect([], manifest=manifest) if isinstance(a, Article)}
    assert {path: why for path, why in rejected.values()} == \
        {path: v.reason for path, v in verdicts.items() if not v.relevant}
    assert _rows(db, f"SELECT COUNT(*) FROM mentions WHERE article_id IN ({','.join(map(str, rejected))})") == [(0,)]
    assert _rows(db, "SELECT COUNT(*) FROM articles WHERE rejected IS NOT NULL AND signed") == [(0,)]

    listing = run_cli("articles", "--rejected", "--db", str(db), env=WIDE, check=True).stdout
    assert _listed(listing) == set(rejected) and f"{len(rejected)} rejected article(s)" in listing
    assert all(why in listing for _, why in rejected.values())
    everything = run_cli("articles", "--db", str(db), env=WIDE, check=True).stdout
    assert _listed(everything) == {i for i, *_ in stored}

    def sources() -> set[str]:
        events = json.loads(run_cli("export", "--db", str(db), "--format", "json", check=True).stdout)
        return {s["path"] for e in events for s in e["sources"]}

    seeded = sources()
    assert seeded and not seeded & set(negatives)  # no event from any negative, gate on
    from fastapi.testclient import TestClient

    from warwatch.serve.api import create_app

    some = min(rejected)
    with TestClient(create_app(db, tiles=None)) as client:
        body = client.get(f"/api/articles/{some}").json()
    assert body["rejected"] == rejected[some][1] and body["mentions"] == [] and body["events"] == []

    again = run_cli("reprocess", "--keep-irrelevant", "--db", str(db), check=True)
    assert f"{len(rejected)} rejected before and read now" in again.stderr, again.stderr
    assert _rows(db, "SELECT COUNT(*) FROM articles WHERE rejected IS NOT NULL") == [(0,)]
    assert _rows(db, "SELECT COUNT(*) FROM articles WHERE NOT signed OR signed IS NULL") == [(0,)]
    assert sources() == seeded  # read, the ordinary news still yields no event (gate off)
    assert _listed(run_cli("articles", "--rejected", "--db", str(db), env=WIDE, check=True).stdout) == set()

    back = run_cli("reprocess", "--db", str(db), check=True)  # the gate judges them again, as a fresh ingest would
    assert f"{len(rejected)} not about armed conflict, not parsed ({len(rejected)} newly rejected" in back.stderr
    assert {i for i, _ in _rows(db, "SELECT id, rejected FROM articles WHERE rejected IS NOT NULL")} == set(rejected)
    assert sources() == seeded


def test_ingest_keep_irrelevant_reads_every_article(tmp_path: Path) -> None:
    shared = require_shared("eval", "negatives")
    entries = [json.loads(x) for x in (shared / "manifest.jsonl").read_text(encoding="utf-8").splitlines()[:3]]
    texts = [(shared / e["path"]).read_text(encoding="utf-8") for e in entries]
    assert not any(judge(t, t.split("\n", 1)[0]).relevant for t in texts), "pick ordinary news the gate rejects"
    db = tmp_path / "all.db"
    first = run_cli("ingest", "--db", str(db), str(shared / entries[0]["path"]), check=True)
    assert "1 of the stored not about armed conflict" in first.stderr, first.stderr
    done = run_cli("ingest", "--keep-irrelevant", "--db", str(db), *(str(shared / e["path"]) for e in entries),
                   check=True)
    assert "2 article(s) stored, 1 already stored" in done.stderr, done.stderr
    assert "; 0 of the stored not about armed conflict" in done.stderr
    # the one stored unparsed before is not silently left so: the user is told what reads it
    assert "1 of the already stored were kept out by the relevance gate before" in done.stderr
    assert _rows(db, "SELECT COUNT(*) FROM articles WHERE rejected IS NULL AND signed") == [(2,)]
    run_cli("reprocess", "--keep-irrelevant", "--db", str(db), check=True)
    assert _rows(db, "SELECT COUNT(*) FROM articles WHERE rejected IS NULL AND signed") == [(3,)]


def test_a_rejected_article_is_nobodys_original_until_it_is_read(tmp_path: Path) -> None:
    """A report that repeats an ordinary article the gate rejected, and adds an attack to it, is an
    original source (a copy of a rejected article would be named after an article that is no source).
    Read with --keep-irrelevant, the earlier article is fingerprinted and becomes the original."""
    ordinary = tmp_path / "ordinary.txt"
    ordinary.write_text("Council budget\n\n" + FILLER, encoding="utf-8")
    report = tmp_path / "report.txt"
    report.write_text("Council budget\n\n" + FILLER + STRIKE_REPORT, encoding="utf-8")
    manifest = tmp_path / "manifest.jsonl"
    manifest.write_text(json.dumps({"path": "ordinary.txt", "published": "2023-06-01", "outlet": "Daily"}) + "\n"
                        + json.dumps({"path": "report.txt", "published": "2023-06-02", "outlet": "Courier"}) + "\n",
                        encoding="utf-8")
    db = tmp_path / "copies.db"
    run_cli("ingest", "--db", str(db), "--manifest", str(manifest), check=True)
    rows = {Path(p).name: (i, copy_of, why) for i, p, copy_of, why in
            _rows(db, "SELECT id, path, copy_of, rejected FROM articles")}
    assert rows["ordinary.txt"][2] is not None and rows["report.txt"][2] is None
    assert rows["report.txt"][1] is None  # an original
    events = json.loads(run_cli("export", "--db", str(db), "--format", "json", check=True).stdout)
    assert events and all(s["outlet"] == "Courier" and s["copy_of"] is None for e in events for s in e["sources"])
    run_cli("reprocess", "--keep-irrelevant", "--db", str(db), check=True)
    copy_of = {Path(p).name: c for p, c in _rows(db, "SELECT path, copy_of FROM articles")}
    assert copy_of["report.txt"] == rows["ordinary.txt"][0], copy_of  # now it copies the earlier article


def test_an_older_database_gains_the_rejected_column(tmp_path: Path) -> None:
    from sqlalchemy import insert

    from warwatch.store import Store
    from warwatch.store.db import sqlite_engine
    from warwatch.store.migrations import MIGRATIONS, migrate, tables_v1

    db = tmp_path / "old.db"
    engine = sqlite_engine(db)
    assert migrate(engine, MIGRATIONS[:6])[-1] == "0006_theatre_places"
    with engine.begin() as conn:
        conn.execute(insert(tables_v1().tables["articles"]).values(
            content_hash="h", title="t", text="An old report.", ingested_at=date(2024, 1, 1)))
    engine.dispose()
    with Store(db) as store:
        assert store.rejections() == {} and [r.rejected for r in store.article_list()] == [None]
    assert ("0007_rejected_articles",) in _rows(db, "SELECT name FROM schema_migrations ORDER BY version")


def test_api_ingest_stores_ordinary_news_unparsed_unless_asked_to_read_everything(tmp_path: Path, pipeline) -> None:
    from fastapi.testclient import TestClient

    from warwatch.serve.api import create_app
    from warwatch.store import Store

    db = tmp_path / "api.db"
    Store(db).close()
    token = "a-long-enough-test-token-for-the-gate"
    app = TestClient(create_app(db, allow_ingest=True, token=token, tiles=None, pipeline=pipeline))
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson"}

    def post(text: str, title: str, **params: str) -> dict:
        body = json.dumps({"title": title, "text": text, "published": "2023-06-03"}) + "\n"
        answer = app.post("/api/ingest", content=body.encode(), headers=auth, params=params)
        assert answer.status_code == 200, answer.text
        return answer.json()

    assert not judge(MATCH_REPORT, "Rovers top").relevant
    kept_out = post(MATCH_REPORT, "Rovers top")
    assert kept_out["stored"] == 1 and kept_out["rejected"] == 1 and kept_out["events"] == []
    read = post(MATCH_REPORT + " The club thanked its supporters.", "Rovers top again", keep_irrelevant="true")
    assert read["stored"] == 1 and read["rejected"] == 0
    assert _rows(db, "SELECT title, rejected IS NULL, coalesce(signed, 0) FROM articles ORDER BY id") == [
        ("Rovers top", 0, 0), ("Rovers top again", 1, 1)]
    assert app.post("/api/ingest", content=b'{"text": "x"}\n', headers=auth,
                    params={"keep_irrelevant": "maybe"}).status_code == 422
