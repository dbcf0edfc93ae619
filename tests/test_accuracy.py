"""Accuracy floors, measured with the project's scorer (shared/eval/score.py) on real reports.

The floors are the scores reached when they were pinned; they may only go up. The scorer is
run exactly as an evaluator runs it: on the ACLED CSV that `warwatch export` writes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import require_shared, run_cli

# pinned floors: (F1, field accuracy); the dev clusters' floors are in cluster_floors.json
SEED_FLOOR = (1.0, 1.0)


def score(gold: Path, db: Path, tmp_path: Path) -> dict:
    scorer = require_shared("eval", "score.py")
    csv_path = tmp_path / "out.csv"
    run_cli("export", "--db", str(db), "--format", "acled", "-o", str(csv_path), check=True)
    result = subprocess.run(
        [sys.executable, str(scorer), str(gold), str(csv_path), "--json"], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def test_seed_articles_meet_the_floor(seed_db, tmp_path):
    result = score(require_shared("eval", "gold", "seeds.json"), seed_db, tmp_path)
    assert result["f1"] >= SEED_FLOOR[0], result["unmatched_predictions"]
    assert result["field_accuracy"] >= SEED_FLOOR[1], result["fields"]
    # every required event's place within 5 km where the gold has coordinates
    assert result["fields"]["geo5km"] >= 1.0
