"""How long a situation report takes to make, by format and by the number of events it covers.

    python bench/report.py [--sizes 1000,20000] [--out docs/benchmarks.md]

Each size is a synthetic store (bench/api_latency.py's generator: real schema, realistic spread of
types, places, tolls and sources) reported over all its events, the heaviest case: every event is in
the period. The listing query of the same events, in the same process, is the baseline the report
is compared with (a report reads every event of the period and its articles, then draws).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from api_latency import generate

from warwatch.report.render import FORMATS, render
from warwatch.store import Store
from warwatch.store.query import EventQuery, search_events


def measure(db: Path) -> dict[str, tuple[float, int]]:
    out: dict[str, tuple[float, int]] = {}
    with Store(db) as store:
        start = time.perf_counter()
        with store.engine.connect() as conn:
            n = len(search_events(conn, EventQuery(limit=None), with_total=False).records)
        out["listing (baseline)"] = (time.perf_counter() - start, n)
        for fmt in FORMATS:
            start = time.perf_counter()
            done = render(store, {}, fmt)
            out[fmt] = (time.perf_counter() - start, len(done.body) + sum(map(len, done.pictures.values())))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,20000")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    lines = ["## Situation report", "",
             "`python bench/report.py`: `render()` over every event of a synthetic store (2 cores). The baseline is",
             "the plain listing of the same events (`search_events`, no limit) in the same process.", "",
             "| events | format | seconds | × listing | size |", "|---|---|---|---|---|"]
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "bench.db"
            generate(db, size, seed=3)
            result = measure(db)
        base = result["listing (baseline)"][0]
        for name, (seconds, size_or_n) in result.items():
            what = f"{size_or_n} rows" if name.startswith("listing") else f"{size_or_n / 1e6:.1f} MB"
            lines.append(f"| {size:,} | {name} | {seconds:.2f} | {seconds / base:.1f} | {what} |")
            print(lines[-1], flush=True)
    section = "\n".join(lines) + "\n"
    if args.out:
        from sections import write_section

        write_section(args.out, "## Situation report", section)
    else:
        print(section)


if __name__ == "__main__":
    main()
