"""Shared fixtures: the real spaCy pipeline and a real SQLite file built from the seed articles."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "src" / "warwatch" / "samples"
SHARED = ROOT.parent / "shared"
WARWATCH = [sys.executable, "-m", "warwatch.cli"]


def run_cli(*args: str, env: dict | None = None, check: bool = False) -> subprocess.CompletedProcess:
    """Run the real command line in a fresh process, as a user would."""
    full_env = {**os.environ, **(env or {})}
    result = subprocess.run([*WARWATCH, *args], capture_output=True, text=True, env=full_env, timeout=300)
    if check and result.returncode != 0:
        raise AssertionError(f"warwatch {' '.join(args)} failed: {result.stderr}")
    return result


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The user's cache (gazetteer index) for this test session."""
    path = Path(os.environ.get("WARWATCH_CACHE") or tmp_path_factory.mktemp("cache"))
    os.environ["WARWATCH_CACHE"] = str(path)
    return path


@pytest.fixture(scope="session")
def pipeline(cache_dir: Path):
    from warwatch.pipeline import Pipeline

    return Pipeline()


@pytest.fixture(scope="session")
def seed_db(tmp_path_factory: pytest.TempPathFactory, cache_dir: Path) -> Path:
    """The five bundled seed articles ingested through the CLI with their manifest."""
    db = tmp_path_factory.mktemp("seeds") / "seeds.db"
    run_cli("ingest", "--db", str(db), "--manifest", str(SAMPLES / "manifest.jsonl"), check=True)
    return db


@pytest.fixture()
def seed_copy(seed_db: Path, tmp_path: Path) -> Path:
    """A private copy of the seed database, for tests that write."""
    target = tmp_path / "seeds.db"
    shutil.copy(seed_db, target)
    return target
