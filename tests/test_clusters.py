"""Accuracy floors for every dev cluster of ../shared/eval/clusters, and for the pooled figures.

Each cluster is ingested into its own database through the real CLI, exported as ACLED CSV and scored
with shared/eval/score.py, exactly as shared/eval/score_clusters.py does; the pooled figures use that
script's own ``pooled``. The floors live in tests/cluster_floors.json (edit them there: they may only
go up). Where ../shared is absent the tests skip, and with CI=true they fail (conftest.require_shared).
"""

from __future__ import annotations

import json
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from conftest import SHARED, require_shared, run_cli

FLOORS = json.loads(Path(__file__).with_name("cluster_floors.json").read_text(encoding="utf-8"))
CLUSTERS = SHARED / "eval" / "clusters"
# only the folder names are read at collection; a missing ../shared shows up as one placeholder case,
# which skips (or, with CI=true, fails) in the test itself rather than vanishing from the run
NAMES = sorted(p.name for p in CLUSTERS.iterdir() if (p / "gold.json").exists()) if CLUSTERS.is_dir() else []
JOBS = 2  # clusters ingested at once: each CLI process loads its own spaCy model


def evaluation() -> tuple[ModuleType, Any]:
    """shared/eval/score.py and score_clusters.pooled, imported in place as score_clusters.py imports score."""
    folder = str(require_shared("eval", "score_clusters.py").parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    import score
    from score_clusters import pooled

    return score, pooled


class ClusterScores:
    """Each cluster ingested and scored once per session, however many tests read it."""

    def __init__(self, base: Path, wanted: list[str]) -> None:
        self.base, self.wanted = base, wanted
        self.results: dict[str, dict] = {}
        self.lock = threading.Lock()

    def _score(self, name: str) -> dict:
        scorer, _ = evaluation()
        folder = CLUSTERS / name
        db, out = self.base / f"{name}.db", self.base / f"{name}.csv"
        offline = {"HF_HUB_OFFLINE": "1"}
        run_cli("ingest", "--db", str(db), "--manifest", str(folder / "manifest.jsonl"), env=offline, check=True)
        run_cli("export", "--db", str(db), "--format", "acled", "-o", str(out), env=offline, check=True)
        gold = json.loads((folder / "gold.json").read_text(encoding="utf-8"))
        return scorer.score(gold, scorer.read_predictions(str(out)))

    def get(self, name: str) -> dict:
        with self.lock:  # the first caller scores every cluster this session selected, JOBS at a time
            missing = [n for n in dict.fromkeys([name, *self.wanted]) if n not in self.results]
            if missing:
                # the first alone: on a cold cache it builds the gazetteer index once, not once per worker
                self.results[missing[0]] = self._score(missing[0])
                with ThreadPoolExecutor(max_workers=JOBS) as pool:
                    self.results.update(zip(missing[1:], pool.map(self._score, missing[1:]), strict=True))
            return self.results[name]


@pytest.fixture(scope="session")
def cluster_scores(request: pytest.FixtureRequest, cache_dir: Path,
                   tmp_path_factory: pytest.TempPathFactory) -> ClusterScores:
    # the clusters that the selected tests will read (all of them when the pooled floor is selected)
    wanted: list[str] = []
    for item in request.session.items:
        if item.module is not None and item.module.__name__ == __name__:
            params = getattr(getattr(item, "callspec", None), "params", {})
            wanted += [params["cluster"]] if "cluster" in params else NAMES
    return ClusterScores(tmp_path_factory.mktemp("clusters"), [n for n in dict.fromkeys(wanted) if n in NAMES])


def describe(result: dict) -> str:
    """What went wrong, for the failure message: the misses, the wrong fields and the extra rows."""
    lines = [f"F1 {result['f1']:.2f} P {result['precision']:.2f} R {result['recall']:.2f} "
             f"({result['found']}/{result['required']} required, {result['predicted']} predicted)"]
    for row in result["events"]:
        wrong = [k for k, ok in row["checks"].items() if not ok]
        if row["status"] == "required" and not row["matched"]:
            lines.append(f"MISSED {row['gold']} {row['date']} {row['place']}")
        elif row["matched"] and wrong:
            lines.append(f"WRONG  {row['gold']} {row['date']} {row['place']}: {', '.join(wrong)}")
    lines += [f"EXTRA  {extra}" for extra in result["unmatched_predictions"]]
    return "\n".join(lines)


def test_the_floor_file_is_well_formed() -> None:
    for name, floor in [("pooled", FLOORS["pooled"]), *FLOORS["clusters"].items()]:
        assert set(floor) == {"f1", "precision"}, name
        assert all(0.0 <= v <= 1.0 for v in floor.values()), name


@pytest.mark.parametrize("cluster", NAMES or ["shared-eval-clusters-missing"])
def test_cluster_meets_its_floor(cluster: str, cluster_scores: ClusterScores) -> None:
    require_shared("eval", "clusters", cluster, "gold.json")
    floor = FLOORS["clusters"].get(cluster)
    if floor is None:
        pytest.fail(f"no floor for cluster {cluster!r}: add it to tests/cluster_floors.json "
                    "(its measured F1 and precision minus 0.02, from `make clusters`)")
    result = cluster_scores.get(cluster)
    assert result["f1"] >= floor["f1"], describe(result)
    assert result["precision"] >= floor["precision"], describe(result)


def test_pooled_clusters_meet_the_floor(cluster_scores: ClusterScores) -> None:
    _, pooled = evaluation()
    require_shared("eval", "clusters")
    assert set(FLOORS["clusters"]) <= set(NAMES), "cluster_floors.json names clusters that shared/eval lacks"
    results = [cluster_scores.get(name) for name in NAMES]
    figures = pooled(results)
    summary = f"pooled F1 {figures['f1']:.2f} P {figures['precision']:.2f} R {figures['recall']:.2f}"
    assert figures["f1"] >= FLOORS["pooled"]["f1"], summary
    assert figures["precision"] >= FLOORS["pooled"]["precision"], summary
