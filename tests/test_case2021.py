"""A floor under event typing on the CASE 2021 task 2 test snippets, through the whole pipeline.

bench/case2021.py does the work: every scored snippet becomes an article, the ten chunks are each
ingested into their own database by the real CLI and exported back, and a snippet is right only when
the sub-event types it is a source of are exactly its gold one. Here the same functions run and the
figures are held to the floors in tests/case2021_floor.json (edit them there: they may only go up).

The recall of "(no event)" has its own floor: it is the gate that keeps disasters, crime and
diplomacy out of the store, and a rule that types more snippets can raise F1 while opening it.

``make test`` scores every other chunk (496 snippets, about half the time) against the sample's own
floors; ``make reliability`` (WARWATCH_PROFILE=large) scores all ten against the full floors.

The snippets are read from ../shared at run time and never copied into the repository. Where ../shared
is absent the test skips, and with CI=true it fails (conftest.require_shared).
"""

from __future__ import annotations

import importlib.util
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType

from conftest import ROOT, require_shared

FLOOR = json.loads(Path(__file__).with_name("case2021_floor.json").read_text(encoding="utf-8"))
JOBS = 2  # chunks ingested at once: each CLI process loads its own spaCy model
LARGE = os.environ.get("WARWATCH_PROFILE", "small") == "large"


def bench() -> ModuleType:
    """bench/case2021.py, loaded from its file as the other tests load bench modules."""
    spec = importlib.util.spec_from_file_location("case2021", ROOT / "bench" / "case2021.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def summary(result: dict, none: str) -> str:
    """The figures and the per-class table, for the failure message."""
    lines = [f"weighted F1 {result['weighted_f1']:.3f}  accuracy {result['accuracy']:.3f}  "
             f"({none} recall {result['per_class'][none]['recall']:.2f}, {result['snippets']} snippets)"]
    for label, c in sorted(result["per_class"].items(), key=lambda kv: -kv[1]["support"]):
        lines.append(f"  {label:40s} n={c['support']:3d}  P {c['precision']:.2f}  R {c['recall']:.2f}")
    lines += [f"  {gold} -> {got}: {n}" for (gold, got), n in result["confusion"][:10]]
    return "\n".join(lines)


def test_the_floor_file_is_well_formed() -> None:
    figures = {k: v for k, v in FLOOR.items() if k != "about"}
    assert set(figures) == {"snippets", "weighted_f1", "accuracy", "no_event_recall", "sample"}
    for floors in (figures, figures["sample"]):
        assert all(0.0 <= floors[k] <= 1.0 for k in ("weighted_f1", "accuracy", "no_event_recall"))
    assert figures["sample"]["snippets"] < figures["snippets"]


def test_case2021_typing_meets_its_floor(cache_dir: Path) -> None:
    case = bench()
    require_shared(*case.DATA.relative_to(ROOT.parent / "shared").parts)
    rows = case.load_snippets()
    assert len(rows) == FLOOR["snippets"], "the scored CASE snippets changed: re-measure and re-pin the floor"
    chunks = [chunk for chunk in (rows[i::case.CHUNKS] for i in range(case.CHUNKS)) if chunk]
    floor = FLOOR
    if not LARGE:  # every other chunk: each is every tenth snippet, so the sample keeps the mix of classes
        chunks, floor = chunks[::2], FLOOR["sample"]
        rows = [row for chunk in chunks for row in chunk]
        assert len(rows) == floor["snippets"], "the sample changed: re-measure and re-pin its floor"
    # the first chunk alone: on a cold cache it builds the gazetteer index once, not once per worker
    found = dict(case.run_chunk(chunks[0]))
    with ThreadPoolExecutor(max_workers=JOBS) as pool:
        for part in pool.map(case.run_chunk, chunks[1:]):
            found.update(part)
    result = case.scores(rows, found)
    report = summary(result, case.NONE)
    assert result["weighted_f1"] >= floor["weighted_f1"], report
    assert result["accuracy"] >= floor["accuracy"], report
    assert result["per_class"][case.NONE]["recall"] >= floor["no_event_recall"], report
