"""Score every dev cluster of ``../shared/eval/clusters``, each ingested into its own database.

For each cluster folder that holds a gold.json: ``python -m warwatch.cli ingest --db TMP --manifest
manifest.jsonl``, ``export --format acled``, then ``../shared/eval/score.py``'s ``score``, exactly as
``../shared/eval/score_clusters.py`` does (and pooled by that script's own ``pooled``), so the figures
here are the ones an evaluator sees. On top of it, "dup rows": the rows that the one-to-one matching
left over although they fall on a required gold incident (its place, inside its date window) -- the
same incident told twice, which the issue's "no incident appears as two rows" counts.

    python bench/clusters.py [--jobs 2] [--misses] [--json FILE] [--out docs/accuracy.md] [--readme README.md]
                             [CLUSTER_DIR ...]

``--out`` rewrites the block between ``<!-- clusters:begin -->`` and ``<!-- clusters:end -->``
with a Markdown table (one row per cluster, a pooled row, the date and the commit measured).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT.parent / "shared" / "eval"
BEGIN, END = "<!-- clusters:begin -->", "<!-- clusters:end -->"
#: the short table in the README (per cluster F1, P, R and rows), between its own markers
README_BEGIN, README_END = "<!-- readme-clusters:begin -->", "<!-- readme-clusters:end -->"
FIELDS = ("date", "type", "subtype", "actor1", "fatalities", "geo5km")


def load_scorer() -> tuple[Any, Any]:
    """score.py and score_clusters.pooled from ../shared/eval (read in place: they are not ours to copy)."""
    if not (EVAL / "score.py").exists():
        sys.exit(f"{EVAL} is missing: the shared evaluation data must sit beside the repository")
    sys.path.insert(0, str(EVAL))
    import score
    from score_clusters import pooled

    return score, pooled


scorer, pooled = load_scorer()


def cli(*args: str) -> subprocess.CompletedProcess:
    """The real command line in a fresh process, offline, as score_clusters.py runs it."""
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    return subprocess.run([sys.executable, "-m", "warwatch.cli", *args], capture_output=True, text=True, env=env)


def one_to_one(golds: list[dict], preds: list[dict]) -> set[int]:
    """Indices of the predictions that score.score pairs with a gold event (its greedy matching, redone
    here because score() reports the leftovers without their row numbers)."""
    pairs = sorted(((scorer.pair_score(g, p), gi, pi) for gi, g in enumerate(golds) for pi, p in enumerate(preds)
                    if scorer.place_matches(g, p) and scorer.date_matches(g, p)), reverse=True)
    used_g: set[int] = set()
    used_p: set[int] = set()
    for _, gi, pi in pairs:
        if gi not in used_g and pi not in used_p:
            used_g.add(gi)
            used_p.add(pi)
    return used_p


def duplicates(gold: dict, preds: list[dict], result: dict) -> tuple[list[dict], dict[str, int]]:
    """Rows left unmatched that fall on a required incident, and for each required gold event the number
    of rows that would match it ignoring one-to-one (place and date window only)."""
    golds = gold["events"]
    used = one_to_one(golds, preds)
    # the redone matching must agree with the scorer's, or the duplicate count means nothing
    assert len(used) == result["predicted"] - len(result["unmatched_predictions"]), "matching drifted from score.py"
    required = [g for g in golds if g["status"] == "required"]
    rows_per_gold = {g["id"]: sum(scorer.place_matches(g, p) and scorer.date_matches(g, p) for p in preds)
                     for g in required}
    dups = []
    for pi, p in enumerate(preds):
        hits = [g["id"] for g in required if scorer.place_matches(g, p) and scorer.date_matches(g, p)]
        if pi not in used and hits:
            dups.append({"of": hits, **{k: p.get(k) for k in ("event_date", "event_type", "sub_event_type",
                                                               "actor1", "location", "fatalities")}})
    return dups, rows_per_gold


def run_cluster(folder: Path) -> dict:
    """Ingest, export and score one cluster in a temporary folder of its own."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"ww-{folder.name}-") as tmp:
        db, out = Path(tmp) / "c.db", Path(tmp) / "c.csv"
        done = cli("ingest", "--db", str(db), "--manifest", str(folder / "manifest.jsonl"))
        if done.returncode != 0 or not db.exists():
            return {"cluster": folder.name, "error": f"ingest failed: {(done.stderr or done.stdout).strip()[-300:]}"}
        done = cli("export", "--db", str(db), "--format", "acled", "-o", str(out))
        if done.returncode != 0 or not out.exists():
            return {"cluster": folder.name, "error": f"export failed: {(done.stderr or done.stdout).strip()[-300:]}"}
        preds = scorer.read_predictions(str(out))
    gold = json.loads((folder / "gold.json").read_text(encoding="utf-8"))
    result = scorer.score(gold, preds)
    dups, rows_per_gold = duplicates(gold, preds, result)
    return {"cluster": folder.name, **result, "dup_rows": len(dups), "duplicates": dups,
            "rows_per_required_gold": rows_per_gold, "seconds": round(time.perf_counter() - started, 1)}


def run_all(folders: list[Path], jobs: int) -> list[dict]:
    """Every cluster, ``jobs`` at a time; the first runs alone so that a cold cache builds the gazetteer
    index once rather than once per worker."""
    if not folders:
        return []
    first = run_cluster(folders[0])
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return [first, *pool.map(run_cluster, folders[1:])]


def summary_line(name: str, r: dict) -> str:
    return (f"{name:24s} F1 {r['f1']:.2f}  P {r['precision']:.2f}  R {r['recall']:.2f}  "
            f"({r['found']}/{r['required']} required, {r['predicted']} predicted)")


def print_misses(r: dict) -> None:
    """Each missed, wrong and extra event with its reason, as score_clusters.py --misses, and the duplicates."""
    for row in r["events"]:
        wrong = [k for k, ok in row["checks"].items() if not ok]
        if row["status"] == "required" and not row["matched"]:
            print(f"    MISSED {row['gold']} {row['date']} {row['place']}")
        elif row["matched"] and wrong:
            print(f"    WRONG  {row['gold']} {row['date']} {row['place']}: {', '.join(wrong)}  got {row['predicted']}")
    dup_keys = {json.dumps({k: v for k, v in d.items() if k != "of"}, sort_keys=True) for d in r["duplicates"]}
    for extra in r["unmatched_predictions"]:
        # an extra that falls on a required incident is that incident's second row
        tag = "DUP  " if json.dumps(extra, sort_keys=True) in dup_keys else "EXTRA"
        print(f"    {tag}  {extra}")


def cell(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def git_commit() -> str:
    """The short hash measured, marked '+dirty' when the working tree differs from it."""
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    short = git("rev-parse", "--short", "HEAD") or "unknown"
    return short + ("+dirty" if git("status", "--porcelain", "--untracked-files=no") else "")


def table(results: list[dict], pool: dict, measured: str, commit: str) -> str:
    head = ["cluster", "F1", "P", "R", "required found", "predicted", "dup rows", *FIELDS]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in results:
        lines.append("| " + " | ".join([
            r["cluster"], cell(r["f1"]), cell(r["precision"]), cell(r["recall"]), f"{r['found']}/{r['required']}",
            str(r["predicted"]), str(r["dup_rows"]), *(cell(r["fields"].get(f)) for f in FIELDS)]) + " |")
    lines.append("| " + " | ".join([
        f"**pooled ({len(results)})**", cell(pool["f1"]), cell(pool["precision"]), cell(pool["recall"]),
        f"{pool['found']}/{pool['required']}", str(pool["predicted"]), str(sum(r["dup_rows"] for r in results)),
        *(cell(pool["fields"].get(f)) for f in FIELDS)]) + " |")
    note = (f"Measured {measured} on commit `{commit}` with `make clusters` (`bench/clusters.py`): each cluster "
            "ingested into its own database through the CLI, exported as ACLED CSV and scored with "
            "`shared/eval/score.py`; pooled as `shared/eval/score_clusters.py` pools (micro-averaged). "
            "Fields are over the matched required events. \"dup rows\": rows left over by the one-to-one "
            "matching that fall on a required incident (its place, inside its date window) -- the incident "
            "told twice. Floors: `tests/cluster_floors.json`.")
    return "\n".join([*lines, "", note])


def readme_table(results: list[dict], pool: dict) -> str:
    lines = ["| cluster | F1 | P | R | required found | rows out |", "|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['cluster']} | {cell(r['f1'])} | {cell(r['precision'])} | {cell(r['recall'])} | "
                     f"{r['found']}/{r['required']} | {r['predicted']} |")
    lines.append(f"| **pooled ({len(results)})** | {cell(pool['f1'])} | {cell(pool['precision'])} | "
                 f"{cell(pool['recall'])} | {pool['found']}/{pool['required']} | {pool['predicted']} |")
    return "\n".join(lines)


def write_block(path: Path, block: str, begin: str = BEGIN, end: str = END) -> None:
    text = path.read_text(encoding="utf-8")
    if begin not in text or end not in text or text.index(begin) > text.index(end):
        sys.exit(f"{path}: the markers {begin} and {end} are missing")
    before, rest = text.split(begin, 1)
    after = rest.split(end, 1)[1]
    path.write_text(f"{before}{begin}\n{block}\n{end}{after}", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clusters", nargs="*", type=Path, help="cluster folders (default: every one with a gold.json)")
    parser.add_argument("--jobs", type=int, default=2, help="clusters scored at once (each loads its own models)")
    parser.add_argument("--misses", action="store_true", help="print each missed, wrong, duplicate and extra event")
    parser.add_argument("--json", type=Path, help="write the per-cluster results (and the pooled ones) here")
    parser.add_argument("--out", type=Path, help=f"rewrite the block between {BEGIN} and {END} of this Markdown file")
    parser.add_argument("--readme", type=Path, help=f"rewrite the short table between {README_BEGIN} and {README_END}")
    args = parser.parse_args()
    folders = args.clusters or sorted(p for p in (EVAL / "clusters").iterdir() if (p / "gold.json").exists())
    started = time.perf_counter()
    runs = run_all(folders, args.jobs)
    results = [r for r in runs if "error" not in r]
    for r in runs:
        if "error" in r:
            print(f"{r['cluster']:24s} {r['error']}")
            continue
        print(f"{summary_line(r['cluster'], r)}  dup {r['dup_rows']}")
        if args.misses:
            print_misses(r)
    if not results:
        return 1
    pool = pooled(results)
    fields = " ".join(f"{k} {v:.2f}" for k, v in pool["fields"].items())
    # the pooled line as score_clusters.py prints it, then the duplicates
    print(f"pooled over {len(results)} clusters: F1 {pool['f1']:.2f}  P {pool['precision']:.2f}  "
          f"R {pool['recall']:.2f}  ({pool['found']}/{pool['required']} required, {pool['predicted']} predicted)  "
          f"fields: {fields}  dup {sum(r['dup_rows'] for r in results)}")
    print(f"({time.perf_counter() - started:.0f} s, {args.jobs} at a time)")
    measured, commit = date.today().isoformat(), git_commit()
    if args.json:
        args.json.write_text(json.dumps({"measured": measured, "commit": commit, "pooled": pool,
                                         "clusters": {r["cluster"]: r for r in results}}, indent=1, default=str),
                             encoding="utf-8")
    if args.out:
        write_block(args.out, table(results, pool, measured, commit))
    if args.readme:
        write_block(args.readme, readme_table(results, pool), README_BEGIN, README_END)
    return 0 if len(results) == len(runs) else 1


if __name__ == "__main__":
    sys.exit(main())
