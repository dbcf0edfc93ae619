"""The relevance gate measured: what it lets through, what it rejects, and what it costs next to spaCy.

Corpora, all read from ``../shared`` at run time (evaluation data: never copied into the repository):

- ordinary news: the 199 articles of ``eval/negatives`` (40 of them "hard": full of war words that
  are not war), read as ``warwatch ingest`` reads them (their manifest, ``warwatch.ingest.collect``);
- conflict articles: the 5 seeds and the 42 articles of ``eval/clusters``, read the same way;
- the CASE 2021 task 2 snippets whose label is an ACLED sub-event type (the ones labelled as a
  disaster, organised crime or diplomacy are no ACLED event; ATTRIB is left out, as in case2021.py);
- ACLED notes of all six event types from the two global samples (each row's ``notes``, with the
  coder's bracketed remarks removed as ``eval/acled_notes.py`` removes them).

The cost is a ratio measured in one process on the same texts: spaCy's parse (the pipeline's own
``Pipeline.parse``, batches of 16, one process) per article against the gate's verdict per article.

    python bench/relevance.py [--misses N] [--json FILE] [--out docs/benchmarks.md] [--parse N]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import importlib.util
import json
import platform
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
NEGATIVES = SHARED / "eval" / "negatives"
SEEDS = SHARED / "seeds"
CLUSTERS = SHARED / "eval" / "clusters"
EVENTS = SHARED / "data" / "events"
#: the ACLED samples whose rows span all six event types, in the current schema
ACLED_FILES = ("acled_global_sample_2022H1.csv.gz", "acled_global_sample_2020AprMay.csv.gz")
ACLED_TYPES = ("Battles", "Explosions/Remote violence", "Violence against civilians", "Protests", "Riots",
               "Strategic developments")
BEGIN, END = "<!-- relevance:begin -->", "<!-- relevance:end -->"


@dataclass(frozen=True)
class Item:
    """One text to judge: where it is from, its kind (topic, event type or sub-type), title and text."""

    name: str
    kind: str
    text: str
    title: str = ""


def _collected(manifest: Path, kinds: dict[str, str] | None = None, default: str = "") -> list[Item]:
    """The articles of a manifest as ``warwatch ingest`` reads them."""
    from warwatch.ingest import IngestFailure, collect

    out = []
    for article in collect([], manifest=manifest):
        if isinstance(article, IngestFailure):
            raise SystemExit(f"{article.source}: {article.message}")
        name = str(Path(article.path or "").relative_to(manifest.parent)) if article.path else article.doc_id or ""
        out.append(Item(f"{manifest.parent.name}/{name}", (kinds or {}).get(name, default), article.text,
                        article.title))
    return out


def negatives() -> list[Item]:
    """The ordinary news articles, with their topic ("hard_negative" for those full of war words)."""
    topics = {}
    for line in (NEGATIVES / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            topics[row["path"]] = row.get("topic", "")
    return _collected(NEGATIVES / "manifest.jsonl", topics)


def conflict_articles() -> list[Item]:
    """Every seed and dev-cluster article."""
    out = _collected(SEEDS / "manifest.jsonl", default="seed")
    for folder in sorted(p for p in CLUSTERS.iterdir() if (p / "manifest.jsonl").exists()):
        out += _collected(folder / "manifest.jsonl", default="cluster")
    return out


def _case2021() -> ModuleType:
    spec = importlib.util.spec_from_file_location("case2021", ROOT / "bench" / "case2021.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def case_snippets() -> list[Item]:
    """The CASE 2021 snippets labelled with an ACLED sub-event type."""
    case = _case2021()
    return [Item(f"case {sid}", gold, text) for sid, text, gold in case.load_snippets() if gold != case.NONE]


def _bracketless(notes: str) -> str:
    # the coder's remarks ("[coded as Pana with GP2]") give the answer away: removed as acled_notes.py does
    return re.sub(r"\s*\[[^\]]*\]", "", notes).strip()


def acled_notes(per_type: int | None = None) -> list[Item]:
    """ACLED notes of the six event types; ``per_type``: the first N of each type, in file order (all when None)."""
    out: list[Item] = []
    taken: Counter[str] = Counter()
    for name in ACLED_FILES:
        with gzip.open(EVENTS / name, "rt", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                kind, notes = row.get("event_type", ""), _bracketless(row.get("notes") or "")
                if kind not in ACLED_TYPES or not notes or (per_type is not None and taken[kind] >= per_type):
                    continue
                taken[kind] += 1
                out.append(Item(f"{name} {row.get('event_id_cnty', '')}", kind, notes))
    return out


def judged(items: list[Item], judge: Callable | None = None) -> Iterator[tuple[Item, object]]:
    """Each item with the gate's verdict."""
    if judge is None:
        from warwatch.extract.relevance import judge
    for item in items:
        yield item, judge(item.text, item.title)


def rates(items: list[Item], judge: Callable | None = None) -> tuple[float, list[tuple[Item, object]]]:
    """The share of ``items`` let through, and every verdict."""
    verdicts = list(judged(items, judge))
    passed = sum(1 for _, v in verdicts if v.relevant)
    return passed / len(verdicts) if verdicts else 1.0, verdicts


def cost_ratio(texts: list[str], repeat: int = 20) -> dict:
    """spaCy's parse per article against the gate's verdict per article, same texts, same process."""
    from warwatch.extract.relevance import default_gate
    from warwatch.pipeline import Pipeline

    gate = default_gate()
    gate.judge("warm up")
    pipeline = Pipeline()
    list(pipeline.parse(texts[:4]))  # the model's first batch pays its own set-up
    start = time.perf_counter()
    for _ in pipeline.parse(texts):
        pass
    parse = (time.perf_counter() - start) / len(texts)
    start = time.perf_counter()
    for _ in range(repeat):
        for text in texts:
            gate.judge(text)
    gated = (time.perf_counter() - start) / (len(texts) * repeat)
    return {"articles": len(texts), "chars": sum(map(len, texts)) // len(texts), "parse_ms": parse * 1000,
            "gate_ms": gated * 1000, "ratio": parse / gated}


def measure(parse: int | None = None) -> dict:
    """Every rate, per kind, and the cost ratio over ``parse`` of the articles (all when None)."""
    neg, con, case, notes = negatives(), conflict_articles(), case_snippets(), acled_notes()
    neg_pass, neg_v = rates(neg)
    con_pass, con_v = rates(con)
    case_pass, case_v = rates(case)
    notes_pass, notes_v = rates(notes)

    def by_kind(verdicts: list) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        for item, v in verdicts:
            out.setdefault(item.kind, [0, 0])
            out[item.kind][0] += bool(v.relevant)
            out[item.kind][1] += 1
        return out

    texts = [i.text for i in con + neg]
    return {
        "negatives_rejected": 1 - neg_pass, "negatives": len(neg),
        "hard_rejected": sum(1 for i, v in neg_v if i.kind == "hard_negative" and not v.relevant)
        / max(1, sum(1 for i in neg if i.kind == "hard_negative")),
        "hard": sum(1 for i in neg if i.kind == "hard_negative"),
        "conflict_passed": con_pass, "conflict": len(con),
        "case_passed": case_pass, "case": len(case),
        "notes_passed": notes_pass, "notes": len(notes),
        "negatives_by_topic": by_kind(neg_v), "case_by_type": by_kind(case_v), "notes_by_type": by_kind(notes_v),
        "cost": cost_ratio(texts[:parse] if parse else texts),
        "misses": {
            "conflict rejected": [(i.name, v.reason) for i, v in con_v if not v.relevant],
            "negatives passed": [(i.name, v.reason) for i, v in neg_v if v.relevant],
            "CASE rejected": [(i.name, i.kind, v.reason) for i, v in case_v if not v.relevant],
            "ACLED notes rejected": [(i.name, i.kind, v.reason) for i, v in notes_v if not v.relevant],
        },
    }


def _pct(share: float) -> str:
    return f"{100 * share:.1f}%"


def markdown(result: dict) -> str:
    """The section of docs/benchmarks.md."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=ROOT).stdout.strip() or "unknown"
    cost, topics = result["cost"], result["negatives_by_topic"]
    lines = [
        BEGIN,
        f"`python bench/relevance.py --out docs/benchmarks.md` ({date.today().isoformat()}, commit {commit}, "
        f"Python {platform.python_version()}). The gate (`warwatch/extract/relevance.py`) decides from its vocabulary "
        "(`extract/lexicons/relevance.json`) whether an article can hold an event, before spaCy parses it; "
        "the vocabulary was tuned on the seeds, the dev clusters and the negatives, and checked on the CASE 2021 "
        "snippets and ACLED notes without tuning to them one by one.",
        "",
        "| corpus | texts | measure | rate | floor |",
        "|---|---:|---|---:|---:|",
        f"| ordinary news (`eval/negatives`) | {result['negatives']} | rejected | "
        f"**{_pct(result['negatives_rejected'])}** | ≥ 80% |",
        f"| … of them full of war words (hard) | {result['hard']} | rejected | "
        f"{_pct(result['hard_rejected'])} | |",
        f"| conflict articles (seeds + `eval/clusters`) | {result['conflict']} | let through | "
        f"**{_pct(result['conflict_passed'])}** | ≥ 99% |",
        f"| CASE 2021 snippets with an ACLED sub-event type | {result['case']} | let through | "
        f"**{_pct(result['case_passed'])}** | ≥ 99% |",
        f"| ACLED notes, six event types | {result['notes']} | let through | "
        f"**{_pct(result['notes_passed'])}** | ≥ 99% |",
    ]
    for kind, (passed, total) in sorted(result["notes_by_type"].items()):
        lines.append(f"| … {kind} | {total} | let through | {_pct(passed / total)} | ≥ 99% |")
    lines += [
        "",
        "Ordinary news by topic (rejected / articles): " + ", ".join(
            f"{topic} {total - passed}/{total}" for topic, (passed, total) in sorted(topics.items())) + ".",
        "",
        f"Cost, one process, the same {cost['articles']} articles (seeds, clusters and negatives, "
        f"{cost['chars']:,} characters on average): spaCy's parse {cost['parse_ms']:.1f} ms an article, the gate "
        f"{cost['gate_ms']:.3f} ms: the gate is **{cost['ratio']:.0f}×** cheaper (floor: 50×). Absolute times "
        "depend on the machine (2 shared cores here); the ratio is the figure.",
        END,
    ]
    return "\n".join(lines)


def write_section(path: Path, section: str) -> None:
    """Replace the block between the markers in ``path`` (appended under a heading when absent)."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n## Relevance gate\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", type=int, default=0, help="list this many misses of each kind")
    parser.add_argument("--json", type=Path, help="write the figures as JSON")
    parser.add_argument("--out", type=Path, help="rewrite the relevance section of this Markdown file")
    parser.add_argument("--parse", type=int, help="time spaCy on the first N articles only")
    args = parser.parse_args()
    for needed in (NEGATIVES, SEEDS, CLUSTERS, EVENTS):
        if not needed.exists():
            sys.exit(f"{needed} is missing: the shared evaluation data must sit beside the repository")
    result = measure(args.parse)
    print(markdown(result))
    for kind, rows in result["misses"].items():
        if args.misses and rows:
            print(f"\n{kind}: {len(rows)}")
            for row in rows[:args.misses]:
                print("  " + " | ".join(str(x) for x in row))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")
    if args.out:
        write_section(args.out, markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
