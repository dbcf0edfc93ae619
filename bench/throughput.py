"""End-to-end ingest throughput against bare spaCy, measured in one process.

The same article texts go through (a) ``nlp.pipe`` of the same spaCy pipeline, nothing else,
and (b) ``warwatch.pipeline.ingest``: reading files, cleaning, spaCy, rules, geocoding and
writing to a fresh SQLite file. The machines are shared and noisy, so the two runs alternate
and the report is the ratio of medians (warwatch articles/s ÷ bare spaCy articles/s).

    python bench/throughput.py [--copies 10] [--rounds 3] [--out docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "src" / "warwatch" / "samples"
SHARED_A = ROOT.parent / "shared" / "eval" / "clusters" / "A"


def corpus(folder: Path, copies: int) -> list[Path]:
    """Seed (and, when present, cluster A) articles, each copy made unique so none is skipped as a duplicate."""
    sources = sorted(SAMPLES.glob("*.txt")) + (sorted(SHARED_A.glob("*.txt")) if SHARED_A.exists() else [])
    paths = []
    for n in range(copies):
        for src in sources:
            target = folder / f"{n:03d}_{src.name}"
            # a numbered title keeps each copy distinct (the content hash covers the title)
            target.write_text(f"Reprint {n}: " + src.read_text(encoding="utf-8"), encoding="utf-8")
            paths.append(target)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--n-process", type=int, default=2, help="spaCy worker processes on both sides (ingest's default)"
    )
    parser.add_argument("--out", type=Path, default=None, help="append the result to this Markdown file")
    args = parser.parse_args()

    from warwatch.extract.nlp import load_nlp
    from warwatch.ingest import collect
    from warwatch.pipeline import BATCH_SIZE, Pipeline, ingest

    pipeline = Pipeline()  # loads spaCy and opens the gazetteer index once, outside the timings
    nlp = load_nlp()
    bare_rates, full_rates = [], []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "docs"
        folder.mkdir()
        paths = corpus(folder, args.copies)
        # the same distinct articles that ingest will store (a copy it recognises is skipped by both)
        unique = {a.content_hash: a.text for a in collect(paths, published=None) if hasattr(a, "text")}
        texts = list(unique.values())
        for r in range(args.rounds):
            start = time.perf_counter()
            for _ in nlp.pipe(texts, batch_size=BATCH_SIZE, n_process=args.n_process):
                pass
            bare_rates.append(len(texts) / (time.perf_counter() - start))
            db = Path(tmp) / f"bench{r}.db"
            start = time.perf_counter()
            report = ingest(paths, db=db, published=None, pipeline=pipeline, n_process=args.n_process)
            full_rates.append(report.stored / (time.perf_counter() - start))
            assert report.stored == len(texts), report
    bare, full = statistics.median(bare_rates), statistics.median(full_rates)
    ratio = full / bare
    line = (
        f"| {time.strftime('%Y-%m-%d')} | {len(texts)} | {bare:.1f} | {full:.1f} | **{ratio:.2f}** | "
        f"{args.rounds} rounds, medians; batch_size {BATCH_SIZE}, n_process {args.n_process} on both sides |"
    )
    print(f"bare nlp.pipe: {bare:.1f} articles/s; warwatch ingest: {full:.1f} articles/s; ratio {ratio:.2f}")
    if args.out:
        text = args.out.read_text(encoding="utf-8") if args.out.exists() else "# Benchmarks\n"
        if "## Throughput" not in text:
            text += (
                "\n## Throughput\n\n`python bench/throughput.py --out docs/benchmarks.md`: "
                "end-to-end ingest "
                "(files → SQLite) against bare `nlp.pipe` of the same model on the same texts, same process.\n\n"
                "| date | articles | bare spaCy (art/s) | warwatch (art/s) | ratio | notes |\n"
                "|---|---|---|---|---|---|\n"
            )
        head, sep, tail = text.partition("## Throughput")
        table_end = tail.find("\n## ")
        section = tail if table_end < 0 else tail[:table_end]
        rest = "" if table_end < 0 else tail[table_end:]
        args.out.write_text(head + sep + section.rstrip("\n") + "\n" + line + "\n" + rest, encoding="utf-8")


if __name__ == "__main__":
    main()
