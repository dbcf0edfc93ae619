"""Write the figures of a reliability run into docs/reliability.md.

``make reliability`` runs the reliability tests in their large profile (WARWATCH_PROFILE=large) with
WARWATCH_RELIABILITY_OUT pointing at a JSON file; each test adds its figures there (kills survived,
rows lost, inputs fuzzed, requests answered under ingest, memory per hostile input). This script
turns that file into the table between the markers of docs/reliability.md, with the date and the
machine, so that the document always says what the last run found.

    python bench/reliability.py --figures .reliability.json --out docs/reliability.md
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

BEGIN, END = "<!-- figures: written by bench/reliability.py -->", "<!-- /figures -->"


def _fuzz_rows(figures: dict) -> list[tuple[str, str]]:
    fuzz = {k: v for k, v in figures.items() if k.startswith("fuzz:")}
    if not fuzz:
        return []
    total = sum(v.get("inputs", 0) for v in fuzz.values())
    crashes = sum(v.get("uncaught", 0) for v in fuzz.values())
    rows = [("Fuzzing: generated inputs, all targets", f"{total:,} inputs, {crashes} uncaught exception(s)")]
    rows += [(f"  {name.removeprefix('fuzz:')}", f"{v.get('inputs', 0):,}") for name, v in sorted(fuzz.items())]
    return rows


def rows(figures: dict) -> list[tuple[str, str]]:
    """(what, figure) lines for the table, in the order of the document's guarantees."""
    out: list[tuple[str, str]] = []
    kill = figures.get("sigkill")
    if kill:
        out.append(("SIGKILL at random moments, each followed by the checks",
                    f"{kill['kills']} kills survived over {kill['articles']} articles, in {kill.get('rounds', 1)} "
                    "run(s) taken to the end; articles held at the kills: "
                    f"{', '.join(map(str, kill['held_at_kills']))}; rows lost: {kill['rows_lost']}; final export "
                    f"identical to an uninterrupted run: {'yes' if kill['export_identical'] else 'NO'}"))
    for name, label in (("signal_SIGTERM", "SIGTERM"), ("signal_Ctrl-C", "Ctrl-C (SIGINT to the group)")):
        found = figures.get(name)
        if found:
            out.append((f"{label} mid-ingest", f"stopped cleanly after {found['stopped_after']} of "
                        f"{found['articles']} articles; rows lost: {found['rows_lost']}; re-run identical: yes"))
    serve = figures.get("serve_during_ingest")
    if serve:
        out.append(("`warwatch serve` while an ingest writes",
                    f"{serve['requests']} requests, {serve['errors']} errors, {serve['locked']} \"database is "
                    f"locked\"; p95 idle {serve['p95_idle_ms']} ms, under ingest {serve['p95_busy_ms']} ms "
                    f"(ratio {serve['p95_ratio']})"))
    memory = figures.get("memory")
    if memory:
        extra = ", ".join(f"{k} +{v} MB" for k, v in sorted(memory["extra_mb"].items()))
        out.append(("Peak memory added per hostile input",
                    f"{extra} (gzip bomb inflating to {memory['bomb_inflates_to_mb']} MB, JSONL line of "
                    f"{memory['line_mb']} MB)"))
    out += _fuzz_rows(figures)
    for name, found in sorted(figures.items()):
        if name.startswith("other:"):
            out.append((name.removeprefix("other:"), found.get("summary", "")))
    return out


def render(figures: dict) -> str:
    profiles = sorted({v.get("profile", "?") for v in figures.values()})
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [BEGIN, "", f"Last run: {when}, profile {'/'.join(profiles)}, on {platform.machine()} with "
             f"{os.cpu_count()} cores, Python {platform.python_version()}.", "",
             "| guarantee | figures of the last run |", "|---|---|"]
    lines += [f"| {what} | {figure} |" for what, figure in rows(figures)]
    return "\n".join([*lines, "", END])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--figures", type=Path, required=True, help="the JSON file the tests wrote")
    parser.add_argument("--out", type=Path, required=True, help="the Markdown file with the markers")
    args = parser.parse_args(argv)
    if not args.figures.exists():
        print(f"error: no figures at {args.figures}: did the tests run with WARWATCH_RELIABILITY_OUT?",
              file=sys.stderr)
        return 2
    figures = json.loads(args.figures.read_text(encoding="utf-8"))
    doc = args.out.read_text(encoding="utf-8")
    if BEGIN not in doc or END not in doc:
        print(f"error: {args.out} has no figures markers", file=sys.stderr)
        return 2
    head, rest = doc.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    args.out.write_text(head + render(figures) + tail, encoding="utf-8")
    print(f"{len(rows(figures))} figure line(s) → {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
