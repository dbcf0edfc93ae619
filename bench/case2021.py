"""Event typing on the CASE 2021 task 2 test snippets, measured through the whole pipeline.

Each of the 1,019 labelled snippets in ``../shared/data/events/case2021_task2_test_with_labels.tsv.gz``
becomes one article. They are split into ten databases of about 100 snippets; inside a database the
snippets are published ten days apart from 2022-01-01 on, so that nothing fuses across snippets.
Each database is filled with the real command line (``warwatch ingest --manifest``) and read back
with ``warwatch export --format json`` (the ACLED columns plus the articles each event came from).

A snippet is typed right only when the set of sub-event types of the events it is a source of is
exactly its gold one: ``{gold}`` for the 25 ACLED sub-types, the empty set for the kinds that are no
ACLED event (natural and man-made disasters, organised crime, diplomacy). The 28 ATTRIB snippets
(claims of responsibility, a CASE label with no ACLED counterpart) are left out. Per class, a
snippet counts as predicted for every sub-type it yields (so one that yields two types is a false
positive for both); F1 is weighted by gold support, as the shared task weighted it.

The snippets are evaluation data: they are read here at run time and never copied into the
repository, a lexicon or a test.

    python bench/case2021.py [--jobs 2] [--out docs/accuracy.md] [--json FILE] [--misses N] [--limit N]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "events" / "case2021_task2_test_with_labels.tsv.gz"
BEGIN, END = "<!-- case2021:begin -->", "<!-- case2021:end -->"
NONE = "(no event)"
#: the CASE labels as ACLED's sub-event types; the kinds outside ACLED map to no event
LABELS = {
    "ARMED_CLASH": "Armed clash",
    "GOV_REGAINS_TERIT": "Government regains territory",
    "NON_STATE_ACTOR_OVERTAKES_TER": "Non-state actor overtakes territory",
    "AIR_STRIKE": "Air/drone strike",
    "ART_MISS_ATTACK": "Shelling/artillery/missile attack",
    "REM_EXPLOS": "Remote explosive/landmine/IED",
    "SUIC_BOMB": "Suicide bomb",
    "GRENADE": "Grenade",
    "CHEM_WEAP": "Chemical weapon",
    "ATTACK": "Attack",
    "ABDUCT_DISSAP": "Abduction/forced disappearance",
    "SEX_VIOL": "Sexual violence",
    "PEACE_PROTEST": "Peaceful protest",
    "PROTEST_WITH_INTER": "Protest with intervention",
    "FORCE_AGAINST_PROTEST": "Excessive force against protesters",
    "VIOL_DEMONSTR": "Violent demonstration",
    "MOB_VIOL": "Mob violence",
    "AGREEMENT": "Agreement",
    "ARREST": "Arrests",
    "CHANGE_TO_GROUP_ACT": "Change to group/activity",
    "DISR_WEAP": "Disrupted weapons use",
    "HQ_ESTABLISHED": "Headquarters or base established",
    "PROPERTY_DISTRUCT": "Looting/property destruction",
    "NON_VIOL_TERRIT_TRANSFER": "Non-violent transfer of territory",
    "OTHER": "Other",
    "NATURAL_DISASTER": NONE,
    "MAN_MADE_DISASTER": NONE,
    "ORG_CRIME": NONE,
    "DIPLO": NONE,
}
SKIPPED = {"ATTRIB"}
CHUNKS = 10


def load_snippets(limit: int | None = None) -> list[tuple[str, str, str]]:
    """(id, text, gold sub-event type or NONE) for every scored snippet."""
    if not DATA.exists():
        sys.exit(f"{DATA} is missing: the shared evaluation data must sit beside the repository")
    rows = []
    with gzip.open(DATA, "rt", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row["SubType"] in SKIPPED:
                continue
            rows.append((row["id"], row["EventSnippet"], LABELS[row["SubType"]]))
    return rows[:limit] if limit else rows


def cli(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    return subprocess.run([sys.executable, "-m", "warwatch.cli", *args], capture_output=True, text=True, env=env)


def run_chunk(snippets: list[tuple[str, str, str]]) -> dict[str, set[str]]:
    """Ingest one chunk into its own database; the sub-types each snippet is a source of."""
    start = date(2022, 1, 1)
    with tempfile.TemporaryDirectory(prefix="case2021-") as tmp:
        folder = Path(tmp)
        with open(folder / "manifest.jsonl", "w", encoding="utf-8") as manifest:
            for n, (sid, text, _) in enumerate(snippets):
                name = f"case_{sid}.txt"
                (folder / name).write_text(text + "\n", encoding="utf-8")
                published = (start + timedelta(days=10 * n)).isoformat()
                manifest.write(json.dumps({"path": name, "published": published, "outlet": f"snippet {sid}"}) + "\n")
        db = folder / "case.db"
        done = cli("ingest", "--db", str(db), "--manifest", str(folder / "manifest.jsonl"), str(folder))
        if done.returncode != 0:
            sys.exit(f"ingest failed: {done.stderr.strip()[-500:]}")
        exported = cli("export", "--format", "json", "--db", str(db))
        if exported.returncode != 0:
            sys.exit(f"export failed: {exported.stderr.strip()[-500:]}")
    found: dict[str, set[str]] = defaultdict(set)
    for event in json.loads(exported.stdout):
        for source in event["sources"]:
            sid = Path(source["path"] or "").stem.removeprefix("case_")
            found[sid].add(event["sub_event_type"])
    return found


def scores(rows: list[tuple[str, str, str]], found: dict[str, set[str]]) -> dict:
    """Accuracy, weighted F1 and per-class precision, recall, F1 and support."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    support: Counter[str] = Counter()
    right = 0
    confusion: Counter[tuple[str, str]] = Counter()
    for sid, _, gold in rows:
        predicted = found.get(sid, set()) or {NONE}
        support[gold] += 1
        if predicted == {gold}:
            right += 1
            tp[gold] += 1
            continue
        fn[gold] += 1
        for label in predicted:
            fp[label] += 1
        confusion[(gold, " + ".join(sorted(predicted)))] += 1
    per_class = {}
    for label in sorted(support):
        p = tp[label] / (tp[label] + fp[label]) if tp[label] + fp[label] else 0.0
        r = tp[label] / support[label]
        f = 2 * p * r / (p + r) if p + r else 0.0
        per_class[label] = {"precision": p, "recall": r, "f1": f, "support": support[label]}
    total = sum(support.values())
    weighted = sum(c["f1"] * c["support"] for c in per_class.values()) / total
    return {
        "snippets": total,
        "accuracy": right / total,
        "weighted_f1": weighted,
        "per_class": per_class,
        "confusion": confusion.most_common(),
    }


def markdown(result: dict, seconds: float) -> str:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT)
    lines = [
        f"Measured {date.today().isoformat()} at commit `{commit.stdout.strip() or '?'}` "
        f"by `python bench/case2021.py` ({result['snippets']} snippets, {seconds:.0f} s): "
        f"**weighted F1 {result['weighted_f1']:.2f}, accuracy {result['accuracy']:.2f}**.",
        "",
        "| sub-event type | support | precision | recall | F1 |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, c in sorted(result["per_class"].items(), key=lambda kv: -kv[1]["support"]):
        lines.append(f"| {label} | {c['support']} | {c['precision']:.2f} | {c['recall']:.2f} | {c['f1']:.2f} |")
    lines += ["", "Most frequent confusions (gold → what came out):", ""]
    lines += [f"- {gold} → {pred}: {n}" for (gold, pred), n in result["confusion"][:15]]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--limit", type=int, help="only the first N snippets (a quick look)")
    parser.add_argument("--out", type=Path, help="rewrite the case2021 block of this Markdown file")
    parser.add_argument("--json", type=Path, help="write scores and per-snippet output here")
    parser.add_argument("--misses", type=int, default=0, help="print N wrongly typed snippets")
    args = parser.parse_args()
    rows = load_snippets(args.limit)
    chunks = [rows[i::CHUNKS] for i in range(CHUNKS)]
    began = time.perf_counter()
    found: dict[str, set[str]] = {}
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for part in pool.map(run_chunk, [c for c in chunks if c]):
            found.update(part)
    seconds = time.perf_counter() - began
    result = scores(rows, found)
    print(f"snippets {result['snippets']}  weighted F1 {result['weighted_f1']:.3f}  accuracy {result['accuracy']:.3f}"
          f"  ({seconds:.0f} s)")
    for label, c in sorted(result["per_class"].items(), key=lambda kv: -kv[1]["support"]):
        print(f"  {label:40s} n={c['support']:3d}  P {c['precision']:.2f}  R {c['recall']:.2f}  F1 {c['f1']:.2f}")
    if args.misses:
        shown = 0
        for sid, text, gold in rows:
            predicted = found.get(sid, set()) or {NONE}
            if predicted != {gold} and shown < args.misses:
                print(f"\n[{sid}] gold {gold} | got {' + '.join(sorted(predicted))}\n  {text[:400]}")
                shown += 1
    if args.json:
        per_snippet = {sid: sorted(found.get(sid, set())) for sid, _, _ in rows}
        args.json.write_text(json.dumps({**result, "found": per_snippet}, indent=1, default=list))
    if args.out:
        text = args.out.read_text(encoding="utf-8")
        if BEGIN not in text:
            text += f"\n{BEGIN}\n{END}\n"
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        args.out.write_text(f"{head}{BEGIN}\n{markdown(result, seconds)}\n{END}{tail}", encoding="utf-8")


if __name__ == "__main__":
    main()
