"""The command line as a user meets it: a real SQLite file, real files, real processes."""

from __future__ import annotations

import csv
import json
import sqlite3

from conftest import SAMPLES, run_cli


def test_demo_prints_the_event_table(tmp_path, cache_dir):
    result = run_cli("demo", "--db", str(tmp_path / "demo.db"), env={"COLUMNS": "200"})
    assert result.returncode == 0, result.stderr
    assert "5 article(s) stored" in result.stderr
    for place in ("Al Habit", "Kafr Zita", "Qal`at al Madiq", "Kansafra"):
        assert place in result.stdout
    assert "Military Forces of Russia" in result.stdout


def test_reingest_is_idempotent(seed_copy):
    before = _counts(seed_copy)
    result = run_cli("ingest", "--db", str(seed_copy), "--manifest", str(SAMPLES / "manifest.jsonl"))
    assert result.returncode == 0
    assert "0 article(s) stored, 5 already stored" in result.stderr
    assert _counts(seed_copy) == before


def test_a_database_url_is_kept_whole_by_every_command(seed_copy):
    """--db takes a SQLAlchemy URL as well as a path: its "//" must reach the store intact."""
    url = f"sqlite:///{seed_copy}"
    again = run_cli("ingest", "--db", url, "--manifest", str(SAMPLES / "manifest.jsonl"))
    assert again.returncode == 0 and "0 article(s) stored, 5 already stored" in again.stderr, again.stderr
    assert not (seed_copy.parent / "sqlite:").exists()
    listed = run_cli("events", "--db", url)
    assert listed.returncode == 0 and "19 event(s)" in listed.stdout, listed.stderr
    assert run_cli("export", "--format", "acled", "--db", url).stdout == run_cli(
        "export", "--format", "acled", "--db", str(seed_copy)).stdout


def _counts(db) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return {
            t: conn.execute(f"select count(*) from {t}").fetchone()[0]
            for t in ("articles", "events", "mentions", "claims")
        }


def test_bad_files_are_reported_and_skipped(tmp_path, seed_copy):
    bad = tmp_path / "batch"
    bad.mkdir()
    (bad / "binary.txt").write_bytes(b"\x00\x01\x02PNG\x00" * 20)
    (bad / "empty.txt").write_text("")
    (bad / "latin1.txt").write_bytes("Shelling hit the village of Kafr Nabl \xe9 on Monday.".encode("latin-1"))
    (bad / "lines.jsonl").write_text(
        '{"text": "Syrian army helicopters dropped barrel bombs on the village of Kafr Nabl in southern Idlib on '
        'Monday, killing three civilians.", "published": "2019-05-06", "outlet": "Test Wire"}\n{not json\n'
    )
    before = _counts(seed_copy)
    result = run_cli("ingest", "--db", str(seed_copy), str(bad), str(tmp_path / "missing.txt"),
                     str(tmp_path / "report [draft].txt"))
    assert result.returncode == 0, result.stderr  # something was ingested
    assert "Traceback" not in result.stderr
    for name in ("binary.txt", "empty.txt", "latin1.txt", "lines.jsonl:2", "missing.txt", "report [draft].txt"):
        assert name in result.stderr, result.stderr
    after = _counts(seed_copy)
    assert after["articles"] == before["articles"] + 1  # the good JSONL line; nothing already stored is lost
    assert after["events"] > before["events"]


def test_nothing_ingestible_exits_non_zero(tmp_path):
    (tmp_path / "empty.txt").write_text("   \n")
    result = run_cli("ingest", "--db", str(tmp_path / "x.db"), str(tmp_path / "empty.txt"))
    assert result.returncode != 0
    assert "empty.txt" in result.stderr and "Traceback" not in result.stderr
    result = run_cli("ingest", "--db", str(tmp_path / "x.db"), "--published", "last tuesday", str(tmp_path))
    assert result.returncode != 0 and "YYYY-MM-DD" in result.stderr and "Traceback" not in result.stderr


def test_exports(seed_db, tmp_path):
    out = tmp_path / "e.csv"
    assert run_cli("export", "--db", str(seed_db), "--format", "acled", "-o", str(out)).returncode == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) >= 18
    habit = next(r for r in rows if r["location"] == "Al Habit")
    assert habit["event_date"] == "2018-09-09" and habit["sub_event_type"] == "Air/drone strike"
    assert habit["actor1"] == "Military Forces of Syria (2000-)" and habit["admin1"] == "Idleb"
    assert habit["iso"] == "760" and habit["country"] == "Syria" and habit["geo_precision"] == "1"
    data = json.loads(run_cli("export", "--db", str(seed_db), "--format", "json").stdout)
    madiq = next(e for e in data if e["location"].startswith("Qal"))
    assert madiq["fatalities"]["best"] == 2 and madiq["injuries"] == 5
    text = (SAMPLES / "002_a8106be745b31416.txt").read_text(encoding="utf-8")
    claims = [c for c in madiq["claims"] if c["field"] == "fatalities"]
    assert claims and "killed two men" in claims[0]["sentence"]
    geo = json.loads(run_cli("export", "--db", str(seed_db), "--format", "geojson").stdout)
    assert geo["type"] == "FeatureCollection" and geo["features"][0]["geometry"]["type"] == "Point"
    assert "madiq" in text.lower()
    bad = run_cli("export", "--db", str(seed_db), "--format", "xml")
    assert bad.returncode != 0 and "acled, json, geojson" in bad.stderr


def test_events_filters_and_show(seed_db, mixed_db):
    listed = run_cli(
        "events",
        "--db",
        str(seed_db),
        "--where",
        "Hama",
        "--type",
        "Shelling/artillery/missile attack",
        env={"COLUMNS": "250"},
    )
    assert listed.returncode == 0
    assert "Muhradah" in listed.stdout and "Al Habit" not in listed.stdout
    dated = run_cli("events", "--db", str(seed_db), "--since", "2019-01-01", env={"COLUMNS": "250"})
    assert "Kansafra" in dated.stdout and "Muhradah" not in dated.stdout
    unlocated = run_cli("events", "--db", str(mixed_db), "--unlocated", env={"COLUMNS": "250"})
    assert "Maaret" in unlocated.stdout and "Al Habit" not in unlocated.stdout and "1 event(s)" in unlocated.stdout
    event_id = next(line.split()[1] for line in listed.stdout.splitlines() if "Muhradah" in line)
    shown = run_cli("show", event_id, "--db", str(seed_db), env={"COLUMNS": "250"})
    assert shown.returncode == 0
    assert "rebel shelling killed 10 people" in shown.stdout and "Al Jazeera" in shown.stdout
    missing = run_cli("show", "SYR999999", "--db", str(seed_db))
    assert missing.returncode != 0 and "no event" in missing.stderr


def test_events_type_filter_takes_any_acled_type_or_sub_type(tmp_path):
    """`events --type` over a real database holding all six event types (written by the store)."""
    from typed_events import EVENTS, store_typed

    db = str(store_typed(tmp_path / "typed.db"))
    wide = {"COLUMNS": "300"}

    def towns(*args: str) -> set[str]:
        result = run_cli("events", "--db", db, *args, env=wide)
        assert result.returncode == 0, result.stderr
        return {e.town for e in EVENTS if e.town in result.stdout}

    assert towns("--type", "Protests") == {"Nairobi", "Omdurman"}
    assert towns("--type", "riots") == {"Patna", "Kolkata"}
    assert towns("--type", "STRATEGIC DEVELOPMENTS") == {"Istanbul", "Goma", "Raqqa"}
    assert towns("--type", "mob violence") == {"Kolkata"}
    assert towns("--type", "Explosions / Remote violence") == {"Kharkiv"}
    assert towns() == {e.town for e in EVENTS}
    # a misspelt type is an error that says what it could have been, not an empty table
    wrong = run_cli("events", "--db", db, "--type", "protest")
    assert wrong.returncode != 0 and "'Protests'" in wrong.stderr and "Strategic developments" in wrong.stderr
    shown = run_cli("show", next(line.split()[1] for line in run_cli(
        "events", "--db", db, "--type", "Excessive force against protesters", env=wide).stdout.splitlines()
        if "Omdurman" in line), "--db", db, env=wide)
    assert "Political violence; Demonstrations" in shown.stdout and "inter 6: protesters" in shown.stdout
    assert "inter 1: state forces" in shown.stdout
